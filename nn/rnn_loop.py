"""The loop over time of one recurrent layer and direction, unrolled into the nodes of
its steps (``nn.rnn_cells``): the one definition of what an RNN, LSTM or GRU layer
computes.

It serves twice. ``nn.RNN``/``LSTM``/``GRU`` run it when a layer is not fused
(``fused = False``, packed input, LSTM projections), and the engine backpropagates
through the steps as through any graph. The fused layer nodes
(``functional._rnn_fused``: one node per layer and direction, a NumPy loop forward and
backward) take it as their formula: under create_graph they recompute their forward
with ``unrolled_direction`` and the engine differentiates that.

Steps are cut from a sequence by halving (``time_steps``, ``row_blocks``): the backward
of each cut is a zero array the size of what it cuts (the engine has one output per
node), so T direct cuts of a (T, B, I) tensor would cost T full-size arrays,
O(T^2 B I); halving costs about 2 log2(T).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core import grad_mode as _grad_mode
from autograd_core.ops.index import GetItem
from autograd_core.ops.matmul import MatMul
from autograd_core.ops.shape import Cat

from .rnn_cells import cols, gru_step, input_part, lstm_step, rnn_step

__all__ = ["row_blocks", "rows_range", "time_steps", "unrolled_direction"]

_GRAD = _grad_mode.STATE


def unrolled_direction(mode: str, gxs: list[Tensor], sizes: list[int], h: Tensor | None,
                       c: Tensor | None, w_hh: Tensor, b_hh: Tensor | None,
                       w_hr: Tensor | None, reverse: bool,
                       ) -> tuple[list[Tensor], Tensor, Tensor | None]:
    """One layer in one direction, step by step.

    mode: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU". gxs: per step t (time order) the
    input product x_t W_ih^T + b, (sizes[t], k*H), with b = b_ih + b_hh (b_ih alone for
    the GRU, whose b_hh stays inside r * (h W_hn^T + b_hn)). h (B, P), c (B, H): initial
    states, None for zeros. w_hh (k*H, P); b_hh (k*H,) (GRU) or None; w_hr (P, H) or
    None (an LSTM projection). Returns (h_t for every t in time order, h_last, c_last or
    None); h_last/c_last hold the rows of sequences that end early after the others.

    With shrinking batch sizes (packed input) the rows of sequences that have ended
    leave the state (forward direction; their last state is kept for h_n) or join it
    from the initial state (reverse direction, which starts at the end).
    """
    lstm, gru = mode == "LSTM", mode == "GRU"
    T = len(gxs)
    full = sizes[0]
    H = gxs[0].shape[1] // (4 if lstm else 3 if gru else 1)
    P = w_hh.shape[1]
    dt = gxs[0]._data.dtype
    if h is None and (gru or T == 1):
        # A zero state is skipped at the first step (it would add exact zeros), except
        # where W_hh would then get no gradient at all (one step) or the GRU needs
        # h W_hn^T + b_hn: PyTorch gives W_hh a zero gradient, not none.
        h = Tensor._wrap(np.zeros((full, P), dt))
    whh_t = w_hh.mT
    whr_t = None if w_hr is None else w_hr.mT
    relu = mode == "RNN_RELU"
    init = (h, c)
    if reverse and sizes[-1] != full:  # start with the rows of the longest sequences
        h = rows_range(h, 0, sizes[-1]) if h is not None else None
        c = rows_range(c, 0, sizes[-1]) if c is not None else None
    # An LSTM's cell state is read where the gate node left it: columns off..off+H of
    # ``state``, the previous step's [h | c] output (or c_0, off 0), so that no slice
    # node is needed for it.
    state, off = c, 0
    ended: list[tuple[Tensor, Tensor | None]] = []  # (h, c) of sequences ended early
    hs: list[Any] = [None] * T
    prev = sizes[T - 1] if reverse else full
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        if sizes[t] != prev:
            h, state, off = _resize(h, state, off, init, prev, sizes[t], reverse, lstm,
                                    ended, H, P, dt)
            prev = sizes[t]
        if lstm:
            state, off = lstm_step(gxs[t], h, state, off, whh_t), H
            h = cols(state, 0, H)
            if whr_t is not None:
                h = MatMul.apply(h, whr_t)
        elif gru:
            h = gru_step(gxs[t], input_part(h, w_hh, b_hh), h)
        else:
            h = rnn_step(gxs[t], h, whh_t, relu)
        hs[t] = h
    c = _cell(state, off, H) if lstm else None
    if ended:  # rows in order: the longest sequences' states first
        h = Cat.apply(0, h, *[e[0] for e in reversed(ended)])
        if lstm:
            c = Cat.apply(0, c, *[e[1] for e in reversed(ended)])
    return hs, h, c


def _resize(h: Tensor | None, state: Tensor | None, off: int, init: tuple, prev: int,
            size: int, reverse: bool, lstm: bool, ended: list, hidden: int, width: int,
            dt: np.dtype) -> tuple[Any, Any, int]:
    """The states (h, state, off) for a step whose batch is ``size`` rows after one of
    ``prev``: in reverse, rows prev..size-1 start from the initial states (or zeros);
    forward, rows size..prev-1 have ended and their states go to ``ended``."""
    if reverse:
        h = _grow(h, init[0], prev, size, width, dt)
        if lstm:
            state, off = _grow(_cell(state, off, hidden), init[1], prev, size, hidden, dt), 0
        return h, state, off
    c_end = _cell(rows_range(state, size, prev), off, hidden) if lstm else None
    ended.append((rows_range(h, size, prev), c_end))
    h = rows_range(h, 0, size)
    if lstm:
        state = rows_range(state, 0, size)
    return h, state, off


def _cell(state: Tensor, off: int, hidden: int) -> Tensor:
    """The cell state held at columns off..off+H of ``state`` (itself when off is 0)."""
    return cols(state, off, off + hidden) if off else state


def rows_range(h: Tensor, lo: int, hi: int) -> Tensor:
    """h[lo:hi] (a view): rows lo..hi-1 of a state or of packed data."""
    return GetItem.apply(h, (slice(lo, hi),), True)


def _grow(state: Tensor | None, init: Tensor | None, lo: int, hi: int, width: int,
          dt: np.dtype) -> Tensor:
    """The state with rows lo..hi-1 appended from the initial state (zeros if none)."""
    new = (rows_range(init, lo, hi) if init is not None
           else Tensor._wrap(np.zeros((hi - lo, width), dt)))
    if state is None:
        return new if lo == 0 else Cat.apply(0, Tensor._wrap(np.zeros((lo, width), dt)), new)
    return Cat.apply(0, state, new)


def time_steps(x: Tensor, batch_first: bool) -> list[Tensor]:
    """x (T, B, I) or (B, T, I) -> T views (B, I) in time order.

    Without a gradient to x each step is a plain view; with one, the steps are cut by
    halving (see the module's docstring).
    """
    T = x.shape[1] if batch_first else x.shape[0]
    if not (x.requires_grad and _GRAD.enabled):
        if batch_first:
            return [GetItem.apply(x, (slice(None), t), True) for t in range(T)]
        return [GetItem.apply(x, (t,), True) for t in range(T)]
    tm = x.transpose(0, 1) if batch_first else x
    out: list[Tensor] = []
    _halve(tm, 0, T, out, lambda a, t: GetItem.apply(a, (t,), True))
    return out


def row_blocks(x: Tensor, sizes: list[int]) -> list[Tensor]:
    """Packed data (N, I) -> one block of rows per step (sizes[t], I), by halving."""
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    out: list[Tensor] = []
    if not (x.requires_grad and _GRAD.enabled):
        return [rows_range(x, bounds[t], bounds[t + 1]) for t in range(len(sizes))]
    _halve_rows(x, bounds, 0, len(sizes), out)
    return out


def _halve(a: Tensor, lo: int, hi: int, out: list, leaf: Any) -> None:
    """Append leaf(a, t - lo) for t in lo..hi-1, where a holds steps lo..hi-1 on dim 0."""
    n = hi - lo
    if n <= 4:
        out.extend(leaf(a, t) for t in range(n))
        return
    mid = n // 2
    _halve(GetItem.apply(a, (slice(0, mid),), True), lo, lo + mid, out, leaf)
    _halve(GetItem.apply(a, (slice(mid, n),), True), lo + mid, hi, out, leaf)


def _halve_rows(a: Tensor, bounds: list[int], lo: int, hi: int, out: list) -> None:
    """Append the row blocks of steps lo..hi-1; a holds rows bounds[lo]..bounds[hi]-1."""
    base = bounds[lo]
    if hi - lo <= 4:
        out.extend(rows_range(a, bounds[t] - base, bounds[t + 1] - base)
                   for t in range(lo, hi))
        return
    mid = (lo + hi) // 2
    _halve_rows(rows_range(a, 0, bounds[mid] - base), bounds, lo, mid, out)
    _halve_rows(rows_range(a, bounds[mid] - base, bounds[hi] - base), bounds, mid, hi, out)
