"""The recurrent part of one layer and direction as one node: ``LSTMLayer``,
``GRULayer`` and ``RNNLayer`` (the speed path of ``nn.LSTM``, ``nn.GRU``, ``nn.RNN``).

The layers compute the input products of every step in one GEMM before these nodes
(``x W_ih^T + b`` for all T*B rows, an ordinary ``linear`` node); what is left is the
loop over time: h_t from gx_t and h_{t-1} W_hh^T. Unrolled, that loop is a few nodes per
step, and backpropagating through it gives W_hh's gradient as one (k*H, B) @ (B, H)
product per step, summed by the engine: at hidden 512 those T products and sums moved
about a gigabyte of memory per training step, and the per-step Python of the nodes was
a third of a step at hidden 128 (benchmarks/lstm.py).

Each node keeps the two parts the design asks of an op:

* ``backward``, the formula: the node's forward recomputed from its inputs by the
  unrolled loop of ``nn.rnn_loop`` (the layers' ``fused = False`` path: the steps'
  products, gate nodes and slices), differentiated by the engine
  (``_recompute.grads_of_composition``); no chain rule through time is written here,
  and ``create_graph=True`` differentiates the result again (second derivatives,
  gradcheck of second order);
* ``fast_backward``, the chain rule through time in NumPy on the arrays saved by the
  forward pass: one loop over time that carries delta_h (and delta_c) backwards, the
  gates' deltas written into one (T, B, k*H) buffer, and W_hh's gradient as ONE product
  over all steps after the loop. tests/test_op_registry.py checks it equals the formula.

Layouts. ``gx`` is (T*B, k*H): row block t is step t (time-major), as the input
product makes it. The output is time-major: (T, B, H) of h_t for the GRU and RNN; for
the LSTM (T+1, B, H), rows 0..T-1 the h_t and row T the last cell state c (the engine
has one output per node, and c_n must stay differentiable). A reverse direction runs
t = T-1 .. 0 and stores h_t at row t all the same, so its last state is row 0.

Inside the LSTM and GRU loops each step works transposed, (k*H, B): a gate is then a
contiguous (H, B) block, where in the (B, k*H) layout it is a strided column block, and
NumPy's loops over those were slower at hidden 128 (measured against the (B, k*H)
loops: LSTM node forward 2-5% and backward 11-12% faster, GRU 10% and 16%; the product
W_hh h^T also runs faster in this order). Each step
reads gx_t transposed and writes h_t and its deltas back in the layouts above.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Function, Tensor
from autograd_core import notation as nt
from autograd_core.ops.matmul import _f_ordered
from autograd_core.ops.shape import Cat, Reshape

from ..rnn_loop import time_steps, unrolled_direction
from ._recompute import c_order, grads_of_composition, order_of

__all__ = ["GRULayer", "LSTMLayer", "RNNLayer"]


def _sigmoid_into(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = 1 / (1 + e^-a) in place passes; e^-a overflowing to inf gives the right 0."""
    np.negative(a, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


def _order(steps: int, reverse: bool) -> range:
    """The time steps in the order the loop runs them."""
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _composed(mode: str, gx: Tensor, h0: Tensor | None, c0: Tensor | None, w: Tensor,
              b: Tensor | None, steps: int, reverse: bool) -> Tensor:
    """A layer node's output from its inputs by the unrolled loop of ``nn.rnn_loop`` (the
    layers' ``fused = False`` path): the steps cut from gx (T*B, k*H), then h_t of every
    step stacked (T, B, H), and for the LSTM the last cell state as row T."""
    B = gx.shape[0] // steps
    xs = time_steps(Reshape.apply(gx, (steps, B, gx.shape[1])), False)
    hs, _, c = unrolled_direction(mode, xs, [B] * steps, h0, c0, w, b, None, reverse)
    rows = hs if c is None else [*hs, c]
    return Reshape.apply(Cat.apply(0, *rows), (len(rows), B, rows[0].shape[1]))


def _fast_weight_grad(w: np.ndarray, d_all: np.ndarray, h_all: np.ndarray | None,
                      d_first: np.ndarray, h_first: np.ndarray | None) -> np.ndarray:
    """sum_t delta_t^T h_{t-1} in NumPy, in W's memory order: one product over the steps
    whose previous state is a row block of the output (``d_all``/``h_all``, 2-D), plus
    the first step's with the initial state (None: a zero state, nothing to add)."""
    f_order = _f_ordered(w)

    def prod(d: np.ndarray, h: np.ndarray) -> np.ndarray:
        return (h.T @ d).T if f_order else d.T @ h

    gw = prod(d_all, h_all) if h_all is not None else None
    if h_first is not None:
        first = prod(d_first, h_first)
        gw = first if gw is None else np.add(gw, first, out=gw)
    if gw is None:
        gw = np.zeros(w.shape, w.dtype, order="F" if f_order else "C")
    return gw


def _fast_dw(w: Tensor, deltas: np.ndarray, out: np.ndarray, h0: Tensor | None,
             reverse: bool) -> Tensor | None:
    """W_hh's gradient sum_t delta_t^T h_{t-1} from the deltas (T, B, k*H) of the
    pre-activations and the layer's output rows h_t (T or T+1, B, H); None when W_hh
    needs none. Step t's previous state is output row t-1 (forward) or t+1 (reverse),
    except the first step's, the initial state."""
    if not w.requires_grad:
        return None
    T, _, G = deltas.shape
    H = out.shape[2]
    later = slice(0, T - 1) if reverse else slice(1, T)  # steps with h_{t-1} in out
    prev = slice(1, T) if reverse else slice(0, T - 1)
    return Tensor._wrap(_fast_weight_grad(
        w._data, deltas[later].reshape(-1, G), out[prev].reshape(-1, H) if T > 1 else None,
        deltas[_order(T, reverse)[0]], None if h0 is None else h0._data))


class _LayerNode(Function):
    """What the three layer nodes share: the formula, the label and what traces show.

    A subclass gives ``_composition(*inputs)``, its forward as the unrolled loop, and
    ``_w_at``, the position of W_hh among its inputs."""

    __slots__ = ()
    label_name = "rnn_layer"
    _steps_at = 4  # position of the inputs ``steps`` and ``reverse``
    _w_at = 3

    @staticmethod
    def _composition(*inputs: Any) -> Tensor:
        raise NotImplementedError

    @staticmethod
    @override
    def backward(ctx, grad):
        # The formula: the forward recomputed by the unrolled loop, the engine's gradient
        # of it, in the layouts the fast path gives (W_hh's gradient in W_hh's order).
        ctx.saved_tensors  # noqa: B018 - raises if freed or overwritten
        w_at = ctx._w_at
        grads = grads_of_composition(ctx._composition, ctx.inputs, grad)
        return tuple(order_of(g, ctx.inputs[i]) if i == w_at else c_order(g)
                     for i, g in enumerate(grads))

    @override
    def label(self) -> str:
        steps, reverse = self.inputs[self._steps_at:self._steps_at + 2]
        return f"{self.label_name}(steps={steps}{', reverse' if reverse else ''})"

    @override
    def formula(self, operands):
        return nt.call(self.label_name,
                       *[o for o in operands[:self._steps_at] if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        name = f"{self.label_name}_backward_{k}"
        return ("custom", lambda u: nt.call(name, u))


class LSTMLayer(_LayerNode):
    """An LSTM layer's loop over time, one direction: inputs gx (T*B, 4H) = x W_ih^T + b
    for every step, h_0 and c_0 (B, H) or None (zeros), W_hh (4H, H), the number of
    steps T and ``reverse``. Output (T+1, B, H): h_t at row t, the last c at row T.

    Per step, gates as PyTorch's (i, f, g, o): a = gx_t + h_{t-1} W_hh^T,
    i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g), c_t = f c_{t-1} + i g,
    h_t = o tanh(c_t). ``fast_backward`` through time, from t = last to first:
    delta_h = delta_out_t + delta_a_{t+1} W_hh, delta_c = delta_c_{t+1} f_{t+1}
    + delta_h o (1 - tanh(c_t)^2); delta_a_i = delta_c g i(1-i),
    delta_a_f = delta_c c_{t-1} f(1-f), delta_a_g = delta_c i (1-g^2),
    delta_a_o = delta_h tanh(c_t) o(1-o); delta_W_hh = sum_t delta_a_t^T h_{t-1}.
    """

    __slots__ = ()
    label_name = "lstm_layer"

    @staticmethod
    @override
    def forward(ctx, gx, h0, c0, w, steps, reverse):
        G = gx.shape[1]
        B, H = gx.shape[0] // steps, G // 4
        dt = gx.dtype
        # The loop works on transposed steps, (4H, B): a = W_hh h_{t-1}^T + gx_t^T, so that
        # each gate is a contiguous (H, B) block (in the (B, 4H) layout it is a strided
        # column block, and NumPy's loops over those are markedly slower at hidden 128);
        # the product in this order also runs faster. acts[k], the k-th step run: sigmoid
        # of the four pre-activations, g's block holding s = sigmoid(2a_g) (so g = 2s - 1
        # and 1 - g^2 = 4s(1 - s)). other[k]: each block's factor in its delta besides
        # a(1 - a), [g, c_{t-1}, 4i, tanh(c_t)], so that the backward applies all four in
        # one product; c_t is written into the next step's c_{t-1} block (row ``steps``
        # holds the last c).
        acts = np.empty((steps, G, B), dt)
        other = np.empty((steps + 1, G, B), dt)
        hs = np.empty((2, H, B), dt)  # h_t^T, two in turn (out keeps every h_t)
        out = np.empty((steps + 1, B, H), dt)
        tmp = np.empty((H, B), dt)
        if c0 is None:
            other[0, H:2 * H] = 0
        else:
            np.copyto(other[0, H:2 * H], c0.T)
        # All four gates from ONE exp over the (4H, B) block, the loop's largest
        # elementwise cost: with e = exp(-a), sigmoid(a) = 1 / (1 + e), and e^2 =
        # exp(-2a) gives g's s. -a comes straight from the product with -W_hh (negated
        # once per call), so no pass negates it.
        w_neg = np.negative(w)
        h = None if h0 is None else np.ascontiguousarray(h0.T)
        with np.errstate(over="ignore"):  # e = inf for a < -88 (float32): sigmoid 0
            for k, t in enumerate(_order(steps, reverse)):
                a = acts[k]
                g_in = gx[t * B:(t + 1) * B].T
                if h is None:
                    np.negative(g_in, out=a)
                else:
                    np.matmul(w_neg, h, out=a)
                    a -= g_in
                np.exp(a, out=a)
                s = a[2 * H:3 * H]
                np.multiply(s, s, out=s)
                a += 1.0
                np.divide(1.0, a, out=a)  # faster than np.reciprocal
                i, f, o = a[:H], a[H:2 * H], a[3 * H:]
                x = other[k]
                g, c, tc = x[:H], x[H:2 * H], x[3 * H:]
                np.multiply(s, 2.0, out=g)
                g -= 1.0
                np.multiply(i, 4.0, out=x[2 * H:3 * H])
                ct = other[k + 1, H:2 * H]
                np.multiply(i, g, out=ct)
                np.multiply(f, c, out=tmp)
                ct += tmp
                np.tanh(ct, out=tc)
                h = hs[k & 1]
                np.multiply(o, tc, out=h)
                np.copyto(out[t], h.T)
        np.copyto(out[steps], other[steps, H:2 * H].T)
        ctx.save_for_backward(acts, other, out)
        return out

    @staticmethod
    @override
    def _composition(gx, h0, c0, w, steps, reverse):
        return _composed("LSTM", gx, h0, c0, w, None, steps, reverse)

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        acts, other, out = ctx.saved_tensors
        gx, h0, c0, w, steps, reverse = ctx.inputs
        T, G, B = acts.shape
        H = G // 4
        wd = w._data
        gd = grad._data
        dt = acts.dtype
        das = np.empty((T, B, G), dt)  # by time, in gx's layout: gx's gradient
        da = np.empty((G, B), dt)  # one step's, transposed as the forward's steps
        dh = np.zeros((H, B), dt)
        dc = np.ascontiguousarray(gd[T].T, dtype=dt)  # delta of the last cell state
        tmp = np.empty((H, B), dt)
        order = _order(T, reverse)
        for k in range(T - 1, -1, -1):
            t = order[k]
            a = acts[k]
            tc = other[k, 3 * H:]
            dh += gd[t].T
            # delta_c += delta_h o (1 - tanh(c)^2)
            np.multiply(tc, tc, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            tmp *= a[3 * H:]
            tmp *= dh
            dc += tmp
            # The four blocks' local derivatives a(1 - a) times their other factors
            # [g, c_{t-1}, 4i, tanh(c_t)] in one product (g's block: 4 i s(1 - s) =
            # i (1 - g^2)); then delta_c for i, f and g in one broadcast call, delta_h for
            # o (fewer, larger NumPy calls: at hidden 128 a call's fixed cost is most of
            # its time).
            np.subtract(1.0, a, out=da)
            da *= a
            da *= other[k]
            ifg = da.reshape(4, H, B)[:3]  # da is contiguous: a view, never a copy
            np.multiply(ifg, dc, out=ifg)
            da[3 * H:] *= dh
            dc *= a[H:2 * H]
            np.copyto(das[t], da.T)
            if k or h0 is not None:
                np.matmul(wd.T, da, out=dh)
        dgx = Tensor._wrap(das.reshape(T * B, G)) if gx.requires_grad else None
        dw = _fast_dw(w, das, out, h0, reverse)
        dh0 = dc0 = None
        if isinstance(h0, Tensor) and h0.requires_grad:
            dh0 = Tensor._wrap(np.ascontiguousarray(dh.T))
        if isinstance(c0, Tensor) and c0.requires_grad:
            dc0 = Tensor._wrap(np.ascontiguousarray(dc.T))
        return dgx, dh0, dc0, dw, None, None


class GRULayer(_LayerNode):
    """A GRU layer's loop over time, one direction: inputs gi (T*B, 3H) = x W_ih^T + b_ih
    for every step, h_0 (B, H) or None (zeros), W_hh (3H, H), b_hh (3H,) or None, the
    number of steps T and ``reverse``. Output (T, B, H): h_t at row t.

    Per step, gates as PyTorch's (r, z, n): gh = h_{t-1} W_hh^T + b_hh,
    r, z = sigmoid(gi_rz + gh_rz), n = tanh(gi_n + r gh_n), h_t = n + z (h_{t-1} - n).
    ``fast_backward`` through time: delta_h = delta_out_t + delta_h(from t+1);
    delta_a_n = delta_h (1 - z)(1 - n^2) goes to gi_n, times r to gh_n;
    delta_a_r = delta_a_n gh_n r(1-r), delta_a_z = delta_h (h_{t-1} - n) z(1-z) go to
    gi and gh alike; delta_h(to t-1) = delta_h z + delta_gh W_hh;
    delta_W_hh = sum_t delta_gh_t^T h_{t-1}, delta_b_hh = sum_t delta_gh_t.
    """

    __slots__ = ()
    label_name = "gru_layer"
    _w_at = 2

    @staticmethod
    @override
    def forward(ctx, gi, h0, w, b, steps, reverse):
        G = gi.shape[1]
        B, H = gi.shape[0] // steps, G // 3
        dt = gi.dtype
        # Transposed steps, (3H, B), as in LSTMLayer: each gate a contiguous (H, B) block.
        # ghs[k] (the k-th step run) holds -(W_hh h_{t-1}^T + b_hh), from the product
        # with -W_hh: r and z then come from one exp of -(gi + gh) with no negating pass.
        ghs = np.empty((steps, G, B), dt)
        rzs = np.empty((steps, 2 * H, B), dt)
        ns = np.empty((steps, H, B), dt)
        hs = np.empty((steps, H, B), dt)  # h_t^T
        out = np.empty((steps, B, H), dt)
        w_neg = np.negative(w)
        b_neg = None if b is None else np.negative(b)[:, None]
        h = np.zeros((H, B), dt) if h0 is None else np.ascontiguousarray(h0.T)
        with np.errstate(over="ignore"):  # e = inf for a < -88 (float32): sigmoid 0
            for k, t in enumerate(_order(steps, reverse)):
                g_in = gi[t * B:(t + 1) * B].T
                gh = ghs[k]
                np.matmul(w_neg, h, out=gh)
                if b_neg is not None:
                    gh += b_neg
                rz = rzs[k]
                np.subtract(gh[:2 * H], g_in[:2 * H], out=rz)
                np.exp(rz, out=rz)
                rz += 1.0
                np.divide(1.0, rz, out=rz)
                n = ns[k]
                np.multiply(rz[:H], gh[2 * H:], out=n)  # -r gh_n
                np.subtract(g_in[2 * H:], n, out=n)
                np.tanh(n, out=n)
                ht = hs[k]
                np.subtract(h, n, out=ht)
                ht *= rz[H:]
                ht += n
                np.copyto(out[t], ht.T)
                h = ht
        ctx.save_for_backward(ghs, rzs, ns, hs, out)
        return out

    @staticmethod
    @override
    def _composition(gi, h0, w, b, steps, reverse):
        return _composed("GRU", gi, h0, None, w, b, steps, reverse)

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        ghs, rzs, ns, hs, out = ctx.saved_tensors
        gi, h0, w, b, steps, reverse = ctx.inputs
        T, G, B = ghs.shape
        H = G // 3
        wd = w._data
        gd = grad._data
        dt = ghs.dtype
        dgh = np.empty((T, B, G), dt)  # by time, in gi's layout
        dgi = np.empty((T, B, G), dt)
        di = np.empty((G, B), dt)  # one step's, transposed as the forward's steps
        dg = np.empty((G, B), dt)
        dh = np.zeros((H, B), dt)
        tmp = np.empty((H, B), dt)
        prod = np.empty((H, B), dt)
        order = _order(T, reverse)
        h_first = None if h0 is None else np.ascontiguousarray(h0._data.T)
        for k in range(T - 1, -1, -1):
            t = order[k]
            r, z, n = rzs[k, :H], rzs[k, H:], ns[k]
            dh += gd[t].T
            da_n = di[2 * H:]  # delta_h (1 - z)(1 - n^2)
            np.multiply(n, n, out=da_n)
            np.subtract(1.0, da_n, out=da_n)
            np.subtract(1.0, z, out=tmp)
            da_n *= tmp
            da_n *= dh
            blk = di[:H]  # r: delta_a_n gh_n r (1 - r), gh_n = -ghs's block
            np.subtract(r, 1.0, out=blk)
            blk *= r
            blk *= ghs[k, 2 * H:]
            blk *= da_n
            blk = di[H:2 * H]  # z: delta_h (h_prev - n) z (1 - z)
            np.subtract(1.0, z, out=blk)
            blk *= z
            blk *= dh
            if k:
                np.subtract(hs[k - 1], n, out=tmp)
            elif h_first is None:
                np.negative(n, out=tmp)
            else:
                np.subtract(h_first, n, out=tmp)
            blk *= tmp
            dg[:2 * H] = di[:2 * H]
            np.multiply(da_n, r, out=dg[2 * H:])
            dh *= z
            np.matmul(wd.T, dg, out=prod)
            dh += prod
            np.copyto(dgi[t], di.T)
            np.copyto(dgh[t], dg.T)
        d_gi = Tensor._wrap(dgi.reshape(T * B, G)) if gi.requires_grad else None
        dw = _fast_dw(w, dgh, out, h0, reverse)
        db = None
        if isinstance(b, Tensor) and b.requires_grad:
            db = Tensor._wrap(np.add.reduce(dgh.reshape(T * B, G), axis=0))
        dh0 = None
        if isinstance(h0, Tensor) and h0.requires_grad:
            dh0 = Tensor._wrap(np.ascontiguousarray(dh.T))
        return d_gi, dh0, dw, db, None, None


class RNNLayer(_LayerNode):
    """An Elman RNN layer's loop over time, one direction: inputs gx (T*B, H) =
    x W_ih^T + b_ih + b_hh for every step, h_0 (B, H) or None (zeros), W_hh (H, H), the
    number of steps T, ``reverse`` and ``relu`` (else tanh). Output (T, B, H).

    Per step h_t = act(gx_t + h_{t-1} W_hh^T). ``fast_backward`` through time:
    delta_a_t = (delta_out_t + delta_a_{t+1} W_hh) act'(a_t), with act' = 1 - h_t^2
    (tanh) or [h_t > 0] (relu); delta_W_hh = sum_t delta_a_t^T h_{t-1}.
    """

    __slots__ = ()
    label_name = "rnn_layer"
    _w_at = 2
    _steps_at = 3

    @staticmethod
    @override
    def forward(ctx, gx, h0, w, steps, reverse, relu):
        B, H = gx.shape[0] // steps, gx.shape[1]
        out = np.empty((steps, B, H), gx.dtype)
        wt = w.T
        h = h0
        for t in _order(steps, reverse):
            a = out[t]
            g_in = gx[t * B:(t + 1) * B]
            if h is None:
                np.copyto(a, g_in)
            else:
                np.matmul(h, wt, out=a)
                a += g_in
            if relu:
                np.maximum(a, 0, out=a)
            else:
                np.tanh(a, out=a)
            h = a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def _composition(gx, h0, w, steps, reverse, relu):
        return _composed("RNN_RELU" if relu else "RNN_TANH", gx, h0, None, w, None, steps,
                         reverse)

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        (out,) = ctx.saved_tensors
        gx, h0, w, steps, reverse, relu = ctx.inputs
        T, B, H = out.shape
        wd = w._data
        gd = grad._data
        das = np.empty_like(out)
        dh = np.zeros((B, H), out.dtype)
        order = _order(T, reverse)
        first = order[0]
        for t in reversed(order):
            dh += gd[t]
            da = das[t]
            if relu:
                np.greater(out[t], 0, out=da)  # [a > 0] as 0/1 in the float buffer
            else:
                np.multiply(out[t], out[t], out=da)
                np.subtract(1.0, da, out=da)
            da *= dh
            if t != first or h0 is not None:
                np.matmul(da, wd, out=dh)
        dgx = Tensor._wrap(das.reshape(T * B, H)) if gx.requires_grad else None
        dw = _fast_dw(w, das, out, h0, reverse)
        dh0 = Tensor._wrap(dh) if isinstance(h0, Tensor) and h0.requires_grad else None
        return dgx, dh0, dw, None, None, None
