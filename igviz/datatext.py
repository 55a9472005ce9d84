"""The data's own texts as readers see them: translated, with human source titles.

Every text a reader sees that comes from data/ (a proposal's name, description, facts,
strengths and weaknesses, each score's rationale, criteria, the map's bodies and relations,
the overlays' notes, the presets and the trade-off's reasons, and every quoted passage) is
listed by `user_texts`, with where it sits (file, record, field).

Translations live in one file per language, data/translations/<language>.yaml: under a
heading per record (for the translator's sake; the lookup ignores it), a list of pairs
`{en: English text, fr: translation}`. Keyed by the English text, an entry goes
stale, and the text shows up as missing, as soon as the English changes, so a translation
can never silently describe an older version of a record. One file per language, apart from
the records, means a change to a proposal file and a new translation never touch the same
lines. A record's own `translations:` block (older data, and users' data) still wins.

Quotes are never translated in place: they are the source's words. A quote's translation is
shown beside it, marked as a translation.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Message, translate
from .paths import BUNDLED_DATA

BUNDLED_TRANSLATIONS = Path(__file__).resolve().parent.parent / "data" / "translations"


def _translations_folder() -> Path:
    return Path(BUNDLED_DATA) / "translations"


@dataclass(frozen=True)
class UserText:
    where: str      # file and record, e.g. "proposals/mipc.yaml mipc.strengths[2].text"
    text: str       # the English text
    quote: bool = False   # a quoted passage: shown verbatim, its translation beside it
    heading: str = ""     # the heading it goes under in a translations file


def _clean(value) -> str:
    return " ".join(str(value or "").split())


@lru_cache(maxsize=None)
def data_catalogue(language: str, folder: str | None = None) -> dict[str, str]:
    """English text → translation, from data/translations/<language>.yaml (headings flattened).

    Whitespace is normalised on both sides: the data's folded YAML and a translator's
    line breaks must not decide whether a text is found.
    """
    if language == DEFAULT_LANGUAGE:
        return {}
    path = Path(folder or _translations_folder()) / f"{language}.yaml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected headings, each a list of {{en: English text, {language}: translation}}")
    table: dict[str, str] = {}
    for heading, entries in doc.items():
        for i, entry in enumerate(entries or []):
            if not (isinstance(entry, dict) and set(entry) == {"en", language}):
                raise ValueError(f"{path}: '{heading}' entry {i + 1}: expected exactly the keys en and {language}, "
                                 f"got {sorted(entry) if isinstance(entry, dict) else type(entry).__name__}")
            if entry[language] is not None and str(entry[language]).strip():
                table[_clean(entry["en"])] = _clean(entry[language])
    return table


def localised(record, field: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A record's field in the language, from its `translations` (if any), else in English."""
    translations = getattr(record, "translations", None) or {}
    value = (translations.get(language) or {}).get(field)
    if value:
        return value
    # Then the language's translations file (data/translations/<language>.yaml), keyed by the English text.
    return data_text(getattr(record, field), language)


def proposal_text(source, proposal_id: str, field: str = "short_name", language: str = DEFAULT_LANGUAGE) -> str:
    """A proposal's `name` or `short_name` as shown, looked up in `source`: an Assessment (it knows the
    designs added to it and the designed variants of its proposals) or, with no assessment at hand, a
    Dataset. A design's name is its author's text and a variant's names its changed options ("MIPC
    (Malcolm), binding"): both are shown as they are; a proposal of the data, in the language."""
    p = source.proposal(proposal_id)
    record = getattr(p, "record", p)
    if record is not p and (getattr(p, "design", None) is not None or getattr(p, "variant", None) is not None):
        return getattr(p, field)
    return localised(record, field, language)


class Composed(Message):
    """A text igviz writes from data texts (a designed score's rationale): English as a str, and
    translated where it is shown, its template from igviz/locales and its pieces from the data's
    translations, so no composed sentence needs an entry of its own in data/translations.

    Values: data texts (str, translated as data texts), other Composed texts, Joined lists of
    either, and numbers (formatted by the template, e.g. "{score:g}").
    """

    def __new__(cls, template: str, **values):
        english = Message(template, **values)
        text = super().__new__(cls, _tidy(english))
        text.template, text.values = template, values
        return text

    def render(self, language: str = DEFAULT_LANGUAGE) -> str:
        values = {k: _render_piece(v, language) for k, v in self.values.items()}
        return _tidy(translate(self.template, language, **values))

    def pieces(self):
        """The data texts it is made of (for the completeness test and translators)."""
        for v in self.values.values():
            yield from _pieces(v)


