"""Reconcile inventory: query DynamoDB, compare with the warehouse API, fix drift item by item."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import BatchResult, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig
from boto3.dynamodb.conditions import Key

from shop.clients import http, orders_table


def stock_levels(warehouse: str) -> dict[str, int]:
    items = orders_table.query(KeyConditionExpression=Key("pk").eq(f"warehouse#{warehouse}"))["Items"]
    return {item["sku"]: int(item["available"]) for item in items}


def warehouse_levels(warehouse: str) -> dict[str, int]:
    response = http.get(f"https://warehouse.example.com/{warehouse}/stock", timeout=10)
    response.raise_for_status()
    return {row["sku"]: row["count"] for row in response.json()["rows"]}


def correct(sku: str, count: int) -> dict[str, Any]:
    orders_table.update_item(Key={"pk": f"stock#{sku}"}, UpdateExpression="SET available = :c",
                             ExpressionAttributeValues={":c": count})
    return {"sku": sku, "count": count}


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    warehouse = event["warehouse"]
    ours = context.step(lambda _: stock_levels(warehouse), name="ours")
    theirs = context.step(lambda _: warehouse_levels(warehouse), name="theirs")
    drift = sorted(sku for sku in theirs if ours.get(sku) != theirs[sku])
    results: BatchResult = context.map(
        drift,
        lambda item_ctx, sku, index, _: item_ctx.step(lambda _: correct(sku, theirs[sku]), name=f"fix-{sku}"),
        name="fix-drift",
        config=MapConfig(max_concurrency=4),
    )
    missing = set(ours) - set(theirs)
    for sku in missing:
        context.step(lambda _, s=sku: correct(s, 0), name=f"zero-{sku}")
    return {"fixed": len(results.get_results()), "zeroed": len(missing)}
