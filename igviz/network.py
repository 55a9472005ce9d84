"""The institution map as a graph, each proposal's overlay on it, and how centralised the result is.

Centralisation is measured on the graph, never typed in: it is the concentration of
decision-making authority among the bodies of a proposal's map (see `centralisation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import networkx as nx

from .dataset.records import AUTHORITY, ISSUE_INTAKE, InstitutionMap, Overlay, Relation


def proposal_graph(base: InstitutionMap, overlay: Overlay | None) -> nx.MultiDiGraph:
    """The map with a proposal's overlay applied; nodes and edges carry their records and a `change`
    of "same", "added" or "removed" (removed edges are kept, marked, so a view can show them)."""
    g = nx.MultiDiGraph()
    for body in base.bodies.values():
        g.add_node(body.id, body=body, change="same")
    removed = {r.key for r in overlay.removes_relations} if overlay else set()
    for r in base.relations:
        g.add_edge(r.source, r.target, key=r.relation, rel=r, change="removed" if r.key in removed else "same")
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
        if data["change"] == "removed" or (added_only and data["change"] != "added"):
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


@lru_cache(maxsize=8)
def _layout(_key, dataset) -> dict[str, tuple[float, float]]:
    union = nx.Graph()
    for net in networks(dataset).values():
        union.add_nodes_from(net.graph.nodes)
        union.add_edges_from((u, v) for u, v in net.graph.edges())
    # One layout for the union of every proposal's graph, so a body stays where it is from
    # proposal to proposal and only what a proposal adds or removes changes on screen.
    pos = nx.kamada_kawai_layout(union)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def layout(dataset) -> dict[str, tuple[float, float]]:
    return _layout(id(dataset), dataset)


def relation_label(r: Relation) -> str:
    return r.relation.replace("_", " ")
