"""Handlers with replay bugs that only running them shows (each is a real handler on the SDK)."""

from __future__ import annotations

import random
import uuid

from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_parallel_branch, durable_step
from aws_durable_execution_sdk_python.config import Duration

from tests.fuzz_targets import services

INVOCATIONS = 0


def charge(step_context):
    return "charged"


def refund(step_context):
    return "refunded"


@durable_execution
def random_branch(event: dict, context: DurableContext) -> dict:
    """The draw is hidden from static analysis behind getattr."""
    draw = getattr(random, "ran" + "dom")
    chosen = context.step(charge if draw() < 0.5 else refund)
    context.wait(Duration.from_seconds(5), name="settle")
    return {"chosen": chosen}


@durable_execution
def captured_mutation(event: dict, context: DurableContext) -> dict:
    shipped: list[str] = []
    context.step(lambda _: shipped.append(event.get("order", "o-1")), name="ship")
    context.wait(Duration.from_seconds(5), name="cool-down")
    return {"shipped": shipped}


@durable_execution
def email_from_orchestration(event: dict, context: DurableContext) -> dict:
    services.send_email(event.get("to", "ana@example.com"), "your order is confirmed")
    context.wait(Duration.from_seconds(5), name="cool-down")
    return context.step(lambda _: "done", name="finish")


@durable_step
def charge_card(step_context, amount: int) -> str:
    return services.charge(amount, idempotency_key=str(uuid.uuid4()))


@durable_execution
def fresh_charge_key(event: dict, context: DurableContext) -> dict:
    receipt = context.step(charge_card(event.get("amount", 42)))
    return {"receipt": receipt}


@durable_execution
def swallowed_suspension(event: dict, context: DurableContext) -> dict:
    try:
        context.wait(Duration.from_minutes(5), name="cool-down")
    except BaseException:  # noqa: BLE001 - the bug under test
        pass
    return context.step(lambda _: "shipped", name="ship")


@durable_execution
def warm_counter_name(event: dict, context: DurableContext) -> dict:
    global INVOCATIONS
    INVOCATIONS += 1
    result = context.step(lambda _: "work", name=f"work-{INVOCATIONS}")
    context.wait(Duration.from_seconds(1), name="pause")
    return {"result": result}


@durable_execution
def third_invocation_differs(event: dict, context: DurableContext) -> int:
    """A replay bug that needs two crashes (only the search finds it): only a third invocation names its step otherwise."""
    third = context.lambda_context.aws_request_id.endswith("-3")
    first = context.step(lambda _: 1, name="first")
    second = context.step(lambda _: 2, name="third-time" if third else "second")
    return first + second


@durable_parallel_branch(name="patient")
def patient(ctx: DurableContext) -> str:
    try:
        ctx.wait(Duration.from_minutes(5), name="branch-pause")
    except BaseException:  # noqa: BLE001 - the bug under test, inside a branch
        pass
    return ctx.step(lambda _: "done", name="branch-finish")


@durable_execution
def swallowed_in_branch(event: dict, context: DurableContext) -> list[str]:
    return context.parallel([patient()], name="one-branch").get_results()
