"""Designs in workshops (#14): added by the facilitator at creation or before a round, from a link or a
scenario file made in the explorer's Design a reform panel; stored with the workshop (migration
0005_designs); ranked on the participant pages, in the facilitator's results and in exports, and
recomputed by `load_export(...).results()`."""

import json

import pytest
import sqlalchemy as sa
from alembic import command

import igviz
from igviz.design import Design
from igviz.errors import DataValidationError
from igviz.scenario import Scenario
from igviz.workshop import (AccessDenied, Participation, WorkshopError, WorkshopStore, add_designs, designs_from_file,
                            designs_from_link, export_round, load_export, new_workshop, round_results,
                            workshop_assessment)
from igviz.workshop import migrate
from igviz.workshop.participation import AssessmentPool

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
COUNCIL = Design(name="Binding council", options={"venue": "single_council", "binding": "binding"})
AT_IGF = Design(name="Coordinating body at the IGF", options={"venue": "coordinating_body", "home": "igf"})


def weights(**changes):
    values = {c: 5.0 for c in CRITERIA}
    values.update(changes)
    return values


# `store` (conftest.py): each test on SQLite and on PostgreSQL (JSON columns differ; the designs' order must hold).


def overall(results, pid):
    return float(results.equal_footing_ranking.loc[pid, "overall"])


# -- the store and the set-up ------------------------------------------------------------------------

def test_a_design_added_at_creation_is_ranked_from_round_one(store):
    created = new_workshop(store, DATASET, "Designs", designs=[COUNCIL])
    info = created.workshop
    assert info.proposals[-1] == COUNCIL.id and info.proposals[:-1] == tuple(DATASET.proposals)
    assert info.design_specs == {COUNCIL.id: COUNCIL.spec()}
    a = workshop_assessment(DATASET, info.framework, info.proposals, info.design_specs)
    # The design's scores are the design model's derivation, as in the explorer.
    expected = {c: s.score for c, s in COUNCIL.scores(DATASET).items()}
    assert {c: a.proposal(COUNCIL.id).score(c).score for c in CRITERIA} == expected
    assert a.proposal(COUNCIL.id).short_name == "Binding council"


def test_a_design_added_before_a_round_joins_it_and_not_a_round_with_submissions(store):
    created = new_workshop(store, DATASET, "Designs")
    code, secret = created.workshop.code, created.secret
    # Round 1 has no submissions yet: the design is in it.
    assert add_designs(store, DATASET, code, secret, [COUNCIL]) == 1
    assert COUNCIL.id in store.workshop(code).proposals
    token = store.join(code, "government", "Ana")
    store.submit(token, weights(accountable=9))
    # Round 1 has a submission now: a design added waits for round 2, so the round's proposals do not
    # change under those who have submitted.
    assert add_designs(store, DATASET, code, secret, {AT_IGF.id: AT_IGF.spec()}) == 2
    info = store.workshop(code)
    assert AT_IGF.id not in info.proposals and info.proposals_in(2)[-2:] == (COUNCIL.id, AT_IGF.id)
    assert list(info.designs_in(1)) == [COUNCIL.id]
    store.close_round(code, secret)
    store.open_round(code, secret)
    assert store.workshop(code).proposals[-2:] == (COUNCIL.id, AT_IGF.id)
    # A closed round's export is as it was; the next round's ranks both designs.
    store.submit(token, weights(accountable=9))
    assert export_round(store, code, secret, 1).proposals[-1] == COUNCIL.id
    assert export_round(store, code, secret, 2).designs == {COUNCIL.id: COUNCIL.spec(), AT_IGF.id: AT_IGF.spec()}


def test_a_design_added_to_a_closed_round_waits_for_the_next(store):
    created = new_workshop(store, DATASET, "Designs")
    code, secret = created.workshop.code, created.secret
    store.close_round(code, secret)
    assert add_designs(store, DATASET, code, secret, [COUNCIL]) == 2


def test_designs_that_cannot_be_used_are_refused_with_the_reason(store):
    created = new_workshop(store, DATASET, "Designs")
    code, secret = created.workshop.code, created.secret
    with pytest.raises(WorkshopError, match="Nowhere.*venue|venue.*nowhere"):
        add_designs(store, DATASET, code, secret, {"design_x": {"name": "Nowhere", "options": {"venue": "nowhere"}}})
    with pytest.raises(WorkshopError, match="mipc"):
        add_designs(store, DATASET, code, secret, {"mipc": {"name": "MIPC again", "options": {}}})
    with pytest.raises(WorkshopError, match="design id"):
        store.add_designs(code, secret, {"1 bad id": {"name": "x", "options": {}}})
    with pytest.raises(AccessDenied):
        add_designs(store, DATASET, code, "not the key", [COUNCIL])
    add_designs(store, DATASET, code, secret, [COUNCIL])
    with pytest.raises(WorkshopError, match="already has"):
        add_designs(store, DATASET, code, secret, [COUNCIL])  # its id is taken: refused, not replaced
    assert store.workshop(code).design_specs == {COUNCIL.id: COUNCIL.spec()}


