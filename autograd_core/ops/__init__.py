"""Differentiable operations, one ``Function`` per op, grouped by kind."""

from ..inplace import add_, clamp_, copy_, div_, fill_, mul_, sub_  # Tensor's in-place methods
from .arithmetic import add, div, mul, neg, pow, sub
from .compare import clamp, compare, maximum, minimum, where
from .elementwise import (  # area: elementwise and linear algebra (issue 15)
    acos,
    arccos,
    arcsin,
    arctan,
    arctan2,
    asin,
    atan,
    atan2,
    ceil,
    cosh,
    erf,
    erfc,
    exp2,
    expm1,
    fix,
    floor,
    fmod,
    frac,
    hypot,
    lerp,
    log1p,
    log2,
    log10,
    logaddexp,
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
from .index import gather, getitem, scatter_add
from .linalg import baddbmm, bmm, dot, einsum, ger, mm, mv, outer  # area: elementwise
from .matmul import addmm, matmul
from .reduce import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)
from .setitem import setitem
from .shape import cat, expand, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze
from .unary import (
    abs,
    clone,
    cos,
    exp,
    leaky_relu,
    log,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
    to_dtype,
)
