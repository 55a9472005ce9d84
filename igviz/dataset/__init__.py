"""igviz's data: the records, the kinds of data file and their parsers, the checks, the Dataset.

    records    the frozen record dataclasses (Framework, Criterion, ProposalRecord, Score, ...)
    sources    the source documents citations quote, and the verbatim-quote check
    fields     typed access to a raw record's fields; every problem names file, record, field
    parsers    one parser per kind of data file
    kinds      the table of kinds (where each kind's files are, its parser, what it produces),
               reading folders by it; BUNDLED_DATA
    crossref   the checks that need every file read (one default framework, complete scores)
    frames     pandas tables turned into raw records, for Dataset.from_frames
    core       the Dataset, load_dataset, derive_score
    check      `python -m igviz.check DIR ...` / `igviz check DIR ...`

Each module imports only those listed above it, so there are no import circles.
"""

from ..errors import DataError, DataValidationError
from .core import Dataset, derive_score, load_dataset
from .kinds import BUNDLED_DATA, KINDS, Kind
from .records import (
    AUTHORITY,
    DECISION_RULES,
    EVIDENCE,
    ISSUE_INTAKE,
    NODE_KINDS,
    RELATION_KINDS,
    Attributes,
    Body,
    Citation,
    Criterion,
    Effect,
    Framework,
    InstitutionMap,
    Overlay,
    Preset,
    ProposalRecord,
    Relation,
    Remark,
    Scale,
    Score,
    StakeholderGroup,
    StanceLink,
    TradeoffModel,
)
from .sources import SourceLibrary

__all__ = [
    "AUTHORITY", "Attributes", "BUNDLED_DATA", "Body", "Citation", "Criterion", "DECISION_RULES", "DataError",
    "DataValidationError", "Dataset", "EVIDENCE", "Effect", "Framework", "ISSUE_INTAKE", "InstitutionMap", "KINDS",
    "Kind", "NODE_KINDS", "Overlay", "Preset", "ProposalRecord", "RELATION_KINDS", "Relation", "Remark", "Scale",
    "Score", "SourceLibrary", "StakeholderGroup", "StanceLink", "TradeoffModel", "derive_score", "load_dataset",
]
