"""durable-fuzz on handlers the linter's tests do not contain: planted bugs found, correct handlers clean."""

from __future__ import annotations

import pytest

from replay_fuzz import fuzz
from tests.fuzz_targets import correct, planted

SERVICES = "tests.fuzz_targets.services"
ORDER = {"order_id": "o-1", "amount": 42, "items": ["b", "a"]}


@pytest.mark.parametrize(
    ("handler", "effects", "kind"),
    [
        (planted.random_branch, [], "nondeterminism"),
        (planted.captured_mutation, [], "outcome-mismatch"),
        (planted.email_from_orchestration, [f"{SERVICES}:send_email"], "duplicate-effect"),
        (planted.fresh_charge_key, [f"{SERVICES}:charge"], "duplicate-effect"),
        (planted.swallowed_suspension, [], "swallowed-suspend"),
        (planted.swallowed_in_branch, [], "swallowed-suspend"),
        (planted.warm_counter_name, [], "nondeterminism"),
    ],
    ids=lambda value: getattr(getattr(value, "__wrapped__", None), "__name__", None),
)
def test_planted_bug_is_reported_with_its_kind(handler, effects, kind) -> None:
    report = fuzz(handler, events=[{}], effects=effects, max_examples=200, seed=0, database=None)
    assert kind in {p.kind for p in report.problems}, report.text()
    problem = next(p for p in report.problems if p.kind == kind)
    assert len(problem.schedule) == 1  # shrunk to one fault
    assert problem.reproduce.startswith("durable-fuzz ") and "--replay " in problem.reproduce


@pytest.mark.parametrize(
    ("handler", "event", "effects"),
    [
        (correct.order, ORDER, [f"{SERVICES}:charge", f"{SERVICES}:send_email"]),
        (correct.approval, {}, [f"{SERVICES}:send_email"]),
    ],
    ids=["steps-map-parallel-child-wait", "callback-condition"],
)
def test_correct_handlers_come_back_clean(handler, event, effects) -> None:
    report = fuzz(handler, events=[event], effects=effects, max_examples=60, seed=1, database=None)
    assert report.problems == [], report.text()
    assert report.fault_points > 20 and report.fault_points_exercised == report.fault_points
    assert report.executions > report.fault_points


def test_branches_the_sdk_resumes_in_process_come_back_clean() -> None:
    """A branch whose wait or retry comes due while its siblings run is resumed in the same
    invocation: it runs again from its top (its operations are emitted twice), its suspension
    is the SDK's and not swallowed, and the service must have released what is due."""
    report = fuzz(correct.staggered, max_examples=0, database=None, invocation_timeout=3)
    assert report.problems == [], report.text()


def test_a_batch_that_completes_at_its_first_failure_is_compared_in_one_order() -> None:
    """Which callbacks had succeeded when another failed would otherwise be a thread race."""
    report = fuzz(correct.approvals, max_examples=100, seed=0, database=None)
    assert report.problems == [], report.text()


def test_a_handled_final_step_failure_is_not_compared_with_the_straight_run() -> None:
    report = fuzz(correct.compensated, effects=[f"{SERVICES}:charge"], max_examples=30, seed=0, database=None)
    assert report.problems == [], report.text()
    assert report.fault_points_exercised == report.fault_points


def test_at_most_once_step_rerun_is_a_duplicate_effect() -> None:
    from aws_durable_execution_sdk_python import durable_execution
    from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics

    from tests.fuzz_targets import services

    @durable_execution
    def notify_once(event, context):
        config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
        return context.step(lambda _: services.send_email("a@example.com", "hi") or "sent", name="notify", config=config)

    report = fuzz(notify_once, effects=[f"{SERVICES}:send_email"], max_examples=20, seed=0, database=None)
    [problem] = report.problems
    assert problem.kind == "duplicate-effect" and "AT_MOST_ONCE" in problem.message
    assert problem.schedule == ("crash after step 'notify' ran, before its checkpoint was stored; then replay",)


def test_strict_effects_flag_any_repeat() -> None:
    from aws_durable_execution_sdk_python import durable_execution

    from tests.fuzz_targets import services

    @durable_execution
    def idempotent(event, context):
        return context.step(lambda _: services.charge(5, idempotency_key="k-1"), name="charge")

    assert fuzz(idempotent, effects=[f"{SERVICES}:charge"], max_examples=10, seed=0, database=None).problems == []
    strict = fuzz(idempotent, effects=[f"{SERVICES}:charge"], max_examples=10, seed=0, database=None, strict_effects=True)
    assert [p.kind for p in strict.problems] == ["duplicate-effect"]


