"""`durable-fuzz compat` and `durable-fuzz replay` on the command line: git revisions, module
paths, saved states, exit codes and errors."""

from __future__ import annotations

import json
import shlex
import subprocess
import textwrap
from pathlib import Path

import pytest

from replay_fuzz.cli import main

OLD = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

import {rates}


@durable_execution
def checkout(event, context):
    fee = context.step(lambda _: {rates}.fee(event["amount"]), name="fee")
    context.wait(Duration.from_seconds(60), name="settle")
    return context.step(lambda _: event["amount"] + fee, name="total")
'''

NEW = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

import {rates}


@durable_execution
def checkout(event, context):
    fee = context.step(lambda _: {rates}.service_fee(event["amount"]), name="service-fee")
    context.wait(Duration.from_seconds(60), name="settle")
    return context.step(lambda _: event["amount"] + fee, name="total")
'''


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def _git(repo: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *arguments],
                   check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose last commit has the old handler and its sibling module; the work tree the new ones.
    Module names are unique per test: the new code is imported into this process."""
    rates = f"rates_{tmp_path.name.replace('-', '_')}"
    repo = tmp_path / "repo"
    _write(repo / "handlers", f"{rates}.py", "def fee(amount):\n    return 2\n")
    _write(repo / "handlers", "checkout.py", OLD.format(rates=rates))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "v1")
    # v2: the sibling's function is renamed, so the old handler only imports with the old sibling.
    _write(repo / "handlers", f"{rates}.py", "def service_fee(amount):\n    return 2\n")
    _write(repo / "handlers", "checkout.py", NEW.format(rates=rates))
    monkeypatch.chdir(repo)
    return repo


def test_compat_against_a_git_revision_names_the_point_and_replays_it(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compat", "handlers/checkout.py", "--base", "HEAD", "--event", '{"amount": 10}']) == 1
    out = capsys.readouterr().out
    assert "in flight: executions waiting at wait 'settle'" in out
    assert "old code: step 'fee'" in out and "new code: step 'service-fee'" in out
    assert "handlers/checkout.py at HEAD" in out
    reproduce = next(line.split("reproduce: ", 1)[1] for line in out.splitlines() if "reproduce: " in line)
    assert main(shlex.split(reproduce)[1:]) == 1
    again = capsys.readouterr().out
    assert "resumed 1 in-flight state of handlers/checkout.py at HEAD" in again and "waiting at wait 'settle'" in again
    assert not list(Path("/tmp").glob("durable-fuzz-base-*/handlers/checkout.py"))  # the old tree is removed


def test_compat_exits_0_when_the_change_is_compatible(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repository, "stash", "-q")  # the work tree is the committed version again
    assert main(["compat", "handlers/checkout.py", "--base", "HEAD", "--event", '{"amount": 10}', "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["compatible"] is True and report["problems"] == [] and report["states"] > 5


def test_compat_against_a_module_path_keeps_each_version_with_its_own_sibling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rates = f"rates_{tmp_path.name.replace('-', '_')}"
    _write(tmp_path / "old", f"{rates}.py", "def fee(amount):\n    return 2\n")
    old = _write(tmp_path / "old", "checkout.py", OLD.format(rates=rates))
    _write(tmp_path / "new", f"{rates}.py", "def service_fee(amount):\n    return 2\n")
    new = _write(tmp_path / "new", "checkout.py", NEW.format(rates=rates))
    assert main(["compat", str(new), "--base", str(old), "--event", '{"amount": 10}', "--format", "json"]) == 1
    problem = json.loads(capsys.readouterr().out)["problems"][0]
    assert problem["point"] == "executions waiting at wait 'settle'" and problem["states"] >= 1


def test_saved_states_replay_with_the_same_verdict(repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "states"
    assert main(["compat", "handlers/checkout.py", "--base", "HEAD", "--event", '{"amount": 10}', "--save-states", str(saved)]) == 1
    collected = capsys.readouterr().out
    files = sorted((saved / "checkout").glob("*.json"))
    assert files and json.loads(files[0].read_text())["Operations"][0]["Type"] == "EXECUTION"
    assert main(["replay", "handlers/checkout.py", str(saved)]) == 1
    replayed = capsys.readouterr().out
    assert replayed.startswith(f"durable-fuzz replay handlers/checkout.py:checkout: 1 incompatibility: resumed {len(files)} in-flight states saved in")
    problem = [line for line in replayed.splitlines() if line.startswith("  in flight")]
    assert problem == [line for line in collected.splitlines() if line.startswith("  in flight")]


def test_replay_of_api_states_says_their_endings_were_not_compared(repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repository, "stash", "-q")
    saved = tmp_path / "states"
    main(["compat", "handlers/checkout.py", "--base", "HEAD", "--event", '{"amount": 10}', "--save-states", str(saved)])
    capsys.readouterr()
    state = json.loads(next((saved / "checkout").glob("*.json")).read_text())
    api = tmp_path / "api.json"
    api.write_text(json.dumps({"Operations": state["Operations"]}))
    assert main(["replay", "handlers/checkout.py", str(api)]) == 0
    assert "note: 1 state(s) do not say how the old code ends" in capsys.readouterr().out


@pytest.mark.parametrize(("arguments", "message"), [
    (["compat", "handlers/checkout.py", "--base", "no-such-revision"], "--base no-such-revision: not a file, and not a revision"),
    (["compat", "handlers/checkout.py"], "the following arguments are required: --base"),
    (["compat", "handlers/checkout.py", "--base", "HEAD", "--event", "{"], "--event '{': not JSON"),
    (["replay", "handlers/checkout.py", "missing.json"], "missing.json: No such file or directory"),
    (["compat", "handlers/checkout.py", "--base", "HEAD", "--state", "garbage"], "--state: not a state token"),
    (["replay", "handlers/checkout.py", "handlers/checkout.py"], "checkout.py: not JSON"),
])
def test_bad_input_is_one_line_and_exit_2(repository: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str) -> None:
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_a_state_that_is_not_an_execution_state_is_named(repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"Operations": [{"Id": "x", "Type": "STEP", "Status": "SUCCEEDED"}]}))
    assert main(["replay", "handlers/checkout.py", str(path)]) == 2
    assert "expected one EXECUTION operation (it holds the event), found 0" in capsys.readouterr().err


def test_an_old_version_that_cannot_import_is_exit_2(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repository / "handlers" / "checkout.py").write_text("raise ImportError('broken')\n")
    _git(repository, "commit", "-qam", "broken")
    _write(repository / "handlers", "checkout.py", NEW.format(rates=next((repository / "handlers").glob("rates_*.py")).stem))
    assert main(["compat", "handlers/checkout.py", "--base", "HEAD", "--event", '{"amount": 10}']) == 2
    assert "--base HEAD: the old code could not run: " in capsys.readouterr().err


def test_the_readme_example_reports_the_step_durable_lint_fix_inserted(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent / "examples" / "compat")
    assert main(["compat", "shipping.py", "--base", "shipping_deployed.py", "--event", '{"order_id": "o-1"}']) == 1
    out = capsys.readouterr().out
    assert "in flight: executions waiting at wait 'pickup-window'" in out
    assert "old code: wait 'pickup-window'\n    new code: step 'requested-at'" in out
