"""durable-fuzz compat: which changes break the executions an old version left in flight.

Each pair is a handler in tests/compat_pairs/v1.py and its changed version in v2.py.
"""

from __future__ import annotations

import datetime
import json

import pytest

from replay_fuzz.compat import collect_states, compat, resume
from replay_fuzz.invocation import RunOptions
from replay_fuzz.states import from_json
from tests.compat_pairs import v1, v2

EVENT = {"order_id": "o-1", "items": ["mug", "pen"]}

INCOMPATIBLE = {
    # handler: (kind, in-flight point, old code, new code)
    "renamed": ("nondeterminism", "executions waiting at wait 'cooldown'", "step 'validate'", "step 'check-order'"),
    "swapped": ("nondeterminism", "executions waiting at wait 'settle'", "step 'reserve'", "step 'price'"),
    "inserted": ("nondeterminism", "executions waiting at wait 'fraud-hold'", "wait 'fraud-hold'", "step 'fraud-score'"),
    "map_items": ("nondeterminism", "executions waiting at wait 'restock' in the items of map 'packing'",
                  "wait 'restock'", "step 'label'"),
    "unreadable": ("outcome-mismatch", "executions waiting at wait 'approval-window'", "SUCCEEDED 5", "FAILED KeyError: 'total'"),
    "unnamed_swap": ("nondeterminism", "executions waiting at wait 'settle'", "unnamed step of capture", "unnamed step of refund"),
    "removed": ("nondeterminism", "executions waiting to retry step 'notify'", "step 'notify'", "(never reached)"),
}
COMPATIBLE = ["appended", "body_changed", "wait_changed", "new_branch", "refactored", "approval"]


@pytest.mark.parametrize("name", list(INCOMPATIBLE))
def test_a_change_that_breaks_executions_in_flight_is_reported_with_where_they_wait(name: str) -> None:
    report = compat(getattr(v2, name), base=getattr(v1, name), events=[EVENT])
    kind, point, old, new = INCOMPATIBLE[name]
    assert len(report.problems) == 1, report.text()
    problem = report.problems[0]
    assert (problem.kind, problem.point, problem.reference, problem.observed) == (kind, point, old, new), report.text()
    assert 1 <= problem.states <= report.states
    with pytest.raises(AssertionError, match=point.replace("(", r"\(")):
        report.raise_if_problems()


@pytest.mark.parametrize("name", COMPATIBLE)
def test_a_change_that_in_flight_executions_survive_is_compatible(name: str) -> None:
    report = compat(getattr(v2, name), base=getattr(v1, name), events=[EVENT])
    assert report.problems == [], report.text()
    assert report.states >= 5  # it checked something: every suspension and crash point of the old code
    report.raise_if_problems()


def test_the_old_code_is_compatible_with_itself_at_every_state() -> None:
    report = compat(v1.map_items, base=v1.map_items, events=[EVENT])
    assert report.problems == [] and report.states > 10


def test_states_cover_every_suspension_crash_and_retry_point() -> None:
    collection = collect_states(v1.inserted, EVENT, "v1:inserted", RunOptions())
    states, schedules = collection.states, collection.schedules
    points = {state.point() for state in states}
    assert {"executions waiting at wait 'fraud-hold'", "executions waiting to retry step 'validate'",
            "executions waiting to retry step 'ship'", "executions cut off after step 'validate' was stored (SUCCEEDED)",
            "executions cut off before they stored any operation"} <= points
    assert schedules > len(states)  # several schedules leave the same state; each is resumed once
    assert all(state.old_outcome and state.old_outcome.status == "SUCCEEDED" for state in states)


def _api_shape(saved: dict) -> list[dict]:
    """The same state as GetDurableExecutionState returns it over the wire: Unix-seconds timestamps,
    no fuzzer extras, in two pages."""
    operations = []
    for operation in saved["Operations"]:
        operation = json.loads(json.dumps(operation))
        for holder, key in [(operation, "StartTimestamp"), (operation, "EndTimestamp"),
                            (operation.get("WaitDetails", {}), "ScheduledEndTimestamp"),
                            (operation.get("StepDetails", {}), "NextAttemptTimestamp")]:
            if key in holder:
                holder[key] = datetime.datetime.fromisoformat(holder[key]).timestamp()
        operations.append(operation)
    return [{"Operations": operations[:1], "NextMarker": "page-2"}, {"Operations": operations[1:]}]


def test_executions_waiting_for_a_callback_or_an_invoke_resume_once_it_is_answered() -> None:
    states = collect_states(v1.approval, EVENT, "v1:approval", RunOptions()).states
    points = {state.point(): state for state in states}
    assert {"executions waiting for callback 'manager'", "executions waiting for invoke 'bill'"} <= set(points)
    for point in ("executions waiting for callback 'manager'", "executions waiting for invoke 'bill'"):
        assert points[point].old_outcome is not None and points[point].old_outcome.status == "SUCCEEDED"


def test_a_saved_state_and_the_same_state_in_the_api_shape_replay_the_same_way() -> None:
    states = collect_states(v1.unnamed_swap, EVENT, "v1:unnamed_swap", RunOptions()).states
    for state in states:
        saved = json.loads(json.dumps(state.to_json()))
        from_file, from_api = from_json(saved), from_json(_api_shape(saved))
        assert from_api.operations == from_file.operations
        assert from_api.old_outcome is None and from_file.old_outcome == state.old_outcome
        runs = [resume(v2.unnamed_swap, loaded, RunOptions()) for loaded in (from_file, from_api)]
        assert runs[0].outcome == runs[1].outcome
        assert [i.operations for i in runs[0].invocations] == [i.operations for i in runs[1].invocations]


def test_an_old_version_that_fails_straight_through_says_which_states_were_collected() -> None:
    report = compat(v1.declined, base=v1.declined, events=[EVENT])
    assert report.problems == [] and report.states >= 1
    assert any("the old code ends FAILED ValueError: card declined straight through" in note for note in report.notes)
    assert "note: the old code ends FAILED" in report.text()


def test_states_the_old_code_cannot_resume_itself_are_left_out_and_said() -> None:
    report = compat(v1.unstable, base=v1.unstable, events=[EVENT])
    assert report.problems == []
    assert any(note.startswith("the old code itself cannot resume") and "run durable-fuzz on it" in note
               for note in report.notes), report.notes


def test_the_reproduce_call_of_a_problem_resumes_exactly_its_state() -> None:
    problem = compat(v2.inserted, base=v1.inserted, events=[EVENT]).problems[0]
    token = problem.reproduce.split("state=")[1].strip("')")
    again = compat(v2.inserted, base=v1.inserted, events=[EVENT], state=token)
    assert again.states == 1 and again.schedules == 1
    assert [(p.point, p.states, p.observed) for p in again.problems] == [(problem.point, 1, problem.observed)]
