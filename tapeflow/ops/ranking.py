"""Ranking: argmax, argmin and top_k.

TF's conventions (pinned in tests/test_math_more.py): ties go to the lowest
index (argmax, argmin, and top_k's order of equal values); argmax and argmin
never pick NaN (index 0 when every element is NaN), as TF's CPU reducer.
``top_k``'s values are differentiable (the gradient goes back to where each
value came from), its indices are not.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from tapeflow.core.dispatch import word
from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import InvalidArgumentError, invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import reduction, shape_ops
from tapeflow.ops.declare import BOOL, REAL, defop, nondiff
from tapeflow.ops.samples import rand

__all__ = ["argmax", "argmin", "top_k", "TopKV2"]

_as_tensor = shape_ops._as_tensor


# -- argmax / argmin ---------------------------------------------------------------------------
def _arg_fwd(xp: Any, op_name: str, input: Any, axis: int, output_type: Any,
             largest: bool) -> Any:
    if input.shape[axis] == 0:
        raise invalid_argument(op_name, f"Reduction axis {axis} is empty in shape "
                               f"[{','.join(str(d) for d in input.shape)}]")
    if input.dtype.kind == "f":  # TF's reducer never picks NaN (first index if all are)
        input = xp.where(xp.isnan(input), -np.inf if largest else np.inf, input)
    pick = xp.argmax if largest else xp.argmin
    return pick(input, axis=axis).astype(output_type)  # first index among ties


def _arg_samples() -> list[Sample]:
    x = np.array([[1.0, 3.0, 3.0, -2.0], [np.nan, 2.0, -2.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
    return [Sample(x, params={"axis": 1, "output_type": np.dtype(np.int64)}),
            Sample(x, params={"axis": 0, "output_type": np.dtype(np.int32)}),
            Sample(np.array([True, False, True]), params={"axis": 0,
                                                          "output_type": np.dtype(np.int16)})]


def _arg_reference(largest: bool) -> Any:
    def ref(x, axis, output_type):
        if x.dtype.kind == "f":
            x = np.where(np.isnan(x), -np.inf if largest else np.inf, x)
        return (np.argmax if largest else np.argmin)(x, axis=axis).astype(output_type)
    return ref


_argmax = nondiff("ArgMax", lambda xp, input, *, axis, output_type: _arg_fwd(
                      xp, "ArgMax", input, axis, output_type, True),
                  samples=_arg_samples, dtypes=REAL + BOOL, n_in=1, params=True,
                  reference=_arg_reference(True))
_argmin = nondiff("ArgMin", lambda xp, input, *, axis, output_type: _arg_fwd(
                      xp, "ArgMin", input, axis, output_type, False),
                  samples=_arg_samples, dtypes=REAL + BOOL, n_in=1, params=True,
                  reference=_arg_reference(False))


def _arg_reducer(run: Any, public_name: str, doc: str) -> Any:
    op_name = run.op.name

    def reduce(input: Any, axis: Any = None, output_type: Any = "int64",
               name: str | None = None) -> Tensor:
        x = _as_tensor(input)
        if axis is None:
            axis = 0
        if isinstance(axis, Tensor) or hasattr(axis, "_read_for_op"):
            axis = convert_to_tensor(axis)._value
        if not isinstance(axis, (int, np.integer)) and not (
                isinstance(axis, np.ndarray) and axis.ndim == 0 and axis.dtype.kind in "iu"):
            raise TypeError("axis must be int or Tensor with integer datatype")
        axis, nd = int(axis), x._value.ndim
        if not -nd <= axis < nd:
            raise invalid_argument(op_name, f"Expected dimension in the range [{-nd}, {nd}), "
                                   f"but got {axis}")
        out = as_dtype(output_type)._np
        if out.name not in ("int16", "uint16", "int32", "int64"):
            raise invalid_argument(op_name, f"Value for attr 'output_type' of {word(out)} is "
                                   f"not in the list of allowed values: int16, uint16, int32, "
                                   f"int64")
        return run(x, axis=axis % nd, output_type=out)
    reduce.__doc__ = doc
    reduce.__name__ = reduce.__qualname__ = public_name
    return reduce


argmax = _arg_reducer(
    _argmax, "argmax", """Index of the largest value along ``axis`` (0 when None).

Ties give the first index; NaN is never picked (as TF's CPU kernel).

>>> import tapeflow as tf
>>> tf.math.argmax([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]], axis=1).numpy()
array([1, 0])
""")
argmin = _arg_reducer(
    _argmin, "argmin", """Index of the smallest value along ``axis`` (0 when None).

