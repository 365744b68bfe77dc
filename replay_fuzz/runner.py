"""Run one execution of a handler on the real SDK against the in-memory backend.

Each invocation calls the decorated handler with a
`DurableExecutionInvocationInputWithClient` carrying every operation the backend
holds, as the service does, until the handler returns SUCCEEDED or FAILED. A crash
(an exception out of the handler) is followed by a fresh invocation, as Lambda
retries; a PENDING answer by `backend.advance()` and then a fresh invocation.

What production varies between invocations, the run varies too, reproducibly from
the schedule's seed: randomness is seeded anew for each invocation of orchestration
code and for each run of a step body (see replay_fuzz.entropy). A run whose steps
re-ran is compared with a *pinned* straight-through run whose step bodies draw what
this run's checkpointed runs drew.
Time is virtual: the service's starts at a fixed instant and moves only by waits and
retry delays; orchestration code's also lags behind crashed invocations and moves with
the time code takes (see replay_fuzz.clock). Each invocation gets Lambda's context
anew (replay_fuzz.lambda_context).
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_durable_execution_sdk_python.exceptions import NonDeterministicExecutionError
from aws_durable_execution_sdk_python.execution import DurableExecutionInvocationInputWithClient, InitialExecutionState
from aws_durable_execution_sdk_python.identifier import OperationIdentifier
from aws_durable_execution_sdk_python.lambda_service import OperationAction, OperationStatus, OperationType, OperationUpdate

from replay_fuzz import effects, entropy, guard, hooks, shards
from replay_fuzz.callsite import call_site
from replay_fuzz.backend import Backend, CallbackOutcome, InjectedCrash, InvalidCheckpoint, null_invoke_result
from replay_fuzz.clock import LAMBDA_RETRY_LAG, step_body, virtual_time
from replay_fuzz.environments import Environment, EnvironmentPool
from replay_fuzz.lambda_context import LambdaContext
from replay_fuzz.schedule import LOST_RESPONSE, Schedule
from replay_fuzz.worker import run_abandonable

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:durable-fuzz:$LATEST"
EXECUTION_ID = "0b1c2d3e"  # the EXECUTION operation's id, the same in every execution: faults keyed to it carry over
START = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
_PROCESS = f"{time.time_ns():x}"
_executions = itertools.count(1)


def execution_arn() -> str:
    """A new execution's ARN, unique as in the service, so what user code keys by it (files,
    idempotency records) is not shared between executions; the checks compare it as equal."""
    return f"{FUNCTION_ARN}/durable-execution/fuzz-{_PROCESS}-{os.getpid()}-{next(_executions)}/{EXECUTION_ID}"


def execution_name(arn: str) -> str:
    return arn.split("/")[-2]


class BodyCrash(BaseException):  # noqa: N818 - a crash injected around a user body
    """The invocation dies around a user body (a BaseException, as a real crash would be)."""


class InjectedStepFailure(Exception):
    """A step attempt fails, so the SDK's retry strategy decides what happens next."""


@dataclass(frozen=True)
class OperationRecord:
    """One operation as the code emitted it."""

    parent: str | None
    operation_id: str
    type: str
    sub_type: str | None
    name: str | None
    callable: str | None
    location: str | None = None  # the user code that emitted it (see replay_fuzz.callsite); not part of its identity

    def identity(self) -> tuple[str, str | None, str | None, str | None]:
        return (self.type, self.sub_type, self.name, self.callable)

    def words(self) -> str:
        what = self.type.lower().replace("chained_invoke", "invoke")
        if self.name:
            return f"{what} {self.name!r}"
        return f"unnamed {what} of {self.callable.rsplit(':', 1)[0].rsplit('.', 1)[-1]}" if self.callable else f"unnamed {what}"


@dataclass
class Invocation:
    status: str = "CRASHED"
    crash: str | None = None
    operations: list[OperationRecord] = field(default_factory=list)
    suspends: int = 0


@dataclass(frozen=True)
class Outcome:
    status: str
    result: str | None
    error: str | None

    def words(self) -> str:
        return f"{self.status} {self.result}" if self.status == "SUCCEEDED" else f"{self.status} {self.error}"


