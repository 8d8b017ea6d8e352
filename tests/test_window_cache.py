"""The conv and pooling windows are cached per geometry (nn/functional/_utils.memoized):
a cached answer must never stand in for an argument that should raise, and arguments
equal in value but given as lists or tuples get the same window."""

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F


def _x(shape=(1, 2, 6, 6)):
    return ag.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))


def test_float_options_still_raise_after_the_int_ones_were_cached():
    x, w = _x(), ag.ones(3, 2, 3, 3)
    F.conv2d(x, w, stride=1, padding=1)
    F.max_pool2d(x, 2)
    with pytest.raises(TypeError):
        F.conv2d(x, w, stride=1.0, padding=1)
    with pytest.raises(TypeError):
        F.conv2d(x, w, stride=(1.0, 1.0), padding=1)
    with pytest.raises(TypeError):
        F.max_pool2d(x, 2.0)


def test_a_bad_option_raises_every_time():
    x = _x()
    for _ in range(3):
        with pytest.raises(RuntimeError, match="pad should be at most half"):
            F.max_pool2d(x, 2, padding=2)
        with pytest.raises(RuntimeError, match="non-positive stride"):
            F.conv2d(x, ag.ones(3, 2, 3, 3), stride=0)


def test_lists_and_tuples_give_the_same_numbers():
    x, w = _x(), ag.tensor(np.random.default_rng(0).random((3, 2, 3, 3), np.float32))
    a = F.conv2d(x, w, stride=[2, 1], padding=(1, 0))
    b = F.conv2d(x, w, stride=(2, 1), padding=[1, 0])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (1, 3, 3, 4)
    p = F.max_pool2d(x, [3, 2], stride=(3, 2))
    q = F.max_pool2d(x, (3, 2), stride=[3, 2])
    np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert p.shape == (1, 2, 2, 3)


def test_the_same_options_on_another_image_size_get_their_own_window():
    w = ag.ones(1, 1, 3, 3)
    small = F.conv2d(ag.ones(1, 1, 4, 4), w, padding=1)
    large = F.conv2d(ag.ones(1, 1, 7, 5), w, padding=1)
    assert small.shape == (1, 1, 4, 4) and large.shape == (1, 1, 7, 5)
    assert F.max_pool2d(ag.ones(1, 1, 4, 4), 2).shape == (1, 1, 2, 2)
    assert F.max_pool2d(ag.ones(1, 1, 8, 6), 2).shape == (1, 1, 4, 3)


def test_a_tensor_option_is_read_each_call_not_cached():
    """An option given as a 0-d tensor could change in place between calls: it is not a
    cache key, so the second call sees its new value."""
    x = _x((1, 1, 8, 8))
    k = ag.tensor(2)
    assert F.max_pool2d(x, k).shape == (1, 1, 4, 4)
    k.fill_(4)
    assert F.max_pool2d(x, k).shape == (1, 1, 2, 2)
