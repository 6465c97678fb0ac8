"""Counting and integer-position ops: bincount, unique_with_counts,
unravel_index, invert_permutation, in_top_k, confusion_matrix,
is_non_decreasing and is_strictly_increasing.

They share one trait: each counts, ranks or re-indexes integer positions
instead of computing a smooth function of values.  TF registers no gradient
for their kernels (``DenseBincount``, ``UniqueWithCounts``, ``UnravelIndex``,
``InTopKV2``; ``InvertPermutation`` is marked not differentiable), so they
are declared ``nondiff`` here: their gradients are None (docs/differences.md).
The one exception is ``confusion_matrix``, which TF builds in Python from a
cast and a ``ScatterNd``; built here the same way, its ``weights`` get
ScatterNd's gradient, as in TF.  The monotonicity tests are TF's composites
too (compare neighbours, reduce with ``all``).

Each public function follows TF's Python wrapper step by step (conversions,
checks, defaults), so values, dtypes and error messages match TF 2.21.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import (
    InvalidArgumentError,
    NotFoundError,
    attr_error,
    invalid_argument,
    shape_str,
)
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith, creation, reduction, scan
from tapeflow.ops.declare import composite, nondiff
from tapeflow.ops.indexing import _unique_fwd, scatter_nd, tf_word
from tapeflow.ops.shape_ops import _as_tensor, reshape, squeeze, stack

__all__ = ["bincount", "unique_with_counts", "unravel_index", "invert_permutation",
           "in_top_k", "confusion_matrix", "is_non_decreasing", "is_strictly_increasing"]

_INDEX = ("int32", "int64")


def _allowed(op: str, attr: str, dt: np.dtype, allowed: tuple) -> None:
    """TF's check of a type attr against the kernel's list."""
    if dt.name not in allowed:
        raise attr_error(op, attr, tf_word(dt), ", ".join(tf_word(np.dtype(a)) for a in allowed))


def _shared_int_type(op: str, attr: str, *values: Any, first_input: int = 0) -> list[Tensor]:
    """Inputs sharing one integer type attr, converted as TF's eager ops do: a
    non-tensor takes the dtype of the first tensor among them (or of the first
    value); then TF's mismatch and allowed-type checks (``first_input``: the
    op's input number of the first of them, for the mismatch message)."""
    tensors = [dispatch.read_input(v) for v in values]
    hint = next((t.dtype for t in tensors if isinstance(t, Tensor)), None)
    if hint is None:  # no tensor among them: the first value decides
        tensors[0] = convert_to_tensor(tensors[0])
        hint = tensors[0].dtype
    tensors = [t if isinstance(t, Tensor) else convert_to_tensor(t, dtype=hint)
               for t in tensors]
    first = tensors[0]._value.dtype
    for i, t in enumerate(tensors[1:], 1):
        if t._value.dtype != first:
            raise dispatch.dtype_error(op, first_input + i, first, t._value.dtype)
    _allowed(op, attr, first, _INDEX)
    return tensors


# -- bincount ------------------------------------------------------------------------------
def _bincount_fwd(xp: Any, input: Any, weights: Any, *, size: int,
                  binary_output: bool) -> Any:
    if input.ndim > 2:
        raise invalid_argument("DenseBincount", f"Shape must be at most rank 2 but is rank "
                               f"{input.ndim}")
    if weights.shape != input.shape and weights.size:
        raise invalid_argument(
            "DenseBincount", "`weights` must be the same shape as `arr` or a length-0 "
            "`Tensor`, in which case it acts as all weights equal to 1. Received "
            f"{shape_str(weights.shape)}")
    if size < 0:
        raise invalid_argument("DenseBincount", f"size ({size}) must be non-negative")
    negative = input[input < 0]
    if negative.size:
        raise invalid_argument("DenseBincount", "Input arr must be non-negative!"
                               if input.ndim < 2 else "Input 'in' must be non-negative! "
                               f"Negative input value found: {negative[0]}")
    rows = input if input.ndim == 2 else input.reshape(1, input.size)
    out = xp.zeros((rows.shape[0], size), weights.dtype)
    keep = rows < size  # values at or past ``size`` (maxlength) are skipped
    row_of = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)
    at = (row_of[keep], rows[keep])
    if binary_output:
        out[at] = 1
    else:
        xp.add.at(out, at, weights.reshape(rows.shape)[keep] if weights.size else 1)
    return out if input.ndim == 2 else out[0]


