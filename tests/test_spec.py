"""One spec: state -> link -> state and state -> file -> state give exactly the same ranking."""

from __future__ import annotations

import numpy as np
import pytest

import igviz
from igviz import DataValidationError
from igviz.methods import PREFERENCE_FUNCTIONS, USES
from igviz.scenario import Scenario


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def random_state(data, rng) -> igviz.Assessment:
    """An assessment with a random draw of everything a user can set."""
    a = igviz.Assessment(data)
    a.framework = str(rng.choice(list(data.frameworks)))
    criteria = a.weights.criteria
    a.set_weights({c: float(rng.choice([0, 1, 2.5, 5, 7, 10, rng.uniform(0, 10)])) for c in criteria})
    if a.weights.vector().sum() == 0:
        a.weights.set({criteria[0]: 1.0})
    a.method = str(rng.choice(["weighted_sum", "promethee_ii"]))
    m = a.methods["promethee_ii"]
    preference = str(rng.choice(list(PREFERENCE_FUNCTIONS)))
    q = float(np.round(rng.uniform(0, 3), 2))
    p = float(np.round(q + rng.uniform(0.1, 4), 2))
    m.param.update(indifference=q, strict_preference=p, preference=preference)
    for c in rng.choice(criteria, size=rng.integers(0, 3), replace=False):
        a.set_threshold(str(c), float(rng.integers(1, 6)))
    ids = [p.id for p in a.proposals]
    for pid in rng.choice(ids, size=rng.integers(0, 3), replace=False):
        c = str(rng.choice(data.framework(a.framework).criterion_ids))
        score = float(np.round(rng.uniform(0, 10), 3))
        a.proposal(str(pid)).set_score(c, score, max(0.0, score - 1.5), min(10.0, score + 0.5),
                                       rationale="Tested: a, b: c % d")
    for pid in rng.choice(ids, size=rng.integers(0, 3), replace=False):
        a.proposal(str(pid)).centralisation_shift = float(np.round(rng.uniform(-1, 1), 2))
    a.stance = float(np.round(rng.uniform(-1, 1), 2)) if rng.random() < 0.7 else 0.0
    a.selected = str(rng.choice(ids)) if rng.random() < 0.8 else None
    a.compared = [str(x) for x in rng.choice(ids, size=rng.integers(0, 3), replace=False)]
    return a


def same_state(a, b) -> None:
    ra, rb = a.result, b.result
    assert (ra is None) == (rb is None)
    if ra is not None:
        assert ra.order == rb.order
        np.testing.assert_array_equal(ra.overall, rb.overall)  # exactly, not nearly
        assert ra.method_label == rb.method_label
    for name in ("framework", "method", "thresholds", "stance", "selected", "compared"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.weights.values() == b.weights.values()
    assert a.methods["promethee_ii"].param.values() | {"name": ""} == b.methods["promethee_ii"].param.values() | {"name": ""}


@pytest.mark.parametrize("seed", range(40))
def test_random_states_survive_a_link_and_a_file(data, seed, tmp_path):
    a = random_state(data, np.random.default_rng(seed))
    spec = Scenario.from_assessment(a)

    via_link, problems = Scenario.from_link(spec.to_link("http://localhost:5006/explorer"), data)
    assert problems == []
    b = igviz.Assessment(data)
    via_link.apply(b)
    same_state(a, b)

    suffix = ".yaml" if seed % 2 else ".json"
    via_file = Scenario.load(spec.save(tmp_path / f"state{suffix}"), data)
    c = igviz.Assessment(data)
    via_file.apply(c)
    same_state(a, c)
    # The override's own words survive too (a link used to drop them).
    for p, q in zip(a.proposals, c.proposals):
        assert {k: v.rationale for k, v in p.score_overrides.items()} == \
               {k: v.rationale for k, v in q.score_overrides.items()}
    assert via_link == via_file == spec


def test_a_spec_holds_only_what_differs_from_a_fresh_assessment(data):
    a = igviz.Assessment(data)
    assert Scenario.from_assessment(a).to_query() == {"dataset": data.fingerprint}
    a.methods["promethee_ii"].preference = "usual"
    a.proposal("mipc").centralisation_shift = 0.2
    query = Scenario.from_assessment(a).to_query()
    # PROMETHEE's settings are kept even while the weighted sum ranks: switching back shows them.
    assert query["methods.promethee_ii"] == "preference:usual"
    assert query["proposals.mipc"] == "centralisation_shift:0.2"
    assert "method" not in query and "weights" not in query


def test_a_file_is_read_as_data_not_as_a_link(data, tmp_path):
    # `compared: mipc` is one proposal; it used to be split into 'm', 'i', 'p', 'c'.
    path = tmp_path / "s.yaml"
    path.write_text("compared: mipc\nweights: {transparent: 10}\n", encoding="utf-8")
    s = Scenario.load(path, data)
    assert s.spec["compared"] == ["mipc"]
    # A comma in a file's string is not a list separator either.
    path.write_text("compared: mipc,un_committee\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="mipc,un_committee"):
        Scenario.load(path, data)


def test_bad_values_in_a_link_are_named_and_the_rest_applies(data):
    link = ("?weights=transparent:10&methods.promethee_ii=preference:magic,indifference:5,strict_preference:2"
            "&proposals.mipc.score_overrides.transparent=score:11&proposals.nobody=centralisation_shift:0.1"
            "&proposals.mipc=centralisation_shift:0.25")
    s, problems = Scenario.from_link(link, data)
    text = " | ".join(problems)
    assert "magic" in text and "nobody" in text and "transparent" in text
    assert s.spec["weights"] == {"transparent": 10.0}
    a = igviz.Assessment(data)
    s.apply(a)
    assert a.proposal("mipc").centralisation_shift == 0.25
    assert not a.proposal("mipc").score_overrides


def test_impossible_method_settings_in_a_file_are_refused(data, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("methods: {promethee_ii: {preference: linear, indifference: 4, strict_preference: 2}}\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError, match="must be below"):
        Scenario.load(path, data)


def test_a_state_saved_with_other_data_says_so(data, tmp_path):
    s, problems = Scenario.from_query({"dataset": "0000000000", "weights": "transparent:10"}, data)
    assert any("other data" in p for p in problems)
    assert s.spec["weights"] == {"transparent": 10.0}  # the rest still applies
