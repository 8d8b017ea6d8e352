"""nn.RNN / nn.LSTM / nn.GRU, their cells and nn.utils.rnn against PyTorch 2.13.

Same weights (copied through state_dict), same inputs and initial states, same upstream
gradients: outputs, final states and the gradients of the input, of the initial states
and of every parameter agree (float64 to 1e-10, float32 to about 1e-5), for every
combination of the layers' arguments. Then gradcheck (first and second order) through
an LSTM step and a small LSTM, the parameter names, layouts and initial distribution,
dropout between layers, the argument errors in PyTorch's words, and packed sequences.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import autograd_core as ag
import nn
import nn.rnn_cells as cells
from autograd_core import gradcheck
from nn.utils import rnn as rnn_utils

torch.set_num_threads(1)

I, H, P, T, B = 3, 4, 2, 4, 2  # input, hidden, projection, steps, batch
TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=2e-5)}
TORCH_DT = {np.float64: torch.float64, np.float32: torch.float32}

KINDS = {  # name: (class name, constructor keywords)
    "rnn_tanh": ("RNN", {}),
    "rnn_relu": ("RNN", {"nonlinearity": "relu"}),
    "lstm": ("LSTM", {}),
    "lstm_proj": ("LSTM", {"proj_size": P}),
    "gru": ("GRU", {}),
}


def _arr(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.detach().numpy())


def _close(ours, theirs, dtype, what: str) -> None:
    a, b = _arr(ours), _arr(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, torch {b.shape}"
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


# PyTorch warns that its oneDNN kernel does not do projections (it falls back).
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def _pair(kind: str, dtype, **kw):
    """Our module and torch's with the same parameters."""
    cls, extra = KINDS[kind]
    ours = getattr(nn, cls)(I, H, dtype=dtype, **extra, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout with one layer warns in both
        theirs = getattr(torch.nn, cls)(I, H, dtype=TORCH_DT[dtype], **extra, **kw)
    theirs.load_state_dict({k: torch.from_numpy(_arr(v).copy())
                            for k, v in ours.state_dict().items()})
    return ours, theirs


def _leaf(a: np.ndarray):
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _run_both(ours, theirs, x: np.ndarray, states: list[np.ndarray], lstm: bool, rng):
    """Forward and backward in both libraries; returns the leaves and results."""
    xo, xt = _leaf(x)
    so, st = zip(*[_leaf(s) for s in states]) if states else ((), ())
    hxo = hxt = None
    if states:
        hxo, hxt = (tuple(so), tuple(st)) if lstm else (so[0], st[0])
    out_o, hn_o = ours(xo, hxo)
    out_t, hn_t = theirs(xt, hxt)
    res_o = [out_o, *(hn_o if lstm else (hn_o,))]
    res_t = [out_t, *(hn_t if lstm else (hn_t,))]
    gs = [rng.standard_normal(tuple(r.shape)).astype(x.dtype) for r in res_t]
    sum((r * ag.tensor(g)).sum() for r, g in zip(res_o, gs)).backward()
    sum((r * torch.tensor(g)).sum() for r, g in zip(res_t, gs)).backward()
    return (xo, so, res_o), (xt, st, res_t)


def _compare(ours, theirs, o, t, dtype) -> None:
    (xo, so, res_o), (xt, st, res_t) = o, t
    for name, a, b in zip(("output", "h_n", "c_n"), res_o, res_t):
        _close(a, b, dtype, name)
    _close(xo.grad, xt.grad, dtype, "grad of input")
    for k, (a, b) in enumerate(zip(so, st)):
        _close(a.grad, b.grad, dtype, f"grad of initial state {k}")
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, named[name].grad, dtype, f"grad of {name}")


def _states(kind: str, layers: int, bidirectional: bool, batched: bool, dtype, rng):
    d = 2 if bidirectional else 1
    shapes = [(layers * d, B, P if kind == "lstm_proj" else H)]
    if kind.startswith("lstm"):
        shapes.append((layers * d, B, H))
    if not batched:
        shapes = [(s[0], s[2]) for s in shapes]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _input(batch_first: bool, batched: bool, dtype, rng) -> np.ndarray:
    shape = ((B, T, I) if batch_first else (T, B, I)) if batched else (T, I)
    return rng.standard_normal(shape).astype(dtype)


# (num_layers, dropout): dropout > 0 is compared in eval mode, where it is the identity.
DEPTHS = [(1, 0.0), (2, 0.0), (2, 0.4)]
COMBOS = list(itertools.product(DEPTHS, [True, False], [False, True], [False, True],
                                [False, True], [True, False]))


