"""An ``nn.Module`` MLP classifying a three-arm spiral, fed by a DataLoader over a TensorDataset.

The shape of a typical course's first full training script: a ``Net(nn.Module)`` class,
``TensorDataset`` + ``DataLoader``, SGD with momentum and weight decay, a ``StepLR``
scheduler stepped once per epoch, ``CrossEntropyLoss``, an evaluation pass under
``torch.no_grad()`` with ``argmax(dim=1)`` accuracy. The points are made with NumPy and
shuffled once by NumPy, and the training loader reads them in order (``shuffle=False``) so
both libraries see the same batches; a second, shuffling loader with a seeded
``torch.Generator`` is only checked to visit every point once per epoch (the two libraries'
random streams differ). Starting weights come from NumPy (seed 2).
"""

import numpy as np
from numpy_init import fill_from_numpy


def make_spiral(points_per_class: int = 60, classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.05, 1.0, points_per_class)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, points_per_class)
        theta = theta + rng.normal(0.0, 0.2, points_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(points_per_class, k))
    X = np.concatenate(xs).astype(np.float32)
    y = np.concatenate(ys).astype(np.int64)
    order = rng.permutation(len(X))
    return X[order], y[order]


def run(torch, epochs: int = 6):
    nn = torch.nn
    from_torch_utils = torch.utils.data
    DataLoader, TensorDataset = from_torch_utils.DataLoader, from_torch_utils.TensorDataset

    class Net(nn.Module):
        def __init__(self, n_in=2, hidden=32, n_out=3):
            super().__init__()
            self.fc1 = nn.Linear(n_in, hidden)
            self.fc2 = nn.Linear(hidden, hidden)
            self.out = nn.Linear(hidden, n_out)
            self.act = nn.ReLU()

        def forward(self, x):
            x = self.act(self.fc1(x))
            x = self.act(self.fc2(x))
            return self.out(x)

    X, y = make_spiral()
    dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = DataLoader(dataset, batch_size=36, shuffle=False)

    model = Net()
    fill_from_numpy(torch, model, seed=2)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

    batch_losses, epoch_lrs = [], []
    for epoch in range(epochs):
        model.train()
        running = 0.0
        for inputs, targets in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
            running += loss.item() * inputs.size(0)
        epoch_lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
        print(f"epoch {epoch + 1}: loss {running / len(dataset):.4f}")

    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, targets in loader:
            predicted = model(inputs).argmax(dim=1)
            correct += (predicted == targets).sum().item()
    accuracy = correct / len(dataset)

    g = torch.Generator().manual_seed(0)
    shuffled = DataLoader(dataset, batch_size=50, shuffle=True, generator=g)
    epoch_labels = [torch.cat([t for _, t in shuffled]) for _ in range(2)]
    label_counts = [np.bincount(labels.numpy(), minlength=3).tolist() for labels in epoch_labels]

    return {
        "batch_losses": batch_losses,
        "epoch_lrs": epoch_lrs,
        "accuracy": accuracy,
        "shuffled_label_counts": label_counts,
        "batches_per_epoch": len(loader),
    }
