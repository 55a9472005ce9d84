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

from functools import lru_cache
from pathlib import Path

import yaml

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
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of English text to translation")
    return {str(k): str(v) for k, v in data.items()}


def translate(message: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    text = catalogue(language_or_default(language)).get(message, message)
    return text.format(**values) if values else text


def localised(record, field: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A record's field in the language, from its `translations` (if any), else in English."""
    translations = getattr(record, "translations", None) or {}
    value = (translations.get(language) or {}).get(field)
    return value if value else getattr(record, field)
