"""Will new code break the executions already in flight? Old states resumed by new code.

Durable executions replay their history on whatever code runs when they resume. To
check a deploy, the old handler runs under the fuzzer's schedules (straight through,
every single fault, and every wait, callback and invoke suspending at once), and each
state it leaves between two invocations is collected: the operations the service
holds at that suspension or crash. Each distinct state is then resumed twice under
the normal model (no faults): by the old code, which says how the execution ends, and
by the new code, which is checked against the state and that ending:

- nondeterminism: the new code raises NonDeterministicExecutionError, replays a stored
  operation as another (type, subtype, name, or the callable of an unnamed one), or
  stops short of stored operations in a context it entered;
- outcome-mismatch: the new code fails (or does not finish) where the old code
  succeeds from the same state, e.g. it cannot read a checkpointed result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from replay_fuzz.api import _quiet_sdk_logs as quiet_sdk_logs
from replay_fuzz.checks import Difference
from replay_fuzz.engine import Campaign
from replay_fuzz.guard import refuse_network
from replay_fuzz.invocation import RunOptions
from replay_fuzz.records import ExecutionRecord, OperationRecord
from replay_fuzz.runner import run_execution
from replay_fuzz.schedule import Schedule
from replay_fuzz.states import WAITING_ORDER, State, context_words, operation_words


@dataclass(frozen=True)
class StateFinding:
    """What is wrong with one state resumed by the new code."""

    state: State
    difference: Difference


@dataclass(frozen=True)
class CompatProblem:
    """One incompatibility, with every collected state it affects."""

    kind: str
    message: str
    point: str  # the in-flight point of the first affected state, in words
    states: int
    reference: str
    observed: str
    reproduce: str
    other_points: tuple[str, ...] = ()

    def text(self) -> str:
        affected = f"{self.states} in-flight state{'s' * (self.states != 1)}"
        lines = [f"[{self.kind}] {self.message}", f"  in flight: {self.point} ({affected} affected)"]
        lines += [f"             also {point}" for point in self.other_points]
        lines += ["  first difference:", f"    old code: {self.reference}", f"    new code: {self.observed}",
                  f"  reproduce: {self.reproduce}"]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "point": self.point, "states": self.states,
                "other_points": list(self.other_points), "reference": self.reference, "observed": self.observed,
                "reproduce": self.reproduce}


@dataclass
class CompatReport:
    """The verdict on resuming a set of in-flight states with new code."""

    target: str
    base: str
    states: int = 0
    schedules: int = 0
    command: str = "compat"
    problems: list[CompatProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def raise_if_problems(self) -> None:
        """Fail a test with the readable report when the new code breaks an in-flight state."""
        if self.problems:
            raise AssertionError(self.text())

    def text(self) -> str:
        verdict = f"{len(self.problems)} incompatibilit{'ies' if len(self.problems) != 1 else 'y'}" if self.problems else "compatible"
        states = f"{self.states} in-flight state{'s' * (self.states != 1)}"
        origin = (f"{states} of {self.base} (left by {self.schedules} schedule{'s' * (self.schedules != 1)})" if self.command == "compat"
                  else f"{states} saved in {self.base}")
        lines = [f"durable-fuzz {self.command} {self.target}: {verdict}: resumed {origin}"]
        lines += [f"note: {note}" for note in self.notes]
        for problem in self.problems:
            lines += ["", problem.text()]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, object]:
        return {"target": self.target, "base": self.base, "states": self.states, "schedules": self.schedules,
                "compatible": not self.problems, "notes": self.notes, "problems": [p.as_dict() for p in self.problems]}


# -- collecting the old code's states ----------------------------------------------------------

@dataclass
class Collection:
    """The distinct in-flight states the old code left, how many schedules ran, and what limits them."""

    states: list[State]
    schedules: int
    notes: list[str] = field(default_factory=list)


def collect_states(handler: Callable[..., Any], event: Any, target: str, options: RunOptions,
                   only: str | None = None) -> Collection:
    """Every distinct in-flight state the handler leaves for `event`, each with how the
    handler itself ends from it. `only` (a state token) collects just that state."""
    refused: list[str] = []
    notes = []
    with quiet_sdk_logs(), refuse_network(refused):
        if only:
            chosen = [parse_state_token(only)]
        else:
            campaign = Campaign(handler, event, target, options)
            chosen = [(schedule, None) for schedule in _schedules(campaign)]
            straight = campaign.reference().outcome
            if straight is not None and straight.status != "SUCCEEDED":
                notes.append(f"the old code ends {straight.words()} straight through for {json.dumps(event)}: "
                             "only the states of that path were collected")
        states: dict[str, State] = {}
        for schedule, wanted in chosen:
            for number, state in _states_of(handler, event, schedule, options):
                if wanted is None or number == wanted:
                    states.setdefault(state.key(), state)
        unresumable = []
        for key, state in list(states.items()):
            own = resume(handler, state, options)
            state.old_outcome = own.outcome
            if compare(state, own) is not None:  # the old code's own replay bug, not the change's
                unresumable.append(states.pop(key))
    if unresumable:
        notes.append(f"the old code itself cannot resume {len(unresumable)} of its states ({unresumable[0].point()}): "
                     f"a replay bug in it (run durable-fuzz on it); they were left out")
    if refused:
        notes.append(f"refused {len(refused)} network connection(s) of the old code, first to {refused[0]}")
    return Collection(list(states.values()), len(chosen), notes)


def _schedules(campaign: Campaign) -> list[Schedule]:
    """Straight through, every single fault, and every wait, callback and invoke pending."""
    space = campaign.fault_space()  # runs the straight-through reference (raises if it does not finish)
    pends = tuple(sorted(fault for fault in space.faults if fault.kind == "pend"))
    return [Schedule(faults=(fault,)) for fault in space.faults] + ([Schedule(faults=pends)] if len(pends) > 1 else [])


def _states_of(handler: Callable[..., Any], event: Any, schedule: Schedule, options: RunOptions) -> list[tuple[int, State]]:
    """The states the execution under `schedule` left between invocations, by invocation number."""
    snapshots: list[tuple[int, list[Any]]] = []
    record = run_execution(handler, event, schedule, options,
                           after_invocation=lambda number, backend: snapshots.append((number, list(backend.operations.values()))))
    followed = len(record.invocations) - 1  # each invocation but the last was followed by another
    callables = _callables(record)
    return [(number, State(record.arn, operations, callables, token=f"{schedule.token()}.{number}"))
            for number, operations in snapshots[:followed]]


def _callables(record: ExecutionRecord) -> dict[str, str]:
    return {op.operation_id: short_callable(op.callable) for invocation in record.invocations
            for op in invocation.operations if op.callable and not op.name}


def short_callable(identity: str) -> str:
    """A callable's own name, without module, enclosing functions or line: what survives a refactor."""
    return identity.rsplit(":", 1)[0].rsplit(".", 1)[-1]


