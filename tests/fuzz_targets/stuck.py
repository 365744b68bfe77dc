"""Handlers that really take long: user code's time.sleep is virtual, so they block on a library wait."""

import threading

from aws_durable_execution_sdk_python import durable_execution


def block(seconds: float) -> None:
    """Really wait (a library wait keeps real time, unlike time.sleep called from user code)."""
    threading.Event().wait(seconds)


@durable_execution
def stuck(event, context):
    return context.step(lambda _: block(30) or "late", name="slow")
