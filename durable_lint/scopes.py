"""Python scopes and name bindings for one module, built in a single iterative walk.

Rules match by what a name resolves to, not by spelling: `from time import
perf_counter as tick` makes `tick()` a clock read, while a local `time = Clock()`
makes `time.time()` a method call on a local object. This module records every
binding (imports, parameters, assignments, definitions) per scope and resolves a
name the way Python does (LEGB, class scopes invisible to nested functions,
`global` and `nonlocal`).

Each AST node gets two attributes, `_dl_scope` (the scope its code runs in) and
`_dl_parent`; the walk is iterative so deeply nested expressions cannot overflow
the interpreter stack here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Literal

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
BindingKind = Literal["import", "param", "def", "class", "assign", "other"]
ScopeKind = Literal["module", "function", "class"]


class Binding:
    """One name bound in one scope, with what it was bound to.

    Binding and Scope are plain classes with slots, not dataclasses: a lint makes
    thousands of them, and a dataclass compiles its methods when the module is imported,
    which every one-file run (an editor save, a flake8 process) pays.
    """

    __slots__ = ("name", "scope", "kind", "imported", "values", "definition", "annotation")

    def __init__(self, name: str, scope: Scope, kind: BindingKind, imported: str | None = None,
                 values: list[ast.expr] | None = None, definition: ast.AST | None = None,
                 annotation: ast.expr | None = None) -> None:
        self.name = name
        self.scope = scope
        self.kind = kind
        self.imported = imported  # the qualified name, for imports
        self.values = values if values is not None else []  # right-hand sides, for assignments
        self.definition = definition  # the def/class node, or the function owning a param
        self.annotation = annotation

    def __repr__(self) -> str:
        return f"Binding({self.name!r}, {self.kind}, imported={self.imported!r})"


class Scope:
    """A module, function, lambda or class body."""

    __slots__ = ("node", "parent", "kind", "bindings", "global_names", "nonlocal_names", "fallbacks")

    def __init__(self, node: ast.AST, parent: Scope | None, kind: ScopeKind) -> None:
        self.node = node
        self.parent = parent
        self.kind = kind
        self.bindings: dict[str, Binding] = {}
        self.global_names: set[str] = set()
        self.nonlocal_names: set[str] = set()
        self.fallbacks: set[Binding] = set()  # bound in `except ImportError:`

    def __repr__(self) -> str:
        return f"Scope({self.kind}, {len(self.bindings)} bindings)"

    def module_scope(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def bind(self, name: str, kind: BindingKind, *, fallback: bool = False, **details: object) -> Binding:
        """Record a binding; a name bound twice keeps every assigned value.

        A `fallback` binding is made in an `except ImportError:` handler: it stands in
        for an import that failed, so the import is what the name means.
        """
        if name in self.global_names and self.parent is not None:
            return self.module_scope().bind(name, kind, fallback=fallback, **details)
        existing = self.bindings.get(name)
        if existing is not None and existing.kind == "import" and fallback:
            return existing
        if existing is not None and kind == "import" and existing in self.fallbacks:
            existing = None  # the fallback came first in the file; the import still wins
        if existing is not None:
            if kind == "assign" and existing.kind == "assign":
                existing.values.extend(details.get("values", []))  # type: ignore[arg-type]
            elif kind != existing.kind or details.get("imported") != existing.imported:
                # Bound to different kinds of thing: nothing can be said of it.
                existing.kind, existing.imported, existing.values = "other", None, []
            return existing
        binding = Binding(name, self, kind, **details)  # type: ignore[arg-type]
        self.bindings[name] = binding
        if fallback:
            self.fallbacks.add(binding)
        return binding

    def lookup(self, name: str) -> Binding | None:
        """Resolve `name` used in this scope; None means builtin or undefined."""
        if name in self.global_names:
            return self.module_scope().bindings.get(name)
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.bindings:
                if name not in scope.nonlocal_names:
                    return scope.bindings[name]
            first = False
            scope = scope.parent
        return None


def _target_names(target: ast.expr) -> list[ast.Name]:
    stack, names = [target], []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.append(node)
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
    return names


def _bind_assignment(scope: Scope, targets: list[ast.expr], value: ast.expr | None, fallback: bool = False) -> None:
    for target in targets:
        if isinstance(target, ast.Name):
            scope.bind(target.id, "assign", values=[value] if value is not None else [], fallback=fallback)
        elif isinstance(target, (ast.Tuple, ast.List)) and value is not None and all(isinstance(e, ast.Name) for e in target.elts):
            for index, name in enumerate(target.elts):
                scope.bind(name.id, "assign", values=[_element(scope, value, index)], fallback=fallback)  # type: ignore[attr-defined]
        else:
            for name in _target_names(target):
                scope.bind(name.id, "other", fallback=fallback)


def _element(scope: Scope, value: ast.expr, index: int) -> ast.expr:
    """What `a, b = value` binds to its `index`-th name: the literal's element, or `value[index]`."""
    if isinstance(value, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in value.elts):
        return value.elts[index] if index < len(value.elts) else value
    element = ast.copy_location(ast.Subscript(value=value, slice=ast.Constant(index), ctx=ast.Load()), value)
    element._dl_scope = element.slice._dl_scope = scope  # type: ignore[attr-defined]
    element._dl_parent = None  # type: ignore[attr-defined]
    element.slice._dl_parent = element  # type: ignore[attr-defined]
    return element


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def _in_import_fallback(node: ast.AST) -> bool:
    """Is `node` in an `except ImportError:` handler (of its own scope)?

    `try: from sdk import durable_execution` / `except ImportError: def
    durable_execution(f): return f` keeps code importable without the SDK; the
    names still mean the SDK's.
    """
    parent = node._dl_parent  # type: ignore[attr-defined]
    while parent is not None and not isinstance(parent, (*NESTED_SCOPES, ast.Module)):
        if isinstance(parent, ast.ExceptHandler) and parent.type is not None:
            caught = parent.type.elts if isinstance(parent.type, ast.Tuple) else [parent.type]
            if any(isinstance(c, ast.Name) and c.id in _IMPORT_ERRORS for c in caught):
                return True
        parent = parent._dl_parent  # type: ignore[attr-defined]
    return False


