"""Check data folders: `python -m igviz.check [FOLDER ...]` prints every problem, or a summary."""

from __future__ import annotations

import sys

from .errors import DataValidationError
from .loader import BUNDLED_DATA, load_dataset


def main(argv: list[str] | None = None) -> int:
    folders = (argv if argv is not None else sys.argv[1:]) or [str(BUNDLED_DATA)]
    try:
        data = load_dataset(*folders)
    except DataValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"OK: {data!r}")
    for f in data.frameworks.values():
        print(f"  framework {f.id}: {len(f.criteria)} criteria{' (default)' if f.default else ''}")
    for p in data.proposals.values():
        print(f"  proposal {p.id}: {p.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
