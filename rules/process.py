"""Values that belong to the execution environment rather than the execution."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint.module import DurableModule, Region
from durable_lint.rule import CallRule, Report, Rule
from durable_lint.resolve import source_of


class ProcessIdentity(CallRule):
    """
    ## What it does
    Flags reads of process and host identity in orchestration code:
    `os.getpid()`, `os.getppid()`, `socket.gethostname()`, `platform.node()`,
    `threading.get_ident()`, `threading.get_native_id()` and `id()`.

    ## Why is this bad?
    Each invocation may run in a different Lambda execution environment, and the SDK
    runs the handler on a fresh worker thread per invocation; every one of these
    values can differ between the first run and a replay.

    ## Example
    ```python
        worker = f"{socket.gethostname()}-{os.getpid()}"
    ```

    ## Use instead
    ```python
        worker = context.step(lambda _: f"{socket.gethostname()}-{os.getpid()}", name="worker")
    ```
    """

    code = "DUR401"
    name = "process-identity"
    message = "{subject} depends on the execution environment, which differs between replays. Read it in a step"
    calls = (
        r"os\.(getpid|getppid)",
        r"socket\.gethostname",
        r"platform\.node",
        r"threading\.(get_ident|get_native_id)",
        r"builtins\.id",
    )

    VALID = (
        """
        import os
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            pid = context.step(lambda _: os.getpid(), name="pid")
            id = event["id"]
            return {"pid": pid, "id": id}
        """,
    )
    INVALID = (
        """
        import os
        import socket
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            worker = f"{socket.gethostname()}-{os.getpid()}"  # <- DUR401
            return context.step(lambda _: worker, name="claim")
        """,
    )


class EnvironmentRead(CallRule):
    """
    ## What it does
    Opt-in. Flags environment variable reads in orchestration code:
    `os.environ[...]`, `os.environ.get()`, `os.getenv()`.

    ## Why is this bad?
    An execution can run for up to a year. If the function's configuration changes
    while an execution is suspended, a replay reads the new value and takes a
    different path than the run that wrote the checkpoints. Teams whose
    configuration is fixed per deployment can leave this rule off.

    ## Example
    ```python
        if os.environ["FEATURE_FAST_PATH"] == "on":
            ...
    ```

    ## Use instead
    ```python
        flags = context.step(lambda _: {"fast": os.environ["FEATURE_FAST_PATH"]}, name="read-flags")
    ```
    """

    code = "DUR402"
    name = "environment-read"
    default_enabled = False
    message = "{subject} reads configuration that can change while an execution is suspended. Read it once in a step"
    calls = (r"os\.environ\.get", r"os\.getenv")

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        yield from super().in_code(module, region)
        for node in region.nodes(ast.Subscript):
            assert isinstance(node, ast.Subscript)
            if isinstance(node.ctx, ast.Load) and module.call_path(node.value) == "os.environ":
                yield self.report(node, source_of(node))

    VALID = (
        """
        import os
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            flags = context.step(lambda _: os.environ.get("FLAGS", ""), name="flags")
            return flags
        """,
    )
    INVALID = (
        """
        import os
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            table = os.environ["TABLE"]  # <- DUR402
            region = os.getenv("AWS_REGION")  # <- DUR402
            return context.step(lambda _: f"{table}@{region}", name="where")
        """,
    )


_UNSALTED_HASH = frozenset({"int", "float", "bool"})


class SaltedHash(Rule):
    """
    ## What it does
    Flags `hash()` in orchestration code of a value inferred to be `str` or `bytes`,
    or of unknown type. `hash()` of an int, float, bool, or a tuple of them stays quiet.

    ## Why is this bad?
    Python salts the hashes of `str` and `bytes` per process (`PYTHONHASHSEED`).
    A shard, bucket or branch chosen by `hash(key)` differs in each Lambda
    execution environment, so a replay in a fresh environment takes another path.

    ## Example
    ```python
        shard = hash(event["customer_id"]) % 8
    ```

    ## Use instead
    ```python
        shard = zlib.crc32(event["customer_id"].encode()) % 8
    ```
    """

    code = "DUR403"
    name = "salted-hash"
    message = "{subject} hashes a string (or a value of unknown type), and string hashes are salted per process. Use hashlib or zlib.crc32"
    transferable = True

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        for call in region.calls:
            if module.call_path(call.func) != "builtins.hash" or len(call.args) != 1:
                continue
            if not self._unsalted(module, call.args[0]):
                yield self.report(call, f"hash({source_of(call.args[0])})")

    def _unsalted(self, module: DurableModule, value: ast.expr) -> bool:
        if isinstance(value, ast.Tuple):
            return all(self._unsalted(module, element) for element in value.elts)
        return module.inference.kind(value) in _UNSALTED_HASH

    VALID = (
        """
        import zlib
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            shard = zlib.crc32(event["customer_id"].encode()) % 8
            bucket = hash(int(event["count"])) % 4
            pair = hash((1, 2))
            return context.step(lambda _: (shard, bucket, pair), name="route")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            shard = hash(event["customer_id"]) % 8  # <- DUR403
            tag = hash(f"{event['region']}-x")  # <- DUR403
            return context.step(lambda _: (shard, tag), name="route")
        """,
    )


_INVOCATION_ATTRIBUTES = frozenset({"aws_request_id", "log_stream_name", "get_remaining_time_in_millis"})
_INVOCATION_VARIABLES = frozenset({"_X_AMZN_TRACE_ID", "AWS_LAMBDA_LOG_STREAM_NAME"})


class InvocationMetadata(Rule):
    """
    ## What it does
    Flags reads of per-invocation metadata in orchestration code:
    `context.lambda_context.aws_request_id`, `.log_stream_name`,
    `.get_remaining_time_in_millis()`, and the environment variables
    `_X_AMZN_TRACE_ID` and `AWS_LAMBDA_LOG_STREAM_NAME`.

    ## Why is this bad?
    Every replay is a new Lambda invocation with a new request id, trace id, log
    stream and time budget. A value built from them (an idempotency key, a branch
    on remaining time) differs between the first run and each replay.

    ## Example
    ```python
        key = f"charge-{context.lambda_context.aws_request_id}"
    ```

    ## Use instead
    Use the execution's own identity, which is stable across replays, or capture the
    value once in a step:
    ```python
        key = f"charge-{context.execution_context.durable_execution_arn}"
    ```
    """

    code = "DUR404"
    name = "invocation-metadata"
    message = "{subject} belongs to this invocation, and every replay is a new invocation. Use the execution ARN, or capture it once in a step"
    supersedes = frozenset({"DUR402"})
    transferable = True

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        for node in region.nodes(ast.Attribute):
            assert isinstance(node, ast.Attribute)
            if node.attr in _INVOCATION_ATTRIBUTES and self._is_lambda_context(module, node.value):
                reported = module.parent(node) if node.attr.startswith("get_") else node
                yield self.report(reported or node, source_of(node))
        for node in region.nodes(ast.Subscript):
            assert isinstance(node, ast.Subscript)
            if module.call_path(node.value) == "os.environ" and _constant(node.slice) in _INVOCATION_VARIABLES:
                yield self.report(node, source_of(node))
        for call in region.calls:
            if module.call_path(call.func) in ("os.environ.get", "os.getenv") and call.args:
                if _constant(call.args[0]) in _INVOCATION_VARIABLES:
                    yield self.report(call, source_of(call))

    @staticmethod
    def _is_lambda_context(module: DurableModule, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "assign" and len(binding.values) == 1:
                expr = binding.values[0]
        return isinstance(expr, ast.Attribute) and expr.attr == "lambda_context" and module.roles.is_context(expr.value)

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            arn = context.execution_context.durable_execution_arn
            request = context.step(lambda _: context.lambda_context.aws_request_id, name="first-request")
            return context.step(lambda _: f"{arn}-{request}", name="key")
        """,
    )
    INVALID = (
        """
        import os
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            key = f"charge-{context.lambda_context.aws_request_id}"  # <- DUR404
            lc = context.lambda_context
            if lc.get_remaining_time_in_millis() < 1000:  # <- DUR404
                return "later"
            trace = os.environ["_X_AMZN_TRACE_ID"]  # <- DUR404
            return context.step(lambda _: (key, trace), name="charge")
        """,
    )


def _constant(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None
