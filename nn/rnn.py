"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU``, with PyTorch's arguments, parameter
names and layouts.

A layer runs the loop over time either as one node per layer and direction (the
default for LSTM and GRU) or unrolled into its cell step's nodes (``nn.rnn_cells``),
through which the engine backpropagates as through any other graph. Stacked layers
(``num_layers``), both directions (``bidirectional``), dropout between layers (training
only), an LSTM projection (``proj_size``), initial states, ``batch_first``, unbatched
2-D inputs and ``PackedSequence`` inputs are supported.

How the loop is laid out, for speed. By default (``fused``, LSTM and GRU) each layer and
direction is two nodes: the input products x_t W_ih^T + b of all steps as one ``linear``
node over the T*B rows, and the loop over time as one node (``LSTMLayer``,
``GRULayer``, ``RNNLayer`` in ``functional._rnn_fused``) whose NumPy backward runs
backpropagation through time in one loop and makes W_hh's gradient as one product over
all steps; its formula (``backward``, used under create_graph) is the unrolled loop
below (``nn.rnn_loop.unrolled_direction``) run again on the node's inputs and
differentiated by the engine. Layers hand each other time-major (T, B, D*H) tensors.

Unrolled (``fused = False``; the Elman RNN's default, packed input, LSTM projections),
a step is three nodes for an RNN or GRU and four for an LSTM: the input product
``x_t W_ih^T + b`` (``StepLinear``), the recurrent product (``addmm``, or a linear node
for the GRU), the gate arithmetic (one node), and for the LSTM the slice of h out of
[h | c]; the engine backpropagates through the unrolled loop as through any other graph.
The input products' values for all steps come from one (T*B, I) @ (I, k*H) GEMM before
the loop, but each step keeps its own node: a hoisted (T, B, k*H) tensor read through T
slices would cost, in the backward pass, a zero tensor of the full size per slice (the
engine has no multi-output node), T of them summed: O(T^2 B H) for one sequence. For the
same reason the input sequence is cut into steps by halving (``rnn_loop.time_steps``) and layers
hand each other lists of steps, not stacked tensors. The weights' gradients are then one
product per step (each node holds its step), summed by the engine.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Tensor
from autograd_core import grad_mode as _grad_mode
from autograd_core.ops.arithmetic import Add
from autograd_core.ops.index import GetItem
from autograd_core.ops.shape import Cat, Reshape

from . import functional as F
from . import init
from ._factory import empty_param, param_dtype
from .functional._rnn_fused import GRULayer, LSTMLayer, RNNLayer
from .functional.linear import Linear2d
from .module import Module
from .rnn_cells import step_inputs
from .rnn_loop import row_blocks, time_steps, unrolled_direction
from .utils.rnn import PackedSequence

__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_GRAD = _grad_mode.STATE


def _torch_dtype(dt: np.dtype) -> str:
    return f"torch.{np.dtype(dt).name}"


def _check_sizes(mode: str, input_size: int, hidden_size: int, num_layers: int, bias: bool,
                 batch_first: bool, proj_size: int) -> None:
    """The constructor's checks after dropout's, in PyTorch's order and words."""
    for name, value in (("bias", bias), ("batch_first", batch_first)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable "
                         "projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if mode not in _GATES:
        raise ValueError("Unrecognized RNN mode: " + str(mode))


def _lstm_states(hx: Any, packed: bool, batched: bool) -> tuple[Tensor, Tensor]:
    """An LSTM's (h_0, c_0), checked; made 3-D for unbatched input."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError("LSTM.forward(): hx must be a tuple (h_0, c_0) of two "
                        f"Tensors, got {type(hx).__name__}")
    h0, c0 = hx
    for i, h in enumerate((h0, c0)):
        if not isinstance(h, Tensor):
            raise TypeError(f"LSTM.forward(): hx[{i}] must be a Tensor, not "
                            f"{type(h).__name__}")
    if not packed:
        want = 3 if batched else 2
        if h0.ndim != want or c0.ndim != want:
            what = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(
                f"For {what} input, hx and cx should also be {want}-D but got "
                f"({h0.ndim}-D, {c0.ndim}-D) tensors")
        if not batched:
            h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
    return h0, c0


def _rnn_state(hx: Any, kind: str, packed: bool, batched: bool) -> Tensor:
    """An RNN's or GRU's h_0, checked; made 3-D for unbatched input."""
    if not isinstance(hx, Tensor):
        raise TypeError(f"{kind}.forward(): hx must be a Tensor, not "
                        f"{type(hx).__name__}")
    h0 = hx
    if not packed:
        if batched and h0.ndim != 3:
            raise RuntimeError("For batched 3-D input, hx should also be 3-D but "
                               f"got {h0.ndim}-D tensor")
        if not batched:
            if h0.ndim != 2:
                raise RuntimeError("For unbatched 2-D input, hx should also be "
                                   f"2-D but got {h0.ndim}-D tensor")
            h0 = h0.unsqueeze(1)
    return h0


class RNNBase(Module):
    """Shared constructor, parameters and loop of ``RNN``, ``LSTM`` and ``GRU``.

    Parameters, per layer l and direction (suffix ``_reverse`` for the backward one),
    in PyTorch's order: ``weight_ih_l{l}`` (k*H, I_l), ``weight_hh_l{l}`` (k*H, P),
    ``bias_ih_l{l}`` and ``bias_hh_l{l}`` (k*H,) unless bias=False, and for an LSTM
    with proj_size > 0 ``weight_hr_l{l}`` (P, H). k = 4 (LSTM), 3 (GRU), 1 (RNN);
    P = proj_size or H; I_0 = input_size, I_l = P * num_directions above. All are
    drawn from U(-1/sqrt(H), 1/sqrt(H)).

    ``fused`` (not a PyTorch argument; an attribute, set on the class or on one layer):
    True runs each layer and direction's loop over time as one node
    (``functional._rnn_fused``; the speed path), False unrolls it into a few nodes per
    step, whose graph pictures and traces show every step. Packed sequences and LSTM
    projections always take the unrolled loop.
    """

    fused: bool = True

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, "
                          "so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        _check_sizes(mode, input_size, hidden_size, num_layers, bias, batch_first, proj_size)
        dt = param_dtype(dtype, device)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate = _GATES[mode] * hidden_size
        real = proj_size or hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for d in range(dirs):
                fan_in = input_size if layer == 0 else real * dirs
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gate, fan_in)), ("weight_hh", (gate, real))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    setattr(self, base + suffix, empty_param(shape, dt))
                    names.append(base + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    # ----- parameters ----------------------------------------------------------------
    def reset_parameters(self) -> None:
        """Redraw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        """The parameters in PyTorch's flat order (read now, so reassignments show)."""
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """The parameters per layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op, as in PyTorch on the CPU (it packs weights for cuDNN)."""

    @override
    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _layer_params(self, layer: int, d: int) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction; None where absent."""
        suffix = f"_l{layer}" + ("_reverse" if d else "")
        p = self._parameters
        return tuple(p.get(base + suffix) for base in
                     ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    # ----- argument checks -----------------------------------------------------------
    def _real_hidden(self) -> int:
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _prepare(self, input: Any, hx: Any, kind: str, lstm: bool,
                 ) -> tuple[Any, list | None, Any, Any, bool, Any]:
        """Check the arguments in PyTorch's order and words.

        Returns (x, batch_sizes, h0, c0, batched, sorted_indices): x time-major or
        batch-first (B, T, I) as self.batch_first, 3-D; for a PackedSequence x is its
        (N, I) data and batch_sizes a list of ints; h0/c0 (L*D, B, P/H) or None.
        """
        packed = isinstance(input, PackedSequence)
        x, batch_sizes, sorted_indices, batched = self._input_arg(input, kind)
        if batch_sizes is not None:
            mini_batch = batch_sizes[0]
        else:
            mini_batch = x.shape[0] if self.batch_first else x.shape[1]
        h0 = c0 = None
        if hx is not None:
            if lstm:
                h0, c0 = _lstm_states(hx, packed, batched)
            else:
                h0 = _rnn_state(hx, kind, packed, batched)
        self._check_forward_args(x, h0, c0, packed, mini_batch, kind, lstm)
        if sorted_indices is not None:
            # Each state row belongs to the sequence the caller put there: follow the sort.
            idx = np.asarray(sorted_indices._data if isinstance(sorted_indices, Tensor)
                             else sorted_indices)
            h0 = None if h0 is None else _rows(h0, idx)
            c0 = None if c0 is None else _rows(c0, idx)
        if not packed and x.shape[1 if self.batch_first else 0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        return x, batch_sizes, h0, c0, batched, sorted_indices

    def _input_arg(self, input: Any, kind: str) -> tuple[Tensor, list | None, Any, bool]:
        """(x, batch_sizes, sorted_indices, batched) from ``input``: a PackedSequence's
        data, its batch sizes as ints and its sort; or a 2-D/3-D tensor made 3-D."""
        if isinstance(input, PackedSequence):
            x, bs, sorted_indices, _ = input
            batch_sizes = [int(b) for b in np.asarray(bs._data if isinstance(bs, Tensor)
                                                      else bs).reshape(-1)]
            return x, batch_sizes, sorted_indices, True
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}.forward(): argument 'input' must be "
                            f"a Tensor or PackedSequence, not {type(input).__name__}")
        x = input
        if x.ndim not in (2, 3):
            tail = " tensor instead" if kind == "RNN" else " instead"
            raise ValueError(f"{kind}: Expected input to be 2D or 3D, got {x.ndim}D{tail}")
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(0 if self.batch_first else 1)
        return x, None, None, batched

    def _check_forward_args(self, x: Tensor, h0: Tensor | None, c0: Tensor | None,
                            packed: bool, mini_batch: int, kind: str, lstm: bool) -> None:
        """PyTorch's check_forward_args: dtype, input rank and size, then the states'
        shapes (L*D, B, P) and (L*D, B, H) and dtypes."""
        dirs = 2 if self.bidirectional else 1
        w = self._parameters["weight_ih_l0"]
        if x.dtype != w.dtype:
            wt, it = _torch_dtype(w.dtype), _torch_dtype(x.dtype)
            raise ValueError(f"RNN input dtype ({it}) does not match weight dtype ({wt}). "
                             f"Convert input: input.to({wt}), or convert model: "
                             f"model.to({it})")
        want_dim = 2 if packed else 3
        if x.ndim != want_dim:
            raise RuntimeError(f"input must have {want_dim} dimensions, got {x.ndim}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        expect_h = (self.num_layers * dirs, mini_batch, self._real_hidden())
        expect_c = (self.num_layers * dirs, mini_batch, self.hidden_size)
        for h, expect, label in ((h0, expect_h, "hidden[0]" if lstm else "hidden"),
                                 (c0, expect_c, "hidden[1]")):
            if h is None:
                continue
            if tuple(h.shape) != expect:
                raise RuntimeError(f"Expected {label} size {expect}, got {list(h.shape)}")
            if h.dtype != x.dtype:
                raise RuntimeError(f"{kind}: expected {label} to have the input's dtype "
                                   f"({_torch_dtype(x.dtype)}), got {_torch_dtype(h.dtype)}")

    # ----- the loop ------------------------------------------------------------------
    def _run(self, x: Tensor, batch_sizes: list | None, h0: Tensor | None,
             c0: Tensor | None) -> tuple[Tensor, Tensor, Tensor | None]:
        """All layers and directions. Returns (output, h_n, c_n or None), output in x's
        layout (batch-first or time-major; for packed input the (N, D*P) data).

        Fused, layers hand each other time-major (T, B, D*H) tensors (a batch-first
        output is the transposed view, as PyTorch returns it); unrolled, lists of steps.
        """
        if (self.fused and batch_sizes is None and not self.proj_size
                and x.shape[0] * x.shape[1] > 0):
            seq = x.transpose(0, 1) if self.batch_first else x
            outs, hn, cn = self._layers(
                seq, h0, c0, self._fused_direction, lambda a, b: Cat.apply(2, a, b),
                lambda s: F.dropout(s, self.dropout, True))
            seq = outs[0] if len(outs) == 1 else Cat.apply(2, *outs)
            output = seq.transpose(0, 1) if self.batch_first else seq
        else:
            if batch_sizes is None:
                steps = time_steps(x, self.batch_first)
                sizes = [x.shape[0] if self.batch_first else x.shape[1]] * len(steps)
            else:
                sizes = batch_sizes
                steps = row_blocks(x, sizes)
            outs, hn, cn = self._layers(
                steps, h0, c0,
                lambda s, h, c, params, rev: self._direction(s, sizes, h, c, params, rev),
                lambda a, b: [Cat.apply(1, u, v) for u, v in zip(a, b)],
                lambda s: [F.dropout(u, self.dropout, True) for u in s])
            output = self._assemble(outs, sizes, batch_sizes is not None)
        return output, _stack_states(hn), _stack_states(cn) if cn else None

    def _layers(self, seq: Any, h0: Tensor | None, c0: Tensor | None, direction: Any,
                join: Any, drop: Any) -> tuple[list, list[Tensor], list[Tensor]]:
        """The stack of layers: ``direction(seq, h, c, params, reverse)`` runs one layer
        and direction, ``join`` puts two directions' outputs side by side for the layer
        above, ``drop`` applies dropout between layers (training only). Returns (the last
        layer's outputs per direction, h_last and c_last of every layer and direction)."""
        dirs = 2 if self.bidirectional else 1
        hn: list[Tensor] = []
        cn: list[Tensor] = []
        outs: list = []
        last = self.num_layers - 1
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                h = None if h0 is None else GetItem.apply(h0, (k,), True)
                c = None if c0 is None else GetItem.apply(c0, (k,), True)
                hs, h_last, c_last = direction(seq, h, c, self._layer_params(layer, d),
                                               d == 1)
                outs.append(hs)
                hn.append(h_last)
                if c_last is not None:
                    cn.append(c_last)
            if layer < last:
                seq = outs[0] if dirs == 1 else join(outs[0], outs[1])
                if self.dropout > 0 and self.training:
                    seq = drop(seq)
        return outs, hn, cn

    def _fused_direction(self, seq: Tensor, h: Tensor | None, c: Tensor | None,
                         params: tuple, reverse: bool,
                         ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One layer and direction on time-major seq (T, B, I): (h_t for all t as
        (T, B, H), h_last, c_last or None). The input products of all steps are one
        ``linear`` node over the T*B rows; the loop is one layer node."""
        w_ih, w_hh, b_ih, b_hh, _ = params
        T, B = seq.shape[0], seq.shape[1]
        gru = self.mode == "GRU"
        b = b_ih if (b_ih is None or gru) else Add.apply(b_ih, b_hh)
        gx = Linear2d.apply(seq.reshape(T * B, seq.shape[2]), w_ih, b)
        last = 0 if reverse else T - 1
        if self.mode == "LSTM":
            out = LSTMLayer.apply(gx, h, c, w_hh, T, reverse)
            hs = GetItem.apply(out, (slice(0, T),), True)
            return hs, GetItem.apply(out, (last,), True), GetItem.apply(out, (T,), True)
        if gru:
            out = GRULayer.apply(gx, h, w_hh, b_hh, T, reverse)
        else:
            out = RNNLayer.apply(gx, h, w_hh, T, reverse, self.mode == "RNN_RELU")
        return out, GetItem.apply(out, (last,), True), None

    def _assemble(self, outs: list[list[Tensor]], sizes: list[int], packed: bool) -> Tensor:
        """The last layer's steps as one tensor: (T, B, D*P), (B, T, D*P) or packed."""
        parts = []
        for hs in outs:
            if packed:
                parts.append(Cat.apply(0, *hs))
            elif self.batch_first:  # (B, T*P) -> (B, T, P): the steps side by side
                b, p = hs[0].shape
                parts.append(Reshape.apply(Cat.apply(1, *hs), (b, len(hs), p)))
            else:
                b, p = hs[0].shape
                parts.append(Reshape.apply(Cat.apply(0, *hs), (len(hs), b, p)))
        return parts[0] if len(parts) == 1 else Cat.apply(parts[0].ndim - 1, *parts)

    def _direction(self, steps: list[Tensor], sizes: list[int], h: Tensor | None,
                   c: Tensor | None, params: tuple, reverse: bool,
                   ) -> tuple[list[Tensor], Tensor, Tensor | None]:
        """One layer in one direction, unrolled (``rnn_loop.unrolled_direction``): (h_t
        for every t in time order, h_last, c_last). steps: x_t (sizes[t], I) per step."""
        w_ih, w_hh, b_ih, b_hh, w_hr = params
        gru = self.mode == "GRU"
        # b_ih + b_hh once: both are added to the same pre-activation (GRU keeps b_hh
        # apart, as its n gate multiplies h W_hn^T + b_hn by r).
        b = b_ih if (b_ih is None or gru) else Add.apply(b_ih, b_hh)
        gxs = step_inputs(steps, w_ih, b)  # x_t W_ih^T + b, every step from one product
        return unrolled_direction(self.mode, gxs, sizes, h, c, w_hh, b_hh if gru else None,
                                  w_hr, reverse)


def _stack_states(states: list[Tensor]) -> Tensor:
    """(B, P) states of every layer and direction -> (L*D, B, P), in two nodes."""
    b, p = states[0].shape
    return Reshape.apply(Cat.apply(0, *states), (len(states), b, p))


def _rows(h: Tensor, idx: np.ndarray) -> Tensor:
    """h[:, idx]: states reordered along the batch."""
    return GetItem.apply(h, (slice(None), idx.astype(np.intp)), False)


class _Recurrent(RNNBase):
    """forward() shared by the three layers: arguments, the loop, the output's shape."""

    _kind = "RNN"

    def _forward(self, input: Any, hx: Any, lstm: bool) -> tuple[Any, Any]:
        x, batch_sizes, h0, c0, batched, sorted_indices = self._prepare(input, hx,
                                                                        self._kind, lstm)
        output, hn, cn = self._run(x, batch_sizes, h0, c0)
        if batch_sizes is not None:
            _, bs, si, ui = input
            out: Any = PackedSequence(output, bs, si, ui)
            if ui is not None:  # states back in the caller's batch order
                idx = np.asarray(ui._data if isinstance(ui, Tensor) else ui)
                hn = _rows(hn, idx)
                cn = None if cn is None else _rows(cn, idx)
        elif not batched:
            out = output.squeeze(0 if self.batch_first else 1)
            hn = hn.squeeze(1)
            cn = None if cn is None else cn.squeeze(1)
        else:
            out = output
        return out, ((hn, cn) if lstm else hn)


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked
    over ``num_layers``, optionally in both directions.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)``.
    forward(input, hx=None): input (T, B, I), (B, T, I) with batch_first, unbatched
    (T, I), or a PackedSequence; hx (L*D, B, H) or (L*D, H), zeros when None.
    Returns (output (T, B, D*H) in input's layout, h_n (L*D, B, H)).
    """

    _kind = "RNN"
    # Unrolled by default: the Elman RNN is the layer whose graph pictures teach
    # backpropagation through time (notebook 08 draws its steps); ``fused = True`` on a
    # layer (or the class) takes the one-node loop.
    fused = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    @override
    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        return self._forward(input, hx, False)


class LSTM(_Recurrent):
    """Long short-term memory, stacked over ``num_layers``, optionally bidirectional and
    with a projection of h (``proj_size``). Gates i, f, g, o as in PyTorch:

    c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t) (then h_t W_hr^T with proj_size).
    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None)``.
    forward(input, hx=None): input (T, B, I), (B, T, I), (T, I) or a PackedSequence;
    hx = (h_0 (L*D, B, P), c_0 (L*D, B, H)), zeros when None.
    Returns (output (T, B, D*P), (h_n (L*D, B, P), c_n (L*D, B, H))); P = proj_size or H.
    """

    _kind = "LSTM"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    @override
    def forward(self, input: Any, hx: tuple[Tensor, Tensor] | None = None,
                ) -> tuple[Any, tuple[Tensor, Tensor]]:
        return self._forward(input, hx, True)


class GRU(_Recurrent):
    """Gated recurrent unit, stacked over ``num_layers``, optionally bidirectional. Gates
    r, z, n as in PyTorch: n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)),
    h_t = (1 - z) * n + z * h_{t-1}.

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, device=None, dtype=None)``; forward as ``RNN``.
    """

    _kind = "GRU"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    @override
    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        return self._forward(input, hx, False)