# The separators of Joined lists, translated (French puts a space before a semicolon).
SEPARATORS = (N_("; "), N_(", "))


@dataclass(frozen=True)
class Joined:
    """A list of pieces shown joined by `separator` (one of SEPARATORS)."""
    separator: str
    items: tuple

    def __str__(self) -> str:
        return self.separator.join(str(i) for i in self.items)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _tidy(text: str) -> str:
    # A piece that ends a sentence inside a template that ends one too: one full stop, not two.
    # Likewise a list of pieces that each end a sentence: "…addressed; +1 …", not "…addressed.; +1 …".
    return re.sub(r"(?<!\.)\.(?=\s?;)", "", re.sub(r"(?<!\.)\.\.(?!\.)", ".", text))


def lower_first(name: str) -> str:
    """'Binding' -> 'binding', but 'CSTD' and 'IGF' stay as they are."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


class Lowered(str):
    """A name used inside a sentence ('MIPC, binding'): lowered like the English, after translating."""

    def __new__(cls, name: str):
        text = super().__new__(cls, lower_first(name))
        text.original = name
        return text


def _render_piece(value, language: str):
    if isinstance(value, Lowered):
        return lower_first(_render_piece(value.original, language))
    if isinstance(value, Composed):
        return value.render(language)
    if isinstance(value, Joined):
        return translate(value.separator, language).join(str(_render_piece(i, language)) for i in value.items)
    if isinstance(value, str):
        return data_catalogue(language).get(_clean(value), value) if language != DEFAULT_LANGUAGE else value
    return value   # a number: the template formats it


def _pieces(value):
    if isinstance(value, Lowered):
        yield value.original
    elif isinstance(value, Composed):
        yield from value.pieces()
    elif isinstance(value, Joined):
        for i in value.items:
            yield from _pieces(i)
    elif isinstance(value, str):
        yield value


def data_text(value: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A data text as a reader sees it: in the language (else in English), with its references to
    source documents by number ("000 §3", written for analysts) given as the sources' titles."""
    if not value:
        return value
    if isinstance(value, Composed):
        return name_sources(value.render(language), language)
    if language != DEFAULT_LANGUAGE:
        value = data_catalogue(language).get(_clean(value), value)
    return name_sources(value, language)


# "000 §3", "(000 §4, §5)", "source 003", "ATLAS II (003)": a bundled source by its number.
_SOURCE_REFERENCE = re.compile(r"(?:\bsource )?\b(?P<number>00\d)\b(?P<sections>(?:,? §\d+)*)")


def name_sources(value: str, language: str = DEFAULT_LANGUAGE) -> str:
    def title(m):
        if m["number"] not in SOURCE_TITLES:
            return m[0]
        sections = m["sections"].strip().lstrip(",").strip()
        return translate(SOURCE_TITLES[m["number"]], language) + (f", {sections}" if sections else "")
    return _SOURCE_REFERENCE.sub(title, value)


def quote_translation(quote: str, language: str) -> str | None:
    """The translation shown beside a quote, or None (English page, or none yet)."""
    if not quote or language == DEFAULT_LANGUAGE:
        return None
    return data_catalogue(language).get(_clean(quote))


# -- human titles for the source documents ------------------------------------------------------

# The bundled sources are files named by number and hash; readers see what they are. A user's
# own source file without a title here is shown by its name, minus the hash and extension.
SOURCE_TITLES = {
    "000": N_("Best Bits analysis, early 2014"),
    "001": N_("Jeremy Malcolm's MIPC proposal, December 2013"),
    "002": N_("CSTD working group on IGF improvements, contributions, 2011"),
    "003": N_("ATLAS II thematic group on multistakeholder models, 2014"),
    "004": N_("Best Bits session notes on multistakeholder processes, early 2014"),
}
_SOURCE_FILE = re.compile(r"^(?P<number>\d{3})_[0-9a-f]{16}\.txt$")
# A numbered section ("3) Evaluating proposals", "54. It was suggested") or a Markdown heading.
_NUMBERED = re.compile(r"^\s*(?P<number>\d{1,3})[.)]\s+\S")
_HEADING = re.compile(r"^\s*#{2,}\s+(?P<title>.+?)\s*$")


