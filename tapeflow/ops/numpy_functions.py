"""NumPy functions on tapeflow values (NEP 18): the table ``__array_function__`` reads.

Each entry of ``FUNCTIONS`` maps a NumPy function's public name
(``"sum"``, ``"linalg.norm"``) to a stand-in with NumPy's own signature, built
from tapeflow ops, so that ``np.sum(x, axis=1)`` on a watched tensor is
recorded like ``tf.reduce_sum(x, 1)``.  Python binds the arguments, with
NumPy's names and defaults, at no cost of our own.

An argument with no tapeflow equivalent (``order="F"``, ``where=``, a pad
mode TF lacks ...) raises ``NoMapping``: the caller then runs NumPy itself on
the values, as for a function missing from the table (tapeflow/ops/numpy_api.py).

dtypes: operands that are not tensors are converted like the second operand
of tapeflow's binary operators (``tf.ones(2) * np.ones(2)`` is float32); two
tensors of different dtypes raise as in TF.  Integer and bool inputs of a
function that NumPy computes in another dtype are first cast to it, so
``np.mean`` of an int32 tensor is float64 and ``np.sum`` of bools int64.

``INSPECTION`` lists the functions that only look at values (shapes, dtypes,
closeness): NumPy answers them on the arrays and no value leaves a tape.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core.tensor import Tensor
from tapeflow.ops import (
    arith,
    array,
    complex_ops,
    factor,
    linalg,
    ranking,
    reduction,
    scan,
    shape_ops,
)
from tapeflow.ops import numpy_shapes as shapes
from tapeflow.ops.numpy_args import (
    NO,
    NoMapping,
    as_tensor,
    axes_of,
    common,
    count,
    flag,
    flat,
    given,
    no_out,
    numeric,
    refuse,
    truth,
)

__all__ = ["FUNCTIONS", "INSPECTION", "matmul", "resolve"]


# TF's Max/Min take no bools; NumPy's max of bools is any, its min all.
_BOOL_EXTREMA = {reduction.reduce_max: scan.reduce_any, reduction.reduce_min: scan.reduce_all}


# -- reductions --------------------------------------------------------------------------------
def _reducer(name: str, reduce: Any, combine: Any, numpy_func: Any, has_dtype: bool) -> Any:
    """np.sum/prod (with ``dtype``) and np.max/min (without): NumPy's signatures."""
    def run(a, axis, dtype, out, keepdims, initial, where):
        no_out(name, out)
        refuse(where)
        x = numeric(numpy_func, a, dtype) if has_dtype else as_tensor(a)
        run_reduce = _BOOL_EXTREMA.get(reduce, reduce) if x._value.dtype.kind == "b" else reduce
        result = run_reduce(x, axis, keepdims=flag(keepdims))
        return combine(result, initial) if given(initial) else result

    if has_dtype:
        def with_dtype(a, axis=None, dtype=None, out=None, keepdims=NO, initial=NO,
                       where=NO):
            return run(a, axis, dtype, out, keepdims, initial, where)
        return with_dtype

    def without_dtype(a, axis=None, out=None, keepdims=NO, initial=NO, where=NO):
        return run(a, axis, None, out, keepdims, initial, where)
    return without_dtype


def _mean(a, axis=None, dtype=None, out=None, keepdims=NO, *, where=NO):
    no_out("mean", out)
    refuse(where)
    return reduction.reduce_mean(numeric(np.mean, a, dtype), axis, keepdims=flag(keepdims))


def _moment(name: str, reduce: Any, power: float) -> Any:
    """np.var and np.std; ``ddof`` rescales TF's population moments by (n / (n - ddof))^power."""
    def run(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NO, *, where=NO,
            mean=NO, correction=NO):
        no_out(name, out)
        refuse(where, mean)
        if given(correction):
            ddof = correction
        x = numeric(getattr(np, name), a, dtype)
        result = reduce(x, axis, keepdims=flag(keepdims))
        if ddof:
            n = count(x, axis)
            result = result * (n / (n - ddof) if n > ddof else math.inf) ** power
        return result
    return run


def _logical_reduce(name: str, reduce: Any) -> Any:
    def run(a, axis=None, out=None, keepdims=NO, *, where=NO):
        no_out(name, out)
        refuse(where)
        return reduce(truth(a), axis, keepdims=flag(keepdims))
    return run


def _ptp(a, axis=None, out=None, keepdims=NO):
    no_out("ptp", out)
    x = as_tensor(a)
    keep = flag(keepdims)
    return reduction.reduce_max(x, axis, keepdims=keep) - reduction.reduce_min(x, axis,
                                                                               keepdims=keep)


def _arg(name: str, op: Any) -> Any:
    def run(a, axis=None, out=None, *, keepdims=NO):
        no_out(name, out)
        x = as_tensor(a)
        if axis is None:
            result = op(flat(x), 0)
            return shape_ops.reshape(result, [1] * x.ndim) if flag(keepdims) else result
        result = op(x, axis)
        return shape_ops.expand_dims(result, axis) if flag(keepdims) else result
    return run


