"""Fault points grouped into equivalence classes, and the few of each class the single-fault pass runs.

Each single-fault schedule replays the whole execution, so running every fault point
costs about points x operations: quadratic in a handler's length, and most of those
points are alike. Two fault points are in one class when they put the same fault
(kind, action, occurrence) on operations of the same type and sub-type that the same
user code emitted (the call site of the DurableContext method, see
replay_fuzz.callsite) under parents that are alike in the same way. The parent path
leaves out operation ids, so the iterations of a loop and the items of a map or
parallel fall into one class, while two calls on two lines never do.

The single-fault pass runs every class at its first, its last and one middle member
(drawn from the class's first point, so the choice is the same in every run and on
every machine of a CI matrix); the Hypothesis search still draws from every point. A class of three points or
fewer is run whole, so handlers without loops or maps keep the exhaustive pass.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from replay_fuzz.records import ExecutionRecord
from replay_fuzz.schedule import Fault

OperationKey = tuple[object, ...]
RUN_PER_CLASS = 3  # first, a middle member, last


@dataclass(frozen=True)
class FaultClass:
    """Fault points alike (in the order the straight-through run crossed them) and the ones to run."""

    key: str
    points: tuple[Fault, ...]

    def chosen(self) -> tuple[Fault, ...]:
        """The members the single-fault pass runs: first, last and a middle one drawn from the class."""
        if len(self.points) <= RUN_PER_CLASS:
            return self.points
        # Drawn from the first point (not the key, which holds file paths): the same on every machine of a CI matrix.
        middle = 1 + random.Random(repr(self.points[0])).randrange(len(self.points) - 2)
        return (self.points[0], self.points[middle], self.points[-1])


def fault_classes(faults: Sequence[Fault], reference: ExecutionRecord) -> list[FaultClass]:
    """The classes of `faults`, ordered by their first member (the straight-through run's order)."""
    keys = _OperationKeys(reference)
    members: dict[str, list[Fault]] = {}
    for fault in faults:
        key = repr((keys.of(fault.operation_id), fault.action, fault.kind, fault.occurrence))
        members.setdefault(key, []).append(fault)
    return [FaultClass(key, tuple(points)) for key, points in members.items()]


def every_point(faults: Sequence[Fault]) -> list[FaultClass]:
    """One class per point: the exhaustive pass (`--all-fault-points`)."""
    return [FaultClass(repr(fault), (fault,)) for fault in faults]


class _OperationKeys:
    """What makes operations alike: type, sub-type, call site, and the same of each parent up to the execution."""

    def __init__(self, reference: ExecutionRecord) -> None:
        self.types = reference.operation_types
        self.parents = reference.parents
        self.locations = {operation.operation_id: operation.location
                          for invocation in reversed(reference.invocations) for operation in invocation.operations}
        self.known: dict[str, OperationKey] = {}

    def of(self, operation_id: str) -> OperationKey:
        if operation_id not in self.known:
            kind, _, sub_type = self.types.get(operation_id, ("", None, None))
            if kind == "EXECUTION" or operation_id not in self.parents:  # the execution itself: a class of its own
                self.known[operation_id] = ("operation", operation_id)
            else:  # an operation the SDK emitted itself (a map item's context) has no call site: its parent tells
                parent = self.parents[operation_id]
                self.known[operation_id] = (None if parent is None else self.of(parent), self.locations.get(operation_id),
                                            kind, sub_type)
        return self.known[operation_id]
