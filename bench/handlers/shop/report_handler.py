"""Nightly sales report: list yesterday's order exports in S3, aggregate, publish to SNS."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig

from shop.clients import s3, sns
from shop.pricing import categories

BUCKET = "shop-exports"


def list_keys(prefix: str) -> list[str]:
    paginator = s3.get_paginator("list_objects_v2")
    keys = []
    for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def load_rows(key: str) -> list[dict[str, str]]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


class Totals:
    def __init__(self) -> None:
        self.by_category: Counter[str] = Counter()
        self.regions = set()

    def add(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            self.by_category[row["category"]] += int(row["quantity"])
            self.regions.add(row["region"])


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    day = event["day"]
    keys = context.step(lambda _: list_keys(f"orders/{day}/"), name="list-exports")
    batches = context.map(
        keys,
        lambda item_ctx, key, index, _: item_ctx.step(lambda _: load_rows(key), name=f"load-{index}"),
        name="load",
        config=MapConfig(max_concurrency=8),
    ).get_results()

    totals = Totals()
    for rows in batches:
        totals.add(rows)
    for region in totals.regions:
        context.step(lambda _, r=region: sns.publish(TopicArn=event["topic"], Message=f"report ready for {r}"),
                     name=f"notify-{region}")
    seen = categories(event.get("products", []))
    summary = {name: totals.by_category[name] for name in sorted(seen)}
    return context.step(lambda _: {"day": day, "summary": summary}, name="store-summary")
