"""The institution map as a graph, each proposal's overlay on it, and how centralised the result is.

Centralisation is measured on the graph, never typed in: it is the concentration of
decision-making authority among the bodies of a proposal's map (see `centralisation`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx

from .dataset.records import AUTHORITY, ISSUE_INTAKE, InstitutionMap, LaterLayer, Overlay, Relation


def proposal_graph(base: InstitutionMap, overlay: Overlay | None, later: LaterLayer | None = None) -> nx.MultiDiGraph:
    """The map with a proposal's overlay applied; nodes and edges carry their records and a `change`
    of "same", "added" or "removed" (removed edges are kept, marked, so a view can show them).

    With `later` (the dated changes since the map's moment, since_baseline.yaml), the map is first
    brought up to that later moment: bodies and relations it adds or replaces are marked "since"
    (with `since`, the change's date and title), relations it ends "gone". The overlay is then
    drawn on top. Only the map of the baseline's moment (no `later`) is measured: the scores and
    the overlays describe that moment."""
    g = nx.MultiDiGraph()
    for body in base.bodies.values():
        g.add_node(body.id, body=body, change="same")
    for r in base.relations:
        g.add_edge(r.source, r.target, key=r.relation, rel=r, change="same")
    for change in later.changes if later else ():
        since = f"{change.title} ({change.date})"
        for body in change.adds_bodies:
            g.add_node(body.id, body=body, change="since", since=since)   # adds, or updates in place
        for r in change.adds_relations:
            g.add_edge(r.source, r.target, key=r.relation, rel=r, change="since", since=since)
        for r in change.removes_relations:
            if g.has_edge(r.source, r.target, key=r.relation):
                g.edges[r.source, r.target, r.relation].update(change="gone", since=since, ended=r)
    for r in overlay.removes_relations if overlay else ():
        if g.has_edge(r.source, r.target, key=r.relation) and g.edges[r.source, r.target, r.relation]["change"] != "gone":
            g.edges[r.source, r.target, r.relation]["change"] = "removed"
    if overlay:
        for body in overlay.adds_bodies:
            g.add_node(body.id, body=body, change="added")
        for r in overlay.adds_relations:
            g.add_edge(r.source, r.target, key=r.relation, rel=r, change="added")
    return g


def authority_by_body(g: nx.MultiDiGraph, added_only: bool = False) -> dict[str, float]:
    """Each body's decision-making authority: the weights of the authority relations it holds,
    plus those of the issues forwarded to it (`igviz.dataset.records.AUTHORITY`, `ISSUE_INTAKE`).
    With `added_only`, only relations the proposal adds count."""
    held = {n: 0.0 for n in g.nodes}
    for src, dst, data in g.edges(data=True):
        if data["change"] in ("removed", "gone") or (added_only and data["change"] != "added"):
            continue
        kind = data["rel"].relation
        held[src] += AUTHORITY.get(kind, 0.0)
        held[dst] += ISSUE_INTAKE.get(kind, 0.0)
    return held


def centralisation(g: nx.MultiDiGraph) -> float:
    """How far a proposal concentrates decision-making in one body: 0 (not at all) to 1 (one body decides everything).

    s = the largest authority any single body gains from the proposal's own relations, as a
    share of all the authority in the proposal's graph; normalised as (s − 1/k) / (1 − 1/k)
    for k holders of authority, and 0 when the proposal concentrates nothing. A star whose
    centre holds every authority relation scores 1; a ring in which every body holds one
    scores 0. Authority is counted as in `authority_by_body`; a node standing for many
    independent actors (`members`, e.g. 193 national governments) counts as that many holders
    sharing its authority.

    Why the proposal's own relations: the sources place proposals on the axis by the
    decision-making they would create — a single committee over all issues (000 §3), a single
    council taking up whatever the IGF forwards (001), or issues routed to many existing bodies —
    not by the authority that ICANN or the UN already hold in every scenario.
    """
    total = authority_by_body(g)
    added = authority_by_body(g, added_only=True)
    k = sum(g.nodes[n]["body"].members for n, v in total.items() if v > 0)
    whole = sum(total.values())
    if k <= 1 or whole <= 0:
        return float(max(added.values(), default=0) > 0)
    strongest = max(v / g.nodes[n]["body"].members for n, v in added.items()) if added else 0.0
    share = strongest / whole
    return float(max(0.0, (share - 1 / k) / (1 - 1 / k)))


@dataclass(frozen=True)
class ProposalNetwork:
    proposal: str
    graph: nx.MultiDiGraph
    centralisation: float


def networks(dataset) -> dict[str, ProposalNetwork]:
    """Every proposal's graph and centralisation (cached per dataset)."""
    return _networks(id(dataset), dataset)


@lru_cache(maxsize=8)
def _networks(_key, dataset) -> dict[str, ProposalNetwork]:
    out = {}
    for pid in dataset.proposals:
        g = proposal_graph(dataset.institutions, dataset.overlays.get(pid))
        out[pid] = ProposalNetwork(pid, g, centralisation(g))
    return out


def later_graph(dataset, proposal_id: str) -> nx.MultiDiGraph:
    """A proposal's graph drawn over the map as it is now (the baseline's map plus the dated
    changes since, `dataset.later`); for display only, never measured."""
    return _later_graph(id(dataset), dataset, proposal_id)


@lru_cache(maxsize=32)
def _later_graph(_key, dataset, proposal_id):
    return proposal_graph(dataset.institutions, dataset.overlays.get(proposal_id), dataset.later)


@lru_cache(maxsize=8)
def _layout(_key, dataset) -> dict[str, tuple[float, float]]:
    union = nx.Graph()
    graphs = [net.graph for net in networks(dataset).values()]
    if dataset.later is not None:
        graphs.append(proposal_graph(dataset.institutions, None, dataset.later))
    for graph in graphs:
        union.add_nodes_from(graph.nodes)
        union.add_edges_from((u, v) for u, v in graph.edges())
    # One layout for the union of every proposal's graph and of the later layer, so a body stays
    # where it is from proposal to proposal and with the later layer on or off; only what changes
    # moves on screen. Kamada-Kawai keeps linked bodies near each other; its result is then
    # stretched to fill a wide chart (a projector is 16:9), which gives the names room.
    pos = nx.kamada_kawai_layout(union)
    names = {n: short_label(_body(dataset, n).name) for n in union.nodes}
    return _separate(pos, names)


def _body(dataset, node):
    if node in dataset.institutions.bodies:
        return dataset.institutions.bodies[node]
    for overlay in dataset.overlays.values():
        for b in overlay.adds_bodies:
            if b.id == node:
                return b
    for change in dataset.later.changes if dataset.later else ():
        for b in change.adds_bodies:
            if b.id == node:
                return b
    raise KeyError(node)


def _separate(pos: dict, labels: dict[str, str], rounds: int = 500) -> dict[str, tuple[float, float]]:
    """Move bodies apart until no two of them, with their names above them, overlap.

    Kamada-Kawai packs the bodies around a hub (the IGF) close together, and their names were
    drawn over each other. Each body takes a box: its marker and, above it, its name (about 0.029
    of the map's width per character at the map's size and font); overlapping boxes are pushed
    apart along the axis where they overlap least, within the map's -1..1 square. Who sits beside whom is kept; only crowding is undone."""
    import numpy as np

    ids = sorted(pos)
    xy = np.array([pos[n] for n in ids], dtype=float)
    half_w = np.array([max(0.017 * len(labels[n]), 0.03) + 0.02 for n in ids])
    half_h = np.full(len(ids), 0.06)

    def normalise(a):
        lo, hi = a.min(axis=0), a.max(axis=0)
        return 2 * (a - lo) / np.where(hi - lo > 0, hi - lo, 1) - 1

    xy = normalise(xy)
    for _ in range(rounds):
        dx = xy[:, None, 0] - xy[None, :, 0]
        dy = xy[:, None, 1] - xy[None, :, 1]
        ox = half_w[:, None] + half_w[None, :] - np.abs(dx)
        oy = half_h[:, None] + half_h[None, :] - np.abs(dy)
        np.fill_diagonal(ox, -1)
        hit = (ox > 0) & (oy > 0)
        if not hit.any():
            break
        # Push along the axis of least overlap; ties and coincident bodies are split by index.
        along_x = hit & (ox * 0.5 < oy)   # moving sideways costs more: names are wide
        along_y = hit & ~along_x
        sx = np.where(dx != 0, np.sign(dx), np.sign(np.arange(len(ids))[:, None] - np.arange(len(ids))[None, :]))
        sy = np.where(dy != 0, np.sign(dy), sx)
        move = np.zeros_like(xy)
        move[:, 0] = (np.where(along_x, ox, 0) * sx).sum(axis=1) * 0.5
        move[:, 1] = (np.where(along_y, oy, 0) * sy).sum(axis=1) * 0.5
        xy = np.clip(xy + move, -1, 1)
    return {n: (float(x), float(y)) for n, (x, y) in zip(ids, xy)}


def short_label(name: str) -> str:
    """A body's name as it fits on the map: its abbreviation where it has one ("… (ICANN)"),
    else its name without any bracketed part, cut at 22 characters with an ellipsis (the tooltip
    and the details give it whole)."""
    m = re.search(r"\(([^()]{2,10})\)", name)
    if m and any(ch.isupper() for ch in m.group(1)):
        return m.group(1)
    name = re.sub(r"\s*\([^()]*\)", "", name).split(",")[0].strip()
    return name if len(name) <= 22 else name[:21].rstrip() + "…"


def layout(dataset) -> dict[str, tuple[float, float]]:
    return _layout(id(dataset), dataset)


def positions(dataset, graph) -> dict[str, tuple[float, float]]:
    """Where each body of `graph` is drawn: the shared layout's place, and for a body only a design
    made in the explorer adds (not in any proposal of the data, so not laid out), a place beside the
    bodies it is related to, moved on until it clears every other body and its name.

    The shared layout is not recomputed for such a body: every other body would move whenever an
    option changed."""
    import numpy as np

    pos = layout(dataset)
    missing = [n for n in graph.nodes if n not in pos]
    if not missing:
        return pos
    pos = dict(pos)
    for n in sorted(missing):   # sorted: the same design is drawn the same way every time
        near = [pos[m] for m in (*graph.predecessors(n), *graph.successors(n)) if m in pos]
        cx, cy = np.mean(near, axis=0) if near else (0.0, 0.0)
        # Rings of candidate places around the neighbours' centre, nearest first; the first place
        # with no body within a name's width (0.35 wide, 0.14 high) is taken.
        candidates = [(cx + r * np.cos(t), cy + r * np.sin(t)) for r in (0.0, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0)
                      for t in np.linspace(0, 2 * np.pi, 12, endpoint=False)]
        candidates = [(float(np.clip(x, -1, 1)), float(np.clip(y, -1, 1))) for x, y in candidates]
        taken = [pos[m] for m in graph.nodes if m in pos]
        free = next((c for c in candidates if all(abs(c[0] - x) > 0.35 or abs(c[1] - y) > 0.14 for x, y in taken)),
                    candidates[0])
        pos[n] = free
    return pos


def relation_label(r: Relation) -> str:
    return r.relation.replace("_", " ")
