"""A team module that re-exports the SDK's decorators and DurableContext under its own names.

tests/fixtures/team_reexports/ holds `myteam/durable.py` (`durable_execution as workflow`, ...),
`myteam/compat.py` (the same behind `except ImportError:`) and handlers that use them. The
re-exports are followed through the project's modules, with no `workflow-decorators` entry:
each handler's findings are exactly its `# <- CODE` markers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from durable_lint.config import Settings
from durable_lint.engine import Linter
from tests.helpers import expected_markers

PROJECT = Path(__file__).parent / "fixtures" / "team_reexports"
HANDLERS = sorted((PROJECT / "handlers").glob("[!_]*.py"))


@pytest.mark.parametrize("path", HANDLERS, ids=[p.stem for p in HANDLERS])
def test_reexported_decorators_mark_the_handlers(path: Path) -> None:
    # The prefilter skips files that never name the SDK; `wrapper-modules` names the team's module.
    settings = Settings(wrapper_modules=frozenset({"myteam.durable"}))
    findings = Linter(settings).lint_file(path, str(path))
    assert {(f.line, f.code) for f in findings} == expected_markers(path.read_text())

