"""Memory: what hostile or careless use can make the library hold or allocate.

Measured with tracemalloc (NumPy reports its array memory to it): interval draws far in
a tail, clipping many gradients, gradients kept by hooks, graphs dropped by the caller,
checkpoints loaded. (Crafted files and endless downloads are bounded in
test_adv_serialization and test_adv_downloads; keeping every step's ``loss`` in a list
is tests/test_memory.py's.)
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import pytest

import autograd_core as ac
import nn


def _traced(fn):
    """(result, bytes still held after fn, peak bytes during fn)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        gc.collect()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, now - base, peak - base


@pytest.mark.filterwarnings("ignore:mean is more than 2 std")
@pytest.mark.parametrize("window", [(-2.0, 2.0), (30.0, 31.0), (1000.0, 1001.0)], ids=str)
def test_trunc_normal_allocates_a_few_copies_of_its_output_whatever_the_window(window):
    t = ac.empty(100_000, dtype=ac.float64)
    _, _, peak = _traced(lambda: nn.init.trunc_normal_(t, a=window[0], b=window[1]))
    # The output and the temporaries of one block (the draws are made in blocks), never
    # a loop of redraws whose memory depends on the window.
    assert peak < 2 * t._data.nbytes + (4 << 20), peak


def test_clip_grad_norm_does_not_copy_every_gradient_at_once():
    params = [ac.zeros(50_000, requires_grad=True) for _ in range(20)]
    for p in params:
        p.grad = ac.ones(50_000)
    _, _, peak = _traced(lambda: nn.utils.clip_grad_norm_(params, 1.0))
    one_f64 = 50_000 * 8
    assert peak < 4 * one_f64, peak  # per gradient, not for all 20


def test_a_dropped_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = ac.randn(1000, requires_grad=True)
        y = (x.exp() * 3).tanh().sum()
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_a_graph_after_backward_keeps_no_activations():
    x = ac.randn(50_000, requires_grad=True)

    def step():
        loss = (x.exp() * x.sigmoid()).tanh().sum()
        loss.backward()
        return loss

    loss, held, _ = _traced(step)
    # What remains: x.grad (one array of x's size) and the 0-d loss.
    assert held < 1.5 * x._data.nbytes, held
    assert loss.grad_fn is not None


def test_hook_results_kept_by_the_caller_do_not_grow_with_later_steps():
    x = ac.ones(20_000, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g))

    def steps():
        for _ in range(5):
            (x * 2).sum().backward()

    _, held, _ = _traced(steps)
    # Five gradients seen, each kept, plus x.grad: nothing beyond those six arrays.
    assert held < 6.5 * x._data.nbytes, held
    assert [float(g._data[0]) for g in seen] == [2.0] * 5


def test_loading_a_checkpoint_allocates_about_its_size(tmp_path):
    sd = {f"w{i}": ac.ones(20_000) for i in range(8)}
    ac.save(sd, tmp_path / "c.npz")
    size = (tmp_path / "c.npz").stat().st_size
    loaded, held, peak = _traced(lambda: ac.load(tmp_path / "c.npz"))
    assert len(loaded) == 8
    assert peak < 2.5 * size, (peak, size)


def test_switch_objects_keep_no_state_for_threads_that_left_them():
    """One no_grad() / detect_anomaly() object entered by 200 short-lived threads: the
    previous modes it keeps per thread are dropped as each thread leaves it."""
    import threading

    ng, an = ac.no_grad(), ac.detect_anomaly()

    def worker():
        with ng, an:
            pass

    for _ in range(4):
        threads = [threading.Thread(target=worker) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert ng._prev == {} and an._prev == {}


def test_set_grad_enabled_used_as_a_decorator_keeps_no_state():
    sw = ac.set_grad_enabled(False)

    @sw
    def f():
        return ac.is_grad_enabled()

    assert ac.is_grad_enabled()  # the decorator undid the switch its call made
    assert [f() for _ in range(100)] == [False] * 100
    assert sw._prev == {}
