"""Pinned references: a run whose steps re-ran is compared with the straight-through run whose
step bodies draw what the re-runs drew, and only where the bodies read what their seed decides."""

from __future__ import annotations

import random

from aws_durable_execution_sdk_python import DurableContext, durable_execution

from replay_fuzz.engine import Campaign
from replay_fuzz.invocation import RunOptions
from replay_fuzz.schedule import Fault, Schedule


@durable_execution
def plain_steps(event: dict, context: DurableContext) -> list[int]:
    return [context.step(lambda _, number=number: number * 2, name=f"double-{number}") for number in range(3)]


@durable_execution
def drawing_step(event: dict, context: DurableContext) -> float:
    return context.step(lambda _: random.random(), name="draw")


@durable_execution
def reads_its_budget(event: dict, context: DurableContext) -> int:
    lambda_context = context.lambda_context
    return context.step(lambda _: lambda_context.get_remaining_time_in_millis(), name="budget")


@durable_execution
def draws_on_zero(event: dict, context: DurableContext) -> list[float]:
    coin = context.step(lambda _: random.randrange(2), name="coin")
    # Draws only when the coin came up 0: with the coin's draw pinned it may, without it not.
    maybe = context.step(lambda _: 0.0 if coin else random.random(), name="maybe")
    return [coin, maybe]


def _steps(campaign: Campaign) -> list[str]:
    """The step operations of the straight-through run, by name."""
    straight = campaign.reference()
    return [op for op, (kind, _, _) in sorted(straight.operation_types.items(), key=lambda item: str(item[1][1]))
            if kind == "STEP"]


def _rerun(step: str) -> Schedule:
    return Schedule(faults=(Fault("crash-after", step, "BODY", 1),))


def test_a_step_that_reads_nothing_of_its_seed_needs_no_pinned_run() -> None:
    campaign = Campaign(plain_steps, {}, "plain", RunOptions())
    steps = _steps(campaign)
    before = campaign.report.executions
    assert campaign.findings(_rerun(steps[1])) == []
    assert campaign.last_run is not None and campaign.last_run.body_runs[steps[1]] == 2  # the step did re-run
    assert campaign.report.executions - before == 1  # the schedule's own run; the reference was there


def test_a_step_that_draws_is_compared_with_the_run_pinned_to_its_draw() -> None:
    campaign = Campaign(drawing_step, {}, "draw", RunOptions())
    [step] = _steps(campaign)
    before = campaign.report.executions
    assert campaign.findings(_rerun(step)) == []  # its checkpointed result is the second draw, as the pinned run's
    assert campaign.report.executions - before == 2
    assert campaign.reference(pins=((step, 2),)).outcome != campaign.reference().outcome


def test_a_step_that_reads_the_time_left_is_compared_with_the_run_pinned_to_its_budget() -> None:
    campaign = Campaign(reads_its_budget, {}, "budget", RunOptions())
    [step] = _steps(campaign)
    assert campaign.findings(_rerun(step)) == []  # each run of the body sees a budget of its own
    assert campaign.reference().seeded_bodies == {step}


def test_a_pin_left_out_comes_back_when_the_other_pins_make_its_body_draw() -> None:
    campaign = Campaign(draws_on_zero, {}, "coin", RunOptions())
    coin, maybe = _steps(campaign)
    assert campaign.reference().seeded_bodies == {coin}  # unpinned, the coin came up 1: only the coin's pin counts
    drew = 0
    for run in range(2, 22):
        pins = ((coin, run), (maybe, run))
        chosen = campaign.reference(pins=pins)
        every_pin = campaign._straight((), pins, False)  # noqa: SLF001 - the run with every pin, for comparison
        assert chosen.outcome == every_pin.outcome, run
        drew += maybe in chosen.seeded_bodies
    assert 0 < drew < 20  # both cases met: the coin's pinned draw made the second step draw, and did not
