"""Python operators on Tensor and Variable (``+``, ``@``, ``[]``, ``==`` ...).

Bound here, in the layer that defines the ops, so that core/tensor.py does
not import upwards.  Binary operators call the op's runner directly: one
Python frame between ``x * y`` and NumPy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tapeflow.core.convert import CPP_NAMES
from tapeflow.core.errors import InvalidArgumentError, invalid_argument, shape_str
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import arith, linalg, shape_ops


def _swap(fn: Any) -> Any:
    def reflected(self: Any, other: Any) -> Any:
        return fn(other, self)
    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def _invert(x: Any) -> Tensor:
    x = shape_ops._as_tensor(x)
    kind = x._value.dtype.kind
    if kind == "b":
        return arith.logical_not(x)
    if kind not in "iu":
        name = CPP_NAMES.get(x.dtype.name, x.dtype.name)
        raise invalid_argument("Invert", f"Value for attr 'T' of {name} is not in the "
                               f"list of allowed values: int8, int16, int32, int64, uint8, "
                               f"uint16, uint32, uint64")
    return wrap(np.invert(x._value))


def _broadcastable(x: Any, y: Any) -> bool:
    try:
        np.broadcast_shapes(np.shape(getattr(x, "_value", x)), np.shape(getattr(y, "_value", y)))
    except ValueError:
        return False
    return True


# TF's ``==``/``!=`` are elementwise, and incompatible shapes give one bool
# (``incompatible_shape_error=False``); dtype mismatches still raise.
def _shapes_differ(self: Any, other: Any) -> bool:
    """Whether a failed Equal/NotEqual failed on shapes (not on dtypes)."""
    x = shape_ops._as_tensor(self)
    y = other if isinstance(other, Tensor) else getattr(other, "_tensor", other)
    if isinstance(y, Tensor) and y._value.dtype != x._value.dtype:
        return False
    return not _broadcastable(x, y)


def _compare(op: Any, mismatch: bool, none: Any) -> Any:
    """``==``/``!=``: elementwise, or ``mismatch`` when the shapes cannot meet.

    ``none`` is the answer for ``None`` (a Tensor is never equal to None); a
    Variable has no shortcut (``none`` is ...): it tries to convert None and raises.
    """
    def compare(self: Any, other: Any) -> Any:
        if other is None and none is not ...:
            return none
        try:
            return op(self, other)
        except InvalidArgumentError:
            if not _shapes_differ(self, other):
                raise
            return wrap(np.array(mismatch))
    return compare


_eq = _compare(arith.equal, False, False)
_ne = _compare(arith.not_equal, True, True)
_var_eq = _compare(arith.equal, False, ...)
_var_ne = _compare(arith.not_equal, True, ...)


_slice = shape_ops._strided_slice
_SLICE_TYPE_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                     "scalar tf.int32/tf.int64 tensors are valid indices")


def _index(k: Any) -> int:
    """One integer of an index, as TF accepts it (ints, scalar int32/int64 tensors)."""
    if isinstance(k, numbers.Integral):
        return int(k)
    if isinstance(k, Tensor) or hasattr(k, "_read_for_op"):
        v = shape_ops._as_tensor(k)._value
        if v.ndim == 0 and v.dtype in (np.int32, np.int64):
            return int(v)
    elif isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype in (np.int32, np.int64):
        return int(k)
    raise TypeError(f"{_SLICE_TYPE_ERROR}, got {k!r}")


def _getitem(self: Any, key: Any) -> Tensor:
    """``x[key]`` with TF's rules: a list key is a tuple, only integers, slices,
    ``...`` and ``None`` index; a bool tensor or array masks."""
    x = self if type(self) is Tensor else shape_ops._as_tensor(self)
    if type(key) is int:  # the common case (and iteration): one bounds check
        shape = x._value.shape
        if not shape or not -shape[0] <= key < shape[0]:
            _check_bounds(shape, [key])
        return _slice(x, key=(key,))
    if getattr(getattr(key, "dtype", None), "kind", None) == "b" or (
            isinstance(key, Tensor) and key._value.dtype.kind == "b"):
        if not np.ndim(getattr(key, "_value", key)):
            raise ValueError("mask cannot be scalar.")
        return shape_ops.slice_key(x, key)
    if type(key) is bool:
        raise ValueError("mask cannot be scalar.")
    items = tuple(key) if isinstance(key, (list, tuple)) else (key,)
    spec = []
    for k in items:
        kind = type(k)
        if kind is int or k is None or k is Ellipsis:
            spec.append(k)
        elif kind is slice:
            parts = (k.start, k.stop, k.step)
            if all(v is None or type(v) is int for v in parts):
                spec.append(k)
            else:
                spec.append(slice(*(None if v is None else _index(v) for v in parts)))
        else:
            spec.append(_index(k))
    _check_bounds(x._value.shape, spec)
    return _slice(x, key=tuple(spec))  # the key is already normalised: the op itself


def _check_bounds(shape: tuple, spec: list) -> None:
    """TF's StridedSlice errors for too many indices and out-of-range integers."""
    nd = len(shape)
    ellipses = used = ints = 0
    for k in spec:
        if k is Ellipsis:
            ellipses += 1
        elif k is not None:
            used += 1
            ints += type(k) is int
    if ellipses > 1:
        raise invalid_argument("StridedSlice", "Multiple ellipses in slice spec not allowed")
    if used > nd:
        raise invalid_argument("StridedSlice", "Attempting to slice scalar input." if not nd
                               else f"Index out of range using input dim {nd}; input has "
                               f"only {nd} dims")
    if not ints:
        return
    # Entries before an ellipsis index dimensions from the front, after it from the back.
    cut = spec.index(Ellipsis) if Ellipsis in spec else len(spec)
    front = [k for k in spec[:cut] if k is not None]
    back = [k for k in spec[cut + 1:] if k is not None]
    for dim, k in list(enumerate(front)) + list(enumerate(back, nd - len(back))):
        if isinstance(k, int) and not -shape[dim] <= k < shape[dim]:
            raise invalid_argument("StridedSlice", f"slice index {k + shape[dim] if k < 0 else k}"
                                   f" of dimension {dim} out of bounds.")


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


