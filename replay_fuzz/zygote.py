"""A pre-started execution environment factory: `python -m replay_fuzz.zygote`.

A zygote is started once per hash seed (`PYTHONHASHSEED`), imports the SDK, installs
the fuzzer's hooks and effects and imports the target, then waits. For each line on
its standard input (a listener address) it forks: the child is a fresh execution
environment (module globals as imported, the zygote's hash seed) that connects back
to the fuzzer and serves invocations until the connection closes. Forking a process
that has already imported everything costs milliseconds; starting an interpreter
and importing the SDK costs hundreds.

The zygote starts no threads, so forking it is safe. It dies with the fuzzer, its
environments die with it, and it adopts and kills what user code leaves running
(see replay_fuzz.reaper).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import sys
from multiprocessing.connection import Client, Connection
from typing import Any

from replay_fuzz import reaper


def _serve(connection: Connection, handler: Any) -> None:
    """The forked child: run invocations the fuzzer sends until it hangs up."""
    from replay_fuzz.remote import run_remote_invocation

    if "replay_fuzz.aws_remote" in sys.modules:
        sys.modules["replay_fuzz.aws_remote"].serve_through(connection)
    connection.send(("hello", os.getpid(), int(os.environ.get("PYTHONHASHSEED", "0"))))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(("done", run_remote_invocation(handler, request)))


def _warm_up() -> None:
    """Run the SDK once on a handler of our own, so lazy imports and caches are paid here, not
    in every forked environment; the target's module globals stay as imported."""
    import json as _json

    from aws_durable_execution_sdk_python import durable_execution
    from aws_durable_execution_sdk_python.config import Duration

    from replay_fuzz.invocation import RunOptions
    from replay_fuzz.runner import run_execution
    from replay_fuzz.schedule import Schedule

    @durable_execution
    def warm(event: Any, context: Any) -> Any:
        context.step(lambda _: 1, name="step")
        context.wait(Duration.from_seconds(1), name="wait")
        context.create_callback("callback").result()
        context.run_in_child_context(lambda child: child.step(lambda _: 2, name="inner"), name="child")
        context.map([1, 2], lambda ctx, item, index, items: item, name="map")
        context.parallel([lambda ctx: 1, lambda ctx: 2], name="parallel")
        return _json.dumps({"ok": True})

    for _ in range(10):  # often enough for the interpreter to specialise the SDK's hot paths
        run_execution(warm, {}, Schedule(), RunOptions(), direct=True)


def _stop(signum: int, frame: Any) -> None:
    """SIGTERM from the pool: end every environment and whatever they started, then leave."""
    reaper.kill_descendants()
    os._exit(0)


def main() -> None:
    reaper.die_with_parent(os.getppid())
    reaper.become_subreaper()
    signal.signal(signal.SIGTERM, _stop)
    setup = json.loads(sys.argv[1])
    # Standard output is the pool's "ready" line; what the target prints goes nowhere.
    ready = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.path[:0] = [p for p in setup["sys_path"] if p not in sys.path]
    # time-machine imports pytest for its plugin if it can (a fifth of a zygote's start-up);
    # no environment needs that plugin, and the target may still import pytest itself.
    had_pytest, sys.modules["pytest"] = "pytest" in sys.modules, None  # type: ignore[assignment]
    from replay_fuzz import guard, hooks
    from replay_fuzz.effects import install_effects
    from replay_fuzz.target import load_target

    if not had_pytest:
        del sys.modules["pytest"]

    if not setup.get("allow_network"):  # before the import: the module's own code is user code too
        guard.refuse_network_from_now()
    hooks.install()
    if setup["aws"] is not None:  # before the target: the clients it creates at import are covered too
        from replay_fuzz import aws_remote

        aws_remote.install(setup["aws"])
    [(_, handler)] = load_target(setup["target"])
    install_effects(setup["effects"])
    _warm_up()  # after the import, so what it caches (e.g. the clock's look at user modules) covers the target
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    authkey = bytes.fromhex(setup["authkey"])
    logging.getLogger("aws_durable_execution_sdk_python").setLevel(logging.CRITICAL + 1)
    print("ready", file=ready, flush=True)
    ready.close()
    # Nobody reads these pipes after start-up: a child that printed or logged into them
    # would block once they filled.
    os.dup2(devnull, 2)
    # Children share this process's memory copy-on-write; a collection would touch every
    # inherited object and copy every page, so inherited objects are left to no collector.
    gc.collect()
    gc.freeze()
    for line in sys.stdin:
        address = line.strip()
        if not address:
            continue
        zygote = os.getpid()
        if os.fork() == 0:
            reaper.die_with_parent(zygote)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sys.stdin.close()
            try:
                _serve(Client(address, family="AF_UNIX", authkey=authkey), handler)
            finally:
                os._exit(0)
    reaper.kill_descendants()


if __name__ == "__main__":
    main()
