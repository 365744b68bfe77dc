"""The durable-fuzz command line: targets, events, effects, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from replay_fuzz.cli import main
from replay_fuzz.target import example_event, load_target

HANDLERS = '''
from typing import TypedDict

from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

import mailer


class Signup(TypedDict):
    email: str
    plan: str
    seats: int


@durable_execution
def welcome(event: Signup, context):
    mailer.send(event["email"], "welcome")
    context.wait(Duration.from_seconds(10), name="pause")
    return context.step(lambda _: event["plan"] * event["seats"], name="provision")


@durable_execution
def fine(event, context):
    return context.step(lambda _: "ok", name="ok")
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "signup.py").write_text(textwrap.dedent(HANDLERS))
    (tmp_path / "mailer.py").write_text("def send(to, body):\n    return None\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("signup", "mailer"):
        sys.modules.pop(name, None)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract_and_exit_1(project: Path, capsys) -> None:
    code, out, _ = run(capsys, "signup.py:welcome", "--effect", "mailer:send", "--max-examples", "20",
                       "--seed", "1", "--format", "json", "--no-database")
    assert code == 1
    report = json.loads(out)
    assert {"target", "examples", "executions", "invocations", "elapsed_s", "problems"} <= set(report)
    assert report["target"] == "signup.py:welcome" and report["executions"] > report["examples"] > 0
    [problem] = report["problems"]
    assert problem["kind"] == "duplicate-effect" and "mailer:send ran 2 times from orchestration" in problem["message"]
    assert problem["reproduce"].startswith("durable-fuzz signup.py:welcome --event ")
    assert isinstance(problem["schedule"], list) and problem["schedule"]


def test_event_is_built_from_a_typeddict_annotation(project: Path) -> None:
    [(name, handler)] = load_target("signup.py:welcome")
    assert example_event(handler) == {"email": "example", "plan": "example", "seats": 1}


def test_whole_module_target_fuzzes_every_handler_and_text_format(project: Path, capsys) -> None:
    code, out, _ = run(capsys, "signup.py", "--max-examples", "5", "--seed", "1", "--no-database")
    assert code == 0  # no effects named: the email is not watched, and nothing else is wrong
    assert "durable-fuzz signup.py:welcome: no problems" in out and "durable-fuzz signup.py:fine: no problems" in out
    assert "(all covered)" in out


def test_module_path_target_and_clean_exit_0(project: Path, capsys) -> None:
    code, out, _ = run(capsys, "signup:fine", "--event", '{"x": 1}', "--max-examples", "5", "--no-database")
    assert code == 0 and "no problems" in out


def test_reproduce_command_replays_the_problem(project: Path, capsys) -> None:
    _, out, _ = run(capsys, "signup.py:welcome", "--effect", "mailer:send", "--max-examples", "0",
                    "--format", "json", "--no-database")
    command = json.loads(out)["problems"][0]["reproduce"]
    args = __import__("shlex").split(command)[1:]
    assert args[args.index("--effect") + 1] == "mailer:send"
    code, replayed, _ = run(capsys, *args, "--format", "json", "--no-database")
    assert code == 1 and json.loads(replayed)["problems"][0]["kind"] == "duplicate-effect"


def test_failures_are_remembered_in_the_example_database(project: Path, capsys) -> None:
    run(capsys, "signup.py:welcome", "--effect", "mailer:send", "--max-examples", "10")
    assert any((project / ".hypothesis" / "examples").rglob("*"))
    (project / ".hypothesis").rename(project / "kept")
    run(capsys, "signup.py:welcome", "--effect", "mailer:send", "--max-examples", "10", "--seed", "2")
    assert not (project / ".hypothesis").exists()  # a seeded run keeps no database, as in Hypothesis


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nope.py"], "nope.py: no such file"),
        (["no_such_module_here"], "no such module or file"),
        (["signup.py:missing"], "has no attribute 'missing'"),
        (["mailer.py"], "no @durable_execution handler in this module"),
        (["signup.py:fine", "--event", "{oops"], "not JSON"),
        (["signup.py:fine", "--event-file", "missing.json"], "--event-file missing.json"),
        (["signup.py:fine", "--effect", "mailer"], "expected MODULE:FUNCTION"),
        (["signup.py:fine", "--effect", "mailer:nothing"], "mailer has no function 'nothing'"),
        (["signup.py:fine", "--replay", "not-a-token"], "not a durable-fuzz replay token"),
        (["signup.py:fine", "--max-examples", "-1"], "--max-examples must be at least 0, not -1"),
        (["signup.py:fine", "--max-invocations", "0"], "--max-invocations must be at least 1, not 0"),
        (["signup.py:fine", "--jobs", "0"], "--jobs must be at least 1, not 0"),
    ],
)
def test_usage_errors_are_one_line_exit_2(project: Path, capsys, args: list[str], expected: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err


def test_console_script_runs(project: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "replay_fuzz.cli", "signup.py:fine", "--max-examples", "3", "--no-database"],
                          capture_output=True, text=True, cwd=project, timeout=120)
    assert done.returncode == 0 and "no problems" in done.stdout
    assert all(line.startswith("durable-fuzz: ") and " schedules, " in line for line in done.stderr.splitlines())  # progress only
