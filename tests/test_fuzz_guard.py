"""The network guard, tested only inside an empty network namespace (`unshare -rn`): there is
no route off the machine there, so even a broken guard cannot send a packet out."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _netns_available() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _netns_available(), reason="needs an empty network namespace (unshare -rn, ip)")


def in_empty_network(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run Python `code` (or, with args, the durable-fuzz command) with no network at all."""
    command = [sys.executable, "-m", "replay_fuzz.cli", *args] if args else [sys.executable, "-c", textwrap.dedent(code)]
    # Loopback starts down in a new namespace; bring it up so the allowed path can be tried.
    return subprocess.run(["unshare", "-rn", "sh", "-c", 'ip link set lo up; exec "$@"', "sh", *command], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def test_every_way_out_is_refused_and_loopback_is_not() -> None:
    result = in_empty_network('''
        import asyncio, socket, urllib.request
        from replay_fuzz.guard import NetworkRefused, refuse_network

        attempts = {
            "connect by address": lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
            "connect by name": lambda: socket.socket().connect(("example.com", 80)),
            "a name that spells loopback": lambda: socket.getaddrinfo("127.0.0.1.nip.io", 80),
            "gethostbyname": lambda: socket.gethostbyname("example.com"),
            "udp sendto": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.1", 53)),
            "udp sendmsg": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg([b"x"], [], 0, ("192.0.2.1", 53)),
            "ipv4 mapped in ipv6": lambda: socket.socket(socket.AF_INET6).connect(("::ffff:192.0.2.1", 80)),
            "asyncio": lambda: asyncio.run(asyncio.open_connection("example.com", 80)),
        }
        refused = []
        with refuse_network(refused):
            for name, attempt in attempts.items():
                try:
                    attempt()
                    print(name, "ALLOWED")
                except NetworkRefused:
                    print(name, "refused")
            try:
                urllib.request.urlopen("http://dynamodb.us-east-1.amazonaws.com/", timeout=1)
            except OSError as error:
                print("urllib", "refused" if "durable-fuzz refused" in str(error) else repr(error))
            with socket.socket() as server:
                server.bind(("127.0.0.1", 0))
                server.listen(1)
                socket.create_connection(server.getsockname(), timeout=1).close()
                socket.create_connection(("localhost", server.getsockname()[1]), timeout=1).close()
            print("loopback allowed")
        print("first", refused[0])
        socket.getaddrinfo("127.0.0.1", 80)  # the guard is off again
    ''')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.endswith("refused") for line in lines[:9]), lines
    assert lines[9:] == ["loopback allowed", "first 192.0.2.1:80"]


UNGUARDED = '''
import socket

from aws_durable_execution_sdk_python import durable_execution


def save(_):
    socket.create_connection(("192.0.2.1", 443), timeout=1)
    return "saved"


@durable_execution
def handler(event, context):
    return context.step(save, name="save")
'''


@pytest.mark.parametrize("where", [[], ["--environments"]])
def test_the_guard_holds_in_environments_and_a_refused_reference_stops_the_run(tmp_path: Path, where: list[str]) -> None:
    (tmp_path / "calls_out.py").write_text(UNGUARDED)
    result = in_empty_network("", str(tmp_path / "calls_out.py"), "--max-examples", "0", "--no-database",
                              *where)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line == ("durable-fuzz: error: step 'save' failed: network refused by the fuzzer (NetworkRefused to "
                    "192.0.2.1:443): pass --allow-network, or run AWS in memory")


def test_a_connection_at_import_is_refused(tmp_path: Path) -> None:
    (tmp_path / "connects_at_import.py").write_text("import socket\nsocket.getaddrinfo('example.com', 443)\n")
    result = in_empty_network("", str(tmp_path / "connects_at_import.py"), "--max-examples", "0")
    assert result.returncode == 2
    assert "importing it failed: NetworkRefused: durable-fuzz refused to look up example.com" in result.stderr


OLD_SAVE = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration


def save(_):
    {body}
    return "saved"


@durable_execution
def handler(event, context):
    context.wait(Duration.from_seconds(60), name="settle")
    return context.step(save, name="save")
