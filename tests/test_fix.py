"""`durable-lint fix`: safe rewrites that compile, re-lint clean and keep the handler's behaviour."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from durable_lint.cli import main
from durable_lint.config import Settings
from durable_lint.engine import Linter

HANDLER = """\
import random
import time
import uuid

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    started = time.time()  # keep this comment
    order_id = uuid.uuid4()
    roll = random.randint(1, 6)
    tags = {t.lower() for t in event["tags"]}
    seen = []
    for tag in tags:
        seen.append(context.step(lambda _, t=tag: t.upper(), name=f"tag-{tag}"))
    time.sleep(1)
    return {"started": started > 1_600_000_000, "id": len(str(order_id)), "roll": 1 <= roll <= 6, "tags": sorted(seen)}
"""

UNSAFE = """\
import time
import uuid

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    ids = [uuid.uuid4() for _ in event["items"]]
    ordered = sorted(event["items"], key=lambda item: time.time())
    for item in event["items"]:
        item["at"] = time.time()
    time.sleep(0.5)
    try:
        context.step(lambda _: 1, name="work")
    finally:
        stamp = time.time()
    return context.step(lambda _: [len(ids), len(ordered), stamp], name="done")
"""


def run_handler(path: Path, event: dict) -> dict:
    spec = importlib.util.spec_from_file_location(f"fixed_{path.stem}_{id(path)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with DurableFunctionTestRunner(handler=module.handler) as runner:
        result = runner.run(input=json.dumps(event), execution_timeout=60)
    assert result.status.name == "SUCCEEDED", result.error
    return json.loads(result.result)


def test_fix_rewrites_compile_relint_clean_and_keep_behaviour(tmp_path: Path, monkeypatch, capsys) -> None:
    original, fixed = tmp_path / "original.py", tmp_path / "fixed.py"
    original.write_text(HANDLER)
    fixed.write_text(HANDLER)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "fixed.py"]) == 0
    assert capsys.readouterr().out == "Found 5 findings (5 fixed, 0 remaining).\n"
    text = fixed.read_text()
    assert 'started = context.step(lambda _: time.time(), name="started")  # keep this comment' in text
    assert "for tag in sorted(tags):" in text
    assert "context.wait(Duration.from_seconds(1))" in text
    assert "from aws_durable_execution_sdk_python.config import Duration" in text
    compile(text, "fixed.py", "exec")
    assert Linter(Settings(root=tmp_path)).lint_file(fixed, "fixed.py") == []
    event = {"tags": ["B", "a", "c"]}
    assert run_handler(fixed, event) == run_handler(original, event) == {
        "started": True, "id": 36, "roll": True, "tags": ["A", "B", "C"]
    }


def test_unsafe_sites_keep_their_findings_and_get_no_fix(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "unsafe.py"
    path.write_text(UNSAFE)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "json", "unsafe.py"])
    reported = json.loads(capsys.readouterr().out)
    assert len(reported) == 5 and not any(f["fixable"] for f in reported)
    assert main(["fix", "unsafe.py"]) == 1
    assert path.read_text() == UNSAFE


def test_diff_prints_and_writes_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "h.py"
    path.write_text(HANDLER)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--diff", "h.py"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("--- a/h.py\n+++ b/h.py\n")
    assert '+    order_id = context.step(lambda _: uuid.uuid4(), name="order-id")' in out
    assert path.read_text() == HANDLER


def test_json_says_which_findings_have_a_fix(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "h.py").write_text(HANDLER)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "json", "h.py"])
    by_line = {f["line"]: f for f in json.loads(capsys.readouterr().out)}
    assert by_line[10]["fixable"] and by_line[10]["fix"] == 'wrap in context.step(lambda _: ..., name="started")'
    assert by_line[15]["fix"] == "wrap in sorted(...)"
    assert by_line[17]["fix"] == "replace with context.wait(Duration.from_seconds(...))"


def test_fix_keeps_encoding_and_line_endings(tmp_path: Path, monkeypatch) -> None:
    source = (
        "# -*- coding: latin-1 -*-\r\nimport uuid\r\nfrom aws_durable_execution_sdk_python import durable_execution\r\n\r\n"
        "@durable_execution\r\ndef handler(event, context):\r\n    label = 'café'\r\n    key = uuid.uuid4()\r\n"
        "    return context.step(lambda _: (label, str(key)), name='x')\r\n"
    )
    path = tmp_path / "latin.py"
    path.write_bytes(source.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "latin.py"]) == 0
    data = path.read_bytes()
    assert "café".encode("latin-1") in data and data.count(b"\n") == data.count(b"\r\n")
    assert b'key = context.step(lambda _: uuid.uuid4(), name="key")\r\n' in data


@pytest.mark.parametrize("command", [["fix", "nope.py"], ["fix", "--select", "DUR99", "."]])
def test_fix_usage_errors(tmp_path: Path, monkeypatch, capsys, command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_zero_argument_step_lambda_gets_its_parameter(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "h.py"
    path.write_text(
        "from aws_durable_execution_sdk_python import durable_execution\n\n\n@durable_execution\n"
        "def handler(event, context):\n    return context.step(lambda: event['x'] * 2, name='double')\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "h.py"]) == 0
    assert "context.step(lambda _: event['x'] * 2, name='double')" in path.read_text()
    assert run_handler(path, {"x": 21}) == 42
