"""Virtual time for the code under test, so a branch on elapsed time behaves as in production.

Time starts at the backend's fixed instant, is frozen while code runs, and moves
only when the backend says (waits, retry delays). time-machine patches the wall
clocks at the C level (`time.time`, `time_ns`, `datetime.now/utcnow`,
`date.today`), so names bound before the run see them too. It leaves the monotonic
clock alone: `time.monotonic` and `monotonic_ns` are swapped on the `time` module
and wherever user code bound them at import (replay_fuzz.bindings); library code
keeps the real monotonic clock, which its timeouts need.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import time_machine

from replay_fuzz.backend import Backend
from replay_fuzz.bindings import Swap

MONOTONIC_ORIGIN = 1000.0  # what the virtual monotonic clock reads at the start
_MONOTONIC = Swap(time, ["monotonic", "monotonic_ns"])


@contextmanager
def virtual_time(backend: Backend) -> Iterator[Any]:
    """Inside, user code sees the backend's time; yields time-machine's coordinates (`move_to`)."""
    traveller = time_machine.travel(backend.now, tick=False)
    coordinates = traveller.start()
    backend.on_time = coordinates.move_to

    def monotonic() -> float:
        return MONOTONIC_ORIGIN + (backend.now - backend.start).total_seconds()

    def monotonic_ns() -> int:
        return int(monotonic() * 1_000_000_000)

    try:
        with _MONOTONIC.replaced({"monotonic": monotonic, "monotonic_ns": monotonic_ns}):
            yield coordinates
    finally:
        traveller.stop()
