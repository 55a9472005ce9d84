"""The facilitator's view of a ratings round: where the room disputes the facts, the gap between
stakeholder groups, the ranking under the room's scores beside the bundled one, and opinion groups.

HTML strings built from RoundResults (like bars.py), so the projector page refreshes them at no
cost and a screen reader reads them as tables. No individual rating and no participant is shown:
means, spreads, counts and an unlabelled map.
"""

from __future__ import annotations

import math

import pandas as pd

from .bars import bar, table
from .language import _
from .style import CRITERION_COLOURS, text

DISPUTED_ROWS = 10
# Colour-blind-safe (Tol's muted), one per stakeholder group in the workshop's order; shapes differ too.
GROUP_COLOURS = ["#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#AA4499"]
GROUP_SHAPES = ["circle", "square", "triangle", "diamond", "circle", "square"]


def _num(value: float, digits: int = 1) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def disputed_html(r, group_name, proposal_name, criterion_name) -> str:
    """The cells the room disputes most: spread of the ratings, the gap between the groups (which two),
    the room's rating beside the bundled score."""
    spread = r.rating_spread
    if spread.empty:
        return ""
    rows = []
    top = max(float(spread["spread"].max(skipna=True)) if spread["spread"].notna().any() else 1.0, 1.0)
    means = r.group_ratings
    for (p, c), row in spread.head(DISPUTED_ROWS).iterrows():
        cell = means.loc[(p, c)].dropna()
        gap = ""
        if len(cell) >= 2:
            hi, lo = cell.idxmax(), cell.idxmin()
            gap = (f"<span class='igviz-num'>{text(_num(row['between groups']))}</span> "
                   f"<span class='igviz-who'>{text(group_name(hi))} {text(_num(cell[hi]))} · "
                   f"{text(group_name(lo))} {text(_num(cell[lo]))}</span>")
        rows.append([text(proposal_name(p)), text(criterion_name(c)),
                     bar(row["spread"], top, _num(row["spread"]), CRITERION_COLOURS[6]) if not pd.isna(row["spread"])
                     else text(_("one rating")),
                     gap or "–",
                     f"<b class='igviz-num'>{text(_num(row['room (equal footing)']))}</b>",
                     f"<span class='igviz-num'>{text(_num(row['bundled']))}</span>",
                     f"<span class='igviz-num'>{int(row['ratings'])}</span>"])
    return table(_("Where the room disputes the facts: spread of the ratings, most disputed first"),
                 [_("Proposal"), _("Criterion"), _("Spread (std. dev.)"), _("Gap between groups"),
                  _("Room (each group once)"), _("Best Bits score"), _("Ratings")], rows, "igviz-disputed")


def ranking_change_html(r, proposal_name) -> str:
    """The ranking under the room's scores beside the one under the bundled scores, same weights."""
    ranking = r.rating_ranking
    if ranking is None:
        return ""
    rows = []
    for pid, row in ranking.iterrows():
        change = int(row["rank change"])
        moved = (f"▲ {change}" if change > 0 else f"▼ {-change}" if change < 0 else "=")
        room_rank = int(row["rank (room's scores)"])
        rows.append([f"<span class='igviz-num'>{room_rank}</span>",
                     text(proposal_name(pid)) + ("" if row["rated"] else f" <span class='igviz-who'>{text(_('not rated'))}</span>"),
                     f"<span class='igviz-num'>{int(row['rank (bundled scores)'])}</span>",
                     f"<span class='igviz-num'>{text(moved)}</span>"])
    whose = ranking.attrs.get("weights", "")
    note = {"this round's weights, each stakeholder group counting once": _("Weights: this round's, each stakeholder group counting once."),
            "the weights given": _("Weights: those of an earlier round."),
            "equal weights (this round asked for no weights)": _("Weights: equal (this round asked for no weights).")}.get(whose, "")
    return (table(_("Ranking under the room's scores beside the Best Bits scores (same weights)"),
                  [_("Rank (room)"), _("Proposal"), _("Rank (Best Bits)"), _("Change")], rows, "igviz-rating-ranking",
                  list(ranking.index))
            + f"<p class='igviz-note'>{text(note)} {text(_('Cells nobody rated keep the Best Bits score.'))}</p>")


