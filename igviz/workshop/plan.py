"""Setting up a workshop from the data, and the assessment its results are computed with.

A workshop may rank designs (igviz.design.Design, composed in the explorer's Design a reform panel)
beside the data's proposals: the store keeps each design's spec, and `workshop_assessment` builds
them into the assessment every page and export ranks, so a design is a proposal like any other there.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Mapping

from ..dataset import Dataset
from ..i18n import N_
from ..model import Assessment, Proposal
from .results import ConsensusRule, RoundResults
from .store import Created, WorkshopError, WorkshopStore

# The default caucuses, as in the MIPC (001); intergovernmental organisations are observers there.
DEFAULT_GROUPS = ("civil_society", "government", "private_sector", "technical_academic")


def new_workshop(store: WorkshopStore, dataset: Dataset, title: str, framework: str | None = None,
                 proposals=None, groups=None, rule: ConsensusRule | None = None, organiser_key: str = "",
                 designs=None) -> Created:
    """Create a workshop after checking every id against the data; returns it with its facilitator secret.

    `designs`: designs ranked beside the proposals from round 1: Design objects, or {id: spec} as
    links and scenario files save them (`designs_from_link`, `designs_from_file`)."""
    framework = framework or dataset.default_framework.id
    if framework not in dataset.frameworks:
        raise WorkshopError("Unknown criteria framework '{framework}' (known: {known})", framework=framework,
                            known=", ".join(dataset.frameworks))
    proposals = list(proposals) if proposals is not None else list(dataset.proposals)
    groups = list(groups) if groups is not None else [g for g in DEFAULT_GROUPS if g in dataset.groups]
    for message, ids, known in ((N_("Unknown proposal {unknown} (known: {known})"), proposals, dataset.proposals),
                                (N_("Unknown stakeholder group {unknown} (known: {known})"), groups, dataset.groups)):
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise WorkshopError(message, unknown=", ".join(map(repr, unknown)), known=", ".join(known))
    specs = design_specs(dataset, designs)
    return store.create_workshop(title, framework, dataset.framework(framework).criterion_ids, proposals, groups, rule,
                                 organiser_key=organiser_key, designs=specs)


def add_designs(store: WorkshopStore, dataset: Dataset, code: str, secret: str, designs) -> int:
    """Add designs (Design objects or {id: spec}) to a workshop, checked against the data; returns the first
    round they are in (the current one while it has no submissions and is open, else the next)."""
    store.check_secret(code, secret)  # a wrong key is refused before the data is consulted
    return store.add_designs(code, secret, design_specs(dataset, designs))


def design_specs(dataset: Dataset, designs) -> dict[str, dict]:
    """Designs as {id: spec}, each checked against the data's design model: a design that cannot be built
    (an unknown option or base) is refused with a message naming it and why."""
    from ..design import Design

    if not designs:
        return {}
    if getattr(dataset, "design", None) is None:
        raise WorkshopError("This data has no design model, so it cannot rank designs")
    items = ([(d.id, d) for d in designs] if not isinstance(designs, Mapping) else list(designs.items()))
    out = {}
    for did, d in items:
        design = d if isinstance(d, Design) else Design.from_spec(str(did), d if isinstance(d, Mapping) else {})
        if design.id in dataset.proposals:
            raise WorkshopError("The design id '{design}' is a proposal of the data: give the design another name",
                                design=design.id)
        problems = [p for p in design.problems(dataset) if "has no effect" not in p]
        if problems:
            raise WorkshopError("The design '{design}' cannot be used: {reason}", design=design.label[:80],
                                reason="; ".join(problems))
        out[design.id] = design.spec()
    return out


def designs_from_link(dataset: Dataset, link: str) -> dict[str, dict]:
    """The designs of an explorer link (its `designs.*` parameters), as {id: spec}. A link that holds none, or
    whose designs cannot be read, is refused with the reason (a facilitator adds what they meant to, or nothing)."""
    from ..scenario import Scenario

    link = str(link or "").strip()
    if "designs." not in link:
        raise WorkshopError("This link holds no designs: copy the link of the explorer's Design a reform panel "
                            "after adding a design")
    scenario, problems = Scenario.from_link(link if "?" in link else "?" + link, dataset)
    design_problems = [str(p) for p in problems if "design" in str(p).lower()]
    if design_problems:
        raise WorkshopError("The designs of this link cannot be used: {reason}", reason=" ".join(design_problems))
    designs = scenario.spec.get("designs") or {}
    if not designs:
        raise WorkshopError("This link holds no designs: copy the link of the explorer's Design a reform panel "
                            "after adding a design")
    return dict(designs)


def designs_from_file(dataset: Dataset, path=None, content: bytes | str | None = None,
                      filename: str = "scenario.yaml") -> dict[str, dict]:
    """The designs of a scenario file (YAML or JSON, as the explorer saves it), as {id: spec}: a path, or
    the file's content (an upload). A file it cannot read is refused naming the file and the field."""
    import tempfile

    from ..errors import DataValidationError
    from ..scenario import Scenario

    if content is not None:
        suffix = Path(filename).suffix.lower() if Path(filename).suffix.lower() in (".yaml", ".yml", ".json") else ".yaml"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{Path(filename).stem[:60] or 'scenario'}{suffix}"
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
            return designs_from_file(dataset, path)
    try:
        scenario = Scenario.load(path, dataset)
    except DataValidationError as exc:
        raise WorkshopError("The scenario file cannot be used: {reason}", reason=str(exc)[:600]) from None
    designs = scenario.spec.get("designs") or {}
    if not designs:
        raise WorkshopError("This scenario file holds no designs: save it from the explorer after adding a design")
    return dict(designs)


