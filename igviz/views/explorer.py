"""The explorer: every view of one assessment on one page, with its state in the URL."""

from __future__ import annotations

from functools import lru_cache

import panel as pn
import param

from ..dataset import Dataset
from ..loader import load_dataset
from ..model import Assessment
from ..scenario import Scenario
from .detail import ProposalDetail
from .matrix import ScoreMatrix
from .radar import RadarView
from .ranking import RankingView
from .weights import WeightsPanel
from .style import CSS, RANKING_INPUTS, html_pane, text



@lru_cache(maxsize=1)
def bundled_dataset() -> Dataset:
    """Loaded once per process: every browser session shares the same immutable data."""
    return load_dataset()


class Explorer(pn.viewable.Viewer):
    """Weights, ranking, radar, score matrix and proposal detail, all linked to one Assessment."""

    assessment = param.ClassSelector(class_=Assessment)
    link_problems = param.List(default=[], doc="What could not be read from the page's link")

    def __init__(self, assessment: Assessment | None = None, sync_url: bool | None = None, **params):
        super().__init__(assessment=assessment or Assessment(bundled_dataset()), **params)
        a = self.assessment
        self.weights = WeightsPanel(assessment=a)
        self.ranking = RankingView(assessment=a)
        self.radar = RadarView(assessment=a)
        self.matrix = ScoreMatrix(assessment=a)
        self.detail = ProposalDetail(assessment=a)
        if sync_url if sync_url is not None else pn.state.curdoc is not None and pn.state.location is not None:
            self._read_link()
            a.param.watch(self._write_link, ["framework", "method", "thresholds", "selected", "compared"])
            self._watch_weights()

    # -- the URL ------------------------------------------------------------------------

    def _read_link(self) -> None:
        query = pn.state.session_args or {}
        if not query:
            return
        scenario, problems = Scenario.from_query(query, self.assessment.dataset)
        scenario.apply(self.assessment)
        self.link_problems = problems

    @param.depends("assessment.weights", watch=False)
    def _watch_weights(self) -> None:
        # The weights object is replaced on a framework switch, so watch whichever is current.
        self.assessment.param.watch(lambda e: self._watch_weights(), "weights")
        self._watch_current_weights()

    def _watch_current_weights(self) -> None:
        w = self.assessment.weights
        w.param.watch(self._write_link, w.criteria)

    def _write_link(self, *events) -> None:
        if pn.state.location is None:
            return
        pn.state.location.search = Scenario.from_assessment(self.assessment).to_link()

    # -- layout ---------------------------------------------------------------------------

    @param.depends("link_problems", *RANKING_INPUTS)
    def _messages(self):
        items = [pn.pane.Alert(text(p), alert_type="warning", sizing_mode="stretch_width") for p in self.link_problems]
        problem = self.assessment.problem()
        if problem:
            items.append(pn.pane.Alert(text(problem), alert_type="danger", sizing_mode="stretch_width"))
        return pn.Column(*items, sizing_mode="stretch_width", margin=0)

    def __panel__(self):
        header = html_pane(
            "<header class='igviz-header'><h1>igviz</h1><p>Internet governance reform proposals, scored against "
            "weighted criteria. Move a weight: every view follows. Hover or choose a proposal to see why.</p></header>",
            sizing_mode="stretch_width")
        sidebar = pn.Column(html_pane("<h2>Weights</h2>", margin=(0, 10)), self.weights,
                            width=320, css_classes=["igviz-sidebar"])
        main = pn.Column(
            self._messages,
            pn.Row(self.ranking, self.radar, sizing_mode="stretch_width"),
            pn.Row(self.matrix, self.detail, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        return pn.Column(header, pn.Row(sidebar, main, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width", stylesheets=[CSS])
