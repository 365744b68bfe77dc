"""The progress line on stderr while a campaign's shards run, with an estimate of the time left."""

from __future__ import annotations

import sys
import time

from replay_fuzz.report import Report

PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


class Ticker:
    """The progress line on stderr, over the shards' latest counts: redrawn in place on a
    terminal, a new line every PROGRESS_EVERY seconds elsewhere (a CI log)."""

    def __init__(self, report: Report, enabled: bool, expected: int) -> None:
        self.report, self.enabled, self.expected = report, enabled, max(expected, 1)
        self.latest: dict[int, tuple[int, int, tuple[str, ...]]] = {}
        self.terminal = sys.stderr.isatty()
        self.started = time.monotonic()
        self.shown = self.started - PROGRESS_EVERY + 2.0  # the first line after two seconds

    def __call__(self, shard: int, counts: tuple[int, int, tuple[str, ...]]) -> None:
        self.latest[shard] = counts
        now = time.monotonic()
        if not self.enabled or (not self.terminal and now - self.shown < PROGRESS_EVERY):
            return
        self.shown = now
        examples = sum(count[0] for count in self.latest.values())
        executions = sum(count[1] for count in self.latest.values())
        kinds = {kind for count in self.latest.values() for kind in count[2]}
        left = (now - self.started) / max(examples, 1) * max(self.expected - examples, 0)
        line = (f"durable-fuzz: {examples} of about {self.expected} schedules, {executions} executions, "
                f"{len(kinds)} problem(s), about {left:.0f} s left")
        print(f"\r{line}\033[K" if self.terminal else line, end="" if self.terminal else "\n", file=sys.stderr, flush=True)

    def count_unfinished(self, shards: set[int]) -> None:
        """Count in the latest figures of shards that did not finish (an interrupted run)."""
        for shard in shards & set(self.latest):
            examples, executions, _ = self.latest[shard]
            self.report.examples += examples
            self.report.executions += executions