def opinion_map_svg(groups, group_ids, group_name, width: int = 360, height: int = 260) -> str:
    """Participants as points on the first two principal components, coloured and shaped by
    stakeholder group, each opinion group's letter at its centre. No labels on points."""
    m = groups.map
    if m.empty:
        return ""
    pad = 18
    xs, ys = m["x"].to_numpy(), m["y"].to_numpy()
    span = lambda v: (float(v.min()), float(v.max()) if v.max() > v.min() else float(v.min()) + 1)  # noqa: E731
    (x0, x1), (y0, y1) = span(xs), span(ys)
    px = lambda v: pad + (v - x0) / (x1 - x0) * (width - 2 * pad)  # noqa: E731
    py = lambda v: height - pad - (v - y0) / (y1 - y0) * (height - 2 * pad)  # noqa: E731
    order = list(group_ids) + sorted(set(m["group"]) - set(group_ids))
    marks = []
    index = {g: i % len(GROUP_COLOURS) for i, g in enumerate(order)}
    for gx, gy, group in zip(m["x"].to_numpy(float), m["y"].to_numpy(float), m["group"]):  # not iterrows: 300 points
        k = index[group]
        x, y, colour = px(gx), py(gy), GROUP_COLOURS[k]
        shape = GROUP_SHAPES[k]
        if shape == "square":
            marks.append(f"<rect x='{x - 4:.1f}' y='{y - 4:.1f}' width='8' height='8' fill='{colour}' fill-opacity='0.75'/>")
        elif shape == "triangle":
            marks.append(f"<polygon points='{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}' "
                         f"fill='{colour}' fill-opacity='0.75'/>")
        elif shape == "diamond":
            marks.append(f"<polygon points='{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}' "
                         f"fill='{colour}' fill-opacity='0.75'/>")
        else:
            marks.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4.5' fill='{colour}' fill-opacity='0.75'/>")
    for name, part in m[m["opinion group"] != ""].groupby("opinion group"):
        marks.append(f"<text x='{px(part['x'].mean()):.1f}' y='{py(part['y'].mean()):.1f}' font-size='20' "
                     f"font-weight='bold' text-anchor='middle' fill='#000' stroke='#fff' stroke-width='3' "
                     f"paint-order='stroke'>{text(name)}</text>")
    legend = " ".join(f"<span style='color:{GROUP_COLOURS[order.index(g) % len(GROUP_COLOURS)]}'>"
                      f"{'●■▲◆●■'[order.index(g) % 6]}</span> {text(group_name(g))}" for g in order if g in set(m["group"]))
    label = _("Map of participants by what they submitted, coloured by stakeholder group; letters mark opinion groups")
    return (f"<figure class='igviz-opinion-map'><svg role='img' aria-label='{text(label)}' viewBox='0 0 {width} {height}' "
            f"width='100%' style='max-width:{width * 1.5}px;border:1px solid #ccc'>{''.join(marks)}</svg>"
            f"<figcaption class='igviz-note'>{legend}</figcaption></figure>")


