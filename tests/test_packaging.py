"""The wheel ships the rules inside durable_lint (never as a top-level `rules`) and its CLI works."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs_its_cli(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("durable_lint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "durable_lint/rules/clock.py" in names
    assert not any(name.startswith("rules/") for name in names)

    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stderr
    handler = tmp_path / "handler.py"
    handler.write_text(
        "import uuid\nfrom aws_durable_execution_sdk_python import durable_execution\n\n"
        "@durable_execution\ndef handler(event, context):\n    return context.step(lambda _: 1, name=str(uuid.uuid4()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import durable_lint.rules.clock as m; print(m.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert where.stdout.strip().startswith(str(target))
    lint = subprocess.run(
        [sys.executable, "-m", "durable_lint", "check", "handler.py"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert lint.returncode == 1 and "handler.py:6:43: DUR703" in lint.stdout
