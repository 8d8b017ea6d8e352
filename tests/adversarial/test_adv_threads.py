"""Threads: grad mode (and anomaly mode) belong to the thread that sets them.

Each scenario runs real threads that stop at known points (a hook that waits on an
Event holds one thread inside its backward pass), so the interleaving is the same on
every run. Where torch has the same notion the scenario runs in both libraries and the
observations must agree; the gradients computed concurrently must equal the serial ones.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from _oracle import LIBS, OURS, THEIRS, assert_same

import autograd_core as ac

WAIT = 30.0  # seconds; only reached if a scenario is broken (then it fails, not hangs)


def _thread(target, *args):
    errors: list[BaseException] = []

    def body():
        try:
            target(*args)
        except BaseException as e:  # noqa: BLE001 - reported by the joining test
            errors.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, errors


def _join(t, errors):
    t.join(WAIT)
    assert not t.is_alive(), "a thread of the scenario did not finish"
    if errors:
        raise errors[0]


def _no_grad_elsewhere(L):
    """Thread A sits inside no_grad(); meanwhile the main thread records."""
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def a():
        with L.t.no_grad():
            seen["a_inside"] = L.t.is_grad_enabled()
            entered.set()
            assert release.wait(WAIT)
        seen["a_after"] = L.t.is_grad_enabled()

    t, errs = _thread(a)
    assert entered.wait(WAIT)
    x = L.t.ones(2, requires_grad=True)
    y = x * 3
    seen["main_records"] = y.requires_grad and y.grad_fn is not None
    release.set()
    _join(t, errs)
    y.sum().backward()
    seen["grad"] = x.grad.tolist()
    return seen


def _backward_elsewhere(L):
    """Thread A is held inside its backward pass (a hook waits); the main thread records
    a graph and runs its own backward meanwhile, then A finishes."""
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def a():
        w = L.t.ones(3, requires_grad=True)
        mid = w * 2

        def hold(g):
            seen["a_mode_in_backward"] = L.t.is_grad_enabled()
            inside.set()
            assert release.wait(WAIT)

        mid.register_hook(hold)
        (mid * mid).sum().backward()
        seen["a_mode_after"] = L.t.is_grad_enabled()
        seen["a_grad"] = w.grad.tolist()

    t, errs = _thread(a)
    assert inside.wait(WAIT)
    x = L.t.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    seen["main_records_during"] = y.grad_fn is not None
    y.backward()  # a second, overlapping backward pass
    seen["main_grad"] = x.grad.tolist()
    seen["main_mode_after_own_backward"] = L.t.is_grad_enabled()
    release.set()
    _join(t, errs)
    seen["main_mode_at_end"] = L.t.is_grad_enabled()
    z = x * 2
    seen["main_still_records"] = z.grad_fn is not None
    return seen


def _two_held_backwards(L):
    """Two threads, each held inside its own backward, released in the opposite order
    to the one they entered in: neither may leave grad mode off anywhere."""
    ev = {k: threading.Event() for k in ("a_in", "b_in", "a_go", "b_go")}
    seen = {}

    def worker(name):
        w = L.t.ones(2, requires_grad=True)
        mid = w * 1.0

        def hold(g):
            ev[f"{name}_in"].set()
            assert ev[f"{name}_go"].wait(WAIT)

        mid.register_hook(hold)
        (mid * 2).sum().backward()
        seen[f"{name}_after"] = L.t.is_grad_enabled()
        seen[f"{name}_records"] = (w * 2).grad_fn is not None

    ta = _thread(worker, "a")
    assert ev["a_in"].wait(WAIT)
    tb = _thread(worker, "b")
    assert ev["b_in"].wait(WAIT)
    ev["a_go"].set()
    _join(*ta)
    ev["b_go"].set()
    _join(*tb)
    seen["main_after"] = L.t.is_grad_enabled()
    return seen


def _new_thread_starts_enabled(L):
    """The main thread switches recording off; a thread started meanwhile still records."""
    seen = {}

    def a():
        seen["thread_mode"] = L.t.is_grad_enabled()
        seen["thread_records"] = (L.t.ones(1, requires_grad=True) * 2).grad_fn is not None

    L.t.set_grad_enabled(False)
    try:
        t, errs = _thread(a)
        _join(t, errs)
        seen["main_mode"] = L.t.is_grad_enabled()
    finally:
        L.t.set_grad_enabled(True)
    return seen


def _shared_no_grad_object(L):
    """One no_grad() object entered by two threads whose exits interleave."""
    ng = L.t.no_grad()
    ev = {k: threading.Event() for k in ("a_in", "b_in", "a_out")}
    seen = {}

    def a():
        with ng:
            ev["a_in"].set()
            assert ev["b_in"].wait(WAIT)
        ev["a_out"].set()
        seen["a_after"] = L.t.is_grad_enabled()

    def b():
        assert ev["a_in"].wait(WAIT)
        with ng:
            ev["b_in"].set()
            assert ev["a_out"].wait(WAIT)
            seen["b_inside_after_a_left"] = L.t.is_grad_enabled()
        seen["b_after"] = L.t.is_grad_enabled()

    ta, tb = _thread(a), _thread(b)
    _join(*ta)
    _join(*tb)
    return seen


def _decorated_no_grad_elsewhere(L):
    """Thread A runs a function decorated with no_grad that waits inside."""
    inside, release = threading.Event(), threading.Event()
    seen = {}

    @L.t.no_grad()
    def hold():
        seen["a_inside"] = L.t.is_grad_enabled()
        inside.set()
        assert release.wait(WAIT)

    t, errs = _thread(hold)
    assert inside.wait(WAIT)
    seen["main_records"] = (L.t.ones(1, requires_grad=True) * 2).grad_fn is not None
    release.set()
    _join(t, errs)
    return seen


def _enable_grad_inside_no_grad_in_a_thread(L):
    """enable_grad() nested in no_grad() in a thread, while the main thread is in
    no_grad(): each thread sees only its own nesting."""
    ready, release = threading.Event(), threading.Event()
    seen = {}

    def a():
        with L.t.no_grad():
            with L.t.enable_grad():
                assert ready.wait(WAIT)
                seen["a_records"] = (L.t.ones(1, requires_grad=True) * 2).grad_fn is not None
            seen["a_no_grad_again"] = L.t.is_grad_enabled()
        release.set()

    t, errs = _thread(a)
    with L.t.no_grad():
        ready.set()
        assert release.wait(WAIT)
        seen["main_in_no_grad"] = L.t.is_grad_enabled()
    _join(t, errs)
    return seen


def _second_order_in_a_thread(L):
    """A Hessian-vector product (create_graph) in a thread while the main thread holds
    no_grad() for the whole time."""
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def a():
        assert inside.wait(WAIT)
        x = L.t.tensor([0.5, 2.0, -1.0], dtype=L.dt("float64"), requires_grad=True)
        (g,) = L.grad((x ** 3).sum(), x, create_graph=True)
        (h,) = L.grad((g * L.t.tensor([1.0, 2.0, 3.0], dtype=L.dt("float64"))).sum(), x)
        seen["g"], seen["h"] = g.detach(), h
        done.set()

    t, errs = _thread(a)
    with L.t.no_grad():
        inside.set()
        assert done.wait(WAIT)
    _join(t, errs)
    return seen


def _switched_off_in_an_ended_thread(L):
    """A thread switches recording off as a plain call and ends without switching back:
    nothing else is affected, and the next thread starts enabled again."""
    seen = {}

    def a():
        L.t.set_grad_enabled(False)
        seen["a"] = L.t.is_grad_enabled()

    def b():
        seen["b"] = L.t.is_grad_enabled()

    for fn in (a, b):
        t, errs = _thread(fn)
        _join(t, errs)
    seen["main"] = L.t.is_grad_enabled()
    return seen


SCENARIOS = {
    "decorated no_grad in another thread": _decorated_no_grad_elsewhere,
    "enable_grad inside no_grad in a thread": _enable_grad_inside_no_grad_in_a_thread,
    "second order in a thread under main no_grad": _second_order_in_a_thread,
    "switched off in an ended thread": _switched_off_in_an_ended_thread,
    "no_grad in another thread": _no_grad_elsewhere,
    "backward in another thread": _backward_elsewhere,
    "two overlapping backward passes": _two_held_backwards,
    "new thread starts enabled": _new_thread_starts_enabled,
    "one no_grad object in two threads": _shared_no_grad_object,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_grad_mode_is_per_thread_as_in_torch(name):
    ours = SCENARIOS[name](OURS)
    theirs = SCENARIOS[name](THEIRS)
    assert_same(ours, theirs, name)
    assert ac.is_grad_enabled() and torch.is_grad_enabled()


def _train(L, seed, steps=10):
    """A small MLP trained by hand-written SGD; returns the final weights."""
    rng = np.random.default_rng(seed)
    w1 = L.t.tensor(rng.standard_normal((8, 16)), requires_grad=True)
    w2 = L.t.tensor(rng.standard_normal((16, 1)), requires_grad=True)
    x = L.t.tensor(rng.standard_normal((32, 8)))
    y = L.t.tensor(rng.standard_normal((32, 1)))
    for _ in range(steps):
        loss = (((x @ w1).tanh() @ w2 - y) ** 2).mean()
        loss.backward()
        with L.t.no_grad():
            for w in (w1, w2):
                w -= 0.05 * w.grad
                w.grad = None
    return [w1.detach().clone(), w2.detach().clone()]


@pytest.mark.parametrize("lib", LIBS, ids=lambda L: L.name)
def test_concurrent_training_threads_match_serial_runs(lib):
    """Four threads record, backpropagate and switch no_grad() at once: each ends with
    the weights a serial run of its own gets (float64, so exactly)."""
    serial = [_train(lib, s) for s in range(4)]
    results: dict[int, list] = {}
    start = threading.Barrier(4)

    def worker(s):
        start.wait(WAIT)
        results[s] = _train(lib, s)

    threads = [_thread(worker, s) for s in range(4)]
    for t in threads:
        _join(*t)
    for s in range(4):
        for a, b in zip(results[s], serial[s]):
            np.testing.assert_array_equal(np.asarray(a.detach().numpy() if lib is THEIRS
                                                     else a._data),
                                          np.asarray(b.detach().numpy() if lib is THEIRS
                                                     else b._data))


def test_serial_training_matches_torch():
    assert_same(_train(OURS, 3), _train(THEIRS, 3), "serial training", rtol=1e-10)


def test_anomaly_mode_belongs_to_its_thread():
    """(torch 2.13 keeps one process-wide anomaly flag; ours is per thread, so two
    threads entering and leaving detect_anomaly() in overlapping order cannot leave it
    on or off for anyone else.)"""
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def a():
        with ac.detect_anomaly():
            seen["a"] = ac.is_anomaly_enabled()
            inside.set()
            assert release.wait(WAIT)

    t, errs = _thread(a)
    assert inside.wait(WAIT)
    seen["main_during"] = ac.is_anomaly_enabled()
    release.set()
    _join(t, errs)
    assert seen == {"a": True, "main_during": False}
    assert not ac.is_anomaly_enabled()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # sqrt(-1) is the point here
def test_anomaly_detection_works_inside_a_thread():
    seen = {}

    def a():
        x = ac.tensor([-1.0, 4.0], requires_grad=True)
        with ac.detect_anomaly():
            y = x.sqrt()
            try:
                (y * 2).sum().backward()
            except RuntimeError as e:
                seen["error"] = str(e)

    t, errs = _thread(a)
    _join(t, errs)
    assert "SqrtBackward" in seen["error"] and "nan" in seen["error"]
