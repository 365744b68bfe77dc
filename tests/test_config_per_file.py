"""Configuration per file, as ruff does: the nearest pyproject.toml with [tool.durable-lint] above each file."""

from __future__ import annotations

from pathlib import Path

import pytest

from durable_lint import config
from durable_lint.cli import main
from durable_lint.config import Configurations

HANDLER = """\
import time
import uuid
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    started = time.time()
    key = uuid.uuid4()
    return context.step(lambda _: (started, str(key)), name="record")
"""


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository root that ignores DUR203, one service that ignores DUR101, one with no table of its own."""
    root = tmp_path / "repo"
    for folder in ("services/billing/src", "services/orders/src", "tools"):
        (root / folder).mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.durable-lint]\nignore = ["DUR203"]\n')
    (root / "services/billing/pyproject.toml").write_text(
        '[tool.durable-lint]\nper-file-ignores = { "src/legacy.py" = ["DUR1"] }\n'
    )
    (root / "services/orders/pyproject.toml").write_text("[project]\nname = 'orders'\n")  # no table: keep looking up
    for file in ("services/billing/src/handler.py", "services/billing/src/legacy.py", "services/orders/src/handler.py",
                 "tools/handler.py"):
        (root / file).write_text(HANDLER)
    return root


def codes_by_file(out: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        path, _, _, rest = line.split(":", 3)
        found.setdefault(Path(path).as_posix(), set()).add(rest.split()[0])
    return found


def test_each_file_uses_its_nearest_table(monorepo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(monorepo)
    assert main(["check", "."]) == 1
    assert codes_by_file(capsys.readouterr().out) == {
        "services/billing/src/handler.py": {"DUR101", "DUR203"},  # billing's table replaces the root's
        "services/billing/src/legacy.py": {"DUR203"},  # per-file ignore, relative to billing's pyproject.toml
        "services/orders/src/handler.py": {"DUR101"},  # orders has no table: the root's applies
        "tools/handler.py": {"DUR101"},
    }


def test_a_run_from_another_folder_gets_the_same_configuration(monorepo: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[tool.durable-lint]\nignore = ["DUR1", "DUR2"]\n')
    monkeypatch.chdir(elsewhere)  # an editor or a CI step started in another folder
    target = monorepo / "services" / "billing" / "src"
    assert main(["check", str(target / "handler.py"), str(target / "legacy.py"), str(monorepo / "tools")]) == 1
    found = codes_by_file(capsys.readouterr().out)
    assert found == {(target / "handler.py").as_posix(): {"DUR101", "DUR203"},
                     (target / "legacy.py").as_posix(): {"DUR203"},
                     (monorepo / "tools" / "handler.py").as_posix(): {"DUR101"}}


def test_command_line_selection_applies_on_top_of_every_file(monorepo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(monorepo)
    assert main(["check", "--ignore", "DUR101", "."]) == 1
    assert codes_by_file(capsys.readouterr().out) == {
        "services/billing/src/handler.py": {"DUR203"}, "services/billing/src/legacy.py": {"DUR203"},
    }


def test_config_option_configures_every_file(monorepo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(monorepo)
    assert main(["check", "--config", "pyproject.toml", "services"]) == 1
    found = codes_by_file(capsys.readouterr().out)
    assert len(found) == 3 and all(codes == {"DUR101"} for codes in found.values())


def test_config_option_without_the_table_is_a_configuration_error(monorepo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(monorepo)
    assert main(["check", "--config", "services/orders/pyproject.toml", "."]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("durable-lint: error: services/orders/pyproject.toml: has no [tool.durable-lint] table; "
                   "add one or name another file with --config\n")


def test_a_broken_table_in_a_sub_project_is_one_line(monorepo: Path, monkeypatch, capsys) -> None:
    (monorepo / "services/orders/pyproject.toml").write_text("[tool.durable-lint]\nselect = 'DUR1'\n")
    monkeypatch.chdir(monorepo)
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "services/orders/pyproject.toml" in err and "'select' must be a list" in err


def test_each_folder_is_looked_up_once_and_each_pyproject_parsed_once(monorepo: Path, monkeypatch) -> None:
    for index in range(20):
        (monorepo / f"services/orders/src/h{index}.py").write_text(HANDLER)
    parsed: list[Path] = []
    real = config.settings_from_file
    monkeypatch.setattr(config, "settings_from_file", lambda path, required=False: parsed.append(path) or real(path, required))
    configurations = Configurations()
    files = sorted(monorepo.rglob("*.py"))
    first = [configurations.for_file(file) for file in files]
    assert [configurations.for_file(file) for file in files] == first
    assert sorted(parsed) == sorted(monorepo.glob("**/pyproject.toml"))


def test_flake8_in_an_editor_gets_each_files_configuration(monorepo: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    billing = monorepo / "services/billing/src/handler.py"
    tools = monorepo / "tools/handler.py"
    result = subprocess.run([sys.executable, "-m", "flake8", "--select", "DUR", str(billing), str(tools)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert codes_by_file(result.stdout) == {billing.as_posix(): {"DUR101", "DUR203"}, tools.as_posix(): {"DUR101"}}
