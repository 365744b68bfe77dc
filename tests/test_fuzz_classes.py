"""The single-fault pass runs a few points per class of alike fault points, and loses no planted bug."""

from __future__ import annotations

import json

import pytest

from replay_fuzz import fuzz
from replay_fuzz.classes import fault_classes
from replay_fuzz.invocation import RunOptions
from replay_fuzz.runner import run_execution
from replay_fuzz.schedule import Schedule
from tests.fuzz_targets import planted, planted_at_scale

SERVICES = "tests.fuzz_targets.services"
PLANTED = [
    (planted.random_branch, []), (planted.captured_mutation, []),
    (planted.email_from_orchestration, [f"{SERVICES}:send_email"]), (planted.fresh_charge_key, [f"{SERVICES}:charge"]),
    (planted.swallowed_suspension, []), (planted.swallowed_in_branch, []), (planted.warm_counter_name, []),
]
AT_SCALE = [
    (planted_at_scale.loop_fresh_keys, [f"{SERVICES}:charge"]), (planted_at_scale.loop_captured_mutation, []),
    (planted_at_scale.map_email_from_item, [f"{SERVICES}:send_email"]), (planted_at_scale.map_random_name, []),
    (planted_at_scale.map_swallowed_suspension, []),
]


def _name(value: object) -> str | None:
    return getattr(getattr(value, "__wrapped__", None), "__name__", None)


@pytest.mark.parametrize(("handler", "effects"), PLANTED + AT_SCALE, ids=_name)
def test_the_reduced_pass_finds_what_the_exhaustive_pass_finds(handler, effects) -> None:
    reduced = fuzz(handler, effects=effects, max_examples=0, database=None)
    exhaustive = fuzz(handler, effects=effects, max_examples=0, database=None, all_fault_points=True)
    assert exhaustive.problems, exhaustive.text()
    assert {p.kind for p in reduced.problems} == {p.kind for p in exhaustive.problems}, reduced.text()
    assert reduced.fault_classes_covered == reduced.fault_classes
    assert exhaustive.fault_points_exercised == exhaustive.fault_points == reduced.fault_points


@pytest.mark.parametrize(("handler", "effects"), AT_SCALE, ids=_name)
def test_loop_iterations_and_map_items_fall_into_few_classes(handler, effects) -> None:
    report = fuzz(handler, effects=effects, max_examples=0, database=None)
    per_item = report.fault_points // planted_at_scale.ITEMS
    assert report.fault_classes <= per_item + 10 < report.fault_points, report.text()
    assert report.fault_points_exercised <= 3 * report.fault_classes < report.fault_points


def test_a_class_runs_its_first_last_and_one_middle_point() -> None:
    reference = run_execution(planted_at_scale.loop_captured_mutation, {}, Schedule(), RunOptions())
    from replay_fuzz.engine import Campaign

    space = Campaign(planted_at_scale.loop_captured_mutation, {}, "t", RunOptions(), _references={Schedule(): reference}).fault_space()
    classes = fault_classes(space.faults, reference)
    crash_before = [c for c in classes if c.points[0].kind == "crash-before"]
    assert len(crash_before) == 1 and len(crash_before[0].points) == planted_at_scale.ITEMS
    points, chosen = crash_before[0].points, crash_before[0].chosen()
    assert chosen[0] == points[0] and chosen[-1] == points[-1] and chosen[1] in points[1:-1]
    assert chosen == fault_classes(space.faults, reference)[classes.index(crash_before[0])].chosen()  # the same every run
    assert len({p.operation_id for p in points}) == len(points)  # one per iteration


def test_two_calls_on_two_lines_are_two_classes() -> None:
    report = fuzz(planted.third_invocation_differs, max_examples=0, database=None)
    assert report.fault_classes == report.fault_points, report.text()


def test_coverage_reads_in_both_units_in_text_and_json() -> None:
    report = fuzz(planted_at_scale.loop_captured_mutation, max_examples=0, database=None)
    line = next(line for line in report.text().splitlines() if line.startswith("fault points:"))
    assert line == (f"fault points: {report.fault_points} single crash/suspend points in {report.fault_classes} classes: "
                    f"{report.fault_classes} classes covered (all covered), {report.fault_points_exercised} points run")
    document = json.loads(report.json())
    assert (document["fault_points"], document["fault_classes"], document["fault_classes_covered"],
            document["fault_points_exercised"]) == (report.fault_points, report.fault_classes, report.fault_classes,
                                                    report.fault_points_exercised)
