"""``tf.Variable``: a mutable, named holder of a Tensor value.

Reading a Variable gives a Tensor; assigning makes a *new* value, so a
Tensor already handed out (and any tape record holding it) never changes.
While a tape is active, each read is offered to it (``read_hook``): a tape
that watches the Variable records the read, so gradients with respect to a
Variable are the sum over all its reads, before and after assignments.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.dtypes import DType, as_dtype, from_numpy
from tapeflow.core.errors import invalid_argument, shape_str
from tapeflow.core.scope import _scope
from tapeflow.core.tensor import (
    Reference,
    Tensor,
    TensorShape,
    convert_to_tensor,
    hold,
    next_id,
    wrap,
)

__all__ = ["Variable"]

# Set by tapeflow.autodiff.tape: read_hook(variable, tensor) -> tensor.
read_hook: Callable[[Variable, Tensor], Tensor] | None = None


class Variable:
    """A mutable tensor-like value, like TF's ``tf.Variable``.

    >>> import tapeflow as tf
    >>> v = tf.Variable([1.0, 2.0], name="w")
    >>> _ = v.assign_add([1.0, 1.0])
    >>> v.numpy(), v.name, v.trainable
    (array([2., 3.], dtype=float32), 'w:0', True)
    """

    __slots__ = ("_tensor", "_id", "_trainable", "_name", "_constraint", "__weakref__")

    def __init__(self, initial_value: Any = None, trainable: bool | None = None,
                 validate_shape: bool = True, caching_device: Any = None,
                 name: str | None = None, variable_def: Any = None, dtype: Any = None,
                 import_scope: Any = None, constraint: Callable | None = None,
                 synchronization: Any = None, aggregation: Any = None,
                 shape: Any = None, **unused: Any) -> None:
        if initial_value is None:
            raise ValueError("The `initial_value` arg to `tf.Variable` must be specified except "
                             "when you are not providing a `variable_def`. You provided neither.")
        if callable(initial_value):
            initial_value = initial_value()
        value = convert_to_tensor(initial_value, dtype=dtype) if dtype is None or \
            not isinstance(initial_value, Tensor) else _cast_tensor(initial_value, dtype)
        # The Variable owns its buffer: a private copy that nobody else can write.
        self._tensor = hold(np.array(value._value, copy=True))
        self._id = next_id()
        self._trainable = True if trainable is None else bool(trainable)
        self._name = _scope.name + (name or "Variable") + ":0"
        self._constraint = constraint

    # -- reading -----------------------------------------------------------
    def _read_for_op(self) -> Tensor:
        """The current value; recorded as a read by tapes that watch this Variable."""
        if dispatch.recorders:
            return read_hook(self, self._tensor)
        return self._tensor

    def value(self) -> Tensor:
        """The current value as a Tensor."""
        return self._read_for_op()

    def read_value(self) -> Tensor:
        """The current value as a Tensor (TF's explicit read)."""
        return self._read_for_op()

    def numpy(self) -> Any:
        return self._tensor.numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # TF hands NumPy a private, writable copy of a Variable's value.
        return np.array(self._tensor._value, dtype=dtype, copy=True)

    # -- writing -----------------------------------------------------------
    def _new_value(self, value: Any, op_name: str) -> np.ndarray:
        """``value`` as an array of this Variable's dtype and shape, or TF's error."""
        arr = convert_to_tensor(value, dtype=self.dtype)._value
        shape = self._tensor._value.shape
        if arr.shape == shape:
            return arr
        if op_name == "AssignVariableOp":
            raise ValueError(
                f"Cannot assign value to variable ' {self._name}': Shape mismatch."
                f"The variable shape {shape}, and the assigned value shape "
                f"{arr.shape} are incompatible.")
        raise invalid_argument(op_name, f"Cannot update variable with shape {shape_str(shape)} "
                               f"using a Tensor with shape {shape_str(arr.shape)}, shapes "
                               f"must be equal.")

    def _writable_buffer(self) -> np.ndarray:
        """The value's buffer, for updating in place (optimizers): copied first if
        anything else still holds it, so a Tensor handed out never changes.

        Reference counts tell: the buffer is ours alone when only this
        Variable's Tensor holds it (3 references to the Tensor here: the
        attribute, the local name and getrefcount's argument; 2 to the array).
        """
        t = self._tensor
        # The counts first: a flags object holds a reference to the array.  Read
        # once, it is one object, not three (0.15 us, not 0.2-0.24).
        if sys.getrefcount(t) > 3 or sys.getrefcount(t._value) > 2:
            fresh = True
        else:
            flags = t._value.flags
            fresh = not (flags.writeable and flags.owndata and flags.c_contiguous)
            del flags
        if fresh:
            t = self._tensor = wrap(np.array(t._value, copy=True, order="C"))
        return t._value

    # The assignments make a new buffer (a Tensor handed out keeps the old one).
    # Writing in place when the buffer is the Variable's alone saves one
    # weight-sized array, but measured slower: in the small MLP benchmark's
    # ``v.assign_sub(lr * g)`` step 0.55 -> 0.92 ms (the large one 160 -> 180 ms),
    # as glibc then returns the freed top of the heap to the system every step
    # and the next step's arrays page-fault (MALLOC_TRIM_THRESHOLD_ hides it).
    # Optimizers update in place through _writable_buffer instead.
    def assign(self, value: Any, use_locking: Any = None, name: str | None = None,
               read_value: bool = True) -> Variable | None:
        """Replace the value (shape and dtype must match); returns the Variable."""
        arr = self._new_value(value, "AssignVariableOp")
        self._tensor = hold(np.array(arr, copy=True, order="C"))
        return self if read_value else None

    def assign_add(self, delta: Any, use_locking: Any = None, name: str | None = None,
                   read_value: bool = True) -> Variable | None:
        """Add ``delta`` to the value; returns the Variable."""
        arr = self._new_value(delta, "AssignAddVariableOp")
        self._tensor = wrap(self._tensor._value + arr)
        return self if read_value else None

    def assign_sub(self, delta: Any, use_locking: Any = None, name: str | None = None,
                   read_value: bool = True) -> Variable | None:
        """Subtract ``delta`` from the value; returns the Variable."""
        arr = self._new_value(delta, "AssignSubVariableOp")
        self._tensor = wrap(self._tensor._value - arr)
        return self if read_value else None

    # -- properties --------------------------------------------------------
    @property
    def dtype(self) -> DType:
        return from_numpy(self._tensor._value.dtype)

    @property
    def shape(self) -> TensorShape:
        return self._tensor.shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self._tensor._value.ndim

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self) -> Callable | None:
        return self._constraint

    @property
    def device(self) -> str:
        return self._tensor.device

    @property
    def handle(self) -> Variable:
        return self

    def ref(self) -> Reference:
        """A hashable reference to this Variable (``.deref()`` gives it back)."""
        return Reference(self)

    experimental_ref = ref

    def __hash__(self) -> int:
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key. "
                        f"(Variable: {self!r})")

    def __repr__(self) -> str:
        body = repr(self._tensor).split("numpy=", 1)[1][:-1]
        return (f"<tf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={body}>")

    def __str__(self) -> str:
        return repr(self)

    def __iter__(self):
        return iter(self._read_for_op())

    def __bool__(self) -> bool:
        return bool(self._tensor)

    def __float__(self) -> float:
        return float(self._tensor)

    def __int__(self) -> int:
        return int(self._tensor)

    def __copy__(self) -> Variable:
        return self  # TF: a shallow copy is the same Variable

    def __deepcopy__(self, memo: dict) -> Variable:
        return Variable(self._tensor, trainable=self._trainable, name=self._name[:-2])


def _cast_tensor(value: Tensor, dtype: Any) -> Tensor:
    want = as_dtype(dtype)
    if value._value.dtype != want._np:
        raise ValueError(f"initial_value: Tensor conversion requested dtype {want.name} for "
                         f"Tensor with dtype {value.dtype.name}: {value!r}")
    return value


dispatch.variable_type = Variable
