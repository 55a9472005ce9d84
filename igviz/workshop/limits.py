"""Rate limits for joining, submitting and organiser keys, per client address, participant and workshop.

Bots that join a workshop by the hundred, or re-submit every second, are refused here, in memory,
before any database work or page building, so a refusal costs microseconds and a flood does not
slow the real participants. Limits are token buckets: each key (an address, a workshop, a
participant) holds up to `burst` tokens, refilled at `per_minute`; each step takes one.

The numbers are chosen for a real venue, where a whole room can sit behind one NAT address (a
conference Wi-Fi): 50 phones from one address may join at once, and one address may keep joining at
50 a minute; a workshop takes 200 joins at once and then 300 a minute, so 500 people are all in
within about a minute and a half, while 500 scripted joins are not in 1.8 s. Each setting can be
changed with an environment variable (IGVIZ_LIMIT_<NAME>, e.g. IGVIZ_LIMIT_JOIN_PER_ADDRESS=200/100
for burst 200 and 100 a minute) for a bigger room behind one address.

Limits are per server process (memory, not the database): several processes behind one proxy each
keep their own counts, so the effective limit is that many times higher. Behind a reverse proxy the
client address is the proxy's unless Tornado is told to trust X-Forwarded-For/X-Real-IP.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from dataclasses import dataclass, fields

from ..i18n import N_, Message

ENV_PREFIX = "IGVIZ_LIMIT_"


@dataclass(frozen=True)
class Rate:
    """A token bucket's size (how many at once) and refill (how many a minute)."""
    burst: float
    per_minute: float

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'50/50' → burst 50, 50 a minute; '0' (or 'off') → no limit."""
        text = str(text).strip().lower()
        if text in ("0", "off", "none", ""):
            return cls(math.inf, math.inf)
        burst, _, per_minute = text.partition("/")
        try:
            rate = cls(float(burst), float(per_minute or burst))
        except ValueError:
            raise ValueError(f"a rate limit must be BURST/PER_MINUTE, e.g. 50/50, or 'off'; got {text!r}") from None
        if rate.burst < 1 or rate.per_minute <= 0:
            raise ValueError(f"a rate limit needs a burst of at least 1 and a positive rate a minute; got {text!r}")
        return rate


@dataclass(frozen=True)
class LimitSettings:
    """Every limit; `from_environment` reads IGVIZ_LIMIT_<FIELD NAME> (upper case) where set."""
    # A room behind one NAT address arrives together: 50 at once, then 50 a minute.
    join_per_address: Rate = Rate(50, 50)
    # All addresses together, per workshop: a room of 500 is in within about a minute and a half.
    join_per_workshop: Rate = Rate(200, 300)
    # A participant revises now and then: 3 quick submissions, then one every 10 s (a bot re-submitting
    # every second is mostly refused, for next to nothing: a stored submission with its page costs the
    # server about 20 ms, a refusal about 2). A refused one is told how long to wait. (The store's own
    # minimum between two submissions still holds.)
    submit_per_participant: Rate = Rate(3, 6)
    # A room of 150 behind one address submitting at the end of a round, then 10 a second.
    submit_per_address: Rate = Rate(150, 600)
    # Wrong organiser keys from one address: 5 tries, then one every 30 s (right keys too, meanwhile).
    organiser_key_failures: Rate = Rate(5, 2)

    @classmethod
    def from_environment(cls, environ=None) -> "LimitSettings":
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = ENV_PREFIX + f.name.upper()
            if environ.get(name):
                try:
                    values[f.name] = Rate.parse(environ[name])
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
        return cls(**values)

    @classmethod
    def off(cls) -> "LimitSettings":
        """No limits (tests, and a notebook driving a store directly)."""
        unlimited = Rate(math.inf, math.inf)
        return cls(**{f.name: unlimited for f in fields(cls)})


class Buckets:
    """Token buckets by key, safe from many threads; idle full buckets are forgotten, so memory stays bounded."""

    def __init__(self, rate: Rate, clock=time.monotonic, max_keys: int = 100_000):
        self.rate, self.clock, self.max_keys = rate, clock, max_keys
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def _level(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (self.rate.burst, now))
        return min(self.rate.burst, tokens + (now - when) * self.rate.per_minute / 60)

    def take(self, key: str) -> float:
        """Take one token: 0 when allowed, else the seconds until one is free (nothing is taken)."""
        if math.isinf(self.rate.burst):
            return 0.0
        with self._lock:
            now = self.clock()
            tokens = self._level(key, now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) * 60 / self.rate.per_minute
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self.max_keys:
                self._forget(now)
            return 0.0

    def wait(self, key: str) -> float:
        """The seconds until `key` may take a token (0: now), taking nothing."""
        if math.isinf(self.rate.burst):
            return 0.0
        with self._lock:
            tokens = self._level(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) * 60 / self.rate.per_minute

    def level(self, key: str) -> float:
        """The tokens `key` holds now (a full bucket for a key never seen), taking nothing."""
        with self._lock:
            return self._level(key, self.clock())

    def _forget(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self.rate.burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) > self.max_keys:  # still too many (a flood of new addresses): oldest first
            for k in sorted(self._buckets, key=lambda k: self._buckets[k][1])[:len(self._buckets) - self.max_keys]:
                del self._buckets[k]


TOO_MANY_JOINS_ADDRESS = N_("Many people have just joined from your network: please try again in {seconds} s")
TOO_MANY_JOINS_WORKSHOP = N_("Many people are joining this workshop right now: please try again in {seconds} s")
TOO_MANY_SUBMITS = N_("You have submitted several times in quick succession: please wait {seconds} s, then press "
                      "Submit again")
TOO_MANY_SUBMITS_ADDRESS = N_("Many submissions have just come from your network: please wait {seconds} s, then press "
                              "Submit again")
TOO_MANY_KEYS = N_("Too many wrong organiser keys from your address: please wait {seconds} s before trying again")


def _key(value: str) -> str:
    # Participant tokens are secrets: the limiter keeps only a short hash of them.
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:24]


class Limits:
    """The limits a server process applies; `check_join`/`check_submit` return None or the refusal (a Message)."""

    def __init__(self, settings: LimitSettings | None = None, clock=time.monotonic):
        self.settings = settings = settings or LimitSettings()
        self.clock = clock
        self._join_address = Buckets(settings.join_per_address, clock)
        self._join_workshop = Buckets(settings.join_per_workshop, clock)
        self._submit_participant = Buckets(settings.submit_per_participant, clock)
        self._submit_address = Buckets(settings.submit_per_address, clock)
        self._key_failures = Buckets(settings.organiser_key_failures, clock)

    @staticmethod
    def _refusal(template: str, wait: float) -> Message:
        return Message(template, seconds=max(1, math.ceil(wait)))

    def check_join(self, address: str, code: str) -> Message | None:
        """Whether someone at `address` may join the workshop `code` now (None) or not (why)."""
        address_wait = self._join_address.wait(address or "?")
        if address_wait:
            return self._refusal(TOO_MANY_JOINS_ADDRESS, address_wait)
        workshop_wait = self._join_workshop.take(str(code).upper())
        if workshop_wait:
            return self._refusal(TOO_MANY_JOINS_WORKSHOP, workshop_wait)
        self._join_address.take(address or "?")
        return None

    def check_submit(self, address: str, token: str) -> Message | None:
        """Whether this participant (token), from `address`, may submit now (None) or not (why)."""
        participant_wait = self._submit_participant.wait(_key(token))
        if participant_wait:
            return self._refusal(TOO_MANY_SUBMITS, participant_wait)
        address_wait = self._submit_address.take(address or "?")
        if address_wait:
            return self._refusal(TOO_MANY_SUBMITS_ADDRESS, address_wait)
        self._submit_participant.take(_key(token))
        return None

    def submit_priority(self, token: str) -> float:
        """How many of this participant's quick submissions are spent (0: none, a full allowance), taking
        nothing: the server answers a submission with a smaller number first (igviz/pages/offload.py), so
        that someone submitting now and then is not kept waiting behind those who submit over and over."""
        bucket = self._submit_participant
        if math.isinf(bucket.rate.burst):
            return 0.0
        return max(0.0, bucket.rate.burst - bucket.level(_key(token)))

    def check_organiser_key(self, address: str) -> Message | None:
        """Whether `address` may try an organiser key now (None: yes); after a wrong one call `wrong_organiser_key`."""
        wait = self._key_failures.wait(address or "?")
        return self._refusal(TOO_MANY_KEYS, wait) if wait else None

    def wrong_organiser_key(self, address: str) -> None:
        self._key_failures.take(address or "?")


_shared: list[Limits] = []
_shared_lock = threading.Lock()


def shared_limits() -> Limits:
    """The server process's limits (read once from IGVIZ_LIMIT_* variables)."""
    with _shared_lock:
        if not _shared:
            _shared.append(Limits(LimitSettings.from_environment()))
        return _shared[0]


def reset_shared_limits(limits: Limits | None = None) -> Limits:
    """Replace the process's limits (tests; `igviz serve` after reading its options)."""
    with _shared_lock:
        _shared[:] = [limits or Limits(LimitSettings.from_environment())]
        return _shared[0]
