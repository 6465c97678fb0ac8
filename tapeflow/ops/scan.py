"""Scans and the reductions beyond reduction.py.

* ``Cumsum`` (linear: its transpose is the cumsum the other way) and
  ``Cumprod``, whose rules are exact at zeros: no division by ``x``, but
  log-depth linear recurrences (``s_i = b_i + a_i s_{i-1}``) built from
  differentiable ops, so every order of derivative comes from their rules.
* ``reduce_logsumexp``, ``reduce_variance`` and ``reduce_std``: TF composes
  these in Python; here each is one op with its own rules (one tape record,
  one table entry).  Their names (``ReduceLogSumExp`` ...) are ours; their
  errors name the op TF's composite would fail in (``Max``, ``Mean``).
* ``l2_normalize``: also one op (``L2Normalize``, ours), with the gradient
  of TF's composite, floor included: ``1 / sqrt(epsilon)`` at 0.
* ``reduce_any``/``reduce_all`` (no gradient) and ``count_nonzero`` (a
  composite, as in TF).  argmax, argmin and top_k are in ranking.py.

TF's conventions (pinned in tests/test_math_more.py): ``reduce_std`` of a
constant has a NaN gradient (``sqrt'(0) * 0``); logsumexp subtracts the
finite maximum.  One deliberate difference: TF's cumprod gradient divides by
``x`` (``div_no_nan``: wrong where ``x`` is 0) and forgets to conjugate
complex inputs; ours is exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dispatch import dtype_error, word
from tapeflow.core.errors import invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith, complex_ops, reduction, shape_ops
from tapeflow.ops.declare import (
    BOOL,
    FLOAT,
    NUMERIC,
    REAL_FLOAT,
    composite,
    defop,
    linear,
    nondiff,
)
from tapeflow.ops.reduction import _count, _kept_shape, _spread, _Sum, normalize_axis
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["cumsum", "cumprod", "reduce_logsumexp", "reduce_variance", "reduce_std",
           "reduce_any", "reduce_all", "count_nonzero", "l2_normalize"]

_as_tensor = shape_ops._as_tensor


# -- scans: forward and reference --------------------------------------------------------------
def _scan_fwd(xp: Any, x: Any, accumulate: Any, fill: int, axis: int, exclusive: bool,
              reverse: bool) -> Any:
    y = xp.flip(x, axis) if reverse else x
    out = accumulate(y, axis=axis, dtype=x.dtype)  # dtype: NumPy widens int32 sums
    if exclusive and x.shape[axis]:
        pad = [(0, 0)] * x.ndim
        pad[axis] = (1, 0)
        head = (slice(None),) * axis + (slice(0, x.shape[axis] - 1),)
        out = xp.pad(out[head], pad, constant_values=fill)
    return xp.flip(out, axis) if reverse else out


def _scan_reference(x: Any, axis: int, exclusive: bool, reverse: bool, product: bool) -> Any:
    """out_i combines the x_j with j <= i (j < i if exclusive; j >= i, j > i if reverse)."""
    n = x.shape[axis]
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    take = (j >= i if reverse else j <= i) & ((j != i) | (not exclusive))  # (i, j)
    moved = np.moveaxis(x, axis, -1)[..., None, :]  # (..., 1, j)
    if product:
        out = np.prod(np.where(take, moved, 1), axis=-1)
    else:
        out = np.sum(np.where(take, moved, 0), axis=-1)
    return np.moveaxis(out.astype(x.dtype), -1, axis)


def _scan_samples(low: float, high: float) -> list[Sample]:
    out = []
    for exclusive in (False, True):
        for reverse in (False, True):
            out.append(Sample(rand((2, 4), low, high),
                              params={"axis": 1, "exclusive": exclusive, "reverse": reverse}))
    out.append(Sample(rand((3, 2), low, high),
                      params={"axis": 0, "exclusive": True, "reverse": False}))
    out.append(Sample(rand((5,), low, high),
                      params={"axis": 0, "exclusive": False, "reverse": True}))
    return out


def _cumsum_transpose(g, x_shape, *, axis, exclusive, reverse):
    # d cumsum = cumsum(dx); its transpose sums the other way round
    return _cumsum(g, axis=axis + len(shape_ops.lead(g, len(x_shape))), exclusive=exclusive,
                   reverse=not reverse)


_cumsum = linear(
    "Cumsum", lambda xp, x, *, axis, exclusive, reverse: _scan_fwd(
        xp, x, xp.cumsum, 0, axis, exclusive, reverse),
    _cumsum_transpose, dtypes=NUMERIC, params=True,
    samples=lambda: _scan_samples(-2.0, 2.0) + [
        Sample(rand((2, 3)) + 1j * rand((2, 3)),
               params={"axis": 1, "exclusive": True, "reverse": True})],
    batchable=True,
    reference=lambda x, axis, exclusive, reverse: _scan_reference(
        x, axis, exclusive, reverse, product=False))


# -- Cumprod: exact rules through linear recurrences -------------------------------------------
def _pull(y: Tensor, k: int, axis: int, from_after: bool) -> Tensor:
    """``y`` moved ``k`` places along ``axis`` (< 0), zeros filling in.

    ``from_after``: element i becomes y_{i+k}; else y_{i-k}.  ``axis``
    counts from the end, so a cotangent's leading batch axes do not move it.
    """
    n = y._value.shape[axis]
    k = min(k, n)
    rest = (slice(None),) * (-axis - 1)
    kept = shape_ops.slice_key(y, (Ellipsis, slice(k, n) if from_after else slice(0, n - k),
                                   *rest))
    zeros = arith.zeros_like(shape_ops.slice_key(y, (Ellipsis, slice(0, k), *rest)))
    return shape_ops.concat([kept, zeros] if from_after else [zeros, kept], axis=axis)


def _linear_scan(b: Tensor, a: Tensor, axis: int, from_after: bool) -> Tensor:
    """s with s_i = b_i + a_i s_{i-1} (s_{i+1} if ``from_after``), zero beyond the ends.

    Log depth: after each round s_i = b_i + a_i s_{i-k}, and the round
    substitutes s_{i-k} by its own form, doubling k.
    """
    n = a._value.shape[axis]
    k = 1
    while k < n:
        b = b + a * _pull(b, k, axis, from_after)
        if 2 * k < n:
            a = a * _pull(a, k, axis, from_after)
        k *= 2
    return b


def _cumprod_zeros_samples() -> list[Sample]:
    x = np.array([[1.5, 0.0, -0.7, 1.2, 0.0], [0.8, -1.1, 0.0, 0.9, 1.3]])
    return [Sample(x, params={"axis": 1, "exclusive": e, "reverse": r})
            for e in (False, True) for r in (False, True)]


def _cumprod_complex_samples() -> list[Sample]:
    z = rand((2, 3), 0.5, 1.5) * np.exp(1j * rand((2, 3), -3.0, 3.0))
    return [Sample(z, params={"axis": 1, "exclusive": False, "reverse": False}),
            Sample(z, params={"axis": 0, "exclusive": True, "reverse": True})]


@defop("Cumprod", samples=lambda: _scan_samples(0.5, 1.5) + _cumprod_zeros_samples()
       + _cumprod_complex_samples(), dtypes=NUMERIC, batchable=True,
       reference=lambda x, axis, exclusive, reverse: _scan_reference(
           x, axis, exclusive, reverse, product=True))
class _Cumprod:
    def fwd(xp, x, *, axis, exclusive, reverse):
        return _scan_fwd(xp, x, xp.cumprod, 1, axis, exclusive, reverse)

    def vjp_x(g, x, *, axis, exclusive, reverse):
        # out_i = prod_{k <= i} x_k: d out_i / d x_j = E_j prod_{j < k <= i} x_k for j <= i,
        # E_j = prod_{k < j} x_k.  So grad_j = conj(E_j) t_j with the recurrence
        # t_j = g_j + conj(x_{j+1}) t_{j+1} (exclusive: g_{j+1} for g_j), scanned backwards.
        ax = axis - x._value.ndim
        xc = arith.conj(x) if x._value.dtype.kind == "c" else x
        before = _Cumprod(xc, axis=axis, exclusive=True, reverse=reverse)
        later = not reverse
        b = _pull(g, 1, ax, later) if exclusive else g
        return before * _linear_scan(b, _pull(xc, 1, ax, later), ax, later)

    def jvp(dx, x, *, axis, exclusive, reverse):
        # d out_i = sum_{j <= i} E_j dx_j prod_{j < k <= i} x_k: r_i = E_i dx_i + x_i r_{i-1}
        ax = axis - x._value.ndim
        c = _Cumprod(x, axis=axis, exclusive=True, reverse=reverse) * dx
        if exclusive:  # r_i = c_{i-1} + x_{i-1} r_{i-1}
            return _linear_scan(_pull(c, 1, ax, reverse), _pull(x, 1, ax, reverse), ax,
                                reverse)
        return _linear_scan(c, x, ax, reverse)


def _scan_axis(op_name: str, x: Tensor, axis: Any) -> int:
    if isinstance(axis, Tensor) or hasattr(axis, "_read_for_op"):
        axis = convert_to_tensor(axis).numpy()
    axis = int(axis)
    nd = x._value.ndim
    if not -nd <= axis < nd:
        raise invalid_argument(op_name, f"ScanOp: Expected scan axis in the range [{-nd}, "
                               f"{nd}), but got {axis}")
    return axis % nd


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
           name: str | None = None) -> Tensor:
    """Cumulative sum along ``axis``; ``exclusive`` leaves each element out, ``reverse``
    sums from the end.

    >>> import tapeflow as tf
    >>> tf.math.cumsum([1, 2, 3], exclusive=True).numpy()
    array([0, 1, 3], dtype=int32)
    """
    t = _as_tensor(x)
    return _cumsum(t, axis=_scan_axis("Cumsum", t, axis), exclusive=bool(exclusive),
                   reverse=bool(reverse))


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
            name: str | None = None) -> Tensor:
    """Cumulative product along ``axis`` (``exclusive``, ``reverse`` as in cumsum).

    The gradient is exact where elements are 0 (TF's divides by them).

    >>> import tapeflow as tf
    >>> tf.math.cumprod([2.0, 3.0, 4.0], reverse=True).numpy()
    array([24., 12.,  4.], dtype=float32)
    """
    t = _as_tensor(x)
    return _Cumprod(t, axis=_scan_axis("Cumprod", t, axis), exclusive=bool(exclusive),
                    reverse=bool(reverse))


# -- logsumexp, variance, std ------------------------------------------------------------------
def _reduce_samples(nonconstant: bool = False) -> list[Sample]:
    """reduction.py's samples; ``nonconstant``: the scalar one without derivative checks
    (std is 0 there, where TF's gradient is NaN)."""
    return [Sample(*s.args, params=s.params, grad=not nonconstant or bool(np.ndim(s.args[0])))
            for s in reduction._samples()]


def _kept(out: Tensor, x_shape: tuple, axis: Any, keepdims: bool) -> Tensor:
    return out if keepdims else shape_ops.reshape(out, _kept_shape(x_shape, axis))


def _logsumexp_fwd(xp: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    # TF's composite: subtract the (finite) maximum, so exp never overflows.
    top = xp.max(x, axis=axis, keepdims=True, initial=-np.inf)
    top = xp.where(xp.isfinite(top), top, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        out = xp.log(xp.sum(xp.exp(x - top), axis=axis, keepdims=keepdims))
    return (out + (top if keepdims else top.reshape(out.shape))).astype(x.dtype)


def _logsumexp_reference(x: Any, axis: Any, keepdims: bool) -> Any:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _softmax(x: Tensor, axis: Any) -> Tensor:
    """exp(x - logsumexp(x)) over ``axis``, shifted by the finite maximum (a constant:
    softmax does not depend on it), so values near a large maximum keep their precision."""
    top = np.max(x._value, axis=axis, keepdims=True, initial=-np.inf)
    top = wrap(np.where(np.isfinite(top), top, 0).astype(x._value.dtype))
    e = arith.exp(x - top)
    return e / _Sum(e, axis=axis, keepdims=True)


@defop("ReduceLogSumExp", dtypes=REAL_FLOAT, batchable=True, reference=_logsumexp_reference,
       samples=lambda: _reduce_samples() + [
           Sample(np.array([[700.0, 701.0, -np.inf], [-3.0, -np.inf, 2.0]]),
                  params={"axis": (1,), "keepdims": False}, ref=lambda x, axis, keepdims:
                  np.array([701 + np.log1p(np.exp(-1.0)), 2 + np.log1p(np.exp(-5.0))]))])
class _LogSumExp:
    fwd = _logsumexp_fwd

    def vjp_x(g, x, *, axis, keepdims):  # d logsumexp = softmax
        return _spread(g, x._value.shape, axis, keepdims) * _softmax(x, axis)

    def jvp(dx, x, *, axis, keepdims):
        return _Sum(dx * _softmax(x, axis), axis=axis, keepdims=keepdims)


def _size(x_shape: tuple, axis: Any) -> int:
    """Elements per reduced group (1 for an empty input, whose gradient is empty anyway)."""
    return max(_count(x_shape, axis), 1)


def _deviation(x: Tensor, axis: Any) -> Tensor:
    return x - reduction._Mean(x, axis=axis, keepdims=True)


def _squared_norm(d: Any) -> Any:
    return d.real * d.real + d.imag * d.imag if d.dtype.kind == "c" else d * d


def _variance_fwd(xp: Any, x: Any, *, axis: Any, keepdims: bool) -> Any:
    dev = x - xp.mean(x, axis=axis, keepdims=True).astype(x.dtype)
    sq = _squared_norm(dev)
    return xp.mean(sq, axis=axis, keepdims=keepdims).astype(sq.dtype)


def _var_reference(x: Any, axis: Any, keepdims: bool) -> Any:
    return np.var(x, axis=axis, keepdims=keepdims)


def _real_dot(d: Tensor, dx: Tensor) -> Tensor:
    """Re(conj(d) dx), elementwise."""
    if d._value.dtype.kind != "c":
        return d * dx
    return complex_ops.real(arith.conj(d) * dx)


def _like(factor: Tensor, x: Tensor) -> Tensor:
    """A real factor in ``x``'s (complex) dtype, so it can multiply x."""
    return factor if factor._value.dtype == x._value.dtype else arith.cast(factor, x.dtype)


def _complex_samples() -> list[Sample]:
    z = rand((2, 3)) + 1j * rand((2, 3))
    return [Sample(z, params={"axis": (1,), "keepdims": False}),
            Sample(z, params={"axis": None, "keepdims": True})]


@defop("ReduceVariance", dtypes=FLOAT, batchable=True, reference=_var_reference,
       samples=lambda: _reduce_samples() + _complex_samples())
class _Variance:
    fwd = _variance_fwd

    def vjp_x(g, x, *, axis, keepdims):  # d mean(|x - m|^2) = 2 Re(conj(x - m) dx) / n
        shape = x._value.shape
        scale = _spread(g, shape, axis, keepdims) * (2.0 / _size(shape, axis))
        return _like(scale, x) * _deviation(x, axis)

    def jvp(dx, x, *, axis, keepdims):
        n = _size(x._value.shape, axis)
        return _Sum(_real_dot(_deviation(x, axis), dx), axis=axis, keepdims=keepdims) * (2.0 / n)


@defop("ReduceStd", dtypes=FLOAT, batchable=True,
       samples=lambda: _reduce_samples(nonconstant=True) + _complex_samples(),
       reference=lambda x, axis, keepdims: np.std(x, axis=axis, keepdims=keepdims))
class _Std:
    def fwd(xp, x, *, axis, keepdims):
        return xp.sqrt(_variance_fwd(xp, x, axis=axis, keepdims=keepdims))

    def vjp_x(g, x, out, *, axis, keepdims):  # d sqrt(var) = Re(conj(x - m) dx) / (n std)
        shape = x._value.shape
        scale = _spread(g / out, shape, axis, keepdims) * (1.0 / _size(shape, axis))
        return _like(scale, x) * _deviation(x, axis)

    def jvp(dx, x, out, *, axis, keepdims):
        n = _size(x._value.shape, axis)
        total = _Sum(_real_dot(_deviation(x, axis), dx), axis=axis, keepdims=keepdims)
        return total / (out * n)


def _refuse(op_name: str, dt: np.dtype, allowed: str) -> Exception:
    return invalid_argument(op_name, f"Value for attr 'T' of {word(dt)} is not in the list of "
                            f"allowed values: {allowed}")


_MAX_TYPES = ("float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
              "uint64, qint8, quint8, qint32, qint16, quint16")
_MEAN_TYPES = ("float, double, int32, uint8, int16, int8, complex64, int64, qint8, quint8, "
               "qint32, bfloat16, qint16, quint16, uint16, complex128, half, uint32, uint64")


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                     name: str | None = None) -> Tensor:
    """log(sum(exp(input_tensor))) over ``axis``, computed stably (the maximum is
    subtracted first); the gradient is the softmax over ``axis``.

    >>> import tapeflow as tf
    >>> round(float(tf.reduce_logsumexp([100.0, 100.0])), 3)
    100.693
    """
    x = _as_tensor(input_tensor)
    dt = x._value.dtype
    axes = normalize_axis("Max", axis, x._value.ndim, x)
    if dt.kind in "iu":  # TF's composite fails in IsFinite, after Max
        raise _refuse("IsFinite", dt, "bfloat16, half, float, double")
    if dt.kind != "f":
        raise _refuse("Max", dt, _MAX_TYPES)
    return _LogSumExp(x, axis=axes, keepdims=bool(keepdims))


def _moment_input(input_tensor: Any, axis: Any) -> tuple[Tensor, Any]:
    x = _as_tensor(input_tensor)
    dt = x._value.dtype
    if dt.kind in "iu":
        raise TypeError(f"Input must be either real or complex. Received integer type "
                        f"{x.dtype}.")
    if dt.kind not in "fc":
        raise _refuse("Mean", dt, _MEAN_TYPES)
    return x, normalize_axis("Mean", axis, x._value.ndim, x)


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                    name: str | None = None) -> Tensor:
    """Mean of ``|x - mean(x)|^2`` over ``axis`` (real for complex inputs).

    >>> import tapeflow as tf
    >>> float(tf.math.reduce_variance([1.0, 2.0, 3.0, 4.0]))
    1.25
    """
    x, axes = _moment_input(input_tensor, axis)
    return _Variance(x, axis=axes, keepdims=bool(keepdims))


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
    """Standard deviation over ``axis``; its gradient is NaN where it is 0, as in TF.

    >>> import tapeflow as tf
    >>> float(tf.math.reduce_std([1.0, 3.0]))
    1.0
    """
    x, axes = _moment_input(input_tensor, axis)
    return _Std(x, axis=axes, keepdims=bool(keepdims))


def _euclidean_reference(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axis = None if axis is None else tuple(np.atleast_1d(axis))
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


@composite(samples=lambda:
               [Sample(composite_rand((2, 3)) + 0.5, params={"axis": 1}),
                Sample(composite_rand((3,)) + 0.5),
                Sample(composite_rand((2, 3)) + 0.5, params={"axis": 0, "keepdims": True})],
           reference=_euclidean_reference)
def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None) -> Tensor:
    """sqrt(sum |x|^2) over ``axis``; integers give the truncated integer root and the
    gradient is NaN where the norm is 0, as in TF.

    >>> import tapeflow as tf
    >>> tf.math.reduce_euclidean_norm([[3.0, 4.0], [0.0, 0.0]], axis=1).numpy()
    array([5., 0.], dtype=float32)
    """
    x = arith._read(input_tensor)
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    dt = x._value.dtype
    if dt.kind not in "iufc":
        raise invalid_argument("EuclideanNorm", f"Value for attr 'T' of {word(dt)} is not in the "
                               f"list of allowed values: float, double, int32, uint8, int16, "
                               f"int8, complex64, int64, bfloat16, uint16, complex128, half, "
                               f"uint32, uint64")
    axes = normalize_axis("EuclideanNorm", axis, x._value.ndim, x)
    if dt.kind in "iu":  # TF: the root of the integer sum, truncated back to the dtype
        wide = arith.cast(x, "float64")
        total = reduction.reduce_sum(wide * wide, axis=axes, keepdims=bool(keepdims))
        return arith.cast(arith.sqrt(total), dt)
    squares = x * arith.conj(x) if dt.kind == "c" else x * x
    return arith.sqrt(reduction.reduce_sum(squares, axis=axes, keepdims=bool(keepdims)))


# -- any / all ---------------------------------------------------------------------------------
def _bool_samples() -> list[Sample]:
    x = np.array([[True, False, True], [False, False, False]])
    return [Sample(x, params={"axis": (1,), "keepdims": False}),
            Sample(x, params={"axis": None, "keepdims": True}),
            Sample(np.ones((2, 0), bool), params={"axis": (1,), "keepdims": False})]


_any = nondiff("Any", lambda xp, x, *, axis, keepdims: xp.any(x, axis=axis, keepdims=keepdims),
               samples=_bool_samples, dtypes=BOOL, n_in=1, params=True,
               reference=lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims))
_all = nondiff("All", lambda xp, x, *, axis, keepdims: xp.all(x, axis=axis, keepdims=keepdims),
               samples=_bool_samples, dtypes=BOOL, n_in=1, params=True,
               reference=lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims))


