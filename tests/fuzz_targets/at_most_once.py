"""AT_MOST_ONCE steps, and user code that catches what it should not."""

from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

ONCE = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                  retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))


@durable_execution
def pay_once(event, context):
    """Pays at most once: an interrupted payment fails the execution, by the semantics chosen."""
    receipt = context.step(lambda _: "paid", name="pay", config=ONCE)
    return context.step(lambda _: receipt + "!", name="notify")


@durable_execution
def catches_everything(event, context):
    """Catches BaseException around a step, so it swallows crashes too."""
    try:
        context.step(lambda _: "x", name="risky")
    except BaseException:  # noqa: BLE001 - the bug under test
        pass
    return context.step(lambda _: "done", name="after")
