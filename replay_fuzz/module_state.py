"""The handler's module globals as they were when fuzzing began, put back before each execution.

Every execution run in the fuzzer's own process starts as a fresh container would:
module globals as imported. Without this, whatever one execution left in a module
global (a cache, a counter) would leak into the next, so a reference run would not
start clean and a problem would show or hide depending on what ran before it. Where
production's warm containers do hand state from one execution to the next, the
schedule says so explicitly (`Schedule.warm_start`), so the report replays.

What is put back: every name in the module's namespace (names added since are
removed, rebound ones rebound), the contents of the dicts, lists, sets, bytearrays
and deques bound there, and the caches of module-level `functools.lru_cache`
functions. State deeper inside objects (an attribute set on a client) is not; the
forked cold environments (replay_fuzz.environments) are the exact model of a fresh
import.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from replay_fuzz.bindings import is_user_module

_CONTAINERS = (dict, list, set, bytearray, collections.deque)


class ModuleState:
    """A snapshot of the handler's project modules loaded now: user code under the folder of
    the handler's top-level package (or of its module), test modules left out."""

    def __init__(self, handler_module: str) -> None:
        root = _project_folder(handler_module)
        self._modules = [(module, dict(module.__dict__), {name: _contents(value) for name, value in module.__dict__.items()
                                                          if isinstance(value, _CONTAINERS)})
                         for module in list(sys.modules.values())
                         if root is not None and isinstance(module, ModuleType) and _in_project(module, root)]

    def restore(self) -> None:
        """Put every snapshotted module's globals back as they were."""
        for module, names, contents in self._modules:
            namespace = module.__dict__
            for name in [name for name in namespace if name not in names and not name.startswith("__")]:
                del namespace[name]
            for name, value in names.items():
                if namespace.get(name) is not value:
                    namespace[name] = value
                if name in contents:
                    _refill(value, contents[name])
                cache_clear = getattr(value, "cache_clear", None)
                if callable(cache_clear) and hasattr(value, "cache_info"):
                    cache_clear()


def _project_folder(module_name: str) -> Path | None:
    top = sys.modules.get(module_name.partition(".")[0])
    path = getattr(top, "__file__", None)
    if path is None:
        return None
    return Path(path).resolve().parent


def _in_project(module: ModuleType, root: Path) -> bool:
    path = getattr(module, "__file__", None)
    if not path or not is_user_module(module):
        return False
    file = Path(path).resolve()
    return file.is_relative_to(root) and not (file.name.startswith("test_") or file.name.endswith("_test.py")
                                              or file.name == "conftest.py")


def _contents(container: Any) -> Any:
    return dict(container) if isinstance(container, dict) else list(container)


def _refill(container: Any, contents: Any) -> None:
    """Give `container` (in place: other names may hold it) its snapshotted contents, if they changed."""
    try:
        if _contents(container) == contents:
            return
    except Exception:  # noqa: BLE001 - contents that cannot compare (arrays): refill anyway
        pass
    if isinstance(container, dict):
        container.clear()
        container.update(contents)
    elif isinstance(container, list | bytearray):
        container[:] = contents
    else:  # set, deque
        container.clear()
        container.update(contents) if isinstance(container, set) else container.extend(contents)
