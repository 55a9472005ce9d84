"""The data this server process serves: one setting every page reads.

`igviz serve --data DIR ...` sets it once at start (`use_data`), before any page is built;
`panel serve dashboards/...` users set the environment variable IGVIZ_DATA instead (folders
separated by the system's path separator, `:` on Linux and macOS). Without either, the pages
serve the bundled data. Every browser session shares the one loaded, immutable dataset.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import BUNDLED_DATA, load_dataset
from ..dataset import Dataset

DATA_VARIABLE = "IGVIZ_DATA"
# `--data bundled my_data/` puts a folder of one's own beside the data shipped with igviz, wherever
# pip installed it (a folder that only adds proposals needs the bundled scale and frameworks).
BUNDLED_WORD = "bundled"

_served: Dataset | None = None
_folders: tuple[Path, ...] = ()


def data_folders(folders) -> tuple[Path, ...]:
    """Folders as absolute paths (the server may change directory), `bundled` as the bundled data."""
    return tuple(BUNDLED_DATA if str(f) == BUNDLED_WORD else Path(f).expanduser().resolve() for f in folders)


def use_data(*folders) -> Dataset:
    """Load and validate `folders` (none: the bundled data) and serve them from now on.

    Raises DataValidationError, naming file, record and field, before anything is served."""
    global _served, _folders
    resolved = data_folders(folders)
    dataset = load_dataset(*resolved)
    _served, _folders = dataset, resolved
    return dataset


def served_folders() -> tuple[Path, ...]:
    """The folders being served (the bundled data when none were given)."""
    served_dataset()
    return _folders or (BUNDLED_DATA,)


def served_dataset() -> Dataset:
    """The dataset every page of this process shows: set by `use_data`, else IGVIZ_DATA, else bundled."""
    if _served is None:
        use_data(*[f for f in os.environ.get(DATA_VARIABLE, "").split(os.pathsep) if f])
    return _served
