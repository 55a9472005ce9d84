import copy
import shutil
from pathlib import Path

import pytest
import yaml

import igviz

QUOTE = "the model has real strengths in the clarity of process"
SOURCE = "000_e13ad8dd67510eba.txt"


def minimal_proposal(pid="test_model", **changes):
    """A small valid proposal scoring every default criterion, for tests to break one field at a time."""
    criteria = [c.id for c in igviz.load_dataset().default_framework.criteria]
    record = {
        "id": pid, "name": "Test model", "short_name": "Test", "proponent": "The tests",
        "description": "A proposal that exists to be broken.",
        "citations": [{"source": SOURCE, "quote": QUOTE}],
        # QUOTE says "the model", so its stated scores pass the rule that a stated quote names the proposal.
        "source_names": ["the model"],
        "attributes": {
            "home_institution": "none", "seats": {"government": 1}, "advisory_groups": ["civil_society"],
            "decision_rule": "rough_consensus", "binding": False, "coordinating_function": True,
            "issue_working_groups": False,
        },
        "scores": {c: {"score": 5, "low": 4, "high": 6, "evidence": "stated", "rationale": "Because.",
                       "citations": [{"source": SOURCE, "quote": QUOTE}]} for c in criteria},
    }
    record.update(changes)
    return record


@pytest.fixture
def data_folder(tmp_path):
    """A copy of the bundled data folder that a test may damage."""
    folder = tmp_path / "data"
    shutil.copytree(igviz.BUNDLED_DATA, folder)
    return folder


@pytest.fixture
def user_folder(tmp_path):
    """An empty folder of a user's own data, loaded beside the bundled data."""
    folder = tmp_path / "mine"
    (folder / "proposals").mkdir(parents=True)
    (folder / "frameworks").mkdir()
    return folder


def write_yaml(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def deep(data):
    return copy.deepcopy(data)


# -- browser tests: one explorer server and one Chromium per test module ------------------------

@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: a test is marked before it is selected
def pytest_collection_modifyitems(items):
    """A test that uses the `browser` fixture is a browser test even if its module forgot the mark.

    `-m "not browser"` (the lowest-bounds run in scripts/test) relies on the mark; tests that drive
    Chromium without this fixture (test_scenario_report.py) carry @pytest.mark.browser themselves.
    """
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def server():
    from browser_support import explorer_server

    with explorer_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from browser_support import launch_chromium

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


# -- database tests: one throwaway PostgreSQL server for the whole session ----------------------

@pytest.fixture(scope="session")
def postgres_url():
    """SQLAlchemy URL of a private PostgreSQL started for this test session (or $IGVIZ_TEST_DATABASE_URL)."""
    from postgres_support import temporary_postgres

    with temporary_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Each store test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workshops.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    """A workshop store on both databases, without the store's minimum time between submissions
    (tests submit faster than a person). A module may override it (test_pacing.py adds a clock)."""
    from igviz.workshop import WorkshopStore

    s = WorkshopStore(store_url, min_seconds_between_submissions=0)
    yield s
    s.dispose()


# -- an analyst's own proposal beside a copy of the bundled data (the command and wheel tests) ----

ANALYST_PROPOSAL = "analyst_hubs"
ANALYST_NAME = "Analyst regional policy hubs"
ANALYST_SHORT_NAME = "Regional hubs"


def add_analyst_proposal(folder: Path) -> Path:
    """Write one more proposal (and its institution-map overlay) into the data folder `folder`."""
    write_yaml(folder / "proposals" / f"{ANALYST_PROPOSAL}.yaml",
               minimal_proposal(ANALYST_PROPOSAL, name=ANALYST_NAME, short_name=ANALYST_SHORT_NAME,
                                description="Regional hubs that take up issues raised at the IGF."))
    write_yaml(folder / "overlays" / f"{ANALYST_PROPOSAL}.yaml", {
        "proposal": ANALYST_PROPOSAL, "note": "Adds one hub beside the IGF.",
        "adds_bodies": [{"id": "regional_hub", "name": "Regional policy hub", "kind": "multistakeholder",
                         "description": "A hub that takes up issues raised at the IGF.",
                         "citation": {"source": SOURCE, "quote": QUOTE}}],
        "adds_relations": [{"from": "igf", "to": "regional_hub", "relation": "hosts",
                            "description": "The hub would be attached to the IGF.",
                            "citation": {"source": SOURCE, "quote": QUOTE}}],
        "removes_relations": [],
    })
    return folder
