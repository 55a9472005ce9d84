"""The light participant page (/lite): plain HTML forms, no JavaScript, same store.

Driven over HTTP for the forms and errors, and in Chromium with JavaScript switched off
(as on an old phone) for the whole path from join to the facilitator page.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from browser_support import (CHROMIUM, WORKSHOP_APPS, create_workshop, facilitator_counts, panel_server, reveal_results,
                             wait_for_count)

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

CRITERIA = igviz.load_dataset().default_framework.criterion_ids


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('lite') / 'workshops.sqlite'}"
    with panel_server(WORKSHOP_APPS, url) as server:
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        server.store = store
        yield server
        store.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


COOKIES = http.cookiejar.CookieJar()  # a browser's: the anti-forgery cookie the pages set comes back


def xsrf_token(server, query: str) -> str:
    """The anti-forgery token a form of the page at `query` carries (as a browser would post it)."""
    with urllib.request.build_opener(urllib.request.HTTPCookieProcessor(COOKIES)).open(
            f"{server.base}/lite?{query}", timeout=30) as r:
        found = re.search(r"name=\"_xsrf\" value=\"([^\"]+)\"", r.read().decode("utf-8"))
    return found.group(1) if found else ""


def fetch(server, query: str, form: dict | None = None, follow: bool = True) -> tuple[int, str, dict]:
    if form is not None and "_xsrf" not in form:
        form = {**form, "_xsrf": xsrf_token(server, query)}
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    cookies = urllib.request.HTTPCookieProcessor(COOKIES)
    opener = urllib.request.build_opener(cookies) if follow else urllib.request.build_opener(cookies, NoRedirect)
    try:
        with opener.open(f"{server.base}/lite?{query}", data=data, timeout=30) as r:
            return r.status, r.read().decode("utf-8"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8"), dict(e.headers)


def weights_form(token: str, action: str, comment: str = "", **weights) -> dict:
    values = {f"w.{c}": "5" for c in CRITERIA}
    values.update({f"w.{c}": str(v) for c, v in weights.items()})
    return {**values, "p": token, "action": action, "comment": comment}


def test_join_preview_and_submit_without_javascript_pages(lite):
    created = new_workshop(lite.store, igviz.load_dataset(), "Light <i>page</i>")
    code = created.workshop.code
    status, page, _ = fetch(lite, f"code={code.lower()}")
    assert status == 200 and "Light &lt;i&gt;page&lt;/i&gt;" in page and "<script" not in page  # the join form
    status, _, headers = fetch(lite, f"code={code}", {"action": "join", "code": code, "group": "government",
                                                    "pseudonym": "Old phone"}, follow=False)
    assert status == 303
    token = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)["p"][0]

    a = igviz.Assessment()
    a.set_weights(effective=10)
    expected_top = a.ranking().order[0]
    status, page, _ = fetch(lite, f"code={code}&p={token}", weights_form(token, "preview", effective=10))
    assert status == 200
    first_row = re.search(r"<tbody><tr data-proposal=\"[^\"]+\"><td>1</td><td>([^<]+)</td>", page).group(1)
    assert first_row == igviz.load_dataset().proposal(expected_top).short_name
    assert created.workshop.code and lite.store.submissions(code, created.secret).empty  # a preview is not a submission

    status, page, _ = fetch(lite, f"code={code}&p={token}",
                            weights_form(token, "submit", "<script>alert(1)</script> no", effective=10))
    assert status == 200 and "your weights are in" in page
    subs = lite.store.submissions(code, created.secret)
    assert len(subs) == 1 and subs.iloc[0]["weight.effective"] == 10
    assert subs.iloc[0]["comment"] == "<script>alert(1)</script> no"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; no" in page and "<script>alert" not in page


def test_bad_input_keeps_what_was_typed(lite):
    created = new_workshop(lite.store, igviz.load_dataset(), "Errors")
    code = created.workshop.code
    status, page, _ = fetch(lite, "code=NOPE99")
    assert status == 404 and "no workshop with the code &#x27;NOPE99&#x27;" in page and 'value="NOPE99"' in page
    status, page, _ = fetch(lite, f"code={code}", {"action": "join", "code": code, "group": "",
                                                   "pseudonym": "Kept name"})
    assert status == 400 and "Choose your stakeholder group first" in page and 'value="Kept name"' in page
    token = lite.store.join(code, "civil_society", "A")
    status, page, _ = fetch(lite, f"code={code}&p={token}",
                            weights_form(token, "submit", "my careful note", effective=11, expertise=3))
    assert status == 400 and "must be a number from 0 to 10, got &#x27;11&#x27;" in page
    assert 'value="11"' in page and 'value="3"' in page and "my careful note" in page
    assert lite.store.submissions(code, created.secret).empty
    # A preview says what is wrong in words a participant reads (it used to print Python's own error).
    status, page, _ = fetch(lite, f"code={code}&p={token}", weights_form(token, "preview", "kept", effective="lots"))
    assert status == 400 and "must be a number from 0 to 10, got &#x27;lots&#x27;" in page
    assert 'value="lots"' in page and "kept" in page and "could not convert" not in page
    status, page, _ = fetch(lite, f"code={code}&p=forged")
    assert status == 403 and "not valid" in page and f'value="{code}"' in page  # the link's code is kept


def test_languages_by_link(lite):
    created = new_workshop(lite.store, igviz.load_dataset(), "Langues")
    status, page, _ = fetch(lite, f"code={created.workshop.code}&lang=fr")
    assert '<html lang="fr">' in page and "Gouvernements" in page  # the data's own translation
    status, page, _ = fetch(lite, f"code={created.workshop.code}&lang=es")
    assert "Sociedad civil" in page


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_a_light_submission_reaches_the_facilitator_page(lite, browser):
    facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
    code, _ = create_workshop(facilitator, lite.base, "Light and full")
    # An old phone: no JavaScript at all.
    phone = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 568}).new_page()
    phone.goto(f"{lite.base}/lite?code={code}")
    phone.get_by_label("Your stakeholder group").select_option(label="Private sector")
    phone.get_by_label("A pseudonym").fill("Nokia")
    phone.get_by_role("button", name="Join").click()
    phone.get_by_label("Necessary expertise").fill("10")
    phone.get_by_label("Comment (optional)").fill("sent from the light page")
    phone.get_by_role("button", name="Submit my weights").click()
    phone.get_by_text("your weights are in").wait_for()
    wait_for_count(facilitator, 1)
    assert facilitator_counts(facilitator)["Private sector"] == 1
    reveal_results(facilitator)
    assert "sent from the light page" in facilitator.locator("ul.igviz-dissent").inner_text()


def test_a_pooled_assessment_starts_from_the_participants_own_weights():
    """The light page borrows workshop assessments from a pool; the next participant must not see
    the last one's weights, and the ranking must be the one a new assessment gives."""
    from igviz.workshop import workshop_assessment
    from igviz.workshop.participation import AssessmentPool, Participation

    dataset = igviz.load_dataset()
    store = WorkshopStore("sqlite://", min_seconds_between_submissions=0)
    code = new_workshop(store, dataset, "Pool").workshop.code
    first, second = store.join(code, "government", "First"), store.join(code, "civil_society", "Second")
    pool = AssessmentPool()
    flow = Participation(store, dataset, pool=pool)
    flow.resume(first)
    assert flow.submit({c: (10 if c == "effective" else 0) for c in CRITERIA})
    borrowed = flow.assessment
    flow.release()
    assert flow.assessment is None
    again = Participation(store, dataset, pool=pool)
    again.resume(second)
    assert again.assessment is borrowed  # the same object, reused
    assert again.weights() == {c: 5.0 for c in CRITERIA}
    fresh = workshop_assessment(dataset, dataset.default_framework.id, list(dataset.proposals))
    assert again.ranking().order == fresh.ranking().order
    assert list(again.ranking().overall) == list(fresh.ranking().overall)
    again.release()
    back = Participation(store, dataset, pool=pool)
    back.resume(first)  # the first participant again: their own submitted weights
    assert back.weights()["effective"] == 10.0 and back.weights()["expertise"] == 0.0