@dataclass
class ExecutionRecord:
    """Everything one execution did, for the checks."""

    schedule: Schedule
    arn: str = ""
    outcome: Outcome | None = None
    invocations: list[Invocation] = field(default_factory=list)
    effects: list[effects.EffectCall] = field(default_factory=list)
    nondeterminism: list[str] = field(default_factory=list)
    invalid_checkpoints: list[str] = field(default_factory=list)
    checkpoint_boundaries: list[tuple[str, str, int]] = field(default_factory=list)
    body_boundaries: list[tuple[str, str, int]] = field(default_factory=list)
    response_boundaries: list[tuple[str, str, int]] = field(default_factory=list)  # each answer that ended the execution
    operation_types: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)  # type, name, subtype
    parents: dict[str, str | None] = field(default_factory=dict)  # each stored operation's parent
    semantics: dict[str, str] = field(default_factory=dict)
    body_runs: dict[str, int] = field(default_factory=dict)  # how often each user body started
    unfinished: str | None = None  # why the execution did not reach an outcome
    failed_operations: list[tuple[str, str | None, str]] = field(default_factory=list)  # (type, name, error) that ended FAILED
    refused: list[str] = field(default_factory=list)  # network traffic refused in execution environments
    output: str = ""  # what the code under test printed (where it is captured: see replay_fuzz.capture)
    injected_failure_decided: bool = False  # an injected step failure exhausted its retries: not comparable
    aws_state: dict[str, list[str]] | None = None  # what moto held after the execution (with --aws)


@dataclass(frozen=True)
class RunOptions:
    max_invocations: int = 50
    invocation_timeout: float = 10.0
    invoke_result: Callable[[str, str | None], str] = null_invoke_result
    callback_payload: str = '"approved"'


class _Observer:
    """Receives the SDK hooks during one execution and applies the schedule's body faults."""

    def __init__(self, record: ExecutionRecord, schedule: Schedule, backend: Backend) -> None:
        self.record = record
        self.schedule = schedule
        self.backend = backend
        self.invocation = Invocation()
        self._lock = threading.Lock()
        self._body_runs: dict[str, int] = {}
        # Call sites are found for runs without faults only: the references fault classes are built
        # from; walking the stack at every operation of every schedule would cost a map its speed.
        self._call_sites = not schedule.faults

    def on_operation(self, identifier: OperationIdentifier, callable_identity: str | None, semantics: str | None) -> None:
        operation = OperationRecord(identifier.parent_id, identifier.operation_id, identifier.operation_type.value,
                                    identifier.sub_type, identifier.name, callable_identity,
                                    call_site() if self._call_sites else None)
        with self._lock:
            self.invocation.operations.append(operation)
            if semantics:
                self.record.semantics[identifier.operation_id] = semantics

    def around_body(self, identifier: OperationIdentifier, attempt: int | None, body: Callable[[], Any]) -> Any:
        op = identifier.operation_id
        with self._lock:
            self._body_runs[op] = runs = self._body_runs.get(op, 0) + 1
            self.record.body_runs[op] = runs
            self.record.body_boundaries.append((op, "BODY", runs))
        fault = self.schedule.fault_at(op, "BODY", runs)
        is_step = identifier.operation_type is OperationType.STEP
        if fault == "crash-before":
            raise BodyCrash(f"crash injected as the body of {identifier.name or op[:12]} started")
        if fault == "fail" and is_step:
            self.backend.fail_attempt(op)
            raise InjectedStepFailure(f"durable-fuzz injected a failure into {identifier.name or op[:12]}")
        if not is_step:
            result = body()
        else:
            effects.enter_step(op, self.record.semantics.get(op), runs)
            try:
                key = f"step:{op}:{self.schedule.body_seed_index(op, runs)}"
                with entropy.step_randomness(key), step_body(key):
                    result = body()
            finally:
                effects.leave_step()
        if fault == "crash-after":
            raise BodyCrash(f"crash injected after the body of {identifier.name or op[:12]} returned")
        return result

    def on_nondeterminism(self, error: NonDeterministicExecutionError) -> None:
        with self._lock:
            self.record.nondeterminism.append(str(error))

    def on_suspend(self) -> None:
        with self._lock:
            self.invocation.suspends += 1

    def on_branch_suspended(self) -> None:
        with self._lock:
            self.invocation.suspends -= 1  # the SDK's batch executor took it over


