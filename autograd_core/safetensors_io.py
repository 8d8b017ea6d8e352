"""State dicts in the safetensors format, readable and writable by PyTorch.

``save_safetensors(model.state_dict(), "model.safetensors")`` writes a file that
``safetensors.torch.load_file`` reads into a ``torch.nn`` model of the same architecture
with ``load_state_dict``; ``load_safetensors`` reads a file that PyTorch wrote
(``safetensors.torch.save_file``) into tensors that this project's ``nn`` loads. The keys
are the state dict's own: ``nn`` names parameters and buffers as ``torch.nn`` does for
the same module tree (``features.0.weight``, ``bn.running_mean``,
``bn.num_batches_tracked``).

The format is a JSON header (name -> dtype, shape, byte range) and raw little-endian
C-ordered bytes; nothing in it is executable. Each tensor is written in its logical
layout: a ``Linear`` weight, which this project keeps column-major in memory, is stored
as the (out_features, in_features) matrix PyTorch expects. Tensors that share memory
(tied weights) are written once per name and load as separate tensors, which
``load_state_dict`` copies into the one shared parameter.

Needs the ``safetensors`` package (``pip install safetensors``, or the project's
``safetensors`` extra); its NumPy API does the encoding.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from .serialization import _umask
from .tensor import Tensor

__all__ = ["load_safetensors", "save_safetensors"]

_NUMERIC_KINDS = "biuf"


def _numpy_api(fn: str) -> Any:
    try:
        import safetensors.numpy as st_numpy
    except ImportError:  # an optional dependency: say how to get it
        raise ImportError(
            f"{fn} needs the safetensors package: pip install safetensors "
            "(or pip install 'autograd-core[safetensors]')") from None
    return st_numpy


def _as_array(key: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        arr = value._data
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        raise TypeError(
            f"save_safetensors: the value of {key!r} is a {type(value).__name__}; expected "
            "a Tensor or an ndarray")
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"save_safetensors: {key!r} has dtype {arr.dtype}; safetensors stores numbers "
            "and bools only")
    # The logical array in C order (a column-major Linear weight becomes its (out, in)
    # matrix), and little-endian, as the format requires.
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (not ascontiguousarray, which makes 0-d arrays 1-d)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr


def save_safetensors(tensors: Mapping[str, Tensor | np.ndarray], path: str | os.PathLike,
                     metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` (name -> Tensor or ndarray, e.g. ``model.state_dict()``) to
    ``path`` in the safetensors format.

    metadata: optional str -> str pairs stored in the header; ``{"format": "pt"}`` is
    added unless given, which tools built on PyTorch (``transformers``) expect. The file
    is written atomically: to a temporary file beside it, then renamed over ``path``.
    """
    if not isinstance(tensors, Mapping):
        raise TypeError(
            f"save_safetensors: expected a mapping of names to tensors (a state_dict()), "
            f"got {type(tensors).__name__}")
    arrays: dict[str, np.ndarray] = {}
    for key, value in tensors.items():
        if not isinstance(key, str):
            raise TypeError(
                f"save_safetensors: keys must be str, got {type(key).__name__} ({key!r})")
        arrays[key] = _as_array(key, value)
    meta = {"format": "pt"}
    if metadata is not None:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(
                    "save_safetensors: metadata must map str to str, got "
                    f"{type(k).__name__} -> {type(v).__name__}")
        meta.update(metadata)
    data = _numpy_api("save_safetensors").save(arrays, metadata=meta)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_safetensors(path: str | os.PathLike, device: Any = "cpu") -> OrderedDict:
    """Read a safetensors file into an ordered name -> Tensor map (sorted by name).

    device: accepted for ``safetensors.torch.load_file``'s signature; only the CPU
    exists here. The tensors own their memory and require no grad; pass the result to
    ``Module.load_state_dict``.
    """
    if str(device) != "cpu":
        raise RuntimeError(
            f"load_safetensors: device {device!r} is not available; autograd_core runs on "
            "the CPU only")
    arrays = _numpy_api("load_safetensors").load_file(os.fspath(path))
    out: OrderedDict[str, Tensor] = OrderedDict()
    for key in sorted(arrays):
        arr = arrays[key]
        if arr.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"load_safetensors: {key!r} has unsupported dtype {arr.dtype}")
        out[key] = Tensor(arr)  # a copy: the tensor owns its memory
    return out
