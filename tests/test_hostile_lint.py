"""durable-lint on hostile input: one line and a non-zero exit, never a traceback, a hang or a leftover process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from durable_lint.cli import main
from durable_lint.run import PARALLEL_MIN_FILES
from tests.helpers import child_processes

BAD = """\
import time
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    started = time.time()
    return context.step(lambda _: started, name="record")
"""
FIXTURES = Path(__file__).parent / "fixtures"
LINT = [sys.executable, "-m", "durable_lint"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(BAD)
    return tmp_path


# A user's UTF-8 locale (en_US.UTF-8): stdout encodes strictly, unlike the C locale of many CI images.
UTF8_LOCALE = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}


def lint(folder: Path, *args: str, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*LINT, *args], cwd=folder, stdout=stdout, stderr=subprocess.PIPE, timeout=60,  # type: ignore[call-overload]
                          env=UTF8_LOCALE)


@pytest.mark.parametrize(("config", "expected"), [
    ('tool = "poetry"\n', "'tool' must be a table (like [tool.durable-lint]), not a string"),
    ("tool = ['a']\n", "'tool' must be a table (like [tool.durable-lint]), not a array"),
    ("[tool]\ndurable-lint = 'strict'\n", "[tool.durable-lint] must be a table"),
    ("[tool.durable-lint]\nexclude = [1]\n", "'exclude' must be a list of strings"),
    ("[tool.durable-lint]\ncalls = ['x']\n", "'calls' must map qualified names"),
    ("[tool.durable-lint]\nper-file-ignores = []\n", "'per-file-ignores' must map globs"),
])
def test_configuration_of_the_wrong_type_is_one_line_exit_2(folder: Path, capsys, config: str, expected: str) -> None:
    (folder / "pyproject.toml").write_text(config)
    assert main(["check", "src"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "pyproject.toml" in err and expected in err


@pytest.mark.parametrize("where", ["path", "config"])
def test_a_fifo_is_refused_not_read_forever(folder: Path, where: str) -> None:
    os.mkfifo(folder / "pipe.py")
    args = ["check", "pipe.py"] if where == "path" else ["check", "--config", "pipe.py", "src"]
    result = lint(folder, *args)
    assert result.returncode == 2
    expected = b"not a regular file or folder" if where == "path" else b"cannot read configuration: not a regular file"
    assert result.stderr.count(b"\n") == 1 and expected in result.stderr


NON_UTF8 = b"caf\xe9.py"


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_file_names_that_are_not_utf8_work_in_every_format(folder: Path, output_format: str) -> None:
    os.rename(folder / "src" / "bad.py", os.path.join(os.fsencode(folder / "src"), NON_UTF8))
    result = lint(folder, "check", "--format", output_format, "src")
    assert result.returncode == 1 and result.stderr == b""
    shown = os.fsdecode(b"src/" + NON_UTF8)
    if output_format == "text":
        assert result.stdout.startswith(b"src/" + NON_UTF8 + b":7:15: DUR101 ")
    elif output_format == "github":
        assert result.stdout.startswith(b"::error file=src/" + NON_UTF8 + b",line=7,col=15,title=DUR101::")
    elif output_format == "json":
        assert [f["path"] for f in json.loads(result.stdout)] == [shown]
    else:
        [finding] = json.loads(result.stdout)["runs"][0]["results"]
        assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/caf%E9.py"


def test_a_closed_stdout_ends_the_run_quietly(folder: Path) -> None:
    result = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$@" | head -c 0', "lint", *LINT, "check", "src"],
        cwd=folder, capture_output=True, timeout=60,
    )
    assert result.stderr == b""
    assert result.returncode == 1


def test_a_full_stdout_is_one_line_exit_2(folder: Path) -> None:
    with open("/dev/full", "wb") as full:
        result = lint(folder, "check", "--format", "sarif", "src", stdout=full)
    assert result.returncode == 2
    assert result.stderr == b"durable-lint: error: cannot write the output: No space left on device\n"


def test_an_unreadable_folder_is_reported_and_the_rest_is_linted(folder: Path, monkeypatch, capsys) -> None:
    locked = folder / "src" / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(BAD)
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads any folder: refuse this one the way the kernel refuses a user
        real_scandir = os.scandir

        def scandir(path: object = ".") -> object:
            if os.fspath(path) == str(Path("src") / "locked"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        code = main(["check", "src"])
    finally:
        locked.chmod(0o755)
    out, err = capsys.readouterr()
    assert code == 2
    assert err == ("durable-lint: error: src/locked: cannot read this folder (Permission denied); its files were not linted "
                   "(give read access, or add it to `exclude`)\n")
    assert out.startswith("src/bad.py:7:15: DUR101 ")


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm", "sigkill"])
def test_an_interrupted_parallel_run_stops_at_once_and_leaves_no_worker(tmp_path: Path, stop: str) -> None:
    """Ctrl-C and SIGTERM end the run at once; a parent killed outright (a CI timeout) takes its workers along."""
    source = FIXTURES / "callbacks_and_conditions.py"
    for index in range(PARALLEL_MIN_FILES * 2):
        shutil.copy(source, tmp_path / f"m{index:04d}.py")
    run = subprocess.Popen([*LINT, "check", "--jobs", "2", "."], cwd=tmp_path, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, start_new_session=True)
    workers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 30
        while len(workers := child_processes(run.pid)) < 2 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(workers) == 2, "the run should have started its two workers"
        if stop == "ctrl-c":
            os.killpg(run.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole process group
        else:
            os.kill(run.pid, signal.SIGTERM if stop == "sigterm" else signal.SIGKILL)
        code = run.wait(timeout=15)
        time.sleep(0.2)
        left = [pid for pid in workers if _alive(pid)]
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        for pid in workers:  # never leave a worker behind, even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert code == {"ctrl-c": 130, "sigterm": 128 + signal.SIGTERM, "sigkill": -signal.SIGKILL}[stop]
    assert b"Traceback" not in run.stderr.read()
    assert left == []


def _alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