def _combo_id(c) -> str:
    (layers, p), bias, bf, bidir, init, batched = c
    return (f"L{layers}-p{p}-{'bias' if bias else 'nobias'}-{'bf' if bf else 'tm'}-"
            f"{'bi' if bidir else 'uni'}-{'h0' if init else 'noh0'}-"
            f"{'batched' if batched else 'unbatched'}")


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
def test_layer_matches_torch_float64(kind, combo):
    (layers, p), bias, batch_first, bidirectional, init, batched = combo
    rng = np.random.default_rng(0)
    ours, theirs = _pair(kind, np.float64, num_layers=layers, bias=bias,
                         batch_first=batch_first, dropout=p, bidirectional=bidirectional)
    if p:
        ours.eval()
        theirs.eval()
    x = _input(batch_first, batched, np.float64, rng)
    states = _states(kind, layers, bidirectional, batched, np.float64, rng) if init else []
    o, t = _run_both(ours, theirs, x, states, kind.startswith("lstm"), rng)
    _compare(ours, theirs, o, t, np.float64)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("batch_first,bidirectional,init", [
    (False, False, False), (True, True, True), (False, True, True), (True, False, True)])
def test_layer_matches_torch_float32(kind, batch_first, bidirectional, init):
    rng = np.random.default_rng(1)
    ours, theirs = _pair(kind, np.float32, num_layers=2, batch_first=batch_first,
                         bidirectional=bidirectional)
    x = _input(batch_first, True, np.float32, rng)
    states = _states(kind, 2, bidirectional, True, np.float32, rng) if init else []
    o, t = _run_both(ours, theirs, x, states, kind.startswith("lstm"), rng)
    _compare(ours, theirs, o, t, np.float32)


def test_longer_sequence_matches_torch():
    # 20 steps: the input is cut into steps by halving (not one cut per step).
    rng = np.random.default_rng(2)
    ours, theirs = _pair("lstm", np.float64, num_layers=2, bidirectional=True)
    x = rng.standard_normal((20, 3, I))
    o, t = _run_both(ours, theirs, x, [], True, rng)
    _compare(ours, theirs, o, t, np.float64)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_dropout_one_in_training_matches_torch(kind):
    # p = 1 zeroes every element, so training-mode dropout is deterministic: the second
    # layer sees zeros, in both libraries, and the last layer's output is not dropped.
    # Seeded: the last layer then computes relu/tanh of its biases alone, and an unseeded
    # init of 4 hidden units made every relu output 0 in some test orders.
    ag.manual_seed(3)
    rng = np.random.default_rng(3)
    ours, theirs = _pair(kind, np.float64, num_layers=2, dropout=1.0)
    x = _input(False, True, np.float64, rng)
    o, t = _run_both(ours, theirs, x, [], kind.startswith("lstm"), rng)
    _compare(ours, theirs, o, t, np.float64)
    assert np.abs(_arr(o[2][0])).max() > 0  # the output itself was not dropped


def test_dropout_between_layers_is_random_in_training_only():
    m = nn.GRU(I, H, num_layers=2, dropout=0.5, dtype=np.float64)
    x = ag.tensor(np.random.default_rng(4).standard_normal((T, B, I)))
    ag.manual_seed(0)
    a = m(x)[0]
    ag.manual_seed(0)
    b = m(x)[0]
    c = m(x)[0]
    np.testing.assert_array_equal(_arr(a), _arr(b))  # the generator decides the mask
    assert not np.allclose(_arr(a), _arr(c))
    m.eval()
    np.testing.assert_array_equal(_arr(m(x)[0]), _arr(m(x)[0]))


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(I, H, dropout=0.2)


CELLS = {"rnn_tanh": ("RNNCell", {}), "rnn_relu": ("RNNCell", {"nonlinearity": "relu"}),
         "lstm": ("LSTMCell", {}), "gru": ("GRUCell", {})}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("bias,init,batched", list(itertools.product(
    [True, False], [True, False], [True, False])))
