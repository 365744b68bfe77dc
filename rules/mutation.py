"""State that orchestration or step code changes where a replay cannot see it (DUR701, DUR702)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint.module import DurableModule, Region
from durable_lint.resolve import source_of
from durable_lint.role_kinds import Role
from durable_lint.rule import Report, Rule
from durable_lint.scopes import Binding, Scope

MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "pop", "popitem", "remove", "discard",
     "clear", "setdefault", "sort", "reverse", "appendleft", "extendleft", "popleft"}
)
_CONTAINER_FACTORIES = frozenset(
    {"builtins.list", "builtins.dict", "builtins.set", "builtins.bytearray", "collections.defaultdict",
     "collections.Counter", "collections.deque", "collections.OrderedDict"}
)
_CONTAINER_LITERALS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def _root_name(expr: ast.expr) -> ast.Name | None:
    """`a` for `a`, `a.b`, `a[k]`, `a.b[k].c`."""
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        expr = expr.value
    return expr if isinstance(expr, ast.Name) else None


def mutations(module: DurableModule, nodes: list[ast.AST]) -> Iterator[tuple[ast.AST, ast.Name, str]]:
    """(node, mutated root name, how) for every mutation among `nodes`."""
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
            root = _root_name(node.func.value)
            if root is not None:
                yield node, root, f".{node.func.attr}()"
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                root = _root_name(target)
                if root is None:
                    continue
                if target is root:
                    yield node, root, "assignment"
                else:
                    yield node, root, "item assignment" if isinstance(target, ast.Subscript) else "attribute assignment"


def _is_durable_scope(module: DurableModule, scope: Scope) -> bool:
    """Is `scope` the body of orchestration code (or a helper handed a DurableContext)?"""
    return scope.kind == "function" and module.is_durable_function(module.body_owner(scope.node))


class CapturedMutation(Rule):
    """
    ## What it does
    Flags step code that mutates a variable captured from the enclosing
    orchestration code: `results.append(x)`, `totals[key] = v`, `state.done = True`,
    or a `nonlocal` assignment inside a step body.

    ## Why is this bad?
    On replay the SDK returns the step's checkpointed result without running its
    body, so the mutation happens only in the invocation that ran the step. After a
    suspension or crash the orchestration code sees the variable without it, and
    the execution's result depends on when it was interrupted.

    ## Example
    ```python
        seen = []
        context.step(lambda _: seen.append(fetch(event["id"])), name="fetch")
        return seen
    ```

    ## Use instead
    Return the value from the step and use the result:
    ```python
        seen = [context.step(lambda _: fetch(event["id"]), name="fetch")]
    ```
    """

    code = "DUR701"
    name = "captured-mutation"
    message = "step code changes `{subject}` ({how}) of the enclosing orchestration code; replay skips the step body, so the change is lost. Return the value from the step"

    def check(self, module: DurableModule) -> Iterator[Report]:
        candidates = module.nodes(ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)
        in_steps = [node for node in candidates if (role := module.role_at(node)) and role.role is Role.STEP]
        for node, root, how in mutations(module, in_steps):
            scope: Scope = root._dl_scope  # type: ignore[attr-defined]
            binding = scope.lookup(root.id)
            if binding is None or binding.scope is scope and root.id not in scope.nonlocal_names:
                continue
            if how == "assignment" and root.id not in scope.nonlocal_names:
                continue
            if _is_durable_scope(module, binding.scope):
                yield self.report(node, root.id, how=how)

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            seen = []
            fetched = context.step(lambda _: {"id": event["id"]}, name="fetch")
            seen.append(fetched)

            def collect(step_context):
                local = []
                local.append(event["id"])
                return local

            return seen + context.step(collect, name="collect")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            seen = []
            totals = {}
            count = 0
            context.step(lambda _: seen.append(event["id"]), name="fetch")  # <- DUR701

            def tally(step_context):
                nonlocal count
                totals[event["id"]] = 1  # <- DUR701
                count += 1  # <- DUR701
                return count

            context.step(tally, name="tally")
            return {"seen": seen, "totals": totals}
        """,
    )


