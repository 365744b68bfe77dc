"""Safe autofixes: what a rule proposes (a `Fix`), and applying fixes to a file with LibCST.

Analysis runs on `ast`; a fix names the node it replaces by its source span, and
`apply_fixes` finds that node in the LibCST tree of the same source, so the edit
keeps every comment and all formatting around it. A rule proposes a fix only
where the rewrite keeps the program valid and its behaviour on a straight run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FixKind = Literal["wrap-step", "sorted", "sleep-to-wait", "lambda-param"]


@dataclass(frozen=True)
class Fix:
    """A proposed rewrite of the expression at a span (lines 1-based, columns 0-based characters)."""

    kind: FixKind
    start: tuple[int, int]
    end: tuple[int, int]
    context: str = ""  # the DurableContext name in scope, for wrap-step and sleep-to-wait
    step_name: str = ""  # the operation name wrap-step gives the new step
