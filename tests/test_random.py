"""Randomness: seeds, ``Generator`` objects, ``generator=`` on every random function, and
the samplers' shapes, dtypes and distributions against PyTorch 2.13.

The numbers themselves are not PyTorch's (different generator and sampling routines):
what is checked is that one seed gives one stream, that generators are independent of
each other and of the global one, and that every sampler draws from the right
distribution (moments and frequencies on large seeded samples, so nothing is flaky).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn
from autograd_core.utils.data import DataLoader, RandomSampler, TensorDataset, random_split

# Each random function called the same way in both libraries, with a generator.
SAMPLERS = {
    "rand": lambda L, g: L.rand(3, 4, generator=g),
    "rand size=": lambda L, g: L.rand(size=(3, 4), generator=g),
    "randn": lambda L, g: L.randn((2, 5), generator=g),
    "randn float64": lambda L, g: L.randn(4, generator=g, dtype=L.float64),
    "randint high": lambda L, g: L.randint(10, (6,), generator=g),
    "randint low high": lambda L, g: L.randint(-3, 3, (2, 3), generator=g),
    "randint keywords": lambda L, g: L.randint(low=2, high=9, size=(4,), generator=g),
    "randint high size=": lambda L, g: L.randint(7, size=(5,), generator=g),
    "randint dtype": lambda L, g: L.randint(0, 5, (3,), generator=g, dtype=L.float32),
    "randperm": lambda L, g: L.randperm(8, generator=g),
    "normal floats": lambda L, g: L.normal(2.0, 3.0, (4, 2), generator=g),
    "normal tensor mean": lambda L, g: L.normal(L.zeros(3), 1.0, generator=g),
    "normal tensor std": lambda L, g: L.normal(0.5, L.ones(2, 3), generator=g),
    "normal both": lambda L, g: L.normal(L.zeros(3), L.ones(2, 3), generator=g),
    "normal float64": lambda L, g: L.normal(L.zeros(3, dtype=L.float64), L.ones(3),
                                            generator=g),
    "multinomial": lambda L, g: L.multinomial(L.tensor([0.1, 0.2, 0.7]), 2, generator=g),
    "multinomial replacement": lambda L, g: L.multinomial(L.tensor([[1.0, 2.0], [3.0, 0.5]]),
                                                          5, True, generator=g),
    "bernoulli": lambda L, g: L.bernoulli(L.full((5,), 0.3), generator=g),
    "bernoulli p": lambda L, g: L.bernoulli(L.zeros(2, 2), 0.5, generator=g),
    "rand_like": lambda L, g: L.rand_like(L.zeros(2, 2, dtype=L.float64), generator=g),
    "randn_like": lambda L, g: L.randn_like(L.zeros(3), generator=g),
    "randint_like": lambda L, g: L.randint_like(L.zeros(3), 4, generator=g),
    "randint_like low high": lambda L, g: L.randint_like(L.zeros(3), 2, 4, generator=g),
    "uniform_": lambda L, g: L.zeros(4).uniform_(-2, 2, generator=g),
    "normal_": lambda L, g: L.zeros(4).normal_(1.0, 0.5, generator=g),
    "bernoulli_": lambda L, g: L.zeros(4).bernoulli_(0.5, generator=g),
    "bernoulli_ tensor p": lambda L, g: L.zeros(4).bernoulli_(L.full((4,), 0.25), generator=g),
    "random_": lambda L, g: L.zeros(4).random_(0, 10, generator=g),
    "random_ to": lambda L, g: L.zeros(4, dtype=L.int64).random_(7, generator=g),
    "exponential_": lambda L, g: L.zeros(4).exponential_(2.0, generator=g),
    "multinomial method": lambda L, g: L.tensor([0.5, 0.5]).multinomial(1, generator=g),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_sampler_shape_and_dtype_match_torch(name):
    fn = SAMPLERS[name]
    ours, theirs = fn(ac, ac.Generator().manual_seed(0)), fn(torch, torch.Generator())
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_seed_same_numbers_and_generators_are_independent(name):
    fn = SAMPLERS[name]
    a = fn(ac, ac.Generator().manual_seed(123)).tolist()
    ac.rand(100)  # draws from the global generator do not touch a private one
    b = fn(ac, ac.Generator().manual_seed(123)).tolist()
    assert a == b
    # The global generator: manual_seed repeats it.
    ac.manual_seed(5)
    c = fn(ac, None).tolist()
    ac.manual_seed(5)
    assert fn(ac, None).tolist() == c


@pytest.mark.parametrize("name", ["rand", "randn", "randperm", "normal floats", "uniform_",
                                  "multinomial replacement"])
def test_different_seeds_give_different_numbers(name):
    fn = SAMPLERS[name]
    assert fn(ac, ac.Generator().manual_seed(1)).tolist() != fn(
        ac, ac.Generator().manual_seed(2)).tolist()


def test_rand_without_generator_follows_manual_seed_and_advances():
    ac.manual_seed(0)
    first, second = ac.rand(3).tolist(), ac.rand(3).tolist()
    assert first != second
    ac.manual_seed(0)
    assert ac.rand(3).tolist() == first


# ----- Generator and global seed API ---------------------------------------------------------

def test_generator_api_as_torch():
    g, tg = ac.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed()  # PyTorch's default seed
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    assert g.device == ac.device("cpu") and str(g.device) == str(tg.device)
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2 ** 64 and g.initial_seed() == s
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        ac.Generator(device="cuda")


def test_state_round_trip_replays_the_stream():
    g = ac.Generator().manual_seed(9)
    ac.randn(5, generator=g)
    state = g.get_state()
    assert state.dtype == ac.uint8 and state.ndim == 1
    after = ac.randn(5, generator=g).tolist()
    g.set_state(state)
    assert ac.randn(5, generator=g).tolist() == after
    # A state moves between generators, and survives pickling.
    h = ac.Generator().set_state(state)
    assert ac.randn(5, generator=h).tolist() == after
    k = pickle.loads(pickle.dumps(ac.Generator().set_state(state)))
    assert ac.randn(5, generator=k).tolist() == after and k.initial_seed() == 9


def test_set_state_refuses_what_torch_refuses():
    g = ac.Generator()
    with pytest.raises(TypeError, match="ByteTensor"):
        g.set_state(ac.zeros(48))
    with pytest.raises(RuntimeError, match="size 48"):
        g.set_state(ac.zeros(3, dtype=ac.uint8))
    with pytest.raises(RuntimeError, match="not a state"):
        g.set_state(ac.zeros(48, dtype=ac.uint8))


def test_global_seed_functions_as_torch():
    assert ac.manual_seed(11) is ac.default_generator
    assert isinstance(ac.default_generator, ac.Generator)
    assert ac.initial_seed() == 11
    state = ac.get_rng_state()
    x = ac.rand(4).tolist()
    ac.set_rng_state(state)
    assert ac.rand(4).tolist() == x
    s = ac.seed()
    assert ac.initial_seed() == s
    # Seeds as PyTorch reads them: int(seed), negatives wrapped modulo 2**64.
    for seed in (-1, 2 ** 64 - 1, 7.9, ac.tensor(5)):
        assert ac.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
    for bad in (2 ** 64, -(2 ** 63) - 1):
        with pytest.raises(ValueError):
            torch.manual_seed(bad)
        with pytest.raises(ValueError):
            ac.manual_seed(bad)
    with pytest.raises(TypeError):
        ac.manual_seed(None)
    assert ac.random.manual_seed is ac.manual_seed or ac.random.manual_seed(3) is (
        ac.default_generator)


def test_fork_rng_restores_the_global_stream():
    ac.manual_seed(4)
    expected = ac.rand(3).tolist()
    ac.manual_seed(4)
    with ac.random.fork_rng():
        ac.rand(10)
    assert ac.rand(3).tolist() == expected


def test_generator_argument_type_is_checked():
    for call in (lambda: ac.rand(2, generator=3), lambda: ac.randperm(3, generator="g"),
                 lambda: ac.multinomial(ac.ones(2), 1, generator=object())):
        with pytest.raises(TypeError, match="must be torch.Generator"):
            call()


# ----- distributions ------------------------------------------------------------------------

N = 200_000


def _gen(seed=0):
    return ac.Generator().manual_seed(seed)


def test_uniform_and_normal_moments():
    u = ac.rand(N, generator=_gen(), dtype=ac.float64).numpy()
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    z = ac.randn(N, generator=_gen(), dtype=ac.float64).numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    n = ac.normal(2.0, 3.0, (N,), generator=_gen()).numpy()
    assert abs(n.mean() - 2) < 0.03 and abs(n.std() - 3) < 0.03
    w = ac.zeros(N).uniform_(-2, 6, generator=_gen()).numpy()
    assert -2 <= w.min() and w.max() < 6 and abs(w.mean() - 2) < 0.03
    e = ac.zeros(N).exponential_(4.0, generator=_gen()).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.005


def test_normal_with_tensor_mean_and_std_samples_each_element():
    mean = ac.tensor([-5.0, 0.0, 10.0])
    std = ac.tensor([0.1, 1.0, 2.0])
    draws = np.stack([ac.normal(mean, std, generator=_gen(i)).numpy() for i in range(4000)])
    np.testing.assert_allclose(draws.mean(0), mean.numpy(), atol=0.1)
    np.testing.assert_allclose(draws.std(0), std.numpy(), rtol=0.05)
    assert ac.normal(mean, ac.zeros(3)).tolist() == mean.tolist()


def test_normal_joins_the_graph_with_zero_gradients_as_torch():
    """PyTorch's normal is not reparameterised: its NormalBackward gives mean and std zero
    gradients (of their own shapes, after broadcasting)."""
    for lib in (ac, torch):
        mean = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        std = lib.tensor([[1.0], [2.0]], dtype=lib.float64, requires_grad=True)
        for out in (lib.normal(mean, std), lib.normal(mean, 2.0), lib.normal(0.5, std)):
            assert out.grad_fn is not None and out.requires_grad
            (out * 3).sum().backward()
        assert mean.grad.tolist() == [0.0, 0.0, 0.0]
        assert std.grad.tolist() == [[0.0], [0.0]]
    with ac.no_grad():
        assert ac.normal(ac.zeros(2, requires_grad=True), 1.0).grad_fn is None
    assert ac.normal(ac.zeros(2), 1.0).requires_grad is False


def test_randint_and_randperm_cover_their_range_uniformly():
    r = ac.randint(3, 8, (N,), generator=_gen()).numpy()
    assert r.dtype == np.int64 and set(np.unique(r)) == {3, 4, 5, 6, 7}
    np.testing.assert_allclose(np.bincount(r)[3:] / N, 0.2, atol=0.005)
    for seed in range(5):
        p = ac.randperm(10, generator=_gen(seed)).numpy()
        assert sorted(p.tolist()) == list(range(10))
    firsts = [ac.randperm(4, generator=_gen(s)).numpy()[0] for s in range(4000)]
    np.testing.assert_allclose(np.bincount(firsts) / 4000, 0.25, atol=0.03)
    vals = ac.zeros(N, dtype=ac.int64).random_(0, 4, generator=_gen()).numpy()
    np.testing.assert_allclose(np.bincount(vals) / N, 0.25, atol=0.005)


def test_multinomial_with_replacement_follows_the_weights():
    w = ac.tensor([[1.0, 0.0, 3.0, 6.0], [5.0, 5.0, 0.0, 0.0]])
    draws = ac.multinomial(w, N, replacement=True, generator=_gen()).numpy()
    assert draws.shape == (2, N) and draws.dtype == np.int64
    for row, weights in zip(draws, w.numpy()):
        freq = np.bincount(row, minlength=4) / N
        np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.005)
        assert (freq[weights == 0] == 0).all()  # zero weight: never drawn


def test_multinomial_without_replacement_is_sequential_sampling():
    """Each row's draws are distinct; the first draw follows the weights, and the second
    follows them renormalised without the first (what torch.multinomial does)."""
    p = np.array([0.5, 0.3, 0.2])
    trials = 20_000
    pairs = np.stack([ac.multinomial(ac.tensor(p), 2, generator=_gen(s)).numpy()
                      for s in range(trials)])
    assert (pairs[:, 0] != pairs[:, 1]).all()
    np.testing.assert_allclose(np.bincount(pairs[:, 0], minlength=3) / trials, p, atol=0.015)
    # P(second = j) = sum_i p_i p_j / (1 - p_i)
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(3) if i != j)
                       for j in range(3)])
    np.testing.assert_allclose(np.bincount(pairs[:, 1], minlength=3) / trials, second,
                               atol=0.015)
    full = ac.multinomial(ac.tensor([0.0, 1.0, 0.0, 2.0]), 4, generator=_gen()).numpy()
    assert sorted(full.tolist()) == [0, 1, 2, 3]
    assert set(full[:2].tolist()) == {1, 3}  # positive weights first, as in torch


def test_bernoulli_frequencies():
    p = ac.tensor([0.0, 0.1, 0.5, 0.9, 1.0], dtype=ac.float64)
    draws = np.stack([ac.bernoulli(p, generator=_gen(s)).numpy() for s in range(5000)])
    np.testing.assert_allclose(draws.mean(0), p.numpy(), atol=0.02)
    assert set(np.unique(draws)) <= {0.0, 1.0}
    same_p = ac.bernoulli(ac.zeros(N), 0.3, generator=_gen()).numpy()
    assert abs(same_p.mean() - 0.3) < 0.005
    filled = ac.zeros(N).bernoulli_(0.7, generator=_gen()).numpy()
    assert abs(filled.mean() - 0.7) < 0.005


def test_in_place_fills_follow_torch_autograd_rules():
    w = ac.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.uniform_()
    with ac.no_grad():  # how nn.init fills parameters
        v0 = w._version
        w.normal_(generator=_gen())
        assert w._version > v0 and w.requires_grad
    # On a non-leaf the old values get no gradient, as in torch.
    for lib in (ac, torch):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        y.uniform_()
        (y * x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())


# ----- who else takes a generator -----------------------------------------------------------

def test_data_loading_takes_generators():
    ds = TensorDataset(ac.arange(20))

    def order(**kw):
        return [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, **kw)]

    assert order(generator=_gen(3)) == order(generator=_gen(3))
    assert order(generator=_gen(3)) != order(generator=_gen(4))
    ac.manual_seed(8)
    first = order()
    ac.manual_seed(8)
    assert order() == first  # manual_seed governs shuffling without a generator
    s1 = list(RandomSampler(range(10), generator=_gen(1)))
    assert s1 == list(RandomSampler(range(10), generator=_gen(1))) and sorted(s1) == list(
        range(10))
    s2 = list(RandomSampler(range(10), replacement=True, num_samples=30, generator=_gen(1)))
    assert len(s2) == 30
    a = [list(sub.indices) for sub in random_split(range(10), [3, 7], generator=_gen(2))]
    b = [list(sub.indices) for sub in random_split(range(10), [3, 7], generator=_gen(2))]
    assert a == b and sorted(a[0] + a[1]) == list(range(10))
    # The generator is advanced in place, as torch's: a second epoch differs.
    g = _gen(5)
    loader = DataLoader(ds, batch_size=20, shuffle=True, generator=g)
    assert next(iter(loader))[0].tolist() != next(iter(loader))[0].tolist()


def test_nn_init_and_dropout_draw_from_the_seeded_streams():
    w = ac.zeros(4, 3)
    nn.init.normal_(w, generator=_gen(6))
    w2 = ac.zeros(4, 3)
    nn.init.normal_(w2, generator=_gen(6))
    assert w.tolist() == w2.tolist() and np.abs(w.numpy()).sum() > 0
    drop = nn.Dropout(0.5)
    ac.manual_seed(1)
    m1 = drop(ac.ones(50)).tolist()
    ac.manual_seed(1)
    assert drop(ac.ones(50)).tolist() == m1
    assert ac.default_generator() is ac.default_generator  # the library's older spelling
