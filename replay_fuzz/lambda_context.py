"""The context object Lambda hands a handler, varying per invocation as Lambda's does.

Each invocation gets a new UUID-shaped `aws_request_id`, and its own time budget:
`get_remaining_time_in_millis()` is the budget less the time the invocation has
taken on the virtual clock (replay_fuzz.clock). The first invocation starts with the
function's whole timeout; a later one with a budget drawn from the schedule's seed,
as how much of it is left when code reaches a given line differs between the first
pass (which ran the step bodies) and a replay (which skips them). Code that branches
on it in orchestration code therefore replays differently, as it would in production.
A step body sees a budget drawn for its run (the same in every run of the body that
draws the same randomness, see replay_fuzz.entropy), so what it checkpoints compares.
"""

from __future__ import annotations

import random
import uuid

from replay_fuzz import clock

FUNCTION_TIMEOUT_MS = 900_000


class LambdaContext:
    """What the SDK and user code read from Lambda's context object."""

    def __init__(self, function_arn: str, execution_arn: str, invocation: int, seed: int) -> None:
        draw = random.Random(f"{execution_arn}:{invocation}:{seed}")
        self.aws_request_id = str(uuid.UUID(int=draw.getrandbits(128), version=4))
        self.function_name = "durable-fuzz"
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = 128
        self.log_group_name = "/aws/lambda/durable-fuzz"
        self.log_stream_name = f"2030/01/01/[$LATEST]{uuid.UUID(int=draw.getrandbits(128)).hex}"
        self.tenant_id = None
        budget = random.Random(f"budget:{invocation}:{seed}")
        self._budget_ms = FUNCTION_TIMEOUT_MS if invocation == 1 else budget.randrange(FUNCTION_TIMEOUT_MS // 20, FUNCTION_TIMEOUT_MS)

    def get_remaining_time_in_millis(self) -> int:
        body = clock.body_key()
        if body is not None:
            return random.Random(f"budget:{body}").randrange(FUNCTION_TIMEOUT_MS // 20, FUNCTION_TIMEOUT_MS)
        current = clock.current()
        taken = current.elapsed_seconds() * 1000 if current is not None else 0
        return max(int(self._budget_ms - taken), 0)
