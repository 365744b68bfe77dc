"""fuzz() inside pytest: readable failures, the --durable-fuzz-examples option, a shared database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SUITE = '''
import sys
sys.path.insert(0, {root!r})
from replay_fuzz import fuzz
from tests.fuzz_targets import correct, planted, production_variety


def test_buggy_handler():
    fuzz({buggy}, database={database!r}).raise_if_problems()


def test_correct_handler():
    report = fuzz(correct.approval, effects=["tests.fuzz_targets.services:send_email"], database={database!r},
                  environments=False)
    report.raise_if_problems()
    print("RANDOM-SCHEDULES", report.examples - report.fault_points)
'''


def run_suite(tmp_path: Path, *options: str, database: str | None = None,
              buggy: str = "planted.captured_mutation") -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_durable.py").write_text(SUITE.format(root=str(ROOT), database=database, buggy=buggy))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *options, "test_durable.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_fuzz_fails_a_test_with_the_readable_report_and_passes_a_correct_one(tmp_path: Path) -> None:
    done = run_suite(tmp_path, "--durable-fuzz-examples", "7")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "AssertionError: durable-fuzz" in done.stdout and "[outcome-mismatch]" in done.stdout
    assert "straight-through run: SUCCEEDED" in done.stdout and "reproduce: durable-fuzz" in done.stdout
    searched = int(done.stdout.split("RANDOM-SCHEDULES")[1].split()[0])
    assert 0 < searched <= 7 + 2  # the option bounded the random search (a reused example and the warm start aside)


def test_a_shared_database_folder_is_written_and_read_by_separate_workers(tmp_path: Path) -> None:
    """Worker A (a pytest process) saves the shrunk failure its search found; worker B, with no
    search of its own, reports it from the shared folder alone."""
    from replay_fuzz import fuzz
    from tests.fuzz_targets import production_variety

    shared = tmp_path / "shared-db"
    first = run_suite(tmp_path, "--durable-fuzz-examples", "100", database=str(shared), buggy="production_variety.third_invocation_differs")
    assert "1 failed, 1 passed" in first.stdout, first.stdout + first.stderr
    assert not fuzz(production_variety.third_invocation_differs, max_examples=0, database=None).problems  # single faults miss it
    second = fuzz(production_variety.third_invocation_differs, max_examples=0, database=str(shared))
    assert "nondeterminism" in [p.kind for p in second.problems], second.text()
    assert len(second.problems[0].schedule) == 2  # the shrunk two-crash schedule, as saved
