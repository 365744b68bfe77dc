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
this run's checkpointed runs drew (needed only where a body reads what its seed decides;
see `Campaign.reference`).
Time is virtual: the service's starts at a fixed instant and moves only by waits and
retry delays; orchestration code's also lags behind crashed invocations and moves with
the time code takes (see replay_fuzz.clock). Each invocation gets Lambda's context
anew (replay_fuzz.lambda_context). What the SDK's hooks report is gathered by
replay_fuzz.observer; invocations that land in execution environments run through
replay_fuzz.remote.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import OperationAction, OperationStatus, OperationUpdate

from replay_fuzz import effects, hooks, shards
from replay_fuzz.backend import Backend
from replay_fuzz.clock import LAMBDA_RETRY_LAG, virtual_time
from replay_fuzz.environments import EnvironmentPool
from replay_fuzz.invocation import HUNG, RunOptions, apply_policies, invocation_input, lambda_context, orchestration_randomness, run_invocation
from replay_fuzz.observer import Observer
from replay_fuzz.records import START, ExecutionRecord, Invocation, Outcome, execution_arn
from replay_fuzz.remote import RemoteInvoker
from replay_fuzz.schedule import LOST_RESPONSE, Schedule
from replay_fuzz.worker import run_abandonable


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
    invoker = (RemoteInvoker(environments, schedule, record, backend, options) if environments
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
            if output is HUNG:
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


class _Local:
    """Invocations in this process (one warm environment for the whole execution)."""

    def __init__(self, handler: Callable[..., Any], schedule: Schedule, record: ExecutionRecord, backend: Backend,
                 direct: bool = False) -> None:
        self.handler, self.schedule, self.backend, self.direct = handler, schedule, backend, direct
        self.observer = Observer(record, schedule, backend)
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
        with orchestration_randomness(self.schedule, number):
            if self.direct:
                return self.handler(invocation_input(self.backend), lambda_context(self.backend, number, self.schedule))
            return _invoke(self.handler, self.backend, number, invocation, timeout, self.schedule)


def _invoke(handler: Callable[..., Any], backend: Backend, number: int, invocation: Invocation,
            timeout: float, schedule: Schedule) -> Any:
    """One invocation; None if it crashed, HUNG if it did not return in time."""
    event, context = invocation_input(backend), lambda_context(backend, number, schedule)
    finished, outcome = run_abandonable(lambda: run_invocation(lambda: handler(event, context)), timeout)
    if not finished:
        return HUNG
    output, crash = outcome
    if crash is not None:
        invocation.crash = crash
        return None
    return output