def _scan(name: str, op: Any) -> Any:
    def run(a, axis=None, dtype=None, out=None):
        no_out(name, out)
        x = numeric(getattr(np, name), a, dtype)
        if axis is None:
            x, axis = flat(x), 0
        return op(x, axis)
    return run


# -- products ----------------------------------------------------------------------------------
def matmul(a: Any, b: Any) -> Tensor:
    """NumPy's matmul: a 1-D operand is a row (left) or a column (right), then dropped."""
    x, y = common(a, b)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    if x.ndim > 1 and y.ndim > 1:
        return linalg.matmul(x, y)
    result = linalg.matmul(shape_ops.expand_dims(x, 0) if x.ndim == 1 else x,
                           shape_ops.expand_dims(y, -1) if y.ndim == 1 else y)
    if y.ndim == 1:
        result = shape_ops.squeeze(result, -1)
    if x.ndim == 1:
        result = shape_ops.squeeze(result, -2 if y.ndim > 1 else -1)
    return result


def _dot(a, b, out=None):
    no_out("dot", out)
    x, y = common(a, b)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if y.ndim <= 2:
        return matmul(x, y)  # the same contraction here, and one MatMul op (5x faster)
    return array.tensordot(x, y, [[x.ndim - 1], [y.ndim - 2]])


def _inner(a, b, /):
    x, y = common(a, b)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if y.ndim <= 2:
        return matmul(x, y if y.ndim == 1 else shape_ops.transpose(y))
    return array.tensordot(x, y, [[x.ndim - 1], [y.ndim - 1]])


def _vdot(a, b, /):
    x, y = common(a, b)
    x = flat(x)
    if x._value.dtype.kind == "c":
        x = arith.conj(x)
    return reduction.reduce_sum(x * flat(y))


def _outer(a, b, out=None):
    no_out("outer", out)
    x, y = common(a, b)
    return shape_ops.reshape(x, [-1, 1]) * shape_ops.reshape(y, [1, -1])


def _tensordot(a, b, axes=2):
    x, y = common(a, b)
    if not isinstance(axes, (int, np.integer)):
        first, second = axes
        axes = [list(first) if isinstance(first, (list, tuple)) else [first],
                list(second) if isinstance(second, (list, tuple)) else [second]]
    return array.tensordot(x, y, axes)


def _einsum(*operands, out=None, optimize=False, dtype=None, **kwargs):
    no_out("einsum", out)
    if not operands or not isinstance(operands[0], str):
        raise NoMapping  # the interleaved form einsum(a, [0, 1], b, [1, 2])
    inputs = common(*operands[1:])
    if dtype is not None:
        inputs = [arith.cast(t, np.dtype(dtype)) for t in inputs]
    return array.einsum(operands[0], *inputs)


def _diagonal(a, offset=0, axis1=0, axis2=1):
    x = as_tensor(a)
    nd = x.ndim
    first, second = axis1 % nd, axis2 % nd
    perm = [k for k in range(nd) if k not in (first, second)] + [first, second]
    if perm != list(range(nd)):
        x = shape_ops.transpose(x, perm)
    return factor.diag_part(x, k=offset)


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    no_out("trace", out)
    return reduction.reduce_sum(_diagonal(numeric(np.trace, a, dtype), offset, axis1, axis2), -1)


def _diag(v, k=0):
    x = as_tensor(v)
    if x.ndim == 1:
        return factor.diag(x, k=k)
    if x.ndim == 2:
        return factor.diag_part(x, k=k)
    raise ValueError("Input must be 1- or 2-d.")



# -- linear algebra ----------------------------------------------------------------------------
def _norm(x, ord=None, axis=None, keepdims=False):
    t = as_tensor(x)
    if t._value.dtype.kind in "biu":
        t = arith.cast(t, np.float64)
    if axis is None and ord is None:
        return factor.norm(t, "euclidean", None, keepdims=keepdims)
    if axis is None:
        axis = tuple(range(t.ndim))
    axes = axes_of(axis, t.ndim)
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims)
    if len(axes) == 2 and ord in (None, "fro", 1, -1, np.inf, -np.inf, 2):
        return _matrix_norm(t, ord, axes, keepdims)
    raise NoMapping


def _vector_norm(t: Tensor, ord: Any, axis: int, keepdims: bool) -> Tensor:
    size = complex_ops.abs(t)
    if ord is None or ord == 2:
        return factor.norm(t, "euclidean", axis, keepdims=keepdims)
    if ord == np.inf:
        return reduction.reduce_max(size, axis, keepdims=keepdims)
    if ord == -np.inf:
        return reduction.reduce_min(size, axis, keepdims=keepdims)
    if ord == 0:
        return reduction.reduce_sum(arith.cast(arith.not_equal(size, 0), size.dtype), axis,
                                    keepdims=keepdims)
    if ord == 1:
        return reduction.reduce_sum(size, axis, keepdims=keepdims)
    if not isinstance(ord, (int, float, np.integer, np.floating)):
        raise NoMapping
    total = reduction.reduce_sum(arith.pow(size, float(ord)), axis, keepdims=keepdims)
    return arith.pow(total, 1.0 / ord)


