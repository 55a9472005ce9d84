"""The institution map and the baseline describe one moment (early 2014); what changed since is a
separate, dated layer; every stakeholder group has its bodies; every relation obeys its kind's rule
(data/relation_kinds.yaml)."""

import pytest
import yaml

import igviz
from igviz import DataValidationError
from igviz.dataset.records import NODE_KINDS, RELATION_KINDS
from igviz.network import later_graph, layout, networks, short_label

from conftest import write_yaml


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


def relations_everywhere(data):
    """Every relation of the map, of every overlay and of the later layer, with the bodies it may name."""
    bodies = dict(data.institutions.bodies)
    for overlay in data.overlays.values():
        bodies.update({b.id: b for b in overlay.adds_bodies})
    for change in data.later.changes:
        bodies.update({b.id: b for b in change.adds_bodies})
    rels = list(data.institutions.relations)
    for overlay in data.overlays.values():
        rels += overlay.adds_relations
    for change in data.later.changes:
        rels += change.adds_relations
    return bodies, rels


def load_errors(folder):
    with pytest.raises(DataValidationError) as exc:
        igviz.load_dataset(folder)
    return exc.value.errors


# -- relation kinds ----------------------------------------------------------------------------

def test_every_relation_kind_has_a_rule_and_every_bundled_relation_obeys_it(data):
    assert set(data.relation_rules) == set(RELATION_KINDS)
    bodies, rels = relations_everywhere(data)
    for r in rels:
        assert data.relation_rules[r.relation].problem(bodies[r.source].kind, bodies[r.target].kind) is None, r


def test_a_wrong_relation_in_the_map_fails_to_load_naming_the_rule(data_folder):
    path = data_folder / "institutions.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    # A civil-society advisory committee cannot take the decisions that bind an intergovernmental body.
    raw["relations"].append({"from": "csisac", "to": "oecd", "relation": "decides_on", "description": "d",
                             "citation": {"reference": "r"}})
    write_yaml(path, raw)
    errors = load_errors(data_folder)
    [e] = [e for e in errors if e.file == "data/institutions.yaml"]
    assert e.record.endswith("(csisac -> oecd)") and e.field == "relation"
    assert "decides_on" in e.message and "civil society" in e.message and "relation_kinds.yaml" in e.message


def test_a_wrong_relation_in_an_overlay_or_the_later_layer_fails_to_load(data_folder):
    overlay = data_folder / "overlays" / "un_committee.yaml"
    raw = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    # Nobody on the map can remove a company's leadership: `oversees` may not point at the private sector.
    raw["adds_relations"].append({"from": "un_cirp", "to": "ict_companies", "relation": "oversees",
                                  "description": "d", "citation": {"reference": "r"}})
    write_yaml(overlay, raw)
    later = data_folder / "since_baseline.yaml"
    raw = yaml.safe_load(later.read_text(encoding="utf-8"))
    raw["changes"][0]["adds_relations"].append({"from": "tuac", "to": "oecd", "relation": "mandates",
                                                "description": "d", "citation": {"reference": "r"}})
    write_yaml(later, raw)
    errors = load_errors(data_folder)
    [overlay_error] = [e for e in errors if e.file == "data/overlays/un_committee.yaml"]
    assert overlay_error.field.startswith("adds_relations[") and overlay_error.field.endswith("].relation")
    assert "oversees" in overlay_error.message and "private" in overlay_error.message
    [later_error] = [e for e in errors if e.file == "data/since_baseline.yaml"]
    assert later_error.record == "iana_transition" and later_error.field.endswith("].relation")
    assert "mandates" in later_error.message


def test_a_relation_kind_without_a_rule_fails_to_load(data_folder):
    path = data_folder / "relation_kinds.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["kinds"] = [k for k in raw["kinds"] if k["id"] != "monitors"]
    write_yaml(path, raw)
    assert any(e.file == "data/relation_kinds.yaml" and "monitors" in e.message for e in load_errors(data_folder))


def test_the_relations_the_audit_found_wrong_now_say_what_their_sources_say(data):
    later = {(r.source, r.target): r.relation for c in data.later.changes for r in c.adds_relations}
    # The CSC monitors PTI and escalates to the ccNSO and GNSO; it cannot correct or remove (README: oversees).
    assert later[("csc", "iana")] == "monitors"
    assert later[("csc", "ccnso")] == later[("csc", "gnso")] == "reports_to"
    # The CIRP's quote is about recommendations disseminated to intergovernmental bodies, not coordination.
    cirp = {(r.source, r.target): r.relation for r in data.overlays["un_committee"].adds_relations}
    assert cirp[("un_cirp", "unesco")] == cirp[("un_cirp", "itu")] == "feeds_into"
    # Neither source calls the MIPC a coordinating function; IGO observers neither decide nor advise.
    mipc = data.proposals["mipc"].attributes
    assert not mipc.coordinating_function and "intergovernmental" not in mipc.advisory_groups


# -- one moment ---------------------------------------------------------------------------------

