"""The join link on the projector: an address every phone in the room can open, and its QR code.

The facilitator usually opens their page as `localhost`, which no phone can reach, so the link is
not simply the facilitator's own address. In order:
1. a configured public address (`igviz serve --public-url URL`, or the variable IGVIZ_PUBLIC_URL):
   the address participants use, e.g. behind a reverse proxy or a venue's name;
2. when the facilitator's page is on this machine (localhost), this machine's address on its
   network, with the same port, if the server listens beyond this machine;
3. otherwise the address the facilitator's browser used (it reached the server, so others can too).
Where no phone could open the link, `JoinLink.problem` says so and what to do.

Panel-free: the light page and the facilitator page both use it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .i18n import N_, Message

PUBLIC_URL_VARIABLE = "IGVIZ_PUBLIC_URL"
# Set by `igviz serve` to the address it listens on; absent (e.g. `panel serve`) means unknown.
LISTEN_VARIABLE = "IGVIZ_LISTEN_ADDRESS"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_public_url(value: str) -> str:
    """The public address as given, without a trailing slash; ValueError says what is wrong."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not a web address: expected http:// or https://, a host name and "
                         "optionally a port and a path, e.g. https://igviz.example.org or http://192.168.1.20:5006")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r}: a public address has no ?query or #fragment")
    return value.strip().rstrip("/")


def public_url() -> str | None:
    value = os.environ.get(PUBLIC_URL_VARIABLE, "").strip()
    return check_public_url(value) if value else None


def outward_address() -> str | None:
    """The address this machine uses to reach others on its network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, nothing leaves the machine
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) else address


UNREACHABLE = N_("Phones cannot open this address: it names this computer. Serve with igviz serve --address 0.0.0.0, "
                 "or give the address participants use with igviz serve --public-url.")


@dataclass(frozen=True)
class JoinLink:
    url: str
    problem: Message | str = ""  # why phones may not open `url`, and what to do; '' when they can


def join_link(code: str, page_url: str | None, page: str = "participant") -> JoinLink:
    """The address participants open to join workshop `code`, from the facilitator page's own
    address `page_url` (None outside a browser)."""
    query = urlencode({"code": code})
    configured = public_url()
    if configured:
        return JoinLink(f"{configured}/{page}?{query}")
    if not page_url:
        return JoinLink(f"{page}?{query}")
    parts = urlsplit(page_url)
    base_path = parts.path.rsplit("/", 1)[0]  # the facilitator page's folder: a proxy's prefix stays
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    if is_loopback(host):
        listening = os.environ.get(LISTEN_VARIABLE)
        lan = outward_address()
        if listening is not None and not is_loopback(listening or "localhost") and lan:
            host = lan
        else:
            return JoinLink(f"{parts.scheme}://{parts.netloc}{base_path}/{page}?{query}", Message(UNREACHABLE))
    netloc = f"[{host}]{port}" if ":" in host else f"{host}{port}"
    return JoinLink(f"{parts.scheme}://{netloc}{base_path}/{page}?{query}")


def qr_svg(url: str) -> str:
    """The link as an SVG QR code, inline (no file, no network), sized by its container."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
