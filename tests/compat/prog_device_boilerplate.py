"""The device and mixed-precision boilerplate of recent tutorials, run on a CPU.

Recent example scripts open with: the device chosen through ``torch.accelerator`` or the
``cuda``/``mps`` chain, ``torch.cuda.manual_seed_all``, the cuDNN determinism flags,
``torch.set_default_device(device)``, a ``torch.amp.GradScaler`` and ``torch.autocast``
enabled only on CUDA, ``torch.inference_mode()`` for evaluation, ``torch.Size`` checks on
shapes, ``torch.rand(size=...)`` and ``torch.histogram``. On a machine without a GPU all of it
must fall through to plain float32 CPU training: the training losses follow PyTorch's step
for step (weights from NumPy, seed 37); the ``torch.rand`` draws are compared only on their
range and the histogram on its edges and total.
"""

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, steps: int = 8):
    nn = torch.nn
    if torch.accelerator.is_available():
        device = torch.accelerator.current_accelerator().type
    else:
        device = "cpu"
    fallback = ("cuda" if torch.cuda.is_available()
                else "mps" if torch.backends.mps.is_available() else "cpu")
    torch.manual_seed(0)
    torch.cuda.manual_seed_all(0)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    use_amp = device == "cuda"

    torch.set_default_device(device)
    try:
        rng = np.random.default_rng(38)
        X = torch.tensor(rng.standard_normal((40, 6)), dtype=torch.float32)
        y = torch.tensor(rng.integers(0, 2, 40), dtype=torch.float32)
        model = nn.Sequential(nn.Linear(6, 12), nn.GELU(approximate="tanh"), nn.Linear(12, 1))
        fill_from_numpy(torch, model, seed=37)
        model.to(device)
        optimizer = torch.optim.NAdam(model.parameters(), lr=0.02)
        scaler = torch.amp.GradScaler(device, enabled=use_amp)
        loss_fn = nn.BCEWithLogitsLoss()

        losses = []
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
                logits = model(X).squeeze(-1)
                loss = loss_fn(logits, y)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            scaler.step(optimizer)
            scaler.update()
            losses.append(loss.item())

        model.eval()
        with torch.inference_mode():
            probs = torch.sigmoid(model(X)).squeeze(-1)
            accuracy = ((probs > 0.5).float() == y).float().mean().item()
            in_inference = probs.requires_grad

        noise = torch.rand(size=(500,))
        hist, edges = torch.histogram(noise, bins=5, range=(0.0, 1.0))
        shape_checks = [X.shape == torch.Size([40, 6]), isinstance(X.shape, torch.Size),
                        list(X.size()), X.shape[-1], X.shape.numel()]
    finally:
        torch.set_default_device("cpu")

    return {
        "device": device,
        "fallback": fallback,
        "losses": losses,
        "accuracy": accuracy,
        "probs": probs[:5].tolist(),
        "requires_grad_in_inference": in_inference,
        "loss_dtype": str(loss.dtype),
        "noise_range": [bool(noise.min() >= 0), bool(noise.max() < 1)],
        "histogram_total": hist.sum().item(),
        "histogram_edges": edges.tolist(),
        "shape_checks": shape_checks,
        "scale": scaler.get_scale() if use_amp else 1.0,
    }
