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
    # Scores as stated: the designed Best Bits composite's ranges are wide (000 left much open), so
    # with score uncertainty no proposal wins most samples even close to my weights.
    r = a.smaa(samples=4000, weights="band", band_width=0.02, seed=0, score_uncertainty=False)
    table = r.table
    assert list(table.columns[:3]) == ["rank 1", "rank 2", "rank 3"]
    assert table.loc[a.ranking().top, "rank 1"] > 0.5  # close to my weights, my top mostly wins
    a.set_threshold("expertise", 6.5)   # some pass (7 and up), most fail
    failing = [p for p in a.ranking().table.index if not a.ranking().table.loc[p, "passes"]]
    r = a.smaa(samples=2000, seed=0, score_uncertainty=False)
    assert (r.table.loc[failing, "rank 1"] == 0).all()


# -- SMAA-2 under PROMETHEE II ------------------------------------------------------------------------

from functools import partial  # noqa: E402

from igviz.errors import WeightError  # noqa: E402
from igviz.methods import PREFERENCE_FUNCTIONS, promethee_ii, ranks  # noqa: E402
from igviz.methods.promethee import single_criterion_flows_batched  # noqa: E402


@pytest.mark.parametrize("preference", list(PREFERENCE_FUNCTIONS))
@pytest.mark.parametrize("q, p", [(0.5, 3.0), (0.0, 0.0), (2.0, 1.0), (1.0, 1.0)])
def test_batched_flows_equal_the_flows_of_each_matrix(preference, q, p):
    rng = np.random.default_rng(7)
    stack = rng.integers(0, 11, (4, 3, 6, 5)).astype(float)     # integer scores: many exact ties and thresholds hit
    stack[0, 0] += rng.uniform(-0.5, 0.5, (6, 5))
    batched = single_criterion_flows_batched(stack, preference, q, p)
    assert batched.shape == stack.shape
    for i in range(4):
        for j in range(3):
            np.testing.assert_allclose(batched[i, j], single_criterion_flows(stack[i, j], preference, q, p), atol=1e-12)
    # One matrix in, the same as the 2-D function; float32 in, float32 out.
    np.testing.assert_allclose(single_criterion_flows_batched(stack[1, 2], preference, q, p),
                               single_criterion_flows(stack[1, 2], preference, q, p), atol=1e-12)
    single = single_criterion_flows_batched(stack.astype(np.float32), preference, q, p)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, batched, atol=1e-5)


def fixed_weights(rows: np.ndarray):
    """A weight sampler handing out the given rows in order, whatever the generator."""
    position = [0]

    def sample(rng, size):
        out = rows[position[0]:position[0] + size]
        position[0] += size
        return out
    return sample


def test_promethee_smaa_counts_the_ranks_promethee_ii_gives_each_sample():
    # No score uncertainty and a fixed list of weight vectors: each rank acceptability must be
    # the share of those vectors under which igviz.methods.promethee_ii puts the proposal there.
    rng = np.random.default_rng(21)
    scores = rng.uniform(0, 10, (6, 4))
    weights = rng.dirichlet(np.ones(4), 3000)
    flows = [promethee_ii(scores, w, "linear", 0.5, 3.0).overall for w in weights]
    # Keep only vectors without near-ties, which float32 and the random tie-breaks may order either way.
    clear = np.array([np.diff(np.sort(f)).min() > 1e-3 for f in flows])
    weights, flows = weights[clear], [f for f, c in zip(flows, clear) if c]
    expected = np.zeros((6, 6))
    for f in flows:
        expected[np.arange(6), ranks(f) - 1] += 1
    expected /= len(flows)
    r = smaa2(scores, scores, scores, fixed_weights(weights), len(weights), seed=0, score_uncertainty=False,
              transform=partial(single_criterion_flows_batched, preference="linear", q=0.5, p=3.0), method="promethee_ii")
    np.testing.assert_array_equal(r.acceptability, expected)
    assert r.method == "promethee_ii"
    # The weighted sum of the same samples ranks differently.
    ws = smaa2(scores, scores, scores, fixed_weights(weights), len(weights), seed=0, score_uncertainty=False)
    assert not np.array_equal(ws.acceptability, expected) and ws.method == "weighted_sum"


