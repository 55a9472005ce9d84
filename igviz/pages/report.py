"""A scenario as a self-contained HTML report, and its tables as CSV files.

The report inlines every script and style it needs, so it opens offline and can be mailed
to a workshop's participants as one file.
"""

from __future__ import annotations

import base64
import datetime as _dt
import mimetypes
import re
from pathlib import Path

import pandas as pd
import panel as pn

from ..methods import METHODS
from ..model import Assessment
from ..scenario import Scenario
from ..views import ProposalDetail, RadarView, RankingView, ScoreMatrix, SensitivityView
from ..views.style import CSS, html_pane, text


def tables(a: Assessment, smaa_samples: int = 10_000) -> dict[str, pd.DataFrame]:
    """The scenario's tables: ranking, contributions, scores (with rationale and citations),
    stability intervals and SMAA-2 rank acceptabilities."""
    r = a.ranking()
    ranking = r.table.assign(failed=r.table["failed"].map(", ".join))
    out = {
        "ranking": ranking,
        "contributions": r.contributions,
        "scores": a.dataset.scores_table(a.framework),
        "sensitivity": a.sensitivity_table(),
    }
    # SMAA-2 ranks each sample by the assessment's own method (net flows under PROMETHEE II).
    out["smaa"] = a.smaa(samples=smaa_samples, seed=0).table
    return out


def export_tables(a: Assessment, folder) -> list[Path]:
    """Write each table of `tables()` as CSV into `folder`; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables(a).items():
        path = folder / f"{name}.csv"
        frame.to_csv(path)
        written.append(path)
    return written


def _table_html(frame: pd.DataFrame, caption: str, digits: int = 2) -> str:
    shown = frame.round(digits) if digits is not None else frame
    return shown.to_html(classes="igviz-table", escape=True, border=0).replace(
        "<table", f"<table><caption>{text(caption)}</caption", 1).replace("<table><caption", "<table class='igviz-table'><caption", 1)


def write_report(a: Assessment, path, title: str | None = None) -> Path:
    """Save the assessment as it stands as one offline HTML file."""
    path = Path(path)
    scenario = Scenario.from_assessment(a)
    r = a.ranking()
    title = title or f"igviz report: {r.framework.name}"
    weights = ", ".join(f"{text(a.active_framework.criterion(c).name)} {100 * w:.0f} %" for c, w in r.weights.items())
    summary = html_pane(
        f"<h1>{text(title)}</h1><p>{_dt.date.today():%d %B %Y}. Method: {text(a.active_method.describe())}. "
        f"Weights (normalised): {weights}.</p>"
        f"<p>Thresholds: {text(', '.join(f'{k} ≥ {v:g}' for k, v in a.thresholds.items()) or 'none')}. "
        f"Stance: {a.stance:+.1f}. To open this scenario in the explorer, add this to its address: "
        f"<code>{text(scenario.to_link())}</code></p>", sizing_mode="stretch_width")
    if not a.selected:
        a.selected = r.top
    t = tables(a)
    body = pn.Column(
        summary,
        # The charts as the explorer draws them (the same Bokeh figures, saved with the page).
        html_pane("<h2>Ranking</h2>"), RankingView(assessment=a).chart,
        html_pane(_table_html(t["ranking"].drop(columns=["name"]), "Ranking")),
        html_pane("<h2>Profile of the top proposal</h2>"), RadarView(assessment=a).chart,
        html_pane("<h2>Scores</h2>"), ScoreMatrix(assessment=a).chart,
        html_pane("<h2>How far the weights can move</h2>"),
        html_pane(SensitivityView(assessment=a)._table_html()),
        html_pane(_table_html(t["smaa"], f"SMAA-2: share of 10,000 samples at each rank (weights anywhere, "
                                         f"scores within their ranges; samples ranked by {a.active_method.describe()})")),
        html_pane("<h2>Why the top proposal scores as it does</h2>"), ProposalDetail(assessment=a)._body(),
        sizing_mode="stretch_width", stylesheets=[CSS], max_width=1100,
    )
    body.save(str(path), title=title, resources="inline", embed=False)
    path.write_text(_inline_cdn_links(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


_CDN = re.compile(r"https://cdn\.holoviz\.org/panel/[^/]+/dist/([^\"'?\s)]+)(\?[^\"'\s)]*)?")


def _inline_cdn_links(html: str) -> str:
    """Replace the Panel CDN addresses a saved page still names (theme stylesheets, icons) with
    the same files from the installed panel package, as data: URLs, so the report needs no network."""
    dist = Path(pn.__file__).parent / "dist"

    def local(match: re.Match) -> str:
        file = dist / match.group(1)
        if not file.is_file():
            return match.group(0)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"

    return _CDN.sub(local, html)
