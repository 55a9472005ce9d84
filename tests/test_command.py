"""The `igviz` command: every page on the data given with --data, check, report, --version.

The pages are served in a subprocess (`igviz serve`, and `panel serve dashboards/...` for the
entry files `panel serve` users keep) and fetched over HTTP. A Panel page's HTML carries no
content (the document follows over the websocket), so the explorer's and facilitator's
documents are pulled with Bokeh's own client, the way a browser would receive them.
tests/test_wheel.py does the same from an installed wheel.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from browser_support import REPO, WORKSHOP_APPS, panel_server
from conftest import ANALYST_NAME, ANALYST_PROPOSAL, ANALYST_SHORT_NAME, add_analyst_proposal

import igviz
from igviz.cli import main
from igviz.scenario import Scenario
from igviz.workshop import WorkshopStore, new_workshop

WORKSHOP_PROPOSALS = [ANALYST_PROPOSAL, "mipc", "un_committee"]


@pytest.fixture(scope="module")
def analyst_data(tmp_path_factory) -> Path:
    """A copy of the bundled data with one more proposal, as an analyst would keep it."""
    folder = tmp_path_factory.mktemp("analyst") / "data"
    shutil.copytree(igviz.BUNDLED_DATA, folder)
    return add_analyst_proposal(folder)


@pytest.fixture(scope="module")
def workshop(analyst_data, tmp_path_factory):
    """A workshop on the analyst's data that includes their proposal, with one participant joined."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'workshops.sqlite'}"
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    created = new_workshop(store, igviz.load_dataset(analyst_data), "Our own proposal", proposals=WORKSHOP_PROPOSALS)
    token = store.join(created.workshop.code, "civil_society", "Heron")
    # The board computes results on the served data once they are shown (hidden until revealed).
    store.set_results_live(created.workshop.code, created.secret, True)
    yield {"url": url, "code": created.workshop.code, "key": created.secret, "token": token}
    store.dispose()


