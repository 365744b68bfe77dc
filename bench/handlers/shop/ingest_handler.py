"""Ingest a partner feed: download over HTTP, stage in S3, fan out per category with SQS."""

from __future__ import annotations

import gzip
import json
import tempfile
import zlib
from typing import Any

import boto3
import requests
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

s3 = boto3.client("s3")
sqs = boto3.client("sqs")


def download(url: str) -> list[dict[str, Any]]:
    with requests.get(url, stream=True, timeout=30) as response:
        response.raise_for_status()
        return json.loads(gzip.decompress(response.content))


def stage(records: list[dict[str, Any]], key: str) -> str:
    with tempfile.NamedTemporaryFile("w+b", suffix=".json.gz") as handle:
        handle.write(gzip.compress(json.dumps(records).encode()))
        handle.flush()
        s3.upload_file(handle.name, "shop-staging", key)
    return key


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    feed = event["feed_url"]
    records = context.step(lambda _: download(feed), name="download")
    key = context.step(lambda _: stage(records, f"feeds/{event['partner']}.json.gz"), name="stage")
    by_category: dict[str, list[str]] = {}
    for record in records:
        by_category.setdefault(record["category"], []).append(record["sku"])
    for category in sorted(by_category):
        shard = zlib.crc32(category.encode()) % 4
        context.step(
            lambda _, c=category, s=shard: sqs.send_message(
                QueueUrl=event["queues"][s], MessageBody=json.dumps({"category": c, "skus": by_category[c]})
            )["MessageId"],
            name=f"enqueue-{category}",
        )
    context.wait(Duration.from_minutes(5), name="settle")
    return {"key": key, "categories": len(by_category)}
