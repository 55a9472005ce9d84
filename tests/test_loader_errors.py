"""Every kind of bad input names the file, the record and the field, and says what was expected."""

import re

import pandas as pd
import pytest

import igviz
from igviz import DataValidationError

import yaml

from conftest import SOURCE, minimal_proposal, write_yaml


def yaml_text(record) -> str:
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True)


def load_mine(folder):
    return igviz.load_dataset(igviz.BUNDLED_DATA, folder)


def only_error(exc_info):
    errors = exc_info.value.errors
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_a_valid_user_proposal_loads_beside_the_bundled_data(user_folder):
    write_yaml(user_folder / "proposals" / "test_model.yaml", minimal_proposal())
    data = load_mine(user_folder)
    assert "test_model" in data.proposals
    assert len(data.proposals) == len(igviz.load_dataset().proposals) + 1


def test_malformed_yaml_names_the_file_and_line(user_folder):
    path = user_folder / "proposals" / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\nscores: {}\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert error.file == "mine/proposals/broken.yaml"
    assert "not valid YAML at line" in str(error)


def test_missing_field(user_folder):
    record = minimal_proposal()
    del record["attributes"]["decision_rule"]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file, error.record, error.field) == ("mine/proposals/p.yaml", "test_model", "attributes.decision_rule")
    assert "missing" in error.message
    assert "mine/proposals/p.yaml, record 'test_model', field 'attributes.decision_rule'" in str(exc.value)


def test_missing_score_for_a_default_criterion(user_folder):
    record = minimal_proposal()
    del record["scores"]["human_rights"]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    assert only_error(exc).field == "scores.human_rights"


def test_unknown_criterion_id(user_folder):
    record = minimal_proposal()
    record["scores"]["openness"] = record["scores"]["transparent"]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.record, error.field) == ("test_model", "scores.openness")
    assert "unknown criterion 'openness'" in error.message


def test_unknown_criterion_in_a_framework_derivation(user_folder):
    framework = {
        "id": "mine", "name": "Mine", "description": "A user's framework.",
        "citation": {"source": SOURCE, "quote": "Accountable"},
        "criteria": [{"id": "mine_open", "name": "Open", "group": "All", "description": "Open.",
                      "citation": {"source": SOURCE, "quote": "Inclusive and open"},
                      "derived_from": {"inclusive": 1, "opennness": 1}, "derivation_rationale": "Why."}],
    }
    write_yaml(user_folder / "frameworks" / "mine.yaml", framework)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file, error.record, error.field) == ("mine/frameworks/mine.yaml", "mine/mine_open", "derived_from.opennness")


def test_unknown_proposal_id_in_a_scores_table():
    proposals = pd.DataFrame([{"id": "mine", "name": "Mine", "short_name": "Mine", "proponent": "Me",
                               "description": "Mine.", "home_institution": "none", "decision_rule": "voluntary",
                               "binding": False, "coordinating_function": False, "issue_working_groups": True,
                               "source": SOURCE, "quote": "Accountable"}])
    scores = pd.DataFrame([{"proposal": "mien", "criterion": "transparent", "score": 5, "low": 4, "high": 6,
                            "evidence": "stated", "rationale": "r", "source": SOURCE, "quote": "Accountable"}])
    with pytest.raises(DataValidationError) as exc:
        igviz.Dataset.from_frames(proposals=proposals, scores=scores, base=igviz.load_dataset())
    error = only_error(exc)
    assert (error.file, error.record, error.field) == ("scores DataFrame", "row 1", "proposal")
    assert "unknown proposal 'mien'" in error.message


def test_duplicate_id_names_both_files(user_folder):
    write_yaml(user_folder / "proposals" / "copy.yaml", minimal_proposal("un_committee"))
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file, error.record, error.field) == ("mine/proposals/copy.yaml", "un_committee", "id")
    assert "data/proposals/un_committee.yaml" in error.message


def test_duplicate_criterion_id_across_frameworks(user_folder):
    framework = {
        "id": "mine", "name": "Mine", "description": "d", "citation": {"source": SOURCE, "quote": "Accountable"},
        "criteria": [{"id": "transparent", "name": "T", "group": "G", "description": "d",
                      "citation": {"source": SOURCE, "quote": "Accountable"},
                      "derived_from": {"transparent": 1}, "derivation_rationale": "r"}],
    }
    write_yaml(user_folder / "frameworks" / "mine.yaml", framework)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.record, error.field) == ("mine/transparent", "id")
    assert "best_bits.yaml" in error.message