def test_designs_come_from_an_explorer_link_and_a_scenario_file(tmp_path):
    a = igviz.Assessment(DATASET)
    a.add_design(COUNCIL)
    a.add_design(AT_IGF)
    link = Scenario.from_assessment(a).to_link("http://localhost:5006/explorer")
    assert designs_from_link(DATASET, link) == {COUNCIL.id: COUNCIL.spec(), AT_IGF.id: AT_IGF.spec()}
    path = Scenario.from_assessment(a).save(tmp_path / "two designs.yaml")
    assert designs_from_file(DATASET, path) == {COUNCIL.id: COUNCIL.spec(), AT_IGF.id: AT_IGF.spec()}
    assert designs_from_file(DATASET, content=path.read_bytes(), filename="upload.yaml") == designs_from_link(DATASET, link)
    with pytest.raises(WorkshopError, match="no designs"):
        designs_from_link(DATASET, "http://localhost:5006/explorer?weights=accountable:9")
    bad = link.replace("single_council", "nowhere")
    with pytest.raises(WorkshopError, match="cannot be used"):
        designs_from_link(DATASET, bad)
    (tmp_path / "broken.yaml").write_text("designs: [1, 2]\n")
    with pytest.raises(WorkshopError, match="broken.yaml"):
        designs_from_file(DATASET, tmp_path / "broken.yaml")


# -- the participant pages and the results ---------------------------------------------------------------

def test_the_participation_flow_ranks_the_workshops_designs_and_takes_their_ratings(store):
    created = new_workshop(store, DATASET, "Designs", designs=[COUNCIL])
    code, secret = created.workshop.code, created.secret
    store.set_round_asks(code, secret, "both")
    flow = Participation(store, DATASET, per_request=True)
    assert flow.enter_code(code) and flow.join("government", "Ana")
    assert COUNCIL.id in flow.ranking().proposal_ids
    flow.release()
    # A design's cells can be rated like a proposal's.
    store.submit(flow.token, weights(), ratings={COUNCIL.id: {"accountable": 2}})
    assert store.submissions(code, secret).iloc[0][f"rating.{COUNCIL.id}.accountable"] == 2


def test_the_pool_does_not_mix_two_workshops_designs_of_the_same_id():
    pool = AssessmentPool()
    other = Design(design_id=COUNCIL.id, name="Binding council", options={"venue": "intergovernmental_body"})
    proposals = [*DATASET.proposals, COUNCIL.id]
    a = pool.take(DATASET, "best_bits", proposals, {COUNCIL.id: COUNCIL.spec()})
    pool.give_back(a)
    b = pool.take(DATASET, "best_bits", proposals, {COUNCIL.id: other.spec()})
    assert b is not a
    assert b.proposal(COUNCIL.id).design.options == other.options
    pool.give_back(b)
    assert pool.take(DATASET, "best_bits", proposals, {COUNCIL.id: COUNCIL.spec()}) is a


def test_the_facilitator_board_lists_the_designs_and_ranks_them(store):
    from igviz.pages.facilitator import FacilitatorBoard

    created = new_workshop(store, DATASET, "Designs", designs=[COUNCIL])
    code, secret = created.workshop.code, created.secret
    store.set_results_live(code, secret, True)
    token = store.join(code, "government", "Ana")
    store.submit(token, weights(accountable=9))
    board = FacilitatorBoard(store, DATASET, code, secret)
    listed = board._panes["designs"].object
    assert "Binding council" in listed and "from round 1" in listed and "One multistakeholder council, Binding" in listed
    assert "not a source" in listed  # whose judgement the design's scores are
    assert "data-proposal='design_binding_council'" in board._panes["equal"].object.replace('"', "'")
    assert board._designs_card.visible


def test_round_history_compares_a_round_without_the_design_to_one_with_it(store):
    created = new_workshop(store, DATASET, "Designs")
    code, secret = created.workshop.code, created.secret
    store.set_results_live(code, secret, True)  # the board computes the history with the results
    token = store.join(code, "government", "Ana")
    store.submit(token, weights(accountable=9))
    add_designs(store, DATASET, code, secret, [COUNCIL])
    store.close_round(code, secret)
    store.open_round(code, secret)
    store.submit(token, weights(accountable=9))
    info = store.workshop(code)
    before = round_results(DATASET, info.framework, info.proposals_in(1), info.groups, info.rule,
                           store.submissions(code, secret, 1), info.designs_in(1))
    assert COUNCIL.id not in before.equal_footing_ranking.index
    from igviz.pages.facilitator import FacilitatorBoard
    board = FacilitatorBoard(store, DATASET, code, secret)
    # The page's round history: round 1 ranked without the design, round 2 with it; the table still shows.
    assert list(board._earlier) == [1] and COUNCIL.id not in [p.id for p in board._earlier[1].assessment.proposals]
    assert COUNCIL.id in [p.id for p in board.results.assessment.proposals]
    assert "igviz-history" in board._panes["history"].object


