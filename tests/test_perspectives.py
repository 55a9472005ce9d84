"""Score perspectives in the explorer and the spec (#16): a workshop export's perspectives loaded,
ranked under and marked "rated" in every view, compared, and saved in links and scenario files."""

from __future__ import annotations

import re

import pytest

import igviz
from igviz.errors import DataValidationError
from igviz.model import Assessment
from igviz.perspective import BUNDLED_NAME, BUNDLED_WHOSE, Cell, Perspective, compare_perspectives
from igviz.workshop import load_perspectives
from igviz.scenario import LINK_MAX, Scenario
from igviz.workshop import WorkshopStore, export_round, new_workshop
from igviz.workshop.ratings import ROOM_NAME

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
ONLY_ACCOUNTABLE = {c: (10.0 if c == "accountable" else 0.0) for c in CRITERIA}
ROOM_WHOSE = "the workshop's participants (their ratings)"


@pytest.fixture(scope="module")
def export_path(tmp_path_factory):
    """A round where civil society rates the UN committee's accountability 1 and 2, government 10
    and 9 (the room, each group once: 5.5; the Best Bits score: 4), and everyone rates MIPC's 6."""
    folder = tmp_path_factory.mktemp("export")
    store = WorkshopStore(f"sqlite:///{folder / 'w.sqlite'}", min_seconds_between_submissions=0)
    try:
        created = new_workshop(store, DATASET, "Perspectives")
        code, secret = created.workshop.code, created.secret
        store.set_round_asks(code, secret, "both")
        for group, rating in (("civil_society", 1), ("civil_society", 2), ("government", 10), ("government", 9)):
            token = store.join(code, group, "someone")
            store.submit(token, ONLY_ACCOUNTABLE, ratings={"un_committee": {"accountable": rating},
                                                           "mipc": {"accountable": 6}})
        return export_round(store, code, secret).save(folder / "round1.json")
    finally:
        store.dispose()


def explorer():
    from igviz.pages.explorer import Explorer

    e = Explorer(sync_url=False)
    e.assessment.set_weights(ONLY_ACCOUNTABLE)
    return e


def test_loading_an_export_ranks_under_the_rooms_scores_and_every_view_marks_them_rated(export_path):
    from igviz.views.matrix import matrix_frame

    e = explorer()
    a = e.assessment
    message, failed = e.switch.load_bytes(export_path.read_bytes(), export_path.name)
    assert not failed and "round1.json" in message
    # The room's perspective, each group's, and the bundled one are offered; the room's ranks.
    assert list(e.perspectives.perspectives) == [BUNDLED_NAME, ROOM_NAME, "Stakeholder group civil_society",
                                                 "Stakeholder group government"]
    assert a.perspective.name == ROOM_NAME and e.switch._select.value == ROOM_NAME
    assert "Stakeholder group: Civil society" in e.switch._select.options  # by the group's name, not its id
    # The ranking is the one the facilitator's results give under the room's scores.
    export = igviz.workshop.load_export(export_path)
    expected = export.results().rating_ranking
    assert a.ranking().order == list(expected.index)
    assert a.ranking().table.loc["un_committee", "rank"] == expected.loc["un_committee", "rank (room's scores)"] != \
        expected.loc["un_committee", "rank (bundled scores)"]
    # The matrix: the cell is rated, says whose and how sure (head count, groups, spread); others keep their label.
    frame = matrix_frame(a).set_index(["proposal_id", "criterion"])
    accountable = DATASET.criterion("accountable").name
    cell = frame.loc[("un_committee", accountable)]
    assert (cell["kind"], cell["score"]) == ("rated", 5.5)
    assert "Rated by: The room" in cell["rationale"] and "Mean of 4 ratings from 2 stakeholder groups" in cell["rationale"]
    assert "±4.0" in cell["rationale"]
    assert frame.loc[("un_committee", DATASET.criterion("transparent").name), "kind"] != "rated"
    assert "■" in e.matrix._heading_html() and "The room, each stakeholder group counting once" in e.matrix._heading_html()
    # The detail and the radar's table say the same.
    a.selected = "un_committee"
    body = e.detail._body_html()
    assert "igviz-rated-note" in body and "Mean of 4 ratings from 2 stakeholder groups" in body
    assert "igviz-perspective-rated" in body
    e.radar._update_text()
    assert "■</span> rated" in e.radar._table_html() and "Spread of the ratings: ±4.0" in e.radar._table_html()
    # Back to the bundled scores: nothing is marked rated any more.
    e.switch._select.value = BUNDLED_NAME
    assert a.perspective is None
    assert "rated" not in set(matrix_frame(a)["kind"])