def _lambda_context(backend: Backend, number: int, schedule: Schedule) -> LambdaContext:
    return LambdaContext(FUNCTION_ARN, backend.arn, number, schedule.seed)


def run_execution(handler: Callable[..., Any], event: Any, schedule: Schedule, options: RunOptions,
                  environments: EnvironmentPool | None = None, direct: bool = False, *,
                  resume: Backend | None = None,
                  after_invocation: Callable[[int, Backend], None] | None = None) -> ExecutionRecord:
    """One whole execution under `schedule`, in this process or in forked execution environments.

    `direct` calls the handler on this thread with no timeout (for a process that must
    not keep threads alive, such as a zygote before it forks). `resume` continues an
    execution from the operations a backend already holds (an in-flight state), and
    `after_invocation` sees the backend as each invocation left it (see replay_fuzz.compat).
    """
    record = ExecutionRecord(schedule, resume.arn if resume else execution_arn())
    backend = resume or Backend(record.arn, json.dumps(event), START)
    apply_policies(backend, schedule, options)
    invoker = (_Remote(environments, schedule, record, backend, options) if environments
               else _Local(handler, schedule, record, backend, direct))
    with invoker:
        for number in range(1, options.max_invocations + 1):
            if record.invocations and record.invocations[-1].crash is not None:
                backend.lag_seconds += LAMBDA_RETRY_LAG  # Lambda re-invokes a crashed invocation later
            invocation = Invocation()
            record.invocations.append(invocation)
            output = invoker.invoke(number, invocation, options.invocation_timeout)
            shards.alive()
            if after_invocation is not None:
                after_invocation(number, backend)
            if output is _HUNG:
                record.unfinished = f"invocation {number} did not finish within {options.invocation_timeout:g} s"
                break
            if output is not None:
                invocation.status = output.get("Status", "")
            if backend.ended_by is not None:  # the service holds the result and invokes the handler no more
                record.outcome = _checkpointed_outcome(backend.ended_by)
                break
            if output is None:
                continue  # crashed: Lambda retries the invocation
            if invocation.status in ("SUCCEEDED", "FAILED"):
                if _response_lost(record, schedule, backend):
                    invocation.crash = "the response was lost, so the service invokes the handler again"
                    continue
                record.outcome = _outcome(invocation.status, output.get("Result"), output.get("Error"))
                break
            backend.advance()
        else:
            record.unfinished = f"the execution did not finish within {options.max_invocations} invocations"
            last = {invocation.crash for invocation in record.invocations[-3:]}
            if len(last) == 1 and None not in last:  # the same crash again and again: say which
                record.unfinished += f" (each of the last crashed: {last.pop()})"
    record.invalid_checkpoints = list(backend.invalid)
    record.checkpoint_boundaries = list(backend.boundaries)
    record.operation_types = {op_id: (op.operation_type.value, op.name, op.sub_type) for op_id, op in backend.operations.items()}
    record.parents = {op_id: op.parent_id for op_id, op in backend.operations.items()}
    record.injected_failure_decided = bool(backend.unrecovered_failures)
    record.failed_operations = _failed_operations(backend)
    return record


def _failed_operations(backend: Backend) -> list[tuple[str, str | None, str]]:
    """Each operation other than the execution that ended FAILED, with its error, in order."""
    failed = []
    for op_id, op in backend.operations.items():
        if op_id == backend.execution_id or op.status is not OperationStatus.FAILED:
            continue
        details = op.step_details or op.context_details or op.callback_details or op.chained_invoke_details
        error = getattr(details, "error", None)
        words = f"{error.type or 'Error'}: {error.message}" if error is not None else "failed"
        failed.append((op.operation_type.value, op.name, words))
    return failed


