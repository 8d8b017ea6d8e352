"""``AdamW``: Adam with weight decay applied to the weights, not through the gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW (decoupled weight decay), as ``torch.optim.AdamW``.

    The Adam rule (see ``Adam``) except for how weight decay enters: before the moments
    are updated, every step shrinks the weights directly::

        W <- W - eta lambda W          (= W * (1 - eta lambda))
        m, v, W updated as in Adam from the plain gradient g

    With Adam's L2 form the decay term lambda W passes through m / sqrt(v) and is
    rescaled per coordinate; here every coordinate decays by the same factor.

    Args: as ``Adam``; ``weight_decay`` defaults to 1e-2. Its groups always have
    ``decoupled_weight_decay=True``, also after ``load_state_dict``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As ``Optimizer.load_state_dict``; the groups stay decoupled (PyTorch does this)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
