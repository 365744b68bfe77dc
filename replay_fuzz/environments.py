"""Warm and cold Lambda execution environments, as forked processes.

Production replays land wherever Lambda puts them: in a warm environment (same
process, module globals kept from an earlier invocation) or a cold one (a fresh
interpreter: module globals as imported, and another `PYTHONHASHSEED`, so sets of
strings iterate in another order). The pool keeps one zygote per hash seed (see
replay_fuzz.zygote) and forks an environment from it on demand. The in-memory
backend stays in this process as the single source of truth: an environment's
service client sends every checkpoint here, and each invocation's observations and
effects come back with its result.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from multiprocessing import reduction
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from replay_fuzz import capture


HASH_SEEDS = (101, 202, 303)  # PYTHONHASHSEED of zygote 0, 1, 2


def _socket_folder() -> str | None:
    """Where the listeners' sockets go: the temporary folder, unless its path is too long for a
    Unix socket address (about 100 bytes), as a long TMPDIR makes it; then /tmp."""
    return None if len(tempfile.gettempdir()) < 60 else "/tmp"


class EnvironmentStartFailed(Exception):
    """An environment could not be started (the target failed to import in it)."""


class Environment:
    """One forked execution environment, reached over a connection."""

    def __init__(self, connection: Connection, aws: Callable[[Any], Any] | None = None) -> None:
        self.connection = connection
        self.aws = aws  # answers the AWS requests the environment sends (see replay_fuzz.aws_remote)
        kind, self.pid, hash_seed = connection.recv()
        assert kind == "hello"
        self.seed_index = HASH_SEEDS.index(hash_seed)
        # What user code prints there goes where it goes here (see replay_fuzz.capture).
        captured = capture.descriptor()
        connection.send(("output", captured is not None))
        if captured is not None:
            reduction.send_handle(connection, captured, self.pid)

    def invoke(self, request: Any, timeout: float) -> Any | None:
        """Run one invocation there; None if it did not finish in time (the environment is killed)."""
        self.connection.send(request)
        while True:
            if not self.connection.poll(timeout):
                self.kill()
                return None
            kind, result = self.connection.recv()
            if kind != "aws":
                break
            assert self.aws is not None
            self.connection.send(self.aws(result))
        assert kind == "done"
        return result

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.close()

    def close(self) -> None:
        self.connection.close()


class EnvironmentPool:
    """Zygotes per hash seed, and the listener environments call back on.

    The zygotes are shared by every process forked from the one that started them
    (the campaign's shards); each process listens on its own address, which it
    hands to a zygote with every fork request.
    """

    def __init__(self, target: str, effects: list[str], allow_network: bool = False,
                 aws: Callable[[Any], Any] | None = None, aws_overrides: dict[str, str] | None = None) -> None:
        self._authkey = secrets.token_bytes(16)
        self._folder = tempfile.mkdtemp(prefix="durable-fuzz-", dir=_socket_folder())
        self._setup = {"target": target, "effects": effects, "sys_path": [p or os.getcwd() for p in sys.path],
                       "authkey": self._authkey.hex(), "allow_network": allow_network,
                       "aws": None if aws is None else dict(aws_overrides or {})}
        self._aws = aws
        self._owner = os.getpid()
        self._zygotes: dict[int, subprocess.Popen[str]] = {}
        self._ready = False
        self._listen()

    def _listen(self) -> None:
        """A listener for this process, and no environments yet."""
        self._pid = os.getpid()
        self._address = str(Path(self._folder) / f"environments-{self._pid}.sock")
        self._listener = Listener(self._address, family="AF_UNIX", authkey=self._authkey)
        self._idle: dict[int, list[Environment]] = {index: [] for index in range(len(HASH_SEEDS))}
        self._forking: dict[int, int] = dict.fromkeys(range(len(HASH_SEEDS)), 0)

    def start(self) -> None:
        """Start the zygotes, side by side, without waiting for them (they import while the fuzzer
        does work that needs no environment); `wait_ready` before any environment is asked for,
        and before the fuzzer forks shards that ask for them."""
        self._zygotes = {index: self._spawn(index) for index in range(len(HASH_SEEDS))}
        self._ready = False

    def wait_ready(self) -> None:
        """Wait until every zygote has started (once; raises EnvironmentStartFailed if one could not)."""
        if not self._ready:
            for zygote in self._zygotes.values():  # all are recorded first, so close() stops them if one fails
                self._await_ready(zygote)
            self._ready = True

    def new_environment(self, seed_index: int) -> Environment:
        """A fresh environment on this hash seed; the next one is forked while it works."""
        if self._pid != os.getpid():  # this is a forked shard: the environments here are its parent's
            self._listen()
        if not self._idle[seed_index] and not self._forking[seed_index]:
            self._fork(seed_index)
        while not self._idle[seed_index]:
            arrived = Environment(self._listener.accept(), self._aws)
            self._forking[arrived.seed_index] -= 1
            self._idle[arrived.seed_index].append(arrived)
        environment = self._idle[seed_index].pop()
        self._fork(seed_index)
        return environment

    def _fork(self, seed_index: int) -> None:
        zygote = self._zygotes[seed_index]
        assert zygote.stdin is not None
        zygote.stdin.write(self._address + "\n")
        zygote.stdin.flush()
        self._forking[seed_index] += 1

    def _spawn(self, index: int) -> subprocess.Popen[str]:
        environment = {**os.environ, "PYTHONHASHSEED": str(HASH_SEEDS[index])}
        return subprocess.Popen(
            [sys.executable, "-m", "replay_fuzz.zygote", json.dumps(self._setup)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        )

    @staticmethod
    def _await_ready(zygote: subprocess.Popen[str]) -> None:
        assert zygote.stdout is not None
        if zygote.stdout.readline().strip() != "ready":
            detail = (zygote.stderr.read() if zygote.stderr else "").strip().splitlines()
            raise EnvironmentStartFailed(f"an execution environment could not start: {detail[-1] if detail else 'no output'}")

    def close(self) -> None:
        """Close this process's listener; the process that started the zygotes also stops them."""
        for idle in self._idle.values():
            for environment in idle:
                environment.close()
        self._listener.close()
        Path(self._address).unlink(missing_ok=True)
        if os.getpid() != self._owner:
            return
        for zygote in self._zygotes.values():
            if zygote.stdin:
                zygote.stdin.close()
            zygote.terminate()
            zygote.wait(timeout=10)
            for stream in (zygote.stdout, zygote.stderr):
                if stream:
                    stream.close()
        shutil.rmtree(self._folder, ignore_errors=True)
