"""An in-memory durable execution service: the SDK's `DurableServiceClient`, with faults.

It keeps the execution's operations as the service would, applying each checkpoint
batch atomically: START, SUCCEED, FAIL and RETRY per operation type, with every
transition validated (an invalid one is recorded and rejected, as the service
rejects it). Between invocations `advance()` does what the service does while an
execution is suspended: it moves the clock to the earliest due timer, completes
waits, makes retries ready, answers callbacks and chained invokes.

A `FaultPlan` decides, per checkpoint boundary `(operation id, action, occurrence)`,
whether the batch holding it is persisted normally, lost (the invocation dies
before the service stores it: the at-least-once window), persisted and then the
invocation dies, or persisted with no new token (the SDK suspends cleanly). An
`Exception`, never a BaseException, is raised from `checkpoint()`: the SDK's
checkpoint thread only catches `Exception`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from dataclasses import replace as _replace

from aws_durable_execution_sdk_python.lambda_service import (
    CallbackDetails,
    ChainedInvokeDetails,
    CheckpointOutput,
    CheckpointUpdatedExecutionState,
    ContextDetails,
    ErrorObject,
    ExecutionDetails,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StateOutput,
    StepDetails,
    WaitDetails,
)

TERMINAL = frozenset({OperationStatus.SUCCEEDED, OperationStatus.FAILED, OperationStatus.CANCELLED,
                      OperationStatus.TIMED_OUT, OperationStatus.STOPPED})
Boundary = tuple[str, str, int]  # (operation id, action, occurrence)


class InjectedCrash(Exception):  # noqa: N818 - it is a crash, not an error of the code under test
    """The invocation dies at a checkpoint (raised from `checkpoint()`)."""


class InvalidCheckpoint(Exception):  # noqa: N818
    """The service rejects an update that is not a valid transition."""


@dataclass(frozen=True)
class CallbackOutcome:
    """How the outside world answers a callback."""

    kind: str = "success"  # success | failure | timeout
    payload: str = '"approved"'

    def apply(self, operation: Operation) -> Operation:
        details = operation.callback_details or CallbackDetails(callback_id=operation.operation_id)
        if self.kind == "success":
            return replace(operation, status=OperationStatus.SUCCEEDED,
                           callback_details=_replace(details, result=self.payload))
        if self.kind == "timeout":
            return replace(operation, status=OperationStatus.TIMED_OUT, callback_details=_replace(
                details, error=ErrorObject(message="Callback timed out", type="CallbackTimeoutError", data=None, stack_trace=None)))
        return replace(operation, status=OperationStatus.FAILED, callback_details=_replace(
            details, error=ErrorObject(message="Callback failed", type="CallbackFailure", data=None, stack_trace=None)))


def null_invoke_result(function: str, payload: str | None) -> str:
    """What a chained invoke returns unless a test says otherwise."""
    return "null"


FaultPlan = Callable[[Boundary, OperationUpdate], str | None]  # -> "drop" | "after" | "revoke" | "pend" | None


@dataclass
class Backend:
    """The service's view of one execution."""

    arn: str
    event_payload: str
    start: datetime.datetime
    fault_plan: FaultPlan = lambda boundary, update: None  # noqa: E731
    callback_outcome: Callable[[Operation], CallbackOutcome] = lambda operation: CallbackOutcome()  # noqa: E731
    invoke_result: Callable[[str, str | None], str] = null_invoke_result
    on_time: Callable[[datetime.datetime], object] = lambda now: None  # noqa: E731 - told when a wait moves the clock
    now: datetime.datetime = field(init=False)
    operations: dict[str, Operation] = field(default_factory=dict, init=False)
    invalid: list[str] = field(default_factory=list, init=False)
    boundaries: list[Boundary] = field(default_factory=list, init=False)
    _seen: Counter[tuple[str, str]] = field(default_factory=Counter, init=False)
    _tokens_issued: int = field(default=0, init=False)  # a plain int: the state is pickled to environments
    _pending_start: set[str] = field(default_factory=set, init=False)
    _invoke_payloads: dict[str, tuple[str, str | None]] = field(default_factory=dict, init=False)
    # Steps whose retry the fuzzer caused: made ready without moving the clock, so
    # time-derived results stay comparable with the straight-through run.
    instant_retries: set[str] = field(default_factory=set, init=False)
    # Steps the fuzzer failed that have neither stored a RETRY nor succeeded since: if one is
    # left at the end, the failure decided that step, and from there the execution
    # legitimately differs from the straight-through run.
    unrecovered_failures: set[str] = field(default_factory=set, init=False)
    # The EXECUTION SUCCEED/FAIL checkpoint the SDK sends for a result too large for the
    # response: once stored, the execution has ended in the service with that result.
    ended_by: OperationUpdate | None = field(default=None, init=False)
    # How much later than the service's time orchestration code runs: Lambda re-invokes a
    # crashed invocation after a delay (replay_fuzz.clock).
    lag_seconds: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.now = self.start
        self.operations[self.execution_id] = Operation(
            operation_id=self.execution_id, operation_type=OperationType.EXECUTION, status=OperationStatus.STARTED,
            start_timestamp=self.start, execution_details=ExecutionDetails(input_payload=self.event_payload),
        )

    @classmethod
    def resuming(cls, arn: str, operations: list[Operation], now: datetime.datetime) -> Backend:
        """A backend holding an execution's stored operations (an in-flight state), so the
        next invocation resumes it; what is left pending completes when `advance()` is called."""
        backend = cls(arn, "", now)
        backend.operations = {operation.operation_id: operation for operation in operations}
        for operation in operations:
            if operation.status is OperationStatus.STARTED and operation.operation_type in (
                    OperationType.CALLBACK, OperationType.CHAINED_INVOKE):
                backend._pending_start.add(operation.operation_id)
                if operation.operation_type is OperationType.CHAINED_INVOKE:
                    backend._invoke_payloads[operation.operation_id] = ("", None)  # not in the stored state
        return backend

    @property
    def execution_id(self) -> str:
        """The EXECUTION operation's id, derived from the ARN as the SDK does (state.py:529-546)."""
        return self.arn.split("/")[-1]

    def fail_attempt(self, operation_id: str) -> None:
        """The fuzzer fails this step attempt: its retry comes without moving the clock."""
        self.instant_retries.add(operation_id)
        self.unrecovered_failures.add(operation_id)

    # -- the DurableServiceClient protocol ------------------------------------------

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[OperationUpdate],
                   client_token: str | None) -> CheckpointOutput:
        verdict = None
        for update in updates:
            key = (update.operation_id, update.action.value)
            self._seen[key] += 1
            boundary = (*key, self._seen[key])
            self.boundaries.append(boundary)
            if verdict is None:
                verdict = self.fault_plan(boundary, update)
        if verdict == "drop":
            raise InjectedCrash(f"the invocation died before checkpoint {_describe(updates)} was stored")
        if updates:
            changed = [self._apply(update, pend=verdict == "pend") for update in updates]
        else:
            # An empty batch is the SDK asking, for a branch it suspended in-process, what is
            # due by now (state.py:933-964): the service answers with what it has released.
            changed = self._release_due(pending_starts=False)
        if verdict == "after":
            raise InjectedCrash(f"the invocation died after checkpoint {_describe(updates)} was stored")
        finished = any(u.operation_type is OperationType.EXECUTION for u in updates)
        token = None if verdict == "revoke" or finished else self.token()
        return CheckpointOutput(checkpoint_token=token,
                                new_execution_state=CheckpointUpdatedExecutionState(operations=changed))

    def get_execution_state(self, durable_execution_arn: str, checkpoint_token: str, next_marker: str,
                            max_items: int = 1000) -> StateOutput:
        return StateOutput(operations=list(self.operations.values()), next_marker=None)

    def token(self) -> str:
        self._tokens_issued += 1
        return f"token-{self._tokens_issued - 1}"

    # -- applying updates ---------------------------------------------------------------

    def _apply(self, update: OperationUpdate, pend: bool) -> Operation:
        current = self.operations.get(update.operation_id)
        problem = _invalid_transition(current, update)
        if problem:
            message = f"invalid checkpoint for {update.operation_type.value} {update.name or update.operation_id[:12]}: {problem}"
            self.invalid.append(message)
            raise InvalidCheckpoint(message)
        operation = self._transition(current, update)
        if update.action in (OperationAction.RETRY, OperationAction.SUCCEED):
            self.unrecovered_failures.discard(update.operation_id)
        if update.operation_type is OperationType.EXECUTION:
            self.ended_by = update
        if update.action is OperationAction.START and not pend:
            operation = self._complete_at_start(operation, update)
        elif update.action is OperationAction.START and operation.operation_type in (
            OperationType.WAIT, OperationType.CALLBACK, OperationType.CHAINED_INVOKE
        ):
            self._pending_start.add(operation.operation_id)
        self.operations[update.operation_id] = operation
        return operation

    def _transition(self, current: Operation | None, update: OperationUpdate) -> Operation:
        action, kind = update.action, update.operation_type
        base = current or Operation(
            operation_id=update.operation_id, operation_type=kind, status=OperationStatus.STARTED,
            parent_id=update.parent_id, name=update.name, sub_type=update.sub_type, start_timestamp=self.now,
        )
        if kind is OperationType.EXECUTION:
            status = OperationStatus.SUCCEEDED if action is OperationAction.SUCCEED else OperationStatus.FAILED
            return replace(base, status=status, end_timestamp=self.now)
        if action is OperationAction.START:
            if kind is OperationType.STEP:
                attempts = base.step_details.attempt if base.step_details else 0
                return replace(base, status=OperationStatus.STARTED, step_details=StepDetails(attempt=attempts))
            if kind is OperationType.WAIT:
                seconds = update.wait_options.wait_seconds if update.wait_options else 1
                return replace(base, wait_details=WaitDetails(self.now + datetime.timedelta(seconds=seconds)))
            if kind is OperationType.CALLBACK:
                return replace(base, callback_details=CallbackDetails(callback_id=f"callback-{update.operation_id[:16]}"))
            if kind is OperationType.CHAINED_INVOKE:
                self._invoke_payloads[update.operation_id] = (
                    update.chained_invoke_options.function_name if update.chained_invoke_options else "", update.payload)
                return replace(base, chained_invoke_details=ChainedInvokeDetails())
            return base  # CONTEXT
        if action is OperationAction.RETRY:
            attempts = (base.step_details.attempt if base.step_details else 0) + 1
            delay = update.step_options.next_attempt_delay_seconds if update.step_options else 1
            return replace(base, status=OperationStatus.PENDING, step_details=StepDetails(
                attempt=attempts, next_attempt_timestamp=self.now + datetime.timedelta(seconds=max(delay, 1)),
                result=update.payload, error=update.error))
        status = OperationStatus.SUCCEEDED if action is OperationAction.SUCCEED else OperationStatus.FAILED
        done = replace(base, status=status, end_timestamp=self.now)
        if kind is OperationType.STEP:
            attempts = (base.step_details.attempt if base.step_details else 0) + 1
            return replace(done, step_details=StepDetails(attempt=attempts, result=update.payload, error=update.error))
        if kind is OperationType.CONTEXT:
            replay = bool(update.context_options and update.context_options.replay_children)
            return replace(done, context_details=ContextDetails(replay_children=replay, result=update.payload, error=update.error))
        return done

    def _complete_at_start(self, operation: Operation, update: OperationUpdate) -> Operation:
        """Straight through: a wait, callback or invoke is already complete when it starts."""
        kind = operation.operation_type
        if kind is OperationType.WAIT:
            self.now = max(self.now, operation.wait_details.scheduled_end_timestamp)  # type: ignore[union-attr]
            self.on_time(self.now)
            return replace(operation, status=OperationStatus.SUCCEEDED, end_timestamp=self.now)
        if kind is OperationType.CALLBACK:
            return self.callback_outcome(operation).apply(operation)
        if kind is OperationType.CHAINED_INVOKE:
            function, payload = self._invoke_payloads.pop(operation.operation_id)
            return replace(operation, status=OperationStatus.SUCCEEDED,
                           chained_invoke_details=ChainedInvokeDetails(result=self.invoke_result(function, payload)))
        return operation

    # -- between invocations ---------------------------------------------------------

    def advance(self) -> None:
        """What the service does while the execution is suspended, up to the next due event."""
        timers = [op.wait_details.scheduled_end_timestamp for op in self.operations.values()
                  if op.operation_type is OperationType.WAIT and op.status is OperationStatus.STARTED and op.wait_details]
        timers += [op.step_details.next_attempt_timestamp for op in self.operations.values()
                   if op.status is OperationStatus.PENDING and op.step_details and op.step_details.next_attempt_timestamp
                   and op.operation_id not in self.instant_retries]
        if timers:
            self.now = max(self.now, min(timers))  # type: ignore[type-var]
        self._release_due(pending_starts=True)

    def _release_due(self, pending_starts: bool) -> list[Operation]:
        """End the waits and ready the retries that are due now, and return them; with
        `pending_starts`, also complete what a fault left pending (only while suspended)."""
        released = []
        for op_id, op in list(self.operations.items()):
            if op.operation_type is OperationType.WAIT and op.status is OperationStatus.STARTED and op.wait_details:
                if op.wait_details.scheduled_end_timestamp <= self.now:  # type: ignore[operator]
                    released.append(replace(op, status=OperationStatus.SUCCEEDED, end_timestamp=self.now))
            elif op.status is OperationStatus.PENDING and op.step_details:
                due = op.step_details.next_attempt_timestamp or self.now
                if due <= self.now or op_id in self.instant_retries:
                    self.instant_retries.discard(op_id)
                    released.append(replace(op, status=OperationStatus.READY))
            elif pending_starts and op_id in self._pending_start and op.status is OperationStatus.STARTED:
                released.append(self._complete_at_start(op, None))  # type: ignore[arg-type]
        for operation in released:
            self.operations[operation.operation_id] = operation
        self._pending_start = {i for i in self._pending_start if self.operations[i].status is OperationStatus.STARTED}
        return released

    # -- travelling between processes -----------------------------------------------------
    # The state crosses to the environment that runs an invocation and back; the policies
    # (fault plan, callback answers, invoke stub, clock listener) are rebuilt on each side.

    _POLICIES = ("fault_plan", "callback_outcome", "invoke_result", "on_time")

    def __getstate__(self) -> dict[str, object]:
        return {key: value for key, value in self.__dict__.items() if key not in self._POLICIES}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        for policy in fields(self):
            if policy.name in self._POLICIES:
                setattr(self, policy.name, policy.default)

    def absorb(self, other: Backend) -> None:
        """Take the state an environment returned, keeping this backend's policies."""
        self.__dict__.update(other.__getstate__())


