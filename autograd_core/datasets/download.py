"""Fetching files into a cache folder, checked against a SHA-256 checksum.

All network access goes through ``fetch(url)``, one module-level function, so tests (and
users behind unusual networks) can replace it: ``monkeypatch.setattr(download, "fetch",
fake)``.

A cache folder may be shared (between users, or between processes of one user), so a
file enters it only this way:

1. An exclusive lock on ``.<name>.lock`` next to the file (``fcntl.flock``): of several
   processes or threads downloading the same file, one fetches it and the others wait,
   then find it in place and fetch nothing.
2. The bytes go into a temporary file with a fresh unpredictable name in the cache folder,
   created exclusively (``tempfile.mkstemp``: ``O_CREAT | O_EXCL``, which never follows a
   symlink), so nothing planted at a predictable path can redirect the write.
3. Their SHA-256 is checked before the final atomic ``os.replace`` onto the file's name:
   an interrupted or corrupt transfer never leaves a partial file under that name.

A mirror that fails, whether it refuses the connection, cuts the body short or serves
other bytes, is skipped for the next one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import http.client
import os
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

_USER_AGENT = "autograd_core-datasets"
# The most one download may bring (the largest dataset file here is 10 MB): a mirror
# that streams without end is cut off, not read into memory until it runs out.
MAX_BYTES = 1 << 30
_CHUNK = 1 << 20


def default_root() -> Path:
    """The cache folder: ``$AUTOGRAD_CORE_DATA``, else ``$XDG_CACHE_HOME/autograd_core``,
    else ``~/.cache/autograd_core``."""
    if os.environ.get("AUTOGRAD_CORE_DATA"):
        return Path(os.environ["AUTOGRAD_CORE_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "autograd_core"


def fetch(url: str, timeout: float = 60.0) -> bytes:
    """The bytes at ``url`` (HTTP(S) GET), all of them.

    Raises ``OSError`` on failure, also when the connection ends before the length the
    server announced (a transfer cut mid-body) or the body exceeds ``MAX_BYTES``.
    """
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            if expected is not None and expected > MAX_BYTES:
                raise OSError(f"the server announces {expected} bytes, more than the "
                              f"{MAX_BYTES} allowed")
            parts, total = [], 0
            while True:
                block = response.read(_CHUNK)
                if not block:
                    break
                total += len(block)
                if total > MAX_BYTES:
                    raise OSError(f"more than the {MAX_BYTES} bytes allowed")
                parts.append(block)
    except http.client.HTTPException as e:  # IncompleteRead, a bad status line, ...
        raise OSError(f"transfer failed: {type(e).__name__}: {e}") from e
    data = b"".join(parts)
    if expected is not None and len(data) != expected:
        raise OSError(f"transfer cut short: got {len(data)} of {expected} bytes")
    return data


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 digest of a file's contents."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _has(dest: Path, sha256: str) -> bool:
    return dest.is_file() and sha256_of(dest) == sha256


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing, never through a
    symlink); the file is removed when the holder is done.

    Removing a lock file is safe only if a waiter that opened the old file notices: after
    taking the lock it checks that the name still refers to the file it locked, and
    otherwise starts again on the new one.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise RuntimeError(
                    f"refusing to use the lock file {path}: it is a symbolic link "
                    "(someone else may have planted it in the cache folder)") from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)  # the holder before us removed it: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)  # releases the lock


def _install(data: bytes, dest: Path) -> None:
    """Write ``data`` to a new exclusive temporary file beside ``dest``, then rename it
    onto ``dest`` atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            # mkstemp makes the file private (0600); a cache file may be shared, so it
            # is made readable. (Not via os.umask: reading it means setting it, which
            # would race with other threads creating files.)
            os.fchmod(f.fileno(), 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def download_file(urls: Sequence[str], dest: str | os.PathLike, sha256: str) -> Path:
    """Put the file with checksum ``sha256`` at ``dest``, trying ``urls`` in order.

    A file already at ``dest`` with the right checksum is reused without any fetch; one with
    a wrong checksum is fetched again. A mirror that fails (connection, a body cut short)
    or serves bytes with the wrong checksum is skipped; if none succeeds, ``RuntimeError``
    lists what each one did. Safe against concurrent calls for the same ``dest`` (one
    fetches, the others wait and reuse its file) and against names planted in the folder.
    """
    dest = Path(dest)
    if _has(dest, sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _locked(dest.with_name(f".{dest.name}.lock")):
        if _has(dest, sha256):  # another process finished it while we waited
            return dest
        failures = []
        for url in urls:
            try:
                data = fetch(url)
            except (OSError, http.client.HTTPException, ValueError) as e:
                failures.append(f"{url}: {e}")
                continue
            got = hashlib.sha256(data).hexdigest()
            if got != sha256:
                failures.append(f"{url}: checksum mismatch: expected SHA-256 {sha256}, got "
                                f"{got} ({len(data)} bytes)")
                continue
            _install(data, dest)
            return dest
    raise RuntimeError(f"could not download {dest.name}:\n  " + "\n  ".join(failures))
