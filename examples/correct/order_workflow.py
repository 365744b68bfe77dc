"""An order workflow that is safe to replay.

Every non-deterministic read and every side effect happens inside a step, names
come from the event, and the wait suspends instead of sleeping.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration

PRICES = {"apple": 3, "pear": 4, "plum": 2}


@durable_step
def reserve_stock(step_context: StepContext, sku: str, quantity: int) -> dict[str, Any]:
    # Inside a step: the result is checkpointed, so the clock read happens once.
    return {"sku": sku, "quantity": quantity, "reserved_at": time.time()}


@durable_step
def charge(step_context: StepContext, order_id: str, amount: int) -> dict[str, Any]:
    # The idempotency key is derived from the order, never drawn fresh per attempt.
    key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"charge/{order_id}"))
    return {"order_id": order_id, "amount": amount, "idempotency_key": key}


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    order_id = context.step(lambda _: str(uuid.uuid4()), name="order-id")
    lines = sorted(event["lines"], key=lambda line: line["sku"])

    reservations = context.map(
        lines,
        lambda item_ctx, line, index, _: item_ctx.step(reserve_stock(line["sku"], line["quantity"])),
        name="reserve",
    ).get_results()

    total = sum(PRICES[line["sku"]] * line["quantity"] for line in lines)
    context.wait(Duration.from_seconds(2), name="fraud-hold")
    payment = context.step(charge(order_id, total))
    context.logger.info("charged %s", order_id)
    return {"order_id": order_id, "total": total, "payment": payment, "reserved": len(reservations)}
