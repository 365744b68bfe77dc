"""The `durable-fuzz` command (the replay fuzzer is not built yet)."""

from __future__ import annotations

import sys


def main() -> int:
    print("durable-fuzz: not yet available in this version of durable-lint", file=sys.stderr)
    return 2
