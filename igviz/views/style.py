"""Colours and text helpers shared by the views."""

from __future__ import annotations

import html
from pathlib import Path

import panel as pn

# Paul Tol's "muted" scheme plus pale grey: ten colours distinguishable with the common
# forms of colour blindness, one per criterion (frameworks have at most ten).
CRITERION_COLOURS = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
                     "#DDCC77", "#CC6677", "#882255", "#AA4499", "#BBBBBB"]
# Okabe and Ito's palette, for proposals overlaid on the radar.
PROPOSAL_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def proposal_colours(n: int) -> list[str]:
    palette = PROPOSAL_COLOURS + ["#999999", "#882255", "#44AA99"]
    return [palette[i % len(palette)] for i in range(n)]


def criterion_colours(criteria: list[str]) -> dict[str, str]:
    return {c: CRITERION_COLOURS[i % len(CRITERION_COLOURS)] for i, c in enumerate(criteria)}


def text(value) -> str:
    """User or data text made safe to put inside HTML: shown as typed, never interpreted."""
    return html.escape(str(value), quote=True)


def wrapped_tooltip(*lines: str) -> str:
    """A Bokeh hover template whose lines wrap at 320 px: a long rationale or description on one line
    ran off the screen's edge on a projector. The lines are HTML templates: Bokeh escapes each @field
    put into them, and labels must come through text()."""
    return "<div style='max-width:320px;white-space:normal;font-size:12px'>" + "".join(
        f"<div>{line}</div>" for line in lines) + "</div>"


def scrolls(table_html: str) -> str:
    """A wide table in a box of its own that scrolls sideways, so that the page never does (the SMAA
    table has a column per criterion: 2,014 px at a 1,600 px window). Not made focusable with a
    tabindex: the table sits in a tab that Bokeh hides with aria-hidden, where a focusable element
    is an accessibility fault; Chromium lets the keyboard scroll such a box anyway."""
    return f"<div class='igviz-scroll'>{table_html}</div>"


def quote_html(citation) -> str:
    """A passage verbatim, its translation beside it on a French or Spanish page, and the source's
    title (never its file name)."""
    from ..datatext import quote_translation, source_title
    from .language import _, current_language

    language = current_language()
    where = text(source_title(citation, language))
    if not citation.quote:
        return f"<cite>{where}</cite>"
    translated = quote_translation(citation.quote, language)
    beside = (f"<br><span class='igviz-quote-tr'>{text(_('Translation:'))} {text(translated)}</span>"
              if translated else "")
    return f'<blockquote class="igviz-quote">“{text(citation.quote)}”{beside}<br><cite>{where}</cite></blockquote>'


CSS = (Path(__file__).parent / "igviz.css").read_text(encoding="utf-8")


# igviz's stylesheet travels as a file, not as text: Panel resolves a component class's
# `_stylesheets` (paths relative to its module; the mechanism Panel documents for custom
# components) to one URL per server session, a single ImportedStyleSheet that every pane of the
# page shares, fetched once. Given as text, the CSS went out once per pane, a quarter of the
# explorer's document. Outside a server (a notebook, a saved report) Panel inlines the file.
class StyledHTML(pn.pane.HTML):
    """An HTML pane with igviz's stylesheet."""

    _stylesheets = [*pn.pane.HTML._stylesheets, "igviz.css"]

    def _update(self, ref, model) -> None:
        # A new text sends the text alone. Panel's update rebuilt every property of the pane, its
        # stylesheets as new models each time: a third of the cost of each text update on the server,
        # sent to the browser as new stylesheets for it to apply again to the pane. Only the text
        # follows `object` (and the sanitising settings); styles, classes and the rest reach the
        # browser through Panel's own parameter links.
        if self.enable_streaming:
            super()._update(ref, model)
            return
        model.update(**self._process_param_change({"object": self.object}))


class StyledColumn(pn.Column):
    """A Column with igviz's stylesheet (for the pages' outermost layouts)."""

    _stylesheets = [*pn.Column._stylesheets, "igviz.css"]


def html_pane(markup: str, **params) -> pn.pane.HTML:
    """An HTML pane with igviz's stylesheet: each pane renders in its own shadow root,
    so page-level CSS does not reach inside it."""
    return StyledHTML(markup, **params)


def live(method) -> pn.pane.HTML:
    """The HTML pane a view's `@param.depends` method returns, kept up to date in place: when a
    parameter the method depends on changes, the pane takes the new pane's text and look.

    Given the method itself, Panel wraps its result in a ParamMethod pane, which puts it in a
    layout of its own: one more component for the server to build and the page to lay out, for
    each such method on the page.
    """
    pane = method()
    owner = method.__self__

    def update(*events):
        new = method()
        pane.param.update(object=new.object, css_classes=new.css_classes, margin=new.margin,
                          sizing_mode=new.sizing_mode)

    for dependency in owner.param.method_dependencies(method.__name__):
        dependency.inst.param.watch(update, dependency.name)
    return pane
