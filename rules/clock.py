"""Clock reads and blocking sleeps in orchestration code."""

from __future__ import annotations

import ast

from durable_lint.fixes import Fix, duration_name, span, straight_line_context
from durable_lint.module import DurableModule
from durable_lint.rule import CallRule

# time functions that read the clock only when no explicit time is passed:
# function -> number of positional arguments that make the call deterministic.
_CLOCK_DEFAULTING = {"localtime": 1, "gmtime": 1, "ctime": 1, "asctime": 1, "strftime": 2}


class ClockRead(CallRule):
    """
    ## What it does
    Flags clock reads in orchestration code: `time.time()`, `time.monotonic()`,
    `time.perf_counter()`, `datetime.now()`, `datetime.utcnow()`, `date.today()`,
    and `time.localtime()`/`gmtime()`/`ctime()`/`asctime()`/`strftime()` without an
    explicit time argument. Aliases count (`from time import perf_counter as tick`).

    ## Why is this bad?
    The SDK replays orchestration code from the top on every invocation. A clock
    read returns a later time on each replay, so a branch or a value derived from it
    differs between the run that checkpointed and the run that replays, possibly
    months later.

    ## Example
    ```python
    @durable_execution
    def handler(event, context):
        if time.time() > event["deadline"]:
            return "expired"
    ```

    ## Use instead
    Read the clock once inside a step; replays get the checkpointed value:
    ```python
        now = context.step(lambda _: time.time(), name="read-clock")
    ```

    ## Fix safety
    `durable-lint fix` wraps `time.time()`, `time.monotonic()`, `time.perf_counter()`
    (and their `_ns` forms), `datetime.now()`, `utcnow()`, `today()` and
    `date.today()` in `context.step(lambda _: ..., name=...)` when the read runs once
    per run of the handler (not in a loop, comprehension, lambda or `finally`).
    """

    code = "DUR101"
    name = "clock-read"
    message = "{subject} reads the clock in orchestration code; every replay reads a later time. Read it in a step"
    calls = (
        r"time\.(time|time_ns|monotonic|monotonic_ns|perf_counter|perf_counter_ns"
        r"|process_time|process_time_ns|thread_time|thread_time_ns)",
        r"datetime\.datetime\.(now|utcnow|today)",
        r"datetime\.date\.today",
        r"time\.(localtime|gmtime|ctime|asctime|strftime)",
    )
    fixable = frozenset(
        {"time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
         "time.perf_counter_ns", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
         "datetime.date.today"}
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        function = path.rsplit(".", 1)[-1]
        if path.startswith("time.") and function in _CLOCK_DEFAULTING:
            needed = _CLOCK_DEFAULTING[function]
            explicit = [a for a in call.args[needed - 1 : needed] if not _is_none(a)]
            return not explicit
        return True

    VALID = (
        """
        import time
        from datetime import datetime
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            started = context.step(lambda _: time.time(), name="started")
            deadline = datetime.fromisoformat(event["deadline"])
            stamp = time.strftime("%Y", time.gmtime(started))
            return {"started": started, "deadline": deadline.isoformat(), "year": stamp}
        """,
        """
        from aws_durable_execution_sdk_python import durable_execution

        class Clock:
            def time(self):
                return 0

        @durable_execution
        def handler(event, context):
            time = Clock()
            return time.time()
        """,
    )
    INVALID = (
        """
        import time
        import datetime as dt
        from time import perf_counter as tick
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            started = time.time()  # <- DUR101
            today = dt.date.today()  # <- DUR101
            t0 = tick()  # <- DUR101
            stamp = time.strftime("%H:%M")  # <- DUR101
            return context.step(lambda _: [started, str(today), t0, stamp], name="record")
        """,
        """
        from datetime import datetime, timezone
        from aws_durable_execution_sdk_python.context import DurableContext, durable_with_child_context

        @durable_with_child_context
        def settle(ctx: DurableContext, order_id: str):
            if datetime.now(timezone.utc).hour > 17:  # <- DUR101
                return ctx.step(lambda _: "late", name="late")
            return "on-time"
        """,
    )


class BlockingSleep(CallRule):
    """
    ## What it does
    Flags `time.sleep()` and `asyncio.sleep()` in orchestration code.

    ## Why is this bad?
    A sleep burns billed Lambda time, is repeated on every replay and does not
    survive a crash: after a restart the handler sleeps again from the start. The
    SDK's `context.wait()` suspends the execution instead, costs nothing while
    waiting, and is checkpointed.

    ## Example
    ```python
        time.sleep(30)
    ```

    ## Use instead
    ```python
        context.wait(Duration.from_seconds(30), name="cool-down")
    ```

    ## Fix safety
    `durable-lint fix` replaces a `time.sleep(N)` statement, with N a whole number
    of seconds of at least 1, by `context.wait(Duration.from_seconds(N))` and adds
    the `Duration` import. Fractional or computed durations are left alone:
    `Duration` counts whole seconds and a wait takes at least one.
    """

    code = "DUR102"
    name = "blocking-sleep"
    message = "{subject} blocks in orchestration code, is repeated on every replay and lost on a crash. Use context.wait(Duration...)"
    calls = (r"time\.sleep", r"asyncio\.sleep")

    def fix(self, call: ast.Call, path: str, module: DurableModule) -> Fix | None:
        """`time.sleep(N)` as a statement, N a whole number of seconds >= 1 (the least a wait takes)."""
        seconds = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if path != "time.sleep" or not isinstance(module.parent(call), ast.Expr):
            return None
        if not (isinstance(seconds, ast.Constant) and type(seconds.value) is int and seconds.value >= 1):
            return None
        duration = duration_name(module, call)
        context = straight_line_context(module, call) if duration else None
        return Fix("sleep-to-wait", *span(call), context=context, duration=duration) if context and duration else None

    VALID = (
        """
        import time
        from aws_durable_execution_sdk_python import durable_execution, durable_step
        from aws_durable_execution_sdk_python.config import Duration

        @durable_step
        def poll(step_context, url):
            time.sleep(1)
            return url

        @durable_execution
        def handler(event, context):
            context.wait(Duration.from_seconds(30), name="cool-down")
            return context.step(poll(event["url"]))
        """,
    )
    INVALID = (
        """
        import time
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            context.step(lambda _: "sent", name="send")
            time.sleep(30)  # <- DUR102
            return "done"
        """,
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
