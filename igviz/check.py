"""`python -m igviz.check [FOLDER ...]`: check data folders (the work is in igviz.dataset.check)."""

import sys

from .dataset.check import check, main

__all__ = ["check", "main"]

if __name__ == "__main__":
    sys.exit(main())
