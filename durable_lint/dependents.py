"""The project files that import given files, directly or through other project files.

A finding about a helper is reported where orchestration code calls it, often in a
file a commit did not touch. The pre-commit hook passes `--include-dependents`, so a
helper-only change is linted through the handlers that import it.

Kept fast for a commit hook: a file's imports are read (with a regex, not a parser)
only if its bytes mention the last part of a module being looked for, and each file
is read at most once. Module
names are matched against each dotted suffix of a file's path (`/repo/src/shop/ids.py`
answers to `shop.ids` and `ids`, among others), which covers packages, flat Lambda
folders and `src` layouts; a match too many only lints one file more.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path


def module_names(file: Path) -> set[str]:
    """The dotted names an import may use for `file`: each dotted suffix of its path."""
    parts = list(file.resolve().with_suffix("").parts[1:])
    if parts and parts[-1] == "__init__":
        parts.pop()
    return {".".join(parts[start:]) for start in range(len(parts))}


class _Imports:
    """What one file imports, as dotted names (relative imports resolved by folder)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._data: bytes | None = None
        self._names: set[str] | None = None
        self._packages: set[str] = set()

    def mentions(self, tokens: set[bytes]) -> bool:
        if self._data is None:
            try:
                self._data = self.file.read_bytes()
            except OSError:
                self._data = b""
        return any(token in self._data for token in tokens)

    def imports_any(self, modules: set[str]) -> bool:
        """Does the file import one of `modules`, or a package of one (`import shop`, then `shop.ids.x`)?"""
        if self._names is None:
            self._names, self._packages = self._parse()
        return bool(self._names & modules) or any(
            module.startswith(f"{package}.") for package in self._packages for module in modules
        )

    def _parse(self) -> tuple[set[str], set[str]]:
        """Names from `from M import a, b` (M, M.a, M.b) and packages from `import P.Q`, read with a regex.

        A regex over the bytes costs a fraction of `ast.parse`, reads files that do not
        parse, and at worst sees an import inside a string: one file linted more.
        """
        names: set[str] = set()
        packages: set[str] = set()
        for statement in _IMPORT.finditer(self._data or b""):
            imported = [
                part.split()[0].decode("utf-8", "replace")
                for part in _COMMENT.sub(b"", statement["names"]).strip(b"()").replace(b"\\\n", b" ").split(b",")
                if part.strip()
            ]
            if statement["module"] is None:
                packages.update(imported)
                continue
            base = self._base(statement["module"].decode("utf-8", "replace"))
            names.add(base)
            names.update(f"{base}.{name}" if base else name for name in imported)
        return names | packages, packages

    def _base(self, module: str) -> str:
        """The module a `from` import names; a relative one as the dotted path of its folder."""
        level = len(module) - len(module.lstrip("."))
        if not level:
            return module
        folder = self.file.resolve().parent
        for _ in range(level - 1):
            folder = folder.parent
        return ".".join(part for part in (*folder.parts[1:], *module[level:].split(".")) if part)


_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(?P<module>\.*[\w.]*)[ \t]+)?import[ \t]+(?P<names>\([^)]*\)|(?:[^\n\\;]|\\\n)*)",
    re.MULTILINE,
)
_COMMENT = re.compile(rb"#[^\n]*")


def dependents(changed: Sequence[Path], project: Iterable[Path]) -> list[Path]:
    """Files of `project` that import a `changed` file, directly or transitively, in project order."""
    changed_real = {os.path.realpath(file) for file in changed}
    wanted: set[str] = set()
    for file in changed:
        wanted |= module_names(file)
    candidates = [_Imports(file) for file in project if os.path.realpath(file) not in changed_real]
    found: set[Path] = set()
    frontier = wanted
    while frontier:
        tokens = {name.rsplit(".", 1)[-1].encode() for name in frontier if name}
        newly: set[str] = set()
        for candidate in candidates:
            if candidate.file in found or not candidate.mentions(tokens):
                continue
            if candidate.imports_any(frontier):
                found.add(candidate.file)
                newly |= module_names(candidate.file) - wanted
        wanted |= newly
        frontier = newly
    return [candidate.file for candidate in candidates if candidate.file in found]

