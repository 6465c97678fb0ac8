"""Reductions (sum, mean, max, min, prod) and ``sum_to_shape``.

``sum_to_shape`` is the one function that undoes broadcasting; the tape and
``broadcast_to``'s transpose both call it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core.dispatch import describe
from tapeflow.core.errors import invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.declare import NUMERIC, REAL, defop
from tapeflow.ops.samples import rand

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "sum_to_shape"]


def _samples(low: float = -2.0, high: float = 2.0) -> list[Sample]:
    x = rand((2, 3, 4), low, high)
    return [Sample(x, params={"axis": None, "keepdims": False}),
            Sample(x, params={"axis": (1,), "keepdims": False}),
            Sample(x, params={"axis": (0, 2), "keepdims": True}),
            Sample(rand((5,), low, high), params={"axis": (0,), "keepdims": False}),
            Sample(rand((), low, high), params={"axis": None, "keepdims": False})]


def _reference(reduce: Any) -> Any:
    """The NumPy reduction the table test compares against."""
    return lambda x, axis, keepdims: reduce(x, axis=axis, keepdims=keepdims)


def _kept_shape(x_shape: tuple, axis: tuple | None) -> tuple:
    """The shape of the result with keepdims=True."""
    if axis is None:
        return (1,) * len(x_shape)
    return tuple(1 if i in axis else d for i, d in enumerate(x_shape))


def _spread(g: Any, x_shape: tuple, axis: tuple | None, keepdims: bool) -> Tensor:
    """A reduced cotangent broadcast back over the reduced axes (batch axes kept)."""
    if axis is None and g._value.ndim == 0:  # a whole reduction's scalar: just broadcast
        return shape_ops._broadcast_to(g, shape=tuple(x_shape)) if x_shape else g
    kept = _kept_shape(x_shape, axis)
    out_ndim = len(kept) if keepdims else len(kept) - (len(kept) if axis is None else len(axis))
    front = shape_ops.lead(g, out_ndim)
    if not keepdims and (front or axis is not None):
        # (A whole reduction without batch axes needs no reshape: a 0-d
        # cotangent broadcasts to any shape as it is.)
        g = shape_ops._reshape(g, shape=front + kept)
    full = front + tuple(x_shape)
    return g if g._value.shape == full else shape_ops._broadcast_to(g, shape=full)


def _as(out: Any, dtype: np.dtype) -> Any:
    """``out`` in ``dtype``: a whole reduction gives a NumPy scalar, whose
    ``astype`` costs ~0.5 µs even when the dtype already matches."""
    return out if out.dtype == dtype else out.astype(dtype)


def _count(x_shape: tuple, axis: tuple | None) -> int:
    if axis is None:
        return math.prod(x_shape)
    return math.prod([x_shape[i] for i in axis])


@defop("Sum", samples=_samples, batchable=True, reference=_reference(np.sum),
       dtypes=NUMERIC)
class _Sum:
    def fwd(xp, x, *, axis, keepdims):
        out = x.sum(axis=axis, keepdims=keepdims)  # the method: np.sum's wrapper costs 1 µs
        return _as(out, x.dtype)  # int8 sums wrap in int8, as TF's

    def vjp_x(g, x_shape, *, axis, keepdims):  # d sum = ones, spread back
        return _spread(g, x_shape, axis, keepdims)

    def jvp(dx, *, axis, keepdims):
        return _Sum(dx, axis=axis, keepdims=keepdims)


_SUM_DIVIDE = frozenset(np.dtype(n) for n in ("float32", "float64", "complex64", "complex128"))


@defop("Mean", samples=_samples, batchable=True, reference=_reference(np.mean), dtypes=NUMERIC)
class _Mean:
    def fwd(xp, x, *, axis, keepdims):
        if x.dtype.kind in "iu":  # TF: integer mean truncates
            return (xp.sum(x, axis=axis, keepdims=keepdims) //
                    max(_count(x.shape, axis), 1)).astype(x.dtype, copy=False)
        if x.dtype in _SUM_DIVIDE and x.size:
            # np.mean's own steps (a sum, then a division by an intp count, in
            # double for float32, rounded back): its Python wrapper cost 2.5 us.
            total = x.sum(axis=axis, keepdims=keepdims)
            n = _count(x.shape, axis)
            if type(total) is not np.ndarray and x.dtype.kind == "f":
                # A whole mean: the same double division in Python floats (NumPy's
                # scalar-by-intp division costs 1.3 µs, the scalar's astype 0.5).
                return x.dtype.type(float(total) / n)
            return (total / np.intp(n)).astype(x.dtype, copy=False)
        return _as(x.mean(axis=axis, keepdims=keepdims), x.dtype)

    def vjp_x(g, x_shape, *, axis, keepdims):  # d mean = 1/n, spread back
        # Divided before spreading: the same values, on the smaller array.
        return _spread(g / _count(x_shape, axis), x_shape, axis, keepdims)

    def jvp(dx, *, axis, keepdims):
        return _Mean(dx, axis=axis, keepdims=keepdims)


def _extreme_vjp(g: Any, x: Any, out: Any, axis: Any, keepdims: bool) -> Tensor:
    """TF's rule for max/min: the gradient is shared equally among ties."""
    kept = out if keepdims else shape_ops.reshape(out, _kept_shape(x._value.shape, axis))
    hits = arith.cast(arith.equal(x, kept), x._value.dtype)
    share = _Sum(hits, axis=axis, keepdims=True)
    return _spread(g, x._value.shape, axis, keepdims) * hits / share


