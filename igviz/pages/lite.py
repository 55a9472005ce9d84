"""The light participant page: the same join, weights, ranking and submit as plain HTML forms.

For old phones and slow connections (002 §67: "low bandwidth participation options"): pages
are rendered on the server, a few kilobytes each, with no JavaScript, no plotting library and
no websocket. Served beside the dashboards by `panel serve ... --plugins igviz.pages.lite` at /lite.

Everything a participant typed is sent back in the page when something is wrong, so nothing
is lost; every text they typed is shown escaped, as text.
"""

from __future__ import annotations

import html
from functools import lru_cache
from urllib.parse import urlencode

import tornado.web

from ..i18n import LANGUAGES, clock_time, language_from_header, language_or_default, localised, translate, translate_message
from ..dataset import load_dataset
from ..model import WEIGHT_MAX
from ..workshop import WorkshopError, shared_store, workshop_assessment
from ..workshop.store import COMMENT_MAX, PSEUDONYM_MAX

STYLE = ("body{font-family:sans-serif;max-width:40em;margin:0 auto;padding:.5em;line-height:1.4}"
         "label{display:block;margin:.4em 0 .1em}input,select,textarea,button{font-size:1em;max-width:100%}"
         "input[type=number]{width:4em}fieldset{margin:.5em 0}table{border-collapse:collapse;width:100%}"
         "td,th{border-bottom:1px solid #ccc;padding:.2em;text-align:left}.msg{padding:.4em;border:1px solid}"
         ".error{background:#fbe9ee;border-color:#c67}.ok{background:#e6f4ea;border-color:#4a9}"
         ".info{background:#e8f4fb;border-color:#8ce}nav a{margin-right:.6em}button{margin:.3em .3em .3em 0}")


@lru_cache(maxsize=1)
def _dataset():
    return load_dataset()


def esc(value) -> str:
    return html.escape(str(value), quote=True)


