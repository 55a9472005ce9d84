"""Workshops, rounds, participants and their submissions, kept in a SQL database.

All state lives in the database, not in the server process, so several `panel serve`
processes can share one PostgreSQL and a restarted server loses nothing. SQLite (one file)
is the embedded default; set IGVIZ_DATABASE_URL to a SQLAlchemy URL to use PostgreSQL.

The store is the security boundary: every facilitator action checks the facilitator secret,
a participant acts only through their own token, and the database keeps only hashes of both.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import (JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event,
                        false, func, select, true, update)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from ..i18n import N_, Message
from ..model import WEIGHT_MAX
from .errors import AccessDenied, DatabaseUnavailable, DatabaseVersionError, WorkshopError, database_unavailable, translate_database_errors
from .ratings import RATING_MAX, RATING_MIN
from .results import ConsensusRule

DATABASE_URL_VARIABLE = "IGVIZ_DATABASE_URL"
ORGANISER_KEY_VARIABLE = "IGVIZ_ORGANISER_KEY"
DEFAULT_DATABASE = "igviz-workshops.sqlite"

# Limits that keep one participant (or a script) from flooding the database or the projector.
TITLE_MAX = 120
PSEUDONYM_MAX = 40
COMMENT_MAX = 1000
MAX_PARTICIPANTS = 500
# A bigger room (the server holds 1,000: benchmarks/bench_burst.py) sets its own cap here, per server.
MAX_PARTICIPANTS_VARIABLE = "IGVIZ_MAX_PARTICIPANTS"
MIN_SECONDS_BETWEEN_SUBMISSIONS = 1.0
# How long a write waits for SQLite's lock before the person is told the database is busy (it was 30 s,
# which, with the store called on the event loop, froze every page for as long).
SQLITE_BUSY_TIMEOUT_S = 5.0
# Join codes are read aloud and typed on phones: no 0/O or 1/I/L to confuse.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
# Where a new round's weights start (0003), and where a participant takes part from.
START_EQUAL, START_PREVIOUS = "equal", "previous"
IN_THE_ROOM, REMOTE = "room", "remote"
ATTENDING = (IN_THE_ROOM, REMOTE)
# A round's state at a moment: before its window opens, taking submissions, or not (closed or run out).
SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"
TIMER_MAX_MINUTES = 7 * 24 * 60


class _Base(DeclarativeBase):
    pass


class _Workshop(_Base):
    __tablename__ = "workshop"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    framework: Mapped[str] = mapped_column(String(80))
    criteria: Mapped[list] = mapped_column(JSON)
    proposals: Mapped[list] = mapped_column(JSON)
    groups: Mapped[list] = mapped_column(JSON)
    rule: Mapped[dict] = mapped_column(JSON)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    # Bumped by every change a facilitator page shows: a page polls this one number.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Moderation (0002): the facilitator can stop new joins, and cap each stakeholder group ({group: cap}).
    joining_open: Mapped[bool] = mapped_column(default=True, server_default=true())
    group_caps: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Pacing (0003): results on the projector live from the first submission (True), or hidden until the
    # facilitator reveals each round's (False, the default: showing them early invites herding).
    results_live: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Designs (0005): reforms composed in the explorer's Design a reform panel, added by the facilitator:
    # [{"id", "spec" (name, base, short_name, options, as links and scenario files save them), "round" (the
    # first round they are in)}]. The store keeps them as data; igviz.workshop.plan checks them against the
    # design model, and every page builds them into the workshop's assessment.
    designs: Mapped[list | None] = mapped_column(JSON, nullable=True)


class _Round(_Base):
    __tablename__ = "workshop_round"
    __table_args__ = (UniqueConstraint("workshop_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(default=True)
    opened_at: Mapped[float] = mapped_column(Float)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Pacing (0003). A window: the round takes submissions from opens_at to closes_at (Unix times; either
    # may be missing). A timer is a closes_at too. The store compares them with its clock whenever it is
    # asked, so every server process agrees on whether the round is open, and nothing has to wake up.
    opens_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closes_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    zone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the zone the facilitator typed the times in
    revealed_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # when the facilitator showed the results
    # The weights every participant starts the round from: 'equal', or 'previous' (the previous round's
    # equal-footing result, in start_weights).
    start_basis: Mapped[str] = mapped_column(String(20), default=START_EQUAL, server_default=START_EQUAL)
    start_weights: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Ratings (0004): what the round asks ("weights", "ratings" or "both") and which cells it asks to
    # rate ({proposal: [criteria]}; None: each participant chooses among all of them).
    asks: Mapped[str] = mapped_column(String(16), default="weights", server_default="weights")
    rated: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class _Participant(_Base):
    __tablename__ = "participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    group: Mapped[str] = mapped_column(String(80))
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_MAX))
    joined_at: Mapped[float] = mapped_column(Float)
    last_submitted_at: Mapped[float] = mapped_column(Float, default=0.0)
    # Removed by the facilitator (0002): their submissions stay in the database and the moderation
    # log, but leave the results and exports; their token no longer works.
    removed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Pacing (0003): where they take part from, as they said when joining: 'room', 'remote' or None (not said).
    attending: Mapped[str | None] = mapped_column(String(10), nullable=True)


class _Submission(_Base):
    """A participant's current weights in one round: revising replaces them, so rows stay bounded."""
    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("round_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("workshop_round.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    weights: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[float] = mapped_column(Float)
    revisions: Mapped[int] = mapped_column(Integer, default=1)
    # Hidden by the facilitator (0002): the comment is left out of results and exports, kept here and in
    # the moderation log. A new comment from the participant is shown again.
    comment_hidden: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Ratings (0004): {proposal: {criterion: 0..10}}; a cell left out is "don't know". In a round that
    # asks for ratings only, `weights` is {}.
    ratings: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class _ModerationEntry(_Base):
    """What a facilitator did to moderate a workshop, with what it took out of the results (0002)."""
    __tablename__ = "moderation_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    at: Mapped[float] = mapped_column(Float)
    action: Mapped[str] = mapped_column(String(40))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), nullable=True)
    round_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict] = mapped_column(JSON)


# What the tables should look like now: Alembic's newest revision must build exactly this (tested),
# so a change here needs a migration in igviz/workshop/migrations/versions/ (python -m igviz.workshop.migrate revision).
metadata = _Base.metadata


@dataclass(frozen=True)
class RoundInfo:
    """A round as it stands at the moment it was read (its state follows from its times and the clock)."""
    number: int
    is_open: bool                       # takes submissions now
    state: str = OPEN                   # SCHEDULED, OPEN or CLOSED
    opens_at: float | None = None       # a window's opening (Unix time), if it has one
    closes_at: float | None = None      # when it closes by itself (a timer or a window), if it does
    zone: str = ""                      # the time zone the facilitator typed the window in
    revealed: bool = False              # the group result may be shown (to the room and to participants)
    start_basis: str = START_EQUAL      # what every participant's weights start from in this round
    start_weights: tuple[tuple[str, float], ...] = ()  # (criterion, weight) when start_basis is 'previous'
    asks: str = "weights"  # "weights", "ratings" or "both"
    rated: tuple[tuple[str, tuple[str, ...]], ...] | None = None  # (proposal, criteria) asked; None: participant chooses

    @property
    def asks_weights(self) -> bool:
        return self.asks in ("weights", "both")

    @property
    def asks_ratings(self) -> bool:
        return self.asks in ("ratings", "both")

    def rated_cells(self, proposals, criteria) -> list[tuple[str, str]]:
        """The (proposal, criterion) cells a participant may rate in this round."""
        if not self.asks_ratings:
            return []
        if self.rated is None:
            return [(p, c) for p in proposals for c in criteria]
        return [(p, c) for p, cs in self.rated for c in cs]


