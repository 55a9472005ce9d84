"""Database work off the event loop, so one slow or locked database never freezes every page.

All pages of a server share one Tornado event loop. A store call made on it (a join, a submit,
a facilitator's poll) holds every other request for as long as the database takes: with SQLite's
write lock held elsewhere, every page waited up to 30 s. Here such calls run on a small pool of
threads instead; the loop goes on serving the other pages (the store is safe from many threads).

- `off_the_event_loop`: for the light page's Tornado handlers (GET and POST run on a thread; the
  response is still finished on the loop, as Tornado requires).
- `in_thread`: for a Panel page's callbacks that reach the store (button clicks, polls); one lock
  per page keeps its callbacks in order, and a poll that finds the last one still running skips.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

# Enough for a room submitting at once (each store call takes milliseconds); when the database hangs,
# the requests beyond these wait in the pool's queue while the loop keeps serving everything else.
STORE_THREADS = 8
_pool: ThreadPoolExecutor | None = None


def pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="igviz-store")
    return _pool


def off_the_event_loop(method):
    """Decorate a RequestHandler's get/post: run it on a worker thread, finish the response on the loop.

    The method may call write(), set_status(), redirect() and so on as usual: those only fill
    buffers, except finish() (which redirect() calls), which is held back and done on the loop."""
    from tornado.ioloop import IOLoop

    @functools.wraps(method)
    async def run(self, *args, **kwargs):
        held: list = []
        self.finish = lambda chunk=None: held.append(chunk)  # this instance only, while the thread runs
        try:
            await IOLoop.current().run_in_executor(pool(), functools.partial(method, self, *args, **kwargs))
        finally:
            del self.finish
        if held and not self._finished:
            self.finish(held[0])
    return run


def in_thread(callback, lock: threading.Lock, skip_if_busy: bool = False):
    """`callback` as a Panel callback that runs on a worker thread with the page's document.

    Off a server (tests, notebooks) it runs at once. `lock` is the page's: its callbacks run one
    at a time, in order; with `skip_if_busy` (a periodic poll) a call is dropped while another runs."""

    @functools.wraps(callback)
    def schedule(*args, **kwargs):
        import panel as pn
        from panel.io.state import set_curdoc

        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            return callback(*args, **kwargs)

        def run():
            if not lock.acquire(blocking=not skip_if_busy):
                return
            try:
                with set_curdoc(doc):  # Panel sends the changes to the browser from the loop
                    callback(*args, **kwargs)
            except Exception:  # noqa: BLE001 - logged like Panel's own callback errors; the page goes on
                log.exception("igviz: a page callback failed")
            finally:
                lock.release()
        pool().submit(run)
    return schedule
