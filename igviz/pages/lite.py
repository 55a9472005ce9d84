"""The light participant page: the same join, weights, ranking and submit as plain HTML forms.

For old phones and slow connections (002 §67: "low bandwidth participation options"): pages
are rendered on the server, a few kilobytes each, with no JavaScript, no plotting library and
no websocket. Served beside the dashboards by `panel serve ... --plugins igviz.pages.lite` at /lite.

Everything a participant typed is sent back in the page when something is wrong, so nothing
is lost; every text they typed is shown escaped, as text.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
import json
import re
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import tornado.template
import tornado.web

from ..datatext import LABELS, data_text, evidence_kind, perspective_html, source_title
from ..i18n import LANGUAGES, N_, Message, language_from_header, language_or_default, translate, translate_message
from ..datatext import localised, proposal_text, shown_score
from ..perspective import BUNDLED_NAME
from ..workshop import DatabaseVersionError, WorkshopError, WorkshopStore, shared_store
from ..methods import threshold_failures
from ..model import WEIGHT_MAX
from ..workshop.limits import shared_limits
from ..workshop.participation import (CODE, DONT_KNOW, JOIN, RATED, SKIPPED, WEIGHTS, Participation, check_limits,
                                      shared_round_states)
from ..workshop.errors import RETRY_AFTER_S, DatabaseUnavailable
from .offload import off_the_event_loop, pool
from .served import served_dataset
from .headers import FRAME_HEADERS

# The most a form post may carry: every weight and a 1,000-character comment take a few kilobytes.
BODY_MAX = 64 * 1024
# Pages and parts larger than this go compressed to a browser that accepts gzip. Level 1: on a 60 kB
# page 26 kB against level 6's 23 kB, for a quarter of the CPU (0.7 ms against 2.9 ms), which counts
# against the 20 ms of server CPU a join may cost.
GZIP_MIN_BYTES, GZIP_LEVEL = 1024, 1
_POST_FORM = re.compile(r"<form\b[^>]*\bmethod=['\"]?post\b[^>]*>", re.IGNORECASE)

PAGES = Path(__file__).parent
TEMPLATES = tornado.template.Loader(str(PAGES / "templates"))  # compiled once per process, then cached
STATIC = PAGES / "static"
STATIC_PATH = "igviz-static"  # /igviz-static/phone.js, beside /lite


@lru_cache(maxsize=None)
def static_url(name: str) -> str:
    """A static file's address with its content's hash: a phone caches it for good, and a new
    version of the file is a new address."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PATH}/{name}?v={digest}"


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

    def page(self, title: str, body: str = "", code: str = "", token: str = "", status: int = 200, **view) -> None:
        """The page around a step: `body` (HTML already escaped) or the template's own step in `view`."""
        here = {k: v for k, v in (("code", code), ("p", token)) if v}
        languages = [(lang, name, "lite?" + urlencode({**here, "lang": lang})) for lang, name in LANGUAGES.items()]
        self.set_status(status)
        for name, value in FRAME_HEADERS.items():  # also under `panel serve --plugins`, which igviz serve's headers miss
            self.set_header(name, value)
        page = TEMPLATES.load("lite.html").generate(
            lang=self.language, title=title, body=body, languages=languages, languages_label=self._("Language"),
            css=static_url("phone.css"), js=static_url("phone.js"), step=view.pop("step", ""), **view).decode("utf-8")
        # Every form that posts carries the anti-forgery token (Tornado's; checked in guard_post).
        self.send_html(_POST_FORM.sub(lambda m: m.group(0) + self.xsrf_form_html(), page))

    def send_html(self, html: str | bytes) -> None:
        """Send a page or part of one: never cached (the address may carry a private token), no referrer,
        and compressed for a browser that accepts it. A card carries its criteria's rationales and
        quotes, so a ratings round sent plain cost a phone 180 kB; compressed text is a fraction of that
        and gzip at level 1 costs under a millisecond of CPU per page."""
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.add_header("Vary", "Accept-Encoding")
        if len(body) >= GZIP_MIN_BYTES and "gzip" in self.request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=GZIP_LEVEL)
            self.set_header("Content-Encoding", "gzip")
        self.write(body)

    def message(self, message, kind: str = "error") -> str:
        """A Message (or None) in the page's language."""
        if not message:
            return ""
        role = "alert" if kind == "error" else "status"
        return f"<p class='msg {kind}' role='{role}'>{esc(self.error_text(message))}</p>"

    # -- steps -----------------------------------------------------------------------------

    def flow(self, admitted: str | None = None) -> Participation:
        # Rebuilt for each request from the address; its assessment is borrowed from a pool.
        self._flow = Participation(self.store, self.dataset, per_request=True, client=self.request.remote_ip or "",
                                   admitted=admitted)
        return self._flow

    @off_the_event_loop
    def get(self):
        if self.get_argument("part", "") == "pacing":
            return self.pacing_part()
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
                         code=self.get_argument("code", ""), resume=False, attending=self.get_argument("attending", "")):
                self.redirect(self.address(code=flow.code, p=flow.token, joined="1"), status=303)
                return
            self.show(flow, status=404 if flow.step == CODE else 400)
        elif action in ("preview", "submit", "next", "prev", "skip") or action.startswith("show:"):
            if not flow.resume(self.get_argument("p", "")):
                self.show(flow, status=403)
                return
            typed = ({c: self.get_argument(f"w.{c}", "") for c in flow.assessment.weights.criteria}
                     if flow.asks_weights else None)
            flow.language = self.language   # a weight that is not a number names its criterion as the form does
            comment = self.get_argument("comment", "")
            flow.comment = comment
            ratings, states, at = self.posted_ratings(flow)
            ok = flow.take_form(typed, ratings, states, at, action)
            if ok and action != "submit" and self.get_body_argument("part", "") == "card" and flow.asks_ratings:
                return self.card_part(flow)
            if ok and action == "submit":
                ok = flow.submit(comment=comment)
            self.show(flow, status=200 if ok else 400)
        else:
            flow.message, flow.message_kind = Message(N_("Unknown action")), "error"
            self.show(flow, status=400)

    def card_part(self, flow: Participation) -> None:
        """Only the ratings part of the form, for phone.js moving between cards: a few kilobytes, not the page
        (the weights, ranking and the data the page ranks with stay as they are in the browser)."""
        self.send_html(TEMPLATES.load("rating.html").generate(rating=self.rating_view(flow)))

    def posted_ratings(self, flow: Participation) -> tuple[dict, dict, str]:
        """The ratings form as posted: every cell's value (the proposal in view: a box and a "Don't know"
        tick; the others: hidden fields), what was done with each proposal, and the proposal in view."""
        typed: dict[str, dict[str, str]] = {}
        states: dict[str, str] = {}
        for p, criteria in flow.rating_cells().items():
            state = self.get_body_argument(f"s.{p}", None)
            if state is not None:
                states[p] = state
            for c in criteria:
                if self.get_body_argument(f"dk.{p}.{c}", ""):
                    typed.setdefault(p, {})[c] = DONT_KNOW
                else:
                    value = self.get_body_argument(f"r.{p}.{c}", None)
                    if value is not None:
                        typed.setdefault(p, {})[c] = value
        return typed, states, self.get_body_argument("at", "")

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
        self.page(_("Join a workshop"), status=status, step=CODE, problem=self.message(flow.problem), flow=flow,
                  t={"heading": _("Join a workshop"), "code": _("Join code"), "continue": _("Continue")})

    def join_step(self, flow: Participation, status: int = 200) -> None:
        _ = self._
        info = flow.workshop
        self.page(info.title, code=info.code, status=status, step=JOIN, problem=self.message(flow.problem),
                  flow=flow, info=info, action=self.address(code=info.code), groups=flow.group_choices(self.language),
                  t={"about": _("Results are shown per stakeholder group and with every group on an equal footing. "
                                "Your pseudonym is never shown to others."),
                     "group": _("Your stakeholder group"), "choose": _("Choose…"),
                     "pseudonym": _("A pseudonym (only you see it)"), "join": _("Join"),
                     "where": _("Where are you taking part from? (optional)")},
                  places=[("room", _("In the room")), ("remote", _("Remotely"))])

    def weights_step(self, flow: Participation, status: int = 200) -> None:
        _ = self._
        info, token = flow.workshop, flow.token
        framework = flow.assessment.active_framework
        weights = flow.weights()
        groups = {}
        for c in framework.criteria:  # the framework's criteria under their group headings, in its order
            groups.setdefault(localised(c, "group", self.language), []).append(
                (c.id, localised(c, "name", self.language), shown(weights.get(c.id, ""))))
        self.page(info.title, code=info.code, token=token, status=status, step=WEIGHTS, flow=flow, info=info,
                  perspective=perspective_html(self.language),  # whose judgement the scores are
                  messages=self.messages_html(flow),
                  action=self.address(code=info.code, p=token), groups=groups,
                  ranking=self.ranking_view(flow) if flow.asks_weights else None,
                  data=self.live_data(flow) if flow.asks_weights else "", rating=self.rating_view(flow),
                  here=self.address(code=info.code, p=token), stamp=poll_stamp(info),
                  poll="lite-poll?" + urlencode({"code": info.code}),
                  full_page="participant?" + urlencode({"code": info.code, "p": token, "lang": self.language}),
                  t={"you": (_("You: {pseudonym} · {group}. Move the weights to say what matters to you; your ranking "
                               "follows.", pseudonym=flow.pseudonym, group=flow.group_name(self.language))
                             if flow.asks_weights else
                             _("You: {pseudonym} · {group}. Rate the proposals as you judge them.",
                               pseudonym=flow.pseudonym, group=flow.group_name(self.language))),
                     "weights": _("Your weights"),
                     "comment": _("Comment (optional): a dissent or minority note for the group"),
                     "preview": _("Show my ranking"),
                     "submit": _("Submit my weights and ratings") if flow.asks_ratings and flow.asks_weights
                     else _("Submit my ratings") if flow.asks_ratings else _("Submit my weights"),
                     "refresh": _("Refresh this page: has the facilitator revealed the results or opened a round?"),
                     # No JavaScript: no browser time zone, so the server's clock (named) it is.
                     "status": self.error_text(flow.status()),
                     "full": _("On a larger screen: the full page, with charts to compare proposals")})

    def rating_view(self, flow: Participation) -> dict | None:
        """The ratings part of the form: one proposal in view, each asked criterion with its starting score
        (and, a tap away, why and the source), the other proposals' values kept in hidden fields."""
        cells = flow.rating_cells()
        if not cells:
            return None
        _, lang = self._, self.language
        at = flow.rating_proposal()
        order = list(cells)
        a = flow.assessment
        whose = _(BUNDLED_NAME) if a.perspective is None else a.perspective.name
        state_label = {RATED: _("rated by you"), SKIPPED: _("skipped")}
        rows = []
        for c in cells[at]:
            s = flow.rating_start(at, c)
            value = flow.rating_value(at, c)
            sources = [(source_title(x, lang), x.quote or "") for x in s.citations[:2]]
            rows.append((c, localised(a.active_framework.criterion(c), "name", lang),
                         shown_score(s.score) if value == DONT_KNOW else value, value == DONT_KNOW,
                         _("Starting point: {score} (range {low}–{high}, {evidence}), {whose}.", score=shown_score(s.score),
                           evidence=_(LABELS[evidence_kind(s)]),
                           low=shown_score(s.low), high=shown_score(s.high), whose=whose),
                         data_text(s.rationale, lang), sources))
        counts = flow.rating_counts()
        kept = [(f"r.{p}.{c}", v) for p, row in flow.typed_ratings.items() if p != at for c, v in row.items()]
        return {
            "heading": _("Your ratings"), "at": at, "cells": rows, "kept": kept,
            "intro": (_("Choose the proposals you can judge. One at a time: each criterion from 0 to 10, starting from "
                        "the score in the {whose}; tick “Don’t know” where you cannot judge, or skip a proposal.",
                        whose=whose) if flow.chooses else
                      _("The facilitator asks you to rate {count} proposal(s). One at a time: each criterion from 0 to "
                        "10, starting from the score in the {whose}; tick “Don’t know” where you cannot judge.",
                        count=len(order), whose=whose)),
            "name": proposal_text(a, at, "short_name", lang), "position": _("{number} of {count}",
                                                                          number=order.index(at) + 1, count=len(order)),
            "state": state_label.get(flow.rating_states.get(at), ""),
            "states": sorted(flow.rating_states.items()),
            "proposals": [(p, proposal_text(a, p, "short_name", lang), state_label.get(flow.rating_states.get(p), ""))
                          for p in order],
            "list": _("All proposals to rate: {rated} rated, {skipped} skipped, of {count}", rated=counts[RATED],
                      skipped=counts[SKIPPED], count=counts["all"]),
            "jump": self.address(code=flow.workshop.code, p=flow.token) + "#rating",
            "dk": _("Don’t know"), "why": _("Why, and the source"), "next": _("Done: next proposal"),
            "skip": _("Skip this proposal (no rating)"), "prev": _("Previous proposal"), "first": order.index(at) == 0,
            "last": order.index(at) == len(order) - 1,
        }

    def messages_html(self, flow: Participation) -> str:
        """The round's state, the last step's message, the round's times and, once revealed, the group's result."""
        return (self.message(flow.round_status(), "info") + self.message(flow.message, flow.message_kind)
                + self.pacing_html(flow) + self.group_result_html(flow))

    def pacing_part(self) -> None:
        """Only what a page left open replaces when the poll brings news (static/phone.js): the messages and the
        group's result, the submit button's state and the status line; a few hundred bytes, not the page."""
        flow = self.flow()
        if not flow.open(self.get_argument("code", ""), self.get_argument("p", "")) or flow.step != WEIGHTS:
            self.set_status(404)
            return
        self.send_html(f"<div id='pacing' data-stamp='{esc(poll_stamp(flow.workshop))}'>{self.messages_html(flow)}</div>"
                       f"<button value='submit'{'' if flow.accepting else ' disabled'}></button>"
                       f"<p id='status'>{esc(self.error_text(flow.status()))}</p>")

    def pacing_html(self, flow: Participation) -> str:
        """What the round starts from, and when it opens or closes. Without JavaScript there is no browser zone, so
        the times are in the facilitator's zone or UTC, named; with it, phone.js rewrites each <time> into the
        phone's own zone (and names it)."""
        out = []
        start = flow.start_message()
        if start:
            out.append(f"<p>{esc(self.error_text(start))}</p>")
        times = flow.round_times(None)
        if times:
            r = flow.workshop.round
            moments = {"opens": r.opens_at, "closes": r.closes_at}
            # Each time as a marker through translation and escaping, then as a <time> element.
            marked = Message(times.template, **{k: f"\x00{k}\x00" for k in times.values})
            line = esc(self.error_text(marked))
            for k, v in times.values.items():
                iso = datetime.fromtimestamp(moments[k], timezone.utc).isoformat()
                line = line.replace(f"\x00{k}\x00", f"<time datetime='{iso}' data-local>{esc(v)}</time>")
            out.append(f"<p class='round-times'>{line}</p>")
        return "".join(out)

    def group_result_html(self, flow: Participation) -> str:
        """The group's result once the facilitator has revealed it: the equal-footing ranking, and rough consensus."""
        _ = self._
        lines = flow.group_result_lines(self.language)
        if lines is None:
            return ""
        result, (rows, consensus) = flow.group_result, lines
        items = "".join(f"<li>{esc(name)} ({score:.2f})</li>" for name, score in rows)
        return (f"<section class='group-result'><h2>{esc(_('The group’s result, round {number}', number=result.round))}</h2>"
                f"<p>{esc(_('Every stakeholder group counts once ({count} submission(s)); overall score 0–10.', count=result.submissions))}</p>"
                f"<ol>{items}</ol><p>{esc(translate_message(consensus, self.language))}</p></section>")

    def ranking_view(self, flow: Participation) -> dict | None:
        """The participant's ranking as the model computed it (None when what was typed is not weights)."""
        _ = self._
        ranking = flow.ranking()
        if ranking is None or flow.typed_weights:  # typed values that are not weights: shown, not ranked
            return None
        # The model's order and values, read from its arrays (its pandas table costs more than the page).
        rows = [(ranking.proposal_ids[i], rank, proposal_text(flow.assessment, ranking.proposal_ids[i], "short_name",
                                                              self.language), f"{ranking.overall[i]:.2f}")
                for rank, i in enumerate(ranking.best_first, start=1)]
        return {"caption": _("Your ranking, with your weights"), "rank": _("Rank"), "proposal": _("Proposal"),
                "overall": self.overall_label(ranking.method), "rows": rows}

    def overall_label(self, method: str) -> str:
        return self._("Net flow (PROMETHEE II)") if method == "promethee_ii" else self._("Overall (0–10)")

    def live_data(self, flow: Participation) -> str:
        """What the page's script needs to rank in the browser, as JSON safe inside a <script> element."""
        a = flow.assessment
        return script_json(live_ranking_data(a, self.language, {
            "overall": self.overall_label(a.method),
            "top3": self._("Your top three now: {names}"),
            "radar": self._("Your first choice, {name}: its scores per criterion, as recorded in the data (0–10), "
                            "and your weights (dashed)"),
            "invalid": self._("Each weight is a number from 0 to {maximum}.", maximum=flow.weight_max),
            "zero": self._("All weights are zero: give at least one criterion some weight to rank the proposals."),
        }))

    def on_finish(self):
        flow = getattr(self, "_flow", None)
        if flow is not None:
            flow.release()  # its assessment goes back to the pool for the next request


