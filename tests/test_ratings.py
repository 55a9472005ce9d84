"""Rating rounds (#16): ratings beside weights in the store (SQLite and PostgreSQL), the room's ratings
as results (hand-worked), score perspectives, and ratings in exports."""

import math
import threading

import numpy as np
import pandas as pd
import pytest

import igviz
from igviz.i18n import catalogue
from igviz.model import Assessment
from igviz.perspective import BUNDLED_NAME, Cell, Perspective
from igviz.workshop import WorkshopError, export_round, load_export, new_workshop, round_results

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
GROUPS = ("civil_society", "government", "private_sector", "technical_academic")


@pytest.fixture
def workshop(store):
    return new_workshop(store, DATASET, "Ratings, IGF 2026")


def weights(**changes):
    values = {c: 5.0 for c in CRITERIA}
    values.update(changes)
    return values


def only_transparent():
    return {c: (10.0 if c == "transparent" else 0.0) for c in CRITERIA}


# -- the store ---------------------------------------------------------------------------------------

def test_ratings_are_submitted_revised_partial_and_dont_know(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    assert store.workshop(code).round.asks == "weights"  # a new workshop's round 1 asks as before
    store.set_round_asks(code, secret, "both")
    token = store.join(code, "civil_society", "Ada")
    # Partial, with one explicit "don't know" (None): only the rating given is kept.
    me = store.submit(token, weights(), "facts differ", ratings={"un_committee": {"transparent": 3, "accountable": None}})
    assert me.ratings == {"un_committee": {"transparent": 3.0}}
    subs = store.submissions(code, secret)
    assert subs.loc[0, "rating.un_committee.transparent"] == 3.0
    assert "rating.un_committee.accountable" not in subs.columns
    # A revision replaces the whole submission: the earlier rating is gone ("don't know" now).
    store.submit(token, weights(), "", ratings={"mipoc": {"inclusive": 7.5}})
    subs = store.submissions(code, secret)
    assert subs.loc[0, "revisions"] == 2 and subs.loc[0, "rating.mipoc.inclusive"] == 7.5
    assert "rating.un_committee.transparent" not in subs.columns
    assert store.participant(token).ratings == {"mipoc": {"inclusive": 7.5}}
    # A second participant rating another cell: each row NaN where that person did not rate.
    other = store.join(code, "government", "Bo")
    store.submit(other, weights(), ratings={"un_committee": {"transparent": 9}})
    subs = store.submissions(code, secret).set_index("participant")
    assert math.isnan(subs.loc["P001", "rating.un_committee.transparent"]) and subs.loc["P002", "rating.un_committee.transparent"] == 9
    # Columns in the workshop's order: proposal, then criterion.
    assert [c for c in subs.columns if c.startswith("rating.")] == ["rating.mipoc.inclusive", "rating.un_committee.transparent"]


def test_a_ratings_round_takes_no_weights_and_a_weights_round_no_ratings(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "civil_society", "Ada")
    with pytest.raises(WorkshopError, match="weights only, not ratings"):
        store.submit(token, weights(), ratings={"mipoc": {"inclusive": 5}})
    store.close_round(code, secret)  # a round starts once the one before is closed
    number = store.open_round(code, secret, asks="ratings", rated={"mipoc": ["inclusive", "transparent"]})
    info = store.workshop(code).round
    assert (info.number, info.asks, info.rated) == (number, "ratings", (("mipoc", ("transparent", "inclusive")),))
    assert info.rated_cells(DATASET.proposals, CRITERIA) == [("mipoc", "transparent"), ("mipoc", "inclusive")]
    with pytest.raises(WorkshopError, match="ratings only, not weights"):
        store.submit(token, weights(), ratings={"mipoc": {"inclusive": 5}})
    me = store.submit(token, None, ratings={"mipoc": {"inclusive": 5}})
    assert me.weights is None and me.ratings == {"mipoc": {"inclusive": 5.0}}
    subs = store.submissions(code, secret)
    assert not [c for c in subs.columns if c.startswith("weight.")] and subs.loc[0, "rating.mipoc.inclusive"] == 5
    # Nothing rated at all is a valid answer: "don't know" everywhere.
    store.submit(token, None, ratings={})
    assert store.participant(token).ratings is None
    # Participant chooses: any cell of the workshop.
    store.close_round(code, secret)  # a round starts once the one before is closed
    store.open_round(code, secret, asks="ratings")
    assert store.workshop(code).round.rated is None
    store.submit(token, None, ratings={"status_quo": {"human_rights": 0}, "mipc": {"expertise": 10}})
    with pytest.raises(WorkshopError, match="at least one proposal and criterion"):
        store.open_round(code, secret, asks="ratings", rated={})
    with pytest.raises(WorkshopError, match="weights, ratings or both"):
        store.open_round(code, secret, asks="everything")


BAD_RATINGS = [
    ({"mipoc": {"inclusive": 11}}, "must be a number from 0 to 10"),
    ({"mipoc": {"inclusive": -0.5}}, "must be a number from 0 to 10"),
    ({"mipoc": {"inclusive": "7"}}, "must be a number from 0 to 10"),
    ({"mipoc": {"inclusive": True}}, "must be a number from 0 to 10"),
    ({"mipoc": {"inclusive": float("nan")}}, "must be a number from 0 to 10"),
    ({"mipoc": {"inclusive": float("inf")}}, "must be a number from 0 to 10"),
    ({"nonesuch": {"inclusive": 5}}, "'nonesuch' is not a proposal of this workshop"),
    ({"mipoc": {"nonesuch": 5}}, "'nonesuch' is not a criterion of this workshop"),
    ({"mipoc": {"expertise": 5}}, "This round does not ask for a rating of 'mipoc' on 'expertise'"),
    ({"mipoc": 5}, "per proposal, then per criterion"),
    ([("mipoc", "inclusive", 5)], "per proposal, then per criterion"),
]


@pytest.mark.parametrize("bad, message", BAD_RATINGS)
def test_each_bad_rating_gets_a_clear_message_in_three_languages(store, workshop, bad, message):
    code, secret = workshop.workshop.code, workshop.secret
    store.close_round(code, secret)  # a round starts once the one before is closed
    store.open_round(code, secret, asks="both", rated={"mipoc": ["inclusive"]})
    token = store.join(code, "civil_society", "Ada")
    with pytest.raises(WorkshopError, match=message) as caught:
        store.submit(token, weights(), ratings=bad)
    for language in ("fr", "es"):
        assert caught.value.template in catalogue(language)
    assert store.submissions(code, secret).empty  # nothing half-stored


def test_concurrent_ratings_from_many_threads_lose_nothing(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    store.set_round_asks(code, secret, "both")
    errors = []
    proposals = list(DATASET.proposals)

    def participant(i):
        try:
            token = store.join(code, GROUPS[i % 4], f"P{i}")
            for revision in range(3):
                ratings = {p: {c: float((i + revision + j) % 11) for j, c in enumerate(CRITERIA)} for p in proposals}
                store.submit(token, weights(transparent=revision + 1), f"comment {i}", ratings=ratings)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    subs = store.submissions(code, secret)
    assert len(subs) == 30 and (subs["revisions"] == 3).all()
    rating_cols = [c for c in subs.columns if c.startswith("rating.")]
    assert len(rating_cols) == len(proposals) * len(CRITERIA)
    for _, row in subs.iterrows():  # each participant's last revision (2), whole
        i = int(row["comment"].split()[1])
        for p in proposals:
            for j, c in enumerate(CRITERIA):
                assert row[f"rating.{p}.{c}"] == (i + 2 + j) % 11


# -- results, hand-worked ------------------------------------------------------------------------------

def hand_worked_round():
    """Two civil-society participants and one government participant; everyone weights transparency only.

    un_committee × transparent: civil society 2 and 4, government 9. Group means 3 and 9; the room,
    each group counting once, (3 + 9) / 2 = 6; head count (2 + 4 + 9) / 3 = 5; spread (population
    standard deviation) sqrt(((2-5)² + (4-5)² + (9-5)²) / 3) = sqrt(26/3); between groups 9 - 3 = 6.
    mipoc × transparent: one rating, 1 (government said "don't know"): room 1, no spread, one group.
    """
    rows = [("P001", "civil_society", {"un_committee": {"transparent": 2}, "mipoc": {"transparent": 1}}),
            ("P002", "civil_society", {"un_committee": {"transparent": 4}}),
            ("P003", "government", {"un_committee": {"transparent": 9}})]
    subs = pd.DataFrame([{"participant": p, "group": g, "comment": "", "submitted_at": pd.Timestamp("2026-11-29", tz="UTC"),
                          **{f"weight.{c}": v for c, v in only_transparent().items()},
                          **{f"rating.{pr}.{c}": v for pr, cs in r.items() for c, v in cs.items()}} for p, g, r in rows])
    return round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS, igviz.workshop.ConsensusRule(),
                         subs)


def test_group_means_equal_footing_and_spread_by_hand():
    r = hand_worked_round()
    means = r.group_ratings
    assert list(means.columns) == ["civil_society", "government"]
    assert means.loc[("un_committee", "transparent")].tolist() == [3.0, 9.0]
    assert means.loc[("mipoc", "transparent"), "civil_society"] == 1 and np.isnan(means.loc[("mipoc", "transparent"), "government"])
    assert r.room_ratings[("un_committee", "transparent")] == 6.0
    assert r.room_ratings[("mipoc", "transparent")] == 1.0
    spread = r.rating_spread
    assert list(spread.index) == [("un_committee", "transparent"), ("mipoc", "transparent")]  # most disputed first
    top = spread.iloc[0]
    assert (top["ratings"], top["groups"], top["head count"], top["between groups"]) == (3, 2, 5.0, 6.0)
    assert top["spread"] == pytest.approx(math.sqrt(26 / 3))
    assert top["bundled"] == DATASET.score("un_committee", "transparent").score
    assert top["room − bundled"] == pytest.approx(6.0 - top["bundled"])
    second = spread.iloc[1]
    assert second["ratings"] == 1 and np.isnan(second["spread"]) and np.isnan(second["between groups"])
    # Anonymity: the tables carry groups and counts, never a participant.
    assert "P001" not in spread.to_string() and "P001" not in means.to_string()


def test_the_ranking_under_the_rooms_scores_by_hand():
    r = hand_worked_round()
    # Everyone weights transparency only, so each proposal's overall score is its transparency score:
    # the room's where rated (un_committee 6, mipoc 1), the bundled one elsewhere.
    ranking = r.rating_ranking
    bundled = {p: DATASET.score(p, "transparent").score for p in DATASET.proposals}
    room = {**bundled, "un_committee": 6.0, "mipoc": 1.0}
    assert ranking["overall (room's scores)"].to_dict() == pytest.approx(room)
    assert ranking["overall (bundled scores)"].to_dict() == pytest.approx(bundled)
    assert ranking["overall (room's scores)"].is_monotonic_decreasing
    assert ranking.loc["mipoc", "rank (room's scores)"] == len(DATASET.proposals)  # 1 is the lowest of all
    assert ranking.loc["mipoc", "rank change"] < 0 and ranking.loc["mipoc", "rated"]
    assert not ranking.loc["status_quo", "rated"]
    assert "each stakeholder group counting once" in ranking.attrs["weights"]
    # The room's perspective: ranges are mean ± spread, used as score uncertainty by SMAA-2.
    a = r.assessment_under(None)
    s = a.proposal("un_committee").score("transparent")
    assert (s.score, s.evidence) == (6.0, "rated")
    assert (s.low, s.high) == pytest.approx((6 - math.sqrt(26 / 3), 6 + math.sqrt(26 / 3)))
    robust = r.rating_robustness(samples=500)
    assert robust.table.shape[0] == len(DATASET.proposals) and "rated" not in robust.table.index
    assert set(r.perspectives()) == {BUNDLED_NAME, "The room, each stakeholder group counting once",
                                     "Stakeholder group civil_society", "Stakeholder group government"}


def test_a_ratings_only_round_ranks_with_equal_or_given_weights():
    r = hand_worked_round()
    subs = r.all_submissions.drop(columns=[c for c in r.all_submissions.columns if c.startswith("weight.")])
    plain = round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS,
                          igviz.workshop.ConsensusRule(), subs)
    assert plain.equal_footing_ranking is None and plain.rating_ranking is not None
    assert "equal weights" in plain.rating_ranking.attrs["weights"]
    plain.room_weights = pd.Series(only_transparent())
    del plain.__dict__["ranking_weights"], plain.__dict__["rating_ranking"]
    assert plain.rating_ranking.loc["un_committee", "overall (room's scores)"] == pytest.approx(6.0)


