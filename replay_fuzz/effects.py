"""User-named side effects: wrap them, and record every call with the operation that ran it.

`--effect billing:charge` (or, in Python, the function itself) names a function. The
fuzzer replaces it, in its module and in every loaded module that imported it by
name, with a wrapper that records the call (effect, arguments, the step running it
or "orchestration") in the ledger of the execution in progress, then calls through.
A `@durable_step` function is a factory: calling it only builds the step, so what
is recorded instead is each run of its body (the function the decorator wrapped,
without its StepContext argument).
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from replay_fuzz.target import named_function


class EffectError(Exception):
    """An effect name that does not name a function."""


@dataclass(frozen=True)
class EffectCall:
    effect: str
    operation: str | None  # the step's operation id; None when orchestration code ran it
    arguments: str
    semantics: str | None = None
    repeat: str | None = None  # for AWS calls: "harmless" or "duplicate" (see replay_fuzz.aws_effects)
    attempt: int | None = None  # which run of the step's body made the call


_ledger: list[EffectCall] | None = None
_lock = threading.Lock()
_step_stack = threading.local()


def current_step() -> tuple[str, str | None, int | None] | None:
    """(operation id, semantics, run of its body) of the step running on this thread, if any."""
    stack = getattr(_step_stack, "frames", None)
    return stack[-1] if stack else None


def enter_step(operation_id: str, semantics: str | None, attempt: int | None = None) -> None:
    """Effects called until `leave_step` belong to this step and this run of its body (per thread)."""
    frames = getattr(_step_stack, "frames", None)
    if frames is None:
        frames = _step_stack.frames = []
    frames.append((operation_id, semantics, attempt))


def leave_step() -> None:
    _step_stack.frames.pop()


@contextmanager
def recording(ledger: list[EffectCall]) -> Iterator[None]:
    global _ledger
    previous, _ledger = _ledger, ledger
    try:
        yield
    finally:
        _ledger = previous


def _arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in sorted(kwargs.items())]
    text = ", ".join(parts)
    return text if len(text) <= 200 else text[:197] + "..."


def record_call(effect: str, arguments: str, repeat: str | None = None) -> None:
    """Note a call of `effect` in the ledger of the execution in progress, if any, with the step running it."""
    ledger = _ledger
    if ledger is not None:
        step = current_step()
        operation, semantics, attempt = step or (None, None, None)
        call = EffectCall(effect, operation, arguments, semantics, repeat, attempt)
        with _lock:
            ledger.append(call)


def _recorder(name: str, function: Callable[..., Any], step_body: bool = False) -> Callable[..., Any]:
    @functools.wraps(function)
    def effect(*args: Any, **kwargs: Any) -> Any:
        shown = args[1:] if step_body else args  # a step body's StepContext differs in every run
        record_call(name, _arguments(shown, kwargs))
        return function(*args, **kwargs)

    effect.__durable_fuzz_effect__ = True  # type: ignore[attr-defined]
    return effect


def install_effects(effects: list[str | Callable[..., Any]]) -> list[str]:
    """Wrap each effect (a function or "module:function") wherever it is bound at module level;
    return their "module:function" names."""
    names = [effect if isinstance(effect, str) else _name_of(effect) for effect in effects]
    for name in names:
        original = named_function(name, "--effect", "billing:charge", EffectError)
        if getattr(original, "__durable_fuzz_effect__", False):
            continue
        body = _durable_step_body(original)
        if body is not None:
            cell, function = body
            if not getattr(function, "__durable_fuzz_effect__", False):
                cell.cell_contents = _recorder(name, function, step_body=True)
            continue
        wrapper = _recorder(name, original)
        for loaded in list(sys.modules.values()):
            namespace = getattr(loaded, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for attribute, value in list(namespace.items()):
                if value is original:
                    namespace[attribute] = wrapper
    return names


def _name_of(function: Callable[..., Any]) -> str:
    """The "module:function" name of a function given as an object; it must be bound at module level."""
    body = _durable_step_body(function)
    named = body[1] if body is not None else function  # the factory @durable_step makes is named by its body
    module_name, name = getattr(named, "__module__", None), getattr(named, "__name__", None)
    module = sys.modules.get(module_name or "")
    if module is None or name is None or getattr(module, name, None) is not function:
        raise EffectError(f"effect {function!r}: not a function bound by its name at module level; "
                          "pass a module-level function or \"module:function\"")
    return f"{module_name}:{name}"


def _durable_step_body(function: Callable[..., Any]) -> tuple[Any, Callable[..., Any]] | None:
    """For the factory `@durable_step` made, the closure cell holding the body it wraps, and the body."""
    code = getattr(function, "__code__", None)
    if code is None or getattr(function, "__qualname__", "") != "durable_step.<locals>.wrapper" or "func" not in code.co_freevars:
        return None
    cell = function.__closure__[code.co_freevars.index("func")]  # type: ignore[index]
    return cell, cell.cell_contents