def _bincount_reference(input: Any, weights: Any, size: int, binary_output: bool) -> Any:
    rows = np.atleast_2d(input)
    w = np.ones(rows.shape, weights.dtype) if not weights.size else \
        np.reshape(weights, rows.shape)
    out = np.zeros((rows.shape[0], size), weights.dtype)
    for r in range(rows.shape[0]):
        for c in range(rows.shape[1]):
            if rows[r, c] < size:
                out[r, rows[r, c]] = 1 if binary_output else out[r, rows[r, c]] + w[r, c]
    return out if np.ndim(input) == 2 else out[0]


_dense_bincount = nondiff(
    "DenseBincount", _bincount_fwd, params=True, same_dtype=False,
    reference=_bincount_reference,
    samples=lambda:
        [Sample(np.array([1, 1, 3, 0], np.int32), np.array([0.5, 1.0, 2.0, 3.0]),
                params={"size": 5, "binary_output": False}),
         Sample(np.array([[1, 1, 4], [0, 2, 2]], np.int64), np.zeros(0, np.int32),
                params={"size": 3, "binary_output": True}),
         Sample(np.array([[1, 1], [0, 2]], np.int32), np.array([[1, 2], [3, 4]], np.int64),
                params={"size": 4, "binary_output": False}),
         Sample(np.array([1, -1], np.int32), np.zeros(0), raises=InvalidArgumentError,
                params={"size": 2, "binary_output": False})])


def _length(value: Any, what: str, dtype: Any) -> Tensor:
    """``minlength``/``maxlength`` converted to ``arr``'s dtype, as TF names them."""
    try:
        return convert_to_tensor(value, dtype=dtype)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def bincount(arr: Any, weights: Any = None, minlength: Any = None, maxlength: Any = None,
             dtype: Any = "int32", name: str | None = None, axis: Any = None,
             binary_output: bool = False) -> Tensor:
    """How often each value 0, 1, ... occurs in ``arr`` (or the sum of its ``weights``).

    ``axis=-1`` counts each row of a matrix on its own; ``binary_output``
    gives 1 for present values instead of counts.

    >>> import tapeflow as tf
    >>> tf.math.bincount([1, 1, 3]).numpy()
    array([0, 2, 0, 1], dtype=int32)
    """
    arr = _as_tensor(arr)
    if weights is not None:
        weights = _as_tensor(weights)
    if weights is not None and binary_output:
        raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive. "
                         "Please specify only one.")
    if not arr.dtype.is_integer:
        arr = arith.cast(arr, "int32")
    axis = 0 if axis is None else axis
    if axis not in [0, -1]:
        raise ValueError(f"Unsupported value for argument axis={axis}. Only 0 and -1 are "
                         f"currently supported.")
    size = int(arr._value.max()) + 1 if arr._value.size else 0
    if minlength is not None:
        size = max(int(_length(minlength, "minlength", arr.dtype)._value), size)
    if maxlength is not None:
        size = min(int(_length(maxlength, "maxlength", arr.dtype)._value), size)
    if axis == 0:
        arr = reshape(arr, [-1])
        weights = None if weights is None else reshape(weights, [-1])
    if weights is None:
        weights = wrap(np.zeros(0, as_dtype(dtype)._np if dtype else arr._value.dtype))
    _allowed("DenseBincount", "Tidx", arr._value.dtype, _INDEX)
    _allowed("DenseBincount", "T", weights._value.dtype, ("int32", "int64", "float32",
                                                          "float64"))
    return _dense_bincount(arr, weights, size=size, binary_output=bool(binary_output))


