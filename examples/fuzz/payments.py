"""A stand-in payment client: `durable-fuzz --effect payments:charge` records every call."""

from __future__ import annotations


def charge(customer: str, amount: int, idempotency_key: str) -> dict:
    return {"customer": customer, "amount": amount, "key": idempotency_key}


def remember(log: list, entry: str) -> None:
    log.append(entry)
