"""One participant taking part in a workshop: join, set weights, comment, submit, revise.

The steps and the state a participant page shows, with no Panel and no Tornado, so both
participant pages are renderings of this one flow: the Panel page (sliders, live ranking,
radar; one `Participation` per browser session) and the light page (HTML forms, no
JavaScript; one `Participation` per request, rebuilt from the private token in the address).
Tests drive it without a server.

Every method is one step a participant takes. None raises for something the participant did:
it returns False and leaves the reason in `message` (an igviz.i18n.Message, which the page
shows in its own language) while everything they typed stays in `code`, `group`,
`pseudonym`, `typed_weights` and `comment`, so a page can show it again.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import param

from ..dataset import Dataset
from ..i18n import N_, Message, clock_time
from ..datatext import localised, proposal_text, shown_score
from ..model import DEFAULT_WEIGHT, WEIGHT_MAX, Assessment
from .limits import Limits, shared_limits
from .errors import DatabaseUnavailable
from .plan import check_workshop_data, designs_key, round_results, workshop_assessment
from .results import CONSENSUS
from .ratings import RATING_MAX, RATING_MIN
from .store import (COMMENT_MAX, PSEUDONYM_MAX, SCHEDULED, START_PREVIOUS, AccessDenied, ParticipantInfo, RoundInfo,
                    WorkshopError, WorkshopInfo, WorkshopStore, check_ratings, check_weights, clean_text)

CODE_MAX = 16  # longest join code a page accepts (codes are 6 characters; spaces and dashes are dropped)

# The steps, in the order a participant meets them.
CODE, JOIN, WEIGHTS = "code", "join", "weights"

# What a participant has done with one proposal in a ratings round: rated it (each asked criterion a
# number or "don't know"), or skipped it (no rating at all). A proposal not reached yet is neither: it
# sends nothing, so a participant who never looked at a proposal does not agree with its scores by default.
RATED, SKIPPED = "rated", "skipped"
DONT_KNOW = "dk"  # a rating cell's value when the participant said "don't know"


class RoundStates:
    """The workshops' round states, read from the database at most once per `max_age_s` per workshop.

    Every open participant page asks every two seconds whether the facilitator closed or opened
    a round; a room of a hundred would otherwise read the same row fifty times a second, on the
    event loop that stores their submissions.
    """

    def __init__(self, max_age_s: float):
        self.max_age_s = max_age_s
        self._read: dict = {}  # (database URL, code) -> (when, WorkshopInfo)

    def peek(self, store: WorkshopStore, code: str) -> WorkshopInfo | None:
        """The state read less than `max_age_s` ago, without touching the database; None when it is older."""
        when, info = self._read.get((store.url, code), (-math.inf, None))
        return info if time.monotonic() - when < self.max_age_s else None

    def get(self, store: WorkshopStore, code: str) -> WorkshopInfo:
        now = time.monotonic()
        key = (store.url, code)
        when, info = self._read.get(key, (-math.inf, None))
        if now - when >= self.max_age_s:
            info = store.workshop(code)
            self._read[key] = (now, info)
        return info


POLL_S = 2.0  # how often a live page asks for the round state
shared_round_states = RoundStates(max_age_s=POLL_S / 2)


@dataclass(frozen=True)
class GroupResult:
    """The group's result of a round as a participant sees it once the facilitator has revealed it.

    The equal-footing ranking (every stakeholder group counts once) and the proposals with rough
    consensus in every group: the two things the room is told. No one's weights, no comments.
    """
    round: int
    submissions: int
    ranking: tuple[tuple[str, float], ...]   # (proposal id, overall score 0-10), best first
    consensus: tuple[str, ...]               # proposal ids with rough consensus in every stakeholder group


class GroupResults:
    """Group results by (database, workshop, round, revision): a room of phones asking after a reveal
    computes each one once, not once per phone."""

    def __init__(self, size: int = 64):
        self.size = size
        self._cache: dict = {}
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._lock:
            if len(self._cache) >= self.size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = value
        return value


shared_group_results = GroupResults()


def start_weights(round_info: RoundInfo | None, criteria) -> dict:
    """The weights everyone starts a round from: the round's stated ones, else equal (the sliders' default)."""
    stated = dict(round_info.start_weights) if round_info is not None else {}
    return {c: float(stated.get(c, DEFAULT_WEIGHT)) if stated else float(DEFAULT_WEIGHT) for c in criteria}


def local_time(timestamp: float, zone: str | None = None, named_zone: str = "") -> str:
    """A date and time on the reader's clock ('2026-11-30 14:00', `zone`: theirs), or, without it, in
    `named_zone` (the facilitator's) or UTC, with the zone named ('2026-11-30 14:00 Europe/Paris')."""
    for chosen, label in ((zone, ""), (named_zone, f" {named_zone}")):
        if chosen:
            try:
                return datetime.fromtimestamp(timestamp, ZoneInfo(chosen)).strftime("%Y-%m-%d %H:%M") + label
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return datetime.fromtimestamp(timestamp, ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC")


class AssessmentPool:
    """Workshop assessments kept for reuse by pages that rebuild the flow on every request.

    Building an `Assessment` (param objects for every proposal and weight) takes some 15 ms, three
    times over on the way from join to submit on the light page: most of the server's time per
    participant. A request takes one from here and gives it back when it is done (`release`), so
    each is used by one request at a time; its weights are set afresh when taken. Nothing else in
    a workshop assessment changes (no stance, thresholds or what-if scores), so it is the same
    model as a new one.
    """

    def __init__(self, per_key: int = 8):
        self.per_key = per_key
        self._free: dict = {}  # (dataset id, framework, proposals) -> [Assessment]
        self._lock = threading.Lock()

    def take(self, dataset: Dataset, framework: str, proposals, designs=None) -> Assessment:
        # Designs by their specs too: two workshops may each have a design of the same id, composed differently.
        key = (id(dataset), framework, tuple(proposals), designs_key(designs))
        with self._lock:
            free = self._free.get(key)
            a = free.pop() if free else None
        if a is None or a.dataset is not dataset:
            return workshop_assessment(dataset, framework, proposals, designs)
        a.selected = None
        return a  # its weights are whatever the last request left: `resume` sets every one

    def give_back(self, a: Assessment) -> None:
        key = (id(a.dataset), a.framework, tuple(p.id for p in a.proposals),
               designs_key({p.id: p.design.spec() for p in a.proposals if getattr(p, "design", None) is not None}))
        with self._lock:
            free = self._free.setdefault(key, [])
            if len(free) < self.per_key:
                free.append(a)


shared_assessments = AssessmentPool()


def check_limits(limits: Limits, action: str, client: str, token: str = "", code: str = "") -> Message | None:
    """The rate limits' answer to a step ("join" or "submit") from `client`: None to go ahead, else why not.

    The one place both participant pages meet the limits (through `Participation.admit`, or
    directly when a page refuses a flood before it builds anything: the light page).
    """
    if action == "join":
        return limits.check_join(client, WorkshopStore._normal_code(code))
    if action == "submit":
        return limits.check_submit(client, token)
    raise ValueError(f"action must be 'join' or 'submit', got {action!r}")


def as_message(exc: Exception) -> Message:
    """A store or weight error as a Message, template and values kept for translation."""
    template = getattr(exc, "template", None)
    return Message(template, **getattr(exc, "values", {})) if template else Message(str(exc))


class Participation(param.Parameterized):
    """Join → weights → submit → revise, for one participant; its parameters are what a page shows."""

    step = param.Selector(default=CODE, objects=[CODE, JOIN, WEIGHTS], doc="Which form the page shows")
    # What the participant typed, kept through errors.
    code = param.String(default="", doc="The join code as typed")
    group = param.String(default="", doc="The stakeholder group chosen ('' for none yet)")
    pseudonym = param.String(default="")
    typed_weights = param.Dict(default={}, doc="Weights as typed (text or numbers), by criterion")
    comment = param.String(default="")
    language = param.String(default="en", doc="The page's language: a message names a criterion as the form labels it")
    # What the store said.
    token = param.String(default="", doc="The participant's private token, once joined")
    workshop = param.ClassSelector(class_=WorkshopInfo, default=None, allow_None=True)
    me = param.ClassSelector(class_=ParticipantInfo, default=None, allow_None=True)
    assessment = param.ClassSelector(class_=Assessment, default=None, allow_None=True,
                                     doc="The workshop's proposals under the participant's weights")
    submitted_at = param.Number(default=None, allow_None=True, doc="When they last submitted in this round")
    accepting = param.Boolean(default=False, doc="The current round takes submissions")
    attending = param.String(default="", doc="Where they take part from, as said when joining: 'room', 'remote' or ''")
    group_result = param.ClassSelector(class_=GroupResult, default=None, allow_None=True,
                                       doc="The group's result of the current round, once the facilitator revealed it")
    # Ratings (a round that asks for them): one proposal at a time.
    typed_ratings = param.Dict(default={}, doc="Ratings as typed, {proposal: {criterion: text, or 'dk' for don't "
                               "know}}; cells not typed show the stored rating, else the starting score")
    rating_states = param.Dict(default={}, doc="{proposal: 'rated' or 'skipped'}; a proposal not in it is not reached")
    rating_at = param.String(default="", doc="The proposal whose ratings the page shows ('' for the first asked)")
    # What the page says about the last step: a Message, None when there is nothing to say.
    message = param.Parameter(default=None)
    message_kind = param.Selector(default="info", objects=["info", "ok", "warning", "error"])
    # Who is asking, for the rate limits (igviz.workshop.limits): the browser's network address.
    client = param.String(default="", doc="The participant's network address ('' when unknown)")
    unavailable = param.Boolean(default=False, doc="The last step failed because the database is down, locked or "
                                "full: nothing the participant did (the light page answers 503)")

    # Limits the forms announce (the store enforces them).
    code_max, pseudonym_max, comment_max, weight_max = CODE_MAX, PSEUDONYM_MAX, COMMENT_MAX, WEIGHT_MAX

    def __init__(self, store: WorkshopStore, dataset: Dataset, round_states: RoundStates | None = None,
                 pool: AssessmentPool | None = None, per_request: bool = False, limits: Limits | None = None,
                 admitted: str | None = None, **params):
        """`per_request`: for a page that builds the flow afresh for each request (the light page).
        It borrows its assessment from a pool (`pool`, else the shared one; give it back with
        `release`), and reads a workshop by its join code through the round-state cache (at most
        once a second per workshop: a room arriving at once costs one read, and what it shows
        is at most a second old, as on a polling page).

        `admitted`: a step ("join" or "submit") the page has already put through `check_limits`."""
        super().__init__(**params)
        self.store, self.dataset = store, dataset
        self.round_states = round_states or shared_round_states
        self.pool = pool if pool is not None else shared_assessments if per_request else None
        self.per_request = per_request
        self.limits = limits if limits is not None else shared_limits()
        self._admitted = admitted  # a step the limits have let through and that has not run yet

    # -- what a page shows -------------------------------------------------------------------

    @property
    def problem(self) -> Message | None:
        return self.message if self.message_kind == "error" else None

    def round_status(self) -> Message | None:
        if self.workshop is None:
            return None
        r = self.workshop.round
        if r is not None and r.is_open and r.asks_ratings:  # the store's line says "weights"
            return (Message(N_("Round {number} is open: rate the proposals, and revise as often as you like until it "
                               "closes."), number=r.number) if r.asks == "ratings" else
                    Message(N_("Round {number} is open: submit your weights and ratings, and revise them as often as "
                               "you like until it closes."), number=r.number))
        return self.workshop.round_status()

    def status(self, zone: str | None = None) -> Message:
        """Whether (and when, on the reader's clock) they have submitted in this round."""
        if self.submitted_at is None:
            return Message(N_("Not submitted yet in this round."))
        return Message(N_("Submitted at {time}. You can revise and submit again until the round closes."),
                       time=clock_time(self.submitted_at, zone))

    def round_times(self, zone: str | None = None) -> Message | None:
        """When the current round opens or closes by itself (None when it does not), on the reader's clock
        (`zone`: theirs, from the browser); without it, in the zone the facilitator set the times in, or UTC, named."""
        r = self.workshop.round if self.workshop is not None else None
        if r is None:
            return None
        shown = lambda t: local_time(t, zone) if zone else local_time(t, None, r.zone)  # noqa: E731
        yours = bool(zone)
        if r.state == SCHEDULED and r.closes_at is not None:
            values = dict(opens=shown(r.opens_at), closes=shown(r.closes_at))
            return (Message(N_("This round is open from {opens} to {closes} (your time)."), **values) if yours else
                    Message(N_("This round is open from {opens} to {closes}."), **values))
        if r.state == SCHEDULED:
            return (Message(N_("This round opens at {opens} (your time)."), opens=shown(r.opens_at)) if yours else
                    Message(N_("This round opens at {opens}."), opens=shown(r.opens_at)))
        if r.is_open and r.closes_at is not None:
            return (Message(N_("This round closes at {closes} (your time)."), closes=shown(r.closes_at)) if yours else
                    Message(N_("This round closes at {closes}."), closes=shown(r.closes_at)))
        return None

    def start_message(self) -> Message | None:
        """What everyone's weights started from in this round (said from round 2 on, when there is a choice)."""
        r = self.workshop.round if self.workshop is not None else None
        if r is None or r.number < 2:
            return None
        if r.start_basis == START_PREVIOUS:
            return Message(N_("Round {number} starts everyone from the group’s equal-footing weights of round {previous}."),
                           number=r.number, previous=r.number - 1)
        return Message(N_("Round {number} starts everyone from equal weights."), number=r.number)

    def group_choices(self, language: str = "en") -> list[tuple[str, str]]:
        """(id, name in the language) of the workshop's stakeholder groups, in the workshop's order."""
        if self.workshop is None:
            return []
        return [(g, localised(self.dataset.groups[g], "name", language)) for g in self.workshop.groups]

    def group_name(self, language: str = "en") -> str:
        return localised(self.dataset.groups[self.me.group], "name", language) if self.me else ""

    def weights(self) -> dict:
        """The weights a form shows: as typed where typed, else the assessment's."""
        if self.assessment is None:
            return dict(self.typed_weights)
        return {**self.assessment.weights.values(), **self.typed_weights}

    def ranking(self):
        """The participant's ranking under their weights (the assessment's published result), or None."""
        return self.assessment.result if self.assessment is not None else None

    # -- steps -------------------------------------------------------------------------------

    def _say(self, message: Message | None, kind: str = "info") -> None:
        cleared = {} if kind == "error" else {"unavailable": False}  # a step went through: the database is back
        self.param.update(message=message, message_kind=kind, **cleared)

    def _fail(self, exc: Exception | Message) -> bool:
        self.unavailable = isinstance(exc, DatabaseUnavailable)
        self._say(exc if isinstance(exc, Message) else as_message(exc), "error")
        return False

    def open(self, code: str = "", token: str = "", just_joined: bool = False) -> bool:
        """Start from a page's address: resume with a token, else look up a join code, else ask for one."""
        if token:
            if self.resume(token, just_joined=just_joined):
                return True
            self.code = str(code or "")[:CODE_MAX]  # a stale link still carries the code: offer it again
            return False
        if code:
            return self.enter_code(code)
        self.param.update(step=CODE, message=None)
        return True

    def admit(self, action: str, token: str = "", code: str = "") -> bool:
        """Whether the rate limits let this client take the step ("join" or "submit") now.

        False with the reason (and how long to wait) in `message`. `join` and `submit` ask it
        themselves; a page may ask first (here, or `check_limits` before it builds the flow, passing
        `admitted=`), so that a flood is refused for next to nothing; the step then does not count twice.
        """
        if self._admitted == action:
            return True
        refusal = check_limits(self.limits, action, self.client, token=token, code=code)
        if refusal is not None:
            return self._fail(refusal)
        self._admitted = action
        return True

    def _admit_once(self, action: str, **key) -> bool:
        admitted = self.admit(action, **key)
        self._admitted = None  # the step runs now: the next one is counted again
        return admitted

    def enter_code(self, code: str) -> bool:
        """Look the workshop up by its join code: on to choosing a group and a pseudonym."""
        self.code = str(code or "")[:CODE_MAX]
        try:
            info = self.round_states.get(self.store, self.code) if self.per_request else self.store.workshop(self.code)
            check_workshop_data(self.dataset, info.framework, info.proposals, info.groups, info.design_specs)
        except WorkshopError as exc:
            self.step = CODE
            return self._fail(exc)
        self.param.update(workshop=info, code=info.code, accepting=info.accepting, step=JOIN)
        self._say(info.round_status())
        return True

    def join(self, group: str, pseudonym: str, code: str | None = None, resume: bool = True,
             attending: str | None = None) -> bool:
        """Register in a stakeholder group under a pseudonym; on to the weights with a private token.

        `resume=False` only registers and keeps the token: for a page that sends the browser on to
        an address with the token, which resumes there (reading the participant back here would be
        done twice). `attending`: 'room' or 'remote' as they said (None or '' when they did not)."""
        self.param.update(group=str(group or ""), pseudonym=str(pseudonym or ""), attending=str(attending or ""))
        if code is not None and (self.workshop is None or code != self.workshop.code):
            if not self.enter_code(code):
                return False
        if self.workshop is None:
            return self._fail(Message(N_("Type the code the facilitator gave you.")))
        self.step = JOIN
        if not self.group:
            return self._fail(Message(N_("Choose your stakeholder group first.")))
        if not self._admit_once("join", code=self.workshop.code):
            return False
        try:
            pseudonym = clean_text(self.pseudonym, "pseudonym", PSEUDONYM_MAX, required=True)
            token = self.store.join(self.workshop.code, self.group, pseudonym, attending=self.attending or None)
        except WorkshopError as exc:
            return self._fail(exc)
        if not resume:
            self.token = str(token)
            return True
        return self.resume(token, just_joined=True)

    def resume(self, token: str, just_joined: bool = False) -> bool:
        """Come back with the private token: the workshop, their group and this round's submission."""
        try:
            me = self.store.participant(token)
            info = me.workshop
            check_workshop_data(self.dataset, info.framework, info.proposals, info.groups, info.design_specs)
        except WorkshopError as exc:
            if not isinstance(exc, DatabaseUnavailable):  # the link is fine: the page stays where it was
                self.step = CODE
            return self._fail(exc)
        self.release()
        a = (self.pool.take(self.dataset, info.framework, info.proposals, info.design_specs) if self.pool is not None
             else workshop_assessment(self.dataset, info.framework, info.proposals, info.design_specs))
        # Every weight at once, in one update (a pooled assessment still has another participant's). Not yet
        # submitted in this round: everyone starts from the round's stated weights (equal, or the previous
        # round's group result), whether the page was just opened or left open since round 1.
        a.weights.set({**start_weights(info.round, a.weights.criteria),
                       **{c: v for c, v in (me.weights or {}).items() if c in a.weights.criteria}})
        self.param.update(token=str(token), me=me, workshop=info, code=info.code, group=me.group,
                          pseudonym=me.pseudonym, assessment=a, typed_weights={}, comment=me.comment,
                          submitted_at=me.submitted_at, accepting=info.accepting, step=WEIGHTS, typed_ratings={},
                          rating_states=self._stored_states(me), rating_at="")
        self._update_group_result()
        if just_joined:
            self._say(Message(N_("You have joined. Keep this page's address: it lets you come back and revise "
                                 "your answers.")), "ok")
        else:
            self._say(None)
        return True

    def release(self) -> None:
        """Give a borrowed assessment back to the pool; the flow is done with it."""
        if self.pool is not None and self.assessment is not None:
            a, self.assessment = self.assessment, None
            self.pool.give_back(a)

    def set_weights(self, weights: dict) -> bool:
        """Weights as typed (all of them, or some): checked, then the ranking follows them.

        What was typed is kept even when it is not a weight, so the form shows it again with the
        reason; the assessment (and so the ranking) keeps the last weights that were.
        """
        if self.assessment is None:
            return self._fail(Message(N_("This participant link is not valid: join the workshop again with its code")))
        criteria = self.assessment.weights.criteria
        typed = self.typed_weights = {str(c): v for c, v in dict(weights).items()}
        try:
            values = check_weights(criteria, {**self.assessment.weights.values(), **typed})
        except WorkshopError as exc:
            return self._fail(self._criterion_named(exc))
        self.assessment.weights.set(values)
        self.typed_weights = {}
        if self.message_kind == "error":
            self._say(None)
        return True

    def _criterion_named(self, exc: WorkshopError) -> Exception | Message:
        """The store's weight error, naming the criterion as the form labels it ("Effective"), not by its id.

        `abc` typed for a weight is answered with which criterion and what was expected; the id
        (`points_of_view`) is a code word a participant never saw.
        """
        values = getattr(exc, "values", {})
        framework = self.assessment.active_framework
        if values.get("criterion") not in framework.criterion_ids:
            return exc
        name = localised(framework.criterion(values["criterion"]), "name", self.language)
        return Message(exc.template, **{**values, "criterion": name})

    def submit(self, weights: dict | None = None, comment: str | None = None, ratings: dict | None = None,
               states: dict | None = None) -> bool:
        """Send (or revise) what the open round asks for: the weights, the ratings, or both, and the comment.

        Without `weights`, the assessment's current weights are sent (a page whose sliders move
        them); with them, they are checked first (`set_weights`). `ratings`/`states`: as for
        `set_ratings` (a page sends the form's; without them, those already set are sent).
        """
        if comment is not None:
            self.comment = str(comment)
        if self.assessment is None or not self.token:
            return self._fail(Message(N_("This participant link is not valid: join the workshop again with its code")))
        if weights is not None and self.asks_weights and not self.set_weights(weights):
            return False
        if (ratings is not None or states is not None) and self.asks_ratings and not self.set_ratings(ratings, states):
            return False
        if self.asks_ratings and not self._ratings_valid():
            return False
        send_ratings = self.ratings_to_send() if self.asks_ratings else None
        if self.asks_ratings and not self.asks_weights and not send_ratings:
            return self._fail(Message(N_("Nothing rated yet: rate at least one proposal (each criterion a number from "
                                         "0 to 10, or “Don’t know”), then submit.")))
        if not self._admit_once("submit", token=self.token):
            return False
        try:
            comment = clean_text(self.comment, "comment", COMMENT_MAX)
            me = self.store.submit(self.token, self.assessment.weights.values() if self.asks_weights else None, comment,
                                   ratings=send_ratings)
        except WorkshopError as exc:
            if not isinstance(exc, AccessDenied):
                self._refresh_quietly()  # e.g. the round closed meanwhile: the button follows
            return self._fail(exc)
        self.param.update(me=me, workshop=me.workshop, submitted_at=me.submitted_at, accepting=me.workshop.accepting,
                          typed_ratings={}, rating_states={**self.rating_states, **self._stored_states(me)})
        self._say(Message(N_("Thank you: your weights and ratings are in.")) if self.asks_ratings and self.asks_weights
                  else Message(N_("Thank you: your ratings are in.")) if self.asks_ratings
                  else Message(N_("Thank you: your weights are in.")), "ok")
        return True

    # -- ratings (a round that asks for them) ------------------------------------------------

    @property
    def asks_weights(self) -> bool:
        r = self.workshop.round if self.workshop is not None else None
        return r is None or r.asks_weights

    @property
    def asks_ratings(self) -> bool:
        r = self.workshop.round if self.workshop is not None else None
        return r is not None and r.asks_ratings and self.assessment is not None

    @property
    def chooses(self) -> bool:
        """The round names no cells: each participant chooses which proposals (and criteria) to rate."""
        r = self.workshop.round if self.workshop is not None else None
        return r is not None and r.asks_ratings and r.rated is None

    def rating_cells(self) -> dict[str, list[str]]:
        """{proposal: [criteria]} this round asks to rate, in the workshop's order ({} when it asks for none)."""
        if not self.asks_ratings:
            return {}
        info = self.workshop
        criteria = [c for c in self.assessment.active_framework.criterion_ids if c in info.criteria]
        cells: dict[str, list[str]] = {}
        for p, c in info.round.rated_cells(info.proposals, criteria):
            cells.setdefault(p, []).append(c)
        return cells

    def rating_proposal(self) -> str:
        """The proposal the page shows for rating: the one moved to, else the first asked."""
        cells = self.rating_cells()
        return self.rating_at if self.rating_at in cells else next(iter(cells), "")

    def group_result_lines(self, language: str) -> tuple[list[tuple[str, float]], Message] | None:
        """The revealed group result as both participant pages show it (None before the reveal): each
        proposal's short name in `language` with its equal-footing score, best first, and the sentence on
        rough consensus. Names come from the workshop's assessment: it knows the workshop's designs,
        which the data does not."""
        result = self.group_result
        if result is None:
            return None
        source = self.assessment if self.assessment is not None else self.dataset
        names = {pid: proposal_text(source, pid, "short_name", language) for pid, _s in result.ranking}
        consensus = (Message(N_("Rough consensus in every stakeholder group: {names}"),
                             names=", ".join(names.get(pid, pid) for pid in result.consensus)) if result.consensus
                     else Message(N_("No proposal has rough consensus in every stakeholder group.")))
        return [(names[pid], score) for pid, score in result.ranking], consensus

    def rating_start(self, proposal: str, criterion: str):
        """The score a rating starts from: the current perspective's (igviz.model.Score: score, range,
        evidence, rationale and citations), so the participant sees whose judgement they start from."""
        return self.assessment.proposal(proposal).score(criterion)

    def rating_value(self, proposal: str, criterion: str) -> str:
        """What a rating cell shows: as typed, else the submitted rating ('dk' for don't know), else the start."""
        typed = (self.typed_ratings.get(proposal) or {}).get(criterion)
        if typed is not None:
            return str(typed)
        stored = (self.me.ratings or {}) if self.me is not None else {}
        if proposal in stored:
            value = stored[proposal].get(criterion)
            return DONT_KNOW if value is None else f"{value:g}"
        return shown_score(self.rating_start(proposal, criterion).score)

    def rating_counts(self) -> dict[str, int]:
        states = [self.rating_states.get(p) for p in self.rating_cells()]
        return {RATED: states.count(RATED), SKIPPED: states.count(SKIPPED), "all": len(states)}

    def set_ratings(self, typed: dict | None, states: dict | None = None, at: str | None = None) -> bool:
        """Ratings as typed ({proposal: {criterion: text, number, 'dk' or None for don't know}}) and what the
        participant did with each proposal (`states`: {proposal: 'rated', 'skipped' or ''}); `at`: the
        proposal to show next. Everything typed is kept; a value that is not a rating from 0 to 10 is
        refused with the proposal and criterion named as the page names them."""
        cells = self.rating_cells()
        merged = {p: dict(row) for p, row in self.typed_ratings.items()}
        for p, row in (typed or {}).items():
            if p in cells:
                merged.setdefault(p, {}).update({c: (DONT_KNOW if v is None else str(v).strip())
                                                 for c, v in dict(row or {}).items() if c in cells[p]})
        new_states = dict(self.rating_states)
        for p, state in (states or {}).items():
            if p in cells:
                if state in (RATED, SKIPPED):
                    new_states[p] = state
                else:
                    new_states.pop(p, None)
        self.param.update(typed_ratings=merged, rating_states=new_states)
        if at is not None and at in cells:
            self.rating_at = at
        if not self._ratings_valid():
            return False
        if self.message_kind == "error":
            self._say(None)
        return True

    def _ratings_valid(self) -> bool:
        """False, naming the first proposal and criterion whose typed value is not a rating."""
        for p, criteria in self.rating_cells().items():
            for c in criteria:
                value = self.rating_value(p, c)
                if value != DONT_KNOW and self._rating_number(value) is None:
                    return self._fail(Message(
                        N_("The rating of {proposal} on {criterion} must be a number from {minimum} to {maximum}, or "
                           "“Don’t know”; got {value}"), proposal=self._proposal_name(p),
                        criterion=self._criterion_name(c), minimum=RATING_MIN, maximum=RATING_MAX, value=value[:40]))
        return True

    def rate(self, typed: dict | None = None, states: dict | None = None, at: str = "", action: str = "") -> bool:
        """One step on the ratings form: the form's ratings (`typed`, `states`: as for `set_ratings`) with the
        proposal shown (`at`), then `action`: "next" (done with it: rated, on to the next), "skip" (no rating
        of it, on to the next), "prev", "show:<proposal>" (go there), "submit" or "" (stay).

        A proposal counts as rated once the participant says so ("next") or changes any of its values
        from where they started; until then it sends nothing. An invalid value keeps the proposal in view.
        """
        cells = self.rating_cells()
        order = list(cells)
        before = {c: self.rating_value(at, c) for c in cells.get(at, ())}
        ok = self.set_ratings(typed, states)
        if at not in cells:
            return ok
        state = self.rating_states.get(at)
        if action == "skip":
            state = SKIPPED
        elif action == "next" or any(self.rating_value(at, c) != v for c, v in before.items()):
            state = RATED
        if state is not None and ok:
            self.rating_states = {**self.rating_states, at: state}
        here = order.index(at)
        if not ok:
            target = at
        elif action in ("next", "skip"):
            target = order[min(here + 1, len(order) - 1)]
        elif action == "prev":
            target = order[max(here - 1, 0)]
        elif action.startswith("show:") and action[5:] in cells:
            target = action[5:]
        else:
            target = at
        self.rating_at = target
        return ok

    def take_form(self, weights: dict | None = None, ratings: dict | None = None, states: dict | None = None,
                  at: str = "", action: str = "") -> bool:
        """A whole form at once (the light page posts weights and ratings together): the weights if the round
        asks for them, then the ratings; everything typed is kept, and the first problem is the one said."""
        ok = self.set_weights(weights) if weights is not None and self.asks_weights else True
        said = (self.message, self.message_kind)
        if self.asks_ratings:
            rated = self.rate(ratings, states, at, action)
            if not ok and rated:
                self.param.update(message=said[0], message_kind=said[1])
            ok = ok and rated
        return ok

    def ratings_to_send(self) -> dict:
        """{proposal: {criterion: rating}} of the proposals rated; "don't know" left out (the store's form)."""
        out: dict[str, dict[str, float]] = {}
        for p, criteria in self.rating_cells().items():
            if self.rating_states.get(p) != RATED:
                continue
            for c in criteria:
                number = self._rating_number(self.rating_value(p, c))
                if number is not None:
                    out.setdefault(p, {})[c] = number
        info = self.workshop
        rated = {p: list(cs) for p, cs in info.round.rated} if info.round.rated is not None else None
        return check_ratings(info.proposals, info.criteria, out, rated)

    @staticmethod
    def _rating_number(text: str) -> float | None:
        try:
            number = float(str(text).replace(",", "."))  # a decimal comma, as a French or Spanish phone types it
        except ValueError:
            return None
        return number if math.isfinite(number) and RATING_MIN <= number <= RATING_MAX else None

    def _proposal_name(self, proposal: str) -> str:
        # From the workshop's assessment: it knows the workshop's designs, which the data does not.
        return proposal_text(self.assessment, proposal, "short_name", self.language)

    def _criterion_name(self, criterion: str) -> str:
        return localised(self.assessment.active_framework.criterion(criterion), "name", self.language)

    @staticmethod
    def _stored_states(me: ParticipantInfo) -> dict:
        return {p: RATED for p in (me.ratings or {})}

    def check_round(self) -> bool:
        """Ask whether the facilitator opened, closed or reopened a round; True when it changed.

        A new round starts with no submission; the page is told the round's state.
        """
        if self.workshop is None:
            return False
        try:
            info = self.round_states.get(self.store, self.workshop.code)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the session; try again next time
            return False
        previous = self.workshop
        if info.round == previous.round:
            if info.round is not None and info.round.revealed and info.revision != previous.revision:
                self.param.update(workshop=info)  # revealed and live: the group result follows new submissions
                self._update_group_result()
            return False
        changes = dict(workshop=info, accepting=info.accepting)
        new_round = previous.round and info.round and info.round.number != previous.round.number
        if new_round:
            changes.update(submitted_at=None, typed_weights={}, comment="", typed_ratings={}, rating_states={},
                           rating_at="")
            if self.me is not None:  # last round's ratings are not this round's starting point
                changes["me"] = ParticipantInfo(info, self.me.group, self.me.pseudonym)
            if self.assessment is not None:  # a page left open starts the new round where a reloaded one would
                self.assessment.weights.set(start_weights(info.round, self.assessment.weights.criteria))
        self.param.update(**changes)
        self._update_group_result()
        self._say(self.start_message() if new_round and self.start_message() else self.round_status(),
                  "info" if info.accepting or info.round.state == SCHEDULED else "warning")
        return True

    def _update_group_result(self) -> None:
        """The group result of the current round if the facilitator has revealed it, else None."""
        info = self.workshop
        if not self.token or info is None or info.round is None or not info.round.revealed:
            self.group_result = None
            return
        key = (self.store.url, info.code, info.round.number, info.revision)
        try:
            result = shared_group_results.get(key, lambda: self._group_result(info))
        except Exception:  # noqa: BLE001 - the result is extra: a hiccup must not break the page, the next poll retries
            return
        self.group_result = result

    def _group_result(self, info: WorkshopInfo) -> GroupResult | None:
        found = self.store.revealed_submissions(self.token)
        if found is None:
            return None
        number, submissions = found
        r = round_results(self.dataset, info.framework, info.proposals, info.groups, info.rule, submissions,
                          info.design_specs)
        ranking = r.equal_footing_ranking
        if ranking is None:
            return GroupResult(number, 0, (), ())
        consensus = r.consensus
        return GroupResult(number, len(submissions),
                           tuple((pid, float(row["overall"])) for pid, row in ranking.iterrows()),
                           tuple(pid for pid, status in consensus["overall"].items() if status == CONSENSUS))

    def _refresh_quietly(self) -> None:
        try:
            info = self.store.workshop(self.workshop.code)
        except WorkshopError:
            return
        self.param.update(workshop=info, accepting=info.accepting)


# The light page builds a Participation for every request and sets some twenty of its parameters.
# param copies a parameter object into an instance the first time the instance sets it (per_instance,
# for instance-level changes to the parameter itself, which nothing here makes): that copying was a
# fifth of the server's CPU per join. Values and watchers stay per instance either way.
for _parameter in Participation.param.objects("existing").values():
    _parameter.per_instance = False
del _parameter