# -- unique_with_counts -------------------------------------------------------------------
def _unique_with_counts_fwd(xp: Any, x: Any, *, out_idx: np.dtype) -> tuple:
    if x.ndim != 1:
        raise invalid_argument("UniqueWithCounts", "unique expects a 1D vector.")
    if x.dtype.kind == "c":  # TF registers no kernel for complex values
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node "
                            f"UniqueWithCounts}}}} = UniqueWithCounts[T=DT_"
                            f"{x.dtype.name.upper()}, out_idx=DT_{out_idx.name.upper()}] "
                            f"[Op:UniqueWithCounts]")
    y, idx = _unique_fwd(xp, x, out_idx=out_idx)
    return y, idx, np.bincount(idx, minlength=len(y)).astype(out_idx)


def _unique_with_counts_reference(x: Any, out_idx: np.dtype) -> tuple:
    slots: dict = {}
    idx = [slots.setdefault(v, len(slots)) for v in x.tolist()]
    counts = [idx.count(k) for k in range(len(slots))]
    return np.array(list(slots), x.dtype), np.array(idx, out_idx), np.array(counts, out_idx)


_unique_with_counts = nondiff(
    "UniqueWithCounts", _unique_with_counts_fwd, n_in=1, params=True, n_out=3,
    reference=_unique_with_counts_reference,
    samples=lambda: [Sample(np.array([4.0, 1.0, 4.0, 2.0, 1.0, 4.0]),
                            params={"out_idx": np.dtype("int32")}),
                     Sample(np.array([3, 3, 0], np.int64), params={"out_idx": np.dtype("int64")}),
                     Sample(np.array([[1, 2]], np.int32), params={"out_idx": np.dtype("int32")},
                            raises=InvalidArgumentError)])
UniqueWithCountsResult = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def unique_with_counts(x: Any, out_idx: Any = "int32", name: str | None = None) -> tuple:
    """``unique``'s values (in order of appearance) and slots, and how often each occurs.

    >>> import tapeflow as tf
    >>> y, idx, count = tf.unique_with_counts([4, 1, 4])
    >>> y.numpy().tolist(), idx.numpy().tolist(), count.numpy().tolist()
    ([4, 1], [0, 1, 0], [2, 1])
    """
    dt = as_dtype(out_idx)
    _allowed("UniqueWithCounts", "out_idx", dt._np, _INDEX)
    return UniqueWithCountsResult(*_unique_with_counts(_as_tensor(x), out_idx=dt._np))


