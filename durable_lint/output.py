"""Output formats by name: the contracts that users and CI scripts parse.

`concise` and `full` are for people (a summary line follows them, colour on a
terminal); every other format is for machines and carries nothing but its data.
`text` is the 0.1 name of `concise` and stays accepted.
"""

from __future__ import annotations

from collections.abc import Callable

from durable_lint.ci_output import format_github, format_gitlab, format_json, format_json_lines, format_junit
from durable_lint.results import Results
from durable_lint.sarif import format_sarif
from durable_lint.text_output import format_concise, format_full, format_statistics, summary

FORMATS: dict[str, Callable[[Results], str]] = {
    "concise": format_concise,
    "full": format_full,
    "json": format_json,
    "json-lines": format_json_lines,
    "junit": format_junit,
    "gitlab": format_gitlab,
    "sarif": format_sarif,
    "github": format_github,
}
ALIASES = {"text": "concise"}
TEXT_FORMATS = frozenset({"concise", "full"})
STATISTICS_FORMATS = frozenset({"concise", "full", "json", "json-lines"})

__all__ = ["ALIASES", "FORMATS", "STATISTICS_FORMATS", "TEXT_FORMATS", "Results", "format_github",
           "format_statistics", "summary"]
