"""Indexing ops: gather, gather_nd, scatter_nd, tensor_scatter_nd_update/add,
boolean_mask, sort, argsort, unique and one_hot.

Gathers and scatters are linear in their data and state their transposes in
pairs, as TF's gradients do: ``GatherNd`` and ``ScatterNd`` transpose into
each other (repeated indices accumulate), and ``GatherV2``'s transpose is a
``ScatterNd`` at the coordinates the gather read.  Integer indices are
non-differentiable inputs (transpose None).  Sort is a ``GatherNd`` at the
sorted positions, so its gradient flows back to where each value came from.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import attr_error, invalid_argument, shape_str
from tapeflow.core.opdef import OpDef, Sample, declare
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops.declare import composite, linear, nondiff
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.scatter_add import add_at
from tapeflow.ops.shape_ops import _as_tensor, reshape

__all__ = ["gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
           "tensor_scatter_nd_add", "boolean_mask", "sort", "argsort", "unique", "one_hot"]

_INDEX_TYPES = ("int16", "int32", "int64")


def tf_word(dt: np.dtype) -> str:
    """TF's name for a dtype inside kernel messages (float, double, int32, ...)."""
    return dispatch.word(dt)


def index_input(op: str, attr: str, x: Any, allowed: tuple = _INDEX_TYPES) -> Tensor:
    """An integer input (indices, paddings, multiples), with TF's attr check."""
    empty = isinstance(x, (list, tuple)) and not np.size(x)
    t = convert_to_tensor(np.zeros(np.shape(x), np.int32)) if empty else _as_tensor(x)
    if t._value.dtype.name not in allowed:
        raise attr_error(op, attr, tf_word(t._value.dtype), ", ".join(allowed))
    return t


def _pos(index: Any) -> str:
    return ",".join(str(int(i)) for i in index)


# -- GatherNd <-> ScatterNd: coordinates into the leading dimensions ------------------------
def _nd_key(op: str, indices: Any, shape: tuple, what: str, suffix: str = "") -> tuple:
    """``indices[..., k]`` as an index tuple into ``shape``, bounds checked as TF does."""
    m = indices.shape[-1]
    if m == 0:
        return ()
    flat = indices.reshape(-1, m)
    bad = ((flat < 0) | (flat >= np.asarray(shape[:m], dtype=np.int64))).any(axis=1)
    if bad.any():
        r = int(np.argmax(bad))
        raise invalid_argument(op, f"indices[{r}] = [{', '.join(str(int(v)) for v in flat[r])}]"
                               f" does not index into {what} {shape_str(shape)}{suffix}")
    return tuple(np.moveaxis(indices, -1, 0))


def _gather_nd_fwd(xp: Any, params: Any, indices: Any) -> Any:
    if indices.ndim == 0:
        raise invalid_argument("GatherNd", "indices must be at least a vector")
    if indices.shape[-1] > params.ndim:
        raise invalid_argument("GatherNd", f"index innermost dimension length must be <= "
                               f"params rank; saw: {indices.shape[-1]} vs. {params.ndim}")
    key = _nd_key("GatherNd", indices, params.shape, "param shape", ", node name: GatherNd")
    if not key:  # empty coordinates select all of params, once per index row
        return xp.broadcast_to(params, indices.shape[:-1] + params.shape).copy()
    return params[key]


