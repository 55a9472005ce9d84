"""igviz: evaluate Internet governance reform proposals against weighted criteria.

    >>> import igviz
    >>> data = igviz.load_dataset()            # the bundled, seed-derived data
    >>> a = igviz.Assessment(data)
    >>> a.set_weights(expertise=10, transparent=2)
    >>> a.ranking().table                       # best first, with overall scores
"""

from .dataset import BUNDLED_DATA, Dataset, load_dataset
from .errors import DataError, DataValidationError, WeightError
from .model import Assessment, Proposal, Ranking, Weights

__all__ = [
    "Assessment", "BUNDLED_DATA", "DataError", "DataValidationError", "Dataset", "Proposal",
    "Ranking", "WeightError", "Weights", "load_dataset",
]


def _version() -> str:
    """This copy's version: the checkout's pyproject.toml when run from source (an editable install's
    metadata keeps the version it was installed with), else the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except (OSError, tomllib.TOMLDecodeError):
            project = {}
        if project.get("name") == "igviz" and project.get("version"):
            return str(project["version"])
    try:
        return version("igviz")
    except PackageNotFoundError:
        return "0+unknown"  # neither installed nor in a checkout (e.g. copied onto sys.path)


__version__ = _version()
