"""AWS in memory for a fuzzing run (`--aws moto`): moto's mock, fake credentials, and the same
starting state for every execution.

While the sandbox is open, moto's `mock_aws` answers every boto3 call in this process,
the environment holds fake credentials and a region (and no profile, config file or
endpoint of the user's), and every AWS call is recorded as an effect (see
replay_fuzz.aws_effects). Before each execution, the straight-through run included,
`prepare()` empties moto and runs the user's setup function, which creates the tables,
queues, buckets, topics and verified identities the handler expects; after it,
`snapshot()` reads what moto holds (see replay_fuzz.aws_state). The environment is
restored when the sandbox closes.

moto lives in the fuzzer's process (and in each shard, forked from it, a copy of its
own). Forked execution environments have none: their requests come back over their
connection and `answer()` runs them here (see replay_fuzz.aws_remote), so every
invocation of an execution, warm or cold, sees the same AWS.

moto is imported only when the sandbox opens (about 0.3 s), never on a run without `--aws`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from replay_fuzz import aws_state

KINDS = ("moto",)
REGION = "us-east-1"
INSTALL = "pip install 'durable-lint[aws]'"
_FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_USER_SETTINGS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")  # and AWS_ENDPOINT_URL_<SERVICE>


class AwsError(Exception):
    """AWS in memory cannot be used as asked (moto missing, a bad --aws or --setup)."""


@dataclass
class AwsSandbox:
    """The open sandbox: how each execution starts, and what it left."""

    setup: Callable[[], Any] | None = None
    setup_name: str | None = None  # as the user named it, for reproduce commands

    def prepare(self) -> None:
        """Empty moto, then run the setup function: every execution starts from this state."""
        from moto.core.base_backend import BackendDict

        BackendDict.reset()
        if self.setup is not None:
            try:
                self.setup()
            except Exception as error:  # noqa: BLE001 - told to the user in one line
                raise AwsError(f"--setup {self.setup_name}: raised {type(error).__name__}: {error}") from None

    def snapshot(self) -> aws_state.Snapshot:
        return aws_state.snapshot()

    def answer(self, request: tuple[str, str, dict[str, str], bytes]) -> tuple[int, dict[str, str], bytes] | None:
        """Run a request an execution environment sent (method, url, headers, body) on moto here:
        (status, headers, body), or None when moto does not serve that endpoint."""
        from botocore.awsrequest import AWSPreparedRequest
        from botocore.compat import HTTPHeaders
        from moto.core.models import botocore_stubber

        method, url, headers, body = request
        prepared = AWSPreparedRequest(method=method, url=url, headers=HTTPHeaders(), body=body, stream_output=False)
        for name, value in headers.items():
            prepared.headers[name] = value
        response = botocore_stubber.process_request(prepared)
        if response is None:
            return None
        status, response_headers, response_body = response
        content = response_body.encode() if isinstance(response_body, str) else bytes(response_body or b"")
        return status, {str(k): str(v) for k, v in dict(response_headers).items()}, content


_active: AwsSandbox | None = None


def active() -> AwsSandbox | None:
    return _active


def resolve_setup(name: str) -> Callable[[], Any]:
    """The function `module:function` names (the target's folder is already on sys.path)."""
    from replay_fuzz.target import named_function

    return named_function(name, "--setup", "orders_setup:create_resources", AwsError)


@contextlib.contextmanager
def sandbox(kind: str, overrides: Mapping[str, str] | None = None) -> Iterator[AwsSandbox]:
    """Open AWS in memory for the run (or join the one already open)."""
    global _active
    if _active is not None:
        yield _active
        return
    if kind not in KINDS:
        raise AwsError(f"--aws {kind!r}: the only kind is 'moto' (AWS in memory)")
    try:
        from moto import mock_aws
        from moto.core.models import botocore_stubber
    except ImportError:
        raise AwsError(f"--aws moto needs moto, which is not installed: {INSTALL}") from None
    from replay_fuzz import aws_effects

    saved = {name: os.environ.get(name) for name in (*_FAKE_ENVIRONMENT, *_USER_SETTINGS, *_endpoint_settings())}
    for name in (*_USER_SETTINGS, *_endpoint_settings()):
        os.environ.pop(name, None)
    os.environ.update(_FAKE_ENVIRONMENT)
    mock = mock_aws()
    mock.start()
    aws_effects.install(overrides, before_send=botocore_stubber)
    _active = AwsSandbox()
    try:
        yield _active
    finally:
        _active = None
        mock.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _endpoint_settings() -> list[str]:
    return [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]


_AWS_FAILURES = ("NoCredentialsError", "NoRegionError", "EndpointConnectionError", "Unable to locate credentials",
                 "You must specify a region", "amazonaws.com", "InvalidClientTokenId", "UnrecognizedClientException",
                 "ExpiredToken", "AccessDenied")


_SUGGESTION = "AWS in memory with --aws moto --setup MODULE:FUNCTION"


def with_hint(failure: str) -> str:
    """`failure`, pointed to AWS in memory if it looks like code calling AWS without it."""
    if _active is not None or "--aws moto" in failure or not any(marker in failure for marker in _AWS_FAILURES):
        return failure
    if "run AWS in memory" in failure:  # the reference's own advice for a refused network
        return failure.replace("run AWS in memory", f"run {_SUGGESTION}")
    return f"{failure} (it calls AWS: run it on {_SUGGESTION})"
