"""The facilitator's page: set up a workshop, run its rounds, and show the group's result on the projector.

It polls one number in the database twice a second (the workshop's revision), so it follows
submissions made through any server process, and redraws only when something changed.
Nothing on it names a participant: they appear by number, with their stakeholder group.
"""

from __future__ import annotations

import hashlib
import io
import threading

import numpy as np
import pandas as pd
import panel as pn
from panel.io.document import hold

from ..dataset import Dataset
from ..workshop import (CONSENSUS, DEFAULT_GROUPS, NO_CONSENSUS, AccessDenied, ConsensusRule, DatabaseUnavailable, DatabaseVersionError,
                        RoundResults, WorkshopError, WorkshopStore, export_round, new_workshop, round_results, shared_store)
from ..workshop.limits import Limits, shared_limits
from ..workshop.store import START_EQUAL, START_PREVIOUS, TITLE_MAX, local_time as typed_time, parse_participants
from ..workshop.participation import local_time
from ..views.evidence import perspective_html
from ..views.ratings import (convergence_html, disputed_html, history_html, opinions_html, ranking_change_html,
                             rating_consensus_html, rating_robustness_html)
from ..workshop.history import with_history
from ..perspective import BUNDLED_NAME
from ..workshop.plan import add_designs, check_workshop_data, designs_from_file, designs_from_link
from ..views.bars import bar, notice, ranking_table, table
from ..i18n import N_
from ..datatext import localised, proposal_text
from ..views.language import _, current_language, in_language, language_selector, start_session_language, with_local_names
from ..joinlink import JoinLink, join_link, qr_svg
from .participant import client_address, on_server, query_value, set_address
from ..views.style import CRITERION_COLOURS, StyledColumn, html_pane, text
from .offload import in_thread

RATING_SAMPLES = 4000  # SMAA-2 draws under the room's scores, as the weights' robustness card
OPINION_MIN_SIZE = 5  # opinion groups smaller than this are not shown (anonymity); none drawn below twice it
POLL_MS = 500  # a revision read costs a fraction of a millisecond; the room sees a submission sooner


class DesignPicker(pn.viewable.Viewer):
    """Designs from the explorer's Design a reform panel: its link pasted, or a scenario file saved there.

    `read()` gives {id: spec} of every design found (the link's, then the file's), checked against the
    data, or raises WorkshopError saying why; the pane under the inputs names what was found as it is typed.
    """

    def __init__(self, dataset: Dataset, **params):
        super().__init__(**params)
        self.dataset = dataset
        self.link = pn.widgets.TextAreaInput(
            label=_("Link from the explorer, with designs"), max_length=16_384, rows=2, sizing_mode="stretch_width",
            placeholder=_("Paste the link the explorer shows after “Add to the comparison”"))
        self.file = pn.widgets.FileInput(label=_("Or a scenario file saved in the explorer (YAML or JSON)"),
                                         accept=".yaml,.yml,.json", multiple=False, sizing_mode="stretch_width")
        self.found = html_pane("", sizing_mode="stretch_width", css_classes=["igviz-designs-found"])
        self.link.param.watch(self._preview, "value")
        self.file.param.watch(self._preview, "value")

    def typed(self) -> bool:
        return bool((self.link.value_input or self.link.value or "").strip() or self.file.value)

    def read(self) -> dict:
        designs = {}
        link = (self.link.value_input or self.link.value or "").strip()
        if link:
            designs.update(designs_from_link(self.dataset, link))
        if self.file.value:
            designs.update(designs_from_file(self.dataset, content=self.file.value, filename=self.file.filename or ""))
        return designs

    def clear(self) -> None:
        self.link.value = ""
        self.file.clear()  # the browser's chosen file too
        self.found.object = ""

    def _preview(self, *_events) -> None:
        if not self.typed():
            self.found.object = ""
            return
        try:
            found = self.read()
        except WorkshopError as exc:
            self.found.object = f"<p class='igviz-warning' role='alert'>{text(in_language(exc))}</p>"
            return
        names = ", ".join(str(spec.get("name") or did) for did, spec in found.items())
        self.found.object = (f"<p class='igviz-note' role='status'>"
                             f"{text(_('Designs found: {names}', names=names))}</p>")

    def __panel__(self):
        return pn.Column(self.link, self.file, self.found, sizing_mode="stretch_width", margin=0)


def designs_html(dataset: Dataset, info) -> str:
    """The workshop's designs: name, the round each is first in, its options, and whose judgement its scores are."""
    from ..design import Design
    from ..views.evidence import local

    if not info.designs:
        return ""
    items = []
    for d in info.designs:
        design = Design.from_spec(d.id, d.spec)
        try:
            choice = design.choice(dataset)
        except ValueError:
            continue
        model = dataset.design
        start = (_("from {proposal}", proposal=proposal_text(dataset, design.base, "short_name", current_language()))
                 if design.base else _("from scratch (the status quo)"))
        changed = design.changed(dataset) if design.base else {k: v for k, v in choice.items()
                                                               if not all(model.dimensions[k].option(o).baseline
                                                                          for o in ([v] if isinstance(v, str) else v))}
        options = [local(model.dimensions[k].option(o).name) for k, v in changed.items()
                   for o in ([v] if isinstance(v, str) else v)]
        when = _("from round {number}", number=d.round)
        items.append(f"<li><b>{text(design.label)}</b> <span class='igviz-who'>{text(when)} · {text(start)}"
                     f"{': ' + text(', '.join(options)) if options else ''}</span></li>")
    note = _("A design’s scores are derived from the design model’s rules, each resting on a quoted "
             "source; they are not a source’s own verdict on the design.")
    return f"<ul class='igviz-comments igviz-designs'>{''.join(items)}</ul><p class='igviz-note'>{text(note)}</p>"


