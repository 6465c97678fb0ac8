"""Neural-network ops: relu and softmax."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import reduction, shape_ops
from tapeflow.ops.declare import REAL, defop
from tapeflow.ops.samples import away_from, rand, unary

__all__ = ["relu", "softmax"]

# TF's ReluGrad: ``gradients * (features > 0)`` in one op (features may be
# relu's output: the same sign).  Relu's VJP and JVP are this op: one pass
# and one new array, where ``g * cast(out > 0)`` made three (the large MLP
# benchmark's backward peak held a float mask and the product at once).
@defop("ReluGrad", samples=lambda:
                       [Sample(rand((2, 3)), away_from(rand((2, 3), -2.0, 2.0), (0.0,))),
                        Sample(rand((4,)), away_from(rand((4,), -2.0, 2.0), (0.0,)))],
       dtypes=REAL, batchable=True, params=False,
       reference=lambda gradients, features: gradients * (features > 0))
class _ReluGrad:
    def fwd(xp, gradients, features):
        return xp.multiply(gradients, features > 0).astype(gradients.dtype, copy=False)

    def vjp_gradients(g, features):  # linear in gradients; features get none (a step)
        return _ReluGrad(g, features)

    def jvp(dgradients, dfeatures, features):
        return None if dgradients is None else _ReluGrad(dgradients, features)


@defop("Relu", samples=lambda: unary(kinks=(0.0,)), dtypes=REAL, batchable=True, params=False,
       reference=lambda features: np.maximum(features, 0))
class _Relu:
    def fwd(xp, features):
        return xp.maximum(features, 0).astype(features.dtype, copy=False)

    def vjp_features(g, out):  # d relu = 1 where x > 0, and 0 at 0 (TF's choice)
        return _ReluGrad(g, out)

    def jvp(dfeatures, out):
        return _ReluGrad(dfeatures, out)


relu = _Relu
relu.__doc__ = """max(features, 0); its derivative is 1 where features > 0, else 0.

>>> import tapeflow as tf
>>> tf.nn.relu([-1.0, 2.0]).numpy()
array([0., 2.], dtype=float32)
"""


def _softmax_fwd(xp: Any, logits: Any, *, axis: int) -> Any:
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)  # no overflow
    e = xp.exp(shifted)
    return e / xp.sum(e, axis=axis, keepdims=True)


def _softmax_ref(x: Any, axis: int) -> Any:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@defop("Softmax", batchable=True, samples=lambda: [Sample(rand((2, 5)), params={"axis": 1}),
                                   Sample(rand((3, 2, 4)), params={"axis": 1}),
                                   Sample(rand((4,)), params={"axis": 0})],
       reference=_softmax_ref)
class _Softmax:
    fwd = _softmax_fwd

    def vjp_logits(g, out, *, axis):  # ds = s * (g - <g, s>)
        axis += len(shape_ops.lead(g, out._value.ndim))  # batch axes in front
        return (g - reduction._Sum(g * out, axis=(axis,), keepdims=True)) * out

    def jvp(dlogits, out, *, axis):
        return out * (dlogits - reduction._Sum(dlogits * out, axis=(axis,), keepdims=True))


def softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """exp(logits) normalised along ``axis`` (default -1), computed stably.

    >>> import tapeflow as tf
    >>> tf.nn.softmax([0.0, 0.0]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    x = shape_ops._as_tensor(logits)
    nd = x._value.ndim
    axis = -1 if axis is None else int(axis)
    if not -max(nd, 1) <= axis < max(nd, 1):
        raise shape_ops.invalid_argument("Softmax", f"axis {axis} is out of range for a "
                                         f"tensor of shape {list(x.shape)}")
    return _Softmax(x, axis=axis % nd if nd else 0)
