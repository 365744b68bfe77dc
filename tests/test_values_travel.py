"""Values and callables that travel between a project's modules keep their kind.

tests/fixtures/order_service/ is a small package (clients, repository, handler):
each file's findings, with DUR504 selected, are exactly its `# <- CODE` markers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from durable_lint.config import Settings
from durable_lint.engine import Linter
from tests.helpers import expected_markers

PACKAGE = Path(__file__).parent / "fixtures" / "order_service"
FILES = sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_package_findings_match_markers(path: Path) -> None:
    findings = Linter(Settings(extend_select=("DUR504",))).lint_file(path, str(path))
    assert {(f.line, f.code) for f in findings} == expected_markers(path.read_text())


def test_a_client_passed_to_a_helper_is_reported_with_the_chain() -> None:
    path = PACKAGE / "handler.py"
    messages = [f.message for f in Linter(Settings()).lint_file(path, str(path))]
    assert any(m.startswith("log_progress() (via log_progress(orders) -> table.update_item()") for m in messages)
    assert any(m.startswith("repo.claim() (via claim() -> get_dynamodb_client().put_item()") for m in messages)


def test_summaries_are_computed_once_per_function(tmp_path: Path) -> None:
    """A helper's return is summarised on its node once, however many calls read it."""
    from durable_lint import summaries

    calls = []
    original = summaries.own_code

    def counting(nodes):
        calls.append(1)
        return original(nodes)

    handler = tmp_path / "h.py"
    lines = [
        "import boto3",
        "from aws_durable_execution_sdk_python import durable_execution",
        "def table():",
        "    return boto3.resource('dynamodb').Table('t')",
        "@durable_execution",
        "def handler(event, context):",
        *[f"    table().put_item(Item={{'n': {i}}})" for i in range(50)],
        "    return context.step(lambda _: 1, name='s')",
    ]
    handler.write_text("\n".join(lines) + "\n")
    summaries.own_code = counting
    try:
        findings = Linter(Settings()).lint_file(handler, "h.py")
    finally:
        summaries.own_code = original
    assert len([f for f in findings if f.code == "DUR501"]) == 50
    assert len(calls) == 1