def test_cell_matches_torch(kind, bias, init, batched, dtype):
    rng = np.random.default_rng(5)
    cls, extra = CELLS[kind]
    ours = getattr(nn, cls)(I, H, bias=bias, dtype=dtype, **extra)
    theirs = getattr(torch.nn, cls)(I, H, bias=bias, dtype=TORCH_DT[dtype], **extra)
    theirs.load_state_dict({k: torch.from_numpy(_arr(v).copy())
                            for k, v in ours.state_dict().items()})
    lstm = kind == "lstm"
    x = rng.standard_normal((B, I) if batched else (I,)).astype(dtype)
    n_states = 2 if lstm else 1
    states = ([rng.standard_normal((B, H) if batched else (H,)).astype(dtype)
               for _ in range(n_states)] if init else [])
    xo, xt = _leaf(x)
    so, st = zip(*[_leaf(s) for s in states]) if states else ((), ())
    hxo = (tuple(so) if lstm else so[0]) if states else None
    hxt = (tuple(st) if lstm else st[0]) if states else None
    ro, rt = ours(xo, hxo), theirs(xt, hxt)
    ro, rt = (list(ro), list(rt)) if lstm else ([ro], [rt])
    gs = [rng.standard_normal(tuple(r.shape)).astype(dtype) for r in rt]
    sum((r * ag.tensor(g)).sum() for r, g in zip(ro, gs)).backward()
    sum((r * torch.tensor(g)).sum() for r, g in zip(rt, gs)).backward()
    for k, (a, b) in enumerate(zip(ro, rt)):
        _close(a, b, dtype, f"result {k}")
    _close(xo.grad, xt.grad, dtype, "grad of input")
    for k, (a, b) in enumerate(zip(so, st)):
        _close(a.grad, b.grad, dtype, f"grad of hx[{k}]")
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, named[name].grad, dtype, f"grad of {name}")


# ----- gradcheck, first and second order -------------------------------------------


def _t(rng, *shape):
    return ag.tensor(rng.standard_normal(shape) * 0.8, requires_grad=True)


def test_gradcheck_lstm_step_first_and_second_order():
    rng = np.random.default_rng(6)
    ins = (_t(rng, 2, 3), _t(rng, 2, 2), _t(rng, 2, 2), _t(rng, 8, 3), _t(rng, 8, 2),
           _t(rng, 8), _t(rng, 8))

    def step(x, h, c, w_ih, w_hh, b_ih, b_hh):
        return cells.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)

    assert gradcheck(step, ins)

    def grads(x, h, c, w_ih, w_hh, b_ih, b_hh):
        h1, c1 = step(x, h, c, w_ih, w_hh, b_ih, b_hh)
        loss = (h1 * h1).sum() + (c1 * h1).sum()
        return ag.grad(loss, [x, h, c, w_hh], create_graph=True)

    assert gradcheck(grads, ins)


def test_gradcheck_gru_step_first_and_second_order():
    rng = np.random.default_rng(7)
    ins = (_t(rng, 2, 3), _t(rng, 2, 2), _t(rng, 6, 3), _t(rng, 6, 2), _t(rng, 6),
           _t(rng, 6))
    assert gradcheck(cells.gru_cell, ins)

    def grads(*a):
        h1 = cells.gru_cell(*a)
        return ag.grad((h1 * h1 * h1).sum(), [a[0], a[1], a[3], a[5]], create_graph=True)

    assert gradcheck(grads, ins)


@pytest.mark.parametrize("kind,layers", [("lstm_proj", 2), ("gru", 1)])
def test_gradcheck_through_a_layer(kind, layers):
    # Both directions, two steps: the engine's chain rule through time.
    rng = np.random.default_rng(8)
    cls, extra = KINDS[kind]
    m = getattr(nn, cls)(2, 3, num_layers=layers, bidirectional=True, dtype=np.float64,
                         **extra)
    x = _t(rng, 2, 1, 2)
    lstm = kind.startswith("lstm")
    h0 = _t(rng, 2 * layers, 1, P if kind == "lstm_proj" else 3)
    c0 = _t(rng, 2 * layers, 1, 3)
    w = getattr(m, f"weight_hh_l{layers - 1}_reverse")

    def run(x, h0, c0, w):
        out, hn = m(x, (h0, c0) if lstm else h0)
        return (out, *hn) if lstm else (out, hn)

    assert gradcheck(run, (x, h0, c0, w))

    def grads(x, h0, c0):
        loss = sum((o * o).sum() for o in run(x, h0, c0, w))
        return ag.grad(loss, [x, h0, w], create_graph=True)

    assert gradcheck(grads, (x, h0, c0))


