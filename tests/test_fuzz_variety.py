"""Production's variety in the default run: cold replays, warm containers, Lambda's clock and context."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from aws_durable_execution_sdk_python import durable_execution

from replay_fuzz import fuzz
from replay_fuzz.backend import Backend
from replay_fuzz.clock import LAMBDA_RETRY_LAG, step_body, virtual_time
from replay_fuzz.lambda_context import FUNCTION_TIMEOUT_MS, LambdaContext
from replay_fuzz.invocation import RunOptions
from replay_fuzz.runner import run_execution
from replay_fuzz.schedule import Fault, Schedule
from replay_fuzz.single_faults import fired
from tests.fuzz_targets import at_most_once, production_variety, variety_correct

START = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("handler", "kind", "says"), [
    (production_variety.audit_regions, "nondeterminism", "lands in a fresh execution environment (PYTHONHASHSEED="),
    (production_variety.daily_report, "nondeterminism", "starts in a warm container"),
    (production_variety.running_total, "outcome-mismatch", "starts in a warm container"),
    (production_variety.invoice_with_clock_key, "nondeterminism", "then replay"),
    (production_variety.export_while_time_remains, "nondeterminism", "then replay"),
], ids=["set-order", "warm-cache", "per-container-total", "clock-key", "remaining-time"])
def test_planted_variety_bugs_are_found_with_default_options(handler, kind, says) -> None:
    report = fuzz(handler, max_examples=0, database=None)
    problem = next((p for p in report.problems if p.kind == kind), None)
    assert problem is not None, report.text()
    assert any(says in step for step in problem.schedule), problem.text()
    assert re.fullmatch(r"schedule \d+ of the single-fault pass, \d+\.\d s into the run", problem.first_seen)


def test_a_warm_cache_answering_for_a_whole_final_invocation_is_compared() -> None:
    report = fuzz(production_variety.daily_report, max_examples=0, database=None, environments=False)
    assert "the final invocation emitted no operation at all" in {p.message for p in report.problems}, report.text()


@pytest.mark.parametrize("handler", [variety_correct.audit_regions, variety_correct.invoice_with_clock_key,
                                     variety_correct.export_while_time_remains, variety_correct.slow_submitter,
                                     variety_correct.cached_client],
                         ids=["sorted-set", "clock-in-a-step", "remaining-time-in-a-step", "sleeps", "client-cache"])
def test_correct_forms_stay_clean_with_default_options(handler) -> None:
    report = fuzz(handler, max_examples=5, seed=1, database=None)
    assert report.problems == [], report.text()


def test_user_sleeps_are_virtual_so_an_hour_in_a_submitter_does_not_hang() -> None:
    @durable_execution
    def sleeps_an_hour(event, context):
        context.wait_for_callback(lambda callback_id, _: __import__("time").sleep(3600), name="approval")
        return context.step(lambda _: __import__("time").sleep(3600) or "done", name="after")

    report = fuzz(sleeps_an_hour, max_examples=0, database=None, invocation_timeout=5)
    assert report.problems == [], report.text()  # a real sleep would have hit the 5 s invocation timeout


def test_orchestration_code_sees_lambdas_retry_lag_and_step_bodies_do_not() -> None:
    seen: dict[str, list[float]] = {"orchestration": [], "step": []}

    @durable_execution
    def reads_clocks(event, context):
        import time

        seen["orchestration"].append(time.time())
        return context.step(lambda _: seen["step"].append(time.time()) or "ok", name="read")

    crash = Schedule(faults=(Fault("crash-before", _first_step_id(reads_clocks), "BODY", 1),))
    seen["orchestration"].clear()
    seen["step"].clear()
    run_execution(reads_clocks, {}, crash, RunOptions())
    first, replay = seen["orchestration"]
    assert first < START.timestamp() + LAMBDA_RETRY_LAG <= replay
    assert seen["step"] == [START.timestamp()]  # the body, run after the crash, reads the straight run's time


def _first_step_id(handler) -> str:
    record = run_execution(handler, {}, Schedule(), RunOptions())
    return next(op for op, (kind, _, _) in record.operation_types.items() if kind == "STEP")


def test_library_code_keeps_real_sleep_and_the_services_clock() -> None:
    import threading
    import time

    backend = Backend("arn:aws:lambda:us-east-1:1:function:f/durable-execution/e/x", "{}", START)
    backend.lag_seconds = LAMBDA_RETRY_LAG
    with virtual_time(backend):
        user_time = time.time()
        started = time.perf_counter()
        threading.Event().wait(0.05)  # library code: a real wait
        assert time.perf_counter() - started >= 0.05
        time.sleep(100)  # user code: virtual
        assert time.time() - user_time >= 100
        with step_body("step:x:1"):
            assert time.time() == START.timestamp()


def test_each_invocation_has_a_new_uuid_request_id_and_its_own_time_budget() -> None:
    contexts = [LambdaContext("arn:function", "arn:execution", number, seed=0) for number in (1, 2, 3)]
    ids = [context.aws_request_id for context in contexts]
    assert len(set(ids)) == 3 and all(uuid.UUID(value).version == 4 for value in ids)
    assert LambdaContext("arn:function", "arn:other-execution", 1, seed=0).aws_request_id not in ids
    budgets = [context.get_remaining_time_in_millis() for context in contexts]
    assert budgets[0] == FUNCTION_TIMEOUT_MS and len(set(budgets)) == 3


def test_only_fault_points_the_run_reached_count_as_exercised() -> None:
    record = run_execution(variety_correct.cached_client, {}, Schedule(), RunOptions())
    reached = record.checkpoint_boundaries[0]
    assert fired(Fault("after", *reached), record)
    assert not fired(Fault("after", reached[0], reached[1], 7), record)


def test_a_crash_user_code_caught_is_said() -> None:
    report = fuzz(at_most_once.catches_everything, max_examples=0, database=None, environments=False)
    assert any(note.startswith("user code caught a crash durable-fuzz injected") for note in report.notes), report.text()


def test_an_interrupted_at_most_once_step_is_labelled_for_what_it_is() -> None:
    report = fuzz(at_most_once.pay_once, max_examples=0, database=None, environments=False)
    assert [p.kind for p in report.problems] == ["interrupted-step"], report.text()
    assert "AT_MOST_ONCE" in report.problems[0].message and "by design" in report.problems[0].message


def test_effects_take_functions_and_a_durable_step_records_its_body_runs() -> None:
    report = fuzz(variety_correct.book, effects=[variety_correct.reserve_seat], max_examples=5, seed=0, database=None,
                  environments=False)
    assert report.problems == [], report.text()  # the factory call in orchestration code is not the effect
    strict = fuzz(variety_correct.book, effects=[variety_correct.reserve_seat], max_examples=0, database=None,
                  environments=False, strict_effects=True)
    assert [p.kind for p in strict.problems] == ["duplicate-effect"]  # its body re-ran in the step
    assert "reserve_seat('12A')" in strict.problems[0].observed


def test_a_plain_function_is_refused_with_the_fix() -> None:
    def handler(event, context):
        return 1

    with pytest.raises(TypeError, match=r"plain function: decorate it with @durable_execution"):
        fuzz(handler)


def test_a_problem_carries_a_python_line_that_replays_it() -> None:
    report = fuzz(production_variety.running_total, max_examples=0, database=None)
    line = report.problems[0].replay_python
    assert line.startswith("from tests.fuzz_targets.production_variety import running_total; fuzz(running_total")
    namespace: dict[str, object] = {"fuzz": fuzz}
    exec(line.replace("; fuzz(", "; replayed = fuzz(", 1), namespace)  # noqa: S102 - the line the report prints
    assert [p.kind for p in namespace["replayed"].problems] == [report.problems[0].kind]  # type: ignore[attr-defined]


def test_each_execution_here_starts_from_the_module_globals_fuzzing_began_with(tmp_path, monkeypatch) -> None:
    import importlib
    import sys

    from replay_fuzz.module_state import ModuleState

    (tmp_path / "warm_state.py").write_text(
        "import functools\nCACHE = {'a': 1}\nSEEN = []\nCOUNT = 0\n"
        "@functools.lru_cache\ndef lookup(key):\n    return key * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("warm_state")
    cache = module.CACHE
    state = ModuleState("warm_state")
    module.CACHE["b"] = 2
    module.SEEN.append("x")
    module.COUNT = 5
    module.ADDED = True
    module.lookup(3)
    state.restore()
    assert module.CACHE is cache and cache == {"a": 1}  # in place: other names may hold it
    assert module.SEEN == [] and module.COUNT == 0 and not hasattr(module, "ADDED")
    assert module.lookup.cache_info().currsize == 0
    del sys.modules["warm_state"]


def test_a_failing_test_shows_the_report_and_its_python_replay_line_without_our_frames(tmp_path) -> None:
    from tests.test_fuzz_pytest import run_suite

    done = run_suite(tmp_path, "--durable-fuzz-examples", "0")
    assert "1 failed, 1 passed" in done.stdout, done.stdout + done.stderr
    assert "in Python: from tests.fuzz_targets.planted import captured_mutation; fuzz(captured_mutation" in done.stdout
    assert "replay_fuzz/report.py" not in done.stdout and "replay_fuzz/api.py" not in done.stdout
