"""What kind of value an expression holds, as far as DUR301, DUR403 and DUR801 need it.

Kinds are short strings: "set", "frozenset", "str", "bytes", "int", "float", "bool",
"none", "tuple", "list", "dict", "generator", "lambda", "file", "instance". None means
unknown. Most answers come from the syntax and the module's bindings (literals,
comprehensions, constructor calls, set operators, variables, annotations, the return
statements of local and project functions). What that cannot see (attributes set in
`__init__`, values returned through libraries) is asked of astroid, lazily: the module
is parsed by astroid only the first time a question reaches it, and the tree is cached.
"""

from __future__ import annotations

import ast
from functools import cached_property
from typing import TYPE_CHECKING

from durable_lint.scopes import own_code

if TYPE_CHECKING:
    from durable_lint.module import DurableModule

SET_KINDS = frozenset({"set", "frozenset"})
_SET_METHODS = frozenset({"union", "intersection", "difference", "symmetric_difference", "copy"})
_STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "title", "casefold", "format",
                          "replace", "join", "removeprefix", "removesuffix", "zfill", "capitalize"})
_CONSTRUCTORS = {
    "builtins.set": "set", "builtins.frozenset": "frozenset", "builtins.str": "str", "builtins.repr": "str",
    "builtins.format": "str", "builtins.bytes": "bytes", "builtins.int": "int", "builtins.len": "int",
    "builtins.float": "float", "builtins.bool": "bool", "builtins.tuple": "tuple", "builtins.list": "list",
    "builtins.sorted": "list", "builtins.dict": "dict", "builtins.open": "file", "io.open": "file",
}
_ANNOTATIONS = {
    "set": "set", "frozenset": "frozenset", "Set": "set", "AbstractSet": "set", "MutableSet": "set",
    "FrozenSet": "frozenset", "str": "str", "bytes": "bytes", "int": "int", "float": "float", "bool": "bool",
    "list": "list", "List": "list", "dict": "dict", "Dict": "dict", "tuple": "tuple", "Tuple": "tuple",
    "Iterator": "generator", "Generator": "generator",
}
_ASTROID_TYPES = {
    "builtins.set": "set", "builtins.frozenset": "frozenset", "builtins.str": "str", "builtins.bytes": "bytes",
    "builtins.int": "int", "builtins.float": "float", "builtins.bool": "bool", "builtins.NoneType": "none",
    "builtins.tuple": "tuple", "builtins.list": "list", "builtins.dict": "dict", "builtins.generator": "generator",
    "builtins.function": "lambda",
}
_SERDES_SAFE_BASES = frozenset(
    {"builtins.dict", "builtins.list", "builtins.tuple", "builtins.str", "builtins.int", "builtins.float",
     "builtins.bytes", "typing.NamedTuple", "enum.StrEnum", "enum.IntEnum", "typing.TypedDict"}
)
_MAX_DEPTH = 6