def replace(operation: Operation, **changes: object) -> Operation:
    """`dataclasses.replace` for the SDK's Operation, without its per-call introspection (hot path)."""
    if type(operation) is not Operation:
        return _replace(operation, **changes)  # type: ignore[arg-type]
    copy = object.__new__(Operation)
    copy.__dict__.update(operation.__dict__)
    copy.__dict__.update(changes)
    return copy


def _invalid_transition(current: Operation | None, update: OperationUpdate) -> str | None:
    """Why the service would reject `update`, or None."""
    action = update.action
    if current is None:
        if update.operation_type is OperationType.EXECUTION:
            return None
        return None if action is OperationAction.START else f"{action.value} of an operation that never started"
    renamed = (update.name or None) != (current.name or None)
    if update.operation_type is not current.operation_type or (renamed and action is OperationAction.START):
        return f"{action.value} with identity {update.operation_type.value}/{update.name!r}, recorded as {current.operation_type.value}/{current.name!r}"
    if current.status in TERMINAL:
        return f"{action.value} after the operation ended ({current.status.value})"
    if action is OperationAction.START and current.status is OperationStatus.PENDING:
        return "START while a retry is pending"
    if action is OperationAction.RETRY and current.operation_type is not OperationType.STEP:
        return f"RETRY of a {current.operation_type.value}"
    return None


def _describe(updates: list[OperationUpdate]) -> str:
    return "[" + ", ".join(f"{u.name or u.operation_type.value.lower()} {u.action.value}" for u in updates) + "]"

