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
        data = load_dataset(*folders)
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


def main(argv: list[str] | None = None) -> int:
    return check(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