class Inference:
    """Kinds of expressions in one module (memoised per node)."""

    def __init__(self, module: DurableModule) -> None:
        self._module = module
        self._cache: dict[int, str | None] = {}
        self._in_progress: set[int] = set()

    def kind(self, expr: ast.AST, depth: int = 0) -> str | None:
        key = id(expr)
        if key in self._cache:
            return self._cache[key]
        if key in self._in_progress or depth > _MAX_DEPTH:
            return None
        self._in_progress.add(key)
        try:
            found = self._syntactic(expr, depth)
            if found is None and isinstance(expr, (ast.Name, ast.Attribute, ast.Call)):
                found = self._astroid(expr)
        finally:
            self._in_progress.discard(key)
        self._cache[key] = found
        return found

    def element_kinds(self, expr: ast.AST) -> set[str | None]:
        """Kinds of the elements of a set expression, where the syntax shows them."""
        if isinstance(expr, ast.Set):
            return {self.kind(e) for e in expr.elts}
        if isinstance(expr, ast.SetComp):
            return {self.kind(expr.elt)}
        if isinstance(expr, ast.Name):
            binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "assign" and binding.values:
                return set().union(*(self.element_kinds(v) for v in binding.values))
        if isinstance(expr, ast.BinOp):
            return self.element_kinds(expr.left) | self.element_kinds(expr.right)
        return {None}

    # -- syntax ---------------------------------------------------------------------

    def _syntactic(self, expr: ast.AST, depth: int) -> str | None:
        match expr:
            case ast.Set() | ast.SetComp():
                return "set"
            case ast.Constant(value=value):
                return _constant_kind(value)
            case ast.JoinedStr():
                return "str"
            case ast.Tuple():
                return "tuple"
            case ast.List() | ast.ListComp():
                return "list"
            case ast.Dict() | ast.DictComp():
                return "dict"
            case ast.GeneratorExp():
                return "generator"
            case ast.Lambda():
                return "lambda"
            case ast.BinOp(op=ast.BitOr() | ast.BitAnd() | ast.Sub() | ast.BitXor()):
                sides = {self.kind(expr.left, depth + 1), self.kind(expr.right, depth + 1)}
                return next((k for k in ("frozenset", "set") if k in sides and sides <= SET_KINDS | {None, k}), None)
            case ast.Name():
                return self._name_kind(expr, depth)
            case ast.Call():
                return self._call_kind(expr, depth)
        return None

    def _name_kind(self, name: ast.Name, depth: int) -> str | None:
        binding = name._dl_scope.lookup(name.id)  # type: ignore[attr-defined]
        if binding is None:
            return None
        if binding.kind == "param" and binding.annotation is not None:
            return annotation_kind(binding.annotation)
        if binding.kind == "assign" and binding.values:
            kinds = {self.kind(value, depth + 1) for value in binding.values}
            return kinds.pop() if len(kinds) == 1 else None
        return None

    def _call_kind(self, call: ast.Call, depth: int) -> str | None:
        module = self._module
        path = module.call_path(call.func)
        if path in _CONSTRUCTORS:
            return _CONSTRUCTORS[path]
        if isinstance(call.func, ast.Attribute):
            receiver = self.kind(call.func.value, depth + 1)
            if receiver in SET_KINDS and call.func.attr in _SET_METHODS:
                return receiver
            if receiver in ("str", None) and call.func.attr in _STR_METHODS:
                return "str"  # also on an unknown receiver: these are (almost only) str methods
        target = module.roles.function_for(call.func)
        if isinstance(target, ast.ClassDef):
            return None
        if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.returns(target, depth + 1)
        if isinstance(call.func, ast.Name):
            binding = call.func._dl_scope.lookup(call.func.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "class" and self._is_user_class(binding.definition):
                return "instance"
        return None

    def returns(self, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int = 0) -> str | None:
        """The kind a function returns: its annotation, or the one kind all its returns agree on."""
        if function.returns is not None:
            annotated = annotation_kind(function.returns)
            if annotated is not None:
                return annotated
        values = own_returns(function)
        if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(function)):
            return "generator"
        kinds = {self.kind(value, depth + 1) if value is not None else "none" for value in values}
        return kinds.pop() if len(kinds) == 1 else None

    def _is_user_class(self, definition: ast.AST | None) -> bool:
        """A class of this module whose instances the SDK's default serdes cannot encode."""
        if not isinstance(definition, ast.ClassDef):
            return False
        for base in definition.bases:
            name = self._module.resolver.qualified_name(base)
            if name is None or name in _SERDES_SAFE_BASES or name.startswith("enum."):
                return False
        return True

    # -- astroid --------------------------------------------------------------------

    @cached_property
    def _astroid_nodes(self) -> dict[tuple[int, int, str], object]:
        """astroid's nodes of this module by (line, column, class name), parsed on first use."""
        import astroid

        try:
            tree = astroid.parse(self._module.source if self._module.source is not None else ast.unparse(self._module.tree))
        except (astroid.AstroidSyntaxError, RecursionError, ValueError):
            return {}
        index: dict[tuple[int, int, str], object] = {}
        for node in tree.nodes_of_class((astroid.nodes.Name, astroid.nodes.Attribute, astroid.nodes.Call)):
            index.setdefault((node.lineno, node.col_offset, type(node).__name__), node)
        return index

    def _astroid(self, expr: ast.AST) -> str | None:
        import astroid

        counterpart = self._astroid_nodes.get(
            (expr.lineno, expr.col_offset, {"Name": "Name", "Attribute": "Attribute", "Call": "Call"}[type(expr).__name__])  # type: ignore[attr-defined]
        )
        if counterpart is None:
            return None
        kinds = set()
        try:
            for value in counterpart.infer():  # type: ignore[attr-defined]
                if value is astroid.Uninferable:
                    return None
                kinds.add(_ASTROID_TYPES.get(value.pytype()))
                if len(kinds) > 1:
                    return None
        except (astroid.AstroidError, RecursionError, StopIteration, TypeError, AttributeError):
            return None
        return kinds.pop() if kinds else None


def annotation_kind(annotation: ast.expr) -> str | None:
    """`set[str]` -> "set", `Optional[...]` and unions -> None."""
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    if isinstance(annotation, ast.Attribute):
        return _ANNOTATIONS.get(annotation.attr)
    if isinstance(annotation, ast.Name):
        return _ANNOTATIONS.get(annotation.id)
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return _ANNOTATIONS.get(annotation.value.split("[")[0].split(".")[-1])
    return None


def _constant_kind(value: object) -> str | None:
    if value is None:
        return "none"
    return {str: "str", bytes: "bytes", int: "int", float: "float", bool: "bool", complex: "float"}.get(type(value))


def own_nodes(function: ast.AST) -> list[ast.AST]:
    """Nodes of a function's body, not entering nested functions, lambdas or classes."""
    return list(own_code(getattr(function, "body", [])))


def own_returns(function: ast.AST) -> list[ast.expr | None]:
    """The values of a function's own return statements (None for a bare `return`)."""
    returns = [node.value for node in own_nodes(function) if isinstance(node, ast.Return)]
    return returns or [None]
