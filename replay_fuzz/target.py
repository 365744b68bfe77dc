"""Find the handlers a TARGET names: `path/to/module.py[:handler]` or `package.module[:handler]`.

A file is imported under its file stem with its folder first on sys.path, so
`--effect stem:function` names the same module the handler uses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import inspect
import os
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any, Callable


class TargetError(Exception):
    """A TARGET that names no durable handler."""


def is_durable_handler(value: object) -> bool:
    """Is `value` the wrapper that `@durable_execution` returns?"""
    code = getattr(value, "__code__", None)
    return (
        callable(value)
        and hasattr(value, "__wrapped__")
        and code is not None
        and code.co_qualname == "durable_execution.<locals>.wrapper"
        and code.co_filename.endswith("execution.py")
    )


def load_target(target: str) -> list[tuple[str, Callable[..., Any]]]:
    """(name as TARGET, handler) for every handler the target names."""
    location, _, attribute = target.rpartition(":") if names_handler(target) else (target, "", "")
    module = _import(location)
    if attribute:
        handler = getattr(module, attribute, None)
        if handler is None:
            raise TargetError(f"{location}: has no attribute {attribute!r}")
        if not is_durable_handler(handler):
            raise TargetError(f"{location}:{attribute} is not a @durable_execution handler")
        return [(f"{location}:{attribute}", handler)]
    handlers = [(f"{location}:{name}", value) for name, value in vars(module).items() if is_durable_handler(value)]
    if not handlers:
        raise TargetError(f"{location}: no @durable_execution handler in this module")
    return handlers


def names_handler(target: str) -> bool:
    """Does TARGET end in `:handler` (not, say, a Windows drive's colon)?"""
    head, _, tail = target.rpartition(":")
    return bool(head) and tail.isidentifier()


def _import(location: str) -> ModuleType:
    path = Path(location)
    if location.endswith(".py") or path.exists():
        if not path.is_file():
            raise TargetError(f"{location}: no such file")
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        name = path.stem
        existing = sys.modules.get(name)
        if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == path.resolve():
            return existing
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001 - the user's module (sys.exit included): one line, not a traceback
            sys.modules.pop(name, None)
            raise TargetError(f"{location}: importing it failed: {type(error).__name__}: {error}") from None
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(location)
    except ModuleNotFoundError as error:
        if error.name and location.startswith(error.name):
            raise TargetError(f"{location}: no such module or file") from None
        raise TargetError(f"{location}: importing it failed: ModuleNotFoundError: {error}") from None
    except BaseException as error:  # noqa: BLE001 - sys.exit and KeyboardInterrupt at import too
        raise TargetError(f"{location}: importing it failed: {type(error).__name__}: {error}") from None


def probe_import(target: str, allow_network: bool, timeout: float) -> None:
    """Import `target` once in a forked child first, so that an import which calls os._exit,
    kills its process or never ends is one line (TargetError), not a fuzzer that vanishes or
    hangs. Where there is no fork it does nothing (the import below reports what it can)."""
    if not hasattr(os, "fork"):
        return
    from replay_fuzz import guard, shards

    def load(progress: object) -> None:
        with contextlib.nullcontext() if allow_network else guard.refuse_network([]):
            load_target(target)

    location = target.rsplit(":", 1)[0] if names_handler(target) else target
    try:
        shards.run_shards([load], 1, lambda index, payload: None, timeout=timeout)
    except shards.ShardDied as died:
        raise TargetError(f"{location}: importing it {died.how}") from None
    except shards.ShardTimedOut:
        raise TargetError(f"{location}: importing it did not finish within {timeout:g} s") from None


def example_event(handler: Callable[..., Any]) -> Any:
    """An event built from the handler's event annotation (TypedDict or dataclass), else {}."""
    function = getattr(handler, "__wrapped__", handler)
    try:
        parameters = list(inspect.signature(function).parameters.values())
        hints = typing.get_type_hints(function)
    except (TypeError, ValueError, NameError):
        return {}
    if not parameters:
        return {}
    return _example(hints.get(parameters[0].name), depth=0)


def _example(annotation: Any, depth: int) -> Any:
    if annotation is None or depth > 4:
        return {}
    origin = typing.get_origin(annotation)
    if typing.is_typeddict(annotation):
        return {key: _example(value, depth + 1) for key, value in typing.get_type_hints(annotation).items()}
    if dataclasses.is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        return {f.name: _example(hints.get(f.name), depth + 1) for f in dataclasses.fields(annotation)}
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _example(options[0], depth + 1) if options else None
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        return [_example(args[0], depth + 1)] if args else []
    if origin is dict:
        return {}
    return {str: "example", int: 1, float: 1.0, bool: True, bytes: "", type(None): None}.get(annotation, {})


def named_function(name: str, option: str, example: str, error: type[Exception]) -> Callable[..., Any]:
    """The function `module:function` names for `option` (`--effect`, `--setup`), or `error` saying what is wrong."""
    module_name, _, function_name = name.partition(":")
    if not module_name or not function_name:
        raise error(f"{option} {name!r}: expected MODULE:FUNCTION, e.g. {example}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as problem:
        raise error(f"{option} {name!r}: cannot import {module_name!r} ({problem})") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise error(f"{option} {name!r}: {module_name} has no function {function_name!r}")
    return function
