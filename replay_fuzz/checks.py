"""The checks: each compares one execution with the straight-through reference.

- nondeterminism: every invocation's operations, per parent context, must follow the
  recorded ones (type, subtype, name, and for unnamed operations the callable); the
  last invocation must not stop short of them; no NonDeterministicExecutionError may
  be raised, even one user code swallowed; the service must accept every checkpoint.
- outcome-mismatch: the final status, result and error equal the reference's.
- duplicate-effect: an effect run by orchestration code more often than in the
  reference, re-run in a step with other arguments, re-run at all in an
  AT_MOST_ONCE step, or (with strict effects) repeated in any step.
- swallowed-suspend: a suspension signalled inside an invocation that did not end
  PENDING (user code caught the SDK's SuspendExecution).
- interrupted-step: a crash interrupted an AT_MOST_ONCE step whose retries were spent,
  so the SDK failed it without running it again and the execution failed. That is the
  semantics the code chose, not a replay bug; it is reported under its own name (and
  not as the nondeterminism and outcome difference that follow from it) because the
  execution still ends differently from the straight-through run.
- state-mismatch (with --aws): what AWS holds after the execution differs from what
  it held after the straight-through run (see replay_fuzz.aws_state).

AWS calls are effects too: a `duplicate`-kind call is flagged on any repeat, a
`harmless`-kind one only when repeated with other parameters (replay_fuzz.aws_effects).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from replay_fuzz import aws_state
from replay_fuzz.aws_effects import DUPLICATE, HARMLESS
from replay_fuzz.effects import EffectCall
from replay_fuzz.records import ExecutionRecord, OperationRecord, execution_name

KINDS = ("nondeterminism", "outcome-mismatch", "duplicate-effect", "swallowed-suspend", "interrupted-step", "state-mismatch")
_INTERRUPTED = re.compile(r"Step operation_id=(\S+) name=(.*?) was previously interrupted")


@dataclass(frozen=True)
class Difference:
    """One check's verdict on one execution: what differs, with reference and run side by side."""

    kind: str
    message: str
    reference: str = ""
    observed: str = ""
    first_seen: str = ""  # when the run first met this kind of problem (schedule and seconds)


def check(reference: ExecutionRecord, run: ExecutionRecord, strict_effects: bool = False) -> list[Difference]:
    interrupted = _interrupted_step(reference, run)
    if interrupted:
        return interrupted + _effects(reference, run, strict_effects) + _swallowed_suspends(run) + _aws_state(reference, run)
    findings = _nondeterminism(reference, run) + _outcome(reference, run) + _effects(reference, run, strict_effects)
    return findings + _swallowed_suspends(run) + _aws_state(reference, run)


def recorded_sequences(record: ExecutionRecord) -> dict[str | None, list[OperationRecord]]:
    """Per parent context, its operations in order, each once (a branch the SDK resumed
    in-process runs again and emits its operations a second time in the same invocation)."""
    sequences: dict[str | None, dict[str, OperationRecord]] = defaultdict(dict)
    for invocation in record.invocations:
        for operation in invocation.operations:
            sequences[operation.parent].setdefault(operation.operation_id, operation)
    return {parent: list(operations.values()) for parent, operations in sequences.items()}


