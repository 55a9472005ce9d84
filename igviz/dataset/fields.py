"""Typed access to the fields of one raw record, noting every problem instead of stopping.

Every parser reads its file through `Fields`, so every problem it finds names the file, the
record and the field, and says what was expected.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..safeyaml import YamlProblem, load_file

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MISSING = object()


class Fields:
    """One record of one file: its raw data and where to report a problem with it."""

    def __init__(self, errors: list[DataError], file: str, record: str, data: Any, prefix: str = ""):
        self.errors, self.file, self.record, self.prefix = errors, file, record, prefix
        self.data = data if isinstance(data, dict) else {}

    def fail(self, field: str, message: str) -> None:
        self.errors.append(DataError(self.file, self.record, self.prefix + field, message))

    def child(self, field: str, data: Any) -> "Fields":
        return Fields(self.errors, self.file, self.record, data, f"{self.prefix}{field}.")

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
            self.fail(field, f"expected one of {', '.join(options)}, got {value!r}")
            return None
        return value

    def _coerce(self, field: str, value: Any, kind: str) -> Any:
        if kind == "text":
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
            self.fail(field, f"expected text, got {value!r}")
        elif kind == "id":
            if isinstance(value, str) and ID.match(value):
                return value
            self.fail(field, f"expected an identifier (a letter, then letters, digits or _), got {value!r}")
        elif kind == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                return float(value)
            self.fail(field, f"expected a finite number, got {value!r}")
        elif kind == "yes/no":
            if isinstance(value, bool):
                return value
            self.fail(field, f"expected true or false, got {value!r}")
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


def record_name(item: Any, index: int) -> str:
    """How a problem names a record: its id, or its place in the list when it has none."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return f"item {index + 1}"


def read_yaml(path: Path, errors: list[DataError], label: str) -> Any:
    """A YAML file's content, or MISSING (with the problem noted) when it cannot be read.

    Read through igviz.safeyaml: not UTF-8, not YAML, a duplicate key, an alias bomb, too deep
    a nesting, a folder where a file should be, or a file that cannot be opened each become one
    problem naming the file (and the line), never a traceback.
    """
    try:
        return load_file(path)
    except YamlProblem as exc:
        errors.append(DataError(label, "", exc.path, str(exc)))
    except OSError as exc:
        errors.append(DataError(label, "", "", f"cannot be read: {exc.strerror or exc}"))
    return MISSING
