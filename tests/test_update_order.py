"""What a change sends first: the ranking in the change's own update, everything else just after.

benchmarks/bench_designer_browser.py times it in Chromium; these check the mechanisms behind it
without a browser: views.base.Soon (a callback put off to the server's next turn, once, after Panel
has written the change's own messages), the score rows kept per proposal, and the updates a design
replaced under its own id no longer sends.
"""

from __future__ import annotations

import panel as pn
import pytest
from bokeh.document import Document
from panel.io import document as panel_document
from panel.io.state import set_curdoc

import igviz
from igviz.design import Design
from igviz.views import base
from igviz.views.base import Soon
from igviz.views.detail import ProposalDetail
from igviz.views.style import html_pane


class FakeSession:
    """A served session's document, as far as Soon sees it: its callbacks are run by the test."""

    def __init__(self):
        self.session_context = object()
        self.next_tick, self.timeouts = [], []

    def add_next_tick_callback(self, callback):
        self.next_tick.append(callback)

    def add_timeout_callback(self, callback, ms):
        self.timeouts.append((callback, ms))


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def design(venue: str) -> Design:
    return Design("Bench design", design_id="bench", options={"venue": venue, "home": "igf"})


def test_outside_a_server_soon_runs_at_once():
    calls = []
    Soon(lambda: calls.append(1))("an event")
    assert calls == [1]   # a notebook, a test and a saved report see every view current at once


def test_in_a_session_soon_runs_once_on_the_next_turn():
    calls, doc = [], FakeSession()
    soon = Soon(lambda: calls.append(1))
    with set_curdoc(doc):
        soon()
        soon()   # a second change before it ran: still one run
    assert calls == [] and len(doc.next_tick) == 1
    doc.next_tick.pop()()
    assert calls == [1]
    with set_curdoc(doc):
        soon()   # after it ran, a new change schedules it again
    assert len(doc.next_tick) == 1


def test_soon_waits_while_panel_still_holds_the_changes_messages(monkeypatch):
    calls, doc = [], FakeSession()
    soon = Soon(lambda: calls.append(1))
    monkeypatch.setitem(panel_document._WRITE_BLOCK, doc, True)   # Panel could not write them yet
    with set_curdoc(doc):
        soon()
    doc.next_tick.pop()()
    assert calls == [] and len(doc.timeouts) == 1   # looked again later instead of running now
    monkeypatch.delitem(panel_document._WRITE_BLOCK, doc)
    callback, ms = doc.timeouts.pop()
    assert ms == Soon.WAIT_MS
    callback()
    assert calls == [1]


def test_soon_runs_after_waiting_its_limit_even_if_panel_never_writes(monkeypatch):
    calls, doc = [], FakeSession()
    soon = Soon(lambda: calls.append(1))
    monkeypatch.setitem(panel_document._WRITE_BLOCK, doc, True)
    with set_curdoc(doc):
        soon()
    step = doc.next_tick.pop()
    for _ in range(Soon.WAITS):
        step()
        step = doc.timeouts.pop()[0]
    step()
    assert calls == [1]


def test_only_the_ranking_updates_its_text_in_the_change_itself():
    from igviz.views import institutions, matrix, radar, robustness, tradeoff  # noqa: F401 (the views)
    from igviz.views.ranking import RankingView

    assert RankingView.text_first
    others = [cls for cls in base.ChartView.__subclasses__() if cls is not RankingView]
    assert len(others) >= 6 and not any(cls.text_first for cls in others)


def test_a_design_replaced_under_its_id_recomputes_its_own_score_row_only(data, monkeypatch):
    a = igviz.Assessment(data)
    a.add_design(design("single_council"))
    a.score_arrays()
    asked = []
    for p in a.proposals:
        original = p.score
        monkeypatch.setattr(p, "score", lambda cid, p=p, original=original: asked.append(p.id) or original(cid))
    a.add_design(design("intergovernmental_body"))
    scores = a.score_arrays()[0]
    assert asked == []   # the new design is a new object: its row is computed without the patched ones
    fresh = igviz.Assessment(data)
    fresh.add_design(design("intergovernmental_body"))
    assert (scores == fresh.score_arrays()[0]).all()
    assert a.ranking().table.loc["bench", "overall"] == pytest.approx(fresh.ranking().table.loc["bench", "overall"])


def test_a_score_change_still_recomputes_every_row(data):
    a = igviz.Assessment(data)
    a.add_design(design("single_council"))
    before = a.score_arrays()[0].copy()
    a.proposal("mipc").set_score("transparent", 1.0)
    after = a.score_arrays()[0]
    row = [p.id for p in a.proposals].index("mipc")
    col = a.active_framework.criterion_ids.index("transparent")
    assert after[row, col] == 1.0 and before[row, col] != 1.0


def test_replacing_a_design_under_its_id_leaves_the_choices_alone(data):
    a = igviz.Assessment(data)
    a.add_design(design("single_council"))
    detail = ProposalDetail(assessment=a)
    events = []
    a.param.watch(lambda e: events.append(e.name), ["selected", "compared"], what="objects")
    detail._select.param.watch(lambda e: events.append("options"), "options")
    a.add_design(design("intergovernmental_body"))
    assert events == []
    a.add_design(Design("Another", design_id="another", options={"venue": "single_council"}))
    assert "options" in events and "another" in a.param.selected.objects


def test_a_new_text_keeps_the_panes_stylesheets():
    pane = html_pane("<p>before</p>")
    model = pane.get_root(Document())
    sheets = list(model.stylesheets)
    pane.object = "<p>after &amp; more</p>"
    assert "after" in model.text and model.stylesheets == sheets
    assert all(a is b for a, b in zip(model.stylesheets, sheets))