@lru_cache(maxsize=256)
def _source_lines(name: str) -> tuple[str, ...]:
    path = Path(BUNDLED_DATA) / "sources" / name
    if Path(name).name != name or not path.is_file():
        return ()
    return tuple(path.read_text(encoding="utf-8").splitlines())


@lru_cache(maxsize=4096)
def source_section(name: str, quote: str) -> str:
    """Where in the source the quote sits: '§3' (the nearest numbered section above it), or the
    title of the nearest heading; '' if unknown. Found by the quote's place in the text, so it
    needs nothing in the data."""
    lines = _source_lines(name or "")
    if not lines or not quote:
        return ""
    pieces, starts, at = [], [], 0
    for line in lines:
        piece = " ".join(line.split())
        starts.append(at)
        pieces.append(piece)
        at += len(piece) + 1
    where = " ".join(pieces).find(" ".join(quote.split()))
    if where < 0:
        return ""
    line = max(i for i, start in enumerate(starts) if start <= where)
    for i in range(line, -1, -1):
        if (m := _NUMBERED.match(lines[i])):
            return f"§{m['number']}"
        if (m := _HEADING.match(lines[i])):
            return f"“{m['title'].strip('*: ')}”"
    return ""


def source_title(citation, language: str = DEFAULT_LANGUAGE) -> str:
    """'Best Bits analysis of the reform proposals, early 2014, §3', never '000_e13ad8dd67510eba.txt'."""
    if citation is None:
        return ""
    if getattr(citation, "reference", None):
        return citation.reference
    name = getattr(citation, "source", None) or ""
    match = _SOURCE_FILE.match(name)
    if match and match["number"] in SOURCE_TITLES:
        title = translate(SOURCE_TITLES[match["number"]], language)
    else:
        stem = Path(name).stem
        title = re.sub(r"_[0-9a-f]{8,}$", "", stem).replace("_", " ") or name
    section = source_section(name, getattr(citation, "quote", None) or "")
    return f"{title}, {section}" if section else title


# -- the perspective of the bundled scores ------------------------------------------------------

# The order readers meet them in: the sources' own judgement first, then people's ratings (a
# score perspective other than the bundled one: igviz/perspective.py). Here, without Panel, for
# the light page as well as the views.
KINDS = ("stated", "inferred", "silent", "derived", "rated")
LABELS = {"stated": N_("stated"), "inferred": N_("inferred"), "silent": N_("silent"), "derived": N_("derived"),
          "rated": N_("rated")}


def shown_score(value: float) -> str:
    """A score as people read it, in the views and on a rating card: one decimal at most ('7.7', '4').
    A rated score's mean ± spread ran to six digits ('1.46887–9.53113') with the data's own '{:g}', and a
    rating box started from '7.734375'."""
    return f"{round(float(value), 1):g}"


def evidence_kind(score) -> str:
    """stated / inferred / silent, or derived for a score computed from another framework's
    (the data may mark it with `derived: true`, or it carries the parts it was derived from)."""
    if getattr(score, "derived", False) or getattr(score, "derived_from", ()):
        return "derived"
    return score.evidence if score.evidence in LABELS else "inferred"


PERSPECTIVE = N_("Scores: the judgement of the Best Bits group (civil society, early 2014).")
PERSPECTIVE_MORE = N_(
    "The bundled scores are one group's reading of the reform proposals, not a measurement: Best Bits, "
    "a civil-society network, assessed them in early 2014 against its own criteria. Governments, "
    "business or the technical community might read the same proposals differently; change the weights, "
    "or the scores, to see how much the ranking depends on that reading. Each score says whether the "
    "sources stated it, whether it was inferred from them, or whether they are silent.")