def _extreme_jvp(dx: Any, x: Any, out: Any, axis: Any, keepdims: bool) -> Tensor:
    kept = out if keepdims else shape_ops.reshape(out, _kept_shape(x._value.shape, axis))
    hits = arith.cast(arith.equal(x, kept), x._value.dtype)
    return _Sum(dx * hits, axis=axis, keepdims=keepdims) / _Sum(hits, axis=axis,
                                                                 keepdims=keepdims)


def _extreme(name: str, reduce: str) -> Any:
    """Max and Min: one declaration, the NumPy reduction differing."""
    @defop(name, samples=_samples(), batchable=True, reference=_reference(getattr(np, reduce)),
           dtypes=REAL)
    class _Extreme:
        def fwd(xp, x, *, axis, keepdims):
            if not x.size:  # TF: over nothing, the reduction's identity (NumPy raises)
                lo, hi = (-np.inf, np.inf) if x.dtype.kind == "f" else (
                    np.iinfo(x.dtype).min, np.iinfo(x.dtype).max)
                return getattr(xp, reduce)(x, axis=axis, keepdims=keepdims,
                                           initial=lo if reduce == "max" else hi)
            return getattr(xp, reduce)(x, axis=axis, keepdims=keepdims)

        def vjp_x(g, x, out, *, axis, keepdims):  # 1 at the extreme element (ties share)
            return _extreme_vjp(g, x, out, axis, keepdims)

        def jvp(dx, x, out, *, axis, keepdims):
            return _extreme_jvp(dx, x, out, axis, keepdims)

    return _Extreme


_Max = _extreme("Max", "max")
_Min = _extreme("Min", "min")


def _others_product(x: Any, axis: Any) -> Tensor:
    """prod of the other reduced elements: exact at zeros, to every order.

    d prod(x)/dx_i = prod_{j != i} x_j = (product of the elements before x_i)
    * (product of those after it), along the reduced axes flattened into one.
    No division (zeros are fine) and no mask built from ``x == 0`` (a mask is
    constant in x, so nested tapes would lose the second derivative at zeros).
    """
    shape = x._value.shape
    reduced = tuple(range(len(shape))) if axis is None else axis
    perm = tuple(i for i in range(len(shape)) if i not in reduced) + reduced
    n = _count(shape, axis)
    if n == 0:
        return arith.ones_like(x)
    moved = x if perm == tuple(sorted(perm)) else shape_ops._transpose(x, perm=perm)
    flat = shape_ops.reshape(moved, moved._value.shape[:len(shape) - len(reduced)] + (n,))
    others = _exclusive_cumprod(flat, n, False) * _exclusive_cumprod(flat, n, True)
    others = shape_ops.reshape(others, moved._value.shape)
    if moved is x:
        return others
    return shape_ops._transpose(others, perm=tuple(int(i) for i in np.argsort(perm)))


def _shift(y: Tensor, k: int, n: int, reverse: bool) -> Tensor:
    """``y`` moved ``k`` places along its last axis (back if ``reverse``), ones filling in."""
    last = y._value.ndim - 1
    ones = arith.ones_like(shape_ops.slice_key(y, (Ellipsis, slice(0, k))))
    if reverse:
        return shape_ops.concat([shape_ops.slice_key(y, (Ellipsis, slice(k, n))), ones],
                                axis=last)
    return shape_ops.concat([ones, shape_ops.slice_key(y, (Ellipsis, slice(0, n - k)))],
                            axis=last)


def _exclusive_cumprod(y: Tensor, n: int, reverse: bool) -> Tensor:
    """Products of the elements before each one on the last axis (after it if ``reverse``).

    A log-depth scan (c_i *= c_{i-k} for k = 1, 2, 4, ...) in differentiable
    ops, so its derivatives of every order come from those ops' rules.
    """
    c = _shift(y, 1, n, reverse)
    k = 1
    while k < n:
        c = c * _shift(c, k, n, reverse)
        k *= 2
    return c