def test_the_baseline_scores_and_map_describe_early_2014(data):
    m = data.institutions
    baseline = [p for p in data.proposals.values() if p.baseline]
    assert [p.as_of for p in baseline] == [m.as_of] == ["early 2014"]
    assert "early 2014" in baseline[0].short_name
    # Bodies that only exist after early 2014 are in the later layer, not in the map.
    for later_body in ("icann_empowered_community", "csc", "igf_leadership_panel", "policy_networks"):
        assert later_body not in m.bodies
        assert any(b.id == later_body for c in data.later.changes for b in c.adds_bodies)
    # In early 2014 the US government oversaw ICANN through the IANA functions contract.
    assert ("ntia", "icann", "oversees") in {r.key for r in m.relations}
    assert "2025" not in m.bodies["igf"].description


def test_icann_globalisation_removes_the_us_link_it_is_credited_for(data):
    g = networks(data)["icann_globalisation"].graph
    assert g.edges["ntia", "icann", "oversees"]["change"] == "removed"
    assert networks(data)["status_quo"].graph.edges["ntia", "icann", "oversees"]["change"] == "same"


def test_a_baseline_of_another_moment_than_the_map_fails_to_load(data_folder):
    path = data_folder / "proposals" / "status_quo.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["as_of"] = "2026"
    write_yaml(path, raw)
    [e] = [e for e in load_errors(data_folder) if e.field == "as_of"]
    assert e.file == "data/proposals/status_quo.yaml" and "early 2014" in e.message


def test_the_later_layer_is_dated_sourced_and_changes_no_measure(data):
    later = data.later
    assert later.as_of == "2026" and "early 2014" in later.name
    assert all(c.date and c.title and c.citation for c in later.changes)
    g = later_graph(data, "status_quo")
    assert g.edges["ntia", "icann", "oversees"]["change"] == "gone"
    assert g.nodes["iana"]["change"] == "since" and "PTI" in g.nodes["iana"]["body"].name
    assert g.edges["unga", "igf", "mandates"]["change"] == "since"
    assert "permanent" in g.edges["unga", "igf", "mandates"]["rel"].description
    # The map of early 2014 is what is measured: the later layer is not part of a proposal's network.
    assert "csc" not in networks(data)["status_quo"].graph
    # A proposal's overlay is drawn over the later map too.
    assert later_graph(data, "un_committee").nodes["un_cirp"]["change"] == "added"


# -- every stakeholder group --------------------------------------------------------------------

def test_every_stakeholder_group_has_its_main_bodies_on_the_map(data):
    kinds = {}
    for b in data.institutions.bodies.values():
        kinds.setdefault(b.kind, set()).add(b.id)
    assert set(kinds) == set(NODE_KINDS)
    assert {"ict_companies", "icc_basis", "biac"} <= kinds["private"]
    assert {"csisac", "tuac", "best_bits"} <= kinds["civil_society"]
    assert "giganet" in kinds["technical"]   # the academic part of the technical and academic community
    advisers = {r.source for r in data.institutions.relations if r.target == "oecd" and r.relation == "advises"}
    assert {"biac", "tuac", "csisac", "itac"} <= advisers
    assert ("icc_basis", "igf", "feeds_into") in {r.key for r in data.institutions.relations}


# -- the view -----------------------------------------------------------------------------------

def test_the_map_view_shows_the_moment_every_group_and_one_tooltip_per_relation(data):
    from bokeh.models import HoverTool, Segment
    from igviz.views import InstitutionMapView
    from igviz.views.institutions import KIND_COLOURS

    a = igviz.Assessment(data, selected="status_quo")
    view = InstitutionMapView(assessment=a)
    fig = view._figure
    assert "early 2014" in fig.title.text
    assert set(KIND_COLOURS) == set(NODE_KINDS)
    # No tooltip on the lines themselves: at the IGF every line ends under the pointer.
    for tool in fig.select(HoverTool):
        assert not any(isinstance(r.glyph, Segment) for r in tool.renderers)
    before = len(view._bodies.data["id"])
    view.later = True
    assert "2026" in fig.title.text and len(view._bodies.data["id"]) > before
    assert "gone" in {c for source in view._edges.values() for c in source.data["change"]}


def test_names_on_the_map_are_short_and_do_not_overlap(data):
    assert short_label("Internet Corporation for Assigned Names and Numbers (ICANN)") == "ICANN"
    assert short_label("Verisign (root zone maintainer)") == "Verisign"
    assert len(short_label("Ad hoc issue-specific multistakeholder working groups")) <= 22
    pos = layout(data)
    assert set(later_graph(data, "status_quo")) <= set(pos)   # the later layer's bodies have their place
    # Two bodies closer than a marker's width (on a 2.6-unit-wide map, ~0.06) would hide each other.
    ids = sorted(pos)
    close = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
             if abs(pos[a][0] - pos[b][0]) < 0.06 and abs(pos[a][1] - pos[b][1]) < 0.06]
    assert close == []
