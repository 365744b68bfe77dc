"""Virtual time for the code under test, so code that reads or spends time behaves as in production.

The service's time (the backend's `now`) starts at a fixed instant and moves only
when the service says: waits, retry delays. Who reads the clock decides what it sees:

- library code (the SDK, botocore, urllib3, threading...) reads the service's time,
  frozen while code runs, and keeps the real monotonic clock its timeouts need;
- a step body (user code on a thread running one) reads the service's time plus what
  it slept itself: the same in every run of that body, so a time-derived result it
  checkpoints compares equal with the straight-through run's;
- orchestration code reads the service's time, plus the lag of Lambda's re-invocations
  after crashes (Lambda retries later), plus the real time the invocation has taken,
  plus what it slept: a replay sees a later clock than the first pass, as in production.

`time.sleep` called from user code advances the caller's clock and returns at once
(so a 5 s sleep in a submitter costs nothing); called from library code it sleeps.
The reader is the frame that called the clock function. time-machine patches the
wall clocks at the C level (`time.time`, `time_ns`, `datetime.now/utcnow`,
`date.today`), so names bound before the run see them too; `time.monotonic`,
`monotonic_ns` and `sleep` are swapped on the `time` module and wherever user code
bound them at import (replay_fuzz.bindings).
"""

from __future__ import annotations

import datetime
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

import time_machine

from replay_fuzz.backend import Backend
from replay_fuzz.bindings import Swap, is_library_file

MONOTONIC_ORIGIN = 1000.0  # what the virtual monotonic clock reads at the start
LAMBDA_RETRY_LAG = 90.0  # seconds between a crashed invocation and Lambda's next one
_TIME = Swap(time, ["monotonic", "monotonic_ns", "sleep"])
_REAL_SLEEP, _REAL_MONOTONIC_NS = time.sleep, time.monotonic_ns
_NANOSECONDS = 1_000_000_000
_body = threading.local()  # .slept: seconds the step body running on this thread slept (absent outside bodies)
_library_files: dict[str, bool] = {}


class VirtualClock:
    """The clocks of one invocation (see the module docstring)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._service: tuple[datetime.datetime, int] | None = None
        self.start_invocation()

    def start_invocation(self) -> None:
        """A new invocation: its own real-time origin, nothing slept yet."""
        self.started_ns = _REAL_MONOTONIC_NS()
        self.slept = 0.0

    def service_ns(self) -> int:
        now = self.backend.now
        if self._service is None or self._service[0] is not now:
            self._service = (now, int(now.timestamp()) * _NANOSECONDS + now.microsecond * 1000)
        return self._service[1]

    def user_offset_ns(self) -> int:
        """How far user code's clock is ahead of the service's, on this thread."""
        slept = getattr(_body, "slept", None)
        if slept is not None:
            return int(slept * _NANOSECONDS)
        lag = self.backend.lag_seconds + self.slept
        return int(lag * _NANOSECONDS) + _REAL_MONOTONIC_NS() - self.started_ns

    def elapsed_seconds(self) -> float:
        """The time this invocation has taken, as orchestration code sees it (for the remaining time)."""
        return (_REAL_MONOTONIC_NS() - self.started_ns) / _NANOSECONDS + self.slept + (getattr(_body, "slept", 0.0) or 0.0)

    def time_ns(self) -> int:
        if _is_library(sys._getframe(1)):  # noqa: SLF001 - the frame that called time.time() & co.
            return self.service_ns()
        return self.service_ns() + self.user_offset_ns()

    def monotonic_ns(self, caller: FrameType) -> int:
        if _is_library(caller):
            return _REAL_MONOTONIC_NS()
        service = self.service_ns() - _ns(self.backend.start)
        return int(MONOTONIC_ORIGIN * _NANOSECONDS) + service + self.user_offset_ns()

    def sleep(self, seconds: float, caller: FrameType) -> None:
        if _is_library(caller):
            _REAL_SLEEP(seconds)
            return
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if getattr(_body, "slept", None) is not None:
            _body.slept += seconds
        else:
            self.slept += seconds
        _REAL_SLEEP(0)  # let other threads run, as a real sleep would


_current: VirtualClock | None = None


def current() -> VirtualClock | None:
    """The clock of the invocation running in this process, if any."""
    return _current


def _monotonic() -> float:
    assert _current is not None
    return _current.monotonic_ns(sys._getframe(1)) / _NANOSECONDS  # noqa: SLF001 - the caller decides the clock


def _monotonic_ns() -> int:
    assert _current is not None
    return _current.monotonic_ns(sys._getframe(1))  # noqa: SLF001


def _sleep(seconds: float) -> None:
    assert _current is not None
    _current.sleep(seconds, sys._getframe(1))  # noqa: SLF001


def _ns(moment: datetime.datetime) -> int:
    return int(moment.timestamp()) * _NANOSECONDS + moment.microsecond * 1000


def _is_library(frame: FrameType) -> bool:
    filename = frame.f_code.co_filename
    known = _library_files.get(filename)
    if known is None:
        known = _library_files[filename] = is_library_file(filename)
    return known


@contextmanager
def virtual_time(backend: Backend) -> Iterator[VirtualClock]:
    """Inside, code sees the backend's time as the module docstring says; yields the clock."""
    global _current
    clock = _current = VirtualClock(backend)
    travel = time_machine.travel(backend.now, tick=False)
    traveller = travel.start()
    traveller.time_ns = clock.time_ns  # type: ignore[method-assign] # time-machine's C patches ask the innermost traveller
    try:
        with _TIME.replaced({"monotonic": _monotonic, "monotonic_ns": _monotonic_ns, "sleep": _sleep}):
            yield clock
    finally:
        travel.stop()
        _current = None


@dataclass
class BodyRun:
    """One run of a step body: its key, and whether the body read something the key decides."""

    key: str
    key_read: bool = False


@contextmanager
def step_body(key: str) -> Iterator[BodyRun]:
    """Inside, user code on this thread reads a step body's clock (see the module docstring);
    `key` names this run of the body, as its seeded randomness does (replay_fuzz.entropy)."""
    outer = getattr(_body, "slept", None), getattr(_body, "run", None)
    run = BodyRun(key)
    _body.slept, _body.run = 0.0, run
    try:
        yield run
    finally:
        _body.slept, _body.run = outer


def body_key() -> str | None:
    """The key of the step body running on this thread, if one is (noted as read: what the caller
    derives from it differs between runs of the body)."""
    run: BodyRun | None = getattr(_body, "run", None)
    if run is None:
        return None
    run.key_read = True
    return run.key
