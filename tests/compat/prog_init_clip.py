"""Weight initialisation with nn.init, and training with gradient clipping.

Two habits of course code. First ``model.apply(init_weights)`` with a function that picks
``nn.init.kaiming_normal_(..., nonlinearity='relu')`` for convolutions,
``nn.init.xavier_uniform_`` for linear layers, ``nn.init.zeros_`` for biases and
``nn.init.ones_`` for norm weights, plus ``normal_(mean=0, std=0.02)``,
``trunc_normal_`` and ``orthogonal_`` on single tensors; the draws come from the library's
random stream (not PyTorch's), so they are compared on their statistics against the
formulas (std = gain * sqrt(2 / (fan_in + fan_out)) and so on) and on repeatability after
``torch.manual_seed``. Second, a regression trained with a large learning rate where
``nn.utils.clip_grad_norm_`` (whose returned total norm is logged) and then
``clip_grad_value_`` do bite; its weights start from NumPy draws (seed 27), so losses and
norms are compared step for step.
"""

import math

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, steps: int = 10):
    nn = torch.nn

    def init_weights(m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(16, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.Flatten(),
                        nn.Linear(400, 300))
    net.apply(init_weights)
    conv_w, linear_w = net[0].weight, net[4].weight
    torch.manual_seed(0)
    again = nn.Sequential(nn.Conv2d(16, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.Flatten(),
                          nn.Linear(400, 300))
    again.apply(init_weights)
    repeatable = all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters()))

    w = torch.empty(256, 512)
    nn.init.normal_(w, mean=0.0, std=0.02)
    t = torch.empty(256, 512)
    nn.init.trunc_normal_(t, std=1.0, a=-2.0, b=2.0)
    q = torch.empty(64, 32)
    nn.init.orthogonal_(q)
    init_stats = {
        "conv_std": conv_w.std().item(),
        "conv_expected": math.sqrt(2.0 / (64 * 3 * 3)),
        "linear_std": linear_w.std().item(),
        "linear_expected": math.sqrt(2.0 / (400 + 300)),
        "linear_max": linear_w.abs().max().item(),
        "linear_bound": math.sqrt(6.0 / (400 + 300)),
        "bias_zero": bool((net[4].bias == 0).all()),
        "bn_ones": bool((net[1].weight == 1).all()),
        "normal_std": w.std().item(),
        "trunc_range": [t.min().item(), t.max().item()],
        "trunc_std": t.std().item(),
        "orthogonal_error": (q.T @ q - torch.eye(32)).abs().max().item(),
    }

    rng = np.random.default_rng(28)
    X = torch.tensor(rng.standard_normal((64, 8)), dtype=torch.float32)
    Y = torch.tensor(rng.standard_normal((64, 2)) * 3, dtype=torch.float32)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    fill_from_numpy(torch, model, seed=27)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    losses, norms, after = [], [], []
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        if step % 2 == 1:
            nn.utils.clip_grad_value_(model.parameters(), clip_value=0.05)
        norms.append(total_norm.item())
        after.append(torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item())
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step} loss {loss.item():.4f} grad norm {total_norm:.3f}")
    return {
        "init_stats": init_stats,
        "repeatable": repeatable,
        "losses": losses,
        "norms": norms,
        "norms_after_clip": after,
    }