class GlobalMutation(Rule):
    """
    ## What it does
    Flags orchestration code that assigns module-level state through `global`, or
    mutates a module-level container (`CACHE[key] = v`, `SEEN.add(x)`, `LOG.append(x)`).

    ## Why is this bad?
    A warm Lambda environment keeps module globals from one invocation to the next
    and a cold one starts fresh, so orchestration code that reads them back sees
    different values depending on where each replay lands, for example a counter
    that grows once per replay.

    ## Example
    ```python
    ATTEMPTS = {}

    @durable_execution
    def handler(event, context):
        ATTEMPTS[event["id"]] = ATTEMPTS.get(event["id"], 0) + 1
    ```

    ## Use instead
    Keep state in step results, which are checkpointed with the execution.
    """

    code = "DUR702"
    name = "global-mutation"
    message = "{subject} changes module-level state in orchestration code ({how}); warm environments keep it between invocations and cold ones lose it. Keep state in step results"
    transferable = True

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        candidates = region.nodes(ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)
        for node, root, how in mutations(module, candidates):
            scope: Scope = root._dl_scope  # type: ignore[attr-defined]
            binding = scope.lookup(root.id)
            if binding is None or binding.scope.kind != "module" or binding.kind != "assign":
                continue
            if how == "assignment":
                if root.id in scope.global_names and not _lazy_initialisation(module, node, root.id):
                    yield self.report(node, source_of(node), how=f"global {root.id}")
            elif how.startswith(".") and not _is_container(module, binding):
                continue
            else:
                yield self.report(node, source_of(node), how=f"{how.lstrip('.')} on {root.id}")

    VALID = (
        """
        import logging
        from aws_durable_execution_sdk_python import durable_execution

        LIMITS = {"gold": 10}
        logger = logging.getLogger(__name__)

        @durable_execution
        def handler(event, context):
            limit = LIMITS.get(event["tier"], 1)
            cache = {}
            cache[event["id"]] = limit
            return context.step(lambda _: limit, name="limit")
        """,
        """
        import boto3
        from aws_durable_execution_sdk_python import durable_execution

        _sqs = None

        def sqs():
            global _sqs
            if _sqs is None:
                _sqs = boto3.client("sqs")
            return _sqs

        @durable_execution
        def handler(event, context):
            queue = sqs()
            return context.step(lambda _: queue.send_message(QueueUrl=event["q"], MessageBody="x"), name="send")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        ATTEMPTS = {}
        SEEN = set()
        invocations = 0

        @durable_execution
        def handler(event, context):
            global invocations
            invocations += 1  # <- DUR702
            ATTEMPTS[event["id"]] = invocations  # <- DUR702
            SEEN.add(event["id"])  # <- DUR702
            return context.step(lambda _: "ok", name="work")
        """,
    )


def _lazy_initialisation(module: DurableModule, node: ast.AST, name: str) -> bool:
    """`if _client is None: _client = boto3.client(...)`: a cache made once per environment.

    Warm environments keep it and cold ones make it again, and either way the code
    after it sees the same kind of object: nothing a replay depends on.
    """
    parent = module.parent(node)
    if not isinstance(parent, ast.If) or node not in parent.body:
        return False
    test = parent.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    elif isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.Eq)):
        if not (isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
            return False
        test = test.left
    else:
        return False
    return isinstance(test, ast.Name) and test.id == name


def _is_container(module: DurableModule, binding: Binding) -> bool:
    for value in binding.values:
        if isinstance(value, _CONTAINER_LITERALS):
            return True
        if isinstance(value, ast.Call) and module.resolver.qualified_name(value.func) in _CONTAINER_FACTORIES:
            return True
    return False
