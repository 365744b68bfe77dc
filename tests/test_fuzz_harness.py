"""The harness itself: SDK hooks keep the SDK's results, the backend validates, guards hold."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from aws_durable_execution_sdk_python.config import CompletionConfig
from aws_durable_execution_sdk_python.lambda_service import OperationAction, OperationType, OperationUpdate

from replay_fuzz import fuzz
from replay_fuzz.backend import Backend, InvalidCheckpoint
from replay_fuzz.invocation import RunOptions
from replay_fuzz.records import START
from replay_fuzz.runner import run_execution
from replay_fuzz.schedule import Fault, Schedule
from tests.fuzz_targets import correct

ROOT = Path(__file__).resolve().parent.parent

OFFICIAL_RUN = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
    if sys.argv[1] == "hooked":
        from replay_fuzz import hooks
        hooks.install()
    from tests.fuzz_targets import correct
    with DurableFunctionTestRunner(handler=correct.order, poll_interval=0.01) as runner:
        result = runner.run(input=json.dumps({event}), execution_timeout=60)
    ops = sorted((op.operation_type.value, op.name or "", op.status.value) for op in result.operations)
    print(json.dumps({{"status": result.status.name, "result": json.loads(result.result), "ops": ops}}))
""")


def test_speed_hooks_do_not_change_the_sdks_results() -> None:
    """The official test runner gives the same answer with and without durable-fuzz's hooks."""
    script = OFFICIAL_RUN.format(root=str(ROOT), event={"order_id": "o-1", "amount": 42, "items": ["b", "a"]})
    outputs = {}
    for mode in ("stock", "hooked"):
        done = subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    stock, hooked = outputs["stock"], outputs["hooked"]
    assert stock["status"] == hooked["status"] == "SUCCEEDED"
    assert stock["ops"] == hooked["ops"]
    for key in ("packed", "sizes", "receipt"):
        assert stock["result"][key] == hooked["result"][key]


def test_backend_rejects_invalid_transitions() -> None:
    backend = Backend("arn:x/y/exec", "{}", START)
    succeed = OperationUpdate(operation_id="s1", operation_type=OperationType.STEP, action=OperationAction.SUCCEED, name="a")
    with pytest.raises(InvalidCheckpoint, match="SUCCEED of an operation that never started"):
        backend.checkpoint("arn", "t", [succeed], None)
    start = OperationUpdate(operation_id="s1", operation_type=OperationType.STEP, action=OperationAction.START, name="a")
    backend.checkpoint("arn", "t", [start, succeed], None)
    with pytest.raises(InvalidCheckpoint, match="after the operation ended"):
        backend.checkpoint("arn", "t", [succeed], None)
    renamed = OperationUpdate(operation_id="s1", operation_type=OperationType.WAIT, action=OperationAction.START, name="b")
    with pytest.raises(InvalidCheckpoint, match="recorded as STEP"):
        backend.checkpoint("arn", "t", [renamed], None)
    assert len(backend.invalid) == 3


def test_virtual_clock_moves_only_by_waits() -> None:
    record = run_execution(correct.order, {"order_id": "o", "amount": 1, "items": ["x"]}, Schedule(), RunOptions())
    assert json.loads(record.outcome.result)["started"] == START.timestamp()
    wait = next(op for op, (kind, _, _) in record.operation_types.items() if kind == "WAIT")
    pended = run_execution(correct.order, {"order_id": "o", "amount": 1, "items": ["x"]},
                           Schedule(faults=(Fault("pend", wait, "START"),)), RunOptions())
    assert [i.status for i in pended.invocations] == ["PENDING", "SUCCEEDED"]
    assert pended.outcome == record.outcome


def test_network_is_refused_unless_allowed() -> None:
    from aws_durable_execution_sdk_python import durable_execution

    @durable_execution
    def calls_out(event, context):
        def fetch(_):
            try:
                socket.create_connection(("203.0.113.7", 443), timeout=0.5)
                return "connected"
            except OSError as error:
                return str(error)

        return context.step(fetch, name="fetch")

    report = fuzz(calls_out, max_examples=0, database=None)
    assert report.problems == []
    assert any("refused" in note and "203.0.113.7:443" in note and "--allow-network" in note for note in report.notes)
    assert socket.create_connection.__module__ == "socket"  # the guard is removed afterwards


