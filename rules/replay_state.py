"""State and control flow that replay does not reproduce: operation names, contexts, replay checks.

How a suspension (an exception) meets `try`/`except`/`finally` is in suspension.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint.rules.clock import ClockRead
from durable_lint.rules.mutation import MUTATING_METHODS
from durable_lint.rules.process import ProcessIdentity
from durable_lint.rules.randomness import CryptoRandom, RandomNumber, RandomUuid

from durable_lint import sdk
from durable_lint.call_shapes import positional_or_keyword
from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.role_kinds import Role
from durable_lint.rule import CallRule, Report, Rule
from durable_lint.scopes import enclosing_function

# Rules whose calls make a value differ between replays; DUR703 reports them
# inside operation names instead.
_NONDETERMINISTIC: tuple[CallRule, ...] = (ClockRead(), RandomNumber(), CryptoRandom(), RandomUuid(), ProcessIdentity())


class UnstableOperationName(Rule):
    """
    ## What it does
    Flags a `name=` of a durable operation (`step`, `wait`, `create_callback`,
    `invoke`, `map`, `parallel`, `run_in_child_context`, `wait_for_callback`,
    `wait_for_condition`) built from a value that differs between replays: a clock
    read, a random number, a random uuid, a process id, or a module-level variable
    that functions rebind with `global`.

    ## Why is this bad?
    The SDK checks replayed operations against their checkpoints by type and name.
    A name that changes makes every replay fail with
    `NonDeterministicExecutionError`, or, where user code swallows that error,
    silently diverge.

    ## Example
    ```python
        context.step(charge(order), name=f"charge-{uuid.uuid4()}")
    ```

    ## Use instead
    ```python
        context.step(charge(order), name=f"charge-{order['id']}")
    ```
    """

    code = "DUR703"
    name = "unstable-operation-name"
    message = "operation name {subject} changes between replays, and the SDK matches replayed operations by name. Derive names from the event or a loop index"

    def check(self, module: DurableModule) -> Iterator[Report]:
        rebound = {name for node in module.nodes(ast.Global) for name in node.names}  # type: ignore[attr-defined]
        for call in module.durable_code.calls:
            method = module.durable_operation(call)
            if method not in sdk.NAME_ARG_INDEX:
                continue
            name = positional_or_keyword(call, sdk.NAME_ARG_INDEX[method], "name")
            if name is None:
                continue
            unstable = list(self._unstable_parts(module, name, rebound))
            if unstable:
                subject = f"{source_of(name)} (from {source_of(unstable[0])})"
                yield self.report(name, subject, covers=tuple(unstable))

    @staticmethod
    def _unstable_parts(module: DurableModule, name: ast.expr, rebound: set[str]) -> Iterator[ast.AST]:
        for node in ast.walk(name):
            if isinstance(node, ast.Call):
                path = module.call_path(node.func)
                if path and any(r.flags(node, path, module) for r in _NONDETERMINISTIC):
                    yield node
            elif isinstance(node, ast.Name) and node.id in rebound:
                binding = node._dl_scope.lookup(node.id)  # type: ignore[attr-defined]
                if binding is not None and binding.scope.kind == "module":
                    yield node

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            for index, item in enumerate(event["items"]):
                context.step(lambda _: item, name=f"item-{index}-{item['id']}")
            return "ok"
        """,
    )
    INVALID = (
        """
        import time
        import uuid
        from aws_durable_execution_sdk_python import durable_execution

        counter = 0

        def bump():
            global counter
            counter += 1

        @durable_execution
        def handler(event, context):
            context.step(lambda _: 1, name=f"charge-{uuid.uuid4()}")  # <- DUR703
            context.create_callback(f"approval-{int(time.time())}")  # <- DUR703
            context.step(lambda _: 2, name=f"audit-{counter}")  # <- DUR703
            return "ok"
        """,
    )