# -- perspectives ----------------------------------------------------------------------------------------

def test_an_assessment_ranks_under_another_perspective_and_back():
    a = Assessment(DATASET)
    before = a.ranking().order
    last = before[-1]
    lifted = Perspective("Lifted", "a test", {last: {c: Cell(10, 9, 10, "test") for c in CRITERIA}})
    seen = []
    a.param.watch(lambda e: seen.append(e.new), "result")
    a.perspective = lifted
    assert a.result.top == last and len(seen) == 1  # the published result follows, once
    assert a.explain(last)["score"].eq(10).all()  # what the views explain is what ranks
    a.perspective = None
    assert a.ranking().order == before
    bundled = Perspective.bundled(a)
    assert len(bundled) == len(DATASET.proposals) * len(CRITERIA)
    assert Assessment(DATASET, perspective=bundled).ranking().order == before
    with pytest.raises(ValueError, match="low <= score <= high"):
        Perspective("Bad", "a test", {last: {"transparent": Cell(5, 6, 7)}})


# -- exports ---------------------------------------------------------------------------------------------

def test_exports_carry_ratings_and_recompute_their_results(store, workshop, tmp_path):
    code, secret = workshop.workshop.code, workshop.secret
    store.set_round_asks(code, secret, "both", rated={"un_committee": ["transparent"], "mipoc": ["transparent"]})
    for group, rating in (("civil_society", 2), ("civil_society", 4), ("government", 9)):
        token = store.join(code, group, "x")
        store.submit(token, only_transparent(), ratings={"un_committee": {"transparent": rating}})
    export = export_round(store, code, secret)
    assert export.asks == "both" and export.rated == {"mipoc": ["transparent"], "un_committee": ["transparent"]}
    for suffix in ("json", "csv"):
        back = load_export(export.save(tmp_path / f"round.{suffix}"))
        results = back.results()
        assert results.room_ratings[("un_committee", "transparent")] == 6.0
        assert results.rating_spread.iloc[0]["spread"] == pytest.approx(math.sqrt(26 / 3))
        assert results.rating_ranking.loc["un_committee", "overall (room's scores)"] == pytest.approx(6.0)
    back = load_export(tmp_path / "round.json")
    assert (back.asks, back.rated) == (export.asks, export.rated)


