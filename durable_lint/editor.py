"""What the language server shows for one editor document: findings with ranges, fixes as edits, docs.

The protocol lives in server.py; here positions are 0-based (line, character) with
characters counted in code points, as Python indexes a line. The text is the editor's,
saved or not: nothing here reads the document from disk or writes to it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from durable_lint.config import Configurations
from durable_lint.engine import Linter
from durable_lint.finding import Finding
from durable_lint.fixer import FixError, fix_text
from durable_lint.fixes import describe
from durable_lint.rule import all_rules

Position = tuple[int, int]


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position

    def touches(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True)
class Located:
    """A finding and the range of source it is about."""

    finding: Finding
    span: Span


@dataclass(frozen=True)
class Edit:
    """Replace `span` of the document with `text`; `title` says what the fix does."""

    title: str
    span: Span
    text: str


def lint_document(text: str, path: Path | None) -> list[Located]:
    """Findings in the document's current text."""
    findings = _linter(path).lint_source(text, _shown(path), file=path)
    return locate(text, findings)


def fix_edits(text: str, path: Path | None, wanted: Span | None) -> list[Edit]:
    """One edit per fixable finding touching `wanted` (each verified alone), or one for all the safe ones.

    A quick fix the user picks for one finding may be unsafe (ruff's sense: it may change
    behaviour), and its title says so; fix-all applies only safe fixes, like `durable-lint fix`.
    """
    linter = _linter(path)
    findings = linter.lint_source(text, _shown(path), file=path)
    fixable = [f for f in locate(text, findings) if f.finding.fix is not None]
    if wanted is not None:
        fixable = [f for f in fixable if f.span.touches(wanted)]
    safe = [f for f in fixable if f.finding.fix.safe]  # type: ignore[union-attr]
    chosen = [[f] for f in fixable] if wanted is not None else ([safe] if safe else [])
    edits = []
    for group in chosen:
        try:
            result = fix_text(linter, text, _shown(path), path, findings, [f.finding.fix for f in group])  # type: ignore[misc]
        except FixError:
            continue  # a fix that cannot be verified is not offered
        if result.applied:
            unsafe = "" if group[0].finding.fix.safe else " (unsafe: may change behaviour)"  # type: ignore[union-attr]
            title = (f"Fix {group[0].finding.code}: {describe(group[0].finding.fix)}{unsafe}"  # type: ignore[arg-type]
                     if wanted is not None else f"Fix all durable-lint findings with a safe fix ({result.applied})")
            edits.append(minimal_edit(text, result.fixed, title))
    return edits


def _linter(path: Path | None) -> Linter:
    """A fresh linter with the settings of the nearest `[tool.durable-lint]` above the document.

    Fresh each time, because the editor may have changed a pyproject.toml or a helper
    module since: reading them again costs about a millisecond. A broken
    configuration raises UsageError, with the file and the problem.
    """
    configurations = Configurations()
    return Linter(configurations.for_file(path) if path is not None else configurations.for_folder(Path.cwd()))


def hover_text(findings: list[Located], at: Position) -> str | None:
    """The documentation of the rules whose findings cover `at`, as Markdown."""
    codes = sorted({f.finding.code for f in findings if f.span.start <= at <= f.span.end})
    if not codes:
        return None
    rules = all_rules()
    return "\n\n---\n\n".join(f"### {code} {rules[code].name}\n\n{rules[code].documentation()}" for code in codes)


def locate(text: str, findings: list[Finding]) -> list[Located]:
    """Each finding with the span of the expression it reports (or the rest of its line)."""
    lines = text.splitlines()
    ends = _expression_ends(text)
    located = []
    for finding in findings:
        line = finding.line - 1
        start = (line, finding.column - 1)
        end = ends.get(start)
        if end is None:
            content = lines[line] if 0 <= line < len(lines) else ""
            end = (line, max(len(content.rstrip()), start[1]))
        located.append(Located(finding, Span(start, end)))
    return located


def _expression_ends(text: str) -> dict[Position, Position]:
    """The end of the widest expression starting at each position (characters, 0-based)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    lines = text.splitlines()

    def character(line: int, byte_offset: int) -> int:
        content = lines[line - 1] if 0 < line <= len(lines) else ""
        return byte_offset if content.isascii() else len(content.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))

    ends: dict[Position, Position] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and node.end_lineno is not None and node.end_col_offset is not None:
            start = (node.lineno - 1, character(node.lineno, node.col_offset))
            end = (node.end_lineno - 1, character(node.end_lineno, node.end_col_offset))
            ends[start] = max(ends.get(start, end), end)
    return ends


def minimal_edit(old: str, new: str, title: str) -> Edit:
    """One edit that replaces the lines that differ, so the editor keeps the cursor and the rest."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(before), len(after)) - prefix
           and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]):
        suffix += 1
    last = len(before) - suffix
    if last == len(before) and before and not before[-1].endswith(("\n", "\r")):
        end = (len(before) - 1, len(before[-1]))  # the text ends without a newline: end at its last character
    else:
        end = (last, 0)
    return Edit(title, Span((prefix, 0), end), "".join(after[prefix : len(after) - suffix]))


def _shown(path: Path | None) -> str:
    return str(path) if path is not None else "<editor>"
