"""cumulative_logsumexp: ``log(cumsum(exp(x)))``, computed stably.

TF's kernel scans with the pairwise ``lse(a, b) = log1p(exp(min - max)) + max``
(``-inf`` when both are ``-inf``), which is ``np.logaddexp`` except that two
``+inf`` give NaN (``inf - inf``) where NumPy gives ``inf``; the NaN then
runs on to the end of the scan, as in TF.  Exclusive scans start from
``-inf`` (the log of an empty sum).

The gradient is TF's: the cotangent is split into its positive and negative
parts so that their logs can enter a reverse ``cumulative_logsumexp``,
``grad_j = exp(x_j + lse_{i >= j}(log g_i - out_i))`` per part.  It is built
from this op, so every order of derivative follows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dispatch import word
from tapeflow.core.errors import attr_error, invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, wrap
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.declare import REAL_FLOAT, defop
from tapeflow.ops.scan import _scan_fwd, _scan_samples

__all__ = ["cumulative_logsumexp"]


def _accumulate(y: Any, axis: int, dtype: Any) -> Any:
    """Running ``lse`` along ``axis``, with TF's NaN from two infinities."""
    out = np.logaddexp.accumulate(y, axis=axis, dtype=dtype)
    n = y.shape[axis]
    if n > 1:
        head = (slice(None),) * axis
        both_inf = np.zeros(y.shape, bool)
        both_inf[head + (slice(1, n),)] = ((y[head + (slice(1, n),)] == np.inf)
                                           & (out[head + (slice(0, n - 1),)] == np.inf))
        if both_inf.any():
            out[np.logical_or.accumulate(both_inf, axis=axis)] = np.nan
    return out


def _reference(x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    """log of the running sum of exp(x) (inclusive, forward), shifted/flipped as asked."""
    y = np.flip(x, axis) if reverse else x
    out = np.log(np.cumsum(np.exp(y), axis=axis))
    if exclusive:
        out = np.concatenate([np.full_like(np.take(out, [0], axis=axis), -np.inf),
                              np.delete(out, -1, axis=axis)], axis=axis)
    return np.flip(out, axis) if reverse else out


def _signed_logs(t: Tensor) -> tuple[Tensor, Tensor]:
    """log of t's positive part and of its negative part; the dtype's lowest value where
    a part is 0 (TF's choice: finite, so that subtracting -inf stays +inf, not NaN)."""
    low = wrap(np.array(np.finfo(t._value.dtype).min, t._value.dtype))
    one = arith.ones_like(t)
    pos, neg = arith.greater(t, 0.0), arith.less(t, 0.0)
    return (arith.where(pos, arith.log(arith.where(pos, t, one)), low),
            arith.where(neg, arith.log(arith.where(neg, -t, one)), low))


def _samples() -> list[Sample]:
    """Exclusive scans start at -inf, where central differences are NaN: their values
    are checked here, their gradients against TF in tests/test_scatter_segment_more.py."""
    out = [Sample(*s.args, params=s.params, grad=not s.params["exclusive"])
           for s in _scan_samples(-2.0, 2.0)]
    step = 701 + np.log1p(np.exp(-1.0))
    out.append(Sample(np.array([[700.0, 701.0, -3.0], [-750.0, 2.0, 2.0]]),
                      params={"axis": 1, "exclusive": False, "reverse": False},
                      ref=lambda x, axis, exclusive, reverse: np.array(
                          [[700.0, step, step], [-750.0, 2.0, 2.0 + np.log(2.0)]])))
    return out


@defop("CumulativeLogsumexp", dtypes=REAL_FLOAT, samples=_samples, reference=_reference)
class _CumulativeLogsumexp:
    def fwd(xp, x, *, axis, exclusive, reverse):
        return _scan_fwd(xp, x, _accumulate, -np.inf, axis, exclusive, reverse)

    def vjp_x(g, x, out, *, axis, exclusive, reverse):
        # d out_i / d x_j = exp(x_j - out_i) for the j that out_i covers: a reverse scan of
        # g_i exp(-out_i), in logs, one sign at a time (TF's _CumulativeLogsumexpGrad)
        parts = [arith.exp(_CumulativeLogsumexp(log_g - out, axis=axis, exclusive=exclusive,
                                                reverse=not reverse) + x)
                 for log_g in _signed_logs(g)]
        return parts[0] - parts[1]

    def jvp(dx, x, out, *, axis, exclusive, reverse):
        # d out_i = sum_j exp(x_j - out_i) dx_j, the same scan run forwards; 0 where
        # out_i = -inf (an empty exclusive head: no x_j enters it)
        parts = [arith.exp(_CumulativeLogsumexp(log_dx + x, axis=axis, exclusive=exclusive,
                                                reverse=reverse) - out)
                 for log_dx in _signed_logs(dx)]
        empty = wrap(np.isneginf(out._value))
        return arith.where(empty, arith.zeros_like(out), parts[0] - parts[1])


def _axis(x: Tensor, axis: Any) -> int:
    """The scan axis, checked as TF's ScanOp does (it reports a negative axis shifted)."""
    if not isinstance(axis, int):
        a = shape_ops._as_tensor(axis)
        if a._value.dtype.kind not in "iu":
            raise TypeError(f"Cannot convert {axis!r} to EagerTensor of dtype int32")
        if a._value.ndim:
            raise invalid_argument("CumulativeLogsumexp", f"ScanOp: axis must be a scalar, "
                                   f"not {shape_str(a._value.shape)}")
        axis = int(a._value)
    nd = x._value.ndim
    shifted = axis + nd if axis < 0 else axis
    if not 0 <= shifted < nd:
        raise invalid_argument("CumulativeLogsumexp", f"ScanOp: Expected scan axis in the "
                               f"range [{-nd}, {nd}), but got {shifted}")
    return shifted


def cumulative_logsumexp(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
                         name: str | None = None) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``axis`` without overflow (``exclusive``,
    ``reverse`` as in cumsum; an exclusive scan starts at ``-inf``).

    >>> import tapeflow as tf
    >>> tf.math.cumulative_logsumexp([1000.0, 1000.0]).numpy()
    array([1000.    , 1000.6932], dtype=float32)
    """
    t = shape_ops._as_tensor(x)
    if t._value.dtype.kind != "f":
        raise attr_error("CumulativeLogsumexp", "T", word(t._value.dtype),
                         "bfloat16, half, float, double")
    return _CumulativeLogsumexp(t, axis=_axis(t, axis), exclusive=bool(exclusive),
                                reverse=bool(reverse))
