"""Swap a module's functions for the fuzzer's, also where user code bound them at import.

Patching `time.monotonic` does not reach `from time import monotonic` done before
the run, so a swap also rebinds every module-level name in user code (any module
outside the standard library and the installed packages) that holds the original,
or a replacement left from a run during which that module was imported. Library
code keeps the originals: its timeouts and internals need them.
"""

from __future__ import annotations

import site
import sys
import sysconfig
from pathlib import Path
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FunctionType, ModuleType
from typing import Any

_LIBRARIES = tuple({*(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
                    *site.getsitepackages(), site.getusersitepackages()})
_OWN_PACKAGES = ("replay_fuzz", "durable_lint")
_MARK = "__durable_fuzz_replaces__"

Binding = tuple[dict[str, Any], str, str]  # (module globals, name there, name in the home module)


class Swap:
    """The functions of `home` named in `names`, to be replaced run after run."""

    def __init__(self, home: ModuleType, names: list[str]) -> None:
        self.home = home
        self.originals = {name: getattr(home, name) for name in names}
        self._by_identity = {id(function): name for name, function in self.originals.items()}
        self._cache: tuple[int, list[Binding]] = (-1, [])

    @contextmanager
    def replaced(self, replacements: dict[str, Callable[..., Any]]) -> Iterator[None]:
        """Inside, the home module and user code call `replacements` instead of the originals."""
        for name, function in replacements.items():
            setattr(function, _MARK, (self.home.__name__, name))
        bindings = [(self.home.__dict__, name, name) for name in self.originals] + self._user_bindings()
        for namespace, name, home_name in bindings:
            namespace[name] = replacements[home_name]
        try:
            yield
        finally:
            # Modules imported during the run bound the replacements: they get the originals too.
            for namespace, name, home_name in bindings + self._user_bindings():
                namespace[name] = self.originals[home_name]

    def _user_bindings(self) -> list[Binding]:
        """Looked for again only when modules were imported since the last look (cheap per run)."""
        seen, bindings = self._cache
        if seen != len(sys.modules):
            bindings = [(module.__dict__, name, home_name) for module in list(sys.modules.values()) if is_user_module(module)
                        for name, value in list(module.__dict__.items()) if (home_name := self._home_name(value))]
            self._cache = (len(sys.modules), bindings)
        return bindings

    def _home_name(self, value: object) -> str | None:
        name = self._by_identity.get(id(value))
        if name is not None and value is self.originals[name]:
            return name
        mark = value.__dict__.get(_MARK) if isinstance(value, FunctionType) else None
        return mark[1] if mark and mark[0] == self.home.__name__ and mark[1] in self.originals else None


def is_user_module(module: ModuleType) -> bool:
    """Whether `module` is the user's code: outside the standard library, the installed packages and this fuzzer."""
    path = getattr(module, "__file__", None)
    if not path or module.__name__.partition(".")[0] in _OWN_PACKAGES:
        return False
    return not path.startswith(_LIBRARIES)


_OWN_FOLDERS = tuple(str(Path(__file__).resolve().parent.parent / package) for package in _OWN_PACKAGES)


def is_library_file(filename: str) -> bool:
    """Whether code from `filename` is a library's (standard library, installed packages, this
    fuzzer, frozen modules) rather than the user's."""
    return filename.startswith((*_LIBRARIES, *_OWN_FOLDERS, "<frozen"))
