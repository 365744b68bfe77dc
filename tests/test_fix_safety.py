"""`durable-lint fix` never loses code: atomic writes, races, full disks, files it cannot rewrite."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from durable_lint import fixer
from durable_lint.cli import main
from tests.test_fix import run_handler

FIXABLE = """\
import uuid

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    order_id = uuid.uuid4()
    return context.step(lambda _: len(str(order_id)), name="length")
"""
FIXED_LINE = 'order_id = context.step(lambda _: uuid.uuid4(), name="order-id")'
PADDING = "".join(f"# padding line {i:04d} so the fixed file is larger than the 1 KiB file size limit\n" for i in range(30))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".durable-lint"))


def test_full_disk_leaves_the_file_intact(folder: Path) -> None:
    path = folder / "big.py"
    path.write_text(PADDING + FIXABLE)
    before = path.read_bytes()
    assert len(before) > 2048

    def limit_file_size() -> None:  # `ulimit -f 1`: writes past 1 KiB fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    result = subprocess.run([sys.executable, "-m", "durable_lint", "fix", "big.py"], cwd=folder,
                            capture_output=True, text=True, preexec_fn=limit_file_size, timeout=60)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == ["durable-lint: error: big.py: cannot write the fixes (File too large); left unchanged"]
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before
    assert leftovers(folder) == []


def test_an_edit_saved_meanwhile_is_kept_and_reported(folder: Path, monkeypatch, capsys) -> None:
    path = folder / "h.py"
    path.write_text(FIXABLE)
    edited = FIXABLE.replace("length", "size")
    real_fix_file = fixer.fix_file

    def editor_saves_meanwhile(*args: object) -> fixer.FileFix:
        result = real_fix_file(*args)
        path.write_text(edited)
        return result

    monkeypatch.setattr(fixer, "fix_file", editor_saves_meanwhile)
    assert main(["fix", "h.py"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "durable-lint: error: h.py: changed on disk while it was being fixed; left as it is now, run fix again"
    assert err[1] == "Fixed 0 finding(s) in 0 file(s); 1 remaining."
    assert path.read_text() == edited
    assert leftovers(folder) == []


def test_symlinks_and_mode_bits_are_kept(folder: Path) -> None:
    (folder / "real").mkdir()
    target = folder / "real" / "handler.py"
    target.write_text(FIXABLE)
    target.chmod(0o751)
    link = folder / "link.py"
    link.symlink_to(target)
    assert main(["fix", "link.py"]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert FIXED_LINE in target.read_text()
    assert oct(target.stat().st_mode & 0o7777) == oct(0o751)
    assert leftovers(folder) == leftovers(folder / "real") == []


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_read_only_files_are_one_line_and_other_files_still_fixed(folder: Path, capsys, read_only: str) -> None:
    (folder / "locked").mkdir()
    locked, other = folder / "locked" / "a.py", folder / "b.py"
    locked.write_text(FIXABLE)
    other.write_text(FIXABLE)
    (locked if read_only == "file" else locked.parent).chmod(0o555 if read_only == "folder" else 0o444)
    try:
        assert main(["fix", "locked/a.py", "b.py"]) == 2
    finally:
        locked.parent.chmod(0o755)
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"durable-lint: error: locked/a.py: cannot write the fixes (the {read_only} is read-only); left unchanged",
        "Fixed 1 finding(s) in 1 file(s); 1 remaining.",
    ]
    assert locked.read_text() == FIXABLE and FIXED_LINE in other.read_text()


@pytest.mark.parametrize("middle", [
    "    text = (\"a\"\n" + "        \"b\"\n" * 3000 + "    )\n",  # valid Python that LibCST's parser rejects
    "    total = " + "+".join(["1"] * 900) + "\n",  # LibCST recurses too deep on this
], ids=["libcst-rejects", "recursion"])
def test_a_file_libcst_cannot_rewrite_is_one_line(folder: Path, capsys, middle: str) -> None:
    hard = FIXABLE.replace("    return", middle + "    return")
    (folder / "hard.py").write_text(hard)
    (folder / "easy.py").write_text(FIXABLE)
    assert main(["fix", "hard.py", "easy.py"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("durable-lint: error: hard.py: cannot apply fixes, ")
    assert err[0].endswith("; left unchanged, fix these findings by hand")
    assert err[1] == "Fixed 1 finding(s) in 1 file(s); 1 remaining."
    assert (folder / "hard.py").read_text() == hard
    assert FIXED_LINE in (folder / "easy.py").read_text()


NO_FIX = {
    "clock-in-f-string": """\
        import time
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            label = f"at {time.time()}"
            return context.step(lambda _: label, name="x")
        """,
    "duration-is-a-local-name": """\
        import time
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            time.sleep(1)
            Duration = 5
            return context.step(lambda _: Duration, name="x")
        """,
    "duration-imported-later-in-the-function": """\
        import time
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            time.sleep(1)
            from aws_durable_execution_sdk_python.config import Duration
            return context.step(lambda _: Duration.from_seconds(2).seconds, name="x")
        """,
    "duration-is-another-class": """\
        import time
        from datetime import timedelta as Duration
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            time.sleep(1)
            return context.step(lambda _: Duration(seconds=1).total_seconds(), name="x")
        """,
    "wrapped-call-reads-underscore": """\
        import random
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            _ = event["choices"]
            pick = random.choice(_)
            return context.step(lambda _: pick, name="x")
        """,
}


@pytest.mark.parametrize("name", sorted(NO_FIX))
def test_no_fix_is_offered_where_it_cannot_be_written(folder: Path, capsys, name: str) -> None:
    import textwrap

    source = textwrap.dedent(NO_FIX[name])
    (folder / "h.py").write_text(source)
    main(["check", "--format", "json", "h.py"])
    reported = json.loads(capsys.readouterr().out)
    assert reported and not any(f["fixable"] for f in reported)
    assert main(["fix", "h.py"]) == 1
    assert (folder / "h.py").read_text() == source


def test_sleep_fix_uses_an_aliased_duration_import(folder: Path) -> None:
    path = folder / "h.py"
    path.write_text(
        "import time\n"
        "from aws_durable_execution_sdk_python import durable_execution\n"
        "from aws_durable_execution_sdk_python.config import Duration as D\n\n\n"
        "@durable_execution\ndef handler(event, context):\n    time.sleep(1)\n"
        "    context.wait(D.from_seconds(1))\n    return context.step(lambda _: 7, name='x')\n"
    )
    assert main(["fix", "h.py"]) == 0
    text = path.read_text()
    assert "    context.wait(D.from_seconds(1))\n    context.wait(D.from_seconds(1))\n" in text
    assert text.count("import Duration") == 1
    assert run_handler(path, {}) == 7


def test_an_interruption_mid_write_leaves_the_file_and_no_temporary(folder: Path, monkeypatch) -> None:
    path = folder / "h.py"
    path.write_text(FIXABLE)

    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C (or SIGTERM, which raises during fix) between write and replace

    monkeypatch.setattr(os, "fsync", interrupted)
    assert main(["fix", "h.py"]) == 130
    assert path.read_text() == FIXABLE
    assert leftovers(folder) == []
