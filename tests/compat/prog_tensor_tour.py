"""A tour of tensor operations, in the manner of the "tensors" chapter of a tutorial.

Creation (``torch.tensor``, ``zeros``/``ones``/``arange``/``linspace``/``eye``/``full``,
``*_like``, ``from_numpy`` sharing memory, ``new_zeros``/``new_ones``/``new_full``), dtypes
and ``.to``/``.type_as``, ``torch.Size``, indexing and slicing, assignment with ints,
slices, masks, integer tensors and ranges, joining and splitting (``cat``, ``stack``,
``split``, ``chunk``, ``unbind``), reshaping (``view``, ``reshape``, ``permute``, ``flatten``,
``squeeze``/``unsqueeze``, ``flip``, ``roll``, ``repeat``, ``repeat_interleave``), reductions
(``sum``/``mean``/``std`` unbiased, ``prod``, ``cumsum``, ``max`` with indices, ``topk``,
``sort``, ``argsort``, ``unique``, ``bincount``, ``histc``, ``all``/``any``), linear algebra
(``@``, ``mm``, ``bmm``, ``einsum``, ``outer``, ``dot``, ``norm``, ``linalg.norm``,
``trace``, ``diag``), elementwise maths, ``where``/``masked_fill``/``clamp``, in-place ops,
``tril``/``triu``, ``meshgrid``, ``nonzero``, ``allclose``/``isclose``/``equal``, and
conversion to NumPy and Python (``numpy()``, ``tolist()``, ``item()``). Every result is
returned as plain Python numbers and compared with PyTorch's.
"""

import numpy as np


