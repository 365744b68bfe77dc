"""The old code of a compat check: another module path, or the target's tree at a git revision.

For a revision, the repository's tree at that commit is extracted to a temporary folder
(removed afterwards), and the old code runs in a process of its own whose working
directory and PYTHONPATH point into that folder exactly as the user's point into the
repository. The handler's imports of its sibling modules and packages then resolve to
their old versions, and old and new modules of the same name never meet in one process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from replay_fuzz.target import names_handler


class BaseError(Exception):
    """An OLD that is neither a module path nor a revision of the target's repository."""


@dataclass(frozen=True)
class OldCode:
    """How to run the old code: its TARGET, and the folder and PYTHONPATH to run it from."""

    target: str
    cwd: Path
    pythonpath: str | None
    description: str

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.pythonpath is None:
            env.pop("PYTHONPATH", None)
        else:
            env["PYTHONPATH"] = self.pythonpath
        return env


def is_module_path(base: str) -> bool:
    """A file, or `path.py:handler`, rather than a git revision."""
    location = base.rpartition(":")[0] if base.rpartition(":")[2].isidentifier() and ":" in base else base
    return location.endswith(".py") or Path(location).is_file()


@contextlib.contextmanager
def old_code(new_target: str, base: str) -> Iterator[OldCode]:
    """The old code named by `base`, for as long as the check runs."""
    if is_module_path(base):
        yield OldCode(base, Path.cwd(), os.environ.get("PYTHONPATH"), base)
        return
    location, colon, handler = new_target.rpartition(":") if names_handler(new_target) else (new_target, "", "")
    source = _source_file(location)
    top = Path(_git(source.parent, "rev-parse", "--show-toplevel",
                    failure=f"--base {base}: not a file, and {location} is not in a git repository")).resolve()
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}",
                  failure=f"--base {base}: not a file, and not a revision of the git repository at {top} (try `git fetch`)")
    relative = source.resolve().relative_to(top)
    folder = Path(tempfile.mkdtemp(prefix="durable-fuzz-base-"))
    try:
        _extract(top, commit, folder)
        if not (folder / relative).is_file():
            raise BaseError(f"--base {base}: {relative} does not exist at that revision")
        cwd = Path.cwd().resolve()
        inside = cwd.is_relative_to(top)
        as_given = not Path(location).is_file() or (inside and not Path(location).is_absolute())  # dotted, or relative to cwd
        yield OldCode((location if as_given else str(folder / relative)) + colon + handler,
                      folder / cwd.relative_to(top) if inside else folder,
                      _mapped_pythonpath(top, folder), f"{relative} at {base} ({commit[:10]})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)



def _source_file(location: str) -> Path:
    """The file a TARGET names: a path, or a dotted module found on the path."""
    path = Path(location)
    if location.endswith(".py") or path.exists():
        if not path.is_file():
            raise BaseError(f"{location}: no such file")
        return path
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # as load_target finds a dotted TARGET
    try:
        spec = importlib.util.find_spec(location)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        raise BaseError(f"{location}: no such module or file")
    return Path(spec.origin)


def _git(folder: Path, *arguments: str, failure: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BaseError(f"{failure}: git is not installed") from None
    if done.returncode != 0:
        raise BaseError(failure)
    return done.stdout.strip()


def _extract(top: Path, commit: str, folder: Path) -> None:
    """The tree at `commit` into `folder` (`git archive`, so the work tree is never touched)."""
    done = subprocess.run(["git", "-C", str(top), "archive", "--format=tar", commit], capture_output=True, check=False)
    if done.returncode != 0:
        raise BaseError(f"git archive {commit[:10]} failed: {done.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(folder, filter="data")


def _mapped_pythonpath(top: Path, folder: Path) -> str | None:
    """PYTHONPATH with its entries inside the repository pointing at the old tree instead."""
    value = os.environ.get("PYTHONPATH")
    if value is None:
        return None
    entries = []
    for entry in value.split(os.pathsep):
        path = Path(entry or ".").resolve()
        entries.append(str(folder / path.relative_to(top)) if path.is_relative_to(top) else entry)
    return os.pathsep.join(entries)
