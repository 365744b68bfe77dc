"""The shape of a DUR rule: one small class whose docstring is its documentation.

A rule declares its code, name and one-line message, carries VALID and INVALID
example modules (the test suite runs every one of them: in an INVALID example each
line that must be reported ends with `# <- CODE`), and yields `Report`s from
`check`. Subclassing registers the rule.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from durable_lint.module import DurableModule
from durable_lint.resolve import source_of

_REGISTRY: dict[str, type[Rule]] = {}


@dataclass(frozen=True)
class Report:
    """A finding as a rule produces it: where, and what to say."""

    node: ast.AST
    message: str
    covers: tuple[ast.AST, ...] = ()  # nodes whose own findings this one makes redundant


class Rule:
    """Base class of every DUR rule."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]  # one line, what and why; `{subject}` is filled in per finding
    default_enabled: ClassVar[bool] = True
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("code")
        if code is not None:
            if code in _REGISTRY:
                raise RuntimeError(f"rule code {code} is defined twice")
            _REGISTRY[code] = cls

    def check(self, module: DurableModule) -> Iterator[Report]:
        raise NotImplementedError

    def report(self, node: ast.AST, subject: str, **details: object) -> Report:
        return Report(node, self.message.format(subject=subject, **details))

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


class CallRule(Rule):
    """A rule that flags calls in orchestration code by call path.

    `calls` are regular expressions matched against the whole call path (see
    durable_lint.resolve), e.g. `time\\.time` or `boto3\\.client\\(\\)\\.\\w+`.
    Override `matches` to look at the arguments.
    """

    calls: ClassVar[tuple[str, ...]] = ()
    _pattern: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.calls:
            cls._pattern = re.compile("|".join(f"(?:{c})" for c in cls.calls))

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        return True

    def check(self, module: DurableModule) -> Iterator[Report]:
        for call in module.orchestration_calls:
            path = module.call_path(call.func)
            if path is not None and self._pattern.fullmatch(path) and self.matches(call, path, module):
                yield self.report(call, describe_call(call, path))


def describe_call(call: ast.Call, path: str) -> str:
    """`time.time()`, or `tick()` (time.perf_counter) when the spelling hides the origin."""
    written = source_of(call.func)
    shown = path.replace("()", "(...)").removeprefix("builtins.")
    if written == shown or written == path:
        return f"{written}()"
    return f"{written}() ({shown})"


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by code, in code order."""
    import durable_lint.rules  # noqa: F401  (importing registers the rules)

    return dict(sorted(_REGISTRY.items()))
