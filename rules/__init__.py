"""The DUR rules, one module per family; importing this package registers them all."""

from durable_lint.rules import (
    clock,
    concurrency,
    io,
    logs,
    mutation,
    naming,
    noqa,
    operations,
    ordering,
    parsing,
    process,
    randomness,
    replay_state,
    serialization,
    step_arguments,
    suspension,
)

__all__ = [
    "clock", "concurrency", "io", "logs", "mutation", "naming", "noqa", "operations", "ordering", "parsing",
    "process", "randomness", "replay_state", "serialization", "step_arguments", "suspension",
]
