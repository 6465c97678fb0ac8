"""``tf.math``: elementwise math, comparisons, logic and reductions."""

from tapeflow import math_special as special  # noqa: F401  (tf.math.special)
from tapeflow.core.lazy import lazy_names as _lazy_names
from tapeflow.ops.arith import (  # noqa: F401
    add,
    conj,
    cos,
    divide,
    equal,
    exp,
    expm1,
    floordiv,
    floormod,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    reciprocal,
    rsqrt,
    scalar_mul,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    truediv,
)
from tapeflow.ops.complex_ops import abs, angle, imag, real  # noqa: F401
from tapeflow.ops.counting import (  # noqa: F401
    bincount,
    confusion_matrix,
    in_top_k,
    invert_permutation,
    is_non_decreasing,
    is_strictly_increasing,
)
from tapeflow.ops.cumulative_logsumexp import cumulative_logsumexp  # noqa: F401
from tapeflow.ops.losses import log_softmax  # noqa: F401
from tapeflow.ops.nextafter import nextafter  # noqa: F401
from tapeflow.ops.nn import softmax  # noqa: F401
from tapeflow.ops.ranking import argmax, argmin, top_k  # noqa: F401
from tapeflow.ops.reduction import (  # noqa: F401
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
)
from tapeflow.ops.scan import (  # noqa: F401
    count_nonzero,
    cumprod,
    cumsum,
    l2_normalize,
    reduce_all,
    reduce_any,
    reduce_euclidean_norm,
    reduce_logsumexp,
    reduce_std,
    reduce_variance,
    zero_fraction,
)
from tapeflow.ops.special import (  # noqa: F401
    acos,
    acosh,
    add_n,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    cosh,
    digamma,
    divide_no_nan,
    erf,
    erfc,
    floor,
    is_finite,
    is_inf,
    is_nan,
    lgamma,
    log_sigmoid,
    multiply_no_nan,
    polygamma,
    reciprocal_no_nan,
    rint,
    round,
    sinh,
    softplus,
    softsign,
    squared_difference,
    xdivy,
    xlog1py,
    xlogy,
)
from tapeflow.ops.sums import accumulate_n, polyval  # noqa: F401

mod = floormod

# The rarer families load on first use (see tapeflow/core/lazy.py).
__getattr__, __dir__ = _lazy_names(__name__, globals(), {
    "tapeflow.ops.bessel": ("bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"),
    "tapeflow.ops.erf_inverse": ("erfcinv", "erfinv", "ndtri"),
    "tapeflow.ops.gamma_beta": ("betainc", "igamma", "igammac", "lbeta", "zeta"),
    "tapeflow.ops.segment": ("segment_max", "segment_mean", "segment_min", "segment_prod",
                             "segment_sum", "unsorted_segment_max", "unsorted_segment_mean",
                             "unsorted_segment_min", "unsorted_segment_prod",
                             "unsorted_segment_sqrt_n", "unsorted_segment_sum"),
})
__all__ = [n for n in __dir__() if not n.startswith("_")]  # star-imports get the lazy names too
