"""Realistic handlers in tests/fixtures/: each file's findings are exactly its `# <- CODE` markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from durable_lint.config import Settings
from durable_lint.engine import Linter
from tests.helpers import expected_markers

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.py"))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_findings_match_markers(path: Path) -> None:
    findings = Linter(Settings()).lint_file(path, str(path))
    assert {(f.line, f.code) for f in findings} == expected_markers(path.read_text())