# ----- parameters ------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("bias", [True, False])
def test_parameter_names_order_and_shapes_are_torchs(kind, bias):
    ours, theirs = _pair(kind, np.float64, num_layers=2, bidirectional=True, bias=bias)
    so, st = ours.state_dict(), theirs.state_dict()
    assert list(so) == list(st)
    assert [tuple(v.shape) for v in so.values()] == [tuple(v.shape) for v in st.values()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_parameters_and_repr_are_torchs(cls):
    kw = {"nonlinearity": "relu"} if cls == "RNNCell" else {}
    ours, theirs = getattr(nn, cls)(I, H, bias=False, **kw), \
        getattr(torch.nn, cls)(I, H, bias=False, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)


def test_initial_weights_are_uniform_in_plus_minus_one_over_sqrt_hidden():
    m = nn.LSTM(8, 64, num_layers=2, proj_size=16, dtype=np.float64)
    k = 1 / np.sqrt(64)
    values = np.concatenate([_arr(p).ravel() for p in m.parameters()])
    assert values.min() >= -k and values.max() <= k
    # U(-k, k): mean 0, standard deviation k / sqrt(3)
    assert abs(values.mean()) < 0.02 * k
    assert abs(values.std() - k / np.sqrt(3)) < 0.02 * k
    assert m.weight_ih_l0.dtype == np.float64 and nn.GRU(2, 3).weight_hh_l0.dtype == np.float32


def test_layer_trains_with_an_optimizer_and_reassigned_weights_are_used():
    import optim

    m = nn.LSTM(I, H)
    opt = optim.SGD(m.parameters(), lr=0.1)
    x = ag.tensor(np.random.default_rng(9).standard_normal((T, B, I)).astype(np.float32))
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = (m(x)[0] ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[2] < losses[0]
    m.weight_hh_l0 = nn.Parameter(ag.zeros(4 * H, H))
    assert m._flat_weights[1] is m.weight_hh_l0
    m(x)[0].sum().backward()
    assert m.weight_hh_l0.grad is not None


# ----- shapes and errors, as torch ---------------------------------------------------


def test_zero_batch_and_one_step_shapes_match_torch():
    ours, theirs = _pair("lstm", np.float32)
    for shape in [(5, 0, I), (1, B, I)]:
        x = np.zeros(shape, np.float32)
        (oo, (ho, co)), (ot, (ht, ct)) = ours(ag.tensor(x)), theirs(torch.tensor(x))
        assert (oo.shape, ho.shape, co.shape) == (tuple(ot.shape), tuple(ht.shape),
                                                  tuple(ct.shape))
    # One step and no initial state: W_hh still gets a (zero) gradient, as in torch.
    ours.zero_grad()
    ours(ag.tensor(np.ones((1, B, I), np.float32)))[0].sum().backward()
    assert ours.weight_hh_l0.grad is not None and not _arr(ours.weight_hh_l0.grad).any()


def _same_error(fn_ours, fn_theirs) -> str:
    with pytest.raises(Exception) as eo:
        fn_ours()
    with pytest.raises(Exception) as et:
        fn_theirs()
    assert type(eo.value) is type(et.value), (eo.value, et.value)
    assert str(eo.value) == str(et.value)
    return str(eo.value)


@pytest.mark.parametrize("kwargs", [
    {"dropout": 1.5}, {"dropout": True}, {"proj_size": 4}, {"proj_size": -1},
    {"num_layers": 0}, {"bias": 1}, {"batch_first": None}])
def test_constructor_errors_are_torchs(kwargs):
    _same_error(lambda: nn.LSTM(I, H, **kwargs), lambda: torch.nn.LSTM(I, H, **kwargs))


def test_more_constructor_errors_are_torchs():
    _same_error(lambda: nn.GRU(I, H, proj_size=1), lambda: torch.nn.GRU(I, H, proj_size=1))
    _same_error(lambda: nn.RNN(I, H, nonlinearity="gelu"),
                lambda: torch.nn.RNN(I, H, nonlinearity="gelu"))
    _same_error(lambda: nn.RNN(I, 0), lambda: torch.nn.RNN(I, 0))
    _same_error(lambda: nn.RNN(2.0, H), lambda: torch.nn.RNN(2.0, H))
    cell = nn.RNNCell(I, H, nonlinearity="gelu")
    tcell = torch.nn.RNNCell(I, H, nonlinearity="gelu")
    _same_error(lambda: cell(ag.zeros(B, I)), lambda: tcell(torch.zeros(B, I)))


@pytest.mark.parametrize("case", ["4d", "input_size", "dtype", "h_shape", "c_shape",
                                  "batched_hx_2d", "unbatched_hx_3d", "empty_sequence"])
def test_forward_errors_are_torchs(case):
    ours, theirs = _pair("lstm", np.float32, num_layers=2)
    x = np.zeros((T, B, I), np.float32)
    h = np.zeros((2, B, H), np.float32)
    args = {
        "4d": (np.zeros((T, B, I, 1), np.float32), None),
        "input_size": (np.zeros((T, B, I + 1), np.float32), None),
        "dtype": (x.astype(np.float64), None),
        "h_shape": (x, (np.zeros((2, B + 1, H), np.float32), h)),
        "c_shape": (x, (h, np.zeros((2, B, H + 1), np.float32))),
        "batched_hx_2d": (x, (h[:, 0], h[:, 0])),
        "unbatched_hx_3d": (x[:, 0], (h, h)),
        "empty_sequence": (np.zeros((0, B, I), np.float32), None),
    }[case]

    def call(m, lib):
        xx, hx = args
        hx = None if hx is None else tuple(lib.tensor(s) for s in hx)
        return m(lib.tensor(xx), hx)

    _same_error(lambda: call(ours, ag), lambda: call(theirs, torch))


@pytest.mark.parametrize("case", ["input_size", "batch", "hidden", "3d"])
def test_cell_errors_are_torchs(case):
    ours, theirs = nn.GRUCell(I, H), torch.nn.GRUCell(I, H)
    x, h = np.zeros((B, I), np.float32), np.zeros((B, H), np.float32)
    x, h = {"input_size": (np.zeros((B, I + 1), np.float32), h),
            "batch": (x, np.zeros((B + 1, H), np.float32)),
            "hidden": (x, np.zeros((B, H + 1), np.float32)),
            "3d": (np.zeros((1, B, I), np.float32), h)}[case]
    _same_error(lambda: ours(ag.tensor(x), ag.tensor(h)),
                lambda: theirs(torch.tensor(x), torch.tensor(h)))


def test_gru_hx_errors_are_torchs():
    ours, theirs = _pair("gru", np.float32)
    x3, x2 = np.zeros((T, B, I), np.float32), np.zeros((T, I), np.float32)
    for x, h in [(x3, np.zeros((1, H), np.float32)), (x2, np.zeros((1, 1, H), np.float32)),
                 (x3, np.zeros((2, B, H), np.float32))]:
        _same_error(lambda x=x, h=h: ours(ag.tensor(x), ag.tensor(h)),
                    lambda x=x, h=h: theirs(torch.tensor(x), torch.tensor(h)))


# ----- nn.utils.rnn ----------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 3, 3, 1], True),
                                                    ([2, 4, 1, 4], False),
                                                    ([3, 3, 1, 3], False)])