def test_promethee_smaa_with_score_ranges_matches_an_independent_monte_carlo():
    # Each sample's scores drawn in their ranges, net flows from the 2-D promethee_ii, ranks counted:
    # a plain loop, sharing nothing with smaa2 but the method.
    rng = np.random.default_rng(5)
    scores = rng.uniform(2, 8, (5, 3))
    low, high = scores - 1.5, scores + 1.5
    n = 4000
    counts = np.zeros((5, 5))
    for _ in range(n):
        drawn = rng.uniform(low, high)
        w = rng.dirichlet(np.ones(3))
        counts[np.arange(5), ranks(promethee_ii(drawn, w, "v_shape", 0.0, 2.0).overall) - 1] += 1
    r = smaa2(scores, low, high, uniform_simplex(3), 20_000, seed=1,
              transform=partial(single_criterion_flows_batched, preference="v_shape", q=0.0, p=2.0))
    # Two independent estimates: at n = 4000 each share carries about ±0.016 at 95 %.
    assert np.abs(r.acceptability - counts / n).max() < 0.03


def test_identity_transform_reproduces_the_weighted_sum_exactly():
    # The general path (transform applied to drawn scores) against smaa2's own weighted-sum path:
    # same generator, same draws, so the same counts and confidence factors.
    a = igviz.Assessment()
    x, lo, hi = a.score_arrays()
    fast = smaa2(x, lo, hi, uniform_simplex(x.shape[1]), 6000, seed=3)
    general = smaa2(x, lo, hi, uniform_simplex(x.shape[1]), 6000, seed=3, transform=lambda s: s)
    np.testing.assert_array_equal(general.acceptability, fast.acceptability)
    np.testing.assert_allclose(general.confidence, fast.confidence, atol=1e-3, equal_nan=True)


def test_weighted_sum_and_promethee_smaa_differ_where_the_methods_do():
    # A leads B by 5 on the first criterion and trails by 1 on the two others. Weights uniform on
    # the simplex, scores exact. Weighted sum: A wins when 10 w1 + 4 (1 − w1) > 5, i.e. w1 > 1/6,
    # probability (5/6)² = 0.694. PROMETHEE II, usual criterion: A wins when w1 > w2 + w3, i.e.
    # w1 > 1/2, probability 1/4: the large lead counts no more than the small ones.
    scores = np.array([[10.0, 4, 4], [5, 5, 5]])
    ws = smaa2(scores, scores, scores, uniform_simplex(3), 40_000, seed=8, score_uncertainty=False)
    pr = smaa2(scores, scores, scores, uniform_simplex(3), 40_000, seed=8, score_uncertainty=False,
               transform=partial(single_criterion_flows_batched, preference="usual"))
    assert ws.acceptability[0, 0] == pytest.approx(25 / 36, abs=0.01)
    assert pr.acceptability[0, 0] == pytest.approx(0.25, abs=0.01)


def test_assessment_smaa_follows_the_method():
    a = igviz.Assessment()
    ws = a.smaa(samples=3000, seed=0, score_uncertainty=False)
    a.method = "promethee_ii"
    a.methods["promethee_ii"].preference = "usual"
    pr = a.smaa(samples=3000, seed=0, score_uncertainty=False)
    assert ws.method == "weighted_sum" and pr.method == "promethee_ii"
    assert "PROMETHEE II (usual)" in pr.ranked_by and "net outranking flow" in pr.ranked_by
    assert "PROMETHEE II" in pr._repr_html_()
    # The same numbers as smaa2 fed the flows of the assessment's own preference settings.
    x, lo, hi = a.score_arrays()
    direct = smaa2(x, lo, hi, uniform_simplex(x.shape[1]), 3000, seed=0, score_uncertainty=False,
                   transform=partial(single_criterion_flows_batched, preference="usual"))
    np.testing.assert_array_equal(pr.table.loc[list(a.ranking().proposal_ids), [f"rank {i + 1}" for i in range(len(x))]],
                                  direct.acceptability)
    assert not np.array_equal(ws.result.acceptability, pr.result.acceptability)


