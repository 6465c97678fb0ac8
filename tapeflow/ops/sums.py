"""Sums of lists of terms: ``tf.math.accumulate_n`` and ``tf.math.polyval``.

Both are composites (built from add, multiply and add_n; no rules of their
own), so gradients reach every input through those ops' rules.  Arguments,
checks and messages are TF 2.21's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype
from tapeflow.core.tensor import Tensor, TensorShape, convert_to_tensor
from tapeflow.ops.arith import add, multiply, zeros_like
from tapeflow.ops.declare import Sample, composite
from tapeflow.ops.samples import composite_rand
from tapeflow.ops.special import add_n

__all__ = ["accumulate_n", "polyval"]

_ACCUMULATE_INPUTS = "inputs must be a list of at least one Tensor with the same dtype and shape"


def accumulate_n(inputs: Any, shape: Any = None, tensor_dtype: Any = None,
                 name: str | None = None) -> Tensor:
    """The elementwise sum of a list of tensors of one dtype and one shape
    (``shape`` and ``tensor_dtype``, when given, are checked against them).
    TF deprecates it for ``tf.math.add_n``, which it calls.

    >>> import tapeflow as tf
    >>> tf.math.accumulate_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]).numpy()
    array([4., 6.], dtype=float32)
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError(_ACCUMULATE_INPUTS)
    inputs = [convert_to_tensor(x) for x in inputs]
    if any(x.dtype != inputs[0].dtype for x in inputs):
        raise ValueError(_ACCUMULATE_INPUTS)
    merged = None if shape is None else TensorShape(shape)
    for x in inputs:
        if merged is not None and not merged.is_compatible_with(x.shape):
            raise ValueError(f"Shapes {merged} and {x.shape} are not compatible")
        merged = x.shape if merged is None else merged
    if tensor_dtype is not None and as_dtype(tensor_dtype) != inputs[0].dtype:
        raise TypeError(f"The `tensor_dtype` argument is <dtype: '{as_dtype(tensor_dtype).name}'>,"
                        f" but `input` is of type <dtype: '{inputs[0].dtype.name}'>. These must be"
                        f" equal. Try casting the input to the desired type.")
    return inputs[0] if len(inputs) == 1 else add_n(inputs)


def polyval(coeffs: Any, x: Any, name: str | None = None) -> Tensor:
    """``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by Horner's rule
    (``p = c + p * x``), broadcasting; an empty list gives ``zeros_like(x)``.

    >>> import tapeflow as tf
    >>> float(tf.math.polyval([1.0, 2.0, 3.0], tf.constant(2.0)))
    11.0
    """
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    x = convert_to_tensor(x)
    if not coeffs:
        return zeros_like(x)
    terms = [convert_to_tensor(c) for c in coeffs]
    p = terms[0]
    for c in terms[1:]:
        p = add(c, multiply(p, x))
    return p


# Table-test entries (tests/test_op_table.py): values and derivatives, every input.
@composite(samples=lambda: [Sample(composite_rand((2, 3)), composite_rand((2, 3)),
                                   composite_rand((2, 3)))],
           reference=lambda a, b, c: a + b + c, name="accumulate_n")
def _accumulate_three(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    return accumulate_n([a, b, c])


@composite(samples=lambda: [Sample(composite_rand(()), composite_rand((3,)), composite_rand(()),
                                   composite_rand((2, 3)))],
           reference=lambda a, b, c, x: np.polyval([a, 0.0, 0.0], x) + b * x + c,
           name="polyval")
def _quadratic(a: Tensor, b: Tensor, c: Tensor, x: Tensor) -> Tensor:
    return polyval([a, b, c], x)
