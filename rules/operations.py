"""How durable operations are called: names and the shape of the callables they run."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.fixes import Fix, in_fstring, span
from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.roles import positional_or_keyword
from durable_lint.rule import Report, Rule

# What the SDK calls each callable with: method -> (where the callable is passed,
# how many positional arguments the SDK calls it with).
_CALLED_WITH = {
    "step": ((0, "func"), 1),
    "run_in_child_context": ((0, "func"), 1),
    "map": ((1, "func"), 4),
    "wait_for_callback": ((0, "submitter"), 2),
    "wait_for_condition": ((0, "check"), 2),
}
# Decorators that turn a function into a factory: call it with its own arguments and
# hand the result to the operation. decorator -> (operation, parameters the SDK passes first).
_FACTORIES = {
    sdk.sdk("durable_step"): ("step", "step_context"),
    sdk.sdk("durable_with_child_context"): ("run_in_child_context", "ctx"),
    sdk.sdk("durable_wait_for_callback"): ("wait_for_callback", "callback_id, context"),
    sdk.sdk("durable_parallel_branch"): ("parallel", "ctx"),
}
_CHOOSING = (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.Match, ast.ExceptHandler, ast.BoolOp)


def _factory_decorator(module: DurableModule, function: ast.AST | None) -> str | None:
    for decorator in getattr(function, "decorator_list", ()):
        name = module.resolver.qualified_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name in _FACTORIES:
            return name
    return None


def accepts(function: ast.AST, count: int) -> bool:
    """Can `function` be called with `count` positional arguments?"""
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = len(args.posonlyargs) + len(args.args)
    required = positional - len(args.defaults)
    required_keyword_only = any(default is None for default in args.kw_defaults)
    return not required_keyword_only and required <= count and (count <= positional or args.vararg is not None)


class AnonymousOperation(Rule):
    """
    ## What it does
    Opt-in. Flags durable operations without a name that a branch or a loop
    chooses: `context.step(lambda ...)` or `context.step(plain_function)` with no
    `name=`, and unnamed `run_in_child_context`, `map` and `parallel`.
    `@durable_step` and `@durable_with_child_context` functions are named after
    themselves and stay quiet.

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
            if method not in ("step", "run_in_child_context", "map", "parallel"):
                continue
            if positional_or_keyword(call, sdk.NAME_ARG_INDEX[method], "name") is not None:
                continue
            if method != "parallel" and self._named_by_decorator(module, call, method):
                continue
            if self._chosen(module, call):
                yield self.report(call, f"{source_of(call.func)}(...)")

    @staticmethod
    def _named_by_decorator(module: DurableModule, call: ast.Call, method: str) -> bool:
        target = positional_or_keyword(call, *_CALLED_WITH[method][0])
        if isinstance(target, ast.Call):
            target = target.func
        return target is not None and _factory_decorator(module, module.roles.function_for(target)) is not None

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
    )


