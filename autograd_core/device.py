"""Devices: ``device`` objects as PyTorch's, and one rule: only the CPU exists here.

``device("cuda")`` can be made (programs write ``device("cuda" if
cuda.is_available() else "cpu")``, or make the object first and use it later), but
putting a tensor on anything other than the CPU raises a RuntimeError that says this
engine runs on the CPU only. ``check`` is that rule, used by every factory's ``device=``
and by ``Tensor.to``.
"""

from __future__ import annotations

from typing import Any

# Device types PyTorch 2.13 parses (its words list them in this order).
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
          "privateuseone")


class device:
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cpu:0")``,
    ``device("cuda", 1)``, ``device(other_device)``; an int means a CUDA index.

    ``type`` is the kind ("cpu", "cuda", ...), ``index`` the number or None. Two devices
    are equal when both agree (``cpu`` != ``cpu:0``, and a device never equals a string,
    as in PyTorch). As a context manager ``with device("cpu"):`` does nothing; another
    device raises on entry.
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: Any = None) -> None:  # noqa: A002 - torch's name
        if isinstance(type, device):
            if index is not None:
                raise RuntimeError("device(): an existing device cannot take an index")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type  # torch.device(0) is the first accelerator
        if not isinstance(type, str):
            raise TypeError(f"device(): argument 'type' must be str, not "
                            f"{_type_name(type)}")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{_type_name(index)}")
        kind, sep, num = type.partition(":")
        if kind not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device "
                f"string: {type}")
        if sep:
            if not num.isdigit() or (len(num) > 1 and num[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index "
                                   f"was passed explicitly: {type}")
            index = int(num)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self._type, self._index = kind, index

    @property
    def type(self) -> str:
        """The device kind: "cpu", "cuda", "mps", ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device number, or None when none was given."""
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return False
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self) -> tuple:
        return (device, (self._type, self._index))

    def __enter__(self) -> device:
        check(self)
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _type_name(x: Any) -> str:
    return type(x).__name__


CPU = device("cpu")


def cpu_only_error(dev: device, where: str = "") -> RuntimeError:
    """The error for a request to use ``dev`` (not the CPU)."""
    prefix = f"{where}: " if where else ""
    return RuntimeError(
        f"{prefix}device '{dev}' is not available: autograd_core runs on the CPU only "
        "(cuda.is_available() is False here); use device='cpu'")


def as_device(dev: Any) -> device:
    """``dev`` (None, a string, an int or a device) as a device object (None: the CPU)."""
    if dev is None:
        return CPU
    if isinstance(dev, device):
        return dev
    return device(dev)


def check(dev: Any, where: str = "") -> device:
    """``dev`` as a device object, or the CPU-only RuntimeError when it is not the CPU."""
    d = as_device(dev)
    if d._type != "cpu":
        raise cpu_only_error(d, where)
    return d


def set_default_device(dev: Any) -> None:
    """As ``torch.set_default_device``: None or the CPU are accepted (nothing changes, as
    the CPU is the only device); any other device raises."""
    if dev is not None:
        check(dev, "set_default_device")


def get_default_device() -> device:
    """The device new tensors go to: always the CPU here."""
    return CPU
