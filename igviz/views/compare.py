"""Score perspectives in the explorer: whose scores rank the proposals, and how two perspectives differ.

The bundled scores are one group's judgement (the Best Bits analysis, early 2014); a workshop
round's ratings give more (the room's, each stakeholder group counting once, and each group's).
`PerspectiveChoices` is the explorer's list of perspectives (bundled, loaded from a workshop
export, given in code, or restored from a link); `PerspectiveSwitch` chooses the one that ranks
(every view follows `Assessment.result`, and marks the scores people rated); `ComparePerspectives`
shows, per proposal × criterion, where two perspectives differ most and how the ranking moves
between them (igviz.perspective.compare_perspectives, ranked aside: nothing else redraws).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import panel as pn
import param

from ..datatext import localised, proposal_text
from ..errors import DataValidationError, WeightError
from ..model import Assessment
from ..perspective import BUNDLED_NAME, Perspective, comparison
from ..workshop.export import load_perspectives
from .base import Later
from .evidence import rated_note, rated_short
from .language import _, current_language, in_language
from .style import html_pane, text

# A workshop export of 1,000 participants who rated 90 cells is about 3 MB of JSON.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# The cells the comparison lists: the most disputed first (the whole table is in compare_perspectives).
SHOWN_CELLS = 8


class PerspectiveChoices(param.Parameterized):
    """The perspectives an explorer offers, by name; the bundled scores (None) always first.

    Whatever the assessment ranks under is offered too (set in code, or restored from a link), so the
    switch always shows the perspective in force.
    """

    assessment = param.ClassSelector(class_=Assessment)
    perspectives = param.Dict(default={}, doc="name -> Perspective (None: the bundled scores)")

    def __init__(self, **params):
        super().__init__(**params)
        self.perspectives = {BUNDLED_NAME: None, **{k: v for k, v in self.perspectives.items() if v is not None}}
        self._follow()
        self.assessment.param.watch(self._follow, ["perspective"])

    def add(self, views) -> list[str]:
        """Offer more perspectives (a dict by name, or a list); returns the names they are offered under
        (a name already taken by other scores gets a number: two workshops each have a 'room')."""
        items = views.values() if isinstance(views, dict) else views
        current, names = dict(self.perspectives), []
        for view in items:
            if view is None or view.name == BUNDLED_NAME and not len(view):
                continue
            name = self._name_for(view, current)
            current[name] = view
            names.append(name)
        self.perspectives = current
        return names

    def _name_for(self, view: Perspective, current: dict) -> str:
        same = [k for k, v in current.items() if v is not None and v.same_scores(view) or v is view]
        if same:
            return same[0]
        name, n = view.name, 2
        while name in current:
            name, n = f"{view.name} ({n})", n + 1
        return name

    def name_of(self, view: Perspective | None) -> str:
        if view is None:
            return BUNDLED_NAME
        return next((k for k, v in self.perspectives.items() if v is view), None) or self._name_for(view, self.perspectives)

    def _follow(self, *events) -> None:
        view = self.assessment.perspective
        if view is not None and not any(v is view for v in self.perspectives.values()):
            self.add([view])


GROUP_NAME = re.compile(r"^Stakeholder group (?P<group>[A-Za-z0-9_-]+)$")


def label(name: str, dataset=None) -> str:
    """A perspective's name as the page shows it: igviz's own names translated, a stakeholder group's
    perspective by the group's name (igviz.workshop.ratings names it by the group's id); others as given."""
    match = GROUP_NAME.match(name)
    if match and dataset is not None and match["group"] in dataset.groups:
        return _("Stakeholder group: {group}", group=localised(dataset.groups[match["group"]], "name", current_language()))
    return _(name)


class PerspectiveSwitch(pn.viewable.Viewer):
    """Whose scores rank the proposals: a choice of perspective, and a workshop export to load more from."""

    choices = param.ClassSelector(class_=PerspectiveChoices)

    def __init__(self, **params):
        super().__init__(**params)
        a = self.choices.assessment
        self._select = pn.widgets.Select(label=_("Perspective"), options=self._options(),
                                         value=self.choices.name_of(a.perspective), sizing_mode="stretch_width",
                                         description=_("The scores every view ranks and shows: the Best Bits group’s, or a "
                                                       "workshop’s ratings (the room’s, or one stakeholder group’s)"))
        self._upload = pn.widgets.FileInput(accept=".json,.csv", multiple=False, sizing_mode="stretch_width",
                                            label=_("Load a workshop export (.json, .csv)"))
        self._status = html_pane(self._status_html(), sizing_mode="stretch_width", margin=(0, 10))
        self._select.param.watch(self._chosen, "value")
        self._upload.param.watch(self._uploaded, "value")
        self.choices.param.watch(self._offer, "perspectives")
        a.param.watch(self._follow, ["perspective"])

    def _options(self) -> dict:
        return {label(name, self.choices.assessment.dataset): name for name in self.choices.perspectives}

    def _offer(self, *events) -> None:
        self._select.options = self._options()
        self._select.value = self.choices.name_of(self.choices.assessment.perspective)

    def _chosen(self, event) -> None:
        view = self.choices.perspectives.get(event.new)
        a = self.choices.assessment
        if view is not a.perspective and event.new in self.choices.perspectives:
            a.perspective = view

    def _follow(self, *events) -> None:
        self._select.value = self.choices.name_of(self.choices.assessment.perspective)
        self._status.object = self._status_html()

    def _status_html(self, message: str = "", problem: bool = False) -> str:
        view = self.choices.assessment.perspective
        # Under the bundled scores the page's header says whose they are; another perspective is named here too.
        out = ""
        if view is not None:
            line = _("Ranked under {name} — {whose}: {count} scores rated; the Best Bits group’s elsewhere.",
                     name=label(view.name, self.choices.assessment.dataset), whose=_(view.whose), count=len(view))
            out = f"<p class='igviz-note igviz-perspective-now' role='status'>{text(line)}</p>"
        if message:
            kind = "igviz-warning igviz-danger" if problem else "igviz-note"
            out += f"<p class='{kind} igviz-upload-status' role='{'alert' if problem else 'status'}'>{text(message)}</p>"
        return out

    def _uploaded(self, event) -> None:
        data, filename = event.new, self._upload.filename or "export.json"
        if not data:
            return
        message, problem = self.load_bytes(data, filename)
        self._status.object = self._status_html(message, problem)

    def load_bytes(self, data: bytes, filename: str) -> tuple[str, bool]:
        """Read a workshop export's perspectives (as uploaded) and offer them; (what happened, whether
        it failed). The room's perspective, if any, is chosen at once: that is why one loads an export."""
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(filename)).name)[-100:] or "export.json"
        if Path(name).suffix.lower() not in (".json", ".csv"):
            return _("{file}: expected a .json or .csv file exported from the facilitator page.", file=name), True
        if len(data) > MAX_UPLOAD_BYTES:
            return _("{file}: the file is larger than {limit} MB; a workshop export is far smaller.",
                     file=name, limit=MAX_UPLOAD_BYTES // (1024 * 1024)), True
        a = self.choices.assessment
        with tempfile.TemporaryDirectory(prefix="igviz-export-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            try:
                views = load_perspectives(path, a.dataset)
            except DataValidationError as exc:
                # Named by the file the analyst chose, not the temporary copy.
                return str(exc).replace(str(path), name), True
            except (ValueError, KeyError, TypeError) as exc:
                return _("{file} could not be read as a workshop export: {reason}", file=name,
                         reason=str(exc).replace(str(path), name)), True
        views = {k: v for k, v in views.items() if k != BUNDLED_NAME}
        if not views:
            return _("{file} holds no ratings: its round asked for weights only.", file=name), True
        names = self.choices.add(views)
        # The room's scores (each group counting once) come first: rank under them.
        a.perspective = self.choices.perspectives[names[0]]
        return _("Loaded from {file}: {names}.", file=name, names="; ".join(label(n, a.dataset) for n in names)), False

    def __panel__(self):
        return pn.Column(html_pane(f"<h2>{text(_('Whose scores'))}</h2>", margin=(0, 10)), self._select, self._status,
                         self._upload, sizing_mode="stretch_width", css_classes=["igviz-perspectives"])


class ComparePerspectives(pn.viewable.Viewer):
    """Two perspectives side by side: the cells where they differ most, and how the ranking moves."""

    choices = param.ClassSelector(class_=PerspectiveChoices)
    first = param.String(default=BUNDLED_NAME)
    second = param.String(default="")

    def __init__(self, **params):
        super().__init__(**params)
        a = self.choices.assessment
        self._first = pn.widgets.Select(label=_("Compare"), options=self._options(), value=self.first,
                                        sizing_mode="stretch_width")
        self._second = pn.widgets.Select(label=_("with"), options=self._options(), sizing_mode="stretch_width")
        self._pick_second()
        self._body = html_pane("", sizing_mode="stretch_width", margin=(0, 10))
        self._later = Later(self._update)
        self._shown = None
        self._first.link(self, value="first")
        self._second.link(self, value="second")
        self.param.watch(lambda *e: self._later(), ["first", "second"])
        self.choices.param.watch(self._offer, "perspectives")
        # The ranking under each follows the weights, method, thresholds and designs: the result.
        a.param.watch(self._follow, ["result", "perspective"])
        self._update()

    def _options(self) -> dict:
        return {label(name, self.choices.assessment.dataset): name for name in self.choices.perspectives}

    def _pick_second(self) -> None:
        """Compare the bundled scores with the perspective in force, else with the last one loaded."""
        names = list(self.choices.perspectives)
        current = self.choices.name_of(self.choices.assessment.perspective)
        second = current if current != BUNDLED_NAME else (names[-1] if len(names) > 1 else BUNDLED_NAME)
        self._second.value = self.second = second

    def _offer(self, *events) -> None:
        options = self._options()
        self._first.options = options
        self._second.options = options
        if self.first not in self.choices.perspectives:
            self._first.value = BUNDLED_NAME
        self._pick_second()

    def _follow(self, event=None, *events) -> None:
        if event is not None and event.name == "perspective":
            self._pick_second()
        self._later()

    def _update(self) -> None:
        a = self.choices.assessment
        key = (self.first, self.second, id(a.result), a.framework)
        if key == self._shown:
            return
        self._shown = key
        self._body.object = self._html()

    def _html(self) -> str:
        a = self.choices.assessment
        views = self.choices.perspectives
        if len(views) < 2:
            return (f"<p class='igviz-note'>{text(_('Only the Best Bits scores are loaded. Load a workshop export under Whose scores to compare the room’s ratings, or each stakeholder group’s, with them.'))}</p>")
        if self.first == self.second or self.first not in views or self.second not in views:
            return f"<p class='igviz-note'>{text(_('Choose two different perspectives to compare.'))}</p>"
        first, second = views[self.first], views[self.second]
        try:
            # The arrays igviz.perspective.compare_perspectives tabulates, without its pandas tables:
            # this redraws after every weight move.
            c = comparison(a, first, second)
        except WeightError as exc:
            return f"<p class='igviz-warning' role='alert'>{text(in_language(exc))}</p>"
        language = current_language()
        names = {c.id: localised(c, "name", language) for c in a.active_framework.criteria}
        a_name, b_name = label(self.first, a.dataset), label(self.second, a.dataset)
        key = (f"<p class='igviz-note'><b>A</b>: {text(a_name)}. <b>B</b>: {text(b_name)}. "
               f"{text(_('Same weights, method and thresholds for both.'))}</p>")
        differ = [(i, j, d) for i, j, d in c.differences() if abs(d) > 1e-9]
        if not differ:
            table = f"<p class='igviz-note'>{text(_('The two perspectives give every proposal the same scores.'))}</p>"
        else:
            rows = ""
            scale = a.dataset.scale.max - a.dataset.scale.min or 1
            for i, j, d in differ[:SHOWN_CELLS]:
                pid, cid = c.proposal_ids[i], c.criteria[j]
                bar = (f"<span class='igviz-diff-bar' aria-hidden='true'><span class='igviz-diff-{'up' if d > 0 else 'down'}' "
                       f"style='width:{min(100, 100 * abs(d) / scale):.0f}%'></span></span>")
                # How sure, in a few words (each rated side's head count, groups, spread); in full as the title.
                short = [(side, rated_short(view, pid, cid)) for side, view in (("A", first), ("B", second))]
                short = [(side, words) for side, words in short if words]
                sure = "; ".join(f"{side}: {words}" for side, words in short) if len(short) > 1 else \
                    (short[0][1] if short else "")
                full = " ".join(x for x in (rated_note(first, pid, cid), rated_note(second, pid, cid)) if x)
                rows += (f"<tr data-proposal='{text(pid)}' data-criterion='{text(cid)}'>"
                         f"<th scope='row'>{text(proposal_text(a, pid, 'short_name', language))}</th>"
                         f"<td>{text(names.get(cid, cid))}</td>"
                         f"<td class='igviz-num'>{c.scores[0][i, j]:.1f}</td><td class='igviz-num'>{c.scores[1][i, j]:.1f}</td>"
                         f"<td class='igviz-num'>{d:+.1f} {bar}</td>"
                         f"<td class='igviz-sure' title='{text(full)}'>{text(sure)}</td></tr>")
            more = len(differ) - min(len(differ), SHOWN_CELLS)
            note = (f"<p class='igviz-note'>{text(_('…and {count} more cells that differ less.', count=more))}</p>"
                    if more > 0 else "")
            table = (f"<table class='igviz-table igviz-compare-cells'><caption>"
                     f"{text(_('Where they differ most (scores 0–10), largest difference first'))}</caption><thead><tr>"
                     f"<th scope='col'>{text(_('Proposal'))}</th><th scope='col'>{text(_('Criterion'))}</th>"
                     f"<th scope='col'>A</th><th scope='col'>B</th><th scope='col'>B − A</th>"
                     f"<th scope='col'>{text(_('Whose, how sure'))}</th></tr></thead><tbody>{rows}</tbody></table>{note}")
        rows = ""
        by_b = sorted(range(len(c.proposal_ids)), key=lambda i: c.ranks[1][i])
        for i in by_b:
            pid = c.proposal_ids[i]
            moved = int(c.ranks[0][i] - c.ranks[1][i])
            change = (f"▲ {moved}" if moved > 0 else f"▼ {-moved}" if moved < 0 else "–")
            words = (_("up {count}", count=moved) if moved > 0 else _("down {count}", count=-moved) if moved < 0
                     else _("unchanged"))
            rows += (f"<tr data-proposal='{text(pid)}'><th scope='row'>{text(proposal_text(a, pid, 'short_name', language))}</th>"
                     f"<td class='igviz-num'>{int(c.ranks[0][i])}</td><td class='igviz-num'>{int(c.ranks[1][i])}</td>"
                     f"<td class='igviz-num'><span aria-hidden='true'>{change}</span>"
                     f"<span class='igviz-sr-only'>{text(words)}</span></td></tr>")
        moved = int((c.ranks[0] != c.ranks[1]).sum())
        summary = (_("Under B, {count} proposals change place; the top is {top}.", count=moved,
                     top=proposal_text(a, c.proposal_ids[by_b[0]], "short_name", language)) if moved
                   else _("The ranking is the same under both."))
        ranks = (f"<table class='igviz-table igviz-compare-ranking'><caption>{text(_('How the ranking changes'))} "
                 f"({text(summary)})</caption><thead><tr><th scope='col'>{text(_('Proposal'))}</th>"
                 f"<th scope='col'>{text(_('Rank under A'))}</th><th scope='col'>{text(_('Rank under B'))}</th>"
                 f"<th scope='col'>{text(_('Moved'))}</th></tr></thead><tbody>{rows}</tbody></table>")
        return key + table + ranks

    def __panel__(self):
        return pn.Column(html_pane(f"<h2>{text(_('Compare perspectives'))}</h2>", margin=(0, 10)),
                         pn.Row(self._first, self._second, sizing_mode="stretch_width"), self._body,
                         sizing_mode="stretch_width", css_classes=["igviz-compare"])