def run(torch):
    r = {}
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    r["x_data"] = (x_data.tolist(), str(x_data.dtype))
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    np.multiply(np_array, 2, out=np_array)
    r["shares_memory"] = x_np.tolist()
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    r["like"] = (x_ones.tolist(), list(x_rand.shape), str(x_rand.dtype))
    shape = (2, 3)
    r["factories"] = [torch.zeros(shape).tolist(), torch.ones(shape).tolist(),
                      torch.arange(0, 10, 3).tolist(), torch.linspace(0, 1, 5).tolist(),
                      torch.eye(3).tolist(), torch.full((2, 2), 7.0).tolist(),
                      x_data.new_zeros(2).tolist(), x_data.new_ones((1, 2)).tolist(),
                      x_data.new_full((2,), 5).tolist()]
    t = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    r["size"] = [t.shape == (2, 3, 4), t.size(1), t.dim(), t.numel(), list(t.shape[1:]),
                 str(t.dtype), str(t.device), t.is_floating_point()]

    tensor = torch.ones(4, 4)
    r["first_row"] = tensor[0].tolist()
    r["first_column"] = tensor[:, 0].tolist()
    r["last_column"] = tensor[..., -1].tolist()
    tensor[:, 1] = 0
    tensor[tensor.sum(1) > 100] = 9
    tensor[2:, 2:] = torch.tensor([[5.0, 6.0], [7.0, 8.0]])
    tensor[torch.tensor([0, 3]), 0] = -1.0
    tensor[range(2), range(2)] += 10
    r["assigned"] = tensor.tolist()
    tensor.add_(5)
    tensor.mul_(0.5).clamp_(max=6.0)
    r["inplace"] = tensor.tolist()

    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    r["cat"] = list(t1.shape)
    r["stack"] = list(torch.stack([tensor, tensor]).shape)
    parts = torch.arange(10).split(3)
    r["split"] = [p.tolist() for p in parts]
    r["split_sizes"] = [p.tolist() for p in torch.arange(10).split([2, 8])]
    r["chunk"] = [c.tolist() for c in torch.arange(10).chunk(4)]
    r["unbind"] = [u.tolist() for u in torch.eye(2).unbind(0)]

    r["reshape"] = [t.view(-1, 4)[1].tolist(), t.permute(2, 0, 1).shape[0],
                    t.flatten(1).shape[1], t[:, :1].squeeze(1).shape[1],
                    t.unsqueeze(0).shape[0], t.transpose(0, 2).contiguous().view(-1)[:5].tolist(),
                    torch.arange(6).flip(0).tolist(), torch.arange(6).roll(2).tolist(),
                    torch.tensor([1, 2]).repeat(3).tolist(),
                    torch.tensor([1, 2]).repeat_interleave(2).tolist()]

    v = torch.tensor([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    m = v.view(2, 4)
    values, indices = v.topk(3)
    sorted_v, order = torch.sort(v, descending=True)
    max_vals, max_idx = m.max(dim=1)
    r["reductions"] = [v.sum().item(), v.mean().item(), v.std().item(),
                       v.var(unbiased=False).item(), m.prod(dim=1).tolist(),
                       v.cumsum(0).tolist(), max_vals.tolist(), max_idx.tolist(),
                       values.tolist(), indices.tolist(), sorted_v.tolist(),
                       torch.argsort(v)[:3].tolist(), torch.unique(v).tolist(),
                       torch.bincount(torch.tensor([0, 2, 2, 3])).tolist(),
                       torch.histc(v, bins=3, min=0, max=9).tolist(),
                       bool((v > 0).all()), bool((v > 8).any()), v.argmax().item(),
                       m.mean(dim=0, keepdim=True).tolist(), m.amax(1).tolist()]

    a = torch.arange(6, dtype=torch.float32).view(2, 3)
    b = torch.arange(12, dtype=torch.float32).view(3, 4)
    batch = torch.arange(24, dtype=torch.float32).view(2, 3, 4)
    r["linalg"] = [(a @ b).tolist(), torch.mm(a, b).tolist(), a.matmul(b).sum().item(),
                   torch.bmm(batch, batch.transpose(1, 2)).tolist(),
                   torch.einsum("ij,jk->ik", a, b).tolist(),
                   torch.einsum("bij->bji", batch).shape[1],
                   torch.outer(torch.arange(3.0), torch.arange(2.0)).tolist(),
                   torch.dot(torch.arange(3.0), torch.arange(3.0)).item(),
                   a.norm().item(), torch.linalg.norm(a, dim=1).tolist(),
                   torch.norm(a, p=1).item(), torch.trace(torch.eye(3) * 2).item(),
                   torch.diag(torch.tensor([1.0, 2.0])).tolist(), a.T.shape[0]]

    z = torch.linspace(-2, 2, 9)
    r["elementwise"] = [z.exp().tolist(), z.abs().sqrt().tolist(), torch.sigmoid(z).tolist(),
                        torch.tanh(z).tolist(), z.sinh().tolist(), z.cosh().tolist(),
                        torch.log10(z.abs() + 1).tolist(), torch.log1p(z.abs()).tolist(),
                        z.pow(2).tolist(), (z ** 3).tolist(), torch.sign(z).tolist(),
                        z.floor().tolist(), z.round().tolist(), torch.erf(z).tolist(),
                        torch.atan2(z, torch.ones(9)).tolist(), torch.remainder(z, 1.5).tolist(),
                        torch.lerp(z, torch.zeros(9), 0.25).tolist(), z.square().tolist(),
                        torch.maximum(z, torch.zeros(9)).tolist()]
    r["select"] = [torch.where(z > 0, z, torch.zeros_like(z)).tolist(),
                   z.masked_fill(z < 0, 0.0).tolist(), z.clamp(-1, 1).tolist(),
                   torch.tril(torch.ones(3, 3)).tolist(), torch.triu(torch.ones(3, 3), 1).tolist(),
                   torch.nonzero(torch.tensor([0, 1, 0, 2])).view(-1).tolist(),
                   z[z > 1].tolist(), torch.masked_select(z, z < -1).tolist(),
                   z.index_select(0, torch.tensor([0, 8])).tolist(), z.narrow(0, 2, 3).tolist()]
    gx, gy = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")
    r["meshgrid"] = [gx.tolist(), gy.tolist()]
    r["compare"] = [torch.allclose(z, z + 1e-9), bool(torch.isclose(z, z + 1e-3).all()),
                    torch.equal(z, z.clone()), (z == z).sum().item()]
    r["convert"] = [z.numpy().dtype.name, type(z.tolist()[0]).__name__,
                    type(z[0].item()).__name__, z.long().tolist(), z.int().dtype == torch.int32,
                    z.to(torch.float64).dtype == torch.float64,
                    torch.zeros(2, dtype=torch.float64).type_as(z).dtype == torch.float32,
                    z.bool().tolist(), z.half().dtype == torch.float16]
    r["repr"] = [repr(torch.tensor([1.5, 2.0])), repr(torch.tensor([[1, 2], [3, 4]])),
                 str(torch.tensor(3.25)), f"{torch.tensor(2.0) / 3:.3f}"]
    return r
