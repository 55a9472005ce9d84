"""Group results checked by hand: equal footing vs head count, rough consensus, dispersion, dissent."""

import json

import numpy as np
import pandas as pd
import pytest

import igviz
from igviz.errors import DataValidationError
from igviz.workshop import (CONSENSUS, NO_CONSENSUS, TOO_FEW, ConsensusRule, RoundResults, load_export,
                            workshop_assessment)

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
GROUPS = (DATASET.groups["civil_society"], DATASET.groups["government"])


def assessment():
    """Three proposals scored on two criteria that matter: A is all transparency, B all
    accountability, C a compromise (6, 6). Other criteria get no weight in these tests."""
    a = workshop_assessment(DATASET, "best_bits", ["mipc", "un_committee", "reformed_igf"])
    for pid, (t, acc) in {"mipc": (10, 0), "un_committee": (0, 10), "reformed_igf": (6, 6)}.items():
        a.proposal(pid).set_score("transparent", t)
        a.proposal(pid).set_score("accountable", acc)
    return a


def submission(pid, group, transparent, accountable, comment=""):
    return {"participant": pid, "group": group, "comment": comment,
            **{f"weight.{c}": 0.0 for c in CRITERIA}, "weight.transparent": transparent,
            "weight.accountable": accountable}


def results(rule=ConsensusRule(top_n=1, group_share=0.75, min_group_size=1)):
    # One civil-society participant cares only for transparency; three from government only
    # for accountability (one of them pushes the slider to 10, the others to 4: shares are equal).
    subs = pd.DataFrame([submission("P001", "civil_society", 7, 0),
                         submission("P002", "government", 0, 10),
                         submission("P003", "government", 0, 4, comment="<script>alert(1)</script> we object"),
                         submission("P004", "government", 0, 4)])
    return RoundResults(assessment(), subs, GROUPS, rule)


def test_equal_footing_counts_each_group_once():
    r = results()
    assert r.counts.to_dict() == {"civil_society": 1, "government": 3}
    assert r.equal_footing_weights[["transparent", "accountable"]].tolist() == pytest.approx([0.5, 0.5])
    assert r.headcount_weights[["transparent", "accountable"]].tolist() == pytest.approx([0.25, 0.75])
    # Equal footing: A = B = 5, C = 6, so the compromise wins; by head count B = 7.5 beats C = 6.
    assert r.equal_footing_ranking.index[0] == "reformed_igf"
    assert r.equal_footing_ranking["overall"].tolist() == pytest.approx([6, 5, 5])
    assert r.headcount_ranking.index.tolist() == ["un_committee", "reformed_igf", "mipc"]
    assert r.headcount_ranking["overall"].tolist() == pytest.approx([7.5, 6, 2.5])


def test_rough_consensus_needs_every_group():
    top1 = results().consensus
    # Each group's favourite is the other's last: no consensus on either, nor on C (nobody's first).
    assert top1.loc["mipc", "civil_society"] == CONSENSUS and top1.loc["mipc", "government"] == NO_CONSENSUS
    assert set(top1["overall"]) == {NO_CONSENSUS}
    assert top1.loc["un_committee", "government support"] == 1.0
    # Top two: everyone can support the compromise, so it alone has overall rough consensus.
    top2 = results(ConsensusRule(top_n=2, group_share=0.75, min_group_size=1)).consensus
    assert top2["overall"].to_dict() == {"mipc": NO_CONSENSUS, "un_committee": NO_CONSENSUS,
                                         "reformed_igf": CONSENSUS}
    # One civil-society voice is too few to show a group's consensus when the rule asks for two.
    strict = results(ConsensusRule(top_n=2, group_share=0.75, min_group_size=2)).consensus
    assert strict.loc["reformed_igf", "civil_society"] == TOO_FEW
    assert strict.loc["reformed_igf", "overall"] == TOO_FEW
    assert strict.loc["mipc", "overall"] == NO_CONSENSUS  # government's "no" settles it anyway


def test_a_group_that_has_not_submitted_leaves_consensus_open():
    subs = results().submissions
    r = RoundResults(assessment(), subs, GROUPS + (DATASET.groups["private_sector"],),
                     ConsensusRule(top_n=2, group_share=0.75, min_group_size=1))
    assert r.counts["private_sector"] == 0
    assert r.consensus.loc["reformed_igf", "overall"] == TOO_FEW
    assert np.isnan(r.consensus.loc["reformed_igf", "private_sector support"])


