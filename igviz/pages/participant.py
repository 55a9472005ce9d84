"""The participant's page: join with the code, move the weights, see your own ranking, submit.

One column that works on a phone; on a wider screen the sliders sit beside the results.
The page keeps the participant's private token in its address (`?code=…&p=…`), so reloading
or coming back later resumes where they were, and nobody else can submit for them.
"""

from __future__ import annotations

import math
import time

import panel as pn
import param

from ..dataset import Dataset
from ..workshop import ParticipantInfo, WorkshopError, WorkshopInfo, WorkshopStore, shared_store, workshop_assessment
from ..workshop.store import COMMENT_MAX, PSEUDONYM_MAX
from ..views.a11y import name_slider_handles
from ..views.bars import notice_html, ranking_table
from ..views.radar import RadarView
from ..i18n import clock_time, localised
from ..views.language import _, current_language, in_language, language_selector, start_session_language, with_local_names
from ..views.style import StyledColumn, html_pane, text
from ..views.weights import WeightsPanel

POLL_MS = 2000  # how often the page asks whether the facilitator has closed or opened a round


class _RoundStates:
    """The workshops' round states, read from the database at most once a second per workshop.

    Every participant page in the process asks every two seconds; a room of a hundred would
    otherwise read the same row fifty times a second, on the event loop that stores their
    submissions.
    """

    def __init__(self, max_age_s: float):
        self.max_age_s = max_age_s
        self._read: dict = {}  # (database URL, code) -> (when, WorkshopInfo)

    def get(self, store: WorkshopStore, code: str) -> WorkshopInfo:
        now = time.monotonic()
        key = (store.url, code)
        when, info = self._read.get(key, (-math.inf, None))
        if now - when >= self.max_age_s:
            info = store.workshop(code)
            self._read[key] = (now, info)
        return info


_round_states = _RoundStates(max_age_s=POLL_MS / 2000)


