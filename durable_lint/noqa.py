"""`# noqa` comments: one meaning for `durable-lint check` and the flake8 plugin.

Inline comments follow flake8: `# noqa` or `# noqa: CODE[,CODE]` on any physical
line of the logical line that holds the finding, `noqa` in any case, codes
matched as prefixes (`# noqa: DUR1`). Codes are also matched in any case
(`# noqa: dur101`), which flake8 itself does not do: the plugin applies these rules
itself so both report the same. A file with a line `# durable-lint: noqa` or
`# flake8: noqa` is not reported at all.

With DUR100 selected, a DUR code in a `# noqa: ...` comment that is unknown, or
that suppressed nothing although its rule ran, is reported (ruff's RUF100). Codes
of other tools are left alone, and so is a blanket `# noqa`.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from durable_lint.finding import Finding

NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"\s*# (?:flake8|durable-lint)[:=]\s*noqa", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
UNUSED_NOQA = "DUR100"


@dataclass(frozen=True)
class _Comment:
    """A `# noqa: ...` with codes: where it is and the codes it lists (upper case, as written)."""

    line: int
    column: int
    codes: tuple[str, ...]


def _logical_lines(source: str) -> dict[int, tuple[int, str]]:
    """Map each physical line number to (first line, text) of its whole logical line."""
    lines = source.splitlines(keepends=True)
    mapping: dict[int, tuple[int, str]] = {}
    first, last = len(lines) + 2, -1
    code = False  # has the statement being gathered any code yet?
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first, last = min(first, token.start[0]), max(last, token.end[0])
            code = code or token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT)
            # NL also breaks lines inside brackets: only a NEWLINE ends a statement; an NL
            # ends a line that holds nothing but a comment or white space.
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and not code):
                joined = "".join(lines[first - 1 : last])
                mapping.update(dict.fromkeys(range(first, last + 1), (first, joined)))
                first, last, code = len(lines) + 2, -1, False
    except (tokenize.TokenError, SyntaxError):
        return {n: (n, line) for n, line in enumerate(lines, start=1)}
    return mapping


def file_is_exempt(source: str) -> bool:
    """Does a line say `# durable-lint: noqa` or `# flake8: noqa` (the whole file is not reported)?"""
    return "noqa" in source.lower() and any(FILE_NOQA.match(line) for line in source.splitlines())


def without_suppressed(findings: Iterable[Finding], source: str, path: str = "",
                       enabled: Collection[str] = ()) -> list[Finding]:
    """The findings no `# noqa` covers, plus DUR100 findings when DUR100 is `enabled`."""
    findings = list(findings)
    if "noqa" not in source.lower():
        return findings
    if file_is_exempt(source):
        return []
    logical = _logical_lines(source)
    kept, used = [], set()
    for finding in findings:
        first, text = logical.get(finding.line, (finding.line, ""))
        match = NOQA.search(text)
        if match is None:
            kept.append(finding)
        elif match.group("codes") is not None:
            listed = _codes(match.group("codes"))
            covering = [code for code in listed if finding.code.startswith(code)]
            used.update((first, code) for code in covering)
            if not covering:
                kept.append(finding)
    if UNUSED_NOQA not in enabled:
        return kept
    unused = [
        _unused(path, comment, code, enabled)
        for comment in _comments(source, logical)
        for code in comment.codes
        if code.startswith("DUR") and (logical[comment.line][0], code) not in used
    ]
    return kept + without_suppressed([f for f in unused if f is not None], source, path, ())


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.upper() for code in _CODE.findall(text))


def _comments(source: str, logical: dict[int, tuple[int, str]]) -> Iterable[_Comment]:
    """Every `# noqa: ...` with codes, in comments only (not in strings)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for token in tokens:
        if token.type == tokenize.COMMENT and token.start[0] in logical:
            match = NOQA.search(token.string)
            if match is not None and match.group("codes") is not None:
                yield _Comment(token.start[0], token.start[1] + match.start() + 1, _codes(match.group("codes")))


def _unused(path: str, comment: _Comment, code: str, enabled: Collection[str]) -> Finding | None:
    """A DUR100 finding for a code that is unknown, or that names rules which ran and found nothing here."""
    from durable_lint.rule import all_rules

    known = [rule for rule in all_rules() if rule.startswith(code)]
    if not known:
        problem = f"`# noqa: {code}` names no durable-lint rule (see `durable-lint rule --all`)"
    elif all(rule in enabled for rule in known):
        problem = f"`# noqa: {code}` suppresses nothing on this line"
    else:
        return None  # the rule did not run: no way to tell whether the comment is needed
    from durable_lint.rules.noqa import UnusedNoqa

    message = UnusedNoqa.message.format(subject=problem)
    return Finding(path, comment.line, comment.column, UNUSED_NOQA, message, UnusedNoqa.name,
                   end_line=comment.line, end_column=comment.column + 6)
