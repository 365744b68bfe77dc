"""Step results that the SDK cannot checkpoint."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.call_shapes import positional_or_keyword
from durable_lint.infer import own_nodes, own_returns
from durable_lint.module import DurableModule
from durable_lint.resolve import source_of
from durable_lint.role_kinds import Role
from durable_lint.rule import Report, Rule

_UNSERIALIZABLE = {
    "set": "a set", "frozenset": "a frozenset", "generator": "a generator", "lambda": "a function",
    "file": "an open file", "instance": "an instance of a class of yours",
}


class UnserializableStepResult(Rule):
    """
    ## What it does
    Flags a step (a `@durable_step` function, a callable passed to `context.step`,
    or a `wait_for_condition` check) whose return value is inferred to be a `set`,
    a generator, a function, an open file, or an instance of one of your classes,
    when the step uses the SDK's default serdes.

    ## Why is this bad?
    The SDK checkpoints a step's result with `ExtendedTypeSerDes`, which encodes
    JSON types, tuples, bytes, `datetime`, `Decimal` and `UUID` only. Anything else
    raises `SerDesError` when the step completes, after its side effects ran.

    ## Example
    ```python
        tags = context.step(lambda _: {t.lower() for t in event["tags"]}, name="tags")
    ```

    ## Use instead
    ```python
        tags = context.step(lambda _: sorted({t.lower() for t in event["tags"]}), name="tags")
    ```
    or pass `StepConfig(serdes=...)` that can encode the value.
    """

    code = "DUR801"
    name = "unserializable-step-result"
    message = "step returns {subject}, which is {what} the SDK's default serdes cannot checkpoint; the step fails at run time. Return JSON-like data, tuples, datetime, Decimal, UUID or bytes, or pass a serdes"

    def check(self, module: DurableModule) -> Iterator[Report]:
        custom = self._steps_with_custom_serdes(module)
        for function, role in module.roles:
            if role.role is not Role.STEP or "wait_for_callback" in role.reason or function in custom:
                continue
            if not isinstance(function, ast.Lambda) and any(
                isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(function)
            ):
                yield self.report(function, f"{getattr(function, 'name', 'a generator')}()", what=_UNSERIALIZABLE["generator"])
                continue
            values = [function.body] if isinstance(function, ast.Lambda) else own_returns(function)
            for value in values:
                kind = module.inference.kind(value) if value is not None else None
                if kind in _UNSERIALIZABLE:
                    yield self.report(value, source_of(value), what=_UNSERIALIZABLE[kind])

    @staticmethod
    def _steps_with_custom_serdes(module: DurableModule) -> set[ast.AST]:
        """Step callables given a `config` whose `serdes=` replaces the default."""
        custom: set[ast.AST] = set()
        for call in module.nodes(ast.Call):
            assert isinstance(call, ast.Call)
            method = module.durable_operation(call)
            if method not in ("step", "wait_for_condition"):
                continue
            config = positional_or_keyword(call, 2 if method == "step" else 1, "config")
            if not (isinstance(config, ast.Call) and any(k.arg == "serdes" for k in config.keywords)):
                continue
            target = positional_or_keyword(call, *sdk.STEP_CALLABLE_ARGS[method])
            if isinstance(target, ast.Call):  # my_step(args) of a @durable_step function
                target = target.func
            function = module.roles.function_for(target) if target is not None else None
            if function is not None:
                custom.add(function)
        return custom

    VALID = (
        """
        import json
        from aws_durable_execution_sdk_python import durable_execution, durable_step
        from aws_durable_execution_sdk_python.config import StepConfig
        from aws_durable_execution_sdk_python.serdes import SerDes

        class SetSerDes(SerDes):
            def serialize(self, value, context=None):
                return json.dumps(sorted(value))

            def deserialize(self, data, context=None):
                return set(json.loads(data))

        @durable_step
        def load_tags(step_context, raw):
            return sorted({tag.lower() for tag in raw})

        @durable_execution
        def handler(event, context):
            tags = context.step(load_tags(event["tags"]))
            pairs = context.step(lambda _: (1, "a"), name="pairs")
            raw = context.step(lambda _: {1, 2}, name="raw", config=StepConfig(serdes=SetSerDes()))
            return [tags, pairs, sorted(raw)]
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        class Receipt:
            def __init__(self, amount):
                self.amount = amount

        @durable_step
        def charge(step_context, amount):
            return Receipt(amount)  # <- DUR801

        @durable_step
        def stream(step_context, items):  # <- DUR801
            for item in items:
                yield item

        @durable_execution
        def handler(event, context):
            tags = context.step(lambda _: {t.lower() for t in event["tags"]}, name="tags")  # <- DUR801
            receipt = context.step(charge(event["amount"]))
            items = context.step(stream(event["items"]))
            return [sorted(tags), receipt.amount, items]
        """,
    )
