"""``torch.backends`` for a CPU-only engine: flags programs read or set.

``backends.mps.is_available()`` and ``backends.cudnn.is_available()`` are False. The
cuDNN and TF32 switches (``cudnn.benchmark = True``, ``cudnn.deterministic = True``,
``cuda.matmul.allow_tf32``) may be read and set as in PyTorch; they change nothing,
as there is no GPU library to steer.
"""

from __future__ import annotations

__all__ = ["cuda", "cudnn", "mps"]


class _MPS:
    """Apple's Metal backend: absent."""

    @staticmethod
    def is_available() -> bool:
        """False: no Metal device."""
        return False

    @staticmethod
    def is_built() -> bool:
        """False: not built with Metal."""
        return False


class _CuDNN:
    """cuDNN switches (PyTorch's defaults); ``is_available()`` is False."""

    def __init__(self) -> None:
        self.enabled = True
        self.benchmark = False
        self.deterministic = False
        self.allow_tf32 = True

    @staticmethod
    def is_available() -> bool:
        """False: no cuDNN."""
        return False

    @staticmethod
    def version() -> None:
        """None: no cuDNN version to report."""
        return None


class _Matmul:
    """``backends.cuda.matmul`` precision switches (PyTorch's defaults)."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


class _Cuda:
    """CUDA switches (``cuda.matmul.allow_tf32``); ``is_built()`` is False."""

    def __init__(self) -> None:
        self.matmul = _Matmul()

    @staticmethod
    def is_built() -> bool:
        """False: not built with CUDA."""
        return False


mps = _MPS()
cudnn = _CuDNN()
cuda = _Cuda()
