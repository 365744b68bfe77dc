"""durable-fuzz always ends and says why, on handlers that misbehave (tests/fuzz_targets/hostile.py).

Each case runs the real command in a subprocess with a timeout, so a regression shows
as a failed test, not a hung suite.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import child_processes

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "tests/fuzz_targets/hostile.py"
QUICK = ["--max-examples", "3", "--no-database", "--invocation-timeout", "0.5", "--jobs", "1"]


def durable_fuzz(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replay_fuzz.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.mark.parametrize(("handler", "expected"), [
    ("spins", "invocation 1 did not finish within 0.5 s"),
    ("blocks", "invocation 1 did not finish within 0.5 s"),
    ("huge_result", "invocation 1 did not finish within 0.5 s"),
    ("holds_the_lock", "gave no sign of life for 11 s and was killed"),  # its own timeout cannot fire either  # the SDK's own deadlock over its batch limit
    ("exits_in_a_step", "ended its process: it exited with code 3"),
    ("sys_exit_in_a_step", "every invocation crashed: SystemExit"),
    ("interrupts_orchestration", "every invocation crashed: KeyboardInterrupt"),
    ("raises_base_exception", "every invocation crashed: BaseException('not an Exception')"),
])
def test_a_straight_through_run_that_cannot_finish_is_one_line_and_exit_2(handler: str, expected: str) -> None:
    result = durable_fuzz(f"{HOSTILE}:{handler}", *QUICK)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("durable-fuzz: error: ") and expected in line, line


def test_a_schedule_that_ends_its_worker_is_a_problem_with_a_replay_token() -> None:
    result = durable_fuzz(f"{HOSTILE}:exits_on_replay", *QUICK, "--format", "json")
    assert result.returncode == 1, result.stderr
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["message"] == "the execution ended the process running it: it exited with code 7"
    replayed = durable_fuzz(f"{HOSTILE}:exits_on_replay", *QUICK, "--format", "json", "--replay", problem["replay"])
    assert replayed.returncode == 1
    assert json.loads(replayed.stdout)["problems"][0]["message"] == problem["message"]


def test_the_first_schedule_whose_invocation_never_returns_ends_the_run() -> None:
    """A spinning thread cannot be stopped: every later execution beside it would wait out its timeout."""
    result = durable_fuzz(f"{HOSTILE}:spins_on_replay", *QUICK, "--max-examples", "50", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    [problem] = report["problems"]
    assert problem["message"] == ("the execution hangs: invocation 2 did not finish within 0.5 s and never returned: "
                                  "user code still runs in a thread that cannot be stopped")
    assert "the run stopped early: a schedule left user code running in an invocation that never returned" in report["notes"]
    assert report["examples"] < 10  # it stopped at the first hang, not after waiting out each of them


def test_a_thread_left_running_does_not_keep_the_fuzzer_alive() -> None:
    result = durable_fuzz(f"{HOSTILE}:leaves_a_thread", *QUICK, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "reference: SUCCEEDED" in result.stdout


def test_processes_started_by_the_code_under_test_do_not_outlive_the_fuzzer() -> None:
    result = durable_fuzz(f"{HOSTILE}:leaves_a_process", *QUICK)
    assert result.returncode == 0, result.stderr
    strays = [cmdline for cmdline in _command_lines() if "durable-fuzz-stray" in cmdline and "-c" in cmdline]
    assert strays == []


def _command_lines() -> list[str]:
    lines = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(entry.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return lines


def test_what_user_code_prints_stays_out_of_the_json() -> None:
    result = durable_fuzz(f"{HOSTILE}:chatty", *QUICK, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "hello from orchestration" in report["reference"]["output"]
    assert "hello from a step" in report["reference"]["output"]  # stderr of user code is captured too
    assert "hello" not in result.stderr


def test_what_the_target_prints_at_import_stays_out_of_the_json(tmp_path: Path) -> None:
    (tmp_path / "loud.py").write_text(
        "print('hello at import')\n"
        "from aws_durable_execution_sdk_python import durable_execution\n"
        "@durable_execution\n"
        "def handler(event, context):\n"
        "    return context.step(lambda _: 1, name='one')\n")
    result = durable_fuzz(str(tmp_path / "loud.py"), *QUICK, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reference"]["status"] == "SUCCEEDED"


def test_an_environment_that_dies_is_a_crash_not_a_traceback() -> None:
    result = durable_fuzz(f"{HOSTILE}:exits_in_a_step", *QUICK, "--environments", "--max-invocations", "3", timeout=120)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    # The straight-through run is in process (only replays land in environments): its child ended.
    assert "ended its process: it exited with code 3" in line


@pytest.mark.parametrize(("stop", "code", "environments", "whole_group"), [
    (signal.SIGTERM, 143, ["--environments"], False),
    (signal.SIGINT, 130, [], False),
    (signal.SIGTERM, 143, [], True),  # as a CI job's timeout sends it: the workers get it too
])
def test_a_signal_prints_the_partial_report_and_removes_temporary_folders(
        tmp_path: Path, stop: signal.Signals, code: int, environments: list[str], whole_group: bool) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "replay_fuzz.cli", "tests.fuzz_targets.correct:order", "--event",
         '{"order_id": "o", "amount": 1, "items": ["x"]}', "--max-examples", "100000", "--no-database", *environments],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=whole_group)
    try:
        assert process.stderr is not None
        progress = process.stderr.readline()  # a progress line: the search is under way
        assert progress.startswith("durable-fuzz: ") and "schedules" in progress and "s left" in progress
        children = child_processes(process.pid)
        assert children  # shards (and zygotes)
        if whole_group:
            os.killpg(process.pid, stop)
        else:
            process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == code
    assert f"note: interrupted by {stop.name}: a partial report" in out and "reference: SUCCEEDED" in out
    assert err.strip().endswith(f"durable-fuzz: interrupted by {stop.name}")
    assert list(tmp_path.iterdir()) == []
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


COUNTED = """
import os

