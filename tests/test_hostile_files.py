"""Hostile files (issue 18): alias bombs, deep nesting, duplicate keys, bad encodings and wrong types,
in data folders and in scenario files, never a traceback, never a blow-up; and the C YAML parser,
progress on big folders, and a weight typed as text that names its criterion.

The named-error cases of single fields are in test_loader_errors.py.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import igviz
from igviz import DataValidationError, safeyaml
from igviz.scenario import Scenario

from conftest import minimal_proposal, write_yaml

DATA = igviz.load_dataset()
LOADERS = [pytest.param(safeyaml.PythonLoader, id="python")]
if safeyaml.C_LOADER:
    LOADERS.append(pytest.param(safeyaml.Loader, id="libyaml"))


def bomb(levels: int = 9, name: str = "i") -> str:
    """The "billion laughs": 9 levels of 9 aliases each stand for 9^9 (387 million) strings in 400 bytes."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# -- the reader: the same checks with libyaml and with the pure-Python parser -----------------------

@pytest.mark.parametrize("loader", LOADERS)
def test_an_alias_bomb_is_refused_without_being_expanded(loader):
    with pytest.raises(safeyaml.YamlProblem) as exc:
        safeyaml.loads(bomb(), loader)
    assert str(exc.value).startswith("refused at line ") and "aliases" in str(exc.value)
    assert len(str(exc.value)) < 300 and "lol" not in str(exc.value)


@pytest.mark.parametrize("loader", LOADERS)
def test_a_few_aliases_are_still_fine(loader):
    text = "base: &b {low: 4, high: 6}\nscores:\n  a: *b\n  b: {<<: *b, high: 7}\n"
    assert safeyaml.loads(text, loader) == {"base": {"low": 4, "high": 6},
                                            "scores": {"a": {"low": 4, "high": 6}, "b": {"low": 4, "high": 7}}}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text, expected", [
    ("[" * 20000 + "]" * 20000, "nest"),                                   # 20,000 levels: was a RecursionError
    ("".join(f"- &a{i} [{f'*a{i - 1}' if i else 1}]\n" for i in range(200)), "nested more than 100 levels deep"),
    ("a: &a [1, *a]\n", "refers to the value that contains it"),          # a list that contains itself
    ("name: A\nscore: 1\nname: B\n", "duplicate key 'name' at line 3"),
    ("1: one\ntrue: yes\n", "duplicate key 'true'"),                       # 1 and true are one key once built
    ("x: !!python/object/apply:os.system [echo]\n", "not valid YAML"),
])
def test_hostile_yaml_is_a_named_problem(loader, text, expected):
    with pytest.raises(safeyaml.YamlProblem) as exc:
        safeyaml.loads(text, loader)
    assert expected in str(exc.value)


def test_text_that_is_not_utf8_names_line_and_column():
    with pytest.raises(safeyaml.YamlProblem) as exc:
        safeyaml.loads("a: 1\nb: caf\xe9\n".encode("latin-1"))
    assert str(exc.value).startswith("not UTF-8 text at line 2, column 7")
    assert safeyaml.loads("\ufeffa: 1\n".encode("utf-8")) == {"a": 1}   # a byte-order mark is fine


def test_the_c_parser_is_used_where_pyyaml_has_it():
    # The pure-Python parser read 50 MB in 200 s; libyaml's is several times faster (benchmarks/bench_loader.py).
    assert safeyaml.C_LOADER == hasattr(yaml, "CSafeLoader")
    if safeyaml.C_LOADER:
        assert issubclass(safeyaml.Loader, yaml.CSafeLoader)


# -- alias bombs in a data folder and in a scenario file: refused, never expanded ----------------

