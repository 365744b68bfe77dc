"""The fuzzing loop: reference run, every single fault once, then a shrinking Hypothesis search.

1. The straight-through run (no fault, every wait, callback and invoke complete at
   once) is the reference: what the author meant.
2. Every class of single faults at the boundaries it crossed is run at three of its
   points (a class holds the alike points of a loop's iterations or a map's items, see
   replay_fuzz.classes; `--all-fault-points` runs every point), so a clean report can
   say every class of single crash and suspend points was covered; with environments,
   some replays land cold and one execution starts warm (replay_fuzz.single_faults).
3. Hypothesis draws schedules of up to three faults, with callback answers and
   seeds, and shrinks each problem it finds to a minimal schedule (replay_fuzz.search).
   Failures are kept in Hypothesis' example database, so the next run tries them first.

Phases 2 and 3 are cut into shards that run in forked processes side by side (see
replay_fuzz.shards), with a progress line (replay_fuzz.progress); per kind of problem
the report keeps the simplest schedule (replay_fuzz.problems).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from replay_fuzz import capture, checks
from replay_fuzz.aws import AwsSandbox
from replay_fuzz.aws import with_hint as with_aws_hint
from replay_fuzz.campaign import Deadline, Slice, left_out
from replay_fuzz.classes import every_point, fault_classes
from replay_fuzz.environments import EnvironmentPool
from replay_fuzz.guard import refuse_network
from replay_fuzz.problems import problem, simplest_per_kind
from replay_fuzz.progress import Ticker
from replay_fuzz.module_state import ModuleState
from replay_fuzz.reference import failure as reference_failure
from replay_fuzz.reference import summary as reference_summary
from replay_fuzz.report import Problem, Report
from replay_fuzz.invocation import RunOptions
from replay_fuzz.records import ExecutionRecord
from replay_fuzz.runner import run_execution
from replay_fuzz.search import search_shard
from replay_fuzz.schedule import BODY_FAULTS, CHECKPOINT_FAULTS, LOST_RESPONSE, Fault, FaultSpace, OperationInfo, Schedule
from replay_fuzz.shards import Progress, Shard, ShardDied, ShardSilent, ShardStuck, run_shards, working_on
from replay_fuzz.single_faults import cold_landings, run_single_faults, single_fault_schedules
from replay_fuzz.worker import abandoned_alive, stop_worker

T = TypeVar("T")
_PENDABLE_TYPES = ("WAIT", "CALLBACK", "CHAINED_INVOKE")


class Interrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C, SIGTERM): the report holds what finished, as a partial report."""

    def __init__(self, report: Report) -> None:
        super().__init__("interrupted")
        self.report = report


