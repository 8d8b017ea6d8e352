"""The data layer, mirroring ``torch.utils.data``.

A ``Dataset`` maps an index to a sample; a ``DataLoader`` draws indices from a
``Sampler``, groups them with a ``BatchSampler`` and turns each group of samples into
one batch with ``default_collate`` (stacking tensors, arrays and numbers along a new
first dimension of size B).

Randomness (``shuffle=True``, ``RandomSampler``, ``random_split``) takes a
``generator`` that is an ``np.random.Generator`` or an int seed; left as None it draws
from ``autograd_core.default_generator()``, so ``autograd_core.manual_seed(s)`` makes
it repeatable. The orders differ from PyTorch's for the same seed: only the semantics
match.
"""

from ._workers import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