def _bind_import(scope: Scope, node: ast.Import | ast.ImportFrom, package: str) -> None:
    fallback = _in_import_fallback(node)
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                scope.bind(alias.asname, "import", imported=alias.name, fallback=fallback)
            else:
                top = alias.name.split(".")[0]
                scope.bind(top, "import", imported=top, fallback=fallback)
        return
    module = node.module or ""
    if node.level:
        base = package.split(".") if package else []
        if node.level > 1:
            base = base[: len(base) - (node.level - 1)] if len(base) >= node.level - 1 else []
        module = ".".join([*base, module] if module else base)
    for alias in node.names:
        if alias.name == "*":
            continue
        imported = f"{module}.{alias.name}" if module else alias.name
        scope.bind(alias.asname or alias.name, "import", imported=imported, fallback=fallback)


def _bind_parameters(scope: Scope, function: ast.AST) -> None:
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = [*args.posonlyargs, *args.args]
    for arg in positional:
        scope.bind(arg.arg, "param", definition=function, annotation=arg.annotation)
    for arg in (args.vararg, *args.kwonlyargs, args.kwarg):
        if arg is not None:
            scope.bind(arg.arg, "param", definition=function, annotation=arg.annotation)


def build_scopes(tree: ast.Module, package: str = "") -> tuple[Scope, dict[type, list[ast.AST]]]:
    """Walk the module once: bind names per scope, annotate nodes, bucket nodes by type.

    `package` is the dotted package of the module, for relative imports.
    """
    module_scope = Scope(tree, None, "module")
    by_type: dict[type, list[ast.AST]] = defaultdict(list)
    tree._dl_scope = module_scope  # type: ignore[attr-defined]
    tree._dl_parent = None  # type: ignore[attr-defined]
    stack: list[tuple[ast.AST, Scope, ast.AST]] = [
        (child, module_scope, tree) for child in reversed(tree.body)
    ]
    while stack:
        node, scope, parent = stack.pop()
        node._dl_scope = scope  # type: ignore[attr-defined]
        node._dl_parent = parent  # type: ignore[attr-defined]
        by_type[type(node)].append(node)
        pending: list[tuple[ast.AST, Scope]] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = Scope(node, scope, "function")
            node._dl_inner = inner  # type: ignore[attr-defined]
            _bind_parameters(inner, node)
            args = node.args
            pending += [(d, scope) for d in args.defaults]
            pending += [(d, scope) for d in args.kw_defaults if d is not None]
            if isinstance(node, ast.Lambda):
                pending.append((node.body, inner))
            else:
                scope.bind(node.name, "def", definition=node, fallback=_in_import_fallback(node))
                pending += [(d, scope) for d in node.decorator_list]
                pending += [(a, scope) for a in _annotations(node)]
                pending += [(s, inner) for s in node.body]
        elif isinstance(node, ast.ClassDef):
            inner = Scope(node, scope, "class")
            node._dl_inner = inner  # type: ignore[attr-defined]
            scope.bind(node.name, "class", definition=node, fallback=_in_import_fallback(node))
            pending += [(d, scope) for d in (*node.decorator_list, *node.bases)]
            pending += [(k.value, scope) for k in node.keywords]
            pending += [(s, inner) for s in node.body]
        else:
            if type(node) in _BINDING_NODES:
                _bind_statement(node, scope, package)
            stack += [(child, scope, node) for child in reversed(_children(node))]
            continue
        stack += [(child, child_scope, node) for child, child_scope in reversed(pending)]
    return module_scope, by_type