# -- unravel_index ---------------------------------------------------------------------------
def _unravel_fwd(xp: Any, indices: Any, dims: Any) -> Any:
    op = "UnravelIndex"
    if indices.ndim > 1:
        raise invalid_argument(op, f"The indices can only be scalar or vector, got "
                               f'"{shape_str(indices.shape)}"')
    if dims.ndim != 1:
        raise invalid_argument(op, f'The indices can only be 1-D, got "{shape_str(dims.shape)}"')
    if indices.ndim == 1 and not indices.size:
        raise invalid_argument(op, f"received empty tensor indices: Tensor<type: "
                               f"{indices.dtype.name} shape: [0] values: >")
    for i, d in enumerate(dims.tolist()):
        if d == 0:
            raise invalid_argument(op, f"Input dims cannot contain a dim of zero, but dims "
                                   f"contains zero at index {i}")
        if d < 0:
            raise invalid_argument(op, f"Input dims cannot be negative. Got dim = {d} at "
                                   f"index {i}")
    sizes = dims.tolist()
    if int(np.prod(sizes, dtype=object)) > np.iinfo(dims.dtype).max:
        raise invalid_argument(op, f"Input dims product is causing integer overflow: "
                               f"({' '.join(str(d) for d in sizes)})")
    strides = np.cumprod(sizes[::-1], dtype=dims.dtype)[::-1]  # dims[i] * ... * dims[-1]
    if (indices >= (strides[0] if sizes else 1)).any():
        raise invalid_argument(op, "index is out of bound as with dims")
    inner = np.append(strides[1:], 1)[:len(sizes)].astype(dims.dtype)  # dims[i+1] * ...
    # TF's kernel: (index % strides) / inner in C, both truncating towards zero, so a
    # negative index (never refused) gives negative coordinates.
    rest = xp.fmod(indices[None], strides.reshape((-1,) + (1,) * indices.ndim))
    inner = inner.reshape((-1,) + (1,) * indices.ndim)
    return (xp.sign(rest) * (xp.abs(rest) // inner)).astype(dims.dtype)


def _unravel_reference(indices: Any, dims: Any) -> Any:
    return np.array(np.unravel_index(indices, tuple(dims)), dims.dtype)


_unravel_index = nondiff(
    "UnravelIndex", _unravel_fwd, reference=_unravel_reference,
    samples=lambda: [Sample(np.array([1, 5, 0, 23], np.int32), np.array([2, 3, 4], np.int32)),
                     Sample(np.array(7, np.int64), np.array([4, 2], np.int64)),
                     Sample(np.array([6], np.int32), np.array([2, 3], np.int32),
                            raises=InvalidArgumentError)])


def unravel_index(indices: Any, dims: Any, name: str | None = None) -> Tensor:
    """The coordinates of flat ``indices`` in an array of shape ``dims`` (one row per dim).

    >>> import tapeflow as tf
    >>> tf.unravel_index([1, 5], [2, 3]).numpy().tolist()
    [[0, 1], [1, 2]]
    """
    indices, dims = _shared_int_type("UnravelIndex", "Tidx", indices, dims)
    return _unravel_index(indices, dims)


# -- invert_permutation --------------------------------------------------------------------
def _invert_fwd(xp: Any, x: Any) -> Any:
    if x.ndim != 1:
        raise invalid_argument("InvertPermutation", "invert_permutation expects a 1D vector.")
    n = x.size
    inside = (x >= 0) & (x < n)
    seen = np.zeros(n, bool)
    for i, d in enumerate(x.tolist()):  # TF reports the first bad entry, in order
        if not inside[i]:
            raise invalid_argument("InvertPermutation", f"{d} is not between 0 and {n}")
        if seen[d]:
            raise invalid_argument("InvertPermutation", f"{d} is duplicated in the input.")
        seen[d] = True
    out = xp.empty_like(x)
    out[x] = np.arange(n, dtype=x.dtype)
    return out


invert_permutation_op = nondiff(
    "InvertPermutation", _invert_fwd, n_in=1, dtypes=_INDEX,
    reference=lambda x: np.argsort(x).astype(x.dtype),
    samples=lambda:
        [Sample(np.array([3, 4, 0, 2, 1], np.int32)), Sample(np.array([1, 0], np.int64)),
         Sample(np.array([0, 0, 1], np.int32), raises=InvalidArgumentError)])


def invert_permutation(x: Any, name: str | None = None) -> Tensor:
    """``y[x[i]] = i``: the inverse of the permutation ``x`` of 0 ... n-1.

    >>> import tapeflow as tf
    >>> tf.math.invert_permutation([3, 4, 0, 2, 1]).numpy().tolist()
    [2, 4, 3, 0, 1]
    """
    return invert_permutation_op(x)


# -- in_top_k -------------------------------------------------------------------------------
def _in_top_k_fwd(xp: Any, predictions: Any, targets: Any, k: Any) -> Any:
    op = "InTopKV2"
    if k.ndim:
        raise invalid_argument(op, f"k must be 0-D, got shape {shape_str(k.shape)}")
    if predictions.ndim != 2:
        raise invalid_argument(op, "predictions must be 2-dimensional")
    if targets.ndim != 1:
        raise invalid_argument(op, "targets must be 1-dimensional")
    if predictions.shape[0] != targets.shape[0]:
        raise invalid_argument(op, f"First dimension of predictions {predictions.shape[0]} "
                               f"must match length of targets {targets.shape[0]}")
    n = predictions.shape[1]
    if not n:
        return xp.zeros(targets.shape, bool)
    valid = (targets >= 0) & (targets < n)
    rows = np.arange(targets.shape[0])
    target = predictions[rows, np.where(valid, targets, 0)][:, None]
    # TF's kernel: out of range targets and rows holding inf or NaN anywhere are False
    above = (predictions > target).sum(axis=1)
    return valid & xp.isfinite(predictions).all(axis=1) & (above < k)


def _in_top_k_reference(predictions: Any, targets: Any, k: Any) -> Any:
    out = []
    for row, t in zip(predictions, targets):
        ok = 0 <= t < len(row) and np.isfinite(row).all()
        out.append(bool(ok and sum(v > row[t] for v in row) < k))
    return np.array(out, bool)


_in_top_k = nondiff(
    "InTopKV2", _in_top_k_fwd, same_dtype=False, reference=_in_top_k_reference,
    samples=lambda:
        [Sample(np.array([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [1.0, np.nan, 0.0]],
                         np.float32), np.array([1, 0, 0], np.int32), np.array(2, np.int32)),
         Sample(np.array([[0.5, 0.5], [2.0, 1.0]], np.float32), np.array([1, 5], np.int64),
                np.array(1, np.int64)),
         Sample(np.zeros((2, 2), np.float32), np.array([0, 1], np.int32),
                np.array([1], np.int32), raises=InvalidArgumentError)])


def in_top_k(targets: Any, predictions: Any, k: Any, name: str | None = None) -> Tensor:
    """Whether each ``targets[i]`` is among the ``k`` largest of ``predictions[i]``
    (ties count for the target; a row with inf or NaN gives False).

    >>> import tapeflow as tf
    >>> tf.math.in_top_k([1, 0], [[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]], 1).numpy()
    array([ True, False])
    """
    predictions = convert_to_tensor(dispatch.read_input(predictions), dtype="float32")
    targets, k = _shared_int_type("InTopKV2", "T", targets, k, first_input=1)
    return _in_top_k(predictions, targets, k)


# -- confusion_matrix (TF's composite: a ScatterNd of the weights) ---------------------------
def _squeezed(labels: Tensor, predictions: Tensor) -> tuple:
    """TF's remove_squeezable_dimensions: drop a trailing 1 where the ranks differ by one."""
    diff = predictions.ndim - labels.ndim
    if diff == 1 and predictions.shape[-1] in (1, None):
        predictions = squeeze(predictions, [-1])
    elif diff == -1 and labels.shape[-1] in (1, None):
        labels = squeeze(labels, [-1])
    return labels, predictions


def _summary(x: np.ndarray) -> str:
    """TF's eager assert print of a tensor: its first 3 elements as strings."""
    flat = [str(v) for v in x.reshape(-1)[:3]]
    return str(flat + ["..."] if x.size > 3 else flat)


def _check_classes(labels: Tensor, predictions: Tensor, num_classes: Tensor | None) -> None:
    """TF's assert_non_negative and assert_less on both, with their messages."""
    for t, what in ((labels, "labels"), (predictions, "predictions")):
        x = t._value
        if (x < 0).any():
            raise InvalidArgumentError(
                None, None, f"`{what}` contains negative values.  \nCondition x >= 0 did not "
                f"hold element-wise:\nx (shape={tuple(x.shape)} dtype=int64) = \n{_summary(x)}")
    if num_classes is None:
        return
    n = num_classes._value
    for t, what in ((labels, "labels"), (predictions, "predictions")):
        x = t._value
        if not (x < n).all():
            first_x, first_n = x.reshape(-1)[:3], np.reshape(n, -1)[:3]
            raise InvalidArgumentError(
                None, None, f"`{what}` out of bound\nCondition x < y did not hold.\nFirst "
                f"{first_x.size} elements of x:\n{first_x}\nFirst {first_n.size} elements "
                f"of y:\n{first_n}")


def _confusion_reference(labels: Any, predictions: Any, num_classes: Any = None,
                         weights: Any = None, dtype: Any = "int32") -> Any:
    n = int(num_classes)
    out = np.zeros((n, n), as_dtype(dtype)._np)
    for k, (i, j) in enumerate(zip(labels, predictions)):
        out[i, j] += 1 if weights is None else weights[k]
    return out


@composite(samples=lambda: [Sample(np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1]), 3,
                                   np.array([0.5, 1.5, -2.0, 3.0]), params={"dtype": "float64"}),
                            Sample(np.array([1, 1, 0], np.int32), np.array([0, 0, 1], np.int32), 2),
                            Sample(np.array([0, -1]), np.array([1, 1]), 3,
                                   raises=InvalidArgumentError)],
           reference=_confusion_reference)
