"""Every rule's VALID and INVALID examples are tests (Fixit's convention).

An INVALID example marks each line that must be reported with `# <- CODE`; the
rule must report exactly those lines. A VALID example must not trigger the rule.
"""

from __future__ import annotations

import pytest

from durable_lint.rule import all_rules
from tests.helpers import expected_markers, lint

RULES = all_rules()
VALID = [(code, i, src) for code, rule in RULES.items() for i, src in enumerate(rule.VALID)]
INVALID = [(code, i, src) for code, rule in RULES.items() for i, src in enumerate(rule.INVALID)]


@pytest.mark.parametrize(("code", "index", "source"), VALID, ids=[f"{c}-valid-{i}" for c, i, _ in VALID])
def test_valid_example_is_quiet(code: str, index: int, source: str) -> None:
    assert [f.as_text() for f in lint(source, select=(code,))] == []


@pytest.mark.parametrize(("code", "index", "source"), INVALID, ids=[f"{c}-invalid-{i}" for c, i, _ in INVALID])
def test_invalid_example_reports_marked_lines(code: str, index: int, source: str) -> None:
    expected = {(line, c) for line, c in expected_markers(source) if c == code}
    assert expected, "an INVALID example must mark at least one line"
    found = {(f.line, f.code) for f in lint(source, select=(code,))}
    assert found == expected


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented_and_has_examples(code: str) -> None:
    rule = RULES[code]
    doc = rule.documentation()
    assert "## What it does" in doc and "## Why is this bad?" in doc
    assert rule.INVALID, f"{code} needs INVALID examples"
    assert rule.VALID or code == "DUR000", f"{code} needs VALID examples"
    assert "{subject}" in rule.message and "\n" not in rule.message
