"""Reading and writing IDX files, the format of the MNIST distribution.

An IDX file is a 4-byte magic number, then one big-endian uint32 per dimension, then the
values in row-major order, big-endian:

    byte 0, 1   zero
    byte 2      type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
                0x0E float64
    byte 3      number of dimensions d
    4 * d bytes the size of each dimension
    the data    prod(sizes) values

MNIST images are magic 2051 (0x00000803: uint8, 3 dims N x rows x cols) and labels magic
2049 (0x00000801: uint8, 1 dim N). Files may be gzip-compressed (recognised by content,
not by name).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {dt.newbyteorder("=").str: code for code, dt in TYPE_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file that is malformed: wrong magic number, bad type code, wrong size."""


def _known_codes() -> str:
    return ", ".join(f"0x{c:02X} {dt.newbyteorder('=').name}" for c, dt in TYPE_CODES.items())


def parse_idx(buf: bytes, name: str = "<bytes>") -> np.ndarray:
    """The array held by the (uncompressed) IDX bytes ``buf``, in native byte order.

    Raises ``IDXError`` naming ``name`` for a wrong magic number, an unknown type code, a
    truncated header or data, or bytes left over after the data.
    """
    n = len(buf)
    if n < 4:
        raise IDXError(f"{name}: truncated IDX file: {n} bytes, but the magic number alone "
                       "takes 4")
    magic = struct.unpack(">I", buf[:4])[0]
    if buf[0] != 0 or buf[1] != 0:
        raise IDXError(f"{name}: not an IDX file: magic number 0x{magic:08X} should start "
                       "with two zero bytes (e.g. 0x00000803 for MNIST images)")
    code, ndim = buf[2], buf[3]
    if code not in TYPE_CODES:
        raise IDXError(f"{name}: unknown IDX type code 0x{code:02X} in magic number "
                       f"0x{magic:08X}; expected one of {_known_codes()}")
    if ndim == 0:
        raise IDXError(f"{name}: IDX magic number 0x{magic:08X} declares 0 dimensions")
    header = 4 + 4 * ndim
    if n < header:
        raise IDXError(f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                       f"the file has {n}")
    dims = struct.unpack(f">{ndim}I", buf[4:header])
    dtype = TYPE_CODES[code]
    count = int(np.prod(dims, dtype=np.int64))
    want, have = count * dtype.itemsize, n - header
    if have < want:
        raise IDXError(f"{name}: truncated IDX file: shape {list(dims)} of "
                       f"{dtype.newbyteorder('=').name} needs {want} data bytes, found {have}")
    if have > want:
        raise IDXError(f"{name}: {have - want} unexpected bytes after the data of an IDX "
                       f"array of shape {list(dims)} ({want} data bytes expected)")
    arr = np.frombuffer(buf, dtype=dtype, count=count, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))  # a writable copy in native order


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed, into an ndarray (see ``parse_idx``)."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:2] == _GZIP_MAGIC:
        try:
            buf = gzip.decompress(buf)
        except (OSError, EOFError, zlib.error) as e:
            raise IDXError(f"{os.fspath(path)}: corrupt gzip data ({e})") from None
    return parse_idx(buf, os.fspath(path))


def to_idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array`` (uint8, int8, int16, int32, float32 or float64)."""
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=").str
    if key not in _CODE_OF:
        raise TypeError(f"IDX cannot hold dtype {array.dtype}; expected one of {_known_codes()}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got {array.ndim}")
    code = _CODE_OF[key]
    head = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file; gzip-compressed when ``path`` ends in ``.gz``."""
    data = to_idx_bytes(array)
    if os.fspath(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)  # mtime 0: the same array gives the same bytes
    with open(path, "wb") as f:
        f.write(data)
