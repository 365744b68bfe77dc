"""Reproducible randomness for the code under test: per invocation, and per run of a step body.

Production draws fresh randomness in every invocation and in every run of a step
body. The fuzzer draws it from seeds the schedule fixes: orchestration code from a
stream seeded per invocation, each step body from a stream of its own seeded per
(operation, n-th run of that body), so a body draws what it drew in the
straight-through run while a re-run draws fresh values, and bodies never shift what
orchestration code draws. Bodies run concurrently (map items, parallel branches),
so a body's stream belongs to its thread: the `random` module's functions and
`os.urandom` (so `uuid.uuid4` and `secrets`) draw from the stream of the body
running on the calling thread, or else from the invocation's. Names user code bound
from them at import are swapped too (replay_fuzz.bindings).
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from replay_fuzz.bindings import Swap


class _Stream:
    """One seeded source: numbers for `random`, bytes for `os.urandom`."""

    def __init__(self, key: str) -> None:
        seed = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
        self.numbers = random.Random(seed)
        self.bytes = random.Random(seed ^ 0x5EED)


class BodyStream:
    """A step body's stream, seeded on its first draw. Whether the body drew from it at all
    tells whether the seed of this body run can change anything (see replay_fuzz.engine's
    pinned references); most bodies never draw, and skip the seeding."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._stream: _Stream | None = None

    @property
    def drawn(self) -> bool:
        return self._stream is not None

    def _seeded(self) -> _Stream:
        if self._stream is None:
            self._stream = _Stream(self.key)
        return self._stream

    @property
    def numbers(self) -> random.Random:
        return self._seeded().numbers

    @property
    def bytes(self) -> random.Random:
        return self._seeded().bytes


_local = threading.local()
_invocation = _Stream("")


def _current() -> _Stream | BodyStream:
    return getattr(_local, "stream", None) or _invocation


def _draw(name: str) -> Callable[..., Any]:
    def draw(*args: Any, **kwargs: Any) -> Any:
        return getattr(_current().numbers, name)(*args, **kwargs)

    draw.__name__ = draw.__qualname__ = name
    return draw


def _urandom(size: int) -> bytes:
    return _current().bytes.randbytes(size)


_RANDOM_FUNCTIONS = sorted(name for name, value in vars(random).items()
                           if not name.startswith("_") and getattr(value, "__self__", None) is random._inst)  # type: ignore[attr-defined]
_DRAWS = {name: _draw(name) for name in _RANDOM_FUNCTIONS}


_RANDOM, _OS = Swap(random, _RANDOM_FUNCTIONS), Swap(os, ["urandom"])


@contextmanager
def invocation_randomness(key: str) -> Iterator[None]:
    """Inside, randomness outside step bodies comes from a stream seeded by `key`."""
    global _invocation
    _invocation = _Stream(key)
    real_urandom = random._urandom  # type: ignore[attr-defined]
    random._urandom = _urandom  # type: ignore[attr-defined]  # SystemRandom, so secrets
    try:
        with _RANDOM.replaced(_DRAWS), _OS.replaced({"urandom": _urandom}):
            yield
    finally:
        random._urandom = real_urandom  # type: ignore[attr-defined]


@contextmanager
def step_randomness(key: str) -> Iterator[BodyStream]:
    """Inside, randomness drawn on this thread comes from a stream seeded by `key` (yielded, to ask
    afterwards whether the body drew from it)."""
    outer = getattr(_local, "stream", None)
    stream = _local.stream = BodyStream(key)
    try:
        yield stream
    finally:
        _local.stream = outer
