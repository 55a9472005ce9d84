"""Decision methods against published worked examples, and their ranking rules."""

import numpy as np
import pytest

from igviz.errors import WeightError
from igviz.methods import normalise_weights, order, promethee_ii, ranks, single_criterion_flows, threshold_failures, weighted_sum


def test_weighted_sum_reproduces_triantaphyllou_example():
    # Triantaphyllou (2000), Multi-Criteria Decision Making Methods: A Comparative Study,
    # as given in Wikipedia's "Weighted sum model": WSM scores 21.50, 22.00, 22.00.
    matrix = np.array([[25, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]])
    weights = np.array([0.20, 0.15, 0.40, 0.25])
    result = weighted_sum(matrix, weights)
    np.testing.assert_allclose(result.overall, [21.5, 22.0, 22.0])
    np.testing.assert_allclose(result.contributions[0], [5.0, 3.0, 6.0, 7.5])


def test_promethee_ii_reproduces_zhao_2013_net_flows():
    # Zhao, Peng and Li (2013), Revised PROMETHEE II for improving efficiency in emergency
    # response, Procedia Computer Science 17: usual preference function, net flows 0.1, -0.3, 0.2.
    matrix = np.array([[4, 3, 2], [3, 2, 4], [5, 1, 3]])
    result = promethee_ii(matrix, np.array([0.5, 0.3, 0.2]), "usual")
    np.testing.assert_allclose(result.overall, [0.1, -0.3, 0.2], atol=1e-12)
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.overall)
    assert list(order(result.overall)) == [2, 0, 1]


def test_promethee_net_flows_sum_to_zero_and_respect_indifference():
    rng = np.random.default_rng(1)
    matrix = rng.uniform(0, 10, size=(6, 4))
    w = normalise_weights([1, 2, 3, 4])
    for fn in ("usual", "u_shape", "v_shape", "level", "linear", "gaussian"):
        flows = promethee_ii(matrix, w, fn, q=0.5, p=3).overall
        assert abs(flows.sum()) < 1e-12, fn
        assert np.all(np.abs(flows) <= 1 + 1e-12), fn
    # Differences within the indifference threshold count for nothing.
    close = np.array([[5.0], [5.4], [5.2]])
    np.testing.assert_allclose(promethee_ii(close, np.array([1.0]), "linear", q=0.5, p=3).overall, 0)


def test_promethee_is_less_compensatory_than_the_weighted_sum():
    # B leads hugely on one criterion and trails slightly on two: the weighted sum lets the
    # one large lead buy the two small deficits back; PROMETHEE's usual criterion does not.
    matrix = np.array([[6.0, 6.0, 6.0], [10.0, 5.0, 5.0]])
    w = normalise_weights([1, 1, 1])
    assert weighted_sum(matrix, w).overall[1] > weighted_sum(matrix, w).overall[0]
    flows = promethee_ii(matrix, w, "usual").overall
    assert flows[0] > flows[1]


def test_normalise_weights_refuses_what_cannot_rank():
    np.testing.assert_allclose(normalise_weights([1, 3]), [0.25, 0.75])
    with pytest.raises(WeightError, match="All weights are zero"):
        normalise_weights([0, 0, 0])
    with pytest.raises(WeightError, match="negative.*b = -1"):
        normalise_weights([1, -1], ["a", "b"])
    with pytest.raises(WeightError, match="finite.*a = nan"):
        normalise_weights([float("nan"), 1], ["a", "b"])
    with pytest.raises(WeightError, match="finite"):
        normalise_weights([float("inf"), 1])


def test_thresholds_rank_failing_proposals_after_every_passing_one():
    scores = np.array([[9.0, 1.0], [5.0, 5.0], [4.0, 4.0]])
    minimums = np.array([np.nan, 3.0])
    failures = threshold_failures(scores, minimums)
    assert failures.tolist() == [[False, True], [False, False], [False, False]]
    overall = weighted_sum(scores, np.array([0.9, 0.1])).overall
    assert overall[0] == max(overall)  # best on the weighted sum ...
    assert ranks(overall, ~failures.any(axis=1)).tolist() == [3, 1, 2]  # ... and still last


def test_ties_are_broken_by_name_so_the_order_is_stable():
    assert list(order(np.array([1.0, 2.0, 1.0]), names=["zeta", "mid", "alpha"])) == [1, 2, 0]


def test_method_objects_refuse_impossible_settings():
    from igviz.errors import MethodError
    from igviz.methods import PrometheeII

    with pytest.raises(MethodError, match="indifference threshold \\(4\\) must be below"):
        PrometheeII(preference="linear", indifference=4, strict_preference=2)
    with pytest.raises(MethodError, match="gaussian preference needs a spread"):
        PrometheeII(preference="gaussian", strict_preference=0)
    # Settings a function does not use do not matter: u-shape has no strict preference.
    PrometheeII(preference="u_shape", indifference=4, strict_preference=2)
    # Changed afterwards, the object says why it cannot rank, and ranking refuses.
    m = PrometheeII()
    m.indifference = 5
    assert "must be below" in m.problem()
    with pytest.raises(MethodError):
        m.rank(np.eye(3), np.ones(3) / 3)


def test_method_objects_rank_as_the_published_functions():
    from igviz.methods import METHODS, PrometheeII, WeightedSum

    assert set(METHODS) == {"weighted_sum", "promethee_ii"}
    rng = np.random.default_rng(3)
    x, w = rng.uniform(0, 10, (6, 4)), rng.dirichlet(np.ones(4))
    np.testing.assert_allclose(WeightedSum().rank(x, w).overall, weighted_sum(x, w).overall)
    m = PrometheeII(preference="level", indifference=1, strict_preference=2.5)
    np.testing.assert_allclose(m.rank(x, w).overall, promethee_ii(x, w, "level", 1, 2.5).overall)
    assert m.settings() == {"preference": "level", "indifference": 1, "strict_preference": 2.5}
    assert m.describe() == "PROMETHEE II (level, q = 1, p = 2.5)"


def test_single_criterion_flows_take_a_batch_of_problems():
    # SMAA ranks thousands of drawn score matrices at once: each must get its own flows.
    rng = np.random.default_rng(5)
    batch = rng.uniform(0, 10, (7, 5, 3))
    flows = single_criterion_flows(batch, "linear", 0.5, 3.0)
    for k in range(len(batch)):
        np.testing.assert_allclose(flows[k], single_criterion_flows(batch[k], "linear", 0.5, 3.0))