def test_the_compare_view_shows_the_disputed_cell_and_how_the_ranking_moves(export_path):
    e = explorer()
    e.switch.load_bytes(export_path.read_bytes(), export_path.name)
    compare = e.compare
    assert (compare.first, compare.second) == (BUNDLED_NAME, ROOM_NAME)
    html = compare._html()
    first_row = re.search(r"<table class='igviz-table igviz-compare-cells'>.*?<tbody><tr ([^>]*)>(.*?)</tr>", html, re.S)
    assert "data-proposal='un_committee' data-criterion='accountable'" in first_row.group(1)
    assert "+1.5" in first_row.group(2) and "Mean of 4 ratings" in first_row.group(2)  # 4 (Best Bits) → 5.5 (room)
    _cells, ranking = compare_perspectives(e.assessment, None, e.perspectives.perspectives[ROOM_NAME])
    moved = int(ranking.loc["un_committee", "moved"])
    assert moved > 0
    assert re.search(rf"<tr data-proposal='un_committee'>.*?▲ {moved}", html)
    # Two stakeholder groups against each other: the gap is 8.5 points (civil society 1.5, government 9.5).
    compare._first.value = "Stakeholder group civil_society"
    compare._second.value = "Stakeholder group government"
    html = compare._html()
    assert "+8.0" in html and "Stakeholder group: Civil society" in html
    compare._second.value = "Stakeholder group civil_society"
    assert "Choose two different perspectives" in compare._html()


def test_ranking_under_another_perspective_aside_fires_no_event_and_leaves_the_assessment_as_it_was():
    a = Assessment(DATASET)
    last = a.ranking().order[-1]
    lifted = Perspective("Lifted", "a test", {last: {c: Cell(10, 10, 10) for c in CRITERIA}})
    result, seen = a.result, []
    a.param.watch(lambda e: seen.append(e.name), ["result", "revision", "perspective"])
    for p in a.proposals:
        p.param.watch(lambda e: seen.append(e.name), ["perspective_scores"])
    ranking, scores = a.under(lifted)
    assert ranking.top == last and (scores[[p.id for p in a.proposals].index(last)] == 10).all()
    compare_perspectives(a, None, lifted)
    assert seen == [] and a.result is result and a.perspective is None
    assert all(p.perspective_scores == {} for p in a.proposals)
    # The scores under it are kept between weight moves, and follow a score changed meanwhile
    # (an analyst's override beats any perspective).
    a.proposal(last).set_score("transparent", 0)
    assert a.under(lifted)[1][[p.id for p in a.proposals].index(last)][CRITERIA.index("transparent")] == 0
    a.set_weights(transparent=10, accountable=0)
    fresh = Assessment(DATASET, perspective=lifted)
    fresh.set_weights(transparent=10, accountable=0)
    fresh.proposal(last).set_score("transparent", 0)
    assert a.under(lifted)[0].order == fresh.ranking().order
    assert list(a.under(lifted)[0].overall) == list(fresh.ranking().overall)


