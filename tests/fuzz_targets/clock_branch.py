"""Branches on elapsed time whose start orchestration code reads again on every replay."""

from __future__ import annotations

import time
from time import monotonic

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def reminder(event: dict, context: DurableContext) -> dict:
    deadline = time.time() + 3600  # read again on every replay: the bug
    context.wait(Duration.from_hours(2), name="grace-period")
    if time.time() > deadline:
        return context.step(lambda _: "escalated", name="escalate")
    return context.step(lambda _: "reminded", name="remind")


@durable_execution
def patience(event: dict, context: DurableContext) -> dict:
    began = monotonic()  # bound at import, read again on every replay: the bug
    context.wait(Duration.from_hours(2), name="grace-period")
    if monotonic() - began > 3600:
        return context.step(lambda _: "gave up", name="give-up")
    return context.step(lambda _: "waited", name="keep-waiting")
