"""The workshop store's errors, in a module of their own so that the store and its migrations can both raise them."""

from __future__ import annotations

from ..i18n import N_


class WorkshopError(ValueError):
    """Something a participant or facilitator asked for that cannot be done; the message says why.

    Raised with an English template and its values, so the pages can show it translated
    (`template` is the key into igviz/locales/*.yaml).
    """

    def __init__(self, template: str, **values):
        self.template, self.values = template, values
        super().__init__(template.format(**values))


class AccessDenied(WorkshopError):
    """A wrong facilitator secret or participant token."""


class DatabaseVersionError(WorkshopError):
    """The database's schema cannot be used by this igviz: made by a newer one, or not recognised.

    Its message is for whoever runs the server (it names the database and both schema versions), so
    it is not in the translation catalogues: the pages show it as it is.
    """


# -- the database failing: down, locked or full -----------------------------------------------------
# Whole sentences, so that each translates as one (the catalogues are in igviz/locales/). They say what
# happened and that nothing was saved; the pages keep what the person typed, so "try again" costs nothing.
DATABASE_LOCKED = N_("The workshop database is busy: another program is holding it. Nothing was saved; what you "
                     "typed is kept here. Please try again in a moment.")
DATABASE_FULL = N_("The server's disk is full, so nothing could be saved. What you typed is kept here; please tell "
                   "whoever runs the server, then try again.")
DATABASE_DOWN = N_("The workshop database cannot be reached right now, so nothing was saved. What you typed is kept "
                   "here; please try again in a moment.")
_TEMPLATES = {"locked": DATABASE_LOCKED, "full": DATABASE_FULL, "down": DATABASE_DOWN}

RETRY_AFTER_S = 5  # what a 503 tells the browser (and a person: "in a moment")


class DatabaseUnavailable(WorkshopError):
    """The database is down, locked or full: nothing the person did, and nothing was saved.

    `reason` is "down", "locked" or "full"; pages answer 503 (or show the message in the page) and
    keep what was typed. It is a WorkshopError, so every page that shows a WorkshopError shows it.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(_TEMPLATES[reason])


# PostgreSQL error classes (SQLSTATE): 53 insufficient resources (53100 disk full), 08 connection,
# 57P0x the server shutting down or restarting, 55P03 lock not available, 57014 statement timeout.
_PG_STATES = {"53100": "full", "55P03": "locked", "57014": "locked"}
_PG_CLASSES = {"53": "full", "08": "down", "57": "down"}


def database_unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The DatabaseUnavailable that `exc` amounts to, or None when it is not the database failing
    (a constraint, a bug, bad SQL: those stay what they are)."""
    from sqlalchemy import exc as sa

    if isinstance(exc, DatabaseUnavailable):
        return exc
    if isinstance(exc, sa.TimeoutError):  # no free connection in the pool: every one is waiting
        return DatabaseUnavailable("locked")
    if isinstance(exc, sa.DBAPIError) and not isinstance(exc, (sa.IntegrityError, sa.ProgrammingError,
                                                               sa.DataError, sa.NotSupportedError)):
        original = exc.orig
    elif isinstance(exc, OSError):
        original = exc
    else:
        return None
    state = str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")
    if state:
        reason = _PG_STATES.get(state) or _PG_CLASSES.get(state[:2])
        if reason:
            return DatabaseUnavailable(reason)
    text = str(original).lower()
    if getattr(original, "errno", None) == 28 or "full" in text or "no space left" in text or "could not extend" in text:
        return DatabaseUnavailable("full")
    if "locked" in text or "busy" in text:
        return DatabaseUnavailable("locked")
    return DatabaseUnavailable("down")


def translate_database_errors(cls):
    """Class decorator: every public method of `cls` (and its constructor) raises DatabaseUnavailable,
    not a driver's error, when the database is down, locked or full; other errors pass unchanged.

    On the store, so that every caller (both participant pages, every facilitator action, exports,
    notebooks) gets one error it can show, instead of each catching SQLAlchemy's.
    """
    import functools

    def guarded(method):
        @functools.wraps(method)
        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception as exc:
                unavailable = database_unavailable(exc)
                if unavailable is None or unavailable is exc:
                    raise
                raise unavailable from exc
        return call

    for name, value in list(vars(cls).items()):
        if callable(value) and (name == "__init__" or not name.startswith("_")):
            setattr(cls, name, guarded(value))
    return cls
