"""What kind of value an expression holds, as far as DUR301, DUR403 and DUR801 need it.

Kinds are short strings: "set", "frozenset", "str", "bytes", "int", "float", "bool",
"none", "tuple", "list", "dict", "generator", "lambda", "file", "instance". None means
unknown. Most answers come from the syntax and the module's bindings (literals,
comprehensions, constructor calls, set operators, variables, annotations, the return
statements of the module's functions, attributes and methods of the module's classes).
What libraries return comes from a table (library.py): no library, standard module or
SDK source is ever read, so a file costs the same whatever it imports. Anything else is
unknown, and the rules stay quiet about unknown values.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from durable_lint.library import SDK_FACTORY_DECORATORS, library_kind, member_kind
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
            case ast.Attribute():
                return self._attribute_kind(expr, depth)
            case ast.Subscript(slice=ast.Constant(value=key)):
                return member_kind(self._module.call_path(expr.value), key)
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
            return self._agreed(binding.values, depth)
        if binding.kind == "def":
            return "lambda"  # a function, as a value
        return None

    def _agreed(self, values: list[ast.expr], depth: int) -> str | None:
        """The one kind all `values` have, or None."""
        kinds = {self.kind(value, depth + 1) for value in values}
        return kinds.pop() if len(kinds) == 1 else None

    def _attribute_kind(self, attribute: ast.Attribute, depth: int) -> str | None:
        """`tracker.seen`: what the methods of this module's class assign to `self.seen`, or its property."""
        owner = self._instance_class(attribute.value, depth)
        if owner is None:
            return None
        member = _class_member(owner, attribute.attr)
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
            is_property = any(_decorator_name(d) in ("property", "cached_property") for d in member.decorator_list)
            return self.returns(member, depth + 1) if is_property else "lambda"
        annotations, values = _attribute_assignments(owner, attribute.attr)
        kinds = {annotation_kind(annotation) for annotation in annotations}
        if kinds and None not in kinds:
            return kinds.pop() if len(kinds) == 1 else None
        return self._agreed(values, depth) if values else None

    def _instance_class(self, expr: ast.expr, depth: int) -> ast.ClassDef | None:
        """The class of this module whose instance `expr` is: `Tracker()`, a name bound to it, or `self`."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
            binding = expr.func._dl_scope.lookup(expr.func.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "class" and isinstance(binding.definition, ast.ClassDef):
                return binding.definition
            return None
        if not isinstance(expr, ast.Name):
            return None
        binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
        if binding is None:
            return None
        if binding.kind == "assign" and binding.values:
            classes = {self._instance_class(value, depth + 1) for value in binding.values}
            return classes.pop() if len(classes) == 1 else None
        if binding.kind == "param":
            return _self_class(binding.definition, expr.id)
        return None

    def _call_kind(self, call: ast.Call, depth: int) -> str | None:
        module = self._module
        path = module.call_path(call.func)
        if path in _CONSTRUCTORS:
            return _CONSTRUCTORS[path]
        known = library_kind(path)
        if known is not None:
            return known
        if isinstance(call.func, ast.Attribute):
            receiver = self.kind(call.func.value, depth + 1)
            if receiver in SET_KINDS and call.func.attr in _SET_METHODS:
                return receiver
            if receiver in ("str", None) and call.func.attr in _STR_METHODS:
                return "str"  # also on an unknown receiver: these are (almost only) str methods
            owner = self._instance_class(call.func.value, depth + 1)
            method = _class_member(owner, call.func.attr) if owner is not None else None
            if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return self.returns(method, depth + 1)
        target = module.roles.function_for(call.func)
        if isinstance(target, ast.ClassDef):
            return None
        if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(module.resolver.qualified_name(d) in SDK_FACTORY_DECORATORS for d in target.decorator_list):
                return "lambda"  # `charge(order)` of a @durable_step function makes the step's callable
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


def _class_member(owner: ast.ClassDef, name: str) -> ast.AST | None:
    """The def of that name in the class body (the last one wins, as in Python)."""
    found = None
    for statement in owner.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
            found = statement
    return found


def _attribute_assignments(owner: ast.ClassDef, name: str) -> tuple[list[ast.expr], list[ast.expr]]:
    """Annotations and values given to `name`: in the class body, and to `self.name` in its methods."""
    annotations: list[ast.expr] = []
    values: list[ast.expr] = []
    for statement in owner.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.target.id == name:
            annotations.append(statement.annotation)
        elif isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in statement.targets):
            values.append(statement.value)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _self_name(statement):
            for node in own_code(statement.body):
                if isinstance(node, ast.AnnAssign) and _is_self_attribute(node.target, statement, name):
                    annotations.append(node.annotation)
                elif isinstance(node, ast.Assign) and any(_is_self_attribute(t, statement, name) for t in node.targets):
                    values.append(node.value)
    return annotations, values


def _is_self_attribute(target: ast.expr, method: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    return (isinstance(target, ast.Attribute) and target.attr == name
            and isinstance(target.value, ast.Name) and target.value.id == _self_name(method))


def _self_name(method: ast.AST) -> str | None:
    """The name of an instance method's first parameter (None for static and class methods)."""
    if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if any(_decorator_name(d) in ("staticmethod", "classmethod") for d in method.decorator_list):
        return None
    positional = [*method.args.posonlyargs, *method.args.args]
    return positional[0].arg if positional else None


def _self_class(function: ast.AST | None, parameter: str) -> ast.ClassDef | None:
    """The class whose method `function` is, if `parameter` is its `self`."""
    if function is None or _self_name(function) != parameter:
        return None
    parent = function._dl_parent  # type: ignore[attr-defined]
    return parent if isinstance(parent, ast.ClassDef) else None


def _decorator_name(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return decorator.id if isinstance(decorator, ast.Name) else None


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
