"""The quickstart training loop: device choice, train()/test() functions, formatted progress lines.

The loop most tutorials start with: ``device = "cuda" if torch.cuda.is_available() else
"cpu"``, ``torch.manual_seed(42)``, a ``NeuralNetwork(nn.Module)`` with ``nn.Flatten`` and an
``nn.Sequential`` stack moved with ``.to(device)``, a ``train(dataloader, model, loss_fn,
optimizer)`` that calls ``model.train()`` and prints ``f"loss: {loss:>7f}  [{current:>5d}/
{size:>5d}]"``, and a ``test`` that calls ``model.eval()``, runs under ``torch.no_grad()``,
sums ``loss_fn(pred, y).item()`` and counts ``(pred.argmax(1) == y).type(torch.float).sum()
.item()``. Inputs are float32 images reshaped with ``x.view(-1, 1, 6, 6)``; tensors are
formatted with f-string specs (``f"{loss:.4f}"``, ``format(t, ".3f")``). The data are made
with NumPy, read in order, and the weights start from NumPy draws (seed 29), so the printed
numbers are compared line for line.
"""

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, epochs: int = 3):
    nn = torch.nn
    DataLoader = torch.utils.data.DataLoader
    TensorDataset = torch.utils.data.TensorDataset

    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"Using {device} device")
    torch.manual_seed(42)

    rng = np.random.default_rng(30)
    centers = rng.standard_normal((4, 36))
    labels = rng.integers(0, 4, size=160)
    pixels = centers[labels] + rng.normal(0.0, 1.5, size=(160, 36))
    images = torch.tensor(pixels, dtype=torch.float32).view(-1, 1, 6, 6)
    targets = torch.tensor(labels, dtype=torch.int64)
    training_data = TensorDataset(images[:128], targets[:128])
    test_data = TensorDataset(images[128:], targets[128:])
    train_dataloader = DataLoader(training_data, batch_size=32)
    test_dataloader = DataLoader(test_data, batch_size=16)

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(6 * 6, 24),
                nn.ReLU(),
                nn.Linear(24, 24),
                nn.ReLU(),
                nn.Linear(24, 4),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    fill_from_numpy(torch, model, seed=29)
    lines = [str(model).splitlines()[0]]

    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=5e-2)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 2 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                lines.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        lines.append(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, "
                     f"Avg loss: {test_loss:>8f} \n")
        return test_loss, correct

    history = []
    for t in range(epochs):
        lines.append(f"Epoch {t + 1}\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        history.append(test(test_dataloader, model, loss_fn))

    with torch.no_grad():
        x0 = images[:1].to(device)
        out = model(x0)
        loss = loss_fn(out, targets[:1])
    lines.append(f"{loss:.4f} {format(out[0, 0], '.3f')} {out.dtype} {x0.device} "
                 f"{out.argmax(dim=1).item()}")
    print("\n".join(lines))
    return {
        "lines": lines,
        "history": history,
        "first_weight_dtype": str(next(model.parameters()).dtype),
        "device": str(next(model.parameters()).device),
    }
