"""Setting up a workshop from the data, and the assessment its results are computed with."""

from __future__ import annotations

from ..dataset import Dataset
from ..i18n import N_
from ..model import Assessment, Proposal
from .results import ConsensusRule, RoundResults
from .store import Created, WorkshopError, WorkshopStore

# The default caucuses, as in the MIPC (001); intergovernmental organisations are observers there.
DEFAULT_GROUPS = ("civil_society", "government", "private_sector", "technical_academic")


def new_workshop(store: WorkshopStore, dataset: Dataset, title: str, framework: str | None = None,
                 proposals=None, groups=None, rule: ConsensusRule | None = None, organiser_key: str = "") -> Created:
    """Create a workshop after checking every id against the data; returns it with its facilitator secret."""
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
    return store.create_workshop(title, framework, dataset.framework(framework).criterion_ids, proposals, groups, rule,
                                 organiser_key=organiser_key)


def check_workshop_data(dataset: Dataset, framework: str, proposals=(), groups=()) -> None:
    """Refuse, with a message naming them, the ids of a workshop that the served data lacks.

    A workshop keeps ids, not data: one created on an analyst's own folder and opened on a server
    of other data (`igviz serve` without that `--data`) would otherwise fail deep inside a page."""
    missing = ([framework] if framework not in dataset.frameworks else []) + \
        [p for p in proposals if p not in dataset.proposals] + [g for g in groups if g not in dataset.groups]
    if missing:
        raise WorkshopError("This workshop was set up with data this server does not have ({missing}). The "
                            "facilitator can serve the data the workshop was made with: igviz serve --data FOLDER",
                            missing=", ".join(map(repr, missing)))


def workshop_assessment(dataset: Dataset, framework: str, proposals) -> Assessment:
    """An assessment of just the workshop's proposals under its framework, weighted sum, no stance."""
    check_workshop_data(dataset, framework, proposals)
    records = [dataset.proposal(p) for p in proposals]
    return Assessment(dataset, framework=framework, proposals=[Proposal(r, dataset) for r in records])


def round_results(dataset: Dataset, framework: str, proposals, groups, rule: ConsensusRule, submissions) -> RoundResults:
    check_workshop_data(dataset, framework, proposals, groups)
    return RoundResults(workshop_assessment(dataset, framework, proposals), submissions,
                        tuple(dataset.groups[g] for g in groups), rule)
