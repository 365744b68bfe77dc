"""Bugs that only production's variety between invocations and executions shows.

Each is found by durable-fuzz with its default options; `variety_correct.py` holds
the correct forms of the same handlers, which must stay clean.
"""

from __future__ import annotations

import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

_REPORTS: dict[str, str] = {}
_TOTALS: dict[str, int] = {}


@durable_execution
def audit_regions(event: dict, context: DurableContext) -> dict:
    """Iterates a set of strings: a replay in a cold environment (another PYTHONHASHSEED) visits them in another order."""
    regions = {"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"}
    audited = [context.step(lambda _, r=region: f"audited {r}", name=f"audit-{region}") for region in regions]
    return {"audited": sorted(audited)}


@durable_execution
def invoice_with_clock_key(event: dict, context: DurableContext) -> dict:
    """Builds a step name from the wall clock in orchestration code: a replay runs later, so the name changes."""
    invoice = f"invoice-{int(time.time())}"
    context.step(lambda _: "reserved", name="reserve")
    return context.step(lambda _: invoice, name=f"issue-{invoice}")


@durable_execution
def export_while_time_remains(event: dict, context: DurableContext) -> dict:
    """Decides how much to do from the invocation's remaining time: a replay has another budget."""
    exported = []
    for part in range(4):
        if context.lambda_context.get_remaining_time_in_millis() < 800_000:
            break
        exported.append(context.step(lambda _, p=part: f"part-{p}", name=f"export-{part}"))
    return {"exported": exported}


@durable_execution
def daily_report(event: dict, context: DurableContext) -> dict:
    """Caches the report per container: a final invocation that finds it answers without replaying anything."""
    day = event.get("day", "2030-01-01")
    if day in _REPORTS:
        return {"report": _REPORTS[day]}
    rows = context.step(lambda _: 42, name="count-rows")
    context.wait(Duration.from_seconds(30), name="settle")
    report = context.step(lambda _: f"{rows} rows", name="render")
    _REPORTS[day] = report
    return {"report": report}


@durable_execution
def running_total(event: dict, context: DurableContext) -> dict:
    """Keeps a total in a module global: the next execution in the same warm container starts from the last one's."""
    amount = context.step(lambda _: int(event.get("amount", 5)), name="read-amount")
    _TOTALS["sum"] = _TOTALS.get("sum", 0) + amount
    return {"total": context.step(lambda _, t=_TOTALS["sum"]: t, name="record-total")}


_INVOCATIONS: dict[str, int] = {}


@durable_execution
def third_invocation_differs(event: dict, context: DurableContext) -> int:
    """A replay bug that needs two crashes (only the search finds it): only a third invocation
    of an execution (counted per execution in a module global) names its step otherwise."""
    arn = context.state.durable_execution_arn
    _INVOCATIONS[arn] = _INVOCATIONS.get(arn, 0) + 1
    first = context.step(lambda _: 1, name="first")
    second = context.step(lambda _: 2, name="third-time" if _INVOCATIONS[arn] == 3 else "second")
    return first + second
