"""The kinds of file a data folder holds, and reading folders (or in-memory records) by them.

`KINDS` is the one table of what a data folder may contain: where each kind of file sits, the
parser that reads it and what it produces. Kinds are read in the table's order, each across
every folder before the next kind, so a parser can look up the kinds it `needs` (they come
earlier in the table); `igviz.dataset.crossref` then checks what needs everything read.
Adding a kind of data file means adding a row here and a parser in `igviz.dataset.parsers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import DataError, DataValidationError
from ..paths import BUNDLED_DATA  # re-exported: igviz.dataset.BUNDLED_DATA
from . import design, parsers
from .crossref import check_references
from .fields import MISSING, read_yaml
from .parsers import Contents
from .sources import SourceLibrary


@dataclass(frozen=True)
class Kind:
    name: str
    where: str                                    # glob relative to a data folder
    parse: Callable[[Contents, str, Any], None] | None   # None: a folder of source documents, not YAML
    produces: str                                 # the Dataset attribute it fills
    needs: tuple[str, ...] = ()                   # kinds its parser looks up (read before it)
    description: str = ""


KINDS: tuple[Kind, ...] = (
    Kind("sources", "sources", None, "sources", (),
         "the source documents citations quote (every citation is checked against them)"),
    Kind("scale", "scale.yaml", parsers.parse_scale, "scale", (),
         "the scoring scale and what its numbers mean"),
    Kind("groups", "stakeholder_groups.yaml", parsers.parse_groups, "groups", ("sources",),
         "stakeholder groups (seats on bodies, workshop caucuses)"),
    Kind("frameworks", "frameworks/*.y*ml", parsers.parse_framework, "frameworks", ("sources",),
         "criteria frameworks, one file each"),
    Kind("proposals", "proposals/*.y*ml", parsers.parse_proposal, "proposals",
         ("sources", "scale", "groups", "frameworks"), "reform proposals and their scores, one file each"),
    Kind("presets", "presets.yaml", parsers.parse_presets, "presets", ("sources", "frameworks"),
         "named weight profiles, each for one framework"),
    Kind("relation_kinds", "relation_kinds.yaml", parsers.parse_relation_kinds, "relation_rules", (),
         "what each kind of relation on the institution map means and which kinds of body it may join"),
    Kind("institutions", "institutions.yaml", parsers.parse_institutions, "institutions", ("sources", "relation_kinds"),
         "the institution map at the baseline's moment (early 2014)"),
    Kind("overlays", "overlays/*.y*ml", parsers.parse_overlay, "overlays",
         ("sources", "proposals", "institutions"), "what each proposal adds to or removes from the map"),
    Kind("later", "since_baseline.yaml", parsers.parse_later, "later", ("sources", "institutions", "relation_kinds"),
         "what changed on the map since the baseline's moment, a separate layer"),
    Kind("tradeoff", "tradeoff.yaml", parsers.parse_tradeoff, "tradeoff", ("sources", "frameworks"),
         "the dispersed-versus-centralised trade-off model"),
    Kind("translations", "translations/*.y*ml", parsers.parse_translations, "translations", (),
         "French and Spanish for the data's own texts, one file per language"),
    Kind("design", "design/*.y*ml", design.parse_dimension, "design",
         ("sources", "frameworks", "institutions"), "the design model: dimensions of a reform, their options and rules"),
    Kind("design_readings", "design_readings.yaml", design.parse_readings, "design", ("proposals", "design"),
         "how the design model reads each seed proposal (for the validation)"),
)
KIND = {k.name: k for k in KINDS}


def read_folders(folders: Iterable[str | Path], progress: Callable[[Progress], None] | None = None) -> Contents:
    """Read and check every kind of file in the folders; raise DataValidationError listing every problem.

    Later folders add records to earlier ones; a folder needs only the parts it adds. `progress`, if
    given, is called after each data file with a `Progress` (how many files and bytes are read of all).
    """
    folders = tuple(Path(f) for f in folders) or (BUNDLED_DATA,)
    c = Contents(SourceLibrary())
    present = []
    for folder in folders:
        if folder.is_dir():
            present.append(folder)
        else:
            c.errors.append(DataError(str(folder), "", "", "no such data folder"))
    plan = [(kind, path) for kind in KINDS for folder in present for path in sorted(folder.glob(kind.where))]
    done = Progress(0, sum(1 for kind, _ in plan if kind.parse is not None), 0,
                    sum(_size(path) for kind, path in plan if kind.parse is not None))
    for kind, path in plan:
        label = _label(path, folders)
        if kind.parse is None:
            if path.is_dir():
                c.sources.add_folder(path)
            else:
                c.errors.append(DataError(label, "", "", "is a file; expected a folder of source documents"))
            continue
        # A folder named like a data file (proposals/x.yaml/) is reported by read_yaml, not skipped.
        data = read_yaml(path, c.errors, label, track=True)
        if data is not MISSING:
            kind.parse(c, label, data)
            c.errors.check_unknown_fields()   # now that the parser has asked for every field it reads
        if progress is not None:
            done = Progress(done.files + 1, done.total_files, done.bytes + _size(path), done.total_bytes, label)
            progress(done)
    return _finish(c)


@dataclass(frozen=True)
class Progress:
    """How far reading data folders has got: files and bytes read, of how many."""

    files: int
    total_files: int
    bytes: int
    total_bytes: int
    label: str = ""   # the file just read


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def read_records(frameworks: list[tuple[str, dict]], proposals: list[tuple[str, dict]],
                 base: Any = None, extra_sources: Iterable[str | Path] = ()) -> Contents:
    """Check in-memory records (from DataFrames or code), on top of an optional base Dataset."""
    c = Contents(SourceLibrary(list(base.sources.folders) if base is not None else [BUNDLED_DATA / "sources"]))
    for folder in extra_sources:
        c.sources.add_folder(Path(folder))
    if base is not None:
        c.scale, c.groups = base.scale, dict(base.groups)
        c.frameworks = dict(base.frameworks)
        c.criterion_file = {cr.id: f.file for f in base.frameworks.values() for cr in f.criteria}
        c.proposals = dict(base.proposals)
        c.presets = dict(base.presets)
        c.institutions, c.tradeoff = base.institutions, base.tradeoff
        c.overlays = dict(base.overlays)
        c.later, c.relation_rules = base.later, dict(base.relation_rules)
        if base.design is not None:
            c.design_dimensions = dict(base.design.dimensions)
            c.design_readings = {}
            c.design = base.design
    else:
        for kind in (KIND["scale"], KIND["groups"]):   # the bundled ones
            data = read_yaml(BUNDLED_DATA / kind.where, c.errors, kind.where)
            if data is not MISSING:
                kind.parse(c, kind.where, data)
    for label, data in frameworks:
        parsers.parse_framework(c, label, data)
    for i, (label, data) in enumerate(proposals):
        parsers.parse_proposal(c, label, data, i)
    return _finish(c)


def _finish(c: Contents) -> Contents:
    design.finish_designs(c)   # designed proposals get their scores and overlays before the checks
    check_references(c)
    c.errors.check_unknown_fields()   # records from tables (read_records); files are checked as each is parsed
    if c.errors:
        raise DataValidationError(c.errors)
    return c


def _label(path: Path, folders: Iterable[Path]) -> str:
    """A path as the user knows it: relative to the data folder, with the folder's name."""
    for folder in folders:
        try:
            return str(Path(folder.name) / path.relative_to(folder))
        except ValueError:
            continue
    return str(path)
