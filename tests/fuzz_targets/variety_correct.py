"""The correct forms of production_variety.py's handlers: durable-fuzz must find nothing in them."""

from __future__ import annotations

import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration

_CLIENTS: dict[str, object] = {}


@durable_execution
def audit_regions(event: dict, context: DurableContext) -> dict:
    regions = sorted({"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"})
    audited = [context.step(lambda _, r=region: f"audited {r}", name=f"audit-{region}") for region in regions]
    return {"audited": audited}


@durable_execution
def invoice_with_clock_key(event: dict, context: DurableContext) -> dict:
    invoice = context.step(lambda _: f"invoice-{int(time.time())}", name="number-invoice")
    context.step(lambda _: "reserved", name="reserve")
    return context.step(lambda _: invoice, name="issue")


@durable_execution
def export_while_time_remains(event: dict, context: DurableContext) -> dict:
    budget = context.step(lambda _: context.lambda_context.get_remaining_time_in_millis(), name="measure-budget")
    parts = 4 if budget >= 800_000 else 1
    return {"exported": [context.step(lambda _, p=part: f"part-{p}", name=f"export-{part}") for part in range(parts)]}


@durable_execution
def slow_submitter(event: dict, context: DurableContext) -> dict:
    """Sleeps 5 s in the submitter (and in a step), as code that polls would: virtual, so it costs nothing."""

    def submit(callback_id: str, _context) -> None:
        time.sleep(5)

    answer = context.wait_for_callback(submit, name="approval")
    context.step(lambda _: time.sleep(5) or "slept", name="pause")
    return {"answer": answer}


@durable_execution
def cached_client(event: dict, context: DurableContext) -> dict:
    """A per-container client cache, the correct use of warm state: it changes no result."""
    client = _CLIENTS.setdefault("client", object())
    reply = context.step(lambda _: f"sent with a client: {client is not None}", name="send")
    context.wait(Duration.from_seconds(10), name="pause")
    return {"reply": reply}


@durable_step
def reserve_seat(step_context, seat: str) -> str:
    """A side effect as a @durable_step function: named as an effect, its body's runs are what count."""
    return f"reserved {seat}"


@durable_execution
def book(event: dict, context: DurableContext) -> dict:
    seat = context.step(reserve_seat(event.get("seat", "12A")))
    context.wait(Duration.from_seconds(5), name="hold")
    return {"seat": seat}
