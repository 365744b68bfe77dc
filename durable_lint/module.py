"""One analysed module: scopes, resolution and roles, as the rules see it."""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Protocol

from durable_lint import sdk
from durable_lint.infer import Inference
from durable_lint.resolve import Resolver
from durable_lint.role_kinds import ExtraNames, FunctionRole, Role
from durable_lint.roles import RoleMap
from durable_lint.scopes import build_scopes, enclosing_function, own_code


class ProjectFunctions(Protocol):
    """Finds the linted project's functions by qualified name (durable_lint.project.Project)."""

    def resolve_function(self, qualified: str, origin: DurableModule) -> tuple[ast.AST, DurableModule] | None: ...

    def reexported(self, qualified: str, origin: DurableModule) -> str | None: ...


class Region:
    """The nodes of some body of code, selected by the function that owns them."""

    def __init__(self, module: DurableModule, owned: Callable[[ast.AST | None], bool]) -> None:
        self._module = module
        self._owned = owned
        self._cache: dict[tuple[type, ...], list[ast.AST]] = {}

    def nodes(self, *types: type) -> list[ast.AST]:
        if types not in self._cache:
            self._cache[types] = self._select(types)
        return self._cache[types]

    def _select(self, types: tuple[type, ...]) -> list[ast.AST]:
        module = self._module
        return [n for n in module.nodes(*types) if self._owned(module.code_owner(n))]

    @property
    def calls(self) -> list[ast.Call]:
        return self.nodes(ast.Call)  # type: ignore[return-value]


class FunctionRegion(Region):
    """The code of one function, taken from the module's index of nodes by owner: the
    call graph asks for many functions' code, and filtering every node of the module
    for each of them made a lint quadratic in the module's size."""

    def __init__(self, module: DurableModule, function: ast.AST) -> None:
        super().__init__(module, lambda owner: owner is function)
        self._function = function

    def _select(self, types: tuple[type, ...]) -> list[ast.AST]:
        return self._module.nodes_by_owner(types).get(self._function, [])


