"""One time step of the recurrent layers (Elman RNN, LSTM, GRU), the functional cells
``rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell`` (PyTorch's
``torch.lstm_cell`` & co.) and the modules ``RNNCell``, ``LSTMCell``, ``GRUCell``.

Gate order and formulas are PyTorch's:

* RNN:  h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)   (or relu)
* LSTM: [i | f | g | o] = x W_ih^T + b_ih + h W_hh^T + b_hh (blocks of H columns),
  i, f, o = sigmoid(.), g = tanh(.), c' = f * c + i * g, h' = o * tanh(c')
  (with a projection, h' = (o * tanh(c')) W_hr^T)
* GRU:  [r | z | n] blocks of gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh,
  r, z = sigmoid(gi + gh), n = tanh(gi_n + r * gh_n) (b_hn stays inside r * (.)),
  h' = (1 - z) * n + z * h.

A step is the products (``linear``/``addmm`` nodes) and then the gate arithmetic. The
LSTM's and the GRU's gate arithmetic (after the products) is one node each,
``LSTMGates`` and ``GRUGates``: composed of sigmoid, tanh, slices, * and + it would be
11-13 nodes a step, and their Python overhead was half the time of an LSTM training
step (batch 32, hidden 128). Each keeps the composition (``lstm_gates``, ``gru_gates``:
sigmoid, tanh, slices, * and +) as its formula: ``backward`` recomputes it from the
node's inputs and the engine differentiates it (``functional._recompute``), so
``create_graph`` differentiates it again; ``fast_backward`` is the chain rule through
the gates in NumPy on the saved arrays. Through these nodes, backpropagation through
time is the engine's chain rule over the unrolled loop (``nn.rnn_loop``: the layers'
unrolled path, ``fused = False``, and the formula of the layers' default one-node loop,
``functional._rnn_fused``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Function, Tensor
from autograd_core import notation as nt
from autograd_core.ops.arithmetic import Add
from autograd_core.ops.index import GetItem
from autograd_core.ops.matmul import Addmm, _f_ordered, _in_layout_of
from autograd_core.ops.shape import Cat
from autograd_core.ops.unary import Relu, Sigmoid, Tanh

from . import init
from ._factory import empty_param, param_dtype
from .functional._recompute import c_order, grads_of_composition
from .functional._utils import _torch_name
from .functional.linear import Linear2d
from .module import Module

__all__ = ["GRUCell", "GRUGates", "LSTMCell", "LSTMGates", "RNNCell", "RNNCellBase",
           "StepLinear", "gru_cell", "lstm_cell", "rnn_relu_cell", "rnn_tanh_cell"]


def cols(a: Tensor, lo: int, hi: int) -> Tensor:
    """a[:, lo:hi] (a view): one gate block of a (B, k*H) pre-activation."""
    return GetItem.apply(a, (slice(None), slice(lo, hi)), True)


def input_part(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """x W^T + b as one node. x (B, I), w (k*H, I), b (k*H,) or None -> (B, k*H)."""
    return Linear2d.apply(x, w, b)


def _sigmoid_into(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = 1 / (1 + e^-a), in four in-place passes. e^-a overflows to inf for very
    negative a, and 1 / inf = 0 is the right value, so the warning is silenced."""
    np.negative(a, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


def lstm_gates(a: Tensor, state: Tensor | None, off: int) -> Tensor:
    """The LSTM's gate arithmetic from the primitive ops (sigmoid, tanh, slices, * and +):
    [h' | c'] (B, 2H) from a = [a_i | a_f | a_g | a_o] (B, 4H) and c, columns off..off+H
    of ``state`` (None: c = 0). What ``LSTMGates`` computes, and its formula."""
    H = a.shape[1] // 4
    s = Sigmoid.apply(a)
    i, f, o = cols(s, 0, H), cols(s, H, 2 * H), cols(s, 3 * H, 4 * H)
    g = Tanh.apply(cols(a, 2 * H, 3 * H))
    c = i * g if state is None else f * cols(state, off, off + H) + i * g
    return Cat.apply(1, o * Tanh.apply(c), c)


def gru_gates(gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """The GRU's gate arithmetic from the primitive ops: h' (B, H) from gi = x W_ih^T +
    b_ih, gh = h W_hh^T + b_hh (B, 3H) and h (B, H). What ``GRUGates`` computes, and its
    formula."""
    H = gi.shape[1] // 3
    rz = Sigmoid.apply(cols(gi, 0, 2 * H) + cols(gh, 0, 2 * H))
    r, z = cols(rz, 0, H), cols(rz, H, 2 * H)
    n = Tanh.apply(cols(gi, 2 * H, 3 * H) + r * cols(gh, 2 * H, 3 * H))
    return n + z * (h - n)


class LSTMGates(Function):
    """The LSTM's gate arithmetic: [h' | c'] (B, 2H) from the gate pre-activations
    a = [a_i | a_f | a_g | a_o] (B, 4H) and the previous cell state c, which is columns
    off..off+H of ``state`` (the previous step's [h | c], or c_0 itself); ``state`` None
    means c = 0.

    i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g), c' = f c + i g, h' = o tanh(c')
    (``lstm_gates``, the formula). ``fast_backward``'s chain rule, with
    delta_c = delta_c' + delta_h' o (1 - tanh(c')^2):
    delta_a_i = delta_c g i(1-i), delta_a_f = delta_c c f(1-f), delta_a_g = delta_c i (1-g^2),
    delta_a_o = delta_h' tanh(c') o(1-o), delta_c(prev) = delta_c f.
    """

    __slots__ = ("off",)
    label_name = "lstm_gates"

    @staticmethod
    @override
    def forward(ctx, a, state, off):
        ctx.off = off
        B, G = a.shape
        H = G // 4
        act = _sigmoid_into(a, np.empty_like(a))  # the g block is overwritten next
        np.tanh(a[:, 2 * H:3 * H], out=act[:, 2 * H:3 * H])
        out = np.empty((B, 2 * H), a.dtype)
        c = out[:, H:]
        np.multiply(act[:, :H], act[:, 2 * H:3 * H], out=c)
        if state is not None:
            c += act[:, H:2 * H] * state[:, off:off + H]
        tc = np.tanh(c)
        np.multiply(act[:, 3 * H:], tc, out=out[:, :H])
        ctx.save_for_backward(act, tc)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - raises if freed or overwritten
        da, d_state, _ = grads_of_composition(lstm_gates, ctx.inputs, grad)
        return c_order(da), c_order(d_state), None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        act, tc = ctx.saved_tensors
        state = ctx.inputs[1]
        off = ctx.off
        B, G = act.shape
        H = G // 4
        f, g, o = act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
        gd = grad._data
        dh, dc_out = gd[:, :H], gd[:, H:]
        # delta_c = delta_c' + delta_h' o (1 - tanh(c')^2)
        dc = np.multiply(tc, tc)
        np.subtract(1.0, dc, out=dc)
        dc *= o
        dc *= dh
        dc += dc_out
        # Local derivatives of all four blocks at once, a (1 - a) (the g block's is
        # then replaced by 1 - g^2), times each block's upstream factor.
        da = np.subtract(1.0, act)
        da *= act
        dg = da[:, 2 * H:3 * H]
        np.multiply(g, g, out=dg)
        np.subtract(1.0, dg, out=dg)
        for k, (u, v) in enumerate(((g, dc), (None, dc), (act[:, :H], dc), (tc, dh))):
            blk = da[:, k * H:(k + 1) * H]
            if u is None:  # the f block: delta_c c_prev, zero when c_prev is
                if state is None:
                    blk[...] = 0
                    continue
                u = state._data[:, off:off + H]
            blk *= u
            blk *= v
        d_state = None
        if isinstance(state, Tensor) and state.requires_grad:
            width = state._data.shape[1]
            if width == H:
                d_state = Tensor._wrap(np.multiply(dc, f))
            else:
                arr = np.zeros((B, width), act.dtype)
                np.multiply(dc, f, out=arr[:, off:off + H])
                d_state = Tensor._wrap(arr)
        return Tensor._wrap(da), d_state, None

    @override
    def label(self) -> str:
        return "lstm_gates"

    @override
    def formula(self, operands):
        return nt.call("lstm_gates", *[o for o in operands[:2] if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        name = "lstm_gates_backward_a" if k == 0 else "lstm_gates_backward_c"
        return ("custom", lambda u: nt.call(name, u))


class GRUGates(Function):
    """The GRU's gate arithmetic: h' (B, H) from gi = x W_ih^T + b_ih (B, 3H),
    gh = h W_hh^T + b_hh (B, 3H) and h (B, H).

    r, z = sigmoid(gi_rz + gh_rz), n = tanh(gi_n + r gh_n), h' = n + z (h - n)
    (``gru_gates``, the formula). ``fast_backward``'s chain rule: delta_n = delta (1 - z),
    delta_z = delta (h - n), delta_h = delta z;
    delta_a_n = delta_n (1 - n^2) goes to gi_n, times r to gh_n; delta_r = delta_a_n gh_n;
    delta_a_r = delta_r r(1-r) and delta_a_z = delta_z z(1-z) go to gi and gh alike.
    """

    __slots__ = ()
    label_name = "gru_gates"

    @staticmethod
    @override
    def forward(ctx, gi, gh, h):
        B, G = gi.shape
        H = G // 3
        rz = np.add(gi[:, :2 * H], gh[:, :2 * H])
        _sigmoid_into(rz, rz)
        n = np.multiply(rz[:, :H], gh[:, 2 * H:])
        n += gi[:, 2 * H:]
        np.tanh(n, out=n)
        out = np.subtract(h, n)
        out *= rz[:, H:]
        out += n
        ctx.save_for_backward(rz, n)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - raises if freed or overwritten
        return tuple(c_order(g) for g in grads_of_composition(gru_gates, ctx.inputs, grad))

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        rz, n = ctx.saved_tensors
        gi, gh, h = ctx.inputs
        H = n.shape[1]
        r, z = rz[:, :H], rz[:, H:]
        g = grad._data
        # delta_a_n = delta (1 - z)(1 - n^2)
        da_n = np.multiply(n, n)
        np.subtract(1.0, da_n, out=da_n)
        da_n *= g
        da_n *= 1.0 - z
        da = np.empty(gi._data.shape, n.dtype)
        # delta_a_r = delta_a_n gh_n r (1 - r)
        np.subtract(1.0, r, out=da[:, :H])
        da[:, :H] *= r
        da[:, :H] *= gh._data[:, 2 * H:]
        da[:, :H] *= da_n
        # delta_a_z = delta (h - n) z (1 - z)
        np.subtract(1.0, z, out=da[:, H:2 * H])
        da[:, H:2 * H] *= z
        da[:, H:2 * H] *= g
        da[:, H:2 * H] *= h._data - n
        da[:, 2 * H:] = da_n
        dgi = Tensor._wrap(da) if gi.requires_grad else None
        dgh = None
        if gh.requires_grad:
            dgh_arr = da.copy() if dgi is not None else da
            dgh_arr[:, 2 * H:] *= r
            dgh = Tensor._wrap(dgh_arr)
        dh = (Tensor._wrap(np.multiply(g, z)) if isinstance(h, Tensor) and h.requires_grad
              else None)
        return dgi, dgh, dh

    @override
    def formula(self, operands):
        return nt.call("gru_gates", *operands)

    @override
    def trace_rule(self, k, operands, out, numbers):
        if k == 2:
            z = nt.Expr("z")
            return ("local", z)
        name = "gru_gates_backward_gi" if k == 0 else "gru_gates_backward_gh"
        return ("custom", lambda u: nt.call(name, u))


class StepLinear(Function):
    """x W^T + b for one time step of a layer, its value cut out of the product of all
    the layer's steps, made by one GEMM before the loop.

    Inputs: x (B, I), w (k*H, I), b (k*H,) or None, and ``value`` (B, k*H), this step's
    rows of [x_1; ...; x_T] W^T + b. One (T*B, I) product runs about 1.5 times faster
    than T products of B rows (measured at B = 32, H = 512), and the forward pass is a
    third of an LSTM step's time. Each step stays its own node, so the engine's chain
    rule is unchanged: the formula and fast path are those of ``Linear2d`` on (x, w, b):
    delta_x = delta W, delta_W = delta^T x, delta_b = delta summed over the batch.
    """

    __slots__ = ()
    _fresh_grads = True  # new products, as Linear2d's
    label_name = "linear"

    @override
    def reads_input(self, i: int) -> bool:
        if i >= 2:  # the bias and the precomputed value are never read
            return False
        other = self.inputs[1 - i]
        return isinstance(other, Tensor) and other.requires_grad

    @staticmethod
    @override
    def forward(ctx, x, w, b, value):
        return value

    @staticmethod
    @override
    def backward(ctx, grad):
        x, w, b = ctx.inputs[:3]
        gx = grad @ w if x.requires_grad else None
        gw = _in_layout_of(w._data, grad.mT, x) if w.requires_grad else None
        gb = grad.sum(dim=0) if isinstance(b, Tensor) and b.requires_grad else None
        return gx, gw, gb, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        x, w, b = ctx.inputs[:3]
        g = grad._data
        gx = Tensor._wrap(g @ w._data) if x.requires_grad else None
        gw = None
        if w.requires_grad:  # in W's memory order, as Linear2d gives it
            gw = Tensor._wrap((x._data.T @ g).T if _f_ordered(w._data) else g.T @ x._data)
        has_b = isinstance(b, Tensor) and b.requires_grad
        gb = Tensor._wrap(np.add.reduce(g, axis=0)) if has_b else None
        return gx, gw, gb, None

    @override
    def formula(self, operands):
        return Linear2d.formula(self, operands[:3])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return Linear2d.trace_rule(self, k, operands[:3], out, numbers)


def step_inputs(steps: list[Tensor], w: Tensor, b: Tensor | None) -> list[Tensor]:
    """x_t W^T + b for every step, one ``StepLinear`` node each, from one GEMM."""
    if not steps:
        return []
    xs = np.concatenate([s._data for s in steps]) if len(steps) > 1 else steps[0]._data
    value = xs @ w._data.T
    if b is not None:
        value += b._data
    out = []
    row = 0
    for s in steps:
        n = s.shape[0]
        out.append(StepLinear.apply(s, w, b, value[row:row + n]))
        row += n
    return out


# ----- one step, as the layers and the cells run it ---------------------------------


def rnn_step(gx: Tensor, h: Tensor | None, whh_t: Tensor, relu: bool) -> Tensor:
    """Elman step: act(gx + h W_hh^T). gx (B, H) = x W_ih^T + b; whh_t = W_hh^T (H, H);
    h None means a zero state (the product is skipped: it would add exact zeros)."""
    pre = gx if h is None else Addmm.apply(gx, h, whh_t, 1, 1)
    return Relu.apply(pre) if relu else Tanh.apply(pre)


def lstm_step(gx: Tensor, h: Tensor | None, state: Tensor | None, off: int,
              whh_t: Tensor) -> Tensor:
    """LSTM step: [h' | c'] (B, 2H) from gx (B, 4H) = x W_ih^T + b, h (B, P) and the cell
    state at columns off..off+H of ``state`` (see ``LSTMGates``). None states are zeros:
    the recurrent product is then skipped (it would add exact zeros)."""
    gates = gx if h is None else Addmm.apply(gx, h, whh_t, 1, 1)
    return LSTMGates.apply(gates, state, off)


def gru_step(gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """GRU step: h' from gi = x W_ih^T + b_ih, gh = h W_hh^T + b_hh (B, 3H) and h."""
    return GRUGates.apply(gi, gh, h)


def _merged_bias(b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    """b_ih + b_hh as one vector (both are added to the same pre-activation)."""
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else Add.apply(b_ih, b_hh)


def _check_cell(x: Any, states: tuple, w_ih: Any, w_hh: Any, gates: int) -> int:
    """The functional cells' arguments, checked in PyTorch's words; returns H."""
    for name, t in (("input", x), ("w_ih", w_ih), ("w_hh", w_hh)):
        if not isinstance(t, Tensor):
            raise TypeError(f"rnn cell: argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
        if t.ndim != 2:
            raise RuntimeError(f"rnn cell: {name} must be 2-D, got shape {list(t.shape)}")
    H = w_hh.shape[1]
    if w_hh.shape[0] != gates * H or w_ih.shape[0] != gates * H:
        raise RuntimeError(f"rnn cell: w_ih {list(w_ih.shape)} and w_hh {list(w_hh.shape)} "
                           f"must have {gates} * hidden_size = {gates * H} rows")
    if x.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} expected "
                           f"{w_ih.shape[1]}")
    for k, h in enumerate(states):
        if h is None:
            continue
        if not isinstance(h, Tensor) or h.ndim != 2:
            raise RuntimeError(f"rnn cell: hidden{k} must be a 2-D Tensor")
        if h.shape[0] != x.shape[0]:
            raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{k} batch "
                               f"size {h.shape[0]}")
        if h.shape[1] != H:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, "
                               f"expected {H}")
    return H


def _zero_state(x: Tensor, hidden: int) -> Tensor:
    return Tensor._wrap(np.zeros((x.shape[0], hidden), x._data.dtype))


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """tanh(x W_ih^T + b_ih + h W_hh^T + b_hh): x (B, I), hx (B, H) (None: zeros) ->
    (B, H)."""
    H = _check_cell(input, (hx,), w_ih, w_hh, 1)
    hx = _zero_state(input, H) if hx is None else hx
    return rnn_step(input_part(input, w_ih, _merged_bias(b_ih, b_hh)), hx, w_hh.mT, False)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """relu(x W_ih^T + b_ih + h W_hh^T + b_hh): x (B, I), hx (B, H) (None: zeros) ->
    (B, H)."""
    H = _check_cell(input, (hx,), w_ih, w_hh, 1)
    hx = _zero_state(input, H) if hx is None else hx
    return rnn_step(input_part(input, w_ih, _merged_bias(b_ih, b_hh)), hx, w_hh.mT, True)


def lstm_cell(input: Tensor, hx: Any, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None,
              ) -> tuple[Tensor, Tensor]:
    """One LSTM step as ``torch.lstm_cell``: x (B, I), hx = (h, c) each (B, H) -> (h', c').
    hx None (or None entries) means zeros. A zero h is still multiplied by W_hh, so that
    W_hh gets its (zero) gradient as in PyTorch rather than none; a zero c skips f * c."""
    h, c = (None, None) if hx is None else hx
    H = _check_cell(input, (h, c), w_ih, w_hh, 4)
    if h is None:
        h = _zero_state(input, H)
    hc = lstm_step(input_part(input, w_ih, _merged_bias(b_ih, b_hh)), h, c, 0, w_hh.mT)
    return cols(hc, 0, H), cols(hc, H, 2 * H)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step as ``torch.gru_cell``: x (B, I), hx (B, H) (None: zeros) -> h' (B, H)."""
    H = _check_cell(input, (hx,), w_ih, w_hh, 3)
    hx = _zero_state(input, H) if hx is None else hx
    return gru_step(input_part(input, w_ih, b_ih), input_part(hx, w_hh, b_hh), hx)


# ----- the cells ---------------------------------------------------------------------


class RNNCellBase(Module):
    """Shared parameters of the cells: weight_ih (k*H, I), weight_hh (k*H, H), and unless
    bias=False bias_ih, bias_hh (k*H,), all drawn from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype, device)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        k = num_chunks * hidden_size
        self.weight_ih = empty_param((k, input_size), dt)
        self.weight_hh = empty_param((k, hidden_size), dt)
        if bias:
            self.bias_ih = empty_param((k,), dt)
            self.bias_hh = empty_param((k,), dt)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @override
    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    # ----- argument checks, in PyTorch's words ---------------------------------------
    def _batched_input(self, input: Any) -> tuple[Tensor, bool]:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}.forward(): argument 'input' must be Tensor, not "
                            f"{type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        batched = input.ndim == 2
        x = input if batched else input.reshape(1, -1)
        if x.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} "
                               f"expected {self.input_size}")
        w = self.weight_ih
        if x.dtype != w.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{_torch_name(x.dtype)} and {_torch_name(w.dtype)}")
        return x, batched

    def _state(self, h: Any, k: int, x: Tensor, batched: bool, label: str) -> Tensor:
        """Check hidden state ``k`` against the (batched) input and return it 2-D."""
        name = type(self).__name__
        if not isinstance(h, Tensor):
            raise TypeError(f"{name}.forward(): {label} must be a Tensor, not "
                            f"{type(h).__name__}")
        if h.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.ndim}D instead")
        if h.ndim != x.ndim - (0 if batched else 1):
            kind = "batched 2-D" if batched else "unbatched 1-D"
            raise RuntimeError(f"{name}: for {kind} input, {label} should be "
                               f"{2 if batched else 1}-D but got {h.ndim}-D")
        h2 = h if batched else h.reshape(1, -1)
        if h2.shape[0] != x.shape[0]:
            raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{k} batch "
                               f"size {h2.shape[0]}")
        if h2.shape[1] != self.hidden_size:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h2.shape[1]}, "
                               f"expected {self.hidden_size}")
        if h2.dtype != x.dtype:
            raise RuntimeError(f"{name}: expected hidden{k} to have the input's dtype "
                               f"({_torch_name(x.dtype)}), but got {_torch_name(h2.dtype)}")
        return h2


class RNNCell(RNNCellBase):
    """Elman cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    input (B, input_size) or unbatched (input_size,); hx like it with hidden_size
    (zeros when None) -> h' (B, hidden_size) or (hidden_size,).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    @override
    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x, batched = self._batched_input(input)
        h = None if hx is None else self._state(hx, 0, x, batched, "hidden")
        p = self._parameters
        cell = rnn_relu_cell if self.nonlinearity == "relu" else rnn_tanh_cell
        out = cell(x, h, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
        return out if batched else out.reshape(-1)


class LSTMCell(RNNCellBase):
    """LSTM cell (gates i, f, g, o as PyTorch):

    i, f, o = sigmoid(.), g = tanh(.) of x W_ih^T + b_ih + h W_hh^T + b_hh,
    c' = f * c + i * g, h' = o * tanh(c').
    input (B, input_size) or (input_size,); hx = (h, c), each (B, hidden_size) or
    (hidden_size,), zeros when None -> (h', c') shaped like them.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    @override
    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, batched = self._batched_input(input)
        h = c = None
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTMCell.forward(): hx must be a tuple (h_0, c_0) of two "
                                f"Tensors, got {type(hx).__name__}")
            h = self._state(hx[0], 0, x, batched, "hx[0]")
            c = self._state(hx[1], 1, x, batched, "hx[1]")
        p = self._parameters
        h1, c1 = lstm_cell(x, (h, c), p["weight_ih"], p["weight_hh"], p["bias_ih"],
                           p["bias_hh"])
        if not batched:
            return h1.reshape(-1), c1.reshape(-1)
        return h1, c1


class GRUCell(RNNCellBase):
    """GRU cell (gates r, z, n as PyTorch):

    r, z = sigmoid(x W_i^T + b_i + h W_h^T + b_h) per block,
    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), h' = (1 - z) * n + z * h.
    input (B, input_size) or (input_size,); hx like it with hidden_size (zeros when
    None) -> h' shaped like hx.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    @override
    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched = self._batched_input(input)
        if hx is None:
            h = _zero_state(x, self.hidden_size)
        else:
            h = self._state(hx, 0, x, batched, "hidden")
        p = self._parameters
        out = gru_cell(x, h, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
        return out if batched else out.reshape(-1)
