"""Python operators on Tensor and Variable (``+``, ``@``, ``[]``, ``==`` ...).

Bound here, in the layer that defines the ops, so that core/tensor.py does
not import upwards.  Binary operators call the op's runner directly: one
Python frame between ``x * y`` and NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.errors import InvalidArgumentError
from tapeflow.core.tensor import Tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import arith, linalg, shape_ops


def _swap(fn: Any) -> Any:
    def reflected(self: Any, other: Any) -> Any:
        return fn(other, self)
    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def _invert(x: Any) -> Tensor:
    x = shape_ops._as_tensor(x)
    if x._value.dtype.kind == "b":
        return arith.logical_not(x)
    return wrap(np.invert(x._value))


def _eq(self: Any, other: Any) -> Any:
    if other is None:
        return False
    try:
        return arith.equal(self, other)
    except InvalidArgumentError:
        return wrap(np.array(False))  # TF: incompatible shapes compare unequal


def _ne(self: Any, other: Any) -> Any:
    if other is None:
        return True
    try:
        return arith.not_equal(self, other)
    except InvalidArgumentError:
        return wrap(np.array(True))


def _logical(bool_op: Any, int_op: Any) -> Any:
    def op(x: Any, y: Any) -> Any:
        xt = shape_ops._as_tensor(x) if not isinstance(x, (bool, int)) else None
        yt = shape_ops._as_tensor(y) if not isinstance(y, (bool, int)) else None
        kind = (xt if xt is not None else yt)._value.dtype.kind
        return (bool_op if kind == "b" else int_op)(x, y)
    return op


_and = _logical(arith.logical_and, arith.bitwise_and)
_or = _logical(arith.logical_or, arith.bitwise_or)
_xor = _logical(arith.logical_xor, arith.bitwise_xor)

BINARY = {
    "add": arith.add, "sub": arith.subtract, "mul": arith.multiply,
    "truediv": arith.truediv, "floordiv": arith.floordiv, "mod": arith.floormod,
    "pow": arith.pow, "matmul": linalg.matmul, "and": _and, "or": _or, "xor": _xor,
}
COMPARE = {"lt": arith.less, "le": arith.less_equal, "gt": arith.greater,
           "ge": arith.greater_equal}


def bind(cls: type) -> None:
    for name, fn in BINARY.items():
        setattr(cls, f"__{name}__", fn)
        setattr(cls, f"__r{name}__", _swap(fn))
    for name, fn in COMPARE.items():
        setattr(cls, f"__{name}__", fn)
    cls.__eq__ = _eq
    cls.__ne__ = _ne
    cls.__neg__ = arith.negative
    cls.__abs__ = arith.abs
    cls.__pos__ = lambda self: self
    cls.__invert__ = _invert
    cls.__getitem__ = shape_ops.strided_slice


bind(Tensor)
bind(Variable)
