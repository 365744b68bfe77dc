"""Handlers of growing size for bench/fuzz_scale.py: a loop of steps, and a map of one-step items."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def _steps(context: DurableContext, count: int) -> int:
    total = 0
    for number in range(count):
        total += context.step(lambda _, number=number: number, name=f"step-{number}")
    return total


@durable_execution
def steps_10(event: dict, context: DurableContext) -> int:
    return _steps(context, 10)


@durable_execution
def steps_100(event: dict, context: DurableContext) -> int:
    return _steps(context, 100)


def _item(ctx: DurableContext, item: int, index: int, items: list[int]) -> int:
    return ctx.step(lambda _: item * 2, name="double")


@durable_execution
def map_100(event: dict, context: DurableContext) -> list[int]:
    return context.map(list(range(100)), _item, name="double-all", config=MapConfig(max_concurrency=10)).get_results()
