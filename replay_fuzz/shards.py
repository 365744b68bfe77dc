"""Run a campaign's shards in forked children, as many at once as there are cores.

Fuzzing is CPU-bound in the SDK's own code, and Python runs one thread at a time, so
more cores help only as more processes. After the straight-through run the engine
cuts the rest of the campaign into a fixed number of shards; each runs in a child
forked from this process, so every shard starts from the same state (the target
imported, the reference run done, module globals as it left them) whatever runs
beside it. Results therefore do not depend on `jobs`, only the wall time does.
Where `os.fork` does not exist (Windows) the shards run one after another in this
process.

A child talks back over a pipe: ("progress", payload) as it goes, then ("done",
result) or ("error", exception). It leaves Ctrl-C to the parent (which kills it),
sends what user code prints to a capture file (see replay_fuzz.capture), and kills
the processes user code started before it exits (see replay_fuzz.reaper).
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any, TypeVar

from replay_fuzz import capture, reaper

T = TypeVar("T")
Progress = Callable[[Any], None]
Shard = Callable[[Progress], T]


class ShardDied(Exception):
    """A child running a shard ended without a result (killed, or the code under test called os._exit).
    `work` is what it last said it was working on (see `working_on`), if anything."""

    def __init__(self, how: str, work: Any = None) -> None:
        super().__init__(f"a durable-fuzz worker process running the code under test {how} before it finished "
                         "(os._exit or a signal in the code under test?)")
        self.how, self.work = how, work


class ShardSilent(Exception):
    """A child sent no sign of life for too long (user code holding the interpreter lock): it was killed."""

    def __init__(self, message: str, work: Any = None) -> None:
        super().__init__(message)
        self.work = work


class ShardStuck(Exception):
    """A schedule left user code running in a thread that cannot be stopped (an invocation that
    never returned). It keeps running beside every later execution of that process, slowing and
    disturbing them, so the shard stops there and the schedule is reported."""

    def __init__(self, how: str, work: Any = None) -> None:
        super().__init__(how, work)  # both in args, so it pickles back to the parent
        self.how, self.work = how, work

    def __str__(self) -> str:
        return self.how


class ShardTimedOut(Exception):
    """The shards did not finish within the time given (their children are killed)."""


def default_jobs() -> int:
    """The cores this process may use; 1 inside a pytest-xdist worker, which already has its own core."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_shards(shards: Sequence[Shard[T]], jobs: int, on_progress: Callable[[int, Any], None],
               finished: dict[int, T] | None = None, timeout: float | None = None,
               silence: float | None = None, before_fork: Callable[[int], None] | None = None) -> list[T]:
    """Each shard's result, in shard order; `on_progress(index, payload)` hears from them as they go.
    `finished` (if given) holds the results so far, also when the run is interrupted; past
    `timeout` seconds (if given) the children are killed and ShardTimedOut raised. A child that
    sends nothing (see `alive`) for `silence` seconds is killed and ShardSilent raised: user code
    that holds the interpreter lock stops the child's own invocation timeout too. `before_fork(index)`
    (if given) runs in this process just before shard `index` starts (what it needs, made ready late)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    prepare = before_fork or (lambda index: None)
    if not hasattr(os, "fork"):
        in_order = []
        for index, shard in enumerate(shards):
            prepare(index)
            in_order.append(shard(lambda payload, index=index: on_progress(index, payload)))
        return in_order
    results: dict[int, T] = {} if finished is None else finished
    waiting = list(enumerate(shards))
    running: dict[Connection, tuple[int, int]] = {}  # connection -> (shard index, pid)
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    heard: dict[Connection, float] = {}
    work: dict[Connection, Any] = {}  # what each child last said it was working on
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                index, shard = waiting.pop(0)
                prepare(index)
                connection, pid = _fork(shard)
                running[connection] = (index, pid)
                heard[connection] = time.monotonic()
            quiet_until = min(heard[c] for c in running) + silence if silence is not None else math.inf
            until = min(deadline, quiet_until)
            ready = wait(list(running), None if until == math.inf else max(until - time.monotonic(), 0))
            now = time.monotonic()
            if not ready and now >= deadline:
                raise ShardTimedOut(f"not finished within {timeout:g} s")
            if not ready and now >= quiet_until:
                quiet = min(running, key=lambda c: heard[c])
                raise ShardSilent(f"a durable-fuzz worker running the code under test gave no sign of life for "
                                  f"{silence:g} s and was killed (code that holds the interpreter lock, such as a "
                                  "regular expression that never ends or a stuck C extension?)", work.get(quiet))
            for connection in ready:
                heard[connection] = now
                index, pid = running[connection]
                try:
                    kind, payload = connection.recv()
                except EOFError:
                    del running[connection]
                    connection.close()
                    raise ShardDied(_how_it_died(pid), work.get(connection)) from None
                if kind == "alive":
                    continue
                if kind == "working":
                    work[connection] = payload
                    continue
                if kind == "progress":
                    on_progress(index, payload)
                    continue
                del running[connection]
                connection.close()
                os.waitpid(pid, 0)
                if kind == "error":
                    raise payload
                results[index] = payload
    finally:
        for connection, (_, pid) in running.items():
            _kill(pid)
            connection.close()
    return [results[index] for index in range(len(shards))]


def _leave_to_the_parent(signum: int, frame: Any) -> None:
    """In a child: ignore a stop signal; the parent that receives it too stops the run."""


_alive: Callable[[], None] | None = None  # in a child: tells the parent it is still working
_working: Callable[[Any], None] | None = None  # in a child: tells the parent what it works on
_last_alive = 0.0


def working_on(payload: Any) -> None:
    """In a child, tell the parent what it starts now (named if the child dies in it); elsewhere nothing."""
    if _working is not None:
        _working(payload)


def alive() -> None:
    """In a child, tell the parent (at most once a second) that work goes on; elsewhere nothing."""
    global _last_alive
    if _alive is None:
        return
    now = time.monotonic()
    if now - _last_alive >= 1.0:
        _last_alive = now
        _alive()


def _fork(shard: Shard[Any]) -> tuple[Connection, int]:
    """Start `shard` in a child: the connection it reports on, and its pid."""
    reader, writer = Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):  # or the child would print what is still buffered here
        stream.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child
        reaper.die_with_parent(parent)
        reaper.become_subreaper()
        # Ctrl-C and a SIGTERM sent to the whole group are the parent's to handle: it prints the
        # partial report and kills this child. (A handler, not SIG_IGN, which programs the code
        # under test starts would inherit.)
        signal.signal(signal.SIGINT, _leave_to_the_parent)
        signal.signal(signal.SIGTERM, _leave_to_the_parent)
        reader.close()
        capture.capture_output()
        global _alive, _working
        _alive = lambda: writer.send(("alive", None))  # noqa: E731
        _working = lambda payload: writer.send(("working", payload))  # noqa: E731
        code = 0
        try:
            writer.send(("done", shard(lambda payload: writer.send(("progress", payload)))))
        except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
            code = 1
            try:
                writer.send(("error", error))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                writer.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        finally:
            reaper.kill_descendants()
            os._exit(code)  # threads user code left running end here
    writer.close()
    return reader, pid


def _how_it_died(pid: int) -> str:
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"was killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