def test_alias_bombs_in_data_and_scenario_files_are_refused_in_bounded_memory(tmp_path):
    """In a child process with 3 GB of address space: before, expanding the bomb into a message took
    5.1 GB and a minute before MemoryError; now it is refused from its node graph."""
    folder = tmp_path / "mine"
    (folder / "proposals").mkdir(parents=True)
    # The bomb sits in fields whose problems quote the value: `name` (expected text) and `weights`.
    (folder / "proposals" / "bomb.yaml").write_text(bomb() + "id: bomb\nname: *a8\n", encoding="utf-8")
    (tmp_path / "bomb.yaml").write_text(bomb() + "weights: *a8\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        import igviz
        from igviz.scenario import Scenario
        for load in (lambda: igviz.load_dataset(igviz.BUNDLED_DATA, {str(folder)!r}),
                     lambda: Scenario.load({str(tmp_path / 'bomb.yaml')!r}, igviz.load_dataset())):
            try:
                load()
            except igviz.DataValidationError as exc:
                print(len(str(exc)), str(exc).splitlines()[1])
            else:
                print("loaded")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert len(lines) == 2, run.stdout
    for line, where in zip(lines, ("mine/proposals/bomb.yaml", f"{tmp_path / 'bomb.yaml'}, record 'scenario'")):
        size, message = line.split(" ", 1)
        assert int(size) < 1000 and where in message and "refused at line" in message and "aliases" in message, line


# -- any value in any field: a named problem, never a traceback -------------------------------------

HOSTILE = [[{"a": 1}], {"a": 1}, [1, [2]], 1, None, True, "x", 1e308, float("nan"), -5, "", [], {}, {1: 2}]


def paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:1]):
            yield from paths(v, (*path, i))


def replaced(value, path, new):
    value = copy.deepcopy(value)
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return value


def test_any_value_in_any_field_of_a_proposal_is_a_named_problem():
    from igviz.dataset.kinds import read_records

    record = minimal_proposal()
    record["strengths"] = [{"text": "Clear.", "citation": record["citations"][0]}]
    record["scores"] = {"effective": record["scores"]["effective"]}   # one score stands for all
    tried = 0
    for path in list(paths(record))[1:]:
        for value in HOSTILE:
            try:
                read_records([], [("p.yaml", replaced(record, path, value))], base=DATA)
            except DataValidationError as exc:
                assert all(e.file == "p.yaml" for e in exc.errors), [str(e) for e in exc.errors]
            tried += 1
    assert tried > 400


SPEC = {"igviz_spec": 1, "framework": "best_bits", "method": "promethee_ii",
        "weights": {"transparent": 3, "effective": 0}, "thresholds": {"transparent": 2},
        "methods": {"promethee_ii": {"preference": "usual"}}, "stance": 0.3, "selected": "mipc",
        "compared": ["mipc", "un_committee"],
        "proposals": {"mipc": {"centralisation_shift": 0.2,
                               "score_overrides": {"transparent": {"score": 5, "low": 4, "high": 6, "rationale": "r"}}}}}


def test_any_value_in_any_field_of_a_scenario_is_a_named_problem(tmp_path):
    path = tmp_path / "s.json"
    for field in list(paths(SPEC))[1:]:
        for value in HOSTILE:
            path.write_text(json.dumps(replaced(SPEC, field, value)), encoding="utf-8")
            try:
                Scenario.load(path, DATA).apply(igviz.Assessment(DATA))
            except DataValidationError as exc:
                assert all(e.file == str(path) and e.record == "scenario" for e in exc.errors)


# -- Scenario.load: types checked as data, each wrong one named by its field ------------------------

@pytest.mark.parametrize("text, field, expected", [
    ("weights: [1, 2]\n", "weights", "expected a mapping"),                        # was an AttributeError
    ("compared: [1, 2]\n", "compared[0]", "expected a proposal id (text), got 1"),  # was a TypeError
    ("framework: [best_bits]\n", "framework", "expected a framework id (text)"),    # TypeError: unhashable
    ("method: {a: 1}\n", "method", "expected a method id (text)"),
    ("selected: [mipc]\n", "selected", "expected a proposal id (text)"),
    ("compared: {mipc: 1}\n", "compared", "expected a list of proposal ids"),
    ("weights: {transparent: 1}\nweights: {transparent: 9}\n", "weights", "duplicate key 'weights' at line 2"),
])
def test_scenario_types_are_checked_as_data(tmp_path, text, field, expected):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        Scenario.load(path, DATA)
    errors = {e.field: e.message for e in exc.value.errors}
    assert field in errors and expected in errors[field], errors
    assert all(e.file == str(path) for e in exc.value.errors)


