"""A finding as users and CI scripts see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from durable_lint.fixes import Fix, describe


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem. `line` and `column` are 1-based; `path` is as given.

    `end_line` and `end_column` (1-based, exclusive: the column after the last
    character) bound the code reported; 0 where the span is unknown.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    name: str = ""
    fix: Fix | None = field(default=None, compare=False)
    end_line: int = field(default=0, compare=False)
    end_column: int = field(default=0, compare=False)

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
