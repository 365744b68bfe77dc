"""A helper-only change reaches the commit hook: the hook lints the changed files and the files importing them."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from durable_lint.cli import main

ROOT = Path(__file__).resolve().parent.parent
HANDLER = """\
from aws_durable_execution_sdk_python import durable_execution

from shop.lib.refs import reference_for


@durable_execution
def handler(event, context):
    reference = reference_for(event)
    return context.step(lambda _: reference, name="record")
"""
REFS = """\
from .ids import order_reference


def reference_for(event):
    return order_reference(event)
"""
IDS = """\
def order_reference(event):
    return f"{event['customer']}-{event['order']}"
"""
UNRELATED = """\
import time
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def other(event, context):
    started = time.time()
    return context.step(lambda _: started, name="record")
"""


def write_project(root: Path) -> None:
    for path, text in {"shop/__init__.py": "", "shop/lib/__init__.py": "", "shop/handler.py": HANDLER,
                       "shop/lib/refs.py": REFS, "shop/lib/ids.py": IDS, "other/legacy.py": UNRELATED}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def lint_hook() -> dict:
    [hook] = [h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "durable-lint"]
    return hook


def hook_command() -> list[str]:
    """The durable-lint hook's entry as pre-commit runs it, with this interpreter."""
    program, *args = shlex.split(lint_hook()["entry"])
    assert program == "durable-lint"
    return [sys.executable, "-m", "durable_lint", *args]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_helper_only_commit_is_reported_at_the_handlers_call_site(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout

    git("init", "-q")
    write_project(repo)
    git("add", ".")
    git("commit", "-qm", "handler and helpers")
    (repo / "shop/lib/ids.py").write_text(
        "import uuid\n\n\ndef order_reference(event):\n    return f\"{event['customer']}-{uuid.uuid4()}\"\n"
    )
    changed = git("diff", "--name-only").split()
    assert changed == ["shop/lib/ids.py"]
    hook = subprocess.run([*hook_command(), *changed], cwd=repo, capture_output=True, text=True, timeout=60)
    assert hook.returncode == 1, hook.stderr
    assert hook.stdout.splitlines() == [
        "shop/handler.py:8:17: DUR203 reference_for() (via reference_for() -> order_reference() -> uuid.uuid4()) "
        "creates a new id on every replay of orchestration code. Create it in a step, or use uuid5 of event data"
    ]  # other/legacy.py has a finding too, but does not import the helper: the hook stays on the change


@pytest.mark.parametrize("import_line", [
    "from shop.lib import ids",
    "import shop.lib.ids",
    "import shop.lib\nREFERENCE = shop.lib.ids.order_reference",
    "from .lib.ids import order_reference",
    "from ids import order_reference",  # a flat Lambda folder on sys.path
])
def test_import_shapes_that_make_a_dependent(tmp_path: Path, monkeypatch, capsys, import_line: str) -> None:
    from durable_lint.dependents import dependents

    write_project(tmp_path)
    (tmp_path / "shop/user.py").write_text(f"{import_line}\n")
    project = sorted(tmp_path.rglob("*.py"))
    found = dependents([tmp_path / "shop/lib/ids.py"], project)
    assert tmp_path / "shop/user.py" in found
    assert tmp_path / "other/legacy.py" not in found
    assert set(found) >= {tmp_path / "shop/lib/refs.py", tmp_path / "shop/handler.py"}


def test_without_the_flag_only_the_named_files_are_linted(tmp_path: Path, monkeypatch, capsys) -> None:
    write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop/lib/ids.py").write_text("import uuid\n\n\ndef order_reference(event):\n    return uuid.uuid4()\n")
    assert main(["check", "shop/lib/ids.py"]) == 0
    assert main(["check", "--include-dependents", "shop/lib/ids.py"]) == 1
    assert capsys.readouterr().out.startswith("shop/handler.py:8:17: DUR203 ")


def test_the_hook_passes_the_flag_and_the_readme_says_so() -> None:
    assert hook_command()[3:] == ["check", "--include-dependents"]
    assert lint_hook()["require_serial"] is True  # one search for dependents, each finding reported once
    assert "--include-dependents" in (ROOT / "README.md").read_text()