Ties give the first index; NaN is never picked (as TF's CPU kernel).

>>> import tapeflow as tf
>>> tf.math.argmin([[1.0, 3.0, 1.0]], axis=1).numpy()
array([0])
""")


# -- top_k -------------------------------------------------------------------------------------
TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def _top_k_fwd(xp: Any, input: Any, *, k: int, sorted: bool, index_type: np.dtype) -> tuple:
    if k < 0:
        raise invalid_argument("TopKV2", f"Need k >= 0, got {k}")
    if input.ndim < 1:
        raise invalid_argument("TopKV2", f"input must be >= 1-D, got shape "
                               f"{shape_str(input.shape)}")
    n = input.shape[-1]
    if n < k:
        raise invalid_argument("TopKV2", f"input must have at least k columns. Had {n}, "
                               f"needed {k}")
    # Descending, equal values in increasing index order: a stable ascending sort of the
    # reversed row, read backwards.
    order = n - 1 - xp.flip(xp.argsort(xp.flip(input, -1), axis=-1, kind="stable"), -1)
    indices = order[..., :k]
    return xp.take_along_axis(input, indices, -1), indices.astype(index_type)


def _top_k_reference(x: Any, k: int, sorted: bool, index_type: np.dtype) -> tuple:
    position = np.broadcast_to(np.arange(x.shape[-1]), x.shape)
    idx = np.lexsort((position, -x), axis=-1)[..., :k]  # by value down, then index up
    return np.take_along_axis(x, idx, -1), idx.astype(index_type)


def _picks(indices: Tensor, n: int, like: Tensor) -> Tensor:
    """One-hot rows (..., k, n): row j marks where the j-th value came from (no gradient)."""
    return wrap((indices._value[..., None] == np.arange(n)).astype(like._value.dtype))


def _top_k_samples() -> list[Sample]:
    ties = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.5, -1.0, 2.0, 0.25, 1.5]])
    p = {"sorted": True, "index_type": np.dtype(np.int32)}
    return [Sample(rand((2, 5)), params={"k": 3, **p}),
            Sample(rand((6,)), params={"k": 6, **p}),
            Sample(rand((2, 3, 4)), params={"k": 1, "sorted": True,
                                            "index_type": np.dtype(np.int64)}),
            Sample(ties, params={"k": 2, **p}, grad=False),
            Sample(rand((2, 5)), params={"k": 6, **p}, raises=InvalidArgumentError),
            Sample(rand(()), params={"k": 1, **p}, raises=InvalidArgumentError)]


@defop("TopKV2", samples=_top_k_samples, dtypes=REAL, n_out=2, batchable=True,
       reference=_top_k_reference)
class _TopK:
    fwd = _top_k_fwd

    def vjp_input(g, out, input_shape, *, k, sorted, index_type):
        # d values_j = d input[indices_j]: the gradient scatters g back to those places
        if g[0] is None:
            return None
        picks = _picks(out[1], input_shape[-1], g[0])
        return reduction.reduce_sum(shape_ops.expand_dims(g[0], -1) * picks, axis=-2)

    def jvp(dinput, out, *, k, sorted, index_type):
        picks = _picks(out[1], dinput._value.shape[-1], dinput)
        return reduction.reduce_sum(shape_ops.expand_dims(dinput, -2) * picks, axis=-1), None


def top_k(input: Any, k: Any = 1, sorted: bool = True, index_type: Any = "int32",
          name: str | None = None) -> TopKV2:
    """The ``k`` largest entries of the last axis and their indices (``values, indices``).

    Equal values come in increasing index order.  ``sorted=False`` gives the
    same entries in the same (descending) order: TF leaves that order
    unspecified.  The values have a gradient, the indices none.

    >>> import tapeflow as tf
    >>> values, indices = tf.math.top_k([1.0, 3.0, 3.0, 2.0], k=2)
    >>> values.numpy(), indices.numpy()
    (array([3., 3.], dtype=float32), array([1, 2], dtype=int32))
    """
    x = _as_tensor(input)
    if isinstance(k, Tensor) or hasattr(k, "_read_for_op"):
        k = convert_to_tensor(k)._value
    kind = as_dtype(index_type)._np
    if kind.name not in ("int16", "int32", "int64"):
        raise invalid_argument("TopKV2", f"Value for attr 'index_type' of {word(kind)} is not "
                               f"in the list of allowed values: int16, int32, int64")
    values, indices = _TopK(x, k=int(k), sorted=bool(sorted), index_type=kind)
    return TopKV2(values, indices)
