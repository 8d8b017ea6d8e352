"""A character-level bigram model by counting: N[ix1, ix2] += 1, normalise, sample, score.

The counting lesson of many language-model courses: a 2-D int32 count tensor filled with
``N[ix1, ix2] += 1`` over the names (start/end token '.'), add-one smoothing, rows
normalised in place with ``P /= P.sum(1, keepdim=True)``, names sampled one character at a
time with ``torch.multinomial(p, num_samples=1, replacement=True, generator=g)`` and a
seeded ``torch.Generator``, and the average negative log likelihood of the training set.

Sampling: the two libraries' random streams differ, so the multinomial names are compared
on what they must satisfy (valid characters, ending in '.', the same names again from the
same seed) and on statistics (20,000 draws from the first row against its probabilities);
the same loop is also run with NumPy uniform numbers fed to an inverse-CDF step
(``(torch.cumsum(p, 0) < u).sum()``), whose names are compared exactly.
"""

import numpy as np
from names_data import make_names


def run(torch):
    words = make_names()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(stoi)

    N = torch.zeros((V, V), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1

    P = (N + 1).float()
    P /= P.sum(1, keepdim=True)

    def sample_names(g, how_many):
        out_names = []
        for _ in range(how_many):
            out = []
            ix = 0
            while True:
                p = P[ix]
                ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
                out.append(itos[ix])
                if ix == 0:
                    break
            out_names.append("".join(out))
        return out_names

    g = torch.Generator().manual_seed(2147483647)
    sampled = sample_names(g, 15)
    g = torch.Generator().manual_seed(2147483647)
    sampled_again = sample_names(g, 15)

    uniforms = np.random.default_rng(12).random(2000)
    k = 0
    inverse_cdf_names = []
    for _ in range(15):
        out = []
        ix = 0
        while True:
            u = float(uniforms[k])
            k += 1
            cdf = torch.cumsum(P[ix], 0)
            ix = min(int((cdf < u).sum()), V - 1)
            out.append(itos[ix])
            if ix == 0:
                break
        inverse_cdf_names.append("".join(out))

    g = torch.Generator().manual_seed(42)
    draws = torch.multinomial(P[0], 20000, replacement=True, generator=g)
    frequencies = torch.bincount(draws, minlength=V).float() / 20000

    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            prob = P[stoi[ch1], stoi[ch2]]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    print(f"{log_likelihood=}")
    print(f"{nll/n=}")

    return {
        "counts": N.tolist(),
        "count_dtype": str(N.dtype),
        "row_sums": P.sum(1).tolist(),
        "probs_first_row": P[0].tolist(),
        "nll": (nll / n).item(),
        "sampled": sampled,
        "sampled_again": sampled_again,
        "inverse_cdf_names": inverse_cdf_names,
        "first_row_frequencies": frequencies.tolist(),
        "alphabet": "".join(itos[i] for i in range(V)),
    }
