"""Every AWS call user code makes through boto3 is an effect: recorded, and classified.

A botocore `before-parameter-build` handler, registered for every session and client
(new ones through botocore's built-in handler list, existing ones found once when
recording starts), notes each call in the ledger of the execution in progress, with
the step running it (or orchestration code), as effect `service.Operation` (boto3's
service name) with its parameters. No `--effect` is needed.

Which repeats matter is the call's *repeat kind* (README: "Handlers that call AWS"):

- `read`, not an effect and not recorded: `Get*`, `BatchGet*`, `Query`, `Scan`, `List*`,
  `Describe*`, `Head*`, SQS `ReceiveMessage`.
- `harmless`, a problem only when repeated with other parameters: DynamoDB `PutItem`,
  `DeleteItem`, `BatchWriteItem`, `UpdateItem` with plain `SET`/`REMOVE`; S3 `PutObject`,
  `DeleteObject`, `CopyObject`; SQS `DeleteMessage`; a write whose `ConditionExpression`
  uses `attribute_not_exists` or `NOT contains`; SQS and SNS sends to a FIFO queue or topic
  (deduplication id or content-based deduplication); any call carrying `ClientToken` or
  `ClientRequestToken`; Step Functions `StartExecution` with a `name`.
- `duplicate`, a problem whenever it repeats: SQS `SendMessage(Batch)` to a standard queue,
  SNS `Publish(Batch)`, SES and SES v2 `SendEmail`/`SendRawEmail`/`SendTemplatedEmail`/
  `SendBulk*`, EventBridge `PutEvents`, Kinesis and Firehose `PutRecord(s)`, `UpdateItem`
  with `ADD`, `list_append` or `SET` arithmetic (`stock = stock - :n`), asynchronous Lambda
  `Invoke` (`InvocationType="Event"`), Step Functions `StartExecution` without a `name`.
- `effect`, every other call: as an `--effect`, a problem when re-run with other
  parameters, from orchestration code more often than in the reference, or in an
  `AT_MOST_ONCE` step.

A repeat with *other* parameters (a fresh idempotency key, a new timestamp) is a
problem for every kind. `[tool.durable-fuzz.aws-effects]` in pyproject.toml overrides
the kind of whole operations: `"sqs.SendMessage" = "harmless"`.
"""

from __future__ import annotations

import datetime
import decimal
import gc
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from replay_fuzz import effects

READ, HARMLESS, DUPLICATE, EFFECT = "read", "harmless", "duplicate", "effect"
REPEAT_KINDS = (READ, HARMLESS, DUPLICATE, EFFECT)

_READ_PREFIXES = ("Get", "BatchGet", "List", "Describe", "Head", "Query", "Scan")
_READS = {"sqs.ReceiveMessage", "dynamodb.Query", "dynamodb.Scan"}
_HARMLESS = {
    "dynamodb.PutItem", "dynamodb.DeleteItem", "dynamodb.BatchWriteItem",
    "s3.PutObject", "s3.DeleteObject", "s3.DeleteObjects", "s3.CopyObject",
    "sqs.DeleteMessage", "sqs.DeleteMessageBatch", "sqs.ChangeMessageVisibility",
}
_DUPLICATES = {
    "sqs.SendMessage", "sqs.SendMessageBatch", "sns.Publish", "sns.PublishBatch",
    "ses.SendEmail", "ses.SendRawEmail", "ses.SendTemplatedEmail", "ses.SendBulkTemplatedEmail",
    "sesv2.SendEmail", "sesv2.SendBulkEmail", "events.PutEvents",
    "kinesis.PutRecord", "kinesis.PutRecords", "firehose.PutRecord", "firehose.PutRecordBatch",
}
_IDEMPOTENCY_TOKENS = ("ClientToken", "ClientRequestToken")
_GUARD = re.compile(r"attribute_not_exists|\bNOT\s+contains\s*\(", re.IGNORECASE)
# ADD, list_append, or SET arithmetic on an attribute (`SET stock = stock - :n`)
_ACCUMULATES = re.compile(r"(^|\s)ADD\s|list_append\s*\(|=\s*(?:[#\w.\[\]]+|\w+\([^)]*\))\s*[-+]\s*[:#\w]", re.IGNORECASE)

