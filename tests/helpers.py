"""Shared helpers: lint a snippet the way the CLI lints a file; list a process's children."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path
from types import ModuleType

from durable_lint.config import Settings
from durable_lint.engine import Linter
from durable_lint.finding import Finding

MARKER = re.compile(r"#\s*<-\s*(?P<codes>DUR\d{3}(?:\s*,\s*DUR\d{3})*)\s*$")


def lint(code: str, select: tuple[str, ...] = ("ALL",), settings: Settings | None = None) -> list[Finding]:
    """Findings for a dedented snippet, with `select` (exact codes enable opt-in rules)."""
    from dataclasses import replace

    base = settings or Settings()
    linter = Linter(replace(base, select=select))
    return linter.lint_source(textwrap.dedent(code).encode(), "example.py")


def expected_markers(code: str) -> set[tuple[int, str]]:
    """(line, code) for every line ending in `# <- CODE[, CODE]`."""
    expected = set()
    for number, line in enumerate(textwrap.dedent(code).splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            expected |= {(number, c.strip()) for c in match.group("codes").split(",")}
    return expected


def child_processes(pid: int) -> dict[int, str]:
    """The live children of `pid` and their command lines (read from /proc, Linux)."""
    children = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nPPid:\t{pid}\n" in status.read_text():
                children[int(status.parent.name)] = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return children


def module_from_source(folder: Path, name: str, source: str) -> tuple[Path, ModuleType]:
    """`source` written to `folder/name.py` and imported from there: linted and run as the same file."""
    path = folder / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path, module
