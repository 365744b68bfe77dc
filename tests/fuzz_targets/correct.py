"""Handlers that replay correctly, using every kind of durable operation."""

from __future__ import annotations

import random
import time
import uuid
from random import randrange  # bound at import: durable-fuzz seeds it too
from typing import TypedDict

from aws_durable_execution_sdk_python import (
    DurableContext,
    durable_execution,
    durable_parallel_branch,
    durable_step,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import CallbackConfig, CompletionConfig, Duration, MapConfig, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision

from tests.fuzz_targets import services


class Order(TypedDict):
    order_id: str
    amount: int
    items: list[str]


RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=3)))


@durable_step
def charge_card(step_context, order_id: str, amount: int) -> str:
    return services.charge(amount, idempotency_key=f"charge-{order_id}")


@durable_with_child_context
def pack(ctx: DurableContext, items: list[str]) -> list[str]:
    return [ctx.step(lambda _, i=item: i.upper(), name=f"pack-{item}") for item in items]


@durable_parallel_branch(name="notify")
def notify(ctx: DurableContext, order_id: str) -> str:
    return ctx.step(lambda _: services.send_email("ops@example.com", order_id) or "sent", name="notify-ops")


@durable_parallel_branch(name="audit")
def audit(ctx: DurableContext, order_id: str) -> str:
    return ctx.step(lambda _: f"audited-{order_id}", name="audit")


@durable_execution
def order(event: Order, context: DurableContext) -> dict:
    order_id = context.step(lambda _: f"{event['order_id']}-{uuid.uuid4().hex[:6]}", name="order-id")
    started = context.step(lambda _: time.time(), name="started")
    packed = context.run_in_child_context(pack(sorted(event["items"])), name="pack")
    sizes = context.map(event["items"], lambda ctx, item, index, _: ctx.step(lambda _: len(item), name=f"size-{index}"),
                        name="sizes").get_results()
    context.wait(Duration.from_seconds(30), name="fraud-hold")
    receipt = context.step(charge_card(order_id, event["amount"]), config=RETRY)
    branches = context.parallel([notify(order_id), audit(order_id)], name="after-charge").get_results()
    lucky = context.step(lambda _: random.randint(1, 6), name="lucky")
    return {"order": order_id, "started": started, "packed": packed, "sizes": sizes, "receipt": receipt,
            "branches": branches, "lucky": lucky}


def poll_job(state: dict, check_context) -> dict:
    return {"polls": state["polls"] + 1, "done": state["polls"] + 1 >= 3}


def every_ten_seconds(state: dict, attempt: int) -> WaitForConditionDecision:
    if state["done"]:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(10))


@durable_execution
def approval(event: dict, context: DurableContext) -> dict:
    callback = context.create_callback("approval", CallbackConfig(timeout=Duration.from_hours(1)))
    context.step(lambda _: services.send_email("boss@example.com", callback.callback_id), name="ask")
    answer = callback.result()
    job = context.wait_for_condition(
        poll_job, WaitForConditionConfig(wait_strategy=every_ten_seconds, initial_state={"polls": 0, "done": False}),
        name="job",
    )
    return {"answer": answer, "job": job}


def draw_ticket(ctx: DurableContext, entrant: str, index: int, entrants: list[str]) -> str:
    def ticket(_) -> str:
        first = random.randrange(1000)
        time.sleep(0.002)  # let the other items' bodies run in between
        return f"{entrant}:{first}:{randrange(1000)}:{uuid.uuid4().hex[:8]}"

    return ctx.step(ticket, name=f"ticket-{entrant}")


@durable_execution
def raffle(event: dict, context: DurableContext) -> list[str]:
    """Step bodies of concurrent map items draw randomness: each is checkpointed, so this is correct.
    (Every item runs whatever fails, so the fuzzer keeps the items concurrent.)"""
    return context.map(["ann", "bob", "cy", "di"], draw_ticket, name="raffle",
                       config=MapConfig(completion_config=CompletionConfig.all_completed())).get_results()


def staggered_branch(name: str, seconds: int):
    """A branch that waits its own time: the SDK resumes it in-process once that time has come.
    Later branches start later, so their waits move the clock while earlier ones are suspended."""

    @durable_parallel_branch(name=name)
    def branch(ctx: DurableContext) -> str:
        ctx.step(lambda _: time.sleep(seconds / 300) or name, name=f"{name}-start")
        ctx.wait(Duration.from_seconds(seconds), name=f"{name}-wait")
        return ctx.step(lambda _: f"{name}-done", name=f"{name}-finish", config=RETRY)

    return branch()


@durable_execution
def staggered(event: dict, context: DurableContext) -> list[str]:
    """Branches that suspend at different times, so some resume while others still run."""
    return context.parallel([staggered_branch("a", 3), staggered_branch("b", 6), staggered_branch("c", 9)],
                            name="staggered").get_results()


NO_RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))


@durable_execution
def compensated(event: dict, context: DurableContext) -> str:
    """A saga: when the charge fails for good, refund and report it (a failure is an answer, not a bug)."""
    try:
        return context.step(lambda _: services.charge(10, idempotency_key="order-1"), name="charge", config=NO_RETRY)
    except Exception as error:  # noqa: BLE001 - the step's final failure, handled
        context.step(lambda _: "refunded", name="refund")
        return f"compensated: {type(error).__name__}"


def ask(name: str):
    @durable_parallel_branch(name=name)
    def branch(ctx: DurableContext) -> str:
        return ctx.create_callback(name=name, config=CallbackConfig(timeout=Duration.from_seconds(30))).result()

    return branch()


@durable_execution
def approvals(event: dict, context: DurableContext) -> dict:
    """Three callbacks in a fail-fast parallel (the default): the first failure completes it."""
    batch = context.parallel([ask("legal"), ask("finance"), ask("security")], name="approvals")
    return {"approved": batch.get_results(), "status": batch.status.value}