@dataclass(frozen=True)
class WorkshopDesign:
    """A design added to a workshop: its id, its spec (igviz.design.Design.spec(): name, base, short_name,
    options) and the first round it is in (a design added once a round has submissions waits for the next)."""
    id: str
    spec: dict = field(hash=False)
    round: int = 1


@dataclass(frozen=True)
class WorkshopInfo:
    """What anyone holding the join code may know about a workshop."""
    code: str
    title: str
    framework: str
    criteria: tuple[str, ...]
    proposals: tuple[str, ...]
    groups: tuple[str, ...]
    rule: ConsensusRule
    round: RoundInfo | None
    revision: int
    joining_open: bool = True
    group_caps: tuple[tuple[str, int], ...] = ()  # (group, most participants), for capped groups only
    results_live: bool = False  # results shown from the first submission, not only once revealed
    # Every design added, each with the first round it is in; `proposals` holds the current round's ids.
    designs: tuple[WorkshopDesign, ...] = ()

    def _number(self, round_number: int | None) -> int:
        return int(round_number) if round_number is not None else (self.round.number if self.round else 1)

    def designs_in(self, round_number: int | None = None) -> dict[str, dict]:
        """{design id: spec} of the designs in a round (default: the current one), in the order added."""
        number = self._number(round_number)
        return {d.id: d.spec for d in self.designs if d.round <= number}

    def proposals_in(self, round_number: int | None = None) -> tuple[str, ...]:
        """The ids a round ranks: the data's proposals chosen at creation, then the designs in that round."""
        ids = {d.id for d in self.designs}
        return tuple(p for p in self.proposals if p not in ids) + tuple(self.designs_in(round_number))

    @property
    def design_specs(self) -> dict[str, dict]:
        """The current round's designs, {id: spec}: what pages build into the workshop's assessment."""
        return self.designs_in()

    @property
    def accepting(self) -> bool:
        return self.round is not None and self.round.is_open

    def round_status(self) -> Message:
        """What a participant is told about the current round (a Message: pages translate it)."""
        if self.round is None:
            return Message("The facilitator has not opened a round yet.")
        if self.round.state == SCHEDULED:
            return Message("Round {number} opens later (the time is shown below): you can set your weights now and "
                           "submit once it opens.", number=self.round.number)
        if self.round.is_open:
            return Message("Round {number} is open: submit your weights, and revise them as often as you like until "
                           "it closes.", number=self.round.number)
        return Message("Round {number} is closed: the facilitator is not taking submissions now.",
                       number=self.round.number)


@dataclass(frozen=True)
class ParticipantInfo:
    """A participant's view of themselves: never anyone else's weights."""
    workshop: WorkshopInfo
    group: str
    pseudonym: str
    weights: dict | None = None   # their submission in the current round, if any
    comment: str = ""
    submitted_at: float | None = None
    ratings: dict | None = None   # {proposal: {criterion: rating}} in the current round; a cell left out: don't know


@dataclass
class Created:
    workshop: WorkshopInfo
    secret: str = field(repr=False)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def organiser_key() -> str:
    """The key that creating a workshop on this server needs ('' when anyone may)."""
    return os.environ.get(ORGANISER_KEY_VARIABLE, "")


def max_participants() -> int:
    """The most participants a workshop takes on this server: IGVIZ_MAX_PARTICIPANTS, else MAX_PARTICIPANTS."""
    text = os.environ.get(MAX_PARTICIPANTS_VARIABLE, "").strip()
    if not text:
        return MAX_PARTICIPANTS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{MAX_PARTICIPANTS_VARIABLE} must be a whole number of at least 1, got {text!r}")
    return value


def database_url(url: str | None = None) -> str:
    return url or os.environ.get(DATABASE_URL_VARIABLE) or f"sqlite:///{Path(DEFAULT_DATABASE).resolve()}"


# Messages per free-text field (whole sentences, so that each translates as one).
_EMPTY = {"title": N_("The workshop title is empty: please type one"),
          "pseudonym": N_("Your pseudonym is empty: please type one")}
_TOO_LONG = {"title": N_("The workshop title is {length} characters long; at most {limit} are allowed"),
             "pseudonym": N_("Your pseudonym is {length} characters long; at most {limit} are allowed"),
             "comment": N_("The comment is {length} characters long; at most {limit} are allowed")}


def clean_text(value, field: str, limit: int, required: bool = False) -> str:
    """Free text as typed, bounded: stored and shown as text, never interpreted."""
    value = "" if value is None else str(value)
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise WorkshopError(_EMPTY[field])
    if len(value) > limit:
        raise WorkshopError(_TOO_LONG[field], length=len(value), limit=limit)
    return value


def check_weights(criteria, weights: dict) -> dict:
    """The weights as numbers, one for each of exactly these criteria, each from 0 to WEIGHT_MAX, not all zero.

    Used by the store (the security boundary) and by the participation flow, which checks what
    a participant typed before anything is sent.
    """
    criteria = list(criteria)
    if not isinstance(weights, dict) or not weights:
        raise WorkshopError("No weights were sent")
    unknown = sorted(set(map(str, weights)) - set(criteria))
    missing = sorted(set(criteria) - set(map(str, weights)))
    if unknown or missing:
        raise WorkshopError("The weights must name exactly this workshop's criteria ({criteria}); unknown: "
                            "{unknown}; missing: {missing}", criteria=", ".join(criteria),
                            unknown=", ".join(unknown) or "-", missing=", ".join(missing) or "-")
    values = {}
    for criterion, value in weights.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise WorkshopError("The weight of '{criterion}' must be a number from 0 to {maximum}, got {value}",
                                criterion=criterion, maximum=WEIGHT_MAX, value=repr(value)[:40]) from None
        if not math.isfinite(number) or not 0 <= number <= WEIGHT_MAX:
            raise WorkshopError("The weight of '{criterion}' must be a number from 0 to {maximum}, got {value}",
                                criterion=criterion, maximum=WEIGHT_MAX, value=repr(value)[:40])
        values[str(criterion)] = number
    if sum(values.values()) <= 0:
        raise WorkshopError("All weights are zero: give at least one criterion some weight")
    return values


ASKS = ("weights", "ratings", "both")