def test_a_design_takes_the_perspectives_cells_too():
    from igviz.design import Design

    a = Assessment(DATASET)
    dimension, option = next((d.id, d.options[-1].id) for d in DATASET.design.dimensions.values() if not d.multiple)
    a.perspective = Perspective("Room", "a test", {"my_design": {"accountable": Cell(9.5, 9, 10)}})
    design = a.add_design(Design.from_spec("my_design", {"name": "Mine", "options": {dimension: option}}))
    assert design.score("accountable").score == 9.5 and design.score("accountable").evidence == "rated"
    a.perspective = None
    assert a.proposal("my_design").score("accountable").evidence != "rated"


@pytest.mark.parametrize("suffix", ["yaml", "json", "link"])
def test_a_perspective_round_trips_through_scenario_files_and_links(export_path, tmp_path, suffix):
    a = Assessment(DATASET)
    a.set_weights(ONLY_ACCOUNTABLE)
    a.perspective = load_perspectives(export_path)[ROOM_NAME]
    spec = Scenario.from_assessment(a)
    b = Assessment(DATASET)
    if suffix == "link":
        back, problems = Scenario.from_link(spec.to_link(), DATASET)
        assert problems == []
    else:
        back = Scenario.load(spec.save(tmp_path / f"s.{suffix}"), DATASET)
    back.apply(b)
    assert b.perspective is not None and b.perspective.name == ROOM_NAME and b.perspective.whose == ROOM_WHOSE
    assert b.perspective.scores().equals(a.perspective.scores())
    assert b.ranking().order == a.ranking().order
    cell = b.perspective.cell("un_committee", "accountable")
    assert (cell.ratings, cell.groups, round(cell.spread, 6), cell.low) == (4, 2, 4.031129, a.perspective.cell(
        "un_committee", "accountable").low)
    # Applying a spec without a perspective goes back to the bundled scores.
    Scenario.from_assessment(Assessment(DATASET)).apply(b)
    assert b.perspective is None


def test_a_room_that_rated_every_cell_fits_in_a_link_and_reads_back_exactly():
    a = Assessment(DATASET)
    # Means with long decimals, as thirds and sevenths give: the worst case for a link's length.
    cells = {p.id: {c: Cell(10 / 3 + i / 7, 10 / 3 + i / 7 - 1 / 3, min(10, 10 / 3 + i / 7 + 2 / 3), "", 37, 4, 1 / 3)
                    for i, c in enumerate(CRITERIA)} for p in a.proposals}
    a.perspective = Perspective(ROOM_NAME, ROOM_WHOSE, cells)
    link = Scenario.from_assessment(a).to_link()
    assert len(link) < LINK_MAX
    b = Assessment(DATASET)
    back, problems = Scenario.from_link(link, DATASET)
    assert problems == []
    back.apply(b)
    assert b.perspective.same_scores(a.perspective)
    assert b.score_arrays()[1].tobytes() == a.score_arrays()[1].tobytes()


def test_a_bad_perspective_in_a_link_is_named_and_the_rest_still_applies():
    link = ("?perspective.name=Hand&perspective.whose=me&perspective.cells.mipc=accountable:7/6/8/3,transparent:11,"
            "inclusive:5/6/7,nope:5&perspective.cells.atlantis=accountable:5&perspective.colour=red"
            "&perspective.cells.un_committee=accountable:2,accountable.basis:typed%20in")
    spec, problems = Scenario.from_link(link, DATASET)
    text = " | ".join(problems)
    assert "'mipc' on 'transparent': score must be a number in 0..10, got '11'" in text
    assert "'mipc' on 'inclusive': expected low <= score <= high, got 6 <= 5 <= 7" in text
    assert "'mipc' on 'nope': no such criterion" in text
    assert "unknown proposal 'atlantis'" in text and "perspective.colour" in text
    a = Assessment(DATASET)
    spec.apply(a)
    assert a.perspective.name == "Hand" and len(a.perspective) == 2
    assert a.proposal("mipc").score("accountable").score == 7
    assert a.perspective.cell("mipc", "accountable").ratings == 3
    assert a.perspective.cell("un_committee", "accountable").basis == "typed in"


