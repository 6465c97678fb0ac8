"""Creating tensors: constant, zeros, ones, fill, range, eye (no gradients)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype, float32
from tapeflow.core.errors import invalid_argument
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith

__all__ = ["constant", "zeros", "ones", "fill", "range", "eye"]


def _shape(shape: Any) -> tuple:
    if isinstance(shape, Tensor) or hasattr(shape, "_read_for_op"):
        shape = convert_to_tensor(shape).numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"Dimensions must be non-negative, got shape {list(dims)}")
    return dims


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """A tensor from a Python value or NumPy array (optionally broadcast to ``shape``).

    >>> import tapeflow as tf
    >>> tf.constant([1, 2]).dtype, tf.constant(1.0, shape=(2, 2)).shape
    (tf.int32, TensorShape([2, 2]))
    """
    if isinstance(value, Tensor) or hasattr(value, "_read_for_op"):
        t = convert_to_tensor(value)
        if dtype is not None and t.dtype != as_dtype(dtype):
            raise TypeError(f"Expected tensor {t.numpy()} with dtype {as_dtype(dtype)!r}, "
                            f"but got dtype {t.dtype!r}.")
    else:
        t = convert_to_tensor(value, dtype=dtype)
    if shape is not None:
        shape = _shape(shape)
        v = t._value
        if v.size == 1:
            return wrap(np.full(shape, v.reshape(()), dtype=v.dtype))
        if v.size != int(np.prod(shape, dtype=np.int64)):
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried "
                            f"to convert {v.size} values to shape {list(shape)}.")
        return wrap(v.reshape(shape))
    return t


def zeros(shape: Any, dtype: Any = float32, name: str | None = None) -> Tensor:
    """A tensor of zeros.

    >>> import tapeflow as tf
    >>> tf.zeros((2,)).numpy()
    array([0., 0.], dtype=float32)
    """
    return wrap(np.zeros(_shape(shape), dtype=as_dtype(dtype)._np))


def ones(shape: Any, dtype: Any = float32, name: str | None = None) -> Tensor:
    """A tensor of ones.

    >>> import tapeflow as tf
    >>> tf.ones((2, 2)).shape
    TensorShape([2, 2])
    """
    return wrap(np.ones(_shape(shape), dtype=as_dtype(dtype)._np))


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value`` (its dtype is value's).

    >>> import tapeflow as tf
    >>> tf.fill((2,), 3).numpy()
    array([3, 3], dtype=int32)
    """
    v = convert_to_tensor(arith._read(value))
    if v._value.ndim != 0:
        raise invalid_argument("Fill", f"value must be a scalar, got shape {list(v.shape)}")
    return wrap(np.full(_shape(dims), v._value, dtype=v._value.dtype))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str = "range") -> Tensor:
    """Numbers from ``start`` up to (excluding) ``limit`` in steps of ``delta``.

    The dtype is inferred as TF does (int32 for ints, float32 if any float).

    >>> import tapeflow as tf
    >>> tf.range(5).numpy()
    array([0, 1, 2, 3, 4], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    vals = [convert_to_tensor(arith._read(v)) for v in (start, limit, delta)]
    if dtype is None:
        order = ["int32", "int64", "float32", "float64"]
        names = [v.dtype.name for v in vals]
        dtype = max(names, key=lambda n: order.index(n) if n in order else -1)
    dt = as_dtype(dtype)
    s, lim, d = (v._value.item() for v in vals)
    if d == 0:
        raise invalid_argument("Range", f"Requires delta != 0: {d}")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        raise invalid_argument("Range", f"Requires start <= limit when delta > 0: {s}/{lim}"
                               if d > 0 else f"Requires start >= limit when delta < 0: "
                               f"{s}/{lim}")
    return wrap(np.arange(s, lim, d).astype(dt._np))


def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None,
        dtype: Any = float32, name: str | None = None) -> Tensor:
    """An identity matrix (or a batch of them).

    >>> import tapeflow as tf
    >>> tf.eye(2).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=as_dtype(dtype)._np)
    if batch_shape is not None:
        m = np.broadcast_to(m, _shape(batch_shape) + m.shape).copy()
    return wrap(m)

