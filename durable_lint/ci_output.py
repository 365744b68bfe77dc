"""Output for machines: JSON, JSON Lines, JUnit XML, GitLab Code Quality and GitHub annotations.

These are contracts that CI systems and scripts parse: no summary line, no colour.
"""

from __future__ import annotations

import json
from collections import defaultdict

from durable_lint.finding import Finding
from durable_lint.results import Results


def _opt_in(code: str) -> bool:
    from durable_lint.rule import all_rules

    rule = all_rules().get(code)
    return rule is not None and not rule.default_enabled


def format_json(results: Results) -> str:
    """A JSON list of objects with path, line, column, end, code, name, message and fix."""
    return json.dumps([finding.as_dict() for finding in results.findings], indent=2) + "\n"


def format_json_lines(results: Results) -> str:
    """One JSON object per finding per line, for streaming tools."""
    return "".join(json.dumps(finding.as_dict()) + "\n" for finding in results.findings)


def format_junit(results: Results) -> str:
    """JUnit XML: a test suite per file, a failing test case per finding (ruff's layout)."""
    from xml.etree import ElementTree

    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in results.findings:
        by_path[finding.path].append(finding)
    count = str(len(results.findings))
    suites = ElementTree.Element("testsuites", name="durable-lint", tests=count, failures=count, errors="0")
    for path, findings in by_path.items():
        suite = ElementTree.SubElement(suites, "testsuite", name=path, tests=str(len(findings)),
                                       failures=str(len(findings)), errors="0")
        for f in findings:
            case = ElementTree.SubElement(suite, "testcase", name=f"durable-lint.{f.code}", classname=path,
                                          line=str(f.line), column=str(f.column))
            failure = ElementTree.SubElement(case, "failure", message=f"{f.code} {f.message}")
            failure.text = f"line {f.line}, col {f.column}, {f.code} {f.message}"
    if not results.findings:
        suite = ElementTree.SubElement(suites, "testsuite", name="durable-lint", tests="1", failures="0", errors="0")
        ElementTree.SubElement(suite, "testcase", name="No findings", classname="durable-lint")
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def format_gitlab(results: Results) -> str:
    """GitLab Code Quality report: paths from the repository root, a stable fingerprint per finding."""
    return json.dumps([
        {
            "description": f"{f.code} {f.message}",
            "check_name": f.code,
            "fingerprint": results.fingerprint(f),
            "severity": "minor" if _opt_in(f.code) else "major",
            "location": {
                "path": results.relative_path(f.path) or f.path,
                "lines": {"begin": f.line, "end": max(f.end_line, f.line)},
            },
        }
        for f in results.findings
    ], indent=2) + "\n"


def format_github(results: Results) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on the diff."""
    return "".join(_github(f) for f in results.findings)


def _github(f: Finding) -> str:
    level = "warning" if _opt_in(f.code) else "error"
    end = f",endLine={f.end_line}" if f.end_line else ""
    if f.end_line == f.line:  # GitHub reads endColumn only on one-line annotations
        end += f",endColumn={f.end_column}"
    return (f"::{level} file={_escape_property(f.path)},line={f.line},col={f.column},title={f.code}{end}::"
            f"{_escape_data(f'{f.code} {f.message}')}\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