def parse_state_token(token: str) -> tuple[Schedule, int | None]:
    """The schedule and invocation number a state token (`compat --state`) names."""
    schedule, _, number = token.rpartition(".")
    if not number.isdigit():
        raise ValueError("not a state token from a durable-fuzz compat report")
    return Schedule.from_token(schedule), int(number)


# -- resuming and checking ---------------------------------------------------------------------

def resume(handler: Callable[..., Any], state: State, options: RunOptions) -> ExecutionRecord:
    """The execution resumed from `state` and run to its end, with no faults."""
    return run_execution(handler, state.event, Schedule(), options, resume=state.backend())


def check_state(handler: Callable[..., Any], state: State, options: RunOptions) -> Difference | None:
    """Resume `state` with `handler` and compare with the state and the old code's ending."""
    with quiet_sdk_logs():
        run = resume(handler, state, options)
    return compare(state, run)


def compare(state: State, run: ExecutionRecord) -> Difference | None:
    divergence = _divergence(state, run)
    if run.nondeterminism:
        found = re.search(r"id='([^']+)'", run.nondeterminism[0])
        stored = next((op for op in state.recorded() if found and op.operation_id == found.group(1)), None)
        reference, observed = (divergence.reference, divergence.observed) if divergence else _sdk_words(run.nondeterminism[0], stored)
        where = _position(stored, state)
        return Difference("nondeterminism", "the new code raises NonDeterministicExecutionError" + (f" at{where}" if where else ""),
                          reference, observed)
    if run.invalid_checkpoints:
        return Difference("nondeterminism", "the service rejects a checkpoint of the new code", "", run.invalid_checkpoints[0])
    if divergence:
        return divergence
    old, new = state.old_outcome, run.outcome
    if new is None:
        return Difference("outcome-mismatch", f"the new code does not finish: {run.unfinished}",
                          old.words() if old else "(not known)", "(no outcome)")
    if old is not None and old.status == "SUCCEEDED" and new.status != "SUCCEEDED":
        return Difference("outcome-mismatch", "the new code fails where the old code succeeds from the same state",
                          old.words(), new.words())
    return _stopped_short(state.recorded(), run)


def _divergence(state: State, run: ExecutionRecord) -> Difference | None:
    """The first stored operation the new code replays as another (operation ids hash the position)."""
    stored = {op.operation_id: op for op in state.recorded()}
    for invocation in run.invocations:
        for operation in invocation.operations:
            old = stored.get(operation.operation_id)
            if old is None:
                continue  # a position the old code had not stored: new code may do anything there
            new_callable = short_callable(operation.callable) if operation.callable else None
            same = (old.type, old.sub_type, old.name) == (operation.type, operation.sub_type, operation.name)
            if not same or (old.callable and new_callable and old.callable != new_callable):
                return Difference("nondeterminism", f"the new code replays{_position(old, state)} as a different operation",
                                  _words(old), _words(operation, new_callable))
    return None


_SDK_FIELD = re.compile(r"(\w+) checkpoint='([^']*)' current='([^']*)'")


