"""In-flight execution states: what the service stores for an execution that has not ended.

A state is the list of operations `GetDurableExecutionState` returns (pages merged),
in that API's JSON shape: `{"Operations": [{"Id", "Type", "Status", ...}]}`, with
timestamps as ISO 8601 text (as the AWS CLI prints them) or Unix seconds (the wire
format). States the fuzzer collects from old code are saved in the same shape, with
a `DurableFuzz` key adding what only the fuzzer knows: the callables of unnamed
operations, how the old code ends from the state, and the token that collects the
state again. Both kinds resume the same way (`backend()`): the service's view of the
execution, whose next invocation finds due waits ended, retries ready, and pending
callbacks and invokes answered.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import Operation, OperationStatus, OperationType

from replay_fuzz.backend import Backend
from replay_fuzz.records import FUNCTION_ARN, START, OperationRecord, Outcome

FORMAT = 1


class StateError(Exception):
    """A file that is not an execution state."""


@dataclass
class State:
    """One in-flight execution: its stored operations and what is known about how it got there."""

    arn: str
    operations: list[Operation]
    callables: dict[str, str] = field(default_factory=dict)  # unnamed operation id -> its callable's name
    old_outcome: Outcome | None = None  # how the old code ends from this state, when the old code ran here
    token: str | None = None  # collects this state again (compat --state)
    source: str = ""  # the file it came from

    @property
    def execution(self) -> Operation:
        return next(op for op in self.operations if op.operation_type is OperationType.EXECUTION)

    @property
    def event(self) -> Any:
        details = self.execution.execution_details
        return json.loads(details.input_payload) if details and details.input_payload else {}

    def backend(self) -> Backend:
        """The service holding this state, at the moment the execution is invoked again."""
        stamps = [stamp for op in self.operations for stamp in (op.start_timestamp, op.end_timestamp) if stamp is not None]
        backend = Backend.resuming(self.arn, self.operations, max(stamps, default=START))
        backend.advance()
        return backend

    def recorded(self) -> list[OperationRecord]:
        """The stored operations as the code emitted them, in the order they started."""
        return [OperationRecord(op.parent_id, op.operation_id, op.operation_type.value, op.sub_type, op.name,
                                self.callables.get(op.operation_id))
                for op in self.operations if op.operation_type is not OperationType.EXECUTION]

    def point(self) -> str:
        """Where the execution is, in words: "waiting at wait 'settle'"."""
        return in_flight_point(self.operations)

    def key(self) -> str:
        """Equal for states that hold the same operations (two schedules often leave the same one)."""
        return json.dumps([_operation_json(op) for op in self.operations], sort_keys=True)

    def to_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"format": FORMAT, "point": self.point(), "callables": self.callables}
        if self.old_outcome is not None:
            outcome = self.old_outcome
            extra["old_outcome"] = {"status": outcome.status, "result": outcome.result, "error": outcome.error}
        if self.token:
            extra["state"] = self.token
        return {"DurableExecutionArn": self.arn, "Operations": [_operation_json(op) for op in self.operations],
                "DurableFuzz": extra}


def in_flight_point(operations: list[Operation]) -> str:
    """What keeps the execution from ending, named by operation: waits, callbacks, invokes,
    retries, polls and interrupted steps; else the last operation it stored (it was cut off there)."""
    names = {op.operation_id: op for op in operations}
    waiting: Counter[str] = Counter()
    for op in operations:
        kind, status = op.operation_type, op.status
        if status is OperationStatus.STARTED and kind is OperationType.WAIT:
            waiting[f"waiting at {_label(op, names)}"] += 1
        elif status is OperationStatus.STARTED and kind in (OperationType.CALLBACK, OperationType.CHAINED_INVOKE):
            waiting[f"waiting for {_label(op, names)}"] += 1
        elif status in (OperationStatus.PENDING, OperationStatus.READY) and op.sub_type == "WaitForCondition":
            waiting[f"waiting for the next check of {_label(op, names)}"] += 1
        elif status in (OperationStatus.PENDING, OperationStatus.READY) and kind is OperationType.STEP:
            waiting[f"waiting to retry {_label(op, names)}"] += 1
        elif status is OperationStatus.STARTED and kind is OperationType.STEP:
            waiting[f"interrupted in {_label(op, names)}"] += 1
    if waiting:
        ordered = sorted(waiting.items(), key=lambda item: WAITING_ORDER.index(item[0].split(" ")[1]))
        return "executions " + " and ".join(words if count == 1 else f"{words} ({count} at once)" for words, count in ordered)
    stored = [op for op in operations if op.operation_type is not OperationType.EXECUTION]
    if not stored:
        return "executions cut off before they stored any operation"
    last = stored[-1]
    return f"executions cut off after {_label(last, names)} was stored ({last.status.value})"


WAITING_ORDER = ("at", "for", "to", "in")  # "waiting at a wait" reads best; an interrupted step least


def operation_words(kind: str, sub_type: str | None, name: str | None) -> str:
    """"step 'charge'", "map 'packing'", "unnamed wait": an operation as its author wrote it."""
    what = _KINDS.get(sub_type or "", kind.lower().replace("chained_invoke", "invoke"))
    return f"{what} {name!r}" if name else f"unnamed {what}"


def _label(op: Operation, operations: dict[str, Operation]) -> str:
    parent = operations.get(op.parent_id or "")
    if op.operation_type is OperationType.CALLBACK and parent is not None and parent.sub_type == "WaitForCallback":
        op, parent = parent, operations.get(parent.parent_id or "")  # the callback of ctx.wait_for_callback(name=...)
        return f"callback {op.name!r}{context_words(op.parent_id, operations)}" if op.name else \
            f"an unnamed callback{context_words(op.parent_id, operations)}"
    return operation_words(op.operation_type.value, op.sub_type, op.name) + context_words(op.parent_id, operations)


_KINDS = {"Map": "map", "Parallel": "parallel", "RunInChildContext": "child context", "WaitForCallback": "wait_for_callback",
          "WaitForCondition": "wait_for_condition", "MapIteration": "map item", "ParallelBranch": "parallel branch"}
_ITEMS = {"MapIteration": "items of", "ParallelBranch": "branches of"}


def context_words(parent_id: str | None, operations: dict[str, Operation]) -> str:
    """Where an operation sits: "" in the handler, " in child context 'pack'", " in the items of map 'packing'"
    (items are not told apart, so that the same change in every item reads as one)."""
    parent = operations.get(parent_id or "")
    if parent is None or parent.operation_type is OperationType.EXECUTION:
        return ""
    if parent.sub_type in _ITEMS:
        owner = operations.get(parent.parent_id or "")
        kind = _KINDS.get(owner.sub_type or "", "context") if owner else "batch"
        return f" in the {_ITEMS[parent.sub_type]} {kind} {owner.name!r}" if owner and owner.name else f" in the {_ITEMS[parent.sub_type]} a {kind}"
    kind = _KINDS.get(parent.sub_type or "", "context")
    return f" in {kind} {parent.name!r}" if parent.name else f" in an unnamed {kind}"


# -- files -------------------------------------------------------------------------------------

def save(state: State, path: Path) -> None:
    path.write_text(json.dumps(state.to_json(), indent=1, default=str) + "\n")


def load(path: Path) -> State:
    """A state file: the API's JSON (one response, or a list of pages) or one the fuzzer saved."""
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise StateError(f"{path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise StateError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    try:
        state = from_json(data)
    except StateError as error:
        raise StateError(f"{path}: {error}") from None
    state.source = str(path)
    return state


def from_json(data: Any) -> State:
    pages = data if isinstance(data, list) else [data]
    if not pages or not all(isinstance(page, dict) and isinstance(page.get("Operations"), list) for page in pages):
        raise StateError("not a GetDurableExecutionState response: expected an object with an \"Operations\" list")
    operations = []
    for page in pages:
        for number, raw in enumerate(page["Operations"], start=1):
            try:
                operations.append(Operation.from_dict(_parsed_timestamps(raw)))
            except (KeyError, ValueError, TypeError, AttributeError) as error:
                raise StateError(f"operation {number} is not an Operation ({type(error).__name__}: {error})") from None
    executions = [op for op in operations if op.operation_type is OperationType.EXECUTION]
    if len(executions) != 1:
        raise StateError(f"expected one EXECUTION operation (it holds the event), found {len(executions)}")
    details = executions[0].execution_details
    try:
        json.loads(details.input_payload if details and details.input_payload else "{}")
    except json.JSONDecodeError as error:
        raise StateError(f"the EXECUTION operation's InputPayload (the event) is not JSON ({error.msg})") from None
    execution_id = executions[0].operation_id
    arn = str(pages[0].get("DurableExecutionArn") or "")
    if arn.split("/")[-1] != execution_id:  # the SDK derives the EXECUTION id from the ARN (state.py:529-546)
        arn = f"{FUNCTION_ARN}/durable-execution/replayed/{execution_id}"
    try:
        extra = pages[0].get("DurableFuzz") or {}
        outcome = extra.get("old_outcome")
        return State(arn, operations, {str(k): str(v) for k, v in (extra.get("callables") or {}).items()},
                     Outcome(outcome["status"], outcome.get("result"), outcome.get("error")) if outcome else None,
                     extra.get("state"))
    except (AttributeError, KeyError, TypeError) as error:
        raise StateError(f"its \"DurableFuzz\" part is not one durable-fuzz wrote ({type(error).__name__}: {error})") from None


_TIMESTAMPS = (("StartTimestamp",), ("EndTimestamp",), ("StepDetails", "NextAttemptTimestamp"),
               ("WaitDetails", "ScheduledEndTimestamp"))


def _operation_json(op: Operation) -> dict[str, Any]:
    data = json.loads(json.dumps(op.to_dict(), default=iso_timestamp))
    return data


def iso_timestamp(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _parsed_timestamps(raw: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(raw, default=iso_timestamp))  # a copy, also of boto3's datetimes
    for path in _TIMESTAMPS:
        holder = data
        for key in path[:-1]:
            holder = holder.get(key) or {}
        if path[-1] in holder and holder[path[-1]] is not None:
            holder[path[-1]] = _timestamp(holder[path[-1]])
    return data


def _timestamp(value: Any) -> datetime.datetime:
    """ISO 8601 text, or Unix time in seconds (the wire format) or milliseconds (the SDK's JSON)."""
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