def live_ranking_data(a, language: str, texts: dict) -> dict:
    """The inputs of the assessment's ranking, for the page's script (igviz/pages/static/phone.js).

    Both methods are a weighted sum of one matrix once their `linear_values` are known (the
    scores for the weighted sum, the single-criterion net flows for PROMETHEE II), so the browser
    repeats the model's arithmetic in the same order: the stance's multipliers, the weights divided
    by their total, products, sums (numpy's pairwise order), rounding to 12 decimals, proposals
    that pass every threshold first, ties by short name. `tie` is each proposal's place by its
    English short name, the model's tie-break.
    """
    framework = a.active_framework
    criteria = framework.criterion_ids
    scores, low, high = a.score_arrays()
    minimums = np.array([a.thresholds.get(c, np.nan) for c in criteria])
    short_names = [p.short_name for p in a.proposals]
    tie = [0] * len(short_names)
    for place, i in enumerate(sorted(range(len(short_names)), key=lambda i: short_names[i])):
        tie[i] = place
    return {
        "method": a.method, "criteria": criteria, "max": WEIGHT_MAX, "scale": a.dataset.scale.max,
        "names": [localised(c, "name", language) for c in framework.criteria],
        "ids": [p.id for p in a.proposals],
        "proposals": [proposal_text(a, p.id, "short_name", language) for p in a.proposals],  # designs too
        "tie": tie, "multipliers": a.stance_multipliers().tolist(),
        "values": a.active_method.linear_values(scores).tolist(), "scores": scores.tolist(),
        "passes": (~threshold_failures(scores, minimums).any(axis=1)).tolist(),
        "text": texts,
    }


