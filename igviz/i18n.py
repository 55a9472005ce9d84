"""One translation mechanism for every user-facing string of the pages.

Code writes its texts in English and passes them through `translate` (in views, `_` from
igviz.views.language, which knows the page's language). Each other language is a YAML file
in igviz/locales/ mapping the English text to its translation, so a translator edits one
plain file and needs no tools. Placeholders such as {number} stay as they are.

A text missing from a language falls back to English (a test fails if a shipped language
misses any). Data files carry translated names and descriptions in a `translations:` block
per record; `localised` picks them, falling back to English too.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from .safeyaml import YamlProblem, load_file


LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).parent / "locales"


def language_or_default(value) -> str:
    """A supported language code from a link parameter or a browser setting ('fr-CA' → 'fr')."""
    code = str(value or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    if language == DEFAULT_LANGUAGE:
        return {}
    path = LOCALES / f"{language}.yaml"
    if not path.exists():
        return {}
    # Checked like the data: a key written twice (two branches' blocks kept in a merge) is an error
    # naming both lines, not a silent choice of the later translation.
    try:
        data = load_file(path) or {}
    except YamlProblem as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of English text to translation")
    return {str(k): str(v) for k, v in data.items()}


class Message(str):
    """An English text that keeps its template and values, so a page can show it in its own language.

    It is a str (callers that only print it need not know), made with a template marked for
    translation: `Message("Unknown proposal '{pid}'", pid=pid)`.
    """

    def __new__(cls, template: str, **values):
        message = super().__new__(cls, template.format(**values) if values else template)
        message.template, message.values = template, values
        return message


def N_(message: str) -> str:
    """Marks a text for translation where it is defined, to be translated where it is shown."""
    return message


def translate(message: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    text = catalogue(language_or_default(language)).get(message, message)
    return text.format(**values) if values else text


def translate_message(message, language: str = DEFAULT_LANGUAGE) -> str:
    """A message made elsewhere (a Message, a WeightError, a WorkshopError) in the language."""
    template = getattr(message, "template", None)
    if template is None:
        return str(message)
    return translate(str(template), language, **getattr(message, "values", {}))


def language_from_header(header: str | None) -> str | None:
    """The first supported language of a browser's Accept-Language header, if any."""
    for part in str(header or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return None


def clock_time(timestamp: float, zone: str | None = None) -> str:
    """The time of day of `timestamp` in the reader's time zone (an IANA name, e.g. from the browser).

    Without one, the server's clock is all there is, and its zone is named (e.g. "14:05:09 UTC"),
    since a server often runs on UTC while the room does not.
    """
    if zone:
        try:
            return datetime.fromtimestamp(timestamp, ZoneInfo(zone)).strftime("%H:%M:%S")
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%H:%M:%S %Z")


# -- for translators and the tests: which texts need translating ------------------------------

# Calls whose first argument is a text to translate: `_` in views, and the workshop's errors.
MARKERS = {"_", "N_", "translate", "Message", "WorkshopError", "AccessDenied", "WeightError"}
SOURCES = ("views", "pages", "workshop", "methods", "scenario.py", "errors.py", "joinlink.py", "datatext.py",
           "dataset/design.py", "design.py")


def messages_in_code(root: Path | None = None) -> dict[str, str]:
    """Every literal text passed to a translation marker in the package, with where it was found."""
    import ast

    root = root or Path(__file__).parent
    files = [p for name in SOURCES for p in ((root / name).rglob("*.py") if (root / name).is_dir() else [root / name])
             if p.exists()]
    found: dict[str, str] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                arg = node.args[0]
                if name in MARKERS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def missing_translations(language: str) -> list[str]:
    """Texts in the code that the language's catalogue lacks (or whose {placeholders} differ)."""
    import string

    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    table = catalogue(language)
    return sorted(m for m in messages_in_code() if m not in table or fields(table[m]) != fields(m))


if __name__ == "__main__":  # python -m igviz.i18n: what each language still lacks
    for lang in LANGUAGES:
        if lang != DEFAULT_LANGUAGE:
            missing = missing_translations(lang)
            print(f"{lang}: {len(missing)} missing")
            for m in missing:
                print(f"  {m!r}")
