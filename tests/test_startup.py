"""A one-file run imports only what checking needs: editors and pre-commit start a process per file.

Module lists rather than times: times belong in bench/lint_speed.py, where they are
measured side by side with flake8 and pyflakes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

_DURABLE = textwrap.dedent(
    """
    import time
    from aws_durable_execution_sdk_python import durable_execution

    @durable_execution
    def handler(event, context):
        started = time.time()
        return context.step(lambda _: started, name="started")
    """
)


def _modules_after(script: str, cwd: Path) -> set[str]:
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=cwd, check=True)
    return set(json.loads(run.stdout.splitlines()[-1]))


def test_check_of_one_file_imports_no_fixer_and_no_process_pool(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text(_DURABLE)
    modules = _modules_after(
        "import json, sys\n"
        "from durable_lint.cli import main\n"
        "main(['check', '--exit-zero', 'handler.py'])\n"
        "print(json.dumps(sorted(sys.modules)))\n",
        tmp_path,
    )
    assert "durable_lint.rules.clock" in modules  # the file was really checked
    assert not {"libcst", "multiprocessing", "concurrent.futures.process", "astroid"} & modules


def test_flake8_plugin_loads_no_engine_for_files_without_the_sdk(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from durable_lint.flake8_plugin import DurableLintChecker\n"
        "lines = {lines!r}\n"
        "found = list(DurableLintChecker(None, 'module.py', lines).run())\n"
        "print(json.dumps(sorted(sys.modules) + [f'found:{{len(found)}}']))\n"
    )
    plain = _modules_after(script.format(lines=["import os\n", "print(os.getcwd())\n"]), tmp_path)
    assert "durable_lint.engine" not in plain and "found:0" in plain
    durable = _modules_after(script.format(lines=_DURABLE.splitlines(keepends=True)), tmp_path)
    assert "durable_lint.engine" in durable and "found:0" not in durable
