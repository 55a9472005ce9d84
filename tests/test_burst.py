"""A room of phones at once, through the deployment recipe: nginx (deploy/nginx.conf) in front of two
`igviz serve --behind-proxy` processes on one PostgreSQL; SQLite writers queueing in a burst.

The figures for 1,000 phones are benchmarks/bench_burst.py's; here a smaller burst checks what must
hold whatever the machine's speed: no errors, nothing lost, both processes served, the facilitator's
Panel page works through nginx (its websocket connects and brings new submissions).
"""

from __future__ import annotations

import threading

import pytest

from browser_support import launch_chromium, wait_for_count
from burst_support import ROOM_SETTINGS, igviz_behind_nginx, nginx_config, one_more_phone, run_burst

import igviz
from igviz.workshop import WorkshopStore, new_workshop

DATASET = igviz.load_dataset()
PHONES = 200


def test_the_recipe_sends_lite_round_robin_and_keeps_panel_pages_on_one_process():
    from burst_support import NGINX_TEMPLATE

    config = nginx_config(NGINX_TEMPLATE.read_text(), 8123, [7001, 7002, 7003])
    pages = config.split("upstream igviz_pages {", 1)[1].split("}", 1)[0]
    lite = config.split("upstream igviz_lite {", 1)[1].split("}", 1)[0]
    assert "hash $remote_addr consistent;" in pages  # one browser, one process: its websocket finds its session
    assert "hash" not in lite and "ip_hash" not in lite  # any process answers any /lite request
    servers = lambda block: [line.split()[1].rstrip(";") for line in block.splitlines() if line.strip().startswith("server ")]  # noqa: E731
    assert servers(pages) == servers(lite) == ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]
    # A process slow to accept in a burst is never marked down for /lite (which answered 502 meanwhile).
    assert lite.count("max_fails=0;") == 3
    assert "listen 127.0.0.1:8123;" in config
    assert config.count("proxy_set_header X-Real-IP $remote_addr;") == 2  # what --behind-proxy reads
    assert "proxy_set_header Upgrade $http_upgrade;" in config  # Bokeh's websocket passes


@pytest.mark.load
@pytest.mark.browser
def test_a_burst_of_phones_through_nginx_and_two_processes_on_postgresql():
    from playwright.sync_api import sync_playwright

    from postgres_support import temporary_postgres

    with temporary_postgres() as url, igviz_behind_nginx(url, processes=2, env=ROOM_SETTINGS) as (nginx, servers):
        store = WorkshopStore(url)
        try:
            result = run_burst(nginx.port, store, DATASET, PHONES, join_spread_s=2.0, submit_spread_s=2.0,
                               title="Burst through nginx")
            assert result.errors == {}
            assert len(result.joined) == PHONES and len(result.submitted) == PHONES
            assert result.lost == [] and result.not_seen == 0 and result.poll_errors == []
            assert len(store.submissions(result.code, result.secret)) == PHONES
            # Both processes answered light-page requests (nginx's log names the upstream of each).
            served = nginx.served_by("/lite")
            assert sorted(served) == sorted(f"127.0.0.1:{s.port}" for s in servers), served
            assert all(n >= PHONES for n in served.values()), served  # round robin: about half of 4 × PHONES each

            # The facilitator's Panel page through nginx: its websocket connects, and a new submission reaches it.
            with sync_playwright() as p:
                browser = launch_chromium(p)
                page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                sockets = []
                page.on("websocket", lambda ws: sockets.append(ws.url))
                page.goto(f"{nginx.base}/facilitator?code={result.code}&key={result.secret}")
                wait_for_count(page, PHONES, timeout=60_000)
                assert any(u.startswith(f"ws://localhost:{nginx.port}/") and u.split("?")[0].endswith("/ws")
                           for u in sockets), sockets
                late = one_more_phone(nginx.port, result.code, store.workshop(result.code).criteria, PHONES,
                                      "government")
                assert late.error == ""
                wait_for_count(page, PHONES + 1, timeout=30_000)
                browser.close()
        finally:
            store.dispose()
        assert nginx.proc.poll() is None and all(s.proc.poll() is None for s in servers)



@pytest.mark.load
def test_a_burst_of_submissions_on_sqlite_queues_instead_of_timing_out(tmp_path):
    # Before: writers waited in SQLite's busy handler, which polls with sleeps of up to 100 ms and kept losing
    # the lock to newer arrivals; with 8 threads (the light page's pool) submitting 200 at once on a busy
    # machine, one waited past the 5 s busy timeout and was told "the workshop database is busy".
    from concurrent.futures import ThreadPoolExecutor

    from igviz.pages.offload import STORE_THREADS

    store = WorkshopStore(f"sqlite:///{tmp_path / 'queue.sqlite'}", min_seconds_between_submissions=0)
    try:
        created = new_workshop(store, DATASET, "Queue")
        code, criteria = created.workshop.code, created.workshop.criteria
        tokens = [store.join(code, "government", f"Phone {i}") for i in range(200)]
        busy = threading.Event()

        def pages():  # what else the pool's threads do meanwhile: build pages, holding the interpreter
            while not busy.is_set():
                sum(i * i for i in range(20_000))

        others = [threading.Thread(target=pages) for _ in range(2)]
        for t in others:
            t.start()
        try:
            with ThreadPoolExecutor(STORE_THREADS) as pool:
                for round_trip in range(1):
                    list(pool.map(lambda t: store.submit(t, {c: 3 + round_trip for c in criteria}), tokens))
        finally:
            busy.set()
            for t in others:
                t.join()
        stored = store.submissions(code, created.secret)
        assert len(stored) == 200 and set(stored["revisions"]) == {1}
    finally:
        store.dispose()


def test_a_room_bigger_than_500_is_a_setting_and_a_wrong_one_is_said(monkeypatch, capsys):
    from igviz.cli import main
    from igviz.workshop.store import MAX_PARTICIPANTS, max_participants

    monkeypatch.delenv("IGVIZ_MAX_PARTICIPANTS", raising=False)
    assert max_participants() == MAX_PARTICIPANTS
    monkeypatch.setenv("IGVIZ_MAX_PARTICIPANTS", "1000")
    assert max_participants() == 1000
    monkeypatch.setenv("IGVIZ_MAX_PARTICIPANTS", "a thousand")
    assert main(["serve", "--port", "1"]) == 2  # refused before anything is opened or served
    assert "IGVIZ_MAX_PARTICIPANTS must be a whole number of at least 1, got 'a thousand'" in capsys.readouterr().err
