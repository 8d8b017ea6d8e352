"""Variable-length sequences for the recurrent layers: ``PackedSequence``,
``pack_padded_sequence`` / ``pad_packed_sequence``, ``pad_sequence`` / ``unpad_sequence``,
``pack_sequence`` / ``unpack_sequence``, as ``torch.nn.utils.rnn``.

A packed batch lists, time step after time step, the rows of the sequences still
running at that step, longest sequences first: data (sum of lengths, *) with
batch_sizes[t] = how many sequences are longer than t. Packing and padding are
differentiable: each is one indexing node (a gather of rows), whose backward scatters
the delta back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd_core import Tensor
from autograd_core.ops.index import GetItem
from autograd_core.ops.shape import Cat, Reshape

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pack_sequence", "pad_packed_sequence", "pad_sequence", "unpack_sequence",
           "unpad_sequence"]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A packed batch: ``data`` (N, *), ``batch_sizes`` (T,) int64, and the permutation
    that sorted the batch by length (``sorted_indices``; ``unsorted_indices`` undoes it),
    or None when the batch came sorted. Made by ``pack_padded_sequence`` or
    ``pack_sequence``; the recurrent layers take and return it.

    ``PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)``, or
    ``PackedSequence((data, batch_sizes), sorted_indices=...)``; unsorted_indices is
    computed from sorted_indices when not given.
    """

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        """The four fields, from ``data`` and ``batch_sizes`` or from one (data,
        batch_sizes) pair; ``unsorted_indices`` inverts ``sorted_indices`` if not given."""
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same packing with ``data.to(*args, **kwargs)`` (dtype conversion)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(np.float32)

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(np.float64)

    def cpu(self) -> PackedSequence:
        """Itself: everything lives on the CPU here."""
        return self

    @property
    def is_cuda(self) -> bool:
        """False: this library runs on the CPU."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None stays None): out[perm[i]] = i."""
    if permutation is None:
        return None
    p = _int_array(permutation)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return Tensor._wrap(out)


def _int_array(x: Any) -> np.ndarray:
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    return arr.astype(np.int64).reshape(-1)


def _check_input(x: Any, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the
    given lengths. With enforce_sorted=False the batch is sorted by decreasing length
    first (stable, as PyTorch) and the permutation is kept in the result.
    """
    x = _check_input(input, "pack_padded_sequence")
    if x.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{x.ndim}, "
                         f"{x.ndim - 1}], but got 1)")
    lens = _int_array(lengths)
    T, B = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    if lens.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={B})")
    sorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order = np.arange(B)
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = Tensor._wrap(order.astype(np.int64))
    lens = lens[order]
    if B and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if B and lens.max() > T:
        # PyTorch reads past the padded tensor here; refuse instead.
        raise RuntimeError(f"pack_padded_sequence: a length ({int(lens.max())}) exceeds the "
                           f"padded sequence length {T}")
    steps = int(lens[0]) if B else 0
    batch_sizes = np.array([(lens > t).sum() for t in range(steps)], dtype=np.int64)
    # Row of (t, sorted position b) in x viewed as (T*B, *) or (B*T, *).
    rows = [t * B + order[:n] if not batch_first else order[:n] * T + t
            for t, n in enumerate(batch_sizes)]
    idx = np.concatenate(rows) if rows else np.zeros(0, np.intp)
    flat = Reshape.apply(x, (T * B,) + tuple(x.shape[2:]))
    data = GetItem.apply(flat, (idx.astype(np.intp),), False)
    return PackedSequence(data, Tensor._wrap(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: (padded (T, B, *) or (B, T, *), lengths (B,) int64),
    in the batch order the sequences had before packing; T = total_length if given."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError("pad_packed_sequence(): sequence must be a PackedSequence, not "
                        f"{type(sequence).__name__}")
    data = sequence.data
    sizes = _int_array(sequence.batch_sizes)
    T = sizes.size
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T = total_length
    B = int(sizes[0]) if sizes.size else 0
    lens_sorted = np.array([(sizes > b).sum() for b in range(B)], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])[:-1]
    pos = np.arange(B)  # sorted position of each output column
    if sequence.unsorted_indices is not None:
        pos = _int_array(sequence.unsorted_indices)
    n = data.shape[0]
    # Every (t, b) reads a row of [data; padding row]: its packed row, or the padding.
    t_grid = np.arange(T)[:, None]
    valid = t_grid < lens_sorted[pos][None, :]
    src = np.where(valid, offsets[np.minimum(t_grid, max(sizes.size - 1, 0))] + pos[None, :]
                   if sizes.size else 0, n)
    if batch_first:
        src = src.T
    pad = Tensor._wrap(np.full((1,) + tuple(data.shape[1:]), padding_value, data.dtype))
    table = Cat.apply(0, data, pad)
    padded = GetItem.apply(table, (np.ascontiguousarray(src).astype(np.intp),), False)
    return padded, Tensor._wrap(lens_sorted[pos])


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors (L_i, *) into (T, B, *) (or (B, T, *) with batch_first), T = max L_i,
    filling with padding_value on the right (or the left)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    seqs = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence(): expected a sequence of Tensors, got "
                            f"{type(s).__name__} at position {i}")
        if s.ndim == 0:
            raise RuntimeError("pad_sequence(): every sequence needs a length dimension, got "
                               f"a 0-d tensor at position {i}")
    tail = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs[1:], 1):
        if s.ndim != seqs[0].ndim:
            raise RuntimeError(f"pad_sequence(): sequence {i} has {s.ndim} dimensions, "
                               f"sequence 0 has {seqs[0].ndim}")
        for d, (a, b) in enumerate(zip(tail, s.shape[1:]), 1):
            if a != b:
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of "
                                   f"tensor b ({b}) at non-singleton dimension {d}")
    T = max(s.shape[0] for s in seqs)
    dt = seqs[0].dtype
    cols = []
    for s in seqs:
        gap = T - s.shape[0]
        if gap:
            fill = Tensor._wrap(np.full((gap,) + tail, padding_value, dt))
            s = Cat.apply(0, s, fill) if padding_side == "right" else Cat.apply(0, fill, s)
        cols.append(s)
    # (B*T, *) then one reshape: B sequences of T rows -> (B, T, *); time-major moves axes.
    out = Reshape.apply(Cat.apply(0, *cols), (len(cols), T) + tail)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """Undo ``pad_sequence``: the list of sequences (L_i, *) cut out of (T, B, *)."""
    x = _check_input(padded_sequences, "unpad_sequence")
    lens = _int_array(lengths)
    out = []
    for b, n in enumerate(lens.tolist()):
        idx = (b, slice(0, n)) if batch_first else (slice(0, n), b)
        out.append(GetItem.apply(x, idx, True))
    return out


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) (sorted by decreasing length unless
    enforce_sorted=False)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo ``pack_sequence``: the list of sequences in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
