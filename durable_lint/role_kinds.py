"""The vocabulary of roles: what a function is (orchestration or step code), why, and
the names a team adds to the SDK's own. durable_lint.roles computes the roles of a module.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Sequence
from typing import NamedTuple


class Role(enum.Enum):
    ORCHESTRATION = "orchestration"
    STEP = "step"


class FunctionRole:
    """Why a function is orchestration or step code, and its DurableContext parameters.

    A plain class with slots, not a dataclass, for the reason given on scopes.Binding.
    """

    __slots__ = ("role", "reason", "context_params", "own_context", "replayed", "declared")

    def __init__(self, role: Role, reason: str, context_params: set[str] | None = None, own_context: bool = False,
                 replayed: bool = True, declared: bool = False) -> None:
        self.role = role
        self.reason = reason
        self.context_params = context_params if context_params is not None else set()
        self.own_context = own_context  # receives a DurableContext of its own (handler, child, branch)
        self.replayed = replayed  # False for a context function that never issues an operation
        # Set by a decorator. A role that comes from being passed to the SDK belongs to that
        # use only: a direct call elsewhere runs the body as part of the caller's code.
        self.declared = declared

    def __repr__(self) -> str:
        return f"FunctionRole({self.role}, {self.reason!r})"


def context_parameters(function: ast.AST, passed: Sequence[ast.expr], keywords: Sequence[ast.keyword],
                       is_context: Callable[[ast.expr], bool]) -> set[str]:
    """Names of `function`'s parameters that receive a DurableContext from these arguments."""
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    names = {positional[i] for i, arg in enumerate(passed) if i < len(positional) and is_context(arg)}
    by_keyword = {a.arg for a in (*args.args, *args.kwonlyargs)}
    names |= {kw.arg for kw in keywords if kw.arg in by_keyword and is_context(kw.value)}
    return names




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
