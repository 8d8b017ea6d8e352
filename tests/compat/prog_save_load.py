"""Checkpointing: save a model and its optimizer with torch.save, load them back, resume training.

The checkpoint recipe of the tutorials: ``torch.save({"epoch": ..., "model_state_dict":
model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "loss": ...}, PATH)``,
then a fresh model and optimizer, ``torch.load(PATH, map_location=device)``,
``load_state_dict`` on both, ``model.eval()`` to compare predictions and ``model.train()``
to resume. Also ``torch.save``/``torch.load`` of a bare state dict and of a tensor, and
``strict=False`` loading into a model with an extra layer (its missing/unexpected keys).
A run resumed from the checkpoint must continue exactly as the uninterrupted run; weights
start from NumPy draws (seed 25) and both libraries' losses are compared step for step.
"""

import os
import tempfile

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, steps: int = 10, save_at: int = 4):
    nn = torch.nn
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(26)
    X = torch.tensor(rng.standard_normal((48, 5)), dtype=torch.float32).to(device)
    y = torch.tensor(rng.standard_normal((48, 1)), dtype=torch.float32).to(device)

    def make_model():
        model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
        fill_from_numpy(torch, model, seed=25)
        return model

    def make_optimizer(model):
        return torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)

    loss_fn = nn.MSELoss()

    def train_step(model, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checkpoint.pt")

        model = make_model()
        optimizer = make_optimizer(model)
        straight = []
        for epoch in range(steps):
            straight.append(train_step(model, optimizer))
            if epoch == save_at:
                torch.save({
                    "epoch": epoch,
                    "model_state_dict": model.state_dict(),
                    "optimizer_state_dict": optimizer.state_dict(),
                    "loss": straight[-1],
                }, path)
        model.eval()
        with torch.no_grad():
            final_predictions = model(X[:5])

        weights_path = os.path.join(tmp, "weights.pth")
        torch.save(model.state_dict(), weights_path)
        reloaded = make_model()
        reloaded.load_state_dict(torch.load(weights_path, weights_only=True))
        reloaded.eval()
        with torch.no_grad():
            same_predictions = torch.equal(reloaded(X[:5]), final_predictions)

        checkpoint = torch.load(path, map_location=device)
        saved_step = int(checkpoint["optimizer_state_dict"]["state"][0]["step"])
        resumed_model = make_model()
        resumed_optimizer = make_optimizer(resumed_model)
        resumed_model.load_state_dict(checkpoint["model_state_dict"])
        resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        start_epoch = checkpoint["epoch"] + 1
        resumed_model.train()
        resumed = [train_step(resumed_model, resumed_optimizer) for _ in range(start_epoch, steps)]

        tensor_path = os.path.join(tmp, "x.pt")
        torch.save(X[:3], tensor_path)
        x_back = torch.load(tensor_path)

        bigger = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1), nn.Linear(1, 1))
        result = bigger.load_state_dict(model.state_dict(), strict=False)

    return {
        "losses": straight,
        "resumed_losses": resumed,
        "checkpoint_loss": checkpoint["loss"],
        "checkpoint_epoch": checkpoint["epoch"],
        "optimizer_step": saved_step,
        "predictions": final_predictions.view(-1).tolist(),
        "same_predictions": same_predictions,
        "tensor_roundtrip": bool(torch.equal(x_back, X[:3])),
        "missing_keys": list(result.missing_keys),
        "unexpected_keys": list(result.unexpected_keys),
        "state_keys": list(model.state_dict().keys()),
    }
