"""Parity rows for the recurrent layers' two loops (issue 16): the fused layer nodes
``LSTMLayer``, ``GRULayer`` and ``RNNLayer`` (nn.functional._rnn_fused, the default),
in both directions, with and without initial states, relu, no bias; and the unrolled
loop (``fused = False``: ``StepLinear`` and the gate nodes per step).

Each row is compared with PyTorch's layer in float32/float64 and gradchecked to first
and second order by the shared tests; test_op_registry.py also checks each node's
NumPy backward against its formula on these rows.
"""

from __future__ import annotations

import torch
from _helpers import TORCH, OpCase, nn_of

_NAMES = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


def _names(n_weights: int, bidirectional: bool) -> list[str]:
    names = _NAMES[:n_weights]
    return names + [n + "_reverse" for n in names] if bidirectional else names


def _layer(cls: str, states: int = 0, fused: bool = True, **kw):
    """A one-layer ``cls`` whose parameters are the row's leaves after x (and, with
    ``states``, h_0 (and c_0) right after x). Returns (output, *final states)."""
    bidirectional = kw.get("bidirectional", False)

    def fn(L, x, *rest):
        hx, weights = rest[:states], rest[states:]
        n = len(weights) // (2 if bidirectional else 1)
        m = getattr(nn_of(L), cls)(x.shape[-1], weights[1].shape[1], dtype=x.dtype,
                                   bias=n == 4, **kw)
        names = _names(n, bidirectional)
        args = (x,) if not hx else (x, tuple(hx) if states == 2 else hx[0])
        if L is TORCH:
            out, hn = torch.func.functional_call(m, dict(zip(names, weights)), args)
        else:
            m.fused = fused
            for name, w in zip(names, weights):  # the row's leaves stand in for parameters
                m._parameters[name] = w
            out, hn = m(*args)
        return (out, *hn) if isinstance(hn, tuple) else (out, hn)

    return fn


# x (T=3, B=2, I=2) time-major, (B, T, I) batch-first; H = 2
_X, _XB, _S = (3, 2, 2), (2, 3, 2), (1, 2, 2)
_LSTM_W = ((8, 2), (8, 2), (8,), (8,))
_GRU_W = ((6, 2), (6, 2), (6,), (6,))
_RNN_W = ((2, 2), (2, 2), (2,), (2,))

CASES: list[OpCase] = [
    OpCase("rnn_fused-lstm_states_reverse", _layer("LSTM", 2, bidirectional=True),
           (_X, (2, 2, 2), (2, 2, 2), *_LSTM_W, *_LSTM_W)),
    OpCase("rnn_fused-lstm_batch_first_no_bias", _layer("LSTM", batch_first=True),
           (_XB, (8, 2), (8, 2))),
    OpCase("rnn_fused-lstm_one_step", _layer("LSTM"), ((1, 2, 2), *_LSTM_W)),
    OpCase("rnn_fused-gru_states_reverse", _layer("GRU", 1, bidirectional=True),
           (_X, (2, 2, 2), *_GRU_W, *_GRU_W)),
    OpCase("rnn_fused-gru_no_bias", _layer("GRU"), (_X, (6, 2), (6, 2))),
    OpCase("rnn_fused-rnn_states_reverse", _layer("RNN", 1, bidirectional=True),
           (_X, (2, 2, 2), *_RNN_W, *_RNN_W)),
    OpCase("rnn_fused-rnn_relu", _layer("RNN", 1, nonlinearity="relu"),
           (_X, _S, *_RNN_W)),
    OpCase("rnn_unrolled-lstm", _layer("LSTM", 2, fused=False),
           (_X, _S, _S, *_LSTM_W)),
    OpCase("rnn_unrolled-gru", _layer("GRU", fused=False, batch_first=True),
           (_XB, *_GRU_W)),
    OpCase("rnn_unrolled-rnn", _layer("RNN", fused=False), (_X, *_RNN_W)),
]
