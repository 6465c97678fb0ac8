"""tensor_scatter_nd_sub, tensor_scatter_nd_max and tensor_scatter_nd_min.

The siblings of ``tensor_scatter_nd_update``/``_add`` (ops/indexing.py), with
the same index and shape checks.  ``TensorScatterSub`` is linear: the tensor's
transpose is ``g``, the updates' ``-gather_nd(g)``.  Max and min route the
gradient by which value won, as TF's rule does: every value equal to the
result of its slot (the tensor's own element and each update there) shares
``g`` equally.  NaN follows TF's kernel (``existing < update ? update :
existing``): a NaN update never wins, a NaN already in the tensor stays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.errors import NotFoundError
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops.declare import NUMERIC, REAL, defop, linear
from tapeflow.ops.indexing import (
    _check_updates,
    _gather_nd,
    _nd_key,
    _scatter_into,
    _scatter_nd,
    _scatter_reference,
    index_input,
    tf_word,
)
from tapeflow.ops.samples import rand
from tapeflow.ops.shape_ops import _as_tensor

__all__ = ["tensor_scatter_nd_sub", "tensor_scatter_nd_max", "tensor_scatter_nd_min"]

_INDEX_TYPES = ("int32", "int64")


def _samples(ties: bool = False) -> list[Sample]:
    out = [Sample(rand((2, 3)), np.array([[0, 1], [1, 2]], np.int32), rand((2,))),
           Sample(rand((3, 2)), np.array([[2], [0]], np.int64), rand((2, 2))),
           Sample(rand((4,)), np.array([[1], [3], [1]], np.int32), rand((3,)))]
    if ties:  # a tie between the tensor and two updates: no derivative there
        out.append(Sample(np.array([1.0, 2.0, 3.0]), np.array([[1], [1], [0]], np.int32),
                          np.array([2.0, 2.0, 0.5]), grad=False))
    return out


# -- TensorScatterSub ----------------------------------------------------------------------
def _sub_fwd(xp: Any, tensor: Any, indices: Any, updates: Any) -> Any:
    return _scatter_into(xp, "TensorScatterSub", tensor.copy(), indices, -updates, add=True)


_tensor_scatter_sub = linear(
    "TensorScatterSub", _sub_fwd,
    # d (x - scatter(u)) = dx - scatter(du): the updates' transpose gathers -g
    (lambda g: g, None, lambda g, indices: -_gather_nd(g, indices)),
    samples=_samples, dtypes=NUMERIC, same_dtype=False,
    reference=lambda t, i, u: _scatter_reference(i, -u, t, True))


# -- TensorScatterMax / TensorScatterMin ---------------------------------------------------
def _extreme_fwd(xp: Any, op: str, ufunc: Any, tensor: Any, indices: Any, updates: Any) -> Any:
    out = tensor.copy()
    _check_updates(op, indices, updates, out.shape)
    key = _nd_key(op, indices, out.shape, "shape")
    if updates.dtype.kind == "f":  # a NaN update never wins (TF: a < b ? b : a)
        updates = xp.where(xp.isnan(updates), -np.inf if ufunc is np.maximum else np.inf,
                           updates)
    ufunc.at(out, key, updates)
    return out


def _winners(tensor: Tensor, indices: Tensor, updates: Tensor, out: Tensor) -> tuple:
    """Constants of TF's rule: where the tensor won, where each update won, and how
    many values share each slot's result (0 where a NaN stayed: g / 0, as in TF)."""
    x, u, o = tensor._value, updates._value, out._value
    key = tuple(np.moveaxis(indices._value, -1, 0))
    x_won = (x == o).astype(o.dtype)
    u_won = (u == o[key]).astype(o.dtype)
    share = x_won.copy()
    np.add.at(share, key, u_won)
    return wrap(x_won), wrap(u_won), wrap(share)


def _extreme_vjp(g: Tensor, tensor: Tensor, indices: Tensor, updates: Tensor,
                 out: Tensor) -> list:
    # d max = the winners' d, shared equally among ties (TF's _TensorScatterMinOrMaxGrad)
    x_won, u_won, share = _winners(tensor, indices, updates, out)
    return [g * x_won / share, None, _gather_nd(g / share, indices) * u_won]


def _extreme_jvp(dtensor: Any, dupdates: Any, tensor: Tensor, indices: Tensor,
                 updates: Tensor, out: Tensor) -> Any:
    x_won, u_won, share = _winners(tensor, indices, updates, out)
    total = None if dtensor is None else dtensor * x_won
    if dupdates is not None:
        spread = _scatter_nd(indices, dupdates * u_won, shape=out._value.shape)
        total = spread if total is None else total + spread
    return None if total is None else total / share


