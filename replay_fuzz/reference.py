"""The straight-through run as the report shows it, and why a failed one stops the run.

Every check compares against the straight-through run, so a run whose reference
never did what the author meant (the handler raised on the default event, a step
failed because the fuzzer refused the network) would compare failures with
failures and find nothing: the report says what the reference did, and a failed
reference ends the run with one line that says why and what to do, unless the user
declares the failure expected.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from replay_fuzz.records import ExecutionRecord

_QUOTES = ("'", '"')
EXCERPT = 120  # characters of a result or error the report shows


def excerpt(text: str | None, limit: int = EXCERPT) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit - 3] + "..."


def summary(record: ExecutionRecord) -> dict[str, Any]:
    """What the straight-through run did: status, result or error (excerpted), and what it covered."""
    kinds = Counter(kind for kind, _, _ in record.operation_types.values() if kind != "EXECUTION")
    outcome = record.outcome
    status = outcome.status if outcome is not None else "UNFINISHED"
    return {
        "status": status,
        "result": excerpt(outcome.result) if outcome is not None and outcome.status == "SUCCEEDED" else None,
        "error": excerpt(outcome.error if outcome is not None else record.unfinished) if status != "SUCCEEDED" else None,
        "invocations": len(record.invocations),
        "operations": dict(sorted(kinds.items())),
        "output": record.output[-EXCERPT * 4:],
    }


def text(summary: dict[str, Any]) -> str:
    """One line: `reference: SUCCEEDED "ok" in 2 invocations (2 steps, 1 wait)`."""
    covered = ", ".join(f"{count} {kind.lower().replace('chained_invoke', 'invoke')}{'s' * (count > 1)}"
                        for kind, count in summary["operations"].items()) or "no operations"
    shown = summary["result"] if summary["status"] == "SUCCEEDED" else summary["error"]
    return f"reference: {summary['status']} {shown} in {summary['invocations']} invocation(s) ({covered})"


def failure(record: ExecutionRecord, event: Any, refused: list[str]) -> str | None:
    """Why the straight-through run did not succeed, and what to do; None if it succeeded."""
    outcome = record.outcome
    if outcome is not None and outcome.status == "SUCCEEDED":
        return None
    shown_event = excerpt(json.dumps(event, default=str), 60)
    failed = record.failed_operations[0] if record.failed_operations else None
    what = f"{_label(failed[0], failed[1])} failed" if failed else "the straight-through run failed"
    if refused:
        error = failed[2] if failed else (outcome.error if outcome else None)
        cause = f"{raised(error).split('(')[0]} to {refused[0]}" if error else f"first refused: {refused[0]}"
        what = what if outcome is not None else "the straight-through run did not finish"
        return f"{what}: network refused by the fuzzer ({cause}): pass --allow-network, or run AWS in memory"
    if outcome is None:
        crashes = {i.crash for i in record.invocations if i.crash}
        if len(crashes) == 1 and len(record.invocations) > 1:  # the same crash every time: Lambda would retry forever
            [crash] = crashes
            return (f"the straight-through run on the event {shown_event} did not finish: every invocation crashed: "
                    f"{excerpt(raised(crash) if ': ' in crash else crash, 100)}: fix the handler")
        return (f"the straight-through run on the event {shown_event} did not finish: {record.unfinished}: fix the handler, "
                "or raise --invocation-timeout / --max-invocations if it is only slow")
    advice = "pass --event or --event-file with an event it accepts, or --allow-failing-reference if this failure is expected"
    if failed:
        return f"{what} in the straight-through run: {excerpt(raised(failed[2]), 100)} on the event {shown_event}: {advice}"
    return f"the handler raised {excerpt(raised(outcome.error or ''), 100)} on the event {shown_event}: {advice}"


def raised(error: str) -> str:
    """`module.KeyError: 'order_id'` as `KeyError('order_id')`."""
    kind, _, message = error.partition(": ")
    kind = kind.rsplit(".", 1)[-1]
    shown = message if message[:1] in _QUOTES else repr(message)
    return f"{kind}({shown})"


def _label(kind: str, name: str | None) -> str:
    what = kind.lower().replace("chained_invoke", "invoke")
    return f"{what} {name!r}" if name else f"an unnamed {what}"
