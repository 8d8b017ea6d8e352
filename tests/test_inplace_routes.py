"""Every route of an in-place write onto a value saved for backward, checked against torch.

Each program is written once as ``prog(L, arrays)``, where ``L`` gives ``tensor``, ``nn``
and ``optim`` of either library, and runs unchanged under both. Between a forward pass
and its backward it writes, through one route (a view or slice, a ``detach()`` alias,
``nn.init``, an optimizer step, a ``state_dict()`` entry, ``load_state_dict``), into
memory that the backward needs. PyTorch raises "one of the variables needed for
gradient computation has been modified by an inplace operation"; so must we. Where
PyTorch does not raise (the value is not needed, or the write is one it does not
count), we must give its values.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn
import optim

OURS = SimpleNamespace(tensor=ac.tensor, nn=nn, optim=optim, no_grad=ac.no_grad)
THEIRS = SimpleNamespace(tensor=torch.tensor, nn=torch.nn, optim=torch.optim,
                         no_grad=torch.no_grad)
INPLACE_ERROR = ("one of the variables needed for gradient computation has been "
                 "modified by an inplace operation")

RNG = np.random.default_rng(14)
A = {  # float64, so that values agree with torch to rounding
    "x": RNG.standard_normal((4, 3)),
    "w": RNG.standard_normal((3, 2)),
    "v": RNG.standard_normal(3),
    "b": RNG.standard_normal(3),
    "W1": RNG.standard_normal((5, 3)),
    "b1": RNG.standard_normal(5),
    "W2": RNG.standard_normal((2, 5)),
    "b2": RNG.standard_normal(2),
}


def _outcome(prog, L):
    """("raise", message) or ("value", [arrays]) for one run of ``prog`` in library L."""
    try:
        out = prog(L, A)
    except RuntimeError as e:
        return "raise", str(e)
    return "value", [None if t is None else t.detach().numpy().copy() for t in out]


def check(prog, expect_raise: bool) -> None:
    """Run ``prog`` in torch and here: torch does what the test expects; we do the same."""
    kind_t, got_t = _outcome(prog, THEIRS)
    assert kind_t == ("raise" if expect_raise else "value"), (kind_t, got_t)
    kind_o, got_o = _outcome(prog, OURS)
    if expect_raise:
        assert INPLACE_ERROR in got_t
        assert kind_o == "raise", f"torch raises, we return {got_o}"
        assert INPLACE_ERROR in got_o, got_o
        return
    assert kind_o == "value", f"torch returns values, we raise: {got_o}"
    assert len(got_o) == len(got_t)
    for i, (o, t) in enumerate(zip(got_o, got_t)):
        if t is None:
            assert o is None, f"output {i}: torch gives None, we give {o}"
        else:
            np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12, err_msg=f"output {i}")


def _leaf(L, a, rg=True):
    return L.tensor(a.copy(), requires_grad=rg)


def _param(L, a):
    return L.nn.Parameter(L.tensor(a.copy()))


def _mlp(L, a):
    """Linear(3, 5) -> tanh -> Linear(5, 2) with fixed float64 weights.

    The second layer's weight is needed to backpropagate into the hidden layer, so a
    write into it between forward and backward corrupts the first layer's gradients.
    """
    m = L.nn.Sequential(L.nn.Linear(3, 5), L.nn.Tanh(), L.nn.Linear(5, 2)).double()
    m.load_state_dict({"0.weight": L.tensor(a["W1"]), "0.bias": L.tensor(a["b1"]),
                       "2.weight": L.tensor(a["W2"]), "2.bias": L.tensor(a["b2"])})
    return m


def _linear(L, a):
    m = L.nn.Linear(3, 2).double()
    m.load_state_dict({"weight": L.tensor(a["w"].T.copy()), "bias": L.tensor(a["v"][:2])})
    return m


class _Scaled:
    """A module with a buffer that forward multiplies by (so Mul saves it)."""

    @staticmethod
    def make(L):
        class Scaled(L.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.register_buffer("scale", L.tensor(A["b"].copy()))

            def forward(self, x):
                return x * self.scale

        return Scaled()


# ----- through a view or slice ----------------------------------------------------------


def slice_of_saved_input(L, a):
    x, b = _leaf(L, a["v"]), _leaf(L, a["b"], rg=False)
    y = (x * b).sum()
    b[1:3].mul_(0)  # Mul saved b for x's gradient
    y.backward()
    return [x.grad]


def reshape_view_of_saved_input(L, a):
    x, w = _leaf(L, a["x"]), _leaf(L, a["w"], rg=False)
    y = (x @ w).sum()
    w.reshape(6)[0:2].fill_(1.0)
    y.backward()
    return [x.grad]


def view_then_write_base(L, a):
    x, b = _leaf(L, a["v"]), _leaf(L, a["b"], rg=False)
    bv = b[0:2]
    y = (x[0:2] * bv).sum()  # Mul saved the view bv
    b.add_(1.0)  # written through the base
    y.backward()
    return [x.grad]


def slice_of_unsaved_input(L, a):
    # Add saves nothing: torch lets it be, and the gradient is unchanged.
    x, b = _leaf(L, a["v"]), _leaf(L, a["b"], rg=False)
    y = ((x + b) * 2).sum()
    b[0:2].zero_()
    y.backward()
    return [x.grad, b]


# ----- through a detach() alias -----------------------------------------------------------


def detach_of_parameter(L, a):
    w, x = _param(L, a["v"]), _leaf(L, a["b"])
    y = (w * x).sum()  # Mul saved w for x's gradient
    w.detach().zero_()
    y.backward()
    return [w.grad, x.grad]


def detach_of_saved_output(L, a):
    x = _leaf(L, a["v"])
    y = x.exp()  # exp saves its output
    z = y.sum()
    y.detach().mul_(2)
    z.backward()
    return [x.grad]


def slice_of_detach(L, a):
    x, b = _leaf(L, a["v"]), _leaf(L, a["b"], rg=False)
    y = (x * b).sum()
    b.detach()[0:1].fill_(3.0)
    y.backward()
    return [x.grad]


def detach_of_slice_of_saved_output(L, a):
    x = _leaf(L, a["v"])
    y = x.sigmoid()  # sigmoid saves its output
    z = y.sum()
    y[1:].detach().zero_()
    z.backward()
    return [x.grad]


def detach_of_unsaved_parameter(L, a):
    # x needs no gradient, so torch saves only x, not w: the write is harmless.
    w, x = _param(L, a["v"]), _leaf(L, a["b"], rg=False)
    y = (w * x).sum()
    w.detach().zero_()
    y.backward()
    return [w.grad, w]


# ----- nn.init ------------------------------------------------------------------------------


def init_on_slice_of_parameter(L, a):
    w, x = _param(L, a["w"]), _leaf(L, a["x"])
    y = (x @ w).sum()  # matmul saved w for x's gradient
    L.nn.init.zeros_(w[0:2])
    y.backward()
    return [x.grad]


def init_on_detached_parameter(L, a):
    w, x = _param(L, a["w"]), _leaf(L, a["x"])
    y = (x @ w).sum()
    L.nn.init.ones_(w.detach())
    y.backward()
    return [x.grad]


def init_constant_on_row_of_input(L, a):
    w, x = _param(L, a["w"]), _leaf(L, a["x"], rg=False)
    y = (x @ w).sum()  # matmul saved x for w's gradient
    L.nn.init.constant_(x[1], 0.5)
    y.backward()
    return [w.grad]


def init_on_parameter(L, a):
    m, x = _linear(L, a), _leaf(L, a["x"])
    y = m(x).sum()
    L.nn.init.eye_(m.weight)
    y.backward()
    return [x.grad]


def init_on_slice_not_saved(L, a):
    # x needs no gradient: torch saves only x, so re-initialising w is allowed, and the
    # gradient is the one of the values used in the forward pass.
    w, x = _param(L, a["w"]), _leaf(L, a["x"], rg=False)
    y = (x @ w).sum()
    L.nn.init.zeros_(w[0:2])
    y.backward()
    return [w.grad, w]


# ----- optimizer steps ----------------------------------------------------------------------

OPTIMIZERS = [name for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                "Adamax", "NAdam", "RAdam")
              if hasattr(optim, name) and hasattr(torch.optim, name)]


def _step_between(name):
    def prog(L, a):
        m, x = _mlp(L, a), _leaf(L, a["x"], rg=False)
        opt = getattr(L.optim, name)(m.parameters(), lr=0.1)
        m(x).pow(2).sum().backward()  # gradients for the step
        y = m(x).pow(2).sum()
        opt.step()  # writes every parameter in place, the saved second-layer weight too
        y.backward()
        return [m[0].weight.grad]
    return prog


def step_then_forward(L, a):
    # The ordinary order (step after backward, then a new forward) never raises, and
    # both libraries take the same step.
    m, x = _mlp(L, a), _leaf(L, a["x"], rg=False)
    opt = L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        m(x).pow(2).sum().backward()
        opt.step()
    return [m[0].weight, m[2].weight]


# ----- state_dict() entries and load_state_dict ---------------------------------------------


def state_dict_weight(L, a):
    m, x = _linear(L, a), _leaf(L, a["x"])
    y = m(x).sum()  # the weight is saved for x's gradient
    m.state_dict()["weight"].mul_(0)
    y.backward()
    return [x.grad]


def state_dict_buffer(L, a):
    m, x = _Scaled.make(L), _leaf(L, a["v"])
    y = m(x).sum()  # Mul saved the buffer for x's gradient
    m.state_dict()["scale"].mul_(0)
    y.backward()
    return [x.grad]


def state_dict_weight_not_saved(L, a):
    # No input needs a gradient: the weight is not saved, and the write shows in m.
    m, x = _linear(L, a), _leaf(L, a["x"], rg=False)
    y = m(x).sum()
    m.state_dict()["weight"].mul_(0)
    y.backward()
    return [m.weight.grad, m.bias.grad, m.weight]


def state_dict_keep_vars(L, a):
    m, x = _linear(L, a), _leaf(L, a["x"])
    y = m(x).sum()
    with L.no_grad():
        m.state_dict(keep_vars=True)["weight"].mul_(0)
    y.backward()
    return [x.grad]


def load_state_dict_copy(L, a):
    m, x = _mlp(L, a), _leaf(L, a["x"], rg=False)
    y = m(x).sum()
    m.load_state_dict({k: L.tensor(v.detach().numpy() * 2) for k, v in m.state_dict().items()})
    y.backward()
    return [m[0].weight.grad]


def load_state_dict_assign(L, a):
    # assign=True swaps in the checkpoint's tensors; the recorded graph keeps the old
    # parameters, which get the gradients, and is not disturbed.
    m, x = _mlp(L, a), _leaf(L, a["x"], rg=False)
    old = m[2].weight
    y = m(x).pow(2).sum()
    m.load_state_dict({k: L.tensor(v.detach().numpy() * 2) for k, v in m.state_dict().items()},
                      assign=True)
    y.backward()
    assert m[2].weight is not old
    return [old.grad, m[2].weight.grad, m[2].weight, m(x)]


def data_is_the_way_around(L, a):
    # Writing into .data is not counted, in PyTorch as here: the new values are used.
    x, b = _leaf(L, a["v"]), _leaf(L, a["b"], rg=False)
    y = (x * b).sum()
    b.data[0:2] = 0
    y.backward()
    return [x.grad]


def write_in_a_hook_during_backward(L, a):
    # The write happens inside the backward pass, after it started (the engine skips the
    # per-input version check only while no in-place write at all happened since a node
    # was made: this write must still be seen by the node that runs after the hook).
    x = _leaf(L, a["v"])
    y = x * 2
    z = y * y

    def hook(g):
        with L.no_grad():
            y.mul_(2)
        return g

    z.register_hook(hook)
    z.sum().backward()
    return [x.grad]


def write_before_the_reading_node_is_made(L, a):
    # Written after y was made but before the node that saves it: nothing to protect.
    x = _leaf(L, a["v"])
    y = x * 2
    with L.no_grad():
        y.mul_(2)
    (y * y).sum().backward()
    return [x.grad]


RAISING = [
    slice_of_saved_input, reshape_view_of_saved_input, view_then_write_base,
    detach_of_parameter, detach_of_saved_output, slice_of_detach,
    detach_of_slice_of_saved_output, write_in_a_hook_during_backward,
    init_on_slice_of_parameter, init_on_detached_parameter, init_constant_on_row_of_input,
    init_on_parameter,
    state_dict_weight, state_dict_buffer, state_dict_keep_vars, load_state_dict_copy,
] + [_step_between(name) for name in OPTIMIZERS]
RAISING_IDS = [f.__name__ for f in RAISING[:-len(OPTIMIZERS)]] + [
    f"step_{name}" for name in OPTIMIZERS]

NOT_RAISING = [
    slice_of_unsaved_input, detach_of_unsaved_parameter, init_on_slice_not_saved,
    step_then_forward, state_dict_weight_not_saved, load_state_dict_assign,
    data_is_the_way_around, write_before_the_reading_node_is_made,
]


@pytest.mark.parametrize("prog", RAISING, ids=RAISING_IDS)
def test_write_onto_saved_value_raises(prog):
    check(prog, expect_raise=True)


@pytest.mark.parametrize("prog", NOT_RAISING, ids=[f.__name__ for f in NOT_RAISING])
def test_write_torch_allows_gives_torch_values(prog):
    check(prog, expect_raise=False)


def test_every_optimizer_is_covered():
    assert {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"} <= set(OPTIMIZERS)


# ----- what the routes share -----------------------------------------------------------------


def test_aliases_share_the_counter_not_the_graph():
    import gc
    import weakref

    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None  # detach() does not keep y (or its graph) alive
    d.add_(1)
    assert d._version == 1


def test_views_and_aliases_count_together():
    m = nn.Linear(3, 4)
    p = m.weight
    entry = m.state_dict()["weight"]
    alias, row, view = p.detach(), p[1], p.detach()[2:4]
    before = p._version
    nn.init.ones_(row)
    alias.mul_(2)
    view[0].add_(1)
    entry.zero_()
    assert p._version == before + 4
    assert alias._version == row._version == view._version == entry._version == before + 4


def test_parameter_of_tensor_shares_its_counter():
    t = ac.zeros(3)
    p = nn.Parameter(t)
    t.add_(1)
    assert p._version == t._version == 1  # torch.nn.Parameter(t) shares it too


def test_version_is_read_only():
    t = ac.zeros(2)
    with pytest.raises(AttributeError):
        t._version += 1  # counted only through autograd_core.version.mark_modified


def test_deepcopy_has_its_own_counter():
    import copy

    p = nn.Parameter(ac.zeros(3))
    q = copy.deepcopy(p.detach())
    q.add_(1)
    assert p._version == 0 and q._version == 1


_ROOT = Path(__file__).resolve().parents[1]
# A bump written by hand, or a counter assigned other than reset to None in a constructor.
_WRITE = re.compile(
    r"\._version\s*(\+=|-=|=(?!=))|\.value\s*\+=|_version_counter\s*=(?!=)(?!\s*None\b)")


def test_versions_are_written_only_in_the_version_module():
    """Nobody counts a write by hand: every bump goes through ``version.mark_modified``."""
    offenders = []
    for folder in ("autograd_core", "nn", "optim", "examples", "benchmarks"):
        for path in sorted((_ROOT / folder).rglob("*.py")):
            if path == _ROOT / "autograd_core" / "version.py":
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if _WRITE.search(line):
                    offenders.append(f"{path.relative_to(_ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
    assert _WRITE.search((_ROOT / "autograd_core" / "version.py").read_text())


# ----- how much each writer counts, against torch ------------------------------------------


def _version_deltas(L, nn_, optim_, utils) -> dict[str, list[int]]:
    """How far each writer moves the versions of the tensors it writes, in library L."""
    out: dict[str, list[int]] = {}

    def count(name, tensors, write):
        before = [t._version for t in tensors]
        write()
        out[name] = [t._version - b for t, b in zip(tensors, before)]

    m = nn_.Linear(3, 2)
    x = L.tensor(np.ones((4, 3), np.float32))
    (m(x) ** 2).sum().backward()
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        count(name, [m.weight, m.bias], getattr(optim_, name)(m.parameters(), lr=0.1).step)
    opt = optim_.SGD(m.parameters(), lr=0.1, momentum=0.9)
    count("SGD momentum", [m.weight, m.bias], opt.step)
    count("optimizer zero_grad", [m.weight.grad], lambda: opt.zero_grad(set_to_none=False))
    (m(x) ** 2).sum().backward()
    count("module zero_grad", [m.weight.grad], lambda: m.zero_grad(set_to_none=False))
    (m(x) ** 2).sum().backward()
    count("clip_grad_norm_", [m.weight.grad], lambda: utils.clip_grad_norm_(m.parameters(), 1e-3))
    bn = nn_.BatchNorm1d(3)
    stats = [bn.running_mean, bn.running_var, bn.num_batches_tracked]
    count("batchnorm forward", stats[2:], lambda: bn(x))
    count("reset_running_stats", stats, bn.reset_running_stats)
    count("init.normal_", [m.weight], lambda: nn_.init.normal_(m.weight))
    count("init on a row", [m.weight], lambda: nn_.init.zeros_(m.weight[0]))
    count("init on detach()", [m.weight], lambda: nn_.init.ones_(m.weight.detach()))
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    count("load_state_dict", [m.weight, m.bias], lambda: m.load_state_dict(sd))
    count("state_dict entry", [m.weight], lambda: m.state_dict()["weight"].mul_(1))
    return out


def test_each_writer_counts_as_torch_does():
    # Whether a write is counted is what matters (by how much is not: torch's AdamW
    # counts its decay and its step as two writes, one here).
    ours = _version_deltas(ac, nn, optim, nn.utils)
    theirs = _version_deltas(torch, torch.nn, torch.optim, torch.nn.utils)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert [d > 0 for d in ours[name]] == [d > 0 for d in theirs[name]], name
    assert all(d == [1] * len(d) for d in ours.values())


def test_writers_torch_leaves_uncounted_are_counted_here():
    # torch's batch-norm kernel updates the running statistics without counting, and
    # vector_to_parameters swaps in new memory, which a node that recorded the parameter
    # would read here (nodes keep their input tensors): both are counted, so backward
    # raises instead of reading changed values.
    bn = nn.BatchNorm1d(3)
    before = bn.running_mean._version, bn.running_var._version
    bn(ac.ones(4, 3))
    assert (bn.running_mean._version, bn.running_var._version) == (before[0] + 1,
                                                                   before[1] + 1)
    w = nn.Parameter(ac.tensor(A["v"].copy()))
    x = ac.tensor(A["b"].copy(), requires_grad=True)
    y = (w * x).sum()
    nn.utils.vector_to_parameters(ac.tensor(A["b"].copy()), [w])
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        y.backward()


def test_init_on_an_expanded_tensor_refuses_as_torch():
    msg = "more than one element of the written-to tensor refers to a single memory location"
    with pytest.raises(RuntimeError, match=msg):
        torch.nn.init.normal_(torch.zeros(3).expand(2, 3))
    with pytest.raises(RuntimeError, match=msg):
        nn.init.normal_(ac.zeros(3).expand(2, 3))


def test_init_on_a_view_that_had_to_copy_says_why():
    # An nn.Linear weight is column-major here, so view(-1) is a read-only copy: a write
    # through it could not reach the weight, and is refused instead of being lost.
    w = nn.Linear(3, 4).weight
    with pytest.raises(RuntimeError, match="read-only copy"):
        nn.init.zeros_(w.view(-1))