def query_value(name: str) -> str:
    """A value from the page's address, as text ('' when absent)."""
    values = (pn.state.session_args or {}).get(name) if pn.state.curdoc is not None else None
    if not values:
        return ""
    value = values[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


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
        names = list(with_local_names(a.ranking().table, a.dataset)["short_name"][:3])
        return f"<p class='igviz-note' aria-live='polite'>{text(_('Your top three now: {names}', names=', '.join(names)))}</p>"

    def _html(self) -> str:
        a = self.assessment
        if a.problem:
            return notice_html(in_language(a.problem), "warning")
        return ranking_table(with_local_names(a.ranking().table, a.dataset), _("Your ranking, with your weights"), a.dataset.scale.max,
                             css_class="igviz-ranking-table")

    def __panel__(self):
        return self._pane


class ParticipantPage(pn.viewable.Viewer):
    """Join → weights → submit, for one participant in one browser session."""

    def __init__(self, store: WorkshopStore | None = None, dataset: Dataset | None = None, **params):
        super().__init__(**params)
        from .explorer import bundled_dataset
        self.store = store or shared_store()
        self.dataset = dataset or bundled_dataset()
        self._body = pn.Column(sizing_mode="stretch_width", margin=0)
        # One pane whose text changes: swapping panes in and out of the layout made Panel re-scan
        # the whole page on every message, about 45 ms of server time per submission.
        self._messages = html_pane("", sizing_mode="stretch_width")
        self._token = ""
        self._info: WorkshopInfo | None = None
        self._poll = None
        start_session_language()
        name_slider_handles()
        code, token = query_value("code"), query_value("p")
        if token:
            self._resume(token)
        elif code:
            self._show_join(code)
        else:
            self._show_code_entry()

    # -- steps ------------------------------------------------------------------------------

    def _say(self, message: str, kind: str = "info") -> None:
        self._messages.object = notice_html(message, kind)

    def _show_code_entry(self, problem: str = "") -> None:
        code = pn.widgets.TextInput(label=_("Join code"), placeholder=_("e.g. K7P2QX"), max_length=16,
                                    sizing_mode="stretch_width")
        go = pn.widgets.Button(label=_("Continue"), color="primary")

        def submit(_event=None):
            self._show_join(code.value)
        go.on_click(submit)
        code.param.watch(lambda e: submit(), "enter_pressed")
        self._body[:] = [html_pane(f"<h1>{text(_('Join a workshop'))}</h1><p class='igviz-note'>"
                                   f"{text(_('Type the code the facilitator gave you.'))}</p>",
                                   sizing_mode="stretch_width"), code, go, self._lite_link()]
        self._say(problem, "error")

    def _show_join(self, code: str) -> None:
        try:
            info = self.store.workshop(code)
        except WorkshopError as exc:
            self._show_code_entry(in_language(exc))
            return
        self._info = info
        language = current_language()
        groups = {localised(self.dataset.groups[g], "name", language): g for g in info.groups}
        group = pn.widgets.Select(label=_("Your stakeholder group"), options={_("Choose…"): "", **groups},
                                  sizing_mode="stretch_width")
        name = pn.widgets.TextInput(label=_("A pseudonym (only you see it)"), max_length=PSEUDONYM_MAX,
                                    placeholder=_("e.g. Blue heron"), sizing_mode="stretch_width")
        join = pn.widgets.Button(label=_("Join"), color="primary")

        def submit(_event=None):
            if not group.value:
                self._say(_("Choose your stakeholder group first."), "error")
                return
            try:
                token = self.store.join(info.code, group.value, name.value)
            except WorkshopError as exc:
                self._say(in_language(exc), "error")
                return
            set_address(code=info.code, p=token)
            self._resume(token, just_joined=True)
        join.on_click(submit)
        self._body[:] = [
            html_pane(f"<h1>{text(info.title)}</h1><p class='igviz-note'>"
                      + text(_("Results are shown per stakeholder group and with every group on an equal footing. "
                               "Your pseudonym is never shown to others.")) + "</p>", sizing_mode="stretch_width"),
            group, name, join, self._lite_link(info.code)]
        self._say(in_language(info.round_status()))
        set_address(code=info.code)

    def _resume(self, token: str, just_joined: bool = False) -> None:
        try:
            me = self.store.participant(token)
        except WorkshopError as exc:
            self._show_code_entry(in_language(exc))
            return
        self._token, self._info = token, me.workshop
        self._show_weights(me, just_joined)
        if on_server() and self._poll is None:
            self._poll = pn.state.add_periodic_callback(self._check_round, period=POLL_MS)

    def _show_weights(self, me: ParticipantInfo, just_joined: bool) -> None:
        info = me.workshop
        a = self.assessment = workshop_assessment(self.dataset, info.framework, info.proposals)
        if me.weights:
            a.weights.set({c: v for c, v in me.weights.items() if c in a.weights.criteria})
        a.selected = a.ranking().top
        self._comment = pn.widgets.TextAreaInput(
            label=_("Comment (optional): a dissent or minority note for the group"), value=me.comment,
            max_length=COMMENT_MAX, placeholder=_("Shown to the room with your stakeholder group, never your name"),
            sizing_mode="stretch_width", height=90)
        self._submit = pn.widgets.Button(label=_("Submit my weights"), color="primary", sizing_mode="stretch_width",
                                         disabled=not info.accepting)
        self._submit.on_click(self._send)
        self._submitted_at = me.submitted_at
        self._status = html_pane(self._status_html(), sizing_mode="stretch_width")
        browser = pn.state.browser_info
        if browser is not None and on_server():
            # The browser tells its time zone only once the page has loaded.
            browser.param.watch(lambda _e: setattr(self._status, "object", self._status_html()), "timezone")
        group_name = localised(self.dataset.groups[me.group], "name", current_language())
        header = html_pane(
            f"<h1>{text(info.title)}</h1><p class='igviz-note'>"
            + text(_("You: {pseudonym} · {group}. Move the weights to say what matters to you; your ranking follows.",
                     pseudonym=me.pseudonym, group=group_name)) + "</p>", sizing_mode="stretch_width")
        ranking = OwnRanking(assessment=a)
        weights = pn.Column(html_pane(f"<h2>{text(_('Your weights'))}</h2>"), WeightsPanel(assessment=a, choose_framework=False),
                            ranking.summary, self._comment, self._submit, self._status, self._lite_link(info.code, self._token),
                            styles={"flex": "1 1 320px", "min-width": "0"}, sizing_mode="stretch_width")
        results = pn.Column(ranking, RadarView(assessment=a),
                            styles={"flex": "1 1 420px", "min-width": "0"}, sizing_mode="stretch_width")
        self._body[:] = [header, pn.FlexBox(weights, results, flex_wrap="wrap", align_items="flex-start",
                                            sizing_mode="stretch_width")]
        if just_joined:
            self._say(_("You have joined. Keep this page's address: it lets you come back and revise your weights."), "ok")
        else:
            self._say(in_language(info.round_status()))

    def _status_html(self) -> str:
        submitted_at = self._submitted_at
        if submitted_at is None:
            return f"<p class='igviz-note' role='status'>{text(_('Not submitted yet in this round.'))}</p>"
        browser = pn.state.browser_info
        when = clock_time(submitted_at, browser.timezone if browser is not None else None)
        return (f"<p class='igviz-note' role='status'>"
                f"{text(_('Submitted at {time}. You can revise and submit again until the round closes.', time=when))}</p>")

    # -- actions ------------------------------------------------------------------------------

    def _send(self, _event=None) -> None:
        try:
            # value_input: what is typed, even if the box has not lost focus yet
            me = self.store.submit(self._token, self.assessment.weights.values(), self._comment.value_input or "")
        except WorkshopError as exc:
            self._say(in_language(exc), "error")  # the weights and comment stay as they are on the page
            return
        self._submitted_at = me.submitted_at
        self._status.object = self._status_html()
        self._say(_("Thank you: your weights are in."), "ok")

    def _check_round(self) -> None:
        try:
            info = _round_states.get(self.store, self._info.code)
        except Exception:  # noqa: BLE001 - a database hiccup must not kill the page; try again next time
            return
        previous, self._info = self._info, info
        if info.round == previous.round:
            return
        self._submit.disabled = not info.accepting
        if previous.round and info.round and info.round.number != previous.round.number:
            self._submitted_at = None
            self._status.object = self._status_html()
        self._say(in_language(info.round_status()), "info" if info.accepting else "warning")

    def _lite_link(self, code: str = "", token: str = ""):
        query = "&".join(f"{k}={v}" for k, v in (("code", code), ("p", token), ("lang", current_language())) if v)
        return html_pane(f"<p class='igviz-note'><a href='lite?{text(query)}'>"
                         f"{text(_('Slow connection or old phone? Use the light page'))}</a></p>",
                         sizing_mode="stretch_width")

    def __panel__(self):
        return StyledColumn(pn.Row(pn.layout.HSpacer(), language_selector(), sizing_mode="stretch_width"),
                         self._messages, self._body, sizing_mode="stretch_width",
                         styles={"max-width": "1200px", "margin": "0 auto"})