def _response_lost(record: ExecutionRecord, schedule: Schedule, backend: Backend) -> bool:
    """Record the boundary of an answer that ends the execution; True if the schedule loses it."""
    boundary = (backend.execution_id, "RESPONSE", len(record.response_boundaries) + 1)
    record.response_boundaries.append(boundary)
    return schedule.fault_at(*boundary) == LOST_RESPONSE


def _outcome(status: str, result: str | None, error: dict[str, Any] | None) -> Outcome:
    return Outcome(status, result, f"{error.get('ErrorType')}: {error.get('ErrorMessage')}" if error else None)


def _checkpointed_outcome(update: OperationUpdate) -> Outcome:
    """The outcome of a result the SDK checkpointed (the response then carries none)."""
    if update.action is OperationAction.SUCCEED:
        return _outcome("SUCCEEDED", update.payload, None)
    return _outcome("FAILED", None, update.error.to_dict() if update.error else {})


def apply_policies(backend: Backend, schedule: Schedule, options: RunOptions) -> None:
    """Give a backend the schedule's faults and callback answers."""

    def plan(boundary: tuple[str, str, int], update: OperationUpdate) -> str | None:
        fault = schedule.fault_at(*boundary)
        if fault == "pend" and not (boundary[1] == "START" and update.operation_type in _PENDABLE):
            return None
        return fault

    def callback(operation: Any) -> CallbackOutcome:
        return CallbackOutcome(schedule.callback_outcome(operation.operation_id), options.callback_payload)

    backend.fault_plan, backend.callback_outcome, backend.invoke_result = plan, callback, options.invoke_result


class _Local:
    """Invocations in this process (one warm environment for the whole execution)."""

    def __init__(self, handler: Callable[..., Any], schedule: Schedule, record: ExecutionRecord, backend: Backend,
                 direct: bool = False) -> None:
        self.handler, self.schedule, self.backend, self.direct = handler, schedule, backend, direct
        self.observer = _Observer(record, schedule, backend)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Local:
        self._stack.enter_context(hooks.observing(self.observer))
        self._stack.enter_context(effects.recording(self.observer.record.effects))
        self.clock = self._stack.enter_context(virtual_time(self.backend))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def invoke(self, number: int, invocation: Invocation, timeout: float) -> Any:
        self.observer.invocation = invocation
        self.clock.start_invocation()
        with _orchestration_randomness(self.schedule, number):
            if self.direct:
                return self.handler(_invocation_input(self.backend), _lambda_context(self.backend, number, self.schedule))
            return _invoke(self.handler, self.backend, number, invocation, timeout, self.schedule)


@dataclass(frozen=True)
class RemoteRequest:
    """What an environment needs to run one invocation: the backend's state travels with it."""

    number: int
    backend: Backend
    schedule: Schedule
    options: RunOptions
    body_runs: dict[str, int]
    semantics: dict[str, str]


@dataclass
class RemoteResult:
    """What an invocation in an environment did and observed, and the backend's new state."""

    output: Any
    crash: str | None
    backend: Backend
    invocation: Invocation
    body_runs: dict[str, int]
    body_boundaries: list[tuple[str, str, int]]
    nondeterminism: list[str]
    effects: list[effects.EffectCall]
    semantics: dict[str, str]
    refused: list[str] = field(default_factory=list)


