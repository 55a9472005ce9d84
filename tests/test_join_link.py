"""The join link on the projector: an address phones can open, and a QR code that reads back as it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from igviz import joinlink
from igviz.joinlink import LISTEN_VARIABLE, PUBLIC_URL_VARIABLE, check_public_url, join_link

from browser_support import CHROMIUM, create_workshop, panel_server


@pytest.fixture
def lan(monkeypatch):
    monkeypatch.delenv(PUBLIC_URL_VARIABLE, raising=False)
    monkeypatch.setattr(joinlink, "outward_address", lambda: "192.168.1.20")


def test_a_configured_public_address_comes_first(lan, monkeypatch):
    monkeypatch.setenv(PUBLIC_URL_VARIABLE, "https://igviz.example.org/room/")
    link = join_link("ABCD", "http://localhost:5006/facilitator?code=ABCD&key=secret")
    assert link.url == "https://igviz.example.org/room/participant?code=ABCD" and not link.problem


def test_localhost_becomes_the_machines_network_address_when_phones_can_reach_the_server(lan, monkeypatch):
    monkeypatch.setenv(LISTEN_VARIABLE, "0.0.0.0")
    for own in ("http://localhost:5006/facilitator?code=ABCD&key=k", "http://127.0.0.1:5006/facilitator",
                "http://[::1]:5006/facilitator"):
        link = join_link("ABCD", own)
        assert link.url == "http://192.168.1.20:5006/participant?code=ABCD", own
        assert not link.problem


def test_a_server_only_this_machine_can_reach_says_so_instead_of_pretending(lan, monkeypatch):
    monkeypatch.setenv(LISTEN_VARIABLE, "localhost")
    link = join_link("ABCD", "http://localhost:5006/facilitator?key=k")
    assert link.url == "http://localhost:5006/participant?code=ABCD"
    assert "--address 0.0.0.0" in link.problem and "--public-url" in link.problem


def test_an_address_that_reached_the_server_is_kept_with_its_prefix(lan, monkeypatch):
    monkeypatch.setenv(LISTEN_VARIABLE, "0.0.0.0")
    link = join_link("ABCD", "https://venue.example.org/igviz/facilitator?code=ABCD&key=k")
    assert link.url == "https://venue.example.org/igviz/participant?code=ABCD"  # the key never goes into it


@pytest.mark.parametrize("bad", ["venue.example.org", "ftp://x.org", "http://", "https://x.org/?a=1"])
def test_a_public_address_that_is_not_one_is_refused_with_the_reason(bad):
    with pytest.raises(ValueError, match="web address|query"):
        check_public_url(bad)


def test_igviz_serve_refuses_a_bad_public_url_before_serving(tmp_path):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "igviz", "serve", "--public-url", "venue.example.org",
                          "--db", str(tmp_path / "w.sqlite")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "not a web address" in run.stderr


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_the_projectors_qr_code_reads_back_as_the_join_link(browser, tmp_path):
    import zxingcpp
    from PIL import Image

    with panel_server(["facilitator"], f"sqlite:///{tmp_path / 'w.sqlite'}") as server:
        server.stop()
        server.env[PUBLIC_URL_VARIABLE] = "https://igviz.example.org"
        server.start()
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        code, _url = create_workshop(page, server.base, "QR")
        expected = f"https://igviz.example.org/lite?code={code}"  # the phone-first page
        assert page.locator(".igviz-link b").inner_text() == expected
        png = page.locator(".igviz-qr").screenshot()
        decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
        assert decoded == [expected]