class WrongContext(Rule):
    """
    ## What it does
    Flags a durable operation called on an outer `DurableContext` from inside a
    step body, or from a child context, map item or parallel branch that receives
    its own context.

    ## Why is this bad?
    Operation ids are positions within the context that issues them, and a child's
    operations are linked to it as their parent. Using the outer context from a
    child gives ids that depend on the order in which children run, and parent
    links that do not match the checkpoints; from a step body it issues operations
    that replay never sees.

    ## Example
    ```python
        context.map(items, lambda item_ctx, item, i, _: context.step(process(item)))
    ```

    ## Use instead
    ```python
        context.map(items, lambda item_ctx, item, i, _: item_ctx.step(process(item)))
    ```
    """

    code = "DUR706"
    name = "wrong-context"
    message = "{subject} uses the outer context `{context}` from inside {where}, which breaks operation ids and parent links. Use the context {where} receives"

    def check(self, module: DurableModule) -> Iterator[Report]:
        for call in module.nodes(ast.Call):
            assert isinstance(call, ast.Call)
            if not isinstance(call.func, ast.Attribute):
                continue
            binding = module.roles.context_binding(call.func.value)
            if binding is None or call.func.attr not in sdk.DURABLE_METHODS:
                continue
            function = enclosing_function(call)
            while function is not None and function is not binding.definition:
                role = module.roles.role_of(function)
                if role is not None and (role.role is Role.STEP or role.own_context):
                    where = "a step body" if role.role is Role.STEP else f"a function {role.reason}"
                    subject = f"{source_of(call.func)}()"
                    yield self.report(call, subject, context=binding.name, where=where)
                    break
                function = enclosing_function(function)

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            def per_item(item_ctx, item, index, items):
                return item_ctx.step(lambda _: item * 2, name=f"double-{index}")

            return context.map(event["items"], per_item, name="double").get_results()
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            def per_item(item_ctx, item, index, items):
                return context.step(lambda _: item * 2, name=f"double-{index}")  # <- DUR706

            def nested(step_context):
                return context.step(lambda _: 1, name="inner")  # <- DUR706

            context.step(nested, name="outer")
            return context.map(event["items"], per_item, name="double").get_results()
        """,
    )


class ReplayConditional(Rule):
    """
    ## What it does
    Flags `if`/`while` on `context.is_replaying()` whose body issues durable
    operations, returns, raises, breaks out of a loop, or changes state.
    Logging-only bodies stay quiet.

    ## Why is this bad?
    `is_replaying()` is true on replays and false on the first run by construction,
    so code that branches on it does different work in the run that writes the
    checkpoints and in the runs that read them: operations shift position and state
    diverges.

    ## Example
    ```python
        if not context.is_replaying():
            context.step(send_welcome_email(user))
    ```

    ## Use instead
    Steps already run once; for logs, `context.logger` is replay-aware.
    """

    code = "DUR405"
    name = "replay-conditional"
    message = "{subject} branches on replay status, so the first run and its replays do different work. Steps already run once; use context.logger for logs"

    def check(self, module: DurableModule) -> Iterator[Report]:
        for node in module.durable_code.nodes(ast.If, ast.While, ast.IfExp):
            assert isinstance(node, (ast.If, ast.While, ast.IfExp))
            if not self._tests_replay(module, node.test):
                continue
            branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [*node.body, *node.orelse]
            if isinstance(node, ast.IfExp) or self._acts(module, branches):
                yield self.report(node, f"`{source_of(node.test)}`")

    @staticmethod
    def _tests_replay(module: DurableModule, test: ast.expr) -> bool:
        return any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "is_replaying"
            and module.roles.is_context(call.func.value)
            for call in ast.walk(test)
        )

    @staticmethod
    def _acts(module: DurableModule, statements: list[ast.AST]) -> bool:
        """Does the code do more than log?"""
        if module.durable_operations_in(statements):  # type: ignore[arg-type]
            return True
        for statement in statements:
            for node in ast.walk(statement):
                if isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Assign, ast.AugAssign,
                                     ast.AnnAssign, ast.Delete, ast.Global, ast.Nonlocal)):
                    return True
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
                    return True
        return False

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            if not context.is_replaying():
                context.logger.info("first run of %s", event["id"])
            return context.step(lambda _: event["id"], name="work")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            sent = []
            if not context.is_replaying():  # <- DUR405
                context.step(lambda _: "welcome", name="welcome-email")
            if context.is_replaying():  # <- DUR405
                sent.append("again")
            return context.step(lambda _: sent, name="done")
        """,
    )
