"""Live workshops: a store of rounds and submissions, the group's results, exports.

No Panel here: the facilitator and participant pages (igviz.pages) and notebooks share it;
`Participation` is one participant's way through a workshop, which both participant pages render.
"""

from .export import WorkshopExport, load_export, load_perspectives
from .participation import Participation
from .plan import (DEFAULT_GROUPS, add_designs, check_workshop_data, designs_from_file, designs_from_link, new_workshop,
                   round_results, workshop_assessment)
from .results import CONSENSUS, NO_CONSENSUS, TOO_FEW, ConsensusRule, RoundResults
from .store import (AccessDenied, Created, DatabaseUnavailable, DatabaseVersionError, ParticipantInfo, RoundInfo, WorkshopError, WorkshopInfo,
                    WorkshopStore, database_url, shared_store)

__all__ = ["AccessDenied", "add_designs", "designs_from_file", "designs_from_link", "CONSENSUS", "check_workshop_data", "ConsensusRule", "Created", "DatabaseUnavailable", "DatabaseVersionError",
           "DEFAULT_GROUPS", "NO_CONSENSUS", "ParticipantInfo", "Participation", "RoundInfo", "RoundResults", "TOO_FEW",
           "WorkshopError", "WorkshopExport",
           "WorkshopInfo", "WorkshopStore", "database_url", "export_round", "shared_store", "load_export", "load_perspectives", "new_workshop",
           "round_results", "workshop_assessment"]


def export_round(store: WorkshopStore, code: str, secret: str, round_number: int | None = None) -> WorkshopExport:
    """A round's anonymised submissions with the workshop's set-up, ready to save as CSV or JSON; the
    earlier rounds' submissions come with it (round history; the JSON carries them)."""
    info = store.check_secret(code, secret)
    number = round_number or (info.round.number if info.round else 1)
    rounds = {r.number: r for r in store.rounds(code)}

    def one(n: int) -> WorkshopExport:
        rnd = rounds.get(n)
        rated = None if rnd is None or rnd.rated is None else {p: list(cs) for p, cs in rnd.rated}
        return WorkshopExport(info.title, info.framework, info.proposals_in(n), info.groups, info.rule, n,
                              store.submissions(code, secret, n), rnd.asks if rnd else "weights", rated,
                              info.designs_in(n) or None)
    export = one(number)
    export.earlier = tuple(one(n) for n in sorted(rounds) if n < number)
    return export
