"""The institution map: the Internet governance bodies and their relations, with the selected
proposal's overlay (what it adds, what it removes) drawn against the status quo."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, TapTool

from ..network import layout, networks, relation_label
from ..dataset.records import AUTHORITY, ISSUE_INTAKE
from .base import ChartView, figure, lean
from ..i18n import N_, localised
from .language import _, current_language
from .evidence import citation_line, local
from .style import html_pane, quote_html, text, live

# Relations that carry decision-making authority (drawn solid and darker on the map).
CARRIES_AUTHORITY = {**AUTHORITY, **ISSUE_INTAKE}
# Okabe and Ito colours, one per kind of body.
KIND_COLOURS = {"intergovernmental": "#0072B2", "multistakeholder": "#009E73", "technical": "#E69F00",
                "private": "#CC79A7", "civil_society": "#D55E00"}
KIND_NAMES = {"intergovernmental": N_("intergovernmental"), "multistakeholder": N_("multistakeholder"),
              "technical": N_("technical"), "private": N_("private"), "civil_society": N_("civil society")}
# What a proposal does to a relation or a body, and the kinds of relation (igviz.dataset.records), as shown.
CHANGE_NAMES = {"same": N_("unchanged"), "added": N_("added"), "removed": N_("removed")}
RELATION_NAMES = {"decides_on": N_("decides on"), "oversees": N_("oversees"), "mandates": N_("mandates"),
                  "coordinates": N_("coordinates"), "appoints": N_("appoints"),
                  "forwards_issues_to": N_("forwards issues to"), "advises": N_("advises"),
                  "feeds_into": N_("feeds into"), "reports_to": N_("reports to"), "convenes": N_("convenes"),
                  "hosts": N_("hosts"), "funds": N_("funds")}


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
}


EDGE_COLUMNS = ["x0", "y0", "x1", "y1", "from", "to", "relation", "change", "authority", "description", "source",
                "change_name", "authority_name"]
NODE_COLUMNS = ["x", "y", "id", "name", "kind", "change", "description", "source", "kind_name", "colour", "size", "ring", "label",
                "label_y"]


class InstitutionMapView(ChartView):
    body = param.String(default=None, allow_None=True, doc="The body clicked on the map")

    follows = ("selected",)  # the map shows the selected proposal's institutions, not its rank

    def __init__(self, **params):
        super().__init__(**params)
        self._nodes = pd.DataFrame()
        self._figure = self._build_figure()
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=600)
        self.draw_now()

    def _proposal(self) -> str:
        return self.assessment.selected or "status_quo"

    def _build_figure(self):
        # Built once: one layer per edge style, the bodies and their names; choosing another
        # proposal replaces the data only.
        fig = figure("", height=600, grid=False, toolbar_location="right", x_axis_type=None, y_axis_type=None,
                     tools="pan,wheel_zoom,box_zoom,reset,save,tap", active_drag="pan")
        self._edges = {}
        # One layer per dash pattern (Bokeh cannot vary the dash within a layer), each edge with
        # its own colour, width and opacity; always all three, empty or not, so every proposal's
        # overlay has its place. (A layer per style was twice as many renderers to build and draw.)
        for dash in dict.fromkeys(style[2] for style in EDGE_STYLE.values()):
            source = ColumnDataSource({k: [] for k in (*EDGE_COLUMNS, "colour", "width", "alpha")})
            fig.segment("x0", "y0", "x1", "y1", source=source, line_color="colour", line_width="width",
                        line_dash=dash, line_alpha="alpha")
            self._edges[dash] = source
        fig.add_tools(HoverTool(renderers=list(fig.renderers), tooltips=[
            ("", "@from → @to"), (_("Relation"), "@relation (@{change_name})"),
            (_("Carries authority"), "@{authority_name}"), ("", "@description"), (_("Source"), "@source")]))
        self._bodies = ColumnDataSource({k: [] for k in NODE_COLUMNS})
        bodies = fig.scatter("x", "y", source=self._bodies, fill_color="colour", size="size", line_color="ring",
                             line_width=2, nonselection_fill_alpha=1.0, nonselection_line_alpha=1.0)
        fig.add_tools(HoverTool(renderers=[bodies], tooltips=[
            ("", "@name"), (_("Kind"), "@{kind_name}"), ("", "@description"), (_("Source"), "@source")]))
        fig.text("x", "label_y", text="label", source=self._bodies, text_font_size="8pt", text_color="#333333",
                 text_align="center", text_baseline="middle")
        tap = fig.select_one(TapTool)
        tap.renderers = [bodies]
        fig.toolbar.active_tap = tap
        self._bodies.selected.on_change("indices", lambda attr, old, new: self._on_tap(new))
        return lean(fig)

    def _draw(self):
        a = self.assessment
        if a.dataset.institutions is None:
            return
        net = networks(a.dataset).get(self._proposal())
        pos = layout(a.dataset)
        g = net.graph
        nodes = pd.DataFrame([{
            "x": pos[n][0], "y": pos[n][1], "id": n, "name": local(d["body"].name), "kind": d["body"].kind,
            "kind_name": kind_name(d["body"].kind),
            "change": d["change"], "description": local(d["body"].description),
            "source": citation_line(d["body"].citation),
        } for n, d in g.nodes(data=True)])
        self._nodes = nodes
        edges = pd.DataFrame([{
            "x0": pos[u][0], "y0": pos[u][1], "x1": pos[v][0], "y1": pos[v][1],
            "from": local(g.nodes[u]["body"].name), "to": local(g.nodes[v]["body"].name), "relation": relation_name(d["rel"]),
            "change": d["change"], "authority": "yes" if d["rel"].relation in CARRIES_AUTHORITY else "no",
            "change_name": change_name(d["change"]),
            "authority_name": _("yes") if d["rel"].relation in CARRIES_AUTHORITY else _("no"),
            "description": local(d["rel"].description), "source": citation_line(d["rel"].citation),
        } for u, v, d in g.edges(data=True)], columns=EDGE_COLUMNS)
        # Within a layer, edges are drawn in the order of EDGE_STYLE, as the layers per style were.
        parts = {dash: [] for dash in self._edges}
        for (change, authority), (colour, width, dash) in EDGE_STYLE.items():
            part = edges[(edges["change"] == change) & (edges["authority"] == authority)]
            parts[dash].append(part.assign(colour=colour, width=width, alpha=0.9 if change != "same" else 0.7))
        for dash, source in self._edges.items():
            part = pd.concat(parts[dash], ignore_index=True)
            source.data = {k: part[k].tolist() for k in source.data}
        added = (nodes["change"] == "added").tolist()
        # New bodies drawn larger and ringed in black; names just above each body.
        self._bodies.data = {**{k: nodes[k].tolist() for k in NODE_COLUMNS[:9]},
                             "colour": nodes["kind"].map(KIND_COLOURS).fillna("#999999").tolist(),
                             "size": [18 if new else 11 for new in added],
                             "ring": ["#000000" if new else "#ffffff" for new in added],
                             "label": nodes["name"].str.replace(r" \(.*\)$", "", regex=True).str.slice(0, 28).tolist(),
                             "label_y": (nodes["y"] + 0.045).tolist()}
        self._bodies.selected.indices = []
        name = localised(a.proposal(self._proposal()).record, "short_name", current_language())
        self._figure.title.text = _("{proposal}: what it adds and removes", proposal=name)

    def _on_tap(self, index):
        if index and len(self._nodes):
            self.body = self._nodes.iloc[index[0]]["id"]

    @param.depends("body", "assessment.selected")
    def _details(self):
        a = self.assessment
        if not self.body or a.dataset.institutions is None:
            return html_pane(f"<p class='igviz-note'>{text(_('Click a body on the map for its details and the proposals that change it.'))}</p>",
                             sizing_mode="stretch_width")
        nets = networks(a.dataset)
        graph = nets[self._proposal()].graph
        if self.body not in graph:
            return html_pane("", sizing_mode="stretch_width")
        b = graph.nodes[self.body]["body"]
        touching = []
        language = current_language()
        for pid, net in nets.items():
            changes = [d["change"] for _u, _v, d in net.graph.edges(self.body, data=True)]
            changes += [d["change"] for _u, _v, d in net.graph.in_edges(self.body, data=True)]
            if any(c != "same" for c in changes) or net.graph.nodes.get(self.body, {}).get("change") == "added":
                touching.append(localised(a.proposal(pid).record, "short_name", language))
        relations = "".join(
            f"<li>{text(relation_name(d['rel']))} → {text(local(graph.nodes[v]['body'].name))}"
            f"{' (' + text(change_name(d['change'])) + ')' if d['change'] != 'same' else ''}</li>"
            for _u, v, d in graph.out_edges(self.body, data=True))
        none = text(_("none"))
        return html_pane(
            f"<h3>{text(local(b.name))}</h3><p>{text(kind_name(b.kind))}. {text(local(b.description))}</p>"
            f"{quote_html(b.citation)}<h4>{text(_('Its relations'))}</h4><ul>{relations or f'<li>{none}</li>'}</ul>"
            f"<h4>{text(_('Proposals that change it'))}</h4><p>{text(', '.join(touching)) or none}</p>",
            sizing_mode="stretch_width", css_classes=["igviz-body-detail"])

    @param.depends("assessment.selected")
    def _note(self):
        a = self.assessment
        overlay = a.dataset.overlays.get(self._proposal())
        note = local(overlay.note) if overlay else _("No overlay in the data for this proposal: it is drawn as the status quo.")
        position = a.position(self._proposal())
        centralisation = _("Centralisation: {value}", value=f"{position:.2f}")
        scale = _("(0 = concentrates no decision-making, 1 = one body decides everything).")
        return html_pane(f"<p class='igviz-note igviz-overlay-note'>{text(note)} <b>{text(centralisation)}</b> "
                         f"{text(scale)}</p>",
                         sizing_mode="stretch_width")

    def __panel__(self):
        keys = "".join(f"<span class='igviz-key'><span style='color:{c}'>●</span> {text(kind_name(k))}</span> "
                       for k, c in KIND_COLOURS.items())
        # The line colours are shown by a coloured line symbol beside dark text: the green and red
        # themselves are too light for text (WCAG contrast).
        relations = _("Relations: {green} added by the proposal, {red} removed, grey as today; solid lines carry "
                      "decision-making authority, dotted ones do not. Hover for details; click a body.",
                      green="\x00green\x00", red="\x00red\x00")
        relations = text(relations).replace(
            "\x00green\x00", f"<span style='color:#009E73' aria-hidden='true'>━━</span> {text(_('green'))}").replace(
            "\x00red\x00", f"<span style='color:#D55E00' aria-hidden='true'>╍╍</span> {text(_('red dashed'))}")
        return pn.Column(
            html_pane(f"<h2>{text(_('Institution map'))}</h2><p class='igviz-note'>{keys}<br>{relations}</p>",
                      margin=(0, 10)),

            live(self._note),
            self._pane,
            live(self._details), sizing_mode="stretch_width")
