"""Fetching files into a cache folder, checked against a SHA-256 checksum.

All network access goes through ``fetch(url)``, one module-level function, so tests (and
users behind unusual networks) can replace it: ``monkeypatch.setattr(download, "fetch",
fake)``. A file enters the cache only after its checksum matches, written under a
temporary name and then renamed, so an interrupted download never leaves a partial file.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Sequence
from pathlib import Path

_USER_AGENT = "autograd_core-datasets"


def default_root() -> Path:
    """The cache folder: ``$AUTOGRAD_CORE_DATA``, else ``$XDG_CACHE_HOME/autograd_core``,
    else ``~/.cache/autograd_core``."""
    if os.environ.get("AUTOGRAD_CORE_DATA"):
        return Path(os.environ["AUTOGRAD_CORE_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "autograd_core"


def fetch(url: str, timeout: float = 60.0) -> bytes:
    """The bytes at ``url`` (HTTP(S) GET). Raises ``OSError`` (e.g. ``URLError``) on failure."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 digest of a file's contents."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_file(urls: Sequence[str], dest: str | os.PathLike, sha256: str) -> Path:
    """Put the file with checksum ``sha256`` at ``dest``, trying ``urls`` in order.

    A file already at ``dest`` with the right checksum is reused without any fetch; one with
    a wrong checksum is fetched again. A mirror that fails or serves bytes with the wrong
    checksum is skipped; if none succeeds, ``RuntimeError`` lists what each one did.
    """
    dest = Path(dest)
    if dest.is_file() and sha256_of(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        try:
            data = fetch(url)
        except OSError as e:
            failures.append(f"{url}: {e}")
            continue
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            failures.append(f"{url}: checksum mismatch: expected SHA-256 {sha256}, got {got} "
                            f"({len(data)} bytes)")
            continue
        tmp = dest.with_name(dest.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return dest
    raise RuntimeError(f"could not download {dest.name}:\n  " + "\n  ".join(failures))