def _extreme_reference(ufunc: Any) -> Any:
    def ref(t, i, u):
        out = np.array(t, copy=True)
        for row, slot in zip(u.reshape((-1,) + out.shape[i.shape[-1]:]),
                             i.reshape(-1, i.shape[-1])):
            out[tuple(slot)] = ufunc(out[tuple(slot)], row)
        return out
    return ref


@defop("TensorScatterMax", samples=lambda: _samples(ties=True), dtypes=REAL, same_dtype=False,
       params=False, reference=_extreme_reference(np.maximum))
class _TensorScatterMax:
    def fwd(xp, tensor, indices, updates):
        return _extreme_fwd(xp, "TensorScatterMax", np.maximum, tensor, indices, updates)

    def vjp(g, tensor, indices, updates, out):
        return _extreme_vjp(g, tensor, indices, updates, out)

    def jvp(dtensor, dindices, dupdates, tensor, indices, updates, out):
        return _extreme_jvp(dtensor, dupdates, tensor, indices, updates, out)


@defop("TensorScatterMin", samples=lambda: _samples(ties=True), dtypes=REAL, same_dtype=False,
       params=False, reference=_extreme_reference(np.minimum))
class _TensorScatterMin:
    def fwd(xp, tensor, indices, updates):
        return _extreme_fwd(xp, "TensorScatterMin", np.minimum, tensor, indices, updates)

    def vjp(g, tensor, indices, updates, out):
        return _extreme_vjp(g, tensor, indices, updates, out)

    def jvp(dtensor, dindices, dupdates, tensor, indices, updates, out):
        return _extreme_jvp(dtensor, dupdates, tensor, indices, updates, out)


# -- public functions ----------------------------------------------------------------------
def _inputs(run: Any, tensor: Any, indices: Any, updates: Any, kinds: str) -> tuple:
    """TF's input checks: int32/int64 indices, updates in the tensor's dtype, and (for
    max and min) a real dtype, whose absence TF reports as a missing CPU kernel."""
    name = run.op.name
    t = _as_tensor(tensor)
    i = index_input(name, "Tindices", indices, _INDEX_TYPES)
    u = dispatch.read_input(updates)
    u = u if isinstance(u, Tensor) else convert_to_tensor(u, dtype=t.dtype)
    if u._value.dtype != t._value.dtype:
        raise dispatch.dtype_error(run.op, 2, t._value.dtype, u._value.dtype)
    dt = t._value.dtype
    if dt.kind not in kinds:
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node {name}}}}} = "
                            f"{name}[T=DT_{tf_word(dt).upper()}, Tindices=DT_"
                            f"{i._value.dtype.name.upper()}, bad_indices_policy=\"\"] "
                            f"[Op:{name}]")
    return t, i, u


def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """A copy of ``tensor`` with ``updates`` subtracted at ``indices`` (repeats add up).

    >>> import tapeflow as tf
    >>> tf.tensor_scatter_nd_sub([1.0, 2.0, 3.0], [[1], [1]], [1.0, 2.0]).numpy().tolist()
    [1.0, -1.0, 3.0]
    """
    return _tensor_scatter_sub(*_inputs(_tensor_scatter_sub, tensor, indices, updates, "iufc"))


def tensor_scatter_nd_max(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """A copy of ``tensor`` where each slot at ``indices`` keeps the largest of itself
    and its updates; ties share the gradient equally, as in TF.

    >>> import tapeflow as tf
    >>> tf.tensor_scatter_nd_max([1.0, 2.0, 3.0], [[1], [2]], [5.0, 0.0]).numpy().tolist()
    [1.0, 5.0, 3.0]
    """
    return _TensorScatterMax(*_inputs(_TensorScatterMax, tensor, indices, updates, "iuf"))


def tensor_scatter_nd_min(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """A copy of ``tensor`` where each slot at ``indices`` keeps the smallest of itself
    and its updates; ties share the gradient equally, as in TF.

    >>> import tapeflow as tf
    >>> tf.tensor_scatter_nd_min([1.0, 2.0, 3.0], [[1], [2]], [5.0, 0.0]).numpy().tolist()
    [1.0, 2.0, 0.0]
    """
    return _TensorScatterMin(*_inputs(_TensorScatterMin, tensor, indices, updates, "iuf"))