class StraightRunFailed(Exception):
    """The straight-through run did not succeed (and the user did not say that is expected): nothing to compare with."""


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
    allow_network: bool = False
    progress: Progress | None = None  # told (examples, executions, kinds found) as it goes
    ticked: float = 0.0  # when progress was last told
    allow_failing_reference: bool = False  # a straight-through run that fails is what the author meant
    all_fault_points: bool = False  # the single-fault pass runs every point, not a few per class
    slice: Slice = Slice()  # this CI job's share of the campaign (--shard)
    deadline: Deadline = Deadline()  # when the search stops (--max-time)
    last_output: str = ""  # what the code under test printed in the latest execution
    aws: AwsSandbox | None = None  # AWS in memory: reset and set up before each execution
    cold_search: bool = False  # the search draws cold landings too (--environments), not only the single-fault pass
    module_state: ModuleState | None = None  # the project's module globals as imported: each execution here starts from them
    _references: dict[tuple[Schedule, bool], ExecutionRecord] = field(default_factory=dict)
    last_run: ExecutionRecord | None = None  # the execution `findings` checked last
    started: float = field(default_factory=time.monotonic)  # when fuzzing this event began

    def seconds(self) -> float:
        """Seconds since fuzzing this event began (the same clock in forked shards)."""
        return time.monotonic() - self.started

    @contextlib.contextmanager
    def guarded(self) -> Iterator[None]:
        """Refuse outbound connections (unless allowed), noting each refusal in the report."""
        with contextlib.nullcontext() if self.allow_network else refuse_network(self.report.refused):
            yield

    def tick(self, found: Found) -> None:
        """Tell the parent the counts so far, at most about once a second."""
        now = time.monotonic()
        if self.progress is not None and now - self.ticked >= 1.0:
            self.ticked = now
            self.progress((self.report.examples, self.report.executions, tuple(found)))

    def run(self, schedule: Schedule, remote: bool = False) -> ExecutionRecord:
        """One execution: in this process from clean module globals, or (when it lands cold, or
        `remote`) in forked environments; after an earlier one in the same container if the
        schedule starts warm (AWS in memory is set up anew for this one all the same)."""
        environments = self.environments if remote or schedule.cold else None
        if self.module_state is not None:
            self.module_state.restore()
        start = capture.mark()
        if schedule.warm_start:
            if self.aws is not None:
                self.aws.prepare()
            self._count(run_execution(self.handler, self.event, Schedule(seed=schedule.seed + 1), self.options))
        if self.aws is not None:
            self.aws.prepare()
        record = run_execution(self.handler, self.event, schedule, self.options, environments)
        record.output = self.last_output = capture.since(start)
        if self.aws is not None:
            record.aws_state = self.aws.snapshot()
        return self._count(record)

    def _count(self, record: ExecutionRecord) -> ExecutionRecord:
        self.report.executions += 1
        self.report.invocations += len(record.invocations)
        self.report.refused += record.refused
        return record

    def reference(self, callbacks: tuple[tuple[str, str], ...] = (), pins: tuple[tuple[str, int], ...] = (),
                  remote: bool = False) -> ExecutionRecord:
        """The straight-through run for these callback answers and pinned steps (computed once), in
        this process or, for schedules that land cold, in a fresh environment as they start.

        A pin changes only what its step's bodies read of their seeds (randomness, the time
        budget left), so a run whose pinned bodies read none of it is the same run with the pin
        or without (executions are deterministic otherwise, which every comparison relies on).
        A pin is therefore left out when its bodies read nothing in the run without it, unless
        they read something in the run with the others: most bodies never draw, and the search
        then needs no extra run for every step a schedule made run twice."""
        if not pins:
            return self._straight(callbacks, (), remote)
        seeded = self._straight(callbacks, (), remote).seeded_bodies
        needed = tuple(pin for pin in pins if pin[0] in seeded)
        record = self._straight(callbacks, needed, remote)
        left_out = {operation for operation, _ in pins} - {operation for operation, _ in needed}
        if left_out & record.seeded_bodies:
            record = self._straight(callbacks, pins, remote)
        return record

    def _straight(self, callbacks: tuple[tuple[str, str], ...], pins: tuple[tuple[str, int], ...],
                  remote: bool) -> ExecutionRecord:
        straight = Schedule(callbacks=callbacks, pins=pins)
        if (straight, remote) not in self._references:
            self._references[(straight, remote)] = self.run(straight, remote)
        return self._references[(straight, remote)]

    def silence(self) -> float:
        """How long a worker may send nothing: each invocation ends or times out well within it."""
        return 2 * self.options.invocation_timeout + SILENCE_MARGIN

    def check_reference(self) -> ExecutionRecord:
        """Run the straight-through run in a child process (where a hang can be killed), put it in
        the report, and stop with one line if it did not succeed (unless that is expected)."""
        before = len(self.report.refused)
        try:
            record = in_child(self, lambda own: own.reference())
        except ShardSilent as silent:
            raise StraightRunFailed(f"the straight-through run: {silent}") from None
        except ShardDied as died:
            raise StraightRunFailed(f"the straight-through run on the event {json.dumps(self.event, default=str)[:60]} "
                                    f"ended its process: it {died.how} (os._exit or a signal in the code under test)") from None
        self._references[(Schedule(), False)] = record
        self.report.references.append(reference_summary(record))
        why = reference_failure(record, self.event, self.report.refused[before:])
        if why is not None and (record.outcome is None or not self.allow_failing_reference):
            raise StraightRunFailed(with_aws_hint(why))
        return record

    def findings(self, schedule: Schedule) -> list[checks.Difference]:
        """Run `schedule` and check it against the straight-through run with the same step draws."""
        working_on(schedule)  # named in the report if it ends the process running it
        run = self.last_run = self.run(schedule)
        if run.unfinished and abandoned_alive():
            raise ShardStuck(f"{run.unfinished} and never returned: user code still runs in a thread that cannot "
                             "be stopped", schedule)
        steps = {op for op, (kind, _, _) in run.operation_types.items() if kind == "STEP"}
        pins = tuple(sorted((op, runs) for op, runs in run.body_runs.items() if runs > 1 and op in steps))
        expected = self.reference(schedule.callbacks, pins, bool(schedule.cold))
        if expected.outcome is None:  # this schedule's own reference hung: a problem of this schedule, with its token
            return [checks.Difference("outcome-mismatch", "the straight-through run with this schedule's callback answers "
                                      f"and step draws did not finish: {expected.unfinished}",
                                      reference="(no outcome)", observed=run.outcome.words() if run.outcome else "(no outcome)")]
        return checks.check(expected, run, self.strict_effects)

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
        space.faults += [Fault(LOST_RESPONSE, *boundary) for boundary in reference.response_boundaries]
        space.faults = list(dict.fromkeys(space.faults))  # without repeats, in order (a list.index per fault was quadratic)
        return space


