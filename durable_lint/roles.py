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
import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from durable_lint import sdk
from durable_lint.resolve import Resolver
from durable_lint.scopes import Binding


class Role(enum.Enum):
    ORCHESTRATION = "orchestration"
    STEP = "step"


@dataclass(eq=False)
class FunctionRole:
    """Why a function is orchestration or step code, and its DurableContext parameters."""

    role: Role
    reason: str
    context_params: set[str] = field(default_factory=set)
    own_context: bool = False  # receives a DurableContext of its own (handler, child, branch)
    replayed: bool = True  # False for a context function that never issues an operation


def positional_or_keyword(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    """The argument passed at `index` or as `keyword=`, if any."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def context_parameters(function: ast.AST, passed: Sequence[ast.expr], keywords: Sequence[ast.keyword],
                       is_context: Callable[[ast.expr], bool]) -> set[str]:
    """Names of `function`'s parameters that receive a DurableContext from these arguments."""
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    names = {positional[i] for i, arg in enumerate(passed) if i < len(positional) and is_context(arg)}
    by_keyword = {a.arg for a in (*args.args, *args.kwonlyargs)}
    names |= {kw.arg for kw in keywords if kw.arg in by_keyword and is_context(kw.value)}
    return names


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
        """`helper(context)`: the helper's parameter receives a DurableContext."""
        callee = self.function_for(call.func)
        if callee is None or callee in self._roles or isinstance(callee, ast.Lambda):
            return False
        params = context_parameters(callee, call.args, call.keywords, self.is_context)
        known = self.helper_contexts.setdefault(callee, set())
        if params <= known:
            return False
        known.update(params)
        return True

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

    def __iter__(self) -> Iterator[tuple[ast.AST, FunctionRole]]:
        return iter(self._roles.items())

    # -- classification sources -------------------------------------------------

    def _from_decorators_and_annotations(self, function: ast.AST) -> None:
        for decorator in getattr(function, "decorator_list", ()):
            name = self._resolver.qualified_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if name in sdk.ORCHESTRATION_DECORATORS or name in self._extra.workflow_decorators:
                index = sdk.ORCHESTRATION_DECORATORS.get(name, 1)
                self._roles[function] = FunctionRole(
                    Role.ORCHESTRATION, f"@{name.rsplit('.', 1)[-1]}", self._param_at(function, index), True
                )
                return
            if name in sdk.STEP_DECORATORS or name in self._extra.step_decorators:
                self._roles[function] = FunctionRole(Role.STEP, f"@{name.rsplit('.', 1)[-1]}")
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
        return annotation is not None and self._resolver.qualified_name(annotation) == sdk.DURABLE_CONTEXT

    @staticmethod
    def _param_at(function: ast.AST, index: int) -> set[str]:
        args: ast.arguments = function.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        return {positional[index].arg} if index < len(positional) else set()

    def _callables_passed_by(self, call: ast.Call) -> Iterator[tuple[ast.expr, FunctionRole]]:
        """Callables that `call` hands to the SDK, with the role they get there."""
        func = call.func
        if isinstance(func, ast.Attribute) and self.is_context(func.value):
            method = func.attr
            if method in sdk.STEP_CALLABLE_ARGS:
                arg = positional_or_keyword(call, *sdk.STEP_CALLABLE_ARGS[method])
                if arg is not None:
                    yield arg, FunctionRole(Role.STEP, f"passed to context.{method}")
            elif method in sdk.CHILD_CALLABLE_ARGS:
                arg = positional_or_keyword(call, *sdk.CHILD_CALLABLE_ARGS[method])
                if arg is not None:
                    yield arg, self._child_role(arg, f"passed to context.{method}")
            elif method == "parallel":
                branches = positional_or_keyword(call, *sdk.PARALLEL_CALLABLES_ARG)
                if isinstance(branches, (ast.List, ast.Tuple)):
                    for branch in branches.elts:
                        yield branch, self._child_role(branch, "passed to context.parallel")
            return
        name = self._resolver.qualified_name(func)
        if name == sdk.WITH_RETRY:
            arg = positional_or_keyword(call, *sdk.WITH_RETRY_CALLABLE_ARG)
            if arg is not None:
                yield arg, self._child_role(arg, "passed to with_retry")
        elif name in sdk.CONFIG_CALLABLE_KEYWORDS:
            for kw in call.keywords:
                if kw.arg in sdk.CONFIG_CALLABLE_KEYWORDS[name]:
                    yield kw.value, FunctionRole(Role.ORCHESTRATION, f"{name.rsplit('.', 1)[-1]}({kw.arg}=...)")
        elif name in self._extra.step_functions:
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                yield arg, FunctionRole(Role.STEP, f"passed to {name}")

    def _child_role(self, callable_expr: ast.expr, reason: str) -> FunctionRole:
        target = self.function_for(callable_expr)
        names = self._param_at(target, 0) if target is not None else set()
        return FunctionRole(Role.ORCHESTRATION, reason, names, True)

    # -- helpers ------------------------------------------------------------------

    def function_for(self, expr: ast.expr) -> ast.AST | None:
        """The lambda or def an expression denotes, looking through functools.partial."""
        if isinstance(expr, ast.Lambda):
            return expr
        if isinstance(expr, ast.Call) and self._resolver.qualified_name(expr.func) == "functools.partial" and expr.args:
            return self.function_for(expr.args[0])
        if isinstance(expr, ast.Name):
            binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "def":
                return binding.definition
        return None

    def _assign(self, expr: ast.expr, role: FunctionRole) -> bool:
        target = self.function_for(expr)
        if target is None or target in self._roles:
            return False
        self._roles[target] = role
        return True

    def is_context(self, expr: ast.expr) -> bool:
        """Is `expr` a name bound to a DurableContext parameter?"""
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


class ExtraNames(NamedTuple):
    """Qualified names a team adds to the SDK's own ([tool.durable-lint]).

    (A NamedTuple: a one-file run creates every record type at import, and a frozen dataclass
    costs five times as much.)
    """

    workflow_decorators: frozenset[str] = frozenset()
    step_decorators: frozenset[str] = frozenset()
    step_functions: frozenset[str] = frozenset()
    # qualified name or prefix -> a DUR code that applies to calls of it, or "allow"
    calls: tuple[tuple[str, str], ...] = ()