# -- opinion groups ----------------------------------------------------------------------------------------

def planted(n_per_group=10, seed=1, camps=True):
    """Participants of four stakeholder groups; with `camps`, half of each group (alternately) in camp A,
    which weights transparency and rates the UN committee low, the other half in camp B, which weights
    inclusion and rates it high: opinion groups that cut across the declared ones."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for g in GROUPS:
        for i in range(n_per_group):
            camp = i % 2 if camps else 0
            w = {c: 3.0 for c in CRITERIA}
            if camps:
                w.update(transparent=9.0, inclusive=1.0) if camp == 0 else w.update(transparent=1.0, inclusive=9.0)
            w = {c: float(np.clip(v + rng.normal(0, 0.8 if camps else 3), 0, 10)) for c, v in w.items()}
            rating = (1.5 if camp == 0 else 8.5) if camps else 5
            r = {f"rating.un_committee.{c}": float(np.clip(rating + rng.normal(0, 0.8 if camps else 3), 0, 10))
                 for c in ("transparent", "accountable", "inclusive")}
            if i == 3:
                r["rating.un_committee.accountable"] = np.nan  # "don't know"
            rows.append({"participant": f"P{len(rows) + 1:03d}", "group": g, "comment": "",
                         **{f"weight.{c}": v for c, v in w.items()}, **r})
            truth.append(camp)
    return pd.DataFrame(rows), np.array(truth)


def test_opinion_groups_recover_a_planted_split_across_stakeholder_groups():
    from sklearn.metrics import adjusted_rand_score

    from igviz.workshop.opinions import opinion_groups

    subs, truth = planted()
    found = opinion_groups(subs, GROUPS)
    assert found.structure and found.k == 2 and found.silhouette > 0.25
    # The map is sorted, not in joining order: match by recomputing labels through the cross-table.
    assert found.crosstab.loc[:, list(GROUPS)].to_numpy().tolist() == [[5, 5, 5, 5], [5, 5, 5, 5]]
    assert found.crosstab["all"].tolist() == [20, 20]
    assert set(found.map.columns) == {"x", "y", "group", "opinion group"} and len(found.map) == 40
    assert not any(str(v).startswith("P0") for v in found.map.to_numpy().ravel())  # no participant numbers
    # What sets each group apart: the planted weights and rating, with the right signs.
    top = found.distinctive.set_index(["opinion group", "kind", "criterion", "proposal"])
    features = {(k, c, p) for _g, k, c, p in top.index}
    assert ("weight", "transparent", "") in features and ("weight", "inclusive", "") in features
    a_transparent = top.loc[("A", "weight", "transparent", ""), "difference"]
    a_rating = found.distinctive.query("`opinion group` == 'A' and kind == 'rating'")["difference"]
    assert (a_transparent > 0) == (a_rating < 0).all()  # camp A weights transparency and rates the committee low
    # Exactly the planted camps.
    assert adjusted_rand_score(truth, found._labels) == 1.0


def test_no_opinion_groups_in_a_room_without_structure_and_small_groups_stay_hidden():
    from igviz.workshop.opinions import opinion_groups

    subs, _ = planted(camps=False, seed=3)
    found = opinion_groups(subs, GROUPS)
    assert not found.structure and found.crosstab.empty and found.distinctive.empty
    assert "No opinion groups" in found.describe() and len(found.map) == 40
    # A camp of three in a room of 40 is not shown: fewer than five people could be recognised.
    subs, truth = planted()
    three = np.flatnonzero(truth == 1)[:3]
    small = subs[(truth == 0) | np.isin(np.arange(len(subs)), three)].reset_index(drop=True)
    found = opinion_groups(small, GROUPS, min_size=5)
    assert found.not_shown == 3 and found.crosstab["all"].to_dict() == {"A": 20}
    assert (found.map["opinion group"] == "").sum() == 3
    assert "3 in groups smaller than 5, not shown" in found.describe()


def test_round_results_give_opinion_groups():
    subs, _ = planted()
    results = round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS,
                            igviz.workshop.ConsensusRule(), subs)
    assert results.opinion_groups().k == 2


def test_a_spec_of_an_assessment_under_a_perspective_keeps_to_what_the_spec_says():
    from igviz.scenario import Scenario

    a = Assessment(DATASET)
    last = a.ranking().order[-1]
    a.perspective = Perspective("Lifted", "a test", {last: {"transparent": Cell(10, 9, 10)}})
    a.weights.transparent = 9
    spec = Scenario.from_assessment(a)  # the perspective's scores are not analyst overrides
    assert "proposals" not in spec.spec and spec.spec["weights"] == {"transparent": 9}
    spec.apply(a)
    assert a.proposal(last).score("transparent").score == 10  # the perspective stays in place


def test_the_facilitator_html_shows_the_disputed_cell_the_gap_and_the_changed_ranking_without_names():
    from igviz.views.ratings import disputed_html, opinions_html, ranking_change_html

    r = hand_worked_round()
    names = {"civil_society": "Civil <society>", "government": "Government"}
    html = disputed_html(r, names.get, lambda p: p, lambda c: c)
    first = html.split("<tbody>")[1].split("</tr>")[0]
    assert "un_committee" in first and "transparent" in first and "6.0" in first  # the room, each group once
    assert "Civil &lt;society&gt; 3.0" in first and "Government 9.0" in first  # the gap: which groups, how far
    assert "<society>" not in html and "P00" not in html
    ranking = ranking_change_html(r, lambda p: p)
    assert "▼" in ranking and "P00" not in ranking
    subs, _truth = planted()
    shown = round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS,
                          igviz.workshop.ConsensusRule(), subs).opinion_groups()
    page = opinions_html(shown, list(GROUPS), str, str, str)
    assert "<svg" in page and "2 opinion groups" in page and "P00" not in page


# -- round history ---------------------------------------------------------------------------------------

def test_comparing_two_rounds_shows_what_moved_and_whether_the_room_converged():
    from igviz.workshop.history import compare_rounds

    first = hand_worked_round()
    # Round 2: the civil-society participants move towards the government's rating (2, 4 → 8, 8).
    subs = first.all_submissions.copy()
    subs.loc[subs["participant"] == "P001", "rating.un_committee.transparent"] = 8
    subs.loc[subs["participant"] == "P002", "rating.un_committee.transparent"] = 8
    second = round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS,
                           igviz.workshop.ConsensusRule(), subs)
    moved = compare_rounds(first, second)
    cell = moved.ratings.loc[("un_committee", "transparent")]
    assert (cell["room (before)"], cell["room (after)"], cell["room change"]) == (6.0, 8.5, 2.5)
    assert cell["spread (after)"] == pytest.approx(math.sqrt(2 / 9)) and cell["spread change"] < 0
    assert moved.ranking.loc["un_committee", "moved"] > 0  # 6 → 8.5 on the only weighted criterion
    assert moved.converged() == {"weights": False, "ratings": True}  # weights unchanged: not shrinking
    assert moved.weights["weight change"].abs().max() == 0


def test_a_ratings_only_submission_counts_as_a_submission():
    r = hand_worked_round()
    subs = r.all_submissions.drop(columns=[c for c in r.all_submissions.columns if c.startswith("weight.")])
    plain = round_results(DATASET, DATASET.default_framework.id, list(DATASET.proposals), GROUPS,
                          igviz.workshop.ConsensusRule(), subs)
    assert plain.counts.to_dict() == {"civil_society": 2, "government": 1, "private_sector": 0, "technical_academic": 0}
    assert plain.group_weights.empty and plain.dissent.empty


def test_comparing_perspectives_shows_where_they_differ_most_and_how_the_ranking_moves():
    from igviz.perspective import compare_perspectives

    a = Assessment(DATASET)
    last = a.ranking().order[-1]
    bundled_score = a.proposal(last).score("transparent").score
    lifted = Perspective("Lifted", "a test", {last: {c: Cell(10, 10, 10) for c in CRITERIA}})
    cells, ranking = compare_perspectives(a, None, lifted)
    top = cells.iloc[0]
    assert cells.index[0][0] == last and top["difference"] == cells["difference"].abs().max() > 0
    assert cells.loc[(last, "transparent"), "Lifted"] == 10
    assert cells.loc[(last, "transparent"), BUNDLED_NAME] == bundled_score
    assert (cells["difference"].abs() > 0).sum() <= len(CRITERIA)  # other proposals untouched
    assert ranking.loc[last, "moved"] == len(DATASET.proposals) - 1 and ranking.index[0] == last
    assert a.perspective is None and a.ranking().order[-1] == last  # left as it was
