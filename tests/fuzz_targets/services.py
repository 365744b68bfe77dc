"""Stand-ins for external services the handlers call; durable-fuzz records them as effects."""

from __future__ import annotations


def send_email(to: str, body: str) -> None:
    return None


def charge(amount: int, idempotency_key: str) -> str:
    return f"receipt-{amount}"