def _check_updates(op: str, indices: Any, updates: Any, shape: tuple) -> None:
    """TF's shape rules for scatters: updates = indices.shape[:-1] + shape[depth:]."""
    if indices.ndim == 0:
        raise invalid_argument(op, "Indices shape must have rank at least one. Found:[]")
    outer, m = indices.ndim - 1, indices.shape[-1]
    ushape, ishape = tuple(updates.shape), tuple(indices.shape)
    if op == "ScatterNd":
        if ushape[:outer] != ishape[:outer]:
            raise invalid_argument(op, f"Dimensions [0,{outer}) of indices[shape="
                                   f"{shape_str(ishape)}] must match dimensions [0,{outer}) "
                                   f"of updates[shape={shape_str(ushape)}]")
        if m > len(shape) or ushape[outer:] != tuple(shape[m:]):
            raise invalid_argument(op, f"Dimensions [{m},{len(shape)}) of input[shape="
                                   f"{shape_str(shape)}] must match dimensions [{outer},"
                                   f"{len(ushape)}) of updates[shape={shape_str(ushape)}]")
        return
    if ushape[:outer] != ishape[:outer]:
        raise invalid_argument(op, f"Outer dimensions of indices and update must match. "
                               f"Indices shape: {shape_str(ishape)}, updates shape:"
                               f"{shape_str(ushape)}")
    if m == 0:  # TF refuses empty coordinates here (GatherNd allows them)
        raise invalid_argument(op, "Indices and updates specified for empty output shape")
    if len(ushape) - outer != len(shape) - m:  # TF compares the ranks first
        raise invalid_argument(op, f"Inner dimensions of output shape must match inner "
                               f"dimensions of updates shape. Output: {shape_str(shape)} "
                               f"updates: {shape_str(ushape)}")
    if ushape[outer:] != tuple(shape[m:]):
        inner = len(shape) - m
        raise invalid_argument(op, f"The inner {inner} dimensions of output.shape="
                               f"{shape_str(shape)} must match the inner {inner} dimensions "
                               f"of updates.shape={shape_str(ushape)}")


def _scatter_into(xp: Any, op: str, out: Any, indices: Any, updates: Any, add: bool,
                  zeroed: bool = False) -> Any:
    _check_updates(op, indices, updates, out.shape)
    if indices.shape[-1] == 0:  # for ScatterNd (the others fail in _check_updates)
        raise invalid_argument(op, "Indices and updates specified for empty output shape")
    key = _nd_key(op, indices, out.shape, "shape")
    if add:
        add_at(xp, out, key, updates, zeroed)  # repeated indices accumulate
    else:
        out[key] = updates
    return out


def _scatter_nd_fwd(xp: Any, indices: Any, updates: Any, *, shape: tuple) -> Any:
    for d in shape:
        if d < 0:
            raise invalid_argument("ScatterNd", f"Dimension {d} must be >= 0")
    return _scatter_into(xp, "ScatterNd", xp.zeros(shape, updates.dtype), indices, updates,
                         add=True, zeroed=True)


def _scatter_reference(indices: Any, updates: Any, base: Any, add: bool) -> Any:
    """Row by row, as the definition reads (repeats add, or the last one wins)."""
    out = np.array(base, copy=True)
    m = indices.shape[-1]
    rows = updates.reshape((-1,) + out.shape[m:])
    for row, slot in zip(rows, indices.reshape(-1, m)):
        out[tuple(slot)] = out[tuple(slot)] + row if add else row
    return out


def _nd_samples() -> list[Sample]:
    return [Sample(rand((3, 4)), np.array([[2, 1], [0, 3], [2, 1]], np.int32)),
            Sample(rand((3, 2)), np.array([[1], [1]], np.int64))]


_gather_nd = linear(
    "GatherNd", _gather_nd_fwd,
    # d gather_nd = scatter-add of g back to the coordinates read (repeats accumulate)
    (lambda g, indices, params_shape: _scatter_nd(indices, g, shape=params_shape), None),
    samples=_nd_samples, same_dtype=False,
    reference=lambda p, i: p[tuple(np.moveaxis(i, -1, 0))])
_scatter_nd = linear(
    "ScatterNd", _scatter_nd_fwd,
    (None, lambda g, indices, *, shape: _gather_nd(g, indices)),  # transpose: gather back
    samples=lambda:
        [Sample(np.array([[1], [3], [1]], np.int32), rand((3,)), params={"shape": (5,)}),
         Sample(np.array([[0, 1], [0, 1]], np.int32), rand((2, 3)),
                params={"shape": (2, 2, 3)})],
    params=True, same_dtype=False,
    reference=lambda i, u, shape: _scatter_reference(i, u, np.zeros(shape, u.dtype), True))


