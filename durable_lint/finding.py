"""A finding as users and CI scripts see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from durable_lint.fixes import Fix, describe


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem. `line` and `column` are 1-based; `path` is as given."""

    path: str
    line: int
    column: int
    code: str
    message: str
    name: str = ""
    fix: Fix | None = field(default=None, compare=False)

    def as_text(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "line": self.line, "column": self.column, "code": self.code, "name": self.name,
            "message": self.message, "fixable": self.fix is not None,
            "fix": describe(self.fix) if self.fix is not None else None,
        }
