"""Output for people: `concise` (one line per finding), `full` (with the source line), statistics, summary.

Colour is ANSI and only used when the CLI decides the output is a terminal.
"""

from __future__ import annotations

import json
from collections import Counter

from durable_lint.finding import Finding
from durable_lint.fixes import describe
from durable_lint.results import Results

_BOLD, _RED, _CYAN, _BLUE, _RESET = "\033[1m", "\033[1;31m", "\033[36m", "\033[1;34m", "\033[0m"


def _paint(results: Results, style: str, text: str) -> str:
    return f"{style}{text}{_RESET}" if results.colour else text


def _headline(results: Results, finding: Finding) -> str:
    """`path:line:col: CODE [*] message`; `[*]` marks a finding `--fix` would fix."""
    marker = _paint(results, _CYAN, "[*]") + " " if results.fixable(finding) else ""
    return (f"{_paint(results, _BOLD, finding.path)}:{finding.line}:{finding.column}: "
            f"{_paint(results, _RED, finding.code)} {marker}{finding.message}")


def format_concise(results: Results) -> str:
    """One line per finding, flake8's shape."""
    return "".join(f"{_headline(results, finding)}\n" for finding in results.findings)


def format_full(results: Results) -> str:
    """Each finding with its source line, a caret under the code reported, its fix and where the rule is documented."""
    return "".join(_full(results, finding) for finding in results.findings)


def _full(results: Results, finding: Finding) -> str:
    source = results.line_text(finding.path, finding.line)
    out = [_headline(results, finding)]
    if source:
        number = str(finding.line)
        gutter = _paint(results, _BLUE, " " * len(number) + " |")
        start = len(source[: finding.column - 1].expandtabs())
        last = finding.end_column - 1 if finding.end_line == finding.line and finding.end_column else len(source)
        width = max(1, len(source[: last].expandtabs()) - start)
        out += [gutter, f"{_paint(results, _BLUE, number + ' |')} {source.expandtabs()}",
                f"{gutter} {' ' * start}{_paint(results, _RED, '^' * width)}", gutter]
    if finding.fix is not None:
        safety = "" if finding.fix.safe else " (unsafe: applied only with --unsafe-fixes)"
        out.append(f"  = fix: {describe(finding.fix)}{safety}")
    out.append(f"  = help: durable-lint rule {finding.code}")
    return "\n".join(out) + "\n\n"


def _statistics_rows(results: Results) -> list[dict[str, object]]:
    """Counts per code, most frequent first (ruff's `--statistics`)."""
    counts = Counter((f.code, f.name) for f in results.findings)
    fixable = {f.code for f in results.findings if results.fixable(f)}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": code, "name": name, "count": count, "fixable": code in fixable} for (code, name), count in ordered]


def format_statistics(results: Results, output_format: str) -> str:
    """Statistics as a table, or as JSON / JSON Lines when that is the output format."""
    rows = _statistics_rows(results)
    if output_format == "json":
        return json.dumps(rows, indent=2) + "\n"
    if output_format == "json-lines":
        return "".join(json.dumps(row) + "\n" for row in rows)
    return "".join(
        f"{row['count']:>5}  {row['code']}  {'[*] ' if row['fixable'] else ''}{row['name']}\n" for row in rows
    )


def _findings(count: int) -> str:
    return f"{count} finding{'' if count == 1 else 's'}"


def summary(results: Results, fixed: int = 0, fixing: bool = False) -> str:
    """The closing lines of a text report: `Found 3 findings (2 fixable).` or `All checks passed!`.

    With `fixing`, the count of what was fixed and what remains. A last line says how many
    more fixes --unsafe-fixes would apply.
    """
    remaining = len(results.findings)
    if not remaining and not fixed:
        return "All checks passed!\n"
    if fixing:
        line = f"Found {_findings(fixed + remaining)} ({fixed} fixed, {remaining} remaining)."
    else:
        fixable = sum(results.fixable(f) for f in results.findings)
        line = f"Found {_findings(remaining)}" + (f" ({fixable} fixable)." if fixable else ".")
    hidden = sum(results.hidden_fix(f) for f in results.findings)
    if hidden:
        line += f"\n{hidden} more fix{'' if hidden == 1 else 'es'} available with --unsafe-fixes."
    return line + "\n"