# -- GatherV2: a gather along one axis, after batch_dims batch dimensions ------------------
def _gather_coords(indices: Any, params_shape: tuple, axis: int, batch_dims: int) -> Any:
    """The params coordinates each gathered slice reads, as GatherNd indices."""
    b, ishape = batch_dims, indices.shape
    lead = ishape[:b] + tuple(params_shape[b:axis]) + ishape[b:]
    comps = []
    for k in range(axis):  # batch and leading dimensions: their own position
        where = [1] * len(lead)
        where[k] = lead[k]
        comps.append(np.broadcast_to(np.arange(lead[k]).reshape(where), lead))
    picked = indices.reshape(ishape[:b] + (1,) * (axis - b) + ishape[b:])
    comps.append(np.broadcast_to(picked, lead))
    return np.stack(comps, axis=-1).astype(np.int64)


def _gather_fwd(xp: Any, params: Any, indices: Any, *, axis: int, batch_dims: int) -> Any:
    n = params.shape[axis]
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        where = np.argwhere(bad)[0] if indices.ndim else ()
        pos = f"indices[{_pos(where)}]" if indices.ndim else "indices"
        raise invalid_argument("GatherV2", f"{pos} = {int(indices[tuple(where)])} is not in "
                               f"[0, {n})")
    if batch_dims == 0:
        return xp.take(params, indices, axis=axis)
    coords = _gather_coords(indices, params.shape, axis, batch_dims)
    return params[tuple(np.moveaxis(coords, -1, 0))]


def _gather_transpose(g: Any, indices: Any, params_shape: tuple, *, axis: int,
                      batch_dims: int) -> Tensor:
    # d gather = scatter-add of g at the coordinates read (repeats accumulate)
    coords = wrap(_gather_coords(indices._value, params_shape, axis, batch_dims))
    return _scatter_nd(coords, g, shape=params_shape)


def _gather_reference(p: Any, i: Any, axis: int, batch_dims: int) -> Any:
    return p[tuple(np.moveaxis(_gather_coords(i, p.shape, axis, batch_dims), -1, 0))]


_gather = linear(
    "GatherV2", _gather_fwd, (_gather_transpose, None),
    samples=lambda: [Sample(rand((3, 4)), np.array([2, 0, 2], np.int32),
                            params={"axis": 0, "batch_dims": 0}),
                     Sample(rand((2, 3, 4)), np.array([[0, 2], [1, 1]], np.int32),
                            params={"axis": 1, "batch_dims": 1}),
                     Sample(rand((2, 3, 4)), np.array([[3, 0, 3]], np.int64),
                            params={"axis": 2, "batch_dims": 0}),
                     Sample(rand((2, 3, 2)), np.array([[1], [0]], np.int32),
                            params={"axis": 2, "batch_dims": 1}),
                     Sample(rand((2, 3)), np.array([2, 2], np.int32),
                            params={"axis": 1, "batch_dims": 1})],
    params=True, same_dtype=False, reference=_gather_reference)


