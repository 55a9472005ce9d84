"""Where igviz's bundled data sits: a module of its own, so that any part of igviz can find it
without importing the data layer."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent   # the igviz package
# Installed from a wheel the data sits inside the package (pyproject.toml force-includes data/ as
# igviz/data); in a checkout it is the repository's data/.
BUNDLED_DATA = _PACKAGE / "data" if (_PACKAGE / "data").is_dir() else _PACKAGE.parent / "data"
