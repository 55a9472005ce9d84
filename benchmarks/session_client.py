"""A participant session without a browser: what a phone's page says to the server, and no more.

A Bokeh server page is an HTTP GET, which runs the app and builds the session's document on the
server, then a websocket over which the page pulls that document and sends its events. This
client does exactly those steps with Bokeh's own protocol classes (the same messages BokehJS
sends), so the server carries the same load per session as with a real page, while the client
costs a few milliseconds instead of a browser renderer's CPU. `bench_workshop_load.py` uses it
for the participants (`--client protocol`), so that a hundred sessions can be driven from the
same small machine as the server without the harness eating the CPU the server needs.
"""

from __future__ import annotations

import asyncio
import html
import re
import time

from bokeh.protocol import Protocol
from bokeh.protocol.messages.patch_doc import patch_doc
from bokeh.protocol.receiver import Receiver
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.locks import Lock
from tornado.websocket import websocket_connect

_TOKEN = re.compile(r'"token":\s*"([^"]+)"')


class _Socket:
    """What `bokeh.protocol.message.Message.send` writes to: a websocket and a write lock."""

    def __init__(self, ws):
        self.ws, self.write_lock = ws, Lock()

    async def write_message(self, message, binary: bool = False, locked: bool = True) -> None:
        await self.ws.write_message(message, binary)


def find_button(doc_json, label: str) -> str | None:
    """The id of the button with this label in a pulled document."""
    stack = [doc_json]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if (item.get("type") == "object" and str(item.get("name", "")).endswith("Button")
                    and item.get("attributes", {}).get("label") == label):
                return item["id"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class ProtocolSession:
    """One participant's page session, opened and driven over Bokeh's protocol."""

    def __init__(self, submit_label: str, ack_text: str):
        self.submit_label, self.ack_text = submit_label, ack_text
        self.clicks: list[float] = []         # ms since the epoch, when each click was sent
        self._answer: str | None = None       # 'ok', or the text of an alert the page showed
        self._ws = None
        self._socket = None
        self._protocol = Protocol()
        self._receiver = Receiver(self._protocol)
        self._reader: asyncio.Task | None = None
        self._submit_id: str | None = None

    async def open(self, url: str, timeout_s: float) -> float:
        """GET the page (the server builds the session), connect, pull the document. Seconds taken."""
        t0 = time.perf_counter()
        page = await AsyncHTTPClient().fetch(url, request_timeout=timeout_s)
        token = _TOKEN.search(page.body.decode("utf-8", "replace"))
        if token is None:
            raise RuntimeError(f"no session token in the page at {url}")
        ws_url = url.split("?", 1)[0].replace("http", "ws", 1) + "/ws"
        self._ws = await websocket_connect(HTTPRequest(ws_url, request_timeout=timeout_s),
                                           subprotocols=["bokeh", token.group(1)])
        self._socket = _Socket(self._ws)
        ack = await asyncio.wait_for(self._next_message(), timeout_s)
        if ack.msgtype != "ACK":
            raise RuntimeError(f"expected ACK from the server, got {ack.msgtype}")
        await self._protocol.create("PULL-DOC-REQ").send(self._socket)
        reply = await asyncio.wait_for(self._next_message(), timeout_s)
        self._submit_id = find_button(reply.content.get("doc"), self.submit_label)
        if self._submit_id is None:
            raise RuntimeError(f"no '{self.submit_label}' button on the page at {url}")
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return time.perf_counter() - t0

    async def click_submit(self) -> None:
        """What BokehJS sends when the button is clicked: a button_click event for its model."""
        event = {"kind": "MessageSent", "msg_type": "bokeh_event",
                 "msg_data": {"type": "event", "name": "button_click",
                              "values": {"type": "map", "entries": [["model", {"id": self._submit_id}]]}}}
        message = patch_doc(patch_doc.create_header(), {}, {"events": [event]})
        self.clicks.append(time.time() * 1e3)
        await message.send(self._socket)

    def answer(self) -> str | None:
        return self._answer

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            self._ws.close()

    async def _next_message(self):
        while True:
            fragment = await self._ws.read_message()
            if fragment is None:
                raise ConnectionError("the server closed the session")
            message = await self._receiver.consume(fragment)
            if message is not None:
                return message

    async def _read(self) -> None:
        """Keep reading what the server pushes, and note the page's answer to a submission."""
        while True:
            try:
                message = await self._next_message()
            except (ConnectionError, asyncio.CancelledError):
                return
            if message.msgtype != "PATCH-DOC" or self._answer is not None:
                continue
            for event in message.content.get("events", []):
                new = event.get("new")
                if event.get("attr") != "text" or not isinstance(new, str):
                    continue
                shown = html.unescape(new)
                if self.ack_text in shown:
                    self._answer = "ok"
                elif "role='alert'" in shown or 'role="alert"' in shown:
                    self._answer = re.sub(r"<[^>]+>", "", shown).strip() or "alert"
