"""The facilitator's and analyst's side of rating rounds (#16): rough consensus on the ranking under
the room's scores, rankings under each perspective, round history (convergence) and exports that carry
the perspectives, opinion groups and earlier rounds, recomputed by `load_export(...).results()`.

Hand-worked cases: everyone weights transparency only, so a proposal's overall score is its
transparency score (bundled: UN committee 8, the two Best Bits composites 7.73, most others 6).
"""

import json
import math

import numpy as np
import pandas as pd
import pytest

import igviz
from igviz.perspective import BUNDLED_NAME
from igviz.workshop import (CONSENSUS, NO_CONSENSUS, ConsensusRule, WorkshopStore, export_round, load_export,
                            new_workshop, round_results)
from igviz.workshop.history import compare_rounds, convergence, with_history
from igviz.errors import DataValidationError

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
GROUPS = ("civil_society", "government", "private_sector", "technical_academic")
ROOM = "The room, each stakeholder group counting once"
RULE = ConsensusRule(top_n=1, group_share=0.75, min_group_size=2)


def only_transparent():
    return {c: (10.0 if c == "transparent" else 0.0) for c in CRITERIA}


def disputed_round(cs=(2, 3), gov=(9, 10), weights=True):
    """Civil society rates the UN committee's transparency low, the government high (4 people)."""
    rows = [(f"P00{i + 1}", g, v) for i, (g, v) in enumerate(
        [("civil_society", cs[0]), ("civil_society", cs[1]), ("government", gov[0]), ("government", gov[1])])]
    subs = pd.DataFrame([{"participant": p, "group": g, "comment": "", "submitted_at": pd.Timestamp("2026-11-30", tz="UTC"),
                          **({f"weight.{c}": w for c, w in only_transparent().items()} if weights else {}),
                          "rating.un_committee.transparent": float(v)} for p, g, v in rows])
    return round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS[:2], RULE, subs)


def test_rough_consensus_on_the_ranking_under_the_rooms_scores_by_hand():
    r = disputed_round()
    # Under the bundled scores everyone's first is the UN committee (8): rough consensus in both groups.
    assert r.consensus.loc["un_committee", "overall"] == CONSENSUS
    # Each as they see it: civil society's own ratings (2, 3) put the UN committee below the Best Bits
    # composites (7.73, tied: both supported); the government's (9, 10) keep it first. The room's
    # rating (2.5 + 9.5) / 2 = 6 ranks the composites first.
    c = r.rating_consensus
    assert set(c.index[:2]) == {"best_bits_composite", "best_bits_composite_cstd"}  # tied, by name
    assert c.loc["best_bits_composite_cstd", "rank (room's scores)"] == 1
    assert c.loc["best_bits_composite", "civil_society support"] == 1.0
    assert c.loc["best_bits_composite", "government support"] == 0.0
    assert c.loc["un_committee", "civil_society support"] == 0.0 and c.loc["un_committee", "government support"] == 1.0
    assert (c.loc["best_bits_composite", "civil_society"], c.loc["best_bits_composite", "government"]) == (CONSENSUS, NO_CONSENSUS)
    assert c.loc["best_bits_composite", "overall"] == NO_CONSENSUS and c.loc["un_committee", "overall"] == NO_CONSENSUS
    # The scores each participant ranks by: own rating where given, the room's elsewhere.
    un = [p.id for p in r.assessment.proposals].index("un_committee")
    assert r.rating_personal_scores[:, un].tolist() == pytest.approx([2, 3, 9, 10])
    assert "P00" not in c.to_string()


def test_a_ratings_only_round_takes_its_rough_consensus_with_the_rankings_weights():
    plain = disputed_round(weights=False)
    assert plain.equal_footing_ranking is None
    # Equal weights on all ten criteria: each person's view differs from the room's by one cell / 10.
    un = [p.id for p in plain.assessment.proposals].index("un_committee")
    room = plain.assessment_under(None).score_arrays()[0]
    expected = [room[un].mean() + (v - 6.0) / len(CRITERIA) for v in (2, 3, 9, 10)]
    assert plain.rating_personal_scores[:, un] == pytest.approx(expected)
    assert plain.rating_consensus is not None


def test_the_ranking_follows_the_perspective_chosen():
    r = disputed_round()
    assert r.ranking_under(None).index[0] == "un_committee"  # bundled: 8
    room = r.ranking_under(ROOM)
    assert room.index[0] == "best_bits_composite_cstd" and room.loc["un_committee", "overall"] == pytest.approx(6.0)
    gov = r.ranking_under("Stakeholder group government")
    assert gov.index[0] == "un_committee" and gov.loc["un_committee", "overall"] == pytest.approx(9.5)
    cs = r.ranking_under("Stakeholder group civil_society")
    assert cs.loc["un_committee", "overall"] == pytest.approx(2.5)
    assert r.ranking_under(BUNDLED_NAME).equals(r.ranking_under(None))
    with pytest.raises(KeyError, match="no perspective 'Nobody'.*known: Best Bits"):
        r.ranking_under("Nobody")