def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None, weights: Any = None,
                     dtype: Any = "int32", name: str | None = None) -> Tensor:
    """``m[i, j]``: how often (or with what total weight) label i was predicted as j.

    >>> import tapeflow as tf
    >>> tf.math.confusion_matrix([0, 1, 1], [0, 1, 0]).numpy().tolist()
    [[1, 0], [1, 1]]
    """
    labels, predictions = _squeezed(_as_tensor(labels), _as_tensor(predictions))
    predictions = arith.cast(predictions, "int64")
    labels = arith.cast(labels, "int64")
    if num_classes is not None:
        num_classes = arith.cast(num_classes, "int64")
    _check_classes(labels, predictions, num_classes)
    if num_classes is None:
        num_classes = arith.maximum(reduction.reduce_max(predictions),
                                    reduction.reduce_max(labels)) + 1
    if weights is not None:
        weights = _as_tensor(weights)
        if not predictions.shape.is_compatible_with(weights.shape):
            raise ValueError(f"Shapes {predictions.shape} and {weights.shape} are incompatible")
        weights = arith.cast(weights, dtype)
    if labels.ndim == 0:  # TF's stack refuses axis 1 of scalars with this ValueError
        raise ValueError("Argument `axis` = 1 not in range [-1, 1)")
    shape = stack([num_classes, num_classes])
    indices = stack([labels, predictions], axis=1)
    values = arith.ones_like(predictions, dtype) if weights is None else weights
    return scatter_nd(indices, values, arith.cast(shape, "int64"))


