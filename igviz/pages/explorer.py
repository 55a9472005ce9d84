"""The explorer: every view of one assessment on one page, with its state in the URL."""

from __future__ import annotations

import panel as pn
import param

from ..model import Assessment
from ..scenario import Scenario
from ..views.compare import ComparePerspectives, PerspectiveChoices, PerspectiveSwitch
from ..views.evidence import perspective_html
from ..views.designer import DesignerPanel
from ..views.detail import ProposalDetail
from ..views.institutions import InstitutionMapView
from ..views.matrix import ScoreMatrix
from ..views.radar import RadarView
from ..views.ranking import RankingView
from ..views.robustness import AcceptabilityView, SensitivityView
from ..views.tradeoff import TradeoffView
from ..views.weights import WeightsPanel
from ..views.a11y import name_slider_handles
from ..views.language import _, current_language, in_language, language_selector, start_session_language
from ..views.base import Later
from ..views.style import StyledColumn, html_pane, text
from .served import served_dataset



# A link's problems shown one by one; the rest are counted.
MAX_LINK_PROBLEMS = 3


class Explorer(pn.viewable.Viewer):
    """Weights, ranking, radar, score matrix, proposal detail and robustness, all linked to one Assessment."""

    assessment = param.ClassSelector(class_=Assessment)
    link_problems = param.List(default=[], doc="What could not be read from the page's link")

    def __init__(self, assessment: Assessment | None = None, sync_url: bool | None = None, perspectives=None,
                 **params):
        """`perspectives`: score perspectives to offer beside the bundled scores (a dict by name or a
        list, e.g. `load_export(path).results().perspectives()`); more can be loaded on the page."""
        super().__init__(assessment=assessment or Assessment(served_dataset()), **params)
        start_session_language()  # before the views: they read it as they build
        name_slider_handles()
        a = self.assessment
        self.perspectives = PerspectiveChoices(assessment=a)
        if perspectives:
            self.perspectives.add(perspectives)
        self._messages = pn.Column(sizing_mode="stretch_width", margin=0)
        self._link_later = Later(self._update_link)
        self._shown_messages = None
        sync = sync_url if sync_url is not None else pn.state.curdoc is not None and pn.state.location is not None
        # The link and the first selection are applied before the views are built, so each view is
        # drawn once, in the state the page opens in (applied after, every view was drawn, then
        # told to draw itself again).
        if sync:
            self._read_link()
        if a.selected is None and a.result is not None:
            a.selected = a.result.top  # so the radar and detail show something from the start
        self.weights = WeightsPanel(assessment=a)
        self.ranking = RankingView(assessment=a)
        self.radar = RadarView(assessment=a)
        self.matrix = ScoreMatrix(assessment=a)
        self.detail = ProposalDetail(assessment=a)
        self.sensitivity = SensitivityView(assessment=a)
        self.acceptability = AcceptabilityView(assessment=a)
        self.institutions = InstitutionMapView(assessment=a)
        self.tradeoff = TradeoffView(assessment=a)
        self.designer = DesignerPanel(assessment=a)
        self.switch = PerspectiveSwitch(choices=self.perspectives)
        self.compare = ComparePerspectives(choices=self.perspectives)
        # Part of the page's header: whose judgement the scores are, which changes with the perspective.
        whose = lambda: f"<div class='igviz-header igviz-whose'>{perspective_html(perspective=a.perspective)}</div>"  # noqa: E731
        self._whose = html_pane(whose(), sizing_mode="stretch_width", margin=(0, 10))
        a.param.watch(lambda *e: setattr(self._whose, "object", whose()), ["perspective"])
        if sync:
            # The result changes with every input the link holds (weights, framework, method,
            # thresholds, stance, perspective); the selection and the comparison are the rest. One
            # watcher on the assessment itself, however often the model replaces its weights.
            a.param.watch(self._write_link, ["result", "problem", "selected", "compared"])
        self._update_messages()

    # -- the URL ------------------------------------------------------------------------

    def _read_link(self) -> None:
        query = pn.state.session_args or {}
        if not query:
            return
        scenario, problems = Scenario.from_query(query, self.assessment.dataset)
        scenario.apply(self.assessment)
        self.link_problems = problems

    def _write_link(self, *events) -> None:
        if pn.state.location is not None:
            self._link_later()

    def _update_link(self) -> None:
        link = Scenario.from_assessment(self.assessment).to_link()
        language = current_language()
        pn.state.location.search = link if language == "en" else f"{link}&lang={language}"

    # -- layout ---------------------------------------------------------------------------

    @param.depends("link_problems", "assessment.problem", watch=True)
    def _update_messages(self) -> None:
        # Rebuilt only when the messages change.
        messages = (tuple(self.link_problems), self.assessment.problem)
        if messages == self._shown_messages:
            return
        self._shown_messages = messages
        # One HTML pane of escaped text, not an Alert per problem: an Alert renders Markdown (a link's
        # `[Click here](https://…)` became a real link, `![x](…)` fetched an image), and a pane per
        # problem let a long link of bad values hold the server for seconds.
        shown = [in_language(p) for p in self.link_problems[:MAX_LINK_PROBLEMS]]
        hidden = len(self.link_problems) - len(shown)
        if hidden > 0:
            shown.append(_("…and {count} more problems in the link.", count=hidden))
        parts = [f"<div class='igviz-warning igviz-link-problem' role='alert'>{text(p)}</div>" for p in shown]
        if messages[1]:
            parts.append(f"<div class='igviz-warning igviz-danger' role='alert'>{text(in_language(messages[1]))}</div>")
        self._messages[:] = [html_pane("".join(parts), sizing_mode="stretch_width")] if parts else []

    def __panel__(self):
        workshop = _("In a workshop: {join} or {run}.", join="\x00join\x00", run="\x00run\x00")
        workshop = text(workshop).replace("\x00join\x00", f"<a href='participant'>{text(_('join with a code'))}</a>") \
            .replace("\x00run\x00", f"<a href='facilitator'>{text(_('run one'))}</a>")
        header = html_pane(
            f"<header class='igviz-header'><h1>igviz</h1><p>"
            f"{text(_('Internet governance reform proposals, scored against weighted criteria. Move a weight: every view follows. Hover or choose a proposal to see why.'))} "
            f"{workshop}</p></header>", sizing_mode="stretch_width")
        # A wrapping flex layout: side by side on a projector or laptop, one column on a phone.
        # Each view's own Column is the card (wrapped in one more Column, each card cost the page
        # another shadow root with its stylesheets, for nothing it showed).
        def card(view, basis, **styles):
            column = pn.panel(view)
            column.param.update(styles={**column.styles, "flex": f"1 1 {basis}px", "min-width": "0", **styles},
                                sizing_mode="stretch_width", margin=(0, 5))
            return column

        sidebar = pn.Column(self.switch, html_pane(f"<h2>{text(_('Weights'))}</h2>", margin=(0, 10)), self.weights,
                            styles={"flex": "0 1 320px", "min-width": "260px"}, css_classes=["igviz-sidebar"])
        views = pn.FlexBox(card(self.ranking, 520), card(self.radar, 420), card(self.matrix, 520), card(self.compare, 520),
                           card(self.detail, 420), card(self.designer, 900), card(self.tradeoff, 420), card(self.institutions, 620),
                           card(self.sensitivity, 520), card(self.acceptability, 520),
                           flex_wrap="wrap", align_items="flex-start",
                           styles={"flex": "1 1 600px", "min-width": "0"}, sizing_mode="stretch_width")
        return StyledColumn(pn.FlexBox(pn.Column(header, self._whose, sizing_mode="stretch_width", margin=0),
                                       language_selector(), flex_wrap="nowrap", justify_content="space-between",
                                       sizing_mode="stretch_width"), self._messages,
                         pn.FlexBox(sidebar, views, flex_wrap="wrap", align_items="flex-start", sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")