SILENCE_MARGIN = 10.0  # seconds a worker may be silent beyond two invocation timeouts (forks, Hypothesis' own work)
SHARDS = 4  # parts of each phase, fixed so that results do not depend on how many run at once
COLD_SHARDS = 2  # parts of the single-fault pass's cold landings (few, and each part forks environments)

Found = dict[str, tuple[Schedule, checks.Difference, str]]  # per kind: schedule, difference, output


@dataclass
class ShardResult(Generic[T]):
    """What one shard returned (what it found), and its counts."""

    value: T
    report: Report


def fuzz_campaign(campaign: Campaign, *, max_examples: int, seed: int | None, database: ExampleDatabase | None,
                  replay: Schedule | None, progress: bool, jobs: int = 1) -> list[Problem]:
    """Run the three phases (or one replayed schedule) and return shrunk problems, one per kind.

    After the reference run, the single-fault pass and the search are each cut into
    SHARDS parts, run in forked children `jobs` at a time (see replay_fuzz.shards).
    Interrupted, it raises `Interrupted` with the report of what finished.
    """
    try:
        return _fuzz_campaign(campaign, max_examples, seed, database, replay, progress, jobs)
    except Interrupted:
        raise
    except KeyboardInterrupt:
        raise Interrupted(campaign.report) from None


