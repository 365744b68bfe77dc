"""Run durable-lint on hostile input as a new user and a careless CI job would, each case with a timeout.

    .venv/bin/python bench/hostile_lint.py            # one line per case, exit 1 if any case fails

A case passes when the command ends within its timeout, prints no traceback, exits with the
expected code and leaves the user's files as the case expects. Every case runs the installed
command in a subprocess, in a scratch folder that is removed afterwards.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LINT = [sys.executable, "-m", "durable_lint"]
TIMEOUT = 60
HANDLER = """\
import time
import uuid
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    key = uuid.uuid4()
    started = time.time()
    return context.step(lambda _: (str(key), started), name="record")
"""
PADDING = "".join(f"# padding line {i:04d} to make the fixed file larger than one KiB\n" for i in range(40))


def lint(folder: Path, *args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
    options.setdefault("stdout", subprocess.PIPE)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    return subprocess.run([*LINT, *args], cwd=folder, stderr=subprocess.PIPE, timeout=TIMEOUT, env=env, **options)  # type: ignore[call-overload]


def expect(result: subprocess.CompletedProcess[bytes], code: int, stderr_lines: int | None = None) -> str | None:
    if b"Traceback" in result.stderr:
        return "traceback: " + result.stderr.decode(errors="replace").strip().splitlines()[-1]
    if result.returncode != code:
        return f"exit {result.returncode}, expected {code}: {result.stderr.decode(errors='replace').strip()[:200]}"
    lines = result.stderr.count(b"\n")
    if stderr_lines is not None and lines != stderr_lines:
        return f"{lines} lines on stderr, expected {stderr_lines}"
    return None


def case_full_disk(folder: Path) -> str | None:
    path = folder / "big.py"
    path.write_text(PADDING + HANDLER)
    before = path.read_bytes()
    result = lint(folder, "fix", "big.py",
                  preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024)))
    return expect(result, 2) or (None if path.read_bytes() == before else "the file was changed")


def case_read_only_file(folder: Path) -> str | None:
    (folder / "a.py").write_text(HANDLER)
    (folder / "a.py").chmod(0o444)
    (folder / "b.py").write_text(HANDLER)
    result = lint(folder, "fix", "a.py", "b.py")
    problem = expect(result, 2)
    if problem is None and (folder / "a.py").read_text() != HANDLER:
        problem = "the read-only file was written"
    if problem is None and "context.step(lambda _: uuid.uuid4()" not in (folder / "b.py").read_text():
        problem = "the writable file was not fixed"
    return problem


def case_symlink_and_mode(folder: Path) -> str | None:
    (folder / "real").mkdir()
    (folder / "real" / "h.py").write_text(HANDLER)
    (folder / "real" / "h.py").chmod(0o751)
    (folder / "link.py").symlink_to(folder / "real" / "h.py")
    problem = expect(lint(folder, "fix", "link.py"), 0)
    if problem is None and not (folder / "link.py").is_symlink():
        problem = "the symlink was replaced by a file"
    if problem is None and (folder / "real" / "h.py").stat().st_mode & 0o7777 != 0o751:
        problem = "mode bits changed"
    return problem


def case_libcst_rejects(folder: Path) -> str | None:
    source = HANDLER.replace("    return", "    text = (\"a\"\n" + "        \"b\"\n" * 3000 + "    )\n    return")
    (folder / "h.py").write_text(source)
    return expect(lint(folder, "fix", "h.py"), 2) or (None if (folder / "h.py").read_text() == source else "changed")


def case_libcst_recursion(folder: Path) -> str | None:
    source = HANDLER.replace("    return", "    total = " + "+".join(["1"] * 900) + "\n    return")
    (folder / "h.py").write_text(source)
    return expect(lint(folder, "fix", "h.py"), 2) or (None if (folder / "h.py").read_text() == source else "changed")


def case_clock_in_fstring(folder: Path) -> str | None:
    source = HANDLER.replace("started = time.time()", 'started = f"{time.time()}"')
    (folder / "h.py").write_text(source)
    return expect(lint(folder, "fix", "h.py"), 1)


def case_duration_local(folder: Path) -> str | None:
    source = HANDLER.replace("    key = uuid.uuid4()\n", "    time.sleep(1)\n    Duration = 3\n    key = Duration\n")
    (folder / "h.py").write_text(source)
    problem = expect(lint(folder, "fix", "h.py"), 1)
    text = (folder / "h.py").read_text()
    if problem is None and ("time.sleep(1)" not in text or "Duration.from_seconds" in text):
        problem = "the sleep was rewritten although Duration is a local name"
    return problem


def case_tool_is_a_string(folder: Path) -> str | None:
    (folder / "pyproject.toml").write_text('tool = "poetry"\n')
    (folder / "h.py").write_text(HANDLER)
    return expect(lint(folder, "check", "h.py"), 2, 1)


def case_fifo_path(folder: Path) -> str | None:
    os.mkfifo(folder / "pipe.py")
    return expect(lint(folder, "check", "pipe.py"), 2, 1)


def case_fifo_config(folder: Path) -> str | None:
    os.mkfifo(folder / "pyproject.toml")
    (folder / "h.py").write_text(HANDLER)
    return expect(lint(folder, "check", "--config", "pyproject.toml", "h.py"), 2, 1)


def case_non_utf8_names(folder: Path) -> str | None:
    (folder / "src").mkdir()
    with open(os.path.join(os.fsencode(folder / "src"), b"caf\xe9.py"), "w") as file:
        file.write(HANDLER)
    for output_format in ("text", "json", "sarif", "github"):
        problem = expect(lint(folder, "check", "--format", output_format, "src"), 1, 0)
        if problem:
            return f"--format {output_format}: {problem}"
    return None


def case_closed_stdout(folder: Path) -> str | None:
    (folder / "h.py").write_text(HANDLER)
    result = subprocess.run(["bash", "-c", '"$@" | head -c 0', "lint", *LINT, "check", "h.py"], cwd=folder,
                            stderr=subprocess.PIPE, timeout=TIMEOUT)
    return expect(result, 0, 0)


def case_full_stdout(folder: Path) -> str | None:
    (folder / "h.py").write_text(HANDLER)
    with open("/dev/full", "wb") as full:
        return expect(lint(folder, "check", "h.py", stdout=full), 2, 1)


def case_unreadable_folder(folder: Path) -> str | None:
    if os.geteuid() == 0:
        return "SKIP root reads every folder; tests/test_hostile_lint.py covers this case"
    (folder / "locked").mkdir()
    (folder / "locked" / "h.py").write_text(HANDLER)
    (folder / "locked").chmod(0)
    try:
        return expect(lint(folder, "check", "."), 2, 1)
    finally:
        (folder / "locked").chmod(0o755)


def _interrupt(folder: Path, send: Callable[[int], None], expected: int) -> str | None:
    for index in range(400):
        (folder / f"m{index:03d}.py").write_text(HANDLER)
    run = subprocess.Popen([*LINT, "check", "--jobs", "2", "."], cwd=folder, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(1.0)
    workers = _children(run.pid)
    send(run.pid)
    try:
        code = run.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        return "did not stop within 10 s"
    time.sleep(0.2)
    left = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    if left:
        return f"workers left behind: {left}"
    return expect(subprocess.CompletedProcess(run.args, code, b"", run.stderr.read()), expected)


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nPPid:\t{pid}\n" in status.read_text():
                found.append(int(status.parent.name))
        except OSError:
            continue
    return found


def case_ctrl_c_parallel(folder: Path) -> str | None:
    return _interrupt(folder, lambda pid: os.killpg(pid, signal.SIGINT), 130)


def case_sigterm_parallel(folder: Path) -> str | None:
    return _interrupt(folder, lambda pid: os.kill(pid, signal.SIGTERM), 143)


HOSTILE_CODE = {
    "deep-nesting": "x = " + "(" * 190 + "1" + ")" * 190 + "\n",
    "long-sum": "x = " + "+".join(["1"] * 5000) + "\n",
    "huge-module": "".join(f"def f{i}(context):\n    return context.step(lambda _: {i}, name='s{i}')\n" for i in range(5000)),
    "null-byte": "x = 1\0\n",
    "bad-coding": "# -*- coding: no-such-codec -*-\n",
    "self-import": "from h import handler as again\n",
}


def case_hostile_code(folder: Path) -> str | None:
    for name, body in HOSTILE_CODE.items():
        path = folder / "h.py"
        path.write_text(body + HANDLER)
        problem = expect(lint(folder, "check", "h.py"), 1)
        if problem:
            return f"{name}: {problem}"
    return None


def main() -> int:
    cases = {name.removeprefix("case_"): case for name, case in globals().items() if name.startswith("case_")}
    failed = skipped = 0
    for name, case in cases.items():
        folder = Path(tempfile.mkdtemp(prefix="durable-lint-hostile-"))
        started = time.perf_counter()
        try:
            problem = case(folder)
        except subprocess.TimeoutExpired:
            problem = f"no answer within {TIMEOUT} s"
        finally:
            for path in folder.rglob("*"):
                if path.is_dir() and not path.is_symlink():
                    path.chmod(0o755)
            shutil.rmtree(folder, ignore_errors=True)
        elapsed = time.perf_counter() - started
        status = "skip" if problem and problem.startswith("SKIP") else ("FAIL" if problem else "ok")
        failed += status == "FAIL"
        skipped += status == "skip"
        detail = f"  {problem.removeprefix('SKIP ')}" if problem else ""
        print(f"{status:<4} {name:<24} {elapsed:6.2f} s{detail}")
    print(f"{len(cases) - failed - skipped}/{len(cases)} cases ended as expected, {skipped} could not run here")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
