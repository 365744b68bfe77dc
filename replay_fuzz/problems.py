"""Problems as the report shows them: the simplest schedule per kind, and how to run it again.

Each shard shrinks what it finds on its own; per kind the report keeps the simplest
schedule any shard found, with the command line and the `fuzz(...)` call that replay it.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from replay_fuzz import checks
from replay_fuzz.report import Problem
from replay_fuzz.schedule import FaultSpace, Schedule

if TYPE_CHECKING:
    from replay_fuzz.engine import Campaign, Found


def simplest_per_kind(founds: Sequence[Found]) -> Found:
    """Per kind, the simplest schedule the shards found (each shrank on its own); the earliest shard on a tie."""
    chosen: Found = {}
    for found in founds:
        for kind, (schedule, finding, output) in found.items():
            if kind not in chosen or _complexity(schedule) < _complexity(chosen[kind][0]):
                chosen[kind] = (schedule, finding, output)
    return chosen


def _complexity(schedule: Schedule) -> tuple[int, int, int, int]:
    """How much happens in a schedule: faults, callbacks answered other than with success, cold starts, a warm start."""
    return (len(schedule.faults), sum(kind != "success" for _, kind in schedule.callbacks), len(schedule.cold),
            int(schedule.warm_start))


def problem(campaign: Campaign, space: FaultSpace, schedule: Schedule, finding: checks.Difference, output: str) -> Problem:
    command = ["durable-fuzz", campaign.target, "--event", json.dumps(campaign.event, separators=(",", ":"))]
    for effect in campaign.effects:
        command += ["--effect", effect]
    if campaign.aws is not None:
        command += ["--aws", "moto"] + (["--setup", campaign.aws.setup_name] if campaign.aws.setup_name else [])
    command += ["--strict-effects"] * campaign.strict_effects + ["--environments"] * campaign.cold_search
    command += ["--replay", schedule.token()]
    return Problem(finding.kind, finding.message, tuple(space.describe(schedule)), shlex.join(command),
                   finding.reference, finding.observed, schedule.token(), output, finding.first_seen,
                   _python_replay(campaign, schedule))


def _python_replay(campaign: Campaign, schedule: Schedule) -> str:
    """The `fuzz(...)` call that runs `schedule` again, for a test."""
    handler = getattr(campaign.handler, "__name__", "handler")
    arguments = [handler, f"events=[{campaign.event!r}]"]
    arguments += [f"effects={list(campaign.effects)!r}"] * bool(campaign.effects)
    arguments += ["strict_effects=True"] * campaign.strict_effects + ["environments=True"] * campaign.cold_search
    if campaign.aws is not None:  # without AWS in memory the replayed run would fail on its first AWS call
        arguments += ["aws='moto'"] + ([f"setup={campaign.aws.setup_name!r}"] if campaign.aws.setup_name else [])
    arguments.append(f"replay={schedule.token()!r}")
    return f"from {campaign.handler.__module__} import {handler}; fuzz({', '.join(arguments)})"