def _fuzz_campaign(campaign: Campaign, max_examples: int, seed: int | None, database: ExampleDatabase | None,
                   replay: Schedule | None, progress: bool, jobs: int) -> list[Problem]:
    stop_worker()  # the children fork from a process with one thread
    with campaign.guarded():
        campaign.check_reference()
        space = campaign.fault_space()
    if replay is not None:
        campaign.report.examples += 1
        if replay.cold and campaign.environments is not None:
            campaign.environments.wait_ready()
        try:
            findings, output = in_child(campaign, lambda own: (own.findings(replay), own.last_output))
        except (ShardDied, ShardSilent, ShardStuck) as ended:
            findings, output = [_ended(campaign, ended)], ""
        return [problem(campaign, space, replay, finding, output) for finding in findings]
    classes = every_point(space.faults) if campaign.all_fault_points else fault_classes(space.faults, campaign.reference())
    campaign.report.fault_points += len(space.faults)
    campaign.report.fault_classes += len(classes)
    classes = campaign.slice.mine(classes)
    chosen = [fault for fault_class in classes for fault in fault_class.chosen()]
    singles = list(enumerate(single_fault_schedules(
        classes, cold_landings(chosen, campaign.cold_search) if campaign.environments else {}), start=1))
    work: list[Callable[[Campaign], Found]] = [
        functools.partial(run_single_faults, space, part) for part in _parts([s for s in singles if not s[1][0].cold], SHARDS) if part]
    # A shard left no new examples still replays the failures it saved (Hypothesis ignores
    # the database under a seed), so they are tried first whatever --max-examples says.
    replays_saved = database is not None and seed is None
    search_parts = _parts(range(max_examples), max(SHARDS, campaign.slice.count))
    mine = [index for index in campaign.slice.search_parts(SHARDS) if search_parts[index] or replays_saved]
    work += [functools.partial(search_shard, space, len(search_parts[index]), None if seed is None else seed * len(search_parts) + index,
                               database, index) for index in mine]
    planned = sum(len(search_parts[index]) for index in mine)
    # Cold landings last, in the same queue (so no core idles between them and the work above): the
    # zygotes start while that work runs, and are waited for as the first shard that lands cold starts.
    cold = [functools.partial(run_single_faults, space, part)
            for part in _parts([s for s in singles if s[1][0].cold], COLD_SHARDS) if part]
    everything = work + cold
    first_cold = 0 if campaign.cold_search else len(work)

    def prepare(index: int) -> None:
        if index == first_cold and campaign.environments is not None:
            campaign.environments.wait_ready()
            with campaign.guarded():  # once here rather than in every shard (the code runs in an environment)
                campaign.reference(remote=True)

    ticker = Ticker(campaign.report, progress, expected=len(singles) + planned)
    finished: dict[int, ShardResult[Found]] = {}
    interrupted = False
    try:
        run_shards([_shard(campaign, part) for part in everything], jobs, ticker, finished,
                   silence=campaign.silence(), before_fork=prepare)
    except KeyboardInterrupt:
        interrupted = True
        ticker.count_unfinished(set(range(len(everything))) - set(finished))
        raise
    except (ShardDied, ShardSilent, ShardStuck) as ended:
        if not isinstance(ended.work, Schedule):
            raise
        # The schedule that ended its worker is a problem; the other workers were stopped with it.
        ticker.count_unfinished(set(range(len(everything))) - set(finished))
        campaign.report.notes.append("the run stopped early: a schedule " + (
            "left user code running in an invocation that never returned" if isinstance(ended, ShardStuck)
            else "ended the worker process running it"))
        finished[len(everything)] = ShardResult({"outcome-mismatch": (ended.work, _ended(campaign, ended), "")},
                                          Report(campaign.target))
    finally:  # what finished counts, also in the partial report of an interrupted run
        for index in sorted(finished):
            campaign.report.add(finished[index].report)
        found = simplest_per_kind([finished[index].value for index in sorted(finished)])
        problems = [problem(campaign, space, schedule, finding, output) for kind in checks.KINDS
                    if kind in found for schedule, finding, output in [found[kind]]]
        if interrupted:
            campaign.report.problems += problems
    campaign.report.notes += left_out(campaign.slice, campaign.deadline, (len(classes), campaign.report.fault_classes),
                                      (len(mine), len(search_parts)), (campaign.report.searched, planned))
    return problems


def _ended(campaign: Campaign, ended: ShardDied | ShardSilent | ShardStuck) -> checks.Difference:
    """The problem of a schedule whose execution ended, froze or got stuck in the process running it."""
    straight = campaign.reference().outcome
    if isinstance(ended, ShardStuck):
        message = f"the execution hangs: {ended}"
    else:
        message = f"the execution ended the process running it: {f'it {ended.how}' if isinstance(ended, ShardDied) else ended}"
    return checks.Difference("outcome-mismatch", message,
                             reference=straight.words() if straight else "(no outcome)", observed="(no outcome)")


def _shard(campaign: Campaign, work: Callable[[Campaign], T]) -> Shard[ShardResult[T]]:
    """`work` on a copy of the campaign that counts in a report of its own."""

    def run(progress: Progress) -> ShardResult[T]:
        own = dataclasses.replace(campaign, report=Report(campaign.target), progress=progress)
        with own.guarded():
            value = work(own)
        return ShardResult(value, own.report)

    return run


def in_child(campaign: Campaign, work: Callable[[Campaign], T]) -> T:
    """`work` in one forked child, so that code which never returns is killed with it; its counts
    go into the campaign's report."""
    [result] = run_shards([_shard(campaign, work)], 1, lambda index, payload: None, silence=campaign.silence())
    campaign.report.add(result.report)
    return result.value


def _parts(items: Sequence[T], count: int) -> list[Sequence[T]]:
    """`items` cut into `count` consecutive parts of nearly equal length."""
    size, extra = divmod(len(items), count)
    bounds = [index * size + min(index, extra) for index in range(count + 1)]
    return [items[bounds[index]:bounds[index + 1]] for index in range(count)]




def default_database() -> ExampleDatabase:
    return DirectoryBasedExampleDatabase(".hypothesis/examples")