def _matrix_norm(t: Tensor, ord: Any, axes: list, keepdims: bool) -> Tensor:
    if ord in (None, "fro"):
        return factor.norm(t, "euclidean", tuple(axes), keepdims=keepdims)
    if ord == 2:
        return factor.norm(t, 2, tuple(axes), keepdims=keepdims)
    row, col = axes
    size = complex_ops.abs(t)
    # 1: the largest column sum (sum over rows); inf: the largest row sum.
    summed, other = (row, col) if abs(ord) == 1 else (col, row)
    sums = reduction.reduce_sum(size, summed, keepdims=True)
    pick = reduction.reduce_max if ord > 0 else reduction.reduce_min
    result = pick(sums, other, keepdims=True)
    return result if keepdims else shape_ops.squeeze(result, sorted(axes))


def _inv(a):
    return factor.inv(as_tensor(a))


def _det(a):
    return factor.det(as_tensor(a))


def _solve(a, b):
    matrix, rhs = common(a, b)
    if rhs.ndim == 1:
        return shape_ops.squeeze(factor.solve(matrix, shape_ops.expand_dims(rhs, -1)), -1)
    return factor.solve(matrix, rhs)


# -- the table ---------------------------------------------------------------------------------
# NumPy's public name -> stand-in with NumPy's signature.  docs/numpy.md lists exactly
# these names (tests/test_numpy_api.py checks it).
FUNCTIONS: dict[str, Any] = {
    # reductions
    "sum": _reducer("sum", reduction.reduce_sum, arith.add, np.sum, True),
    "prod": _reducer("prod", reduction.reduce_prod, arith.multiply, np.prod, True),
    "max": _reducer("max", reduction.reduce_max, arith.maximum, np.max, False),
    "amax": _reducer("amax", reduction.reduce_max, arith.maximum, np.max, False),
    "min": _reducer("min", reduction.reduce_min, arith.minimum, np.min, False),
    "amin": _reducer("amin", reduction.reduce_min, arith.minimum, np.min, False),
    "mean": _mean,
    "var": _moment("var", scan.reduce_variance, 1.0),
    "std": _moment("std", scan.reduce_std, 0.5),
    "ptp": _ptp,
    "any": _logical_reduce("any", scan.reduce_any),
    "all": _logical_reduce("all", scan.reduce_all),
    "argmax": _arg("argmax", ranking.argmax),
    "argmin": _arg("argmin", ranking.argmin),
    "cumsum": _scan("cumsum", scan.cumsum),
    "cumprod": _scan("cumprod", scan.cumprod),
    # products
    "dot": _dot,
    "inner": _inner,
    "vdot": _vdot,
    "outer": _outer,
    "tensordot": _tensordot,
    "einsum": _einsum,
    "trace": _trace,
    "diagonal": _diagonal,
    "diag": _diag,
    # shapes
    "reshape": shapes.reshape,
    "ravel": shapes.ravel,
    "transpose": shapes.transpose,
    "swapaxes": shapes.swapaxes,
    "moveaxis": shapes.moveaxis,
    "squeeze": shapes.squeeze,
    "expand_dims": shapes.expand_dims,
    "concatenate": shapes.concatenate,
    "stack": shapes.stack,
    "vstack": shapes.vstack,
    "hstack": shapes.hstack,
    "broadcast_to": shapes.broadcast_to,
    "tile": shapes.tile,
    "repeat": shapes.repeat,
    "pad": shapes.pad,
    "flip": shapes.flip,
    "fliplr": shapes.fliplr,
    "flipud": shapes.flipud,
    "roll": shapes.roll,
    "split": shapes.split,
    "take": shapes.take,
    # elementwise and selection (the ufuncs are in numpy_api.UFUNCS)
    "where": shapes.where,
    "nonzero": shapes.nonzero,
    "clip": shapes.clip,
    "round": shapes.round,
    "around": shapes.round,
    "sort": shapes.sort,
    "argsort": shapes.argsort,
    "real": shapes.real,
    "imag": shapes.imag,
    # creation
    "zeros_like": shapes.zeros_like,
    "ones_like": shapes.ones_like,
    "full_like": shapes.full_like,
    "linspace": shapes.linspace,
    # linear algebra
    "linalg.norm": _norm,
    "linalg.inv": _inv,
    "linalg.det": _det,
    "linalg.solve": _solve,
}

# Functions that only inspect values: NumPy answers them on the arrays, no warning.
INSPECTION = ("shape", "ndim", "size", "result_type", "iscomplexobj", "isrealobj",
              "allclose", "isclose", "array_equal", "array_equiv")


def resolve(name: str) -> Any:
    """The NumPy object called ``name`` (``"linalg.norm"``), or None in this NumPy."""
    obj: Any = np
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj
