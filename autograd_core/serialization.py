"""``save`` / ``load``: state dicts (and other nests of dicts, lists and tensors) on disk.

The file is a NumPy ``.npz`` archive: one array per tensor plus an entry
``__autograd_core__`` holding a JSON description of the nesting, with a format tag and
version. Nothing is pickled, so loading a file cannot run code. ``save`` writes to a
temporary file in the target's directory and renames it over the target, so a crash
mid-write leaves any previous file whole.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .tensor import Tensor

_MANIFEST = "__autograd_core__"
_FORMAT = "autograd_core.save"
_VERSION = 1


class _Writer:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, obj: Any) -> Any:
        """A JSON-able description of ``obj``; arrays are set aside in ``self.arrays``."""
        if isinstance(obj, Tensor):
            key = f"t{len(self.arrays)}"
            self.arrays[key] = obj.data
            return {"__tensor__": key, "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"save: cannot store an array of dtype {obj.dtype}")
            key = f"t{len(self.arrays)}"
            self.arrays[key] = obj
            return {"__ndarray__": key}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise TypeError(
                        f"save: dictionary keys must be str, int, float, bool or None, got "
                        f"{type(k).__name__}")
                items.append([k, self.encode(v)])
            return {"__dict__": items, "ordered": isinstance(obj, OrderedDict)}
        if isinstance(obj, (list, tuple)):
            return {"__list__" if isinstance(obj, list) else "__tuple__":
                    [self.encode(v) for v in obj]}
        if isinstance(obj, np.generic):
            return self.encode(obj.item())
        if obj is None or isinstance(obj, (bool, int, float, str)):
            if isinstance(obj, float) and not np.isfinite(obj):
                return {"__float__": repr(obj)}
            return obj
        raise TypeError(
            f"save: cannot store an object of type {type(obj).__name__}; supported: "
            "Tensor, ndarray, dict, list, tuple, str, int, float, bool, None")


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(node, dict):
        if "__tensor__" in node:
            t = Tensor._wrap(arrays[node["__tensor__"]])
            if node.get("requires_grad") and t.data.dtype.kind == "f":
                t.requires_grad = True
            return t
        if "__ndarray__" in node:
            return arrays[node["__ndarray__"]]
        if "__dict__" in node:
            cls = OrderedDict if node.get("ordered") else dict
            return cls((k, _decode(v, arrays)) for k, v in node["__dict__"])
        if "__list__" in node:
            return [_decode(v, arrays) for v in node["__list__"]]
        if "__tuple__" in node:
            return tuple(_decode(v, arrays) for v in node["__tuple__"])
        if "__float__" in node:
            return float(node["__float__"])
        raise ValueError(f"unknown entry {sorted(node)}")
    return node


def save(obj: Any, f: str | os.PathLike | Any) -> None:
    """Write ``obj`` (typically a ``state_dict()``: name -> Tensor) to ``f``.

    f: a path, or a binary file object opened for writing. A path is written atomically
    (temporary file, then ``os.replace``).
    """
    w = _Writer()
    tree = w.encode(obj)
    manifest = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree})
    arrays = dict(w.arrays)
    arrays[_MANIFEST] = np.frombuffer(manifest.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file owner-only; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(f: str | os.PathLike | Any, map_location: Any = None,
         weights_only: bool | None = None) -> Any:
    """Read what ``save`` wrote. ``map_location`` and ``weights_only`` are accepted for
    compatibility (everything loads to the CPU; nothing is ever unpickled).

    Raises FileNotFoundError for a missing path, and RuntimeError naming the file for a
    file that is not an autograd_core save or is truncated/corrupt.
    """
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the given file object"
    src = f if hasattr(f, "read") else os.fspath(f)
    if not hasattr(f, "read") and not os.path.exists(src):
        raise FileNotFoundError(f"load: no such file: {name}")
    if not hasattr(f, "read") and os.path.getsize(src) == 0:
        raise RuntimeError(f"load: {name} is empty (0 bytes): not a file written by "
                           "autograd_core.save, or a write that never finished")
    try:
        if hasattr(f, "read"):
            data = f.read()
            src = io.BytesIO(data)
        loaded = np.load(src, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise RuntimeError(
                f"load: {name} is a single NumPy array (.npy), not a file written by "
                "autograd_core.save (an .npz archive with a manifest)")
        with loaded as npz:
            keys = set(npz.files)
            if _MANIFEST not in keys:
                raise RuntimeError(
                    f"load: {name} is a NumPy .npz archive but was not written by "
                    f"autograd_core.save (it has no '{_MANIFEST}' entry; found "
                    f"{sorted(keys)[:5]})")
            manifest = json.loads(bytes(npz[_MANIFEST]).decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
                raise RuntimeError(f"load: {name} has an unrecognised format tag")
            if manifest.get("version", 0) > _VERSION:
                raise RuntimeError(
                    f"load: {name} was written by a newer format version "
                    f"{manifest.get('version')} (this library reads up to {_VERSION})")
            arrays = {k: npz[k] for k in keys if k != _MANIFEST}
            return _decode(manifest["tree"], arrays)
    except RuntimeError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, OSError, UnicodeError,
            json.JSONDecodeError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        magic = b""
        try:
            if isinstance(src, (str, bytes)):
                with open(src, "rb") as fh:
                    magic = fh.read(4)
            else:
                src.seek(0)
                magic = src.read(4)
        except OSError:
            pass
        if magic[:2] == b"PK":
            raise RuntimeError(
                f"load: {name} is truncated or corrupt (a damaged .npz archive: {e})"
            ) from None
        raise RuntimeError(
            f"load: {name} is not a file written by autograd_core.save (expected a "
            f"NumPy .npz archive, found data starting with {magic!r})") from None
