"""Inference reads only the linted project: libraries are a table, the project's classes are syntax.

A save in the editor must not cost a parse of boto3 or the SDK, so these tests pin both
halves: no file outside the project is opened while linting, and what the rules used to
learn from reading libraries (generators, files, the SDK's step factories) and from the
module's own classes (attributes set in `__init__`, properties) still reaches them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import lint

_WATCH_OPENS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from durable_lint.config import Settings
    from durable_lint.engine import Linter

    linter = Linter(Settings(root=Path(sys.argv[1]), select=("ALL",)))
    opened = []
    sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
    findings, _ = linter.lint_paths([sys.argv[1]])
    print(json.dumps({"opened": opened, "codes": sorted(f.code for f in findings)}))
    """
)


def test_linting_opens_no_file_outside_the_project(tmp_path: Path) -> None:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ids.py").write_text("import uuid\n\ndef new_id():\n    return str(uuid.uuid4())\n")
    (package / "handler.py").write_text(textwrap.dedent(
        """
        import boto3
        import requests
        from aws_durable_execution_sdk_python import durable_execution

        from shop.ids import new_id

        s3 = boto3.client("s3")

        @durable_execution
        def handler(event, context):
            listing = context.step(lambda _: s3.list_objects_v2(Bucket="b"), name="list")
            body = context.step(lambda _: requests.get("https://example.com", timeout=5).json(), name="get")
            order_id = new_id()
            return [listing, body, order_id]
        """
    ))
    run = subprocess.run([sys.executable, "-c", _WATCH_OPENS, str(tmp_path)], capture_output=True, text=True,
                         timeout=60, check=True)
    result = json.loads(run.stdout)
    outside = [path for path in result["opened"] if not Path(path).resolve().is_relative_to(tmp_path.resolve())]
    assert outside == []
    assert result["codes"] == ["DUR203"]  # the project's own module was read: new_id() draws a uuid4


def test_step_returning_a_library_generator_or_file_is_reported() -> None:
    findings = lint(
        """
        import os
        from pathlib import Path
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            files = context.step(lambda _: Path(event["dir"]).iterdir(), name="files")  # <- DUR801
            tree = context.step(lambda _: os.walk(event["dir"]), name="tree")  # <- DUR801
            log = context.step(lambda _: Path(event["log"]).open(), name="log")  # <- DUR801
            names = context.step(lambda _: os.listdir(event["dir"]), name="names")
            return [files, tree, log, names]
        """,
        select=("DUR801",),
    )
    assert sorted(f.line for f in findings) == [8, 9, 10]


def test_hash_of_a_checksum_is_not_salted() -> None:
    findings = lint(
        """
        import zlib
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            shard = hash(zlib.crc32(event["key"].encode())) % 4
            bucket = hash(event["key"]) % 4  # <- DUR403
            return context.step(lambda _: [shard, bucket], name="done")
        """,
        select=("DUR403",),
    )
    assert [(f.line, f.code) for f in findings] == [(8, "DUR403")]


def test_calling_a_durable_step_function_inside_a_step_returns_a_function() -> None:
    findings = lint(
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        @durable_step
        def email(step_context, to):
            return {"sent": to}

        @durable_execution
        def handler(event, context):
            sent = context.step(email(event["to"]))
            return context.step(lambda _: email(event["to"]), name="ask")  # <- DUR801
        """,
        select=("DUR801",),
    )
    assert [(f.line, f.code) for f in findings] == [(11, "DUR801")]


def test_instance_attributes_properties_and_methods_of_the_modules_classes() -> None:
    findings = lint(
        """
        from dataclasses import dataclass
        from aws_durable_execution_sdk_python import durable_execution

        @dataclass
        class Order:
            tags: set[str]
            lines: list[str]

        class Totals:
            def __init__(self) -> None:
                self.regions = set()
                self.count = 0

            @property
            def labels(self):
                return {r.upper() for r in self.regions}

            def names(self):
                return self.regions | {"all"}

        @durable_execution
        def handler(event, context):
            order = Order(set(event["tags"]), event["lines"])
            totals = Totals()
            for tag in order.tags:  # <- DUR301
                context.step(lambda _, t=tag: t, name=f"tag-{tag}")
            for line in order.lines:
                context.step(lambda _, l=line: l, name=f"line-{line}")
            first = [label for label in totals.labels]  # <- DUR301
            rest = list(totals.names())  # <- DUR301
            return context.step(lambda _: [first, rest, hash(totals.count)], name="done")
        """,
        select=("DUR301", "DUR403"),
    )
    assert sorted((f.line, f.code) for f in findings) == [(26, "DUR301"), (30, "DUR301"), (31, "DUR301")]


def test_step_returning_a_boto3_stream_is_reported() -> None:
    findings = lint(
        """
        import boto3
        from aws_durable_execution_sdk_python import durable_execution

        s3 = boto3.client("s3")

        def download(bucket, key):
            response = s3.get_object(Bucket=bucket, Key=key)
            return response["Body"]

        @durable_execution
        def handler(event, context):
            body = context.step(lambda _: s3.get_object(Bucket="b", Key=event["key"])["Body"], name="get")  # <- DUR801
            size = context.step(lambda _: s3.get_object(Bucket="b", Key=event["key"])["ContentLength"], name="size")
            meta = context.step(lambda _: s3.head_object(Bucket="b", Key=event["key"]), name="head")
            return [body, size, meta]
        """,
        select=("DUR801",),
    )
    assert [(f.line, f.code) for f in findings] == [(13, "DUR801")]
