"""The thread invocations run on, so that one that never returns can be abandoned.

A process that fuzzes must wait for an invocation at most `--invocation-timeout`:
the invocation runs on a worker thread and the caller waits on an event. The
worker is reused (starting a thread per invocation costs more than the queue
hand-off); a worker whose call hung is left behind (it ends if the call ever
returns; the forked child it lives in ends with `os._exit` anyway) and a new one
is made.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def run_abandonable(call: Callable[[], T], timeout: float) -> tuple[bool, T | None]:
    """(True, what `call` returned), or (False, None) if it did not return within `timeout` seconds.
    `call` must not raise (runner._run_invocation turns every exception into a crash)."""
    global _current_worker
    worker = _current_worker = _current_worker or _InvocationWorker()
    finished, outcome = worker.run(call, timeout)
    if not finished:
        worker.retire()  # the next invocation gets a new worker
        _current_worker = None
        _abandoned.append(worker.thread)
        return False, None
    return True, outcome["result"]


_abandoned: list[threading.Thread] = []  # invocation threads left running user code


def abandoned_alive() -> bool:
    """Is an invocation thread that never returned still running user code in this process?"""
    _abandoned[:] = [thread for thread in _abandoned if thread.is_alive()]
    return bool(_abandoned)


class _InvocationWorker:
    """A thread that runs invocations one at a time, so a hung one can be abandoned.

    Reused across invocations: starting a thread per invocation costs more than the
    queue hand-off. A worker whose invocation hung is left behind and a new one made.
    """

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], dict[str, Any], threading.Event] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="durable-fuzz-invocations", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while (task := self._calls.get()) is not None:
            call, outcome, done = task
            outcome["result"] = call()
            done.set()

    def run(self, call: Callable[[], Any], timeout: float) -> tuple[bool, dict[str, Any]]:
        outcome: dict[str, Any] = {}
        done = threading.Event()
        self._calls.put((call, outcome, done))
        return done.wait(timeout), outcome

    def retire(self) -> None:
        """End the thread once the call it runs now returns."""
        self._calls.put(None)

    def stop(self) -> None:
        self.retire()
        self.thread.join()


_current_worker: _InvocationWorker | None = None


def stop_worker() -> None:
    """End the invocation thread, so that the process forks with one thread (a thread alive at
    fork time is a deadlock risk, and Python 3.12 warns of it); the next invocation starts another."""
    global _current_worker
    if _current_worker is not None:
        _current_worker.stop()
        _current_worker = None
