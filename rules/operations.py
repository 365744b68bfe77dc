"""How durable operations are called: names and the shape of the callables they run."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.call_shapes import (
    names_function,
    positional_or_keyword,
    positionally_passed_branches,
)
from durable_lint.fixes import Fix, in_fstring, span
from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.role_kinds import Role
from durable_lint.rule import Report, Rule
from durable_lint.scopes import enclosing_function

# What the SDK calls each callable with: method -> (where the callable is passed,
# how many positional arguments the SDK calls it with).
CALLED_WITH = {
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

def factory_decorator(module: DurableModule, function: ast.AST | None) -> str | None:
    for decorator in getattr(function, "decorator_list", ()):
        name = module.resolver.sdk_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
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
    Map and parallel shapes too: `context.map(lambda item: ..., items)` (map takes the
    items first), `context.parallel(f1, f2, f3)` (parallel takes one list: its second
    and third parameters are `name` and `config`), and a branch, map item or child
    function that returns `charge(order)` of a `@durable_step` function instead of
    running it with `ctx.step(charge(order))`.

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
            if method in CALLED_WITH:
                where, count = CALLED_WITH[method]
                target = positional_or_keyword(call, *where)
                if target is not None:
                    handed.add(id(target))
                    yield from self._callable(module, method, target, count)
                if method == "map" and call.args and names_function(call.args[0]):
                    handed.add(id(call.args[0]))
                    yield self._swapped_map(call)
            elif method == "parallel":
                if positionally_passed_branches(call):
                    yield self._separate_branches(call)
                branches = positional_or_keyword(call, *sdk.PARALLEL_CALLABLES_ARG)
                listed = branches.elts if isinstance(branches, (ast.List, ast.Tuple)) else []
                for branch in listed if not positionally_passed_branches(call) else call.args:
                    handed.add(id(branch))
                    yield from self._callable(module, method, branch, 1)
        yield from self._dropped_factories(module, handed)
        yield from self._returned_factories(module)
        yield from self._factory_signatures(module)

    def _swapped_map(self, call: ast.Call) -> Report:
        """`context.map(lambda item: ..., items)`: map takes the items first."""
        function = call.args[0]
        items = source_of(call.args[1]) if len(call.args) > 1 else "items"
        return self.report(function, source_of(function),
                           problem="context.map takes the items first, then a function it calls with (ctx, item, index, items)",
                           remedy=f"context.map({items}, lambda ctx, item, index, items: ...)")

    def _separate_branches(self, call: ast.Call) -> Report:
        """`context.parallel(f1, f2, f3)`: the second and third arguments are name and config."""
        listed = ", ".join(source_of(arg, 20) for arg in call.args)
        return self.report(call, f"{source_of(call.func)}({listed})",
                           problem="context.parallel takes one sequence of branches; its next parameters are name and config",
                           remedy=f"the branches as a list: {source_of(call.func)}([{listed}])")

    def _returned_factories(self, module: DurableModule) -> Iterator[Report]:
        """A branch, map item or child function that returns `charge(order)` of a
        @durable_step function: the step is built, returned and never run."""
        returned = [(enclosing_function(r), r.value) for r in module.nodes(ast.Return)]  # type: ignore[attr-defined]
        returned += [(function, function.body) for function, _ in module.roles if isinstance(function, ast.Lambda)]
        for function, value in returned:
            role = module.roles.role_of(function) if function is not None else None
            if role is None or role.role is not Role.ORCHESTRATION or not isinstance(value, ast.Call):
                continue
            decorator = factory_decorator(module, module.roles.function_for(value.func))
            if decorator is not None:
                short = decorator.rsplit(".", 1)[-1]
                operation = _FACTORIES[decorator][0]
                context = next(iter(sorted(role.context_params)), "context")
                yield self.report(value, source_of(value),
                                  problem=f"returning what a @{short} function builds never runs it",
                                  remedy=f"it to {context}.{operation}: return {context}.{operation}({source_of(value)})")

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
        decorator = factory_decorator(module, function)
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
            decorator = factory_decorator(module, module.roles.function_for(call.func))
            if decorator is not None:
                short = decorator.rsplit(".", 1)[-1]
                yield self.report(call, source_of(call),
                                  problem=f"calling a @{short} function only builds the operation, which never runs",
                                  remedy=f"it to context.{_FACTORIES[decorator][0]}(...)")

    def _factory_signatures(self, module: DurableModule) -> Iterator[Report]:
        for function in module.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            decorator = factory_decorator(module, function)
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
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step
        from aws_durable_execution_sdk_python.config import ParallelBranch

        @durable_step
        def reserve(step_context, sku):
            return sku

        def make_branch(sku):
            def branch(ctx):
                return ctx.step(reserve(sku))
            return branch

        @durable_execution
        def handler(event, context):
            branches = [make_branch(sku) for sku in event["skus"]]
            reserved = context.parallel(branches, name="reserve")
            named = context.parallel([ParallelBranch(make_branch("gift"), name="gift")], name="gift")
            return [reserved, named]
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
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def reserve(step_context, sku):
            return sku

        def check_stock(ctx):
            return ctx.step(lambda _: 3, name="stock")

        def check_fraud(ctx):
            return ctx.step(lambda _: False, name="fraud")

        @durable_execution
        def handler(event, context):
            checks = context.parallel(check_stock, check_fraud)  # <- DUR901
            prices = context.map(lambda sku: sku.upper(), event["skus"], name="prices")  # <- DUR901
            reserved = context.map(
                event["skus"],
                lambda ctx, sku, index, skus: reserve(sku),  # <- DUR901
                name="reserve",
            )
            return [checks, prices, reserved]
        """,
    )
