"""`igviz serve --prefix /igviz` behind nginx (deploy/nginx-prefix.conf): every page, link, static file,
join link and websocket works under the sub-path, and nothing is asked of the site's root."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from browser_support import CHROMIUM_ARGS, CHROMIUM, REPO, PanelServer, _wait_until_up, free_port
from burst_support import nginx_binary

from igviz.pages.server import normal_prefix

RECIPE = REPO / "deploy" / "nginx-prefix.conf"


@pytest.mark.parametrize("typed, prefix", [("/igviz", "/igviz"), ("igviz/", "/igviz"), ("/a/b/", "/a/b"), ("", ""),
                                           ("/", "")])
def test_a_prefix_is_one_path_with_a_leading_slash(typed, prefix):
    assert normal_prefix(typed) == prefix


@pytest.mark.parametrize("bad", ["/ig viz", "/../x", "/a?b", "/<script>"])
def test_a_prefix_that_is_not_a_plain_path_is_refused(bad):
    with pytest.raises(ValueError, match="not a path"):
        normal_prefix(bad)


def test_igviz_serve_refuses_a_bad_prefix_before_serving():
    run = subprocess.run([sys.executable, "-m", "igviz", "serve", "--prefix", "/a b", "--port", str(free_port())],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 2 and "--prefix" in run.stderr and "not a path" in run.stderr


class PrefixedServer(PanelServer):
    def __init__(self, prefix: str, **options):
        super().__init__(["facilitator"], **options)
        self.prefix = prefix

    def arguments(self) -> list[str]:
        return [*super().arguments(), "--prefix", self.prefix, "--allow-websocket-origin", f"localhost:{self.port}",
                f"localhost:{self.proxy_port}"]

    def start(self) -> "PrefixedServer":
        self._close_log()
        self._log_file = tempfile.NamedTemporaryFile(prefix="igviz-panel-", suffix=".log", delete=False)
        self.log = Path(self._log_file.name)
        self.proc = subprocess.Popen(self.arguments(), cwd=REPO, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     env=self.env)
        _wait_until_up(f"{self.base}{self.prefix}/lite", self.proc, self.log, self.timeout)
        return self


@pytest.fixture(scope="module")
def proxied():
    """igviz serve --prefix /igviz, and nginx from deploy/nginx-prefix.conf in front of it: the proxy's base URL."""
    try:
        binary = nginx_binary()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    server = PrefixedServer("/igviz")
    server.proxy_port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="igviz-nginx-prefix-"))
    (folder / "logs").mkdir()
    (folder / "temp").mkdir()
    config = RECIPE.read_text()
    config = re.sub(r"listen \d+;", f"listen 127.0.0.1:{server.proxy_port};", config)
    config = re.sub(r"server 127\.0\.0\.1:\d+;", f"server 127.0.0.1:{server.port};", config)
    (folder / "nginx.conf").write_text(config)
    nginx = subprocess.Popen([binary, "-p", str(folder), "-c", "nginx.conf", "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        server.start()
        yield f"http://localhost:{server.proxy_port}", server
    finally:
        server.stop()
        nginx.terminate()
        nginx.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.browser  # serves pages (and needs nginx), as the browser tests do
def test_the_pages_are_under_the_prefix_and_not_at_the_root(proxied):
    base, server = proxied
    for page in ("lite", "facilitator", "explorer", "participant", ""):
        assert status(f"{base}/igviz/{page}") == 200, page
    assert status(f"{server.base}/lite") == 404  # the process itself serves nothing outside its prefix
    assert status(f"{base}/igviz") == 200  # nginx's redirect to /igviz/, the explorer


@pytest.mark.browser
def test_a_workshop_run_entirely_under_the_prefix(proxied):
    from playwright.sync_api import sync_playwright

    base, _server = proxied
    outside: list[str] = []  # network requests outside /igviz/ (blob: and data: addresses are the browser's own)

    def note(url: str) -> None:
        if url.startswith("http") and "/igviz/" not in url:
            outside.append(url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            facilitator = context.new_page()
            sockets: list[str] = []
            facilitator.on("websocket", lambda ws: sockets.append(ws.url))
            context.on("request", lambda r: note(r.url))
            facilitator.goto(f"{base}/igviz/facilitator")
            facilitator.get_by_placeholder("e.g. IGF 2026").fill("Under a prefix")
            facilitator.get_by_role("button", name="Create the workshop").click()
            facilitator.locator(".igviz-code").wait_for(timeout=60_000)
            code = facilitator.locator(".igviz-code").inner_text().strip()
            link = facilitator.locator(".igviz-link b").inner_text().strip()
            # The join link keeps the path the facilitator's page was opened under.
            assert link == f"{base}/igviz/lite?code={code}", link
            assert sockets and all(s.startswith(f"ws://localhost:{base.rsplit(':', 1)[1]}/igviz/") for s in sockets), sockets

            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page = phone.new_page()
            page.on("request", lambda r: note(r.url))
            failed: list[str] = []
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(link)
            page.get_by_label("Your stakeholder group").select_option(label="Civil society")
            page.get_by_label("A pseudonym").fill("Prefixed phone")
            page.get_by_role("button", name="Join").tap()
            page.locator("#radar svg").wait_for(timeout=30_000)  # phone.js (a static file under the prefix) ran
            assert page.url.startswith(f"{base}/igviz/lite?")
            page.get_by_role("button", name="Submit my weights").tap()
            page.get_by_text("your weights are in").wait_for(timeout=30_000)
            assert not failed, failed
            # The facilitator's page, over its websocket, counts the submission.
            facilitator.get_by_text("1 submission(s) in this round").wait_for(timeout=30_000)

            explorer = context.new_page()
            explorer.goto(f"{base}/igviz/explorer")
            explorer.locator("table.igviz-ranking-table tbody tr").first.wait_for(timeout=90_000)
        finally:
            browser.close()
    assert not outside, outside  # nothing was asked of the site outside /igviz/
