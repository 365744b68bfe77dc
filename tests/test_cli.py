"""The command line contract: exit codes, formats, configuration and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from durable_lint.cli import main

BAD = """\
import time
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    started = time.time()
    return context.step(lambda _: started, name="record")
"""
CLEAN = """\
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    return context.step(lambda _: 1, name="one")
"""
TEXT_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>DUR\d{3}) (?P<msg>.+)$")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_findings_exit_1_in_text_format(project: Path, capsys) -> None:
    write(project / "src" / "bad.py", BAD)
    code, out, err = run(capsys, "check", "src")
    assert code == 1 and err == ""
    [line, summary] = out.splitlines()
    assert summary == "Found 1 finding (1 fixable)."
    match = TEXT_LINE.match(line)
    assert match and match["path"] == os.path.join("src", "bad.py")
    assert (match["line"], match["col"], match["code"]) == ("7", "15", "DUR101")
    assert match["msg"].startswith("[*] ")


def test_clean_tree_exits_0_and_says_so(project: Path, capsys) -> None:
    write(project / "ok.py", CLEAN)
    assert run(capsys, "check", ".") == (0, "All checks passed!\n", "")
    assert run(capsys, "check", "--quiet", ".") == (0, "", "")


def test_check_is_the_default_command(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    code, out, _ = run(capsys, "bad.py")
    assert code == 1 and "DUR101" in out


def test_json_format_shape(project: Path, capsys) -> None:
    write(project / "bad.py", BAD)
    code, out, _ = run(capsys, "check", "--format", "json", "bad.py")
    assert code == 1
    [finding] = json.loads(out)
    assert finding["path"] == "bad.py" and finding["line"] == 7 and finding["column"] == 15
    assert finding["code"] == "DUR101" and finding["name"] == "clock-read"
    assert "reads the clock" in finding["message"]


def test_json_format_of_clean_run_is_empty_list(project: Path, capsys) -> None:
    write(project / "ok.py", CLEAN)
    code, out, _ = run(capsys, "check", "--format", "json", "ok.py")
    assert (code, json.loads(out)) == (0, [])


def test_exit_zero_and_statistics(project: Path, capsys) -> None:
    write(project / "a.py", BAD)
    write(project / "b.py", BAD)
    code, out, _ = run(capsys, "check", "--exit-zero", "--statistics", ".")
    assert code == 0
    assert out.split() == ["2", "DUR101", "[*]", "clock-read"]


def test_select_ignore_and_prefixes(project: Path, capsys) -> None:
    write(project / "bad.py", BAD + "\nimport os\n\n@durable_execution\ndef h2(event, context):\n    return context.step(lambda _: 1, name=os.environ['N'])\n")
    assert run(capsys, "check", "--ignore", "DUR101", "bad.py")[0] == 0
    assert run(capsys, "check", "--select", "DUR4", "bad.py")[0] == 0  # prefixes leave opt-in rules off
    code, out, _ = run(capsys, "check", "--select", "DUR402", "bad.py")
    assert code == 1 and "DUR402" in out and "DUR101" not in out
    code, out, _ = run(capsys, "check", "--extend-select", "DUR402", "bad.py")
    assert {"DUR101", "DUR402"} <= set(re.findall(r"DUR\d+", out))


def test_config_selects_and_ignores_per_file(project: Path, capsys) -> None:
    write(project / "handlers" / "bad.py", BAD)
    write(project / "legacy" / "old.py", BAD)
    (project / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.durable-lint]
        extend-select = ["DUR402"]
        per-file-ignores = { "legacy/*" = ["DUR101"] }
    """))
    code, out, _ = run(capsys, "check", "--quiet", ".")
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == [os.path.join("handlers", "bad.py")]


def test_config_exclude_skips_files_and_folders(project: Path, capsys) -> None:
    write(project / "generated" / "bad.py", BAD)
    write(project / "bad_gen.py", BAD)
    (project / "pyproject.toml").write_text('[tool.durable-lint]\nexclude = ["generated", "*_gen.py"]\n')
    assert run(capsys, "check", "-q", ".") == (0, "", "")
    assert run(capsys, "check", "bad_gen.py")[0] == 0