def opinions_html(groups, group_ids, group_name, proposal_name, criterion_name) -> str:
    """Opinion groups beside stakeholder groups: a sentence, the cross-table, the map, what sets each apart."""
    if groups.structure:
        head = _("{count} opinion groups (silhouette {silhouette}).", count=groups.k, silhouette=f"{groups.silhouette:.2f}")
        if groups.not_shown:
            head += " " + _("{count} participant(s) in groups smaller than {minimum} are not shown.",
                            count=groups.not_shown, minimum=groups.min_size)
    else:
        head = _("No opinion groups: the room does not divide into groups by what it submitted (silhouette {silhouette}, "
                 "at most 0.25).", silhouette=_num(groups.silhouette, 2))
    parts = [f"<p class='igviz-note' role='status'>{text(head)}</p>"]
    ct = groups.crosstab
    if not ct.empty:
        columns = [c for c in ct.columns if c != "all"]
        rows = [[f"<b>{text(name)}</b>", *[f"<span class='igviz-num'>{int(ct.loc[name, g])}</span>" for g in columns],
                 f"<b class='igviz-num'>{int(ct.loc[name, 'all'])}</b>"] for name in ct.index]
        parts.append(table(_("Opinion groups against declared stakeholder groups (participants)"),
                           [_("Opinion group"), *[group_name(g) for g in columns], _("All")], rows, "igviz-crosstab"))
    parts.append(opinion_map_svg(groups, group_ids, group_name))
    d = groups.distinctive
    if not d.empty:
        items = []
        for name, part in d.groupby("opinion group"):
            bits = []
            for _i, row in part.iterrows():
                what = (criterion_name(row["criterion"]) if row["kind"] == "weight"
                        else f"{proposal_name(row['proposal'])} · {criterion_name(row['criterion'])}")
                if row["kind"] == "weight":
                    bits.append(_("weight of {what}: {inside}% (others {outside}%)", what=what,
                                  inside=_num(row["mean in group"], 0), outside=_num(row["mean of the others"], 0)))
                else:
                    bits.append(_("rating of {what}: {inside} (others {outside})", what=what,
                                  inside=_num(row["mean in group"]), outside=_num(row["mean of the others"])))
            items.append(f"<li><b>{text(name)}</b>: {text('; '.join(bits))}</li>")
        parts.append(f"<p class='igviz-note'>{text(_('What sets each opinion group apart:'))}</p>"
                     f"<ul class='igviz-comments'>{''.join(items)}</ul>")
    return "".join(parts)


def history_html(comparison, before_number: int, proposal_name, criterion_name) -> str:
    """What moved since the previous round: the ranking, the room's ratings and their spread, and
    whether disagreement shrank (a Delphi-style convergence view)."""
    parts = []
    converged = comparison.converged()
    w = comparison.weights[["spread (before)", "spread (after)"]].dropna()
    if len(w):
        key = (_("Disagreement about the weights shrank: mean spread {before} → {after} pts.") if converged["weights"]
               else _("Disagreement about the weights did not shrink: mean spread {before} → {after} pts."))
        parts.append(key.format(before=_num(w["spread (before)"].mean()), after=_num(w["spread (after)"].mean())))
    rt = comparison.ratings[["spread (before)", "spread (after)"]].dropna()
    if len(rt):
        key = (_("Disagreement about the ratings shrank: mean spread {before} → {after}.") if converged["ratings"]
               else _("Disagreement about the ratings did not shrink: mean spread {before} → {after}."))
        parts.append(key.format(before=_num(rt["spread (before)"].mean()), after=_num(rt["spread (after)"].mean())))
    html = f"<p class='igviz-note' role='status'>{text(' '.join(parts))}</p>" if parts else ""
    weights = comparison.weights.dropna(subset=["weight % (before)", "weight % (after)"])
    if len(weights):
        rows = [[text(criterion_name(c)),
                 f"<span class='igviz-num'>{text(_num(row['weight % (before)'], 0))}% → {text(_num(row['weight % (after)'], 0))}%</span>",
                 f"<span class='igviz-num'>{text(_num(row['spread (before)']))} → {text(_num(row['spread (after)']))}</span>"]
                for c, row in weights.head(DISPUTED_ROWS).iterrows()]
        html += table(_("Weights in round {before} and now, each stakeholder group counting once (most moved first)",
                        before=before_number),
                      [_("Criterion"), _("Weight"), _("Spread (points)")], rows, "igviz-history-weights")
    ranking = comparison.ranking.dropna()
    if len(ranking):
        rows = []
        for pid, row in ranking.iterrows():
            moved = int(row["moved"])
            rows.append([text(proposal_name(pid)), f"<span class='igviz-num'>{int(row['rank (before)'])}</span>",
                         f"<span class='igviz-num'>{int(row['rank (after)'])}</span>",
                         f"<span class='igviz-num'>{text(f'▲ {moved}' if moved > 0 else f'▼ {-moved}' if moved < 0 else '=')}</span>"])
        html += table(_("Ranking in round {before} and now", before=before_number),
                      [_("Proposal"), _("Round {number}", number=before_number), _("Now"), _("Change")], rows,
                      "igviz-history-ranking", list(ranking.index))
    cells = comparison.ratings.dropna(subset=["room (before)", "room (after)"]).head(DISPUTED_ROWS)
    if len(cells):
        rows = [[text(proposal_name(p)), text(criterion_name(c)),
                 f"<span class='igviz-num'>{text(_num(row['room (before)']))} → {text(_num(row['room (after)']))}</span>",
                 f"<span class='igviz-num'>{text(_num(row['spread (before)']))} → {text(_num(row['spread (after)']))}</span>"]
                for (p, c), row in cells.iterrows()]
        html += table(_("The room's ratings in round {before} and now (most converged first)", before=before_number),
                      [_("Proposal"), _("Criterion"), _("Room (each group once)"), _("Spread (std. dev.)")], rows,
                      "igviz-history-ratings")
    return html


