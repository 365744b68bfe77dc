"""A branch on elapsed time whose deadline orchestration code recomputes on every replay."""

from __future__ import annotations

import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def reminder(event: dict, context: DurableContext) -> dict:
    deadline = time.time() + 3600  # read again on every replay: the bug
    context.wait(Duration.from_hours(2), name="grace-period")
    if time.time() > deadline:
        return context.step(lambda _: "escalated", name="escalate")
    return context.step(lambda _: "reminded", name="remind")
