"""The param model: weights from the data, reactive derivations, clear refusals."""

import math

import numpy as np
import pandas as pd
import param
import pytest

import igviz
from igviz import Assessment, WeightError

from conftest import SOURCE, minimal_proposal, write_yaml


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def test_model_imports_no_panel():
    import subprocess
    import sys

    code = "import sys, igviz, igviz.model; print('panel' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_weights_have_one_parameter_per_criterion_of_the_active_framework(data):
    a = Assessment(data)
    assert a.weights.criteria == data.default_framework.criterion_ids
    assert a.weights.param["human_rights"].label == "Human rights"
    a.framework = "atlas_ii"
    assert a.weights.criteria == ["atlas_inclusiveness", "atlas_legitimacy", "atlas_effectiveness", "atlas_accountability"]
    assert not hasattr(a.weights, "transparent")


def test_normalised_weights_contributions_and_overall_agree(data):
    a = Assessment(data)
    a.set_weights(transparent=10, expertise=0, human_rights=2)
    r = a.ranking()
    assert math.isclose(r.weights.sum(), 1.0)
    assert r.weights["expertise"] == 0
    np.testing.assert_allclose(r.contributions.sum(axis=1), r.table["overall"])
    # Overall = Σ normalised weight × score, recomputed by hand from the data.
    pid = r.top
    by_hand = sum(r.weights[c] * data.score(pid, c).score for c in r.weights.index)
    assert math.isclose(r.table.loc[pid, "overall"], by_hand)
    assert list(r.table["rank"]) == list(range(1, len(data.proposals) + 1))
    assert r.table["overall"].is_monotonic_decreasing


def test_the_published_result_follows_every_input_even_after_a_framework_switch(data):
    # Views depend on `result` alone: any input that changes the ranking must publish a new one.
    a = Assessment(data)
    seen = []
    a.param.watch(lambda e: seen.append(e.new), "result")

    def changed(action):
        seen.clear()
        action()
        assert seen and seen[-1] is a.result, "no new result was published"
        return a.result

    changed(lambda: setattr(a.weights, "transparent", 9))
    changed(lambda: setattr(a, "method", "promethee_ii"))
    r = changed(lambda: setattr(a.methods["promethee_ii"], "preference", "usual"))
    assert "usual" in r.method_label
    changed(lambda: a.set_threshold("transparent", 5))
    changed(lambda: setattr(a, "stance", 0.5))
    changed(lambda: a.proposal("mipc").set_score("transparent", 1))
    changed(lambda: setattr(a.proposal("mipc"), "centralisation_shift", 0.3))
    old_weights = a.weights
    r = changed(lambda: setattr(a, "framework", "atlas_ii"))
    assert list(r.weights.index) == a.active_framework.criterion_ids
    # The old weights no longer drive anything; the new ones do.
    seen.clear()
    old_weights.transparent = 0
    assert not seen
    changed(lambda: setattr(a.weights, "atlas_legitimacy", 10))


def test_framework_switches_leave_the_number_of_watchers_unchanged(data):
    a = Assessment(data)

    def count():
        own = sum(len(w) for ws in a.param.watchers.values() for w in ws.values())
        return own + sum(len(w) for ws in a.weights.param.watchers.values() for w in ws.values())

    before = count()
    for framework in ["atlas_ii", "netmundial", "best_bits"] * 7:
        a.framework = framework
    assert count() == before


def test_weights_that_cannot_rank_publish_a_problem_not_a_result(data):
    a = Assessment(data)
    a.set_weights({c: 0 for c in a.weights.criteria})
    assert a.result is None and "All weights are zero" in a.problem
    with pytest.raises(WeightError):
        a.ranking()
    a.weights.transparent = 1
    assert a.result is not None and a.problem == ""


def test_ranking_changes_when_a_weight_moves(data):
    a = Assessment(data)
    before = a.ranking().table["overall"].sort_index()
    a.weights.transparent = 10
    after = a.ranking().table["overall"].sort_index()
    assert not np.allclose(before, after)


def test_weighting_clarity_favours_the_un_committee_and_expertise_the_dispersed_models(data):
    # The Best Bits group's own reading (000 §3, §5): the UN Committee is strong on clarity of
    # process, weak on expertise; dispersed models draw in issue-based expertise.
    a = Assessment(data)
    a.set_weights({c: 0 for c in a.weights.criteria})
    a.set_weights(transparent=10)
    clarity = a.ranking().table
    a.set_weights(transparent=0, expertise=10)
    expertise = a.ranking().table
    assert clarity.loc["un_committee", "rank"] < expertise.loc["un_committee", "rank"]
    assert expertise.loc["un_committee", "rank"] == len(expertise)


def test_all_zero_weights_give_a_message_not_nan(data):
    a = Assessment(data)
    a.set_weights({c: 0 for c in a.weights.criteria})
    assert "All weights are zero" in a.problem
    with pytest.raises(WeightError, match="All weights are zero"):
        a.ranking()
    a.weights.reset()
    assert a.problem == ""
    assert not a.ranking().table["overall"].isna().any()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1])
def test_negative_or_non_finite_weights_are_refused_with_the_criterion_named(data, bad):
    a = Assessment(data)
    with pytest.raises(ValueError, match="Weight 'Human rights'"):
        a.weights.human_rights = bad
    assert a.weights.human_rights == 5  # the refused value was not kept


def test_unknown_criterion_in_set_weights(data):
    with pytest.raises(KeyError, match="unknown criteria \\['openness'\\]"):
        Assessment(data).set_weights(openness=3)


