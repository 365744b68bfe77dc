"""Version 2 of the order service in v1.py: one change per handler."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration


@durable_step
def validate(step_context, order_id: str) -> str:
    return f"valid-{order_id}"


def capture(step_context) -> str:
    return "captured"


def refund(step_context) -> str:
    return "refunded"


@durable_execution
def renamed(event: dict, context: DurableContext) -> str:
    checked = context.step(lambda _: event["order_id"], name="check-order")  # renamed
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: f"charged {checked}", name="charge")


@durable_execution
def swapped(event: dict, context: DurableContext) -> list:
    second = context.step(lambda _: "priced", name="price")  # now first
    first = context.step(lambda _: "reserved", name="reserve")
    context.wait(Duration.from_seconds(30), name="settle")
    return [first, second]


@durable_execution
def inserted(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    context.step(lambda _: "scored", name="fraud-score")  # new, before the wait
    context.wait(Duration.from_seconds(60), name="fraud-hold")
    return context.step(lambda _: f"shipped {order}", name="ship")


@durable_execution
def map_items(event: dict, context: DurableContext) -> list:
    def pack(ctx: DurableContext, item: str, index: int, items: list) -> str:
        picked = ctx.step(lambda _: item.upper(), name="pick")
        ctx.step(lambda _: f"label-{index}", name="label")  # new, before the wait
        ctx.wait(Duration.from_seconds(10), name="restock")
        return picked

    return context.map(event["items"], pack, name="packing").get_results()


@durable_execution
def unreadable(event: dict, context: DurableContext) -> int:
    quote = context.step(lambda _: {"total": 5}, name="quote")  # the result's shape changed
    context.wait(Duration.from_seconds(30), name="approval-window")
    return quote["total"]


@durable_execution
def unnamed_swap(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(5), name="delay")
    captured = context.step(refund)  # another unnamed step at the same position
    context.wait(Duration.from_seconds(5), name="settle")
    return captured


@durable_execution
def appended(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    context.wait(Duration.from_seconds(30), name="cooldown")
    charged = context.step(lambda _: f"charged {order}", name="charge")
    context.step(lambda _: "mailed", name="receipt")  # new, at the end
    return charged


@durable_execution
def body_changed(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: "charged by bank transfer", name="charge")  # another result


@durable_execution
def wait_changed(event: dict, context: DurableContext) -> str:
    context.step(lambda _: "ok", name="check")
    context.wait(Duration.from_seconds(300), name="cooldown")  # longer
    return context.step(lambda _: "done", name="finish")


@durable_execution
def new_branch(event: dict, context: DurableContext) -> str:
    order = context.step(validate(event["order_id"]))
    if event.get("express"):  # old events never set it
        context.step(lambda _: "expedited", name="expedite")
    context.wait(Duration.from_seconds(30), name="cooldown")
    return context.step(lambda _: f"shipped {order}", name="ship")


def _charge_and_hold(context: DurableContext, order_id: str) -> tuple[str, str]:
    order = context.step(validate(order_id))
    paid = context.step(capture)
    context.wait(Duration.from_seconds(30), name="cooldown")
    return order, paid


@durable_execution
def refactored(event: dict, context: DurableContext) -> str:
    order, paid = _charge_and_hold(context, event["order_id"])  # the same operations, from a helper
    return context.step(lambda _: f"{order} {paid}", name="ship")


@durable_execution
def removed(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_seconds(30), name="cooldown")
    return "done"  # the notification was dropped


@durable_execution
def approval(event: dict, context: DurableContext) -> str:
    answer = context.wait_for_callback(lambda callback_id, ctx: None, name="manager")
    billed = context.invoke("billing", {"answer": answer}, name="bill")
    context.step(lambda _: "logged", name="audit")  # new, at the end
    return billed
