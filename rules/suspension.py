"""The SDK suspends by raising: `except` and `finally` around durable operations.

A suspension is an exception that must reach the SDK. A handler that catches it
(DUR704, DUR705) swallows the suspension, and a `finally:` block runs on every one
(DUR707). Split from replay_state.py, which keeps the other replay-state rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.rule import Report, Rule
from durable_lint.scopes import own_code


def _catches(module: DurableModule, handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return "builtins.BaseException" in names
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(module.resolver.qualified_name(t) in names for t in types)


def _reraises(handler: ast.ExceptHandler) -> bool:
    return any(
        isinstance(node, ast.Raise)
        and (node.exc is None or (isinstance(node.exc, ast.Name) and node.exc.id == handler.name))
        for node in own_code(handler.body)
    )


class _SwallowingHandler(Rule):
    """Shared check of DUR704 and DUR705: an except clause around durable operations that does not re-raise."""

    caught: frozenset[str]

    def check(self, module: DurableModule) -> Iterator[Report]:
        for node in module.durable_code.nodes(ast.Try, ast.TryStar):
            assert isinstance(node, (ast.Try, ast.TryStar))
            if not module.durable_operations_in(node.body):
                continue
            for handler in node.handlers:
                if _catches(module, handler, self.caught) and not _reraises(handler):
                    clause = "except:" if handler.type is None else f"except {source_of(handler.type)}"
                    yield self.report(handler, clause)
        for node in module.durable_code.nodes(ast.With):
            assert isinstance(node, ast.With)
            for item in node.items:
                expr = item.context_expr
                if (
                    isinstance(expr, ast.Call)
                    and module.resolver.qualified_name(expr.func) == "contextlib.suppress"
                    and any(module.resolver.qualified_name(a) in self.caught for a in expr.args)
                    and module.durable_operations_in(node.body)
                ):
                    yield self.report(node, source_of(expr))


class SwallowedSuspension(_SwallowingHandler):
    """
    ## What it does
    Flags a bare `except:`, `except BaseException`, or `except SuspendExecution`
    (and `contextlib.suppress(BaseException)`) around durable operations when the
    handler does not re-raise.

    ## Why is this bad?
    The SDK suspends an execution (for `context.wait`, a pending callback, a retry
    delay, `invoke`) by raising `SuspendExecution`, a `BaseException`. Catching it
    lets the handler run on as if the wait or callback had completed: the wait is
    skipped and the callback result is missing.

    ## Example
    ```python
        try:
            context.wait(Duration.from_minutes(5))
        except BaseException:
            pass
    ```

    ## Use instead
    Catch the SDK's typed errors (`StepError`, `CallbackError`, `InvokeError`, ...),
    or re-raise with a bare `raise`.
    """

    code = "DUR704"
    name = "swallowed-suspension"
    caught = sdk.SUSPEND_EXCEPTIONS
    message = "`{subject}` around durable operations swallows the SDK's suspension (a BaseException), skipping the wait or callback. Catch typed errors such as StepError, or re-raise"

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, StepError
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(5), name="pause")
                return context.step(lambda _: 1, name="work")
            except StepError:
                return "failed"
            except BaseException:
                context.logger.info("suspending")
                raise
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(5), name="pause")
            except BaseException:  # <- DUR704
                pass
            try:
                callback = context.create_callback("approval")
                answer = callback.result()
            except:  # <- DUR704
                answer = None
            return answer
        """,
    )


class BroadExceptAroundDurable(_SwallowingHandler):
    """
    ## What it does
    Opt-in. Flags `except Exception` (or `ExecutionError`, `DurableExecutionsError`)
    around durable operations when the handler does not re-raise.

    ## Why is this bad?
    `NonDeterministicExecutionError`, raised when a replay does not match the
    recorded operations, is an `Exception`. A broad handler turns that terminal
    failure into a normal return, so a corrupted execution completes with a wrong
    result.

    ## Example
    ```python
        try:
            result = context.step(charge(order))
        except Exception:
            result = None
    ```

    ## Use instead
    Catch the typed errors the operation raises (`StepError`, `CallbackError`, ...).
    """

    code = "DUR705"
    name = "broad-except-around-durable"
    default_enabled = False
    caught = frozenset(
        {"builtins.Exception", sdk.sdk("ExecutionError"), sdk.sdk("UnrecoverableError"), sdk.sdk("DurableExecutionsError")}
    )
    message = "`{subject}` around durable operations also catches NonDeterministicExecutionError and hides a corrupted replay. Catch typed errors such as StepError"

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, StepError

        @durable_execution
        def handler(event, context):
            try:
                return context.step(lambda _: 1, name="work")
            except StepError:
                return None
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            try:
                return context.step(lambda _: 1, name="work")
            except Exception:  # <- DUR705
                return None
        """,
    )


class DurableOpInFinally(Rule):
    """
    ## What it does
    Flags a durable operation inside a `finally:` block of orchestration code.

    ## Why is this bad?
    The SDK suspends by raising `SuspendExecution`, so a `finally` block runs on
    every suspension as well as at the end: an operation there is issued at a
    position that differs between invocations, and runs before the work it was
    meant to follow.

    ## Example
    ```python
        try:
            context.wait(Duration.from_hours(1))
        finally:
            context.step(release_lock(order_id))
    ```

    ## Use instead
    Issue the operation after the `try` statement, or in an `except` clause for
    the typed errors it should handle.
    """

    code = "DUR707"
    name = "durable-op-in-finally"
    message = "{subject} in a finally block runs on every suspension, because the SDK suspends by raising. Move it out of finally"

    def check(self, module: DurableModule) -> Iterator[Report]:
        for node in module.durable_code.nodes(ast.Try, ast.TryStar):
            assert isinstance(node, (ast.Try, ast.TryStar))
            for call in module.durable_operations_in(node.finalbody):
                yield self.report(call, f"{source_of(call.func)}()")

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(60), name="hold")
            finally:
                context.logger.info("left the hold")
            return context.step(lambda _: "released", name="release")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(60), name="hold")
            finally:
                context.step(lambda _: "released", name="release")  # <- DUR707
            return "ok"
        """,
    )

