"""A minimal Language Server Protocol client for tests: JSON-RPC over a subprocess's stdio."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from typing import Any

TIMEOUT = 30.0


class LspClient:
    """Speaks to `command` as an editor does; messages from the server are read on a thread."""

    def __init__(self, command: list[str], cwd: str) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        cwd=cwd)
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._pending: list[dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self._messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            self._messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.send({"method": method, **({"params": params} if params is not None else {})})

    def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self._next_id += 1
        number = self._next_id
        self.send({"id": number, "method": method, **({"params": params} if params is not None else {})})
        reply = self._wait(lambda m: m.get("id") == number and "method" not in m)
        assert "error" not in reply, reply["error"]
        return reply.get("result")

    def notification(self, method: str, **params: Any) -> dict[str, Any]:
        """The next notification `method` whose params contain `params`."""
        return self._wait(lambda m: m.get("method") == method
                          and all(m["params"].get(k) == v for k, v in params.items()))["params"]

    def _wait(self, wanted: Any) -> dict[str, Any]:
        for message in self._pending:
            if wanted(message):
                self._pending.remove(message)
                return message
        while True:
            try:
                message = self._messages.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no reply from the server in {TIMEOUT} s") from None
            if message is None:
                raise AssertionError(f"the server stopped: {self.stderr()}")
            if wanted(message):
                return message
            self._pending.append(message)

    def stderr(self) -> str:
        self.process.wait(timeout=TIMEOUT)
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """The text after LSP TextEdits (ranges in the original text, applied from the last one)."""
    lines = text.splitlines(keepends=True)

    def offset(position: dict[str, int]) -> int:
        line = position["line"]
        return sum(len(x) for x in lines[:line]) + (position["character"] if line < len(lines) else 0)

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text
