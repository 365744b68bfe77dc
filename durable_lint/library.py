"""What library calls return, as far as the rules need it: a table, not a parse of the libraries.

Inference never reads third-party packages, the standard library or the SDK. Reading
them (with astroid) cost up to a second per linted file for a handler that calls boto3
or requests, and taught the rules almost nothing: botocore builds its client methods at
run time, so even astroid could not see what they return. The few facts the rules use
are written down here, keyed by call path (see resolve.py): `boto3.client().get_item`
is a method of a boto3 client, `pathlib.Path().iterdir` a method of a `Path`.

A call that is not here is unknown, and the rules stay quiet about unknown values.
Kinds are those of infer.py.
"""

from __future__ import annotations

# Calls whose result kind does not depend on their arguments, by call path.
RETURNS: dict[str, str] = {
    # generators: the SDK's serdes cannot checkpoint them (DUR801)
    "os.walk": "generator",
    "glob.iglob": "generator",
    "concurrent.futures.as_completed": "generator",
    "concurrent.futures.ThreadPoolExecutor().map": "generator",
    "concurrent.futures.ProcessPoolExecutor().map": "generator",
    "pathlib.Path().iterdir": "generator",
    "pathlib.Path().glob": "generator",
    "pathlib.Path().rglob": "generator",
    "pathlib.Path().walk": "generator",
    "requests.get().iter_content": "generator",
    "requests.get().iter_lines": "generator",
    # open files
    "pathlib.Path().open": "file",
    "gzip.open": "file",
    "bz2.open": "file",
    "lzma.open": "file",
    "codecs.open": "file",
    "os.fdopen": "file",
    "tempfile.TemporaryFile": "file",
    "tempfile.NamedTemporaryFile": "file",
    "tempfile.SpooledTemporaryFile": "file",
    # values whose hash is not salted (DUR403) or that are strings
    "builtins.ord": "int",
    "builtins.hash": "int",
    "builtins.id": "int",
    "math.floor": "int",
    "math.ceil": "int",
    "math.trunc": "int",
    "math.isqrt": "int",
    "zlib.crc32": "int",
    "zlib.adler32": "int",
    "binascii.crc32": "int",
    "builtins.int.from_bytes": "int",
    "json.dumps": "str",
    "pathlib.Path().read_text": "str",
    "pathlib.Path().read_bytes": "bytes",
    "os.listdir": "list",
    "glob.glob": "list",
    "boto3.client().generate_presigned_url": "str",
    "boto3.client().can_paginate": "bool",
}

_BOTO3_CLIENTS = ("boto3.client()", "boto3.Session().client()", "boto3.session.Session().client()")

# Objects every method of which (but the listed exceptions) returns one kind: a boto3
# client's operations return the response as a dict.
_METHODS_RETURN: dict[str, tuple[str, frozenset[str]]] = {
    client: ("dict", frozenset({"get_paginator", "get_waiter", "close", "exceptions", "meta"}))
    for client in _BOTO3_CLIENTS
}

# Members of boto3 responses that are open streams (botocore's StreamingBody): a step
# that returns `s3.get_object(...)["Body"]` fails to checkpoint.
_RESPONSE_STREAMS: dict[str, str] = {
    f"{client}.{operation}()": key
    for client in _BOTO3_CLIENTS
    for operation, key in (("get_object", "Body"), ("invoke", "Payload"), ("invoke_model", "body"))
}

# The SDK's decorators turn a function into a factory: calling the decorated function
# binds its arguments and returns the callable that `context.step(...)`,
# `run_in_child_context(...)` or `wait_for_callback(...)` runs.
SDK_FACTORY_DECORATORS = frozenset(
    {
        "aws_durable_execution_sdk_python.durable_step",
        "aws_durable_execution_sdk_python.durable_with_child_context",
        "aws_durable_execution_sdk_python.durable_parallel_branch",
        "aws_durable_execution_sdk_python.durable_wait_for_callback",
    }
)


def library_kind(call_path: str | None) -> str | None:
    """The kind a call to `call_path` (the path of the called function) returns, if the table knows."""
    if call_path is None:
        return None
    known = RETURNS.get(call_path)
    if known is not None:
        return known
    receiver, _, method = call_path.rpartition(".")
    kind, exceptions = _METHODS_RETURN.get(receiver, (None, frozenset()))
    return kind if method not in exceptions else None


def member_kind(call_path: str | None, key: object) -> str | None:
    """The kind of `response[key]` for a response that `call_path` made, if the table knows."""
    return "file" if call_path is not None and _RESPONSE_STREAMS.get(call_path) == key else None