def _nondeterminism(reference: ExecutionRecord, run: ExecutionRecord) -> list[Difference]:
    if run.nondeterminism:
        return [Difference("nondeterminism", "the SDK raised NonDeterministicExecutionError"
                        + (" (and user code swallowed it)" if run.outcome and run.outcome.status == "SUCCEEDED" else ""),
                        observed=run.nondeterminism[0])]
    if run.invalid_checkpoints:
        return [Difference("nondeterminism", "the service rejected a checkpoint", observed=run.invalid_checkpoints[0])]
    if run.injected_failure_decided:
        return []  # user code may handle a failed step in ways the straight-through run never took
    # Operation ids hash the position in the parent context (identifier.py:29-31), so comparing
    # by id compares by position, also when a pass over a context is repeated.
    expected = recorded_sequences(reference)
    position = {op.operation_id: (index, op) for operations in expected.values() for index, op in enumerate(operations)}
    for number, invocation in enumerate(run.invocations, start=1):
        for operation in invocation.operations:
            if operation.operation_id not in position:
                emitted = len(expected.get(operation.parent, []))
                return [Difference("nondeterminism", f"invocation {number} emitted an operation the straight-through run never did",
                                reference=f"(nothing after operation {emitted})", observed=operation.words())]
            index, recorded = position[operation.operation_id]
            if operation.identity() != recorded.identity():
                return [Difference("nondeterminism", f"invocation {number} replayed operation {index + 1} differently",
                                reference=recorded.words(), observed=operation.words())]
    last = run.invocations[-1] if run.invocations else None
    if last is not None and run.outcome is not None:
        reached = {operation.operation_id for operation in last.operations}
        # The root context always: a final invocation that emitted nothing at all (a warm
        # cache answering for the whole execution) stopped short of everything.
        for parent in [None, *sorted({op.parent for op in last.operations} - {None})]:
            missing = [op for op in expected.get(parent, []) if op.operation_id not in reached]
            if missing:
                what = "emitted no operation at all" if not last.operations else "stopped short of the recorded operations"
                return [Difference("nondeterminism", f"the final invocation {what}",
                                reference=", ".join(o.words() for o in missing), observed="(never reached)")]
    return []


def _interrupted_step(reference: ExecutionRecord, run: ExecutionRecord) -> list[Difference]:
    """The execution failed because the SDK would not re-run an interrupted AT_MOST_ONCE step (step.py:140-146)."""
    if run.outcome is None or run.outcome.status != "FAILED" or reference.outcome == run.outcome:
        return []
    match = _INTERRUPTED.search(run.outcome.error or "")
    if match is None or run.semantics.get(match.group(1)) != "AT_MOST_ONCE_PER_RETRY":
        return []
    name = match.group(2)
    return [Difference("interrupted-step", f"a crash interrupted step {name!r}, which is AT_MOST_ONCE: by design the SDK "
                       "does not run it again once its attempts are spent, so the execution failed (if it should "
                       "recover, give the step a retry strategy with more attempts or catch the step's error)",
                       *_around_first_difference(_words(reference), _words(run)))]


def _outcome(reference: ExecutionRecord, run: ExecutionRecord) -> list[Difference]:
    expected = _words(reference)
    if run.unfinished:
        return [Difference("outcome-mismatch", run.unfinished, reference=expected, observed="(no outcome)")]
    observed = _words(run)
    if observed != expected and not run.injected_failure_decided:
        return [Difference("outcome-mismatch", "the execution ended differently from the straight-through run",
                        *_around_first_difference(expected, observed))]
    return []


def _own_name_removed(text: str, record: ExecutionRecord) -> str:
    """`text` with the execution's own name (its ARN differs from every other's) made generic."""
    return text.replace(execution_name(record.arn), "<execution>") if record.arn else text


EXCERPT = 160  # characters of a long outcome shown, around where it first differs