def test_switching_framework_rebuilds_weights_and_ranks_on_derived_scores(data):
    a = Assessment(data)
    a.set_weights(transparent=9)
    a.framework = "atlas_ii"
    r = a.ranking()
    assert list(r.weights.index) == a.weights.criteria
    # A derived score is the weighted mean of the default scores it is built from.
    criterion = data.criterion("atlas_accountability")
    total = sum(criterion.derived_from.values())
    expected = sum(w / total * data.score("mipc", c).score for c, w in criterion.derived_from.items())
    assert math.isclose(data.score("mipc", "atlas_accountability").score, expected)
    explained = a.explain("mipc").loc["atlas_accountability"]
    assert explained["citations"], "a derived score keeps the citations of its parts"
    assert "Derived from the Best Bits" in explained["rationale"]


def test_threshold_puts_a_failing_proposal_last_whatever_the_weights(data):
    a = Assessment(data)
    top = a.ranking().top
    floor = a.proposal(top).score("human_rights").score + 0.5
    a.set_threshold("human_rights", floor)
    table = a.ranking().table
    failing = table[~table["passes"]]
    assert top in failing.index
    assert (table["passes"].values[: (table["passes"]).sum()]).all()  # every pass ranks before every fail
    assert "Human rights" in table.loc[top, "failed"]
    a.set_threshold("human_rights", None)
    assert a.ranking().top == top


def test_promethee_ranks_on_net_flows(data):
    a = Assessment(data, method="promethee_ii")
    r = a.ranking()
    assert abs(r.table["overall"].sum()) < 1e-9  # net flows sum to zero
    np.testing.assert_allclose(r.contributions.sum(axis=1), r.table["overall"])


def test_changing_a_score_in_code_reranks_and_flows_into_derived_criteria(data):
    a = Assessment(data)
    last = a.ranking().order[-1]
    for c in a.weights.criteria:
        a.proposal(last).set_score(c, 10)
    assert a.ranking().top == last
    a.framework = "atlas_ii"
    assert a.proposal(last).score("atlas_accountability").score == 10
    with pytest.raises(ValueError, match="in 0..10"):
        a.proposal(last).set_score("expertise", 11)


def test_proposal_attributes_are_parameters(data):
    p = Assessment(data).proposal("mipc")
    assert isinstance(p.param["decision_rule"], param.Selector)
    assert p.decision_rule == "rough_consensus"
    p.binding = True
    with pytest.raises(ValueError):
        p.decision_rule = "coin toss"


def test_an_analyst_adds_a_proposal_from_dataframes_and_ranks_it(data):
    criteria = data.default_framework.criterion_ids
    proposals = pd.DataFrame([{
        "id": "igf_plus", "name": "IGF Plus", "short_name": "IGF Plus", "proponent": "UN HLPDC (2019)",
        "description": "An analyst's own proposal.", "home_institution": "IGF", "decision_rule": "rough_consensus",
        "seats": "government: 1, civil_society: 1", "binding": False, "coordinating_function": True,
        "issue_working_groups": True, "source": SOURCE, "quote": "A new coordinating function is needed.",
    }])
    scores = pd.DataFrame([{"proposal": "igf_plus", "criterion": c, "score": 9.5, "low": 7, "high": 10,
                            "evidence": "inferred", "rationale": "Inferred by the analyst.", "source": SOURCE,
                            "quote": "A new coordinating function is needed."} for c in criteria])
    mine = igviz.Dataset.from_frames(proposals=proposals, scores=scores, base=data)
    assert mine.proposals["igf_plus"].attributes.seats == {"government": 1.0, "civil_society": 1.0}
    assert Assessment(mine).ranking().top == "igf_plus"


def test_a_user_framework_from_a_dataframe(data):
    criteria = pd.DataFrame([
        {"framework": "ours", "id": "ours_voice", "name": "Voice", "group": "Ours", "description": "d",
         "source": SOURCE, "quote": "Meaningful participation", "derived_from": "meaningful_participation: 1",
         "derivation_rationale": "Same idea."},
        {"framework": "ours", "id": "ours_skill", "name": "Skill", "group": "Ours", "description": "d",
         "source": SOURCE, "quote": "necessary expertise", "derived_from": {"expertise": 2, "effective": 1},
         "derivation_rationale": "Mostly expertise."},
    ])
    mine = igviz.Dataset.from_frames(criteria=criteria, base=data)
    a = Assessment(mine, framework="ours")
    assert a.weights.criteria == ["ours_voice", "ours_skill"]
    assert len(a.ranking().table) == len(data.proposals)


def test_user_folder_frameworks_and_proposals(data, user_folder):
    write_yaml(user_folder / "proposals" / "p.yaml", minimal_proposal())
    mine = igviz.load_dataset(igviz.BUNDLED_DATA, user_folder)
    a = Assessment(mine)
    assert "test_model" in a.ranking().table.index


def test_the_stance_sweep_leaves_out_stances_where_no_weight_is_left(data):
    # Only a centralised-side criterion weighted: at the most dispersed stance its weight is zero.
    a = Assessment(data)
    centralised = next(l.criterion for l in data.tradeoff.stance if l.side == "centralised")
    a.set_weights({c: (5 if c == centralised else 0) for c in a.weights.criteria})
    sweep = a.stance_sweep(41)
    assert -1.0 not in sweep["stance"].round(6).tolist()
    assert len(sweep) == 40 and sweep["top"].notna().all()
