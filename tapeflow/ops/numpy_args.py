"""NumPy's argument conventions in tapeflow terms, shared by the NumPy stand-ins.

* ``as_tensor``/``common``: operands as Tensors; values that are not tensors
  take the first tensor's dtype as a hint, as the second operand of
  tapeflow's binary operators does (``tf.ones(2) * np.ones(2)`` is float32).
* ``numeric``: NumPy's dtype rule for integer and bool inputs (np.mean of
  int32 is float64, np.sum of bools int64), read from NumPy itself.
* ``NoMapping``: an argument tapeflow cannot express; NumPy computes the call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, shape_ops

__all__ = ["NO", "NoMapping", "as_tensor", "axes_of", "common", "count", "flag", "flat", "given",
           "no_out", "numeric", "numpy_dtype", "refuse", "truth"]

NO = np._NoValue  # NumPy's "argument not given"


class NoMapping(Exception):
    """An argument that tapeflow cannot express: NumPy computes the call instead."""


def as_tensor(x: Any) -> Tensor:
    x = dispatch.read_input(x)
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def common(*values: Any) -> list[Tensor]:
    """Tensors; values that are not take the first tensor's dtype as a hint, as the
    second operand of tapeflow's binary operators does."""
    values = [v if type(v) is Tensor else dispatch.read_input(v) for v in values]
    if all(type(v) is Tensor for v in values):
        return values
    like = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    return [v if isinstance(v, Tensor) else convert_to_tensor(v, dtype_hint=like)
            for v in values]


def given(value: Any) -> bool:
    return value is not None and value is not NO


def flag(value: Any) -> bool:
    return False if value is NO else bool(value)


def no_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"np.{name}(..., out=...) cannot write a tapeflow result into an "
                        f"array: tensors are immutable and a NumPy buffer would take the "
                        f"value off the tape; use the returned Tensor instead")


def refuse(*values: Any) -> None:
    if any(given(v) for v in values):
        raise NoMapping


_DTYPES: dict = {}


def numpy_dtype(func: Any, *args: Any) -> np.dtype:
    """The dtype NumPy's ``func`` gives for arguments of these dtypes (cached).

    ``args`` are dtypes (arrays of them are probed) or Python scalars (passed
    as they are, so NEP 50's weak scalars count as in the real call).
    """
    key = (func, tuple(a if isinstance(a, np.dtype) else type(a) for a in args))
    dt = _DTYPES.get(key)
    if dt is None:
        probe = [np.ones((1,), a) if isinstance(a, np.dtype) else a for a in args]
        with np.errstate(all="ignore"):
            out = func(*probe)
        dt = _DTYPES[key] = np.asarray(out[0] if isinstance(out, tuple) else out).dtype
    return dt


def numeric(func: Any, x: Any, dtype: Any = None) -> Tensor:
    """``x`` as NumPy would compute ``func`` on it: in ``dtype`` if given, integer and
    bool inputs in NumPy's result dtype (np.mean of int32 is float64)."""
    t = as_tensor(x)
    if dtype is not None:
        return arith.cast(t, np.dtype(dtype))
    dt = t._value.dtype
    if dt.kind in "biu":
        want = numpy_dtype(func, dt)
        if want != dt and want.kind in "iufc":
            return arith.cast(t, want)
    return t


def truth(x: Any) -> Tensor:
    t = as_tensor(x)
    return t if t._value.dtype.kind == "b" else arith.not_equal(t, 0)


def flat(t: Tensor) -> Tensor:
    return shape_ops.reshape(t, [-1])


def axes_of(axis: Any, ndim: int) -> list[int]:
    if axis is None:
        return list(range(ndim))
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    return [int(a) % max(ndim, 1) for a in items]


def count(t: Tensor, axis: Any) -> int:
    return math.prod(t._value.shape[a] for a in axes_of(axis, t._value.ndim))


