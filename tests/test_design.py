"""The design model (#14): rules, designed proposals, attributes that drive scores, centralisation,
the spec round trip and the validation against the seed proposals' source-based scores."""

from __future__ import annotations

import pytest

import igviz
from igviz.dataset.design import applicable, ceilings, combined, derive_scores, normalise_choice
from igviz.design import Design, stance_switches, validate
from igviz.model import ATTRIBUTES
from igviz.scenario import Scenario


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def status_quo(data):
    return next(p for p in data.proposals.values() if p.baseline)


def test_each_options_effect_equals_its_rule(data):
    # One option at a time from scratch: the score moves by exactly the option's unconditional rules.
    model, base = data.design, status_quo(data)
    checked = 0
    for dim in model.dimensions.values():
        for option in dim.options:
            if option.baseline:
                continue
            choice = {dim.id: [option.id] if dim.multiple else option.id}
            design = Design("probe", options=choice)
            if option.needs:   # e.g. binding needs a body: give it one the rule does not depend on
                for d, opts in option.needs.items():
                    choice[d] = opts[-1]
                design = Design("probe", options=choice)
            full = normalise_choice(model, choice)[0]
            scores = derive_scores(model, full, base.scores, data.scale)
            for cid, b in base.scores.items():
                expected = b.score + combined([r.effect for _, _, r in applicable(model, full) if r.criterion == cid])
                assert scores[cid].score == pytest.approx(max(0, min(10, expected)))
            if not option.needs:
                for rule in option.rules:
                    if rule.when or rule.unless:
                        continue
                    assert design.scores(data)[rule.criterion].score == pytest.approx(
                        max(0, min(10, base.scores[rule.criterion].score + rule.effect)))
                    checked += 1
    assert checked > 50


def test_every_option_speaks_to_every_criterion(data):
    criteria = set(data.default_framework.criterion_ids)
    for dim in data.design.dimensions.values():
        for option in dim.options:
            if not option.baseline:
                assert {r.criterion for r in option.rules} == criteria, (dim.id, option.id)
                for r in option.rules:
                    if r.evidence == "silent":
                        assert r.effect == 0


def test_a_condition_stated_in_the_sources_changes_the_effect(data):
    # MIPC/MIPOC "would require a more output-oriented IGF".
    def effective(options):   # without the cap at the sources' best score, which would hide the difference
        choice = normalise_choice(data.design, options)[0]
        return derive_scores(data.design, choice, status_quo(data).scores, data.scale)["effective"].score

    without = effective({"venue": "single_council", "home": "igf"})
    with_outputs = effective({"venue": "single_council", "home": "igf", "igf_reforms": ["igf_outputs"]})
    rule = next(r for r in data.design.dimensions["igf_reforms"].option("igf_outputs").rules if r.criterion == "effective")
    council = next(r for r in data.design.dimensions["venue"].option("single_council").rules
                   if r.criterion == "effective" and not r.when)
    # Without the IGF reform the condition's -1 applies; with it, the reform's gain adds (as a second gain, ¾).
    assert without == pytest.approx(3 + council.effect - 1)
    assert with_outputs == pytest.approx(3 + combined([council.effect, rule.effect]))


def test_the_composite_is_designed_and_its_scores_are_the_derivation(data):
    for pid, home in (("best_bits_composite", "igf"), ("best_bits_composite_cstd", "cstd")):
        record = data.proposals[pid]
        assert record.design is not None and record.design["home"] == home
        derived = derive_scores(data.design, record.design, status_quo(data).scores, data.scale,
                                status_quo(data).short_name, ceilings(data.proposals))
        assert dict(record.scores) == derived
        assert pid in data.overlays   # generated from its options


def test_a_designed_proposal_file_with_scores_is_refused(tmp_path, data):
    import shutil

    import yaml

    folder = tmp_path / "data"
    shutil.copytree(igviz.BUNDLED_DATA, folder)
    path = folder / "proposals" / "best_bits_composite.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["scores"] = {"transparent": {"score": 9}}
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(igviz.DataValidationError) as exc:
        igviz.load_dataset(folder)
    assert any(e.field == "scores" and "designed" in e.message for e in exc.value.errors)


# MIPC is not a coordinating function in the sources (data/AUDIT.md): giving it one is a change.
CHANGES = {"binding": True, "decision_rule": "intergovernmental", "coordinating_function": True,
           "issue_working_groups": True, "home_institution": "CSTD",
           "seats": {"government": 50}}


