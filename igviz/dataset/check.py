"""Check data folders: print every problem (file, record, field, what was expected), or a summary.

`check(folders)` is what `python -m igviz.check DIR ...` and `igviz check DIR ...` run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, TextIO

from ..errors import DataValidationError
from .core import load_dataset
from .kinds import BUNDLED_DATA


def check(folders: Iterable[str | Path] = (), out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Load the folders (default: the bundled data) as igviz would; 0 if they load, 1 if not.

    The problems go to `err` (standard error), the summary to `out` (standard output).
    """
    out, err = out or sys.stdout, err or sys.stderr
    folders = [str(f) for f in folders] or [str(BUNDLED_DATA)]
    try:
        data = load_dataset(*folders, progress=ProgressReport(err))
    except DataValidationError as exc:
        print(exc, file=err)
        return 1
    print(f"OK: {data!r}", file=out)
    print(f"  fingerprint {data.fingerprint}", file=out)
    for f in data.frameworks.values():
        print(f"  framework {f.id}: {len(f.criteria)} criteria{' (default)' if f.default else ''}", file=out)
    for p in data.proposals.values():
        print(f"  proposal {p.id}: {p.name}", file=out)
    return 0


class ProgressReport:
    """Says how far reading has got, every tenth of the way, when the folders are big.

    The bundled data reads in a fraction of a second and says nothing; a folder of many megabytes
    takes seconds to minutes, and a silent command looks hung.
    """

    BIG_BYTES = 5_000_000   # about 500 proposals of the bundled kind
    BIG_FILES = 1_000

    def __init__(self, err: TextIO):
        self.err, self.started, self.next_tenth = err, False, 1

    def __call__(self, p) -> None:
        if p.total_bytes < self.BIG_BYTES and p.total_files < self.BIG_FILES:
            return
        if not self.started:
            print(f"Reading {p.total_files:,} data files ({p.total_bytes / 1e6:,.1f} MB)...", file=self.err, flush=True)
            self.started = True
        tenth = p.bytes * 10 // p.total_bytes if p.total_bytes else p.files * 10 // p.total_files
        if tenth >= self.next_tenth:
            print(f"  {tenth * 10}%: {p.files:,} of {p.total_files:,} files read", file=self.err, flush=True)
            self.next_tenth = tenth + 1


def main(argv: list[str] | None = None) -> int:
    return check(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