def check_workshop_data(dataset: Dataset, framework: str, proposals=(), groups=(), designs=None) -> None:
    """Refuse, with a message naming them, the ids of a workshop that the served data lacks.

    A workshop keeps ids, not data: one created on an analyst's own folder and opened on a server
    of other data (`igviz serve` without that `--data`) would otherwise fail deep inside a page.
    `designs` ({id: spec}): the workshop's designs, which must build on the served design model."""
    designs = designs or {}
    missing = ([framework] if framework not in dataset.frameworks else []) + \
        [p for p in proposals if p not in dataset.proposals and p not in designs] + \
        [g for g in groups if g not in dataset.groups] + _unbuildable(dataset, designs)
    if missing:
        raise WorkshopError("This workshop was set up with data this server does not have ({missing}). The "
                            "facilitator can serve the data the workshop was made with: igviz serve --data FOLDER",
                            missing=", ".join(map(repr, missing)))


def _unbuildable(dataset: Dataset, designs: Mapping) -> list[str]:
    """The designs (as 'design X') that cannot be built on this data, remembered per data and spec: pages
    check a workshop on every request."""
    out = []
    for did, spec in designs.items():
        key = (id(dataset), did, designs_key({did: spec}))
        with _checked_lock:
            known = _checked.get(key)
        if known is None:
            try:
                known = not design_specs(dataset, {did: spec})
            except WorkshopError:
                known = True
            with _checked_lock:
                if len(_checked) > 512:
                    _checked.clear()
                _checked[key] = known
        if known:
            out.append(f"design {did}")
    return out


_checked: dict = {}
_checked_lock = threading.Lock()


def designs_key(designs: Mapping | None) -> str:
    """A text that is the same for the same designs (ids and specs): for caches keyed by a workshop's set-up."""
    return json.dumps(designs or {}, sort_keys=True, ensure_ascii=False)


def workshop_assessment(dataset: Dataset, framework: str, proposals, designs=None) -> Assessment:
    """An assessment of just the workshop's proposals under its framework, weighted sum, no stance.

    `designs` ({id: spec}): the workshop's designs; an id of `proposals` that is a design's is built
    from its spec (igviz.design.Design), ranked like the data's proposals."""
    from ..design import Design
    from ..model import DesignedProposal

    designs = designs or {}
    check_workshop_data(dataset, framework, proposals, designs=designs)
    built = [DesignedProposal(Design.from_spec(p, designs[p]), dataset) if p in designs and p not in dataset.proposals
             else Proposal(dataset.proposal(p), dataset) for p in proposals]
    return Assessment(dataset, framework=framework, proposals=built)


def round_results(dataset: Dataset, framework: str, proposals, groups, rule: ConsensusRule, submissions,
                  designs=None) -> RoundResults:
    check_workshop_data(dataset, framework, proposals, groups, designs)
    return RoundResults(workshop_assessment(dataset, framework, proposals, designs), submissions,
                        tuple(dataset.groups[g] for g in groups), rule)