@defop("Prod", batchable=True, samples=lambda: _samples(0.5, 1.5) + [
        Sample(np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]]),
               params={"axis": (1,), "keepdims": False}),
        Sample(np.array([[[0.0, 1.2], [0.7, -1.1], [2.0, 0.0]],
                         [[0.9, 1.3], [0.0, 0.0], [-0.6, 1.4]]]),
               params={"axis": (0, 2), "keepdims": True}),
        Sample(np.array([[1.5, -0.8, 0.0], [1.1, 2.0, -1.3]]),
               params={"axis": None, "keepdims": False})], dtypes=NUMERIC,
       reference=_reference(np.prod))
class _Prod:
    def fwd(xp, x, *, axis, keepdims):
        return _as(xp.prod(x, axis=axis, keepdims=keepdims), x.dtype)

    def vjp_x(g, x, *, axis, keepdims):  # d prod / dx_i = prod of the others
        return _spread(g, x._value.shape, axis, keepdims) * _others_product(x, axis)

    def jvp(dx, x, *, axis, keepdims):
        return _Sum(dx * _others_product(x, axis), axis=axis, keepdims=keepdims)


def normalize_axis(op_name: str, axis: Any, ndim: int, x: Any = None) -> tuple | None:
    """TF's axis argument (None, int, list, tensor; negatives count from the end).

    ``x``, when given, is named (shape and dtype) in the error for a bad axis.
    """
    if axis is None:
        return None
    if isinstance(axis, Tensor) or hasattr(axis, "_read_for_op"):
        axis = convert_to_tensor(axis).numpy().tolist()
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:  # TF: a scalar has no axis 0 either
            where = "" if x is None else f" (inputs: {describe([x])})"
            raise invalid_argument(
                op_name, f"Invalid reduction dimension ({a} for input with {ndim} "
                f"dimension(s){where}")
        a = a % ndim if ndim else 0
        if a in out:
            raise invalid_argument(op_name, "Invalid reduction arguments: Axes contains "
                                   f"duplicate dimension: {a}")
        out.append(a)
    if ndim == 0:
        return None
    return tuple(sorted(out))


def _reducer(run: Any, op_name: str) -> Any:
    def reduce(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
        if axis is None and type(input_tensor) is Tensor:  # the whole tensor: no checks due
            return run(input_tensor, axis=None, keepdims=bool(keepdims))
        x = arith._read(input_tensor)
        if not isinstance(x, Tensor):
            x = convert_to_tensor(x)
        return run(x, axis=normalize_axis(op_name, axis, x._value.ndim, x),
                   keepdims=bool(keepdims))
    return reduce


reduce_sum = _reducer(_Sum, "Sum")
reduce_sum.__doc__ = """Sum over ``axis`` (all axes when None).

>>> import tapeflow as tf
>>> tf.reduce_sum([[1.0, 2.0], [3.0, 4.0]], axis=0).numpy()
array([4., 6.], dtype=float32)
"""
reduce_mean = _reducer(_Mean, "Mean")
reduce_mean.__doc__ = """Mean over ``axis``; integer inputs give a truncated integer mean.

>>> import tapeflow as tf
>>> float(tf.reduce_mean([1.0, 2.0]))
1.5
"""
reduce_max = _reducer(_Max, "Max")
reduce_max.__doc__ = """Maximum over ``axis``; the gradient is shared among ties.

>>> import tapeflow as tf
>>> float(tf.reduce_max([1.0, 3.0]))
3.0
"""
reduce_min = _reducer(_Min, "Min")
reduce_min.__doc__ = """Minimum over ``axis``; the gradient is shared among ties.

>>> import tapeflow as tf
>>> float(tf.reduce_min([1.0, 3.0]))
1.0
"""
reduce_prod = _reducer(_Prod, "Prod")
reduce_prod.__doc__ = """Product over ``axis``; its gradient is exact at zeros.

>>> import tapeflow as tf
>>> float(tf.reduce_prod([2.0, 3.0]))
6.0
"""


def sum_to_shape(g: Tensor, shape: tuple, batch_axes: int = 0) -> Tensor:
    """Undo broadcasting: sum ``g`` down to ``shape`` (the one place this happens).

    The first ``batch_axes`` axes of ``g`` (a Jacobian's stacked rows) are
    kept; the rest is aligned with ``shape`` from the right, as NumPy
    broadcasting aligns it.
    """
    gshape = g._value.shape
    front = gshape[:batch_axes]
    want = front + tuple(shape)
    if gshape == want:
        return g
    lead = len(gshape) - len(want)
    start = batch_axes + lead
    axes = tuple(range(batch_axes, start)) + tuple(
        start + i for i, d in enumerate(shape) if d == 1 and gshape[start + i] != 1)
    if axes:
        g = _Sum(g, axis=axes, keepdims=False)
    if g._value.shape != want:
        g = shape_ops.reshape(g, want)
    return g
