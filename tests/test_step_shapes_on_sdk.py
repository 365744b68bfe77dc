"""DUR901's shapes really break on the SDK: each flagged form is run and its failure observed."""

from __future__ import annotations


import pytest
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from durable_lint.config import Settings
from durable_lint.engine import Linter
from tests.helpers import module_from_source

SHAPES = '''\
from aws_durable_execution_sdk_python import durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

NO_RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))
RAN = []


@durable_step
def charge(step_context, amount):
    RAN.append(amount)
    return amount


def per_item(ctx, item):
    return item


@durable_execution
def zero_arg_lambda(event, context):
    return context.step(lambda: 1, name="one", config=NO_RETRY)


@durable_execution
def uncalled_step(event, context):
    return context.step(charge, name="two", config=NO_RETRY)


@durable_execution
def dropped_step(event, context):
    charge(5)
    return context.step(lambda _: "done", name="done")


@durable_execution
def narrow_map_item(event, context):
    batch = context.map([1, 2], per_item, name="items")
    return {"results": batch.get_results(), "errors": [str(e) for e in batch.get_errors()]}
'''


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory):
    return module_from_source(tmp_path_factory.mktemp("shapes"), "dur901_shapes", SHAPES)


def run(handler):
    with DurableFunctionTestRunner(handler=handler) as runner:
        return runner.run(input="{}", execution_timeout=60)


def test_every_shape_is_flagged(shapes) -> None:
    path, _ = shapes
    lines = {f.line for f in Linter(Settings(select=("DUR901",))).lint_file(path, "shapes.py")}
    assert lines == {21, 26, 31, 37}


def test_zero_argument_lambda_fails_with_type_error(shapes) -> None:
    result = run(shapes[1].zero_arg_lambda)
    assert result.status.name == "FAILED"
    assert "takes 0 positional arguments but 1 was given" in result.error.message


def test_uncalled_durable_step_fails_to_checkpoint_its_inner_function(shapes) -> None:
    result = run(shapes[1].uncalled_step)
    assert result.status.name == "FAILED"
    assert "Unsupported type: <class 'function'>" in result.error.message
    assert shapes[1].RAN == []


def test_dropped_durable_step_never_runs_yet_the_execution_succeeds(shapes) -> None:
    shapes[1].RAN.clear()
    result = run(shapes[1].dropped_step)
    assert result.status.name == "SUCCEEDED"
    assert shapes[1].RAN == []


def test_map_item_function_with_two_parameters_loses_every_item(shapes) -> None:
    import json

    result = run(shapes[1].narrow_map_item)
    assert result.status.name == "SUCCEEDED"
    output = json.loads(result.result)
    assert output["results"] == []
    assert output["errors"] and all("takes 2 positional arguments but 4 were given" in e for e in output["errors"])