class LitePage(tornado.web.RequestHandler):
    """GET shows the step the address asks for; POST joins, previews a ranking or submits."""

    def initialize(self):
        self.store = shared_store()
        self.dataset = _dataset()

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
        self.write(f"<!doctype html><html lang='{self.language}'><head><meta charset='utf-8'>"
                   f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
                   f"<title>{esc(title)}</title><link rel='icon' href='data:,'><style>{STYLE}</style></head><body>"
                   f"<nav aria-label='{esc(self._('Language'))}'>{languages}</nav><main>{body}</main></body></html>")

    @staticmethod
    def message(text: str, kind: str) -> str:
        role = "alert" if kind == "error" else "status"
        return f"<p class='msg {kind}' role='{role}'>{esc(text)}</p>" if text else ""

    # -- steps -----------------------------------------------------------------------------

    def get(self):
        code, token = self.get_argument("code", ""), self.get_argument("p", "")
        if token:
            self.weights_step(token)
        elif code:
            self.join_step(code)
        else:
            self.code_step()

    def post(self):
        action = self.get_argument("action", "")
        if action == "join":
            self.join()
        elif action in ("preview", "submit"):
            self.weights_step(self.get_argument("p", ""), posted=True, submit=action == "submit")
        else:
            self.code_step(self._("Unknown action"), status=400)

    def code_step(self, problem: str = "", code: str = "", status: int = 200) -> None:
        _ = self._
        body = (f"<h1>{esc(_('Join a workshop'))}</h1>{self.message(problem, 'error')}"
                f"<form method='get' action='lite'><input type='hidden' name='lang' value='{self.language}'>"
                f"<label for='code'>{esc(_('Join code'))}</label>"
                f"<input id='code' name='code' value='{esc(code)}' maxlength='16' autocapitalize='characters' required>"
                f"<button>{esc(_('Continue'))}</button></form>")
        self.page(_("Join a workshop"), body, status=status)

    def join_step(self, code: str, problem: str = "", group: str = "", pseudonym: str = "", status: int = 200) -> None:
        _ = self._
        try:
            info = self.store.workshop(code)
        except WorkshopError as exc:
            self.code_step(self.error_text(exc), code, status=404)
            return
        options = "".join(
            f"<option value='{esc(g)}'{' selected' if g == group else ''}>"
            f"{esc(localised(self.dataset.groups[g], 'name', self.language))}</option>" for g in info.groups)
        body = (f"<h1>{esc(info.title)}</h1>{self.message(problem, 'error')}"
                f"<p>{esc(_('Results are shown per stakeholder group and with every group on an equal footing. Your pseudonym is never shown to others.'))}</p>"
                f"<form method='post' action='{esc(self.address(code=info.code))}'>"
                f"<input type='hidden' name='action' value='join'><input type='hidden' name='code' value='{esc(info.code)}'>"
                f"<label for='group'>{esc(_('Your stakeholder group'))}</label><select id='group' name='group' required>"
                f"<option value=''>{esc(_('Choose…'))}</option>{options}</select>"
                f"<label for='pseudonym'>{esc(_('A pseudonym (only you see it)'))}</label>"
                f"<input id='pseudonym' name='pseudonym' value='{esc(pseudonym)}' maxlength='{PSEUDONYM_MAX}' required>"
                f"<p><button>{esc(_('Join'))}</button></p></form>")
        self.page(info.title, body, code=info.code, status=status)

    def join(self) -> None:
        code, group = self.get_argument("code", ""), self.get_argument("group", "")
        pseudonym = self.get_argument("pseudonym", "")
        if not group:
            self.join_step(code, self._("Choose your stakeholder group first."), group, pseudonym, status=400)
            return
        try:
            token = self.store.join(code, group, pseudonym)
        except WorkshopError as exc:
            self.join_step(code, self.error_text(exc), group, pseudonym, status=400)
            return
        self.redirect(self.address(code=self.store.workshop(code).code, p=token, joined="1"), status=303)

    def weights_step(self, token: str, posted: bool = False, submit: bool = False) -> None:
        _ = self._
        try:
            me = self.store.participant(token)
        except WorkshopError as exc:
            self.code_step(self.error_text(exc), status=403)
            return
        info = me.workshop
        a = workshop_assessment(self.dataset, info.framework, info.proposals)
        problem, notice = "", ""
        weights = dict(me.weights or {})
        comment = me.comment
        if posted:
            comment = self.get_argument("comment", "")
            typed = {c: self.get_argument(f"w.{c}", "") for c in a.weights.criteria}
            weights = typed
            if submit:
                try:
                    me = self.store.submit(token, typed, comment)
                    notice = _("Thank you: your weights are in.")
                except WorkshopError as exc:
                    problem = self.error_text(exc)
        elif self.get_argument("joined", ""):
            notice = _("You have joined. Keep this page's address: it lets you come back and revise your weights.")
        ranking = self.ranking_html(a, weights)
        status_line = (_("Not submitted yet in this round.") if me.submitted_at is None else
                       _("Submitted at {time}. You can revise and submit again until the round closes.",
                         time=clock_time(me.submitted_at)))  # no JavaScript: no browser time zone
        round_text = self.error_text(info.round_status())
        group_name = localised(self.dataset.groups[me.group], "name", self.language)
        body = (f"<h1>{esc(info.title)}</h1>"
                f"<p>{esc(_('You: {pseudonym} · {group}. Move the weights to say what matters to you; your ranking follows.', pseudonym=me.pseudonym, group=group_name))}</p>"
                f"{self.message(round_text, 'info')}{self.message(problem, 'error')}{self.message(notice, 'ok')}"
                f"<form method='post' action='{esc(self.address(code=info.code, p=token))}'>"
                f"<input type='hidden' name='p' value='{esc(token)}'>"
                f"<h2>{esc(_('Your weights'))}</h2>{self.sliders_html(a, weights)}"
                f"<label for='comment'>{esc(_('Comment (optional): a dissent or minority note for the group'))}</label>"
                f"<textarea id='comment' name='comment' rows='3' cols='30' maxlength='{COMMENT_MAX}'>{esc(comment)}</textarea>"
                f"<p><button name='action' value='preview'>{esc(_('Show my ranking'))}</button>"
                f"<button name='action' value='submit'{'' if info.accepting else ' disabled'}>"
                f"{esc(_('Submit my weights'))}</button></p><p>{esc(status_line)}</p></form>{ranking}")
        self.page(info.title, body, code=info.code, token=token, status=400 if problem else 200)

    def sliders_html(self, a, weights: dict) -> str:
        out = []
        framework = a.active_framework
        groups = list(dict.fromkeys(c.group for c in framework.criteria))
        for group in groups:
            members = [c for c in framework.criteria if c.group == group]
            fields = "".join(
                f"<label for='w.{c.id}'>{esc(localised(c, 'name', self.language))}</label>"
                f"<input type='number' id='w.{c.id}' name='w.{c.id}' min='0' max='{WEIGHT_MAX}' step='1' "
                f"value='{esc(weights.get(c.id, getattr(a.weights, c.id)))}' inputmode='numeric'>"
                for c in members)
            out.append(f"<fieldset><legend>{esc(localised(members[0], 'group', self.language))}</legend>{fields}</fieldset>")
        return "".join(out)

    def ranking_html(self, a, weights: dict) -> str:
        _ = self._
        try:
            a.weights.set({c: float(v) for c, v in weights.items() if c in a.weights.criteria})
            table = a.ranking().table
        except (ValueError, TypeError, KeyError) as exc:  # typed values that are not weights: shown, not ranked
            return self.message(self.error_text(exc), "error")
        rows = "".join(f"<tr><td>{row['rank']}</td>"
                       f"<td>{esc(localised(a.dataset.proposal(pid), 'short_name', self.language))}</td>"
                       f"<td>{row['overall']:.2f}</td></tr>" for pid, row in table.iterrows())
        return (f"<table class='igviz-ranking-table'><caption>{esc(_('Your ranking, with your weights'))}</caption>"
                f"<thead><tr><th>{esc(_('Rank'))}</th><th>{esc(_('Proposal'))}</th><th>{esc(_('Overall (0–10)'))}</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>")


# Read by `panel serve --plugins igviz.pages.lite`.
ROUTES = [(r"/lite", LitePage)]
