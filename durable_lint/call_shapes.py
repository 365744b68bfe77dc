"""Shapes of calls into the SDK that the roles and DUR901 both read.

`context.parallel(f1, f2)` passes branches where one sequence belongs, and
`context.map(func, items)` swaps the SDK's `(inputs, func)`: roles classify the
functions the author meant, DUR901 reports the shape.
"""

from __future__ import annotations

import ast

from durable_lint import sdk


def positional_or_keyword(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    """The argument passed at `index` or as `keyword=`, if any."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def is_method(function: ast.AST) -> bool:
    """A def in a class body that receives its instance (or class) first."""
    if not isinstance(function._dl_parent, ast.ClassDef):  # type: ignore[attr-defined]
        return False
    decorators = getattr(function, "decorator_list", ())
    return not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in decorators)


def parallel_branches(call: ast.Call) -> list[ast.expr]:
    """The branches of `context.parallel(...)`: its `functions` sequence, or, in the broken
    shape `context.parallel(f1, f2, f3)`, every positional argument (DUR901 reports it)."""
    functions = positional_or_keyword(call, *sdk.PARALLEL_CALLABLES_ARG)
    if functions is None:
        return []
    if positionally_passed_branches(call):
        return list(call.args)
    return [functions]


def positionally_passed_branches(call: ast.Call) -> bool:
    """`context.parallel(f1, f2)`: a lambda or a name of a def where the list belongs."""
    return bool(call.args) and names_function(call.args[0])


def names_function(expr: ast.expr) -> bool:
    """Is `expr` a lambda or the name of a def (not a sequence of them)?"""
    if isinstance(expr, ast.Lambda):
        return True
    if isinstance(expr, ast.Name):
        binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
        return binding is not None and binding.kind == "def"
    return False
