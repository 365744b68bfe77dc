"""`# noqa` and `# noqa: CODE[,CODE]` comments, with flake8's semantics.

As in flake8, the comment may stand on any physical line of the logical line
that holds the finding, codes are matched as prefixes, and matching is
case-insensitive for `noqa` itself. Reusing flake8's rule keeps the standalone CLI
and the flake8 plugin in agreement.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable

from durable_lint.finding import Finding

NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def _logical_line_text(source: str) -> dict[int, str]:
    """Map each physical line number to the text of its whole logical line."""
    lines = source.splitlines(keepends=True)
    mapping: dict[int, str] = {}
    first, last = len(lines) + 2, -1
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first, last = min(first, token.start[0]), max(last, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[first - 1 : last])
                mapping.update(dict.fromkeys(range(first, last + 1), joined))
                first, last = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        return {n: line for n, line in enumerate(lines, start=1)}
    return mapping


def without_suppressed(findings: Iterable[Finding], source: str) -> list[Finding]:
    """Drop the findings that a `# noqa` comment covers."""
    findings = list(findings)
    if not findings or "noqa" not in source.lower():
        return findings
    logical = _logical_line_text(source)
    kept = []
    for finding in findings:
        match = NOQA.search(logical.get(finding.line, ""))
        if match is None:
            kept.append(finding)
            continue
        codes = match.group("codes")
        if codes is None:
            continue
        listed = tuple(code.upper() for code in _CODE.findall(codes))
        if not finding.code.startswith(listed):
            kept.append(finding)
    return kept
