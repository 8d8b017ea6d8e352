"""Parity rows for the recurrent cells' gate nodes (issue 16): ``LSTMGates`` and
``GRUGates`` behind ``lstm_cell``/``gru_cell``, against ``torch.lstm_cell`` and
``torch.gru_cell``. Each row is compared with PyTorch in float32/float64 and gradchecked
to first and second order by the shared tests (test_ops_parity.py,
test_gradcheck_ops.py, test_op_registry.py, which also checks each fast path against
its formula).
"""

from __future__ import annotations

import torch
from _helpers import TORCH, OpCase, nn_of

import nn.rnn_cells as cells

# x (B=3, I=4), h/c (3, H=2), w_ih (4H or 3H, 4), w_hh (., 2), biases (.,)
_LSTM = ((3, 4), (3, 2), (3, 2), (8, 4), (8, 2), (8,), (8,))
_GRU = ((3, 4), (3, 2), (6, 4), (6, 2), (6,), (6,))


def _lstm(L, x, h, c, w_ih, w_hh, b_ih, b_hh):
    if L is TORCH:
        return L.lstm_cell(x, [h, c], w_ih, w_hh, b_ih, b_hh)
    return cells.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)


def _lstm_zero_state(L, x, w_ih, w_hh):
    # Ours skips the recurrent product and f * c for a None state; torch gets zeros.
    if L is TORCH:
        z = L.zeros(x.shape[0], w_hh.shape[1], dtype=x.dtype)
        return L.lstm_cell(x, [z, z], w_ih, w_hh)
    return cells.lstm_cell(x, None, w_ih, w_hh)


def _lstm_c_in_state(L, x, h, c, w_ih, w_hh):
    # Two steps: the second reads c from the first step's [h | c] output (columns H..2H).
    if L is TORCH:
        h1, c1 = L.lstm_cell(x, [h, c], w_ih, w_hh)
        return L.lstm_cell(x * 0.5, [h1, c1], w_ih, w_hh)
    # As nn.LSTM's loop runs it: the second gate node reads c inside [h | c] (off = H).
    H = w_hh.shape[1]
    hc1 = cells.lstm_step(cells.input_part(x, w_ih, None), h, c, 0, w_hh.mT)
    hc2 = cells.lstm_step(cells.input_part(x * 0.5, w_ih, None), cells.cols(hc1, 0, H), hc1,
                          H, w_hh.mT)
    return cells.cols(hc2, 0, H), cells.cols(hc2, H, 2 * H)


def _gru(L, x, h, w_ih, w_hh, b_ih, b_hh):
    cell = L.gru_cell if L is TORCH else cells.gru_cell
    return cell(x, h, w_ih, w_hh, b_ih, b_hh)


def _layer(cls: str, **kw):
    """A whole layer (3 steps) with the row's tensors as its parameters: its graph holds
    the per-step input products (StepLinear) as well as the gate nodes."""
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]

    def fn(L, x, *weights):
        m = getattr(nn_of(L), cls)(x.shape[-1], weights[1].shape[1], dtype=x.dtype, **kw)
        if L is TORCH:
            out, hn = torch.func.functional_call(m, dict(zip(names, weights)), (x,))
        else:
            for name, w in zip(names, weights):  # the row's leaves stand in for parameters
                m._parameters[name] = w
            out, hn = m(x)
        return (out, *hn) if isinstance(hn, tuple) else (out, hn)

    return fn


CASES: list[OpCase] = [
    OpCase("rnn-lstm_cell", _lstm, _LSTM),
    OpCase("rnn-lstm_cell-zero_state", _lstm_zero_state, ((3, 4), (8, 4), (8, 2))),
    OpCase("rnn-lstm_cell-two_steps", _lstm_c_in_state,
           ((3, 4), (3, 2), (3, 2), (8, 4), (8, 2))),
    OpCase("rnn-gru_cell", _gru, _GRU),
    OpCase("rnn-lstm_layer", _layer("LSTM"), ((3, 2, 2), (8, 2), (8, 2), (8,), (8,))),
    OpCase("rnn-gru_layer", _layer("GRU", batch_first=True),
           ((2, 3, 2), (6, 2), (6, 2), (6,), (6,))),
    OpCase("rnn-rnn_layer", _layer("RNN"), ((3, 2, 2), (2, 2), (2, 2), (2,), (2,))),
]