def test_pack_and_pad_match_torch(lengths, enforce_sorted, batch_first):
    rng = np.random.default_rng(10)
    n = len(lengths)
    x = rng.standard_normal((n, 4, 2) if batch_first else (4, n, 2))
    xo, xt = _leaf(x)
    po = rnn_utils.pack_padded_sequence(xo, lengths, batch_first, enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    _close(po.data, pt.data, np.float64, "packed data")
    np.testing.assert_array_equal(_arr(po.batch_sizes), _arr(pt.batch_sizes))
    for a, b in ((po.sorted_indices, pt.sorted_indices),
                 (po.unsorted_indices, pt.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(_arr(a), _arr(b))
    yo, lo = rnn_utils.pad_packed_sequence(po, batch_first, padding_value=-1.0, total_length=5)
    yt, lt = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first, padding_value=-1.0,
                                                    total_length=5)
    _close(yo, yt, np.float64, "padded again")
    np.testing.assert_array_equal(_arr(lo), _arr(lt))
    g = rng.standard_normal(tuple(yt.shape))
    (yo * ag.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    _close(xo.grad, xt.grad, np.float64, "grad through pack and pad")


@pytest.mark.parametrize("batch_first,side", [(False, "right"), (True, "left")])
def test_pad_sequence_and_unpad_match_torch(batch_first, side):
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal((n, 2, 3)) for n in (2, 5, 1)]
    leaves = [_leaf(a) for a in arrays]
    po = rnn_utils.pad_sequence([o for o, _ in leaves], batch_first, 0.5, side)
    pt = torch.nn.utils.rnn.pad_sequence([t for _, t in leaves], batch_first, 0.5, side)
    _close(po, pt, np.float64, "padded")
    g = rng.standard_normal(tuple(pt.shape))
    (po * ag.tensor(g)).sum().backward()
    (pt * torch.tensor(g)).sum().backward()
    for o, t in leaves:
        _close(o.grad, t.grad, np.float64, "grad of a sequence")
    if side == "right":
        back = rnn_utils.unpad_sequence(po, [2, 5, 1], batch_first)
        for b, a in zip(back, arrays):
            np.testing.assert_array_equal(_arr(b), a)


def test_pack_sequence_round_trip_and_errors():
    seqs = [ag.tensor(np.arange(n, dtype=np.float32)) for n in (3, 1, 2)]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_sequence([torch.arange(n, dtype=torch.float32)
                                           for n in (3, 1, 2)], enforce_sorted=False)
    np.testing.assert_array_equal(_arr(packed.data), _arr(tp.data))
    for a, b in zip(rnn_utils.unpack_sequence(packed), seqs):
        np.testing.assert_array_equal(_arr(a), _arr(b))
    x = np.zeros((4, 3, 2), np.float32)
    for lengths in ([4, 2, 3], [4, 3, 0], [4, 3]):
        _same_error(lambda n=lengths: rnn_utils.pack_padded_sequence(ag.tensor(x), n),
                    lambda n=lengths: torch.nn.utils.rnn.pack_padded_sequence(
                        torch.tensor(x), n))
    with pytest.raises(RuntimeError, match="exceeds the padded sequence length"):
        rnn_utils.pack_padded_sequence(ag.tensor(x), [5, 3, 2])
    p = rnn_utils.pack_padded_sequence(ag.tensor(x), [4, 3, 2])
    tpk = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), [4, 3, 2])
    _same_error(lambda: rnn_utils.pad_packed_sequence(p, total_length=3),
                lambda: torch.nn.utils.rnn.pad_packed_sequence(tpk, total_length=3))
    _same_error(lambda: rnn_utils.pad_sequence([]),
                lambda: torch.nn.utils.rnn.pad_sequence([]))
    _same_error(lambda: rnn_utils.pad_sequence([ag.zeros(2, 3), ag.zeros(3, 2)]),
                lambda: torch.nn.utils.rnn.pad_sequence([torch.zeros(2, 3), torch.zeros(3, 2)]))


