"""Fit a surface sampled on a meshgrid, in float64 set as the default dtype, with Adadelta.

A regression exercise of numerical-methods courses: ``torch.set_default_dtype(torch.float64)``
(restored at the end), a grid from ``torch.meshgrid(xs, ys, indexing="ij")``, the target
``sinh(x) * cosh(y) / 4``, points as ``torch.stack([X.flatten(), Y.flatten()], dim=1)``, a
shuffled train/validation split by ``index_select`` with a NumPy permutation and
``torch.split``, an MLP with ``nn.SiLU``, ``torch.optim.Adadelta`` under a
``CosineAnnealingLR`` schedule, ``nn.MSELoss``, and the validation loss in ``torch.no_grad()``
every few steps. Weights start from NumPy draws (seed 32); float64, so the trajectories are
compared to 1e-10.
"""

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, steps: int = 40):
    nn = torch.nn
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        xs = torch.linspace(-1.5, 1.5, 15)
        ys = torch.linspace(-1.0, 1.0, 12)
        X, Y = torch.meshgrid(xs, ys, indexing="ij")
        Z = torch.sinh(X) * torch.cosh(Y) / 4
        points = torch.stack([X.flatten(), Y.flatten()], dim=1)
        values = Z.flatten().unsqueeze(1)
        perm = torch.from_numpy(np.random.default_rng(33).permutation(points.shape[0]))
        points, values = points.index_select(0, perm), values.index_select(0, perm)
        train_x, val_x = torch.split(points, [140, 40])
        train_y, val_y = torch.split(values, [140, 40])

        model = nn.Sequential(nn.Linear(2, 32), nn.SiLU(), nn.Linear(32, 32), nn.SiLU(),
                              nn.Linear(32, 1))
        fill_from_numpy(torch, model, seed=32, dtype=np.float64)
        optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.9)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps,
                                                               eta_min=0.1)
        loss_fn = nn.MSELoss()

        losses, val_losses, lrs = [], [], []
        for step in range(steps):
            model.train()
            optimizer.zero_grad()
            loss = loss_fn(model(train_x), train_y)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            lrs.append(optimizer.param_groups[0]["lr"])
            if step % 10 == 9:
                model.eval()
                with torch.no_grad():
                    val_losses.append(loss_fn(model(val_x), val_y).item())
                print(f"step {step + 1:3d} train {loss.item():.6f} val {val_losses[-1]:.6f}")
        dtype = str(next(model.parameters()).dtype)
        grid_shape = list(X.shape)
    finally:
        torch.set_default_dtype(previous)
    return {"losses": losses, "val_losses": val_losses, "lrs": lrs, "dtype": dtype,
            "grid_shape": grid_shape, "restored": str(torch.get_default_dtype())}
