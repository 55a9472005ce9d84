"""Views built from the model, without a browser: what they show and that user text stays text."""

import pandas as pd
import pytest

import igviz
from igviz.pages import Explorer
from igviz.views import ProposalDetail, RankingView, radar_chart
from igviz.views.matrix import matrix_frame
from igviz.views.ranking import ranking_frame

from conftest import SOURCE


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def test_ranking_frame_stacks_contributions_in_rank_order(data):
    a = igviz.Assessment(data)
    frame = ranking_frame(a)
    order = list(dict.fromkeys(frame["proposal_id"]))
    assert order == a.ranking().order
    totals = frame.groupby("proposal_id", sort=False)["contribution"].sum()
    pd.testing.assert_series_equal(totals, a.ranking().table["overall"], check_names=False)


def test_ranking_labels_mark_failing_and_selected_proposals(data):
    a = igviz.Assessment(data, selected="mipc")
    a.set_threshold("expertise", 6)
    labels = dict(zip(ranking_frame(a)["proposal_id"], ranking_frame(a)["proposal"]))
    assert labels["mipc"].startswith("▶ ") and "✗" in labels["mipc"]  # MIPC is 5 on expertise
    assert "✗" not in labels["mipoc"]  # MIPOC is 7


def test_radar_has_a_polygon_range_band_and_points_per_proposal():
    from bokeh.models import MultiPolygons, Scatter

    chart = radar_chart(["a", "b", "c"], [{"name": "P", "score": [5, 6, 7], "low": [4, 5, 6],
                                           "high": [6, 7, 8], "colour": "#000"}])
    layers = {type(r.glyph).__name__: r.data_source.data for r in chart.renderers}
    assert len(layers[MultiPolygons.__name__]["xs"]) == 1  # one band for the one proposal
    points = layers[Scatter.__name__]
    assert len(points["x"]) == 3
    # Scores are plotted at their distance from the centre, the first criterion straight up.
    assert points["y"][0] == pytest.approx(5) and points["x"][0] == pytest.approx(0)
    assert {"a", "b", "c"} <= set(layers["Text"]["text"])


def test_matrix_hover_carries_rationale_and_quote(data):
    frame = matrix_frame(igviz.Assessment(data))
    cell = frame[(frame["proposal_id"] == "un_committee") & (frame["criterion"] == "Transparent and comprehensible")].iloc[0]
    assert cell["score"] == 8 and "clarity" in cell["rationale"]
    assert "real strengths in the clarity of process" in cell["citation"]


def test_user_text_is_shown_as_text_not_html(data):
    evil = "<script>alert(1)</script><b>bold</b>"
    proposals = pd.DataFrame([{
        "id": "evil", "name": evil, "short_name": "Evil <i>", "proponent": evil, "description": evil,
        "home_institution": evil, "decision_rule": "voluntary", "binding": False, "coordinating_function": False,
        "issue_working_groups": False, "source": SOURCE, "quote": "Accountable", "source_names": "Accountable"}])
    scores = pd.DataFrame([{"proposal": "evil", "criterion": c, "score": 5, "low": 4, "high": 6,
                            "evidence": "stated", "rationale": evil, "source": SOURCE, "quote": "Accountable"}
                           for c in data.default_framework.criterion_ids])
    mine = igviz.Dataset.from_frames(proposals=proposals, scores=scores, base=data)
    a = igviz.Assessment(mine, selected="evil")
    html = ProposalDetail(assessment=a)._body().object
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    table = RankingView(assessment=a)._table().object
    assert "<script>" not in table and "&lt;script&gt;" in table


def test_explorer_reports_all_zero_weights_instead_of_charts(data):
    a = igviz.Assessment(data)
    a.set_weights({c: 0 for c in a.weights.criteria})
    messages = Explorer(a, sync_url=False)._messages
    assert any("All weights are zero" in str(getattr(m, "object", "")) for m in messages)
    table = RankingView(assessment=a)._table()
    assert "All weights are zero" in table.object
    a.weights.reset()
    assert not any("All weights are zero" in str(getattr(m, "object", "")) for m in messages)
    assert "All weights are zero" not in table.object and "igviz-ranking-table" in table.object


def test_views_follow_every_ranking_input_not_only_the_weights(data):
    # Regression: param drops the direct dependencies of a @param.depends that also names a
    # sub-sub-object's parameters, so the table once ignored method, threshold and stance changes.
    import re

    a = igviz.Assessment(data)
    a.apply_preset("navigability_first")
    view = RankingView(assessment=a)

    def shown():
        return re.findall(r"data-proposal='(\w+)'", view._table().object)

    for change in (lambda: setattr(a, "stance", -1), lambda: setattr(a, "method", "promethee_ii"),
                   lambda: a.set_threshold("human_rights", 6), lambda: setattr(a.weights, "expertise", 0),
                   lambda: setattr(a, "framework", "atlas_ii"), lambda: setattr(a.weights, "atlas_legitimacy", 0)):
        change()
        assert shown() == a.ranking().order


