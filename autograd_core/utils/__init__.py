"""Utilities that mirror ``torch.utils``: ``autograd_core.utils.data`` holds the data layer."""

from . import data