def test_replay_token_reproduces_exactly_that_schedule() -> None:
    found = fuzz(planted.swallowed_suspension, max_examples=0, seed=0, database=None)
    [problem] = found.problems
    replayed = fuzz(planted.swallowed_suspension, replay=problem.token, database=None)
    assert replayed.examples == 1 and [p.kind for p in replayed.problems] == ["swallowed-suspend"]
    assert replayed.problems[0].schedule == problem.schedule


def test_report_text_reads_like_a_falsifying_example() -> None:
    report = fuzz(planted.captured_mutation, max_examples=0, seed=0, database=None)
    text = report.text()
    assert "fault points: " in text and "(all covered)" in text
    assert "[outcome-mismatch]" in text and "straight-through run: SUCCEEDED" in text
    with pytest.raises(AssertionError, match=r"\[outcome-mismatch\]"):
        report.raise_if_problems()


def test_an_email_after_the_last_step_is_sent_again_when_the_response_is_lost() -> None:
    from aws_durable_execution_sdk_python import durable_execution

    from tests.fuzz_targets import services

    @durable_execution
    def receipt_last(event, context):
        total = context.step(lambda _: 42, name="total")
        services.send_email("ana@example.com", f"you paid {total}")  # no later boundary can crash before this
        return total

    report = fuzz(receipt_last, effects=[f"{SERVICES}:send_email"], max_examples=0, database=None)
    [problem] = report.problems
    assert problem.kind == "duplicate-effect"
    assert problem.schedule == ("the handler ended the execution but its response was lost "
                                "(Lambda timed out or died after the handler returned); then replay",)
    replayed = fuzz(receipt_last, effects=[f"{SERVICES}:send_email"], replay=problem.token, database=None)
    assert [p.kind for p in replayed.problems] == ["duplicate-effect"]


LARGE = 6 * 1024 * 1024  # more than Lambda's response limit: the SDK checkpoints the result instead


def test_a_result_too_large_for_the_response_ends_the_execution_when_checkpointed() -> None:
    from aws_durable_execution_sdk_python import durable_execution

    @durable_execution
    def large(event, context):
        return "x" * context.step(lambda _: LARGE, name="size")

    report = fuzz(large, max_examples=0, database=None)
    # Crashing right after the result's checkpoint does not invoke a finished execution again,
    # and no response can be lost: it carries no result.
    assert report.problems == [], report.text()
    assert report.fault_points == report.fault_points_exercised > 0


def test_a_checkpointed_result_is_compared_by_its_value() -> None:
    from aws_durable_execution_sdk_python import durable_execution

    @durable_execution
    def large_and_lost(event, context):
        seen = []
        size = context.step(lambda _: seen.append("ran") or LARGE, name="size")
        return "x" * size + str(len(seen))  # "1" straight through, "0" when the step was replayed

    [problem] = fuzz(large_and_lost, max_examples=0, database=None).problems
    assert problem.kind == "outcome-mismatch"
    # Both sides are the checkpointed results, shown around where they differ, not in full.
    length = len('SUCCEEDED "') + LARGE + len('1"')
    assert problem.reference.startswith("...") and problem.reference.endswith(f'x1" ({length:,} characters)')
    assert problem.observed.startswith("...") and problem.observed.endswith(f'x0" ({length:,} characters)')
    assert len(problem.text()) < 2_000


def test_each_execution_has_its_own_arn_and_outcomes_compare_without_it(tmp_path) -> None:
    from aws_durable_execution_sdk_python import durable_execution
    from aws_durable_execution_sdk_python.config import StepConfig
    from aws_durable_execution_sdk_python.filesystem_serdes import FileSystemSerDes

    from tests.fuzz_targets import services

    @durable_execution
    def kept_on_a_shared_folder(event, context):
        """Step results in files named by execution ARN and operation id, as on EFS or S3 Files."""
        files = StepConfig(serdes=FileSystemSerDes(event["folder"]))
        numbers = context.step(lambda _: list(range(5)), name="load", config=files)
        total = context.step(lambda _: sum(numbers), name="sum", config=files)
        arn = context.execution_context.durable_execution_arn
        context.step(lambda _: services.charge(total, idempotency_key=arn), name="charge")  # a key per execution
        return {"total": total, "execution": arn}

    report = fuzz(kept_on_a_shared_folder, events=[{"folder": str(tmp_path)}], effects=[f"{SERVICES}:charge"],
                  max_examples=20, seed=0, database=None)
    assert report.problems == [], report.text()
    # One folder per execution: executions sharing an ARN overwrote each other's results.
    assert len(list((tmp_path / "durable-fuzz").iterdir())) == report.executions
