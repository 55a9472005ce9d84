"""The page's language: chosen by the link (`?lang=fr`), else the browser's, and a selector.

Each browser session has its own language, kept beside its Bokeh document; views call `_`
with English text and get it in the session's language. Outside a server (a notebook),
`set_language` chooses for the whole kernel.
"""

from __future__ import annotations

import weakref

import panel as pn

from ..datatext import proposal_text
from ..i18n import (DEFAULT_LANGUAGE, LANGUAGES, language_from_header, language_or_default, translate,
                    translate_message)

_by_document: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_kernel_language = DEFAULT_LANGUAGE


def set_language(language: str) -> str:
    """Set the language of the current session (or, in a notebook, of every view made from now on)."""
    global _kernel_language
    language = language_or_default(language)
    doc = pn.state.curdoc
    if doc is not None and doc.session_context is not None:
        _by_document[doc] = language
    else:
        _kernel_language = language
    return language


def current_language() -> str:
    doc = pn.state.curdoc
    if doc is not None and doc in _by_document:
        return _by_document[doc]
    return _kernel_language


def language_from_request() -> str:
    """?lang= in the link wins; then the browser's Accept-Language; then English."""
    args = (pn.state.session_args or {}) if pn.state.curdoc is not None else {}
    if args.get("lang"):
        value = args["lang"][0]
        return language_or_default(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
    header = (pn.state.headers or {}).get("Accept-Language", "") if pn.state.curdoc is not None else ""
    return language_from_header(header) or DEFAULT_LANGUAGE


def start_session_language() -> str:
    """Called once when a served page is built: fixes the session's language from its request.
    (In a notebook it leaves the kernel's language, chosen with `set_language`, alone.)"""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return current_language()
    return set_language(language_from_request())


def _(message: str, **values) -> str:
    return translate(message, current_language(), **values)


def in_language(message) -> str:
    """A message made elsewhere (a Message, a WeightError, a WorkshopError) in the page's language."""
    return translate_message(message, current_language())


def with_local_names(ranking, source):
    """A ranking table (index: proposal id) with its name and short_name in the page's language.

    `source` is the Assessment the ranking came from (its designs and designed variants are not in the
    data: looked up in the data, a design's id raised KeyError), or a Dataset where none is at hand."""
    language = current_language()
    if ranking is None or language == DEFAULT_LANGUAGE:
        return ranking
    return ranking.assign(name=[proposal_text(source, pid, "name", language) for pid in ranking.index],
                          short_name=[proposal_text(source, pid, "short_name", language) for pid in ranking.index])


def language_selector() -> pn.widgets.Select:
    """Switching reloads the page in the chosen language, keeping the rest of its address."""
    select = pn.widgets.Select(label=_("Language"), options={name: code for code, name in LANGUAGES.items()},
                               value=current_language(), width=160, sizing_mode=None)

    def switch(event):
        location = pn.state.location
        if location is None:
            set_language(event.new)
            return
        location.reload = True
        location.update_query(lang=event.new)
    select.param.watch(switch, "value")
    return select
