"""Sensitivity intervals against a brute-force sweep; SMAA-2 against cases with known answers."""

import numpy as np
import pytest

import igviz
from igviz.methods import order, single_criterion_flows
from igviz.robustness import band, resample, shifted_weights, smaa2, uniform_simplex, weight_sweep


def brute_force_interval(values, weights, j, passes=None, names=None, top_only=False, steps=20001):
    """The run of grid points around the current weight over which the top (or ranking) is unchanged."""
    grid = np.linspace(0, 1, steps)
    rankings = [tuple(order(values @ shifted_weights(weights, j, t), passes, names)) for t in grid]
    key = (lambda r: r[0]) if top_only else (lambda r: r)
    here = int(np.argmin(np.abs(grid - weights[j])))
    now = key(tuple(order(values @ weights, passes, names)))
    lo = hi = here
    while lo > 0 and key(rankings[lo - 1]) == now:
        lo -= 1
    while hi < steps - 1 and key(rankings[hi + 1]) == now:
        hi += 1
    return grid[lo], grid[hi], 1 / (steps - 1)


@pytest.mark.parametrize("seed", range(6))
def test_stability_intervals_match_a_brute_force_sweep(seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 10, size=(7, 5))
    weights = rng.dirichlet(np.ones(5))
    names = [f"p{i}" for i in range(7)]
    passes = rng.random(7) > 0.2 if seed % 2 else None
    for j in range(5):
        sweep = weight_sweep(values, weights, j, passes, names)
        for top_only, exact in ((True, sweep.top_interval), (False, sweep.ranking_interval)):
            lo, hi, step = brute_force_interval(values, weights, j, passes, names, top_only)
            assert exact[0] <= weights[j] <= exact[1]
            assert abs(exact[0] - lo) <= step + 1e-9 and abs(exact[1] - hi) <= step + 1e-9, (j, top_only, exact, (lo, hi))


def test_sweep_lines_reproduce_the_overall_scores():
    rng = np.random.default_rng(3)
    values, weights = rng.uniform(0, 10, (5, 4)), rng.dirichlet(np.ones(4))
    sweep = weight_sweep(values, weights, 2)
    for t in (0.0, 0.3, weights[2], 1.0):
        np.testing.assert_allclose(sweep.overall_at(t), values @ shifted_weights(weights, 2, t))


def test_promethee_intervals_use_the_single_criterion_flows():
    rng = np.random.default_rng(4)
    scores, weights = rng.uniform(0, 10, (6, 4)), rng.dirichlet(np.ones(4))
    flows = single_criterion_flows(scores, "linear", 0.5, 3)
    sweep = weight_sweep(flows, weights, 1)
    lo, hi, step = brute_force_interval(flows, weights, 1)
    assert abs(sweep.ranking_interval[0] - lo) <= step + 1e-9 and abs(sweep.ranking_interval[1] - hi) <= step + 1e-9


def test_assessment_sensitivity_table_on_the_seed_data():
    a = igviz.Assessment()
    table = a.sensitivity_table()
    assert list(table.index) == a.weights.criteria
    assert ((table["top_from"] <= table["weight"]) & (table["weight"] <= table["top_to"])).all()
    assert ((table["top_from"] <= table["ranking_from"]) & (table["ranking_to"] <= table["top_to"])).all()


# -- SMAA-2 ---------------------------------------------------------------------------------------

def test_a_dominating_proposal_is_first_in_every_sample():
    scores = np.array([[9.0, 9, 9], [5, 6, 4], [3, 8, 2]])
    r = smaa2(scores, scores - 0.5, scores + 0.5, uniform_simplex(3), 5000, seed=1)
    assert r.acceptability[0, 0] == 1.0
    assert r.confidence[0] == 1.0
    np.testing.assert_allclose(r.acceptability.sum(axis=0), 1)  # each rank is held by someone
    np.testing.assert_allclose(r.acceptability.sum(axis=1), 1)  # each proposal has some rank


@pytest.mark.parametrize("score_uncertainty", [False, True])
def test_identical_proposals_share_their_acceptabilities(score_uncertainty):
    scores = np.array([[6.0, 4, 5], [6.0, 4, 5], [5, 5, 5]])
    r = smaa2(scores, scores - 1, scores + 1, uniform_simplex(3), 20_000, seed=2, score_uncertainty=score_uncertainty)
    np.testing.assert_allclose(r.acceptability[0], r.acceptability[1], atol=0.02)


