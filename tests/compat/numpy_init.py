"""Starting weights drawn with NumPy, so a program begins at the same point in both libraries.

Course code often seeds its own generator and fills the parameters itself when it wants a
run to be reproducible; the programs here do the same with NumPy, whose stream does not
depend on which tensor library is imported. Written only against the ``torch`` object it is
given, like the programs.
"""

from __future__ import annotations

import math

import numpy as np


def fill_from_numpy(torch, model, seed: int, dtype=np.float32) -> None:
    """Overwrite every parameter of ``model`` in place with NumPy draws.

    Weights (two or more dims) and biases are uniform in +-1/sqrt(fan_in), fan_in being the
    product of a weight's dims after the first (PyTorch's default range for Linear and Conv);
    a bias takes the fan_in of the weight registered just before it. Parameters of layers
    whose class name contains ``Norm`` keep their ones and zeros.
    """
    rng = np.random.default_rng(seed)
    norm_params = {
        id(p) for m in model.modules() if "Norm" in type(m).__name__
        for p in m.parameters(recurse=False)
    }
    fan_in = 1
    with torch.no_grad():
        for p in model.parameters():
            if id(p) in norm_params:
                continue
            shape = tuple(p.shape)
            if len(shape) >= 2:
                fan_in = int(np.prod(shape[1:]))
            bound = 1.0 / math.sqrt(fan_in)
            values = rng.uniform(-bound, bound, size=shape).astype(dtype)
            p.copy_(torch.from_numpy(values))

