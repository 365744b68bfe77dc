"""Where a value comes from when the project passes it on: per-function summaries.

The resolver spells a value by its call path (`boto3.client().put_item`). These
summaries let that path survive the ways real handlers pass clients, loggers and
clocks around: a helper's return (`get_table()`, `@functools.cache` factories,
lazy `global _client` singletons), an attribute a class assigns
(`self.table = ...` in `__init__`, a class attribute, a `@property`), and an
element of a tuple a helper returns (`s3, table = clients()`). Each answer is
computed once per function or class and kept on its node, so the cost stays
linear in the project; a cycle sees "unknown".
"""

from __future__ import annotations

import ast
import sys
from typing import TYPE_CHECKING

from durable_lint.scopes import own_code

if TYPE_CHECKING:
    from durable_lint.resolve import Resolver

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_PROPERTIES = frozenset({"property", "functools.cached_property", "cached_property"})
_NOT_PROJECT = ("builtins.", "aws_durable_execution_sdk_python", *(f"{m}." for m in sys.stdlib_module_names))


def helper_returns(resolver: Resolver, call: ast.Call) -> tuple[list[ast.expr], Resolver] | None:
    """The values a project function returns, for a call to it (None: not a project function)."""
    found = _called_function(resolver, call.func)
    if found is None:
        return None
    function, owner = found
    return returned_values(function), owner


def returned_values(function: ast.AST) -> list[ast.expr]:
    """The expressions `function` returns (a bare `return` or a generator: none)."""
    cached = getattr(function, "_dl_returns", None)
    if cached is not None:
        return cached
    values: list[ast.expr] = []
    for node in own_code(getattr(function, "body", [])):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            values = []
            break
        if isinstance(node, ast.Return) and node.value is not None:
            values.append(node.value)
    function._dl_returns = values  # type: ignore[attr-defined]
    return values


def attribute_values(resolver: Resolver, attribute: ast.Attribute) -> list[ast.expr] | None:
    """What `self.attr` (or `cls.attr`) holds in a method: every value the class assigns to it."""
    owner = class_of_receiver(attribute.value)
    if owner is None:
        return None
    values = assigned_attributes(owner).get(attribute.attr)
    if values is None:
        prop = _property(resolver, owner, attribute.attr)
        return returned_values(prop) if prop is not None else None
    return values


def element_values(resolver: Resolver, subscript: ast.Subscript) -> tuple[list[ast.expr], Resolver] | None:
    """`pair[0]` of a tuple literal or of a helper that returns tuples (how `a, b = f()` binds)."""
    index = subscript.slice
    if not (isinstance(index, ast.Constant) and type(index.value) is int):
        return None
    source = subscript.value
    if isinstance(source, (ast.Tuple, ast.List)):
        return ([source.elts[index.value]], resolver) if -len(source.elts) <= index.value < len(source.elts) else None
    if not isinstance(source, ast.Call):
        return None
    returned = helper_returns(resolver, source)
    if returned is None:
        return None
    values, owner = returned
    tuples = [v for v in values if isinstance(v, ast.Tuple) and -len(v.elts) <= index.value < len(v.elts)]
    if not tuples or len(tuples) != len(values):
        return None
    return [t.elts[index.value] for t in tuples], owner


def _called_function(resolver: Resolver, func: ast.expr) -> tuple[ast.AST, Resolver] | None:
    """The project def a call runs: a local function, a method on self, or an imported helper."""
    if isinstance(func, ast.Name):
        binding = func._dl_scope.lookup(func.id)  # type: ignore[attr-defined]
        if binding is not None and binding.kind == "def":
            return binding.definition, resolver  # type: ignore[return-value]
        if binding is None or binding.kind != "import":
            return None
    elif isinstance(func, ast.Attribute):
        owner = class_of_receiver(func.value)
        if owner is not None:
            method = method_of(owner, func.attr)
            return (method, resolver) if method is not None else None
    else:
        return None
    if resolver.find_function is None:
        return None
    qualified = resolver.qualified_name(func)
    if qualified is None or qualified.startswith(_NOT_PROJECT):
        return None
    found = resolver.find_function(qualified)
    return found if found is not None and isinstance(found[0], _FUNCTIONS) else None


def class_of_receiver(receiver: ast.expr) -> ast.ClassDef | None:
    """The class whose method `receiver` (`self` or `cls`, its first parameter) belongs to."""
    if not isinstance(receiver, ast.Name):
        return None
    binding = receiver._dl_scope.lookup(receiver.id)  # type: ignore[attr-defined]
    if binding is None or binding.kind != "param" or not isinstance(binding.definition, _FUNCTIONS):
        return None
    method = binding.definition
    params = [*method.args.posonlyargs, *method.args.args]
    if not params or params[0].arg != receiver.id:
        return None
    owner = method._dl_parent  # type: ignore[attr-defined]
    if not isinstance(owner, ast.ClassDef):
        return None
    if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list):
        return None
    return owner


def class_of_instance(expr: ast.expr) -> ast.ClassDef | None:
    """The project class of `self`, of `Service(...)` of a class in this module, or of a name bound to it."""
    owner = class_of_receiver(expr)
    if owner is not None:
        return owner
    made = expr
    if isinstance(expr, ast.Name):
        binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
        if binding is None or binding.kind != "assign" or len(binding.values) != 1:
            return None
        made = binding.values[0]
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return None
    made_by = made.func._dl_scope.lookup(made.func.id)  # type: ignore[attr-defined]
    if made_by is None or made_by.kind != "class":
        return None
    return made_by.definition  # type: ignore[return-value]


def method_of(owner: ast.ClassDef, name: str) -> ast.AST | None:
    for statement in owner.body:
        if isinstance(statement, _FUNCTIONS) and statement.name == name:
            return statement
    return None


def _property(resolver: Resolver, owner: ast.ClassDef, name: str) -> ast.AST | None:
    method = method_of(owner, name)
    for decorator in getattr(method, "decorator_list", ()):
        if resolver.qualified_name(decorator) in _PROPERTIES or (
            isinstance(decorator, ast.Name) and decorator.id in _PROPERTIES
        ):
            return method
    return None


def assigned_attributes(owner: ast.ClassDef) -> dict[str, list[ast.expr]]:
    """attr -> values, from class-level assignments and `self.attr = ...` in its methods (cached)."""
    cached = getattr(owner, "_dl_attributes", None)
    if cached is None:
        cached = owner._dl_attributes = _assigned_attributes(owner)  # type: ignore[attr-defined]
    return cached


def _assigned_attributes(owner: ast.ClassDef) -> dict[str, list[ast.expr]]:
    table: dict[str, list[ast.expr]] = {}
    for statement in owner.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    table.setdefault(target.id, []).append(statement.value)
    for method in owner.body:
        if not isinstance(method, _FUNCTIONS):
            continue
        params = [*method.args.posonlyargs, *method.args.args]
        if not params:
            continue
        receiver = params[0].arg
        for node in own_code(method.body):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == receiver:
                        table.setdefault(target.attr, []).append(node.value)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute):
                table.setdefault(node.target.attr, []).append(node.target)  # unknown value
    return table