# Nodes that may bind a name in their scope (the others are only walked through).
_BINDING_NODES = frozenset({
    ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
    ast.comprehension, ast.withitem, ast.NamedExpr, ast.ExceptHandler, ast.Global, ast.Nonlocal,
    ast.MatchAs, ast.MatchStar, ast.MatchMapping,
})


# Fields that hold no node worth a visit: `ctx`, `op` and `ops` hold the parser's shared
# singletons (one `Load()` for every load in the program), the others hold strings.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind", "id", "attr", "name", "arg", "module"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` as a list, without its generators and without the operator and
    context singletons: this walk is most of a lint's time."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _SKIPPED_FIELDS)
    children: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children += [item for item in value if isinstance(item, ast.AST)]
    return children


def _annotations(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    found = [a.annotation for a in every if a is not None and a.annotation is not None]
    return found + ([function.returns] if function.returns is not None else [])


def _bind_statement(node: ast.AST, scope: Scope, package: str) -> None:
    """Record the bindings a non-scope node introduces in `scope`."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        _bind_import(scope, node, package)
    elif isinstance(node, ast.Assign):
        _bind_assignment(scope, node.targets, node.value, _in_import_fallback(node))
    elif isinstance(node, ast.AnnAssign):
        _bind_assignment(scope, [node.target], node.value, _in_import_fallback(node))
    elif isinstance(node, ast.AugAssign):
        _bind_assignment(scope, [node.target], None)
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        _bind_assignment(scope, [node.target], None)
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        # `with open(p) as f`, `with Session(engine) as s`: most context managers
        # return themselves, so `f` comes from what `open(p)` made.
        _bind_assignment(scope, [node.optional_vars], node.context_expr)
    elif isinstance(node, ast.NamedExpr):
        _bind_assignment(scope, [node.target], node.value)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        scope.bind(node.name, "other")
    elif isinstance(node, ast.Global):
        scope.global_names.update(node.names)
    elif isinstance(node, ast.Nonlocal):
        scope.nonlocal_names.update(node.names)
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        scope.bind(node.name, "other")
    elif isinstance(node, ast.MatchMapping) and node.rest:
        scope.bind(node.rest, "other")


def own_code(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """`nodes` and everything inside them, without entering nested functions, lambdas or classes
    (the nested definition itself is yielded, its body is not: it runs elsewhere, or later)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, NESTED_SCOPES):
            stack += _children(node)


def enclosing_function(node: ast.AST) -> ast.AST | None:
    """The function or lambda whose body contains `node` (None at module level)."""
    scope: Scope | None = node._dl_scope  # type: ignore[attr-defined]
    while scope is not None and scope.kind == "class":
        scope = scope.parent
    if scope is None or scope.kind == "module":
        return None
    return scope.node