def test_round_history_shows_convergence_over_every_round():
    first, second, third = disputed_round(), disputed_round(cs=(7, 8)), disputed_round(cs=(8, 9), gov=(9, 9))
    history = convergence({1: first, 2: second, 3: third})
    assert list(history.index) == [1, 2, 3] and history["submissions"].tolist() == [4, 4, 4]
    # Spread of the four ratings (population standard deviation): (2,3,9,10) → 3.54; (7,8,9,10) → 1.12; (8,9,9,9) → 0.43.
    assert history["rating spread"].tolist() == pytest.approx([math.sqrt(12.5), math.sqrt(1.25), math.sqrt(0.1875)])
    assert history["rating spread (cells rated in every round)"].is_monotonic_decreasing
    assert history.attrs["common cells"] == [("un_committee", "transparent")]
    assert history["first"].tolist() == ["best_bits_composite_cstd", "un_committee", "un_committee"]
    assert history["weight spread"].tolist() == [0.0, 0.0, 0.0]  # everyone's weights the same
    # A round's results told of the earlier ones compare with any of them.
    with_history(third, 3, {1: first, 2: second})
    assert third.round_history().equals(history)
    assert third.compare_with(1).ratings.loc[("un_committee", "transparent"), "room (before)"] == 6.0
    assert third.compare_with().ratings.loc[("un_committee", "transparent"), "room (before)"] == 8.5
    with pytest.raises(KeyError, match="no round 5 before this one"):
        third.compare_with(5)


def test_a_ratings_only_round_ranks_with_the_last_rounds_weights():
    weighed = disputed_round()
    plain = with_history(disputed_round(weights=False), 2, {1: weighed})
    assert plain.rating_ranking.attrs["weights"] == "the weights given"
    assert plain.rating_ranking.loc["un_committee", "overall (room's scores)"] == pytest.approx(6.0)


@pytest.fixture
def store(tmp_path):
    s = WorkshopStore(f"sqlite:///{tmp_path / 'w.sqlite'}", min_seconds_between_submissions=0)
    yield s
    s.dispose()


def two_rounds(store, n_per_group=6):
    """A workshop of two rounds asking weights and ratings; round 2 converges on the disputed cell."""
    created = new_workshop(store, DATASET, "Two rounds", groups=["civil_society", "government"])
    code, secret = created.workshop.code, created.secret
    store.set_round_asks(code, secret, "both", rated={"un_committee": ["transparent", "accountable"]})
    rng = np.random.default_rng(3)
    tokens = []
    for g, low in (("civil_society", True), ("government", False)):
        for i in range(n_per_group):
            tokens.append((store.join(code, g, f"{g}{i}"), low))
    for token, low in tokens:
        store.submit(token, {c: float(rng.integers(0, 11)) for c in CRITERIA},
                     ratings={"un_committee": {"transparent": 1 + rng.integers(0, 2) if low else 9 + rng.integers(0, 2),
                                               "accountable": 5}})
    store.close_round(code, secret)
    store.open_round(code, secret, asks="both", rated={"un_committee": ["transparent"]})
    for token, low in tokens:
        store.submit(token, {c: 5.0 for c in CRITERIA},
                     ratings={"un_committee": {"transparent": 6 + rng.integers(0, 2) if low else 8}})
    return code, secret


def test_an_export_carries_earlier_rounds_perspectives_and_opinion_groups_and_recomputes_them(store, tmp_path):
    code, secret = two_rounds(store)
    export = export_round(store, code, secret)
    assert export.round == 2 and [e.round for e in export.earlier] == [1]
    path = export.save(tmp_path / "round.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [e["round"] for e in doc["earlier_rounds"]] == [1] and len(doc["earlier_rounds"][0]["submissions"]) == 12
    computed = doc["computed"]
    assert set(computed) == {"perspectives", "rating_ranking", "rating_consensus", "opinion_groups", "round_history"}
    assert set(computed["perspectives"]) == {ROOM, "Stakeholder group civil_society", "Stakeholder group government"}
    assert "civil_society0" not in path.read_text(encoding="utf-8")  # pseudonyms never leave the store

    back = load_export(path)
    assert [e.round for e in back.earlier] == [1] and back.earlier[0].rated == {"un_committee": ["transparent", "accountable"]}
    r = back.results()
    # Recomputed from the submissions, the results are the ones the export recorded.
    room = r.perspectives()[ROOM].table().reset_index()
    recorded = pd.DataFrame(computed["perspectives"][ROOM]["cells"])
    assert recorded[["score", "low", "high"]].to_numpy() == pytest.approx(room[["score", "low", "high"]].to_numpy(), abs=1e-6)
    history = r.round_history()
    assert pd.DataFrame(computed["round_history"])["rating spread"].tolist() == pytest.approx(history["rating spread"].tolist())
    assert history.loc[2, "rating spread"] < history.loc[1, "rating spread"]  # the room converged
    assert r.compare_with(1).converged()["ratings"] is True
    groups = r.opinion_groups()
    assert computed["opinion_groups"]["structure"] == groups.structure and computed["opinion_groups"]["k"] == groups.k
    assert computed["rating_consensus"][0]["overall"] == r.rating_consensus.iloc[0]["overall"]
    # The per-cell perspectives as a spreadsheet.
    csv = back.perspective_csv()
    assert csv.startswith("\ufeffperspective,whose,proposal,criterion") and ROOM in csv
    # Exporting round 1 carries no earlier round; its results have no history.
    first = load_export(export_round(store, code, secret, 1).save(tmp_path / "first.json"))
    assert first.earlier == () and first.results().earlier == {}
    with pytest.raises(KeyError, match="no earlier round"):
        first.results().compare_with()


def test_a_damaged_earlier_round_is_named(store, tmp_path):
    code, secret = two_rounds(store, n_per_group=2)
    path = export_round(store, code, secret).save(tmp_path / "round.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["earlier_rounds"][0]["submissions"][1]["ratings"]["un_committee"]["transparent"] = 12
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"earlier round 1, submission 2 \(P002\).*rating.un_committee.transparent.*"
                                                  r"expected a rating from 0 to 10"):
        load_export(path)
    doc["earlier_rounds"][0]["round"] = 2
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataValidationError, match="expected a round number from 1 to 1"):
        load_export(path)