def perspective_html(language: str = DEFAULT_LANGUAGE) -> str:
    """A short line naming whose judgement the scores are, with what that means behind a details
    toggle: plain HTML that opens without JavaScript, so the light page shows it too."""
    esc = lambda m: html.escape(translate(m, language), quote=True)  # noqa: E731
    return (f"<details class='igviz-perspective'><summary>{esc(PERSPECTIVE)} "
            f"<span class='igviz-more'>{esc(N_('What this means'))}</span></summary>"
            f"<p>{esc(PERSPECTIVE_MORE)}</p></details>")


# -- every user-facing data text, for the completeness test and for translators ----------------

def _cite(where: str, citation, heading: str):
    if citation is not None and citation.quote:
        yield UserText(f"{where}.quote", citation.quote, True, heading)


def user_texts(dataset) -> list[UserText]:
    """Every text of the dataset a reader can see, with where it sits."""
    out: list[UserText] = []
    def add(where: str, value, heading: str) -> None:
        if isinstance(value, Composed):   # written by igviz: its data pieces are what needs translating
            for i, piece in enumerate(dict.fromkeys(value.pieces())):
                add(f"{where} (piece {i + 1})", piece, heading)
        elif _clean(value):
            out.append(UserText(where, value, False, heading))
    for g in dataset.groups.values():
        add(f"stakeholder_groups.yaml {g.id}.name", g.name, "stakeholder groups")
    for f in dataset.frameworks.values():
        file = f"frameworks/{Path(f.file).name if f.file else f.id + '.yaml'}"
        head = f"framework {f.id}"
        add(f"{file} name", f.name, head)
        add(f"{file} description", f.description, head)
        out.extend(_cite(f"{file} citation", f.citation, head))
        for c in f.criteria:
            head_c = f"criterion {c.id}"
            for field in ("name", "group", "description", "derivation_rationale"):
                add(f"{file} {c.id}.{field}", getattr(c, field), head_c)
            out.extend(_cite(f"{file} {c.id}.citation", c.citation, head_c))
    for p in dataset.proposals.values():
        file = f"proposals/{p.id}.yaml"
        head = f"proposal {p.id}"
        for field in ("name", "short_name", "proponent", "description"):
            add(f"{file} {field}", getattr(p, field), head)
        add(f"{file} attributes.home_institution", p.attributes.home_institution, head)
        for i, c in enumerate(p.citations):
            out.extend(_cite(f"{file} citations[{i}]", c, head))
        for kind in ("strengths", "weaknesses"):
            for i, r in enumerate(getattr(p, kind)):
                add(f"{file} {kind}[{i}].text", r.text, head)
                out.extend(_cite(f"{file} {kind}[{i}].citation", r.citation, head))
        for cid, s in p.scores.items():
            head_s = f"proposal {p.id} scores"
            add(f"{file} scores.{cid}.rationale", s.rationale, head_s)
            for i, c in enumerate(s.citations):
                out.extend(_cite(f"{file} scores.{cid}.citations[{i}]", c, head_s))
    for pr in dataset.presets.values():
        add(f"presets.yaml {pr.id}.name", pr.name, "presets")
        add(f"presets.yaml {pr.id}.rationale", pr.rationale, "presets")
        out.extend(_cite(f"presets.yaml {pr.id}.citation", pr.citation, "presets"))
    m = dataset.institutions
    if m is not None:
        for b in m.bodies.values():
            add(f"institutions.yaml {b.id}.name", b.name, "institutions")
            add(f"institutions.yaml {b.id}.description", b.description, "institutions")
            out.extend(_cite(f"institutions.yaml {b.id}.citation", b.citation, "institutions"))
        for r in m.relations:
            w = f"institutions.yaml {r.source}→{r.target} {r.relation}"
            add(f"{w}.description", r.description, "institution relations")
            out.extend(_cite(f"{w}.citation", r.citation, "institution relations"))
    for pid, o in dataset.overlays.items():
        file, head = f"overlays/{pid}.yaml", f"overlay {pid}"
        add(f"{file} note", o.note, head)
        for b in o.adds_bodies:
            add(f"{file} adds_bodies {b.id}.name", b.name, head)
            add(f"{file} adds_bodies {b.id}.description", b.description, head)
            out.extend(_cite(f"{file} adds_bodies {b.id}.citation", b.citation, head))
        for kind in ("adds_relations", "removes_relations"):
            for r in getattr(o, kind):
                w = f"{file} {kind} {r.source}→{r.target} {r.relation}"
                add(f"{w}.description", r.description, head)
                out.extend(_cite(f"{w}.citation", r.citation, head))
    _walk_others(dataset, out)
    t = dataset.tradeoff
    if t is not None:
        for s in t.stance:
            add(f"tradeoff.yaml stance.{s.side} {s.criterion}.why", s.why, "trade-off")
            out.extend(_cite(f"tradeoff.yaml stance.{s.side} {s.criterion}.citation", s.citation, "trade-off"))
        for e in t.effects:
            add(f"tradeoff.yaml response.effects {e.criterion}.why", e.why, "trade-off")
            out.extend(_cite(f"tradeoff.yaml response.effects {e.criterion}.citation", e.citation, "trade-off"))
        add("tradeoff.yaml response.unit", t.unit, "trade-off")
        add("tradeoff.yaml response.note", t.note, "trade-off")
    return out


