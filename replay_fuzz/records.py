"""What one execution is and did: its identity in the service, and the record the checks read.

Every execution gets its own ARN, as in the service, so state user code keys by it is
not shared between executions; the EXECUTION operation's id stays the same, so faults
keyed to it carry over from one execution to the next.
"""

from __future__ import annotations

import datetime
import itertools
import os
import time
from dataclasses import dataclass, field

from replay_fuzz import effects
from replay_fuzz.schedule import Schedule

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
    # Step bodies that read what their run's seed decides (randomness, the time budget left):
    # only for these can pinning the seed of a re-run change the straight-through run.
    seeded_bodies: set[str] = field(default_factory=set)
    unfinished: str | None = None  # why the execution did not reach an outcome
    failed_operations: list[tuple[str, str | None, str]] = field(default_factory=list)  # (type, name, error) that ended FAILED
    refused: list[str] = field(default_factory=list)  # network traffic refused in execution environments
    output: str = ""  # what the code under test printed (where it is captured: see replay_fuzz.capture)
    injected_failure_decided: bool = False  # an injected step failure exhausted its retries: not comparable
    aws_state: dict[str, list[str]] | None = None  # what moto held after the execution (with --aws)

