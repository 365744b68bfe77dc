"""In-process hooks into the SDK: two speed adjustments and the seams the fuzzer observes through.

Installed once per process by `install()`, and only in the fuzzer's process; they
never touch the SDK on disk.

Speed (measured in SDK-NOTES §4; `tests/test_hooks.py` checks that results are unchanged):
- A: `ExecutionState.stop_checkpointing` also puts a wake-up on the checkpoint queue,
  so the checkpoint thread stops at once instead of at its next 0.1 s poll.
- B: `_BLOCKED_CALLER_WAIT_SECONDS = 0`: no 1 ms wait for more work once a
  synchronous caller is blocked (batch boundaries depend on timing anyway).

Seams (each consults the `Observer` of the run in progress, if any):
- `ExecutionState.wrap_user_function`: every user body (step, condition check,
  child/item/branch body, submitter) with its operation id; crashes and step
  failures are injected here, and effects learn which operation runs them.
- `DurableContext._operation_replay_aware`: every operation the code emits, in
  order, with the identity of the callable for unnamed ones.
- `OperationIdentifier.validate_checkpoint`: every NonDeterministicExecutionError,
  even one that user code or `with_retry` swallows later.
- `SuspendExecution.__init__`: every suspension signalled.
- `BranchEvent.suspended` / `suspended_until`: a map or parallel branch's suspension that
  the SDK's batch executor took over (it suspends the batch, or resumes the branch
  in-process), so it is not user code swallowing one.

One change of schedule, during a run only: a map or parallel that can complete before all
its branches do (fail-fast, the default; `min_successful`; a completion predicate) runs
its branches one at a time, in index order. Which branches finished when such a batch
completed is otherwise a thread race, so two executions would differ without any replay
bug. One at a time is one of the orders production allows; batches that always run every
branch keep their concurrency.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from aws_durable_execution_sdk_python import context as sdk_context
from aws_durable_execution_sdk_python import state as sdk_state
from aws_durable_execution_sdk_python.concurrency.executor import ConcurrentExecutor
from aws_durable_execution_sdk_python.concurrency.models import BranchEvent, CompletionPolicy
from aws_durable_execution_sdk_python.exceptions import NonDeterministicExecutionError, SuspendExecution
from aws_durable_execution_sdk_python.identifier import OperationIdentifier

_installed = False
_local = threading.local()
_CALLABLE_METHODS = {
    "step": (0, "func"), "run_in_child_context": (0, "func"), "map": (1, "func"),
    "parallel": (0, "functions"), "wait_for_callback": (0, "submitter"), "wait_for_condition": (0, "check"),
}


class Observer(Protocol):
    """What a run in progress is told by the hooks."""

    def on_operation(self, identifier: OperationIdentifier, callable_identity: str | None, semantics: str | None) -> None: ...
    def around_body(self, identifier: OperationIdentifier, attempt: int | None, body: Callable[[], Any]) -> Any: ...
    def on_nondeterminism(self, error: NonDeterministicExecutionError) -> None: ...
    def on_suspend(self) -> None: ...
    def on_branch_suspended(self) -> None: ...


observer: Observer | None = None


def callable_identity(func: object) -> str:
    """A stable name for a callable: where its code is defined."""
    func = getattr(func, "func", func)  # functools.partial and ParallelBranch
    code = getattr(func, "__code__", None)
    if code is None:
        return type(func).__qualname__
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', code.co_name)}:{code.co_firstlineno}"


def install() -> None:
    """Apply the adjustments and seams, once per process."""
    global _installed
    if _installed:
        return
    _installed = True

    original_stop = sdk_state.ExecutionState.stop_checkpointing

    def stop_checkpointing(self: sdk_state.ExecutionState) -> None:
        original_stop(self)
        self._checkpoint_queue.put(sdk_state._Signal.REFRESH_WAKE)  # noqa: SLF001

    sdk_state.ExecutionState.stop_checkpointing = stop_checkpointing  # type: ignore[method-assign]
    sdk_state._BLOCKED_CALLER_WAIT_SECONDS = 0  # noqa: SLF001

    original_wrap = sdk_state.ExecutionState.wrap_user_function

    def wrap_user_function(self, user_function, operation_identifier, is_replay_children=False, attempt=None):  # type: ignore[no-untyped-def]
        wrapped = original_wrap(self, user_function, operation_identifier, is_replay_children, attempt)

        @functools.wraps(wrapped)
        def observed(*args: Any, **kwargs: Any) -> Any:
            current = observer
            if current is None:
                return wrapped(*args, **kwargs)
            return current.around_body(operation_identifier, attempt, lambda: wrapped(*args, **kwargs))

        return observed

    sdk_state.ExecutionState.wrap_user_function = wrap_user_function  # type: ignore[method-assign]

    original_replay_aware = sdk_context.DurableContext._operation_replay_aware  # noqa: SLF001

    @contextlib.contextmanager
    def operation_replay_aware(self, sub_type, name=None, *, operation_type, is_virtual=False):  # type: ignore[no-untyped-def]
        pending, semantics = getattr(_local, "callable", None), getattr(_local, "semantics", None)
        _local.callable = _local.semantics = None
        with original_replay_aware(self, sub_type, name, operation_type=operation_type, is_virtual=is_virtual) as identifier:
            current = observer
            if current is not None:
                current.on_operation(identifier, None if name else pending, semantics)
            yield identifier

    sdk_context.DurableContext._operation_replay_aware = operation_replay_aware  # type: ignore[method-assign]  # noqa: SLF001

    for method, (index, keyword) in _CALLABLE_METHODS.items():
        _remember_callable(method, index, keyword)

    original_validate = OperationIdentifier.validate_checkpoint

    def validate_checkpoint(self: OperationIdentifier, checkpoint: Any) -> None:
        try:
            original_validate(self, checkpoint)
        except NonDeterministicExecutionError as error:
            if observer is not None:
                observer.on_nondeterminism(error)
            raise

    OperationIdentifier.validate_checkpoint = validate_checkpoint  # type: ignore[method-assign]

    original_init = SuspendExecution.__init__

    def suspend_init(self: SuspendExecution, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if observer is not None:
            observer.on_suspend()

    SuspendExecution.__init__ = suspend_init  # type: ignore[method-assign]

    for name in ("suspended", "suspended_until"):
        _observe_branch_suspension(name)

    original_execute = ConcurrentExecutor.execute

    def execute(self: ConcurrentExecutor[Any, Any], execution_state: Any, executor_context: Any) -> Any:
        if observer is not None and can_complete_early(self.policy):
            self.max_concurrency = 1
        return original_execute(self, execution_state, executor_context)

    ConcurrentExecutor.execute = execute  # type: ignore[method-assign]


def can_complete_early(policy: CompletionPolicy) -> bool:
    """Whether a batch may complete while some of its branches have not (concurrency/models.py:89-200)."""
    if policy.total <= 1:
        return False
    if policy.should_complete is not None or policy.min_successful is not None or not policy.has_criteria:
        return True  # a predicate, a success threshold, or the fail-fast default
    count, percentage = policy.tolerated_failure_count, policy.tolerated_failure_percentage
    return (count is not None and count < policy.total) or (percentage is not None and percentage < 100)


def _observe_branch_suspension(name: str) -> None:
    """Tell the observer when the batch executor turns a branch's suspension into an event."""
    original = getattr(BranchEvent, name).__func__

    def taken_over(cls: type[BranchEvent[Any]], *args: Any, **kwargs: Any) -> BranchEvent[Any]:
        if observer is not None:
            observer.on_branch_suspended()
        return original(cls, *args, **kwargs)

    setattr(BranchEvent, name, classmethod(taken_over))


def _remember_callable(method: str, index: int, keyword: str) -> None:
    """Note the callable a DurableContext method receives, for the operation it allocates next."""
    original = getattr(sdk_context.DurableContext, method)

    @functools.wraps(original)
    def remembering(self: Any, *args: Any, **kwargs: Any) -> Any:
        given = kwargs.get(keyword, args[index] if len(args) > index else None)
        if method == "parallel":
            given = None  # branches are named by position; their bodies are compared per branch
        _local.callable = callable_identity(given) if given is not None else None
        config = kwargs.get("config", args[2] if method == "step" and len(args) > 2 else None)
        semantics = getattr(config, "step_semantics", None)
        _local.semantics = semantics.name if semantics is not None else None
        return original(self, *args, **kwargs)

    setattr(sdk_context.DurableContext, method, remembering)


@contextlib.contextmanager
def observing(run_observer: Observer) -> Iterator[None]:
    """Route the hooks to `run_observer` for the duration of one execution."""
    global observer
    install()
    previous, observer = observer, run_observer
    try:
        yield
    finally:
        observer = previous
