"""What one execution's hooks report, and the body faults its schedule plants.

The SDK hooks (replay_fuzz.hooks) tell the observer of the run in progress each
operation the code emits, each user body it runs, each nondeterminism error and each
suspension; around a body the observer injects the schedule's crash or step failure,
and runs a step body with its own seeded randomness and clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python.exceptions import NonDeterministicExecutionError
from aws_durable_execution_sdk_python.identifier import OperationIdentifier
from aws_durable_execution_sdk_python.lambda_service import OperationType

from replay_fuzz import effects, entropy
from replay_fuzz.backend import Backend
from replay_fuzz.callsite import call_site
from replay_fuzz.clock import step_body
from replay_fuzz.records import ExecutionRecord, Invocation, OperationRecord
from replay_fuzz.schedule import Schedule


class BodyCrash(BaseException):  # noqa: N818 - a crash injected around a user body
    """The invocation dies around a user body (a BaseException, as a real crash would be)."""


class InjectedStepFailure(Exception):
    """A step attempt fails, so the SDK's retry strategy decides what happens next."""


class Observer:
    """Receives the SDK hooks during one execution and applies the schedule's body faults."""

    def __init__(self, record: ExecutionRecord, schedule: Schedule, backend: Backend,
                 body_runs: dict[str, int] | None = None) -> None:
        self.record = record
        self.schedule = schedule
        self.backend = backend
        self.invocation = Invocation()
        self._lock = threading.Lock()
        self._body_runs = dict(body_runs or {})  # occurrences count across invocations (remote ones too)
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
                with entropy.step_randomness(key) as stream, step_body(key) as run:
                    try:
                        result = body()
                    finally:
                        if stream.drawn or run.key_read:
                            with self._lock:
                                self.record.seeded_bodies.add(op)
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

