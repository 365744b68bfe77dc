"""Processes the code under test starts do not outlive the fuzzer.

A process that fuzzes (or serves execution environments) becomes a child
subreaper (Linux `PR_SET_CHILD_SUBREAPER`): whatever user code forks and abandons
is re-parented to it instead of to init, and `kill_descendants()` ends them all
before it exits. Elsewhere both do nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_PDEATHSIG = 1


def become_subreaper() -> bool:
    """Adopt orphaned descendants; False where the system cannot."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent(parent: int) -> None:
    """Let the kernel kill this process when `parent` dies (Linux); exit now if it already has."""
    if _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) and os.getppid() != parent:
        os._exit(1)


def _prctl(option: int, value: int) -> bool:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children(pid: int | None = None) -> list[int]:
    """The live children of `pid` (default: this process), from /proc; [] where there is no /proc."""
    parent = os.getpid() if pid is None else pid
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry))
    return found


def kill_descendants(keep: frozenset[int] = frozenset(), rounds: int = 20) -> None:
    """SIGKILL every child but `keep`, round after round, as orphans of the killed ones are adopted."""
    for _ in range(rounds):
        strays = [pid for pid in children() if pid not in keep]
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
