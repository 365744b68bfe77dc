"""Where user code called into the SDK: the call site that makes operations alike.

The SDK names operations by position (parent id and a counter), so two operations
that the same line of user code emitted -- in two iterations of a loop, or in two
items of a map -- have unrelated ids. The fuzzer groups fault points by the code
that emitted them (see replay_fuzz.classes), and this module finds that code: from
the hook that sees each operation, walk up the stack past the SDK, durable-fuzz and
the standard library to the user's frames nearest the call, and name them
`file:line` (innermost first, `<`-separated, so a helper called from two places
gives two call sites).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from types import CodeType

import aws_durable_execution_sdk_python

import replay_fuzz

_MAX_FRAMES = 4  # user frames kept per call site: the call and the helpers around it
_NOT_USER = tuple(os.path.dirname(module.__file__) + os.sep for module in (aws_durable_execution_sdk_python, replay_fuzz)
                  if module.__file__)
_STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep
_user_code: dict[CodeType, bool] = {}


def _is_user(code: CodeType) -> bool:
    known = _user_code.get(code)
    if known is None:
        filename = code.co_filename
        real = os.path.realpath(filename) if os.path.isabs(filename) else filename
        in_stdlib = real.startswith(_STDLIB) and "site-packages" not in real and "dist-packages" not in real
        known = _user_code[code] = not (filename.startswith(_NOT_USER) or in_stdlib or filename.startswith("<frozen"))
    return known


def call_site() -> str | None:
    """The user frames nearest the caller (`file:line<file:line...`), or None where the SDK itself
    emitted the operation (a map item's or parallel branch's context, on an executor thread)."""
    frame = sys._getframe(1)  # noqa: SLF001 - the only way to a caller's line without building a traceback
    found: list[str] = []
    while frame is not None and len(found) < _MAX_FRAMES:
        if _is_user(frame.f_code):
            found.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")
        elif found:
            break  # the user frames of this call end where the SDK (or durable-fuzz) called them
        frame = frame.f_back
    return "<".join(found) or None
