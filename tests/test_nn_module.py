"""Module: registration, iteration, modes, state dicts, hooks, module scopes, containers
and reprs, checked against torch.nn on the same structures."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch
from _nn_helpers import assert_close, copy_weights

import autograd_core as ag
import nn
from autograd_core.function import SCOPE


def build(L):
    """The same small CNN in either library (L = nn or torch.nn)."""
    return L.Sequential(OrderedDict([
        ("features", L.Sequential(L.Conv2d(1, 2, 3, padding=1), L.BatchNorm2d(2), L.ReLU(),
                                  L.MaxPool2d(2))),
        ("flat", L.Flatten()),
        ("head", L.ModuleList([L.Linear(8, 4), L.Linear(4, 3)])),
    ]))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(ag.ones(2))
        self.register_buffer("count", ag.zeros(1))
        self.register_buffer("scratch", ag.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


def test_names_and_order_match_torch():
    ours, theirs = build(nn), build(torch.nn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)


def test_registration_by_attribute():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert list(net.state_dict()) == ["scale", "count", "fc.weight", "fc.bias"]
    assert [n for n, _ in net.named_buffers()] == ["count", "scratch"]
    assert len(list(net.parameters(recurse=False))) == 1
    assert isinstance(net.scale, nn.Parameter) and net.scale.requires_grad
    assert list(net.children()) == [net.fc]
    assert net.get_submodule("fc") is net.fc
    assert net.get_parameter("fc.bias") is net.fc.bias
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    net.fc = None
    assert list(net.children()) == []


def test_shared_parameters_are_listed_once_but_saved_under_each_name():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    ref = torch.nn.Linear(2, 2)
    tseq = torch.nn.Sequential(ref, torch.nn.ReLU(), ref)
    assert len(list(seq.parameters())) == len(list(tseq.parameters())) == 2
    assert list(seq.state_dict()) == list(tseq.state_dict())


def test_attribute_errors():
    net = Net()
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'scale' "
                                        r"\(nn.Parameter or None expected\)"):
        net.scale = ag.ones(2)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        _ = net.nope
    with pytest.raises(NotImplementedError, match=r'Module \[ModuleList\] is missing the '
                                                  r'required "forward" function'):
        nn.ModuleList()(ag.ones(1))
    with pytest.raises(KeyError, match="buffer name can"):
        net.register_buffer("a.b", ag.ones(1))


def test_train_eval_zero_grad_requires_grad():
    model = build(nn)
    assert model.training
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")
    x = ag.randn(2, 1, 4, 4)
    model[2][1](model[2][0](model[1](model[0](x)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    grads = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    assert all(g is p.grad and not g._data.any() for g, p in zip(grads, model.parameters()))
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_float_double():
    model = build(nn)
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    tvisited = []
    build(torch.nn).apply(lambda m: tvisited.append(type(m).__name__))
    assert visited == tvisited
    p = model[0][0].weight
    model.double()
    assert model[0][0].weight is p and p.dtype == np.float64
    assert model[0][1].running_mean.dtype == np.float64
    assert model[0][1].num_batches_tracked.dtype == np.int64  # integers stay integers
    model.float()
    assert p.dtype == np.float32
    model.to("cpu")
    model.to(ag.float64)
    assert p.dtype == np.float64


def test_state_dict_shares_memory_and_keep_vars():
    lin = nn.Linear(3, 2)
    sd = lin.state_dict()
    assert np.shares_memory(sd["weight"]._data, lin.weight._data)
    assert not sd["weight"].requires_grad
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    assert "scratch" not in Net().state_dict()


def test_load_state_dict_round_trip_in_place_and_cast():
    a, b = build(nn), build(nn)
    params_before = list(b.parameters())
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (n, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(pa._data, pb._data, err_msg=n)
    # In place: the same Parameter objects (an optimizer holding them sees the new values).
    assert all(p is q for p, q in zip(params_before, b.parameters()))
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.ones((2, 2)), "bias": ag.zeros(2, dtype=ag.float64)})
    assert lin.weight.dtype == np.float32 and lin.weight._data.sum() == 4


def test_load_state_dict_errors_name_keys_and_shapes():
    lin = nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as e:
        lin.load_state_dict({"weight": ag.zeros(3, 4), "foo": ag.zeros(1)})
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Linear:")
    assert 'Missing key(s) in state_dict: "bias".' in msg
    assert 'Unexpected key(s) in state_dict: "foo".' in msg
    assert ("size mismatch for weight: copying a param with shape [3, 4] from checkpoint, "
            "the shape in current model is [4, 3].") in msg
    # A wrong shape is an error even when strict=False; missing/unexpected are reported.
    with pytest.raises(RuntimeError, match="size mismatch for bias"):
        lin.load_state_dict({"bias": ag.zeros(5)}, strict=False)
    res = lin.load_state_dict({"bias": ag.zeros(4), "extra": ag.zeros(1)}, strict=False)
    assert res.missing_keys == ["weight"] and res.unexpected_keys == ["extra"]
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        lin.load_state_dict([1, 2])


def test_load_state_dict_from_torch_and_back(rng):
    ours, theirs = build(nn), build(torch.nn)
    copy_weights(ours, theirs)  # ours -> torch through state dicts
    ours2 = build(nn)
    ours2.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v._data, ours2.state_dict()[k]._data)


def test_deepcopy_is_independent():
    model = build(nn)
    clone = copy.deepcopy(model)
    clone[0][0].weight._data[...] = 0
    assert model[0][0].weight._data.any()
    assert isinstance(clone[0][0].weight, nn.Parameter)


def test_parameter_shares_data_and_reprs():
    arr = np.ones((2, 2), dtype=np.float32)
    p = nn.Parameter(ag.tensor(arr))
    q = nn.Parameter(arr)
    assert np.shares_memory(q._data, arr) and isinstance(p, ag.Tensor)
    assert repr(q).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(arr, requires_grad=False).requires_grad


# ----- scopes ----------------------------------------------------------------------


class Recorder(nn.Module):
    def __init__(self, inner=None, fail=False):
        super().__init__()
        self.inner = inner
        self.fail = fail
        self.seen = None

    def forward(self, x):
        self.seen = SCOPE.path
        if self.fail:
            raise ValueError("boom")
        y = x * 2
        return self.inner(y) if self.inner is not None else y


def test_call_pushes_scope_and_restores_it_even_on_error():
    inner = Recorder()
    outer = Recorder(inner)
    x = ag.ones(2, requires_grad=True)
    out = outer(x)
    assert outer.seen == (outer,) and inner.seen == (outer, inner)
    assert out.grad_fn.scope == (outer, inner)
    assert SCOPE.path is None
    bad = Recorder(Recorder(fail=True))
    with pytest.raises(ValueError):
        bad(x)
    assert SCOPE.path is None


def test_sequential_gives_each_layer_its_own_scope():
    # Every node made inside a Sequential is scoped to (sequential, its layer), with
    # hooked layers and layers with their own __call__ in between, and the scope is
    # restored after an error.
    class Twice(nn.Module):
        def forward(self, x):
            return x * 2

    class OwnCall(Twice):
        def __call__(self, x):
            return super().__call__(x)

    hooked = nn.ReLU()
    hooked.register_forward_hook(lambda m, args, out: None)
    layers = [nn.Linear(3, 3), hooked, Twice(), OwnCall(), nn.Linear(3, 2), nn.ReLU()]
    seq = nn.Sequential(*layers)
    out = seq(ag.ones(4, 3, requires_grad=True))
    node, scopes = out.grad_fn, []
    while node is not None:
        scopes.append(node.scope)
        node = node.inputs[0].grad_fn
    assert scopes == [(seq, m) for m in reversed(layers)]
    assert SCOPE.path is None
    bad = nn.Sequential(Twice(), Recorder(fail=True))
    with pytest.raises(ValueError):
        bad(ag.ones(2))
    assert SCOPE.path is None


# ----- hooks -----------------------------------------------------------------------


def test_forward_hooks_modify_and_remove():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    h3 = lin.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = lin(ag.ones(1, 2))
    np.testing.assert_allclose(out._data, lin.bias._data[None] + 1, rtol=1e-6)
    assert calls == ["first", "post"]
    for h in (h1, h2, h3):
        h.remove()
    assert not lin._has_hooks
    np.testing.assert_allclose(lin(ag.zeros(1, 2))._data, lin.bias._data[None], rtol=1e-6)
    with lin.register_forward_pre_hook(lambda m, a, kw: ((a[0] + 1,), kw), with_kwargs=True):
        expected = nn.functional.linear(ag.ones(1, 2), lin.weight, lin.bias)
        np.testing.assert_allclose(lin(ag.zeros(1, 2))._data, expected._data)
    assert not lin._has_hooks
    seen = []
    lin.register_forward_hook(lambda m, a, kw, out: seen.append(kw), with_kwargs=True)
    lin(input=ag.ones(1, 2))
    assert len(seen) == 1 and list(seen[0]) == ["input"]


def _grads_with_hook(L, lib_tensor, x, w, b, hook):
    lin = L.Linear(3, 2).double()
    with torch.no_grad() if L is torch.nn else ag.no_grad():
        lin.weight.data[...] = lib_tensor(w).data if L is not torch.nn else torch.tensor(w)
        lin.bias.data[...] = lib_tensor(b).data if L is not torch.nn else torch.tensor(b)
    record = []
    lin.register_full_backward_hook(lambda m, gi, go: hook(record, gi, go))
    xt = lib_tensor(x)
    xt.requires_grad_(True)
    out = (lin(xt) * lib_tensor(np.arange(1.0, 5.0).reshape(2, 2))).sum()
    out.backward()
    return xt.grad, lin.weight.grad, record


def test_full_backward_hook_matches_torch(rng):
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)

    def observe(record, gi, go):
        record.append((gi, go))

    def double_input_grad(record, gi, go):
        record.append((gi, go))
        return (gi[0] * 2,)

    for hook in (observe, double_input_grad):
        xg_o, wg_o, rec_o = _grads_with_hook(nn, lambda a: ag.tensor(a), x, w, b, hook)
        xg_t, wg_t, rec_t = _grads_with_hook(torch.nn, lambda a: torch.tensor(a), x, w, b, hook)
        assert len(rec_o) == len(rec_t) == 1
        (gi_o, go_o), (gi_t, go_t) = rec_o[0], rec_t[0]
        assert len(gi_o) == len(gi_t) and len(go_o) == len(go_t)
        assert_close(gi_o[0], gi_t[0], what="grad_input")
        assert_close(go_o[0], go_t[0], what="grad_output")
        assert_close(xg_o, xg_t, what="x.grad")
        assert_close(wg_o, wg_t, what="weight.grad")


class TwoInputs(nn.Module):
    def forward(self, a, b, scale=1.0):
        return a * b * scale, a + b


class TorchTwoInputs(torch.nn.Module):
    def forward(self, a, b, scale=1.0):
        return a * b * scale, a + b


def test_full_backward_hook_several_inputs_and_outputs_match_torch(rng):
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    results = []
    for mod, mk in ((TwoInputs(), lambda v: ag.tensor(v, requires_grad=True)),
                    (TorchTwoInputs(), lambda v: torch.tensor(v, requires_grad=True))):
        rec = []
        mod.register_full_backward_hook(lambda m, gi, go, rec=rec: rec.append((gi, go)))
        pre = []
        mod.register_full_backward_pre_hook(lambda m, go, pre=pre: pre.append(len(go)))
        ta, tb = mk(a), mk(b)
        p, s = mod(ta, tb, scale=3.0)
        (p.sum() * 2 + (s * s).sum()).backward()
        results.append((rec, pre, ta.grad, tb.grad))
    (rec_o, pre_o, ga_o, gb_o), (rec_t, pre_t, ga_t, gb_t) = results
    assert len(rec_o) == len(rec_t) == 1 and pre_o == pre_t
    for i in range(2):
        assert_close(rec_o[0][0][i], rec_t[0][0][i], what=f"grad_input {i}")
        assert_close(rec_o[0][1][i], rec_t[0][1][i], what=f"grad_output {i}")
    assert_close(ga_o, ga_t)
    assert_close(gb_o, gb_t)


def test_backward_hook_when_input_needs_no_grad():
    lin = nn.Linear(2, 2)
    rec = []
    handle = lin.register_full_backward_hook(lambda m, gi, go: rec.append((gi, go)))
    lin(ag.ones(1, 2)).sum().backward()
    assert len(rec) == 1 and rec[0][0] == (None,) and rec[0][1][0].shape == (1, 2)
    handle.remove()
    lin(ag.ones(1, 2)).sum().backward()
    assert len(rec) == 1


# ----- containers ------------------------------------------------------------------


def test_sequential_indexing_slicing_and_editing():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    tseq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert repr(seq[1:]) == repr(tseq[1:])
    assert [n for n, _ in seq[1:].named_parameters()] == \
        [n for n, _ in tseq[1:].named_parameters()]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    seq.append(nn.Sigmoid())
    tseq.append(torch.nn.Sigmoid())
    seq.insert(1, nn.Tanh())
    tseq.insert(1, torch.nn.Tanh())
    del seq[0]
    del tseq[0]
    assert repr(seq) == repr(tseq)
    assert [type(m).__name__ for m in seq] == [type(m).__name__ for m in tseq]
    x = ag.randn(4, 3)
    assert seq(x).shape == (4, 1)


def test_module_list_insert_and_delete_renumber_and_a_refused_insert_loses_nothing():
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    tml = torch.nn.ModuleList([torch.nn.ReLU(), torch.nn.Tanh()])
    ml.insert(1, nn.Sigmoid())
    tml.insert(1, torch.nn.Sigmoid())
    del ml[0]
    del tml[0]
    assert repr(ml) == repr(tml)
    assert list(ml._modules) == ["0", "1"]
    with pytest.raises(TypeError, match="str is not a Module subclass"):
        ml.insert(0, "not a module")
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "Tanh"]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    tml = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    tml.append(torch.nn.ReLU())
    assert repr(ml) == repr(tml)  # repeated layers print as "(0-2): 3 x Linear(...)"
    assert len(ml) == 4 and len(list(ml.parameters())) == 6
    assert isinstance(ml[1:], nn.ModuleList) and len(ml[1:]) == 3
    ml += [nn.Tanh()]
    assert isinstance(ml[-1], nn.Tanh)
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    tmd = torch.nn.ModuleDict({"a": torch.nn.Linear(1, 1), "b": torch.nn.ReLU()})
    assert repr(md) == repr(tmd)
    assert list(md) == ["a", "b"] and "a" in md and len(md) == 2
    md.update([("c", nn.Tanh())])
    assert list(md.keys()) == ["a", "b", "c"]
    assert isinstance(md.pop("b"), nn.ReLU) and list(md) == ["a", "c"]
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]


@pytest.mark.parametrize("make", [lambda: nn.Linear(3, 2), lambda: nn.Conv2d(1, 2, 3, padding=1)])
def test_layers_use_whatever_weight_and_bias_the_module_holds_now(make):
    """Linear and Conv2d read weight/bias from the parameter store directly (faster than
    attribute access); a parameter replaced in the store, or deleted and re-set as a plain
    attribute (as reparametrisation tools do), is still what forward uses."""
    m = make()
    x = ag.randn(*((4, 3) if isinstance(m, nn.Linear) else (1, 1, 4, 4)))
    w2 = nn.Parameter(ag.zeros(*m.weight.shape))
    m._parameters["weight"] = w2
    assert np.all(m(x)._data == np.broadcast_to(
        m.bias._data.reshape((-1,) + (1,) * (x.ndim - 2)), m(x).shape))
    del m.weight
    m.weight = ag.ones(*w2.shape) * 2  # a plain tensor attribute now, not a parameter
    del m.bias
    m.bias = None
    ref = (x._data @ np.full((3, 2), 2.0, np.float32) if isinstance(m, nn.Linear)
           else nn.functional.conv2d(x, m.weight, None, padding=1)._data)
    np.testing.assert_allclose(m(x)._data, ref, rtol=1e-6)
    assert "weight" not in dict(m.named_parameters())