def test_a_bad_perspective_in_a_scenario_file_is_an_error_naming_the_field(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("igviz_spec: 1\nperspective:\n  name: Hand\n  cells:\n    mipc:\n      accountable: {score: 4, "
                    "low: 5}\n      transparent: {score: 3, ratings: -1}\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        Scenario.load(path, DATASET)
    message = str(caught.value)
    assert "field 'perspective.cells.mipc.accountable'" in message and "low <= score <= high" in message
    assert "field 'perspective.cells.mipc.transparent'" in message and "ratings must be a whole number" in message


def test_markup_in_a_perspectives_name_is_shown_as_text():
    from igviz.views.evidence import perspective_html, rated_note

    view = Perspective("<img src=x onerror=alert(1)>", "<b>me</b>",
                       {"mipc": {"accountable": Cell(5, 5, 5, "<script>x</script>")}})
    assert "<img" not in perspective_html(perspective=view) and "&lt;img" in perspective_html(perspective=view)
    assert "<script>x</script>" in rated_note(view, "mipc", "accountable")  # plain text: each caller escapes it
    e = explorer()
    e.perspectives.add([view])
    e.switch._select.value = view.name
    e.compare._first.value, e.compare._second.value = BUNDLED_NAME, view.name
    html = e.compare._html() + e.switch._status_html() + e.matrix._heading_html()
    assert "<img" not in html and "<script>" not in html and "<b>me" not in html


def test_uploads_that_are_not_exports_say_what_is_wrong(tmp_path):
    e = explorer()
    message, failed = e.switch.load_bytes(b"not json", "round.json")
    assert failed and message.startswith("1 problem(s)") and "round.json: not valid JSON" in message
    assert "igviz-export-" not in message  # named by the analyst's file, not the temporary copy
    message, failed = e.switch.load_bytes(b"x", "round.xlsx")
    assert failed and "expected a .json or .csv file" in message
    # A round that asked for weights only gives no perspective but the bundled one.
    store = WorkshopStore(f"sqlite:///{tmp_path / 'w.sqlite'}", min_seconds_between_submissions=0)
    try:
        created = new_workshop(store, DATASET, "Weights only")
        store.submit(store.join(created.workshop.code, "government", "x"), ONLY_ACCOUNTABLE)
        path = export_round(store, created.workshop.code, created.secret).save(tmp_path / "weights.csv")
    finally:
        store.dispose()
    message, failed = e.switch.load_bytes(path.read_bytes(), path.name)
    assert failed and "holds no ratings" in message and e.assessment.perspective is None


def test_a_perspective_set_in_code_is_offered_and_shown():
    e = explorer()
    view = Perspective("Analyst's guess", "me", {"mipc": {"accountable": Cell(1, 0, 2)}})
    e.assessment.perspective = view
    assert e.switch._select.value == "Analyst's guess" and "Analyst's guess" in e.perspectives.perspectives
    assert e.compare.second == "Analyst's guess"
    # Loaded twice, the same scores are offered once; other scores under a taken name get a number.
    e.perspectives.add([Perspective("Analyst's guess", "me", {"mipc": {"accountable": Cell(1, 0, 2)}})])
    names = e.perspectives.add([Perspective("Analyst's guess", "me", {"mipc": {"accountable": Cell(3, 3, 3)}})])
    assert names == ["Analyst's guess (2)"] and len(e.perspectives.perspectives) == 3


def test_the_names_translators_see_are_the_names_in_use(export_path):
    from igviz.views.evidence import PERSPECTIVE_NAMES

    room = load_perspectives(export_path)[ROOM_NAME]
    assert {BUNDLED_NAME, BUNDLED_WHOSE, room.name, room.whose} == set(PERSPECTIVE_NAMES)
