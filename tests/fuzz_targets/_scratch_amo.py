from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

ONCE = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                  retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))

@durable_execution
def pay(event, context):
    receipt = context.step(lambda _: "paid", name="pay", config=ONCE)
    return context.step(lambda _: receipt + "!", name="notify")

@durable_execution
def catches(event, context):
    try:
        context.step(lambda _: "x", name="risky")
    except BaseException:
        pass
    return context.step(lambda _: "done", name="after")
