"""``save`` / ``load``: state dicts (and other nests of dicts, lists and tensors) on disk.

The file is a NumPy ``.npz`` archive: one array per stored memory block plus an entry
``__autograd_core__`` holding a JSON description of the nesting, with a format tag and
version. Nothing is pickled, so loading a file cannot run code. ``save`` writes to a
temporary file in the target's directory and renames it over the target, so a crash
mid-write leaves any previous file whole.

Sharing is kept, as ``torch.save`` keeps it: one Tensor stored under two names loads as
one Tensor, and two Tensors over the same memory (a ``state_dict`` of tied weights) load
as two Tensors over one array, counting in-place writes together.

A file may come from anyone, so ``load`` trusts nothing in it: every array's dtype
(numbers and bools only) and size are read from its header and checked against the
bytes the archive really holds before anything is allocated (a 200-byte file cannot ask
for terabytes), and the nesting is bounded (``MAX_DEPTH``) before it is walked.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from . import version as _version
from .tensor import Tensor

_MANIFEST = "__autograd_core__"
_FORMAT = "autograd_core.save"
_VERSION = 2  # 2: shared tensors ("__tensor_ref__", one array for aliases)

# Containers nested deeper than this (the outermost is at depth 0) are refused by save
# and load alike (a state dict is 3 or 4 levels deep; a container that holds itself
# never ends).
MAX_DEPTH = 64
# Each level of nesting is at most 3 levels of the JSON manifest ({"__dict__": [[k, v]]}).
_MAX_JSON_DEPTH = 3 * (MAX_DEPTH + 1) + 8
# Deflate expands at most ~1032:1; a member claiming more than this per stored byte lies.
_MAX_DEFLATE_RATIO = 1100
_NUMERIC_KINDS = "biuf"


# ----- save ----------------------------------------------------------------------------
class _Writer:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._key_of_memory: dict[tuple, str] = {}
        self._tensor_ids: dict[int, int] = {}  # id(Tensor) -> its number in the file
        self._keep: list[Any] = []  # what the ids above refer to stays alive meanwhile

    def _array_key(self, arr: np.ndarray) -> str:
        """The archive entry for ``arr``; one entry for every view of the same memory
        with the same layout (an alias)."""
        if arr.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"save: cannot store an array of dtype {arr.dtype}")
        ident = (arr.__array_interface__["data"][0], arr.shape, arr.strides, arr.dtype.str)
        key = self._key_of_memory.get(ident)
        if key is None:
            key = f"t{len(self.arrays)}"
            self.arrays[key] = arr
            self._key_of_memory[ident] = key
        return key

    def encode(self, obj: Any, depth: int = 0) -> Any:
        """A JSON-able description of ``obj``; arrays are set aside in ``self.arrays``."""
        if depth > MAX_DEPTH and isinstance(obj, (dict, list, tuple)):
            raise ValueError(
                f"save: the object is nested more than {MAX_DEPTH} containers deep (does a "
                "container hold itself?)")
        if isinstance(obj, Tensor):
            seen = self._tensor_ids.get(id(obj))
            if seen is not None:
                return {"__tensor_ref__": seen}
            number = len(self._tensor_ids)
            self._tensor_ids[id(obj)] = number
            self._keep.append(obj)
            return {"__tensor__": self._array_key(obj._data),
                    "requires_grad": bool(obj.requires_grad), "id": number}
        if isinstance(obj, np.ndarray):
            return {"__ndarray__": self._array_key(obj)}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise TypeError(
                        f"save: dictionary keys must be str, int, float, bool or None, got "
                        f"{type(k).__name__}")
                items.append([k, self.encode(v, depth + 1)])
            return {"__dict__": items, "ordered": isinstance(obj, OrderedDict)}
        if isinstance(obj, (list, tuple)):
            return {"__list__" if isinstance(obj, list) else "__tuple__":
                    [self.encode(v, depth + 1) for v in obj]}
        if isinstance(obj, np.generic):
            return self.encode(obj.item(), depth)
        if obj is None or isinstance(obj, (bool, int, float, str)):
            if isinstance(obj, float) and not np.isfinite(obj):
                return {"__float__": repr(obj)}
            return obj
        raise TypeError(
            f"save: cannot store an object of type {type(obj).__name__}; supported: "
            "Tensor, ndarray, dict, list, tuple, str, int, float, bool, None")


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
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process's umask. Read from /proc where there is one: ``os.umask`` can only
    tell it by setting it, which for a moment changes it for every other thread."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ----- load ----------------------------------------------------------------------------
class _Refused(Exception):
    """A file that is well-formed as a zip but asks for something load will not do."""


def _check_member(info: zipfile.ZipInfo, file_size: int) -> None:
    """The sizes a member declares must be possible for a file of ``file_size`` bytes."""
    if info.compress_type == zipfile.ZIP_STORED:
        if info.file_size != info.compress_size:
            raise _Refused(f"entry {info.filename!r} declares {info.file_size} bytes but "
                           f"stores {info.compress_size}")
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        if info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024:
            raise _Refused(f"entry {info.filename!r} declares {info.file_size} bytes from "
                           f"{info.compress_size} compressed ones (more than deflate can give)")
    else:
        raise _Refused(f"entry {info.filename!r} uses an unsupported compression "
                       f"(method {info.compress_type})")
    if info.compress_size > file_size:
        raise _Refused(f"entry {info.filename!r} declares {info.compress_size} stored bytes "
                       f"in a file of {file_size}")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member: its header read and checked first (numeric dtype, a size that
    the member really holds), then exactly that many bytes."""
    with zf.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise _Refused(f"entry {info.filename!r} has .npy format version {version}")
        if (dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None
                or dtype.subdtype is not None or dtype.itemsize > 8):
            raise _Refused(
                f"entry {info.filename!r} holds an array of dtype {dtype}; only bool, "
                "integer and floating point arrays are loaded (not strings, complex, "
                "datetimes or objects)")
        if not all(isinstance(n, int) and n >= 0 for n in shape):
            raise _Refused(f"entry {info.filename!r} has an invalid shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        header = fp.tell()
        if nbytes != info.file_size - header:
            raise _Refused(
                f"entry {info.filename!r} claims an array of shape {list(shape)} and dtype "
                f"{dtype} ({nbytes} bytes) but holds {info.file_size - header} bytes of data")
        buf = bytearray(nbytes)  # at most the (checked) size of the member
        view = memoryview(buf)
        got = 0
        while got < nbytes:
            n = fp.readinto(view[got:])
            if not n:
                raise EOFError(f"entry {info.filename!r} ends after {got} of {nbytes} bytes")
            got += n
        fp.read(1)  # reach the end of the member, where zipfile checks its CRC
    arr = np.frombuffer(buf, dtype=dtype)
    arr = arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def _json_depth(text: str) -> int:
    """How deeply the JSON in ``text`` nests (brackets outside strings), read without
    recursion, so that a crafted manifest is refused before ``json.loads`` recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


# The manifest tags of containers (their nesting is limited to MAX_DEPTH).
_CONTAINER_TAGS = ("__dict__", "__list__", "__tuple__")


class _Reader:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.tensors: dict[int, Tensor] = {}  # the file's tensor number -> loaded Tensor
        self.first_on: dict[str, Tensor] = {}  # array key -> first Tensor over it

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise _Refused(f"the manifest refers to a missing array {key!r}")
        return self.arrays[key]

    def decode(self, node: Any, depth: int = 0) -> Any:
        """The value a manifest entry stands for; ``depth``: containers around it."""
        if isinstance(node, list):
            raise _Refused("a bare JSON list in the manifest")
        if not isinstance(node, dict):
            return node
        if "__tensor__" in node:
            return self._tensor(node)
        if "__tensor_ref__" in node:
            return self._tensor_ref(node["__tensor_ref__"])
        if "__ndarray__" in node:
            return self.array(node["__ndarray__"])
        if any(k in node for k in _CONTAINER_TAGS):
            return self._container(node, depth)
        if "__float__" in node:
            text = node["__float__"]
            if text not in ("inf", "-inf", "nan"):
                raise _Refused(f"a special float {text!r}")
            return float(text)
        raise _Refused(f"an unknown entry {sorted(node)[:5]} in the manifest")

    def _tensor_ref(self, ref: Any) -> Tensor:
        """The tensor numbered ``ref`` earlier in the file (a second use of one tensor)."""
        if not isinstance(ref, int) or isinstance(ref, bool) or ref not in self.tensors:
            raise _Refused(f"a reference to tensor {ref!r}, which comes nowhere before it")
        return self.tensors[ref]

    def _container(self, node: dict, depth: int) -> Any:
        """A dict, list or tuple entry, its items decoded one level deeper."""
        if depth > MAX_DEPTH:
            raise _Refused(f"the object is nested more than {MAX_DEPTH} containers deep")
        if "__dict__" in node:
            items = node["__dict__"]
            if not isinstance(items, list) or not all(
                    isinstance(p, list) and len(p) == 2 for p in items):
                raise _Refused("a malformed dictionary entry in the manifest")
            cls = OrderedDict if node.get("ordered") else dict
            for k, _ in items:
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise _Refused(f"a dictionary key of type {type(k).__name__}")
            return cls((k, self.decode(v, depth + 1)) for k, v in items)
        tag = "__list__" if "__list__" in node else "__tuple__"
        if not isinstance(node[tag], list):
            raise _Refused(f"a malformed {tag} entry in the manifest")
        make = list if tag == "__list__" else tuple
        return make(self.decode(v, depth + 1) for v in node[tag])

    def _tensor(self, node: dict) -> Tensor:
        key = node["__tensor__"]
        t = Tensor._wrap(self.array(key))
        if node.get("requires_grad") and t._data.dtype.kind == "f":
            t.requires_grad = True
        first = self.first_on.get(key)
        if first is None:
            self.first_on[key] = t
        else:
            _version.share_version(first, t)  # aliases of one memory count writes together
        number = node.get("id")
        if isinstance(number, int) and not isinstance(number, bool):
            self.tensors[number] = t
        return t


def load(f: str | os.PathLike | Any, map_location: Any = None,
         weights_only: bool | None = None) -> Any:
    """Read what ``save`` wrote. ``map_location`` and ``weights_only`` are accepted for
    compatibility (everything loads to the CPU; nothing is ever unpickled).

    Raises FileNotFoundError for a missing path, and RuntimeError naming the file for a
    file that is not an autograd_core save, is truncated/corrupt, or asks for something
    refused (a non-numeric dtype, sizes the file does not hold, nesting beyond
    ``MAX_DEPTH``).
    """
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the given file object"
    src, size = _source(f, name)
    try:
        with zipfile.ZipFile(src) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            stored = sum(i.compress_size for i in infos.values())
            if stored > size:
                raise _Refused(f"its entries declare {stored} stored bytes in a file of {size}")
            for info in infos.values():
                _check_member(info, size)
            keys = {n[:-4] for n in infos if n.endswith(".npy")}
            manifest = _read_manifest(zf, infos, keys, name)
            arrays = {k: _read_member(zf, infos[k + ".npy"]) for k in keys if k != _MANIFEST}
            return _Reader(arrays).decode(manifest["tree"])
    except _Refused as e:
        raise RuntimeError(f"load: refusing {name}: {e}") from None
    except RuntimeError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, OSError, UnicodeError,
            json.JSONDecodeError, zipfile.LargeZipFile, NotImplementedError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise _unreadable(src, name, e) from None


def _source(f: str | os.PathLike | Any, name: str) -> tuple[Any, int]:
    """What ``zipfile`` should open (a path, or the file object's bytes) and its size;
    raises for a missing path or an empty file."""
    if hasattr(f, "read"):
        src: Any = io.BytesIO(f.read())
        size = len(src.getbuffer())
    else:
        src = os.fspath(f)
        if not os.path.exists(src):
            raise FileNotFoundError(f"load: no such file: {name}")
        size = os.path.getsize(src)
    if size == 0:
        raise RuntimeError(f"load: {name} is empty (0 bytes): not a file written by "
                           "autograd_core.save, or a write that never finished")
    return src, size


def _read_manifest(zf: zipfile.ZipFile, infos: dict, keys: set[str], name: str) -> dict:
    """The archive's manifest, checked: an autograd_core save of a version this library
    reads, not nested beyond ``MAX_DEPTH``, with a ``tree``. ``keys``: the .npy entries."""
    if _MANIFEST not in keys:
        if not keys:
            raise RuntimeError(
                f"load: {name} is a zip archive but not a file written by "
                "autograd_core.save (it holds no .npy arrays)")
        raise RuntimeError(
            f"load: {name} is a NumPy .npz archive but was not written by "
            f"autograd_core.save (it has no '{_MANIFEST}' entry; found "
            f"{sorted(keys)[:5]})")
    raw = _read_member(zf, infos[_MANIFEST + ".npy"])
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Refused("its manifest is not a byte string")
    text = raw.tobytes().decode("utf-8")
    if _json_depth(text) > _MAX_JSON_DEPTH:
        raise _Refused(f"the object is nested more than {MAX_DEPTH} containers deep")
    manifest = json.loads(text)
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise RuntimeError(f"load: {name} has an unrecognised format tag")
    version = manifest.get("version", 0)
    if not isinstance(version, int) or version > _VERSION:
        raise RuntimeError(
            f"load: {name} was written by a newer format version {version!r} (this "
            f"library reads up to {_VERSION})")
    if "tree" not in manifest:
        raise _Refused("its manifest has no 'tree'")
    return manifest


def _unreadable(src: Any, name: str, e: Exception) -> RuntimeError:
    """The error for a file that is no readable archive, saying what it looks like."""
    magic = _magic(src)
    if magic[:2] == b"PK":
        return RuntimeError(
            f"load: {name} is truncated or corrupt (a damaged .npz archive: {e})")
    if magic[:6] == b"\x93NUMPY":
        return RuntimeError(
            f"load: {name} is a single NumPy array (.npy), not a file written by "
            "autograd_core.save (an .npz archive with a manifest)")
    return RuntimeError(
        f"load: {name} is not a file written by autograd_core.save (expected a "
        f"NumPy .npz archive, found data starting with {magic!r})")


def _magic(src: Any) -> bytes:
    """The first bytes of the file, for telling what it is in an error message."""
    try:
        if isinstance(src, str):
            with open(src, "rb") as fh:
                return fh.read(6)
        src.seek(0)
        return src.read(6)
    except OSError:
        return b""
