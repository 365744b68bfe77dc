"""Run durable-fuzz on every misbehaving handler of tests/fuzz_targets/hostile.py, with timeouts.

    .venv/bin/python bench/hostile_handlers.py [--environments]

Each must end within its timeout with the expected exit code (2 with one line on stderr
when the straight-through run cannot finish, 1 when a schedule is the problem); no process it started may be left behind. Prints one row per handler (exit code,
seconds, the line) and exits 1 if any case misbehaved.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = "tests/fuzz_targets/hostile.py"
CASES = {  # handler: expected exit code
    "spins": 2, "blocks": 2, "holds_the_lock": 2, "huge_result": 2, "exits_in_a_step": 2, "exits_on_replay": 1, "sys_exit_in_a_step": 2,
    "interrupts_orchestration": 2, "raises_base_exception": 2,
    "leaves_a_thread": 0, "leaves_a_process": 0, "chatty": 0,
}
TIMEOUT = 120.0


def strays() -> list[str]:
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = entry.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "durable-fuzz-stray" in cmdline and " -c " in cmdline:
            found.append(cmdline)
    return found


def main() -> int:
    extra = sys.argv[1:]
    failures = 0
    for handler, expected in CASES.items():
        started = time.perf_counter()
        command = [sys.executable, "-m", "replay_fuzz.cli", f"{TARGET}:{handler}", "--max-examples", "5",
                   "--no-database", "--invocation-timeout", "1", *extra]
        try:
            result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
            code, lines = result.returncode, result.stderr.strip().splitlines()
        except subprocess.TimeoutExpired:
            code, lines = None, [f"HUNG: no end within {TIMEOUT:g} s"]
        seconds = time.perf_counter() - started
        left = strays()
        ok = code == expected and (expected != 2 or len(lines) == 1) and not left
        failures += not ok
        shown = lines[-1] if lines else ""
        print(f"{'ok ' if ok else 'BAD'} {handler:26} exit {code}  {seconds:5.1f} s  {shown[:150]}")
        if left:
            print(f"    left running: {left}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
