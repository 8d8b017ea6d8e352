"""A made-up list of names for the character-level programs, built from syllables with NumPy."""

from __future__ import annotations

import numpy as np

SYLLABLES = ["ka", "ri", "mo", "la", "an", "el", "is", "to", "na", "be", "ro", "su", "vi",
             "de", "ju", "ha", "ne", "yo", "li", "ar", "em", "o", "a", "y"]


def make_names(count: int = 240, seed: int = 11) -> list[str]:
    """``count`` lowercase names of two to four syllables, the same for every caller."""
    rng = np.random.default_rng(seed)
    names = []
    for _ in range(count):
        k = int(rng.integers(2, 5))
        names.append("".join(SYLLABLES[int(i)] for i in rng.integers(0, len(SYLLABLES), k)))
    return names
