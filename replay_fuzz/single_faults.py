"""The single-fault pass: which schedules it runs, and running a part of them.

Every fault at every boundary the straight-through run crossed is run once (bounded
exhaustive enumeration, as crash-consistency testers do), so a clean report can say
which single crash and suspend points were covered, counting only the faults the run
really reached. With environments, some replays also land cold, and one schedule
starts the execution in the container an earlier execution left behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from replay_fuzz.classes import FaultClass
from replay_fuzz.environments import HASH_SEEDS
from replay_fuzz.records import ExecutionRecord
from replay_fuzz.schedule import Fault, FaultSpace, Schedule

if TYPE_CHECKING:
    from replay_fuzz.engine import Campaign, Found


def single_fault_schedules(classes: Sequence[FaultClass], landings: dict[Fault, int]) -> list[tuple[Schedule, bool]]:
    """The single-fault pass, each schedule with whether it ends its class's points: the straight run
    starting in the container an earlier execution left behind, then the chosen points of each class
    once, and for the faults in `landings` once more with the replay landing cold (fresh module
    globals, the hash seed of that index)."""
    schedules = [(Schedule(warm_start=True), False)]
    for fault_class in classes:
        chosen = fault_class.chosen()
        for index, fault in enumerate(chosen, start=1):
            schedules.append((Schedule(faults=(fault,)), index == len(chosen)))
            if fault in landings:
                schedules.append((Schedule(faults=(fault,), cold=((2, landings[fault]),)), False))
    return schedules


def run_single_faults(space: FaultSpace, numbered: Sequence[tuple[int, tuple[Schedule, bool]]], campaign: Campaign) -> Found:
    """Run one part of the single-fault pass; a class counts as covered once its chosen points ran."""
    found: Found = {}
    for number, (schedule, closes_class) in numbered:
        campaign.report.examples += 1
        for finding in campaign.findings(schedule):
            if finding.kind not in found:
                seen = f"schedule {number} of the single-fault pass, {campaign.seconds():.1f} s into the run"
                found[finding.kind] = (schedule, dataclasses.replace(finding, first_seen=seen), campaign.last_output)
        run = campaign.last_run
        if len(schedule.faults) == 1 and not schedule.cold and run is not None:
            fault = schedule.faults[0]
            campaign.report.fault_points_exercised += fired(fault, run)
            if crash_caught(fault, run) and not any("caught a crash" in note for note in campaign.report.notes):
                campaign.report.notes.append(
                    f"user code caught a crash durable-fuzz injected ({space.describe(schedule)[0]}; schedule {number} of "
                    "the single-fault pass): a real crash ends the invocation, so such schedules test less than they "
                    "mean to (catch Exception, not BaseException, around durable operations)")
        campaign.report.fault_classes_covered += closes_class
        campaign.tick(found)
    return found


_CRASHES = ("drop", "after", "crash-before", "crash-after")


_CONCURRENT = ("Map", "MapIteration", "Parallel", "ParallelBranch")


def crash_caught(fault: Fault, run: ExecutionRecord) -> bool:
    """Whether a crash fault fired and yet no invocation crashed: user code caught it. (Not asked of
    operations inside a map or parallel, whose executor stands between a body and the handler.)"""
    if fault.kind not in _CRASHES or not fired(fault, run) or any(invocation.crash for invocation in run.invocations):
        return False
    parents = {op.operation_id: op.parent for invocation in run.invocations for op in invocation.operations}
    operation: str | None = fault.operation_id
    while operation is not None:
        sub_type = run.operation_types.get(operation, ("", None, None))[2]
        if operation not in parents or getattr(sub_type, "value", sub_type) in _CONCURRENT:
            return False  # inside a map or parallel, or an operation the code did not emit itself
        operation = parents[operation]
    return True


def fired(fault: Fault, run: ExecutionRecord) -> bool:
    """Whether the execution reached the boundary of `fault` (a fault planted where the run never went tested nothing)."""
    return fault.boundary in {*run.checkpoint_boundaries, *run.body_boundaries, *run.response_boundaries}


def cold_landings(faults: Sequence[Fault], every_fault: bool) -> dict[Fault, int]:
    """The single faults whose replay also lands cold, with the hash seed index it lands on: every
    fault (--environments), or by default one per operation (a crash right after its first
    checkpoint), alternating between the other hash seeds so one order shared by chance cannot hide a bug."""
    if every_fault:
        return dict.fromkeys(faults, 1)
    chosen: dict[str, Fault] = {}
    for fault in faults:
        if fault.action != "RESPONSE" and (fault.operation_id not in chosen or
                                           (fault.kind == "after" and chosen[fault.operation_id].kind != "after")):
            chosen[fault.operation_id] = fault
    return {fault: 1 + index % (len(HASH_SEEDS) - 1) for index, fault in enumerate(chosen.values())}
