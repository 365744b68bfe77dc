"""What the linter knows about the AWS durable execution SDK's public surface.

Names here are canonical: `canonical_name` folds the SDK's re-exports
(`aws_durable_execution_sdk_python.execution.durable_execution` and
`aws_durable_execution_sdk_python.durable_execution` are the same decorator), so
rules compare one spelling. Facts are from aws-durable-execution-sdk-python 3.0
(context.py, execution.py, retries.py, config.py).
"""

from __future__ import annotations

SDK_MODULE = "aws_durable_execution_sdk_python"
SDK_BYTES = SDK_MODULE.encode()

# Submodules whose public names the package re-exports; folding them away gives one
# spelling per name.
_SUBMODULES = frozenset(
    {
        "config", "context", "execution", "exceptions", "types", "retries", "waits",
        "serdes", "state", "logger", "identifier", "lambda_service", "threading",
        "suspend", "plugin", "concurrency", "models", "executor", "operation",
    }
)


def canonical_name(qualified: str) -> str:
    """Fold SDK submodule paths onto the package root; leave other names alone."""
    if not qualified.startswith(SDK_MODULE + "."):
        return qualified
    parts = qualified.split(".")
    rest = parts[1:]
    while len(rest) > 1 and rest[0] in _SUBMODULES:
        rest = rest[1:]
    return ".".join([SDK_MODULE, *rest])


def sdk(name: str) -> str:
    """The canonical qualified name of a public SDK object."""
    return f"{SDK_MODULE}.{name}"


# Decorators that make a function orchestration code, with the index of the
# parameter that receives the DurableContext.
ORCHESTRATION_DECORATORS = {
    sdk("durable_execution"): 1,  # handler(event, context)
    sdk("durable_with_child_context"): 0,  # fn(child_context, *args)
    sdk("durable_parallel_branch"): 0,  # fn(ctx, *args)
}

# Decorators that make a function step code: its body runs once per attempt.
STEP_DECORATORS = frozenset({sdk("durable_step"), sdk("durable_wait_for_callback")})

DURABLE_CONTEXT = sdk("DurableContext")

# DurableContext methods whose callable argument becomes step code:
# method -> (positional index, keyword) of that callable.
STEP_CALLABLE_ARGS = {
    "step": (0, "func"),
    "wait_for_callback": (0, "submitter"),
    "wait_for_condition": (0, "check"),
}

# DurableContext methods whose callable argument becomes orchestration code that
# receives its own DurableContext as first parameter.
CHILD_CALLABLE_ARGS = {
    "run_in_child_context": (0, "func"),
    "map": (1, "func"),
}

# `context.parallel(functions=[...])`: every element is a branch.
PARALLEL_CALLABLES_ARG = (0, "functions")

# ParallelBranch(func, name=None): a named branch in `functions`.
PARALLEL_BRANCH = sdk("ParallelBranch")

# with_retry(context, func, config): func(child_context, attempt) is orchestration.
WITH_RETRY = sdk("with_retry")
WITH_RETRY_CALLABLE_ARG = (1, "func")

# Every DurableContext method that checkpoints an operation.
DURABLE_METHODS = frozenset(
    {
        "step", "wait", "create_callback", "invoke", "map", "parallel",
        "run_in_child_context", "wait_for_callback", "wait_for_condition",
    }
)

# DurableContext attributes that issue no operation.
NON_OPERATION_ATTRIBUTES = frozenset(
    {"logger", "lambda_context", "execution_context", "is_replaying", "set_logger", "state"}
)

# The `name=` of each durable operation: method -> positional index of `name`.
NAME_ARG_INDEX = {
    "step": 1, "wait": 1, "create_callback": 0, "invoke": 2, "map": 2, "parallel": 1,
    "run_in_child_context": 1, "wait_for_callback": 1, "wait_for_condition": 2,
}

# Config callables the SDK calls during replay: the docs say they must be
# deterministic (config.py:247-256, 660), so they are orchestration code.
CONFIG_CALLABLE_KEYWORDS = {
    sdk("MapConfig"): ("item_namer", "summary_generator"),
    sdk("ParallelConfig"): ("summary_generator",),
    sdk("ChildConfig"): ("summary_generator",),
    sdk("CompletionConfig"): ("should_complete",),
}

# Exceptions that carry a suspension: catching them swallows the suspend.
SUSPEND_EXCEPTIONS = frozenset(
    {"builtins.BaseException", sdk("SuspendExecution"), sdk("TimedSuspendExecution")}
)
