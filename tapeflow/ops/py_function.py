"""``tf.numpy_function`` and ``tf.py_function``: Python functions as ops, as TF
runs them eagerly.

* ``numpy_function`` calls ``func`` on NumPy arrays.  Eagerly TF does not read
  ``Tout`` at all: each result is converted as ``tf.convert_to_tensor`` would
  (NumPy dtypes kept, Python floats float32), the results are flattened, and
  a single one is unwrapped.  Its outputs have no gradient (None here; TF's
  tape finds no gradient function for them and also gives None).
* ``py_function`` calls ``func`` on eager Tensors and converts each result to
  its ``Tout`` dtype, with TF's errors.  The ops ``func`` runs are recorded on
  any active tape, so gradients flow through them, as in TF eager.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import invalid_argument
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.core.variable import Variable
from tapeflow.ops.arith import sin
from tapeflow.ops.declare import Sample, composite
from tapeflow.ops.samples import composite_rand
from tapeflow.ops.vectorized_map import flatten

__all__ = ["numpy_function", "py_function"]


def numpy_function(func: Callable | None = None, inp: Any = None, Tout: Any = None,
                   stateful: bool = True, name: str | None = None) -> Any:
    """``func`` called on ``inp`` as NumPy arrays; its results as Tensors (one result
    unwrapped, several as a list).  No gradient flows through it.

    >>> import numpy as np
    >>> import tapeflow as tf
    >>> tf.numpy_function(np.sinh, [tf.constant([0.0, 1.0])], tf.float32).numpy()
    array([0.       , 1.1752012], dtype=float32)
    """
    if isinstance(inp, Tensor) and inp._value.ndim == 0:
        raise TypeError("Cannot iterate over a scalar tensor.")
    arrays = [np.array(x._value if isinstance(x, (Tensor, Variable)) else x) for x in inp]
    results = [None if r is None else convert_to_tensor(r) for r in flatten(func(*arrays))]
    return results[0] if len(results) == 1 else results


def py_function(func: Callable | None = None, inp: Any = None, Tout: Any = None,
                name: str | None = None) -> Any:
    """``func`` called on ``inp`` as eager Tensors; each result converted to its
    ``Tout`` dtype (a dtype: one Tensor; a list of dtypes: a list).  Gradients
    flow through the ops ``func`` runs.

    >>> import tapeflow as tf
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.py_function(lambda a: a ** 3, [x], tf.float32)
    >>> float(tape.gradient(y, x))
    12.0
    """
    if not callable(func):
        raise ValueError(f"Expected func to be callable. Received func={func} of type "
                         f"{type(func)}.")
    if isinstance(inp, Tensor) and inp._value.ndim == 0:
        raise TypeError("Cannot iterate over a scalar tensor.")
    many = isinstance(Tout, (list, tuple))
    dtypes = [as_dtype(t) for t in (Tout if many else [Tout])]
    ret = func(*[x if isinstance(x, Tensor) else convert_to_tensor(x) for x in inp])
    results = list(ret) if isinstance(ret, (list, tuple)) else ([] if ret is None else [ret])
    if len(results) < len(dtypes):  # extra results are dropped, as TF's zip does
        raise invalid_argument("EagerPyFunc", f"{_name(func)} returns {len(results)} values, "
                                              f"but expects to see {len(dtypes)} values.")
    outputs = [_convert(r, dtype) for r, dtype in zip(results, dtypes)]
    if ret is None:
        return [] if many else None
    return outputs if many else outputs[0]


def _convert(value: Any, dtype: Any) -> Tensor:
    """TF's conversion of one result: a Tensor must already have ``dtype``."""
    if isinstance(value, Variable):
        raise RuntimeError(
            "Attempting to return a variable from an eagerly executed py_func. Only numeric "
            "data structures like Tensors or NumPy arrays should be returned; to return the "
            "value of a variable, make sure to obtain the Tensor backing it by calling "
            f"`.read_value()` on the variable in question: {value}")
    if isinstance(value, Tensor) and value.dtype != dtype:
        raise invalid_argument(
            "EagerPyFunc", f"ValueError: Tensor conversion requested dtype {dtype.name} for "
                           f"Tensor with dtype {value.dtype.name}: {value!r}")
    return value if isinstance(value, Tensor) else convert_to_tensor(value, dtype)


def _name(func: Callable) -> str:
    return f"pyfunc_{getattr(func, '__name__', 'func')}"


# Table-test entry (tests/test_op_table.py): gradients flow through func's ops.
@composite(samples=lambda: [Sample(composite_rand((2, 3)))], reference=lambda x: np.sin(x) * x,
           name="py_function")
def _sin_times(x: Tensor) -> Tensor:
    return py_function(lambda a: a * sin(a), [x], x.dtype)
