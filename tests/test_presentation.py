"""How the data is presented: every score says whose judgement it is (evidence labels, the sources'
share, the perspective), citations show titles and passages, and no reader sees a file hash or a
code word."""

import html
import re

import pytest

import igviz
from igviz.datatext import name_sources, source_section, source_title, user_texts
from igviz.dataset import Citation
from igviz.views import ProposalDetail
from igviz.views.evidence import MARKS, evidence_kind, evidence_shares
from igviz.views.language import set_language
from igviz.views.matrix import ScoreMatrix, matrix_frame
from igviz.views.radar import RadarView

from conftest import SOURCE


@pytest.fixture(scope="module")
def data():
    return igviz.load_dataset()


@pytest.fixture
def french():
    set_language("fr")
    yield
    set_language("en")


def plain(markup: str) -> str:
    """What a reader reads: the text of the HTML, tags gone, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


# -- evidence labels in every view ------------------------------------------------------------

def test_every_matrix_cell_shows_its_evidence_mark_and_label(data):
    a = igviz.Assessment(data)
    view = ScoreMatrix(assessment=a)
    cells = view._source.data
    for score_text, kind, label in zip(cells["text"], cells["kind"], cells["evidence"]):
        assert score_text.endswith(MARKS[kind]) and label == kind  # English labels are the kinds
    frame = matrix_frame(a)
    silent = frame[(frame["proposal_id"] == "icann_globalisation") & (frame["kind"] == "silent")]
    assert len(silent) >= 1
    # The legend names every mark; the shares table counts each proposal's kinds. "rated" only under
    # a perspective people rated (a workshop's), where it names that mark too.
    legend = plain(view.__panel__()[0].object)
    for kind, mark in MARKS.items():
        assert (f"{mark} {kind}" in legend) == (kind != "rated")
    from igviz.perspective import Cell, Perspective
    a.perspective = Perspective("Room", "a test", {"mipc": {"accountable": Cell(5, 4, 6)}})
    assert f"{MARKS['rated']} rated" in plain(view.__panel__()[0].object)
    shares = plain(view._shares_html())
    assert "How much of each row is the sources’ own judgement" in shares


def test_detail_labels_each_score_and_says_how_much_is_the_sources_own(data):
    a = igviz.Assessment(data, selected="icann_globalisation")
    body = ProposalDetail(assessment=a)._body_html()
    scores = [a.proposal("icann_globalisation").score(c.id) for c in a.active_framework.criteria]
    counts = evidence_shares(scores)
    text = plain(body)
    total = len(scores)
    for kind in ("stated", "inferred", "silent"):
        assert f"{counts[kind]} of {total} {kind}" in text
    # One label per criterion, in the summary line of its "why".
    summaries = re.findall(r"<summary>(.*?)</summary>", body)
    criteria = [s for s in summaries if "igviz-ev-tag" in s]
    assert len(criteria) == total
    for summary, score in zip(criteria, scores):
        assert plain(summary).strip().endswith(evidence_kind(score))


def test_radar_points_and_table_carry_evidence(data):
    a = igviz.Assessment(data, selected="icann_globalisation")
    view = RadarView(assessment=a)
    points = view._sources["points"].data
    scores = [a.proposal("icann_globalisation").score(c.id) for c in a.active_framework.criteria]
    assert points["evidence"] == [evidence_kind(s) for s in scores]
    # Silent scores are hollow points, stated ones filled: the band's points say whose judgement.
    fills = dict(zip(points["evidence"], points["alpha"]))
    assert fills.get("silent", 0) == 0 and fills.get("stated", 1) == 1
    assert "silent" in plain(view._table_html())
    assert "Evidence:" in plain(view._legend_html())


def test_derived_framework_scores_are_marked_derived(data):
    other = next(f for f in data.frameworks.values() if not f.default and any(c.derived_from for c in f.criteria))
    a = igviz.Assessment(data, framework=other.id, selected="mipc")
    derived = [c for c in other.criteria if c.derived_from and not data.proposal("mipc").scores.get(c.id)]
    assert derived
    frame = matrix_frame(a)
    row = frame[(frame["proposal_id"] == "mipc")].set_index("criterion")
    name = derived[0].name
    assert row.loc[name, "kind"] == "derived" and row.loc[name, "evidence"] == "derived"
    assert "derived" in plain(ProposalDetail(assessment=a)._body_html())


def test_french_pages_label_evidence_in_french(data, french):
    a = igviz.Assessment(data, selected="mipc")
    text = plain(ProposalDetail(assessment=a)._body_html())
    assert "explicite" in text or "déduit" in text
    assert "stated" not in text.split() and "inferred" not in text.split()
    assert set(matrix_frame(a)["evidence"]) <= {"explicite", "déduit", "sans source", "dérivé"}


# -- the perspective ----------------------------------------------------------------------------

def test_the_perspective_is_named_on_the_explorer_and_in_the_views(data):
    from igviz.pages import Explorer
    explorer = Explorer(igviz.Assessment(data))
    import panel as pn
    header = " ".join(str(p.object) for p in explorer.__panel__().select(pn.pane.HTML) if "igviz-header" in str(p.object))
    assert "judgement of the Best Bits group (civil society, early 2014)" in plain(header)
    assert "not a measurement" in plain(header)


def test_the_light_page_names_the_perspective():
    from igviz.datatext import perspective_html
    assert "groupe Best Bits (société civile, début 2014)" in plain(perspective_html("fr"))
    import igviz.pages.lite as lite
    assert "perspective_html(self.language)" in open(lite.__file__, encoding="utf-8").read()


# -- sources by title, never by file name ----------------------------------------------------

def test_citations_show_a_title_and_the_section_not_a_file_name():
    quote = "the model has real strengths in the clarity of process"
    title = source_title(Citation(source=SOURCE, quote=quote))
    assert title == "Best Bits analysis, early 2014, §3"
    assert source_section(SOURCE, quote) == "§3"
    assert source_title(Citation(reference="NETmundial statement, 2014")) == "NETmundial statement, 2014"
    assert source_title(Citation(source="my_notes_0123456789abcdef.txt")) == "my notes"
    assert name_sources("as Best Bits found (000 §4, §5)") == "as Best Bits found (Best Bits analysis, early 2014, §4, §5)"


# Anything a reader should never see: a source file's name or hash, a data file, a back-quoted
# code word, a snake_case identifier (a record id or a field name), a bare source number.
FORBIDDEN = re.compile(r"\b\d{3}_[0-9a-f]{8,}|\.txt\b|\bdata/|\.ya?ml\b|`|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|(?<![\d,.])(?<!\d[\s\u00a0\u202f])\b00\d\b")


def offending(where: str, value: str) -> list[str]:
    value = re.sub(r"https?://\S+", "", value)
    return [f"{where}: {m!r} in {value[:120]!r}" for m in FORBIDDEN.findall(value)]


def rendered_texts(data, language: str) -> list[tuple[str, str]]:
    """The text readers see in the views, for every proposal and in the given language."""
    from igviz.datatext import data_text
    from igviz.views.institutions import InstitutionMapView

    set_language(language)
    try:
        out = []
        for item in user_texts(data):
            if not item.quote:   # quotes are the sources' words, shown as they are
                out.append((item.where, data_text(item.text, language)))
        for framework in data.frameworks:
            a = igviz.Assessment(data, framework=framework)
            frame = matrix_frame(a)
            for column in ("proposal", "criterion", "evidence", "rationale"):
                out += [(f"matrix {framework} {column}", v) for v in frame[column]]
            # The hover's citation, minus the quoted passage itself.
            out += [(f"matrix {framework} citation", re.sub(r"“[^”]*”", "", v)) for v in frame["citation"]]
            for pid in data.proposals:
                a.selected = pid
                body = re.sub(r"<blockquote.*?</blockquote>", lambda m: " ".join(re.findall(r"<cite>(.*?)</cite>", m[0])),
                              ProposalDetail(assessment=a)._body_html(), flags=re.S)
                out.append((f"detail {framework} {pid}", plain(body)))
        a = igviz.Assessment(data)
        view = InstitutionMapView(assessment=a)
        for pid in data.proposals:
            a.selected = pid
            view._draw()
            out.append((f"map note {pid}", plain(view._note().object)))
            for column in ("name", "description"):
                out += [(f"map {pid} {column}", v) for v in view._nodes[column]]
        return out
    finally:
        set_language("en")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_file_hash_or_code_word_reaches_a_reader(data, language):
    problems = [p for where, value in rendered_texts(data, language) for p in offending(where, value)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_no_code_word_in_the_pages_own_texts(language):
    from igviz.i18n import catalogue, messages_in_code
    table = catalogue(language)
    problems = []
    for message, where in messages_in_code().items():
        shown = table.get(message, message) if language != "en" else message
        problems += offending(where, re.sub(r"\{[^}]*\}", "", shown))  # placeholders are filled in
    assert problems == [], "\n".join(problems)


def test_the_code_word_check_can_fail():
    assert offending("x", "see 000_e13ad8dd67510eba.txt")
    assert offending("x", "the same links as the reformed_igf overlay")
    assert offending("x", "its `hosts` link")
    assert offending("x", "set in data/tradeoff.yaml")
    assert offending("x", "as 000 §3 says")
    assert not offending("x", "Best Bits analysis, early 2014, §3: a multistakeholder council")
    assert not offending("x", "4,000 draws; 4 000 tirages")
