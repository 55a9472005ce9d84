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
from ..workshop.participation import CODE, JOIN, POLL_S, WEIGHTS, Participation
from ..views.evidence import perspective_html
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
        self._submit = pn.widgets.Button(label=_("Submit my weights"), color="primary", sizing_mode="stretch_width",
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
                     pseudonym=flow.pseudonym, group=flow.group_name(current_language()))) + "</p>" + perspective_html(),
            sizing_mode="stretch_width")
        ranking = OwnRanking(assessment=a)
        weights = pn.Column(html_pane(f"<h2>{text(_('Your weights'))}</h2>"), WeightsPanel(assessment=a, choose_framework=False),
                            ranking.summary, self._comment, self._submit, self._status, self._lite_link(info.code, flow.token),
                            styles={"flex": "1 1 320px", "min-width": "0"}, sizing_mode="stretch_width")
        results = pn.Column(self._group_result, ranking, RadarView(assessment=a),
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
        result = self.flow.group_result
        if result is None:
            return ""
        # Looked up in the workshop's assessment: it knows the workshop's designs, which the data does not.
        source = self.flow.assessment if self.flow.assessment is not None else self.dataset
        names = {pid: proposal_text(source, pid, "short_name", current_language()) for pid, _s in result.ranking}
        items = "".join(f"<li>{text(names[pid])} <span class='igviz-num'>{score:.2f}</span></li>"
                        for pid, score in result.ranking)
        consensus = (_("Rough consensus in every stakeholder group: {names}",
                       names=", ".join(names.get(pid, pid) for pid in result.consensus)) if result.consensus
                     else _("No proposal has rough consensus in every stakeholder group."))
        return (f"<section class='igviz-group-result' aria-live='polite'><h2>{text(_('The group’s result, round {number}', number=result.round))}</h2>"
                f"<p class='igviz-note'>{text(_('Every stakeholder group counts once ({count} submission(s)); overall score 0–10.', count=result.submissions))}</p>"
                f"<ol>{items}</ol><p class='igviz-note'>{text(consensus)}</p></section>")

    def _show_group_result(self, *_events) -> None:
        if self.flow.step == WEIGHTS and hasattr(self, "_group_result"):
            self._group_result.object = self._group_result_html()

    def _show_status(self, *_events) -> None:
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
