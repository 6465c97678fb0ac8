"""reverse_sequence: in each slice along ``batch_axis``, the first ``seq_lengths[b]``
elements along ``seq_axis`` reversed.

A permutation that is its own inverse, so ``ReverseSequence`` is linear and
its own transpose (TF's gradient: reverse_sequence of the cotangent).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tapeflow.core.errors import invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops.declare import ANY, linear
from tapeflow.ops.indexing import index_input
from tapeflow.ops.samples import rand
from tapeflow.ops.shape_ops import _as_tensor

__all__ = ["reverse_sequence"]

_OP = "ReverseSequence"


def _check(x: Any, lengths: Any, seq_dim: int, batch_dim: int) -> None:
    """TF's kernel checks, in its order."""
    if lengths.ndim != 1:
        raise invalid_argument(_OP, f"seq_lengths must be 1-dim, not {lengths.ndim}")
    if batch_dim == seq_dim:
        raise invalid_argument(_OP, f"batch_dim == seq_dim == {seq_dim}")
    for what, dim in (("seq_dim", seq_dim), ("batch_dim", batch_dim)):
        if dim >= x.ndim:
            raise invalid_argument(_OP, f"{what} must be < input rank ( {dim} vs. {x.ndim})")
    if lengths.size != x.shape[batch_dim]:
        raise invalid_argument(_OP, f"Length of seq_lengths != input.dims({batch_dim}), "
                               f"({lengths.size} vs. {x.shape[batch_dim]})")
    for d, n in enumerate(lengths.tolist()):
        if n < 0:
            raise invalid_argument(_OP, f"seq_lens({d}) < 0")
        if n > x.shape[seq_dim]:
            raise invalid_argument(_OP, f"seq_lens({d}) > input.dims({seq_dim})")


def _fwd(xp: Any, input: Any, seq_lengths: Any, *, seq_dim: int, batch_dim: int) -> Any:
    _check(input, seq_lengths, seq_dim, batch_dim)
    coords = list(np.indices(input.shape, sparse=True))
    shape = [1] * input.ndim
    shape[batch_dim] = -1
    n = seq_lengths.astype(np.int64).reshape(shape)
    s = coords[seq_dim]
    coords[seq_dim] = np.where(s < n, n - 1 - s, s)
    return input[tuple(coords)]


def _reference(x: Any, lengths: Any, seq_dim: int, batch_dim: int) -> Any:
    out = np.array(x, copy=True)
    for b, n in enumerate(lengths):
        src = [slice(None)] * x.ndim
        src[batch_dim], src[seq_dim] = b, slice(0, int(n))
        out[tuple(src)] = np.flip(x[tuple(src)], axis=seq_dim - (batch_dim < seq_dim))
    return out


_reverse_sequence = linear(
    _OP, _fwd,
    # a self-inverse permutation: its transpose is itself
    (lambda g, seq_lengths, *, seq_dim, batch_dim: _reverse_sequence(
        g, seq_lengths, seq_dim=seq_dim, batch_dim=batch_dim), None),
    samples=lambda: [Sample(rand((2, 4)), np.array([3, 1], np.int32),
                            params={"seq_dim": 1, "batch_dim": 0}),
                     Sample(rand((3, 2, 2)), np.array([3, 0], np.int64),
                            params={"seq_dim": 0, "batch_dim": 1}),
                     Sample(rand((2, 3, 2)), np.array([2, 3], np.int32),
                            params={"seq_dim": 1, "batch_dim": 2})],
    dtypes=ANY, params=True, same_dtype=False, reference=_reference)


def _dim(value: Any, arg: str) -> int:
    if isinstance(value, Tensor):
        value = value.numpy()
    if not isinstance(value, (numbers.Real, np.generic)) or isinstance(value, bool):
        raise TypeError(f"Expected int for argument '{arg}' not {value!r}.")
    value = int(value)
    if value < 0:
        raise invalid_argument(_OP, f"Invalid {arg} {value}")
    return value


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: Any = None, batch_axis: Any = None,
                     name: str | None = None) -> Tensor:
    """``input`` with, for each index ``b`` along ``batch_axis`` (default 0), the first
    ``seq_lengths[b]`` elements along ``seq_axis`` reversed.

    >>> import tapeflow as tf
    >>> tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], seq_axis=1).numpy().tolist()
    [[2, 1, 3], [6, 5, 4]]
    """
    seq_dim = _dim(seq_axis, "seq_dim")
    batch_dim = _dim(0 if batch_axis is None else batch_axis, "batch_dim")
    x = _as_tensor(input)
    lengths = index_input(_OP, "Tlen", seq_lengths, ("int32", "int64"))
    return _reverse_sequence(x, lengths, seq_dim=seq_dim, batch_dim=batch_dim)
