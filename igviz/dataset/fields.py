"""Typed access to the fields of one raw record, noting every problem instead of stopping.

Every parser reads its file through `Fields`, so every problem it finds names the file, the
record and the field, and says what was expected.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..safeyaml import YamlProblem, load_file

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MISSING = object()


class ErrorList(list):
    """The problems found so far, and the unknown-field checks waiting for their file to be parsed."""

    def __init__(self, *args):
        super().__init__(*args)
        self.pending: list[tuple["Fields", tuple[str, ...]]] = []

    def check_unknown_fields(self) -> None:
        """Run the waiting checks, once per record (a record's parts may be read by several functions)."""
        done = set()
        pending, self.pending = self.pending, []
        for rec, known in pending:
            if id(rec.data) not in done:
                done.add(id(rec.data))
                rec.unknown_fields(known)


class Fields:
    """One record of one file: its raw data and where to report a problem with it."""

    def __init__(self, errors: list[DataError], file: str, record: str, data: Any, prefix: str = ""):
        self.errors, self.file, self.record, self.prefix = errors, file, record, prefix
        self.data = data if isinstance(data, dict) else {}

    def fail(self, field: str, message: str) -> None:
        self.errors.append(DataError(self.file, self.record, self.prefix + field, message))

    def child(self, field: str, data: Any) -> "Fields":
        return Fields(self.errors, self.file, self.record, data, f"{self.prefix}{field}.")

    def only(self, known: tuple[str, ...]) -> None:
        """Note every key of this record that igviz does not read, with the known field it is closest to.

        A misspelt field (`strenghts:`) would otherwise vanish without a word, and its content with it.
        Known are `known` (the documented fields) and, for a record read from a file, every key a
        parser asked for: so the check waits until the file is parsed, when `errors` is an ErrorList.
        """
        if isinstance(self.errors, ErrorList):
            self.errors.pending.append((self, known))
        else:
            self.unknown_fields(known)

    def unknown_fields(self, known: tuple[str, ...]) -> None:
        asked = set(getattr(self.data, "asked", ()))   # before the loop below: iterating counts as asking
        # Suggestions: the documented fields and whatever else a parser looked for (here or not).
        choices = [*known, *sorted(k for k in asked if isinstance(k, str) and k not in known)]
        for key in dict.keys(self.data):
            if key in known or key in asked:
                continue
            close = difflib.get_close_matches(str(key), choices, n=1, cutoff=0.7)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(known)}"
            self.fail(str(key)[:40], f"unknown field (igviz does not read it); {hint}")

    def get(self, field: str, kind: str, default: Any = MISSING) -> Any:
        value = self.data.get(field, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.fail(field, f"missing; expected {kind}")
            return None if default is MISSING else default
        return self._coerce(field, value, kind)

    def choice(self, field: str, options: tuple[str, ...]) -> str | None:
        """A text field that must be one of `options`; None (with the problem noted) otherwise."""
        value = self.get(field, "text")
        if value is not None and value not in options:
            self.fail(field, f"expected one of {', '.join(options)}, got {brief(value)}")
            return None
        return value

    def _coerce(self, field: str, value: Any, kind: str) -> Any:
        if kind == "text":
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
            self.fail(field, f"expected text, got {brief(value)}")
        elif kind == "id":
            if isinstance(value, str) and ID.match(value):
                return value
            self.fail(field, f"expected an identifier (a letter, then letters, digits or _), got {brief(value)}")
        elif kind == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                return float(value)
            self.fail(field, f"expected a finite number, got {brief(value)}")
        elif kind == "yes/no":
            if isinstance(value, bool):
                return value
            self.fail(field, f"expected true or false, got {brief(value)}")
        elif kind == "list":
            if isinstance(value, list):
                return value
            self.fail(field, f"expected a list, got {type(value).__name__}")
        elif kind == "mapping":
            if isinstance(value, dict):
                return value
            self.fail(field, f"expected a mapping of names to values, got {type(value).__name__}")
        else:  # pragma: no cover - programming error
            raise ValueError(kind)
        return None


def brief(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: a list or mapping by its kind and size, text cut to `limit`.

    A message must stay short whatever the file holds (a 20 MB string, a list of a million items).
    """
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item(s)"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def record_name(item: Any, index: int) -> str:
    """How a problem names a record: its id, or its place in the list when it has none."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return f"item {index + 1}"


def read_yaml(path: Path, errors: list[DataError], label: str, track: bool = False) -> Any:
    """A YAML file's content, or MISSING (with the problem noted) when it cannot be read.

    Read through igviz.safeyaml: not UTF-8, not YAML, a duplicate key, an alias bomb, too deep
    a nesting, a folder where a file should be, or a file that cannot be opened each become one
    problem naming the file (and the line), never a traceback. With `track`, mappings are
    igviz.safeyaml.ReadDict, so the fields a parser reads need no list to be known.
    """
    try:
        return load_file(path, track)   # track: mappings note which fields the parser asks for
    except YamlProblem as exc:
        errors.append(DataError(label, "", exc.path, str(exc)))
    except OSError as exc:
        errors.append(DataError(label, "", "", f"cannot be read: {exc.strerror or exc}"))
    return MISSING