# -- the three SMAA defects of issue 13 -------------------------------------------------------------

@pytest.mark.parametrize("score_uncertainty", [True, False])
def test_zero_width_identical_proposals_share_acceptabilities_and_have_a_confidence(score_uncertainty):
    # Two identical proposals with zero-width ranges (as Proposal.set_score makes), a third that
    # varies: on main the first took 0.50 of first places and the copy none, its confidence NaN.
    scores = np.array([[6.0, 4, 5], [6.0, 4, 5], [5, 5, 5]])
    low, high = scores.copy(), scores.copy()
    low[2], high[2] = scores[2] - 1, scores[2] + 1
    r = smaa2(scores, low, high, uniform_simplex(3), 20_000, seed=2, score_uncertainty=score_uncertainty)
    np.testing.assert_allclose(r.acceptability[0], r.acceptability[1], atol=0.02)
    assert np.isfinite(r.confidence[:2]).all()
    assert r.confidence[0] == pytest.approx(r.confidence[1], abs=0.03)


def test_proposals_made_identical_with_set_score_share_their_first_places():
    a = igviz.Assessment()
    top, copy = a.ranking().order[:2]
    for c in a.weights.criteria:
        value = a.proposal(top).score(c).score
        a.proposal(top).set_score(c, value)
        a.proposal(copy).set_score(c, value)
    for method in ("weighted_sum", "promethee_ii"):
        a.method = method
        t = a.smaa(samples=6000, seed=1).table
        assert t.loc[top, "rank 1"] == pytest.approx(t.loc[copy, "rank 1"], abs=0.03), method
        assert t.loc[top, "rank 1"] > 0.2, method
        assert np.isfinite(t.loc[[top, copy], "confidence"]).all(), method


@pytest.mark.parametrize("bad, problem", [
    ([np.nan, 1, 1], "a weight that is not a finite number"), ([1, -1, 1], "a negative weight"),
    ([0, 0, 0], "all weights zero")])
def test_weight_sets_with_a_row_that_cannot_rank_are_refused_naming_the_row(bad, problem):
    sets = np.array([[1.0, 2, 3], [1, 1, 1], bad, [3, 2, 1]])
    with pytest.raises(WeightError, match=rf"row 2 has {problem}"):
        resample(sets)
    with pytest.raises(WeightError, match=r"row 'p3'"):
        resample(sets, ["p1", "p2", "p3", "p4"])


def test_assessment_smaa_checks_weight_sets():
    a = igviz.Assessment()
    n = len(a.weights.criteria)
    good = np.vstack([np.ones(n), np.arange(n)])
    k = len(a.proposals)
    assert a.smaa(samples=500, weights="sets", weight_sets=good).result.acceptability.shape == (k, k)
    with pytest.raises(WeightError, match="row 1 has all weights zero"):
        a.smaa(samples=500, weights="sets", weight_sets=np.vstack([np.ones(n), np.zeros(n)]))
    with pytest.raises(ValueError, match=f"one column per criterion \\({n}"):
        a.smaa(samples=500, weights="sets", weight_sets=np.ones((2, n - 1)))
    # A table with criterion ids as columns is taken by name, in any order, and rows are named by its index.
    import pandas as pd
    frame = pd.DataFrame(good, columns=a.weights.criteria, index=["alice", "bob"])[a.weights.criteria[::-1]]
    assert a.smaa(samples=500, weights="sets", weight_sets=frame, seed=4).table.equals(
        a.smaa(samples=500, weights="sets", weight_sets=good, seed=4).table)
    frame.loc["bob", a.weights.criteria[0]] = np.nan
    with pytest.raises(WeightError, match="row 'bob'"):
        a.smaa(samples=500, weights="sets", weight_sets=frame)


@pytest.mark.parametrize("reference, width", [
    ([0.5, 0.3, 0.2], 0.05), ([1.0, 0, 0, 0], 0.1), (np.full(10, 0.1), 0.01), (np.full(10, 0.1), 0.05),
    ([0.3, 0.3, 0.05, 0.05, 0.1, 0.2], 0.08), ([0.9, 0.1], 0.3)])