@pytest.mark.parametrize("field, value, expected", [
    ("score", 11, "outside the scale 0..10"),
    ("low", -1, "outside the scale 0..10"),
    ("score", "high", "expected a finite number"),
])
def test_score_out_of_scale(user_folder, field, value, expected):
    record = minimal_proposal()
    record["scores"]["effective"][field] = value
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    errors = exc.value.errors
    assert any(e.field == f"scores.effective.{field}" and expected in e.message and e.record == "test_model"
               for e in errors), [str(e) for e in errors]


def test_low_greater_than_high(user_folder):
    record = minimal_proposal()
    record["scores"]["effective"].update(low=7, high=3, score=5)
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.record, error.field) == ("test_model", "scores.effective.low")
    assert "low (7) is greater than high (3)" in error.message


def test_silent_evidence_needs_a_wide_range(user_folder):
    record = minimal_proposal()
    record["scores"]["human_rights"].update(evidence="silent", rationale="The sources do not say.", low=4, high=6)
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    messages = [e.message for e in exc.value.errors]
    assert any("at least 6 wide" in m for m in messages), messages
    assert all(e.field.startswith("scores.human_rights.") for e in exc.value.errors)


def test_a_silent_score_is_the_neutral_value(user_folder):
    record = minimal_proposal()
    record["scores"]["human_rights"].update(evidence="silent", rationale="The sources do not say.", score=4, low=2, high=8)
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.record, error.field) == ("test_model", "scores.human_rights.score")
    assert "neutral value 5" in error.message


def test_a_silent_score_at_neutral_with_the_widest_range_loads(user_folder):
    record = minimal_proposal()
    record["scores"]["human_rights"].update(evidence="silent", rationale="The sources do not say.", score=5, low=2, high=8)
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    assert load_mine(user_folder).proposals["test_model"].scores["human_rights"].evidence == "silent"


def test_a_stated_score_needs_a_passage_that_names_the_proposal(user_folder):
    record = minimal_proposal()
    record["source_names"] = ["UN Committee"]   # QUOTE ("the model has real strengths ...") does not say it
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    errors = exc.value.errors
    assert len(errors) == len(record["scores"])   # every stated score, each named
    assert {e.field for e in errors} == {f"scores.{c}.citations" for c in record["scores"]}
    assert "no cited quote names the proposal" in errors[0].message and "'UN Committee'" in errors[0].message


def test_a_stated_score_may_say_how_its_passage_refers_to_the_proposal(user_folder):
    record = minimal_proposal()
    record["source_names"] = ["UN Committee"]
    for s in record["scores"].values():
        s["names"] = "The sentence is in the paragraph that opens 'Looking at the UN Committee model'."
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    assert load_mine(user_folder).proposals["test_model"].scores["effective"].names.startswith("The sentence")


def test_an_inferred_score_names_its_inference_and_has_a_wider_range(user_folder):
    record = minimal_proposal()
    record["scores"]["effective"].update(evidence="inferred", rationale="Because.", low=4, high=6)
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    by_field = {e.field: e.message for e in exc.value.errors}
    assert set(by_field) == {"scores.effective.rationale", "scores.effective.high"}
    assert "'infer'" in by_field["scores.effective.rationale"]
    assert "at least 3 wide" in by_field["scores.effective.high"]


def test_a_known_score_cannot_be_as_uncertain_as_a_silent_one(user_folder):
    record = minimal_proposal()
    record["scores"]["effective"].update(evidence="inferred", rationale="We infer it.", low=2, high=8)
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    assert "narrower than a silent one" in only_error(exc).message


def test_an_unverified_framework_must_say_what_could_not_be_checked(user_folder):
    framework = {"id": "mine", "name": "Mine", "description": "d", "verified": False,
                 "citation": {"reference": "somewhere"},
                 "criteria": [{"id": "mine_x", "name": "X", "group": "G", "description": "d",
                               "citation": {"reference": "somewhere"}, "derived_from": {"effective": 1},
                               "derivation_rationale": "r"}]}
    write_yaml(user_folder / "frameworks" / "mine.yaml", framework)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file.endswith("mine.yaml"), error.field) == (True, "verification_note")
    framework["verification_note"] = "Recalled, not checked."
    write_yaml(user_folder / "frameworks" / "mine.yaml", framework)
    data = load_mine(user_folder)
    assert data.frameworks["mine"].verified is False and data.frameworks["mine"].verification_note


