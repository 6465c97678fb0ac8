"""dynamic_partition and dynamic_stitch: rows routed by integer ids, and back.

``dynamic_partition`` splits the rows of ``data`` (after ``partitions``'s
leading axes) into ``num_partitions`` tensors; it is composed of gathers, so
its gradient scatters each part's cotangent back (TF stitches them: the
same values, as the parts are disjoint; parts without a gradient give 0).

``dynamic_stitch`` writes the rows of every ``data[i]`` at ``indices[i]``,
later rows winning on repeated indices, into ``max(indices) + 1`` rows
(rows nobody writes are 0).  Its gradient is TF's: each ``data[i]`` gathers
the cotangent at its indices, so a row that lost to a later duplicate still
receives the gradient of the winning row (TF's ``_DynamicStitchGrads``; the
derivative of the value has none there).  ``DynamicStitch`` here is one op
over the inputs concatenated, with that gather as its transpose.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.errors import invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import indexing, shape_ops
from tapeflow.ops.declare import composite, linear
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["dynamic_partition", "dynamic_stitch"]


# -- dynamic_partition: one gather per part ---------------------------------------------------
def _num_partitions(n: Any) -> int:
    if isinstance(n, Tensor) or hasattr(n, "_read_for_op"):
        n = convert_to_tensor(n)._value
    if not isinstance(n, (numbers.Real, np.ndarray)) or np.ndim(n):
        raise TypeError(f"Expected int for argument 'num_partitions' not {n!r}.")
    n = int(n)
    if n < 1:
        raise invalid_argument("DynamicPartition", f"Value for attr 'num_partitions' of {n} "
                               f"must be at least minimum 1")
    return n


def _partition_reference(data: Any, partitions: Any, num_partitions: int) -> list:
    return [data[partitions == p] for p in range(num_partitions)]


@composite(samples=lambda:
               [Sample(composite_rand((4, 2)), np.array([1, 0, 1, 1], np.int32),
                       params={"num_partitions": 3}),
                Sample(composite_rand((2, 3)), np.array([[0, 1, 0], [1, 1, 0]], np.int32),
                       params={"num_partitions": 2})],
           reference=_partition_reference)
def dynamic_partition(data: Any, partitions: Any, num_partitions: Any,
                      name: str | None = None) -> list:
    """The slices of ``data`` split by the ids in ``partitions`` (int32, in
    ``[0, num_partitions)``), in their original order, as a list of tensors.

    >>> import tapeflow as tf
    >>> [p.numpy().tolist() for p in tf.dynamic_partition([1.0, 2.0, 3.0], [1, 0, 1], 2)]
    [[2.0], [1.0, 3.0]]
    """
    n = _num_partitions(num_partitions)
    x = shape_ops._as_tensor(data)
    ids = convert_to_tensor(dispatch.read_input(partitions), dtype="int32")._value
    shape = x._value.shape
    if shape[:ids.ndim] != ids.shape:
        raise invalid_argument("DynamicPartition", f"data.shape must start with "
                               f"partitions.shape, got data.shape = {shape_str(shape)}, "
                               f"partitions.shape = {shape_str(ids.shape)}")
    flat_ids = ids.reshape(-1)
    bad = np.flatnonzero((flat_ids < 0) | (flat_ids >= n))
    if bad.size:
        raise invalid_argument("DynamicPartition", f"partitions[{bad[0]}] = "
                               f"{int(flat_ids[bad[0]])} is not in [0, {n})")
    rows = shape_ops.reshape(x, (flat_ids.size,) + shape[ids.ndim:])
    return [indexing._gather(rows, wrap(np.flatnonzero(flat_ids == p).astype(np.int64)),
                             axis=0, batch_dims=0) for p in range(n)]


# -- dynamic_stitch: one op over the concatenated inputs --------------------------------------
def _stitch_fwd(xp: Any, indices: Any, data: Any) -> Any:
    rows = int(indices.max()) + 1 if indices.size else 0
    bad = np.flatnonzero(indices < 0)
    if bad.size:  # below max + 1, only negative ids fail (dynamic_stitch checks first)
        raise invalid_argument("DynamicStitch", f"indices[{bad[0]}] is out of range")
    out = xp.zeros((rows,) + data.shape[1:], data.dtype)
    out[indices] = data  # NumPy assigns repeated indices in order: the last one wins
    return out


def _stitch_reference(indices: Any, data: Any) -> Any:
    out = np.zeros((int(indices.max()) + 1,) + data.shape[1:], data.dtype)
    for i, row in zip(indices, data):
        out[i] = row
    return out


_stitch = linear(
    "DynamicStitch", _stitch_fwd,
    # TF's transpose: every row gathers g at its index (losing duplicates too)
    (None, lambda g, indices: indexing._gather(g, indices, axis=0, batch_dims=0)),
    samples=lambda: [Sample(np.array([2, 0, 3, 1], np.int32), rand((4, 2))),
                     Sample(np.array([4, 0, 1], np.int32), rand((3,))),
                     Sample(np.array([1, 0, 1], np.int32), rand((3, 2)), grad=False)],  # duplicate
    same_dtype=False, reference=_stitch_reference)


def _stitch_data(indices: list, data: list) -> list[Tensor]:
    """``data`` as tensors of one dtype, as TF converts a list(T) input: the first
    Tensor's dtype, else the first element's."""
    if len(data) != len(indices):
        raise ValueError(f"List argument 'data' to 'dynamic_stitch' Op with length "
                         f"{len(data)} must match length {len(indices)} of argument 'indices'.")
    values = [dispatch.read_input(d) for d in data]
    first = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = first.dtype if first is not None else convert_to_tensor(values[0]).dtype
    out = []
    for k, v in enumerate(values):
        t = v if isinstance(v, Tensor) else convert_to_tensor(v, dtype=dtype)
        if t.dtype != dtype:
            raise dispatch.dtype_error("DynamicStitch", len(indices) + k, dtype._np,
                                       t._value.dtype)
        out.append(t)
    return out


def _check_stitch(ids: list, values: list) -> None:
    """TF's shape checks, input by input, then its range check."""
    tail0 = values[0].shape[ids[0].ndim:]
    for k, (i, v) in enumerate(zip(ids, values)):
        if v.shape[:i.ndim] != i.shape:
            raise invalid_argument("DynamicStitch", f"data[{k}].shape = {shape_str(v.shape)} "
                                   f"does not start with indices[{k}].shape = "
                                   f"{shape_str(i.shape)}")
        if v.shape[i.ndim:] != tail0:
            raise invalid_argument(
                "DynamicStitch", f"Need data[0].shape[{ids[0].ndim}:] = data[{k}].shape["
                f"{i.ndim}:], got data[0].shape = {shape_str(values[0].shape)}, data[{k}].shape"
                f" = {shape_str(v.shape)}, indices[0].shape = {shape_str(ids[0].shape)}, "
                f"indices[{k}].shape = {shape_str(i.shape)}")
    for i in ids:
        bad = np.flatnonzero(i.reshape(-1) < 0)
        if bad.size:
            raise invalid_argument("DynamicStitch", f"indices[{bad[0]}] is out of range")


def dynamic_stitch(indices: Any, data: Any, name: str | None = None) -> Tensor:
    """Rows of every ``data[i]`` placed at ``indices[i]`` (int32) in one tensor of
    ``max(indices) + 1`` rows; on a repeated index the last row wins.

    >>> import tapeflow as tf
    >>> tf.dynamic_stitch([[0, 2], [1, 2]], [[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
    [1.0, 3.0, 4.0]
    """
    indices, data = list(indices), list(data)
    ids = [convert_to_tensor(dispatch.read_input(i), dtype="int32") for i in indices]
    values = _stitch_data(indices, data)
    _check_stitch([i._value for i in ids], [v._value for v in values])
    tail = values[0]._value.shape[ids[0]._value.ndim:]
    flat_ids = np.concatenate([i._value.reshape(-1) for i in ids])
    rows = [shape_ops.reshape(v, (i._value.size,) + tail) for i, v in zip(ids, values)]
    stacked = rows[0] if len(rows) == 1 else shape_ops.concat(rows, axis=0)
    return _stitch(wrap(flat_ids), stacked)