class _Remote:
    """Invocations in forked environments: warm (the same one) or cold, as the schedule says."""

    def __init__(self, pool: EnvironmentPool, schedule: Schedule, record: ExecutionRecord, backend: Backend,
                 options: RunOptions) -> None:
        self.pool, self.schedule, self.record, self.backend, self.options = pool, schedule, record, backend, options
        self.environment: Environment | None = None

    def __enter__(self) -> _Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.environment is not None:
            self.environment.close()

    def invoke(self, number: int, invocation: Invocation, timeout: float) -> Any:
        cold = self.schedule.environment_for(number)
        if self.environment is None or cold is not None:
            if self.environment is not None:
                self.environment.close()
            self.environment = self.pool.new_environment(cold or 0)
        request = RemoteRequest(number, self.backend, self.schedule, self.options,
                                dict(self.record.body_runs), dict(self.record.semantics))
        try:
            result = self.environment.invoke(request, timeout + ENVIRONMENT_MARGIN)
        except (EOFError, OSError):  # the process ended: as in Lambda, the invocation failed and is retried
            self.environment = None
            invocation.crash = ("its execution environment's process ended "
                                "(os._exit in the code under test, a signal, or an interpreter crash)")
            return None
        if result is None:
            self.environment = None
            return _HUNG
        self.backend.absorb(result.backend)
        record = self.record
        invocation.operations, invocation.suspends = result.invocation.operations, result.invocation.suspends
        record.body_runs.update(result.body_runs)
        record.body_boundaries += result.body_boundaries
        record.nondeterminism += result.nondeterminism
        record.effects += result.effects
        record.semantics.update(result.semantics)
        record.refused += result.refused
        if result.crash is not None:
            invocation.crash = result.crash
            return None
        return result.output


def run_remote_invocation(handler: Callable[..., Any], request: RemoteRequest) -> RemoteResult:
    """Inside an environment: run one invocation against the backend state that came with it."""
    backend = request.backend
    apply_policies(backend, request.schedule, request.options)
    record = ExecutionRecord(request.schedule)
    record.body_runs, record.semantics = dict(request.body_runs), dict(request.semantics)
    observer = _Observer(record, request.schedule, backend)
    observer._body_runs = dict(request.body_runs)  # noqa: SLF001 - occurrences count across invocations
    invocation = observer.invocation = Invocation()
    refused: list[str] = []
    with (hooks.observing(observer), effects.recording(record.effects), virtual_time(backend),
          guard.refuse_network(refused) if guard.guarding() else contextlib.nullcontext(),
          _orchestration_randomness(request.schedule, request.number)):
        context = _lambda_context(backend, request.number, request.schedule)
        output, crash = _run_invocation(lambda: handler(_invocation_input(backend), context))
    return RemoteResult(output, crash, backend, invocation, record.body_runs, record.body_boundaries,
                        record.nondeterminism, record.effects, record.semantics, refused)


def _orchestration_randomness(schedule: Schedule, number: int) -> contextlib.AbstractContextManager[None]:
    """The seeded randomness of invocation `number`, the same in this process and in an environment."""
    return entropy.invocation_randomness(f"orchestration:{schedule.seed}:{number}")


# Seconds an environment gets beyond the invocation timeout: the forked process's first run
# and the hand-over of the backend's state are not the handler's time.
ENVIRONMENT_MARGIN = 2.0
_PENDABLE = frozenset({OperationType.WAIT, OperationType.CALLBACK, OperationType.CHAINED_INVOKE})
_HUNG = object()


def _invoke(handler: Callable[..., Any], backend: Backend, number: int, invocation: Invocation,
            timeout: float, schedule: Schedule) -> Any:
    """One invocation; None if it crashed, _HUNG if it did not return in time."""
    event, context = _invocation_input(backend), _lambda_context(backend, number, schedule)
    finished, outcome = run_abandonable(lambda: _run_invocation(lambda: handler(event, context)), timeout)
    if not finished:
        return _HUNG
    output, crash = outcome
    if crash is not None:
        invocation.crash = crash
        return None
    return output


def _run_invocation(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """(the handler's output, None), or (None, what crashed it): a crash is what Lambda retries."""
    try:
        return call(), None
    except (InjectedCrash, InvalidCheckpoint, BodyCrash) as crash:
        return None, str(crash)
    except BaseException as error:  # noqa: BLE001 - any other escape is a crash Lambda would retry
        return None, f"{type(error).__name__}: {error}"


def _invocation_input(backend: Backend) -> DurableExecutionInvocationInputWithClient:
    """What the service sends a handler: every operation of the execution so far."""
    return DurableExecutionInvocationInputWithClient(
        durable_execution_arn=backend.arn,
        checkpoint_token=backend.token(),
        initial_execution_state=InitialExecutionState(operations=list(backend.operations.values()), next_marker=""),
        service_client=backend,
    )
