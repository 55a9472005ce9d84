"""Every page on one server, from the installed package: what `igviz serve` runs.

Each Panel page is a function that builds one browser session's page (the dashboards/*.py
files call the same functions for `panel serve` users); the light page is a plain Tornado
handler served beside them. The data every page shows is the process-level setting in
`igviz.pages.served`.
"""

from __future__ import annotations

import re

import panel as pn
from tornado.web import OutputTransform

from ..views.base import without_webgl_bundle
from .headers import FRAME_HEADERS

# The largest request body the server reads at all (Tornado's default is 100 MB); the light page
# refuses more than a few kilobytes with a page that says so (igviz/pages/lite.py BODY_MAX).
MAX_BODY_BYTES = 1024 * 1024

# The page at each address, and its browser tab title.
TITLES = {"explorer": "igviz explorer", "participant": "igviz workshop", "facilitator": "igviz facilitator"}


# Bokeh puts its tooltips in the document itself (position: fixed), drawn at 95 % opacity: over
# a stack of coloured bars the colours showed through the text.
PAGE_CSS = [".bk-Tooltip { opacity: 1 !important; }"]


def _session() -> None:
    pn.extension(sizing_mode="stretch_width", raw_css=PAGE_CSS)
    without_webgl_bundle()  # no chart here draws with WebGL (holds for the whole process; cheap to repeat)


def explorer_page():
    from .explorer import Explorer

    _session()
    return Explorer()


def participant_page():
    from .participant import ParticipantPage

    _session()
    return ParticipantPage()


def facilitator_page():
    from .facilitator import FacilitatorPage

    _session()
    return FacilitatorPage()


PAGES = {"explorer": explorer_page, "participant": participant_page, "facilitator": facilitator_page}


def normal_prefix(prefix: str | None) -> str:
    """A path every page is served under ('/igviz'), from what was typed ('igviz/', '/igviz'); '' for none.

    Only letters, digits and - _ . in each part: the prefix goes into every address and route pattern."""
    parts = [p for p in str(prefix or "").strip().split("/") if p]
    for part in parts:
        if not re.fullmatch(r"[A-Za-z0-9._-]+", part) or part in (".", ".."):
            raise ValueError(f"{prefix!r} is not a path such as /igviz (letters, digits, '-', '_' and '.' "
                             "between slashes)")
    return "".join(f"/{p}" for p in parts)


def make_server(port: int = 5006, address: str | None = None, websocket_origins: list[str] | None = None,
                prefix: str = "", **kwargs):
    """A Bokeh/Panel server with every page, the explorer also at `/`; not started.

    `prefix` ('/igviz'): every page, static file and websocket is served under that path instead of `/`
    (behind a reverse proxy that forwards one path of a site: deploy/nginx.conf). The pages' own links are
    relative, and the join link keeps the facilitator page's path, so they follow."""
    from . import explorer, facilitator, participant  # noqa: F401 - imported now, not by the first visitor
    from .lite import ROUTES

    without_webgl_bundle()
    apps = {"/": explorer_page, **PAGES}
    titles = {"/": TITLES["explorer"], **TITLES}
    limits = {"max_body_size": MAX_BODY_BYTES, **kwargs.pop("http_server_kwargs", {})}
    prefix = normal_prefix(prefix)
    if prefix:
        kwargs["prefix"] = prefix
    server = pn.serve(apps, port=port, address=address, websocket_origin=websocket_origins or None,
                      extra_patterns=list(ROUTES), title=titles, show=False, start=False, verbose=False,
                      http_server_kwargs=limits, **kwargs)
    server._tornado.transforms.append(FrameHeaders)  # every handler's response, Bokeh's and Panel's included
    return server


class FrameHeaders(OutputTransform):
    """Adds FRAME_HEADERS to every response the server sends."""

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in FRAME_HEADERS.items():
            headers.setdefault(name, value)
        return status_code, headers, chunk
