"""Languages: every text in the code is in every shipped language; data translations load and fall back."""

from pathlib import Path

import pytest

import igviz
from igviz.errors import DataValidationError
from igviz.datatext import localised
from igviz.i18n import LANGUAGES, catalogue, messages_in_code, missing_translations, translate

from conftest import write_yaml


def test_the_code_marks_its_texts():
    found = messages_in_code()
    # A sample from each place that shows text: participant, facilitator, light page, store errors.
    for text in ["Submit my weights", "Rough consensus rule", "Show my ranking",
                 "There is no workshop with the code '{code}': check the code you were given"]:
        assert text in found


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_text_is_translated(language):
    assert missing_translations(language) == []


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_stale_entries(language):
    # An entry whose English text left the code would never be shown: it should go too.
    assert sorted(set(catalogue(language)) - set(messages_in_code())) == []


def test_translate_fills_placeholders_and_falls_back():
    assert translate("Round {number} is closed", "fr", number=2).startswith("Le tour 2")
    assert translate("Round {number} is closed", "de", number=2) == "Round 2 is closed"  # not shipped: English
    assert translate("A text nobody wrote", "es") == "A text nobody wrote"


def test_data_translations_fall_back_to_english():
    data = igviz.load_dataset()
    assert localised(data.groups["civil_society"], "name", "es") == "Sociedad civil"
    from types import SimpleNamespace
    record = SimpleNamespace(name="A name no translations file has", translations={})
    assert localised(record, "name", "fr") == record.name  # not translated in the data: English


def test_bad_translations_in_data_are_named(data_folder):
    path = data_folder / "stakeholder_groups.yaml"
    import yaml
    doc = yaml.safe_load(path.read_text())
    doc["groups"][0]["translations"] = {"de": {"name": "Zivilgesellschaft"}, "fr": {"nom": "Société civile"}}
    write_yaml(path, doc)
    with pytest.raises(DataValidationError) as caught:
        igviz.load_dataset(data_folder)
    message = str(caught.value)
    assert "translations.de" in message and "unknown language" in message
    assert "translations.fr.nom" in message and "cannot be translated here" in message


def test_no_code_hides_the_translation_function():
    # `def handler(_=None)` or `for _, row in ...` in a module that translates with `_` makes
    # every `_("...")` inside raise "object is not callable" on a live page: forbid it.
    import ast
    root = Path(igviz.__file__).parent
    offenders = []
    for path in [*(root / "views").glob("*.py"), *(root / "pages").glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.ImportFrom) and any(a.name == "_" for a in n.names) for n in ast.walk(tree)):
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.arg):
                names = [node.arg]
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names = [node.id]
            offenders += [f"{path.name}:{node.lineno}" for n in names if n == "_"]
    assert offenders == []


def test_messages_from_the_model_and_links_translate():
    from igviz.scenario import Scenario
    data = igviz.load_dataset()
    _s, problems = Scenario.from_query({"method": "magic"}, data)
    assert problems[0] == "Unknown method 'magic' in the link (known: weighted_sum, promethee_ii); using the weighted sum."
    assert translate(problems[0].template, "fr", **problems[0].values).startswith("Méthode « magic » du lien inconnue")
    a = igviz.Assessment(data)
    a.set_weights({c: 0 for c in a.weights.criteria})
    problem = a.problem
    assert problem.startswith("All weights are zero")
    assert translate(problem.template, "es", **problem.values).startswith("Todas las ponderaciones son cero")


# -- the data's own texts: every one a reader sees is in every shipped language --------------

@pytest.fixture(scope="module")
def bundled():
    return igviz.load_dataset()


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_data_text_is_translated(bundled, language):
    from igviz.datatext import missing_data_translations
    missing = missing_data_translations(bundled, language)
    listing = "\n".join(f"  {m.where}: {' '.join(m.text.split())[:110]!r}" for m in missing)
    assert not missing, (f"{len(missing)} user-facing data texts have no {LANGUAGES[language]} translation in "
                         f"data/translations/{language}.yaml (`igviz translations {language}` prints them "
                         f"ready to fill in):\n{listing}")


def test_the_completeness_check_names_what_is_missing(data_folder):
    from igviz.datatext import missing_data_translations
    import yaml
    path = data_folder / "proposals" / "mipc.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["strengths"][0]["text"] = "A strength nobody has translated yet."
    write_yaml(path, doc)
    missing = missing_data_translations(igviz.load_dataset(data_folder), "fr")
    assert any(m.where == "proposals/mipc.yaml strengths[0].text" and m.text == "A strength nobody has translated yet."
               for m in missing)


def test_data_texts_show_in_the_page_language_and_quotes_stay_verbatim(bundled):
    from igviz.datatext import data_catalogue
    from igviz.views import ProposalDetail
    from igviz.views.language import set_language
    mipc = bundled.proposal("mipc")
    french = data_catalogue("fr")
    set_language("fr")
    try:
        body = ProposalDetail(assessment=igviz.Assessment(bundled, selected="mipc"))._body_html()
    finally:
        set_language("en")
    assert localised(mipc, "description", "fr") != mipc.description
    import html as h
    body = h.unescape(body)
    assert " ".join(french[" ".join(mipc.strengths[0].text.split())].split()) in " ".join(body.split())
    # The quote in its own words, its translation beside it and marked as one.
    quote = mipc.strengths[0].citation.quote
    assert f"“{quote}”" in body
    assert "Traduction : " + french[" ".join(quote.split())] in body


def test_designed_scores_and_variant_labels_are_shown_in_the_page_language():
    # A designed score's rationale is written by igviz from data texts: its sentence comes from the
    # locales and its pieces (option names, the rules' rationales) from data/translations.
    from igviz.datatext import Composed, data_text
    from igviz.model import Assessment

    data = igviz.load_dataset()
    rationale = next(iter(data.proposals["best_bits_composite"].scores.values())).rationale
    assert isinstance(rationale, Composed) and rationale.startswith("We infer this from the design model's rules")
    fr, es = data_text(rationale, "fr"), data_text(rationale, "es")
    assert fr.startswith("Nous le déduisons des règles du modèle de conception")
    assert "Un organe de coordination qui oriente les questions (explicite)" in fr
    assert es.startswith("Lo deducimos de las reglas del modelo de diseño")
    assert not any(mark in str(rationale) + fr + es for mark in ("..", ".;", ". ;"))
    assert " ; +" in fr or "(explicite)" in fr   # French: a space before the semicolon
    # A variant: the label and the rationale, in the page's language.
    a = Assessment(data)
    p = next(p for p in a.proposals if p.id == "mipc")
    p.binding = not p.binding
    assert p.variant is not None and isinstance(p.variant.label, Composed)
    assert data_text(p.variant.label, "fr") != str(p.variant.label)
    changed = [s for cid, s in p.variant.scores.items() if s is not p.record.scores.get(cid)]
    assert changed and all(data_text(s.rationale, "es").startswith("Variante diseñada de") for s in changed)
