"""The bundled dataset: complete, traceable to the seeds, and faithful to the Best Bits judgements."""

from pathlib import Path

import pytest
import yaml

import igviz
from igviz.dataset.sources import normalise

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
BRIEF_PROPOSALS = {"status_quo", "un_committee", "mipc", "mipoc", "distributed_cstd", "self_forming",
                   "reformed_igf", "icann_globalisation", "best_bits_composite"}


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def all_quotes(node, path=""):
    """Every (source, quote, where) in a parsed YAML tree, wherever it sits."""
    if isinstance(node, dict):
        if "source" in node and "quote" in node:
            yield node["source"], node["quote"], path
        for k, v in node.items():
            yield from all_quotes(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from all_quotes(v, f"{path}[{i}]")


def test_the_bundled_sources_are_the_seed_documents():
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    bundled = igviz.BUNDLED_DATA / "sources"
    for seed in SEEDS.glob("*.txt"):
        assert (bundled / seed.name).read_bytes() == seed.read_bytes(), seed.name


def test_every_quote_in_data_is_found_verbatim_in_the_seeds():
    folder = SEEDS if SEEDS.is_dir() else igviz.BUNDLED_DATA / "sources"
    texts = {p.name: normalise(p.read_text(encoding="utf-8")) for p in folder.glob("*.txt")}
    checked = 0
    for path in sorted(igviz.BUNDLED_DATA.rglob("*.yaml")):
        for source, quote, where in all_quotes(yaml.safe_load(path.read_text(encoding="utf-8"))):
            assert source in texts, f"{path.name}{where}: cites {source}, which is not a seed"
            assert normalise(quote) in texts[source], f"{path.name}{where}: quote not in {source}: {quote!r}"
            checked += 1
    assert checked > 200  # nine proposals × ten criteria, plus frameworks and remarks


def test_the_brief_s_frameworks_and_proposals_are_all_there(data):
    assert set(data.frameworks) == {"best_bits", "atlas_ii", "best_bits_ms_principles", "netmundial"}
    assert data.default_framework.id == "best_bits"
    assert data.default_framework.groups == ["Processes", "Participation", "Underlying values"]
    assert BRIEF_PROPOSALS <= set(data.proposals)
    assert [p.id for p in data.proposals.values() if p.baseline] == ["status_quo"]


def test_every_proposal_scores_every_default_criterion_with_a_cited_rationale(data):
    for p in data.proposals.values():
        for c in data.default_framework.criteria:
            s = p.scores[c.id]
            assert s.low <= s.score <= s.high and s.rationale and s.citations, (p.id, c.id)
        assert p.strengths and p.weaknesses, p.id


def test_silent_sources_are_said_and_carry_wide_ranges(data):
    silent = [s for p in data.proposals.values() for s in p.scores.values() if s.evidence == "silent"]
    assert silent, "the seeds do not speak to everything; some scores must say so"
    assert all(s.high - s.low >= data.scale.silent_min_range for s in silent)


def test_the_best_bits_judgements_of_000_are_visible_in_the_scores(data):
    def score(pid, cid):
        return data.score(pid, cid).score

    un = "un_committee"
    # "real strengths in the clarity of process" ...
    assert score(un, "transparent") >= 7
    assert score(un, "transparent") == max(score(p, "transparent") for p in data.proposals)
    # ... but "not have the requisite expertise" and stakeholders only advise.
    assert score(un, "expertise") <= 3
    assert score(un, "meaningful_participation") <= 3
    assert score(un, "expertise") == min(score(p, "expertise") for p in data.proposals)
    # A distributed model draws in "expertise as necessary" and is "more dynamic and adaptable".
    for dispersed in ("distributed_cstd", "self_forming", "mipoc"):
        assert score(dispersed, "expertise") > score(un, "expertise")
        assert score(dispersed, "adaptable") > score(un, "adaptable")
    # "self-forming multi-stakeholder processes are likely to disadvantage those without power".
    assert score("self_forming", "inclusive") < score("mipc", "inclusive")
    assert score("self_forming", "meaningful_participation") < score("distributed_cstd", "meaningful_participation")
    # The status quo: "a lack of clarity about how or where decisions are made".
    assert score("status_quo", "transparent") < score(un, "transparent")


def test_attributes_follow_the_sources(data):
    un = data.proposals["un_committee"].attributes
    assert un.seats == {"government": 50} and un.decision_rule == "intergovernmental"
    mipc = data.proposals["mipc"].attributes
    assert mipc.decision_rule == "rough_consensus" and not mipc.binding
    assert len(set(mipc.seats.values())) == 1 and len(mipc.seats) >= 4  # equal numbers per group
    composite = data.proposals["best_bits_composite"].attributes
    assert composite.coordinating_function and composite.issue_working_groups


def test_equal_weights_rank_the_best_bits_conclusion_above_the_un_committee(data):
    # 000 §5: "on balance ... weighed more on the side of a dispersed model of governance".
    order = igviz.Assessment(data).ranking().order
    assert order.index("best_bits_composite") < order.index("un_committee")
    assert order.index("best_bits_composite") < order.index("status_quo")
