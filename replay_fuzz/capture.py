"""What the code under test prints, kept out of the fuzzer's own output.

Every forked child that runs user code points its standard output and error (the
file descriptors, so C code and subprocesses are caught too) at an unnamed
temporary file. An execution environment (see replay_fuzz.zygote) is handed the
file of the process it works for and writes there too, so an execution's output is
what the file gained while it ran wherever its invocations ran; the report shows it
with the problem it belongs to, so `--format json` on the fuzzer's stdout stays JSON.
"""

from __future__ import annotations

import os
import sys
import tempfile

LIMIT = 2000  # characters of an execution's output kept (the last ones)

_fd: int | None = None


def capture_output() -> None:
    """From now on, this process's stdout and stderr go to a temporary file (deleted already)."""
    global _fd
    flush()
    capture = tempfile.TemporaryFile()
    _fd = os.dup(capture.fileno())
    capture.close()
    os.dup2(_fd, 1)
    os.dup2(_fd, 2)


def capture_into(fd: int) -> None:
    """From now on, this process's stdout and stderr go to `fd`, another process's capture file
    (an execution environment writes into the capture of the process it works for)."""
    global _fd
    flush()
    _fd = fd
    os.dup2(fd, 1)
    os.dup2(fd, 2)


def descriptor() -> int | None:
    """This process's capture file, or None where output is not captured."""
    return _fd


def mark() -> int:
    """Where the output stands now."""
    if _fd is None:
        return 0
    flush()
    return os.fstat(_fd).st_size


def since(start: int) -> str:
    """The output written after `start` (its last LIMIT characters)."""
    if _fd is None:
        return ""
    end = mark()
    if end <= start:
        return ""
    first = max(start, end - 4 * LIMIT)
    text = os.pread(_fd, end - first, first).decode("utf-8", "replace")
    return text[-LIMIT:] if len(text) > LIMIT or first == start else "..." + text[-LIMIT:]


def flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