@pytest.mark.parametrize("attribute", list(CHANGES))
def test_changing_an_attribute_moves_the_criteria_its_rules_name(data, attribute):
    a = igviz.Assessment(data)
    p = a.proposal("mipc")
    before = {c: p.score(c).score for c in data.default_framework.criterion_ids}
    setattr(p, attribute, CHANGES[attribute])
    v = p.variant
    assert v is not None and v.changed, attribute
    assert p.short_name.startswith("MIPC") and p.short_name != "MIPC (Malcolm)" and len(p.short_name) <= 24
    dim = next(iter(v.changed))
    named = {r.criterion for r in data.design.dimensions[dim].option(v.changed[dim]).rules if r.evidence != "silent"}
    start = {r.criterion for r in data.design.dimensions[dim].option(data.design.readings["mipc"].options[dim]).rules
             if r.evidence != "silent"}
    moved = {c for c in before if p.score(c).score != before[c]}
    assert moved, attribute
    assert (named | start) >= moved
    # ... and the ranking sees it (revision bumped, the variant's name shown)
    assert p.short_name in a.ranking().short_names


def test_binding_mipc_is_named_and_scored_through_the_rules(data):
    a = igviz.Assessment(data)
    p = a.proposal("mipc")
    p.binding = True
    assert p.short_name == "MIPC (Malcolm), binding"
    rules = {r.criterion: r.effect for r in data.design.dimensions["binding"].option("binding").rules if r.effect}
    for cid, effect in rules.items():
        assert p.score(cid).score == pytest.approx(data.proposals["mipc"].scores[cid].score + effect)
    p.binding = False
    assert p.variant is None and p.short_name == "MIPC (Malcolm)"


def test_a_binding_single_council_is_more_centralised_than_a_routing_body(data):
    council = Design("c", options={"venue": "single_council", "binding": "binding", "home": "igf"})
    router = Design("r", options={"venue": "coordinating_body", "home": "igf", "working_groups": "by_mandated_institutions"})
    assert council.centralisation(data) > router.centralisation(data) + 0.05
    intergovernmental = Design("u", options={"venue": "intergovernmental_body", "binding": "binding",
                                             "home": "un_general_assembly", "composition": "governments_advised"})
    assert intergovernmental.centralisation(data) > council.centralisation(data)


def test_designs_appear_in_the_assessment_and_round_trip_through_link_and_file(data, tmp_path):
    a = igviz.Assessment(data)
    d = Design("Binding council", options={"venue": "single_council", "binding": "binding", "home": "igf",
                                           "igf_reforms": ["igf_outputs", "igf_participation"]})
    a.add_design(d)
    a.proposal("mipoc").home_institution = "CSTD"
    a.selected = d.id
    assert d.id in a.ranking().proposal_ids and a.position(d.id) == pytest.approx(d.centralisation(data))
    spec = Scenario.from_assessment(a)
    for reopen in ("link", "file"):
        b = igviz.Assessment(data)
        if reopen == "link":
            s, problems = Scenario.from_link(spec.to_link("http://h/"), data)
            assert problems == []
        else:
            spec.save(tmp_path / "s.yaml")
            s = Scenario.load(tmp_path / "s.yaml", data)
        s.apply(b)
        assert Scenario.from_assessment(b) == spec
        assert b.ranking().order == a.ranking().order and b.selected == d.id
        assert b.proposal("mipoc").short_name == a.proposal("mipoc").short_name


def test_a_bad_design_in_a_link_is_named_and_skipped(data):
    s, problems = Scenario.from_link("http://h/?designs.x1.options.venue=moon&designs.x1.name=X", data)
    assert "designs" not in s.spec and any("x1" in str(p) for p in problems)


def test_validation_agreement_does_not_regress(data):
    # Applying the design model to the seed proposals' readings reproduces their source-based scores.
    # The figure, not each cell, is asserted: the seed scores are re-audited from time to time.
    table = validate(data)
    assert table.attrs["cells"] >= 60
    assert table.attrs["agreement"] >= 0.85
    assert table.attrs["mad"] <= 0.8   # 0.73 (plain addition of effects: 0.61; see data/README.md)