class WorkshopSetup(pn.viewable.Viewer):
    """The form that creates a workshop; `on_created(created)` is called with its code and secret."""

    def __init__(self, store: WorkshopStore, dataset: Dataset, on_created, limits: Limits | None = None, **params):
        super().__init__(**params)
        self.store, self.dataset, self.on_created = store, dataset, on_created
        self.limits = limits if limits is not None else shared_limits()
        self._title = pn.widgets.TextInput(label=_("Workshop title"), max_length=TITLE_MAX,
                                           placeholder=_("e.g. IGF 2026: which reform do we back?"))
        self._framework = pn.widgets.Select(label=_("Criteria framework"),
                                            options={localised(f, "name", current_language()): f.id
                                                     for f in dataset.frameworks.values()},
                                            value=dataset.default_framework.id)
        self._proposals = pn.widgets.MultiChoice(label=_("Proposals"), value=list(dataset.proposals),
                                                 options={localised(p, "short_name", current_language()): p.id
                                                          for p in dataset.proposals.values()})
        self._groups = pn.widgets.MultiChoice(label=_("Stakeholder groups"), value=[g for g in DEFAULT_GROUPS if g in dataset.groups],
                                              options={localised(g, "name", current_language()): g.id
                                                       for g in dataset.groups.values()})
        # Asked only when the server has one (IGVIZ_ORGANISER_KEY).
        self._key = pn.widgets.PasswordInput(label=_("Organiser key"), max_length=200,
                                             visible=bool(store.organiser_key))
        # Designs from the explorer's Design a reform panel, ranked beside the proposals (optional).
        self._designs = DesignPicker(dataset) if getattr(dataset, "design", None) is not None else None
        self._create = pn.widgets.Button(label=_("Create the workshop"), color="primary")
        self._create.on_click(in_thread(self._submit, threading.Lock()))  # the store, off the event loop
        self._message = pn.Column(margin=0, sizing_mode="stretch_width")

    def _submit(self, _event=None) -> None:
        # Wrong organiser keys are slowed down per address, so that a key cannot be guessed by trying.
        address = client_address()
        refusal = self.limits.check_organiser_key(address) if self.store.organiser_key else None
        if refusal is not None:
            self._message[:] = [notice(in_language(refusal), "error")]
            return
        try:
            designs = self._designs.read() if self._designs is not None else {}
            created = new_workshop(self.store, self.dataset, self._title.value, self._framework.value,
                                   self._proposals.value, self._groups.value, organiser_key=self._key.value_input or "",
                                   designs=designs)
        except WorkshopError as exc:
            if isinstance(exc, AccessDenied):
                self.limits.wrong_organiser_key(address)
            self._message[:] = [notice(in_language(exc), "error")]
            return
        self.on_created(created)

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h1>{text(_('Run a workshop'))}</h1><p class='igviz-note'>"
                      + text(_("Participants join with a short code, choose their stakeholder group and submit "
                               "weights; this page shows the group's result with every stakeholder group on an equal "
                               "footing.")) + "</p>", sizing_mode="stretch_width"),
            self._message, self._title, self._framework, self._proposals, self._groups,
            *([pn.Card(html_pane(f"<p class='igviz-note'>{text(_('Reforms composed in the explorer’s Design a reform panel can be ranked beside the proposals: paste its link, or choose a scenario file saved there. You can also add designs later, before a round.'))}</p>",
                                 sizing_mode="stretch_width"), self._designs,
                       title=_("Designs from the explorer (optional)"), collapsed=True, sizing_mode="stretch_width")]
              if self._designs is not None else []),
            self._key, self._create,
            sizing_mode="stretch_width", styles={"max-width": "720px"})


# What the facilitator can download for a round: the tables open in a spreadsheet (CSV with a
# byte-order mark); the JSON is the complete record, which `load_export` reads back.
EXPORTS = {"results.csv": N_("Results per proposal (CSV)"), "weights.csv": N_("Weights and disagreement (CSV)"),
           "submissions.csv": N_("Submissions (CSV)"), "ratings.csv": N_("Ratings per proposal and criterion (CSV)"),
           "perspectives.csv": N_("Score perspectives (CSV)"), "round.json": N_("Everything (JSON)")}


