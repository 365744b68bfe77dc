"""A finding as users and CI scripts see it."""

from __future__ import annotations

import functools

from durable_lint.fixes import Fix, describe


@functools.total_ordering
class Finding:
    """One reported problem. `line` and `column` are 1-based; `path` is as given.

    `end_line` and `end_column` (1-based, exclusive: the column after the last
    character) bound the code reported; 0 where the span is unknown. Findings are
    immutable, and compare and sort by place, code, message and rule name.

    A plain class, not a frozen ordered dataclass, which compiles ten methods when its
    module is imported: flake8 imports it once per file it checks.
    """

    __slots__ = ("path", "line", "column", "code", "message", "name", "fix", "end_line", "end_column")

    def __init__(self, path: str, line: int, column: int, code: str, message: str, name: str = "",
                 fix: Fix | None = None, end_line: int = 0, end_column: int = 0) -> None:
        values = (path, line, column, code, message, name, fix, end_line, end_column)
        for slot, value in zip(self.__slots__, values):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Finding cannot be changed (tried to set {name})")

    def _key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path, self.line, self.column, self.code, self.message, self.name)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Finding) else NotImplemented

    def __lt__(self, other: object) -> bool:
        return self._key() < other._key() if isinstance(other, Finding) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Finding({', '.join(f'{slot}={getattr(self, slot)!r}' for slot in self.__slots__)})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # workers send findings to the parent
        return Finding, tuple(getattr(self, slot) for slot in self.__slots__)

    def as_text(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "line": self.line, "column": self.column,
            "end_line": self.end_line or None, "end_column": self.end_column or None,
            "code": self.code, "name": self.name, "message": self.message, "fixable": self.fix is not None,
            "fix": describe(self.fix) if self.fix is not None else None,
            "fix_safety": ("safe" if self.fix.safe else "unsafe") if self.fix is not None else None,
        }