def test_a_score_derived_from_stated_parts_is_not_stated(user_folder):
    write_yaml(user_folder / "proposals" / "p.yaml", minimal_proposal())   # every part stated
    s = load_mine(user_folder).score("test_model", "atlas_accountability")
    assert s.derived and s.evidence == "inferred"


def test_citation_to_a_file_that_does_not_exist(user_folder):
    record = minimal_proposal()
    record["scores"]["adaptable"]["citations"] = [{"source": "005_missing.txt", "quote": "anything"}]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.record, error.field) == ("test_model", "scores.adaptable.citations[0].source")
    assert "no file '005_missing.txt'" in error.message


def test_citation_cannot_reach_outside_the_sources_folder(user_folder):
    record = minimal_proposal(citations=[{"source": "../scale.yaml", "quote": "min"}])
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    assert only_error(exc).field == "citations[0].source"


def test_quote_not_in_the_cited_source(user_folder):
    record = minimal_proposal()
    record["scores"]["adaptable"]["citations"] = [{"source": SOURCE, "quote": "the model has real weaknesses"}]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file, error.record, error.field) == ("mine/proposals/p.yaml", "test_model", "scores.adaptable.citations[0].quote")
    assert "not found verbatim in 000_e13ad8dd67510eba.txt" in error.message


def test_quote_matching_ignores_line_breaks_but_not_words(user_folder):
    record = minimal_proposal(citations=[{"source": SOURCE, "quote": "the model has real\n   strengths in the clarity of process"}])
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    assert "test_model" in load_mine(user_folder).proposals


def test_a_users_own_source_file_can_be_quoted(user_folder):
    (user_folder / "sources").mkdir()
    (user_folder / "sources" / "my_notes.txt").write_text("Our caucus found the\nprocess opaque.", encoding="utf-8")
    record = minimal_proposal(citations=[{"source": "my_notes.txt", "quote": "found the process opaque"}])
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    assert load_mine(user_folder).proposals["test_model"].citations[0].source == "my_notes.txt"


def test_wrong_values_in_attributes(user_folder):
    record = minimal_proposal()
    record["attributes"].update(decision_rule="coin toss", binding="yes", seats={"aliens": 3})
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    fields = {e.field: e.message for e in exc.value.errors}
    assert "expected one of rough_consensus" in fields["attributes.decision_rule"]
    assert "expected true or false" in fields["attributes.binding"]
    assert "unknown stakeholder group 'aliens'" in fields["attributes.seats.aliens"]


def test_all_problems_are_reported_at_once(user_folder):
    record = minimal_proposal()
    record["scores"]["effective"]["score"] = 12
    record["scores"]["adaptable"]["citations"][0]["quote"] = "not in there"
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    assert len(exc.value.errors) == 2
    assert "2 problem(s)" in str(exc.value)


def test_the_check_command_reports_problems_and_exits_nonzero(user_folder, capsys):
    from igviz.check import main

    record = minimal_proposal()
    record["scores"]["effective"]["score"] = 12
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    assert main([str(igviz.BUNDLED_DATA), str(user_folder)]) == 1
    assert "scores.effective.score" in capsys.readouterr().err
    assert main([str(igviz.BUNDLED_DATA)]) == 0


def test_a_source_name_must_occur_in_the_sources(user_folder):
    record = minimal_proposal()
    record["source_names"] = ["the model", "Model X that nobody wrote about"]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.record, error.field) == ("test_model", "source_names[1]")
    assert "does not occur in any file in sources/" in error.message


# -- issue 18: hostile files. Each was a traceback, or silently accepted, before -------------------

def test_an_advisory_group_that_is_a_mapping_is_named(user_folder):
    # `advisory_groups: [{a: 1}]` was a TypeError (unhashable dict) from looking the group up.
    record = minimal_proposal()
    record["attributes"]["advisory_groups"] = [{"a": 1}]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file, error.record, error.field) == ("mine/proposals/p.yaml", "test_model", "attributes.advisory_groups[0]")
    assert "expected a stakeholder group id" in error.message


def test_a_latin1_source_file_is_named_once(user_folder):
    # A user's own source saved as Latin-1 was a UnicodeDecodeError when a quote was checked against it.
    (user_folder / "sources").mkdir()
    (user_folder / "sources" / "notes.txt").write_bytes("Notre caucus a trouvé le processus opaque.".encode("latin-1"))
    record = minimal_proposal(citations=[{"source": "notes.txt", "quote": "processus opaque"},
                                         {"source": "notes.txt", "quote": "Notre caucus"}])
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)   # once for the file, not once per quote
    assert error.file == "mine/sources/notes.txt"
    assert "not UTF-8 text at line 1" in error.message and "save it as UTF-8" in error.message
    assert "mine/proposals/p.yaml" in error.message and "test_model" in error.message