# -- monotonicity (TF's composites: compare neighbours, then all) --------------------------------
def _neighbours_all(x: Any, compare: Any) -> Tensor:
    flat = reshape(_as_tensor(x), [-1])
    if not flat.dtype.is_numeric:
        raise TypeError(f"Expected x to be numeric, instead found: {flat!s}")
    if flat._value.size < 2:  # nothing to compare: all of [] is True
        return creation.constant(True)
    return scan.reduce_all(compare(flat[1:], flat[:-1]))


def _monotone_reference(strict: bool) -> Any:
    def reference(x: Any) -> Any:
        flat = np.reshape(x, -1).tolist()
        return np.bool_(all((b > a) if strict else (b >= a) for a, b in zip(flat, flat[1:])))
    return reference


@composite(samples=lambda:
               [Sample(np.array([[1.0, 2.0], [2.0, 3.5]])), Sample(np.array([3, 1], np.int32)),
                Sample(np.array([1.0, np.nan])), Sample(np.array(4.0))],
           reference=_monotone_reference(strict=False))
def is_non_decreasing(x: Any, name: str | None = None) -> Tensor:
    """Whether ``x`` (flattened) never decreases: ``x[i] <= x[i + 1]``.

    >>> import tapeflow as tf
    >>> bool(tf.math.is_non_decreasing([1, 1, 2]))
    True
    """
    return _neighbours_all(x, arith.greater_equal)


@composite(samples=lambda:
               [Sample(np.array([1.0, 1.0, 2.0])), Sample(np.array([[0, 1], [2, 5]], np.int64)),
                Sample(np.zeros(0))],
           reference=_monotone_reference(strict=True))
def is_strictly_increasing(x: Any, name: str | None = None) -> Tensor:
    """Whether ``x`` (flattened) always increases: ``x[i] < x[i + 1]``.

    >>> import tapeflow as tf
    >>> bool(tf.math.is_strictly_increasing([1, 1, 2]))
    False
    """
    return _neighbours_all(x, arith.greater)
