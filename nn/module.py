"""``Module``: the base class of layers and models, as ``torch.nn.Module``.

Assigning a ``Parameter``, a ``Module`` or a registered buffer to an attribute records
it, so ``parameters()``, ``state_dict()``, ``train()`` and friends find everything
without the subclass listing it. Calling a module runs ``forward`` with the module
pushed onto ``autograd_core.function.SCOPE.path``, so every graph node made inside is
tagged with the modules it was made in (graph pictures group nodes by it).
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from autograd_core import Tensor, dtypes
from autograd_core.function import SCOPE
from autograd_core.grad_mode import STATE as _GRAD_STATE
from autograd_core.version import mark_modified

from . import hooks as _hooks
from .parameter import Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _check_name(kind: str, name: Any, owner: Module) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')


def weight_and_bias(module: Module) -> tuple[Any, Any]:
    """``module.weight, module.bias``, read from the parameter store when both live there.

    Plain attribute access would first miss the instance dict and then fall back to
    ``__getattr__``, about 1 us a read, on every forward call of every layer. A name
    that is not a parameter (deleted, then set as a plain attribute) is read as usual.
    """
    params = module.__dict__["_parameters"]
    if "weight" in params and "bias" in params:
        return params["weight"], params["bias"]
    return module.weight, module.bias


def _checkpoint_array(key: str, val: Any, current: Tensor) -> tuple[Any, str | None]:
    """``load_state_dict``'s check of one entry: (its values as an array of ``current``'s
    shape, None), or (None, the error line it reports for ``key``)."""
    arr = val._data if isinstance(val, Tensor) else val
    if not isinstance(arr, np.ndarray):
        try:
            arr = np.asarray(arr)
        except Exception:
            arr = None
        if arr is None or arr.dtype.kind not in "biuf":
            return None, (f'While copying the parameter named "{key}", expected a Tensor or '
                          f"array from checkpoint but received {type(val).__name__}")
    if arr.shape != current._data.shape:
        return None, (f"size mismatch for {key}: copying a param with shape "
                      f"{list(arr.shape)} from checkpoint, the shape in current model is "
                      f"{list(current._data.shape)}.")
    return arr, None


class Module:
    """Base class for all layers and models.

    Subclasses call ``super().__init__()`` first, assign parameters / submodules as
    attributes and define ``forward``. ``module(x)`` runs ``forward(x)`` (plus hooks).
    """

    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments; "
                "Module.__init__ takes none"
            )
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = set()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = set()
        d["_backward_pre_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()
        d["_has_hooks"] = False

    # ----- calling ------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it. Call the module, not forward."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward(*args, **kwargs)`` with the forward hooks, inside this module's
        scope (nodes recorded meanwhile are drawn inside its box).
        """
        prev = SCOPE.path
        SCOPE.path = (self,) if prev is None else prev + (self,)
        try:
            if self._has_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        finally:
            SCOPE.path = prev

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {r!r}."
                        )
                    args, kwargs = r
            else:
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
        bw = bool(self._backward_hooks or self._backward_pre_hooks) and _GRAD_STATE.enabled
        state = None
        if bw:
            args, state = _hooks.wrap_inputs(self, args, self._backward_hooks)
        result = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                r = hook(self, args, kwargs, result)
            else:
                r = hook(self, args, result)
            if r is not None:
                result = r
        if bw:
            result = _hooks.wrap_outputs(
                result, state, self._backward_pre_hooks, self._backward_hooks)
        return result

    def _update_has_hooks(self) -> None:
        self.__dict__["_has_hooks"] = bool(
            self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
            or self._backward_pre_hooks)

    def _hook_handle(self, store: OrderedDict, hook: Callable, prepend: bool,
                     kw_set: set | None = None,
                     with_kwargs: bool = False) -> _hooks.RemovableHandle:
        h = _hooks.add_hook(store, hook, prepend, kw_set, with_kwargs,
                            on_remove=self._update_has_hooks)
        self._update_has_hooks()
        return h

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``.

        It may return new args (a tuple, or a single value that is wrapped into one).
        With ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)`` and may
        return ``(args, kwargs)``.
        """
        return self._hook_handle(self._forward_pre_hooks, hook, prepend,
                                 self._forward_pre_hooks_with_kwargs, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``.

        A non-None return value replaces the output. With ``with_kwargs=True`` the hook
        is ``hook(module, args, kwargs, output)``.
        """
        return self._hook_handle(self._forward_hooks, hook, prepend,
                                 self._forward_hooks_with_kwargs, with_kwargs)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect
        to the module's inputs have been computed.

        grad_input: one entry per positional Tensor argument (None where it needs no
        gradient); grad_output: one entry per output Tensor that requires grad. The hook
        may return a new grad_input tuple, used in place of the computed one.
        """
        return self._hook_handle(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, grad_output)`` when the output gradients are known; it may
        return a replacement grad_output tuple."""
        return self._hook_handle(self._backward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> _hooks.RemovableHandle:
        """Deprecated alias of ``register_full_backward_hook`` (as in PyTorch)."""
        return self.register_full_backward_hook(hook)

    # ----- registration -------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(
                    "cannot assign parameters before Module.__init__() call")
            self._drop_attr(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
            return
        if isinstance(value, Module):
            mods = d.get("_modules")
            if mods is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._drop_attr(name)
            mods[name] = value
            return
        mods = d.get("_modules")
        if mods is not None and name in mods:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            mods[name] = None
            return
        bufs = d.get("_buffers")
        if bufs is not None and name in bufs:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            bufs[name] = value
            return
        object.__setattr__(self, name, value)

    def _drop_attr(self, name: str) -> None:
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None:
                store.pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                del store[name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        extra = list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(object.__dir__(self)) | set(extra))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name, self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. BatchNorm's running mean).

        Persistent buffers are part of ``state_dict()``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name, self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what attribute assignment does)."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name, self)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` ("" is self)."""
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(
                    f"{mod._get_name()} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (e.g. "features.0.weight")."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return mod._parameters[name]

    # ----- iteration ----------------------------------------------------------------
    def _named_members(self, get: Callable, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for k, v in get(mod):
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (mod_prefix + ("." if mod_prefix else "") + k, v)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, this module's first, then its children's."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """All parameters (each shared one once)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """All buffers."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct children (each once)."""
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct child modules."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for self ("") and every descendant, depth first."""
        stack: list[tuple[str, Module]] = [(prefix, self)]
        if memo is None:
            memo = set()
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            yield name, mod
            kids = [(name + ("." if name else "") + k, m)
                    for k, m in mod._modules.items() if m is not None]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        """Self and every descendant module."""
        for _, m in self.named_modules():
            yield m

    # ----- modes and bulk changes ---------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (affects Dropout, BatchNorm) on self and all children."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.__dict__["training"] = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        """``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            g = p.grad
            if set_to_none:
                p.grad = None
            elif g.grad_fn is None and g._data.flags.writeable:
                g._data[...] = 0
                mark_modified(g)
            else:
                p.grad = Tensor._wrap(np.zeros_like(g._data))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every child (recursively), then on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply(self, fn: Callable[[np.ndarray], np.ndarray]) -> Module:
        """Replace every parameter's and buffer's array by ``fn(array)``, in place."""
        for m in self.children():
            m._apply(fn)
        for p in self._parameters.values():
            if p is None:
                continue
            p._data = fn(p._data)
            if p.grad is not None:
                p.grad = Tensor._wrap(fn(p.grad._data))
        for b in self._buffers.values():
            if b is not None:
                b._data = fn(b._data)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)`` casts floating-point parameters and buffers; a device ("cpu") is
        accepted and ignored, since everything lives in host memory."""
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, str) or (a is not None and type(a).__name__ == "device"):
                device = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                dtype = a
        if device is not None and not str(device).startswith("cpu"):
            raise RuntimeError(
                f"device {device!r} is not available: this library runs on the CPU only")
        if dtype is None:
            return self
        dt = dtypes.to_dtype(dtype)
        if dt.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dt}")
        return self._apply(lambda a: a.astype(dt) if a.dtype.kind == "f" else a)

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(dtypes.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(dtypes.float64)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(dtypes.float16)

    def cpu(self) -> Module:
        """Everything already lives in host memory: returns self."""
        return self

    def type(self, dst_type: Any) -> Module:
        """Cast floating-point parameters and buffers to ``dst_type``."""
        return self.to(dst_type)

    # ----- state dict ---------------------------------------------------------------
    def _local_state(self) -> Iterator[tuple[str, Tensor]]:
        for k, p in self._parameters.items():
            if p is not None:
                yield k, p
        for k, b in self._buffers.items():
            if b is not None and k not in self._non_persistent_buffers_set:
                yield k, b

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """Ordered name -> tensor map of parameters and persistent buffers.

        The tensors share memory with the module's (detached unless ``keep_vars``).
        """
        if args:
            # Old positional form: state_dict(destination, prefix, keep_vars).
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        # Shared modules and tied parameters appear under every name, as in PyTorch.
        for mod_prefix, mod in self.named_modules(prefix=prefix.rstrip("."),
                                                  remove_duplicate=False):
            for k, t in mod._local_state():
                key = mod_prefix + ("." if mod_prefix else "") + k
                # detach(): an alias that shares t's version counter, as in PyTorch,
                # so a write through it is seen by nodes that saved t.
                destination[key] = t if keep_vars else t.detach()
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> Any:
        """Copy parameters and buffers from ``state_dict`` into this module.

        With ``strict`` the keys must match ``state_dict()``'s exactly; a shape mismatch
        is always an error. Values may be Tensors or ndarrays; they are cast to each
        parameter's dtype and copied in place (counted as an in-place write, so a graph
        that saved the old value refuses to backpropagate). With ``assign=True`` the
        module takes the checkpoint's tensors themselves instead, as in PyTorch: their
        dtype, memory and (for a Parameter) object, keeping each parameter's
        ``requires_grad``; graphs recorded before keep the old ones.
        Returns (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        expected: OrderedDict[str, Tensor] = OrderedDict()
        owners: dict[str, tuple[Module, str]] = {}
        for mod_prefix, mod in self.named_modules(remove_duplicate=False):
            for k, t in mod._local_state():
                key = mod_prefix + ("." if mod_prefix else "") + k
                expected[key] = t
                owners[key] = (mod, k)
        errors: list[str] = []
        loads = []
        for key, t in expected.items():
            if key not in state_dict:
                continue
            val = state_dict[key]
            arr, error = _checkpoint_array(key, val, t)
            if error is not None:
                errors.append(error)
                continue
            loads.append((key, t, val, arr))
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(
                    self._get_name(), "\n\t".join(errors)))
        for key, t, val, arr in loads:
            if assign:
                mod, name = owners[key]
                mod._assign_state(name, t, val, arr)
            else:
                # In place, as torch's copy_: optimizers holding the parameter see it.
                np.copyto(t._data, arr, casting="unsafe")
                mark_modified(t)
        return _IncompatibleKeys(missing, unexpected)

    def _assign_state(self, name: str, old: Tensor, val: Any, arr: np.ndarray) -> None:
        """load_state_dict(assign=True): register the checkpoint's tensor as ``name``."""
        new = val if isinstance(val, Tensor) else Tensor._wrap(arr)
        if name in self._parameters:
            if not isinstance(new, Parameter):
                new = Parameter(new, requires_grad=False)  # an alias of the checkpoint's
            new.requires_grad_(old.requires_grad)
            self._parameters[name] = new
        else:
            self._buffers[name] = new

    # ----- printing -----------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        lines = lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra.split("\n")) == 1 and not child_lines:
                main += extra
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    # ----- copying ------------------------------------------------------------------
    def __getstate__(self) -> dict:
        return self.__dict__.copy()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
