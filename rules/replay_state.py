"""State and control flow that replay does not reproduce."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.module import DurableModule, Region
from durable_lint.roles import Role, positional_or_keyword
from durable_lint.rule import CallRule, Report, Rule
from durable_lint.resolve import source_of
from durable_lint.scopes import Binding, Scope, enclosing_function, own_code
from durable_lint.rules.clock import ClockRead
from durable_lint.rules.process import ProcessIdentity
from durable_lint.rules.randomness import CryptoRandom, RandomNumber, RandomUuid

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


# Rules whose calls make a value differ between replays; DUR703 reports them
# inside operation names instead.
_NONDETERMINISTIC: tuple[CallRule, ...] = (ClockRead(), RandomNumber(), CryptoRandom(), RandomUuid(), ProcessIdentity())


class UnstableOperationName(Rule):
    """
    ## What it does
    Flags a `name=` of a durable operation (`step`, `wait`, `create_callback`,
    `invoke`, `map`, `parallel`, `run_in_child_context`, `wait_for_callback`,
    `wait_for_condition`) built from a value that differs between replays: a clock
    read, a random number, a random uuid, a process id, or a module-level variable
    that functions rebind with `global`.

    ## Why is this bad?
    The SDK checks replayed operations against their checkpoints by type and name.
    A name that changes makes every replay fail with
    `NonDeterministicExecutionError`, or, where user code swallows that error,
    silently diverge.

    ## Example
    ```python
        context.step(charge(order), name=f"charge-{uuid.uuid4()}")
    ```

    ## Use instead
    ```python
        context.step(charge(order), name=f"charge-{order['id']}")
    ```
    """

    code = "DUR703"
    name = "unstable-operation-name"
    message = "operation name {subject} changes between replays, and the SDK matches replayed operations by name. Derive names from the event or a loop index"

    def check(self, module: DurableModule) -> Iterator[Report]:
        rebound = {name for node in module.nodes(ast.Global) for name in node.names}  # type: ignore[attr-defined]
        for call in module.durable_code.calls:
            method = module.durable_operation(call)
            if method not in sdk.NAME_ARG_INDEX:
                continue
            name = positional_or_keyword(call, sdk.NAME_ARG_INDEX[method], "name")
            if name is None:
                continue
            unstable = list(self._unstable_parts(module, name, rebound))
            if unstable:
                subject = f"{source_of(name)} (from {source_of(unstable[0])})"
                yield self.report(name, subject, covers=tuple(unstable))

    @staticmethod
    def _unstable_parts(module: DurableModule, name: ast.expr, rebound: set[str]) -> Iterator[ast.AST]:
        for node in ast.walk(name):
            if isinstance(node, ast.Call):
                path = module.call_path(node.func)
                if path and any(r.flags(node, path, module) for r in _NONDETERMINISTIC):
                    yield node
            elif isinstance(node, ast.Name) and node.id in rebound:
                binding = node._dl_scope.lookup(node.id)  # type: ignore[attr-defined]
                if binding is not None and binding.scope.kind == "module":
                    yield node

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            for index, item in enumerate(event["items"]):
                context.step(lambda _: item, name=f"item-{index}-{item['id']}")
            return "ok"
        """,
    )
    INVALID = (
        """
        import time
        import uuid
        from aws_durable_execution_sdk_python import durable_execution

        counter = 0

        def bump():
            global counter
            counter += 1

        @durable_execution
        def handler(event, context):
            context.step(lambda _: 1, name=f"charge-{uuid.uuid4()}")  # <- DUR703
            context.create_callback(f"approval-{int(time.time())}")  # <- DUR703
            context.step(lambda _: 2, name=f"audit-{counter}")  # <- DUR703
            return "ok"
        """,
    )