def test_default_excludes_skip_virtualenvs(project: Path, capsys) -> None:
    write(project / ".venv" / "lib" / "bad.py", BAD)
    assert run(capsys, "check", ".")[0] == 0


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("[tool.durable-lint\nselect = 1", "invalid TOML"),
        ("[tool.durable-lint]\nselekt = ['DUR101']\n", "unknown key 'selekt'"),
        ("[tool.durable-lint]\nselect = 'DUR101'\n", "'select' must be a list of strings"),
        ("[tool.durable-lint]\nignore = ['XYZ9']\n", "unknown rule code 'XYZ9'"),
        ("[tool.durable-lint]\nper-file-ignores = { 'a' = 'DUR101' }\n", "'per-file-ignores' must map"),
    ],
)
def test_bad_configuration_is_one_line_exit_2(project: Path, capsys, config: str, expected: str) -> None:
    write(project / "bad.py", BAD)
    (project / "pyproject.toml").write_text(config)
    code, out, err = run(capsys, "check", ".")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and expected in err and "pyproject.toml" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "missing/dir"], "missing/dir: no such file or directory"),
        (["check", "--select", "DUR999", "."], "unknown rule code 'DUR999'"),
        (["check", "--format", "xml", "."], "invalid choice: 'xml'"),
        (["check", "--bogus"], "unrecognized arguments: --bogus"),
        (["rule", "DUR999"], "unknown rule code 'DUR999'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(project: Path, capsys, args: list[str], expected: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and expected in err


def test_unparsable_durable_module_is_dur000_and_linting_goes_on(project: Path, capsys) -> None:
    write(project / "a_broken.py", "from aws_durable_execution_sdk_python import durable_execution\ndef f(:\n")
    write(project / "b_bad.py", BAD)
    write(project / "c_plain_broken.py", "def f(:\n")  # not durable: not our business
    code, out, _ = run(capsys, "check", "--quiet", ".")
    assert code == 1
    codes = [(TEXT_LINE.match(line)["path"], TEXT_LINE.match(line)["code"]) for line in out.splitlines()]
    assert codes == [("a_broken.py", "DUR000"), ("b_bad.py", "DUR101")]
    assert "cannot parse this file: invalid syntax" in out


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01aws_durable_execution_sdk_python\xff\xfe",
        b"# -*- coding: utf-8 -*-\nimport aws_durable_execution_sdk_python\nx = '\xff\xfe'\n",
        b"# -*- coding: klingon -*-\nimport aws_durable_execution_sdk_python\n",
        b"import aws_durable_execution_sdk_python\nx = " + b"(" * 5000 + b")" * 5000 + b"\n",
        b"import aws_durable_execution_sdk_python\nx = " + b"-" * 100000 + b"1\n",
    ],
    ids=["binary", "bad-utf8", "unknown-encoding", "deep-parens", "deep-unary"],
)
def test_hostile_files_give_dur000_not_a_traceback(project: Path, capsys, content: bytes) -> None:
    (project / "weird.py").write_bytes(content)
    code, out, err = run(capsys, "check", "weird.py")
    assert err == ""
    assert code == 1 and out.count("DUR000") == 1


def test_deeply_nested_but_valid_code_is_analysed(project: Path, capsys) -> None:
    chain = "x" + ".a" * 800
    write(project / "deep.py", BAD + f"\n\n@durable_execution\ndef h(event, context):\n    x = event\n    y = {chain}\n    return context.step(lambda _: y)\n")
    code, out, err = run(capsys, "check", "deep.py")
    assert err == "" and code == 1 and "DUR101" in out


def test_symlink_loops_terminate_and_files_are_linted_once(project: Path, capsys) -> None:
    write(project / "pkg" / "bad.py", BAD)
    (project / "pkg" / "loop").symlink_to(project / "pkg", target_is_directory=True)
    (project / "pkg" / "alias.py").symlink_to(project / "pkg" / "bad.py")
    code, out, _ = run(capsys, "check", "--quiet", ".")
    assert code == 1 and len(out.splitlines()) == 1


def test_noqa_blanket_specific_prefix_and_multiline(project: Path, capsys) -> None:
    write(project / "noqa.py", '''\
        import time
        import uuid
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            a = time.time()  # noqa
            b = time.time()  # noqa: DUR101
            c = time.time()  # NOQA:DUR1
            d = time.time()  # noqa: DUR203
            e = time.strftime("""%H
            """)  # noqa: DUR101 (flake8 joins the lines of a multi-line string)
            return context.step(lambda _: [a, b, c, d, e, uuid.uuid4()], name="x")
    ''')
    code, out, _ = run(capsys, "check", "--quiet", "noqa.py")
    assert code == 1
    assert [line.split(":")[1:3] for line in out.splitlines()] == [["11", "9"]]


def test_check_never_writes_to_user_files(project: Path, capsys) -> None:
    files = [write(project / "bad.py", BAD), write(project / "ok.py", CLEAN)]
    before = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files}
    run(capsys, "check", "--format", "json", ".")
    assert {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files} == before
    assert sorted(p.name for p in project.iterdir()) == ["bad.py", "ok.py", "pyproject.toml"]


def test_rule_command_prints_documentation(capsys) -> None:
    code, out, _ = run(capsys, "rule", "DUR101")
    assert code == 0 and out.startswith("# DUR101 clock-read") and "## Why is this bad?" in out
    code, out, _ = run(capsys, "rule", "--all")
    assert code == 0 and "DUR402  environment-read" in out and "opt-in" in out


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    result = subprocess.run(
        [sys.executable, "-m", "durable_lint", "check", "bad.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1 and result.stdout.startswith("bad.py:7:15: DUR101")
    version = subprocess.run([sys.executable, "-m", "durable_lint", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("durable-lint ")


def test_console_script_leaves_at_once_with_every_line_written(tmp_path: Path) -> None:
    """The script skips the interpreter's teardown (os._exit): the whole report must still
    reach a pipe, a file given by --output-file too, in parallel runs as in serial ones."""
    for index in range(250):  # enough files for worker processes, and a report far over a pipe's buffer
        (tmp_path / f"bad_{index:03d}.py").write_text(BAD)
    for jobs in ("1", "2"):
        result = subprocess.run([sys.executable, "-m", "durable_lint", "check", "--jobs", jobs, "--output-format",
                                 "json", "."], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 1, result.stderr
        assert len(json.loads(result.stdout)) == 250
    result = subprocess.run([sys.executable, "-m", "durable_lint", "check", ".", "--output-file", "report.txt"],
                            cwd=tmp_path, capture_output=True, text=True)
    report = (tmp_path / "report.txt").read_text()
    assert result.returncode == 1 and report.count(": DUR101 ") == 250 and "Found 250 findings" in report