def _around_first_difference(reference: str, observed: str) -> tuple[str, str]:
    """Outcomes as they are, or if long (results may be megabytes) as excerpts around their first difference."""
    if max(len(reference), len(observed)) <= EXCERPT:
        return reference, observed
    start = max(0, _common_prefix_length(reference, observed) - EXCERPT // 2)

    def excerpt(text: str) -> str:
        end = start + EXCERPT
        return f"{'...' * (start > 0)}{text[start:end]}{'...' * (end < len(text))} ({len(text):,} characters)"

    return excerpt(reference), excerpt(observed)


def _common_prefix_length(first: str, second: str) -> int:
    """By bisection on slice comparisons, which run in C: a character loop is slow on megabytes."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _words(record: ExecutionRecord) -> str:
    return _own_name_removed(record.outcome.words(), record) if record.outcome else "(no outcome)"


def _effects(reference: ExecutionRecord, run: ExecutionRecord, strict: bool) -> list[Difference]:
    reference, run = _comparable_effects(reference), _comparable_effects(run)
    findings = []
    expected_orchestration = Counter((c.effect, c.arguments) for c in reference.effects if c.operation is None and c.repeat != HARMLESS)
    observed_orchestration = Counter((c.effect, c.arguments) for c in run.effects if c.operation is None and c.repeat != HARMLESS)
    for (effect, arguments), count in observed_orchestration.items():
        if count > expected_orchestration[(effect, arguments)]:
            findings.append(Difference(
                "duplicate-effect", f"{effect} ran {count} times from orchestration code, "
                f"{expected_orchestration[(effect, arguments)]} in the straight-through run",
                reference=f"{effect}({arguments}) x{expected_orchestration[(effect, arguments)]}",
                observed=f"{effect}({arguments}) x{count}"))
            break
    expected_steps = _by_operation(reference.effects)
    for (operation, effect), calls in _by_operation(run.effects).items():
        recorded = expected_steps.get((operation, effect))
        if recorded is None:
            continue
        fresh = [c for c in calls if c.arguments not in {r.arguments for r in recorded}]
        semantics = calls[0].semantics or reference.semantics.get(operation)
        if fresh:
            findings.append(Difference("duplicate-effect", f"{effect} ran again in the same step with different arguments",
                                    reference=f"{effect}({recorded[0].arguments})", observed=f"{effect}({fresh[0].arguments})"))
        elif len(calls) > len(recorded) and (strict or calls[0].repeat == DUPLICATE
                                             or (semantics == "AT_MOST_ONCE_PER_RETRY" and calls[0].repeat != HARMLESS)):
            why = ("in the same step (a duplicate effect whenever it repeats)" if calls[0].repeat == DUPLICATE
                   else "in an AT_MOST_ONCE step" if semantics == "AT_MOST_ONCE_PER_RETRY" else "in the same step")
            findings.append(Difference("duplicate-effect", f"{effect} ran {len(calls)} times {why}, {len(recorded)} in the straight-through run",
                                    reference=f"{effect}({recorded[0].arguments}) x{len(recorded)}",
                                    observed=f"{effect}({calls[0].arguments}) x{len(calls)}{_attempts(calls)}"))
        if findings:
            break
    return findings[:1]


def _attempts(calls: list[EffectCall]) -> str:
    """Which runs of the step's body made the calls, when more than one did."""
    runs = sorted({call.attempt for call in calls if call.attempt is not None})
    return f" in runs {', '.join(map(str, runs))} of its body" if len(runs) > 1 else ""


def _comparable_effects(record: ExecutionRecord) -> ExecutionRecord:
    """The record with its effects' arguments free of the execution's own name."""
    calls = [dataclasses.replace(call, arguments=_own_name_removed(call.arguments, record)) for call in record.effects]
    return dataclasses.replace(record, effects=calls)


def _by_operation(calls: list[EffectCall]) -> dict[tuple[str, str], list[EffectCall]]:
    grouped: dict[tuple[str, str], list[EffectCall]] = defaultdict(list)
    for call in calls:
        if call.operation is not None:
            grouped[(call.operation, call.effect)].append(call)
    return grouped


def _aws_state(reference: ExecutionRecord, run: ExecutionRecord) -> list[Difference]:
    """AWS state after the run against the reference's. Not compared when the run did not finish, when
    an injected step failure decided it, or when a step was retried after one: the retry runs later in
    virtual time, so the times it writes (an idempotency record's expiry) differ by design."""
    if reference.aws_state is None or run.aws_state is None or run.outcome is None or run.injected_failure_decided:
        return []
    if any(fault.kind == "fail" for fault in run.schedule.faults):
        return []
    difference = aws_state.first_difference(_own_name_removed_state(reference), _own_name_removed_state(run))
    if difference is None:
        return []
    resource, expected, observed = difference
    return [Difference("state-mismatch", f"{resource} differs from the straight-through run's",
                       *_around_first_difference(expected, observed))]


def _own_name_removed_state(record: ExecutionRecord) -> aws_state.Snapshot:
    assert record.aws_state is not None
    return {resource: [_own_name_removed(item, record) for item in items] for resource, items in record.aws_state.items()}


def _swallowed_suspends(run: ExecutionRecord) -> list[Difference]:
    for number, invocation in enumerate(run.invocations, start=1):
        if invocation.suspends and invocation.status in ("SUCCEEDED", "FAILED"):
            return [Difference("swallowed-suspend", f"invocation {number} signalled a suspension but ended {invocation.status}: "
                            "user code caught the SDK's SuspendExecution", reference="PENDING", observed=invocation.status)]
    return []
