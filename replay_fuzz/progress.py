"""The progress line on stderr while a campaign's shards run, with an estimate of the time left."""

from __future__ import annotations

import sys
import time

from replay_fuzz.report import Report

PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal
REDRAW_EVERY = 0.2  # seconds between redraws of the line on a terminal


class Ticker:
    """The progress line on stderr, over the shards' latest counts: redrawn in place on a
    terminal, a new line every PROGRESS_EVERY seconds elsewhere (a CI log)."""

    def __init__(self, report: Report, enabled: bool, expected: int) -> None:
        self.report, self.enabled, self.expected = report, enabled, max(expected, 1)
        self.latest: dict[int, tuple[tuple[int, ...], tuple[str, ...]]] = {}  # shard -> (Report.counts(), kinds)
        self.terminal = sys.stderr.isatty()
        self.started = time.monotonic()
        self.shown = self.started - PROGRESS_EVERY + 2.0  # the first line after two seconds

    def __call__(self, shard: int, counts: tuple[tuple[int, ...], tuple[str, ...]]) -> None:
        self.latest[shard] = counts
        now = time.monotonic()
        if not self.enabled or now - self.shown < (REDRAW_EVERY if self.terminal else PROGRESS_EVERY):
            return
        self.shown = now
        total = Report("")
        for figures, _ in self.latest.values():
            total.add_counts(figures)
        examples, executions = total.examples, total.executions
        kinds = {kind for _, found in self.latest.values() for kind in found}
        left = (now - self.started) / max(examples, 1) * max(self.expected - examples, 0)
        line = (f"durable-fuzz: {examples} of about {self.expected} schedules, {executions} executions, "
                f"{len(kinds)} problem(s), about {left:.0f} s left")
        print(f"\r{line}\033[K" if self.terminal else line, end="" if self.terminal else "\n", file=sys.stderr, flush=True)

    def count_unfinished(self, shards: set[int]) -> None:
        """Count in the latest figures of shards that did not finish (an interrupted run)."""
        for shard in shards & set(self.latest):
            self.report.add_counts(self.latest[shard][0])