@pytest.mark.parametrize("kind", ["lstm", "lstm_proj", "gru", "rnn_tanh"])
@pytest.mark.parametrize("init", [False, True])
def test_layers_on_packed_sequences_match_torch(kind, init):
    rng = np.random.default_rng(12)
    lengths = [2, 4, 1, 4]
    n = len(lengths)
    ours, theirs = _pair(kind, np.float64, num_layers=2, bidirectional=True)
    x = rng.standard_normal((4, n, I))
    xo, xt = _leaf(x)
    lstm = kind.startswith("lstm")
    states = []
    if init:
        states = [rng.standard_normal((4, n, P if kind == "lstm_proj" else H))]
        if lstm:
            states.append(rng.standard_normal((4, n, H)))
    so, st = zip(*[_leaf(s) for s in states]) if states else ((), ())
    hxo = (tuple(so) if lstm else so[0]) if states else None
    hxt = (tuple(st) if lstm else st[0]) if states else None
    po = rnn_utils.pack_padded_sequence(xo, lengths, enforce_sorted=False)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, enforce_sorted=False)
    out_o, hn_o = ours(po, hxo)
    out_t, hn_t = theirs(pt, hxt)
    assert isinstance(out_o, rnn_utils.PackedSequence)
    res_o = [out_o.data, *(hn_o if lstm else (hn_o,))]
    res_t = [out_t.data, *(hn_t if lstm else (hn_t,))]
    gs = [rng.standard_normal(tuple(r.shape)) for r in res_t]
    sum((r * ag.tensor(g)).sum() for r, g in zip(res_o, gs)).backward()
    sum((r * torch.tensor(g)).sum() for r, g in zip(res_t, gs)).backward()
    _compare(ours, theirs, (xo, so, res_o), (xt, st, res_t), np.float64)


def test_lstm_benchmark_implementations_train_identically():
    # benchmarks/lstm.py times three implementations of one step; they must compute the
    # same losses step after step (float32; the floor sums in other orders).
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import lstm

    steps = [lstm.ours_step(16), lstm.torch_step(16), lstm.numpy_step(16)]
    first = None
    for _ in range(3):
        ours, theirs, floor = (s() for s in steps)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
        np.testing.assert_allclose(floor, theirs, rtol=1e-5)
        first = ours if first is None else first
    assert ours < first  # the SGD updates were applied
