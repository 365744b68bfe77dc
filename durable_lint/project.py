"""The linted project's modules, found by dotted name and parsed once, for helper analysis.

Only the project is searched: the folder that holds the linted file's top-level
package, and the configuration root. The standard library and site-packages are
never entered (a team that wants a library function treated as non-deterministic
names it in `[tool.durable-lint] calls`).
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from pathlib import Path

from durable_lint.module import DurableModule
from durable_lint.scopes import Binding

ModuleFactory = Callable[[ast.Module, Path, str], DurableModule]
_MAX_REEXPORT_DEPTH = 8


class Project:
    """Parses project modules on demand and resolves qualified names to their functions."""

    def __init__(self, root: Path, factory: ModuleFactory) -> None:
        self._root = root.resolve()
        self._factory = factory
        self._modules: dict[Path, DurableModule | None] = {}
        # What the file system said, asked once per run: a run asks the same questions
        # for every file, and each answer costs a few stat() calls.
        self._packages: dict[Path, str] = {}
        self._found: dict[tuple[str, tuple[Path, ...]], Path | None] = {}
        self._real_paths: dict[Path, Path] = {}

    def _real(self, file: Path) -> Path:
        """`file.resolve()`, with each folder resolved once: a run meets the same folders again and again."""
        if file not in self._real_paths:
            if file.name in ("", "..") or file.is_symlink():
                self._real_paths[file] = file.resolve()
            else:
                self._real_paths[file] = self._real(file.parent) / file.name
        return self._real_paths[file]

    def package_of(self, file: Path) -> str:
        """The dotted package a file belongs to (folders with __init__.py), for relative imports."""
        folder = self._real(file).parent
        if folder not in self._packages:
            parts: list[str] = []
            walk = folder
            while (walk / "__init__.py").is_file() and walk.parent != walk:
                parts.append(walk.name)
                walk = walk.parent
            self._packages[folder] = ".".join(reversed(parts))
        return self._packages[folder]

    def register(self, file: Path, module: DurableModule) -> None:
        """Reuse a module the engine has already analysed."""
        self._modules[self._real(file)] = module

    def module_at(self, file: Path) -> DurableModule | None:
        file = self._real(file)
        if file not in self._modules:
            self._modules[file] = None  # a cycle through this file sees "unknown"
            try:
                source = importlib.util.decode_source(file.read_bytes())
                self._modules[file] = self._factory(ast.parse(source, filename=str(file)), file, source)
            except (OSError, SyntaxError, ValueError, UnicodeDecodeError, LookupError, RecursionError, MemoryError):
                self._modules[file] = None
        return self._modules[file]

    def resolve_function(self, qualified: str, origin: DurableModule, depth: int = 0) -> tuple[ast.AST, DurableModule] | None:
        """The def (or class) that `pkg.mod.func` names inside the project, following re-exports."""
        if depth > _MAX_REEXPORT_DEPTH:
            return None
        found = self._binding(qualified, origin)
        if found is None:
            return None
        binding, module = found
        if binding.kind in ("def", "class"):
            return binding.definition, module  # type: ignore[return-value]
        if binding.kind == "import" and binding.imported:
            return self.resolve_function(binding.imported, module, depth + 1)
        return None

    def reexported(self, qualified: str, origin: DurableModule, depth: int = 0) -> str | None:
        """The name outside the project that a project module re-exports as `qualified`:
        `myteam.durable.workflow` after `from aws_durable_execution_sdk_python import
        durable_execution as workflow` in myteam/durable.py. None if it is not an import there."""
        found = self._binding(qualified, origin) if depth <= _MAX_REEXPORT_DEPTH else None
        if found is None or found[0].kind != "import" or not found[0].imported:
            return None
        imported = found[0].imported
        return self.reexported(imported, found[1], depth + 1) or imported

    def _binding(self, qualified: str, origin: DurableModule) -> tuple[Binding, DurableModule] | None:
        """The module-level binding `pkg.mod.name` denotes in a project module."""
        parts = qualified.split(".")
        for split in range(len(parts) - 1, 0, -1):
            file = self._find(".".join(parts[:split]), origin)
            if file is None:
                continue
            module = self.module_at(file)
            if module is None or split != len(parts) - 1:
                return None
            binding = module.scope.bindings.get(parts[split])
            return (binding, module) if binding is not None else None
        return None

    def _find(self, dotted: str, origin: DurableModule) -> Path | None:
        roots = self._roots(origin)
        key = (dotted, roots)
        if key not in self._found:
            relative = Path(*dotted.split("."))
            candidates = (c for root in roots for c in (root / relative.with_suffix(".py"), root / relative / "__init__.py"))
            self._found[key] = next((c for c in candidates if c.is_file() and not _is_installed(c)), None)
        return self._found[key]

    def _roots(self, origin: DurableModule) -> tuple[Path, ...]:
        """Where `origin`'s absolute imports are searched: above its top-level package, then the root."""
        roots = []
        if origin.file is not None:
            top = self._real(origin.file).parent
            for _ in origin.package.split(".") if origin.package else ():
                top = top.parent
            roots.append(top)
        if self._root not in roots:
            roots.append(self._root)
        return tuple(roots)


def _is_installed(path: Path) -> bool:
    return any(part in ("site-packages", "dist-packages") for part in path.parts)