def check_ratings(proposals, criteria, ratings, rated=None) -> dict:
    """Ratings as {proposal: {criterion: number}}, each from 0 to 10, for this workshop's proposals and
    criteria and, if the round names the cells it asks about (`rated`: {proposal: [criteria]}), only those.

    Any subset may be given: a cell left out, or given as None, is "don't know" and is not stored.
    Used by the store (the security boundary) and by the participation flow.
    """
    if ratings is None:
        return {}
    if not isinstance(ratings, dict):
        raise WorkshopError("Ratings must be given per proposal, then per criterion (proposal → criterion → rating)")
    proposals, criteria = list(proposals), list(criteria)
    values: dict[str, dict[str, float]] = {}
    for proposal, row in ratings.items():
        proposal = str(proposal)
        if proposal not in proposals:
            raise WorkshopError("'{proposal}' is not a proposal of this workshop (choose one of: {proposals})",
                                proposal=proposal[:80], proposals=", ".join(proposals))
        if row is None:
            continue
        if not isinstance(row, dict):
            raise WorkshopError("Ratings must be given per proposal, then per criterion (proposal → criterion → rating)")
        for criterion, value in row.items():
            criterion = str(criterion)
            if criterion not in criteria:
                raise WorkshopError("'{criterion}' is not a criterion of this workshop (choose one of: {criteria})",
                                    criterion=criterion[:80], criteria=", ".join(criteria))
            if value is None:
                continue  # "don't know"
            if rated is not None and criterion not in (rated.get(proposal) or ()):
                raise WorkshopError("This round does not ask for a rating of '{proposal}' on '{criterion}'",
                                    proposal=proposal, criterion=criterion)
            try:
                number = float(value) if not isinstance(value, (bool, str)) else float("nan")
            except (TypeError, ValueError):
                number = float("nan")
            if not math.isfinite(number) or not RATING_MIN <= number <= RATING_MAX:
                raise WorkshopError("The rating of '{proposal}' on '{criterion}' must be a number from {minimum} to "
                                    "{maximum} (or left out for \"don't know\"), got {value}", proposal=proposal,
                                    criterion=criterion, minimum=RATING_MIN, maximum=RATING_MAX, value=repr(value)[:40])
            values.setdefault(proposal, {})[criterion] = number
    return values


def check_rated(proposals, criteria, rated) -> dict | None:
    """What a round asks to rate, as {proposal: [criteria]} in the workshop's order (None: participant chooses)."""
    if rated is None:
        return None
    pairs = rated.items() if isinstance(rated, dict) else rated
    cells: dict[str, set] = {}
    try:
        for proposal, cs in pairs:
            cells.setdefault(str(proposal), set()).update(map(str, [cs] if isinstance(cs, str) else cs))
    except (TypeError, ValueError):
        raise WorkshopError("The cells to rate must be given as proposal → criteria") from None
    for proposal, cs in cells.items():
        if proposal not in proposals:
            raise WorkshopError("'{proposal}' is not a proposal of this workshop (choose one of: {proposals})",
                                proposal=proposal[:80], proposals=", ".join(proposals))
        for criterion in cs:
            if criterion not in criteria:
                raise WorkshopError("'{criterion}' is not a criterion of this workshop (choose one of: {criteria})",
                                    criterion=criterion[:80], criteria=", ".join(criteria))
    if not any(cells.values()):
        raise WorkshopError("A ratings round needs at least one proposal and criterion to rate")
    return {p: [c for c in criteria if c in cells[p]] for p in proposals if cells.get(p)}


DESIGNS_MAX = 20  # designs per workshop: a phone lists every proposal
_DESIGN_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