def test_a_latin1_scenario_file_is_named(tmp_path):
    # Was a UnicodeDecodeError.
    path = tmp_path / "s.yaml"
    path.write_bytes("selected: mipc\nnote: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataValidationError) as exc:
        Scenario.load(path, DATA)
    assert str(exc.value.errors[0]).startswith(f"{path}, record 'scenario': not UTF-8 text at line 2")


# -- progress on big folders ---------------------------------------------------------------------

def test_check_prints_progress_for_big_folders_and_nothing_for_the_bundled_data(tmp_path, monkeypatch):
    from igviz.check import check
    from igviz.dataset.check import ProgressReport

    out, err = io.StringIO(), io.StringIO()
    assert check([], out, err) == 0
    assert err.getvalue() == ""
    folder = tmp_path / "big"
    for i in range(12):
        write_yaml(folder / "proposals" / f"p{i:02d}.yaml", minimal_proposal(f"p{i:02d}"))
    # "Big" is 5 MB or 1,000 files; a dozen files stand in for them here.
    monkeypatch.setattr(ProgressReport, "BIG_FILES", 10)
    err = io.StringIO()
    assert check([igviz.BUNDLED_DATA, folder], io.StringIO(), err) == 0
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Reading ") and "data files" in lines[0]
    percents = [int(line.split("%")[0]) for line in lines[1:]]
    assert percents == sorted(percents) and percents[-1] == 100 and len(percents) <= 10


def test_load_dataset_reports_progress_file_by_file():
    seen = []
    igviz.load_dataset(progress=seen.append)
    assert seen and seen[-1].files == seen[-1].total_files and seen[-1].bytes == seen[-1].total_bytes
    assert [p.files for p in seen] == list(range(1, len(seen) + 1))
    assert any(p.label.endswith("proposals/mipc.yaml") for p in seen)


# -- /lite's "Show my ranking": a weight typed as text names its criterion -------------------------

@pytest.mark.parametrize("language, name", [("en", "All necessary points of view"),
                                            ("fr", "Tous les points de vue nécessaires")])
def test_a_weight_that_is_not_a_number_names_the_criterion_as_the_form_does(tmp_path, language, name):
    from igviz.i18n import translate_message
    from igviz.workshop import WorkshopStore, new_workshop
    from igviz.workshop.participation import Participation, RoundStates

    store = WorkshopStore(f"sqlite:///{tmp_path / 'w.sqlite'}", min_seconds_between_submissions=0)
    try:
        created = new_workshop(store, DATA, "Typed")
        flow = Participation(store, DATA, round_states=RoundStates(max_age_s=0), language=language)
        assert flow.open(created.workshop.code) and flow.join("government", "Grace"), flow.message
        assert not flow.set_weights({"points_of_view": "abc"})
        shown = translate_message(flow.message, language)
        assert name in shown and "abc" in shown and "10" in shown, shown
        assert "points_of_view" not in shown and "could not convert" not in shown
        assert flow.typed_weights["points_of_view"] == "abc"   # what was typed is kept for the form
    finally:
        store.dispose()


# -- unknown fields: what a parser reads is known, whether or not it is listed --------------------

def test_a_field_a_parser_reads_is_known_without_being_listed(user_folder, monkeypatch):
    """Another branch's parser may read a new field without adding it to parsers.FIELDS: the data
    files' mappings remember what was asked for, so the field is not reported as unknown."""
    from igviz.dataset import parsers

    monkeypatch.setitem(parsers.FIELDS, "attributes", tuple(f for f in parsers.FIELDS["attributes"] if f != "notes"))
    record = minimal_proposal()
    record["attributes"]["notes"] = "A note the parser reads."
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    data = igviz.load_dataset(igviz.BUNDLED_DATA, user_folder)
    assert data.proposals["test_model"].attributes.notes == "A note the parser reads."
    record["attributes"]["notse"] = "misspelt"
    write_yaml(user_folder / "proposals" / "p.yaml", record)
    with pytest.raises(DataValidationError) as exc:
        igviz.load_dataset(igviz.BUNDLED_DATA, user_folder)
    [error] = exc.value.errors
    assert error.field == "attributes.notse" and "did you mean 'notes'?" in error.message


def test_a_tracked_mapping_writes_back_as_plain_yaml():
    data = safeyaml.loads("a: {b: 1}\n", safeyaml.TrackingLoader)
    assert isinstance(data, safeyaml.ReadDict) and yaml.safe_load(yaml.safe_dump(data)) == {"a": {"b": 1}}
