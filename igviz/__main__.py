"""`python -m igviz ...`: the same as the `igviz` command."""

import sys

from .cli import main

sys.exit(main())