class FacilitatorBoard(pn.viewable.Viewer):
    """Round controls and the group's results for one workshop, for whoever holds its secret."""

    def __init__(self, store: WorkshopStore, dataset: Dataset, code: str, secret: str, join: JoinLink | None = None,
                 **params):
        super().__init__(**params)
        self.store, self.dataset, self.secret = store, dataset, secret
        self.info = store.check_secret(code, secret)  # raises AccessDenied for a wrong key
        self.code = self.info.code
        # A workshop made on other data: say what is missing before any widget lists its proposals.
        check_workshop_data(dataset, self.info.framework, self.info.proposals, self.info.groups, self.info.design_specs)
        self.join = join or join_link(self.code, None, page="lite")
        self.results: RoundResults | None = None
        self._revision = None
        self._unavailable = False
        self._lock = threading.Lock()  # this board's store calls run on worker threads, one at a time, in order
        self._panes = {name: html_pane("", sizing_mode="stretch_width") for name in (
            "header", "counts", "equal", "headcount", "group_weights", "dispersion", "consensus", "dissent",
            "robustness", "disputed", "rating_ranking", "rating_consensus", "rating_robustness", "opinions", "history",
            "convergence", "designs")}
        self._message = pn.Column(margin=0, sizing_mode="stretch_width")
        # Not "warning": Bokeh's white on orange fails the contrast check (axe-core, WCAG AA).
        self._close = pn.widgets.Button(label=_("Close round"), color="default")
        self._reopen = pn.widgets.Button(label=_("Reopen round"), color="default")
        self._next = pn.widgets.Button(label=_("Start next round"), color="default")
        self._reveal = pn.widgets.Button(label=_("Reveal results"), color="primary")
        self._next_reason = html_pane("", sizing_mode="stretch_width")
        # Closing and moving on change what the whole room sees: each asks first, in the page (a browser
        # dialog would show on the projector too, and blocks the page).
        self._confirm = pn.Column(margin=0, sizing_mode="stretch_width")
        self._close.on_click(lambda _e: self._ask(
            _("Close round {number}? Participants can no longer submit or revise (you can reopen it).",
              number=self.info.round.number), _("Yes, close the round"), store.close_round))
        self._next.on_click(lambda _e: self._ask(self._next_question(), _("Yes, start the next round"), self._open_next))
        self._reopen.on_click(in_thread(lambda _e: self._act(store.reopen_round), self._lock))
        self._reveal.on_click(in_thread(lambda _e: self._act(lambda code, secret: store.reveal_results(
            code, secret, not self.info.round.revealed)), self._lock))
        self._timing = self._timing_widgets()
        p = self._panes
        # Hidden until the facilitator reveals them (unless the workshop shows results live): then only how
        # many have submitted per stakeholder group shows, so that early votes do not sway later ones.
        # Whose scores the two rankings use (#16): the Best Bits analysis, the room's ratings (each
        # stakeholder group once) or one group's; offered once the round has ratings.
        self._perspective = pn.widgets.Select(label=_("Scores the ranking uses"),
                                              options={_("Best Bits analysis, early 2014"): BUNDLED_NAME},
                                              value=BUNDLED_NAME, visible=False)
        self._perspective.param.watch(in_thread(lambda _e: self._show_rankings(), self._lock), "value")
        # Round history (#16): compare this round with any earlier one.
        self._history_round = pn.widgets.Select(label=_("Compare this round with round"), options=[], visible=False)
        self._history_round.param.watch(in_thread(lambda _e: self._show_history(), self._lock), "value")
        self._opinions = None  # (what they were computed from, opinion groups)
        self._earlier: dict[int, RoundResults] = {}  # earlier rounds' results, computed once (cleared by moderation)
        self._result_cards = [
            _card(_("Ranking"), self._perspective, p["equal"], basis=420), _card(_("Ranking by head count"), p["headcount"], basis=420),
            _card(_("Rough consensus"), p["consensus"], basis=640), _card(_("Dissent and minority notes"), p["dissent"]),
            _card(_("Where we disagree"), p["dispersion"], basis=520),
            _card(_("Weights by stakeholder group"), p["group_weights"], basis=640),
            _card(_("Robustness"), p["robustness"], basis=520)]
        self._hidden = _card(_("Results"), html_pane(
            f"<p class='igviz-hidden-note'>{text(_('The results are hidden until you reveal them, so that early submissions do not sway later ones. Reveal results shows them here and on participants’ pages.'))}</p>",
            sizing_mode="stretch_width"), basis=420)
        self._rule_inputs = self._rule_widgets()
        self._asks_inputs = self._asks_widgets()
        self._design_inputs = self._design_widgets()
        self._moderation = self._moderation_widgets()
        self._export_round = pn.widgets.Select(label=_("Round to export"), options=[1])
        self._downloads = [pn.widgets.FileDownload(callback=lambda kind=kind: self._export(kind), filename=f"round.{kind}",
                                                   label=_(label), color="light")
                           for kind, label in EXPORTS.items()]
        self._export_round.param.watch(self._name_downloads, "value")
        self._ratings_cards = {}
        # The designs ranked here (not a result: shown whether or not the results are revealed).
        self._designs_card = _card(_("Designs ranked in this workshop"), self._panes["designs"], basis=420)
        self.refresh()
        if on_server():
            pn.state.add_periodic_callback(in_thread(self._poll, self._lock, skip_if_busy=True), period=POLL_MS)
            browser = pn.state.browser_info
            if browser is not None:  # the browser tells its time zone once the page has loaded
                browser.param.watch(self._browser_zone, "timezone")

    def _browser_zone(self, *_events) -> None:
        zone = self._zone()
        if zone and not self._window_zone.value_input:
            self._window_zone.value = zone
        self._panes["header"].object = self._header_html()

    @staticmethod
    def _zone() -> str:
        browser = pn.state.browser_info
        return str(getattr(browser, "timezone", "") or "") if browser is not None else ""

    def _when(self, timestamp: float) -> str:
        """A round's time on the facilitator's clock (their browser's zone; else the zone they typed; else UTC, named)."""
        return local_time(timestamp, self._zone() or None, self.info.round.zone if self.info.round else "")

    # -- pacing: confirmation, reveal, next round, timing ---------------------------------------------

    def _ask(self, question: str, yes_label: str, action) -> None:
        """The two-step confirmation: the question and a Yes / Cancel pair, in the page."""
        yes = pn.widgets.Button(label=yes_label, color="primary")
        cancel = pn.widgets.Button(label=_("Cancel"), color="default")

        def confirmed(_e=None):
            self._confirm[:] = []
            self._act(action)
        yes.on_click(in_thread(confirmed, self._lock))
        cancel.on_click(lambda _e: self._confirm.clear())
        self._confirm[:] = [html_pane(f"<p class='igviz-confirm' role='alert'>{text(question)}</p>",
                                      sizing_mode="stretch_width"), pn.Row(yes, cancel)]

    def _next_question(self) -> str:
        number = (self.info.round.number if self.info.round else 0) + 1
        if self._start_from.value == START_PREVIOUS:
            start = _("Everyone starts from this round’s equal-footing weights.")
        else:
            start = _("Everyone starts from equal weights.")
        return _("Start round {number}? {start} The results shown become round {number}’s (earlier rounds stay in "
                 "the exports).", number=number, start=start)

    def _open_next(self, code: str, secret: str) -> None:
        start = self._start_from.value
        chosen = None
        if start == START_PREVIOUS:
            r = self.results
            if r is None or not len(r.submissions):
                raise WorkshopError("This round has no submissions: there are no equal-footing weights to start from")
            w = r.equal_footing_weights
            # The sliders' scale (whole numbers, most important at 10), so every page shows them the same way.
            chosen = {c: float(max(0, min(10, round(float(v) * 10 / float(w.max()))))) for c, v in w.items()}
        minutes, opens_at, closes_at, zone = self._typed_times()
        zone = zone if opens_at is not None or closes_at is not None else ""
        self.store.open_round(code, secret, start=start, start_weights=chosen, minutes=minutes, opens_at=opens_at,
                              closes_at=closes_at, zone=zone)

    def _typed_times(self):
        zone = (self._window_zone.value_input or self._window_zone.value or "").strip()
        minutes = self._timer.value or None
        opens_at = typed_time(self._window_opens.value_input or self._window_opens.value, zone)
        closes_at = typed_time(self._window_closes.value_input or self._window_closes.value, zone)
        return minutes, opens_at, closes_at, zone

    def _timing_widgets(self):
        self._start_from = pn.widgets.Select(label=_("The next round starts everyone from"), options={
            _("Equal weights"): START_EQUAL, _("This round’s equal-footing weights"): START_PREVIOUS}, value=START_EQUAL)
        self._timer = pn.widgets.IntInput(label=_("Timer in minutes (0: none)"), value=0, start=0, end=7 * 24 * 60)
        self._window_opens = pn.widgets.TextInput(label=_("Or a window: opens at (e.g. 2026-11-30 14:00)"), max_length=40)
        self._window_closes = pn.widgets.TextInput(label=_("Closes at (e.g. 2026-12-01 14:00)"), max_length=40)
        self._window_zone = pn.widgets.TextInput(label=_("In the time zone (e.g. Europe/Paris)"), max_length=64,
                                                 value=self._zone() or "UTC")
        apply = pn.widgets.Button(label=_("Apply to this round"), color="default")

        def applied(code, secret):
            minutes, opens_at, closes_at, zone = self._typed_times()
            zone = zone if opens_at is not None or closes_at is not None else ""
            self.store.set_round_times(code, secret, minutes=minutes, opens_at=opens_at, closes_at=closes_at, zone=zone)
        apply.on_click(in_thread(lambda _e: self._act(applied), self._lock))
        self._live = pn.widgets.Checkbox(label=_("Show results live, from the first submission"),
                                         value=self.info.results_live)
        self._live.param.watch(in_thread(lambda e: self._act(lambda code, secret: self.store.set_results_live(
            code, secret, e.new)), self._lock), "value")
        note = html_pane(f"<p class='igviz-note'>{text(_('A timer or a window closes the round by itself; participants see the times on their own clock. Start next round uses these times and starting weights too.'))}</p>",
                         sizing_mode="stretch_width")
        return [self._start_from, self._timer, self._window_opens, self._window_closes, self._window_zone, apply, note,
                self._live]

    # -- live updates -------------------------------------------------------------------------------

    def _poll(self) -> None:
        try:
            revision = self.store.revision(self.code)
            if revision != self._revision or self._times_passed():
                self.refresh(revision)
        except DatabaseUnavailable as exc:  # said on the page (the results shown are the last read), until it is back
            self._unavailable = True
            self._message[:] = [notice(in_language(exc), "error")]
            return
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the projector; retry next second
            return
        if self._unavailable:
            self._unavailable = False
            self._message[:] = []

    def _times_passed(self) -> bool:
        """Whether the round's window opened or its timer ran out since the last redraw (no revision marks that)."""
        r = self.info.round
        now = self.store.clock()
        return r is not None and ((r.state == "scheduled" and r.opens_at is not None and now >= r.opens_at)
                                  or (r.is_open and r.closes_at is not None and now >= r.closes_at))

    def refresh(self, revision: int | None = None) -> None:
        """Show the workshop as the database has it now (at `revision`, if the caller just read it).

        Every pane's change goes to the browser in one batch at the end (Panel's hold): the projector
        never shows half a refresh, and with 300 raters the browser lays the page out once, not a
        dozen times."""
        with hold():
            self._refresh(revision)

    def _refresh(self, revision: int | None = None) -> None:
        self._revision = self.store.revision(self.code) if revision is None else revision
        self.info = info = self.store.workshop(self.code)
        submissions = self.store.submissions(self.code, self.secret)
        r = self.results = self._with_history(round_results(self.dataset, info.framework, info.proposals, info.groups,
                                                            info.rule, submissions, info.design_specs))
        p = self._panes
        p["header"].object = self._header_html()
        p["designs"].object = designs_html(self.dataset, info)
        self._designs_card.visible = bool(info.designs)
        if list(self._rate_proposals.options.values()) != list(info.proposals):
            self._rate_proposals.options = {self._short(pid): pid for pid in info.proposals}
        p["counts"].object = self._counts_html(r)
        self._attendance = self.store.attendance(self.code, self.secret)
        p["counts"].object += self._attendance_html()
        revealed = info.round is not None and info.round.revealed
        self._hidden.visible = not revealed
        for card in self._result_cards:
            card.visible = revealed
        self._reveal.label = _("Hide results") if revealed and not info.results_live else _("Reveal results")
        self._reveal.disabled = info.round is None or info.results_live
        self._reveal.color = "default" if revealed else "primary"
        state = info.round.state if info.round else "closed"
        self._next.disabled = state != "closed"
        self._next.color = "primary" if state == "closed" else "default"
        self._next_reason.object = ("" if state == "closed" else
                                    f"<p class='igviz-note' id='igviz-next-reason'>{text(_('Close this round first to start the next one.'))}</p>")
        if not revealed:  # nothing of the result is computed, nor can leak through a stale pane
            for name in ("equal", "headcount", "group_weights", "dispersion", "consensus", "dissent", "robustness",
                         *self._ratings_cards, "convergence"):
                p[name].object = ""
            for shown in self._ratings_cards.values():
                shown.visible = False
            self._perspective.visible = self._history_round.visible = False
            self._rounds_and_downloads()
            return
        self._perspective_options(r)
        self._show_rankings()
        p["group_weights"].object = self._group_weights_html(r)
        p["dispersion"].object = self._dispersion_html(r)
        p["consensus"].object = self._consensus_html(r)
        p["dissent"].object = self._dissent_html(r)
        p["robustness"].object = self._robustness_html(r)
        self._ratings_html(r)
        self._rounds_and_downloads()

    def _rounds_and_downloads(self) -> None:
        info = self.info
        self._close.disabled = not info.accepting and info.round is not None and info.round.state != "scheduled"
        self._joining.label = _("Lock joining") if info.joining_open else _("Open joining again")
        people = self.store.participants(self.code, self.secret)
        self._people.object = (f"<p class='igviz-note' role='status'>{text(self._people_text(info, people))}</p>")
        self._reopen.disabled = info.accepting or info.round is None
        rounds = [x.number for x in self.store.rounds(self.code)]
        if self._export_round.options != rounds:
            self._export_round.options = rounds
            self._export_round.value = rounds[-1]
        self._name_downloads()

    def _act(self, action) -> None:
        try:
            action(self.code, self.secret)
            self._earlier.clear()  # a removal changes earlier rounds' results too
            self._message[:] = []
            self.refresh()
        except WorkshopError as exc:  # DatabaseUnavailable too: the database down, locked or full is said
            self._message[:] = [notice(in_language(exc), "error")]

    # -- the rule ---------------------------------------------------------------------------------

    def _rule_widgets(self):
        rule = self.info.rule
        top_n = pn.widgets.IntInput(label=_("Supports a proposal in their top …"), value=rule.top_n, start=1,
                                    end=len(self.info.proposals))
        share = pn.widgets.FloatSlider(label=_("Share of a group that must support it"), value=rule.group_share,
                                       start=0.5, end=1.0, step=0.05, format="0%")
        minimum = pn.widgets.IntInput(label=_("Fewest submissions for a group to count"), value=rule.min_group_size,
                                      start=1, end=100)
        apply = pn.widgets.Button(label=_("Apply the rule"), color="default")

        def submit(_event=None):
            try:
                self.store.set_rule(self.code, self.secret, ConsensusRule(int(top_n.value), float(share.value),
                                                                          int(minimum.value)))
            except (ValueError, TypeError) as exc:
                self._message[:] = [notice(in_language(exc) if isinstance(exc, WorkshopError) else str(exc), "error")]
                return
            self.refresh()
        apply.on_click(in_thread(submit, self._lock))
        return [top_n, share, minimum, apply]

    # -- what a round asks (#16) ---------------------------------------------------------------------

    def _asks_widgets(self):
        """Weights, ratings or both; the proposals and criteria to rate (none chosen: each participant
        chooses). Applied to the current round, or to a new one."""
        current = self.info.round
        asks = pn.widgets.Select(label=_("This round asks for"), value=current.asks if current else "weights",
                                 options={_("weights"): "weights", _("ratings"): "ratings",
                                          _("weights and ratings"): "both"})
        proposals = pn.widgets.MultiChoice(label=_("Proposals to rate (none: each participant chooses)"),
                                           options={self._short(p): p for p in self.info.proposals})
        self._rate_proposals = proposals  # its options follow the round's proposals (a design added joins them)
        names = {c.id: localised(c, "name", current_language()) for c in self.dataset.framework(self.info.framework).criteria}
        criteria = pn.widgets.MultiChoice(label=_("Criteria to rate (none: each participant chooses)"),
                                          options={names.get(c, c): c for c in self.info.criteria})

        def chosen():
            if asks.value == "weights" or not (proposals.value or criteria.value):
                return asks.value, None
            return asks.value, {p: list(criteria.value or self.info.criteria) for p in (proposals.value or self.info.proposals)}

        apply = pn.widgets.Button(label=_("Apply to this round"), color="default")
        apply.on_click(in_thread(lambda _e: self._act(lambda code, secret: self.store.set_round_asks(
            code, secret, *chosen())), self._lock))
        start = pn.widgets.Button(label=_("Start the next round with these"), color="default")
        start.on_click(in_thread(lambda _e: self._act(lambda code, secret: self.store.open_round(
            code, secret, *chosen())), self._lock))
        return [asks, proposals, criteria, apply, start]

    # -- designs (#14) ---------------------------------------------------------------------------------

    def _design_widgets(self):
        """Add designs from the explorer (a link or a scenario file): in this round while it has no submissions,
        else from the next."""
        picker = DesignPicker(self.dataset) if getattr(self.dataset, "design", None) is not None else None
        if picker is None:
            return [html_pane(f"<p class='igviz-note'>{text(_('This data has no design model, so there are no designs to add.'))}</p>")]
        add = pn.widgets.Button(label=_("Add the designs"), color="default")

        def added(code, secret):
            number = add_designs(self.store, self.dataset, code, secret, picker.read())
            picker.clear()
            current = self.info.round.number if self.info.round else 1
            said = (_("Added: the designs are in this round.") if number <= current else
                    _("Added: the designs join round {number} when you start it (this round’s proposals stay as they "
                      "were for those who have submitted).", number=number))
            self._design_note.object = f"<p class='igviz-note' role='status'>{text(said)}</p>"
        add.on_click(in_thread(lambda _e: self._act(added), self._lock))
        self._design_note = html_pane("", sizing_mode="stretch_width")
        note = html_pane(f"<p class='igviz-note'>{text(_('Reforms composed in the explorer’s Design a reform panel, ranked beside the proposals on every page. Paste the explorer’s link or choose a scenario file saved there.'))}</p>",
                         sizing_mode="stretch_width")
        return [note, picker, add, self._design_note]

    # -- moderation ---------------------------------------------------------------------------------

    def _moderation_widgets(self):
        """Lock joining, cap each stakeholder group, remove participants, hide a comment; all logged.
        Like every store call of the board, on a worker thread (in_thread), in order."""
        self._joining = pn.widgets.Button(label=_("Lock joining"), color="default")
        self._joining.on_click(in_thread(lambda _e: self._act(lambda code, secret: self.store.set_joining(
            code, secret, not self.info.joining_open)), self._lock))
        self._people = html_pane("", sizing_mode="stretch_width")
        caps = dict(self.info.group_caps)
        cap_inputs = {g: pn.widgets.IntInput(label=_("Most participants in {group} (0: no cap)", group=self._group_name(g)),
                                             value=caps.get(g, 0), start=0, end=10000) for g in self.info.groups}
        apply_caps = pn.widgets.Button(label=_("Apply the caps"), color="default")
        apply_caps.on_click(in_thread(lambda _e: self._act(lambda code, secret: self.store.set_group_caps(
            code, secret, {g: int(w.value or 0) for g, w in cap_inputs.items()})), self._lock))
        who = pn.widgets.TextInput(label=_("Participants to remove (e.g. P007, P010-P020)"), max_length=400)
        remove = pn.widgets.Button(label=_("Remove from the results"), color="danger")
        remove.on_click(in_thread(lambda _e: self._act(lambda code, secret: self.store.remove_participants(
            code, secret, parse_participants(who.value_input or who.value))), self._lock))
        whose = pn.widgets.TextInput(label=_("Participant whose comment to hide (e.g. P007)"), max_length=20)
        hide = pn.widgets.Button(label=_("Hide the comment"), color="default")
        hide.on_click(in_thread(lambda _e: self._act(lambda code, secret: self.store.hide_comment(
            code, secret, whose.value_input or whose.value)), self._lock))
        log = pn.widgets.FileDownload(callback=self._moderation_log, filename=f"igviz-{self.code}-moderation.json",
                                      label=_("Download the moderation log"), color="light")
        note = html_pane(f"<p class='igviz-note'>{text(_('Removed participants and hidden comments leave the results and exports; the moderation log keeps what was taken out, and when.'))}</p>",
                         sizing_mode="stretch_width")
        return [self._people, self._joining, *cap_inputs.values(), apply_caps, who, remove, whose, hide, note, log]

    def _people_text(self, info, people) -> str:
        present = int((~people["removed"]).sum()) if len(people) else 0
        removed = len(people) - present
        joining = _("joining is open") if info.joining_open else _("joining is locked")
        return _("{count} participant(s) in the workshop, {removed} removed; {joining}.", count=present,
                 removed=removed, joining=joining)

    def _moderation_log(self):
        log = self.store.moderation_log(self.code, self.secret)
        log["at"] = log["at"].astype(str)
        return io.StringIO(log.to_json(orient="records", force_ascii=False, indent=1))

    # -- exports ------------------------------------------------------------------------------------

    def _name_downloads(self, *_events):
        for d, kind in zip(self._downloads, EXPORTS):
            name, _dot, suffix = kind.rpartition(".")
            d.filename = f"igviz-{self.code}-round{self._export_round.value}-{name}.{suffix}"

    def _export(self, kind: str):
        try:
            export = export_round(self.store, self.code, self.secret, self._export_round.value)
        except WorkshopError as exc:  # the database down, locked or full: said on the page, not only in a log
            self._message[:] = [notice(in_language(exc), "error")]
            raise
        write = {"submissions.csv": export.to_csv, "results.csv": lambda: export.results_csv(self.dataset),
                 "weights.csv": lambda: export.weights_csv(self.dataset),
                 "ratings.csv": lambda: export.ratings_csv(self.dataset),
                 "perspectives.csv": lambda: export.perspective_csv(self.dataset),
                 "round.json": lambda: export.to_json(self.dataset)}[kind]
        return io.StringIO(write())

    # -- the HTML of each part ------------------------------------------------------------------------

    def _group_name(self, gid: str) -> str:
        return localised(self.dataset.groups[gid], "name", current_language())

    def _short(self, pid: str) -> str:
        # The round's assessment knows every proposal it ranks (a design is not in the data).
        source = self.results.assessment if self.results is not None else self.dataset
        specs = {d.id: d.spec for d in self.info.designs}
        if self.results is None and pid in specs:  # a design, before the first refresh built the assessment
            from ..design import Design
            return Design.from_spec(pid, specs[pid]).short
        return proposal_text(source, pid, "short_name", current_language())

    def _criterion_names(self, r: RoundResults) -> dict[str, str]:
        return {c.id: localised(c, "name", current_language()) for c in r.assessment.active_framework.criteria}

    def _header_html(self) -> str:
        info = self.info
        r = info.round
        if r is None:
            status = _("No round yet")
        elif r.state == "scheduled":
            status = _("Round {number} opens at {opens}", number=r.number, opens=self._when(r.opens_at))
        elif r.is_open:
            status = _("Round {number} is open", number=r.number)
            if r.closes_at is not None:
                status = _("Round {number} is open until {closes}", number=r.number, closes=self._when(r.closes_at))
        else:
            status = _("Round {number} is closed", number=r.number)
        count = _("{count} submission(s) in this round", count=len(self.results.all_submissions))
        if r is not None and not r.revealed:
            count += " · " + _("results hidden until you reveal them")
        url = self.join.url
        # The QR code opens the same link; the code is for those who type the short address.
        qr = (f"<div class='igviz-qr' role='img' aria-label='{text(_('QR code of the join link'))}'>{qr_svg(url)}</div>"
              if "://" in url else "")
        problem = (f"<div class='igviz-warning' role='alert'>{text(in_language(self.join.problem))}</div>"
                   if self.join.problem else "")
        return (f"<header class='igviz-header igviz-join'>{qr}<div><h1>{text(info.title)}</h1>"
                f"<div class='igviz-link'>{text(_('Join at'))} <b>{text(url)}</b></div>{problem}"
                f"<div>{text(_('Code'))} <span class='igviz-code' aria-label='{text(_('join code'))}'>{text(info.code)}</span></div>"
                f"<p class='igviz-round' role='status'>{text(status)} · {text(count)}</p>{perspective_html()}</div></header>")

    def _counts_html(self, r: RoundResults) -> str:
        top = max(1, int(r.counts.max()) if len(r.counts) else 1)
        rows = [[text(self._group_name(g)), bar(n, top, str(int(n)), "#44AA99")] for g, n in r.counts.items()]
        rows.append([f"<b>{text(_('All'))}</b>", f"<b class='igviz-num'>{int(r.counts.sum())}</b>"])
        return table(_("Submissions per stakeholder group"), [_("Stakeholder group"), _("Submissions")], rows,
                     "igviz-counts")

    def _attendance_html(self) -> str:
        a = self._attendance
        return (f"<p class='igviz-note igviz-attendance' role='status'>"
                f"{text(_('In the room: {room} · remote: {remote} · not said: {unsaid}', **a))}</p>")

    def _group_weights_html(self, r: RoundResults) -> str:
        gw = r.group_weights
        if gw.empty:
            return ""
        names = self._criterion_names(r)
        head = [_("Criterion"), *[self._group_name(g) for g in gw.index], _("Equal footing")]
        rows = [[text(names[c]), *[f"{gw.loc[g, c]:.0%}" for g in gw.index], f"<b>{r.equal_footing_weights[c]:.0%}</b>"]
                for c in r.criteria]
        return table(_("Mean weight per stakeholder group (share of each person's total)"), head, rows)

    def _dispersion_html(self, r: RoundResults) -> str:
        d = r.dispersion
        if not len(r.submissions):
            return ""
        top = max(float(np.nanmax(d["spread"])), 1.0)
        names = self._criterion_names(r)
        points = lambda v: _("{value} pts", value=f"{v:.1f}")  # noqa: E731
        rows = [[text(names[c]), bar(row["spread"], top, points(row["spread"]), CRITERION_COLOURS[6]),
                 f"<span class='igviz-num'>{text(points(row['between groups']))}</span>"] for c, row in d.iterrows()]
        return table(_("Where people disagree most: spread of weights (most disputed first)"),
                     [_("Criterion"), _("Spread (std. dev.)"), _("Gap between groups")], rows, "igviz-dispersion")

    def _consensus_html(self, r: RoundResults) -> str:
        c = r.consensus
        groups = r.group_ids

        def cell(status, support=None):
            share = "" if support is None or np.isnan(support) else f" {support:.0%}"
            if status == CONSENSUS:
                return f"<span class='igviz-yes'>✓ {text(_('yes'))}{share}</span>"
            if status == NO_CONSENSUS:
                return f"<span class='igviz-no'>✗ {text(_('no'))}{share}</span>"
            return f"<span class='igviz-open'>… {text(_('too few'))}{share}</span>"
        rows = [[text(self._short(pid)), *[cell(row[g], row[f"{g} support"]) for g in groups], cell(row["overall"])]
                for pid, row in c.iterrows()]
        return (table(_("Rough consensus per proposal (share of each group supporting it)"),
                      [_("Proposal"), *[self._group_name(g) for g in groups], _("Overall")], rows, "igviz-consensus",
                      list(c.index))
                + f"<p class='igviz-note'>{text(_(r.rule.DESCRIPTION, **r.rule.description_values()))}</p>")

    def _dissent_html(self, r: RoundResults) -> str:
        d = r.dissent
        if d.empty:
            return f"<p class='igviz-note'>{text(_('No comments yet.'))}</p>"
        items = "".join(
            f"<li>{text(row['comment'])}<span class='igviz-who'>{text(self._group_name(row['group']))} · "
            f"{text(row['participant'])} · {text(_('own first choice: {proposal}', proposal=self._short(row['own id'])))}"
            f"{' ' + text(_('(differs from the group’s)')) if row['differs'] else ''}</span></li>" for _i, row in d.iterrows())
        return f"<ul class='igviz-comments igviz-dissent'>{items}</ul>"

    def _ratings_html(self, r: RoundResults) -> None:
        # Ratings rounds (#16): the disputed cells, the ranking under the room's scores, opinion groups.
        names = self._criterion_names(r)
        p = self._panes
        p["disputed"].object = disputed_html(r, self._group_name, self._short, names.get) if r.has_ratings else ""
        p["rating_ranking"].object = ranking_change_html(r, self._short) if r.has_ratings else ""
        p["rating_consensus"].object = rating_consensus_html(r, self._group_name, self._short) if r.has_ratings else ""
        p["rating_robustness"].object = rating_robustness_html(r.rating_robustness(samples=RATING_SAMPLES), self._short,
                                                               RATING_SAMPLES) if r.has_ratings else ""
        enough = len(r.all_submissions) >= 2 * OPINION_MIN_SIZE
        p["opinions"].object = opinions_html(self._opinion_groups(r), r.group_ids, self._group_name,
                                             self._short, names.get) if enough else ""
        p["history"].object = self._history_html(r)
        for name, shown in self._ratings_cards.items():  # built with the page, after the first refresh
            shown.visible = bool(p[name].object)
        if "history" in self._ratings_cards:
            self._ratings_cards["history"].visible = bool(p["history"].object or p["convergence"].object)

    def _opinion_groups(self, r: RoundResults):
        """The round's opinion groups, computed again only when what they are computed from changed
        (a join, a reveal or a moderation action also redraws the page; clustering is its slowest part)."""
        frame = r.all_submissions
        columns = ["group", *[c for c in frame.columns if c.startswith(("weight.", "rating."))]]
        key = hashlib.sha1(pd.util.hash_pandas_object(frame[columns], index=False).to_numpy().tobytes()).hexdigest()
        if self._opinions is None or self._opinions[0] != key:
            self._opinions = (key, r.opinion_groups(min_size=OPINION_MIN_SIZE))
        return self._opinions[1]

    def _with_history(self, r: RoundResults) -> RoundResults:
        """This round's results told of the earlier rounds' (round history, #16). Only the current
        round can take submissions, so an earlier round's results are computed once."""
        info = self.info
        number = info.round.number if info.round else 1
        for n in range(1, number):
            if n not in self._earlier:
                subs = self.store.submissions(self.code, self.secret, n)
                self._earlier[n] = round_results(self.dataset, info.framework, info.proposals_in(n), info.groups,
                                                 info.rule, subs, info.designs_in(n))
        for n in [n for n in self._earlier if n >= number]:
            del self._earlier[n]
        for n, earlier in sorted(self._earlier.items()):
            if earlier.number is None:
                with_history(earlier, n, self._earlier)
        return with_history(r, number, self._earlier)

    def _history_html(self, r: RoundResults) -> str:
        """What moved since an earlier round (the one chosen; else the last), and every round's spread."""
        earlier = [n for n, e in sorted((r.earlier or {}).items()) if len(e.all_submissions)]
        options = {_("Round {number}", number=n): n for n in earlier}
        if list(self._history_round.options) != list(options):
            previous = self._history_round.value
            self._history_round.options = options
            if options:
                self._history_round.value = previous if previous in earlier else earlier[-1]
        self._history_round.visible = bool(earlier) and bool(len(r.all_submissions))
        if not self._history_round.visible:
            self._panes["convergence"].object = ""
            return ""
        number = self._history_round.value if self._history_round.value in earlier else earlier[-1]
        names = self._criterion_names(r).get
        self._panes["convergence"].object = convergence_html(r.round_history(), self._short)
        return history_html(r.compare_with(number), number, self._short, names)

    def _show_history(self) -> None:
        r = self.results
        if r is not None and self.info.round is not None and self.info.round.revealed:
            self._panes["history"].object = self._history_html(r)

    # -- perspectives (#16) ---------------------------------------------------------------------------

    def _perspective_label(self, name: str, r: RoundResults) -> str:
        if name == BUNDLED_NAME:
            return _("Best Bits analysis, early 2014")
        if name == r.ratings.perspective().name:
            return _("The room's ratings, each stakeholder group once")
        group = next((g for g in r.ratings.group_means.columns if r.ratings.group_perspective(g).name == name), None)
        return _("{group}'s ratings", group=self._group_name(group)) if group else name

    def _perspective_options(self, r: RoundResults) -> None:
        names = list(r.perspectives())
        options = {self._perspective_label(n, r): n for n in names}
        if self._perspective.options != options:
            value = self._perspective.value
            self._perspective.options = options
            self._perspective.value = value if value in names else BUNDLED_NAME
        self._perspective.visible = len(names) > 1

    def _show_rankings(self) -> None:
        """The two rankings under the perspective chosen (the Best Bits scores until one is)."""
        r = self.results
        if r is None or self.info.round is None or not self.info.round.revealed:
            return
        name = self._perspective.value or BUNDLED_NAME
        views = r.perspectives()
        if name not in views:
            name = BUNDLED_NAME
        scale = self.dataset.scale.max
        if name == BUNDLED_NAME:
            equal, headcount, whose = r.equal_footing_ranking, r.headcount_ranking, ""
        else:
            equal = r.ranking_under(name, "equal footing") if len(r.submissions) else None
            headcount = r.ranking_under(name, "head count") if len(r.submissions) else None
            whose = _("Scores: {whose}.", whose=self._perspective_label(name, r))
        suffix = f" · {whose}" if whose else ""
        self._panes["equal"].object = ranking_table(
            with_local_names(equal, r.assessment), _("Equal footing: each stakeholder group counts once") + suffix,
            scale, css_class="igviz-equal-footing")
        self._panes["headcount"].object = ranking_table(
            with_local_names(headcount, r.assessment), _("Head count: each person counts once") + suffix, scale,
            css_class="igviz-headcount")

    def _robustness_html(self, r: RoundResults) -> str:
        rob = r.robustness(samples=4000)
        if rob is None:
            return ""
        t = rob.table
        names = {p.id: self._short(p.id) for p in r.assessment.proposals}
        top3 = t[[c for c in t.columns if c.startswith("rank ")][:3]].sum(axis=1)
        order = t["rank 1"].sort_values(ascending=False).index
        rows = [[text(names[pid]), bar(t.loc[pid, "rank 1"], 1, f"{t.loc[pid, 'rank 1']:.0%}"),
                 bar(top3[pid], 1, f"{top3[pid]:.0%}", "#88CCEE")] for pid in order]
        return table(_("How robust is the result? Share of 4,000 draws from the submitted weights (with the scores' "
                       "ranges) in which each proposal ranks…"), [_("Proposal"), _("first"), _("in the top three")], rows)

    def _ratings_card_list(self, card) -> list:
        titles = {"disputed": (_("Where the room disputes the facts"), 760),
                  "rating_ranking": (_("Ranking under the room's scores"), 420),
                  "rating_consensus": (_("Rough consensus under the room's scores"), 640),
                  "rating_robustness": (_("Robustness under the room's scores"), 520),
                  "opinions": (_("Opinion groups"), 640),
                  "history": (_("Round history: what moved"), 640)}
        extra = {"history": [self._history_round, self._panes["history"], self._panes["convergence"]]}
        for name, (title, basis) in titles.items():
            self._ratings_cards[name] = card(title, *extra.get(name, [self._panes[name]]), basis=basis)
            self._ratings_cards[name].visible = bool(self._panes[name].object)
        return list(self._ratings_cards.values())

    def __panel__(self):
        p = self._panes
        card = _card
        controls = pn.Column(
            # Wraps rather than running off a 1280 px projector.
            pn.FlexBox(*[pn.Column(b, width=170, margin=0) for b in (self._reveal, self._close, self._reopen, self._next)],
                       flex_wrap="wrap", sizing_mode="stretch_width"),
            self._next_reason, self._confirm,
            pn.Card(*self._timing, title=_("Round timing, starting weights, showing results"), collapsed=True,
                    sizing_mode="stretch_width"),
            pn.Card(*self._rule_inputs, title=_("Rough consensus rule"), collapsed=True, sizing_mode="stretch_width"),
            pn.Card(*self._asks_inputs, title=_("What the round asks: weights, ratings"), collapsed=True,
                    sizing_mode="stretch_width"),
            pn.Card(*self._design_inputs, title=_("Designs: add from the explorer"), collapsed=True,
                    sizing_mode="stretch_width"),
            pn.Card(self._export_round, *self._downloads, title=_("Export (anonymised)"), collapsed=True,
                    sizing_mode="stretch_width"),
            pn.Card(*self._moderation, title=_("Moderation: joining, caps, removals"), collapsed=True,
                    sizing_mode="stretch_width"),
            styles={"flex": "1 1 320px", "min-width": "0"}, sizing_mode="stretch_width")
        return pn.Column(
            pn.FlexBox(pn.Column(p["header"], styles={"flex": "2 1 480px", "min-width": "0"}), controls,
                       flex_wrap="wrap", sizing_mode="stretch_width"),
            self._message,
            pn.FlexBox(card(_("Who has submitted"), p["counts"], basis=300), self._designs_card, self._hidden, *self._result_cards, *self._ratings_card_list(card),
                       flex_wrap="wrap", align_items="flex-start", sizing_mode="stretch_width"),
            sizing_mode="stretch_width")


