"""A tour of autograd, in the manner of the "automatic differentiation" chapter of a tutorial.

``requires_grad=True`` and ``requires_grad_()``, ``grad_fn`` and its ``next_functions``,
``backward()`` on a scalar, on a vector with ``gradient=v`` (a vector-Jacobian product) and
twice with ``retain_graph=True`` (gradients accumulate), ``torch.autograd.grad`` with
``create_graph=True`` for second derivatives and a gradient penalty, ``detach()``,
``torch.no_grad()`` and ``torch.enable_grad()``, ``is_leaf``, ``retain_grad()`` on a
non-leaf, tensor hooks ``register_hook`` that change a gradient, ``.data`` updates outside
the graph, ``torch.autograd.functional``-free Jacobians built row by row, and the
``set_grad_enabled`` context. Float64 inputs from NumPy (seed 31); values compared with
PyTorch's to 1e-10.
"""

import numpy as np


def run(torch):
    r = {}
    rng = np.random.default_rng(31)
    x = torch.tensor(rng.standard_normal(5), requires_grad=True)
    w = torch.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    b = torch.tensor(rng.standard_normal(3), requires_grad=True)
    y = torch.zeros(3, dtype=torch.float64)

    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    # Node names are each library's own (AddBackward0 in PyTorch); the structure is shared.
    print(z.grad_fn, loss.grad_fn, z.grad_fn.next_functions)
    r["graph"] = [z.grad_fn is not None, len(z.grad_fn.next_functions),
                  z.grad_fn.next_functions[1][0].variable is b,
                  "AccumulateGrad" in z.grad_fn.next_functions[1][0].name()]
    loss.backward()
    r["loss"] = loss.item()
    r["w_grad"] = w.grad.tolist()
    r["b_grad"] = b.grad.tolist()
    r["leaves"] = [x.is_leaf, z.is_leaf, z.requires_grad]

    with torch.no_grad():
        z = torch.matmul(x, w) + b
    r["no_grad_requires"] = z.requires_grad
    z_det = (torch.matmul(x, w) + b).detach()
    r["detached_requires"] = z_det.requires_grad

    inp = torch.eye(4, 5, dtype=torch.float64, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out))
    second = inp.grad.clone()
    inp.grad.zero_()
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out))
    r["accumulate"] = [first.tolist(), second.tolist(), inp.grad.tolist()]

    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float64)
    a = torch.tensor(rng.standard_normal(3), requires_grad=True)
    yv = a * 2
    while yv.data.norm() < 1000:
        yv = yv * 2
    yv.backward(v)
    r["vjp"] = a.grad.tolist()

    s = torch.tensor(rng.standard_normal(4), requires_grad=True)
    f = (s ** 3).sum() + (s.sin() * s).sum()
    (g,) = torch.autograd.grad(f, s, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), s)
    r["first_derivative"] = g.tolist()
    r["second_derivative"] = h.tolist()

    net = torch.nn.Linear(4, 1).double()
    with torch.no_grad():
        net.weight.copy_(torch.tensor(rng.standard_normal((1, 4))))
        net.bias.fill_(0.3)
    points = torch.tensor(rng.standard_normal((6, 4)), requires_grad=True)
    scores = net(points)
    (grads,) = torch.autograd.grad(scores, points, grad_outputs=torch.ones_like(scores),
                                   create_graph=True)
    penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()
    r["penalty"] = penalty.item()
    r["penalty_weight_grad"] = net.weight.grad.tolist()

    hidden = torch.tanh(x[:3] * 2)
    hidden.retain_grad()
    seen = []
    hidden.register_hook(lambda grad: seen.append(grad.sum().item()))
    x.register_hook(lambda grad: grad * 10)
    x.grad = None
    (hidden ** 2).sum().backward()
    r["retained"] = hidden.grad.tolist()
    r["hook_seen"] = seen
    r["hooked_x_grad"] = x.grad.tolist()

    q = torch.tensor(rng.standard_normal(3), requires_grad=True)
    jac = []
    fq = torch.stack([q[0] * q[1], q[1].exp(), (q ** 2).sum()])
    for i in range(3):
        (row,) = torch.autograd.grad(fq[i], q, retain_graph=True)
        jac.append(row.tolist())
    r["jacobian"] = jac

    p = torch.ones(3, dtype=torch.float64, requires_grad=True)
    p.data.mul_(0.5)
    p.data = p.data + 1
    r["data_update"] = [p.tolist(), p.requires_grad, p.grad_fn is None]
    with torch.set_grad_enabled(False):
        off = p * 2
    with torch.no_grad():
        with torch.enable_grad():
            on = p * 2
    r["modes"] = [off.requires_grad, on.requires_grad]
    k = torch.ones(2, dtype=torch.float64)
    k.requires_grad_()
    r["requires_grad_"] = k.requires_grad
    return r
