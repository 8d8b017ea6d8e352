"""The oracle of the adversarial suite: run one case in both libraries and compare.

A case is ``fn(L)``, where ``L`` names one library's namespaces: ``L.t`` is
autograd_core or torch, ``L.nn``, ``L.F``, ``L.optim``, ``L.init``, ``L.data`` the
matching nn, nn.functional, optim, nn.init and utils.data, ``L.grad`` the
``autograd.grad`` function, and ``L.dt(name)`` a dtype by name ("int8", "bool", ...).
``same(fn)`` runs it in both: when torch refuses, ours must refuse too, with the same
exception type and a clear error (``assert_clear``); when torch returns, ours must
return the same values, dtypes and shapes.
"""

from __future__ import annotations

import math
import os
import traceback
import warnings
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

import autograd_core as ac
import nn
import nn.functional as nnF
import optim
from autograd_core.utils import data as ac_data

_AC_DTYPES = {"bool": ac.bool_}


def _ac_dt(name: str) -> Any:
    return _AC_DTYPES.get(name) or getattr(ac, name)


OURS = SimpleNamespace(t=ac, nn=nn, F=nnF, optim=optim, init=nn.init, data=ac_data,
                       grad=ac.grad, dt=_ac_dt, name="ours")
THEIRS = SimpleNamespace(t=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
                         grad=torch.autograd.grad,
                         init=torch.nn.init, data=torch.utils.data,
                         dt=lambda name: getattr(torch, name), name="torch")
LIBS = (OURS, THEIRS)

NUMPY_DIR = os.path.dirname(np.__file__)
_HERE = os.path.dirname(os.path.abspath(__file__))
# Exception types that only ever mean a bug in the library when torch does not raise
# the same one: a missing attribute, a failed assert, a runaway recursion.
_INTERNAL_TYPES = (AttributeError, AssertionError, NameError, UnboundLocalError,
                   RecursionError, MemoryError, KeyError)


def run(fn: Callable[[Any], Any], lib: SimpleNamespace) -> tuple[Any, BaseException | None]:
    """``fn(lib)``, or the exception it raised (warnings and NumPy's float warnings off)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                return fn(lib), None
            except Exception as e:  # noqa: BLE001 - refusals are what is compared
                return None, e


def assert_clear(err: BaseException, case: str, theirs: BaseException | None = None) -> None:
    """Our error is one a user can act on: raised by our code (not from inside NumPy), not
    an internal-looking type torch does not use, with a message that says something."""
    frames = traceback.extract_tb(err.__traceback__)
    if frames:
        last = frames[-1].filename
        assert not last.startswith(NUMPY_DIR), (
            f"{case}: a bare NumPy error: {type(err).__name__}: {err} (raised in {last})")
        assert not last.startswith(_HERE), (
            f"{case}: the case itself failed: {type(err).__name__}: {err}")
    msg = str(err)
    assert "internal error" not in msg.lower(), f"{case}: {type(err).__name__}: {msg}"
    assert len(msg) >= 10, f"{case}: an error without a message: {type(err).__name__}({msg!r})"
    if isinstance(err, _INTERNAL_TYPES) and not (theirs is not None
                                                 and isinstance(theirs, type(err))):
        raise AssertionError(f"{case}: an internal error: {type(err).__name__}: {msg}")


def values(x: Any) -> Any:
    """Tensors of either library as NumPy arrays, containers element by element."""
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, ac.Tensor):
        return np.asarray(x._data)
    if isinstance(x, (list, tuple)):
        return [values(v) for v in x]
    if isinstance(x, Mapping):
        return {k: values(v) for k, v in x.items()}
    if isinstance(x, torch.dtype):
        return str(x).replace("torch.", "")
    if isinstance(x, np.dtype):
        return {"bool": "bool"}.get(x.name, x.name)
    return x


def assert_same(ours: Any, theirs: Any, case: str, rtol: float | None = None,
                atol: float | None = None) -> None:
    """Equal values, shapes and dtypes (floats to a tolerance set by their dtype)."""
    a, b = values(ours), values(theirs)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{case}: shape {a.shape}, torch {b.shape}"
        assert a.dtype == b.dtype, f"{case}: dtype {a.dtype}, torch {b.dtype}"
        if a.dtype.kind == "f":
            tol = {2: 1e-3, 4: 1e-5, 8: 1e-10}[a.dtype.itemsize]
            np.testing.assert_allclose(a, b, rtol=rtol or tol, atol=atol or tol,
                                       equal_nan=True, err_msg=case)
        else:
            np.testing.assert_array_equal(a, b, err_msg=case)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{case}: {a!r} vs torch {b!r}"
        for x, y in zip(a, b):
            assert_same(x, y, case, rtol, atol)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{case}: keys {list(a)} vs {b!r}"
        for k in a:
            assert_same(a[k], b[k], case, rtol, atol)
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=rtol or 1e-6, abs_tol=atol or 1e-9), f"{case}: {a} vs torch {b}"
    else:
        assert a == b, f"{case}: {a!r} vs torch {b!r}"


def same(fn: Callable[[Any], Any], case: str = "", rtol: float | None = None,
         atol: float | None = None) -> Any:
    """Run ``fn`` in both libraries: the same values, or both refuse (ours clearly, with
    torch's exception type). Returns our value (None when both refused)."""
    ours, err_o = run(fn, OURS)
    theirs, err_t = run(fn, THEIRS)
    if err_t is not None:
        assert err_o is not None, (
            f"{case}: torch refuses ({type(err_t).__name__}: {err_t}); ours returned "
            f"{values(ours)!r}")
        assert_clear(err_o, case, err_t)
        # torch validates some arguments with bare asserts; any clear error of ours is
        # as good there (ours says ValueError or TypeError).
        assert isinstance(err_o, type(err_t)) or isinstance(err_t, AssertionError), (
            f"{case}: ours raised {type(err_o).__name__}: {err_o}; torch raised "
            f"{type(err_t).__name__}: {err_t}")
        return None
    if err_o is not None:
        raise AssertionError(
            f"{case}: torch returns {values(theirs)!r}; ours raised "
            f"{type(err_o).__name__}: {err_o}") from err_o
    assert_same(ours, theirs, case, rtol, atol)
    return ours


def refuses(fn: Callable[[Any], Any], case: str, etype: type[BaseException],
            fragment: str) -> BaseException:
    """Ours must refuse ``fn`` with ``etype`` and a message holding ``fragment`` (for
    inputs torch cannot take at all, or where torch's answer is itself undefined)."""
    _, err = run(fn, OURS)
    assert err is not None, f"{case}: expected {etype.__name__}, ours returned a value"
    assert isinstance(err, etype), f"{case}: {type(err).__name__}: {err}"
    assert fragment in str(err), f"{case}: {err!s} lacks {fragment!r}"
    assert_clear(err, case)
    return err
