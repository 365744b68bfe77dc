"""`durable-fuzz pull`: execution states through boto3, with botocore's Stubber (no request leaves the process)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from replay_fuzz.cli import main
from replay_fuzz.compat import check_state, collect_states
from replay_fuzz.pull import save_executions
from replay_fuzz.invocation import RunOptions
from replay_fuzz.states import State, load
from tests.compat_pairs import v1, v2

FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
EVENT = {"order_id": "o-1"}


def _history(state: State) -> list[dict[str, Any]]:
    """The history events the service would record for `state`'s operations."""
    events: list[dict[str, Any]] = []
    for operation in state.operations:
        kind = {"CHAINED_INVOKE": "ChainedInvoke"}.get(operation.operation_type.value, operation.operation_type.value.title())
        common = {"Id": operation.operation_id, **({"Name": operation.name} if operation.name else {}),
                  **({"ParentId": operation.parent_id} if operation.parent_id else {}),
                  **({"SubType": operation.sub_type} if operation.sub_type else {})}
        started: dict[str, Any] = {"EventType": f"{kind}Started", "EventTimestamp": operation.start_timestamp, **common}
        if kind == "Execution":
            started["ExecutionStartedDetails"] = {"Input": {"Payload": operation.execution_details.input_payload},
                                                "ExecutionTimeout": 3600}
        if kind == "Wait":
            started["WaitStartedDetails"] = {"Duration": 30, "ScheduledEndTimestamp": operation.wait_details.scheduled_end_timestamp}
        events.append(started)
        if operation.status.value == "SUCCEEDED":
            succeeded: dict[str, Any] = {"EventType": f"{kind}Succeeded", "EventTimestamp": operation.end_timestamp, **common}
            if kind == "Step":
                succeeded["StepSucceededDetails"] = {"Result": {"Payload": operation.step_details.result},
                                                     "RetryDetails": {"CurrentAttempt": operation.step_details.attempt}}
            events.append(succeeded)
    for number, event in enumerate(events, start=1):
        event["EventId"] = number
    return events


@pytest.fixture
def waiting_state() -> State:
    """v1.renamed's execution waiting at wait 'cooldown', as the fuzzer collects it."""
    states = collect_states(v1.renamed, EVENT, "v1:renamed", RunOptions()).states
    return next(state for state in states if state.point() == "executions waiting at wait 'cooldown'"
                and state.operations[-1].name == "cooldown")


def test_pull_saves_each_listed_execution_and_the_saved_state_replays_like_the_fuzzers_own(
        waiting_state: State, tmp_path: Path) -> None:
    client = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    arns = [f"{FUNCTION}:$LATEST/durable-execution/order-{n}/{waiting_state.execution.operation_id}" for n in (1, 2)]
    events = _history(waiting_state)
    started = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    with Stubber(client) as stub:
        for page, arn in enumerate(arns):
            stub.add_response(
                "list_durable_executions_by_function",
                {"DurableExecutions": [{"DurableExecutionArn": arn, "DurableExecutionName": f"order-{page + 1}",
                                        "FunctionArn": FUNCTION, "Status": "RUNNING", "StartTimestamp": started}],
                 **({"NextMarker": "more"} if page == 0 else {})},
                {"FunctionName": "orders", "Statuses": ["RUNNING"], **({"Marker": "more"} if page else {})})
            stub.add_response("get_durable_execution_history", {"Events": events[:2], "NextMarker": "rest"},
                              {"DurableExecutionArn": arn, "IncludeExecutionData": True})
            stub.add_response("get_durable_execution_history", {"Events": events[2:]},
                              {"DurableExecutionArn": arn, "IncludeExecutionData": True, "Marker": "rest"})
        saved = save_executions(client, "orders", tmp_path / "states", ["RUNNING"])
        stub.assert_no_pending_responses()
    assert [path.name for path in saved] == ["order-1.json", "order-2.json"]
    pulled = load(saved[0])
    assert pulled.arn == arns[0]
    assert [(op.operation_id, op.status, op.name) for op in pulled.operations] == \
           [(op.operation_id, op.status, op.name) for op in waiting_state.operations]
    assert pulled.point() == waiting_state.point()
    difference = check_state(v2.renamed, pulled, RunOptions())
    assert difference is not None and (difference.reference, difference.observed) == ("step 'validate'", "step 'check-order'")
    assert difference == check_state(v2.renamed, waiting_state, RunOptions())
    assert check_state(v1.renamed, pulled, RunOptions()) is None


def test_pull_without_a_region_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["pull", "orders", str(tmp_path / "states")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "You must specify a region" in err and "--region" in err


def test_the_pulled_file_is_the_apis_shape(waiting_state: State, tmp_path: Path) -> None:
    client = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    arn = f"{FUNCTION}:$LATEST/durable-execution/order-1/{waiting_state.execution.operation_id}"
    with Stubber(client) as stub:
        stub.add_response("list_durable_executions_by_function", {"DurableExecutions": [
            {"DurableExecutionArn": arn, "DurableExecutionName": "order-1", "FunctionArn": FUNCTION, "Status": "RUNNING",
             "StartTimestamp": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}]})
        stub.add_response("get_durable_execution_history", {"Events": _history(waiting_state)})
        path, = save_executions(client, "orders", tmp_path, ["RUNNING"])
    data = json.loads(path.read_text())
    assert set(data) == {"DurableExecutionArn", "Operations"}
    assert data["Operations"][-1] == {"Id": waiting_state.operations[-1].operation_id, "Type": "WAIT", "Status": "STARTED",
                                      "StartTimestamp": "2030-01-01T00:00:00+00:00", "Name": "cooldown", "SubType": "Wait",
                                      "WaitDetails": {"ScheduledEndTimestamp": "2030-01-01T00:00:30+00:00"}}