_overrides: dict[str, str] = {}


def repeat_kind(effect: str, params: Mapping[str, Any]) -> str:
    """The repeat kind of one call (`effect` is `service.Operation`), overrides first."""
    if effect in _overrides:
        return _overrides[effect]
    operation = effect.partition(".")[2]
    if effect in _READS or operation.startswith(_READ_PREFIXES):
        return READ
    if any(params.get(token) for token in _IDEMPOTENCY_TOKENS):
        return HARMLESS
    if _GUARD.search(str(params.get("ConditionExpression", ""))):
        return HARMLESS
    if effect in ("sqs.SendMessage", "sqs.SendMessageBatch"):
        return HARMLESS if str(params.get("QueueUrl", "")).endswith(".fifo") else DUPLICATE
    if effect in ("sns.Publish", "sns.PublishBatch"):
        return HARMLESS if str(params.get("TopicArn", "")).endswith(".fifo") else DUPLICATE
    if effect == "dynamodb.UpdateItem":
        accumulates = _ACCUMULATES.search(str(params.get("UpdateExpression", ""))) or any(
            isinstance(update, Mapping) and update.get("Action") == "ADD"
            for update in (params.get("AttributeUpdates") or {}).values())
        return DUPLICATE if accumulates else HARMLESS
    if effect == "lambda.Invoke":
        return DUPLICATE if params.get("InvocationType") == "Event" else EFFECT
    if effect == "stepfunctions.StartExecution":
        return HARMLESS if params.get("name") else DUPLICATE
    if effect in _HARMLESS:
        return HARMLESS
    if effect in _DUPLICATES:
        return DUPLICATE
    return EFFECT


def canonical(value: Any) -> Any:
    """`value` as plain JSON data that is the same whenever the parameters are: payload bytes
    and streams by size and digest, decimals and times as text."""
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [canonical(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes sha256:{hashlib.sha256(value).hexdigest()[:12]}>"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "read"):
        return f"<stream {type(value).__name__}>"
    return f"<{type(value).__name__}>"


def arguments(params: Mapping[str, Any]) -> str:
    return json.dumps(canonical(params), sort_keys=True, separators=(", ", ": "))


def _on_call(params: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `before-parameter-build`: record the call if it is an effect."""
    effect = f"{model.service_model.service_name}.{model.name}"
    kind = repeat_kind(effect, params)
    if kind != READ:
        effects.record_call(effect, arguments(params), None if kind == EFFECT else kind)


_EVENT = "before-parameter-build"


def current_overrides() -> dict[str, str]:
    return dict(_overrides)


def configure(overrides: Mapping[str, str]) -> None:
    """Set the user's overrides (`{"service.Operation": kind}`)."""
    _overrides.clear()
    _overrides.update(overrides)


def install(overrides: Mapping[str, str] | None = None, before_send: Any = None) -> None:
    """Record AWS calls from every botocore session and client, those that exist and those to come;
    `before_send` (if given) answers their requests instead of the network."""
    from botocore.client import BaseClient
    from botocore.handlers import BUILTIN_HANDLERS
    from botocore.session import Session

    configure(overrides or {})
    wanted = [(_EVENT, _on_call)] + ([("before-send", before_send)] if before_send else [])
    for entry in wanted:
        if entry not in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.append(entry)
    for existing in gc.get_objects():
        if isinstance(existing, Session | BaseClient):
            events = existing.meta.events if isinstance(existing, BaseClient) else existing.get_component("event_emitter")
            for event, handler in wanted:
                if not _registered(events, event, handler):
                    events.register(event, handler)


def _registered(events: Any, event: str, handler: Any) -> bool:
    """Whether `handler` already hears `event` there (a second registration would run it twice:
    botocore calls every before-send handler, so moto would run each request twice)."""
    emitter = getattr(events, "_emitter", events)  # a client's EventAliaser wraps the emitter
    return handler in emitter._handlers.prefix_search(event)  # noqa: SLF001 - botocore has no public lookup
