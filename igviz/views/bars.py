"""HTML tables with inline bars, for the workshop pages.

Plain HTML rather than Bokeh figures: a phone on a slow connection renders them at once,
a facilitator page refreshes them every second at no cost, and a screen reader reads them
as the tables they are.
"""

from __future__ import annotations

import math

import pandas as pd

from .language import _
from .style import html_pane, text


def bar(value: float, top: float, label: str, colour: str = "#332288") -> str:
    share = 0 if not top or not math.isfinite(value) else max(0.0, min(1.0, value / top))
    return (f"<span class='igviz-bar'><span class='igviz-track' aria-hidden='true'><span class='igviz-fill' "
            f"style='width:{share * 100:.1f}%;background:{colour}'></span></span>"
            f"<span class='igviz-num'>{text(label)}</span></span>")


def table(caption: str, head: list[str], rows: list[list[str]], css_class: str = "", row_ids: list[str] | None = None) -> str:
    """Cells are HTML already (escape user text with `text`); the caption and headers are escaped here."""
    heads = "".join(f"<th scope='col'>{text(h)}</th>" for h in head)
    ids = row_ids or [None] * len(rows)
    body = "".join(f"<tr{'' if pid is None else f' data-proposal={text(pid)!r}'}>"
                   + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for pid, row in zip(ids, rows))
    return (f"<table class='igviz-table {css_class}'><caption>{text(caption)}</caption>"
            f"<thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>")


def ranking_table(ranking: pd.DataFrame | None, caption: str, scale_max: float, empty: str = "",
                  css_class: str = "") -> str:
    """A ranking (index: proposal id; columns rank, name, short_name, overall) as rows with score bars.

    Short names keep it on one screen of a phone or a projector; the full name is the tooltip.
    """
    if ranking is None or not len(ranking):
        return f"<p class='igviz-note'>{text(empty or _('No submissions yet.'))}</p>"
    rows = [[f"<span class='igviz-rank'>{int(r['rank'])}</span>",
             f"<span title='{text(r['name'])}'>{text(r['short_name'])}</span>",
             bar(float(r["overall"]), scale_max, f"{r['overall']:.2f}")] for _i, r in ranking.iterrows()]
    return table(caption, [_("Rank"), _("Proposal"), _("Overall (0–10)")], rows, css_class, list(ranking.index))


def notice_html(message: str, kind: str = "info") -> str:
    """A message box; `kind` is info, ok, warning or error. The message is shown as text."""
    if not message:
        return ""
    role = "alert" if kind in ("warning", "error") else "status"
    return f"<div class='igviz-{kind}' role='{role}'>{text(message)}</div>"


def notice(message: str, kind: str = "info"):
    return html_pane(notice_html(message, kind), sizing_mode="stretch_width")
