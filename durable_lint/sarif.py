"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Paths are relative to the repository root (git's top level, else the working
directory) whatever folder the run started in, so uploads from any job step line
up with the repository. Columns count Unicode code points; regions end
exclusively; every result carries a fingerprint that survives line moves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from durable_lint.finding import Finding
from durable_lint.results import Results

PARSE_ERROR = "DUR000"
_FINGERPRINT = "durableLint/v1"


def format_sarif(results: Results) -> str:
    """One run: the tool with every rule's metadata, one result per finding, and whether the run succeeded."""
    from durable_lint import DOCS_URL, __version__
    from durable_lint.rule import all_rules

    rules = all_rules()
    index = {code: i for i, code in enumerate(rules)}
    unchecked = [f for f in results.findings if f.code == PARSE_ERROR]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "durable-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": DOCS_URL,
                        "rules": [_descriptor(rule) for rule in rules.values()],
                    }
                },
                "invocations": [
                    {
                        # A file the linter could not parse, or a folder it could not read, was not
                        # checked: the run did not do its job there.
                        "executionSuccessful": not unchecked and not results.not_checked,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": f"{f.path}: {f.message}"},
                             "locations": [_location(results, f)]}
                            for f in unchecked
                        ] + [{"level": "error", "message": {"text": message}} for message in results.not_checked],
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": results.root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(results, f, index[f.code], rules[f.code].default_enabled) for f in results.findings],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _level(default_enabled: bool) -> str:
    return "error" if default_enabled else "warning"


def short_description(rule: type) -> str:
    """The rule's summary as a one-line title: before the list after its first `: `, without asides in parentheses."""
    from durable_lint.docs import summary

    text = summary(rule).rstrip(".")
    outside = text.split("`")[::2]  # the parts outside inline code
    for index, part in enumerate(outside):
        if ": " in part:
            text = "`".join(text.split("`")[: 2 * index] + [part.split(": ", 1)[0]])
            break
    text = _without_asides(text)
    return " ".join(text.split())


def _without_asides(text: str) -> str:
    """The text without ` (...)` asides; a call's own parentheses (`sleep()`) stay."""
    out, depth = [], 0
    for index, char in enumerate(text):
        if char == "(" and (depth or (index and text[index - 1] == " ")):
            if not depth:
                out.pop()  # the space before the aside
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def _descriptor(rule: type) -> dict[str, object]:
    from durable_lint.docs import help_url, section

    return {
        "id": rule.code,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": short_description(rule)},
        "fullDescription": {"text": " ".join(section(rule, "Why is this bad?").split())},
        "helpUri": help_url(rule),
        "help": {"text": rule.documentation(), "markdown": rule.documentation()},
        "defaultConfiguration": {"level": _level(rule.default_enabled), "enabled": rule.default_enabled},
        "properties": {"tags": ["durable-functions", "determinism"]},
    }


def _location(results: Results, f: Finding) -> dict[str, object]:
    relative = results.relative_path(f.path)
    artifact = ({"uri": quote(os.fsencode(relative)), "uriBaseId": "%SRCROOT%"} if relative is not None
                else {"uri": Path(f.path).resolve().as_uri()})
    region: dict[str, int] = {"startLine": f.line, "startColumn": f.column}
    if f.end_line:
        region |= {"endLine": f.end_line, "endColumn": f.end_column}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _result(results: Results, f: Finding, rule_index: int, default_enabled: bool) -> dict[str, object]:
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _level(default_enabled),
        "message": {"text": f"{f.code} {f.message}"},
        "locations": [_location(results, f)],
        "partialFingerprints": {_FINGERPRINT: results.fingerprint(f)},
    }
