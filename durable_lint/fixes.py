"""Safe autofixes, the analysis side: what a rule proposes (a `Fix`) and where a fix is safe.

Analysis runs on `ast`; a fix names the node it replaces by its source span, and
durable_lint.apply_fixes finds that node in the LibCST tree of the same source, so
the edit keeps every comment and all formatting around it. A rule proposes a fix
only where the rewrite keeps the program valid and its behaviour on a straight run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from durable_lint.module import DurableModule

FixKind = Literal["wrap-step", "sorted", "sleep-to-wait", "lambda-param"]


@dataclass(frozen=True)
class Fix:
    """A proposed rewrite of the expression at a span (lines 1-based, columns UTF-8 byte offsets as in ast)."""

    kind: FixKind
    start: tuple[int, int]
    end: tuple[int, int]
    context: str = ""  # the DurableContext name in scope, for wrap-step and sleep-to-wait
    step_name: str = ""  # the operation name wrap-step gives the new step
    duration: str = "Duration"  # the name sleep-to-wait calls for the SDK's Duration


def span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    """A node's (start, end) as (line, character column); ast columns are UTF-8 byte offsets."""
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def describe(fix: Fix) -> str:
    """What applying the fix does, for text and JSON output."""
    if fix.kind == "wrap-step":
        return f"wrap in {fix.context}.step(lambda _: ..., name=\"{fix.step_name}\")"
    if fix.kind == "sorted":
        return "wrap in sorted(...)"
    if fix.kind == "sleep-to-wait":
        return f"replace with {fix.context}.wait({fix.duration}.from_seconds(...))"
    return "add the StepContext parameter: lambda _: ..."


def straight_line_context(module: DurableModule, node: ast.AST) -> str | None:
    """The DurableContext name to use for a fix at `node`, or None where a fix is unsafe.

    Safe means: replayed orchestration code that receives exactly one context, the
    name still denotes that parameter at `node`, and `node` runs exactly once per
    run of its function: not in a loop, a comprehension, a lambda or a `finally`.
    The rewrite must also be writable: not inside an f-string (whose inner positions
    Python reports unreliably), and nothing in `node` that a `lambda _:` around it
    would change (`await`, `yield`, `:=`, or a name `_` the parameter would shadow).
    """
    owner = module.code_owner(node)
    role = module.roles.role_of(owner) if owner is not None else None
    if role is None or not module.is_replayed_orchestration(owner) or len(role.context_params) != 1:
        return None
    if in_fstring(module, node) or any(_changes_inside_lambda(inner) for inner in ast.walk(node)):
        return None
    child, parent = node, module.parent(node)
    while parent is not None and parent is not owner:
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While, ast.Lambda, ast.ListComp, ast.SetComp,
                               ast.DictComp, ast.GeneratorExp, ast.comprehension)):
            return None
        if isinstance(parent, (ast.Try, ast.TryStar)) and child in parent.finalbody:
            return None
        child, parent = parent, module.parent(parent)
    [context] = role.context_params
    binding = node._dl_scope.lookup(context)  # type: ignore[attr-defined]
    return context if binding is not None and binding.definition is owner else None


def in_fstring(module: DurableModule, node: ast.AST) -> bool:
    """Is `node` part of an f-string? Python 3.11 gives unreliable spans there, so no fix."""
    parent = module.parent(node)
    while parent is not None:
        if isinstance(parent, ast.JoinedStr):
            return True
        parent = module.parent(parent)
    return False


def _changes_inside_lambda(node: ast.AST) -> bool:
    return isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) or (
        isinstance(node, ast.Name) and node.id == "_"
    )


def duration_name(module: DurableModule, node: ast.AST) -> str | None:
    """The name that denotes the SDK's `Duration` at `node` once the fix has run, or None.

    An existing module-level import is used as written (`Duration as D` gives `D`);
    otherwise `Duration`, which the fix imports, but only if no scope around `node`
    binds `Duration` to anything else (a local `Duration` would make the new call
    raise UnboundLocalError or call the wrong thing).
    """
    from durable_lint.sdk import canonical_name, sdk

    wanted = sdk("Duration")
    scope = node._dl_scope  # type: ignore[attr-defined]

    def is_sdk_duration(binding: object) -> bool:
        return (
            binding is not None
            and binding.kind == "import"  # type: ignore[attr-defined]
            and binding.scope.kind == "module"  # type: ignore[attr-defined]
            and canonical_name(binding.imported or "") == wanted  # type: ignore[attr-defined]
        )

    for name, binding in sorted(module.scope.bindings.items()):
        if is_sdk_duration(binding) and scope.lookup(name) is binding:
            return name
    return "Duration" if scope.lookup("Duration") is None else None


def step_name_for(module: DurableModule, call: ast.Call, path: str) -> str:
    """A readable operation name: the assigned variable, or the function called."""
    parent = module.parent(call)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        base = parent.targets[0].id
    elif isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        base = parent.target.id
    else:
        base = path.rsplit(".", 1)[-1]
    return base.strip("_").replace("_", "-") or "value"