@pytest.mark.parametrize("method", ["weighted_sum", "promethee_ii"])
def test_ranking_chart_colours_each_segment_as_its_key_does(method):
    """Each stacked segment has the colour the key beside the chart gives its criterion (the
    chart once sorted PROMETHEE's rows for stacking but not their colours)."""
    from igviz.views.style import criterion_colours

    a = igviz.Assessment(method=method)
    data = RankingView(assessment=a)._source.data
    key = criterion_colours([c.name for c in a.active_framework.criteria])
    assert len(data["criterion"]) == len(a.proposals) * len(a.active_framework.criteria)
    assert list(data["colour"]) == [key[c] for c in data["criterion"]]


def test_no_view_or_page_imports_holoviews():
    """One radar, drawn with Bokeh: HoloViews is no longer a dependency."""
    import subprocess
    import sys

    code = "import sys, igviz.views, igviz.pages; print('holoviews' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_link_problems_show_as_text_and_a_flood_of_them_is_counted_not_drawn():
    # A 48 kB link of bad proposal ids used to add one pane per problem (seconds of server time);
    # an Alert pane rendered Markdown, so a link could show a real link or fetch an image.
    e = Explorer(igviz.Assessment(), sync_url=False)
    e.link_problems = ["[Click here](https://evil.example/)", "![x](https://evil.example/p.png)",
                       *[f"Unknown proposal 'p{i:04d}'" for i in range(5000)]]
    panes = list(e._messages)
    assert len(panes) == 1
    html = panes[0].object
    assert "<a" not in html and "<img" not in html
    assert "[Click here](https://evil.example/)" in html
    assert html.count("igviz-link-problem") == 4  # three shown, then the count of the rest
    assert "4999 more problems" in html


def test_ranking_bars_run_in_the_keys_order_and_rank_one_sits_on_top():
    """Left to right within each bar the criteria come in the order of the key below the chart
    (they ran the other way: the chart reversed whole rows to put rank 1 on top)."""
    a = igviz.Assessment()
    view = RankingView(assessment=a)
    data, order = view._source.data, [c.name for c in a.active_framework.criteria]
    for proposal in dict.fromkeys(data["ranked"]):
        rows = [i for i, p in enumerate(data["ranked"]) if p == proposal]
        segments = sorted(rows, key=lambda i: data["left"][i])
        assert [data["criterion"][i] for i in segments] == order
    # Bokeh draws the last factor at the top.
    assert view._figure.y_range.factors[-1].lstrip("▶ ").startswith("1.")


def test_ranking_table_names_the_method_as_the_switch_does():
    a = igviz.Assessment(method="promethee_ii")
    assert "PROMETHEE II" in RankingView(assessment=a)._table().object
    assert "promethee ii" not in RankingView(assessment=a)._table().object


def test_scatter_names_of_close_points_do_not_print_over_each_other():
    from igviz.views.tradeoff import LABEL_HEIGHT_PX, PLOT_HEIGHT_PX, label_offsets

    x, y = [0.10, 0.11, 0.12, 0.30, 0.10], [5.00, 5.02, 4.98, 5.00, 2.0]
    offsets = label_offsets(x, y, x_span=0.42, y_span=4.0)
    px = PLOT_HEIGHT_PX / 4.0
    centres = [-yi * px - o for yi, o in zip(y, offsets)]  # label centres, px from the top
    close = [0, 1, 2]
    gaps = sorted(centres[i] for i in close)
    assert min(b - a for a, b in zip(gaps, gaps[1:])) >= LABEL_HEIGHT_PX - 1e-9
    assert offsets[3] == 0 and offsets[4] == 0  # far to the right, or far below: left where they are


def test_what_if_table_shows_under_its_slider_not_above_it():
    from igviz.views.tradeoff import TradeoffView

    a = igviz.Assessment(selected="mipc")
    view = TradeoffView(assessment=a)
    a.proposal("mipc").centralisation_shift = 0.3
    view.draw_now()
    assert "igviz-whatif-table" not in view._summary.object
    assert "igviz-whatif-table" in view._whatif_table.object
    layout = view.__panel__()
    assert layout.objects.index(view._whatif) < layout.objects.index(view._whatif_table)


def test_wide_tables_scroll_in_their_own_box():
    """The SMAA table has a column per criterion: it scrolls inside a box of its own, so the page
    does not scroll sideways (it was 2,014 px wide at a 1,600 px window)."""
    from igviz.views.robustness import AcceptabilityView, SensitivityView

    a = igviz.Assessment()
    smaa = AcceptabilityView(assessment=a)._table_html(a.smaa(samples=200))
    stability = SensitivityView(assessment=a)._table_html()
    for html, table in ((smaa, "igviz-smaa-table"), (stability, "igviz-stability-table")):
        assert html.startswith("<div class='igviz-scroll'>")
        assert f"<table class='igviz-table {table}'>" in html and html.endswith("</table></div>")
