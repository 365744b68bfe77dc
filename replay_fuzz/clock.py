"""Virtual time for the code under test, so a branch on elapsed time behaves as in production.

Time starts at the backend's fixed instant, is frozen while code runs, and moves
only when the backend says (waits, retry delays). time-machine patches the wall
clocks at the C level (`time.time`, `time_ns`, `datetime.now/utcnow`,
`date.today`), so names bound before the run see them too. It leaves the monotonic
clock alone; here `time.monotonic` and `monotonic_ns` are replaced on the `time`
module and wherever user code bound them at import (`from time import monotonic`,
`clock = time.monotonic`): in the globals of every module outside the standard
library and the installed packages. Library code keeps the real monotonic clock,
which its timeouts need.
"""

from __future__ import annotations

import site
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import time_machine

from replay_fuzz.backend import Backend

MONOTONIC_ORIGIN = 1000.0  # what the virtual monotonic clock reads at the start
_REAL = {"monotonic": time.monotonic, "monotonic_ns": time.monotonic_ns}
_LIBRARIES = tuple({*(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
                    *site.getsitepackages(), site.getusersitepackages()})
_OWN_PACKAGES = ("replay_fuzz", "durable_lint")


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

    virtual = {"monotonic": monotonic, "monotonic_ns": monotonic_ns}
    for clock, function in virtual.items():
        function.__durable_fuzz_clock__ = clock  # type: ignore[attr-defined]
    bindings = [(time.__dict__, clock, clock) for clock in virtual] + _user_bindings()
    for namespace, name, clock in bindings:
        namespace[name] = virtual[clock]
    try:
        yield coordinates
    finally:
        # Modules imported during the run bound the virtual clocks: they get the real ones too.
        for namespace, name, clock in bindings + _user_bindings():
            namespace[name] = _REAL[clock]
        traveller.stop()


Binding = tuple[dict[str, Any], str, str]  # (module globals, name, "monotonic" or "monotonic_ns")
_bindings_cache: tuple[int, list[Binding]] = (-1, [])


def _user_bindings() -> list[Binding]:
    """Every module-level name in user code bound to a monotonic clock, real or virtual.

    Looked for again only when modules were imported since the last look (cheap per execution).
    """
    global _bindings_cache
    seen, bindings = _bindings_cache
    if seen != len(sys.modules):
        bindings = [(module.__dict__, name, clock) for module in list(sys.modules.values()) if _is_user_code(module)
                    for name, value in list(module.__dict__.items()) if (clock := _clock_of(value))]
        _bindings_cache = (len(sys.modules), bindings)
    return bindings


def _clock_of(value: object) -> str | None:
    for clock, real in _REAL.items():
        if value is real:
            return clock
    return getattr(value, "__durable_fuzz_clock__", None) if callable(value) else None


def _is_user_code(module: ModuleType) -> bool:
    path = getattr(module, "__file__", None)
    if not path or module.__name__.partition(".")[0] in _OWN_PACKAGES:
        return False
    return not path.startswith(_LIBRARIES)
