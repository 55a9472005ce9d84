"""A room of phones at once: nginx in front of several `igviz serve` processes, and a burst client.

Shared by tests/test_burst.py and benchmarks/bench_burst.py.

- `Nginx`: Debian's nginx (installed by scripts/test) started as a plain process from the repository's
  deployment recipe deploy/nginx.conf, in a temporary folder of its own (no system service, no
  system paths), on a free port, with the recipe's upstream servers replaced by the given ports.
- `igviz_processes`: N `igviz serve --behind-proxy` processes on one database.
- `run_burst`: N simulated phones on the light page /lite, each from its own loopback address
  (127.1.x.y: the whole 127/8 block is loopback on Linux), as a venue's phones each have their own
  address; each opens the join page, joins, and later submits, as plain HTTP forms with the
  anti-forgery cookie and field a browser would send. Meanwhile a facilitator's poll (the store's
  revision, twice a second, as igviz/pages/facilitator.py polls it) records when each submission
  is first seen.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from browser_support import REPO, PanelServer, free_port

NGINX_TEMPLATE = REPO / "deploy" / "nginx.conf"
NGINX_MISSING = "nginx is not installed: run scripts/test, which installs Debian's nginx"
FACILITATOR_POLL_S = 0.5  # igviz/pages/facilitator.py POLL_MS
SUBMITTED = "your weights are in"
# The light page's own limits would refuse a room of 1,000 arriving within seconds (200 joins at once per
# workshop), and a workshop takes 500 participants by default: the settings deploy/nginx.conf gives for
# such a room. Each phone has its own address, so the per-address limits stay as they are.
ROOM_SETTINGS = {"IGVIZ_LIMIT_JOIN_PER_WORKSHOP": "1000/600", "IGVIZ_MAX_PARTICIPANTS": "1000"}


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        raise RuntimeError(NGINX_MISSING)
    return found


def nginx_config(template: str, listen_port: int, upstream_ports: list[int]) -> str:
    """The recipe with its `listen` port and the servers of each upstream block replaced."""
    def upstream(match: re.Match) -> str:
        # Each upstream's servers as the recipe lists them (with their options, e.g. max_fails=0), on our ports.
        # The order of `server` lines and other directives inside an upstream block does not matter to nginx.
        listed = re.compile(r"^\s*server 127\.0\.0\.1:\d+([^;]*);\n", re.MULTILINE)
        options = listed.search(match.group(2))
        servers = "".join(f"        server 127.0.0.1:{p}{options.group(1) if options else ''};\n"
                          for p in upstream_ports)
        return match.group(1) + servers + listed.sub("", match.group(2))

    config, n = re.subn(r"(upstream \w+ \{\n)(.*?\})", upstream, template, flags=re.DOTALL)
    if n < 2:
        raise AssertionError(f"{NGINX_TEMPLATE}: expected two upstream blocks, found {n}")
    config, n = re.subn(r"listen \d+;", f"listen 127.0.0.1:{listen_port};", config)
    if n != 1:
        raise AssertionError(f"{NGINX_TEMPLATE}: expected one `listen PORT;` line, found {n}")
    return config


class Nginx:
    """nginx with the recipe's configuration in a temporary folder; `access_log()` reads what it served."""

    def __init__(self, upstream_ports: list[int], port: int | None = None):
        self.port = port or free_port()
        self.base = f"http://localhost:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="igviz-nginx-"))
        (self.folder / "logs").mkdir()
        (self.folder / "temp").mkdir()
        (self.folder / "nginx.conf").write_text(nginx_config(NGINX_TEMPLATE.read_text(), self.port, upstream_ports))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "Nginx":
        binary = nginx_binary()
        check = subprocess.run([binary, "-t", "-q", "-p", str(self.folder), "-c", "nginx.conf"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration made from {NGINX_TEMPLATE}:\n{check.stdout}")
        # In the foreground (daemon off): this process is nginx's master, stopped by stop().
        self.proc = subprocess.Popen([binary, "-p", str(self.folder), "-c", "nginx.conf", "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {self.proc.stderr.read().decode()}\n"
                                   f"{self.error_log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not listen on {self.port} within {timeout:g} s\n{self.error_log()}")

    def error_log(self, limit: int | None = 4000) -> str:
        try:
            text = (self.folder / "logs" / "error.log").read_text(errors="replace")
            return text[-limit:] if limit else text
        except OSError:
            return ""

    def access_log(self) -> list[str]:
        try:
            return (self.folder / "logs" / "access.log").read_text(errors="replace").splitlines()
        except OSError:
            return []

    def served_by(self, path_prefix: str = "/lite") -> dict[str, int]:
        """How many requests under `path_prefix` each upstream process answered (from the access log)."""
        counts: dict[str, int] = {}
        for line in self.access_log():
            request = re.search(r'"[A-Z]+ (\S+)', line)
            upstream = re.search(r"upstream=(\S+)", line)
            if request and upstream and request.group(1).startswith(path_prefix):
                counts[upstream.group(1)] = counts.get(upstream.group(1), 0) + 1
        return counts

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


class ProxiedServer(PanelServer):
    """`igviz serve --behind-proxy` on its own port, whose pages browsers reach through nginx at `proxy_port`."""

    def __init__(self, database_url: str, proxy_port: int, env: dict | None = None, timeout: float = 120.0):
        super().__init__(["participant"], database_url, timeout=timeout)
        self.proxy_port = proxy_port
        self.env.update(env or {})

    def arguments(self) -> list[str]:
        import sys

        origins = [f"localhost:{self.proxy_port}", f"127.0.0.1:{self.proxy_port}", f"localhost:{self.port}"]
        return [sys.executable, "-m", "igviz", "serve", "--port", str(self.port), "--address", "localhost",
                "--behind-proxy", "--public-url", f"http://localhost:{self.proxy_port}",
                "--allow-websocket-origin", *origins]


@contextmanager
def igviz_behind_nginx(database_url: str, processes: int = 2, env: dict | None = None):
    """(nginx, [servers]): `processes` igviz servers on one database behind nginx, all stopped on exit."""
    proxy_port = free_port()
    with ExitStack() as stack:
        servers = [ProxiedServer(database_url, proxy_port, env) for _ in range(processes)]
        for s in servers:
            stack.callback(s.stop)
        # Started one after the other: the first creates (or upgrades) the tables, the others find them made.
        for s in servers:
            s.start()
        nginx = Nginx([s.port for s in servers], port=proxy_port)
        stack.callback(nginx.stop)
        nginx.start()
        yield nginx, servers


@contextmanager
def igviz_alone(database_url: str, env: dict | None = None):
    """One `igviz serve` process (no proxy): the SQLite set-up."""
    server = PanelServer(["participant"], database_url)
    server.env.update(env or {})
    try:
        yield server.start()
    finally:
        server.stop()


# -- the burst client -----------------------------------------------------------------------------

def phone_address(i: int) -> str:
    """The i-th phone's own loopback address: 127.1.0.1, 127.1.0.2, … (never 127.0.0.1, the set-up's)."""
    return f"127.1.{i // 250}.{i % 250 + 1}"


@dataclass
class Response:
    status: int
    headers: dict
    body: str


async def http(port: int, method: str, target: str, source: str, body: str = "", cookie: str = "",
               timeout: float = 120.0) -> Response:
    """One HTTP/1.1 request on a new connection from `source` (as a phone opens one), read to the end."""
    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        try:
            lines = [f"{method} {target} HTTP/1.1", f"Host: localhost:{port}", "Connection: close",
                     "Accept-Language: en", "User-Agent: igviz-burst"]
            if cookie:
                lines.append(f"Cookie: {cookie}")
            data = body.encode()
            if method == "POST":
                lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(data)}"]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head, _, rest = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            headers[name] = (headers[name] + "\n" if name in headers else "") + value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            rest = _dechunk(rest)
        return Response(int(status_line.split()[1]), headers, rest.decode("utf-8", "replace"))

    return await asyncio.wait_for(exchange(), timeout)


def _dechunk(data: bytes) -> bytes:
    out, i = b"", 0
    while True:
        end = data.index(b"\r\n", i)
        size = int(data[i:end].split(b";")[0], 16)
        if size == 0:
            return out
        out += data[end + 2:end + 2 + size]
        i = end + 2 + size + 2


@dataclass
class Phone:
    index: int
    source: str
    group: str
    cookie: str = ""
    xsrf: str = ""
    token: str = ""
    weights: dict = field(default_factory=dict)
    comment: str = ""
    joined_s: float | None = None        # Join pressed → weights page received
    opened_s: float | None = None        # the join page (the link) received
    submit_s: float | None = None        # Submit pressed → acknowledgement received
    acknowledged_at: float | None = None  # time.time() of the acknowledgement
    error: str = ""


def _form_token(page: str) -> str:
    found = re.search(r"name=\"_xsrf\" value=\"([^\"]+)\"", page)
    return found.group(1) if found else ""


async def _join(port: int, code: str, phone: Phone) -> None:
    query = urllib.parse.urlencode({"code": code, "lang": "en"})
    started = time.monotonic()
    page = await http(port, "GET", f"/lite?{query}", phone.source)
    if page.status != 200:
        raise RuntimeError(f"join page: HTTP {page.status}")
    phone.opened_s = time.monotonic() - started
    phone.cookie = next(c.split(";")[0] for c in page.headers.get("set-cookie", "").split("\n") if c.startswith("_xsrf="))
    phone.xsrf = _form_token(page.body)
    form = urllib.parse.urlencode({"action": "join", "code": code, "group": phone.group,
                                   "pseudonym": f"Phone {phone.index}", "_xsrf": phone.xsrf})
    pressed = time.monotonic()
    joined = await http(port, "POST", f"/lite?{query}", phone.source, form, phone.cookie)
    if joined.status != 303:
        raise RuntimeError(f"join: HTTP {joined.status} {_said(joined.body)}")
    location = joined.headers["location"]
    target = location if location.startswith("/") else "/" + location
    phone.token = urllib.parse.parse_qs(urllib.parse.urlparse(target).query)["p"][0]
    weights_page = await http(port, "GET", target, phone.source, cookie=phone.cookie)
    if weights_page.status != 200 or not re.search(r"value=['\"]?submit", weights_page.body):
        raise RuntimeError(f"weights page: HTTP {weights_page.status} {_said(weights_page.body)}")
    phone.joined_s = time.monotonic() - pressed


async def _submit(port: int, code: str, criteria, phone: Phone) -> None:
    query = urllib.parse.urlencode({"code": code, "p": phone.token, "lang": "en"})
    form = urllib.parse.urlencode({**{f"w.{c}": str(v) for c, v in phone.weights.items()}, "p": phone.token,
                                   "action": "submit", "comment": phone.comment, "_xsrf": phone.xsrf})
    pressed = time.monotonic()
    answer = await http(port, "POST", f"/lite?{query}", phone.source, form, phone.cookie)
    if answer.status != 200 or SUBMITTED not in answer.body:
        raise RuntimeError(f"submit: HTTP {answer.status} {_said(answer.body)}")
    phone.acknowledged_at = time.time()
    phone.submit_s = time.monotonic() - pressed


def _said(page: str) -> str:
    """The message a refused page shows (its role=alert paragraph), for the error tally."""
    found = re.search(r"role='alert'>(.*?)</p>", page)
    return found.group(1)[:160] if found else page[:160].replace("\n", " ")


async def _staggered(items, spread_s: float, action) -> None:
    """Start action(item) for every item, evenly over `spread_s` seconds; wait for all."""
    started = time.monotonic()

    async def one(k, item):
        await asyncio.sleep(max(0.0, started + spread_s * k / max(1, len(items)) - time.monotonic()))
        try:
            await action(item)
        except Exception as exc:  # noqa: BLE001 - every failure is tallied, whatever it is
            item.error = item.error or f"{type(exc).__name__}: {exc}"[:200]

    await asyncio.gather(*(one(k, item) for k, item in enumerate(items)))


class FacilitatorPoll(threading.Thread):
    """What the facilitator page does: read the workshop's revision twice a second, and when it has
    changed read the submissions; records when each submission (by its comment) is first seen."""

    def __init__(self, store, code: str, secret: str):
        super().__init__(daemon=True)
        self.store, self.code, self.secret = store, code, secret
        self.seen: dict[str, float] = {}
        self.polls: list[float] = []
        self.stopping = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        revision = None
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                now_revision = self.store.revision(self.code)
                if now_revision != revision:
                    revision = now_revision
                    frame = self.store.submissions(self.code, self.secret)
                    at = time.time()
                    for comment in (frame["comment"] if len(frame) else []):
                        self.seen.setdefault(comment, at)
                self.polls.append(time.monotonic() - started)
            except Exception as exc:  # noqa: BLE001 - said in the results
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            self.stopping.wait(max(0.0, FACILITATOR_POLL_S - (time.monotonic() - started)))

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


@dataclass
class BurstResult:
    participants: int
    joined: list[float]
    opened: list[float]
    submitted: list[float]
    to_facilitator: list[float]
    errors: dict[str, int]
    lost: list[str]
    not_seen: int
    join_wall_s: float
    submit_wall_s: float
    total_s: float
    poll_errors: list[str]
    code: str = ""
    secret: str = ""


def run_burst(port: int, store, dataset, participants: int, join_spread_s: float = 5.0,
              submit_spread_s: float = 5.0, title: str = "Burst", settle_timeout_s: float = 60.0,
              seed: int = 1) -> BurstResult:
    """N phones join (arrivals evenly over join_spread_s), then all submit (over submit_spread_s).

    `store` is a WorkshopStore on the servers' database (set-up, the facilitator's poll, and the
    final check that every acknowledged submission is stored with the weights sent)."""
    from igviz.workshop import new_workshop

    created = new_workshop(store, dataset, title)
    code, secret = created.workshop.code, created.secret
    criteria, groups = created.workshop.criteria, created.workshop.groups
    rng = random.Random(seed)
    phones = [Phone(i, phone_address(i), groups[i % len(groups)]) for i in range(participants)]
    for p in phones:
        p.weights = {c: rng.randint(0, 10) for c in criteria}
        p.comment = f"burst {p.index}"  # how the facilitator's poll and the final check know each submission
    poll = FacilitatorPoll(store, code, secret)
    poll.start()
    started = time.monotonic()
    try:
        asyncio.run(_staggered(phones, join_spread_s, lambda p: _join(port, code, p)))
        join_wall = time.monotonic() - started
        joined = [p for p in phones if not p.error]
        submit_started = time.monotonic()
        asyncio.run(_staggered(joined, submit_spread_s, lambda p: _submit(port, code, criteria, p)))
        submit_wall = time.monotonic() - submit_started
        acknowledged = [p for p in joined if p.acknowledged_at is not None]
        deadline = time.monotonic() + settle_timeout_s
        while time.monotonic() < deadline and any(p.comment not in poll.seen for p in acknowledged):
            time.sleep(0.1)
        total = time.monotonic() - started
    finally:
        poll.stop()
    stored = store.submissions(code, secret)
    by_comment = {row["comment"]: row for _, row in stored.iterrows()} if len(stored) else {}
    lost = [p.comment for p in acknowledged
            if p.comment not in by_comment
            or any(float(by_comment[p.comment][f"weight.{c}"]) != float(v) for c, v in p.weights.items())]
    errors: dict[str, int] = {}
    for p in phones:
        if p.error:
            kind = re.sub(r"\d+\.\d+\.\d+\.\d+", "ADDR", p.error)
            errors[kind] = errors.get(kind, 0) + 1
    return BurstResult(
        participants, [p.joined_s for p in joined], [p.opened_s for p in phones if p.opened_s is not None],
        [p.submit_s for p in acknowledged],
        [max(0.0, poll.seen[p.comment] - p.acknowledged_at) for p in acknowledged if p.comment in poll.seen],
        errors, lost, sum(p.comment not in poll.seen for p in acknowledged), join_wall, submit_wall, total,
        poll.errors, code, secret)


def one_more_phone(port: int, code: str, criteria, index: int, group: str) -> Phone:
    """A phone that joins and submits now (a latecomer); its `error` says what went wrong, if anything."""
    phone = Phone(index, phone_address(index), group, weights={c: 7 for c in criteria}, comment=f"late {index}")

    async def both():
        await _join(port, code, phone)
        await _submit(port, code, criteria, phone)

    def run():
        try:
            asyncio.run(both())
        except Exception as exc:  # noqa: BLE001
            phone.error = f"{type(exc).__name__}: {exc}"[:200]

    # On a thread of its own: the caller may be inside an event loop (Playwright's sync API runs one).
    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=180)
    return phone


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
