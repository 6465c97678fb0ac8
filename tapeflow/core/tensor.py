"""The eager Tensor, TensorShape and ``convert_to_tensor`` (TF's conversion rules
for Python and NumPy values live in :mod:`tapeflow.core.convert`).

A Tensor wraps one backend array and never changes it.  Creation is the
hottest line in the library, so a Tensor is two slots and nothing else:
``_value`` (the array) and ``_id`` (0 until a tape or accumulator records it;
then a process-unique integer, so that a freed tensor's ``id()`` reused by a
new one can never be mistaken for it).  Operators (``+``, ``@``, ``[]``, ...)
are attached by :mod:`tapeflow.ops.operators`, the layer that defines the ops.
"""

from __future__ import annotations

import builtins
import itertools
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core.convert import infer_python, numpy_value, python_to, unsupported
from tapeflow.core.dtypes import DType, as_dtype, from_numpy

__all__ = ["Tensor", "TensorShape", "convert_to_tensor", "is_tensor"]


class TensorShape(tuple):
    """TF's shape object: a tuple of dimensions that also equals lists.

    >>> import tapeflow as tf
    >>> s = tf.ones((2, 3)).shape
    >>> s == (2, 3), s == [2, 3], s.as_list(), s.rank
    (True, True, [2, 3], 2)
    """

    __slots__ = ()

    def __new__(cls, dims: Any = ()) -> TensorShape:
        if dims is None:
            raise ValueError("Unknown-rank shapes are not supported in eager mode.")
        if isinstance(dims, numbers.Integral):
            dims = (dims,)
        return tuple.__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list:
        return list(self)

    def as_list(self) -> list:
        return list(self)

    def num_elements(self) -> int | None:
        if None in self:
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return None not in self

    def is_compatible_with(self, other: Any) -> bool:
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def concatenate(self, other: Any) -> TensorShape:
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return TensorShape(tuple.__getitem__(self, key))
        return tuple.__getitem__(self, key)

    def __add__(self, other: Any) -> TensorShape:
        return self.concatenate(other)

    def __radd__(self, other: Any) -> TensorShape:
        return TensorShape(other).concatenate(self)

    def __bool__(self) -> bool:
        # TF: a known shape is truthy, even the scalar shape ().
        return True

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(other)
        if isinstance(other, np.ndarray) and other.ndim == 1 and other.dtype.kind in "iu":
            return tuple(self) == tuple(other.tolist())
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        return f"TensorShape({list(self)!r})"

    def __str__(self) -> str:
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"


