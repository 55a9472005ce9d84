"""The wheel, installed outside the checkout, serves every page on an analyst's data folder.

Builds the wheel (`pip wheel . --no-deps`), checks it carries the pages, the locales, the
stylesheet and the bundled data, installs it into a fresh virtual environment in a temporary
folder (pip fetches the dependencies, from its cache when it can), and runs that environment's
`igviz serve --data COPY` from another temporary folder on a copy of data/ with one more
proposal. Every page is fetched over HTTP, and the light page through a workshop that includes
the extra proposal, made with the store API on the same database.

About a minute or two (the dependencies are installed without byte-compiling them);
deselect with `-m "not wheel"`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from browser_support import REPO, _wait_until_up, free_port
from conftest import ANALYST_NAME, ANALYST_PROPOSAL, ANALYST_SHORT_NAME, add_analyst_proposal
from test_command import document_text, get

import igviz
from igviz.i18n import LANGUAGES
from igviz.workshop import WorkshopStore, new_workshop

pytestmark = pytest.mark.wheel

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def run(*args, cwd, env=None, timeout=600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def outside():
    """A temporary folder outside the checkout, removed afterwards (a venv is some 500 MB)."""
    with tempfile.TemporaryDirectory(prefix="igviz-wheel-") as folder:
        folder = Path(folder).resolve()
        assert REPO not in folder.parents
        yield folder


@pytest.fixture(scope="module")
def wheel(outside) -> Path:
    run(sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "-q", "-w", outside / "dist", cwd=outside)
    (built,) = (outside / "dist").glob("igviz-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, outside) -> Path:
    """A fresh virtual environment with the wheel installed, and nothing of the checkout on its path."""
    env = outside / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env, cwd=outside)
    python = env / "bin" / "python"
    # This environment's pip installs into the new one: no pip bootstrap in it, and no byte-compiling
    # (Python compiles what the server imports as it runs).
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile",
        "--disable-pip-version-check", wheel, cwd=outside, timeout=900)
    return env


def clean_env(**extra) -> dict:
    """The environment without this checkout's settings: no IGVIZ_* variables, no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("IGVIZ_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def test_the_wheel_carries_the_pages_locales_styles_data_and_command(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    for page in ("explorer", "participant", "facilitator", "lite", "report", "server", "served"):
        assert f"igviz/pages/{page}.py" in names
    assert {f"igviz/locales/{lang}.yaml" for lang in LANGUAGES if lang != "en"} <= names
    assert "igviz/views/igviz.css" in names and "igviz/cli.py" in names and "igviz/__main__.py" in names
    # The phone page's template, stylesheet and script, served from the package (no CDN).
    assert {"igviz/pages/templates/lite.html", "igviz/pages/static/phone.css", "igviz/pages/static/phone.js"} <= names
    data = {f"igviz/data/{p.relative_to(REPO / 'data').as_posix()}" for p in (REPO / "data").rglob("*") if p.is_file()}
    assert data and data <= names, sorted(data - names)[:10]
    assert "igviz = igviz.cli:main" in entry_points
    assert not any(n.startswith(("dashboards/", "tests/", "igviz/data/../")) for n in names)


def test_the_installed_wheel_serves_every_page_on_an_analysts_data(venv, outside):
    work = outside / "work"  # the server's current directory: neither the checkout nor the venv
    data = add_analyst_proposal(shutil.copytree(igviz.BUNDLED_DATA, work / "my_data"))
    igviz_command, env = venv / "bin" / "igviz", clean_env()

    # The installed package, not the checkout: its own code, version and bundled data.
    where = run(venv / "bin" / "python", "-c", "import igviz; print(igviz.__file__); print(igviz.__version__); "
                "print(igviz.BUNDLED_DATA)", cwd=work, env=env).stdout.split("\n")
    assert Path(where[0]).is_relative_to(venv) and where[1] == VERSION and Path(where[2]).is_relative_to(venv)
    assert run(igviz_command, "--version", cwd=work, env=env).stdout.strip() == f"igviz {VERSION}"
    assert "proposal mipc" in run(igviz_command, "check", cwd=work, env=env).stdout  # the bundled data
    assert f"proposal {ANALYST_PROPOSAL}: {ANALYST_NAME}" in run(igviz_command, "check", data, cwd=work, env=env).stdout

    # A workshop that includes the analyst's proposal, made through the store on the server's database.
    url = f"sqlite:///{work / 'workshops.sqlite'}"
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    try:
        created = new_workshop(store, igviz.load_dataset(data), "Wheel workshop",
                               proposals=[ANALYST_PROPOSAL, "mipc", "reformed_igf"])
        token = store.join(created.workshop.code, "technical_academic", "Kestrel")
    finally:
        store.dispose()

    port = free_port()
    base = f"http://localhost:{port}"
    log = work / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([igviz_command, "serve", "--data", "my_data", "--db", url, "--port", str(port),
                                   "--address", "localhost", "--allow-websocket-origin", f"localhost:{port}"],
                                  cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"{base}/lite", server, log, timeout=180)
        for page in ("/explorer", "/participant", "/facilitator", "/lite", "/"):
            status, body = get(base, page)
            assert status == 200, (page, body[:500])
            if page != "/lite":  # Panel's page: its scripts come from this server, none from a CDN
                assert "static/js/bokeh.min.js" in body and "cdn." not in body, page
        status, lite = get(base, f"/lite?p={token}")
        assert status == 200 and ANALYST_SHORT_NAME in lite, lite[:2000]
        for asset, marker in (("phone.js", "igvizPhone"), ("phone.css", "font-size")):  # from the wheel, not a CDN
            src = re.search(rf'"(igviz-static/{asset}\?v=\w+)"', lite).group(1)
            status, body = get(base, f"/{src}")
            assert status == 200 and marker in body, src
        status, lite = get(base, f"/lite?code={created.workshop.code}")
        assert status == 200 and "Wheel workshop" in lite
        assert ANALYST_NAME in document_text(base, "explorer")
        assert ANALYST_SHORT_NAME in document_text(base, "participant", p=token)
        started = log.read_text()
        assert f"{base}/explorer" in started and f"{base}/lite" in started and "my_data" in started
    finally:
        server.terminate()
        server.wait(timeout=30)

    # The saved report, from the installed package, on the same data.
    scenario = work / "scenario.yaml"
    scenario.write_text(f"framework: best_bits\nselected: {ANALYST_PROPOSAL}\n", encoding="utf-8")
    run(igviz_command, "report", scenario, "-o", "report.html", "--data", "my_data", cwd=work, env=env)
    assert ANALYST_SHORT_NAME in (work / "report.html").read_text(encoding="utf-8")
