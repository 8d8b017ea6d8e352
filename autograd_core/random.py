"""Random number generators, as ``torch.Generator`` and ``torch.random``.

A ``Generator`` wraps one NumPy ``np.random.Generator`` (PCG64). ``manual_seed(s)``
reseeds it in place, so one seed gives one stream of numbers: the same seed gives the
same numbers in this library, run after run. The numbers are not PyTorch's (its CPU
generator is a Mersenne Twister with its own sampling routines); only the
distributions match.

Every random function takes ``generator=`` (None: the global ``default_generator``,
which ``manual_seed`` seeds). A Generator also answers NumPy's Generator methods
(``random``, ``standard_normal``, ``integers``, ``permutation``, ...), so library code
may draw from it directly; ``numpy_rng`` gives the NumPy generator behind any accepted
``generator`` argument.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import device as _device
from .tensor import Tensor

# A new Generator() starts from PyTorch's default seed (torch.Generator().initial_seed()).
_DEFAULT_SEED = 67280421310721
_STATE_BYTES = 48  # PCG64 state (16) + increment (16) + cached 32 bits (4 + 4) + seed (8)
_U64 = 1 << 64


def _seed_value(seed: Any) -> int:
    """A seed as PyTorch reads it: int(seed), negatives wrapped into [0, 2**64)."""
    s = int(seed)  # PyTorch's own conversion, and its errors ("invalid literal ...")
    if not -(1 << 63) <= s < _U64:
        raise ValueError(f"Overflow when unpacking long long: seed {s} is outside "
                         "[-2**63, 2**64)")
    return s % _U64


def _fresh_seed() -> int:
    """A 64-bit seed from the operating system's entropy (``Generator.seed``)."""
    return int(np.random.SeedSequence().entropy) % _U64


class Generator:
    """A random number generator, as ``torch.Generator(device="cpu")``.

    ``manual_seed(s)`` (returns self), ``seed()`` (a fresh random seed, returned),
    ``initial_seed()``, ``get_state()``/``set_state(t)`` (a uint8 tensor of 48 bytes;
    PyTorch's CPU state has another size and layout), ``device``. Pass it as
    ``generator=`` to any random function. A new Generator starts from PyTorch's default
    seed, 67280421310721.
    """

    __slots__ = ("_rng", "_initial_seed")

    def __init__(self, device: Any = "cpu") -> None:
        _device.check(device, "Generator")
        self._rng = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))
        self._initial_seed = _DEFAULT_SEED

    @property
    def device(self) -> _device.device:
        """Always the CPU."""
        return _device.CPU

    def manual_seed(self, seed: Any) -> Generator:
        """Restart the stream from ``seed`` (an int in [-2**63, 2**64)); returns self."""
        s = _seed_value(seed)
        # Reseeded in place: anything holding this generator (a sampler, numpy_rng's
        # result) sees the new stream.
        self._rng.bit_generator.state = np.random.PCG64(s).state
        self._initial_seed = s
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the seed used."""
        s = _fresh_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._initial_seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor of 48 bytes (``set_state`` takes it)."""
        st = self._rng.bit_generator.state
        raw = (st["state"]["state"].to_bytes(16, "little")
               + st["state"]["inc"].to_bytes(16, "little")
               + int(st["has_uint32"]).to_bytes(4, "little")
               + int(st["uinteger"]).to_bytes(4, "little")
               + self._initial_seed.to_bytes(8, "little"))
        return Tensor._wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state``; returns self."""
        if not isinstance(new_state, Tensor) or new_state.numpy().dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = new_state.numpy().reshape(-1).tobytes()
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} "
                               f"but found the input RNG state size to be {len(raw)}")
        pcg = {"state": int.from_bytes(raw[0:16], "little"),
               "inc": int.from_bytes(raw[16:32], "little")}
        if pcg["inc"] % 2 == 0:  # PCG64's increment is always odd
            raise RuntimeError("set_state: the tensor is not a state from get_state()")
        self._rng.bit_generator.state = {
            "bit_generator": "PCG64", "state": pcg,
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little")}
        self._initial_seed = int.from_bytes(raw[40:48], "little")
        return self

    def __getattr__(self, name: str) -> Any:
        # NumPy's sampling methods (random, standard_normal, integers, permutation, ...)
        # for library code that draws from whichever generator it was handed.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._rng, name)

    def __getstate__(self) -> bytes:
        return self.get_state().numpy().tobytes()

    def __setstate__(self, raw: bytes) -> None:
        self._rng = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))
        self._initial_seed = _DEFAULT_SEED
        self.set_state(Tensor._wrap(np.frombuffer(raw, dtype=np.uint8).copy()))

    def __repr__(self) -> str:
        return f"<autograd_core.Generator (cpu), initial seed {self._initial_seed}>"


class _DefaultGenerator(Generator):
    """The global generator. Calling it returns itself: the library's older spelling
    ``default_generator()`` reaches the same object as PyTorch's ``default_generator``."""

    __slots__ = ()

    def __call__(self) -> Generator:
        return self


default_generator: Generator = _DefaultGenerator()
default_generator.seed()  # as in PyTorch, a fresh seed in every process


def numpy_rng(generator: Any = None, where: str = "") -> np.random.Generator:
    """The ``np.random.Generator`` to draw from for a ``generator=`` argument: a
    Generator's own, an ``np.random.Generator`` itself, or (None) the global one's."""
    if generator is None:
        return default_generator._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    prefix = f"{where}(): " if where else ""
    raise TypeError(f"{prefix}argument 'generator' must be torch.Generator, not "
                    f"{type(generator).__name__}")


def manual_seed(seed: Any) -> Generator:
    """Seed the global generator (``rand``, ``randn``, ``nn.init``, dropout, shuffling);
    returns it. Same seed, same numbers (within this library: not PyTorch's numbers)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator's current stream started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state (a uint8 tensor; ``set_rng_state`` restores it)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the global generator's state from ``get_rng_state``."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, **_: Any) -> Iterator[None]:
    """Context manager: random draws inside do not change the global stream after it
    (its state is restored on exit), as ``torch.random.fork_rng``."""
    if not enabled:
        yield
        return
    saved = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)
