"""Replay bugs inside loops and maps: the single-fault pass must find them while running only a few
points of each class of alike fault points (see replay_fuzz.classes)."""

from __future__ import annotations

import random
import uuid

from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, MapConfig

from tests.fuzz_targets import services

ITEMS = 6


@durable_step
def charge_line(step_context, line: int) -> str:
    return services.charge(line, idempotency_key=str(uuid.uuid4()))


@durable_execution
def loop_fresh_keys(event: dict, context: DurableContext) -> list[str]:
    """Each line is charged with a new idempotency key whenever its step runs again."""
    return [context.step(charge_line(line)) for line in range(ITEMS)]


@durable_execution
def loop_captured_mutation(event: dict, context: DurableContext) -> list[int]:
    """The list the steps append to is rebuilt empty by a replay, which skips the steps that ran."""
    shipped: list[int] = []
    for line in range(ITEMS):
        context.step(lambda _, line=line: shipped.append(line), name=f"ship-{line}")
    return shipped


def _email_item(ctx: DurableContext, item: int, index: int, items: list[int]) -> str:
    services.send_email(f"customer-{item}@example.com", "shipped")  # orchestration code: re-sent at each replay
    return ctx.step(lambda _: f"done-{item}", name="finish")


@durable_execution
def map_email_from_item(event: dict, context: DurableContext) -> list[str]:
    return context.map(list(range(ITEMS)), _email_item, name="notify", config=MapConfig(max_concurrency=2)).get_results()


def _random_item(ctx: DurableContext, item: int, index: int, items: list[int]) -> str:
    return ctx.step(lambda _: "ok", name=f"work-{random.randrange(1000)}")


@durable_execution
def map_random_name(event: dict, context: DurableContext) -> list[str]:
    return context.map(list(range(ITEMS)), _random_item, name="work", config=MapConfig(max_concurrency=2)).get_results()


def _patient_item(ctx: DurableContext, item: int, index: int, items: list[int]) -> str:
    try:
        ctx.wait(Duration.from_minutes(5), name="pause")
    except BaseException:  # noqa: BLE001 - the bug under test, inside a map item
        pass
    return ctx.step(lambda _: "done", name="finish")


@durable_execution
def map_swallowed_suspension(event: dict, context: DurableContext) -> list[str]:
    return context.map(list(range(ITEMS)), _patient_item, name="patient", config=MapConfig(max_concurrency=2)).get_results()
