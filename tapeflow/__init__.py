"""tapeflow: TF 2's eager tensors and GradientTape, rebuilt in Python on NumPy.

``import tapeflow as tf`` and TF code that uses tensors, Variables, ops and
GradientTape runs unchanged.  This module only re-exports.
"""

from tapeflow import autodiff, debugging, dtypes, errors, linalg, math, nn, random, test  # noqa: F401
from tapeflow.autodiff import (  # noqa: F401
    GradientTape,
    UnconnectedGradients,
    custom_gradient,
    explain,
    explain_gradients,
    recompute_grad,
    stop_gradient,
)
from tapeflow.autodiff.inspect_tape import render_dot, set_tape_memory_warning  # noqa: F401
from tapeflow.autodiff.numerics import check_numerics_scope  # noqa: F401
from tapeflow.core.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bfloat16,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from tapeflow.core.tensor import Tensor, TensorShape, convert_to_tensor, is_tensor  # noqa: F401
from tapeflow.core.variable import Variable  # noqa: F401
from tapeflow.debugging import assert_equal, assert_greater, assert_less, assert_rank  # noqa: F401
from tapeflow.device import device  # noqa: F401
from tapeflow.ops.arith import (  # noqa: F401
    add,
    cast,
    cos,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    identity,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    ones_like,
    pow,
    realdiv,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    truediv,
    truncatediv,
    truncatemod,
    where,
    zeros_like,
)
from tapeflow.ops.array import (  # noqa: F401
    argsort,
    boolean_mask,
    einsum,
    ensure_shape,
    gather,
    gather_nd,
    identity_n,
    linspace,
    meshgrid,
    no_op,
    one_hot,
    pad,
    rank,
    repeat,
    reverse,
    roll,
    scatter_nd,
    searchsorted,
    sequence_mask,
    shape,
    shape_n,
    size,
    sort,
    split,
    tensor_scatter_nd_add,
    tensor_scatter_nd_update,
    tensordot,
    tile,
    unique,
    unstack,
)
from tapeflow.ops.broadcast_shape import broadcast_dynamic_shape, broadcast_static_shape  # noqa: F401
from tapeflow.ops.complex_ops import abs, complex  # noqa: F401  (abs: complex inputs too)
from tapeflow.ops.control_flow import cond, switch_case, while_loop  # noqa: F401
from tapeflow.ops.counting import unique_with_counts, unravel_index  # noqa: F401
from tapeflow.ops.creation import constant, eye, fill, ones, range, zeros  # noqa: F401
from tapeflow.ops.factor import norm  # noqa: F401
from tapeflow.ops.linalg import matmul  # noqa: F401
from tapeflow.ops.numpy_api import (  # noqa: F401
    NumpyLeftTapeError,
    NumpyLeftTapeWarning,
    numpy_strict,
)
from tapeflow.ops.partition import dynamic_partition, dynamic_stitch  # noqa: F401
from tapeflow.ops.py_function import numpy_function, py_function  # noqa: F401
from tapeflow.ops.ranking import argmax, argmin  # noqa: F401
from tapeflow.ops.reduction import (  # noqa: F401
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
)
from tapeflow.ops.reverse_sequence import reverse_sequence  # noqa: F401
from tapeflow.ops.scan import cumsum, reduce_all, reduce_any, reduce_logsumexp  # noqa: F401
from tapeflow.ops.shape_ops import (  # noqa: F401
    broadcast_to,
    concat,
    expand_dims,
    reshape,
    squeeze,
    stack,
    strided_slice,
    transpose,
)
from tapeflow.ops.shape_ops import slice_ as slice  # noqa: F401, A004  (TF's name)
from tapeflow.ops.special import (  # noqa: F401
    acos,
    acosh,
    add_n,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    clip_by_value,
    cosh,
    floor,
    round,
    sinh,
)
from tapeflow.ops.tensor_scatter import (  # noqa: F401
    tensor_scatter_nd_max,
    tensor_scatter_nd_min,
    tensor_scatter_nd_sub,
)
from tapeflow.ops.vectorized_map import vectorized_map  # noqa: F401
from tapeflow.tensor_spec import TensorSpec  # noqa: F401
from tapeflow.timestamp import timestamp  # noqa: F401
from tapeflow.train.clip import clip_by_global_norm, clip_by_norm  # noqa: F401
from tapeflow.train.module import Module, get_current_name_scope, name_scope  # noqa: F401

newaxis = None  # TF: tf.newaxis


def executing_eagerly() -> bool:
    """Whether ops run eagerly: always, in tapeflow (there is no graph mode yet).

    >>> import tapeflow as tf
    >>> tf.executing_eagerly()
    True
    """
    return True


__version__ = "0.1.0"


def __getattr__(name: str):  # noqa: ANN202 - PEP 562: the training namespaces load on use
    """``tf.keras``, ``tf.train`` and ``tapeflow.optimizers`` import on first access."""
    import importlib

    if name == "keras":
        return importlib.import_module("tapeflow.keras")
    if name == "train":
        return importlib.import_module("tapeflow.train")
    if name == "optimizers":
        return importlib.import_module("tapeflow.train.optimizers")
    raise AttributeError(f"module 'tapeflow' has no attribute {name!r}")