def _static_int(x: Any) -> int:
    if isinstance(x, Tensor) or hasattr(x, "_read_for_op"):
        return int(convert_to_tensor(x)._value)
    return int(x)


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None,
           batch_dims: int = 0, name: str | None = None) -> Tensor:
    """Slices of ``params`` along ``axis`` at ``indices`` (after ``batch_dims`` batch axes).

    Indices must lie in ``[0, params.shape[axis])`` (TF's CPU rule). The
    gradient scatter-adds back, so repeated indices accumulate.

    >>> import tapeflow as tf
    >>> tf.gather([[1.0, 2.0], [3.0, 4.0]], [1, 1, 0]).numpy().tolist()
    [[3.0, 4.0], [3.0, 4.0], [1.0, 2.0]]
    """
    p = _as_tensor(params)
    i = index_input("GatherV2", "Tindices", indices)
    batch_dims = _static_int(batch_dims)
    axis = batch_dims if axis is None else _static_int(axis)
    if axis == 0:
        batch_dims = 0  # as TF: with axis 0 the op runs without batch_dims
    pr, ir = p._value.ndim, i._value.ndim
    if pr == 0:
        raise invalid_argument("GatherV2", "params must be at least 1 dimensional")
    if not -ir <= batch_dims <= ir:
        raise invalid_argument("GatherV2", f"Expected batch_dims in the range [{-ir}, {ir}], "
                               f"but got {batch_dims}")
    if batch_dims < 0:
        batch_dims += ir
    if not -pr <= axis < pr:
        raise invalid_argument("GatherV2", f"Shape must be at least rank "
                               f"{axis + 1 if axis >= 0 else -axis} but is rank {pr}")
    axis %= pr
    if batch_dims > axis:
        raise invalid_argument("GatherV2", f"batch_dims ({batch_dims}) must be less than or "
                               f"equal to axis ({axis}).")
    for k in range(batch_dims):
        if p._value.shape[k] != i._value.shape[k]:
            raise invalid_argument("GatherV2", f"params.shape[{k}]: {p._value.shape[k]} should "
                                   f"be equal to indices.shape[{k}]: {i._value.shape[k]}")
    return _gather(p, i, axis=axis, batch_dims=batch_dims)


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None) -> Tensor:
    """Slices of ``params`` at the coordinates in the last axis of ``indices``.

    >>> import tapeflow as tf
    >>> tf.gather_nd([[1.0, 2.0], [3.0, 4.0]], [[1, 0], [0, 1]]).numpy().tolist()
    [3.0, 2.0]
    """
    p = _as_tensor(params)
    i = index_input("GatherNd", "Tindices", indices)
    batch_dims = _static_int(batch_dims)
    if batch_dims:
        iv = i._value
        if batch_dims >= iv.ndim:
            raise ValueError(f"Argument `batch_dims` = {batch_dims} must be less than "
                             f"rank(`indices`) = {iv.ndim}")
        b = batch_dims
        if iv.shape[:b] != p._value.shape[:b]:
            raise invalid_argument("GatherNd", f"batch dimensions of params "
                                   f"{shape_str(p._value.shape)} and indices "
                                   f"{shape_str(iv.shape)} must match (batch_dims={b})")
        # As TF: prepend each row's batch coordinates, then one plain GatherNd.
        lead = iv.shape[:-1]
        grid = [np.broadcast_to(np.arange(lead[k]).reshape(
            [lead[k] if j == k else 1 for j in range(len(lead))] + [1]), lead + (1,))
            for k in range(b)]
        i = wrap(np.concatenate(grid + [iv.astype(np.int64)], axis=-1))
    return _gather_nd(p, i)


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Tensor:
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (repeats sum).

    >>> import tapeflow as tf
    >>> tf.scatter_nd([[1], [1]], [2.0, 3.0], [3]).numpy().tolist()
    [0.0, 5.0, 0.0]
    """
    i = index_input("ScatterNd", "Tindices", indices)
    u = _as_tensor(updates)
    dims = tuple(int(d) for d in np.asarray(_as_tensor(shape)._value).reshape(-1))
    return _scatter_nd(i, u, shape=dims)


# -- TensorScatterUpdate / TensorScatterAdd ---------------------------------------------------
def _tsu_fwd(xp: Any, tensor: Any, indices: Any, updates: Any) -> Any:
    return _scatter_into(xp, "TensorScatterUpdate", tensor.copy(), indices, updates, add=False)


def _tsa_fwd(xp: Any, tensor: Any, indices: Any, updates: Any) -> Any:
    return _scatter_into(xp, "TensorScatterAdd", tensor.copy(), indices, updates, add=True)


def _zeros(shape: tuple, like: Tensor) -> Tensor:
    return wrap(np.zeros(shape, like._value.dtype))


_scatter_samples = [Sample(rand((2, 3)), np.array([[0, 1], [1, 2]], np.int32), rand((2,))),
                    Sample(rand((3, 2)), np.array([[2], [0]], np.int64), rand((2, 2)))]
_tensor_scatter_update = linear(
    "TensorScatterUpdate", _tsu_fwd,
    (lambda g, indices, updates_shape: _tensor_scatter_update(  # overwritten: no gradient
        g, indices, _zeros(updates_shape, g)),
     None,
     lambda g, indices: _gather_nd(g, indices)),  # each update reads its slot
    samples=_scatter_samples, same_dtype=False,
    reference=lambda t, i, u: _scatter_reference(i, u, t, False))
_tensor_scatter_add = linear(
    "TensorScatterAdd", _tsa_fwd,
    (lambda g: g, None, lambda g, indices: _gather_nd(g, indices)),
    samples=lambda:
        _scatter_samples + [Sample(rand((4,)), np.array([[1], [1]], np.int32), rand((2,)))],
    same_dtype=False, reference=lambda t, i, u: _scatter_reference(i, u, t, True))


def _scatter_inputs(op: Any, tensor: Any, indices: Any, updates: Any) -> tuple:
    t = _as_tensor(tensor)
    i = index_input(op.name, "Tindices", indices, _INDEX_TYPES + ("uint16",))
    u = dispatch.read_input(updates)
    u = u if isinstance(u, Tensor) else convert_to_tensor(u, dtype=t.dtype)
    if u._value.dtype != t._value.dtype:
        raise dispatch.dtype_error(op, 2, t._value.dtype, u._value.dtype)
    return t, i, u


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any,
                             name: str | None = None) -> Tensor:
    """A copy of ``tensor`` with the slots at ``indices`` replaced by ``updates``.

    >>> import tapeflow as tf
    >>> tf.tensor_scatter_nd_update([1.0, 2.0, 3.0], [[0]], [9.0]).numpy().tolist()
    [9.0, 2.0, 3.0]
    """
    return _tensor_scatter_update(*_scatter_inputs(_tensor_scatter_update.op, tensor, indices,
                                                   updates))


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """A copy of ``tensor`` with ``updates`` added at ``indices`` (repeats sum).

    >>> import tapeflow as tf
    >>> tf.tensor_scatter_nd_add([1.0, 2.0], [[1], [1]], [1.0, 1.0]).numpy().tolist()
    [1.0, 4.0]
    """
    return _tensor_scatter_add(*_scatter_inputs(_tensor_scatter_add.op, tensor, indices,
                                                updates))


@composite(samples=lambda: [Sample(composite_rand((3, 2)), np.array([True, False, True])),
                            Sample(composite_rand((2, 3, 2)),
                                   np.array([[True, False], [False, False], [True, True]]),
                                   params={"axis": 1})],
           reference=lambda t, mask, axis=0: t[(slice(None),) * axis + (mask,)])
def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Tensor:
    """The slices of ``tensor`` where ``mask`` is true (mask spans axes from ``axis``).

    >>> import tapeflow as tf
    >>> tf.boolean_mask([1.0, 2.0, 3.0], [True, False, True]).numpy().tolist()
    [1.0, 3.0]
    """
    t = _as_tensor(tensor)
    m = np.asarray(_as_tensor(mask)._value)
    if m.ndim == 0:
        raise ValueError("mask cannot be scalar.")
    axis = 0 if axis is None else _static_int(axis)
    shape = tuple(t._value.shape)
    end = axis + m.ndim
    covered = shape[axis:end]  # TF slices the shape just so (a negative axis may miss)
    if covered != m.shape:
        raise ValueError(f"Shapes {covered} and {m.shape} are incompatible")
    # As TF: flatten the masked axes into one, then gather the true positions.
    merged = shape[:axis] + (int(np.prod(covered, dtype=np.int64)),) + shape[end:]
    flat = reshape(t, merged)
    return gather(flat, wrap(np.flatnonzero(m).astype(np.int64)), axis=axis % len(merged))


# -- sort / argsort: stable, like TF's top_k -------------------------------------------------
_TOPK_TYPES = ("float", "double", "int32", "uint8", "int16", "int8", "int64", "bfloat16",
               "uint16", "half", "uint32", "uint64")
_NEG_TYPES = ("bfloat16", "half", "float", "double", "int8", "int16", "int32", "int64",
              "complex64", "complex128")


def _sort_input(values: Any, axis: Any, direction: str) -> tuple[Tensor, int]:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    x = _as_tensor(values)
    axis = _static_int(axis)
    nd = x._value.ndim
    if not -nd <= axis < nd:
        raise invalid_argument("StridedSlice", f"slice index {axis} of dimension 0 out of "
                               f"bounds.")
    word = tf_word(x._value.dtype)
    if direction == "ASCENDING" and word not in _NEG_TYPES and x._value.dtype.kind != "u":
        raise invalid_argument("Neg", f"Value for attr 'T' of {word} is not in the list of "
                               f"allowed values: {', '.join(_NEG_TYPES)}")
    if word not in _TOPK_TYPES:
        raise invalid_argument("TopKV2", f"Value for attr 'T' of {word} is not in the list "
                               f"of allowed values: {', '.join(_TOPK_TYPES)}")
    return x, axis % nd


def _order(v: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sorting order: ties keep their original order, both directions (as top_k)."""
    if not descending:
        return np.argsort(v, axis=axis, kind="stable")
    n = v.shape[axis]
    return (n - 1) - np.flip(np.argsort(np.flip(v, axis), axis=axis, kind="stable"), axis)


def _sort_reference(values: Any, axis: int = -1, direction: str = "ASCENDING") -> Any:
    ascending = np.sort(values, axis=axis)
    return np.flip(ascending, axis) if direction == "DESCENDING" else ascending


# Sorting permutes: kinks where two values meet (random samples keep them apart).
@composite(samples=lambda:
               [Sample(composite_rand((2, 4))),
                Sample(composite_rand((3, 2)), params={"axis": 0, "direction": "DESCENDING"})],
           reference=_sort_reference, smooth=False)
def sort(values: Any, axis: int = -1, direction: str = "ASCENDING",
         name: str | None = None) -> Tensor:
    """``values`` sorted along ``axis``; the gradient goes back to each value's place.

    >>> import tapeflow as tf
    >>> tf.sort([3.0, 1.0, 2.0], direction="DESCENDING").numpy().tolist()
    [3.0, 2.0, 1.0]
    """
    x, axis = _sort_input(values, axis, direction)
    order = _order(x._value, axis, direction == "DESCENDING")
    coords = np.indices(x._value.shape, dtype=np.int64)
    coords[axis] = order
    return _gather_nd(x, wrap(np.moveaxis(coords, 0, -1)))


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Tensor:
    """int32 indices that sort ``values`` along ``axis`` (always stable, as TF's result).

    >>> import tapeflow as tf
    >>> tf.argsort([3.0, 1.0, 2.0]).numpy().tolist()
    [1, 2, 0]
    """
    x, axis = _sort_input(values, axis, direction)
    return wrap(_order(x._value, axis, direction == "DESCENDING").astype(np.int32))


# -- unique (two outputs, no gradient) -------------------------------------------------------
def _unique_fwd(xp: Any, x: Any, *, out_idx: np.dtype) -> tuple:
    if x.ndim != 1:
        raise invalid_argument("Unique", "unique expects a 1D vector.")
    kw = {"equal_nan": False} if x.dtype.kind in "fc" else {}
    _, first, inverse = np.unique(x, return_index=True, return_inverse=True, **kw)
    order = np.argsort(first, kind="stable")  # TF lists values by first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return x[first[order]], rank[inverse.reshape(-1)].astype(out_idx)


def _unique_reference(x: Any, out_idx: np.dtype) -> tuple:
    slots: dict = {}
    idx = [slots.setdefault(v, len(slots)) for v in x.tolist()]
    return np.array(list(slots), x.dtype), np.array(idx, out_idx)


_unique_op = declare(OpDef(
    "Unique", ("x",), lambda *a, **k: _unique_fwd(np, *a, **k), n_out=2, has_params=True,
    differentiable=False, reference=_unique_reference,
    samples=lambda:
        [Sample(np.array([4.0, 1.0, 4.0, 2.0, 1.0]), params={"out_idx": np.dtype("int32")}),
         Sample(np.array([3, 3, 0], np.int64), params={"out_idx": np.dtype("int64")})]))
_unique_op.run.op = _unique_op
UniqueResult = collections.namedtuple("Unique", ["y", "idx"])


