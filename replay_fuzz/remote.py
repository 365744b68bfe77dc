"""Invocations in forked execution environments (replay_fuzz.environments), warm or cold.

The in-memory backend stays in the fuzzer's process as the single source of truth: its
state travels to the environment with each request and comes back with the result,
with what the invocation did and observed there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from replay_fuzz import effects, guard, hooks
from replay_fuzz.backend import Backend
from replay_fuzz.clock import virtual_time
from replay_fuzz.environments import Environment, EnvironmentPool
from replay_fuzz.invocation import HUNG, RunOptions, apply_policies, invocation_input, lambda_context, orchestration_randomness, run_invocation
from replay_fuzz.observer import Observer
from replay_fuzz.records import ExecutionRecord, Invocation
from replay_fuzz.schedule import Schedule

# Seconds an environment gets beyond the invocation timeout: the forked process's first run
# and the hand-over of the backend's state are not the handler's time.
ENVIRONMENT_MARGIN = 2.0


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
    seeded_bodies: set[str]
    refused: list[str] = field(default_factory=list)


class RemoteInvoker:
    """Invocations in forked environments: warm (the same one) or cold, as the schedule says."""

    def __init__(self, pool: EnvironmentPool, schedule: Schedule, record: ExecutionRecord, backend: Backend,
                 options: RunOptions) -> None:
        self.pool, self.schedule, self.record, self.backend, self.options = pool, schedule, record, backend, options
        self.environment: Environment | None = None

    def __enter__(self) -> RemoteInvoker:
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
            return HUNG
        self.backend.absorb(result.backend)
        record = self.record
        invocation.operations, invocation.suspends = result.invocation.operations, result.invocation.suspends
        record.body_runs.update(result.body_runs)
        record.body_boundaries += result.body_boundaries
        record.nondeterminism += result.nondeterminism
        record.effects += result.effects
        record.semantics.update(result.semantics)
        record.seeded_bodies |= result.seeded_bodies
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
    observer = Observer(record, request.schedule, backend, request.body_runs)
    invocation = observer.invocation = Invocation()
    refused: list[str] = []
    with (hooks.observing(observer), effects.recording(record.effects), virtual_time(backend),
          guard.refuse_network(refused) if guard.guarding() else contextlib.nullcontext(),
          orchestration_randomness(request.schedule, request.number)):
        context = lambda_context(backend, request.number, request.schedule)
        output, crash = run_invocation(lambda: handler(invocation_input(backend), context))
    return RemoteResult(output, crash, backend, invocation, record.body_runs, record.body_boundaries,
                        record.nondeterminism, record.effects, record.semantics, record.seeded_bodies, refused)