def test_results_are_reproducible_for_a_seed_and_differ_across_seeds():
    scores = np.random.default_rng(5).uniform(0, 10, (6, 4))
    one = smaa2(scores, scores - 1, scores + 1, uniform_simplex(4), 3000, seed=11)
    two = smaa2(scores, scores - 1, scores + 1, uniform_simplex(4), 3000, seed=11)
    other = smaa2(scores, scores - 1, scores + 1, uniform_simplex(4), 3000, seed=12)
    np.testing.assert_array_equal(one.acceptability, two.acceptability)
    np.testing.assert_array_equal(one.central_weights, two.central_weights)
    assert not np.array_equal(one.acceptability, other.acceptability)


def test_symmetric_case_with_a_known_answer():
    # Each proposal is best on exactly one criterion: with weights uniform on the simplex,
    # symmetry gives each a first-rank acceptability of 1/3 and central weight 1/2 on its own
    # criterion (the mean of the largest coordinate of a uniform point on the 2-simplex is 11/18).
    scores = np.eye(3) * 10
    r = smaa2(scores, scores, scores, uniform_simplex(3), 60_000, seed=3, score_uncertainty=False)
    np.testing.assert_allclose(r.acceptability[:, 0], 1 / 3, atol=0.01)
    np.testing.assert_allclose(np.diag(r.central_weights), 11 / 18, atol=0.01)


@pytest.mark.parametrize("score_uncertainty", [False, True])
def test_identical_proposals_below_a_minimum_share_the_last_ranks(score_uncertainty):
    # Both fail the minimum on the second criterion: they rank after the third proposal and,
    # being identical, share ranks 2 and 3 instead of the first listed always taking rank 2.
    scores = np.array([[6.0, 4, 5], [6.0, 4, 5], [5, 5, 5]])
    low, high = (scores - 0.2, scores + 0.2) if score_uncertainty else (scores, scores)
    r = smaa2(scores, low, high, uniform_simplex(3), 20_000, seed=4, score_uncertainty=score_uncertainty,
              minimums=np.array([np.nan, 4.5, np.nan]))
    assert r.acceptability[2, 0] == 1.0
    np.testing.assert_allclose(r.acceptability[0], r.acceptability[1], atol=0.02)
    np.testing.assert_allclose(r.acceptability[0, 1:], 0.5, atol=0.02)


def test_within_sampling_error_of_a_large_sample_reference():
    a = igviz.Assessment()
    x, lo, hi = a.score_arrays()
    small = smaa2(x, lo, hi, uniform_simplex(x.shape[1]), 10_000, seed=1)
    large = smaa2(x, lo, hi, uniform_simplex(x.shape[1]), 100_000, seed=99)
    # At 10,000 samples an index carries about ±0.01 at 95 % confidence (Tervonen and Lahdelma 2007).
    assert np.abs(small.acceptability - large.acceptability).max() < 0.015


def test_thresholds_push_failing_proposals_to_the_last_ranks():
    scores = np.array([[9.0, 1.0], [5.0, 5.0], [4.0, 4.0]])
    r = smaa2(scores, scores, scores, uniform_simplex(2), 2000, seed=0, score_uncertainty=False,
              minimums=np.array([np.nan, 3.0]))
    assert r.acceptability[0, 2] == 1.0


def test_weight_samplers_stay_on_the_simplex_and_near_the_given_weights():
    rng = np.random.default_rng(0)
    w = np.array([0.5, 0.3, 0.2])
    for sampler in (uniform_simplex(3), band(w, 0.1), resample(np.array([[1, 1, 1], [4, 0, 1]]))):
        s = sampler(rng, 1000)
        np.testing.assert_allclose(s.sum(axis=1), 1)
        assert (s >= 0).all()
    near = band(w, 0.05)(rng, 5000)
    assert np.abs(near.mean(axis=0) - w).max() < 0.02


def test_assessment_smaa_uses_its_weights_and_thresholds():
    a = igviz.Assessment()
    r = a.smaa(samples=4000, weights="band", band_width=0.02, seed=0)
    table = r.table
    assert list(table.columns[:3]) == ["rank 1", "rank 2", "rank 3"]
    assert table.loc[a.ranking().top, "rank 1"] > 0.5  # close to my weights, my top mostly wins
    a.set_threshold("human_rights", 5.5)
    failing = [p for p in a.ranking().table.index if not a.ranking().table.loc[p, "passes"]]
    r = a.smaa(samples=2000, seed=0, score_uncertainty=False)
    assert (r.table.loc[failing, "rank 1"] == 0).all()