def test_band_samples_all_lie_within_the_band_on_the_simplex(reference, width):
    w = np.asarray(reference, dtype=float)
    s = band(w, width)(np.random.default_rng(0), 5000)
    assert s.shape == (5000, len(w))
    np.testing.assert_allclose(s.sum(axis=1), 1)
    assert (s >= 0).all()
    assert np.abs(s - w / w.sum()).max() <= width + 1e-12   # on main about 30 % of samples left the band


def test_band_samples_are_uniform_over_the_band():
    # The reference: points uniform on the simplex (Dirichlet(1)), kept when inside the band —
    # slow but plainly uniform there. Coordinates' means, spreads and deciles must agree.
    rng = np.random.default_rng(3)
    w, width = np.array([0.45, 0.3, 0.2, 0.05]), 0.1
    reference = rng.dirichlet(np.ones(4), 800_000)
    reference = reference[(np.abs(reference - w) <= width).all(axis=1)][:20_000]
    assert len(reference) == 20_000
    drawn = band(w, width)(rng, 20_000)
    np.testing.assert_allclose(drawn.mean(axis=0), reference.mean(axis=0), atol=0.002)
    np.testing.assert_allclose(drawn.std(axis=0), reference.std(axis=0), rtol=0.03)
    deciles = np.linspace(0.1, 0.9, 9)
    np.testing.assert_allclose(np.quantile(drawn, deciles, axis=0), np.quantile(reference, deciles, axis=0), atol=0.004)


def test_band_refuses_a_width_that_is_no_band():
    for width in (0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="band_width"):
            band(np.ones(3), width)


# -- analyst outputs -------------------------------------------------------------------------------

def test_smaa_tables_list_the_proposals_best_first_with_units():
    a = igviz.Assessment()
    r = a.smaa(samples=3000, seed=0)
    t = r.table
    first = t["rank 1"].to_numpy()
    assert (np.diff(first) <= 0).all()                       # by first-rank acceptability ...
    never = t[t["rank 1"] == 0]
    assert never["expected rank"].is_monotonic_increasing     # ... then by expected rank
    assert set(t.index) == set(a.ranking().order)
    assert list(r.central_weights.index) == list(t.index)     # the two tables align row for row
    np.testing.assert_allclose(r.central_weights.dropna().sum(axis=1), 1)
    assert t.attrs["unit"] == "share of samples (0–1)"
    html = r._repr_html_()
    assert "share of samples" in html and "Best first" in html and "%" in html
    assert html.index(a.proposal(t.index[0]).short_name) < html.index(a.proposal(t.index[-1]).short_name)


def test_names_in_the_html_are_escaped():
    a = igviz.Assessment()
    a.proposals[0].short_name = "<b>bold</b>"
    assert "<b>bold</b>" not in a.smaa(samples=500)._repr_html_()
    sweep = weight_sweep(np.eye(2), np.array([0.5, 0.5]), 0, names=["<b>bold</b>", "plain"], criterion_name="<i>c</i>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in sweep._repr_html_() and "<i>" not in sweep._repr_html_()


def test_sensitivity_results_are_labelled_by_criterion():
    a = igviz.Assessment()
    c = a.active_framework.criteria[2]
    sweep = a.sensitivity(c.id)
    assert sweep.criterion == c.id and sweep.criterion_name == c.name and sweep.index == 2
    t = sweep.table
    assert list(t.index) == a.ranking().order                 # best first now
    np.testing.assert_allclose(t["now"], a.ranking().table["overall"])
    assert "overall score" in sweep._repr_html_() and c.name in sweep._repr_html_()
    a.method = "promethee_ii"
    assert "net outranking flow" in a.sensitivity(c.id)._repr_html_() and a.sensitivity(c.id).method == "promethee_ii"
    table = a.sensitivity_table()
    assert list(table.index) == a.weights.criteria and list(table["name"]) == [x.name for x in a.active_framework.criteria]
