"""A campaign cut across CI jobs (`--shard I/N`) and bounded in time (`--max-time`).

`--shard I/N` gives job I a deterministic 1/N of the work after the straight-through
run: every N-th class of fault points (see replay_fuzz.classes) and every N-th part
of the Hypothesis search, each part with the seed and the place in the example
database it has in a single job. The N jobs of a CI matrix therefore run, together,
exactly what one job runs, and report the same problems. Every job runs the
straight-through run itself (it is one execution).

`--max-time SECONDS` stops the search once that many seconds have passed since the
run started: a schedule drawn after it is not run. The single-fault pass always runs
whole, so the coverage it reports stays what it says.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Slice:
    """Job `index` (from 0) of `count`: the whole campaign when count is 1."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Slice:
        """`I/N` with 1 <= I <= N, as a CI matrix numbers its jobs."""
        number, _, count = text.partition("/")
        try:
            index, total = int(number), int(count)
        except ValueError:
            raise ValueError(f"--shard {text!r}: expected I/N, such as 1/4") from None
        if not 1 <= index <= total:
            raise ValueError(f"--shard {text!r}: I must be between 1 and N, such as 1/{max(total, 1)}")
        return cls(index - 1, total)

    def mine(self, items: Sequence[T]) -> list[T]:
        """This job's share of `items`: every count-th one, from its own index."""
        return list(items[self.index::self.count])

    def search_parts(self, parts: int) -> list[int]:
        """The search parts (of max(parts, count), so every job has one) this job runs."""
        return self.mine(range(max(parts, self.count)))

    def words(self) -> str:
        return f"{self.index + 1}/{self.count}"


@dataclass(frozen=True)
class Deadline:
    """When the search stops (a time.monotonic() instant), if it does."""

    at: float | None = None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        return cls(None if seconds is None else time.monotonic() + seconds)

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


def left_out(part: Slice, deadline: Deadline, classes: tuple[int, int], search_parts: tuple[int, int],
             searched: tuple[int, int]) -> list[str]:
    """The report's notes for a job that ran its share of a campaign, or a search stopped by the deadline;
    each pair is (ran, of)."""
    notes = []
    if part.count > 1:
        notes.append(f"shard {part.words()}: this job ran {classes[0]} of the {classes[1]} fault classes and "
                     f"{search_parts[0]} of the {search_parts[1]} parts of the search; the other jobs run the rest")
    if deadline.passed() and searched[0] < searched[1]:
        notes.append(f"--max-time: the search stopped after {searched[0]} of {searched[1]} random schedules "
                     "(the single-fault pass ran whole)")
    return notes
