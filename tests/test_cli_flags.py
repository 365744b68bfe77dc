"""The flags ruff users type: fixing from `check`, formats, stdin, excludes, gitignore, colour, summary."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from durable_lint.cli import main
from tests.test_cli import BAD, CLEAN, project, run, write  # noqa: F401  (project is a fixture)

UNKNOWN_SET = """\
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    ids = set(event["ids"])
    for item in ids:
        context.step(lambda _: item, name=f"item-{item}")
"""


def test_check_fix_writes_and_reports_what_remains(project: Path, capsys) -> None:
    path = write(project / "bad.py", BAD)
    code, out, err = run(capsys, "check", "--fix", "bad.py")
    assert (code, out, err) == (0, "Found 1 finding (1 fixed, 0 remaining).\n", "")
    assert 'started = context.step(lambda _: time.time(), name="started")' in path.read_text()
    assert run(capsys, "check", "bad.py")[:2] == (0, "All checks passed!\n")


def test_exit_non_zero_on_fix_and_show_fixes(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    code, out, _ = run(capsys, "check", "--fix", "--exit-non-zero-on-fix", "--show-fixes", "bad.py")
    assert code == 1
    assert out.endswith("Fixed 1 finding:\n- bad.py:\n    1 x DUR101 (clock-read)\n")


def test_check_diff_prints_and_writes_nothing(project: Path, capsys) -> None:
    path = write(project / "bad.py", BAD)
    code, out, err = run(capsys, "check", "--diff", "bad.py")
    assert code == 1 and out.startswith("--- a/bad.py\n+++ b/bad.py\n") and err == "Would fix 1 finding.\n"
    assert path.read_text() == BAD


def test_unsafe_fixes_are_shown_but_applied_only_on_request(project: Path, capsys) -> None:
    path = write(project / "h.py", UNKNOWN_SET)
    code, out, _ = run(capsys, "check", "h.py")
    assert code == 1 and "[*]" not in out
    assert out.endswith("Found 1 finding.\n1 more fix available with --unsafe-fixes.\n")
    assert "DUR301 [*] ids iterates" in run(capsys, "check", "--unsafe-fixes", "h.py")[1]
    code, out, _ = run(capsys, "fix", "h.py")
    assert code == 1 and path.read_text() == UNKNOWN_SET
    assert out.endswith("Found 1 finding (0 fixed, 1 remaining).\n1 more fix available with --unsafe-fixes.\n")
    code, out, _ = run(capsys, "check", "--fix", "--unsafe-fixes", "h.py")
    assert code == 0 and "for item in sorted(ids):" in path.read_text()
    [finding] = json.loads(run(capsys, "check", "--format", "json", str(write(project / "g.py", UNKNOWN_SET)))[1])
    assert (finding["fixable"], finding["fix_safety"]) == (True, "unsafe")


def test_output_format_full_shows_the_line_and_a_caret(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    code, out, _ = run(capsys, "check", "--output-format", "full", "bad.py")
    lines = out.splitlines()
    assert lines[0].startswith("bad.py:7:15: DUR101 [*] ")
    assert lines[2] == "7 |     started = time.time()"
    assert lines[3] == "  |               ^^^^^^^^^^^"
    assert '  = fix: wrap in context.step(lambda _: ..., name="started")' in lines
    assert lines[-1] == "Found 1 finding (1 fixable)."


def test_machine_formats_carry_no_summary(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    write(project / "b2.py", BAD)
    for fmt in ("json", "json-lines", "junit", "gitlab", "sarif", "github"):
        out = run(capsys, "check", "--output-format", fmt, ".")[1]
        assert "Found" not in out and "All checks passed" not in out, fmt
    lines = run(capsys, "check", "--output-format", "json-lines", ".")[1].splitlines()
    assert [json.loads(line)["path"] for line in lines] == ["b2.py", "bad.py"]
    suites = ElementTree.fromstring(run(capsys, "check", "--output-format", "junit", ".")[1])
    assert suites.get("failures") == "2" and [s.get("name") for s in suites] == ["b2.py", "bad.py"]
    case = suites[0][0]
    assert case.get("name") == "durable-lint.DUR101" and case.get("line") == "7"
    assert case.find("failure").get("message").startswith("DUR101 ")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitlab_code_quality_report(project: Path, capsys, monkeypatch) -> None:
    """Paths start at the repository root even when the run starts in a subfolder."""
    write(project / "src" / "bad.py", BAD)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    monkeypatch.chdir(project / "src")
    issues = json.loads(run(capsys, "check", "--output-format", "gitlab", ".")[1])
    [issue] = issues
    assert issue["check_name"] == "DUR101" and issue["severity"] == "major"
    assert issue["location"] == {"path": "src/bad.py", "lines": {"begin": 7, "end": 7}}
    assert len(issue["fingerprint"]) == 32 and issue["description"].startswith("DUR101 ")


def test_statistics_honour_the_output_format(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    code, out, _ = run(capsys, "check", "--statistics", "--output-format", "json", ".")
    assert json.loads(out) == [{"code": "DUR101", "name": "clock-read", "count": 1, "fixable": True}]
    code, out, err = run(capsys, "check", "--statistics", "--output-format", "sarif", ".")
    assert code == 2 and out == "" and "--statistics prints as" in err


def test_stdin_with_a_filename(project: Path, capsys, monkeypatch) -> None:
    (project / "pyproject.toml").write_text('[tool.durable-lint]\nper-file-ignores = { "legacy/*" = ["DUR101"] }\n')
    for args, expected in ((["-"], "-:7:15: DUR101"), (["--stdin-filename", "src/h.py"], "src/h.py:7:15: DUR101"),
                           (["--stdin-filename", "src/h.py", "-"], "src/h.py:7:15: DUR101"),
                           (["--stdin-filename", "legacy/h.py"], None)):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
        code, out, _ = run(capsys, "check", *args)
        if expected is None:
            assert (code, out) == (0, "All checks passed!\n")
        else:
            assert code == 1 and out.startswith(expected)


def test_fixing_stdin_writes_the_fixed_source_to_stdout_and_the_report_to_stderr(project: Path, capsys,
                                                                                 monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UNKNOWN_SET.encode())))
    code, out, err = run(capsys, "check", "--fix", "--stdin-filename", "src/h.py")
    assert code == 1 and out == UNKNOWN_SET  # the only fix is unsafe: the source comes back as it was
    assert err.startswith("src/h.py:7:17: DUR301 ") and "1 more fix available with --unsafe-fixes." in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UNKNOWN_SET.encode())))
    code, out, err = run(capsys, "fix", "--unsafe-fixes", "-")
    assert code == 0 and out == UNKNOWN_SET.replace("in ids:", "in sorted(ids):")
    assert err == "Found 1 finding (1 fixed, 0 remaining).\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
    code, out, err = run(capsys, "check", "--diff", "-")
    assert code == 1 and out.startswith("--- a/-\n+++ b/-\n") and err == "Would fix 1 finding.\n"


def test_extend_ignore_exclude_and_extend_exclude(project: Path, capsys) -> None:
    write(project / "gen" / "bad.py", BAD)
    write(project / "app" / "bad.py", BAD)
    (project / "pyproject.toml").write_text('[tool.durable-lint]\nexclude = ["gen"]\n')
    assert run(capsys, "check", "-q", ".")[1].count("DUR101") == 1
    assert run(capsys, "check", "-q", "--exclude", "nothing", ".")[1].count("DUR101") == 2
    assert run(capsys, "check", "-q", "--extend-exclude", "app", ".")[:2] == (0, "")
    assert run(capsys, "check", "-q", "--extend-ignore", "DUR1", ".")[:2] == (0, "")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_is_respected_unless_told_otherwise(project: Path, capsys) -> None:
    write(project / "build_out" / "bad.py", BAD)
    write(project / "app.py", BAD)
    (project / ".gitignore").write_text("build_out/\n")
    assert run(capsys, "check", "-q", ".")[1].count("DUR101") == 2  # not a repository: nothing ignored
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    out = run(capsys, "check", "-q", ".")[1]
    assert out.count("DUR101") == 1 and out.startswith("app.py:")
    assert run(capsys, "check", "-q", "--no-respect-gitignore", ".")[1].count("DUR101") == 2
    assert run(capsys, "check", "-q", "build_out/bad.py")[1].count("DUR101") == 1  # named files are linted
    assert run(capsys, "check", "-q", "build_out")[1].count("DUR101") == 1  # and named folders


def test_output_file_quiet_and_no_colour_into_files(project: Path, capsys, monkeypatch) -> None:
    write(project / "bad.py", BAD)
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, _ = run(capsys, "check", "--output-file", "report.txt", "bad.py")
    assert code == 1 and out == ""
    report = (project / "report.txt").read_text()
    assert report.startswith("bad.py:7:15: DUR101 [*]") and "\033[" not in report


@pytest.mark.parametrize(("env", "coloured"), [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
                                                ({}, False)])
def test_colour_follows_force_color_and_no_color(project: Path, capsys, monkeypatch, env, coloured) -> None:
    write(project / "bad.py", BAD)
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = run(capsys, "check", "bad.py")[1]
    assert ("\033[1;31mDUR101\033[0m" in out) is coloured
    assert "\033[" not in run(capsys, "check", "--output-format", "json", "bad.py")[1]


@pytest.mark.parametrize("flag", ["--exit", "--stat", "--output", "--unsafe"])
def test_abbreviated_flags_are_errors(project: Path, capsys, flag: str) -> None:
    write(project / "ok.py", CLEAN)
    code, out, err = run(capsys, "check", flag, ".")
    assert code == 2 and out == "" and len(err.splitlines()) == 1


def test_text_stays_an_alias_of_concise(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    assert run(capsys, "check", "--format", "text", "bad.py") == run(capsys, "check", "--output-format", "concise", "bad.py")


def test_colour_on_a_terminal_only(project: Path) -> None:
    import os
    import pty

    write(project / "bad.py", BAD)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "durable_lint", "check", "bad.py"], cwd=project, env=env,
                              stdout=secondary, stderr=subprocess.PIPE, timeout=60)
        on_terminal = os.read(primary, 65536)
    finally:
        os.close(primary)
        os.close(secondary)
    piped = subprocess.run([sys.executable, "-m", "durable_lint", "check", "bad.py"], cwd=project, env=env,
                           capture_output=True, timeout=60)
    assert done.returncode == piped.returncode == 1
    assert b"\033[1;31mDUR101\033[0m" in on_terminal and b"\033[" not in piped.stdout


def test_fixing_stdin_that_cannot_be_fixed_gives_the_source_back(project: Path, capsys, monkeypatch) -> None:
    hard = BAD.replace("    return", "    text = (\"a\"\n" + "        \"b\"\n" * 3000 + "    )\n    return")  # LibCST rejects it
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(hard.encode())))
    code, out, err = run(capsys, "check", "--fix", "-")
    assert code == 2 and out == hard
    assert len(err.splitlines()) == 1 and err.startswith("durable-lint: error: -: cannot apply fixes")


def test_nothing_to_check_is_said_not_passed(project: Path, capsys) -> None:
    """A named file that the configuration excludes is not 'All checks passed!': it was never checked."""
    (project / "pyproject.toml").write_text('[tool.durable-lint]\nexclude = ["bad.py"]\n')
    write(project / "bad.py", BAD)
    assert main(["check", "bad.py"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("durable-lint: warning: no Python files to check in bad.py (excluded by the configuration")
    assert main(["check", "--output-format", "json", "bad.py"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_show_files_lists_what_a_check_would_lint_and_lints_nothing(project: Path, capsys) -> None:
    write(project / "app" / "bad.py", BAD)
    write(project / "gen" / "bad.py", BAD)
    write(project / "app" / "notes.txt", "not Python")
    (project / "pyproject.toml").write_text('[tool.durable-lint]\nexclude = ["gen"]\n')
    assert run(capsys, "check", "--show-files", ".")[:2] == (0, f"{Path('app', 'bad.py')}\n")
    assert run(capsys, "check", "--show-files", "--exclude", "nothing", ".")[1].count("bad.py") == 2
