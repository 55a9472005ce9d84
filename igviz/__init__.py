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
