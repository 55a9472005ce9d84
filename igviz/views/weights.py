"""Weight sliders grouped as the framework groups its criteria, with presets and a reset."""

from __future__ import annotations

import panel as pn
import param

from ..model import WEIGHT_MAX, Assessment
from ..datatext import source_title

from ..datatext import localised
from .language import _, current_language
from .evidence import local
from .style import html_pane, text


class WeightSlider(pn.widgets.FloatSlider):
    """A slider whose changes the server takes up at once.

    Panel holds a change from the browser for 50 ms (`_debounce`) to merge a burst of them into
    one update. A weight commits only on release or on a key press, so there is no burst to
    merge, and the hold was most of the time from a key press to the new ranking.
    """

    _debounce = 0


class WeightsPanel(pn.viewable.Viewer):
    assessment = param.ClassSelector(class_=Assessment)
    preset = param.Selector(default=None, objects=[None], allow_None=True, label="Weight profile")
    choose_framework = param.Boolean(default=True, doc="Offer the framework selector (a workshop fixes the framework)")

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._framework = pn.widgets.Select.from_param(
            a.param.framework, label=_("Criteria framework"),
            description=_("The criteria framework proposals are assessed against"),
            options={localised(f, "name", current_language()): f.id for f in a.dataset.frameworks.values()},
            sizing_mode="stretch_width")
        self._preset = pn.widgets.Select(label=_("Weight profile"), sizing_mode="stretch_width")
        self._reset = pn.widgets.Button(label=_("Reset to equal weights"), color="light", sizing_mode="stretch_width")
        self._reset.on_click(lambda event: a.weights.reset())
        self._preset.param.watch(self._apply_preset, "value")
        self._sync_presets()

    @param.depends("assessment.framework", watch=True)
    def _sync_presets(self) -> None:
        presets = self.assessment.dataset.presets_for(self.assessment.framework)
        # "" rather than None: a Select whose value is None shows an empty box, not this prompt.
        self._preset.options = {_("Choose a profile…"): "",
                                **{localised(p, "name", current_language()): p.id for p in presets}}
        self._preset.value = ""

    def _apply_preset(self, event) -> None:
        if event.new:
            self.assessment.apply_preset(event.new)

    @param.depends("assessment.framework", "_preset.value")
    def _preset_note(self):
        pid = self._preset.value
        if not pid:
            return html_pane("", margin=0)
        preset = self.assessment.dataset.presets[pid]
        cite = f" <cite>({text(source_title(preset.citation, current_language()))})</cite>" if preset.citation else ""
        return html_pane(f'<p class="igviz-note">{text(local(preset.rationale))}{cite}</p>', sizing_mode="stretch_width")

    @param.depends("assessment.weights")
    def _sliders(self):
        a = self.assessment
        framework = a.active_framework
        language = current_language()
        column = pn.Column(sizing_mode="stretch_width", margin=0)
        for group in framework.groups:
            first = next(c for c in framework.criteria if c.group == group)
            column.append(html_pane(f"<h3 class='igviz-group'>{text(localised(first, 'group', language))}</h3>",
                                    margin=(6, 10, 0, 10)))
            for c in framework.criteria:
                if c.group == group:
                    column.append(self._slider(a.weights, c))
        return column

    @staticmethod
    def _slider(weights, criterion):
        """A slider made from the weight's parameter and bound to it both ways (presets, reset,
        links and code move the slider), committing on release rather than on every step of a drag.

        Re-ranking on every pixel of a drag floods a slow connection with redraws; keyboard
        steps and releases still update every view at once. The slider's watchers sit on this
        `Weights` object, which a framework switch replaces along with its sliders.
        """
        return WeightSlider.from_param(
            weights.param[criterion.id], throttled=True, label=localised(criterion, "name", current_language()),
            start=0, end=WEIGHT_MAX, step=1, sizing_mode="stretch_width", css_classes=["igviz-weight"])

    def __panel__(self):
        return pn.Column(
            *([self._framework] if self.choose_framework else []), self._preset, self._preset_note, self._reset, self._sliders,
            sizing_mode="stretch_width", css_classes=["igviz-weights"],
        )
