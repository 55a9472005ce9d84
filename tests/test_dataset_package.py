"""The data package: its table of kinds, and the dataset fingerprint a saved state records."""

import os
import shutil
import subprocess
import sys

import yaml

import igviz
from igviz.dataset import KINDS


def test_every_kind_is_read_after_the_kinds_it_needs():
    names = [k.name for k in KINDS]
    assert len(set(names)) == len(names)
    for i, kind in enumerate(KINDS):
        for needed in kind.needs:
            assert needed in names[:i], f"{kind.name} needs {needed}, which is read after it"


def test_every_part_of_the_bundled_data_folder_is_a_kind():
    # A file or folder no kind reads would be silently ignored; README.md and AUDIT.md are for people.
    claimed = {path for kind in KINDS for path in igviz.BUNDLED_DATA.glob(kind.where)}
    for entry in igviz.BUNDLED_DATA.iterdir():
        if entry.name in ("README.md", "AUDIT.md"):
            continue
        inside = entry.iterdir() if entry.is_dir() else [entry]
        for path in inside:
            assert path in claimed or entry in claimed, f"{path} is read by no kind in igviz.dataset.KINDS"


def test_every_kind_fills_a_part_of_the_dataset():
    data = igviz.load_dataset()
    for kind in KINDS:
        produced = getattr(data, kind.produces)
        assert (produced.folders if kind.name == "sources" else produced), f"{kind.name} produced nothing"


def test_the_fingerprint_is_short_and_the_same_for_the_same_data(tmp_path):
    first = igviz.load_dataset().fingerprint
    assert len(first) == 16 and int(first, 16) >= 0
    assert igviz.load_dataset().fingerprint == first
    # The same files in a folder of another name are the same dataset.
    copy = tmp_path / "elsewhere"
    shutil.copytree(igviz.BUNDLED_DATA, copy)
    assert igviz.load_dataset(copy).fingerprint == first


def test_the_fingerprint_is_the_same_in_another_run():
    # Another interpreter has another hash seed: nothing may depend on set or dict hashing.
    code = "import igviz; print(igviz.load_dataset().fingerprint)"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2")}
    assert runs == {igviz.load_dataset().fingerprint}


def _edit(path, change):
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_the_fingerprint_changes_when_one_score_changes(data_folder):
    before = igviz.load_dataset(data_folder).fingerprint

    def lower(record):
        s = record["scores"]["transparent"]
        s["score"] = s["low"] if s["score"] != s["low"] else s["high"]

    _edit(data_folder / "proposals" / "mipc.yaml", lower)
    assert igviz.load_dataset(data_folder).fingerprint != before


def test_the_fingerprint_changes_with_a_preset_weight_and_with_a_new_proposal(data_folder, user_folder):
    from conftest import minimal_proposal, write_yaml

    before = igviz.load_dataset(data_folder).fingerprint
    write_yaml(user_folder / "proposals" / "mine.yaml", minimal_proposal("mine"))
    assert igviz.load_dataset(data_folder, user_folder).fingerprint != before

    def heavier(doc):
        preset = doc["presets"][0]
        key = next(iter(preset["weights"]))
        preset["weights"][key] += 1

    _edit(data_folder / "presets.yaml", heavier)
    assert igviz.load_dataset(data_folder).fingerprint != before


def test_a_dataset_from_frames_has_a_fingerprint_of_its_own():
    import pandas as pd

    base = igviz.load_dataset()
    criteria = pd.DataFrame([{
        "framework": "mine", "id": "mine_open", "name": "Open", "group": "Mine", "description": "Open to all.",
        "source": "000_e13ad8dd67510eba.txt", "quote": "the model has real strengths in the clarity of process",
        "derived_from": "inclusive: 1", "derivation_rationale": "Openness is inclusiveness here.",
    }])
    mine = igviz.Dataset.from_frames(criteria=criteria, base=base)
    assert mine.fingerprint != base.fingerprint
    assert igviz.Dataset.from_frames(criteria=criteria, base=base).fingerprint == mine.fingerprint