class LitePoll(tornado.web.RequestHandler):
    """What a page left open asks (static/phone.js): `lite-poll?code=…&since=<stamp>` answers the round's
    stamp (its number, state, what it asks, and whether and at which revision its results are revealed)
    as soon as it differs from `since`, else after WAIT_S seconds (a long poll).

    A room of phones waits here in open connections, not in requests: a thousand phones cost some
    40 requests a second, not several hundred, and hear of a reveal within a second. Each waiting
    request reads the round-state cache once a second (one database read a second per workshop,
    off the event loop; in between no database at all). The answer is a few dozen bytes, no page.
    """

    WAIT_S = 25.0
    CHECK_S = 1.0

    def initialize(self):
        self.closed = False

    def on_connection_close(self):
        self.closed = True

    async def get(self):
        from tornado.ioloop import IOLoop

        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        code = WorkshopStore._normal_code(self.get_argument("code", ""))
        since = self.get_argument("since", "")
        deadline = time.monotonic() + (self.WAIT_S if since else 0.0)
        try:
            store = shared_store()
            while True:
                info = shared_round_states.peek(store, code)
                if info is None:  # not read in the last second: read it on a worker thread, not the loop
                    info = await IOLoop.current().run_in_executor(pool(), shared_round_states.get, store, code)
                stamp = poll_stamp(info)
                if stamp != since or time.monotonic() >= deadline or self.closed:
                    break
                await asyncio.sleep(self.CHECK_S)
        except (WorkshopError, DatabaseVersionError):
            self.set_status(404)
            self.finish("{}")
            return
        if not self.closed:
            self.finish(stamp)


def poll_stamp(info) -> str:
    """What a page left open compares with the poll's answer: a change in any of it is news for the page."""
    r = info.round
    return json.dumps({"round": r.number if r else 0, "state": r.state if r else "", "asks": r.asks if r else "",
                       "revealed": bool(r and r.revealed), "revision": info.revision if r and r.revealed else 0},
                      separators=(",", ":"))


def script_json(data) -> str:
    # Inside <script type="application/json">, only "<" could end the element early (</script>, <!--).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def shown(value) -> str:
    """A weight as a form shows it: whole numbers without '.0'; typed text as typed."""
    return f"{value:g}" if isinstance(value, float) else str(value)


# Read by `panel serve --plugins igviz.pages.lite`.
ROUTES = [(r"/lite", LitePage), (r"/lite-poll", LitePoll),
          (rf"/{STATIC_PATH}/(.*)", tornado.web.StaticFileHandler, {"path": str(STATIC)})]
