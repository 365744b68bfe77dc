"""Handlers that misbehave the ways real code does: durable-fuzz must end on each, and say why.

Each is a TARGET of its own (`hostile.py:NAME`); bench/hostile_handlers.py runs them all
with timeouts, and tests/test_fuzz_hygiene.py checks what each reports.
"""

import os
import re
import subprocess
import sys
import threading

from aws_durable_execution_sdk_python import durable_execution


def _forever() -> None:
    threading.Event().wait()


@durable_execution
def spins(event, context):
    def spin(_):
        while True:
            pass

    return context.step(spin, name="spin")


@durable_execution
def blocks(event, context):
    return context.step(lambda _: _forever(), name="block")


@durable_execution
def holds_the_lock(event, context):
    # Catastrophic backtracking: the regular expression engine keeps the interpreter lock throughout.
    return context.step(lambda _: bool(re.match(r"(a+)+$", "a" * 64 + "b")), name="match")


@durable_execution
def leaves_a_thread(event, context):
    def start(_):
        threading.Thread(target=_forever, name="left-behind").start()  # not a daemon: it blocks interpreter exit
        return "started"

    return context.step(start, name="start")


@durable_execution
def leaves_a_process(event, context):
    def start(_):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)  # durable-fuzz-stray"],
                         start_new_session=True)
        return "started"

    return context.step(start, name="start")


@durable_execution
def exits_in_a_step(event, context):
    return context.step(lambda _: os._exit(3), name="exit")


@durable_execution
def exits_on_replay(event, context):
    if context.is_replaying():  # only an invocation after a crash or suspension gets here
        os._exit(7)
    context.step(lambda _: 1, name="first")
    return "done"


@durable_execution
def spins_on_replay(event, context):
    context.step(lambda _: 1, name="first")
    if context.is_replaying():  # each replay after a fault spins in orchestration code, forever

        while True:
            pass
    return context.step(lambda _: 2, name="second")


@durable_execution
def sys_exit_in_a_step(event, context):
    return context.step(lambda _: sys.exit(4), name="exit")


@durable_execution
def interrupts_orchestration(event, context):
    context.step(lambda _: 1, name="first")
    raise KeyboardInterrupt


@durable_execution
def raises_base_exception(event, context):
    def fail(_):
        raise BaseException("not an Exception")

    return context.step(fail, name="fail")


@durable_execution
def chatty(event, context):
    print("hello from orchestration")
    return context.step(lambda _: print("hello from a step", file=sys.stderr) or "ok", name="talk")


@durable_execution
def huge_result(event, context):
    return context.step(lambda _: "x" * 1_000_000, name="big")
