"""Handlers whose replay bugs no static rule sees; `durable-fuzz` finds them by running them.

Each passes `durable-lint check` (the clock and uuid reads are inside steps, the list
is mutated through a helper in another module), yet each breaks under a crash or a
suspension:
- `checkout` draws a fresh idempotency key inside the charge step, so a crash after
  the charge ran and before its checkpoint charges the card again with a new key;
- `ship` records the shipment in a list owned by orchestration code, through a helper,
  from inside a step; replay skips the step body and the record is lost.
"""

from __future__ import annotations

import uuid

from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration

import payments


@durable_step
def charge_card(step_context, customer: str, amount: int) -> dict:
    return payments.charge(customer, amount, idempotency_key=str(uuid.uuid4()))


@durable_execution
def checkout(event: dict, context: DurableContext) -> dict:
    receipt = context.step(charge_card(event.get("customer", "c-1"), event.get("amount", 42)))
    context.wait(Duration.from_seconds(60), name="settle")
    return {"charged": receipt["amount"]}


@durable_execution
def ship(event: dict, context: DurableContext) -> dict:
    shipped: list[str] = []
    context.step(lambda _: payments.remember(shipped, event.get("order", "o-1")), name="ship")
    context.wait(Duration.from_seconds(60), name="cool-down")
    return {"shipped": shipped}
