"""AWS state is part of an execution's outcome: what moto holds after it, and how two differ.

After each execution the fuzzer reads moto's in-memory backends (never through the
API, which would change them: receiving an SQS message hides it) and keeps, per
resource, its contents as text:

- DynamoDB: each table's items, by key (a table's time-to-live attribute is a time,
  not state, and is left out);
- S3: each bucket's objects, by key, as size and digest;
- SQS: each queue's messages (body, attributes, group and deduplication ids), as a
  sorted list: a standard queue's order is not part of its contract;
- SNS: each topic's published messages; SES: the e-mails sent (source, destinations,
  subject, body).

Message ids and timestamps are moto's own and left out. A snapshot maps
"service resource" to its items, each keyed item "key => value"; the first item that differs
from the straight-through run's is what a `state-mismatch` shows.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

Snapshot = dict[str, list[str]]


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def _regions(backends: Any) -> list[Any]:
    """Every region backend moto has created (iterating a BackendDict creates none)."""
    return [backend for regions in dict.values(backends) for backend in dict.values(regions)]


def _dynamodb(snapshot: Snapshot) -> None:
    from moto.dynamodb.models import dynamodb_backends

    for backend in _regions(dynamodb_backends):
        for name, table in backend.tables.items():
            ttl = (table.ttl or {}).get("AttributeName") if (table.ttl or {}).get("TimeToLiveStatus") == "ENABLED" else None
            keys = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
            items = []
            for item in table.all_items():
                attributes = {k: v for k, v in item.to_regular_json().items() if k != ttl}
                key = {k: attributes.get(k) for k in keys}
                items.append(f"{_text(key)}{KEYED}{_text(attributes)}")
            snapshot[f"dynamodb table {name}"] = sorted(items)


def _s3(snapshot: Snapshot) -> None:
    from moto.s3.models import s3_backends

    for backend in _regions(s3_backends):
        for name, bucket in backend.buckets.items():
            objects = []
            for key, stored in bucket.keys.items():
                value = stored.value if hasattr(stored, "value") else b""
                objects.append(f"{key}{KEYED}{len(value)} bytes sha256:{hashlib.sha256(value).hexdigest()[:12]}")
            snapshot[f"s3 bucket {name}"] = sorted(objects)


def _sqs(snapshot: Snapshot) -> None:
    from moto.sqs.models import sqs_backends

    for backend in _regions(sqs_backends):
        for name, queue in backend.queues.items():
            messages = [_text({"body": m.body, "attributes": m.message_attributes, "group": m.group_id,
                               "deduplication": m.deduplication_id}) for m in queue._messages]  # noqa: SLF001
            snapshot[f"sqs queue {name}"] = sorted(messages)


def _sns(snapshot: Snapshot) -> None:
    from moto.sns.models import sns_backends

    for backend in _regions(sns_backends):
        for arn, topic in backend.topics.items():
            published = [_text({"message": message, "subject": subject, "attributes": attributes, "group": group})
                         for _, message, subject, attributes, group in topic.sent_notifications]
            snapshot[f"sns topic {arn.rsplit(':', 1)[-1]}"] = sorted(published)


def _ses(snapshot: Snapshot) -> None:
    from moto.ses.models import ses_backends

    for backend in _regions(ses_backends):
        sent = []
        for message in backend.sent_messages:
            fields = {k: v for k, v in vars(message).items() if k != "id"}
            sent.append(_text(fields))
        if sent:
            snapshot[f"ses e-mails sent in {backend.region_name}"] = sorted(sent)


_READERS = {"dynamodb": _dynamodb, "s3": _s3, "sqs": _sqs, "sns": _sns, "ses": _ses}


def snapshot() -> Snapshot:
    """What moto holds now, for the services moto has loaded (a service never used is empty)."""
    import sys

    state: Snapshot = {}
    for service, read in _READERS.items():
        if f"moto.{service}.models" in sys.modules:
            read(state)
    return state


def first_difference(reference: Snapshot, observed: Snapshot) -> tuple[str, str, str] | None:
    """(resource, the reference's item, the run's item) of the first difference, or None.
    A keyed item (a table row, an object) is shown beside the item with the same key."""
    for resource in sorted(set(reference) | set(observed)):
        expected, found = reference.get(resource), observed.get(resource)
        if expected == found:
            continue
        if expected is None or found is None:
            return resource, _existence(expected), _existence(found)
        expected_counts, found_counts = Counter(expected), Counter(found)
        for item in expected + found:
            if expected_counts[item] != found_counts[item]:
                key = item.partition(KEYED)[0] + KEYED if KEYED in item else None
                left = _shown(item, expected_counts[item], expected, key)
                right = _shown(item, found_counts[item], found, key)
                return resource, left, right
    return None


def _existence(items: list[str] | None) -> str:
    return "(no such resource)" if items is None else f"(exists, {len(items)} item(s))"


KEYED = " => "  # between an item's key and its value


def _shown(item: str, count: int, items: list[str], key: str | None) -> str:
    if count == 0 and key is not None:
        same_key = [other for other in items if other.startswith(key)]
        return same_key[0] if same_key else "(absent)"
    return "(absent)" if count == 0 else item if count == 1 else f"{item} (x{count})"
