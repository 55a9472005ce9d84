"""The explorer's "Design a reform" panel and what it needs: designs and designed variants shown by
every page and view that names or draws a proposal (no lookup of a design's id in the data), the map
drawing a design's generated graph, and the panel itself (options, live update, link)."""

from __future__ import annotations

import pytest

import igviz
from igviz.design import Design
from igviz.scenario import Scenario
from igviz.views.institutions import InstitutionMapView
from igviz.views.language import set_language, with_local_names
from igviz.workshop.results import fresh_proposal


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def open_processes(data, **kw):
    """A design whose map has a body no proposal of the data adds (the self-forming issue processes)."""
    return Design("Open processes", options={"venue": "self_forming", "working_groups": "self_formed"}, **kw)


def test_local_names_of_a_design_and_a_variant(data):
    a = igviz.Assessment(data)
    a.add_design(open_processes(data))
    a.proposal("mipc").binding = True
    set_language("fr")
    try:
        table = with_local_names(a.ranking().table, a)   # looked up in the data: KeyError on the design
    finally:
        set_language("en")
    assert table.loc["design_open_processes", "short_name"] == "Open processes"
    assert table.loc["mipc", "short_name"] == a.proposal("mipc").short_name   # "MIPC (Malcolm), binding"
    assert "binding" in table.loc["mipc", "short_name"]


def test_group_results_keep_designs_and_variants(data):
    a = igviz.Assessment(data)
    d = a.add_design(open_processes(data))
    a.proposal("mipc").binding = True
    copies = {p.id: fresh_proposal(p) for p in a.proposals}
    assert copies[d.id].design is d.design
    assert copies["mipc"].binding and copies["mipc"].variant is not None
    assert copies["mipc"].score("inclusive") == a.proposal("mipc").score("inclusive")


def test_map_draws_a_design_with_a_place_for_its_own_body(data):
    a = igviz.Assessment(data)
    design = open_processes(data)
    a.add_design(design)
    a.selected = design.id
    view = InstitutionMapView(assessment=a)
    drawn = dict(zip(view._bodies.data["id"], zip(view._bodies.data["x"], view._bodies.data["y"])))
    assert set(design.graph(data).nodes) == set(drawn)
    assert "designed_issue_processes" in drawn      # a body only a design adds has a place
    x, y = drawn["designed_issue_processes"]
    others = [xy for n, xy in drawn.items() if n != "designed_issue_processes"]
    assert all(abs(x - ox) > 0.01 or abs(y - oy) > 0.01 for ox, oy in others)
    assert "Open processes" in view._figure.title.text


def test_map_follows_a_design_changed_in_place(data):
    a = igviz.Assessment(data)
    a.add_design(Design("Mine", design_id="mine", options={}))
    a.selected = "mine"
    view = InstitutionMapView(assessment=a)
    before = set(view._bodies.data["id"])
    a.add_design(Design("Mine", design_id="mine", options={"venue": "single_council", "binding": "binding"}))
    after = set(view._bodies.data["id"])
    assert a.selected == "mine"
    assert after - before == {"designed_body"}
    added = [c for n, c in zip(view._bodies.data["id"], view._bodies.data["change"]) if n == "designed_body"]
    assert added == ["added"]


def test_map_draws_a_variants_generated_overlay(data):
    a = igviz.Assessment(data)
    a.selected = "mipc"
    view = InstitutionMapView(assessment=a)
    edges = lambda: {(f, t, c) for src in view._edges.values()   # noqa: E731
                     for f, t, c in zip(src.data["from"], src.data["to"], src.data["change"])}
    before = edges()
    a.proposal("mipc").binding = True          # MIPC, binding: its council decides on governments
    assert a.proposal("mipc").variant is not None
    new = edges() - before
    assert new and all(c == "added" for _f, _t, c in new)
    assert any(t == "National governments" for _f, t, _c in new)
    assert "binding" in view._figure.title.text


def test_a_design_changed_in_place_is_ranked_by_its_new_scores(data):
    # The panel re-adds a design under its id on every change; the score matrix is memoised by
    # proposal ids, so the ranking kept the old design's scores.
    a = igviz.Assessment(data)
    a.add_design(Design("C", design_id="c", options={"venue": "single_council", "home": "igf"}))
    a.add_design(Design("C", design_id="c", options={"venue": "intergovernmental_body", "home": "igf"}))
    fresh = igviz.Assessment(data)
    fresh.add_design(Design("C", design_id="c", options={"venue": "intergovernmental_body", "home": "igf"}))
    assert a.result.table.loc["c", "overall"] == pytest.approx(fresh.result.table.loc["c", "overall"])
    assert a.result.order == fresh.result.order