def test_dispersion_puts_the_disputed_criteria_first():
    d = results().dispersion
    assert list(d.index[:2]) == ["transparent", "accountable"] or list(d.index[:2]) == ["accountable", "transparent"]
    # Transparency shares are 1, 0, 0, 0: population standard deviation sqrt(3)/4 = 43.3 points.
    assert d.loc["transparent", "spread"] == pytest.approx(100 * np.sqrt(3) / 4)
    assert d.loc["transparent", "between groups"] == pytest.approx(100)
    assert d.loc["effective", "spread"] == 0


def test_dissent_keeps_comments_as_typed_without_names():
    dissent = results().dissent
    assert len(dissent) == 1
    row = dissent.iloc[0]
    assert row["comment"] == "<script>alert(1)</script> we object"
    assert row["group"] == "government" and row["own top"] == "UN Committee (CIRP)" and row["differs"]


def test_robustness_samples_the_submissions_own_weights():
    rob = results().robustness(samples=2000)
    first = rob.table["rank 1"]
    # Only two weight vectors were submitted (all transparency, or all accountability); with
    # the data's score ranges the compromise can never beat both extremes at once.
    assert first.sum() == pytest.approx(1)
    assert first["reformed_igf"] == pytest.approx(0, abs=0.02)
    assert first["un_committee"] == pytest.approx(0.75, abs=0.05)  # three of the four submissions


def test_robustness_refuses_a_submission_that_cannot_rank_naming_the_participant():
    # The store refuses all-zero weights, but an export edited by hand can hold them: SMAA-2 must
    # not quietly rank with them (it used to divide by zero and rank on NaN).
    subs = pd.DataFrame([submission("P001", "civil_society", 7, 0), submission("P002", "government", 0, 0)])
    from igviz.errors import WeightError
    with pytest.raises(WeightError, match="row 'P002' has all weights zero"):
        RoundResults(assessment(), subs, GROUPS).robustness(samples=500)


def test_empty_round():
    r = RoundResults(assessment(), pd.DataFrame(columns=["participant", "group", "comment"]), GROUPS)
    assert r.counts.sum() == 0 and r.equal_footing_ranking is None and r.robustness() is None
    assert set(r.consensus["overall"]) == {TOO_FEW}
    assert r.dissent.empty


def test_consensus_rule_rejects_nonsense():
    with pytest.raises(ValueError, match="group_share must be more than 0 and at most 1"):
        ConsensusRule(group_share=1.5)
    with pytest.raises(ValueError, match="top_n"):
        ConsensusRule(top_n=0)


def test_a_damaged_export_names_the_submission_and_field(tmp_path):
    doc = {"format": "igviz-workshop-round", "version": 1, "title": "T", "round": 1, "framework": "best_bits",
           "proposals": ["mipc", "un_committee"], "groups": ["civil_society"], "rule": {},
           "submissions": [{"participant": "P001", "group": "civil_society",
                            "submitted_at": "2026-11-22T10:00:00+00:00", "comment": "",
                            "weights": {**{c: 5 for c in CRITERIA}, "transparent": "high"}},
                           {"participant": "P002", "group": "aliens", "submitted_at": "2026-11-22T10:00:00+00:00",
                            "comment": "", "weights": {c: 5 for c in CRITERIA}}]}
    path = tmp_path / "round.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataValidationError) as caught:
        load_export(path)
    message = str(caught.value)
    assert "round.json" in message
    assert "submission 1 (P001)" in message and "weights.transparent" in message and "'high'" in message
    assert "submission 2 (P002)" in message and "'aliens'" in message
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataValidationError, match="expected a .json or .csv"):
        load_export(tmp_path / "notes.txt")


def test_the_group_weights_open_as_an_assessment():
    r = results()
    a = r.assessment_for("equal footing")
    assert a.weights.values()["transparent"] == pytest.approx(10) and a.weights.values()["accountable"] == pytest.approx(10)
    assert a.normalised_weights()["effective"] == 0
    with pytest.raises(ValueError, match="'equal footing' or 'head count'"):
        r.assessment_for("loudest")


def test_the_sample_round_loads_and_ranks():
    from pathlib import Path
    export = load_export(Path(__file__).resolve().parents[1] / "notebooks" / "examples" / "sample_round.json")
    r = export.results()
    assert r.counts.sum() == len(export.submissions) == 18
    assert list(r.assessment_for("equal footing").ranking().order) == list(r.equal_footing_ranking.index)
