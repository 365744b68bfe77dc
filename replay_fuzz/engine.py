"""The fuzzing loop: reference run, every single fault once, then a shrinking Hypothesis search.

1. The straight-through run (no fault, every wait, callback and invoke complete at
   once) is the reference: what the author meant.
2. Every single fault at every boundary it crossed is run once (bounded exhaustive
   enumeration, as crash-consistency testers do), so a clean report can say all
   single crash and suspend points were covered.
3. Hypothesis draws schedules of up to three faults, with callback answers and
   seeds, and shrinks each problem it finds to a minimal schedule. Failures are kept
   in Hypothesis' example database, so the next run tries them first.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from replay_fuzz import checks
from replay_fuzz.environments import EnvironmentPool
from replay_fuzz.report import Problem, Report
from replay_fuzz.runner import ExecutionRecord, RunOptions, run_execution
from replay_fuzz.schedule import BODY_FAULTS, CHECKPOINT_FAULTS, Fault, FaultSpace, OperationInfo, Schedule

_PENDABLE_TYPES = ("WAIT", "CALLBACK", "CHAINED_INVOKE")


class StraightRunFailed(Exception):
    """The straight-through run itself did not finish: there is nothing to compare with."""


@dataclass
class Campaign:
    """Fuzzing one handler with one event."""

    handler: Callable[..., Any]
    event: Any
    target: str
    options: RunOptions
    strict_effects: bool = False
    report: Report = field(default_factory=lambda: Report(""))
    environments: EnvironmentPool | None = None
    effects: tuple[str, ...] = ()
    _references: dict[Schedule, ExecutionRecord] = field(default_factory=dict)

    def run(self, schedule: Schedule) -> ExecutionRecord:
        record = run_execution(self.handler, self.event, schedule, self.options, self.environments)
        self.report.executions += 1
        self.report.invocations += len(record.invocations)
        return record

    def reference(self, callbacks: tuple[tuple[str, str], ...] = (), pins: tuple[tuple[str, int], ...] = ()) -> ExecutionRecord:
        """The straight-through run for these callback answers and pinned steps (computed once)."""
        straight = Schedule(callbacks=callbacks, pins=pins)
        if straight not in self._references:
            record = self.run(straight)
            if record.outcome is None:
                raise StraightRunFailed(f"the straight-through run of {self.target} did not finish: {record.unfinished}")
            self._references[straight] = record
        return self._references[straight]

    def findings(self, schedule: Schedule) -> list[checks.Difference]:
        """Run `schedule` and check it against the straight-through run with the same step draws."""
        run = self.run(schedule)
        steps = {op for op, (kind, _, _) in run.operation_types.items() if kind == "STEP"}
        pins = tuple(sorted((op, runs) for op, runs in run.body_runs.items() if runs > 1 and op in steps))
        return checks.check(self.reference(schedule.callbacks, pins), run, self.strict_effects)

    def fault_space(self) -> FaultSpace:
        reference = self.reference()
        space = FaultSpace(operations={op: OperationInfo(kind, name) for op, (kind, name, _) in reference.operation_types.items()})
        for operation_id, action, occurrence in reference.checkpoint_boundaries:
            kind = reference.operation_types.get(operation_id, ("", None, None))[0]
            for fault in CHECKPOINT_FAULTS:
                space.faults.append(Fault(fault, operation_id, action, occurrence))
            if action == "START" and kind in _PENDABLE_TYPES:
                space.faults.append(Fault("pend", operation_id, action, occurrence))
            if action == "START" and kind == "CALLBACK":
                space.callbacks.append(operation_id)
        for operation_id, _, occurrence in reference.body_boundaries:
            kind, _, sub_type = reference.operation_types.get(operation_id, ("", None, None))
            for fault in BODY_FAULTS:
                if fault != "fail" or (kind == "STEP" and sub_type == "Step"):
                    space.faults.append(Fault(fault, operation_id, "BODY", occurrence))
        space.faults = sorted(set(space.faults), key=space.faults.index)
        return space


def fuzz_campaign(campaign: Campaign, *, max_examples: int, seed: int | None, database: ExampleDatabase | None,
                  replay: Schedule | None, progress: bool) -> list[Problem]:
    """Run the three phases (or one replayed schedule) and return shrunk problems, one per kind."""
    space = campaign.fault_space()
    if replay is not None:
        campaign.report.examples += 1
        return [_problem(campaign, space, replay, finding) for finding in campaign.findings(replay)]
    found: dict[str, tuple[Schedule, checks.Difference]] = {}
    campaign.report.fault_points += len(space.faults)
    # With environments, each single fault is also tried with the replay in a cold
    # environment on another hash seed: set order and module globals change there.
    landings = [()] + ([((2, 1),)] if campaign.environments else [])
    for fault in space.faults:
        campaign.report.fault_points_exercised += 1
        for cold in landings:
            schedule = Schedule(faults=(fault,), cold=cold)
            campaign.report.examples += 1
            for finding in campaign.findings(schedule):
                found.setdefault(finding.kind, (schedule, finding))
        _progress(campaign.report, len(found), progress)
    searched = _search(campaign, space, max_examples, seed, database, progress)
    for kind, value in searched.items():
        found.setdefault(kind, value)
    return [_problem(campaign, space, schedule, finding) for kind in checks.KINDS
            if kind in found for schedule, finding in [found[kind]]]


class _ProblemFound(Exception):
    """Raised inside the Hypothesis test; one subclass per kind so each is shrunk on its own."""


_PROBLEM_CLASSES = {kind: type(f"Problem_{kind.replace('-', '_')}", (_ProblemFound,), {}) for kind in checks.KINDS}


def _search(campaign: Campaign, space: FaultSpace, max_examples: int, seed: int | None,
            database: ExampleDatabase | None, progress: bool) -> dict[str, tuple[Schedule, checks.Difference]]:
    found: dict[str, tuple[Schedule, checks.Difference]] = {}
    if max_examples <= 0:
        return found

    @settings(max_examples=max_examples, deadline=None, database=database, verbosity=Verbosity.quiet,
              suppress_health_check=list(HealthCheck), phases=(Phase.reuse, Phase.generate, Phase.shrink),
              report_multiple_bugs=True, print_blob=False)
    @given(space.schedules(environments=campaign.environments is not None))
    def search(schedule: Schedule) -> None:
        campaign.report.examples += 1
        findings = campaign.findings(schedule)
        _progress(campaign.report, len(found), progress)
        if findings:
            first = findings[0]
            found[first.kind] = (schedule, first)  # the last failing call per kind is the shrunk one
            raise _PROBLEM_CLASSES[first.kind](first.message)

    if seed is not None:
        search = hypothesis_seed(seed)(search)
    # Remember failures per target and event (as hypothesis.find keys its database).
    key = json.dumps(["durable-fuzz", campaign.target, campaign.event], sort_keys=True, default=str)
    search._hypothesis_internal_database_key = hashlib.sha256(key.encode()).digest()  # type: ignore[attr-defined]
    try:
        search()
    except Exception:  # noqa: BLE001 - Hypothesis reports the failures it shrank; `found` holds them
        pass
    return found


def _problem(campaign: Campaign, space: FaultSpace, schedule: Schedule, finding: checks.Difference) -> Problem:
    command = ["durable-fuzz", campaign.target, "--event", json.dumps(campaign.event, separators=(",", ":"))]
    for effect in campaign.effects:
        command += ["--effect", effect]
    command += ["--strict-effects"] * campaign.strict_effects + ["--environments"] * (campaign.environments is not None)
    command += ["--replay", schedule.token()]
    return Problem(finding.kind, finding.message, tuple(space.describe(schedule)), shlex.join(command),
                   finding.reference, finding.observed, schedule.token())


def _progress(report: Report, problems: int, enabled: bool) -> None:
    if enabled and report.examples % 10 == 0:
        print(f"\r{report.examples} schedules, {report.executions} executions, {problems} problem(s)",
              end="", file=sys.stderr, flush=True)


def default_database() -> ExampleDatabase:
    return DirectoryBasedExampleDatabase(".hypothesis/examples")
