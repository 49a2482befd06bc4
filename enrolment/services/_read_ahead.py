"""Reading a file in a thread of its own while the caller stores what was read before.

An import has two halves that wait on different things: checking rows is Python (it holds the GIL) and storing
them is the database's work (the caller waits on a socket, with the GIL released). Run one after the other they
add up; with the reading one chunk ahead, the database indexes chunk n while Python checks chunk n + 1.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")

_END = object()
# How often a producer with nobody taking its items looks whether it has been told to stop.
_POLL_SECONDS = 0.05
# While a producer runs, the caller's every database call gives up the GIL and then waits for the producer to
# hand it back, which CPython forces only after the switch interval (5 ms by default): a few dozen calls an
# import would wait a second. Shortened for as long as a producer runs.
_SWITCH_SECONDS = 0.001


def read_ahead(
    produce: Callable[[], Iterator[T]], *, depth: int = 1, meanwhile: Callable[[], object] | None = None
) -> Iterator[T]:
    """The items of ``produce()``, made in a worker thread up to ``depth`` items ahead of the caller.

    ``meanwhile`` runs in the caller's thread once the worker has started, before the first item is awaited:
    the caller's own work that needs no item (a database read while the worker opens a file). What it raises
    is raised here, the worker stopped, as for an exception of the caller's.

    The producer must not use the database: Django's connections belong to the thread that opened them, and
    the caller's transaction is not the worker's. It runs under the caller's language (messages it makes are
    translated as the caller's would be). An exception it raises is raised here, at the item it failed to make;
    leaving the loop early (an exception in the caller, a ``break``) stops the producer and closes its
    iterator, so a file it holds open is closed before this generator finishes.
    """
    items: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def put(item: object, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                items.put((item, error), timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def run() -> None:
        try:
            with translation.override(language), contextlib.closing(produce()) as produced:
                for item in produced:
                    if not put(item):
                        return
        except BaseException as error:  # noqa: BLE001 - handed to the caller, who decides
            put(_END, error)
        else:
            put(_END)

    worker = threading.Thread(target=run, name="read-ahead", daemon=True)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWITCH_SECONDS))
    worker.start()
    try:
        if meanwhile is not None:
            meanwhile()
        while True:
            item, error = items.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
        sys.setswitchinterval(interval)
