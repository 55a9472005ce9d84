"""Writes sample_round.json: an invented workshop round for the workshop notebook to analyse.

The participants and their weights are made up (drawn at random around a leaning per
stakeholder group, with a fixed seed); only the set-up and the format are real. Run it again
after changing the export format: `python notebooks/examples/make_sample_round.py`.
"""

from pathlib import Path

import numpy as np
import pandas as pd

import igviz
from igviz.workshop import ConsensusRule, WorkshopExport

HERE = Path(__file__).parent
# What each group leans towards, as multipliers on an even spread of weight (invented).
LEANINGS = {
    "civil_society": {"human_rights": 2.0, "inclusive": 1.6, "accountable": 1.4, "meaningful_participation": 1.5},
    "government": {"effective": 1.8, "accountable": 1.3, "public_interest": 1.6, "transparent": 1.2},
    "private_sector": {"effective": 1.7, "expertise": 1.8, "adaptable": 1.5},
    "technical_academic": {"expertise": 2.0, "adaptable": 1.6, "transparent": 1.4, "points_of_view": 1.2},
}
HEADCOUNT = {"civil_society": 7, "government": 3, "private_sector": 4, "technical_academic": 4}
COMMENTS = {
    2: "Any new council must not become a venue for capture: we object to a UN-housed body.",
    9: "Governments need one place to bring public policy issues; a dispersed model is hard to navigate.",
    13: "Issue-specific working groups only work if the experts can take part remotely.",
}


def main() -> Path:
    dataset = igviz.load_dataset()
    criteria = dataset.default_framework.criterion_ids
    rng = np.random.default_rng(2026)
    rows, n = [], 0
    for group, count in HEADCOUNT.items():
        for _ in range(count):
            n += 1
            lean = np.array([LEANINGS[group].get(c, 1.0) for c in criteria])
            weights = np.clip(np.round(5 * lean * rng.uniform(0.6, 1.3, len(criteria))), 0, 10)
            rows.append({"participant": f"P{n:03d}", "group": group, "comment": COMMENTS.get(n, ""),
                         "submitted_at": pd.Timestamp("2026-11-20T10:00:00Z") + pd.Timedelta(seconds=37 * n),
                         **{f"weight.{c}": float(w) for c, w in zip(criteria, weights)}})
    export = WorkshopExport("Sample round (invented submissions)", dataset.default_framework.id,
                            tuple(dataset.proposals), tuple(HEADCOUNT), ConsensusRule(), 1, pd.DataFrame(rows))
    return export.save(HERE / "sample_round.json")


if __name__ == "__main__":
    print(main())