def _catches(module: DurableModule, handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return "builtins.BaseException" in names
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(module.resolver.qualified_name(t) in names for t in types)


def _reraises(handler: ast.ExceptHandler) -> bool:
    return any(
        isinstance(node, ast.Raise)
        and (node.exc is None or (isinstance(node.exc, ast.Name) and node.exc.id == handler.name))
        for node in own_code(handler.body)
    )


class _SwallowingHandler(Rule):
    """Shared check of DUR704 and DUR705: an except clause around durable operations that does not re-raise."""

    caught: frozenset[str]

    def check(self, module: DurableModule) -> Iterator[Report]:
        for node in module.durable_code.nodes(ast.Try, ast.TryStar):
            assert isinstance(node, (ast.Try, ast.TryStar))
            if not module.durable_operations_in(node.body):
                continue
            for handler in node.handlers:
                if _catches(module, handler, self.caught) and not _reraises(handler):
                    clause = "except:" if handler.type is None else f"except {source_of(handler.type)}"
                    yield self.report(handler, clause)
        for node in module.durable_code.nodes(ast.With):
            assert isinstance(node, ast.With)
            for item in node.items:
                expr = item.context_expr
                if (
                    isinstance(expr, ast.Call)
                    and module.resolver.qualified_name(expr.func) == "contextlib.suppress"
                    and any(module.resolver.qualified_name(a) in self.caught for a in expr.args)
                    and module.durable_operations_in(node.body)
                ):
                    yield self.report(node, source_of(expr))


class SwallowedSuspension(_SwallowingHandler):
    """
    ## What it does
    Flags a bare `except:`, `except BaseException`, or `except SuspendExecution`
    (and `contextlib.suppress(BaseException)`) around durable operations when the
    handler does not re-raise.

    ## Why is this bad?
    The SDK suspends an execution (for `context.wait`, a pending callback, a retry
    delay, `invoke`) by raising `SuspendExecution`, a `BaseException`. Catching it
    lets the handler run on as if the wait or callback had completed: the wait is
    skipped and the callback result is missing.

    ## Example
    ```python
        try:
            context.wait(Duration.from_minutes(5))
        except BaseException:
            pass
    ```

    ## Use instead
    Catch the SDK's typed errors (`StepError`, `CallbackError`, `InvokeError`, ...),
    or re-raise with a bare `raise`.
    """

    code = "DUR704"
    name = "swallowed-suspension"
    caught = sdk.SUSPEND_EXCEPTIONS
    message = "`{subject}` around durable operations swallows the SDK's suspension (a BaseException), skipping the wait or callback. Catch typed errors such as StepError, or re-raise"

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, StepError
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(5), name="pause")
                return context.step(lambda _: 1, name="work")
            except StepError:
                return "failed"
            except BaseException:
                context.logger.info("suspending")
                raise
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(5), name="pause")
            except BaseException:  # <- DUR704
                pass
            try:
                callback = context.create_callback("approval")
                answer = callback.result()
            except:  # <- DUR704
                answer = None
            return answer
        """,
    )


class BroadExceptAroundDurable(_SwallowingHandler):
    """
    ## What it does
    Opt-in. Flags `except Exception` (or `ExecutionError`, `DurableExecutionsError`)
    around durable operations when the handler does not re-raise.

    ## Why is this bad?
    `NonDeterministicExecutionError`, raised when a replay does not match the
    recorded operations, is an `Exception`. A broad handler turns that terminal
    failure into a normal return, so a corrupted execution completes with a wrong
    result.

    ## Example
    ```python
        try:
            result = context.step(charge(order))
        except Exception:
            result = None
    ```

    ## Use instead
    Catch the typed errors the operation raises (`StepError`, `CallbackError`, ...).
    """

    code = "DUR705"
    name = "broad-except-around-durable"
    default_enabled = False
    caught = frozenset(
        {"builtins.Exception", sdk.sdk("ExecutionError"), sdk.sdk("UnrecoverableError"), sdk.sdk("DurableExecutionsError")}
    )
    message = "`{subject}` around durable operations also catches NonDeterministicExecutionError and hides a corrupted replay. Catch typed errors such as StepError"

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution, StepError

        @durable_execution
        def handler(event, context):
            try:
                return context.step(lambda _: 1, name="work")
            except StepError:
                return None
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            try:
                return context.step(lambda _: 1, name="work")
            except Exception:  # <- DUR705
                return None
        """,
    )


