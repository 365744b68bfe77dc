"""The straight-through run is part of the report, and one that fails stops the run."""

from __future__ import annotations

import json
import random
import sys
import textwrap
from pathlib import Path

import pytest
from aws_durable_execution_sdk_python import durable_execution

from replay_fuzz import fuzz
from replay_fuzz.cli import main
from replay_fuzz.engine import Campaign, StraightRunFailed
from replay_fuzz.invocation import RunOptions
from replay_fuzz.records import ExecutionRecord
from replay_fuzz.schedule import Schedule


@durable_execution
def needs_an_order(event, context):
    order = event["order_id"]
    return context.step(lambda _: f"saved {order}", name="save")


@durable_execution
def step_rejects(event, context):
    def save(_):
        raise ValueError("amount must be positive")

    return context.step(save, name="save")


def test_a_handler_that_raises_on_the_event_stops_the_run_with_what_to_do(capsys) -> None:
    code = main(["tests/test_fuzz_reference.py:needs_an_order", "--max-examples", "0", "--no-database"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == ("durable-fuzz: error: the handler raised KeyError('order_id') on the event {}: pass --event or "
                   "--event-file with an event it accepts, or --allow-failing-reference if this failure is expected\n")


def test_a_failed_step_is_named(capsys) -> None:
    code = main(["tests/test_fuzz_reference.py:step_rejects", "--max-examples", "0", "--no-database"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("durable-fuzz: error: step 'save' failed in the straight-through run: "
                          "ValueError('amount must be positive') on the event {}: ")


def test_the_reference_is_in_text_and_json(capsys) -> None:
    args = ["tests/test_fuzz_reference.py:needs_an_order", "--event", '{"order_id": "o-1"}', "--max-examples", "0",
            "--no-database"]
    assert main(args) == 0
    text, _ = capsys.readouterr()
    assert 'reference: SUCCEEDED "saved o-1" in 1 invocation(s) (1 step)' in text
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr()[0])
    assert report["reference"] == {"status": "SUCCEEDED", "result": '"saved o-1"', "error": None, "invocations": 1,
                                   "operations": {"STEP": 1}, "output": ""}
    assert [handler["target"] for handler in report["handlers"]] == ["tests/test_fuzz_reference.py:needs_an_order"]


def test_an_expected_failure_is_fuzzed_and_reported(capsys) -> None:
    code = main(["tests/test_fuzz_reference.py:needs_an_order", "--max-examples", "0", "--no-database",
                 "--allow-failing-reference", "--format", "json"])
    report = json.loads(capsys.readouterr()[0])
    assert code == 0 and report["examples"] > 0
    assert report["reference"]["status"] == "FAILED" and report["reference"]["error"] == "KeyError: 'order_id'"
    with pytest.raises(StraightRunFailed, match="KeyError"):
        fuzz(needs_an_order, max_examples=0, database=None)
    assert fuzz(needs_an_order, max_examples=0, database=None, allow_failing_reference=True).references[0]["status"] == "FAILED"


def test_one_json_shape_whatever_the_number_of_handlers(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "two.py").write_text(textwrap.dedent('''
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def first(event, context):
            return context.step(lambda _: 1, name="one")

        @durable_execution
        def second(event, context):
            return context.step(lambda _: 2, name="two")
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("two", None)
    shapes = []
    for target in (f"{tmp_path}/two.py", f"{tmp_path}/two.py:first"):
        assert main([target, "--max-examples", "0", "--no-database", "--format", "json"]) == 0
        report = json.loads(capsys.readouterr()[0])
        shapes.append(sorted(report))
        assert report["target"] == target and report["reference"]["status"] == "SUCCEEDED"
    assert shapes[0] == shapes[1] and "handlers" in shapes[0]


def test_a_pinned_reference_that_hangs_is_a_problem_of_its_schedule() -> None:
    @durable_execution
    def retried(event, context):  # the step draws, so a run that re-ran it needs its own reference
        return context.step(lambda _: f"ok {random.random()}", name="once")

    campaign = Campaign(retried, {}, "retried", RunOptions(invocation_timeout=1))
    straight = campaign.reference()
    step = next(op for op, (kind, _, _) in straight.operation_types.items() if kind == "STEP")
    # As if the straight-through run with this step's second draw pinned had hung:
    hung = ExecutionRecord(Schedule(), unfinished="invocation 1 did not finish within 1 s")
    campaign._references[(Schedule(pins=((step, 2),)), False)] = hung  # in this process (not a cold landing's)
    from replay_fuzz.schedule import Fault

    [difference] = campaign.findings(Schedule(faults=(Fault("crash-after", step, "BODY", 1),)))
    assert difference.kind == "outcome-mismatch"
    assert difference.message == ("the straight-through run with this schedule's callback answers and step draws did not "
                                  "finish: invocation 1 did not finish within 1 s")
