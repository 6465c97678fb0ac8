"""broadcast_dynamic_shape and broadcast_static_shape: the shape two broadcast shapes
make, as a tensor (TF's ``BroadcastArgs``) or as a ``TensorShape``.

Broadcasting pairs dimensions from the end: equal ones stay, a 1 takes the
other.  The static form also knows unknown (None) dimensions: one above 1
wins over an unknown one, otherwise the result is unknown (TF's rule).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.errors import attr_error, invalid_argument, shape_str
from tapeflow.core.tensor import Tensor, TensorShape, convert_to_tensor, wrap

__all__ = ["broadcast_dynamic_shape", "broadcast_static_shape"]


def _convert(value: Any, dtype: Any = None) -> Tensor:
    """A Python shape as a tensor; an empty one is int32 (BroadcastArgs' default type)."""
    value = tuple(value) if isinstance(value, TensorShape) else value
    if dtype is None and not np.size(value):
        dtype = "int32"
    return convert_to_tensor(value, dtype=dtype)


def _shape_inputs(shape_x: Any, shape_y: Any) -> tuple[Tensor, Tensor]:
    """Both shapes as int32/int64 vectors of one dtype (a Tensor's dtype is kept and a
    Python list joins it, as TF converts the inputs of one op)."""
    x, y = dispatch.read_input(shape_x), dispatch.read_input(shape_y)
    if isinstance(x, Tensor) and not isinstance(y, Tensor):
        y = _convert(y, x.dtype)
    elif isinstance(y, Tensor) and not isinstance(x, Tensor):
        x = _convert(x, y.dtype)
    elif not isinstance(x, Tensor):  # the first list sets the type, the second joins it
        x = _convert(x)
        y = _convert(y, x.dtype)
    if x._value.dtype != y._value.dtype:
        raise dispatch.dtype_error("BroadcastArgs", 1, x._value.dtype, y._value.dtype)
    if x._value.dtype.name not in ("int32", "int64"):
        raise attr_error("BroadcastArgs", "T", dispatch.word(x._value.dtype), "int32, int64")
    for k, v in enumerate((x, y)):
        if v._value.ndim != 1:
            raise invalid_argument("BroadcastArgs", f"In[{k}] must be a vector."
                                   f"{shape_str(v._value.shape)}")
    return x, y


def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> Tensor:
    """The shape that broadcasting ``shape_x`` against ``shape_y`` gives, as a vector.

    >>> import tapeflow as tf
    >>> tf.broadcast_dynamic_shape([2, 1, 3], [4, 1]).numpy().tolist()
    [2, 4, 3]
    """
    x, y = _shape_inputs(shape_x, shape_y)
    a, b = x._value.tolist(), y._value.tolist()
    out = []
    for dx, dy in itertools.zip_longest(reversed(a), reversed(b), fillvalue=1):
        if dx != dy and dx != 1 and dy != 1:
            raise invalid_argument("BroadcastArgs", f"Incompatible shapes: {shape_str(a)} vs. "
                                   f"{shape_str(b)}")
        out.append(dy if dx == 1 else dx)
    return wrap(np.array(out[::-1], dtype=x._value.dtype))


def broadcast_static_shape(shape_x: TensorShape, shape_y: TensorShape) -> TensorShape:
    """The ``TensorShape`` that broadcasting ``shape_x`` against ``shape_y`` gives.

    >>> import tapeflow as tf
    >>> tf.broadcast_static_shape(tf.TensorShape([None, 1, 3]), tf.TensorShape([4, None]))
    TensorShape([None, 4, 3])
    """
    # Through ``ndims``, as TF: a list or tuple is refused (AttributeError).
    xs = [shape_x[i] for i in range(shape_x.ndims)]
    ys = [shape_y[i] for i in range(shape_y.ndims)]
    dims = []
    for dx, dy in itertools.zip_longest(reversed(xs), reversed(ys), fillvalue=1):
        if dx is None or dy is None:
            known = dx if dx is not None else dy
            dims.append(known if known is not None and known > 1 else None)
        elif dx == 1 or dy == 1 or dx == dy:
            dims.append(dy if dx == 1 else dx)
        else:
            raise ValueError(f"Incompatible shapes for broadcasting. Two shapes are compatible "
                             f"if for each dimension pair they are either equal or one of them "
                             f"is 1. Received: {tuple(shape_x)} and {tuple(shape_y)}.")
    return TensorShape(dims[::-1])