def _sdk_words(message: str, stored: OperationRecord | None) -> tuple[str, str]:
    """Old and new operation from the SDK's message ("type checkpoint='WAIT' current='STEP', name ...")."""
    fields = {key: (old, new) for key, old, new in _SDK_FIELD.findall(message)}
    if stored is None or not fields:
        return "", message
    kind, name = fields.get("type", (stored.type,) * 2)[1], fields.get("name", (stored.name,) * 2)[1]
    current = OperationRecord(stored.parent, stored.operation_id, kind, None, None if name == "None" else name, None)
    return _words(stored), _words(current)


def _stopped_short(recorded: list[OperationRecord], run: ExecutionRecord) -> Difference | None:
    """Stored operations the new code never reached in a context it entered (the handler's, at least)."""
    reached = {op.operation_id for invocation in run.invocations for op in invocation.operations}
    entered = {None} | {op.parent for invocation in run.invocations for op in invocation.operations}
    root = next((op.parent for op in recorded if op.parent and op.parent not in {r.operation_id for r in recorded}), None)
    entered |= {root}  # the handler's own context: its parent id is the EXECUTION's
    missing = [op for op in recorded if op.parent in entered and op.operation_id not in reached]
    if missing:
        return Difference("nondeterminism", "the new code stops short of operations the old code had started",
                          ", ".join(_words(op) for op in missing), "(never reached)")
    return None


def _position(stored: OperationRecord | None, state: State) -> str:
    """" operation 2 in map 'packing'", or "" for an operation the state does not hold."""
    if stored is None:
        return ""
    siblings = [op.operation_id for op in state.recorded() if op.parent == stored.parent]
    operations = {op.operation_id: op for op in state.operations}
    return f" operation {siblings.index(stored.operation_id) + 1}{context_words(stored.parent, operations) or ' of the handler'}"


def _words(op: OperationRecord, callable_name: str | None = None) -> str:
    words = operation_words(op.type, op.sub_type, op.name)
    name = callable_name or op.callable
    return f"{words} of {name}" if name and not op.name else words


def check_states(handler: Callable[..., Any], states: list[State], options: RunOptions,
                 reproduce: Callable[[State], str]) -> list[CompatProblem]:
    """Each state resumed by `handler`; the problems, grouped, each with how to reproduce its first state."""
    findings = [StateFinding(state, found) for state in states if (found := check_state(handler, state, options)) is not None]
    return group(findings, reproduce)


# -- the report --------------------------------------------------------------------------------

def group(findings: Iterable[StateFinding], reproduce: Callable[[State], str]) -> list[CompatProblem]:
    """One problem per distinct difference, shown on its most readable state, counting the others."""
    groups: dict[tuple[str, str, str], list[StateFinding]] = {}
    for finding in findings:
        difference = finding.difference
        key = (difference.kind, difference.message, difference.observed)  # the same change in every map item is one
        groups.setdefault(key, []).append(finding)
    problems = []
    for members in groups.values():
        members.sort(key=lambda finding: _readability(finding.state))
        first = members[0]
        points = list(dict.fromkeys(finding.state.point() for finding in members))
        problems.append(CompatProblem(first.difference.kind, first.difference.message, points[0], len(members),
                                      first.difference.reference, first.difference.observed,
                                      reproduce(first.state), tuple(points[1:4])))
    return problems


def _readability(state: State) -> int:
    """Suspensions first (at a wait, for a callback), then retries, interrupted steps, cut-offs."""
    words = state.point().split(" ")
    return WAITING_ORDER.index(words[2]) if words[1] == "waiting" else len(WAITING_ORDER) + (words[1] != "interrupted")


def compat(new_handler: Callable[..., Any], *, base: Callable[..., Any], events: Iterable[Any] = ({},),
           max_invocations: int = 50, invocation_timeout: float = 10.0, target: str | None = None,
           state: str | None = None) -> CompatReport:
    """Check that `new_handler` can resume every in-flight state `base` (the old handler) leaves.

    Both handlers run in this process; the CLI runs the old code in a process of its own,
    so that old and new modules of the same name do not collide. `state` (a token from a
    report) resumes just that state.
    """
    options = RunOptions(max_invocations=max_invocations, invocation_timeout=invocation_timeout)
    name = target or f"{new_handler.__module__}:{getattr(new_handler, '__name__', 'handler')}"
    report = CompatReport(name, f"{base.__module__}:{getattr(base, '__name__', 'handler')}")
    for event in events:
        collection = collect_states(base, event, report.base, options, only=state)
        report.states += len(collection.states)
        report.schedules += collection.schedules
        report.notes += collection.notes
        report.problems += check_states(new_handler, collection.states, options, lambda found: (
            f"compat({_name(new_handler)}, base={_name(base)}, events=[{json.dumps(found.event)}], state={found.token!r})"))
    return report


def _name(handler: Callable[..., Any]) -> str:
    return f"{handler.__module__}.{getattr(handler, '__name__', 'handler')}"
