"""The model drives the views: each view follows the assessment's published result and selection,
so switching framework (which replaces the Weights object) never adds watchers.

Once, every framework switch in the explorer doubled the watchers on the assessment (over 6,000
after twelve switches) and the page slowed until it stalled.
"""

from __future__ import annotations

import itertools

import param
import pytest

import igviz
from igviz.pages import Explorer

SWITCHES = 20


def watcher_count(obj) -> int:
    """Watchers registered on a Parameterized instance, over all its parameters."""
    return sum(len(watchers) for what in obj.param.watchers.values() for watchers in what.values())


def other_frameworks(a):
    """Frameworks to switch to in turn, never the current one, ending where it started."""
    ids = list(a.dataset.frameworks)
    start = a.framework
    rest = [f for f in ids if f != start]
    cycle = itertools.cycle(rest + [start])
    return [next(cycle) for _ in range(SWITCHES)]


@pytest.mark.parametrize("sync_url", [False, True], ids=["no-link", "link"])
def test_framework_switches_leave_the_watchers_as_they_were(sync_url):
    a = igviz.Assessment()
    Explorer(a, sync_url=sync_url)
    start = a.framework
    # One round first, so every framework's weights have been built once.
    for framework in [f for f in a.dataset.frameworks if f != start] + [start]:
        a.framework = framework
    on_assessment, on_weights = watcher_count(a), {a.framework: watcher_count(a.weights)}
    for i, framework in enumerate(other_frameworks(a), 1):
        a.framework = framework
        # Checked after every switch: a leak that doubles would take hours to reach twenty.
        assert watcher_count(a) == on_assessment, f"after switch {i}"
        assert watcher_count(a.weights) == on_weights.setdefault(framework, watcher_count(a.weights)), f"after switch {i}"


def test_views_follow_a_framework_switch_and_the_new_weights():
    """After a switch the views show the new framework and follow its (new) weight objects."""
    import re

    a = igviz.Assessment()
    e = Explorer(a, sync_url=False)

    def table_order():
        return re.findall(r"data-proposal='(\w+)'", e.ranking._table().object)

    for framework in other_frameworks(a)[:6]:
        a.framework = framework
        assert table_order() == a.ranking().order
        first = a.weights.criteria[0]
        a.weights.set({c: 0 for c in a.weights.criteria if c != first})
        assert table_order() == a.ranking().order
        assert e.matrix._source.data["matrix_proposal"]  # drawn at once outside a server
        assert len(e.radar._sources["points"].data["x"]) % len(a.active_framework.criteria) == 0


def release(slider, value) -> None:
    """What the browser sends when a slider is let go at `value`."""
    with param.edit_constant(slider):
        slider.param.update(value=value, value_throttled=value)


def test_weight_sliders_are_two_way_and_follow_a_framework_switch():
    a = igviz.Assessment()
    e = Explorer(a, sync_url=False)

    def sliders():
        column = e.weights._sliders()
        return [w for w in column if hasattr(w, "value_throttled")]

    shown = sliders()
    assert len(shown) == len(a.weights.criteria)
    a.weights.set({a.weights.criteria[0]: 9})
    assert shown[0].value == 9  # the model moves the slider
    release(shown[1], 2)  # a released slider moves the model
    assert a.weights.values()[a.weights.criteria[1]] == 2
    a.framework = next(f for f in a.dataset.frameworks if f != a.framework)
    shown = sliders()
    assert len(shown) == len(a.weights.criteria)
    release(shown[0], 0)
    assert a.weights.values()[a.weights.criteria[0]] == 0


# -- in a real browser: the served explorer, framework switched from its own selector ------------

def _served_explorer():
    """`pn.serve` in this process (a thread), so the test can count the watchers on the very
    assessment each browser session builds; yields (base URL, the sessions' explorers)."""
    import time
    import urllib.request

    import panel as pn

    from browser_support import free_port

    explorers = []

    def app():
        explorer = Explorer()
        explorers.append(explorer)
        return explorer

    port = free_port()
    server = pn.serve({"explorer": app}, port=port, address="localhost", websocket_origin=f"localhost:{port}",
                      threaded=True, show=False)
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/explorer", timeout=30):
                break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.3)
    explorers.clear()  # the probe's session
    return server, base, explorers


def test_served_explorer_keeps_its_watchers_over_twenty_framework_switches():
    from pathlib import Path

    from browser_support import CHROMIUM, launch_chromium, wait_for_ranking

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")
    from playwright.sync_api import expect, sync_playwright

    data = igviz.load_dataset()
    server, base, explorers = _served_explorer()
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(f"{base}/explorer")
            wait_for_ranking(page, rows=len(data.proposals), timeout=30_000)
            assert len(explorers) == 1
            a = explorers[0].assessment
            selector = page.get_by_role("combobox", name="Criteria framework")

            def switch(framework_id):
                framework = data.frameworks[framework_id]
                selector.select_option(label=framework.name)
                # The server has taken the switch once the table names the framework and the
                # sliders are the new framework's.
                expect(page.locator("table.igviz-ranking-table caption")).to_contain_text(framework.name)
                expect(page.locator(".igviz-weight .bk-slider-title")).to_contain_text([c.name for c in framework.criteria])
                assert a.framework == framework_id

            start = a.framework
            for framework in [f for f in data.frameworks if f != start] + [start]:
                switch(framework)  # one round first: every framework's sliders built once
            on_assessment, on_weights = watcher_count(a), {a.framework: watcher_count(a.weights)}
            for i, framework in enumerate(other_frameworks(a), 1):
                switch(framework)
                assert watcher_count(a) == on_assessment, f"after switch {i}"
                assert watcher_count(a.weights) == on_weights.setdefault(framework, watcher_count(a.weights)), \
                    f"after switch {i}"
            # And the page still ranks as the model does.
            wait_for_ranking(page, order=a.ranking().order, timeout=30_000)
            browser.close()
    finally:
        server.stop()


def test_promethee_settings_come_from_the_method_object_and_show_only_for_promethee():
    import re

    from igviz.views import RankingView

    a = igviz.Assessment()
    view = RankingView(assessment=a)
    assert not view._settings.visible
    a.method = "promethee_ii"
    assert view._settings.visible
    preference, q, p = view._settings[:3]
    method = a.methods["promethee_ii"]
    method.strict_preference = 2  # code (or a link) moves the widget
    assert p.value == 2
    release(q, 2.5)  # a released slider moves the method: q above p cannot rank, and the view says so
    assert method.indifference == 2.5 and a.result is None
    assert "igviz-warning" in view._table().object
    release(q, 0.5)
    assert re.findall(r"data-proposal='(\w+)'", view._table().object) == a.ranking().order
    preference.value = "usual"  # no thresholds: neither slider is shown
    assert method.preference == "usual" and not q.visible and not p.visible