class DurableModule:
    """A parsed module with its bindings, its function roles and query helpers for rules."""

    def __init__(self, tree: ast.Module, *, source: str | None = None, package: str = "", file: Path | None = None,
                 extra: ExtraNames = ExtraNames(), wrapper_modules: frozenset[str] = frozenset(),
                 project: ProjectFunctions | None = None) -> None:
        self.tree = tree
        self.source = source
        self.package = package
        self.file = file
        self.scope, self._by_type = build_scopes(tree, package)
        self.project = project
        self._project_functions: dict[str, tuple[ast.AST, Resolver] | None] = {}
        self._reexports: dict[str, str | None] = {}
        self.resolver = Resolver(self.nodes(ast.Call), self._project_function, self._reexport)  # type: ignore[arg-type]
        self._wrapper_modules = wrapper_modules
        self._call_policy = dict(extra.calls)
        self._owners: dict[int, ast.AST | None] = {}
        self._regions: dict[str, Region] = {}
        self._by_owner: dict[tuple[type, ...], dict[ast.AST | None, list[ast.AST]]] = {}
        self._roles_version = 0
        self.roles = RoleMap(self.functions, self.nodes(ast.Name), self.resolver, extra)  # type: ignore[arg-type]

    def _project_function(self, qualified: str) -> tuple[ast.AST, Resolver] | None:
        """The project def `qualified` names, with its module's resolver (cached per name)."""
        if qualified not in self._project_functions:
            self._project_functions[qualified] = None  # a cycle through this name sees "unknown"
            found = self.project.resolve_function(qualified, self) if self.project is not None else None
            if found is not None:
                self._project_functions[qualified] = (found[0], found[1].resolver)
        return self._project_functions[qualified]

    def _reexport(self, qualified: str) -> str | None:
        """What a project module re-exports as `qualified` (cached per name)."""
        if qualified not in self._reexports:
            self._reexports[qualified] = None  # a cycle through this name sees "unknown"
            if self.project is not None and not qualified.startswith("builtins."):
                self._reexports[qualified] = self.project.reexported(qualified, self)
        return self._reexports[qualified]

    def nodes(self, *types: type) -> list[ast.AST]:
        """Every node of the given types, in source order within each type."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [node for kind in types for node in self._by_type.get(kind, [])]

    @cached_property
    def functions(self) -> list[ast.AST]:
        return self.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

    @cached_property
    def inference(self) -> Inference:
        return Inference(self)

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
        owner = self.code_owner(node)
        return self.roles.role_of(owner) if owner is not None else None

    def code_owner(self, node: ast.AST) -> ast.AST | None:
        """The function whose code `node` is: lambdas without a role are part of their parent's code."""
        self._forget_if_roles_changed()
        key = id(node)
        if key in self._owners:
            return self._owners[key]
        function = enclosing_function(node)
        while isinstance(function, ast.Lambda) and self.roles.role_of(function) is None:
            function = enclosing_function(function)
        self._owners[key] = function
        return function

    def _forget_if_roles_changed(self) -> None:
        """A caller in another module can hand a helper a context, which changes roles here."""
        if self._roles_version != self.roles.version:
            self._roles_version = self.roles.version
            self._owners.clear()
            self._regions.clear()
            self._by_owner.clear()

    def body_owner(self, function: ast.AST) -> ast.AST | None:
        """The function whose code `function`'s body is: itself, unless it is a role-less lambda."""
        if isinstance(function, ast.Lambda) and self.roles.role_of(function) is None:
            return self.code_owner(function)
        return function

    def is_replayed_orchestration(self, function: ast.AST | None) -> bool:
        role = self.roles.role_of(function) if function is not None else None
        return role is not None and role.role is Role.ORCHESTRATION and role.replayed

    def is_durable_function(self, function: ast.AST | None) -> bool:
        """Replayed orchestration code, or a helper that is handed a DurableContext."""
        return self.is_replayed_orchestration(function) or (
            function is not None and self.roles.role_of(function) is None and bool(self.roles.helper_contexts.get(function))
        )

    @property
    def orchestration(self) -> Region:
        """The code the SDK replays: handler, child, branch and item bodies."""
        return self._region("orchestration", self.is_replayed_orchestration)

    @property
    def durable_code(self) -> Region:
        """Orchestration code plus helpers that receive a DurableContext: where operations are issued."""
        return self._region("durable", self.is_durable_function)

    def _region(self, name: str, owned: Callable[[ast.AST | None], bool]) -> Region:
        self._forget_if_roles_changed()
        if name not in self._regions:
            self._regions[name] = Region(self, owned)
        return self._regions[name]

    def function_code(self, function: ast.AST) -> Region:
        """The code of one helper function (with its role-less lambdas, without nested defs)."""
        return FunctionRegion(self, function)

    def nodes_by_owner(self, types: tuple[type, ...]) -> dict[ast.AST | None, list[ast.AST]]:
        """The nodes of `types`, grouped by the function whose code they are (source order kept)."""
        self._forget_if_roles_changed()
        if types not in self._by_owner:
            grouped: dict[ast.AST | None, list[ast.AST]] = {}
            for node in self.nodes(*types):
                grouped.setdefault(self.code_owner(node), []).append(node)
            self._by_owner[types] = grouped
        return self._by_owner[types]

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
        return [node for node in own_code(statements) if isinstance(node, ast.Call) and self.durable_operation(node)]

    def call_policy(self, path: str) -> str | None:
        """What the team's configuration says of calls to `path`: a code, "allow", or None.

        The most specific entry wins: `mycompany.clock.now` over `mycompany.clock`.
        """
        if not self._call_policy:
            return None
        parts = path.replace("()", "").split(".")
        for length in range(len(parts), 0, -1):
            verdict = self._call_policy.get(".".join(parts[:length]))
            if verdict is not None:
                return verdict
        return None

    def call_path(self, expr: ast.expr) -> str | None:
        return self.resolver.call_path(expr)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return node._dl_parent  # type: ignore[attr-defined]
