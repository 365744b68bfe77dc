"""What a run found, as every output format sees it: findings, fix availability, sources and paths."""

from __future__ import annotations

import importlib.util
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from durable_lint.finding import Finding


@dataclass
class Results:
    """The findings of one run and how the user asked to see them."""

    findings: list[Finding]
    unsafe_fixes: bool = False  # unsafe fixes count as available (--unsafe-fixes)
    colour: bool = False
    sources: dict[str, str] = field(default_factory=dict)  # text of sources not on disk (stdin), by path shown
    not_checked: list[str] = field(default_factory=list)  # one line per folder that could not be read
    _lines: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    def fixable(self, finding: Finding) -> bool:
        """Would `--fix` (with this run's --unsafe-fixes) fix it?"""
        return finding.fix is not None and (finding.fix.safe or self.unsafe_fixes)

    def hidden_fix(self, finding: Finding) -> bool:
        """Is there an unsafe fix that only --unsafe-fixes would apply?"""
        return finding.fix is not None and not finding.fix.safe and not self.unsafe_fixes

    def line_text(self, path: str, line: int) -> str:
        """The source line a finding points at (without its line ending), or "" when unreadable."""
        lines = self._lines.get(path)
        if lines is None:
            lines = self._lines[path] = _read_lines(path, self.sources.get(path))
        return lines[line - 1] if 0 < line <= len(lines) else ""

    @cached_property
    def root(self) -> Path:
        """The repository root (git's top level), else the working directory: where CI paths start."""
        return repository_root()

    def relative_path(self, path: str) -> str | None:
        """The finding's path relative to the repository root, POSIX style; None when outside it."""
        relative = os.path.relpath(os.path.abspath(path), self.root)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            return None
        return Path(relative).as_posix()

    def fingerprint(self, finding: Finding) -> str:
        """A stable identity for a finding that survives moving it to another line.

        Made of the code, the path from the repository root, the reported line's text
        without surrounding whitespace and, among findings that share those, their order.
        """
        return self._fingerprints[id(finding)]

    @cached_property
    def _fingerprints(self) -> dict[int, str]:
        import hashlib

        seen: Counter[tuple[str, str, str]] = Counter()
        prints = {}
        for finding in self.findings:
            key = (finding.code, self.relative_path(finding.path) or finding.path,
                   self.line_text(finding.path, finding.line).strip())
            digest = hashlib.sha256(os.fsencode("\0".join((*key, str(seen[key]))))).hexdigest()
            seen[key] += 1
            prints[id(finding)] = digest[:32]
        return prints


def _read_lines(path: str, text: str | None) -> list[str]:
    if text is None:
        try:
            text = importlib.util.decode_source(Path(path).read_bytes())
        except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
            return []
    return text.splitlines()


def repository_root() -> Path:
    """git's top-level folder for the working directory, or the working directory outside a repository."""
    import subprocess

    cwd = Path.cwd()
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return cwd
    top = done.stdout.strip()
    return Path(top) if done.returncode == 0 and top else cwd
