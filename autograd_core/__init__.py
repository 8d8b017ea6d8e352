"""autograd_core: a reverse-mode automatic differentiation engine on NumPy.

A ``Tensor`` records the operations that make it into a graph; ``backward()`` walks the
graph in reverse topological order and applies the chain rule. Names, arguments and
semantics follow PyTorch.
"""

from . import allocator, dtypes
from .creation import (
    arange,
    as_tensor,
    default_generator,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (
    bool_,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    uint8,
)
from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .ops import (
    abs,
    add,
    addmm,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    clamp,
    clone,
    cos,
    div,
    exp,
    expand,
    flatten,
    gather,
    leaky_relu,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    permute,
    pow,
    relu,
    reshape,
    scatter_add,
    sigmoid,
    sin,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .safetensors_io import load_safetensors, save_safetensors
from .serialization import load, save
from .size import Size
from .tensor import Tensor
from .viz import BackwardTrace, draw_graph, save_backward_frames, trace_backward

clip = clamp

__version__ = "0.1.0"

# Data loading and bundled datasets build on the tensor and ops above.
from . import datasets, linalg, utils  # noqa: E402
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402

# ----- area: elementwise and linear algebra (issue 15) --------------------------------
from .ops import (  # noqa: E402
    acos,
    arccos,
    arcsin,
    arctan,
    arctan2,
    asin,
    atan,
    atan2,
    baddbmm,
    bmm,
    ceil,
    cosh,
    dot,
    einsum,
    erf,
    erfc,
    exp2,
    expm1,
    floor,
    fmod,
    frac,
    ger,
    hypot,
    lerp,
    log1p,
    log2,
    log10,
    logaddexp,
    mm,
    mv,
    outer,
    reciprocal,
    remainder,
    round,
    rsqrt,
    sgn,
    sign,
    sinh,
    square,
    trunc,
)
from .tensor_new import numel  # noqa: E402

fix = trunc  # PyTorch's alias

# ----- area: reductions, sorting, indexing and shapes (issue 15) ----------------------
from ._aliases import install as _install_aliases  # noqa: E402

_install_aliases(globals())  # torch.sum(x, axis=0, keepdims=True), as torch accepts
from .ops.index_more import (  # noqa: E402
    broadcast_to,
    chunk,
    diag,
    diagonal,
    flip,
    index_add,
    index_select,
    masked_fill,
    masked_select,
    meshgrid,
    narrow,
    repeat_interleave,
    roll,
    scatter,
    split,
    trace,
    tril,
    triu,
    unbind,
)
from .ops.reduce import std  # noqa: E402
from .ops.reduce_more import (  # noqa: E402
    all,
    allclose,
    any,
    count_nonzero,
    cumprod,
    cumsum,
    equal,
    isclose,
    norm,
    prod,
)
from .ops.sorting import (  # noqa: E402
    argsort,
    bincount,
    histc,
    histogram,
    nonzero,
    sort,
    topk,
    unique,
)

# ----- area: namespace, devices, dtypes, randomness (issue 15) ------------------------
# isort: split
# From here on ``float``, ``int``, ``bool`` and ``compile`` in this module are PyTorch's
# names (as in ``torch``), no longer the builtins: code below must not call them.
from . import accelerator, amp, backends, cuda, random  # noqa: E402
from .amp import autocast  # noqa: E402
from .creation import (  # noqa: E402
    bernoulli,
    empty_like,
    logspace,
    multinomial,
    normal,
    rand_like,
    randint_like,
    randn_like,
)
from .device import device, get_default_device, set_default_device  # noqa: E402
from .dtypes import (  # noqa: E402
    bfloat16,
    dtype,
    finfo,
    float,
    get_default_dtype,
    iinfo,
    int,
    promote_types,
    set_default_dtype,
    short,
    uint16,
    uint32,
    uint64,
)
from .dtypes import bool_ as bool  # noqa: E402
from .inference_mode import inference_mode, is_inference_mode_enabled  # noqa: E402
from .predicates import is_complex, is_floating_point, is_tensor, result_type  # noqa: E402
from .random import (  # noqa: E402
    Generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)
from .runtime import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    compile,
    get_float32_matmul_precision,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_threads,
    use_deterministic_algorithms,
)

# ``torch.nn``, ``torch.optim`` and ``torch.autograd`` as attributes, imported on first
# use: the engine itself never imports nn or optim while it loads (DESIGN.md, layers).
_LAZY_MODULES = {
    "nn": ("nn", ("nn.functional", "nn.init")),
    "optim": ("optim", ("optim.lr_scheduler",)),
    "autograd": ("autograd_core.autograd", ()),
}


def __getattr__(name: str) -> object:
    """PEP 562: ``autograd_core.nn`` (etc.) imports the package on first access."""
    if name in _LAZY_MODULES:
        import importlib

        target, also = _LAZY_MODULES[name]
        module = importlib.import_module(target)
        for sub in also:  # so that torch.nn.functional / torch.optim.lr_scheduler resolve
            importlib.import_module(sub)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'autograd_core' has no attribute '{name}'")

# Keep freed array memory for reuse between training steps (glibc only; see allocator.py
# for why, the cost, and AUTOGRAD_CORE_MALLOC=system to opt out).
allocator.tune_malloc()
