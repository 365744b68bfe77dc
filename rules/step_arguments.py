"""Steps that change the objects orchestration code hands them (DUR709)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint.rules.mutation import mutations
from durable_lint.rules.operations import factory_decorator

from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.role_kinds import Role
from durable_lint.rule import Report, Rule
from durable_lint.scopes import own_code

_IMMUTABLE_KINDS = frozenset({"str", "bytes", "int", "float", "bool", "none", "tuple", "frozenset"})


class StepArgumentMutation(Rule):
    """
    ## What it does
    Flags a step that changes an object orchestration code gave it and uses after
    the step: a `@durable_step` function that does `order["total"] = ...`,
    `items.append(...)`, `order.status = ...` or `items += [...]` on one of its
    arguments (`context.step(price(order))`), or a step lambda that passes an
    orchestration variable to a function of the module that does so
    (`context.step(lambda _: enrich(order))`).

    ## Why is this bad?
    The mutation happens in the step body, and replays skip step bodies: they return
    the checkpointed result instead. In the invocation that ran the step, code after
    it sees the changed object; after a suspension the replay sees the unchanged
    one, so later steps get other input and the execution's result depends on
    where it was interrupted.

    ## Example
    ```python
    @durable_step
    def price(step_context, order):
        order["total"] = sum(line["amount"] for line in order["lines"])

    context.step(price(order))
    context.step(charge(order["total"]))
    ```

    ## Use instead
    Return the new value from the step and use the result:
    ```python
    @durable_step
    def price(step_context, order):
        return sum(line["amount"] for line in order["lines"])

    total = context.step(price(order))
    ```
    """

    code = "DUR709"
    name = "step-argument-mutation"
    message = (
        "{subject} changes {argument} in the step body ({how}), and orchestration code uses it after the step; "
        "replays skip the body, so after a suspension {argument} is unchanged. Return the new value from the step"
    )

    def check(self, module: DurableModule) -> Iterator[Report]:
        for call in module.durable_code.calls:
            if module.durable_operation(call) != "step" or not call.args:
                continue
            target = call.args[0] if call.args else None
            if isinstance(target, ast.Call):
                yield from self._factory_call(module, call, target)
            elif isinstance(target, ast.Lambda) and _is_step(module, target):
                for inner in own_code([target.body]):
                    if isinstance(inner, ast.Call):
                        yield from self._mutated_arguments(module, call, inner, 0)

    def _factory_call(self, module: DurableModule, step: ast.Call, factory_call: ast.Call) -> Iterator[Report]:
        function = module.roles.function_for(factory_call.func)
        if factory_decorator(module, function) is None:
            return
        yield from self._mutated_arguments(module, step, factory_call, 1)

    def _mutated_arguments(self, module: DurableModule, step: ast.Call, call: ast.Call, skipped: int) -> Iterator[Report]:
        """Arguments of `call` that its function (a def of this module) mutates; the function
        receives `skipped` parameters of the SDK's first (`step_context`)."""
        function = module.roles.function_for(call.func)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        if module.roles.role_of(function) is not None and module.roles.role_of(function).role is not Role.STEP:  # type: ignore[union-attr]
            return
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)][skipped:]
        passed = [(params[i], arg) for i, arg in enumerate(call.args) if i < len(params)]
        passed += [(kw.arg, kw.value) for kw in call.keywords if kw.arg is not None]
        changed = _changed_parameters(module, function)
        for param, arg in passed:
            if param not in changed or not isinstance(arg, ast.Name):
                continue
            node, how = changed[param]
            if how == "augmented assignment" and module.inference.kind(arg) in _IMMUTABLE_KINDS:
                continue
            if _owned_and_used_after(module, step, arg):
                yield self.report(arg, source_of(call), argument=arg.id, how=f"{source_of(node, 40)}")

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def price(step_context, order):
            return sum(line["amount"] for line in order["lines"])

        @durable_step
        def tag(step_context, order):
            order["tagged"] = True
            return order

        @durable_execution
        def handler(event, context):
            order = dict(event["order"])
            total = context.step(price(order))
            tagged = context.step(tag(dict(order)))
            last = context.step(tag(order))
            return {"total": total, "tagged": tagged, "last": last}
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def price(step_context, order, lines):
            order["total"] = sum(line["amount"] for line in lines)
            lines.append({"amount": 0, "kind": "rounding"})

        def enrich(order):
            order.update(region="eu")

        @durable_execution
        def handler(event, context):
            order = dict(event["order"])
            lines = list(event["lines"])
            context.step(price(order, lines))  # <- DUR709
            context.step(lambda _: enrich(order), name="enrich")  # <- DUR709
            return context.step(lambda _: {"total": order["total"], "lines": len(lines)}, name="receipt")
        """,
    )


def _is_step(module: DurableModule, function: ast.AST) -> bool:
    role = module.roles.role_of(function)
    return role is not None and role.role is Role.STEP


def _changed_parameters(module: DurableModule, function: ast.AST) -> dict[str, tuple[ast.AST, str]]:
    """param -> (first node that changes the object it received, how), cached per function."""
    cached = getattr(function, "_dl_changed_params", None)
    if cached is not None:
        return cached
    params = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}  # type: ignore[attr-defined]
    changed: dict[str, tuple[ast.AST, str]] = {}
    nodes = sorted(
        (n for n in own_code(function.body) if isinstance(n, (ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete))),  # type: ignore[attr-defined]
        key=lambda n: (n.lineno, n.col_offset),  # the first change in the source is the one shown
    )
    for node, root, how in mutations(module, nodes):
        binding = root._dl_scope.lookup(root.id)  # type: ignore[attr-defined]
        if binding is None or binding.kind != "param" or binding.definition is not function or root.id not in params:
            continue
        if how == "assignment":
            if not isinstance(node, ast.AugAssign):
                continue  # rebinding the name leaves the caller's object alone
            how = "augmented assignment"
        changed.setdefault(root.id, (node, how))
    function._dl_changed_params = changed  # type: ignore[attr-defined]
    return changed


def _owned_and_used_after(module: DurableModule, step: ast.Call, arg: ast.Name) -> bool:
    """Is `arg` a variable (or parameter) of the orchestration function that it reads after `step`?"""
    binding = arg._dl_scope.lookup(arg.id)  # type: ignore[attr-defined]
    owner = module.code_owner(step)
    if binding is None or binding.scope.node is not owner or binding.kind not in ("assign", "param", "other"):
        return False
    end = (step.end_lineno, step.end_col_offset)
    for name in module.nodes(ast.Name):
        if (
            isinstance(name, ast.Name) and name.id == arg.id and isinstance(name.ctx, ast.Load)
            and (name.lineno, name.col_offset) > end  # type: ignore[operator]
            and name._dl_scope.lookup(name.id) is binding  # type: ignore[attr-defined]
        ):
            return True
    return False
