"""A finding as users and CI scripts see it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem. `line` and `column` are 1-based; `path` is as given."""

    path: str
    line: int
    column: int
    code: str
    message: str
    name: str = ""

    def as_text(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
