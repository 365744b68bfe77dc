"""What can go wrong around an execution, as data: faults, schedules and their Hypothesis strategies.

A fault is keyed to a boundary of the run, never to a batch index (batching depends
on timing): a checkpoint boundary `(operation id, action, occurrence)` or a user
body boundary `(operation id, "BODY", occurrence)`.

Checkpoint faults: `drop` (the invocation dies before the batch is stored: the
at-least-once window), `after` (it dies right after the batch is stored), `revoke`
(the service stores the batch and suspends the execution), `pend` (a wait, callback
or invoke is left pending instead of completing at once, so the execution suspends).
Body faults: `crash-before` / `crash-after` (the invocation dies as the body starts,
or after it returned and before its result is checkpointed) and `fail` (the step
attempt fails, which exercises the retry path).
Response fault: `lost-response` at `(execution id, "RESPONSE", occurrence)`: the
handler ended the execution but its answer never reached the service (Lambda timed
out or died in cleanup), so the service invokes it again and everything replays.

A schedule also fixes how callbacks are answered and a seed for the randomness that
orchestration code sees per invocation. Schedules print in words and travel as a
token (`--replay`).
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from replay_fuzz.environments import HASH_SEEDS

if TYPE_CHECKING:
    from hypothesis import strategies as st

CHECKPOINT_FAULTS = ("drop", "after", "revoke")
BODY_FAULTS = ("crash-before", "crash-after", "fail")
LOST_RESPONSE = "lost-response"
MAX_FAULTS = 3
_MAX_TOKEN_JSON = 1 << 20  # bytes a replay token may inflate to


@dataclass(frozen=True, order=True)
class Fault:
    kind: str
    operation_id: str
    action: str  # START, SUCCEED, FAIL, RETRY; BODY for a user body; RESPONSE for the handler's answer
    occurrence: int = 1

    @property
    def boundary(self) -> tuple[str, str, int]:
        return (self.operation_id, self.action, self.occurrence)


@dataclass(frozen=True)
class Schedule:
    faults: tuple[Fault, ...] = ()
    callbacks: tuple[tuple[str, str], ...] = ()  # (callback operation id, success | failure | timeout)
    seed: int = 0
    # For pinned references only: (step operation id, n) seeds the step's first body run
    # as its n-th, so its result equals what a run that re-ran the step checkpointed.
    pins: tuple[tuple[str, int], ...] = ()
    # (invocation number, hash seed index): that invocation lands in a fresh (cold)
    # execution environment; every other invocation stays in the one before (warm).
    cold: tuple[tuple[int, int], ...] = ()
    # The execution starts in the warm container an earlier execution of the same event
    # ran in (its module globals kept), instead of a fresh one.
    warm_start: bool = False

    def environment_for(self, number: int) -> int | None:
        """The hash seed index of a cold start at invocation `number` (the first is always fresh)."""
        chosen = dict(self.cold).get(number)
        return chosen if chosen is not None else (0 if number == 1 else None)

    def body_seed_index(self, operation_id: str, run: int) -> int:
        return dict(self.pins).get(operation_id, 1) + run - 1

    def fault_at(self, operation_id: str, action: str, occurrence: int) -> str | None:
        for fault in self.faults:
            if fault.boundary == (operation_id, action, occurrence):
                return fault.kind
        return None

    def callback_outcome(self, operation_id: str) -> str:
        return dict(self.callbacks).get(operation_id, "success")

    def token(self) -> str:
        """A compact, URL-safe encoding of this schedule for `--replay`."""
        data: dict[str, object] = {"f": [[f.kind, f.operation_id, f.action, f.occurrence] for f in self.faults],
                "c": [list(c) for c in self.callbacks], "s": self.seed, "e": [list(e) for e in self.cold]}
        if self.warm_start:
            data["w"] = 1
        return base64.urlsafe_b64encode(zlib.compress(json.dumps(data, separators=(",", ":")).encode())).decode()

    @classmethod
    def from_token(cls, token: str) -> Schedule:
        try:
            inflate = zlib.decompressobj()
            text = inflate.decompress(base64.urlsafe_b64decode(token.encode()), _MAX_TOKEN_JSON)
            if inflate.unconsumed_tail:
                raise ValueError("too large")
            data = json.loads(text)
            faults = tuple(Fault(str(k), str(o), str(a), int(n)) for k, o, a, n in data["f"])
            callbacks = tuple((str(o), str(k)) for o, k in data["c"])
            cold = tuple((int(n), int(i)) for n, i in data.get("e", []))
            schedule = cls(faults, callbacks, int(data["s"]), cold=cold, warm_start=bool(data.get("w")))
        except (ValueError, KeyError, TypeError, zlib.error, RecursionError):
            raise ValueError("not a durable-fuzz replay token: copy it whole from a report's reproduce line") from None
        schedule._validate()
        return schedule

    def _validate(self) -> None:
        """A decoded token names only faults, answers and environments that exist."""
        kinds = (*CHECKPOINT_FAULTS, *BODY_FAULTS, LOST_RESPONSE, "pend")
        for fault in self.faults:
            if fault.kind not in kinds or fault.occurrence < 1:
                raise ValueError(f"not a durable-fuzz replay token (no fault {fault.kind!r} at occurrence {fault.occurrence})")
        for _, answer in self.callbacks:
            if answer not in ("success", "failure", "timeout"):
                raise ValueError(f"not a durable-fuzz replay token (no callback answer {answer!r})")
        for number, index in self.cold:
            if number < 1 or not 0 <= index < len(HASH_SEEDS):
                raise ValueError(f"not a durable-fuzz replay token (no environment {index} at invocation {number})")


@dataclass(frozen=True)
class OperationInfo:
    """What the report says about an operation: its kind and name."""

    kind: str
    name: str | None

    def label(self) -> str:
        if self.kind == "EXECUTION":
            return "the execution's result"  # checkpointed when it is too large for the response
        return f"{self.kind.lower().replace('chained_invoke', 'invoke')} {self.name!r}" if self.name else f"an unnamed {self.kind.lower()}"


@dataclass
class FaultSpace:
    """The boundaries a straight-through run crossed: where single faults can go."""

    faults: list[Fault] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)
    operations: dict[str, OperationInfo] = field(default_factory=dict)

    def describe(self, schedule: Schedule) -> list[str]:
        """The schedule in words, one line per fault or callback answer."""
        lines = ["the execution starts in a warm container an earlier execution of the same event ran in "
                 "(module globals kept)"] if schedule.warm_start else []
        lines += [self._fault_words(f) for f in schedule.faults]
        lines += [f"{self._label(op)} is answered with a {kind}" for op, kind in schedule.callbacks if kind != "success"]
        lines += [f"invocation {number} lands in a fresh execution environment (PYTHONHASHSEED={HASH_SEEDS[index]})"
                  for number, index in schedule.cold]
        return lines or ["no faults: the straight-through run"]

    def _label(self, operation_id: str) -> str:
        info = self.operations.get(operation_id)
        return info.label() if info else f"operation {operation_id[:12]}"

    def _fault_words(self, fault: Fault) -> str:
        nth = "" if fault.occurrence == 1 else f" (its {_ordinal(fault.occurrence)} time)"
        if fault.kind == LOST_RESPONSE:
            return (f"the handler ended the execution but its response was lost (Lambda timed out or died "
                    f"after the handler returned){nth}; then replay")
        what = self._label(fault.operation_id)
        if fault.kind == "drop" and fault.action == "SUCCEED":
            return f"crash after {what} ran, before its checkpoint was stored{nth}; then replay"
        if fault.kind == "drop" and fault.action == "START" and what.startswith("step"):
            return (f"crash before the START of {what} was stored, while its body ran "
                    f"(an AT_LEAST_ONCE start is stored asynchronously){nth}; then replay")
        return {
            "drop": f"crash before the {fault.action} checkpoint of {what} was stored{nth}; then replay",
            "after": f"crash right after the {fault.action} checkpoint of {what} was stored{nth}; then replay",
            "revoke": f"the service suspends the execution at the {fault.action} checkpoint of {what}{nth}; then replay",
            "pend": f"{what} stays pending, so the execution suspends and resumes later{nth}",
            "crash-before": f"crash as the body of {what} starts{nth}; then replay",
            "crash-after": f"crash after the body of {what} returned, before its result was checkpointed{nth}; then replay",
            "fail": f"the attempt of {what} fails{nth}, so the SDK retries it",
        }[fault.kind]

    def schedules(self, environments: bool = False) -> st.SearchStrategy[Schedule]:
        """Hypothesis strategy: up to MAX_FAULTS faults, callback answers, a seed, and cold starts."""
        from hypothesis import strategies as st  # here: execution environments import this module, not Hypothesis

        cold = (st.lists(st.tuples(st.integers(2, 4), st.integers(0, len(HASH_SEEDS) - 1)), max_size=2,
                         unique_by=lambda c: c[0]).map(lambda cs: tuple(sorted(cs))) if environments else st.just(()))
        if not self.faults:
            return st.builds(Schedule, seed=st.integers(0, 2**16))
        repeated = st.builds(
            lambda f, n: Fault(f.kind, f.operation_id, f.action, n),
            st.sampled_from(self.faults), st.integers(1, 2),
        )
        faults = st.lists(st.one_of(st.sampled_from(self.faults), repeated), min_size=1, max_size=MAX_FAULTS,
                          unique_by=lambda f: f.boundary)
        answers = st.tuples(*(st.tuples(st.just(c), st.sampled_from(["success", "failure", "timeout"]))
                              for c in self.callbacks))
        return st.builds(lambda fs, cs, s, e: Schedule(tuple(sorted(fs)), cs, s, cold=e),
                         faults, answers, st.integers(0, 2**16), cold)


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third"}.get(n, f"{n}th")