def test_several_gains_on_one_criterion_count_three_quarters_each_further(data):
    # data/README.md, "How a design is scored": largest first, each further gain ¾ of the one before.
    model, base = data.design, status_quo(data)
    choice = normalise_choice(model, {"igf_reforms": ["igf_outputs", "igf_secretariat_funding", "igf_mag_reform"],
                                      "home": "igf"})[0]
    found = 0
    for cid, b in base.scores.items():
        effects = [r.effect for _, _, r in applicable(model, choice) if r.criterion == cid and r.evidence != "silent"]
        gains = sorted((e for e in effects if e > 0), reverse=True)
        if len(gains) < 2 or len(gains) != len(effects):
            continue
        found += 1
        expected = b.score + sum(e * 0.75 ** i for i, e in enumerate(gains))
        assert derive_scores(model, choice, base.scores, data.scale)[cid].score == pytest.approx(min(10, expected))
        assert expected < b.score + sum(gains)
    assert found, "the probe should raise some criterion by two options"


def test_a_dispersed_composite_is_not_as_easy_to_navigate_as_one_central_body(data):
    # 000 §5: "A centralised system could be easier to navigate": the reason the ¾ rule was kept
    # over plain addition (added up, the composite reached the UN Committee's clarity score).
    for pid in ("best_bits_composite", "best_bits_composite_cstd"):
        assert data.proposals[pid].scores["transparent"].score < data.proposals["un_committee"].scores["transparent"].score


def test_a_designed_score_is_capped_at_the_best_source_score_and_keeps_its_range(data):
    model, base, cap = data.design, status_quo(data), ceilings(data.proposals)
    composite = data.proposals["best_bits_composite"].design
    uncapped = derive_scores(model, composite, base.scores, data.scale)
    capped = derive_scores(model, composite, base.scores, data.scale, base.short_name, cap)
    held = [cid for cid in base.scores if uncapped[cid].score > cap[cid] >= base.scores[cid].score]
    assert held, "the composite's effects should exceed the best source score somewhere"
    for cid in held:
        assert capped[cid].score == pytest.approx(cap[cid])
        assert capped[cid].high >= uncapped[cid].score   # the upside stays in the range
        assert "capped at" in str(capped[cid].rationale)
    for cid in set(base.scores) - set(held):
        assert capped[cid].score == pytest.approx(uncapped[cid].score)


def test_stance_switches_reports_where_the_top_changes(data):
    a = igviz.Assessment(data)
    a.set_weights({c: 0 for c in a.weights.criteria} | {"transparent": 10, "expertise": 10})
    switches = stance_switches(a)
    sweep = a.stance_sweep(81)
    assert len(switches) == (sweep["top"] != sweep["top"].shift()).sum() - 1
    for s in switches:
        a.stance = s["stance"]
        assert a.ranking().top == s["to"]


def test_at_the_centralised_end_only_the_centralised_side_counts(data):
    a = igviz.Assessment(data)
    m = dict(zip(a.weights.criteria, a.stance_multipliers(1.0)))
    assert m["transparent"] == 2 and m["expertise"] == 0 and m["human_rights"] == 0
    # With equal weights the UN Committee leads at the centralised end, a Best Bits composite at the other.
    a.stance = 1
    assert a.ranking().top == "un_committee"
    a.stance = -1
    assert a.ranking().top != "un_committee"
    # Only criteria tied to neither side weighted: they do not fade (something is left to rank by).
    a.set_weights({c: 0 for c in a.weights.criteria} | {"human_rights": 5})
    assert a.ranking() is not None
    a.framework = "atlas_ii"   # no criterion of this framework is tied to a side
    assert (a.stance_multipliers(-1) == 1).all()


def test_a_misspelt_or_unquoted_rule_is_named(tmp_path):
    import shutil

    import yaml

    folder = tmp_path / "data"
    shutil.copytree(igviz.BUNDLED_DATA, folder)
    path = folder / "design" / "venue.yaml"
    doc = yaml.safe_load(path.read_text())
    council = next(o for o in doc["options"] if o["id"] == "single_council")
    council["rules"][2]["unles"] = council["rules"][2].pop("unless")
    council["rules"][0]["citation"]["quote"] = "words no source says"
    council["silent"]["criteria"].remove("human_rights")
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(igviz.DataValidationError) as exc:
        igviz.load_dataset(folder)
    problems = {(e.record, e.field): e.message for e in exc.value.errors}
    assert "did you mean 'unless'" in problems[("venue/single_council", "rules[2].unles")]
    assert "not found verbatim" in problems[("venue/single_council", "rules[0].citation.quote")]
    assert "human_rights" in problems[("venue/single_council", "rules")]
