"""`# noqa` means the same to `durable-lint check` and to flake8 with the plugin, on one fixture set."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from durable_lint.cli import main

FIXTURES = Path(__file__).resolve().parent / "noqa_fixtures"
FINDING = re.compile(r"^(?:\./)?(?P<path>[^:]+):(?P<line>\d+):\d+: (?P<code>DUR\d{3})")
EXPECTED = {
    ("inline.py", 15, "DUR101"),  # noqa for another code
    ("inline.py", 15, "DUR100"),  # ... which suppresses nothing
    ("inline.py", 21, "DUR101"),  # the comment is on another logical line
    ("unused.py", 10, "DUR100"),  # unknown code
    ("unused.py", 11, "DUR100"),  # known code, nothing to suppress
    ("unused.py", 14, "DUR100"),  # DUR101 was used, DUR203 was not
}


@pytest.fixture
def fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "src")
    (tmp_path / "pyproject.toml").write_text('[tool.durable-lint]\nextend-select = ["DUR100"]\n')
    monkeypatch.chdir(tmp_path / "src")
    return tmp_path / "src"


def _parsed(output: str) -> set[tuple[str, int, str]]:
    return {(m["path"], int(m["line"]), m["code"]) for m in map(FINDING.match, output.splitlines()) if m}


def test_cli_and_flake8_suppress_exactly_the_same_findings(fixtures: Path, capsys) -> None:
    assert main(["check", "--quiet", "."]) == 1
    cli = _parsed(capsys.readouterr().out)
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "DUR", "."], cwd=fixtures,
                            capture_output=True, text=True)
    assert flake8.returncode == 1, flake8.stderr
    assert _parsed(flake8.stdout) == cli == EXPECTED


def test_flake8_disable_noqa_shows_everything_the_comments_hide(fixtures: Path) -> None:
    shown = subprocess.run([sys.executable, "-m", "flake8", "--select", "DUR", "--disable-noqa", "."], cwd=fixtures,
                           capture_output=True, text=True)
    found = _parsed(shown.stdout)
    assert {path for path, _, _ in found} >= {"inline.py", "file_flake8.py", "file_durable_lint.py"}
    assert sum(path == "inline.py" and code == "DUR101" for path, _, code in found) == 12


def test_unused_noqa_is_opt_in(fixtures: Path, capsys) -> None:
    (fixtures.parent / "pyproject.toml").write_text("[tool.durable-lint]\n")
    main(["check", "--quiet", "."])
    assert {code for _, _, code in _parsed(capsys.readouterr().out)} == {"DUR101"}
