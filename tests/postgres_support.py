"""A throwaway PostgreSQL server for the tests: its own cluster in a temporary folder, on a free port.

Uses Debian's binaries under /usr/lib/postgresql/<version>/bin (installed by scripts/test), never
the system's `main` cluster or its service. PostgreSQL refuses to run as root, so when the tests
run as root the server runs as Debian's `postgres` system user (via runuser) in a folder it owns.
Set IGVIZ_TEST_DATABASE_URL to use an existing database instead; then nothing is started.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ENV_URL = "IGVIZ_TEST_DATABASE_URL"
SUPERUSER = "postgres"
DATABASE = "igviz_test"
SERVICE_USER = "postgres"  # the system user Debian's postgresql package creates
NOT_INSTALLED = "PostgreSQL is not installed: run scripts/test, which installs Debian's postgresql"


def postgres_bin() -> Path:
    """The bin folder of the newest PostgreSQL under /usr/lib/postgresql (raises if there is none)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")]
    found = [b for b in found if (b / "initdb").is_file() and (b / "pg_ctl").is_file()]
    if not found:
        raise RuntimeError(NOT_INSTALLED)

    def version(b: Path) -> tuple[int, ...]:
        try:
            return tuple(int(part) for part in b.parent.name.split("."))
        except ValueError:
            return (-1,)

    return max(found, key=version)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no server log: {e})"


class _Cluster:
    """One private cluster: initdb, start, wait, stop. As root, server commands run as SERVICE_USER."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self.owner = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise RuntimeError(f"running as root, but there is no {SERVICE_USER!r} user to run PostgreSQL as "
                                   "(Debian's postgresql package creates it: run scripts/test)") from None
            if shutil.which("runuser") is None:
                raise RuntimeError("running as root, but runuser (util-linux) is missing")
        # Under /tmp, not $TMPDIR: the postgres user must be able to reach it, and the socket path must
        # stay under the ~100-byte limit of a Unix socket name.
        self.base = Path(tempfile.mkdtemp(prefix="igviz-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.log = self.base / "server.log"
        self.sockets.mkdir()
        if self.as_root:
            for path in (self.base, self.sockets):
                os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        os.chmod(self.base, 0o700)  # only the server's user (and root) may look inside
        # Predictable English messages, and no PG* settings from the caller's shell.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_", "LANG"))}
        self.env["LC_ALL"] = "C"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def command(self, program: str, *args: str) -> list[str]:
        argv = [str(self.bindir / program), *args]
        return ["runuser", "-u", SERVICE_USER, "--", *argv] if self.as_root else argv

    def run(self, program: str, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(program, *args), cwd=self.base, env=self.env, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def initdb(self) -> None:
        done = self.run("initdb", "-D", str(self.data), "--auth=trust", "-U", SUPERUSER,
                        "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}")

    def start(self, timeout: float = 30.0, attempts: int = 3, port: int | None = None) -> None:
        """Start the server on a free port, or on `port` (a restart: clients keep their URL)."""
        for attempt in range(attempts):
            self.port = port or free_port()
            with open(self.log, "wb") as log:  # each attempt's log on its own
                self.proc = subprocess.Popen(
                    self.command("postgres", "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
                                 "-k", str(self.sockets), "-c", "fsync=off"),
                    cwd=self.base, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            try:
                self._wait_until_ready(timeout)
                return
            except RuntimeError:
                # Someone took the port between free_port() and the server binding it: try another.
                if self.proc.poll() is not None and "could not bind" in _log_tail(self.log) \
                        and attempt + 1 < attempts:
                    continue
                raise

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with {self.proc.returncode} while starting; "
                                   f"end of the server log:\n{_log_tail(self.log)}")
            ready = subprocess.run([str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                                    "-U", SUPERUSER, "-d", "postgres", "-t", "2"], env=self.env)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not accept connections on 127.0.0.1:{self.port} within {timeout:g} s; "
                           f"end of the server log:\n{_log_tail(self.log)}")

    def create_database(self, name: str) -> None:
        done = subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", SUPERUSER, name], env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"createdb {name} failed ({done.returncode}):\n{done.stdout}")

    def halt(self) -> None:
        """Stop the server (fast shutdown: clients are disconnected) and keep its data, to start it again."""
        if self.proc is not None and self.proc.poll() is None:
            self._stop_running_server()

    def stop(self) -> None:
        """Fast shutdown (disconnects clients), then delete the folder. Safe to call after a failed start."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                self._stop_running_server()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def _stop_running_server(self) -> None:
        # pg_ctl finds the server through postmaster.pid, which a server stopped while starting may not
        # have written yet.
        deadline = time.monotonic() + 10
        while not self._postmaster_pid() and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", timeout=40)
        except subprocess.TimeoutExpired:
            pass
        # Then harder, signalling the postmaster itself: under runuser, self.proc is runuser, and
        # killing only runuser would leave the server running without a parent.
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            try:
                self.proc.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                pid = self._postmaster_pid()
                if pid:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                elif sig == signal.SIGKILL:
                    self.proc.kill()
        self.proc.wait(timeout=10)

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


@contextmanager
def temporary_postgres(timeout: float = 30.0):
    """Yield a SQLAlchemy URL (postgresql+psycopg://postgres@127.0.0.1:PORT/igviz_test) for a fresh,
    private PostgreSQL server that is stopped and deleted on exit; or $IGVIZ_TEST_DATABASE_URL if set."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    cluster = _Cluster(postgres_bin())
    try:
        cluster.initdb()
        cluster.start(timeout)
        cluster.create_database(DATABASE)
        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{cluster.port}/{DATABASE}"
    finally:
        cluster.stop()


@contextmanager
def restartable_postgres(timeout: float = 30.0):
    """Yield (cluster, URL) of a private PostgreSQL that a test may stop (`cluster.halt()`) and start again
    on the same port (`cluster.start(port=cluster.port)`); always a cluster of its own, never
    $IGVIZ_TEST_DATABASE_URL, which a test must not stop."""
    cluster = _Cluster(postgres_bin())
    try:
        cluster.initdb()
        cluster.start(timeout)
        cluster.create_database(DATABASE)
        yield cluster, f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{cluster.port}/{DATABASE}"
    finally:
        cluster.stop()