def rating_consensus_html(r, group_name, proposal_name) -> str:
    """Rough consensus on the ranking under the room's scores: per proposal (in the room's order),
    each group's share supporting it as its people see it (their own ratings, else the room's)."""
    c = r.rating_consensus
    if c is None:
        return ""
    groups = r.group_ids

    def cell(status, support=None):
        share = "" if support is None or math.isnan(support) else f" {support:.0%}"
        if status == "rough consensus":
            return f"<span class='igviz-yes'>✓ {text(_('yes'))}{share}</span>"
        if status == "no consensus":
            return f"<span class='igviz-no'>✗ {text(_('no'))}{share}</span>"
        return f"<span class='igviz-open'>… {text(_('too few'))}{share}</span>"
    rank = "rank (room's scores)"
    rows = [[f"<span class='igviz-num'>{int(row[rank])}</span>", text(proposal_name(pid)),
             *[cell(row[g], row[f"{g} support"]) for g in groups], cell(row["overall"])] for pid, row in c.iterrows()]
    return (table(_("Rough consensus on the ranking under the room's scores (share of each group supporting it)"),
                  [_("Rank (room)"), _("Proposal"), *[group_name(g) for g in groups], _("Overall")], rows,
                  "igviz-rating-consensus", list(c.index))
            + f"<p class='igviz-note'>{text(_('Each participant ranks by their own ratings (the room’s where they said “don’t know”) and their own weights; the rule is the one above.'))}</p>")


def rating_robustness_html(robust, proposal_name, samples: int) -> str:
    """SMAA-2 under the room's scores, the spread of the ratings as score uncertainty."""
    if robust is None:
        return ""
    t = robust.table
    top3 = t[[c for c in t.columns if c.startswith("rank ")][:3]].sum(axis=1)
    order = t["rank 1"].sort_values(ascending=False).index
    rows = [[text(proposal_name(pid)), bar(t.loc[pid, "rank 1"], 1, f"{t.loc[pid, 'rank 1']:.0%}"),
             bar(top3[pid], 1, f"{top3[pid]:.0%}", "#88CCEE")] for pid in order]
    return (table(_("Under the room's scores: share of {samples} draws in which each proposal ranks…",
                    samples=f"{samples:,}"), [_("Proposal"), _("first"), _("in the top three")], rows,
                  "igviz-rating-robustness", list(order))
            + f"<p class='igviz-note'>{text(_('Each draw takes one participant’s weights and, for each rated cell, a score within the room’s rating ± the spread of the ratings (unrated cells: the Best Bits range).'))}</p>")


def convergence_html(history, proposal_name) -> str:
    """Every round in one table: submissions, spread of weights and of ratings, the first proposal
    (a Delphi-style view of whether the room converged)."""
    if len(history) < 2:
        return ""
    common = history.attrs.get("common cells", [])
    spread = "rating spread (cells rated in every round)" if common else "rating spread"
    rows = [[f"<span class='igviz-num'>{int(n)}</span>", f"<span class='igviz-num'>{int(row['submissions'])}</span>",
             f"<span class='igviz-num'>{text(_num(row['weight spread']))}</span>",
             f"<span class='igviz-num'>{text(_num(row[spread]))}</span>",
             text(proposal_name(row["first"])) if isinstance(row["first"], str) else "–"]
            for n, row in history.iterrows()]
    note = (_("Spread of ratings over the {count} cell(s) rated in every round.", count=len(common)) if common
            else _("Spread of ratings over the cells each round rated."))
    return (table(_("Every round: did the room converge?"),
                  [_("Round"), _("Submissions"), _("Spread of weights (points)"), _("Spread of ratings"), _("First")],
                  rows, "igviz-convergence")
            + f"<p class='igviz-note'>{text(note)}</p>")
