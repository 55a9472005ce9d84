"""Scenarios round-trip through files and links; reports open offline; tables export as CSV."""

from pathlib import Path

import pandas as pd
import pytest

import igviz
from igviz import DataValidationError
from igviz.pages.report import export_tables, write_report
from igviz.scenario import Scenario

from browser_support import CHROMIUM, launch_chromium


@pytest.fixture
def assessment():
    a = igviz.Assessment()
    a.apply_preset("dispersed_preference")
    a.set_threshold("human_rights", 4)
    a.param.update(selected="mipc", compared=["un_committee"], stance=-0.3, method="promethee_ii")
    return a


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_scenario_file_to_link_to_file_keeps_the_same_state(assessment, tmp_path, suffix):
    first = Scenario.from_assessment(assessment)
    loaded = Scenario.load(first.save(tmp_path / f"s{suffix}"), assessment.dataset)
    via_link, problems = Scenario.from_link(loaded.to_link("http://localhost:5006/explorer"), assessment.dataset)
    again = Scenario.load(via_link.save(tmp_path / f"again{suffix}"), assessment.dataset)
    assert problems == [] and first == loaded == via_link == again
    fresh = igviz.Assessment()
    again.apply(fresh)
    assert fresh.ranking().order == assessment.ranking().order
    assert (fresh.selected, fresh.compared, fresh.stance, fresh.method) == ("mipc", ["un_committee"], -0.3, "promethee_ii")


def test_a_bad_scenario_file_names_the_file_and_what_is_wrong(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("framework: best_bits\nweights: {transparent: -3}\nselected: nobody\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        Scenario.load(path, igviz.load_dataset())
    message = str(exc.value)
    assert str(path) in message and "transparent" in message and "nobody" in message


def test_tables_export_as_csv_and_read_back(assessment, tmp_path):
    assessment.method = "weighted_sum"
    files = {p.name: p for p in export_tables(assessment, tmp_path)}
    assert set(files) == {"ranking.csv", "contributions.csv", "scores.csv", "sensitivity.csv", "smaa.csv"}
    ranking = pd.read_csv(files["ranking.csv"], index_col="proposal")
    assert list(ranking.index) == assessment.ranking().order
    scores = pd.read_csv(files["scores.csv"])
    assert scores["citations"].str.contains("000_e13ad8dd67510eba.txt").any()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="scripts/test installs Debian's chromium")
def test_report_opens_in_chromium_with_no_network_request(assessment, tmp_path):
    from playwright.sync_api import sync_playwright

    assessment.method = "weighted_sum"
    report = write_report(assessment, tmp_path / "report.html")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report.as_uri())
        page.wait_for_function("""() => {
            let canvases = 0;
            const walk = (root) => {
                canvases += root.querySelectorAll('canvas').length;
                root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) walk(e.shadowRoot); });
            };
            walk(document);
            return canvases >= 3;
        }""", timeout=20_000)
        text = " ".join(page.locator("table.igviz-table").all_inner_texts())
        browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert errors == []
    assert "MIPC (Malcolm)" in text or "Best Bits composite" in text