from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context):
    with open(os.environ["INVOCATIONS_LOG"], "a") as log:  # one line per invocation, from every process
        log.write("x\\n")
    context.step(lambda _: 1, name="reserve")
    context.wait(Duration.from_seconds(5), name="settle")
    return context.step(lambda _: 2, name="charge")
"""


def test_an_interrupted_run_counts_the_invocations_that_really_ran(tmp_path: Path) -> None:
    """The partial report counts every finished execution of the shards still running, not only
    those of the shards that finished (the search here never finishes)."""
    (tmp_path / "counted.py").write_text(COUNTED)
    log = tmp_path / "invocations.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "replay_fuzz.cli", str(tmp_path / "counted.py"), "--max-examples", "100000",
         "--no-database", "--no-environments", "--jobs", "2", "--max-invocations", "10", "--format", "json"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "INVOCATIONS_LOG": str(log)})
    try:
        assert process.stderr is not None
        assert "schedules" in process.stderr.readline()  # the search is under way
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    report = json.loads(out)
    ran = len(log.read_text().splitlines())
    # Counted: every execution that finished. Not counted: the one each of the two shards had under
    # way when it was stopped (at most a warm start and its execution, 10 invocations each).
    assert ran - 2 * 2 * 10 <= report["invocations"] <= ran, (report["invocations"], ran)
    assert report["searched"] > 0 and report["executions"] >= report["examples"] > report["searched"]


def test_show_output_shows_what_the_straight_through_run_printed() -> None:
    result = durable_fuzz(f"{HOSTILE}:chatty", *QUICK, "--show-output")
    assert result.returncode == 0, result.stderr
    assert "  | hello from orchestration\n  | hello from a step\n" in result.stdout


def test_environments_work_under_a_long_tmpdir(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    deep.mkdir(parents=True)
    result = durable_fuzz(f"{HOSTILE}:chatty", *QUICK, "--environments", env={**os.environ, "TMPDIR": str(deep)},
                          timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(deep.iterdir()) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("import os\nos._exit(5)\n", "importing it exited with code 5"),
    ("import sys\nsys.exit(6)\n", "importing it failed: SystemExit: 6"),
    ("raise KeyboardInterrupt\n", "importing it failed: KeyboardInterrupt"),
])
def test_an_import_that_ends_the_process_is_one_line(tmp_path: Path, source: str, expected: str) -> None:
    module = tmp_path / "exits_at_import.py"
    module.write_text(source)
    result = durable_fuzz(str(module), *QUICK)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert expected in line and str(module) in line


def test_version() -> None:
    result = durable_fuzz("--version")
    assert result.returncode == 0 and result.stdout.startswith("durable-fuzz ")
