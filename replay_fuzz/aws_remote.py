"""AWS calls from a forked execution environment, answered by the fuzzer's moto.

AWS state is outside Lambda: a warm and a cold environment of one execution see the
same tables and queues. So an environment holds no AWS of its own: a botocore
`before-send` handler sends each request (method, url, headers, body) over the
environment's connection to the fuzzer, whose moto answers it (see
replay_fuzz.aws.AwsSandbox.answer). A request moto does not serve fails here, as
the network guard would fail it; it never leaves the machine.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Mapping
from multiprocessing.connection import Connection
from typing import Any

from replay_fuzz import aws_effects
from replay_fuzz.guard import NetworkRefused

_connection: Connection | None = None
_lock = threading.Lock()  # map items and parallel branches call AWS from several threads


class _Body(io.BytesIO):
    """A response body botocore can stream."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def _forward(request: Any, **_: Any) -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    body = request.body
    if hasattr(body, "read"):
        position = body.tell()
        data = body.read()
        body.seek(position)
        body = data
    payload = (request.method, request.url, {str(k): _text(v) for k, v in request.headers.items()},
               body.encode() if isinstance(body, str) else bytes(body or b""))
    if _connection is None:
        raise NetworkRefused(f"durable-fuzz: no fuzzer to answer {request.url} in this environment")
    with _lock:
        _connection.send(("aws", payload))
        answer = _connection.recv()
    if answer is None:
        raise NetworkRefused(f"durable-fuzz refused a network connection to {request.url}: moto does not serve it")
    status, headers, content = answer
    response_headers = HTTPHeaders()
    for name, value in headers.items():
        response_headers[name] = value
    return AWSResponse(request.url, status, response_headers, _Body(content))


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def install(overrides: Mapping[str, str]) -> None:
    """In a zygote, before the target is imported: record AWS calls and send them to the fuzzer."""
    aws_effects.install(overrides, before_send=_forward)


def serve_through(connection: Connection) -> None:
    """In a forked environment: AWS requests go over this connection."""
    global _connection
    _connection = connection
