"""A custom Dataset with a transform, DataLoader worker processes, and a 1-D conv classifier.

The data-loading chapter of the tutorials: a ``Dataset`` subclass with ``__len__`` and
``__getitem__`` returning a dict (the default collate stacks it into a dict of batches), a
transform applied per sample, ``random_split`` with a seeded ``torch.Generator`` into train
and validation subsets, ``DataLoader(..., num_workers=2, drop_last=True)`` for training (the
batches must be those of ``num_workers=0``), then an ``nn.Conv1d`` -> ``nn.ReLU`` ->
``nn.AdaptiveAvgPool1d(1)`` -> ``nn.Linear`` classifier of noisy sine waves by frequency,
trained with ``torch.optim.RAdam`` under a ``OneCycleLR`` schedule stepped every batch.

``random_split`` draws its permutation from the library's random stream, which is not
PyTorch's, so the split is made explicit for the training itself (NumPy indices through
``Subset``) and ``random_split`` is only checked for sizes and disjointness. Weights start
from NumPy draws (seed 34); losses are compared step for step.
"""

import numpy as np
from numpy_init import fill_from_numpy


def run(torch, epochs: int = 3):
    nn = torch.nn
    F = torch.nn.functional
    data_utils = torch.utils.data

    class Waves(data_utils.Dataset):
        """Noisy sine waves of length 32; the label is which of three frequencies."""

        def __init__(self, n, seed, transform=None):
            rng = np.random.default_rng(seed)
            self.labels = rng.integers(0, 3, size=n)
            t = np.linspace(0, 1, 32)
            phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
            freq = np.array([2.0, 4.0, 7.0])[self.labels][:, None]
            self.signals = (np.sin(2 * np.pi * freq * t + phase)
                            + rng.normal(0, 0.3, (n, 32))).astype(np.float32)
            self.transform = transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, idx):
            signal = torch.from_numpy(self.signals[idx]).unsqueeze(0)
            if self.transform:
                signal = self.transform(signal)
            return {"signal": signal, "label": int(self.labels[idx])}

    def standardise(x):
        return (x - x.mean()) / (x.std() + 1e-6)

    dataset = Waves(120, seed=35, transform=standardise)
    order = np.random.default_rng(36).permutation(len(dataset))
    train_set = data_utils.Subset(dataset, order[:96].tolist())
    val_set = data_utils.Subset(dataset, order[96:].tolist())
    g = torch.Generator().manual_seed(0)
    split_a, split_b = data_utils.random_split(dataset, [0.8, 0.2], generator=g)
    split_check = [len(split_a), len(split_b),
                   len(set(split_a.indices) | set(split_b.indices)) == len(dataset)]

    train_loader = data_utils.DataLoader(train_set, batch_size=16, num_workers=2,
                                         drop_last=True)
    serial_loader = data_utils.DataLoader(train_set, batch_size=16, drop_last=True)
    same_batches = all(
        torch.equal(a["signal"], b["signal"]) and torch.equal(a["label"], b["label"])
        for a, b in zip(train_loader, serial_loader))
    val_loader = data_utils.DataLoader(val_set, batch_size=24)

    model = nn.Sequential(
        nn.Conv1d(1, 8, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.Conv1d(8, 8, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(8, 3),
    )
    fill_from_numpy(torch, model, seed=34)
    optimizer = torch.optim.RAdam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=3e-2, steps_per_epoch=len(serial_loader), epochs=epochs)

    losses, lrs, val_accuracy = [], [], []
    for _ in range(epochs):
        model.train()
        for batch in serial_loader:
            logits = model(batch["signal"])
            loss = F.cross_entropy(logits, batch["label"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            lrs.append(scheduler.get_last_lr()[0])
        model.eval()
        correct = 0
        with torch.no_grad():
            for batch in val_loader:
                correct += (model(batch["signal"]).argmax(1) == batch["label"]).sum().item()
        val_accuracy.append(correct / len(val_set))

    first = next(iter(train_loader))
    return {
        "losses": losses,
        "lrs": lrs,
        "val_accuracy": val_accuracy,
        "same_batches_with_workers": same_batches,
        "batch_keys": sorted(first.keys()),
        "batch_shapes": [list(first["signal"].shape), list(first["label"].shape)],
        "label_dtype": str(first["label"].dtype),
        "split_check": split_check,
        "num_batches": len(train_loader),
    }
