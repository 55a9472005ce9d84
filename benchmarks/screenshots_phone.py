"""Screenshots of every step of the participant's phone page, for checking by eye.

Serves every page on a fresh SQLite file, creates a workshop with the store API, and walks
the page a join link opens (/lite?code=…) at 390 × 844 (a Pixel 5, touch, JavaScript on):
the code step, the join form, the weights with the live ranking, after a slider moved, the
radar, after submitting; then the same page with JavaScript off, and once at 1,280 × 720.

    python benchmarks/screenshots_phone.py [FOLDER]      (default: igviz-phone-screenshots in the temporary folder)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser_support import WORKSHOP_APPS, launch_chromium, panel_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/workshops.sqlite"
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        created = new_workshop(store, igviz.load_dataset(), "Best Bits workshop, Geneva")
        code = created.workshop.code
        with panel_server(WORKSHOP_APPS, url) as server, sync_playwright() as p:
            browser = launch_chromium(p)
            phone = browser.new_context(**{**p.devices["Pixel 5"], "viewport": {"width": 390, "height": 844}})
            page = phone.new_page()

            def shot(name: str, full: bool = True) -> None:
                page.screenshot(path=str(folder / f"{name}.png"), full_page=full)
                print(folder / f"{name}.png")

            page.goto(f"{server.base}/lite")
            shot("1-code")
            page.get_by_label("Join code").fill(code.lower())
            page.get_by_role("button", name="Continue").tap()
            page.get_by_role("button", name="Join").wait_for()
            shot("2-join")
            page.get_by_label("Your stakeholder group").select_option(label="Civil society")
            page.get_by_label("A pseudonym").fill("Blue heron")
            page.get_by_role("button", name="Join").tap()
            page.locator("#live").wait_for()
            shot("3-weights-top", full=False)
            shot("3-weights-full")
            slider = page.get_by_role("slider", name="Human rights")
            slider.scroll_into_view_if_needed()
            box = slider.bounding_box()
            page.touchscreen.tap(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)
            shot("4-after-slider", full=False)
            page.locator("#radar").scroll_into_view_if_needed()
            shot("5-radar", full=False)
            page.get_by_label("Comment (optional)").fill("Human rights first, please.")
            page.get_by_role("button", name="Submit my weights").tap()
            page.get_by_text("your weights are in").wait_for()
            shot("6-submitted", full=False)
            shot("6-submitted-full")
            page.goto(f"{server.base}/lite?code=NOPE42")
            shot("7-wrong-code", full=False)
            plain = browser.new_context(**{**p.devices["Pixel 5"], "viewport": {"width": 390, "height": 844}},
                                        java_script_enabled=False).new_page()
            plain.goto(page.url.replace("code=NOPE42", f"code={code}"))
            token = store.join(code, "government", "Old phone")
            plain.goto(f"{server.base}/lite?code={code}&p={token}")
            plain.screenshot(path=str(folder / "8-no-javascript.png"), full_page=True)
            print(folder / "8-no-javascript.png")
            wide = browser.new_page(viewport={"width": 1280, "height": 720})
            wide.goto(f"{server.base}/lite?code={code}&p={token}")
            wide.locator("#radar svg").wait_for()
            wide.screenshot(path=str(folder / "9-laptop-1280.png"), full_page=False)
            print(folder / "9-laptop-1280.png")
            browser.close()
        store.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "igviz-phone-screenshots")
