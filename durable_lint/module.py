"""One analysed module: scopes, resolution and roles, as the rules see it."""

from __future__ import annotations

import ast
from functools import cached_property

from durable_lint import sdk
from durable_lint.resolve import Resolver
from durable_lint.roles import ExtraNames, FunctionRole, Role, RoleMap
from durable_lint.scopes import build_scopes, enclosing_function


class DurableModule:
    """A parsed module with its bindings, its function roles and query helpers for rules."""

    def __init__(self, tree: ast.Module, *, package: str = "", extra: ExtraNames = ExtraNames(),
                 wrapper_modules: frozenset[str] = frozenset()) -> None:
        self.tree = tree
        self.scope, self._by_type = build_scopes(tree, package)
        self.resolver = Resolver(self.nodes(ast.Call))  # type: ignore[arg-type]
        self._wrapper_modules = wrapper_modules
        self.roles = RoleMap(self.functions, self.nodes(ast.Name), self.resolver, extra)  # type: ignore[arg-type]

    def nodes(self, *types: type) -> list[ast.AST]:
        """Every node of the given types, in source order within each type."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [node for kind in types for node in self._by_type.get(kind, [])]

    @cached_property
    def functions(self) -> list[ast.AST]:
        return self.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

    @cached_property
    def imports_sdk(self) -> bool:
        """Does the module import the SDK (or a configured wrapper) anywhere?"""
        prefixes = (sdk.SDK_MODULE, *self._wrapper_modules)
        for node in self.nodes(ast.Import, ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n == p or n.startswith(p + ".") for n in names for p in prefixes):
                return True
        return False

    # -- where code runs ------------------------------------------------------------

    def role_at(self, node: ast.AST) -> FunctionRole | None:
        """The role of the code `node` belongs to; lambdas without a role inherit theirs."""
        function = enclosing_function(node)
        while function is not None:
            role = self.roles.role_of(function)
            if role is not None:
                return role
            if not isinstance(function, ast.Lambda):
                return None
            function = enclosing_function(function)
        return None

    def function_role(self, function: ast.AST) -> FunctionRole | None:
        """The role of a function's own body: its own, or for a lambda, where it is written."""
        role = self.roles.role_of(function)
        if role is None and isinstance(function, ast.Lambda):
            return self.role_at(function)
        return role

    def in_orchestration(self, node: ast.AST) -> bool:
        """Is `node` in orchestration code that the SDK replays?"""
        role = self.role_at(node)
        return role is not None and role.role is Role.ORCHESTRATION and role.replayed

    @cached_property
    def orchestration_calls(self) -> list[ast.Call]:
        return [call for call in self.nodes(ast.Call) if self.in_orchestration(call)]  # type: ignore[misc]

    def orchestration_nodes(self, *types: type) -> list[ast.AST]:
        return [node for node in self.nodes(*types) if self.in_orchestration(node)]

    # -- durable operations -----------------------------------------------------------

    def durable_operation(self, call: ast.Call) -> str | None:
        """`step`, `wait`, ... if `call` checkpoints a durable operation, else None."""
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in sdk.DURABLE_METHODS and self.roles.is_context(func.value):
                return func.attr
            if func.attr == "result" and self._is_callback(func.value):
                return "callback.result"
        if self.resolver.qualified_name(func) == sdk.WITH_RETRY:
            return "with_retry"
        return None

    def _is_callback(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Call):
            return self.durable_operation(expr) == "create_callback"
        if not isinstance(expr, ast.Name):
            return False
        binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
        return (
            binding is not None
            and binding.kind == "assign"
            and len(binding.values) == 1
            and isinstance(binding.values[0], ast.Call)
            and self.durable_operation(binding.values[0]) == "create_callback"
        )

    def durable_operations_in(self, statements: list[ast.stmt]) -> list[ast.Call]:
        """Durable operation calls inside `statements`, not counting nested functions."""
        found, stack = [], list(statements)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, ast.Call) and self.durable_operation(node):
                found.append(node)
            stack.extend(ast.iter_child_nodes(node))
        return found

    def call_path(self, expr: ast.expr) -> str | None:
        return self.resolver.call_path(expr)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return node._dl_parent  # type: ignore[attr-defined]
