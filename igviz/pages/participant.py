"""The participant's page: join with the code, move the weights, see your own ranking, submit.

One column that works on a phone; on a wider screen the sliders sit beside the results.
The page keeps the participant's private token in its address (`?code=…&p=…`), so reloading
or coming back later resumes where they were, and nobody else can submit for them.
"""

from __future__ import annotations

import threading

import panel as pn
import param

from ..dataset import Dataset
from ..workshop import DatabaseVersionError, WorkshopStore, shared_store
from ..workshop.participation import CODE, DONT_KNOW, JOIN, POLL_S, RATED, SKIPPED, WEIGHTS, Participation
from ..datatext import data_text, localised, shown_score, source_title
from ..perspective import BUNDLED_NAME
from ..views.evidence import evidence_label, perspective_html
from ..views.a11y import name_slider_handles
from ..views.bars import notice_html, ranking_table
from ..views.radar import RadarView
from ..datatext import proposal_text
from ..views.language import _, current_language, in_language, language_selector, start_session_language, with_local_names
from ..views.style import StyledColumn, html_pane, text
from ..views.weights import WeightsPanel
from .offload import in_thread

POLL_MS = int(POLL_S * 1000)  # how often the page asks whether the facilitator has closed or opened a round


def query_value(name: str) -> str:
    """A value from the page's address, as text ('' when absent)."""
    values = (pn.state.session_args or {}).get(name) if pn.state.curdoc is not None else None
    if not values:
        return ""
    value = values[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def client_address() -> str:
    """The browser's network address as the server sees it (for rate limits); '' outside a server."""
    try:
        return str(pn.state.curdoc.session_context.request.remote_ip or "")
    except AttributeError:  # no document, no session context (a notebook, a test)
        return ""


def set_address(**query: str) -> None:
    if pn.state.location is not None:
        pn.state.location.search = "?" + "&".join(f"{k}={v}" for k, v in query.items() if v)


def on_server() -> bool:
    return pn.state.curdoc is not None and pn.state.curdoc.session_context is not None


class OwnRanking(pn.viewable.Viewer):
    """The participant's ranking under their own weights, updated as they move a slider."""

    assessment = param.Parameter()

    def __init__(self, **params):
        super().__init__(**params)
        self._pane = html_pane(self._html(), sizing_mode="stretch_width")
        # On a phone the full ranking is a scroll away from the sliders: this line sits beside them.
        self.summary = html_pane(self._summary_html(), sizing_mode="stretch_width")

    @param.depends("assessment.result", watch=True)
    def _update(self):
        self._pane.object = self._html()
        self.summary.object = self._summary_html()
        a = self.assessment
        if not a.problem:
            a.selected = a.ranking().top  # the radar shows your current favourite

    def _summary_html(self) -> str:
        a = self.assessment
        if a.problem:
            return ""
        names = list(with_local_names(a.ranking().table, a)["short_name"][:3])
        return f"<p class='igviz-note' aria-live='polite'>{text(_('Your top three now: {names}', names=', '.join(names)))}</p>"

    def _html(self) -> str:
        a = self.assessment
        if a.problem:
            return notice_html(in_language(a.problem), "warning")
        return ranking_table(with_local_names(a.ranking().table, a), _("Your ranking, with your weights"), a.dataset.scale.max,
                             css_class="igviz-ranking-table")

    def __panel__(self):
        return self._pane


def whose_scores(a) -> str:
    """Whose judgement the scores a rating starts from are: the assessment's perspective, by name."""
    return _(BUNDLED_NAME) if a.perspective is None else a.perspective.name


class RatingsCard(pn.viewable.Viewer):
    """The ratings of a round, one proposal at a time: a slider from 0 to 10 and a "Don't know" tick per
    asked criterion, starting from the current perspective's score, whose rationale and sources are a tap
    away. A rendering of the flow's ratings (`Participation.rate`), as the light page's card is."""

    def __init__(self, flow: Participation, **params):
        super().__init__(**params)
        self.flow = flow
        cells = flow.rating_cells()
        self._pick = pn.widgets.Select(label=_("Proposal to rate"), sizing_mode="stretch_width",
                                       options=self._options(), value=flow.rating_proposal())
        self._moving = False
        self._pick.param.watch(lambda e: None if self._moving else self._go(f"show:{e.new}"), "value")
        intro = (_("Choose the proposals you can judge. One at a time: each criterion from 0 to 10, starting from the "
                   "score in the {whose}; tick “Don’t know” where you cannot judge, or skip a proposal.",
                   whose=whose_scores(flow.assessment)) if flow.chooses else
                 _("The facilitator asks you to rate {count} proposal(s). One at a time: each criterion from 0 to 10, "
                   "starting from the score in the {whose}; tick “Don’t know” where you cannot judge.",
                   count=len(cells), whose=whose_scores(flow.assessment)))
        self._head = html_pane(f"<h2>{text(_('Your ratings'))}</h2><p class='igviz-note'>{text(intro)}</p>",
                               sizing_mode="stretch_width")
        self._title = html_pane("", sizing_mode="stretch_width")
        self._cells = pn.Column(sizing_mode="stretch_width", margin=0)
        done = pn.widgets.Button(label=_("Done: next proposal"), color="primary", sizing_mode="stretch_width")
        skip = pn.widgets.Button(label=_("Skip this proposal (no rating)"), sizing_mode="stretch_width")
        back = pn.widgets.Button(label=_("Previous proposal"), sizing_mode="stretch_width")
        done.on_click(lambda _e: self._go("next"))
        skip.on_click(lambda _e: self._go("skip"))
        back.on_click(lambda _e: self._go("prev"))
        self._buttons = pn.Column(done, skip, back, sizing_mode="stretch_width", margin=0)
        self._show()

    def _options(self) -> dict:
        labels = {RATED: _("rated by you"), SKIPPED: _("skipped")}
        flow = self.flow
        return {proposal_text(flow.assessment, p, "short_name", current_language())  # designs too
                + (f" · {labels[flow.rating_states[p]]}" if p in flow.rating_states else ""): p
                for p in flow.rating_cells()}

    def _go(self, action: str) -> None:
        flow = self.flow
        at = flow.rating_proposal()
        if action == f"show:{at}":
            return
        flow.language = current_language()
        flow.rate(None, at=at, action=action)
        self._show()

    def _show(self) -> None:
        flow = self.flow
        at = flow.rating_proposal()
        order = list(flow.rating_cells())
        self._moving = True  # the list follows the card; it is not the participant choosing
        try:
            self._pick.param.update(options=self._options(), value=at)
        finally:
            self._moving = False
        state = {RATED: _("rated by you"), SKIPPED: _("skipped")}.get(flow.rating_states.get(at), "")
        position = _("{number} of {count}", number=order.index(at) + 1, count=len(order))
        self._title.object = (f"<h3>{text(proposal_text(flow.assessment, at, 'short_name', current_language()))} "
                              f"<span class='igviz-note'>({text(position)}{' · ' + text(state) if state else ''})</span></h3>")
        self._cells[:] = [self._cell(at, c) for c in flow.rating_cells()[at]]

    def _cell(self, proposal: str, criterion: str):
        flow, language = self.flow, current_language()
        start = flow.rating_start(proposal, criterion)
        value = flow.rating_value(proposal, criterion)
        unknown = value == DONT_KNOW
        number = flow._rating_number(shown_score(start.score) if unknown else value)
        name = localised(flow.assessment.active_framework.criterion(criterion), "name", language)
        slider = pn.widgets.FloatSlider(label=name, start=0, end=10, step=0.5, value=round((number or 0) * 2) / 2,
                                        disabled=unknown, sizing_mode="stretch_width")
        dk = pn.widgets.Checkbox(label=_("Don’t know"), value=unknown)

        def moved(event):
            flow.rate({proposal: {criterion: f"{event.new:g}"}}, at=proposal)

        def known(event):
            slider.disabled = event.new
            flow.rate({proposal: {criterion: DONT_KNOW if event.new else f"{slider.value:g}"}}, at=proposal)
        slider.param.watch(moved, "value_throttled")
        dk.param.watch(known, "value")
        sources = "".join(f"<blockquote>{f'<p>“{text(x.quote)}”</p>' if x.quote else ''}"
                          f"<p><i>{text(source_title(x, language))}</i></p></blockquote>" for x in start.citations[:2])
        line = _("Starting point: {score} (range {low}–{high}, {evidence}), {whose}.", score=shown_score(start.score),
                           evidence=evidence_label(start),
                 low=shown_score(start.low), high=shown_score(start.high), whose=whose_scores(flow.assessment))
        why = html_pane(f"<details class='igviz-perspective'><summary>{text(line)} <span class='igviz-more'>"
                        f"{text(_('Why, and the source'))}</span></summary><p>{text(data_text(start.rationale, language))}</p>"
                        f"{sources}</details>", sizing_mode="stretch_width")
        return pn.Column(slider, dk, why, sizing_mode="stretch_width", margin=(0, 0, 10, 0))

    def __panel__(self):
        return pn.Column(self._head, self._title, self._cells, self._buttons, self._pick, sizing_mode="stretch_width")


class ParticipantPage(pn.viewable.Viewer):
    """Join → weights → submit, for one participant in one browser session: a rendering of `Participation`."""

    def __init__(self, store: WorkshopStore | None = None, dataset: Dataset | None = None, **params):
        super().__init__(**params)
        from .served import served_dataset
        self.dataset = dataset or served_dataset()
        self._body = pn.Column(sizing_mode="stretch_width", margin=0)
        # One pane whose text changes: swapping panes in and out of the layout made Panel re-scan
        # the whole page on every message, about 45 ms of server time per submission.
        self._messages = html_pane("", sizing_mode="stretch_width")
        self._poll = None
        self._lock = threading.Lock()  # this page's store calls run on worker threads, one at a time, in order
        start_session_language()
        try:
            self.store = store or shared_store()
        except DatabaseVersionError as exc:  # the server's database cannot be used: say why, not a bare error
            self._messages.object = notice_html(str(exc), "error")
            return
        self.flow = Participation(self.store, self.dataset, client=client_address())
        name_slider_handles()
        flow = self.flow
        flow.open(query_value("code"), query_value("p"))
        self._show_step()  # built once from where the address leads; from now on the flow's changes redraw
        self._show_message()
        flow.param.watch(self._show_step, ["step", "token"])
        flow.param.watch(self._show_message, ["message", "message_kind", "workshop"])
        flow.param.watch(self._show_status, ["submitted_at", "accepting", "workshop"])
        flow.param.watch(self._show_group_result, ["group_result"])

    # -- renderings of the flow's state -------------------------------------------------------

    def _show_message(self, *_events) -> None:
        flow = self.flow
        if flow.message:
            self._messages.object = notice_html(in_language(flow.message), flow.message_kind)
        elif flow.step != CODE and flow.workshop is not None:
            self._messages.object = notice_html(in_language(flow.round_status()))
        else:
            self._messages.object = notice_html("", "info")

    def _show_step(self, *_events) -> None:
        flow = self.flow
        # The address follows the flow (the code as the store spells it, then the private token),
        # so a reload resumes; an address that already says so is left alone (it may carry ?lang=).
        if (query_value("code"), query_value("p")) != (flow.code, flow.token) and flow.step != CODE:
            set_address(code=flow.code, p=flow.token)
        if flow.step == WEIGHTS:
            self._show_weights()
            if on_server() and self._poll is None:
                self._poll = pn.state.add_periodic_callback(in_thread(flow.check_round, self._lock, skip_if_busy=True),
                                                            period=POLL_MS)
        elif flow.step == JOIN:
            self._show_join()
        else:
            self._show_code_entry()

    def _show_code_entry(self) -> None:
        flow = self.flow
        code = pn.widgets.TextInput(label=_("Join code"), placeholder=_("e.g. K7P2QX"), max_length=flow.code_max,
                                    value=flow.code, sizing_mode="stretch_width")
        go = pn.widgets.Button(label=_("Continue"), color="primary")

        def submit(_event=None):
            flow.enter_code(code.value_input or code.value)
        submit = in_thread(submit, self._lock)
        go.on_click(submit)
        code.param.watch(lambda e: submit(), "enter_pressed")
        self._body[:] = [html_pane(f"<h1>{text(_('Join a workshop'))}</h1><p class='igviz-note'>"
                                   f"{text(_('Type the code the facilitator gave you.'))}</p>",
                                   sizing_mode="stretch_width"), code, go, self._lite_link()]

    def _show_join(self) -> None:
        flow = self.flow
        info = flow.workshop
        groups = {name: g for g, name in flow.group_choices(current_language())}
        group = pn.widgets.Select(label=_("Your stakeholder group"), options={_("Choose…"): "", **groups},
                                  value=flow.group if flow.group in info.groups else "", sizing_mode="stretch_width")
        name = pn.widgets.TextInput(label=_("A pseudonym (only you see it)"), max_length=flow.pseudonym_max,
                                    value=flow.pseudonym, placeholder=_("e.g. Blue heron"), sizing_mode="stretch_width")
        # Said by the participant, not guessed from when they joined: a remote participant may join during
        # the live session, and someone in the room may join later from their desk.
        where = pn.widgets.Select(label=_("Where are you taking part from? (optional)"),
                                  options={_("Choose…"): "", _("In the room"): "room", _("Remotely"): "remote"},
                                  value=flow.attending, sizing_mode="stretch_width")
        join = pn.widgets.Button(label=_("Join"), color="primary")
        join.on_click(in_thread(lambda _event: flow.join(group.value, name.value_input or name.value,
                                                          attending=where.value), self._lock))
        self._body[:] = [
            html_pane(f"<h1>{text(info.title)}</h1><p class='igviz-note'>"
                      + text(_("Results are shown per stakeholder group and with every group on an equal footing. "
                               "Your pseudonym is never shown to others.")) + "</p>", sizing_mode="stretch_width"),
            group, name, where, join, self._lite_link(info.code)]

    def _show_weights(self) -> None:
        flow = self.flow
        info, a = flow.workshop, flow.assessment
        a.selected = a.ranking().top  # the radar opens on their current favourite
        self._comment = pn.widgets.TextAreaInput(
            label=_("Comment (optional): a dissent or minority note for the group"), value=flow.comment,
            max_length=flow.comment_max, placeholder=_("Shown to the room with your stakeholder group, never your name"),
            sizing_mode="stretch_width", height=90)
        label = (_("Submit my weights and ratings") if flow.asks_ratings and flow.asks_weights
                 else _("Submit my ratings") if flow.asks_ratings else _("Submit my weights"))
        self._submit = pn.widgets.Button(label=label, color="primary", sizing_mode="stretch_width",
                                         disabled=not flow.accepting)
        self._submit.on_click(in_thread(self._send, self._lock))
        self._status = html_pane(self._status_html(), sizing_mode="stretch_width")
        self._group_result = html_pane(self._group_result_html(), sizing_mode="stretch_width")
        browser = pn.state.browser_info
        if browser is not None and on_server():
            # The browser tells its time zone only once the page has loaded.
            browser.param.watch(lambda _e: setattr(self._status, "object", self._status_html()), "timezone")
        header = html_pane(
            f"<h1>{text(info.title)}</h1><p class='igviz-note'>"
            + text(_("You: {pseudonym} · {group}. Move the weights to say what matters to you; your ranking follows.",
                     pseudonym=flow.pseudonym, group=flow.group_name(current_language())) if flow.asks_weights else
                   _("You: {pseudonym} · {group}. Rate the proposals as you judge them.",
                     pseudonym=flow.pseudonym, group=flow.group_name(current_language())))
            + "</p>" + perspective_html(),
            sizing_mode="stretch_width")
        self._built_for = self._round_key()
        asked = []
        ranking = OwnRanking(assessment=a) if flow.asks_weights else None
        if flow.asks_weights:
            asked += [html_pane(f"<h2>{text(_('Your weights'))}</h2>"), WeightsPanel(assessment=a, choose_framework=False),
                      ranking.summary]
        self._ratings = RatingsCard(flow) if flow.asks_ratings else None
        if self._ratings is not None:
            asked.append(self._ratings)
        weights = pn.Column(*asked, self._comment, self._submit, self._status, self._lite_link(info.code, flow.token),
                            styles={"flex": "1 1 320px", "min-width": "0"}, sizing_mode="stretch_width")
        results = pn.Column(self._group_result, *((ranking, RadarView(assessment=a)) if ranking is not None else ()),
                            styles={"flex": "1 1 420px", "min-width": "0"}, sizing_mode="stretch_width")
        self._body[:] = [header, pn.FlexBox(weights, results, flex_wrap="wrap", align_items="flex-start",
                                            sizing_mode="stretch_width")]

    def _status_html(self) -> str:
        browser = pn.state.browser_info
        zone = browser.timezone if browser is not None else None
        lines = [self.flow.start_message(), self.flow.round_times(zone), self.flow.status(zone)]
        return "".join(f"<p class='igviz-note' role='status'>{text(in_language(m))}</p>" for m in lines if m)

    def _group_result_html(self) -> str:
        """The group's result once the facilitator has revealed it: the equal-footing ranking, and rough consensus."""
        lines = self.flow.group_result_lines(current_language())
        if lines is None:
            return ""
        result, (rows, consensus) = self.flow.group_result, lines
        items = "".join(f"<li>{text(name)} <span class='igviz-num'>{score:.2f}</span></li>" for name, score in rows)
        consensus = in_language(consensus)
        return (f"<section class='igviz-group-result' aria-live='polite'><h2>{text(_('The group’s result, round {number}', number=result.round))}</h2>"
                f"<p class='igviz-note'>{text(_('Every stakeholder group counts once ({count} submission(s)); overall score 0–10.', count=result.submissions))}</p>"
                f"<ol>{items}</ol><p class='igviz-note'>{text(consensus)}</p></section>")

    def _show_group_result(self, *_events) -> None:
        if self.flow.step == WEIGHTS and hasattr(self, "_group_result"):
            self._group_result.object = self._group_result_html()

    def _round_key(self):
        r = self.flow.workshop.round if self.flow.workshop is not None else None
        return (r.number, r.asks, r.rated) if r is not None else None

    def _show_status(self, *_events) -> None:
        if self.flow.step == WEIGHTS and hasattr(self, "_submit") and self._round_key() != self._built_for:
            self._show_weights()  # a new round, or one that now asks for something else: its own form
            return
        if self.flow.step == WEIGHTS and hasattr(self, "_submit"):
            self._submit.disabled = not self.flow.accepting
            self._status.object = self._status_html()

    # -- actions ------------------------------------------------------------------------------

    def _send(self, _event=None) -> None:
        # value_input: what is typed, even if the box has not lost focus yet. The weights are the
        # sliders', already in the flow's assessment; on an error they and the comment stay as they are.
        self.flow.submit(comment=self._comment.value_input or "")

    def _lite_link(self, code: str = "", token: str = ""):
        query = "&".join(f"{k}={v}" for k, v in (("code", code), ("p", token), ("lang", current_language())) if v)
        return html_pane(f"<p class='igviz-note'><a href='lite?{text(query)}'>"
                         f"{text(_('Slow connection or old phone? Use the light page'))}</a></p>",
                         sizing_mode="stretch_width")

    def __panel__(self):
        return StyledColumn(pn.Row(pn.layout.HSpacer(), language_selector(), sizing_mode="stretch_width"),
                         self._messages, self._body, sizing_mode="stretch_width",
                         styles={"max-width": "1200px", "margin": "0 auto"})