_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class Tensor:
    """An immutable eager tensor, like TF's ``EagerTensor``.

    Create tensors with :func:`tapeflow.constant` or any op:

    >>> import tapeflow as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> float((x * 2)[1, 0])
    6.0
    """

    # Two slots and no __init__: see the module docstring.
    __slots__ = ("_value", "_id", "__weakref__")
    # NumPy defers to Tensor's reflected operators instead of converting it.
    __array_priority__ = 100

    # -- properties ------------------------------------------------------
    @property
    def dtype(self) -> DType:
        return from_numpy(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        return tuple.__new__(TensorShape, self._value.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        return _DEVICE

    @property
    def backing_device(self) -> str:
        return _DEVICE

    # -- conversions -----------------------------------------------------
    def numpy(self) -> Any:
        """A copy of the value as a NumPy array (or NumPy scalar for rank 0).

        It is a copy, as in TF: writing into it never changes the tensor.
        """
        v = self._value
        if v.ndim == 0:
            return v[()]
        return np.array(v, copy=True)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # A read-only view: NumPy code may read the buffer but never write it.
        view = np.asarray(self._value).view()
        view.flags.writeable = False
        if dtype is not None and view.dtype != dtype:
            return view.astype(dtype)
        if copy:
            return np.array(view, copy=True)
        return view

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in builtins.range(self._value.shape[0]):
            yield self[i]

    def __bool__(self) -> bool:
        v = self._value
        if v.size == 0:  # TF (unlike NumPy 2) calls an empty tensor false
            return False
        return builtins.bool(v)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __index__(self) -> int:
        if self._value.ndim != 0 or self._value.dtype.kind not in "iu":
            raise TypeError(f"Only integer scalar tensors can be used as an index, got "
                            f"shape={self.shape} dtype={self.dtype.name}")
        return int(self._value)

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> Reference:
        """A hashable reference to this tensor (``.deref()`` gives it back)."""
        return Reference(self)

    experimental_ref = ref

    # -- printing --------------------------------------------------------
    def __repr__(self) -> str:
        # As TF: a scalar prints as the Python value (float32 0.1 as
        # 0.10000000149011612), an array as NumPy's repr on a new line if it
        # spans several.
        v = np.asarray(self._value)
        body = repr(v) if v.ndim else repr(v.item())
        sep = "\n" if "\n" in body else ""
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={sep}{body}>"

    def __str__(self) -> str:
        body = str(np.asarray(self._value))
        sep = "\n" if "\n" in body else ""
        return f"tf.Tensor({sep}{body}, shape={self.shape}, dtype={self.dtype.name})"

    def __format__(self, spec: str) -> str:
        # TF formats the NumPy value: a scalar takes any spec, an array only "".
        return format(self.numpy(), spec)

    def __reduce__(self) -> tuple:
        return constant_from_array, (np.asarray(self._value),)

    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo: dict) -> Tensor:
        return self


class Reference:
    """Hashable handle for a Tensor or Variable (TF's ``x.ref()``)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def deref(self) -> Any:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


_new = Tensor.__new__
# Process-unique ids shared by Tensors and Variables, handed out only when a
# recorder first sees a value.
next_id = itertools.count(1).__next__


def wrap(value: Any) -> Tensor:
    """A Tensor around a backend array (no copy, no checks)."""
    t = _new(Tensor)
    t._value = value
    t._id = 0
    return t


def constant_from_array(value: np.ndarray) -> Tensor:
    return wrap(np.asarray(value))


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tapeflow Tensor or Variable (TF's ``tf.is_tensor``)."""
    return isinstance(x, Tensor) or hasattr(x, "_read_for_op")


# -- conversion ---------------------------------------------------------------
# Set by tapeflow.ops.shape: stacks a list that contains Tensors, so that
# ``tf.constant([x, y])`` is recorded (TF's auto-packing) instead of leaving the tape.
pack_hook: Any = None

_PLAIN = frozenset({float, int, builtins.bool, complex, str, bytes})


def _contains_tensor(value: Any) -> builtins.bool:
    """Whether a list holds a Tensor or Variable at any depth (then TF stacks it)."""
    if {type(v) for v in value} <= _PLAIN:  # the usual flat list of numbers: one pass
        return False
    for v in value:
        if isinstance(v, (list, tuple)):
            if _contains_tensor(v):
                return True
        elif is_tensor(v):
            return True
    return False


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: str | None = None) -> Tensor:
    """Converts a Python value, NumPy array, Tensor or Variable to a Tensor.

    Python floats become float32, ints int32 (int64 when they do not fit),
    complex numbers complex128; NumPy arrays keep their dtype.  With ``dtype``
    the value is converted to it, refusing lossy Python conversions:

    >>> import tapeflow as tf
    >>> tf.convert_to_tensor([1, 2]).dtype, tf.convert_to_tensor(1.0, tf.float64).dtype
    (tf.int32, tf.float64)
    """
    if type(value) is Tensor:
        if dtype is not None and as_dtype(dtype)._np != value._value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {as_dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    read = getattr(value, "_read_for_op", None)
    if read is not None:
        return convert_to_tensor(read(), dtype)
    if isinstance(value, Tensor):
        return value
    want = as_dtype(dtype) if dtype is not None else None
    if want is None and dtype_hint is not None:
        # TF tries the hint and quietly falls back to the inferred dtype.
        try:
            return convert_to_tensor(value, dtype_hint)
        except (TypeError, ValueError):
            pass
    if isinstance(value, (np.ndarray, np.generic)):
        return hold(numpy_value(value, want))
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        if pack_hook is None:
            raise TypeError("Lists of tensors need tapeflow.ops loaded to be converted.")
        return pack_hook(value, want)
    if want is not None:
        return hold(python_to(value, want))
    if value is None or isinstance(value, (dict, set, frozenset)):
        raise unsupported(value)
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple, builtins.range)):
        return hold(numpy_value(np.asarray(value), want))
    return hold(infer_python(value))


_SCALAR_KINDS = frozenset("biufc")


def hold(value: Any) -> Tensor:
    """``value`` (a new array) as a Tensor; rank 0 held as a NumPy scalar (numbers).

    Whole reductions and ufuncs on rank-0 operands give NumPy scalars already;
    constants and Variables join them, so that binary ops between scalars run
    NumPy's scalar math (0.06 us) instead of a ufunc call on 0-d arrays (0.5 us):
    a chain of ``y * c + s`` on scalars, forward and backward, 3.5 -> 2.7 us/op.
    """
    if value.ndim == 0 and type(value) is np.ndarray and value.dtype.kind in _SCALAR_KINDS:
        value = value[()]
    return wrap(value)
