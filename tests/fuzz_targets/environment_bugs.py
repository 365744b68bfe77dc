"""Bugs that only show when a replay lands in a cold execution environment."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

_TOKENS: dict[str, str] = {}


@durable_execution
def notify_regions(event: dict, context: DurableContext) -> dict:
    """Iterates a set of strings: the order follows PYTHONHASHSEED, which a cold start changes."""
    regions = {"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1", "ca-central-1"}
    context.wait(Duration.from_seconds(10), name="batch-window")
    sent = [context.step(lambda _, r=region: f"notified {r}", name=f"notify-{region}") for region in regions]
    return {"sent": sorted(sent)}


@durable_execution
def cached_token(event: dict, context: DurableContext) -> dict:
    """Keeps a token in a module global: a warm replay finds it, a cold one does not."""
    first = "token" not in _TOKENS
    _TOKENS.setdefault("token", "t-1")
    if first:
        context.step(lambda _: "fetched", name="fetch-token")
    context.wait(Duration.from_seconds(10), name="pause")
    return context.step(lambda _: "used", name="use-token")
