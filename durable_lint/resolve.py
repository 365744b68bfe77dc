"""Resolve expressions to the qualified names and call paths that rules match on.

A *call path* spells where a value comes from in terms of imported names:
`time.time` for `from time import time as now; now`, `boto3.client().put_object`
for `s3.put_object` after `s3 = boto3.client("s3")`, `pathlib.Path().iterdir`
for `Path(d).iterdir`. Names bound to parameters, local classes and local
functions have no call path: nothing is known about them, so nothing is reported.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

from durable_lint.sdk import SDK_MODULE, canonical_name
from durable_lint.summaries import attribute_values, element_values, helper_returns

BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_DEPTH = 12


# The project function a qualified name denotes, with the resolver of its module.
FunctionFinder = Callable[[str], "tuple[ast.AST, Resolver] | None"]
# The name outside the project that a project module re-exports under a qualified name.
ReexportFinder = Callable[[str], "str | None"]


class Resolver:
    """Call paths for the expressions of one module (memoised per node).

    Values keep their call path where the project passes them on: the value of
    `get_table()` is what `get_table` returns, `self.table` is what the class
    assigns to it, `s3, table = clients()` unpacks what `clients` returns.
    """

    def __init__(self, calls: list[ast.Call], find_function: FunctionFinder | None = None,
                 find_reexport: ReexportFinder | None = None) -> None:
        self.calls = calls
        self.find_function = find_function
        self._find_reexport = find_reexport

    def sdk_name(self, expr: ast.expr) -> str | None:
        """The qualified name of `expr`, seen through a team module that re-exports the SDK
        (`from myteam.durable import workflow`, where myteam/durable.py imports the SDK's
        `durable_execution as workflow`). Only the project's modules are read."""
        name = self.qualified_name(expr)
        if name is None or name.startswith(SDK_MODULE) or self._find_reexport is None or "." not in name:
            return name
        origin = self._find_reexport(name)
        return canonical_name(origin) if origin is not None and origin.startswith(SDK_MODULE + ".") else name

    def qualified_name(self, expr: ast.expr) -> str | None:
        """The qualified name a Name/Attribute chain denotes, e.g. `datetime.datetime.now`."""
        path = self.call_path(expr)
        if path is None or "(" in path or "[" in path:
            return None
        return path

    def call_path(self, expr: ast.expr) -> str | None:
        cached = getattr(expr, "_dl_path", False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        path = self._path(expr, 0)
        expr._dl_path = path  # type: ignore[attr-defined]
        return path

    def _path(self, expr: ast.expr, depth: int) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            return self._name_path(expr, depth)
        if isinstance(expr, ast.Attribute):
            base = self._path(expr.value, depth + 1)
            if base:
                return f"{base}.{expr.attr}"
            return self._agreed(attribute_values(self, expr), depth)
        if isinstance(expr, ast.Call):
            returned = helper_returns(self, expr)
            if returned is not None:
                values, resolver = returned
                made = resolver._agreed(values, depth)
                if made is not None:
                    return made
            base = self._path(expr.func, depth + 1)
            return f"{base}()" if base else None
        if isinstance(expr, ast.Subscript):
            elements = element_values(self, expr)
            element = elements[1]._agreed(elements[0], depth) if elements is not None else None
            if element is not None:
                return element
            base = self._path(expr.value, depth + 1)
            return f"{base}[]" if base else None
        if isinstance(expr, ast.Await):
            return self._path(expr.value, depth + 1)
        return None

    def _agreed(self, values: list[ast.expr] | None, depth: int) -> str | None:
        """The one call path all of `values` have (`None` constants left out: lazy
        singletons start as None), or None when they differ or one is unknown."""
        known = [v for v in values or () if not (isinstance(v, ast.Constant) and v.value is None)]
        if not known:
            return None
        paths = {self._path(value, depth + 1) for value in known}
        return paths.pop() if len(paths) == 1 else None

    def _name_path(self, name: ast.Name, depth: int) -> str | None:
        binding = name._dl_scope.lookup(name.id)  # type: ignore[attr-defined]
        if binding is None:
            return f"builtins.{name.id}" if name.id in BUILTIN_NAMES else None
        if binding.kind == "import" and binding.imported:
            return canonical_name(binding.imported)
        if binding.kind == "assign" and binding.values:
            return self._agreed(binding.values, depth)
        return None


def source_of(expr: ast.AST, max_length: int = 60) -> str:
    """Short source text of a node for messages."""
    try:
        text = ast.unparse(expr)
    except (RecursionError, ValueError):
        return "<expression>"
    text = " ".join(text.split())
    return text if len(text) <= max_length else text[: max_length - 3] + "..."
