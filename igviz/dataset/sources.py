"""The source documents that citations quote, and the check that a quote is really there."""

from __future__ import annotations

import re
from pathlib import Path

from ..safeyaml import YamlProblem, decode

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space.

    The seed documents were converted from PDFs and web pages, so line breaks fall
    mid-sentence; a quote is checked word for word, but not line break for line break.
    """
    return _SPACE.sub(" ", text).strip()


class SourceLibrary:
    """Source files looked up by name across several folders (bundled data, then the user's)."""

    def __init__(self, folders: list[Path] | None = None):
        self.folders: list[Path] = [Path(f) for f in folders or []]
        self._text: dict[str, str] = {}
        self._path: dict[str, Path | None] = {}   # a big folder cites the same few files thousands of times
        self._folded: list[str] | None = None

    def add_folder(self, folder: Path) -> None:
        if folder not in self.folders:
            self.folders.append(Path(folder))
            self._path.clear()
            self._folded = None

    def path(self, name: str) -> Path | None:
        if name not in self._path:
            self._path[name] = self._find(name)
        return self._path[name]

    def _find(self, name: str) -> Path | None:
        # A bare file name only: a citation must not reach outside the sources folders.
        if not name or Path(name).name != name:
            return None
        for folder in self.folders:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        return None

    def names(self) -> list[str]:
        return sorted({p.name for f in self.folders if f.is_dir() for p in f.iterdir() if p.is_file()})

    def text(self, name: str) -> str:
        if name not in self._text:
            path = self.path(name)
            if path is None:
                raise FileNotFoundError(name)
            # Not UTF-8 (a Latin-1 file from a word processor) is YamlProblem naming the line, for the
            # caller to report against the source file; never a UnicodeDecodeError traceback.
            self._text[name] = normalise(decode(path.read_bytes()))
        return self._text[name]

    def folded_texts(self) -> list[str]:
        """Every readable source's text, case-folded, for looking a name up in all of them.

        Worked out once per library (a big folder asks for every proposal); a file that is not
        UTF-8 is left out here and reported where a citation quotes it.
        """
        if self._folded is None:
            texts = []
            for name in self.names():
                try:
                    texts.append(self.text(name).casefold())
                except (YamlProblem, OSError):
                    continue
            self._folded = texts
        return self._folded

    def contains(self, name: str, quote: str) -> bool:
        return normalise(quote) in self.text(name)
