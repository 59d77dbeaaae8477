"""The trained risk model, kept on disk between starts.

Training the learned backstop takes tens of seconds and grows with the examples;
a server that trained at every start would not listen for that long, and a text
sent meanwhile would meet a refused connection. So the trained model is written,
pickled, to a cache directory under a key that names everything the training
reads: the training messages themselves, the source of `bot/escalation/learned.py`,
and the versions of Python, scikit-learn, SciPy and NumPy. Any change to those is
a new key and a fresh training; a restart with the same data loads the file in a
fraction of a second.

- The directory is TETHER_CACHE_DIR, else $XDG_CACHE_HOME/tether, else
  ~/.cache/tether. It is created private to the user (0700); a file there that is
  not the user's own, or that others may write, is never unpickled.
- One process trains at a time (an exclusive lock on `risk-model.lock`): the
  workers of `tether serve --workers N` wait for the first and load its file.
- A file that does not load (cut short, another format) is trained again and
  replaced. A directory that cannot be written costs only the speed: the model
  is trained and used, and the log says why it was not kept.
- Only the newest KEEP files are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_DIR_VARIABLE = "TETHER_CACHE_DIR"
PREFIX = "risk-model-"
SUFFIX = ".pickle"
LOCK_NAME = "risk-model.lock"
KEEP = 2  # the current model and the one before it (a rolling deploy runs both)
# Libraries whose version changes what a fit produces or how its pickle loads.
LIBRARIES = ("scikit-learn", "scipy", "numpy")


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    """Where trained models are kept (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_VARIABLE):
        return Path(env[CACHE_DIR_VARIABLE])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tether"


def training_key(records: Iterable[tuple[str, ...]], code: bytes) -> str:
    """A digest of what a training reads: each record (a message's text, language,
    label and category), the training code and the libraries' versions."""
    digest = hashlib.sha256()
    versions = [sys.version, *(_version(name) for name in LIBRARIES)]
    for part in (*versions, code.decode("utf-8", "replace")):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    for record in records:
        digest.update("\x1f".join(record).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return f"{name}={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name}=absent"


def load_or_train(key: str, train: Callable[[], bytes], directory: Path,
                  accept: Callable[[Any], bool]) -> Any:
    """The object pickled under `key` in `directory`, or `train()`'s pickle of it,
    written there for the next start. `accept` checks what was unpickled; a file
    it refuses is trained again."""
    try:
        _make_private_dir(directory)
    except OSError as error:
        log.warning("the risk model cannot be kept in %s (%s); training it now", directory, error)
        return pickle.loads(train())  # noqa: S301 - our own training's pickle
    path = directory / f"{PREFIX}{key}{SUFFIX}"
    found = _load(path, accept)
    if found is not None:
        return found
    try:
        lock = _exclusive(directory / LOCK_NAME)
    except OSError as error:
        log.warning("the risk model cannot be kept in %s (%s); training it now", directory, error)
        return pickle.loads(train())  # noqa: S301 - our own training's pickle
    with lock:
        found = _load(path, accept)  # another process may have trained it meanwhile
        if found is not None:
            return found
        log.info("training the risk model (nothing kept in %s for this data yet)", directory)
        data = train()
        model = pickle.loads(data)  # noqa: S301 - our own training's pickle
        if accept(model):
            _store(path, data)
            _prune(directory, keep=path)
        return model


def _make_private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _trusted(directory, is_dir=True):
        raise PermissionError(f"{directory} is not the user's own, or others may write to it")


def _trusted(path: Path, *, is_dir: bool = False) -> bool:
    """The user's own, and neither its group nor others may write it."""
    try:
        info = path.stat()
    except OSError:
        return False
    if is_dir != stat.S_ISDIR(info.st_mode):
        return False
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owner_ok and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _load(path: Path, accept: Callable[[Any], bool]) -> Any:
    if not path.exists():
        return None
    if not _trusted(path):
        log.warning("ignoring %s: it is not the user's own, or others may write to it", path)
        return None
    try:
        with path.open("rb") as file:
            found = pickle.load(file)  # noqa: S301 - a private file this code wrote
    except Exception as error:  # any file that does not load is trained again
        log.warning("the kept risk model %s does not load (%s); training it again", path, error)
        return None
    if not accept(found):
        log.warning("the kept risk model %s is not a risk model; training it again", path)
        return None
    os.utime(path)  # recently used: kept by _prune
    return found


def _store(path: Path, data: bytes) -> None:
    """Write atomically (a reader sees the old file or the whole new one), private."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
    except OSError as error:
        log.warning("the trained risk model could not be kept in %s (%s)", path.parent, error)


def _prune(directory: Path, keep: Path) -> None:
    def used(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # removed meanwhile by another process
            return 0.0

    kept = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"), key=used, reverse=True)
    for old in [p for p in kept if p != keep][KEEP - 1:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _exclusive(lock_path: Path) -> contextlib.AbstractContextManager[object]:
    """One trainer at a time across processes and threads: the lock is taken
    here (waiting for another trainer) and released when the block ends."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock, at worst two trainings
        return contextlib.nullcontext()
    lock = lock_path.open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
    except OSError:
        lock.close()
        raise
    return lock  # closing the file releases the lock
