"""The light participant page: the same join, weights, ranking and submit as plain HTML forms.

For old phones and slow connections (002 §67: "low bandwidth participation options"): pages
are rendered on the server, a few kilobytes each, with no JavaScript, no plotting library and
no websocket. Served beside the dashboards by `panel serve ... --plugins igviz.pages.lite` at /lite.

Everything a participant typed is sent back in the page when something is wrong, so nothing
is lost; every text they typed is shown escaped, as text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import tornado.web

from ..datatext import perspective_html
from ..i18n import LANGUAGES, N_, Message, language_from_header, language_or_default, translate, translate_message
from ..datatext import localised, proposal_text
from ..workshop import DatabaseVersionError, shared_store
from ..workshop.limits import shared_limits
from ..workshop.participation import CODE, JOIN, WEIGHTS, Participation, check_limits
from ..workshop.errors import RETRY_AFTER_S, DatabaseUnavailable
from .offload import off_the_event_loop
from .served import served_dataset
from .headers import FRAME_HEADERS

# The most a form post may carry: every weight and a 1,000-character comment take a few kilobytes.
BODY_MAX = 64 * 1024
_POST_FORM = re.compile(r"<form\b[^>]*\bmethod=['\"]?post\b[^>]*>", re.IGNORECASE)

STYLE = ("body{font-family:sans-serif;max-width:40em;margin:0 auto;padding:.5em;line-height:1.4}"
         "label{display:block;margin:.4em 0 .1em}input,select,textarea,button{font-size:1em;max-width:100%}"
         "input[type=number]{width:4em}fieldset{margin:.5em 0}table{border-collapse:collapse;width:100%}"
         "td,th{border-bottom:1px solid #ccc;padding:.2em;text-align:left}.msg{padding:.4em;border:1px solid}"
         ".error{background:#fbe9ee;border-color:#c67}.ok{background:#e6f4ea;border-color:#4a9}"
         ".info{background:#e8f4fb;border-color:#8ce}nav a{margin-right:.6em}button{margin:.3em .3em .3em 0}")


def esc(value) -> str:
    return html.escape(str(value), quote=True)


class LitePage(tornado.web.RequestHandler):
    """GET shows the step the address asks for; POST joins, previews a ranking or submits."""

    def initialize(self):
        self.dataset = served_dataset()
        try:
            self.store, self.refused = shared_store(), None
        except (DatabaseVersionError, DatabaseUnavailable) as exc:  # shown by prepare(): a page that says why, not a bare 500
            self.store, self.refused = None, exc

    def prepare(self):
        if self.request.method == "POST" and not self.guard_post():
            return
        if self.refused is not None:
            # 503: the server's database, not the request, is what is wrong; the message (for whoever
            # runs the server) names both schema versions.
            if isinstance(self.refused, DatabaseUnavailable):
                self.set_header("Retry-After", str(RETRY_AFTER_S))
            self.page(self._("Join a workshop"), self.message(self.refused, "error"), status=503)
            self.finish()

    def guard_post(self) -> bool:
        """Refuse, with a page that says why, a post too large or not sent by this site's own form."""
        size = len(self.request.body or b"")
        if size > BODY_MAX:
            # Nothing of it is echoed back (a 20 MB comment came back as a 20 MB page).
            self.refuse(413, Message(N_("What was sent is {size} kB, more than this page accepts ({limit} kB): "
                                        "nothing was saved. Please shorten your comment and try again."),
                                     size=size // 1024, limit=BODY_MAX // 1024))
            return False
        try:
            self.check_xsrf_cookie()  # the token this site put in its forms (and in a cookie)
        except tornado.web.HTTPError:
            self.refuse(403, Message(N_("This form did not come from this page (it may have come from another "
                                        "site, or your browser blocks cookies): nothing was done. Open the link "
                                        "again and retry.")))
            return False
        return True

    def refuse(self, status: int, message: Message) -> None:
        back = self.address(code=self.get_query_argument("code", ""), p=self.get_query_argument("p", ""))
        self.page(self._("Join a workshop"), f"{self.message(message, 'error')}<p><a href='{esc(back)}'>"
                  f"{esc(self._('Back to the form'))}</a></p>", status=status)
        self.finish()

    # -- helpers -------------------------------------------------------------------------

    @property
    def language(self) -> str:
        chosen = self.get_argument("lang", "")
        if chosen:
            return language_or_default(chosen)
        return language_from_header(self.request.headers.get("Accept-Language")) or "en"

    def _(self, message: str, **values) -> str:
        return translate(message, self.language, **values)

    def error_text(self, exc: Exception) -> str:
        return translate_message(exc, self.language)

    def address(self, **query) -> str:
        query = {k: v for k, v in {**query, "lang": self.language}.items() if v}
        return "lite?" + urlencode(query)

    def page(self, title: str, body: str, code: str = "", token: str = "", status: int = 200) -> None:
        here = {k: v for k, v in (("code", code), ("p", token)) if v}
        current = " aria-current='page'"
        languages = " ".join(
            f"<a href='lite?{esc(urlencode({**here, 'lang': lang}))}' lang='{lang}' hreflang='{lang}'"
            f"{current if lang == self.language else ''}>{esc(name)}</a>"
            for lang, name in LANGUAGES.items())
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")  # the address may carry a private token
        self.set_header("Referrer-Policy", "no-referrer")
        for name, value in FRAME_HEADERS.items():  # also under `panel serve --plugins`, which igviz serve's headers miss
            self.set_header(name, value)
        # Every form that posts carries the anti-forgery token (Tornado's; checked in guard_post).
        body = _POST_FORM.sub(lambda m: m.group(0) + self.xsrf_form_html(), body)
        self.write(f"<!doctype html><html lang='{self.language}'><head><meta charset='utf-8'>"
                   f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
                   f"<title>{esc(title)}</title><link rel='icon' href='data:,'><style>{STYLE}</style></head><body>"
                   f"<nav aria-label='{esc(self._('Language'))}'>{languages}</nav><main>{body}</main></body></html>")

    def message(self, message, kind: str = "error") -> str:
        """A Message (or None) in the page's language."""
        if not message:
            return ""
        role = "alert" if kind == "error" else "status"
        return f"<p class='msg {kind}' role='{role}'>{esc(self.error_text(message))}</p>"

    # -- steps -----------------------------------------------------------------------------

    def flow(self, admitted: str | None = None) -> Participation:
        return Participation(self.store, self.dataset, client=self.request.remote_ip or "", admitted=admitted)

    @off_the_event_loop
    def get(self):
        flow, code, token = self.flow(), self.get_argument("code", ""), self.get_argument("p", "")
        ok = flow.open(code, token, just_joined=bool(self.get_argument("joined", "")))
        self.show(flow, status=200 if ok else 403 if token else 404)

    @off_the_event_loop
    def post(self):
        action = self.get_argument("action", "")
        # Rate limits first, before any database or page work, so that a flood costs next to nothing.
        limited = action in ("join", "submit")
        if limited:
            refusal = check_limits(shared_limits(), action, self.request.remote_ip or "",
                                   token=self.get_argument("p", ""), code=self.get_argument("code", ""))
            if refusal is not None:
                self.limited(refusal)
                return
        flow = self.flow(admitted=action if limited else None)
        if action == "join":
            if flow.join(self.get_argument("group", ""), self.get_argument("pseudonym", ""),
                         code=self.get_argument("code", "")):
                self.redirect(self.address(code=flow.code, p=flow.token, joined="1"), status=303)
                return
            self.show(flow, status=404 if flow.step == CODE else 400)
        elif action in ("preview", "submit"):
            if not flow.resume(self.get_argument("p", "")):
                self.show(flow, status=403)
                return
            typed = {c: self.get_argument(f"w.{c}", "") for c in flow.assessment.weights.criteria}
            flow.language = self.language   # a weight that is not a number names its criterion as the form does
            comment = self.get_argument("comment", "")
            if action == "submit":
                ok = flow.submit(typed, comment)
            else:
                flow.comment = comment
                ok = flow.set_weights(typed)
            self.show(flow, status=200 if ok else 400)
        else:
            flow.message, flow.message_kind = Message(N_("Unknown action")), "error"
            self.show(flow, status=400)

    def limited(self, refusal) -> None:
        """429 Too Many Requests: the reason, and the same form again (hidden fields) to send once it is time.

        Built from the request alone (no database, no data) so that refusing a flood stays cheap; what
        the person typed goes back in the hidden fields, so nothing is lost.
        """
        seconds = (getattr(refusal, "values", None) or {}).get("seconds", 1)
        self.set_header("Retry-After", str(seconds))
        fields = "".join(f"<input type='hidden' name='{esc(name)}' value='{esc(self.get_body_argument(name, ''))}'>"
                         for name in self.request.body_arguments)
        body = (f"<h1>{esc(self._('Please wait a moment'))}</h1>{self.message(refusal)}"
                f"<form method='post' action='{esc(self.request.uri)}'>{fields}"
                f"<button>{esc(self._('Try again'))}</button></form>")
        self.page(self._("Please wait a moment"), body, status=429)

    def show(self, flow: Participation, status: int = 200) -> None:
        if flow.unavailable:  # the database is down, locked or full: 503, with everything typed kept
            self.set_header("Retry-After", str(RETRY_AFTER_S))
            status = 503
            if flow.step == CODE and (self.request.method == "POST" or self.get_argument("p", "")):
                return self.retry_step(flow)
        {CODE: self.code_step, JOIN: self.join_step, WEIGHTS: self.weights_step}[flow.step](flow, status)

    def retry_step(self, flow: Participation) -> None:
        """The database failed before the form could be rebuilt: the same post again, all of it kept."""
        _ = self._
        again = esc(f"lite?{self.request.query}")  # relative, as every address here (the server may sit under a prefix)
        if self.request.method != "POST":  # a private link: the same link again
            body = (f"<h1>{esc(_('Join a workshop'))}</h1>{self.message(flow.problem)}"
                    f"<p><a href='{again}'>{esc(_('Try again'))}</a></p>")
            return self.page(_("Join a workshop"), body, status=503)
        kept = "".join(f"<input type='hidden' name='{esc(name)}' value='{esc(value.decode('utf-8', 'replace'))}'>"
                       for name, values in self.request.body_arguments.items() if name != "_xsrf" for value in values)
        body = (f"<h1>{esc(_('Join a workshop'))}</h1>{self.message(flow.problem)}"
                f"<form method='post' action='{again}'>{kept}"
                f"<button>{esc(_('Try again'))}</button></form>")
        self.page(_("Join a workshop"), body, status=503)

    def code_step(self, flow: Participation, status: int = 200) -> None:
        _ = self._
        body = (f"<h1>{esc(_('Join a workshop'))}</h1>{self.message(flow.problem)}"
                f"<form method='get' action='lite'><input type='hidden' name='lang' value='{self.language}'>"
                f"<label for='code'>{esc(_('Join code'))}</label>"
                f"<input id='code' name='code' value='{esc(flow.code)}' maxlength='{flow.code_max}' "
                f"autocapitalize='characters' required>"
                f"<button>{esc(_('Continue'))}</button></form>")
        self.page(_("Join a workshop"), body, status=status)

    def join_step(self, flow: Participation, status: int = 200) -> None:
        _ = self._
        info = flow.workshop
        options = "".join(
            f"<option value='{esc(g)}'{' selected' if g == flow.group else ''}>{esc(name)}</option>"
            for g, name in flow.group_choices(self.language))
        body = (f"<h1>{esc(info.title)}</h1>{self.message(flow.problem)}"
                f"<p>{esc(_('Results are shown per stakeholder group and with every group on an equal footing. Your pseudonym is never shown to others.'))}</p>"
                f"<form method='post' action='{esc(self.address(code=info.code))}'>"
                f"<input type='hidden' name='action' value='join'><input type='hidden' name='code' value='{esc(info.code)}'>"
                f"<label for='group'>{esc(_('Your stakeholder group'))}</label><select id='group' name='group' required>"
                f"<option value=''>{esc(_('Choose…'))}</option>{options}</select>"
                f"<label for='pseudonym'>{esc(_('A pseudonym (only you see it)'))}</label>"
                f"<input id='pseudonym' name='pseudonym' value='{esc(flow.pseudonym)}' maxlength='{flow.pseudonym_max}' required>"
                f"<p><button>{esc(_('Join'))}</button></p></form>")
        self.page(info.title, body, code=info.code, status=status)

    def weights_step(self, flow: Participation, status: int = 200) -> None:
        _ = self._
        info, token = flow.workshop, flow.token
        # No JavaScript: no browser time zone, so the server's clock (named) it is.
        status_line = self.error_text(flow.status())
        body = (f"<h1>{esc(info.title)}</h1>"
                f"<p>{esc(_('You: {pseudonym} · {group}. Move the weights to say what matters to you; your ranking follows.', pseudonym=flow.pseudonym, group=flow.group_name(self.language)))}</p>"
                f"{perspective_html(self.language)}"
                f"{self.message(flow.round_status(), 'info')}{self.message(flow.message, flow.message_kind)}"
                f"<form method='post' action='{esc(self.address(code=info.code, p=token))}'>"
                f"<input type='hidden' name='p' value='{esc(token)}'>"
                f"<h2>{esc(_('Your weights'))}</h2>{self.sliders_html(flow)}"
                f"<label for='comment'>{esc(_('Comment (optional): a dissent or minority note for the group'))}</label>"
                f"<textarea id='comment' name='comment' rows='3' cols='30' maxlength='{flow.comment_max}'>{esc(flow.comment)}</textarea>"
                f"<p><button name='action' value='preview'>{esc(_('Show my ranking'))}</button>"
                f"<button name='action' value='submit'{'' if flow.accepting else ' disabled'}>"
                f"{esc(_('Submit my weights'))}</button></p><p>{esc(status_line)}</p></form>{self.ranking_html(flow)}")
        self.page(info.title, body, code=info.code, token=token, status=status)

    def sliders_html(self, flow: Participation) -> str:
        out = []
        framework = flow.assessment.active_framework
        weights = flow.weights()
        groups = list(dict.fromkeys(c.group for c in framework.criteria))
        for group in groups:
            members = [c for c in framework.criteria if c.group == group]
            fields = "".join(
                f"<label for='w.{c.id}'>{esc(localised(c, 'name', self.language))}</label>"
                f"<input type='number' id='w.{c.id}' name='w.{c.id}' min='0' max='{flow.weight_max}' step='1' "
                f"value='{esc(shown(weights.get(c.id, '')))}' inputmode='numeric'>"
                for c in members)
            out.append(f"<fieldset><legend>{esc(localised(members[0], 'group', self.language))}</legend>{fields}</fieldset>")
        return "".join(out)

    def ranking_html(self, flow: Participation) -> str:
        _ = self._
        ranking = flow.ranking()
        if ranking is None or flow.typed_weights:  # typed values that are not weights: shown, not ranked
            return ""
        rows = "".join(f"<tr><td>{row['rank']}</td>"
                       f"<td>{esc(proposal_text(flow.assessment, pid, 'short_name', self.language))}</td>"
                       f"<td>{row['overall']:.2f}</td></tr>" for pid, row in ranking.table.iterrows())
        return (f"<table class='igviz-ranking-table'><caption>{esc(_('Your ranking, with your weights'))}</caption>"
                f"<thead><tr><th>{esc(_('Rank'))}</th><th>{esc(_('Proposal'))}</th><th>{esc(_('Overall (0–10)'))}</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>")


def shown(value) -> str:
    """A weight as a form shows it: whole numbers without '.0'; typed text as typed."""
    return f"{value:g}" if isinstance(value, float) else str(value)


# Read by `panel serve --plugins igviz.pages.lite`.
ROUTES = [(r"/lite", LitePage)]
