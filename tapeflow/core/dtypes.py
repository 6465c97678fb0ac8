"""TF's dtype objects (``tf.float32`` ...) and the conversion rules between them.

A :class:`DType` wraps one NumPy dtype and answers TF's questions about it
(``is_floating``, ``as_numpy_dtype``, ``min``/``max`` ...).  ``as_dtype``
accepts everything TF accepts: DType objects, NumPy dtypes and scalar types,
Python types and names such as ``"float32"``.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

__all__ = [
    "DType", "as_dtype", "bfloat16", "bool", "complex64", "complex128", "double",
    "float16", "float32", "float64", "half", "int8", "int16", "int32", "int64",
    "string", "uint8", "uint16", "uint32", "uint64",
]


class DType:
    """A TF element type such as ``tf.float32``.

    Compares equal to other DTypes, NumPy dtypes and dtype names:

    >>> import tapeflow as tf
    >>> tf.float32 == "float32", tf.float32.is_floating, tf.int32.max
    (True, True, 2147483647)
    """

    __slots__ = ("name", "_np", "kind")

    def __init__(self, name: str, np_dtype: np.dtype) -> None:
        self.name = name
        self._np = np_dtype
        self.kind = np_dtype.kind

    # -- TF's properties -------------------------------------------------
    @property
    def as_numpy_dtype(self) -> type:
        """The NumPy scalar type, e.g. ``numpy.float32``."""
        return self._np.type

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def is_floating(self) -> bool:
        return self.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.kind == "c"

    @property
    def is_integer(self) -> bool:
        return self.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self.kind == "b"

    @property
    def is_numeric(self) -> bool:
        return self.kind in "iufc"

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def is_differentiable(self) -> bool:
        """Whether gradients flow through values of this dtype (floating or complex)."""
        return self.kind in "fc"

    @property
    def real_dtype(self) -> DType:
        if self.kind == "c":
            return float32 if self is complex64 else float64
        return self

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self) -> Any:
        if self.kind == "f":
            return np.finfo(self._np).min
        if self.kind in "iu":
            return np.iinfo(self._np).min
        raise TypeError(f"Cannot find minimum value of {self} with type {self}.")

    @property
    def max(self) -> Any:
        if self.kind == "f":
            return np.finfo(self._np).max
        if self.kind in "iu":
            return np.iinfo(self._np).max
        raise TypeError(f"Cannot find maximum value of {self} with type {self}.")

    def is_compatible_with(self, other: Any) -> bool:
        return self == other

    # -- identity --------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: {self.name!r}>"

    def __reduce__(self) -> tuple:
        return as_dtype, (self.name,)


float16 = half = DType("float16", np.dtype(np.float16))
float32 = DType("float32", np.dtype(np.float32))
float64 = double = DType("float64", np.dtype(np.float64))
complex64 = DType("complex64", np.dtype(np.complex64))
complex128 = DType("complex128", np.dtype(np.complex128))
int8 = DType("int8", np.dtype(np.int8))
int16 = DType("int16", np.dtype(np.int16))
int32 = DType("int32", np.dtype(np.int32))
int64 = DType("int64", np.dtype(np.int64))
uint8 = DType("uint8", np.dtype(np.uint8))
uint16 = DType("uint16", np.dtype(np.uint16))
uint32 = DType("uint32", np.dtype(np.uint32))
uint64 = DType("uint64", np.dtype(np.uint64))
bool = DType("bool", np.dtype(np.bool_))  # noqa: A001 - TF's name
string = DType("string", np.dtype(object))
# NumPy has no bfloat16; the name exists so that code mentioning it imports,
# and using it raises a clear error from as_dtype's callers.
bfloat16 = DType("bfloat16", np.dtype(np.float32))

_ALL = (float16, float32, float64, complex64, complex128, int8, int16, int32,
        int64, uint8, uint16, uint32, uint64, bool, string)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, bfloat16=bfloat16)
# Keyed by NumPy dtype: the hot path maps an array's dtype to a DType here.
_BY_NP: dict[np.dtype, DType] = {d._np: d for d in _ALL}
_BY_NP[np.dtype(np.str_)] = string
_BY_NP[np.dtype(np.bytes_)] = string
# TF maps only these Python types (``tf.as_dtype(int)`` is a TypeError in TF).
_PY_TYPES = {float: float32, builtins.bool: bool, object: string}


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a NumPy dtype, raising TypeError for ones TF lacks."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        if np_dtype.kind in "US":
            return string
        raise TypeError(f"Cannot convert NumPy dtype {np_dtype} to a tapeflow DType.") from None


def as_dtype(type_value: Any) -> DType:
    """Converts a DType, NumPy dtype, Python type or name to a :class:`DType`.

    >>> import numpy as np, tapeflow as tf
    >>> tf.as_dtype(np.float64), tf.as_dtype("int32"), tf.as_dtype(float)
    (tf.float64, tf.int32, tf.float32)
    """
    if isinstance(type_value, DType):
        return type_value
    np_dtype = None
    if isinstance(type_value, str):
        if type_value in _BY_NAME:
            return _BY_NAME[type_value]
    elif isinstance(type_value, np.dtype):
        np_dtype = type_value
    elif isinstance(type_value, type):
        if type_value in _PY_TYPES:
            return _PY_TYPES[type_value]
        if issubclass(type_value, np.generic):
            np_dtype = np.dtype(type_value)
    elif isinstance(getattr(type_value, "dtype", None), np.dtype):
        np_dtype = type_value.dtype
    if np_dtype is not None:
        try:
            return from_numpy(np_dtype)
        except TypeError:
            pass
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a "
                    f"TensorFlow DType.")
