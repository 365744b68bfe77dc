"""Output formats: the contracts that users and CI scripts parse."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from durable_lint.finding import Finding


def format_text(findings: list[Finding]) -> str:
    """`path:line:col: CODE message`, one finding per line."""
    return "".join(f"{finding.as_text()}\n" for finding in findings)


def format_json(findings: list[Finding]) -> str:
    """A JSON list of objects with path, line, column, code, name and message."""
    return json.dumps([finding.as_dict() for finding in findings], indent=2) + "\n"


def format_statistics(findings: list[Finding]) -> str:
    """Counts per code, most frequent first (ruff's `--statistics`)."""
    counts = Counter((f.code, f.name) for f in findings)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{count:>5}  {code}  {name}\n" for (code, name), count in ordered)


FORMATS: dict[str, Callable[[list[Finding]], str]] = {
    "text": format_text,
    "json": format_json,
}
