"""Problems and reports: what `fuzz()` returns and what `durable-fuzz` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from replay_fuzz.reference import text as reference_text


@dataclass(frozen=True)
class Problem:
    """One shrunk problem: its kind, what differs, the schedule in words and how to replay it."""

    kind: str
    message: str
    schedule: tuple[str, ...]
    reproduce: str
    reference: str = ""
    observed: str = ""
    token: str = ""
    output: str = ""  # what the code under test printed in this schedule's execution
    first_seen: str = ""  # when the run first met this kind of problem: schedule number and seconds
    replay_python: str = ""  # the Python line that runs this schedule again

    def text(self, show_output: bool = False) -> str:
        lines = [f"[{self.kind}] {self.message}", "  schedule:"]
        lines += [f"    {number}. {step}" for number, step in enumerate(self.schedule, start=1)]
        if self.reference or self.observed:
            lines += ["  first difference:", f"    straight-through run: {self.reference}", f"    this schedule:        {self.observed}"]
        if self.output.strip():
            lines += ["  output of the code under test:"] + [f"    | {line}" for line in self.output.rstrip().splitlines()]
        if self.first_seen:
            lines.append(f"  first seen: {self.first_seen}")
        lines.append(f"  reproduce: {self.reproduce}")
        if self.replay_python:
            lines.append(f"  in Python: {self.replay_python}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "schedule": list(self.schedule),
                "reproduce": self.reproduce, "reference": self.reference, "observed": self.observed,
                "replay": self.token, "output": self.output, "first_seen": self.first_seen,
                "replay_python": self.replay_python}


_COUNTS = ("examples", "executions", "invocations", "fault_points_exercised", "fault_classes_covered", "searched")


@dataclass
class Report:
    """The result of fuzzing one target."""

    target: str
    examples: int = 0
    executions: int = 0
    invocations: int = 0
    elapsed_s: float = 0.0
    fault_points: int = 0
    fault_points_exercised: int = 0  # single-fault points run
    fault_classes: int = 0  # equivalence classes of the fault points (see replay_fuzz.classes)
    fault_classes_covered: int = 0  # classes whose chosen points ran
    searched: int = 0  # schedules the Hypothesis search ran
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # network connections refused, as host:port
    references: list[dict[str, object]] = field(default_factory=list)  # the straight-through run per event

    def add(self, part: Report) -> None:
        """Count in what a part of the run (a shard) did."""
        self.add_counts(part.counts())
        self.refused += part.refused
        self.notes += [note for note in part.notes if note not in self.notes]

    def counts(self) -> tuple[int, ...]:
        """The figures that add up over the parts of a run. A shard sends them after each schedule,
        so a run interrupted while it works still counts every execution it finished."""
        return tuple(getattr(self, name) for name in _COUNTS)

    def add_counts(self, counts: tuple[int, ...]) -> None:
        for name, count in zip(_COUNTS, counts, strict=True):
            setattr(self, name, getattr(self, name) + count)

    def raise_if_problems(self) -> None:
        """Fail a test with the readable report when a problem was found (pytest shows no frame of ours)."""
        __tracebackhide__ = True
        if self.problems:
            raise AssertionError(self.text())

    def text(self, show_output: bool = False) -> str:
        found = f"{len(self.problems)} problem(s)" if self.problems else "no problems"
        lines = [
            f"durable-fuzz {self.target}: {found} in {self.examples} schedules "
            f"({self.executions} executions, {self.invocations} invocations, {self.elapsed_s:.1f} s)",
            self.coverage(),
        ]
        lines += [reference_text(summary) for summary in self.references]
        if show_output:
            lines += [f"  | {line}" for summary in self.references for line in str(summary["output"]).rstrip().splitlines()]
        lines += [f"note: {note}" for note in self.notes]
        for problem in self.problems:
            lines += ["", problem.text()]
        return "\n".join(lines) + "\n"

    def coverage(self) -> str:
        """The single-fault pass in both units: classes covered and points run (the search draws from every point)."""
        covered = " (all covered)" if self.fault_classes and self.fault_classes == self.fault_classes_covered else ""
        return (f"fault points: {self.fault_points:,} single crash/suspend points in {self.fault_classes:,} classes: "
                f"{self.fault_classes_covered:,} classes covered{covered}, {self.fault_points_exercised:,} points run")

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target, "examples": self.examples, "executions": self.executions,
            "invocations": self.invocations, "elapsed_s": round(self.elapsed_s, 3),
            "fault_points": self.fault_points, "fault_points_exercised": self.fault_points_exercised,
            "fault_classes": self.fault_classes, "fault_classes_covered": self.fault_classes_covered, "searched": self.searched,
            "reference": self.references[0] if self.references else None,
            **({"references": self.references} if len(self.references) > 1 else {}),
            "notes": self.notes, "problems": [p.as_dict() for p in self.problems],
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2) + "\n"


def combined(target: str, reports: list[Report]) -> dict[str, object]:
    """One JSON document for a TARGET, the same shape whatever the number of handlers it holds:
    totals, the first handler's reference, every problem, and each handler's own report."""
    handlers = [report.as_dict() for report in reports]
    total = Report(target)
    notes = []
    for report in reports:
        total.add(report)
        total.fault_points += report.fault_points
        total.fault_classes += report.fault_classes
        total.elapsed_s += report.elapsed_s
        total.problems += report.problems
        total.references += report.references
        notes += [f"{report.target}: {note}" if len(reports) > 1 else note for note in report.notes]
    total.notes = notes
    document = total.as_dict()
    document.pop("references", None)
    document["handlers"] = handlers
    return document