def test_a_latin1_data_file_names_the_line(user_folder):
    text = yaml_text(minimal_proposal()).replace("The tests", "Les tests \xe9crits")
    (user_folder / "proposals" / "p.yaml").write_bytes(text.encode("latin-1"))
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "Les tests" in row)
    assert error.file == "mine/proposals/p.yaml" and f"not UTF-8 text at line {line}" in error.message


def test_a_folder_named_like_a_data_file_is_named(user_folder):
    # proposals/x.yaml/ as a folder was skipped without a word (and was an IsADirectoryError before that).
    (user_folder / "proposals" / "x.yaml").mkdir()
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert error.file == "mine/proposals/x.yaml" and "is a folder; expected a YAML file" in error.message


def test_a_duplicate_key_is_reported(user_folder):
    # YAML keeps the last of two equal keys: the first `name` vanished without a word.
    path = write_yaml(user_folder / "proposals" / "p.yaml", minimal_proposal())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("short_name: Test\n", "short_name: Test\nname: Second name\n"), encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert (error.file, error.field) == ("mine/proposals/p.yaml", "name")
    assert "duplicate key 'name' at line 4" in error.message and "the same key is at line 2" in error.message


def test_a_duplicate_key_deep_in_a_record_is_reported(user_folder):
    path = write_yaml(user_folder / "proposals" / "p.yaml", minimal_proposal())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    score: 5\n", "    score: 5\n    score: 9\n", 1), encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert error.field.startswith("scores.") and error.field.endswith(".score")
    assert "duplicate key 'score'" in error.message


@pytest.mark.parametrize("where, wrong, meant", [
    ((), "strenghts", "strengths"),
    (("attributes",), "decison_rule", "decision_rule"),
    (("scores", "effective"), "rationel", "rationale"),
    (("citations", 0), "qoute", "quote"),
])
def test_an_unknown_field_is_reported_with_the_closest_known_one(user_folder, where, wrong, meant):
    # `strenghts:` was ignored, and the strengths in it with it.
    record = minimal_proposal()
    target = record
    for key in where:
        target = target[key]
    target[wrong] = target.get(meant, [])
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    field = ".".join(str(k) for k in where).replace(".0", "[0]")
    errors = [e for e in exc.value.errors if e.field == (f"{field}.{wrong}" if field else wrong)]
    assert errors, [str(e) for e in exc.value.errors]
    assert errors[0].record == "test_model" and f"did you mean '{meant}'?" in errors[0].message


def test_an_unknown_field_far_from_any_known_one_lists_them(user_folder):
    record = minimal_proposal(colour="blue")
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    error = only_error(exc)
    assert error.field == "colour" and "unknown field" in error.message and "strengths, weaknesses" in error.message


def test_scores_are_checked_even_when_attributes_fail(user_folder):
    # Once the attributes failed, the scores were not looked at: a second load showed the next problem.
    record = minimal_proposal()
    record["attributes"]["binding"] = "yes"
    record["scores"]["effective"]["score"] = 12
    del record["scores"]["human_rights"]
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        load_mine(user_folder)
    fields = {e.field for e in exc.value.errors}
    assert {"attributes.binding", "scores.effective.score", "scores.human_rights"} <= fields


def test_the_check_command_names_hostile_files_without_a_traceback(user_folder):
    import io

    from igviz.check import check

    (user_folder / "proposals" / "x.yaml").mkdir()
    (user_folder / "proposals" / "deep.yaml").write_text("id: " + "[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
    (user_folder / "proposals" / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    out, err = io.StringIO(), io.StringIO()
    assert check([igviz.BUNDLED_DATA, user_folder], out, err) == 1
    text = err.getvalue()
    assert "Traceback" not in text
    for name in ("x.yaml: is a folder", "latin.yaml: not UTF-8 text at line 1"):
        assert f"mine/proposals/{name}" in text, text
    # Refused by libyaml itself (newer versions stop at 1,000 levels) or by igviz's own limit of 100,
    # named for the file or for the field where the nesting starts: a named problem either way.
    assert re.search(r"mine/proposals/deep\.yaml[:,].*(maximum nesting depth|nested more than 100 levels)", text), text