# Fields whose text readers see, in record kinds this module does not list one by one (kinds other
# parts of igviz add later are walked by these names, so their texts count as user-facing too).
USER_FIELDS = ("name", "short_name", "title", "question", "explanation", "description", "text", "rationale",
               "derivation_rationale", "note", "why", "meaning", "unit", "as_of")
LISTED = {"scale", "groups", "frameworks", "proposals", "sources", "presets", "institutions", "overlays", "tradeoff"}
# Read by the loader only, never shown to readers (the relation kinds' rules).
NOT_SHOWN = {"relation_rules"}


def _walk_others(dataset, out: list[UserText]) -> None:
    import dataclasses

    def walk(value, where: str, heading: str, depth: int = 0):
        if depth > 8 or value is None or isinstance(value, (str, bytes, int, float, bool)):
            return
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                item = getattr(value, f.name)
                if f.name == "quote" and isinstance(item, str) and item.strip():
                    out.append(UserText(f"{where}.quote", item, True, heading))
                elif f.name in USER_FIELDS and isinstance(item, str) and item.strip():
                    out.append(UserText(f"{where}.{f.name}", item, False, heading))
                elif f.name not in ("translations", "file"):
                    walk(item, f"{where}.{f.name}", heading, depth + 1)
        elif isinstance(value, dict) or hasattr(value, "items"):
            for key, item in value.items():
                walk(item, f"{where}.{key}", heading, depth + 1)
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]", heading, depth + 1)

    for name, value in vars(dataset).items():
        if name not in LISTED | NOT_SHOWN and not name.startswith("_"):
            walk(value, name, name)


def missing_data_translations(dataset, language: str) -> list[UserText]:
    """The user-facing data texts the language lacks (a record's own `translations:` block counts)."""
    table = data_catalogue(language)
    own = _own_translations(dataset, language)
    seen, missing = set(), []
    for item in user_texts(dataset):
        key = _clean(item.text)
        if key in table or key in own or key in seen:
            continue
        seen.add(key)
        missing.append(item)
    return missing


def _own_translations(dataset, language: str) -> set[str]:
    """English texts a record translates in its own `translations:` block."""
    found = set()
    records = [*dataset.groups.values(), *dataset.frameworks.values(), *dataset.proposals.values(),
               *(c for f in dataset.frameworks.values() for c in f.criteria)]
    for r in records:
        for field, value in ((getattr(r, "translations", None) or {}).get(language) or {}).items():
            if value:
                found.add(_clean(getattr(r, field, "")))
    return found


def stale_data_translations(dataset, language: str) -> list[str]:
    """Entries of a translations file whose English text is no longer in the data."""
    current = {_clean(t.text) for t in user_texts(dataset)}
    return sorted(k for k in data_catalogue(language) if k not in current)


def translation_template(dataset, language: str) -> str:
    """The missing texts as YAML a translator fills in (igviz translations fr)."""
    groups: dict[str, list] = {}
    for item in missing_data_translations(dataset, language):
        groups.setdefault(item.heading, []).append({"en": _clean(item.text), language: ""})
    return yaml.safe_dump(groups, allow_unicode=True, sort_keys=False, width=100)
