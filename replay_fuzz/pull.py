"""`durable-fuzz pull`: save the states of a function's durable executions, for `durable-fuzz replay`.

Lists the executions with ListDurableExecutionsByFunction and rebuilds each one's
operations from GetDurableExecutionHistory (both paginated, with the user's boto3
credentials and region). GetDurableExecutionState is not used: it requires the
CheckpointToken that only the Lambda runtime holds during an invocation. Each file
holds `{"DurableExecutionArn", "Operations"}` in GetDurableExecutionState's shape.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

from replay_fuzz.states import iso_timestamp

_EVENT = re.compile(r"^(Execution|Step|Wait|Callback|Context|ChainedInvoke)(Started|Succeeded|Failed|TimedOut|Stopped|Cancelled)$")
_TYPES = {"Execution": "EXECUTION", "Step": "STEP", "Wait": "WAIT", "Callback": "CALLBACK", "Context": "CONTEXT",
          "ChainedInvoke": "CHAINED_INVOKE"}
_DETAILS = {"Step": "StepDetails", "Context": "ContextDetails", "Callback": "CallbackDetails",
            "ChainedInvoke": "ChainedInvokeDetails", "Wait": "WaitDetails", "Execution": "ExecutionDetails"}
_ENDED = {"Succeeded": "SUCCEEDED", "Failed": "FAILED", "TimedOut": "TIMED_OUT", "Stopped": "STOPPED", "Cancelled": "CANCELLED"}


class PullError(Exception):
    """The executions could not be listed or read; the message says why."""


def pull(function: str, folder: Path, statuses: list[str], region: str | None = None,
         profile: str | None = None) -> list[Path]:
    """Save the state of each execution of `function` with one of `statuses`, with the user's AWS configuration."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.Session(profile_name=profile, region_name=region).client("lambda")
        return save_executions(client, function, folder, statuses)
    except ClientError as error:
        raise PullError(f"pull {function}: {error}") from None
    except BotoCoreError as error:
        raise PullError(f"pull {function}: {error} (check your AWS credentials and region, or pass --profile/--region)") from None


def save_executions(client: Any, function: str, folder: Path, statuses: list[str]) -> list[Path]:
    """With any boto3 Lambda client (a stubbed one in tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    listing = client.get_paginator("list_durable_executions_by_function")
    for page in listing.paginate(FunctionName=function, Statuses=statuses):
        for execution in page.get("DurableExecutions", []):
            arn = execution["DurableExecutionArn"]
            history = client.get_paginator("get_durable_execution_history")
            events = [event for part in history.paginate(DurableExecutionArn=arn, IncludeExecutionData=True)
                      for event in part.get("Events", [])]
            name = execution["DurableExecutionName"]  # required, unique per function
            path = folder / f"{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.json"
            state = {"DurableExecutionArn": arn, "Operations": operations_from_history(events)}
            path.write_text(json.dumps(state, indent=1, default=iso_timestamp) + "\n")
            saved.append(path)
    return saved


def operations_from_history(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The operations as GetDurableExecutionState would return them, from the execution's history events."""
    operations: dict[str, dict[str, Any]] = {}
    for event in events:
        match = _EVENT.match(event.get("EventType", ""))
        if match is None:
            continue  # InvocationCompleted, ExecutionPaused, ...: no operation changes
        kind, action = match.groups()
        details = event.get(f"{event['EventType']}Details") or {}
        stamp = event.get("EventTimestamp")
        operation = operations.setdefault(event["Id"], _started(event, kind, stamp))
        holder = operation.setdefault(_DETAILS[kind], {})
        if action == "Started":
            _fill_start(kind, holder, details, operation)
            continue
        result = (details.get("Result") or {}).get("Payload")
        error = (details.get("Error") or {}).get("Payload")
        retry = details.get("RetryDetails") or {}
        if result is not None and kind != "Execution":
            holder["Result"] = result
        if error:
            holder["Error"] = error
        if kind == "Step":
            holder["Attempt"] = retry.get("CurrentAttempt", holder.get("Attempt", 0) + 1)
        if kind == "Step" and action == "Failed" and retry.get("NextAttemptDelaySeconds") is not None:
            operation["Status"] = "PENDING"  # the step will be retried
            holder["NextAttemptTimestamp"] = _plus(stamp, retry["NextAttemptDelaySeconds"])
            continue
        operation["Status"], operation["EndTimestamp"] = _ENDED[action], stamp
    return list(operations.values())


def _started(event: dict[str, Any], kind: str, stamp: Any) -> dict[str, Any]:
    operation = {"Id": event["Id"], "Type": _TYPES[kind], "Status": "STARTED", "StartTimestamp": stamp}
    for key in ("ParentId", "Name", "SubType"):
        if event.get(key):
            operation[key] = event[key]
    return operation


def _fill_start(kind: str, holder: dict[str, Any], details: dict[str, Any], operation: dict[str, Any]) -> None:
    operation["Status"] = "STARTED"
    if kind == "Execution":
        holder["InputPayload"] = (details.get("Input") or {}).get("Payload")
    elif kind == "Wait" and details.get("ScheduledEndTimestamp"):
        holder["ScheduledEndTimestamp"] = details["ScheduledEndTimestamp"]
    elif kind == "Callback":
        holder["CallbackId"] = details.get("CallbackId")
    elif kind == "Step":
        holder.setdefault("Attempt", 0)


def _plus(stamp: Any, seconds: int) -> Any:
    return stamp + datetime.timedelta(seconds=seconds) if isinstance(stamp, datetime.datetime) else stamp
