"""The institution map: the Internet governance bodies and their relations as they stood at the
baseline's moment (early 2014, the moment the scores describe), with the selected proposal's
overlay (what it adds, what it removes) drawn against it, and, switched on, the dated changes since
(`Dataset.later`) as a separate layer."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, TapTool

from ..network import later_graph, positions, proposal_graph, relation_label, short_label
from ..dataset.records import AUTHORITY, ISSUE_INTAKE
from .base import ChartView, figure, lean
from ..i18n import N_
from ..datatext import proposal_text
from .language import _, current_language
from .evidence import citation_line, local
from .style import html_pane, quote_html, text, live, wrapped_tooltip

# Relations that carry decision-making authority (drawn solid and darker on the map).
CARRIES_AUTHORITY = {**AUTHORITY, **ISSUE_INTAKE}
# Okabe and Ito colours, one per kind of body: one per stakeholder group of stakeholder_groups.yaml
# (government, intergovernmental, technical and academic, private sector, civil society), and
# multistakeholder bodies.
KIND_COLOURS = {"government": "#56B4E9", "intergovernmental": "#0072B2", "multistakeholder": "#009E73",
                "technical": "#E69F00", "private": "#CC79A7", "civil_society": "#D55E00"}
KIND_NAMES = {"government": N_("government"), "intergovernmental": N_("intergovernmental"),
              "multistakeholder": N_("multistakeholder"), "technical": N_("technical and academic"),
              "private": N_("private sector"), "civil_society": N_("civil society")}
# What a proposal does to a relation or a body, and the kinds of relation (igviz.dataset.records), as shown.
# "since" and "gone": what changed after the baseline's moment (the later layer, when switched on).
CHANGE_NAMES = {"same": N_("unchanged"), "added": N_("added"), "removed": N_("removed"),
                "since": N_("new or changed since the baseline"), "gone": N_("ended since the baseline")}
LATER_COLOUR = "#6A3D9A"   # the later layer: a purple no kind of body uses
RELATION_NAMES = {"decides_on": N_("decides on"), "oversees": N_("oversees"), "mandates": N_("mandates"),
                  "coordinates": N_("coordinates"), "appoints": N_("appoints"),
                  "forwards_issues_to": N_("forwards issues to"), "advises": N_("advises"),
                  "feeds_into": N_("feeds into"), "reports_to": N_("reports to"), "convenes": N_("convenes"),
                  "hosts": N_("hosts"), "funds": N_("funds"), "monitors": N_("monitors")}


def kind_name(kind: str) -> str:
    return _(KIND_NAMES[kind]) if kind in KIND_NAMES else kind.replace("_", " ")


def relation_name(rel) -> str:
    return _(RELATION_NAMES[rel.relation]) if rel.relation in RELATION_NAMES else relation_label(rel)


def change_name(change: str) -> str:
    return _(CHANGE_NAMES[change]) if change in CHANGE_NAMES else change
# Edges are styled by what the proposal does to them and by the kind of relation: relations
# that carry decision-making authority are drawn solid and darker, the others (advises, feeds
# into, hosts, ...) dotted.
EDGE_STYLE = {
    ("same", "yes"): ("#555555", 1.6, "solid"), ("same", "no"): ("#bbbbbb", 1.0, "dotted"),
    ("added", "yes"): ("#009E73", 3.5, "solid"), ("added", "no"): ("#009E73", 2.0, "dotted"),
    ("removed", "yes"): ("#D55E00", 3.0, "dashed"), ("removed", "no"): ("#D55E00", 2.0, "dashed"),
    ("since", "yes"): (LATER_COLOUR, 2.5, "solid"), ("since", "no"): (LATER_COLOUR, 1.6, "dotted"),
    ("gone", "yes"): (LATER_COLOUR, 2.0, "dashdot"), ("gone", "no"): (LATER_COLOUR, 1.4, "dashdot"),
}
RINGS = {"added": ("#000000", 2), "since": (LATER_COLOUR, 3)}


EDGE_COLUMNS = ["x0", "y0", "x1", "y1", "mx", "my", "from", "to", "relation", "change", "authority", "description",
                "source", "change_name", "authority_name", "since"]
NODE_COLUMNS = ["x", "y", "id", "name", "kind", "change", "description", "source", "kind_name", "since", "colour", "size",
                "ring", "ring_width", "label", "label_y"]


def overlay_of(p):
    """A proposal's overlay: a designed variant's or a design's, generated from its options, else the data's."""
    variant = p.variant
    if variant is not None:
        return variant.overlay
    return getattr(p, "overlay", None) or p.dataset.overlays.get(p.id)


class InstitutionMapView(ChartView):
    body = param.String(default=None, allow_None=True, doc="The body clicked on the map")
    later = param.Boolean(default=False, doc="Show what changed since the baseline's moment (a separate layer)")

    # The map shows the selected proposal's institutions, not its rank; a design changed in the
    # designer (re-added under its id) or a proposal's changed attributes redraw it too.
    follows = ("selected", "proposals", "revision")
    own = ("later",)

    def __init__(self, **params):
        super().__init__(**params)
        self._nodes = pd.DataFrame()
        self._side_panes, self._side_drawn = None, None
        self._figure = self._build_figure()
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=560)
        later = self.assessment.dataset.later
        self._later_switch = pn.widgets.Checkbox.from_param(
            self.param.later, label=local(later.name) if later else "", visible=later is not None, margin=(0, 10))
        self.draw_now()

    def _proposal(self) -> str:
        return self.assessment.selected or "status_quo"

    def _build_figure(self):
        # Built once: one layer per edge style, the bodies and their names; choosing another
        # proposal replaces the data only.
        # 560 px high so the map, its title and the switch fit a 1280 x 720 projector with the details
        # beside it; the ranges leave room around the outermost bodies for their names.
        fig = figure("", height=560, grid=False, toolbar_location="right", x_axis_type=None, y_axis_type=None,
                     tools="pan,wheel_zoom,box_zoom,reset,save,tap", active_drag="pan",
                     x_range=(-1.3, 1.3), y_range=(-1.1, 1.12))
        self._edges = {}
        # One layer per dash pattern (Bokeh cannot vary the dash within a layer), each edge with
        # its own colour, width and opacity; always all three, empty or not, so every proposal's
        # overlay has its place. (A layer per style was twice as many renderers to build and draw.)
        for dash in dict.fromkeys(style[2] for style in EDGE_STYLE.values()):
            source = ColumnDataSource({k: [] for k in (*EDGE_COLUMNS, "colour", "width", "alpha")})
            fig.segment("x0", "y0", "x1", "y1", source=source, line_color="colour", line_width="width",
                        line_dash=dash, line_alpha="alpha")
            self._edges[dash] = source
        # A relation's details show on hovering a small marker on it, not the line itself: every line
        # into the IGF ends under the IGF, so hovering it stacked the tooltips of all of them.
        self._handles = ColumnDataSource({k: [] for k in (*EDGE_COLUMNS, "colour", "alpha")})
        handles = fig.scatter("mx", "my", source=self._handles, marker="diamond", size=8, fill_color="colour",
                              line_color="#ffffff", line_width=1, fill_alpha="alpha")
        fig.add_tools(HoverTool(renderers=[handles], tooltips=wrapped_tooltip(
            "<b>@from → @to</b>", f"{text(_('Relation'))}: @relation (@{{change_name}})",
            f"{text(_('Carries authority'))}: @{{authority_name}}", "@description", "<i>@since</i>",
            f"{text(_('Source'))}: @source")))
        self._bodies = ColumnDataSource({k: [] for k in NODE_COLUMNS})
        bodies = fig.scatter("x", "y", source=self._bodies, fill_color="colour", size="size", line_color="ring",
                             line_width="ring_width", nonselection_fill_alpha=1.0, nonselection_line_alpha=1.0)
        fig.add_tools(HoverTool(renderers=[bodies], tooltips=wrapped_tooltip(
            "<b>@name</b>", f"{text(_('Kind'))}: @{{kind_name}}", "@description", "<i>@since</i>",
            f"{text(_('Source'))}: @source")))
        # Names stay fully visible when a body is clicked (they share the bodies' source, whose
        # selection would otherwise fade every other name).
        fig.text("x", "label_y", text="label", source=self._bodies, text_font_size="8pt", text_color="#333333",
                 text_align="center", text_baseline="middle", nonselection_text_alpha=1.0)
        tap = fig.select_one(TapTool)
        tap.renderers = [bodies]
        fig.toolbar.active_tap = tap
        self._bodies.selected.on_change("indices", lambda attr, old, new: self._on_tap(new))
        return lean(fig)

    def _draw(self):
        a = self.assessment
        if a.dataset.institutions is None:
            return
        g = self._graph()
        pos = positions(a.dataset, g)
        nodes = pd.DataFrame([{
            "x": pos[n][0], "y": pos[n][1], "id": n, "name": local(d["body"].name), "kind": d["body"].kind,
            "kind_name": kind_name(d["body"].kind),
            "change": d["change"], "description": local(d["body"].description),
            "source": citation_line(d["body"].citation), "since": d.get("since", ""),
        } for n, d in g.nodes(data=True)])
        self._nodes = nodes
        rows = []
        parallel: dict[frozenset, int] = {}
        for u, v, d in g.edges(data=True):
            # Several relations between one pair of bodies: their markers sit apart along the line.
            nth = parallel[frozenset((u, v))] = parallel.get(frozenset((u, v)), -1) + 1
            t = 0.5 + (0.12 * ((nth + 1) // 2) * (1 if nth % 2 else -1) if nth else 0.0)
            (x0, y0), (x1, y1) = pos[u], pos[v]
            rel = d.get("ended", d["rel"]) if d["change"] == "gone" else d["rel"]
            rows.append({
                "x0": x0, "y0": y0, "x1": x1, "y1": y1, "mx": x0 + t * (x1 - x0), "my": y0 + t * (y1 - y0),
                "from": local(g.nodes[u]["body"].name), "to": local(g.nodes[v]["body"].name), "relation": relation_name(d["rel"]),
                "change": d["change"], "authority": "yes" if d["rel"].relation in CARRIES_AUTHORITY else "no",
                "change_name": self._change_name(d["change"]),
                "authority_name": _("yes") if d["rel"].relation in CARRIES_AUTHORITY else _("no"),
                "description": local(rel.description), "source": citation_line(rel.citation), "since": d.get("since", ""),
            })
        # Within a layer, edges are drawn in the order of EDGE_STYLE, as the layers per style were.
        # Plain lists: a few dozen edges, where a DataFrame filtered and concatenated per style was
        # most of the map's redraw, which follows every option change in the designer.
        parts = {dash: [] for dash in self._edges}
        for (change, authority), (colour, width, dash) in EDGE_STYLE.items():
            alpha = 0.9 if change != "same" else 0.7
            parts[dash].extend({**row, "colour": colour, "width": width, "alpha": alpha} for row in rows
                               if row["change"] == change and row["authority"] == authority)
        for dash, source in self._edges.items():
            source.data = {k: [row[k] for row in parts[dash]] for k in source.data}
        styled = [row for part in parts.values() for row in part]
        self._handles.data = {k: [row[k] for row in styled] for k in self._handles.data}
        # New bodies drawn larger and ringed in black, bodies new or changed since the baseline
        # ringed in the later layer's purple; names just above each body.
        changes = nodes["change"].tolist()
        self._bodies.data = {**{k: nodes[k].tolist() for k in NODE_COLUMNS[:10]},
                             "colour": nodes["kind"].map(KIND_COLOURS).fillna("#999999").tolist(),
                             "size": [18 if c == "added" else 11 for c in changes],
                             "ring": [RINGS.get(c, ("#ffffff", 2))[0] for c in changes],
                             "ring_width": [RINGS.get(c, ("#ffffff", 2))[1] for c in changes],
                             "label": [short_label(n) for n in nodes["name"]],
                             "label_y": (nodes["y"] + 0.05).tolist()}
        self._bodies.selected.indices = []
        if getattr(self, "_side_panes", None) is not None and self._side_drawn != self._side_key():
            # A design changed in place (same selection): its note and centralisation, with the chart,
            # after the ranking (rebuilt on every option change, they held up the ranking's update).
            for pane, method in zip(self._side_panes, (self._note, self._details)):
                pane.object = method().object
        self._side_drawn = self._side_key()
        name = proposal_text(a, self._proposal(), "short_name", current_language())
        self._figure.title.text = self._title(name)

    def _side_key(self):
        a = self.assessment
        return (tuple(map(id, a.proposals)), a.revision)   # a change of selection: `live` updates them

    def _graph(self):
        """The selected proposal's graph: the data's overlay, or the one a designed variant or a design
        generates from its options (`Proposal.graph`)."""
        a = self.assessment
        p = a.proposal(self._proposal())
        if self.later and a.dataset.later is not None:
            overlay = overlay_of(p)
            if overlay is a.dataset.overlays.get(p.id):
                return later_graph(a.dataset, p.id)   # cached per proposal of the data
            return proposal_graph(a.dataset.institutions, overlay, a.dataset.later)
        return p.graph()

    def _moment(self) -> str:
        """The moment the map shows: the baseline's (early 2014), or the later layer's."""
        data = self.assessment.dataset
        if self.later and data.later is not None:
            return data.later.as_of
        return data.institutions.as_of if data.institutions is not None else ""

    def _title(self, proposal: str) -> str:
        moment = self._moment()
        if not moment:
            return _("{proposal}: what it adds and removes", proposal=proposal)
        return _("{proposal}: what it adds and removes, on the map as of {moment}", proposal=proposal, moment=moment)

    def _change_name(self, change: str) -> str:
        return change_name(change)

    def _on_tap(self, index):
        if index and len(self._nodes):
            self.body = self._nodes.iloc[index[0]]["id"]

    @param.depends("body", "later", "assessment.selected")
    def _details(self):
        a = self.assessment
        if not self.body or a.dataset.institutions is None:
            return html_pane(f"<p class='igviz-note'>{text(_('Click a body on the map for its details and the proposals that change it.'))}</p>",
                             sizing_mode="stretch_width")
        graph = self._graph()
        if self.body not in graph:
            return html_pane("", sizing_mode="stretch_width")
        b = graph.nodes[self.body]["body"]
        touching = []
        language = current_language()
        for p in a.proposals:   # designs and designed variants included, each on its own graph
            g = p.graph()
            if self.body not in g:
                continue
            changes = [d["change"] for _u, _v, d in g.edges(self.body, data=True)]
            changes += [d["change"] for _u, _v, d in g.in_edges(self.body, data=True)]
            if any(c != "same" for c in changes) or g.nodes[self.body].get("change") == "added":
                touching.append(proposal_text(a, p.id, "short_name", language))
        relations = "".join(
            f"<li>{text(relation_name(d['rel']))} → {text(local(graph.nodes[v]['body'].name))}"
            f"{' (' + text(change_name(d['change'])) + ')' if d['change'] != 'same' else ''}</li>"
            for _u, v, d in graph.out_edges(self.body, data=True))
        none = text(_("none"))
        since = graph.nodes[self.body].get("since")
        since = f"<p class='igviz-note'>{text(change_name('since'))}: {text(since)}</p>" if since else ""
        return html_pane(
            f"<h3>{text(local(b.name))}</h3><p>{text(kind_name(b.kind))}. {text(local(b.description))}</p>{since}"
            f"{quote_html(b.citation)}<h4>{text(_('Its relations'))}</h4><ul>{relations or f'<li>{none}</li>'}</ul>"
            f"<h4>{text(_('Proposals that change it'))}</h4><p>{text(', '.join(touching)) or none}</p>",
            sizing_mode="stretch_width", css_classes=["igviz-body-detail"])

    @param.depends("assessment.selected", "later")
    def _note(self):
        a = self.assessment
        overlay = overlay_of(a.proposal(self._proposal()))
        note = local(overlay.note) if overlay else _("No overlay in the data for this proposal: it is drawn as the status quo.")
        position = a.position(self._proposal())
        centralisation = _("Centralisation: {value}", value=f"{position:.2f}")
        scale = _("(0 = concentrates no decision-making, 1 = one body decides everything).")
        moment = ""
        if a.dataset.institutions is not None and a.dataset.institutions.as_of:
            moment = _("Map as of {moment}, the moment the scores describe.", moment=local(a.dataset.institutions.as_of))
        later = a.dataset.later
        if self.later and later is not None:
            moment += " " + _("Shown with the changes since, up to {moment} (purple); they change no score.",
                              moment=later.as_of)
        return html_pane(f"<p class='igviz-note igviz-overlay-note'><b>{text(moment)}</b> {text(note)} "
                         f"<b>{text(centralisation)}</b> {text(scale)}</p>",
                         sizing_mode="stretch_width")

    def __panel__(self):
        keys = "".join(f"<span class='igviz-key'><span style='color:{c}'>●</span> {text(kind_name(k))}</span> "
                       for k, c in KIND_COLOURS.items())
        # The line colours are shown by a coloured line symbol beside dark text: the green and red
        # themselves are too light for text (WCAG contrast).
        relations = _("Relations: {green} added by the proposal, {red} removed, grey as at the baseline; solid lines carry "
                      "decision-making authority, dotted ones do not. Hover for details; click a body.",
                      green="\x00green\x00", red="\x00red\x00")
        relations = text(relations).replace(
            "\x00green\x00", f"<span style='color:#009E73' aria-hidden='true'>━━</span> {text(_('green'))}").replace(
            "\x00red\x00", f"<span style='color:#D55E00' aria-hidden='true'>╍╍</span> {text(_('red dashed'))}")
        later = text(_("{purple} new or changed since the baseline (with the switch on), {dashdot} ended since.",
                       purple="\x00p\x00", dashdot="\x00d\x00")).replace(
            "\x00p\x00", f"<span style='color:{LATER_COLOUR}' aria-hidden='true'>━━</span> {text(_('purple'))}").replace(
            "\x00d\x00", f"<span style='color:{LATER_COLOUR}' aria-hidden='true'>─·─</span> {text(_('purple dash-dot'))}")
        # The details sit beside the map, not under it: under it, a click's details appeared some
        # 500 px below, out of view on a 1280 x 720 projector.
        # The proposal's note sits there too, so the legend, the switch and the whole map fit one
        # 1280 x 720 screen.
        self._side_panes = (live(self._note), live(self._details))
        side = pn.Column(*self._side_panes, width=330, height=590, scroll=True,
                         margin=(0, 0, 0, 10))
        return pn.Column(
            html_pane(f"<h2>{text(_('Institution map'))}</h2><p class='igviz-note'>{keys}<br>{relations} "
                      f"{later if self.assessment.dataset.later is not None else ''}</p>", margin=(0, 10)),
            pn.Row(pn.Column(self._later_switch, self._pane, sizing_mode="stretch_width"), side,
                   sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
