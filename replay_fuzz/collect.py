"""The old-code side of `durable-fuzz compat`, in a process of its own.

    python -m replay_fuzz.collect OLD_TARGET OUT_DIR REQUEST_JSON

Collects the in-flight states of every handler OLD_TARGET names (or the one the
request names) and saves them as OUT_DIR/HANDLER/N.json, with OUT_DIR/summary.json
counting schedules and states. A problem is one line on stderr and exit 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from replay_fuzz.compat import collect_states
from replay_fuzz.engine import StraightRunFailed
from replay_fuzz.invocation import RunOptions
from replay_fuzz.states import save
from replay_fuzz.guard import refuse_network
from replay_fuzz.target import TargetError, example_event, load_target, probe_import


def main(argv: list[str]) -> int:
    target, out, request = argv[0], Path(argv[1]), json.loads(argv[2])
    options = RunOptions(max_invocations=request["max_invocations"], invocation_timeout=request["invocation_timeout"])
    summary: dict[str, dict[str, Any]] = {}
    try:
        probe_import(target, allow_network=False, timeout=max(30.0, options.invocation_timeout))
        with refuse_network([]):
            handlers = load_target(target)
        for name, handler in handlers:
            attribute = name.rpartition(":")[2]
            if request.get("handler") and attribute != request["handler"]:
                continue
            folder = out / attribute
            folder.mkdir(parents=True)
            counts = summary[attribute] = {"schedules": 0, "states": 0, "notes": []}
            for event in request["events"] if request["events"] is not None else [example_event(handler)]:
                collection = collect_states(handler, event, name, options, only=request.get("state"))
                counts["schedules"] += collection.schedules
                counts["notes"] += collection.notes
                for state in collection.states:
                    counts["states"] += 1
                    save(state, folder / f"{counts['states']}.json")
    except (TargetError, StraightRunFailed, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    (out / "summary.json").write_text(json.dumps(summary))
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # a thread the old code started at import must not keep this process alive
