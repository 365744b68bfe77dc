"""Output formats: the contracts that users and CI scripts parse."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

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


def format_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on the diff."""
    return "".join(
        f"::error file={_escape_property(f.path)},line={f.line},col={f.column},title={f.code}::"
        f"{_escape_data(f'{f.code} {f.message}')}\n"
        for f in findings
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_sarif(findings: list[Finding]) -> str:
    """SARIF 2.1.0 for GitHub code scanning: every rule's metadata, every finding's location."""
    from durable_lint import DOCS_URL, __version__
    from durable_lint.docs import help_url, section, summary
    from durable_lint.rule import all_rules

    rules = all_rules()
    index = {code: i for i, code in enumerate(rules)}
    descriptors = [
        {
            "id": code,
            "name": "".join(part.capitalize() for part in rule.name.split("-")),
            "shortDescription": {"text": summary(rule)},
            "fullDescription": {"text": " ".join(section(rule, "Why is this bad?").split())},
            "helpUri": help_url(rule),
            "help": {"text": rule.documentation(), "markdown": rule.documentation()},
            "defaultConfiguration": {"level": "error", "enabled": rule.default_enabled},
            "properties": {"tags": ["durable-functions", "determinism"]},
        }
        for code, rule in rules.items()
    ]
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "error",
            "message": {"text": f"{f.code} {f.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _relative_uri(f.path), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in findings
    ]
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
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _relative_uri(path: str) -> str:
    """The finding's path relative to the working directory, as a URI reference.

    Percent-encoding the file system's bytes keeps names that are not UTF-8 exact.
    """
    relative = os.path.relpath(os.path.abspath(path))
    return quote(os.fsencode(Path(relative).as_posix()))


FORMATS: dict[str, Callable[[list[Finding]], str]] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
}
