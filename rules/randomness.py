"""Random numbers, cryptographic randomness and random ids in orchestration code."""

from __future__ import annotations

import ast

from durable_lint.module import DurableModule
from durable_lint.rule import CallRule

# numpy.random functions that do not draw from the global generator.
_NUMPY_QUIET = frozenset({"seed", "get_state", "set_state", "SeedSequence", "Generator", "BitGenerator",
                          "PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"})


def _unseeded(call: ast.Call) -> bool:
    seed = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("x", "seed")), None)
    return seed is None or (isinstance(seed, ast.Constant) and seed.value is None)


class RandomNumber(CallRule):
    """
    ## What it does
    Flags draws from a random generator in orchestration code: the `random`
    module's functions (`random.random()`, `random.choice()`, `random.shuffle()`,
    ...), an unseeded `random.Random()`, `random.SystemRandom`, numpy's legacy
    `numpy.random.*` functions and an unseeded `numpy.random.default_rng()`.

    ## Why is this bad?
    Every replay draws a new value. Code that branches on it takes a different path
    than the run that wrote the checkpoints; the SDK only notices when the operation
    names differ, and silently returns the wrong step's result when they do not.

    ## Example
    ```python
        if random.random() < 0.1:
            context.step(audit(order))
    ```

    ## Use instead
    Draw inside a step, or seed a generator from the event:
    ```python
        sample = context.step(lambda _: random.random(), name="sample")
        rng = random.Random(event["order_id"])
    ```
    """

    code = "DUR201"
    name = "random-number"
    message = "{subject} draws a new random value on every replay of orchestration code. Draw it in a step, or seed from the event"
    calls = (
        r"random\.(?!seed$|getstate$|setstate$|Random$)\w+",
        r"random\.Random",
        r"numpy\.random\.\w+",
    )
    fixable = frozenset(
        f"random.{name}" for name in ("random", "randint", "uniform", "randrange", "choice", "choices", "sample",
                                      "getrandbits", "gauss", "normalvariate", "triangular", "expovariate")
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        function = path.rsplit(".", 1)[-1]
        if path == "random.Random":
            return _unseeded(call)
        if path.startswith("numpy.random."):
            if function in ("default_rng", "RandomState"):
                return _unseeded(call)
            return function not in _NUMPY_QUIET
        return True

    VALID = (
        """
        import random
        from aws_durable_execution_sdk_python import durable_execution

        def random_pick(items):
            return items[0]

        @durable_execution
        def handler(event, context):
            rng = random.Random(event["order_id"])
            discount = rng.choice([5, 10])
            sample = context.step(lambda _: random.random(), name="sample")
            return {"discount": discount, "sample": sample, "first": random_pick(event["items"])}
        """,
    )
    INVALID = (
        """
        import random
        import numpy as np
        from random import choice
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            if random.random() < 0.1:  # <- DUR201
                context.step(lambda _: "audited", name="audit")
            winner = choice(event["names"])  # <- DUR201
            rng = random.Random()  # <- DUR201
            noise = np.random.rand(3)  # <- DUR201
            gen = np.random.default_rng()  # <- DUR201
            return {"winner": winner, "x": rng.random(), "noise": list(noise), "g": gen.random()}
        """,
    )


class CryptoRandom(CallRule):
    """
    ## What it does
    Flags cryptographic randomness in orchestration code: `secrets.*`,
    `os.urandom()`, `os.getrandom()`, `ssl.RAND_bytes()`.

    ## Why is this bad?
    Each replay produces new bytes. A token generated in orchestration code and
    sent to another system differs from the one a replay uses afterwards.

    ## Example
    ```python
        token = secrets.token_urlsafe(16)
    ```

    ## Use instead
    ```python
        token = context.step(lambda _: secrets.token_urlsafe(16), name="make-token")
    ```
    """

    code = "DUR202"
    name = "crypto-random"
    message = "{subject} returns new random bytes on every replay of orchestration code. Generate them in a step"
    calls = (r"secrets\.\w+", r"os\.(urandom|getrandom)", r"ssl\.RAND_bytes")
    fixable = frozenset({"secrets.token_hex", "secrets.token_bytes", "secrets.token_urlsafe", "secrets.randbelow",
                         "secrets.randbits", "secrets.choice", "os.urandom"})

    VALID = (
        """
        import secrets
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            token = context.step(lambda _: secrets.token_urlsafe(16), name="make-token")
            return {"token": token, "same": secrets.compare_digest(token, token)}
        """,
    )
    INVALID = (
        """
        import os
        import secrets
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            token = secrets.token_hex(8)  # <- DUR202
            salt = os.urandom(16)  # <- DUR202
            return context.step(lambda _: {"token": token, "salt": salt.hex()}, name="store")
        """,
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        return path != "secrets.compare_digest"


class RandomUuid(CallRule):
    """
    ## What it does
    Flags `uuid.uuid1()` and `uuid.uuid4()` in orchestration code.
    `uuid.uuid3()`, `uuid.uuid5()` and `uuid.UUID(...)` are deterministic and stay quiet.

    ## Why is this bad?
    A random id is new on every replay: an order id, idempotency key or operation
    name derived from it changes after each suspension.

    ## Example
    ```python
        order_id = str(uuid.uuid4())
    ```

    ## Use instead
    Generate it in a step, or derive it from event data:
    ```python
        order_id = context.step(lambda _: str(uuid.uuid4()), name="order-id")
        order_id = str(uuid.uuid5(uuid.NAMESPACE_URL, event["request_id"]))
    ```
    """

    code = "DUR203"
    name = "random-uuid"
    message = "{subject} creates a new id on every replay of orchestration code. Create it in a step, or use uuid5 of event data"
    calls = (r"uuid\.uuid[14]",)
    fixable = frozenset({"uuid.uuid1", "uuid.uuid4"})

    VALID = (
        """
        import uuid
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            stable = uuid.uuid5(uuid.NAMESPACE_URL, event["request_id"])
            parsed = uuid.UUID(event["id"])
            fresh = context.step(lambda _: str(uuid.uuid4()), name="fresh-id")
            return [str(stable), str(parsed), fresh]
        """,
    )
    INVALID = (
        """
        from uuid import uuid4
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            order_id = str(uuid4())  # <- DUR203
            return context.step(lambda _: order_id, name="create-order")
        """,
    )


class IdGenerator(CallRule):
    """
    ## What it does
    Flags third-party time- or random-based id generators in orchestration code:
    `ulid.new()`, `ulid.ULID()`, `shortuuid.uuid()`, `nanoid.generate()`,
    `bson.ObjectId()`, `ksuid`, `cuid`, `uuid6.uuid7()`, `uuid.uuid7()` (Python
    3.14) and `uuid_utils`. Parsing an existing id (`ULID.from_str(...)`,
    `ObjectId(text)`) stays quiet. Add your own generators with
    `calls = { "mycompany.ids.new_id" = "DUR204" }` in `[tool.durable-lint]`.

    ## Why is this bad?
    These ids embed the current time or random bits, so each replay makes a new one:
    records keyed by it are duplicated and lookups by it fail after a suspension.

    ## Example
    ```python
        order_id = str(ulid.new())
    ```

    ## Use instead
    ```python
        order_id = context.step(lambda _: str(ulid.new()), name="order-id")
    ```
    """

    code = "DUR204"
    name = "id-generator"
    message = "{subject} generates a time- or random-based id on every replay of orchestration code. Generate it in a step"
    calls = (
        r"ulid\.(new|ulid|ULID|api\.new)",
        r"shortuuid\.(uuid|random|ShortUUID\(\)\.(uuid|random))",
        r"nanoid\.(generate|non_secure_generate)",
        r"bson\.(objectid\.)?ObjectId",
        r"ksuid\.(ksuid|Ksuid|KsuidMs)",
        r"cuid\.(cuid|slug)",
        r"cuid2\.(cuid_wrapper|Cuid\(\)\.generate)",
        r"uuid6\.uuid[678]",
        r"uuid\.uuid[678]",
        r"uuid_utils\.uuid[14678]",
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        # ULID(...) / ObjectId(...) / Ksuid(...) with an argument parses an existing id.
        if path.rsplit(".", 1)[-1] in ("ULID", "ObjectId", "Ksuid", "KsuidMs"):
            return not call.args and not call.keywords
        return True

    VALID = (
        """
        import ulid
        from bson import ObjectId
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            order_id = context.step(lambda _: str(ulid.new()), name="order-id")
            parsed = ObjectId(event["object_id"])
            return [order_id, str(parsed)]
        """,
    )
    INVALID = (
        """
        import nanoid
        import shortuuid
        from bson import ObjectId
        from uuid6 import uuid7
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            short = shortuuid.uuid()  # <- DUR204
            nano = nanoid.generate(size=10)  # <- DUR204
            oid = ObjectId()  # <- DUR204
            sortable = uuid7()  # <- DUR204
            return context.step(lambda _: [short, nano, str(oid), str(sortable)], name="ids")
        """,
    )
