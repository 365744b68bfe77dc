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

    def text(self) -> str:
        lines = [f"[{self.kind}] {self.message}", "  schedule:"]
        lines += [f"    {number}. {step}" for number, step in enumerate(self.schedule, start=1)]
        if self.reference or self.observed:
            lines += ["  first difference:", f"    straight-through run: {self.reference}", f"    this schedule:        {self.observed}"]
        lines.append(f"  reproduce: {self.reproduce}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "schedule": list(self.schedule),
                "reproduce": self.reproduce, "reference": self.reference, "observed": self.observed,
                "replay": self.token}


@dataclass
class Report:
    """The result of fuzzing one target."""

    target: str
    examples: int = 0
    executions: int = 0
    invocations: int = 0
    elapsed_s: float = 0.0
    fault_points: int = 0
    fault_points_exercised: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # network connections refused, as host:port
    references: list[dict[str, object]] = field(default_factory=list)  # the straight-through run per event

    def add(self, part: Report) -> None:
        """Count in what a part of the run (a shard) did."""
        self.examples += part.examples
        self.executions += part.executions
        self.invocations += part.invocations
        self.fault_points_exercised += part.fault_points_exercised
        self.refused += part.refused

    def raise_if_problems(self) -> None:
        """Fail a test with the readable report when a problem was found."""
        if self.problems:
            raise AssertionError(self.text())

    def text(self) -> str:
        found = f"{len(self.problems)} problem(s)" if self.problems else "no problems"
        lines = [
            f"durable-fuzz {self.target}: {found} in {self.examples} schedules "
            f"({self.executions} executions, {self.invocations} invocations, {self.elapsed_s:.1f} s)",
            f"fault points: {self.fault_points} single crash/suspend points, {self.fault_points_exercised} exercised"
            + (" (all covered)" if self.fault_points and self.fault_points == self.fault_points_exercised else ""),
        ]
        lines += [reference_text(summary) for summary in self.references]
        lines += [f"note: {note}" for note in self.notes]
        for problem in self.problems:
            lines += ["", problem.text()]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target, "examples": self.examples, "executions": self.executions,
            "invocations": self.invocations, "elapsed_s": round(self.elapsed_s, 3),
            "fault_points": self.fault_points, "fault_points_exercised": self.fault_points_exercised,
            "reference": self.references[0] if self.references else None,
            **({"references": self.references} if len(self.references) > 1 else {}),
            "notes": self.notes, "problems": [p.as_dict() for p in self.problems],
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2) + "\n"