def _card(title, *items, basis=420):
    return pn.Column(html_pane(f"<h2>{text(title)}</h2>"), *items, sizing_mode="stretch_width",
                     styles={"flex": f"1 1 {basis}px", "min-width": "0"})


class FacilitatorPage(pn.viewable.Viewer):
    """Routes by the address: no code → the setup form; code and key → the board; code alone → ask for the key."""

    def __init__(self, store: WorkshopStore | None = None, dataset: Dataset | None = None, **params):
        super().__init__(**params)
        from .served import served_dataset
        self.dataset = dataset or served_dataset()
        self._body = pn.Column(sizing_mode="stretch_width", margin=0)
        start_session_language()
        try:
            self.store = store or shared_store()
        except DatabaseVersionError as exc:  # the server's database cannot be used: say why, not a bare error
            self._body[:] = [notice(str(exc), "error")]
            return
        code, key = query_value("code"), query_value("key")
        if code:
            self._open(code, key)
        else:
            self._body[:] = [WorkshopSetup(self.store, self.dataset, self._created)]

    def _join_link(self, code: str) -> JoinLink:
        loc = pn.state.location
        # The join link opens the phone-first page (igviz/pages/lite.py).
        return join_link(code, loc.href if loc is not None and loc.href else None, page="lite")

    def _created(self, created) -> None:
        code = created.workshop.code
        set_address(code=code, key=created.secret)
        self._open(code, created.secret,
                   _("Workshop created. This page's address holds the facilitator key: keep it private, and present "
                     "with the browser in full screen (F11) so the address bar does not show it."))

    def _open(self, code: str, key: str, greeting: str = "") -> None:
        try:
            board = FacilitatorBoard(self.store, self.dataset, code, key, self._join_link(code.upper()))
        except AccessDenied as exc:
            self._ask_key(code, in_language(exc) if key else "")
            return
        except WorkshopError as exc:
            self._body[:] = [notice(in_language(exc), "error"), WorkshopSetup(self.store, self.dataset, self._created)]
            return
        self._body[:] = ([notice(greeting, "ok")] if greeting else []) + [board]

    def _ask_key(self, code: str, problem: str) -> None:
        key = pn.widgets.PasswordInput(label=_("Facilitator key"), sizing_mode="stretch_width")
        go = pn.widgets.Button(label=_("Open"), color="primary")

        def submit(_event=None):
            set_address(code=code, key=key.value)
            self._open(code, key.value)
        go.on_click(in_thread(submit, threading.Lock()))
        self._body[:] = ([notice(problem, "error")] if problem else []) + [
            html_pane(f"<h1>{text(_('Facilitate workshop {code}', code=code.upper()[:16]))}</h1>"), key, go]

    def __panel__(self):
        return StyledColumn(pn.Row(pn.layout.HSpacer(), language_selector(), sizing_mode="stretch_width"), self._body,
                         sizing_mode="stretch_width")
