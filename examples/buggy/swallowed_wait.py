"""Handlers whose waits and step results do not survive replay."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

SEEN: set[str] = set()


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    audit: list[str] = []
    try:
        context.wait(Duration.from_minutes(5), name="cool-down")
    except BaseException:  # DUR704: swallows the suspension, so the wait is skipped
        pass
    context.step(lambda _: audit.append("shipped"), name="ship")  # DUR701: lost on replay
    SEEN.add(event["order_id"])  # DUR702: kept by warm environments, lost by cold ones
    try:
        return {"audit": audit}
    finally:
        context.step(lambda _: "released", name="release")  # DUR707: runs on every suspension