'''
CALLS_OUT = 'import socket; socket.create_connection(("192.0.2.1", 443), timeout=1)'
REFUSED = "durable-fuzz refused a connection to 192.0.2.1:443"
UNREACHABLE = "Network is unreachable"


@pytest.mark.parametrize("allow", [[], ["--allow-network"]])
def test_compat_and_replay_guard_the_new_code_unless_the_network_is_allowed(tmp_path: Path, allow: list[str]) -> None:
    (tmp_path / "saves_old.py").write_text(OLD_SAVE.format(body="pass"))
    (tmp_path / "saves_new.py").write_text(OLD_SAVE.format(body=CALLS_OUT))
    new, states = str(tmp_path / "saves_new.py"), str(tmp_path / "states")
    compat = in_empty_network("", "compat", new, "--base", str(tmp_path / "saves_old.py"), "--save-states", states, *allow)
    replay = in_empty_network("", "replay", new, states, *allow)
    for result in (compat, replay):
        assert result.returncode == 1, result.stderr  # the new code fails where the old succeeds, either way
        if allow:
            assert UNREACHABLE in result.stdout and REFUSED not in result.stdout
        else:
            assert REFUSED in result.stdout and UNREACHABLE not in result.stdout
            assert "network connection(s) of the new code, first to 192.0.2.1:443; pass --allow-network" in result.stdout


@pytest.mark.parametrize("allow", [False, True])
def test_the_compat_api_guards_both_handlers_unless_the_network_is_allowed(tmp_path: Path, allow: bool) -> None:
    (tmp_path / "api_old.py").write_text(OLD_SAVE.format(body="pass"))
    (tmp_path / "api_new.py").write_text(OLD_SAVE.format(body=CALLS_OUT))
    result = in_empty_network(f'''
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import api_new, api_old
        from replay_fuzz.compat import compat
        print(compat(api_new.handler, base=api_old.handler, allow_network={allow}).text())
    ''')
    assert result.returncode == 0, result.stderr
    assert (UNREACHABLE if allow else REFUSED) in result.stdout
    assert (REFUSED if allow else UNREACHABLE) not in result.stdout


def test_compat_passes_allow_network_to_the_old_code(tmp_path: Path) -> None:
    (tmp_path / "connects_old.py").write_text(OLD_SAVE.format(body=CALLS_OUT))
    (tmp_path / "connects_new.py").write_text(OLD_SAVE.format(body="pass"))
    arguments = ["compat", str(tmp_path / "connects_new.py"), "--base", str(tmp_path / "connects_old.py")]
    guarded, allowed = in_empty_network("", *arguments), in_empty_network("", *arguments, "--allow-network")
    assert guarded.returncode == 2
    [line] = guarded.stderr.splitlines()
    assert line.endswith("network refused by the fuzzer (NetworkRefused to 192.0.2.1:443): pass --allow-network")
    assert allowed.returncode == 0, allowed.stderr  # the old code fails on its own, which compat notes
    assert "old code ends FAILED" in allowed.stdout and UNREACHABLE in allowed.stdout


AWS_SETTINGS = {
    "fake credentials": 'os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")',
    "no credentials": 'os.environ.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)',
}


@pytest.mark.parametrize(("settings", "expected"), [
    ("fake credentials", "step 'save' failed: network refused by the fuzzer (EndpointConnectionError to "
                         "dynamodb.us-east-1.amazonaws.com): pass --allow-network, or run AWS in memory with --aws moto "
                         "--setup MODULE:FUNCTION"),
    # botocore looks for credentials at the instance metadata service, which the guard refuses: the
    # advice is about the credentials.
    ("no credentials", "step 'save' failed in the straight-through run: NoCredentialsError('Unable to locate "
                       "credentials') on the event {}: it calls AWS with no credentials or region here (the fuzzer "
                       "refused botocore's look-up at 169.254.169.254:80): run AWS in memory with --aws moto --setup "
                       "MODULE:FUNCTION, or set them and pass --allow-network"),
])
def test_aws_the_guard_refuses_gets_advice_for_its_cause(tmp_path: Path, settings: str, expected: str) -> None:
    (tmp_path / "orders_refused.py").write_text(textwrap.dedent('''
        import os

        import boto3
        from aws_durable_execution_sdk_python import durable_execution

        for name in [name for name in os.environ if name.startswith("AWS_")]:
            del os.environ[name]
        os.environ["AWS_MAX_ATTEMPTS"] = "1"
        {settings}


        @durable_execution
        def handler(event, context):
            def save(_):
                boto3.client("dynamodb", region_name="us-east-1").put_item(TableName="orders", Item={{"id": {{"S": "o-1"}}}})

            return context.step(save, name="save")
    ''').format(settings=AWS_SETTINGS[settings]))
    result = in_empty_network("", str(tmp_path / "orders_refused.py"), "--max-examples", "0", "--no-database")
    assert result.returncode == 2
    assert result.stderr == f"durable-fuzz: error: {expected}\n"
