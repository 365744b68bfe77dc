"""Which functions the SDK replays (orchestration) and which run once per attempt (steps).

RULES.md defines the vocabulary. A function's role comes from its decorator
(`@durable_execution`, `@durable_step`, ...), from a `DurableContext`-annotated
parameter, or from where it is passed (`context.step(f)`, `context.map(items, f)`,
`MapConfig(item_namer=f)`, ...). Passing is only recognised on a receiver that is
known to be a DurableContext, and contexts are known from roles, so the two are
computed together until nothing changes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.call_shapes import (
    is_method,
    names_function,
    parallel_branches,
    positional_or_keyword,
)
from durable_lint.resolve import Resolver
from durable_lint.role_kinds import ExtraNames, FunctionRole, Role, context_parameters
from durable_lint.scopes import Binding
from durable_lint.summaries import (
    assigned_attributes,
    class_of_instance,
    class_of_receiver,
    method_of,
    returned_values,
)


class RoleMap:
    """Roles of every function and lambda in one module."""

    def __init__(self, functions: list[ast.AST], names: list[ast.Name], resolver: Resolver,
                 config_decorators: ExtraNames) -> None:
        self._resolver = resolver
        self._extra = config_decorators
        self._roles: dict[ast.AST, FunctionRole] = {}
        # Helpers (functions without a role of their own) and the parameters through
        # which they receive a DurableContext: annotated, or passed one by a caller.
        self.helper_contexts: dict[ast.AST, set[str]] = {}
        self.version = 0  # bumped whenever roles or contexts change after construction
        self._names = names
        for function in functions:
            self._from_decorators_and_annotations(function)
        self._settle()

    def add_helper_contexts(self, function: ast.AST, names: set[str]) -> None:
        """A caller in another module passes DurableContexts to these parameters."""
        known = self.helper_contexts.setdefault(function, set())
        if not names <= known:
            known.update(names)
            self._settle()
            self.version += 1

    def _settle(self) -> None:
        """Spread roles and contexts through the module's calls until nothing changes."""
        changed = True
        while changed:
            changed = False
            for call in self._resolver.calls:
                for target, role in self._callables_passed_by(call):
                    changed |= self._assign(target, role)
                changed |= self._pass_contexts(call)
        self._mark_replayed(self._names)

    def _pass_contexts(self, call: ast.Call) -> bool:
        """`helper(context)`: the helper's parameter receives a DurableContext.

        `Service(context)` hands it to `__init__`; an attribute `__init__` keeps it
        in (`self.context = context`) makes every method of the class a helper that
        holds a DurableContext (`self.context.step(...)`).
        """
        if self._is_partial(call) and call.args:
            # functools.partial(save, context): `save` receives the context when called.
            callee = self.function_for(call.args[0])
            passed, keywords = call.args[1:], call.keywords
        else:
            callee = self.function_for(call.func)
            passed, keywords = self.arguments_of(callee, call) if callee is not None else ([], [])
        made = self._class_made_by(call)
        if made is not None:
            callee = method_of(made, "__init__")
            # `__init__` receives the new instance first, then the call's arguments.
            passed, keywords = [ast.Constant(None), *call.args], call.keywords
        if callee is None or callee in self._roles or isinstance(callee, ast.Lambda):
            return False
        params = context_parameters(callee, passed, keywords, self.is_context)
        known = self.helper_contexts.setdefault(callee, set())
        changed = not params <= known
        known.update(params)
        if made is not None:
            changed |= self._hold_contexts(made, callee, known)  # annotated `context: DurableContext` too
        return changed

    def _class_made_by(self, call: ast.Call) -> ast.ClassDef | None:
        if not isinstance(call.func, ast.Name):
            return None
        binding = call.func._dl_scope.lookup(call.func.id)  # type: ignore[attr-defined]
        return binding.definition if binding is not None and binding.kind == "class" else None  # type: ignore[return-value]

    def _hold_contexts(self, owner: ast.ClassDef, init: ast.AST, params: set[str]) -> bool:
        """Mark `self.<attr>` as a DurableContext in every method, for attributes set from
        `params`; True if a method holds a context it did not hold before."""
        held = {
            f"self.{attr}"
            for attr, values in assigned_attributes(owner).items()
            if any(isinstance(v, ast.Name) and v.id in params and self._is_param_of(v, init) for v in values)
        }
        changed = False
        for method in owner.body:
            if held and isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and method not in self._roles:
                known = self.helper_contexts.setdefault(method, set())
                changed |= not held <= known
                known.update(held)
        return changed

    @staticmethod
    def _is_param_of(name: ast.Name, function: ast.AST) -> bool:
        binding = name._dl_scope.lookup(name.id)  # type: ignore[attr-defined]
        return binding is not None and binding.kind == "param" and binding.definition is function

    def _mark_replayed(self, names: list[ast.Name]) -> None:
        """A function that gets a DurableContext but never uses it for an operation
        checkpoints nothing, so nothing replays against it: its code runs once."""
        used: set[ast.AST] = set()
        for name in names:
            binding = self.context_binding(name)
            if binding is None or binding.definition in used:
                continue
            parent = name._dl_parent  # type: ignore[attr-defined]
            if not (isinstance(parent, ast.Attribute) and parent.attr in sdk.NON_OPERATION_ATTRIBUTES):
                used.add(binding.definition)  # type: ignore[arg-type]
        for function, role in self._roles.items():
            if role.own_context and role.context_params:
                role.replayed = function in used

    def role_of(self, function: ast.AST) -> FunctionRole | None:
        return self._roles.get(function)

    def runs_where_called(self, function: ast.AST) -> bool:
        """Does a direct call run `function`'s body as part of the caller's code? Yes, unless
        a decorator gave it its role: `context.parallel([partial(audit, ...)])` at one site
        leaves `audit(c, "x")` at another a plain helper call."""
        role = self._roles.get(function)
        return role is None or not role.declared

    def __iter__(self) -> Iterator[tuple[ast.AST, FunctionRole]]:
        return iter(self._roles.items())

    # -- classification sources -------------------------------------------------

    def _from_decorators_and_annotations(self, function: ast.AST) -> None:
        for decorator in getattr(function, "decorator_list", ()):
            name = self._resolver.sdk_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if name in sdk.ORCHESTRATION_DECORATORS or name in self._extra.workflow_decorators:
                index = sdk.ORCHESTRATION_DECORATORS.get(name, 1)
                self._roles[function] = FunctionRole(
                    Role.ORCHESTRATION, f"@{name.rsplit('.', 1)[-1]}", self._param_at(function, index), True, declared=True
                )
                return
            if name in sdk.STEP_DECORATORS or name in self._extra.step_decorators:
                self._roles[function] = FunctionRole(Role.STEP, f"@{name.rsplit('.', 1)[-1]}", declared=True)
                return
        annotated = {
            binding.name
            for binding in function._dl_inner.bindings.values()  # type: ignore[attr-defined]
            if binding.kind == "param" and binding.definition is function and self._is_context_annotation(binding)
        }
        if annotated:
            self.helper_contexts.setdefault(function, set()).update(annotated)

    def _is_context_annotation(self, binding: Binding) -> bool:
        annotation = binding.annotation
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            return annotation.value.split(".")[-1] == "DurableContext"
        name = self._resolver.qualified_name(annotation) if annotation is not None else None
        if name is None or not name.endswith(".DurableContext"):
            return False  # a team module's re-export keeps the name (only those are followed: cheap)
        return name == sdk.DURABLE_CONTEXT or self._resolver.sdk_name(annotation) == sdk.DURABLE_CONTEXT  # type: ignore[arg-type]

    @staticmethod
    def _param_at(function: ast.AST, index: int) -> set[str]:
        args: ast.arguments = function.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        return {positional[index].arg} if index < len(positional) else set()

    def _callables_passed_by(self, call: ast.Call) -> Iterator[tuple[ast.AST, FunctionRole]]:
        """Functions that `call` hands to the SDK, with the role they get there."""
        func = call.func
        if isinstance(func, ast.Attribute) and self.is_context(func.value):
            method = func.attr
            if method in sdk.STEP_CALLABLE_ARGS:
                arg = positional_or_keyword(call, *sdk.STEP_CALLABLE_ARGS[method])
                for target, _ in self.callables_of(arg):
                    yield target, FunctionRole(Role.STEP, f"passed to context.{method}")
            elif method in sdk.CHILD_CALLABLE_ARGS:
                arg = positional_or_keyword(call, *sdk.CHILD_CALLABLE_ARGS[method])
                if method == "map" and call.args and names_function(call.args[0]):
                    arg = call.args[0]  # map(func, items): the author's item function, in the wrong place (DUR901)
                for target, bound in self.callables_of(arg):
                    yield target, self._child_role(target, bound, f"passed to context.{method}")
            elif method == "parallel":
                for target, bound in self.callables_of(*parallel_branches(call)):
                    yield target, self._child_role(target, bound, "passed to context.parallel")
            return
        name = self._resolver.qualified_name(func)
        if name == sdk.WITH_RETRY:
            for target, bound in self.callables_of(positional_or_keyword(call, *sdk.WITH_RETRY_CALLABLE_ARG)):
                yield target, self._child_role(target, bound, "passed to with_retry")
        elif name in sdk.CONFIG_CALLABLE_KEYWORDS:
            for kw in call.keywords:
                if kw.arg in sdk.CONFIG_CALLABLE_KEYWORDS[name]:
                    for target, _ in self.callables_of(kw.value):
                        yield target, FunctionRole(Role.ORCHESTRATION, f"{name.rsplit('.', 1)[-1]}({kw.arg}=...)")
        elif name in self._extra.step_functions:
            for target, _ in self.callables_of(*call.args, *(kw.value for kw in call.keywords)):
                yield target, FunctionRole(Role.STEP, f"passed to {name}")

    def _child_role(self, target: ast.AST, bound: int, reason: str) -> FunctionRole:
        """The SDK passes the child's DurableContext first, after what `bound` filled."""
        return FunctionRole(Role.ORCHESTRATION, reason, self._param_at(target, bound), True)

    def callables_of(self, *exprs: ast.expr | None) -> list[tuple[ast.AST, int]]:
        """The functions some expressions hand over, the way handlers build them: a lambda or
        def, `functools.partial(f, ...)`, a variable, a list or comprehension of branches,
        `ParallelBranch(f)`, or a call to a local factory that returns a closure. Each comes
        with the number of leading parameters the expression already fills."""
        found: list[tuple[ast.AST, int]] = []
        stack = [e for e in exprs if e is not None]
        seen: set[int] = set()
        while stack:
            expr = stack.pop()
            if id(expr) in seen:
                continue
            seen.add(id(expr))
            function = self.function_for(expr)
            if function is not None:
                found.append((function, self._bound_before(expr, function)))
            elif isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
                stack.extend(e.value if isinstance(e, ast.Starred) else e for e in expr.elts)
            elif isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
                stack.append(expr.elt)
            elif isinstance(expr, ast.Name):
                binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
                if binding is not None and binding.kind == "assign":
                    stack.extend(binding.values)
                elif binding is not None and binding.kind == "param":
                    stack.extend(self._arguments_for(binding))
            elif isinstance(expr, ast.Call):
                stack.extend(self._made_callables(expr))
        return found

    def _bound_before(self, expr: ast.expr, function: ast.AST) -> int:
        """Leading parameters of `function` that `expr` fills before the SDK's arguments:
        the instance of a bound method (`self.process_item`), the positional arguments of
        `functools.partial(f, settings)`."""
        if isinstance(expr, ast.Call) and self._is_partial(expr) and expr.args:
            return len(expr.args) - 1 + self._bound_before(expr.args[0], function)
        if isinstance(expr, ast.Name):
            binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "assign" and len(binding.values) == 1:
                return self._bound_before(binding.values[0], function)
        if isinstance(expr, ast.Attribute) and is_method(function):
            return 1
        return 0

    def _arguments_for(self, param: Binding) -> list[ast.expr]:
        """What this module's calls pass to a helper's parameter: `run_step(context, charge)`
        hands `charge` to the `ctx.step(fn)` inside `run_step`."""
        function = param.definition
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or function in self._roles:
            return []
        args: ast.arguments = function.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        found = []
        for call in self._resolver.calls:
            if self.function_for(call.func) is not function:
                continue
            passed, keywords = self.arguments_of(function, call)
            if param.name in positional and positional.index(param.name) < len(passed):
                found.append(passed[positional.index(param.name)])
            found += [kw.value for kw in keywords if kw.arg == param.name]
        return found

    def _made_callables(self, call: ast.Call) -> list[ast.expr]:
        """What `ParallelBranch(f, name=...)` wraps, or what a role-less local factory returns."""
        if self._resolver.qualified_name(call.func) == sdk.PARALLEL_BRANCH:
            branch = positional_or_keyword(call, 0, "func")
            return [branch] if branch is not None else []
        factory = self.function_for(call.func)
        if isinstance(factory, (ast.FunctionDef, ast.AsyncFunctionDef)) and factory not in self._roles:
            return [v for v in returned_values(factory) if isinstance(v, (ast.Name, ast.Lambda, ast.Call))]
        return []

    # -- helpers ------------------------------------------------------------------

    def function_for(self, expr: ast.expr) -> ast.AST | None:
        """The lambda or def an expression denotes, looking through functools.partial and
        to the methods of this module's classes (`self.charge`, `service.charge`)."""
        if isinstance(expr, ast.Lambda):
            return expr
        if isinstance(expr, ast.Call) and self._resolver.qualified_name(expr.func) == "functools.partial" and expr.args:
            return self.function_for(expr.args[0])
        if isinstance(expr, ast.Name):
            binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "def":
                return binding.definition
            if binding is not None and binding.kind == "assign" and len(binding.values) == 1 and isinstance(binding.values[0], ast.Call):
                return self.function_for(binding.values[0]) if self._is_partial(binding.values[0]) else None
        if isinstance(expr, ast.Attribute):
            owner = class_of_instance(expr.value)
            if owner is not None:
                return method_of(owner, expr.attr)
        return None

    def arguments_of(self, function: ast.AST, call: ast.Call) -> tuple[list[ast.expr], list[ast.keyword]]:
        """The positional and keyword arguments `function` receives from `call`: with the
        receiver of a bound method first, and what `op = functools.partial(f, ...)` bound."""
        args, keywords = list(call.args), list(call.keywords)
        if isinstance(call.func, ast.Name):
            binding = call.func._dl_scope.lookup(call.func.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "assign" and len(binding.values) == 1:
                bound = binding.values[0]
                if isinstance(bound, ast.Call) and self._is_partial(bound) and bound.args:
                    args, keywords = [*bound.args[1:], *args], [*bound.keywords, *keywords]
        if isinstance(call.func, ast.Attribute) and is_method(function):
            args = [ast.Constant(None), *args]
        return args, keywords

    def _is_partial(self, call: ast.Call) -> bool:
        return self._resolver.qualified_name(call.func) == "functools.partial"

    def _assign(self, target: ast.AST, role: FunctionRole) -> bool:
        if target in self._roles:
            return False
        self._roles[target] = role
        return True

    def is_context(self, expr: ast.expr) -> bool:
        """Is `expr` a name bound to a DurableContext parameter, or `self.<attr>` of a class
        that keeps the DurableContext it was built with?"""
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            binding = expr.value._dl_scope.lookup(expr.value.id)  # type: ignore[attr-defined]
            return (binding is not None and binding.kind == "param"
                    and f"self.{expr.attr}" in self.helper_contexts.get(binding.definition, ())  # type: ignore[arg-type]
                    and class_of_receiver(expr.value) is not None)
        binding = self.context_binding(expr)
        return binding is not None

    def context_binding(self, expr: ast.expr) -> Binding | None:
        if not isinstance(expr, ast.Name):
            return None
        binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
        if binding is None or binding.kind != "param":
            return None
        role = self._roles.get(binding.definition)  # type: ignore[arg-type]
        if role is not None and binding.name in role.context_params:
            return binding
        if binding.name in self.helper_contexts.get(binding.definition, ()):  # type: ignore[arg-type]
            return binding
        return None
