"""Unnamed durable operations that a branch or a loop chooses (DUR708)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint.rules.operations import CALLED_WITH, factory_decorator

from durable_lint import sdk
from durable_lint.call_shapes import positional_or_keyword
from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.rule import Report, Rule

_CHOOSING = (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.Match, ast.ExceptHandler, ast.BoolOp)


class AnonymousOperation(Rule):
    """
    ## What it does
    Opt-in. Flags durable operations without a name that a branch or a loop
    chooses: `context.step(lambda ...)` or `context.step(plain_function)` with no
    `name=`, and unnamed `run_in_child_context`, `map`, `parallel` and
    `wait_for_callback` (whose submitter is often a lambda that differs per branch).
    `@durable_step`, `@durable_with_child_context` and `@durable_wait_for_callback`
    functions are named after themselves and stay quiet.

    ## Why is this bad?
    On replay the SDK compares each operation's type and name with its checkpoint.
    Two unnamed steps look the same, so if a branch picks a different one on replay
    the SDK silently returns the other step's recorded result.

    ## Example
    ```python
        if event["vip"]:
            context.step(lambda _: upgrade(event))
        else:
            context.step(lambda _: charge(event))
    ```

    ## Use instead
    ```python
            context.step(lambda _: upgrade(event), name="upgrade")
    ```
    """

    code = "DUR708"
    name = "anonymous-operation"
    default_enabled = False
    message = "{subject} has no name, and a branch or loop chooses it; the SDK cannot tell it apart from another unnamed operation on replay. Pass name="

    def check(self, module: DurableModule) -> Iterator[Report]:
        for call in module.durable_code.calls:
            method = module.durable_operation(call)
            if method not in ("step", "run_in_child_context", "map", "parallel", "wait_for_callback"):
                continue
            if positional_or_keyword(call, sdk.NAME_ARG_INDEX[method], "name") is not None:
                continue
            if method != "parallel" and self._named_by_decorator(module, call, method):
                continue
            if self._chosen(module, call):
                yield self.report(call, f"{source_of(call.func)}(...)")

    @staticmethod
    def _named_by_decorator(module: DurableModule, call: ast.Call, method: str) -> bool:
        target = positional_or_keyword(call, *CALLED_WITH[method][0])
        if isinstance(target, ast.Call):
            target = target.func
        return target is not None and factory_decorator(module, module.roles.function_for(target)) is not None

    @staticmethod
    def _chosen(module: DurableModule, call: ast.Call) -> bool:
        owner = module.code_owner(call)
        node = module.parent(call)
        while node is not None and node is not owner:
            if isinstance(node, _CHOOSING):
                return True
            node = module.parent(node)
        return False

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def upgrade(step_context, order):
            return order

        @durable_execution
        def handler(event, context):
            if event["vip"]:
                context.step(upgrade(event))
            else:
                context.step(lambda _: event, name="charge")
            return context.step(lambda _: 1)
        """,
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_wait_for_callback

        @durable_wait_for_callback
        def ask_manager(callback_id, callback_context, request):
            return None

        @durable_execution
        def handler(event, context):
            answers = []
            for approver in event["approvers"]:
                answers.append(context.wait_for_callback(lambda callback_id, _: None, name=f"approve-{approver}"))
            if event["escalate"]:
                answers.append(context.wait_for_callback(ask_manager(event)))
            return answers
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        def charge(step_context):
            return 1

        @durable_execution
        def handler(event, context):
            if event["vip"]:
                context.step(lambda _: 2)  # <- DUR708
            else:
                context.step(charge)  # <- DUR708
            for item in event["items"]:
                context.run_in_child_context(lambda ctx: ctx.step(lambda _: item, name="x"))  # <- DUR708
            return "ok"
        """,
        """
        from aws_durable_execution_sdk_python import durable_execution

        def notify(callback_id, callback_context):
            return None

        @durable_execution
        def handler(event, context):
            approvals = []
            for approver in event["approvers"]:
                approvals.append(context.wait_for_callback(notify))  # <- DUR708
            if event["escalate"]:
                approvals.append(context.wait_for_callback(lambda callback_id, _: None))  # <- DUR708
            return approvals
        """,
    )