class WrongContext(Rule):
    """
    ## What it does
    Flags a durable operation called on an outer `DurableContext` from inside a
    step body, or from a child context, map item or parallel branch that receives
    its own context.

    ## Why is this bad?
    Operation ids are positions within the context that issues them, and a child's
    operations are linked to it as their parent. Using the outer context from a
    child gives ids that depend on the order in which children run, and parent
    links that do not match the checkpoints; from a step body it issues operations
    that replay never sees.

    ## Example
    ```python
        context.map(items, lambda item_ctx, item, i, _: context.step(process(item)))
    ```

    ## Use instead
    ```python
        context.map(items, lambda item_ctx, item, i, _: item_ctx.step(process(item)))
    ```
    """

    code = "DUR706"
    name = "wrong-context"
    message = "{subject} uses the outer context `{context}` from inside {where}, which breaks operation ids and parent links. Use the context {where} receives"

    def check(self, module: DurableModule) -> Iterator[Report]:
        for call in module.nodes(ast.Call):
            assert isinstance(call, ast.Call)
            if not isinstance(call.func, ast.Attribute):
                continue
            binding = module.roles.context_binding(call.func.value)
            if binding is None or call.func.attr not in sdk.DURABLE_METHODS:
                continue
            function = enclosing_function(call)
            while function is not None and function is not binding.definition:
                role = module.roles.role_of(function)
                if role is not None and (role.role is Role.STEP or role.own_context):
                    where = "a step body" if role.role is Role.STEP else f"a function {role.reason}"
                    subject = f"{source_of(call.func)}()"
                    yield self.report(call, subject, context=binding.name, where=where)
                    break
                function = enclosing_function(function)

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            def per_item(item_ctx, item, index, items):
                return item_ctx.step(lambda _: item * 2, name=f"double-{index}")

            return context.map(event["items"], per_item, name="double").get_results()
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            def per_item(item_ctx, item, index, items):
                return context.step(lambda _: item * 2, name=f"double-{index}")  # <- DUR706

            def nested(step_context):
                return context.step(lambda _: 1, name="inner")  # <- DUR706

            context.step(nested, name="outer")
            return context.map(event["items"], per_item, name="double").get_results()
        """,
    )


class DurableOpInFinally(Rule):
    """
    ## What it does
    Flags a durable operation inside a `finally:` block of orchestration code.

    ## Why is this bad?
    The SDK suspends by raising `SuspendExecution`, so a `finally` block runs on
    every suspension as well as at the end: an operation there is issued at a
    position that differs between invocations, and runs before the work it was
    meant to follow.

    ## Example
    ```python
        try:
            context.wait(Duration.from_hours(1))
        finally:
            context.step(release_lock(order_id))
    ```

    ## Use instead
    Issue the operation after the `try` statement, or in an `except` clause for
    the typed errors it should handle.
    """

    code = "DUR707"
    name = "durable-op-in-finally"
    message = "{subject} in a finally block runs on every suspension, because the SDK suspends by raising. Move it out of finally"

    def check(self, module: DurableModule) -> Iterator[Report]:
        for node in module.durable_code.nodes(ast.Try, ast.TryStar):
            assert isinstance(node, (ast.Try, ast.TryStar))
            for call in module.durable_operations_in(node.finalbody):
                yield self.report(call, f"{source_of(call.func)}()")

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(60), name="hold")
            finally:
                context.logger.info("left the hold")
            return context.step(lambda _: "released", name="release")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context):
            try:
                context.wait(Duration.from_seconds(60), name="hold")
            finally:
                context.step(lambda _: "released", name="release")  # <- DUR707
            return "ok"
        """,
    )


class ReplayConditional(Rule):
    """
    ## What it does
    Flags `if`/`while` on `context.is_replaying()` whose body issues durable
    operations, returns, raises, breaks out of a loop, or changes state.
    Logging-only bodies stay quiet.

    ## Why is this bad?
    `is_replaying()` is true on replays and false on the first run by construction,
    so code that branches on it does different work in the run that writes the
    checkpoints and in the runs that read them: operations shift position and state
    diverges.

    ## Example
    ```python
        if not context.is_replaying():
            context.step(send_welcome_email(user))
    ```

    ## Use instead
    Steps already run once; for logs, `context.logger` is replay-aware.
    """

    code = "DUR405"
    name = "replay-conditional"
    message = "{subject} branches on replay status, so the first run and its replays do different work. Steps already run once; use context.logger for logs"

    def check(self, module: DurableModule) -> Iterator[Report]:
        for node in module.durable_code.nodes(ast.If, ast.While, ast.IfExp):
            assert isinstance(node, (ast.If, ast.While, ast.IfExp))
            if not self._tests_replay(module, node.test):
                continue
            branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [*node.body, *node.orelse]
            if isinstance(node, ast.IfExp) or self._acts(module, branches):
                yield self.report(node, f"`{source_of(node.test)}`")

    @staticmethod
    def _tests_replay(module: DurableModule, test: ast.expr) -> bool:
        return any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "is_replaying"
            and module.roles.is_context(call.func.value)
            for call in ast.walk(test)
        )

    @staticmethod
    def _acts(module: DurableModule, statements: list[ast.AST]) -> bool:
        """Does the code do more than log?"""
        if module.durable_operations_in(statements):  # type: ignore[arg-type]
            return True
        for statement in statements:
            for node in ast.walk(statement):
                if isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Assign, ast.AugAssign,
                                     ast.AnnAssign, ast.Delete, ast.Global, ast.Nonlocal)):
                    return True
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
                    return True
        return False

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            if not context.is_replaying():
                context.logger.info("first run of %s", event["id"])
            return context.step(lambda _: event["id"], name="work")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            sent = []
            if not context.is_replaying():  # <- DUR405
                context.step(lambda _: "welcome", name="welcome-email")
            if context.is_replaying():  # <- DUR405
                sent.append("again")
            return context.step(lambda _: sent, name="done")
        """,
    )