def unique(x: Any, out_idx: Any = "int32", name: str | None = None) -> tuple:
    """The distinct values of 1-D ``x`` in order of appearance, and each element's slot.

    >>> import tapeflow as tf
    >>> y, idx = tf.unique([4, 1, 4])
    >>> y.numpy().tolist(), idx.numpy().tolist()
    ([4, 1], [0, 1, 0])
    """
    dt = as_dtype(out_idx)
    if dt.name not in ("int32", "int64"):
        raise invalid_argument("Unique", f"Value for attr 'out_idx' of {tf_word(dt._np)} is "
                               f"not in the list of allowed values: int32, int64")
    y, idx = _unique_op.run(_as_tensor(x), out_idx=dt._np)
    return UniqueResult(y, idx)


# -- one_hot (no gradient, as TF) ---------------------------------------------------------
def _one_hot_fwd(xp: Any, indices: Any, *, depth: int, on_value: Any, off_value: Any,
                 axis: int, dtype: np.dtype) -> Any:
    if depth < 0:
        raise invalid_argument("OneHot", f"depth must be non-negative, got: {depth}")
    if not (axis == -1 or 0 <= axis <= indices.ndim):
        raise invalid_argument("OneHot", f"Expected axis to be -1 or between [0, "
                               f"{indices.ndim + 1}).  But received: {axis}")
    hot = indices[..., None] == np.arange(depth)  # out-of-range indices: all off
    out = xp.where(hot, np.asarray(on_value, dtype), np.asarray(off_value, dtype))
    return out if axis == -1 else xp.moveaxis(out, -1, axis)


def _one_hot_reference(indices: Any, depth: int, on_value: Any, off_value: Any, axis: int,
                       dtype: np.dtype) -> Any:
    table = np.vstack([np.eye(depth), np.zeros((1, depth))])  # row -1: out of range
    hot = table[np.where((indices >= 0) & (indices < depth), indices, -1)]
    out = (hot * on_value + (1 - hot) * off_value).astype(dtype)
    return out if axis == -1 else np.moveaxis(out, -1, axis)


_one_hot = nondiff(
    "OneHot", _one_hot_fwd, n_in=1, params=True, same_dtype=False,
    samples=lambda: [Sample(np.array([0, 2, -1, 5], np.int32), ref=_one_hot_reference,
                            params={"depth": 3, "on_value": 1.0, "off_value": 0.0, "axis": -1,
                                    "dtype": np.dtype("float64")}),
                     Sample(np.array([[1, 0]], np.int64), ref=_one_hot_reference,
                            params={"depth": 2, "on_value": 5, "off_value": -1, "axis": 0,
                                    "dtype": np.dtype("int32")})])


def _dtype_text(dt: Any) -> str:
    return f"<dtype: '{as_dtype(dt).name}'>"


def one_hot(indices: Any, depth: Any, on_value: Any = None, off_value: Any = None,
            axis: Any = None, dtype: Any = None, name: str | None = None) -> Tensor:
    """``on_value`` where the new ``axis`` equals ``indices``, else ``off_value``.

    >>> import tapeflow as tf
    >>> tf.one_hot([0, 2], 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    i = index_input("OneHot", "TI", indices, ("uint8", "int8", "int32", "int64"))
    dtype = None if dtype is None else as_dtype(dtype)
    on = None if on_value is None else convert_to_tensor(dispatch.read_input(on_value),
                                                         dtype_hint=dtype)
    off = None if off_value is None else convert_to_tensor(dispatch.read_input(off_value),
                                                           dtype_hint=dtype)
    for value, which in ((on, "on_value"), (off, "off_value")):
        if value is not None and dtype is not None and value.dtype != dtype:
            raise TypeError(f"dtype {_dtype_text(value.dtype)} of {which} does not match "
                            f"dtype parameter {_dtype_text(dtype)}")
    if dtype is None:
        dtype = on.dtype if on is not None else off.dtype if off is not None else \
            as_dtype("float32")
    on_dt = on.dtype if on is not None else dtype
    off_dt = off.dtype if off is not None else dtype
    if on_dt != off_dt:
        raise TypeError(f"dtype {_dtype_text(on_dt)} of on_value does not match dtype "
                        f"{_dtype_text(off_dt)} of off_value")
    return _one_hot(i, depth=_static_int(depth), axis=-1 if axis is None else int(axis),
                    on_value=1 if on is None else on._value.item(),
                    off_value=0 if off is None else off._value.item(), dtype=dtype._np)
