"""pytest plugin: `--durable-fuzz-examples N` scales every `fuzz()` call that does not set max_examples.

Registered through the `pytest11` entry point, so it is active wherever durable-lint is installed:

    pytest --durable-fuzz-examples 1000      # a longer search in CI than on a laptop
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("durable-fuzz")
    group.addoption("--durable-fuzz-examples", type=int, default=None, metavar="N",
                    help="random schedules for each fuzz() call that does not set max_examples (default 100)")


def pytest_configure(config: pytest.Config) -> None:
    examples = config.getoption("--durable-fuzz-examples")
    if examples is not None:
        if examples < 0:
            raise pytest.UsageError("--durable-fuzz-examples must be >= 0")
        from replay_fuzz import api  # only when asked for: importing the SDK is not free

        api.DEFAULTS.max_examples = examples
