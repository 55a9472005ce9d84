"""Fixes, in the page, accessibility gaps of the widget library that Panel cannot configure.

Bokeh's sliders (noUiSlider) draw their handle as a `role="slider"` element with no name, so
a screen reader announces "slider, 5" without saying which criterion it weighs. This script
names each handle after its slider's title, now and for sliders added later (a framework
switch rebuilds them). It runs from the app's own document: nothing is fetched.

Bokeh's Checkbox (3.9) likewise draws its text as a `<div class="bk-label">` beside the
`<input type="checkbox">`, not as a `<label>` for it, so the box has no name; the same script
names each box after that text.
"""

from __future__ import annotations

import panel as pn
from bokeh.models import CustomJS

NAME_SLIDER_HANDLES = """
const nameHandles = (root) => {
  root.querySelectorAll('.noUi-handle[role="slider"]').forEach((handle) => {
    const group = handle.closest('.bk-input-group') || handle.parentElement.closest('div');
    const title = group && group.querySelector('.bk-slider-title');
    if (title) {
      const label = title.textContent.replace(/:\\s*[-0-9.,]*\\s*$/, '').trim();
      if (label && handle.getAttribute('aria-label') !== label) handle.setAttribute('aria-label', label);
    }
  });
  root.querySelectorAll('input[type="checkbox"]').forEach((box) => {
    const text = box.nextElementSibling;
    if (text && text.classList.contains('bk-label')) {
      const label = text.textContent.trim();
      if (label && box.getAttribute('aria-label') !== label) box.setAttribute('aria-label', label);
    }
  });
};

let pending = false;
const later = () => { if (!pending) { pending = true; setTimeout(() => { pending = false; walk(document); }, 300); } };
// A MutationObserver on the body does not see inside shadow roots, and every Bokeh widget draws
// in one: sliders rebuilt by a framework switch, or built when the thresholds card first opens,
// went unnamed. So each shadow root gets an observer of its own, once.
const observed = new WeakSet();
const observe = (root) => {
  if (!observed.has(root)) { observed.add(root); new MutationObserver(later).observe(root, {childList: true, subtree: true}); }
};
const walk = (root) => {
  nameHandles(root);
  root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) { observe(el.shadowRoot); walk(el.shadowRoot); } });
};
observe(document.body);
walk(document);
setTimeout(() => walk(document), 1000);
setTimeout(() => walk(document), 3000);
"""


def name_slider_handles() -> None:
    """Call while building a served page that has sliders."""
    doc = pn.state.curdoc
    if doc is not None and doc.session_context is not None:
        doc.js_on_event("document_ready", CustomJS(code=NAME_SLIDER_HANDLES))
