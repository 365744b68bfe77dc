"""One invocation's inputs and its ending, the same in this process and in an execution environment.

What the service sends a handler (every operation so far), Lambda's context object,
the seeded randomness of orchestration code, the schedule's policies on the backend,
and the rule that anything escaping the handler is a crash Lambda retries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_durable_execution_sdk_python.execution import DurableExecutionInvocationInputWithClient, InitialExecutionState
from aws_durable_execution_sdk_python.lambda_service import OperationType, OperationUpdate

from replay_fuzz import entropy
from replay_fuzz.backend import Backend, CallbackOutcome, InjectedCrash, InvalidCheckpoint, null_invoke_result
from replay_fuzz.lambda_context import LambdaContext
from replay_fuzz.observer import BodyCrash
from replay_fuzz.records import FUNCTION_ARN
from replay_fuzz.schedule import Schedule

HUNG = object()  # what an invocation that did not return in time answers
_PENDABLE = frozenset({OperationType.WAIT, OperationType.CALLBACK, OperationType.CHAINED_INVOKE})


@dataclass(frozen=True)
class RunOptions:
    max_invocations: int = 50
    invocation_timeout: float = 10.0
    invoke_result: Callable[[str, str | None], str] = null_invoke_result
    callback_payload: str = '"approved"'


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



def lambda_context(backend: Backend, number: int, schedule: Schedule) -> LambdaContext:
    return LambdaContext(FUNCTION_ARN, backend.arn, number, schedule.seed)


def orchestration_randomness(schedule: Schedule, number: int) -> contextlib.AbstractContextManager[None]:
    """The seeded randomness of invocation `number`, the same in this process and in an environment."""
    return entropy.invocation_randomness(f"orchestration:{schedule.seed}:{number}")


def run_invocation(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """(the handler's output, None), or (None, what crashed it): a crash is what Lambda retries."""
    try:
        return call(), None
    except (InjectedCrash, InvalidCheckpoint, BodyCrash) as crash:
        return None, str(crash)
    except BaseException as error:  # noqa: BLE001 - any other escape is a crash Lambda would retry
        return None, f"{type(error).__name__}: {error}"


def invocation_input(backend: Backend) -> DurableExecutionInvocationInputWithClient:
    """What the service sends a handler: every operation of the execution so far."""
    return DurableExecutionInvocationInputWithClient(
        durable_execution_arn=backend.arn,
        checkpoint_token=backend.token(),
        initial_execution_state=InitialExecutionState(operations=list(backend.operations.values()), next_marker=""),
        service_client=backend,
    )
