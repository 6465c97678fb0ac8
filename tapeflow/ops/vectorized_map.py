"""``tf.vectorized_map``: ``fn`` over axis 0 of nested ``elems``, its results stacked.

TF vectorizes ``fn`` (pfor) and runs the vectorized graph; eagerly the values
are those of calling ``fn`` on each slice and stacking, which is what this
does.  Every op ``fn`` runs is an ordinary recorded op, so a GradientTape
around the call differentiates through it (to any order).  Structures are
TF's ``nest`` structures: lists, tuples (namedtuples too) and dicts (leaves
in sorted-key order); anything else is a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.errors import invalid_argument
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops.declare import Sample, composite
from tapeflow.ops.reduction import reduce_sum
from tapeflow.ops.samples import composite_rand
from tapeflow.ops.shape_ops import stack

__all__ = ["vectorized_map", "flatten", "pack_as"]


def flatten(structure: Any) -> list:
    """The leaves of a nested structure, in TF's ``nest.flatten`` order."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_as(structure: Any, leaves: list) -> Any:
    """``structure`` with its leaves replaced, in order, by ``leaves``."""
    it = iter(leaves)

    def pack(s: Any) -> Any:
        if isinstance(s, dict):
            packed = {key: pack(s[key]) for key in sorted(s)}
            return type(s)((key, packed[key]) for key in s)
        if isinstance(s, (list, tuple)):
            items = [pack(item) for item in s]
            return type(s)(*items) if hasattr(s, "_fields") else type(s)(items)
        return next(it)
    return pack(structure)


def vectorized_map(fn: Callable, elems: Any, fallback_to_while_loop: bool = True,
                   warn: bool = True) -> Any:
    """``fn`` applied to each slice along axis 0 of ``elems`` (a tensor or a nested
    structure of tensors, sliced together), its outputs stacked along a new axis 0.

    Leading dimensions that differ raise InvalidArgumentError as in TF (the
    gather of a shorter input goes out of range); a scalar leaf raises TF's
    IndexError.  ``fallback_to_while_loop`` and ``warn`` concern TF's pfor
    conversion and change nothing here.  Outputs that do not depend on the
    slice are repeated (TF tiles them).

    >>> import tapeflow as tf
    >>> tf.vectorized_map(lambda row: tf.reduce_sum(row * row),
    ...                   tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
    array([ 5., 25.], dtype=float32)
    """
    leaves = [convert_to_tensor(leaf) for leaf in flatten(elems)]
    if not leaves:
        raise ValueError("max() arg is an empty sequence")  # TF's (its batch size is a max)
    if any(leaf._value.ndim == 0 for leaf in leaves):
        raise IndexError("list index out of range")  # TF's: a scalar has no axis 0
    sizes = [leaf._value.shape[0] for leaf in leaves]
    batch = max(sizes)
    if min(sizes) < batch:
        short = min(sizes)
        raise invalid_argument("GatherV2", f"indices[{short}] = {short} is not in [0, {short})")
    if batch == 0:
        return _empty_result(fn, elems, leaves)
    outs = [fn(pack_as(elems, [leaf[i] for leaf in leaves])) for i in range(batch)]
    rows = [[convert_to_tensor(v) for v in flatten(out)] for out in outs]
    return pack_as(outs[0], [stack([row[k] for row in rows]) for k in range(len(rows[0]))])


def _empty_result(fn: Callable, elems: Any, leaves: list) -> Any:
    """With no slices, the outputs' element shapes and dtypes come from one call
    of ``fn`` on zeros shaped like a slice."""
    zeros = [convert_to_tensor(np.zeros(leaf._value.shape[1:], leaf._value.dtype))
             for leaf in leaves]
    out = fn(pack_as(elems, zeros))
    empty = [convert_to_tensor(np.zeros((0, *t._value.shape), t._value.dtype))
             for t in (convert_to_tensor(v) for v in flatten(out))]
    return pack_as(out, empty)


# Table-test entries (tests/test_op_table.py): values and derivatives to second order.
@composite(samples=lambda: [Sample(composite_rand((3, 2)))],
           reference=lambda x: (x ** 3).sum(axis=1), name="vectorized_map")
def _cubes_summed(x: Tensor) -> Tensor:
    return vectorized_map(lambda row: reduce_sum(row * row * row), x)


@composite(samples=lambda: [Sample(composite_rand((3,)), composite_rand((3,)))],
           reference=lambda x, y: (x * y, x + y), name="vectorized_map_nested")
def _product_and_sum(x: Tensor, y: Tensor) -> tuple:
    product, sums = vectorized_map(lambda p: (p[0] * p[1], {"s": p[0] + p[1]}), (x, y))
    return product, sums["s"]
