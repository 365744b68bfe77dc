"""The handlers in examples/ are real: they lint as documented and the correct ones run on the SDK."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from durable_lint.config import Settings
from durable_lint.engine import Linter

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COMMENTED_CODE = re.compile(r"# (DUR\d{3})")


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", sorted((EXAMPLES / "correct").glob("*.py")), ids=lambda p: p.stem)
def test_correct_examples_are_clean(path: Path) -> None:
    assert Linter(Settings()).lint_file(path, str(path)) == []


@pytest.mark.parametrize("path", sorted((EXAMPLES / "buggy").glob("*.py")), ids=lambda p: p.stem)
def test_buggy_examples_report_what_their_comments_say(path: Path) -> None:
    expected = {
        (number, match)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in COMMENTED_CODE.findall(line)
    }
    found = {(f.line, f.code) for f in Linter(Settings()).lint_file(path, str(path))}
    assert expected and found == expected


def test_order_workflow_runs_on_the_sdk() -> None:
    module = load(EXAMPLES / "correct" / "order_workflow.py")
    event = {"lines": [{"sku": "pear", "quantity": 2}, {"sku": "apple", "quantity": 1}]}
    with DurableFunctionTestRunner(handler=module.handler) as runner:
        result = runner.run(input=json.dumps(event), execution_timeout=60)
    assert result.status.name == "SUCCEEDED", result.error
    output = json.loads(result.result)
    assert output["total"] == 11 and output["reserved"] == 2
    assert output["payment"]["order_id"] == output["order_id"]


def test_approval_flow_runs_on_the_sdk() -> None:
    module = load(EXAMPLES / "correct" / "approval_flow.py")
    with DurableFunctionTestRunner(handler=module.handler, poll_interval=0.01) as runner:
        arn = runner.run_async(input=json.dumps({"vendors": ["bb", "a", "bb"]}), execution_timeout=60)
        callback_id = runner.wait_for_callback(arn, name="approval")
        runner.send_callback_success(callback_id, b'"yes"')
        result = runner.wait_for_result(arn)
    assert result.status.name == "SUCCEEDED", result.error
    assert json.loads(result.result) == {"approved": True, "vendor": "a"}


def test_fuzz_examples_pass_the_linter_and_fail_the_fuzzer(monkeypatch) -> None:
    from replay_fuzz import fuzz
    from replay_fuzz.target import load_target

    folder = EXAMPLES / "fuzz"
    assert Linter(Settings()).lint_paths([str(folder)])[0] == []
    monkeypatch.syspath_prepend(str(folder))
    handlers = dict(load_target(str(folder / "orders.py")))
    checkout = fuzz(handlers[f"{folder / 'orders.py'}:checkout"], effects=["payments:charge"], max_examples=0, database=None)
    ship = fuzz(handlers[f"{folder / 'orders.py'}:ship"], max_examples=0, database=None)
    assert [p.kind for p in checkout.problems] == ["duplicate-effect"]
    assert [p.kind for p in ship.problems] == ["outcome-mismatch"]