def test_the_next_participant_on_the_light_page_sees_their_own_weights(lite):
    created = new_workshop(lite.store, igviz.load_dataset(), "Pooled pages")
    code = created.workshop.code
    heavy = lite.store.join(code, "government", "Heavy")
    status, page, _ = fetch(lite, f"code={code}&p={heavy}",
                            weights_form(heavy, "submit", **{c: (10 if c == "effective" else 0) for c in CRITERIA}))
    assert status == 200 and "your weights are in" in page
    for _ in range(3):  # whichever pooled assessment the next request gets
        light = lite.store.join(code, "civil_society", "Light")
        status, page, _ = fetch(lite, f"code={code}&p={light}")
        values = re.findall(r'name="w\.[^"]+" min="0" max="10" step="1" value="([^"]*)"', page)
        assert values == ["5"] * len(CRITERIA)


def test_a_browser_that_accepts_gzip_gets_the_page_compressed_and_the_same(lite):
    # A ratings round's cards carry rationales and quotes: sent plain, join → submit cost a phone 180 kB.
    created = new_workshop(lite.store, igviz.load_dataset(), "Compressed")
    token = lite.store.join(created.workshop.code, "civil_society", "Zip")
    plain = urllib.request.urlopen(f"{lite.base}/lite?p={token}", timeout=30)
    zipped = urllib.request.urlopen(urllib.request.Request(f"{lite.base}/lite?p={token}",
                                                           headers={"Accept-Encoding": "gzip"}), timeout=30)
    plain_body, zipped_body = plain.read(), zipped.read()
    assert plain.headers.get("Content-Encoding") is None and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped_body) < len(plain_body) / 2
    # The same page, but for the anti-forgery token each response draws afresh.
    unzip = gzip.decompress(zipped_body).decode("utf-8")
    xsrf = re.compile(r'name="_xsrf" value="[^"]+"')
    assert xsrf.sub("", unzip) == xsrf.sub("", plain_body.decode("utf-8"))
