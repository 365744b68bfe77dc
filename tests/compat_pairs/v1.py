"""Version 1 of an order service: each handler is paired with its version 2 in v2.py.

tests/test_fuzz_compat.py checks which changes in v2 break executions v1 left in flight.
"""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration


@durable_step
def validate(step_context, order_id: str) -> str:
    return f"valid-{order_id}"


def capture(step_context) -> str:
    return "captured"


@durable_execution
def renamed(event: dict, context: DurableContext) -> str:
    checked = context.step(lambda _: event["order_id"], name="validate")
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: f"charged {checked}", name="charge")


@durable_execution
def swapped(event: dict, context: DurableContext) -> list:
    first = context.step(lambda _: "reserved", name="reserve")
    second = context.step(lambda _: "priced", name="price")
    context.wait(Duration.from_seconds(30), name="settle")
    return [first, second]


@durable_execution
def inserted(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    context.wait(Duration.from_seconds(60), name="fraud-hold")
    return context.step(lambda _: f"shipped {order}", name="ship")


@durable_execution
def map_items(event: dict, context: DurableContext) -> list:
    def pack(ctx: DurableContext, item: str, index: int, items: list) -> str:
        picked = ctx.step(lambda _: item.upper(), name="pick")
        ctx.wait(Duration.from_seconds(10), name="restock")
        return picked

    return context.map(event["items"], pack, name="packing").get_results()


@durable_execution
def unreadable(event: dict, context: DurableContext) -> int:
    quote = context.step(lambda _: {"amount": 5}, name="quote")
    context.wait(Duration.from_seconds(30), name="approval-window")
    return quote["amount"]


@durable_execution
def unnamed_swap(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(5), name="delay")
    captured = context.step(capture)
    context.wait(Duration.from_seconds(5), name="settle")
    return captured


@durable_execution
def appended(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: f"charged {order}", name="charge")


@durable_execution
def body_changed(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: "charged by card", name="charge")


@durable_execution
def wait_changed(event: dict, context: DurableContext) -> str:
    context.step(lambda _: "ok", name="check")
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: "done", name="finish")


@durable_execution
def new_branch(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: f"shipped {order}", name="ship")


@durable_execution
def refactored(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    paid = context.step(capture)
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: f"{order} {paid}", name="ship")


@durable_execution
def declined(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(5), name="review")
    raise ValueError("card declined")


@durable_execution
def removed(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(30), name="cooldown")
    context.step(lambda _: "mailed", name="notify")
    return "done"


@durable_execution
def approval(event: dict, context: DurableContext) -> str:
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="manager")
    return context.invoke("billing", {"answer": answer}, name="bill")


_invocations: list[int] = []


@durable_execution
def unstable(event: dict, context: DurableContext) -> str:
    """A replay bug of its own: the step's name changes on every replay."""
    _invocations.append(1)
    context.step(lambda _: "a", name=f"attempt-{len(_invocations)}")
    context.wait(Duration.from_seconds(5), name="pause")
    return "ok"
