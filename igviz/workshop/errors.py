"""The workshop store's errors, in a module of their own so that the store and its migrations can both raise them."""

from __future__ import annotations


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
