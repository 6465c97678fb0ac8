"""Creating tensors: constant, zeros, ones, fill, range, eye (no gradients)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tapeflow.core.convert import CPP_NAMES
from tapeflow.core.dtypes import as_dtype, float32, from_numpy, int32
from tapeflow.core.errors import InvalidArgumentError, invalid_argument, shape_str
from tapeflow.core.tensor import Tensor, convert_to_tensor, is_tensor, wrap
from tapeflow.ops import arith

__all__ = ["constant", "zeros", "ones", "fill", "range", "eye"]


def _shape(shape: Any, op_name: str = "Fill") -> tuple:
    """A shape argument as a tuple of ints, refusing what TF's ``dims`` refuses."""
    if isinstance(shape, (tuple, list)) and all(type(d) is int for d in shape):
        dims = tuple(shape)  # the common case, without a conversion
    else:
        if isinstance(shape, Tensor) or hasattr(shape, "_read_for_op") or \
                isinstance(shape, np.ndarray):
            arr = convert_to_tensor(shape)._value
            if arr.dtype not in (np.int32, np.int64):
                name = from_numpy(arr.dtype).name
                raise invalid_argument(op_name, f"Value for attr 'index_type' of "
                                       f"{CPP_NAMES.get(name, name)} is not in the list of "
                                       f"allowed values: int32, int64")
        else:
            arr = convert_to_tensor(shape, dtype=int32)._value
        if arr.ndim > 1:
            raise invalid_argument(op_name, f"dims must represent a vector, got shape "
                                   f"{shape_str(arr.shape)}")
        dims = tuple(int(d) for d in arr.reshape(-1))
    for d in dims:
        if d < 0:
            raise invalid_argument(op_name, f"Dimension {d} must be >= 0")
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
    if shape is None:
        return t
    try:
        shape = _shape(shape, "Const")
    except InvalidArgumentError as exc:  # TF checks tf.constant's shape in Python
        raise ValueError(str(exc).replace(" [Op:Const]", "")) from None
    v = t._value
    n = int(np.prod(shape, dtype=np.int64))
    if v.size == 1:
        return wrap(np.full(shape, v.reshape(()), dtype=v.dtype))
    if v.size != n:
        source = value.numpy() if isinstance(value, Tensor) or hasattr(value, "_read_for_op") \
            else value
        raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {v} "
                        f"(converted from {source}) has {v.size} elements, but got `shape` "
                        f"{shape} with {n} elements).")
    return wrap(v.reshape(shape))


def zeros(shape: Any, dtype: Any = float32, name: str | None = None) -> Tensor:
    """A tensor of zeros (empty strings for ``tf.string``).

    >>> import tapeflow as tf
    >>> tf.zeros((2,)).numpy()
    array([0., 0.], dtype=float32)
    """
    dt = as_dtype(dtype)
    dims = _shape(shape)
    if dt.kind == "O":
        return wrap(np.full(dims, b"", dtype=object))
    return wrap(np.zeros(dims, dtype=dt._np))


def ones(shape: Any, dtype: Any = float32, name: str | None = None) -> Tensor:
    """A tensor of ones.

    >>> import tapeflow as tf
    >>> tf.ones((2, 2)).shape
    TensorShape([2, 2])
    """
    dt = as_dtype(dtype)
    if dt.kind == "O":
        raise TypeError("Cannot convert 1 to EagerTensor of dtype string")
    return wrap(np.ones(_shape(shape), dtype=dt._np))


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value`` (its dtype is value's).

    >>> import tapeflow as tf
    >>> tf.fill((2,), 3).numpy()
    array([3, 3], dtype=int32)
    """
    if isinstance(dims, (list, tuple)):
        dims = convert_to_tensor(dims)  # TF converts dims first: [2.0] is a float tensor
    v = convert_to_tensor(arith._read(value))
    if v._value.ndim != 0:
        raise invalid_argument("Fill", f"value must represent a scalar, got shape "
                               f"{shape_str(v._value.shape)}")
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
    # TF converts Python arguments to ``dtype`` (so 0.5 with int32 is a
    # TypeError), infers the widest dtype otherwise and casts tensors to it.
    want = None if dtype is None else as_dtype(dtype)
    vals = []
    for v in (start, limit, delta):
        v = arith._read(v)
        vals.append(v if isinstance(v, Tensor) else convert_to_tensor(v, dtype=want))
    if want is None:
        order = ["int32", "int64", "float16", "float32", "float64"]
        names = [v.dtype.name for v in vals]
        want = as_dtype(max(names, key=lambda n: order.index(n) if n in order else -1))
    s, lim, d = (v._value.astype(want._np).reshape(()) for v in vals)
    if d == 0:
        raise invalid_argument("Range", f"Requires delta != 0: {_num(d)}")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        rule = "start <= limit when delta > 0" if d > 0 else "start >= limit when delta < 0"
        raise invalid_argument("Range", f"Requires {rule}: {_num(s)}/{_num(lim)}")
    # The kernel's arithmetic, in the dtype: size = ceil(|(limit - start) / delta|)
    # and element i = start + i * delta (so float results match TF bit for bit).
    with np.errstate(all="ignore"):
        if want.kind in "iu":
            size = (abs(int(lim) - int(s)) + abs(int(d)) - 1) // abs(int(d))
        else:
            size = int(np.ceil(np.abs((lim - s) / d)))
        return wrap(s + np.arange(size).astype(want._np) * d)


def _num(x: Any) -> str:
    """A number as TF's messages print it (1.0 as 1)."""
    return f"{x.item():g}" if x.dtype.kind == "f" else str(x.item())


def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None,
        dtype: Any = float32, name: str | None = None) -> Tensor:
    """An identity matrix (or a batch of them).

    >>> import tapeflow as tf
    >>> tf.eye(2).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    cols = num_rows if num_columns is None else num_columns
    rows, cols = (int(convert_to_tensor(n)) if is_tensor(n) else n for n in (num_rows, cols))
    if not isinstance(rows, numbers.Integral) or not isinstance(cols, numbers.Integral):
        raise TypeError(f"Arguments `num_rows` and `num_columns` must be positive integer "
                        f"values. Received: num_rows={num_rows}, num_columns={cols}")
    for n in (rows, cols):
        if n < 0:
            raise invalid_argument("Fill", f"Dimension {n} must be >= 0")
    m = np.eye(int(rows), int(cols), dtype=as_dtype(dtype)._np)
    if batch_shape is not None:
        m = np.broadcast_to(m, _shape(batch_shape) + m.shape).copy()
    return wrap(m)