def get(base: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", errors="replace")


def document_text(base: str, page: str, **arguments) -> str:
    """The page's Bokeh document as JSON text: what the browser receives over the websocket."""
    import panel.models  # noqa: F401 - Panel's model classes, to read its document
    from bokeh.client import pull_session

    with pull_session(url=f"{base}/{page}", arguments=arguments or None) as session:
        return json.dumps(session.document.to_json(), default=str)


# -- igviz serve --data ---------------------------------------------------------------------------

def test_every_page_serves_the_data_given_with_data(analyst_data, workshop):
    with panel_server(WORKSHOP_APPS, workshop["url"], data=[analyst_data]) as server:
        base = server.base
        for page in ("", "/explorer", "/participant", "/facilitator", "/lite"):
            assert get(base, page)[0] == 200, page
        # The light page of the workshop that includes the analyst's proposal (was HTTP 500).
        status, lite = get(base, f"/lite?p={workshop['token']}")
        assert status == 200 and ANALYST_SHORT_NAME in lite
        assert lite.count("<tr data-proposal=") == len(WORKSHOP_PROPOSALS)  # one row per proposal
        assert get(base, f"/participant?p={workshop['token']}")[0] == 200
        assert ANALYST_SHORT_NAME in document_text(base, "participant", p=workshop["token"])
        assert ANALYST_NAME in document_text(base, "explorer")
        assert ANALYST_SHORT_NAME in document_text(base, "facilitator")  # the set-up form offers it
        # The facilitator's board: the workshop's results computed on the same data.
        board = document_text(base, "facilitator", code=workshop["code"], key=workshop["key"])
        assert ANALYST_SHORT_NAME in board and "Our own proposal" in board


def test_a_server_without_the_workshops_proposal_says_so_instead_of_failing(workshop):
    # `panel serve dashboards/...` on the bundled data: the entry files still serve, and a workshop
    # created on other data gets a message naming what is missing, not an HTTP 500.
    with panel_server(WORKSHOP_APPS, workshop["url"], command="panel") as server:
        assert get(server.base, "/explorer")[0] == 200
        status, lite = get(server.base, f"/lite?p={workshop['token']}")
        assert 400 <= status < 500, lite[:2000]  # the link cannot be used here, and the page says why
        assert ANALYST_PROPOSAL in lite and "--data" in lite
        status, page = get(server.base, f"/participant?p={workshop['token']}")
        assert status == 200
        assert ANALYST_PROPOSAL in document_text(server.base, "participant", p=workshop["token"])
        board = document_text(server.base, "facilitator", code=workshop["code"], key=workshop["key"])
        assert ANALYST_PROPOSAL in board and "igviz serve --data" in board


def test_panel_serve_users_choose_the_data_with_igviz_data(analyst_data, workshop):
    with panel_server(["participant"], workshop["url"], command="panel", data=[analyst_data]) as server:
        status, lite = get(server.base, f"/lite?p={workshop['token']}")
        assert status == 200 and ANALYST_SHORT_NAME in lite


def test_serve_refuses_broken_data_before_it_listens(tmp_path, capsys):
    broken = shutil.copytree(igviz.BUNDLED_DATA, tmp_path / "data")
    path = broken / "proposals" / "mipc.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["scores"]["transparent"]["score"] = 11
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    assert main(["serve", "--data", str(broken), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "nothing is served" in err and "mipc.yaml" in err and "scores.transparent" in err


def test_the_command_is_installed_and_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "igviz", "--version"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0 and done.stdout.strip() == f"igviz {igviz.__version__}"
    script = Path(sys.executable).parent / "igviz"
    if script.exists():  # installed with pip install -e . (the [project.scripts] entry point)
        done = subprocess.run([str(script), "serve", "--help"], capture_output=True, text=True)
        assert done.returncode == 0 and "--data DIR" in done.stdout and "bundled" in done.stdout


def test_version_comes_from_the_project():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert igviz.__version__ == project["version"]


# -- igviz check ----------------------------------------------------------------------------------

def test_check_lists_the_data_and_combines_folders(analyst_data, tmp_path, capsys):
    assert main(["check", str(analyst_data)]) == 0
    assert f"proposal {ANALYST_PROPOSAL}: {ANALYST_NAME}" in capsys.readouterr().out
    # A folder of one's own beside the bundled data, named by the word `bundled`.
    mine = tmp_path / "mine"
    (mine / "proposals").mkdir(parents=True)
    shutil.copy(analyst_data / "proposals" / f"{ANALYST_PROPOSAL}.yaml", mine / "proposals")
    assert main(["check", "bundled", str(mine)]) == 0
    assert ANALYST_NAME in capsys.readouterr().out


def test_check_names_file_record_and_field(analyst_data, tmp_path, capsys):
    broken = shutil.copytree(analyst_data, tmp_path / "broken")
    path = broken / "proposals" / f"{ANALYST_PROPOSAL}.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    del record["scores"]["expertise"]["rationale"]
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"proposals/{ANALYST_PROPOSAL}.yaml" in err and f"'{ANALYST_PROPOSAL}'" in err
    assert "scores.expertise.rationale" in err
    assert main(["check", str(tmp_path / "nowhere")]) == 1
    assert "no such data folder" in capsys.readouterr().err


# -- igviz report ---------------------------------------------------------------------------------

def test_report_writes_the_scenarios_report_on_the_data_given(analyst_data, tmp_path, capsys):
    data = igviz.load_dataset(analyst_data)
    a = igviz.Assessment(data)
    a.set_weights(expertise=10, transparent=1)
    a.selected = ANALYST_PROPOSAL
    scenario = Scenario.from_assessment(a).save(tmp_path / "ours.yaml")
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    assert main(["report", str(scenario), "-o", str(out), "--data", str(analyst_data)]) == 0
    html = out.read_text(encoding="utf-8")
    assert ANALYST_SHORT_NAME in html and "<script" in html  # offline-ness: tests/test_scenario_report.py
    # The same scenario on the bundled data: its selected proposal is unknown there.
    assert main(["report", str(scenario), "-o", str(tmp_path / "x.html")]) == 1
    err = capsys.readouterr().err
    assert "ours.yaml" in err and ANALYST_PROPOSAL in err
    assert not (tmp_path / "x.html").exists()


def test_db_takes_a_url_or_a_sqlite_files_path(tmp_path, monkeypatch):
    from igviz.cli import database_url_from

    monkeypatch.chdir(tmp_path)
    assert database_url_from("workshops.sqlite") == f"sqlite:///{tmp_path / 'workshops.sqlite'}"
    url = "postgresql+psycopg://igviz:secret@localhost/igviz"
    assert database_url_from(url) == url


def test_serving_on_every_interface_allows_this_machines_names():
    from igviz.cli import _hosts

    assert _hosts(None)[-1] == "localhost"
    assert _hosts("10.0.0.5")[-1] == "10.0.0.5"
    every = _hosts("0.0.0.0")
    assert "localhost" in every and len(every) >= 3  # and this machine's name and address