def check_design_specs(designs, taken=()) -> dict[str, dict]:
    """Designs as {id: spec}, their shape checked (the data checks them in igviz.workshop.plan): an id of
    letters, digits and _, not one of `taken` (the workshop's proposals); a spec with a name and options."""
    if not isinstance(designs, dict):
        raise WorkshopError("Designs must be given as design id → design (name and options)")
    out: dict[str, dict] = {}
    for did, spec in designs.items():
        did = str(did)
        if not _DESIGN_ID.match(did):
            raise WorkshopError("'{design}' is not a design id: use letters, digits and _, starting with a letter",
                                design=did[:80])
        if did in taken:
            raise WorkshopError("The workshop already has a proposal or design '{design}': give the design another "
                                "name", design=did)
        if not isinstance(spec, dict) or not isinstance(spec.get("options", {}), dict):
            raise WorkshopError("The design '{design}' must have a name and options", design=did)
        # Names are the analyst's text, shown as text: kept bounded (cut, not refused: the explorer allows 80).
        bounded = lambda value: str(value).replace("\x00", "").strip()[:TITLE_MAX]  # noqa: E731
        kept = {"name": bounded(spec.get("name") or did) or did,
                "options": {str(k): (list(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
                            for k, v in (spec.get("options") or {}).items()}}
        for key in ("base", "short_name"):
            if spec.get(key):
                kept[key] = bounded(spec[key])
        out[did] = kept
    return out


def clean_zone(zone) -> str:
    """An IANA time zone name ('Europe/Paris'), checked; '' for none."""
    zone = str(zone or "").strip()
    if not zone:
        return ""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkshopError("'{zone}' is not a time zone: use a name such as Europe/Paris or America/New_York",
                            zone=zone[:64]) from None
    return zone[:64]


def local_time(value: str, zone: str) -> float | None:
    """A date and time as the facilitator typed it ('2026-11-30 14:00', or an ISO form with 'T'), read in their
    time zone (an IANA name; '' for UTC) → Unix time; None for an empty value."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    value = str(value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise WorkshopError("'{value}' is not a date and time: write it as 2026-11-30 14:00", value=value[:40]) from None
    if moment.tzinfo is None:
        zone = clean_zone(zone)
        moment = moment.replace(tzinfo=ZoneInfo(zone) if zone else timezone.utc)
    return moment.timestamp()


def participant_number(value) -> int:
    """A participant as the results show them ('P007', 'p7', '7' or 7) → 7."""
    text = str(value).strip().upper().removeprefix("P")
    if not text.isdigit() or int(text) < 1:
        raise WorkshopError("'{value}' is not a participant number such as P007", value=str(value)[:20])
    return int(text)


def parse_participants(text: str) -> list[int]:
    """'P003, P010-P012' → [3, 10, 11, 12]: numbers as the results show them, with ranges."""
    numbers: list[int] = []
    for part in str(text or "").replace(";", ",").replace(" ", ",").split(","):
        part = part.strip().replace("–", "-")
        if not part:
            continue
        first, dash, last = part.partition("-")
        if dash:
            start, end = participant_number(first), participant_number(last)
            if end < start or end - start > MAX_PARTICIPANTS * 10:
                raise WorkshopError("'{value}' is not a range of participant numbers such as P010-P020",
                                    value=part[:40])
            numbers.extend(range(start, end + 1))
        else:
            numbers.append(participant_number(first))
    return list(dict.fromkeys(numbers))


@translate_database_errors  # a database down, locked or full raises DatabaseUnavailable, which pages show
class WorkshopStore:
    """Create and run workshops; every method is one short transaction, safe from many threads.

    `_writing` sessions change the database, `_session` ones only read it.
    """

    def __init__(self, url: str | None = None, *, min_seconds_between_submissions: float = MIN_SECONDS_BETWEEN_SUBMISSIONS,
                 max_participants: int = MAX_PARTICIPANTS, organiser_key: str = "", clock=time.time):
        self.url = database_url(url)
        # What time it is (Unix seconds): round timers and windows are decided by it. Tests pass their own.
        self.clock = clock
        # Without a key anyone who reaches the facilitator page can create workshops, which is
        # fine on a laptop in the room; a server on the open Internet should set one.
        self.organiser_key = organiser_key
        self.min_seconds_between_submissions = min_seconds_between_submissions
        self.max_participants = max_participants
        sqlite = self.url.startswith("sqlite")
        options = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}} if sqlite else \
            {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10,
             "connect_args": {"connect_timeout": 5}}  # an unreachable server is said in seconds, not minutes
        try:
            self.engine = create_engine(self.url, **options)
        except ModuleNotFoundError as exc:
            raise WorkshopError("The database driver for {database} is not installed ({module}); for PostgreSQL: "
                                "pip install 'igviz[postgres]'", database=self.url.split(":")[0], module=exc.name) from exc
        if sqlite:
            self._serialise_sqlite_writes()
        # Imported here, not at the top, so that `python -m igviz.workshop.migrate` runs without runpy's warning.
        from . import migrate
        try:
            # Creates the tables, or brings an older database up to date, or refuses one this igviz cannot read.
            self.schema_version = migrate.upgrade(self.engine.execution_options(write=True))
        except BaseException:
            self.engine.dispose()
            raise
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._writing = sessionmaker(self.engine.execution_options(write=True), expire_on_commit=False)

    def _serialise_sqlite_writes(self) -> None:
        # SQLite's default deferred transactions fail with "database is locked" when two
        # readers both try to upgrade to writing; taking the write lock up front makes
        # concurrent submissions queue (up to SQLITE_BUSY_TIMEOUT_S) instead.
        @event.listens_for(self.engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA foreign_keys=ON")
            # In WAL mode NORMAL syncs the log at checkpoints, not at every commit: a commit
            # survives the server process being killed (tested), and only a power cut or an
            # operating-system crash could lose the last few. It takes a stored submission from about
            # 5 ms to about 2.5, which counts when a room of a hundred submits in the same second.
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        # Writers of this process also queue on a lock of its own, taken before SQLite's: a thread waiting in
        # SQLite's busy handler polls (sleeping up to 100 ms between tries) and kept losing the lock to newer
        # arrivals, so in a burst of 1,000 submissions one waited past the busy timeout and was told the
        # database was busy (benchmarks/bench_burst.py); a waiter on this lock is woken as soon as it is free.
        writers = threading.Lock()

        def _release(info) -> None:
            if info.pop("igviz_writer", False):
                writers.release()

        @event.listens_for(self.engine, "begin")
        def _begin(connection):
            # Reads stay deferred: in WAL mode they never block a writer, nor wait for one.
            if not connection.get_execution_options().get("write"):
                connection.exec_driver_sql("BEGIN")
                return
            # Past the busy timeout, on without it: SQLite's own timeout then says the database is busy.
            if writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
                connection.info["igviz_writer"] = True
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(connection.info)
                raise

        @event.listens_for(self.engine, "commit")
        def _committing(connection):
            _release(connection.info)

        @event.listens_for(self.engine, "rollback")
        def _rolling_back(connection):
            _release(connection.info)

        @event.listens_for(self.engine, "checkin")
        def _returned(_dbapi_connection, record):  # a connection dropped mid-transaction, say
            _release(record.info)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- facilitators ----------------------------------------------------------------------

    def create_workshop(self, title: str, framework: str, criteria, proposals, groups,
                        rule: ConsensusRule | None = None, organiser_key: str = "", designs: dict | None = None) -> Created:
        """A new workshop with round 1 open; returns its info and the facilitator secret (shown once).

        The caller checks the ids against the data (`igviz.workshop.plan`); the store keeps
        them so that submissions can be checked without loading the data. If the store has an
        organiser key, `organiser_key` must match it. `designs`: {id: spec} of designs ranked
        beside the proposals from round 1 (igviz.design.Design.spec()).
        """
        if self.organiser_key and not hmac.compare_digest(str(organiser_key).encode(), self.organiser_key.encode()):
            raise AccessDenied("The organiser key is not right: ask whoever runs this igviz server for it")
        title = clean_text(title, "title", TITLE_MAX, required=True)
        criteria, proposals, groups = ([str(x) for x in xs] for xs in (criteria, proposals, groups))
        if not criteria:
            raise WorkshopError("A workshop needs at least one criterion")
        designs = check_design_specs(designs or {}, taken=proposals)
        if len(designs) > DESIGNS_MAX:
            raise WorkshopError("A workshop takes at most {limit} designs", limit=DESIGNS_MAX)
        if len(proposals) + len(designs) < 2:
            raise WorkshopError("A workshop needs at least two proposals to rank")
        if not groups:
            raise WorkshopError("A workshop needs at least one stakeholder group")
        secret = secrets.token_urlsafe(18)
        now = time.time()
        for _attempt in range(10):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self._writing.begin() as s:
                    w = _Workshop(code=code, title=title, framework=framework, criteria=criteria, proposals=proposals, groups=groups,
                                  rule=(rule or ConsensusRule()).to_dict(), secret_hash=_hash(secret),
                                  created_at=now, revision=1,
                                  designs=[{"id": d, "spec": spec, "round": 1} for d, spec in designs.items()] or None)
                    s.add(w)
                    s.flush()
                    s.add(_Round(workshop_id=w.id, number=1, is_open=True, opened_at=now))
                return Created(self.workshop(code), secret)
            except IntegrityError:
                continue  # the code was taken: draw another
        raise WorkshopError("Could not find a free join code; try again")

    def _facilitated(self, s: Session, code: str, secret: str) -> _Workshop:
        w = self._find(s, code)
        if not secret or not hmac.compare_digest(w.secret_hash, _hash(str(secret))):
            raise AccessDenied("That facilitator key is not right for this workshop: use the facilitator link "
                               "you were given when the workshop was created")
        return w

    def add_designs(self, code: str, secret: str, designs: dict) -> int:
        """Add designs ({id: spec}, checked against the data by igviz.workshop.plan.add_designs) to the
        workshop; returns the round they are first in: the current round while it has no submissions and is
        not closed, else the next one (a round's proposals do not change under those who have submitted)."""
        with self._writing.begin() as s:
            self._facilitated(s, code, secret)
            w = self._find(s, code, for_update=True)  # two additions at once both keep theirs
            existing = list(w.designs or [])
            designs = check_design_specs(designs, taken=[*w.proposals, *(d["id"] for d in existing)])
            if not designs:
                raise WorkshopError("No designs were given: paste a link or choose a scenario file with designs")
            if len(existing) + len(designs) > DESIGNS_MAX:
                raise WorkshopError("A workshop takes at most {limit} designs", limit=DESIGNS_MAX)
            current = self._current_round(s, w)
            number = 1
            if current is not None:
                submitted = s.scalar(select(func.count()).select_from(_Submission)
                                     .where(_Submission.round_id == current.id))
                closed = self._state(current, self.clock()) == CLOSED
                number = current.number + 1 if submitted or closed else current.number
            # A new list, not an in-place change: SQLAlchemy sees a JSON column change only on assignment.
            w.designs = existing + [{"id": d, "spec": spec, "round": number} for d, spec in designs.items()]
            w.revision += 1
            return number

    def check_secret(self, code: str, secret: str) -> WorkshopInfo:
        with self._session() as s:
            self._facilitated(s, code, secret)
        return self.workshop(code)

    def open_round(self, code: str, secret: str, asks: str = "weights", rated=None, *, start: str = START_EQUAL,
                   start_weights: dict | None = None, minutes: float | None = None, opens_at: float | None = None,
                   closes_at: float | None = None, zone: str = "") -> int:
        """Start the next round once the current one is closed; returns its number.

        asks: "weights" (as before), "ratings" or "both". rated: the cells a ratings round asks
        about, {proposal: [criteria]} (or (proposal, criterion) pairs); None lets each participant choose.
        Every participant starts it from the same weights: equal ones (`start='equal'`), or
        `start_weights` (`start='previous'`: the previous round's equal-footing result, which the
        caller computes). It may close itself after `minutes`, or have a window from `opens_at` to
        `closes_at` (Unix times; `zone` is the time zone they were typed in, kept to show them).
        """
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            current = self._current_round(s, w)
            asks, rated = self._check_asks(w, asks, rated, (current.number if current else 0) + 1)
            now = self.clock()
            if current is not None and self._state(current, now) != CLOSED:
                raise WorkshopError("Round {number} is still open: close it before starting the next one",
                                    number=current.number)
            if current is not None and current.is_open:  # run out by its timer or window: closed for good now
                current.is_open, current.closed_at = False, current.closes_at or now
            if start not in (START_EQUAL, START_PREVIOUS):
                raise WorkshopError("A round starts from 'equal' weights or the 'previous' round's result, not {value}",
                                    value=repr(start)[:40])
            values = None
            if start == START_PREVIOUS:
                values = check_weights(w.criteria, start_weights or {})
            opens_at, closes_at = self._times(now, minutes, opens_at, closes_at)
            number = (current.number if current else 0) + 1
            s.add(_Round(workshop_id=w.id, number=number, is_open=True, opened_at=now, opens_at=opens_at,
                         closes_at=closes_at, zone=clean_zone(zone), start_basis=start, start_weights=values,
                         asks=asks, rated=rated))
            w.revision += 1
            return number

    def set_round_asks(self, code: str, secret: str, asks: str = "weights", rated=None) -> None:
        """Change what the current round asks (see `open_round`); submissions already made stay as they are."""
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            current = self._current_round(s, w)
            if current is None:
                raise WorkshopError("This workshop has no round yet")
            asks, rated = self._check_asks(w, asks, rated, current.number)
            current.asks, current.rated = asks, rated
            w.revision += 1

    @staticmethod
    def _check_asks(w: _Workshop, asks: str, rated, number: int | None = None) -> tuple[str, dict | None]:
        if asks not in ASKS:
            raise WorkshopError("A round asks for weights, ratings or both, not {value}", value=repr(asks)[:40])
        return asks, (check_rated(_proposals(w, number), w.criteria, rated) if asks != "weights" else None)

    @staticmethod
    def _times(now: float, minutes, opens_at, closes_at) -> tuple[float | None, float | None]:
        """A timer (minutes from now) or a window (two Unix times), checked."""
        if minutes not in (None, "", 0):
            try:
                minutes = float(minutes)
            except (TypeError, ValueError):
                minutes = -1.0
            if not (math.isfinite(minutes) and 0 < minutes <= TIMER_MAX_MINUTES):
                raise WorkshopError("A round timer is a number of minutes from 1 to {limit}", limit=TIMER_MAX_MINUTES)
            if opens_at is not None or closes_at is not None:
                raise WorkshopError("Give a round either a timer or a window, not both")
            return None, now + minutes * 60
        for value in (opens_at, closes_at):
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise WorkshopError("A round's opening and closing must be times")
        if opens_at is not None and closes_at is not None and closes_at <= opens_at:
            raise WorkshopError("The round would close before it opens: the closing time must come after the opening time")
        if closes_at is not None and closes_at <= now:
            raise WorkshopError("The closing time has already passed: choose a time in the future")
        return (None if opens_at is not None and opens_at <= now else opens_at), closes_at

    def close_round(self, code: str, secret: str) -> None:
        self._set_round_open(code, secret, False)

    def reopen_round(self, code: str, secret: str) -> None:
        """Open the current round again, now and with no timer (whatever its window said)."""
        self._set_round_open(code, secret, True)

    def _set_round_open(self, code: str, secret: str, is_open: bool) -> None:
        with self._writing.begin() as s:
            w, current = self._facilitated_round(s, code, secret)
            now = self.clock()
            if is_open:
                current.opens_at = current.closes_at = None
            current.is_open = is_open
            # A round that had already run out closed then, not now.
            current.closed_at = None if is_open else min(now, current.closes_at or now)
            w.revision += 1

    def set_round_times(self, code: str, secret: str, *, minutes: float | None = None, opens_at: float | None = None,
                        closes_at: float | None = None, zone: str = "") -> None:
        """Give the current round a timer (minutes from now) or a window, or neither (all None: no end)."""
        with self._writing.begin() as s:
            w, current = self._facilitated_round(s, code, secret)
            now = self.clock()
            current.opens_at, current.closes_at = self._times(now, minutes, opens_at, closes_at)
            current.zone = clean_zone(zone)
            current.is_open, current.closed_at = True, None
            w.revision += 1

    def reveal_results(self, code: str, secret: str, revealed: bool = True, round_number: int | None = None) -> None:
        """Show a round's group result (default: the current round's) on the projector and participants' pages, or
        hide it again."""
        with self._writing.begin() as s:
            w, rnd = self._facilitated_round(s, code, secret, round_number)
            rnd.revealed_at = self.clock() if revealed else None
            w.revision += 1

    def set_results_live(self, code: str, secret: str, live: bool) -> None:
        """The workshop's setting: results shown from the first submission (True) or only once revealed (False)."""
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            w.results_live = bool(live)
            w.revision += 1

    def revealed_submissions(self, token: str) -> tuple[int, pd.DataFrame] | None:
        """For a participant: the current round's submissions, anonymised and without comments, once its
        result is revealed (None before), so their page can show the group result. (round number, table)"""
        with self._session() as s:
            p = self._participant(s, token)
            w = s.get(_Workshop, p.workshop_id)
            rnd = self._current_round(s, w)
            if rnd is None or not (w.results_live or rnd.revealed_at is not None):
                return None
            rows = s.execute(select(_Participant.group, _Submission.weights)
                             .join(_Submission, _Submission.participant_id == _Participant.id)
                             .where(_Submission.round_id == rnd.id, _Participant.removed_at.is_(None))
                             .order_by(_Participant.id)).all()
            number = rnd.number
        records = [{"participant": f"P{i + 1:03d}", "group": r.group, "comment": "",
                    **{f"weight.{c}": float(v) for c, v in r.weights.items()}} for i, r in enumerate(rows)]
        return number, pd.DataFrame(records, columns=None if records else ["participant", "group", "comment"])

    def attendance(self, code: str, secret: str, round_number: int | None = None) -> dict[str, int]:
        """How many submitted in the round (default: the current one) from the room, remotely, or did not say."""
        with self._session() as s:
            w = self._facilitated(s, code, secret)
            rnd = self._round(s, w, round_number)
            counts = {IN_THE_ROOM: 0, REMOTE: 0, "unsaid": 0}
            if rnd is None:
                return counts
            for attending, n in s.execute(
                    select(_Participant.attending, func.count())
                    .join(_Submission, _Submission.participant_id == _Participant.id)
                    .where(_Submission.round_id == rnd.id, _Participant.removed_at.is_(None))
                    .group_by(_Participant.attending)).all():
                counts[attending if attending in ATTENDING else "unsaid"] += n
            return counts

    def set_rule(self, code: str, secret: str, rule: ConsensusRule) -> None:
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            w.rule = rule.to_dict()
            w.revision += 1

    def submissions(self, code: str, secret: str, round_number: int | None = None,
                    moderated: bool = False) -> pd.DataFrame:
        """One row per participant who submitted in the round (default: the current one), anonymised.

        Participants are numbered by when they joined (P001, ...); pseudonyms are left out, so
        nothing on a projector or in an export names anyone. Numbers never change: a removed
        participant keeps theirs.

        As shown (the default): removed participants are left out and hidden comments are empty.
        With `moderated=True` (for the audit): every row, the comment as written, and the columns
        `removed` and `comment_hidden`.
        """
        with self._session() as s:
            w = self._facilitated(s, code, secret)
            rnd = self._round(s, w, round_number)
            query = (select(_Participant.id, _Participant.group, _Participant.removed_at, _Submission.weights,
                            _Submission.comment, _Submission.comment_hidden, _Submission.submitted_at,
                            _Submission.revisions, _Submission.ratings)
                     .join(_Submission, _Submission.participant_id == _Participant.id)
                     .where(_Submission.round_id == rnd.id).order_by(_Participant.id)) if rnd else None
            if query is not None and not moderated:
                query = query.where(_Participant.removed_at.is_(None))
            rows = s.execute(query).all() if rnd else []
            numbers = self._numbers(s, w)
        columns = ["participant", "group", "comment", "submitted_at", "revisions"]
        if moderated:
            columns += ["removed", "comment_hidden"]
        records = [{"participant": f"P{numbers[r.id]:03d}", "group": r.group,
                    "comment": r.comment if moderated or not r.comment_hidden else "",
                    "submitted_at": pd.Timestamp(r.submitted_at, unit="s", tz="UTC"), "revisions": r.revisions,
                    **({"removed": r.removed_at is not None, "comment_hidden": bool(r.comment_hidden)} if moderated else {}),
                    **{f"weight.{c}": float(v) for c, v in r.weights.items()},
                    **{f"rating.{p}.{c}": float(v) for p, cs in (r.ratings or {}).items() for c, v in cs.items()}}
                   for r in rows]
        frame = pd.DataFrame(records, columns=None if records else columns)
        # Rating columns in the workshop's order (proposal, then criterion), whoever rated first;
        # a participant's missing cell is NaN: "don't know".
        order = {f"rating.{p}.{c}": i for i, (p, c) in enumerate((p, c) for p in _proposals(w) for c in w.criteria)}
        rated = sorted((c for c in frame.columns if c in order), key=order.get)
        return frame[[c for c in frame.columns if c not in order] + rated]

    # -- moderation ------------------------------------------------------------------------------

    def set_joining(self, code: str, secret: str, is_open: bool) -> None:
        """Let new participants join (True) or not (False); those already in carry on."""
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            if bool(w.joining_open) != bool(is_open):
                w.joining_open = bool(is_open)
                self._log(s, w, "open joining" if is_open else "lock joining", detail={})
                w.revision += 1

    def set_group_caps(self, code: str, secret: str, caps: dict) -> None:
        """The most participants each stakeholder group may have ({group: n}; None or 0 for no cap).

        Participants already in stay even when a group is over its new cap; nobody new joins it.
        """
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            cleaned = {}
            for group, cap in dict(caps or {}).items():
                if group not in w.groups:
                    raise WorkshopError("'{group}' is not a stakeholder group of this workshop (choose one of: {groups})",
                                        group=str(group)[:80], groups=", ".join(w.groups))
                if cap in (None, "", 0):
                    continue
                try:
                    number = int(cap)
                except (TypeError, ValueError):
                    number = -1
                if number < 1 or number != float(cap):
                    raise WorkshopError("The cap of a stakeholder group must be a whole number of at least 1 (or "
                                        "empty for none), got {value}", value=repr(cap)[:40])
                cleaned[group] = number
            w.group_caps = cleaned or None
            self._log(s, w, "cap groups", detail={"caps": cleaned})
            w.revision += 1

    def remove_participants(self, code: str, secret: str, participants, reason: str = "") -> list[str]:
        """Take participants (by number, e.g. ['P007'] or [7]) out of the workshop; returns those removed now.

        Their submissions leave the results and exports of every round but stay in the database,
        and each removal is logged with the submissions it took out; their link stops working.
        """
        wanted = [participant_number(p) for p in participants]
        reason = clean_text(reason, "comment", COMMENT_MAX)
        removed = []
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            numbers = self._numbers(s, w)
            by_number = {n: pid for pid, n in numbers.items()}
            unknown = [n for n in wanted if n not in by_number]
            if unknown:
                raise WorkshopError("This workshop has no participant {participant} (it has P001 to P{last:03d})",
                                    participant=f"P{unknown[0]:03d}", last=len(numbers))
            now = time.time()
            for n in wanted:
                p = s.get(_Participant, by_number[n])
                if p.removed_at is not None:
                    continue
                p.removed_at = now
                kept = [{"round": number, "weights": sub.weights, "ratings": sub.ratings, "comment": sub.comment,
                         "submitted_at": sub.submitted_at, "revisions": sub.revisions}
                        for sub, number in s.execute(
                            select(_Submission, _Round.number).join(_Round, _Submission.round_id == _Round.id)
                            .where(_Submission.participant_id == p.id).order_by(_Round.number)).all()]
                self._log(s, w, "remove participant", participant=p, now=now,
                          detail={"participant": f"P{n:03d}", "group": p.group, "reason": reason, "submissions": kept})
                removed.append(f"P{n:03d}")
            if removed:
                w.revision += 1
        return removed

    def hide_comment(self, code: str, secret: str, participant, round_number: int | None = None) -> None:
        """Hide a participant's comment in a round (default: the current one) from results and exports."""
        number = participant_number(participant)
        with self._writing.begin() as s:
            w = self._facilitated(s, code, secret)
            rnd = self._round(s, w, round_number)
            by_number = {n: pid for pid, n in self._numbers(s, w).items()}
            sub = s.scalar(select(_Submission).where(_Submission.round_id == rnd.id,
                                                     _Submission.participant_id == by_number.get(number))) if rnd else None
            if sub is None or not sub.comment:
                raise WorkshopError("Participant {participant} has no comment in this round",
                                    participant=f"P{number:03d}")
            if not sub.comment_hidden:
                sub.comment_hidden = True
                self._log(s, w, "hide comment", participant=s.get(_Participant, sub.participant_id),
                          round_number=rnd.number, detail={"participant": f"P{number:03d}", "comment": sub.comment})
                w.revision += 1

    def moderation_log(self, code: str, secret: str) -> pd.DataFrame:
        """Every moderation step of the workshop, oldest first: when, what, whom, and what it took out."""
        with self._session() as s:
            w = self._facilitated(s, code, secret)
            entries = s.scalars(select(_ModerationEntry).where(_ModerationEntry.workshop_id == w.id)
                                .order_by(_ModerationEntry.id)).all()
            numbers = self._numbers(s, w)
        return pd.DataFrame([{"at": pd.Timestamp(e.at, unit="s", tz="UTC"), "action": e.action,
                              "participant": f"P{numbers[e.participant_id]:03d}" if e.participant_id else "",
                              "round": e.round_number, "detail": e.detail} for e in entries],
                            columns=["at", "action", "participant", "round", "detail"])

    def participants(self, code: str, secret: str) -> pd.DataFrame:
        """Who has joined, anonymised: number, stakeholder group, when, whether removed (for moderation)."""
        with self._session() as s:
            w = self._facilitated(s, code, secret)
            rows = s.execute(select(_Participant.id, _Participant.group, _Participant.joined_at, _Participant.removed_at)
                             .where(_Participant.workshop_id == w.id).order_by(_Participant.id)).all()
        return pd.DataFrame([{"participant": f"P{i + 1:03d}", "group": r.group,
                              "joined_at": pd.Timestamp(r.joined_at, unit="s", tz="UTC"),
                              "removed": r.removed_at is not None} for i, r in enumerate(rows)],
                            columns=["participant", "group", "joined_at", "removed"])

    @staticmethod
    def _log(s: Session, w: _Workshop, action: str, detail: dict, participant: _Participant | None = None,
             round_number: int | None = None, now: float | None = None) -> None:
        s.add(_ModerationEntry(workshop_id=w.id, at=now or time.time(), action=action,
                               participant_id=participant.id if participant else None, round_number=round_number,
                               detail=detail))

    @staticmethod
    def _numbers(s: Session, w: _Workshop) -> dict[int, int]:
        """participant id → their number (P001 is 1), by when they joined, removed participants included."""
        return {pid: i + 1 for i, pid in enumerate(s.scalars(
            select(_Participant.id).where(_Participant.workshop_id == w.id).order_by(_Participant.id)))}

    def rounds(self, code: str) -> list[RoundInfo]:
        with self._session() as s:
            w = self._find(s, code)
            now = self.clock()
            return [self._round_info(w, r, now) for r in s.scalars(
                select(_Round).where(_Round.workshop_id == w.id).order_by(_Round.number))]

    # -- anyone with the code ------------------------------------------------------------------

    def workshop(self, code: str) -> WorkshopInfo:
        with self._session() as s:
            w = self._find(s, code)
            return self._info(s, w)

    def revision(self, code: str) -> int:
        """A number that changes whenever submissions or rounds do: cheap enough to poll every second."""
        with self._session() as s:
            value = s.scalar(select(_Workshop.revision).where(_Workshop.code == self._normal_code(code)))
        if value is None:
            raise WorkshopError("There is no workshop with the code '{code}': check the code you were given",
                                code=str(code)[:16])
        return value

    # -- participants ---------------------------------------------------------------------------

    def join(self, code: str, group: str, pseudonym: str, attending: str | None = None) -> str:
        """Register a participant in a stakeholder group; returns their private token.

        `attending`: where they take part from, as they said ('room' or 'remote'; None if they did not say).
        """
        pseudonym = clean_text(pseudonym, "pseudonym", PSEUDONYM_MAX, required=True)
        attending = attending or None
        if attending is not None and attending not in ATTENDING:
            raise WorkshopError("Say whether you take part in the room or remotely")
        token = secrets.token_urlsafe(18)
        with self._writing.begin() as s:
            # The workshop's row is locked until this join commits (PostgreSQL: SELECT ... FOR UPDATE;
            # SQLite: BEGIN IMMEDIATE already serialises writers), so two joins cannot both count 499
            # and both get in: the caps hold however many join at once.
            w = self._find(s, code, for_update=True)
            if group not in w.groups:
                raise WorkshopError("'{group}' is not a stakeholder group of this workshop (choose one of: {groups})",
                                    group=str(group)[:80], groups=", ".join(w.groups))
            if not w.joining_open:
                raise WorkshopError("The facilitator has closed this workshop to new participants")
            present = (_Participant.workshop_id == w.id) & _Participant.removed_at.is_(None)
            count = s.scalar(select(func.count()).select_from(_Participant).where(present))
            if count >= self.max_participants:
                raise WorkshopError("This workshop is full ({count} participants)", count=self.max_participants)
            cap = (w.group_caps or {}).get(group)
            if cap is not None and s.scalar(select(func.count()).select_from(_Participant)
                                            .where(present & (_Participant.group == group))) >= cap:
                raise WorkshopError("The stakeholder group '{group}' is full ({count} participants): the facilitator "
                                    "set this cap so that no group crowds out the others", group=group, count=cap)
            s.add(_Participant(workshop_id=w.id, token_hash=_hash(token), group=group, pseudonym=pseudonym,
                               joined_at=self.clock(), last_submitted_at=0.0, attending=attending))
        return token

    def participant(self, token: str) -> ParticipantInfo:
        with self._session() as s:
            p = self._participant(s, token)
            w = s.get(_Workshop, p.workshop_id)
            info = self._info(s, w)
            current = self._current_round(s, w)
            sub = s.scalar(select(_Submission).where(_Submission.round_id == current.id,
                                                     _Submission.participant_id == p.id)) if current else None
            return ParticipantInfo(info, p.group, p.pseudonym, (dict(sub.weights) or None) if sub else None,
                                   sub.comment if sub else "", sub.submitted_at if sub else None,
                                   {k: dict(v) for k, v in sub.ratings.items()} if sub and sub.ratings else None)

    def submit(self, token: str, weights: dict | None, comment: str = "", ratings: dict | None = None) -> ParticipantInfo:
        """Record (or revise) the participant's weights and/or ratings in the open round.

        ratings: {proposal: {criterion: 0..10}}, any subset; a cell left out (or None) is "don't know".
        A revision replaces the whole submission: weights, ratings and comment. A round asking for
        ratings only takes `weights=None`.
        """
        comment = clean_text(comment, "comment", COMMENT_MAX)
        for attempt in range(5):
            try:
                return self._submit(token, weights, comment, ratings)
            except IntegrityError:
                # The same participant submitted twice at once and the other insert won: update it.
                if attempt == 4:
                    raise
            except OperationalError as exc:
                # PostgreSQL serialisation conflicts and deadlocks (SQLSTATE class 40) are worth another try;
                # a database that is down, locked past the busy timeout or full is said as such at once.
                if attempt == 4 or not str(getattr(exc.orig, "sqlstate", "") or "").startswith("40"):
                    raise database_unavailable(exc) or exc from exc
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _submit(self, token: str, weights: dict | None, comment: str, ratings: dict | None = None) -> ParticipantInfo:
        # What the participant sees afterwards is read in the same transaction: a submission is one
        # round trip to the database, not two (it counts when a room, or a flood, submits at once).
        with self._writing.begin() as s:
            p = self._participant(s, token, for_update=True)
            w = s.get(_Workshop, p.workshop_id)
            current = self._current_round(s, w)
            now = self.clock()
            state = self._state(current, now) if current is not None else CLOSED
            if state == SCHEDULED:
                raise WorkshopError("Round {number} has not opened yet: submit once it opens", number=current.number)
            if state != OPEN:
                raise WorkshopError("The round is closed: the facilitator has stopped taking submissions")
            asks = current.asks or "weights"
            if asks == "ratings":
                if weights:
                    raise WorkshopError("This round asks for ratings only, not weights")
                values = {}
            else:
                values = self._check_weights(w, weights)
            if ratings and asks == "weights":
                raise WorkshopError("This round asks for weights only, not ratings")
            rated = (check_ratings(_proposals(w, current.number), w.criteria, ratings, current.rated)
                     if asks != "weights" else {})
            wait = p.last_submitted_at + self.min_seconds_between_submissions - now
            if wait > 0:
                raise WorkshopError("Submitted a moment ago; please wait {seconds} s before submitting again",
                                    seconds=math.ceil(wait))
            p.last_submitted_at = now
            sub = s.scalar(select(_Submission).where(_Submission.round_id == current.id,
                                                     _Submission.participant_id == p.id))
            if sub is None:
                s.add(_Submission(round_id=current.id, participant_id=p.id, weights=values, comment=comment,
                                  submitted_at=now, revisions=1, ratings=rated or None))
            else:
                if comment != sub.comment:
                    sub.comment_hidden = False  # a new comment is shown; the facilitator may hide it again
                sub.weights, sub.comment, sub.submitted_at, sub.ratings = values, comment, now, rated or None
                sub.revisions += 1
            # An UPDATE ... SET revision = revision + 1 so concurrent submissions never lose a bump.
            s.execute(update(_Workshop).where(_Workshop.id == w.id).values(revision=_Workshop.revision + 1))
            info = self._info(s, w, current)
            return ParticipantInfo(info, p.group, p.pseudonym, dict(values) or None, comment, now,
                                   {k: dict(v) for k, v in rated.items()} or None)

    @staticmethod
    def _check_weights(w: _Workshop, weights: dict) -> dict:
        return check_weights(w.criteria, weights)

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _normal_code(code: str) -> str:
        return str(code or "").strip().upper().replace(" ", "").replace("-", "")[:16]

    def _find(self, s: Session, code: str, for_update: bool = False) -> _Workshop:
        query = select(_Workshop).where(_Workshop.code == self._normal_code(code))
        w = s.scalar(query.with_for_update() if for_update else query)
        if w is None:
            raise WorkshopError("There is no workshop with the code '{code}': check the code you were given",
                                code=str(code)[:16])
        return w

    @staticmethod
    def _participant(s: Session, token: str, for_update: bool = False) -> _Participant:
        query = select(_Participant).where(_Participant.token_hash == _hash(str(token or "")))
        p = s.scalar(query.with_for_update() if for_update else query)
        if p is None:
            raise AccessDenied("This participant link is not valid: join the workshop again with its code")
        if p.removed_at is not None:
            raise AccessDenied("The facilitator has removed this participant from the workshop")
        return p

    @staticmethod
    def _current_round(s: Session, w: _Workshop) -> _Round | None:
        return s.scalar(select(_Round).where(_Round.workshop_id == w.id).order_by(_Round.number.desc()).limit(1))

    def _facilitated_round(self, s: Session, code: str, secret: str,
                           number: int | None = None) -> tuple[_Workshop, _Round]:
        """The workshop, for whoever holds its key, and its round `number` (default: the current one)."""
        w = self._facilitated(s, code, secret)
        rnd = self._round(s, w, number)
        if rnd is None:
            raise WorkshopError("This workshop has no round yet")
        return w, rnd

    def _round(self, s: Session, w: _Workshop, number: int | None) -> _Round | None:
        if number is None:
            return self._current_round(s, w)
        rnd = s.scalar(select(_Round).where(_Round.workshop_id == w.id, _Round.number == int(number)))
        if rnd is None:
            raise WorkshopError("This workshop has no round {number}", number=number)
        return rnd

    def _info(self, s: Session, w: _Workshop, current: _Round | None = None) -> WorkshopInfo:
        current = current or self._current_round(s, w)
        return WorkshopInfo(w.code, w.title, w.framework, tuple(w.criteria),
                            _proposals(w, current.number if current else 1), tuple(w.groups),
                            ConsensusRule.from_dict(w.rule),
                            self._round_info(w, current, self.clock()) if current else None, w.revision,
                            joining_open=bool(w.joining_open), group_caps=tuple(sorted((w.group_caps or {}).items())),
                            results_live=bool(w.results_live),
                            designs=tuple(WorkshopDesign(d["id"], d["spec"], int(d.get("round", 1)))
                                          for d in w.designs or ()))

    @staticmethod
    def _state(r: _Round, now: float) -> str:
        """SCHEDULED, OPEN or CLOSED at `now`: closed by the facilitator, or by its timer or window running out."""
        if not r.is_open:
            return CLOSED
        if r.opens_at is not None and now < r.opens_at:
            return SCHEDULED
        if r.closes_at is not None and now >= r.closes_at:
            return CLOSED
        return OPEN

    def _round_info(self, w: _Workshop, r: _Round, now: float) -> RoundInfo:
        state = self._state(r, now)
        return RoundInfo(r.number, state == OPEN, state=state, opens_at=r.opens_at, closes_at=r.closes_at,
                         zone=r.zone or "", revealed=bool(w.results_live) or r.revealed_at is not None,
                         start_basis=r.start_basis or START_EQUAL,
                         start_weights=tuple(sorted((r.start_weights or {}).items())),
                         asks=r.asks or "weights",
                         rated=None if r.rated is None else tuple((p, tuple(cs)) for p, cs in r.rated.items()))



def _proposals(w: _Workshop, round_number: int | None = None) -> tuple[str, ...]:
    """The ids round `round_number` ranks (None: every round's): the data's proposals, then the designs in it."""
    return tuple(w.proposals) + tuple(d["id"] for d in w.designs or ()
                                      if round_number is None or int(d.get("round", 1)) <= round_number)


_shared: dict[str, WorkshopStore] = {}


def shared_store(url: str | None = None) -> WorkshopStore:
    """One store (one connection pool) per database per process, shared by every browser session."""
    url = database_url(url)
    if url not in _shared:
        _shared[url] = WorkshopStore(url, organiser_key=organiser_key(), max_participants=max_participants())
    return _shared[url]