class SliceOfVariable(Tensor):
    """``v[key]``: the sliced value, which also offers ``assign`` (TF's
    ``v[1:3].assign(...)``).  In ops it is its plain Tensor (``_read_for_op``),
    so the tape records the read and the slice as usual.
    """

    __slots__ = ("_plain", "_variable", "_key")

    def _read_for_op(self) -> Tensor:
        return self._plain

    def assign(self, value: Any, use_locking: Any = None, name: str | None = None,
               read_value: bool = True) -> Variable | None:
        """Write ``value`` into this slice of the Variable (broadcasting into the
        slice's shape); the Variable's earlier values are untouched copies."""
        var = self._variable
        if self._key is None:
            raise TypeError("Only slicing with integers, slices, `...` and `tf.newaxis` "
                            "can be assigned to (a mask or index array cannot).")
        new = np.array(var._tensor._value, copy=True)
        target_shape = new[self._key].shape
        arr = convert_to_tensor(value, dtype=var.dtype)._value
        try:
            if np.broadcast_shapes(arr.shape, target_shape) != target_shape:
                raise ValueError
        except ValueError:
            raise invalid_argument(
                "ResourceStridedSliceAssign", f"Cannot broadcast input shape "
                f"{shape_str(arr.shape)} into final shape {shape_str(target_shape)}") from None
        new[self._key] = arr
        var._tensor = wrap(new)
        return var if read_value else None


def _variable_getitem(self: Variable, key: Any) -> SliceOfVariable:
    plain = _getitem(self, key)
    spec = key if isinstance(key, tuple) else tuple(key) if isinstance(key, list) else (key,)
    if not all(k is None or k is Ellipsis or type(k) in (int, slice) for k in spec):
        spec = None  # masks and index arrays read fine but cannot be assigned (as in TF)
    out = SliceOfVariable.__new__(SliceOfVariable)
    out._value, out._id, out._plain = plain._value, plain._id, plain
    out._variable, out._key = self, spec
    return out


def bind(cls: type) -> None:
    for name, fn in BINARY.items():
        setattr(cls, f"__{name}__", fn)
        setattr(cls, f"__r{name}__", _swap(fn))
    for name, fn in COMPARE.items():
        setattr(cls, f"__{name}__", fn)
    cls.__neg__ = arith.negative
    cls.__abs__ = arith.abs
    # No __pos__: TF's tensors refuse unary plus.
    cls.__invert__ = _invert
    cls.__getitem__ = _getitem


bind(Tensor)
bind(Variable)
Variable.__getitem__ = _variable_getitem
Tensor.__eq__ = _eq
Tensor.__ne__ = _ne
# TF's Variable compares like a Tensor but has no None shortcut: ``v == None``
# tries to convert None and raises.
Variable.__eq__ = _var_eq
Variable.__ne__ = _var_ne
