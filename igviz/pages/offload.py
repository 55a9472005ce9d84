"""Database work off the event loop, so one slow or locked database never freezes every page.

All pages of a server share one Tornado event loop. A store call made on it (a join, a submit,
a facilitator's poll) holds every other request for as long as the database takes: with SQLite's
write lock held elsewhere, every page waited up to 30 s. Here such calls run on a small pool of
threads instead; the loop goes on serving the other pages (the store is safe from many threads).

- `off_the_event_loop`: for the light page's Tornado handlers (GET and POST run on a thread; the
  response is still finished on the loop, as Tornado requires).
- `in_thread`: for a Panel page's callbacks that reach the store (button clicks, polls); one lock
  per page keeps its callbacks in order, and a poll that finds the last one still running skips.

The pool serves its queue by priority, not in order of arrival (`PriorityPool`). A flood of bots
that each submit once a second first spends every bot's allowance of quick submissions
(igviz/workshop/limits.py: 3 each, so 300 stored submissions from 100 bots in their first seconds, some
20 ms of CPU each): in arrival order, a real participant's Submit waited behind all of them, seconds on
a busy machine. Now a submission from someone who has just submitted (their allowance partly spent:
`Limits.submit_priority`) waits behind every other request, so a participant who submits now and then
is served first, and a flood only delays itself; and such calls run on at most LOW_PRIORITY_THREADS
threads at once, so a real request starts at once instead of sharing the interpreter with seven bots'
(benchmarks/bench_submit_flood.py: a real Submit's p95 went from several seconds to about half a second).
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import logging
import threading
from concurrent.futures import Future

log = logging.getLogger(__name__)

# Enough for a room submitting at once (each store call takes milliseconds); when the database hangs,
# the requests beyond these wait in the pool's queue while the loop keeps serving everything else.
STORE_THREADS = 8
# The priority of most requests; a larger number waits behind it (heap order: smallest first).
NORMAL = 0.0
# At most this many threads work on calls of lower priority (a flood's) at once: the others stay free
# for everyone else's, whose requests then start at once and share the interpreter with two, not seven.
LOW_PRIORITY_THREADS = 2


class PriorityPool:
    """A fixed set of worker threads that take the waiting call with the lowest priority number first
    (in order of arrival among equals); calls of lower priority than NORMAL run on at most `low_threads`
    threads at once. `submit` returns a concurrent.futures.Future, as an executor's does."""

    def __init__(self, workers: int, name: str = "igviz-store", low_threads: int = LOW_PRIORITY_THREADS):
        self.workers, self.name, self.low_threads = workers, name, max(1, low_threads)
        self._queue: list = []  # (priority, arrival, future, fn, args, kwargs)
        self._arrival = itertools.count()
        self._ready = threading.Condition(threading.Lock())
        self._threads: list[threading.Thread] = []
        self._low_running = 0

    def submit(self, fn, /, *args, priority: float = NORMAL, **kwargs) -> Future:
        future: Future = Future()
        with self._ready:
            heapq.heappush(self._queue, (priority, next(self._arrival), future, fn, args, kwargs))
            if len(self._threads) < self.workers:  # threads start as they are first needed
                t = threading.Thread(target=self._work, name=f"{self.name}_{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
            self._ready.notify()
        return future

    def waiting(self) -> int:
        """How many calls wait for a thread."""
        with self._ready:
            return len(self._queue)

    def _work(self) -> None:
        while True:
            with self._ready:
                # The first waiting call, unless it is of low priority and enough threads already run those.
                while not self._queue or (self._queue[0][0] > NORMAL and self._low_running >= self.low_threads):
                    self._ready.wait()
                priority, _n, future, fn, args, kwargs = heapq.heappop(self._queue)
                low = priority > NORMAL
                self._low_running += low
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        result = fn(*args, **kwargs)
                    except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
            finally:
                if low:
                    with self._ready:
                        self._low_running -= 1
                        self._ready.notify_all()  # a thread waiting for a low-priority slot may go on
            del future, fn, args, kwargs  # not kept alive while this thread waits for the next call


_pool: PriorityPool | None = None
_pool_lock = threading.Lock()


def pool() -> PriorityPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = PriorityPool(STORE_THREADS)
        return _pool


# Submissions queued or running, by participant (a hash of the token: tokens are secrets, kept in no table),
# counted on the event loop only.
_submitting: dict[str, int] = {}


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:24]


def _submitter(handler) -> str | None:
    """The participant (their token) a light-page request submits for; None for any other request."""
    if handler.request.method != "POST":
        return None
    try:
        if handler.get_body_argument("action", "") != "submit":
            return None
        return handler.get_argument("p", "") or None
    except Exception:  # noqa: BLE001 - a malformed request is refused by the handler itself, not here
        return None


def request_priority(handler, token: str | None = None) -> float:
    """Where a light-page request goes in the pool's queue: a submission from a participant who has just
    submitted (their quick submissions partly spent), or whose earlier submissions still wait in the queue,
    goes behind everything else, the further the more of them; every other request (pages, joins,
    someone's first Submit in a while) is NORMAL.

    The waiting ones count too: in a flood's first seconds a bot's second and third submissions arrive
    before its first has been answered (and taken from its allowance), and went in as NORMAL."""
    token = token if token is not None else _submitter(handler)
    if not token:
        return NORMAL
    from ..workshop.limits import shared_limits

    return shared_limits().submit_priority(token) + _submitting.get(_hashed(token), 0)


def off_the_event_loop(method):
    """Decorate a RequestHandler's get/post: run it on a worker thread, finish the response on the loop.

    The method may call write(), set_status(), redirect() and so on as usual: those only fill
    buffers, except finish() (which redirect() calls), which is held back and done on the loop.
    Calls wait for a thread in the order `request_priority` gives."""
    import asyncio

    @functools.wraps(method)
    async def run(self, *args, **kwargs):
        held: list = []
        token = _submitter(self)
        priority = request_priority(self, token)
        key = _hashed(token) if token else None
        if key:
            _submitting[key] = _submitting.get(key, 0) + 1
        self.finish = lambda chunk=None: held.append(chunk)  # this instance only, while the thread runs
        try:
            await asyncio.wrap_future(pool().submit(method, self, *args, priority=priority, **kwargs))
        finally:
            del self.finish
            if key:
                left = _submitting.pop(key) - 1
                if left:
                    _submitting[key] = left
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