def _logical_reducer(run: Any, public_name: str, doc: str) -> Any:
    def reduce(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
        x = arith._read(input_tensor)
        if isinstance(x, Tensor):
            if x._value.dtype != np.bool_:
                raise dtype_error(run.op, 0, np.dtype(bool), x._value.dtype)
        else:
            x = convert_to_tensor(x, dtype="bool")  # TF: lists of numbers are refused
        axes = normalize_axis(run.op.name, axis, x._value.ndim, x)
        return run(x, axis=axes, keepdims=bool(keepdims))
    reduce.__doc__ = doc
    reduce.__name__ = reduce.__qualname__ = public_name
    return reduce


reduce_any = _logical_reducer(
    _any, "reduce_any", """Logical or over ``axis`` (False for an empty axis).

>>> import tapeflow as tf
>>> tf.reduce_any([[True, False], [False, False]], axis=1).numpy()
array([ True, False])
""")
reduce_all = _logical_reducer(
    _all, "reduce_all", """Logical and over ``axis`` (True for an empty axis).

>>> import tapeflow as tf
>>> tf.reduce_all([[True, False], [True, True]], axis=1).numpy()
array([False,  True])
""")


# -- count_nonzero: a composite, as in TF ------------------------------------------------------
def _count_nonzero_reference(input: Any, axis: Any = None, keepdims: Any = None,
                             dtype: Any = "int64") -> Any:
    return np.count_nonzero(input, axis=axis, keepdims=bool(keepdims)).astype(dtype)


# An integer result: the float sample's derivative checks see zeros (no gradient).
@composite(samples=lambda: [Sample(composite_rand((2, 4)) * np.array([1.0, 0.0, 1.0, 0.0]),
                                   params={"axis": 1}),
                            Sample(np.array([[0, 3, 0], [2, -1, 0]], np.int32),
                                   params={"axis": 0, "keepdims": True, "dtype": "int32"})],
           reference=_count_nonzero_reference)
def count_nonzero(input: Any, axis: Any = None, keepdims: Any = None, dtype: Any = "int64",
                  name: str | None = None) -> Tensor:
    """Number of elements that are not zero (not False, not "") over ``axis``.

    NaN counts as non-zero.  No gradient.

    >>> import tapeflow as tf
    >>> tf.math.count_nonzero([[0.0, 1.0], [2.0, 0.0]], axis=1).numpy()
    array([1, 1])
    """
    x = _as_tensor(input)
    kind = x._value.dtype.kind
    zero = "" if kind in "OSU" else np.zeros((), x._value.dtype)
    nonzero = arith.cast(arith.not_equal(x, convert_to_tensor(zero, dtype=x.dtype)), "int64")
    return arith.cast(reduction.reduce_sum(nonzero, axis=axis, keepdims=bool(keepdims)), dtype)


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """The fraction of ``value``'s elements that are zero, as float32 (NaN when empty), as
    TF computes it: ``1 - nonzero / size``.  No gradient.

    >>> import tapeflow as tf
    >>> float(tf.math.zero_fraction([0.0, 1.0, 0.0, 2.0]))
    0.5
    """
    x = _as_tensor(value)
    nonzero = arith.cast(count_nonzero(x), "float32")
    size = convert_to_tensor(np.float32(x._value.size))
    return convert_to_tensor(np.float32(1.0)) - nonzero / size  # empty: 0 / 0, NaN as in TF


# -- l2_normalize ------------------------------------------------------------------------------
def _negative_axes(axis: Any, ndim: int) -> tuple:
    """``axis`` counted from the end, so a cotangent's leading batch axes do not move it."""
    return tuple(a - ndim for a in (range(ndim) if axis is None else axis))


def _sum_of_squares(x: Tensor, axis: Any) -> tuple[Tensor, tuple]:
    """sum |x|^2 over ``axis`` (kept), and those axes counted from the end."""
    axes = _negative_axes(axis, x._value.ndim)
    return reduction.reduce_sum(_real_dot(x, x), axis=axes, keepdims=True), axes


def _l2_normalize_fwd(xp: Any, x: Any, *, axis: Any, epsilon: float) -> Any:
    squares = _squared_norm(x)
    total = xp.sum(squares, axis=axis, keepdims=True)
    floor = xp.asarray(epsilon, squares.dtype)  # float16 rounds 1e-12 to 0, as TF's cast
    return (x * (1 / xp.sqrt(xp.maximum(total, floor))).astype(squares.dtype)).astype(x.dtype)


def _l2_samples() -> list[Sample]:
    return [Sample(rand((2, 3)), params={"axis": (1,), "epsilon": 1e-12}),
            Sample(rand((2, 3)), params={"axis": None, "epsilon": 1e-12}),
            Sample(rand((2, 3, 2)), params={"axis": (0, 2), "epsilon": 1e-12}),
            Sample(rand((4,), -0.1, 0.1), params={"axis": (0,), "epsilon": 0.5}),  # floored
            Sample(np.zeros((3,)), params={"axis": (0,), "epsilon": 1e-12}),
            Sample(rand((2, 3)) + 1j * rand((2, 3)), params={"axis": (1,), "epsilon": 1e-12})]


def _l2_reference(x: Any, axis: Any, epsilon: float) -> Any:
    norm2 = np.sum(np.abs(x) ** 2, axis=axis, keepdims=True)
    return x / np.sqrt(np.maximum(norm2, epsilon))


@defop("L2Normalize", dtypes=FLOAT, batchable=True, samples=_l2_samples,
       reference=_l2_reference)
class _L2Normalize:
    fwd = _l2_normalize_fwd

    def vjp_x(g, x, *, axis, epsilon):
        # y = x r, r = rsqrt(max(s, eps)), s = sum |x|^2.  dr = -r^3 Re(sum conj(x) dx) where
        # s >= eps (maximum's gradient goes to s on ties, as in TF's composite), else 0:
        # grad = r g - r^3 [s >= eps] Re(sum conj(g) x) x.
        s, axes = _sum_of_squares(x, axis)
        r = arith.rsqrt(arith.maximum(s, epsilon))
        live = arith.cast(arith.greater_equal(s, epsilon), s.dtype)
        along = reduction.reduce_sum(_real_dot(g, x), axis=axes, keepdims=True)
        return g * _like(r, x) - x * _like(r * r * r * live * along, x)

    def jvp(dx, x, *, axis, epsilon):
        s, axes = _sum_of_squares(x, axis)
        r = arith.rsqrt(arith.maximum(s, epsilon))
        live = arith.cast(arith.greater_equal(s, epsilon), s.dtype)
        along = reduction.reduce_sum(_real_dot(x, dx), axis=axes, keepdims=True)
        return dx * _like(r, x) - x * _like(r * r * r * live * along, x)


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None,
                 dim: Any = None) -> Tensor:
    """``x / sqrt(max(sum(|x|^2, axis), epsilon))`` (``dim``: the old name of ``axis``).

    At ``x = 0`` the value is 0 and the gradient ``1 / sqrt(epsilon)``, as in TF.

    >>> import tapeflow as tf
    >>> tf.math.l2_normalize([3.0, 4.0]).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    t = _as_tensor(x)
    if dim is not None:
        axis = dim
    convert_to_tensor(epsilon, dtype=t.dtype)  # TF: an integer x fails converting epsilon
    axes = normalize_axis("Sum", axis, t._value.ndim, t)
    return _L2Normalize(t, axis=axes, epsilon=float(epsilon))
