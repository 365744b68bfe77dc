"""An approval flow with a child context, a callback and typed error handling."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import (
    CallbackError,
    DurableContext,
    durable_execution,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_with_child_context
def collect_quotes(ctx: DurableContext, vendors: list[str]) -> list[dict[str, Any]]:
    return [ctx.step(lambda _, v=vendor: {"vendor": v, "price": len(v) * 10}, name=f"quote-{vendor}")
            for vendor in vendors]


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    quotes = context.run_in_child_context(collect_quotes(sorted(set(event["vendors"]))), name="quotes")
    best = min(quotes, key=lambda quote: (quote["price"], quote["vendor"]))
    callback = context.create_callback("approval", CallbackConfig(timeout=Duration.from_hours(1)))
    context.step(lambda _: {"notify": callback.callback_id}, name="request-approval")
    try:
        decision = callback.result()
    except CallbackError as error:
        return {"approved": False, "reason": str(error)}
    return {"approved": decision is not None, "vendor": best["vendor"]}
