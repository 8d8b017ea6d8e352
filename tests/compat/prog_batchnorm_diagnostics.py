"""Diagnose a deep tanh MLP with batchnorm: activation, gradient and update statistics.

The diagnostics of many courses' "activations and gradients" lessons: a stack of
Linear(bias=False) -> BatchNorm1d -> Tanh layers whose tanh outputs are caught with
``register_forward_hook`` and kept with ``retain_grad()``; per layer the mean, std and
saturated fraction of the activations (``(t.abs() > 0.97).float().mean()``), a ``histc``
histogram, the std of their gradients, and per weight the gradient-to-data ratio
``p.grad.std() / p.data.std()`` and the update-to-data ratio in log10. Training is plain SGD
written as ``p.data += -lr * p.grad``. The last layer is made less confident at init with
``model[-1].weight *= 0.1`` under ``torch.no_grad()``. Starting weights come from NumPy
(seed 6); float32.
"""

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, steps: int = 5):
    nn = torch.nn
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    n_in, n_hidden, n_out, depth = 16, 48, 10, 4
    X = torch.tensor(rng.standard_normal((64, n_in)), dtype=torch.float32)
    Y = torch.tensor(rng.integers(0, n_out, size=64))

    layers = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, n_hidden, bias=False), nn.BatchNorm1d(n_hidden), nn.Tanh()]
        width = n_hidden
    layers.append(nn.Linear(n_hidden, n_out))
    model = nn.Sequential(*layers)
    fill_from_numpy(torch, model, seed=6)
    with torch.no_grad():
        model[-1].weight *= 0.1
        for layer in model:
            if isinstance(layer, nn.Linear) and layer is not model[-1]:
                layer.weight *= 5 / 3  # tanh gain

    captured = []

    def keep_output(module, inputs, output):
        output.retain_grad()
        captured.append(output)

    handles = [m.register_forward_hook(keep_output) for m in model if isinstance(m, nn.Tanh)]

    lr = 0.1
    losses, ud = [], []
    for _ in range(steps):
        captured.clear()
        logits = model(X)
        loss = F.cross_entropy(logits, Y)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
        with torch.no_grad():
            ud.append([((lr * p.grad).std() / p.data.std()).log10().item()
                       for p in model.parameters() if p.ndim == 2])
        losses.append(loss.item())

    activation_stats, gradient_stats, histograms = [], [], []
    for i, t in enumerate(captured):
        saturated = (t.abs() > 0.97).float().mean()
        print(f"layer {i} (Tanh): mean {t.mean():+.2f}, std {t.std():.2f}, "
              f"saturated: {saturated * 100:.2f}%")
        activation_stats.append([t.mean().item(), t.std().item(), saturated.item()])
        gradient_stats.append([t.grad.mean().item(), t.grad.std().item()])
        histograms.append(torch.histc(t.detach(), bins=8, min=-1, max=1).tolist())

    weight_stats = []
    for name, p in model.named_parameters():
        if p.dim() == 2:
            print(name)
            ratio = p.grad.std() / p.data.std()
            print(f"weight {str(tuple(p.shape)):>10} | mean {p.mean():+f} | std {p.std():e} "
                  f"| grad:data ratio {ratio:e}")
            weight_stats.append([p.data.mean().item(), p.data.std().item(), ratio.item()])

    for h in handles:
        h.remove()
    captured.clear()
    model(X)
    return {
        "losses": losses,
        "update_to_data_log10": ud,
        "activation_stats": activation_stats,
        "gradient_stats": gradient_stats,
        "histograms": histograms,
        "weight_stats": weight_stats,
        "running_var": model[1].running_var.tolist(),
        "captured_after_remove": len(captured),
    }
