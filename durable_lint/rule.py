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
from typing import ClassVar, NamedTuple

from durable_lint.fixes import Fix, span, step_name_for, straight_line_context
from durable_lint.module import DurableModule, Region
from durable_lint.resolve import source_of

_REGISTRY: dict[str, type[Rule]] = {}


class Report(NamedTuple):
    """A finding as a rule produces it: where, what it is about, and the message's details.

    (A NamedTuple, not a dataclass: a one-file run imports every record type, and a frozen
    dataclass costs five times as much to create.)
    """

    node: ast.AST
    subject: str
    details: tuple[tuple[str, str], ...] = ()
    covers: tuple[ast.AST, ...] = ()  # nodes whose own findings this one makes redundant
    fix: Fix | None = None

    def message(self, rule: type[Rule] | Rule) -> str:
        return rule.message.format(subject=self.subject, **dict(self.details))


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

    # Codes this rule makes redundant at the same node: one finding per site, the
    # more specific rule's.
    supersedes: ClassVar[frozenset[str]] = frozenset()
    # A transferable rule also applies to helper functions that orchestration code
    # calls; its findings there are reported at the call site with the chain.
    transferable: ClassVar[bool] = False

    def check(self, module: DurableModule) -> Iterator[Report]:
        """Reports for the module (by default: its orchestration code)."""
        return self.in_code(module, module.orchestration)

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        raise NotImplementedError

    def report(self, node: ast.AST, subject: str, *, covers: tuple[ast.AST, ...] = (), fix: Fix | None = None,
               **details: str) -> Report:
        return Report(node, subject, tuple(sorted(details.items())), covers, fix)

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


# Building blocks for call path patterns: any attribute/method chain on an object, and
# a pathlib path object reached through such a chain (`Path(d).parent.glob`).
OBJECT_CHAIN = r"(\.\w+(\(\))?)*"
# `name\.` or `(name|other)\.` at the start of a `calls` pattern.
_FIRST_NAME = re.compile(r"(?:(?P<name>\w+)|\((?P<names>\w+(?:\|\w+)*)\))\\\.")
PATH_OBJECT = r"pathlib\.(Pure)?(Posix|Windows)?Path\(\)" + OBJECT_CHAIN


class CallRule(Rule):
    """A rule that flags calls in orchestration code by call path.

    `calls` are regular expressions matched against the whole call path (see
    durable_lint.resolve), e.g. `time\\.time` or `boto3\\.client\\(\\)\\.\\w+`.
    Override `matches` to look at the arguments.
    """

    calls: ClassVar[tuple[str, ...]] = ()
    # Call paths whose value `durable-lint fix` can move into a step: the result must
    # be something the SDK's serdes round-trips unchanged.
    fixable: ClassVar[frozenset[str]] = frozenset()
    transferable = True

    @classmethod
    def _pattern(cls) -> re.Pattern[str]:
        """`calls` as one regular expression, compiled on first use (compiling all rules' costs ~7 ms)."""
        if "_compiled" not in cls.__dict__:
            cls._compiled = re.compile("|".join(f"(?:{c})" for c in cls.calls))
        return cls._compiled  # type: ignore[return-value]

    @classmethod
    def _first_names(cls) -> frozenset[str] | None:
        """The top-level names the `calls` patterns start with (`time` of `time\\.sleep`), or None
        if a pattern does not say; a path starting with another name is never matched, uncompiled."""
        if "_firsts" not in cls.__dict__:
            firsts: set[str] | None = set()
            for pattern in cls.calls:
                match = _FIRST_NAME.match(pattern)
                if match is None or firsts is None:
                    firsts = None
                    continue
                firsts.update((match.group("name") or match.group("names")).split("|"))
            cls._firsts = frozenset(firsts) if firsts is not None else None
        return cls._firsts  # type: ignore[return-value]

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        return True

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        for call in region.calls:
            path = module.call_path(call.func)
            if path is not None and self.flags(call, path, module):
                yield self.report(call, describe_call(call, path), fix=self.fix(call, path, module))

    def flags(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        """Does this rule report a call to `path`? Team configuration decides first."""
        verdict = module.call_policy(path)
        if verdict is not None:
            return verdict == self.code
        firsts = self._first_names()
        if firsts is not None and path.partition(".")[0] not in firsts:
            return False
        return bool(self._pattern().fullmatch(path)) and self.matches(call, path, module)

    def fix(self, call: ast.Call, path: str, module: DurableModule) -> Fix | None:
        """Wrap the call in `context.step(lambda _: ..., name=...)` where that is safe."""
        if path not in self.fixable:
            return None
        context = straight_line_context(module, call)
        if context is None:
            return None
        return Fix("wrap-step", *span(call), context=context, step_name=step_name_for(module, call, path))


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
