"""DUR901's map and parallel shapes really break on the SDK: each is run and its failure observed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from durable_lint.config import Settings
from durable_lint.engine import Linter
from tests.helpers import module_from_source

SHAPES = '''\
from aws_durable_execution_sdk_python import durable_execution, durable_step

RAN = []


@durable_step
def reserve(step_context, sku):
    RAN.append(sku)
    return sku


def stock(ctx):
    return ctx.step(lambda _: 3, name="stock")


def fraud(ctx):
    return ctx.step(lambda _: 0, name="fraud")


@durable_execution
def separate_branches(event, context):
    return context.parallel(stock, fraud).get_results()


@durable_execution
def function_first_map(event, context):
    return context.map(lambda ctx, sku, index, skus: sku, ["a", "b"], name="labels").get_results()


@durable_execution
def branch_returns_step(event, context):
    batch = context.parallel([lambda ctx: reserve("a")], name="reserve")
    return {"results": batch.get_results(), "errors": [str(e) for e in batch.get_errors()]}
'''


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory):
    return module_from_source(tmp_path_factory.mktemp("batch_shapes"), "dur901_batch_shapes", SHAPES)


def run(handler, timeout: int = 60):
    with DurableFunctionTestRunner(handler=handler) as runner:
        return runner.run(input="{}", execution_timeout=timeout)


def test_every_shape_is_flagged(shapes) -> None:
    path, _ = shapes
    lines = {f.line for f in Linter(Settings(select=("DUR901",))).lint_file(path, "batch_shapes.py")}
    assert lines == {22, 27, 32}


def test_parallel_with_separate_branches_never_succeeds(shapes) -> None:
    """parallel(stock, fraud) takes `fraud` for its name: the execution fails or never ends.

    Run in a child process: when it never ends, the SDK's handler thread waits forever, and
    a thread of concurrent.futures left waiting keeps the interpreter (pytest) from exiting.
    """
    child = f"""
import importlib.util, os
spec = importlib.util.spec_from_file_location("dur901_batch_shapes_child", {str(shapes[0])!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner
try:
    with DurableFunctionTestRunner(handler=module.separate_branches) as runner:
        print(runner.run(input="{{}}", execution_timeout=3).status.name, flush=True)
except TimeoutError:
    print("NEVER ENDS", flush=True)
os._exit(0)  # the handler thread that never returns would keep this process alive
"""
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() in ("FAILED", "NEVER ENDS"), done.stderr


def test_map_with_the_function_first_fails(shapes) -> None:
    result = run(shapes[1].function_first_map)
    assert result.status.name == "FAILED"
    assert "'function' object is not iterable" in result.error.message


def test_branch_that_returns_a_step_call_never_runs_the_step(shapes) -> None:
    shapes[1].RAN.clear()
    result = run(shapes[1].branch_returns_step)
    assert shapes[1].RAN == []
    errors = json.loads(result.result)["errors"]
    assert errors and "Unsupported type: <class 'function'>" in errors[0]