class StepCallableShape(Rule):
    """
    ## What it does
    Flags callables handed to durable operations in a shape the SDK cannot call:
    `context.step(lambda: ...)` with no parameter; a `@durable_step` (or
    `@durable_with_child_context`, `@durable_wait_for_callback`,
    `@durable_parallel_branch`) function passed uncalled; such a function called but
    its result dropped; a decorated function without the leading parameter the SDK
    passes (`step_context`, the child context, ...); and step, child, map, callback
    and condition callables whose signature cannot take the arguments the SDK passes
    (`step(func)` calls `func(step_context)`, `map` calls `func(ctx, item, index, items)`).

    ## Why is this bad?
    Each of these fails or misbehaves at run time: a `TypeError` when the SDK calls
    the callable, a step whose "result" is the inner function (which the serdes then
    rejects), or an operation that never runs because its factory was called and the
    result dropped.

    ## Example
    ```python
        context.step(lambda: charge(order))
        context.step(charge_card)          # charge_card is a @durable_step
        charge_card(order)                 # builds the step, never runs it
    ```

    ## Use instead
    ```python
        context.step(lambda _: charge(order), name="charge")
        context.step(charge_card(order))
    ```

    ## Fix safety
    `durable-lint fix` gives a parameterless lambda passed to `step` the parameter
    `_`; the other shapes need a decision and have no fix.
    """

    code = "DUR901"
    name = "step-callable-shape"
    message = "{subject}: {problem}. Pass {remedy}"

    def check(self, module: DurableModule) -> Iterator[Report]:
        handed: set[int] = set()
        for call in module.nodes(ast.Call):
            assert isinstance(call, ast.Call)
            method = module.durable_operation(call)
            if method in _CALLED_WITH:
                where, count = _CALLED_WITH[method]
                target = positional_or_keyword(call, *where)
                if target is not None:
                    handed.add(id(target))
                    yield from self._callable(module, method, target, count)
            elif method == "parallel":
                branches = positional_or_keyword(call, *sdk.PARALLEL_CALLABLES_ARG)
                for branch in branches.elts if isinstance(branches, (ast.List, ast.Tuple)) else ():
                    handed.add(id(branch))
                    yield from self._callable(module, method, branch, 1)
        yield from self._dropped_factories(module, handed)
        yield from self._factory_signatures(module)

    def _callable(self, module: DurableModule, method: str, target: ast.expr, count: int) -> Iterator[Report]:
        if isinstance(target, ast.Lambda):
            if not accepts(target, count):
                writable = method == "step" and not target.args.args and not in_fstring(module, target)
                fix = Fix("lambda-param", *span(target)) if writable else None
                remedy = "lambda _: ..." if count == 1 else f"a callable taking {count} arguments"
                yield self.report(target, source_of(target), fix=fix,
                                  problem=f"context.{method} calls it with {count} argument(s)", remedy=remedy)
            return
        if not isinstance(target, ast.Name):
            return  # functools.partial(...) and other expressions bind arguments we do not count
        function = module.roles.function_for(target)
        if function is None:
            return
        decorator = _factory_decorator(module, function)
        if decorator is not None:
            short = decorator.rsplit(".", 1)[-1]
            yield self.report(target, source_of(target), problem=f"a @{short} function passed uncalled",
                              remedy=f"{source_of(target)}(<its arguments>)")
        elif not accepts(function, count):
            yield self.report(target, source_of(target), problem=f"context.{method} calls it with {count} argument(s)",
                              remedy=f"a callable taking {count} arguments")

    def _dropped_factories(self, module: DurableModule, handed: set[int]) -> Iterator[Report]:
        """`charge(order)` of a @durable_step function as a statement: its result is thrown away."""
        for call in module.nodes(ast.Call):
            assert isinstance(call, ast.Call)
            if id(call) in handed or not isinstance(module.parent(call), ast.Expr):
                continue
            decorator = _factory_decorator(module, module.roles.function_for(call.func))
            if decorator is not None:
                short = decorator.rsplit(".", 1)[-1]
                yield self.report(call, source_of(call),
                                  problem=f"calling a @{short} function only builds the operation, which never runs",
                                  remedy=f"it to context.{_FACTORIES[decorator][0]}(...)")

    def _factory_signatures(self, module: DurableModule) -> Iterator[Report]:
        for function in module.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            decorator = _factory_decorator(module, function)
            if decorator is None:
                continue
            leading = _FACTORIES[decorator][1]
            args: ast.arguments = function.args  # type: ignore[attr-defined]
            if len(args.posonlyargs) + len(args.args) < len(leading.split(", ")) and args.vararg is None:
                short = decorator.rsplit(".", 1)[-1]
                yield self.report(function, f"{function.name}()",  # type: ignore[attr-defined]
                                  problem=f"@{short} passes {leading} first, and it has no such parameter",
                                  remedy=f"def {function.name}({leading}, ...)")  # type: ignore[attr-defined]

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def charge(step_context, amount):
            return amount

        def per_item(ctx, item, index, items):
            return ctx.step(lambda _: item, name=f"item-{index}")

        @durable_execution
        def handler(event, context):
            first = context.step(charge(event["amount"]))
            op = charge(2)
            second = context.step(op)
            mapped = context.map(event["items"], per_item, name="items")
            return [first, second, context.step(lambda _: 1, name="one"), mapped.get_results()]
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def charge(step_context, amount):
            return amount

        @durable_step
        def audit():  # <- DUR901
            return "audited"

        def per_item(ctx, item):
            return item

        @durable_execution
        def handler(event, context):
            first = context.step(lambda: 1, name="one")  # <- DUR901
            second = context.step(charge, name="two")  # <- DUR901
            charge(event["amount"])  # <- DUR901
            mapped = context.map(event["items"], per_item, name="items")  # <- DUR901
            return [first, second, mapped.get_results()]
        """,
    )