def test_guard_lets_loopback_through(tmp_path) -> None:
    from replay_fuzz.guard import NetworkRefused, refuse_network

    refused: list[str] = []
    with socket.socket() as server, socket.socket() as outbound:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with refuse_network(refused):
            socket.create_connection(server.getsockname(), timeout=1).close()
            with pytest.raises(NetworkRefused, match="--allow-network"):
                outbound.connect(("198.51.100.9", 80))
    assert refused == ["198.51.100.9:80"]


def test_a_hanging_invocation_is_a_problem_not_a_hang() -> None:
    from aws_durable_execution_sdk_python import durable_execution

    from tests.fuzz_targets.stuck import block

    @durable_execution
    def hangs(event, context):
        return context.step(lambda _: block(1.5) or "late", name="slow")

    from replay_fuzz.engine import StraightRunFailed

    before = set(threading.enumerate())
    with pytest.raises(StraightRunFailed, match="invocation 1 did not finish within 0.3 s"):
        fuzz(hangs, max_examples=0, database=None, invocation_timeout=0.3)
    # The abandoned invocation ends when its step does, and takes its thread with it
    # (later tests would otherwise fork with it alive).
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=30)
    assert set(threading.enumerate()) <= before


def test_user_code_sees_virtual_time_through_every_clock() -> None:
    import datetime
    import time

    from aws_durable_execution_sdk_python import durable_execution
    from aws_durable_execution_sdk_python.config import Duration

    bound_clock = time.time  # bound before the run, as `clock = time.time` at import would be

    @durable_execution
    def clocks(event, context):
        before = context.step(lambda _: [bound_clock(), time.time_ns() // 10**9, time.monotonic(),
                                         datetime.datetime.now(datetime.UTC).isoformat(), datetime.date.today().isoformat()],
                              name="before")
        context.wait(Duration.from_hours(2), name="two-hours")
        after = context.step(lambda _: [time.time(), time.monotonic()], name="after")
        return {"before": before, "after": after}

    record = run_execution(clocks, {}, Schedule(), RunOptions())
    result = json.loads(record.outcome.result)
    assert result["before"][:2] == [START.timestamp(), int(START.timestamp())]
    assert result["before"][3:] == [START.isoformat(), START.date().isoformat()]
    assert result["after"][0] - result["before"][0] == 7200
    assert result["after"][1] - result["before"][2] == 7200


def test_concurrent_step_bodies_draw_from_streams_of_their_own() -> None:
    """Map items run their step bodies on several threads: what each draws must not depend on timing."""
    outcomes = {run_execution(correct.raffle, {}, Schedule(), RunOptions()).outcome for _ in range(3)}
    assert len(outcomes) == 1
    assert fuzz(correct.raffle, max_examples=10, seed=0, database=None).problems == []


@pytest.mark.parametrize(
    ("config", "branches", "early"),
    [
        (CompletionConfig(), 3, True),  # no criteria: fail-fast
        (CompletionConfig.all_successful(), 3, True),
        (CompletionConfig.first_successful(), 3, True),
        (CompletionConfig(should_complete=lambda status: None), 3, True),
        (CompletionConfig(tolerated_failure_count=1), 3, True),
        (CompletionConfig.all_completed(), 3, False),
        (CompletionConfig(tolerated_failure_count=3), 3, False),
        (CompletionConfig(), 1, False),
    ],
)
def test_batches_that_can_complete_early_are_the_ones_run_one_branch_at_a_time(config, branches, early) -> None:
    from aws_durable_execution_sdk_python.concurrency.models import CompletionPolicy

    from replay_fuzz.hooks import can_complete_early

    assert can_complete_early(CompletionPolicy.from_config(branches, config)) is early