# -- exports ------------------------------------------------------------------------------------------

def test_designs_round_trip_through_the_json_export(store, tmp_path):
    created = new_workshop(store, DATASET, "Designs", designs=[COUNCIL, AT_IGF])
    code, secret = created.workshop.code, created.secret
    for group, w in (("government", weights(accountable=10, effective=1)), ("civil_society", weights(inclusive=10))):
        store.submit(store.join(code, group, "x"), w)
    info = store.workshop(code)
    shown = round_results(DATASET, info.framework, info.proposals, info.groups, info.rule, store.submissions(code, secret),
                          info.design_specs)
    path = export_round(store, code, secret).save(tmp_path / "round.json")
    doc = json.loads(path.read_text())
    assert doc["designs"] == {COUNCIL.id: COUNCIL.spec(), AT_IGF.id: AT_IGF.spec()}
    loaded = load_export(path, DATASET).results(DATASET)
    # The export's recomputation ranks the designs exactly as the facilitator's page did.
    assert list(loaded.equal_footing_ranking.index) == list(shown.equal_footing_ranking.index)
    for pid in (COUNCIL.id, AT_IGF.id):
        assert overall(loaded, pid) == pytest.approx(overall(shown, pid))
    assert loaded.assessment.proposal(AT_IGF.id).short_name == AT_IGF.short


def test_a_csv_export_ranks_designs_given_to_load_export(store, tmp_path):
    created = new_workshop(store, DATASET, "Designs", designs=[COUNCIL])
    code, secret = created.workshop.code, created.secret
    store.submit(store.join(code, "government", "x"), weights(accountable=10))
    path = export_round(store, code, secret).save(tmp_path / "round.csv")
    assert COUNCIL.id not in load_export(path, DATASET).results(DATASET).equal_footing_ranking.index
    with_designs = load_export(path, DATASET, designs=[COUNCIL]).results(DATASET)
    assert COUNCIL.id in with_designs.equal_footing_ranking.index


def test_a_damaged_design_in_an_export_is_named(store, tmp_path):
    created = new_workshop(store, DATASET, "Designs", designs=[COUNCIL])
    code, secret = created.workshop.code, created.secret
    store.submit(store.join(code, "government", "x"), weights())
    path = export_round(store, code, secret).save(tmp_path / "round.json")
    doc = json.loads(path.read_text())
    doc["designs"][COUNCIL.id]["options"]["venue"] = "nowhere"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataValidationError, match=rf"designs\.{COUNCIL.id}.*nowhere"):
        load_export(path, DATASET)
    doc["designs"] = ["not", "a", "mapping"]
    path.write_text(json.dumps(doc))
    with pytest.raises(DataValidationError, match="designs"):
        load_export(path, DATASET)


# -- the schema ---------------------------------------------------------------------------------------

def test_a_database_at_0004_is_upgraded_and_its_workshops_have_no_designs(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), "0004_ratings")
        connection.execute(sa.text(
            "INSERT INTO workshop (code, title, framework, criteria, proposals, groups, rule, secret_hash, created_at, "
            "revision, joining_open, results_live) VALUES ('ABCDEF', 'Before designs', 'best_bits', :criteria, "
            ":proposals, '[\"government\"]', '{}', 'x', 0, 1, 1, 0)"),
            {"criteria": json.dumps(CRITERIA), "proposals": json.dumps(list(DATASET.proposals))})
    engine.dispose()
    store = WorkshopStore(url)
    try:
        assert store.schema_version == "0005_designs"
        info = store.workshop("ABCDEF")
        assert info.title == "Before designs" and info.designs == () and info.proposals == tuple(DATASET.proposals)
    finally:
        store.dispose()


def test_a_designs_name_is_shown_as_text(store):
    from igviz.pages.facilitator import FacilitatorBoard

    named = Design(name="<img src=x onerror=alert(1)> & co", options={"binding": "binding"})
    created = new_workshop(store, DATASET, "Designs", designs=[named])
    store.set_results_live(created.workshop.code, created.secret, True)
    store.submit(store.join(created.workshop.code, "government", "x"), weights())
    board = FacilitatorBoard(store, DATASET, created.workshop.code, created.secret)
    for pane in ("designs", "equal"):
        html = board._panes[pane].object
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in html.replace("&#x27;", "'")
