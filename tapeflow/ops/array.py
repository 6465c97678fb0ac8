"""Array ops: unstack, split, tile, repeat, pad, reverse, roll, shape, size, rank,
linspace, meshgrid, einsum and tensordot (indexing ops live in ``indexing``).

Most are linear and state their transpose; multi-output ops (``Unpack``,
``Split``, ``SplitV``) return a tuple, and their transpose receives a tuple
cotangent with None for outputs that got no gradient (filled with zeros).
``Pad`` with a non-zero constant is affine, not linear, so ``PadV2`` writes
its JVP by hand.  Composites (repeat, linspace, meshgrid, tensordot) follow
TF's own construction, so values, dtypes and gradients match.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith, creation, reduction
from tapeflow.ops.declare import ANY, composite, defop, linear, nondiff
from tapeflow.ops.einsum import einsum, tensordot  # noqa: F401  (re-exported)
from tapeflow.ops.indexing import (  # noqa: F401  (re-exported: one import declares all)
    _static_int,
    argsort,
    boolean_mask,
    gather,
    gather_nd,
    index_input,
    one_hot,
    scatter_nd,
    sort,
    tensor_scatter_nd_add,
    tensor_scatter_nd_update,
    tf_word,
    unique,
)
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.shape_ops import (
    _as_tensor,
    _ints,
    broadcast_to,
    concat,
    expand_dims,
    reshape,
    slice_key,
    stack,
)

__all__ = ["unstack", "split", "tile", "repeat", "pad", "reverse", "roll", "shape", "size",
           "rank", "linspace", "meshgrid", "einsum", "tensordot", "gather", "gather_nd",
           "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add", "boolean_mask",
           "sort", "argsort", "unique", "one_hot", "sequence_mask", "ensure_shape", "identity_n",
           "no_op", "shape_n", "searchsorted"]


def _zeros(shape: tuple, dtype: np.dtype) -> Tensor:
    return wrap(np.zeros(shape, dtype))


def _vector(op: str, attr: str, x: Any, not_1d: str) -> list[int]:
    """A 1-D integer argument (multiples, dims), with TF's checks.

    ``not_1d`` is TF's message for another rank, formatted with ``shape``
    and ``ndim``.
    """
    t = index_input(op, attr, x, ("int32", "int64"))
    if t._value.ndim != 1:
        raise invalid_argument(op, not_1d.format(shape=shape_str(t._value.shape),
                                                 ndim=t._value.ndim))
    return _ints(t)


# -- unstack / split: several outputs; missing cotangents are zeros ---------------------------
def _filled(g: tuple, shapes: list, dtype: np.dtype) -> list:
    return [_zeros(s, dtype) if gi is None else gi for gi, s in zip(g, shapes)]


def _unpack_transpose(g, value_shape, value_dtype, *, num, axis):  # d unstack = stack back
    part = value_shape[:axis] + value_shape[axis + 1:]
    return stack(_filled(g, [part] * num, value_dtype), axis=axis)


_unpack = linear("Unpack", lambda xp, value, *, num, axis: tuple(xp.moveaxis(value, axis, 0)),
                 _unpack_transpose, params=True, dtypes=ANY, n_out=1,
                 samples=lambda: [Sample(rand((2, 3)), params={"num": 3, "axis": 1}),
                                  Sample(rand((3, 2)), params={"num": 3, "axis": 0})],
                 reference=lambda x, num, axis: tuple(np.moveaxis(x, axis, 0)))


def unstack(value: Any, num: int | None = None, axis: int = 0,
            name: str = "unstack") -> list:
    """Split ``value`` into its slices along ``axis`` (a list of tensors).

    >>> import tapeflow as tf
    >>> [t.numpy().tolist() for t in tf.unstack([[1, 2], [3, 4]], axis=1)]
    [[1, 3], [2, 4]]
    """
    x = _as_tensor(value)
    shp = x._value.shape
    nd = len(shp)
    if not -nd <= axis < nd:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-nd}, {nd})")
    axis %= nd
    if num is not None and num != shp[axis]:
        raise invalid_argument("Unpack", f"Input shape axis {axis} must equal {num}, got shape "
                               f"{shape_str(shp)}")
    return list(_unpack(x, num=shp[axis], axis=axis))


def _split_fwd(xp: Any, value: Any, sizes: tuple, axis: int) -> tuple:
    return tuple(xp.split(value, np.cumsum(sizes)[:-1], axis=axis))


def _split_transpose(g: tuple, value_shape: tuple, value_dtype: np.dtype, sizes: tuple,
                     axis: int) -> Tensor:  # d split = concat back
    shapes = [value_shape[:axis] + (s,) + value_shape[axis + 1:] for s in sizes]
    return concat(_filled(g, shapes, value_dtype), axis=axis)


_split = linear(
    "Split", lambda xp, value, *, num_split, axis: _split_fwd(
        xp, value, (value.shape[axis] // num_split,) * num_split, axis),
    lambda g, value_shape, value_dtype, *, num_split, axis: _split_transpose(
        g, value_shape, value_dtype, (value_shape[axis] // num_split,) * num_split, axis),
    params=True, dtypes=ANY, n_out=1,
    samples=lambda: [Sample(rand((2, 6)), params={"num_split": 3, "axis": 1})],
    reference=lambda x, num_split, axis: tuple(np.split(x, num_split, axis)))
_splitv = linear(
    "SplitV", lambda xp, value, *, size_splits, axis: _split_fwd(xp, value, size_splits, axis),
    lambda g, value_shape, value_dtype, *, size_splits, axis: _split_transpose(
        g, value_shape, value_dtype, size_splits, axis),
    params=True, dtypes=ANY, n_out=1,
    samples=lambda: [Sample(rand((4, 3)), params={"size_splits": (1, 0, 3), "axis": 0})],
    reference=lambda x, size_splits, axis: tuple(np.split(x, np.cumsum(size_splits)[:-1],
                                                          axis)))


def split(value: Any, num_or_size_splits: Any, axis: Any = 0, num: int | None = None,
          name: str = "split") -> list:
    """Split ``value`` along ``axis`` into equal parts (a count) or given sizes (one -1).

    >>> import tapeflow as tf
    >>> [t.shape[0] for t in tf.split(tf.zeros(5), [2, -1])]
    [2, 3]
    """
    x = _as_tensor(value)
    axis = _static_int(axis)
    shp = x._value.shape
    nd = len(shp)
    counted = np.ndim(num_or_size_splits) == 0  # a count: Split; sizes: SplitV
    op = "Split" if counted else "SplitV"
    sizes = _ints(num_or_size_splits)
    if counted and sizes[0] < 1:
        raise invalid_argument(op, f"Value for attr 'num_split' of {sizes[0]} must be at least "
                               f"minimum 1")
    if not counted and num is not None and num != len(sizes):
        raise invalid_argument(op, f"size of the split_tensor must be 1-D and have the same "
                               f"elements as outputs got 1 -D and {len(sizes)} elements")
    if not -nd <= axis < nd:
        raise invalid_argument(op, f"-input rank(-{nd}) <= split_dim < input rank ({nd}), "
                               f"but got {axis}")
    axis %= nd
    dim = shp[axis]
    if counted:
        if dim % sizes[0]:
            raise invalid_argument(op, f"Number of ways to split should evenly divide the split "
                                   f"dimension, but got split_dim {axis} (size = {dim}) and "
                                   f"num_split {sizes[0]}")
        return list(_split(x, num_split=sizes[0], axis=axis))
    if sizes.count(-1) > 1:
        raise invalid_argument(op, "There can only be one -1 in the input.")
    for k, s in enumerate(sizes):
        if s < -1:
            raise invalid_argument(op, f"Split size at index {k} must be >= 0. Got: {s}")
    known = sum(s for s in sizes if s != -1)
    if (-1 in sizes and known > dim) or (-1 not in sizes and known != dim):
        raise invalid_argument(op, "Determined shape must either match input shape along "
                               "split_dim exactly if fully specified, or be less than the "
                               "size of the input along split_dim if not fully specified.  "
                               f"Got: {known}")
    sizes = tuple(dim - known if s == -1 else s for s in sizes)
    return list(_splitv(x, size_splits=sizes, axis=axis))


# -- tile / repeat ----------------------------------------------------------------------------
def _tile_transpose(g, input_shape, *, multiples):  # d tile = sum over the copies
    if not multiples:
        return g
    g = reshape(g, [d for m, s in zip(multiples, input_shape) for d in (m, s)])
    return reduction.reduce_sum(g, axis=list(range(0, 2 * len(multiples), 2)))


_tile = linear("Tile", lambda xp, input, *, multiples: xp.tile(input, multiples),
               _tile_transpose, params=True, dtypes=ANY,
               samples=lambda: [Sample(rand((2, 3)), params={"multiples": (2, 3)}),
                                Sample(rand((3,)), params={"multiples": (1,)}),
                                Sample(rand((1, 2)), params={"multiples": (3, 0)})],
               reference=lambda x, multiples: np.tile(x, multiples))


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:
    """``input`` repeated ``multiples[i]`` times along each axis i.

    >>> import tapeflow as tf
    >>> tf.tile([1, 2], [2]).numpy().tolist()
    [1, 2, 1, 2]
    """
    x = _as_tensor(input)
    mult = _vector("Tile", "Tmultiples", multiples,
                   "Expected multiples to be 1-D, but got shape {shape}")
    nd = x._value.ndim
    if len(mult) != nd:
        raise invalid_argument("Tile", f"Expected multiples argument to be a vector of length "
                               f"{nd} but got length {len(mult)}")
    for i, m in enumerate(mult):
        if m < 0:
            raise invalid_argument("Tile", f"Expected multiples[{i}] >= 0, but got {m}")
    return _tile(x, multiples=tuple(mult))


@composite(samples=lambda:
               [Sample(composite_rand((2, 3)), params={"repeats": 2, "axis": 0}),
                Sample(composite_rand((2, 3)), params={"repeats": [2, 0, 1], "axis": 1}),
                Sample(composite_rand((2, 2)), params={"repeats": 3})],
           reference=lambda x, repeats, axis=None: np.repeat(x, repeats, axis))
def repeat(input: Any, repeats: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """Repeat each element (each slice along ``axis``) ``repeats`` times.

    >>> import tapeflow as tf
    >>> tf.repeat([1, 2], [2, 1]).numpy().tolist()
    [1, 1, 2]
    """
    x = _as_tensor(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"Argument `axis` must be an int. Received `axis` = {axis} of type "
                        f"{type(axis).__name__}")
    r = _as_tensor(repeats)
    if r._value.dtype.kind not in "iu":
        raise TypeError(f"Argument `tensor` (name: repeats) must be of type integer. Received "
                        f"`tensor` = {r.numpy()} of dtype: <dtype: '{r.dtype.name}'>")
    if r._value.ndim > 1:
        raise ValueError(f"Shape {tuple(r._value.shape)} must have rank at most 1")
    if x._value.ndim == 0:
        x = reshape(x, [1])
    shp, nd = x._value.shape, x._value.ndim
    if not -nd <= axis < nd:
        raise ValueError(f"axis={axis} out of bounds: expected {-nd}<=axis<{nd}")
    axis = int(axis) % nd
    reps = r._value.reshape(-1)
    if reps.size == 1:  # as TF: tile a new axis, then merge it
        mult = [1] * (nd + 1)
        mult[axis + 1] = int(reps[0])
        tiled = tile(expand_dims(x, axis + 1), mult)
        return reshape(tiled, shp[:axis] + (shp[axis] * mult[axis + 1],) + shp[axis + 1:])
    if reps.size != shp[axis]:
        raise ValueError(f"Dimensions {shp[axis]} and {reps.size} are not compatible")
    # As TF: a negative count repeats zero times; the gradient gather's scatter-add.
    return gather(x, wrap(np.repeat(np.arange(shp[axis]), np.maximum(reps, 0))), axis=axis)


# -- pad --------------------------------------------------------------------------------------
def _inner(g: Any, paddings: tuple) -> Tensor:  # transpose of padding: cut the middle out
    return slice_key(g, tuple(slice(lo, g._value.shape[k] - hi)
                              for k, (lo, hi) in enumerate(paddings)))


_pad_samples = [Sample(rand((2, 3)), params={"paddings": ((1, 0), (0, 2))}),
                Sample(rand((3,)), params={"paddings": ((2, 1),)})]
_pad = linear("Pad", lambda xp, input, *, paddings: xp.pad(input, paddings),
              lambda g, *, paddings: _inner(g, paddings), params=True, dtypes=ANY,
              samples=_pad_samples, reference=lambda x, paddings: np.pad(x, paddings))


@defop("PadV2", samples=lambda: [Sample(s.args[0], np.array(0.5), params=s.params)
                                 for s in _pad_samples], dtypes=ANY,
       reference=lambda x, c, paddings: np.pad(x, paddings, constant_values=c))
class _PadV2:
    def fwd(xp, input, constant_values, *, paddings):
        return xp.pad(input, paddings, constant_values=constant_values)

    def vjp_input(g, *, paddings):  # d pad = the middle of g; TF: no gradient for the value
        return _inner(g, paddings)

    def jvp(dinput, dconstant_values, *, paddings):  # affine: tangents pad with zeros
        return None if dinput is None else _pad(dinput, paddings=paddings)


def _mirror_sources(shape: tuple, paddings: tuple, mode: str) -> list:
    return [np.pad(np.arange(d), p, mode=mode.lower()) for d, p in zip(shape, paddings)]


def _mirror_grad_fwd(xp: Any, input: Any, *, paddings: tuple, mode: str) -> Any:
    shape = tuple(d - lo - hi for d, (lo, hi) in zip(input.shape, paddings))
    out = xp.zeros(shape, input.dtype)
    if not shape:
        return input.copy()
    xp.add.at(out, np.ix_(*_mirror_sources(shape, paddings, mode)), input)  # reflections add
    return out


def _mirror_grad_reference(g: Any, paddings: tuple, mode: str) -> Any:
    """The adjoint of np.pad, column by column: <pad(e_i), g> for each unit e_i."""
    shape = tuple(d - lo - hi for d, (lo, hi) in zip(g.shape, paddings))
    units = np.eye(int(np.prod(shape))).reshape((-1,) + shape)
    return np.array([np.sum(np.pad(e, paddings, mode=mode.lower()) * g)
                     for e in units]).reshape(shape)


_mirror_pad = linear(
    "MirrorPad", lambda xp, input, *, paddings, mode: xp.pad(input, paddings, mode=mode.lower()),
    lambda g, *, paddings, mode: _mirror_pad_grad(g, paddings=paddings, mode=mode),
    params=True, dtypes=ANY,
    samples=lambda:
        [Sample(rand((2, 3)), params={"paddings": ((1, 1), (2, 2)), "mode": "REFLECT"}),
         Sample(rand((2, 3)), params={"paddings": ((2, 1), (3, 3)), "mode": "SYMMETRIC"})],
    reference=lambda x, paddings, mode: np.pad(x, paddings, mode=mode.lower()))
_mirror_pad_grad = linear(
    "MirrorPadGrad", _mirror_grad_fwd,
    lambda g, *, paddings, mode: _mirror_pad(g, paddings=paddings, mode=mode),
    params=True, dtypes=ANY, reference=_mirror_grad_reference,
    samples=lambda: [Sample(rand((4, 7)), params={"paddings": ((1, 1), (2, 2)), "mode": "REFLECT"}),
                     Sample(rand((5,)), params={"paddings": ((2, 1),), "mode": "SYMMETRIC"})])


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None) -> Tensor:
    """Pad ``tensor`` by ``paddings[i] = [before, after]`` along each axis.

    ``mode`` is CONSTANT (with ``constant_values``), REFLECT or SYMMETRIC.

    >>> import tapeflow as tf
    >>> tf.pad([1, 2], [[1, 2]], constant_values=9).numpy().tolist()
    [9, 1, 2, 9, 9]
    """
    mode = mode.upper()
    x = _as_tensor(tensor)
    if mode == "CONSTANT":
        zero = not isinstance(constant_values, Tensor) and np.ndim(constant_values) == 0 \
            and not hasattr(constant_values, "_read_for_op") and constant_values == 0
        op = "Pad" if zero else "PadV2"
    elif mode in ("REFLECT", "SYMMETRIC"):
        op = "MirrorPad"
    else:
        raise ValueError(f'Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    p = index_input(op, "Tpaddings", paddings, ("int32", "int64"))
    shp, pshape = x._value.shape, p._value.shape
    if pshape != (len(shp), 2):
        raise invalid_argument(op, f"The first dimension of paddings must be the rank of inputs"
                               f"{shape_str(pshape)}{', ' if op == 'MirrorPad' else ' '}"
                               f"{shape_str(shp)}")
    pads = tuple((int(lo), int(hi)) for lo, hi in p._value)
    for (lo, hi), d in zip(pads, shp):
        if min(lo, hi) < 0:
            raise invalid_argument(op, f"{'p' if op == 'MirrorPad' else 'P'}addings must be "
                                   f"non-negative: {lo} {hi}")
        if mode == "REFLECT" and max(lo, hi) >= d:
            raise invalid_argument(op, f"paddings must be less than the dimension size: {lo}, "
                                   f"{hi} not less than {d}")
        if mode == "SYMMETRIC" and max(lo, hi) > d:
            raise invalid_argument(op, f"paddings must be no greater than the dimension size: "
                                   f"{lo}, {hi} greater than {d}")
    if op == "Pad":
        return _pad(x, paddings=pads)
    if op == "MirrorPad":
        return _mirror_pad(x, paddings=pads, mode=mode)
    c = dispatch.read_input(constant_values)
    c = c if isinstance(c, Tensor) else convert_to_tensor(c, dtype=x.dtype)
    if c._value.dtype != x._value.dtype:
        raise dispatch.dtype_error(_PadV2.op, 2, x._value.dtype, c._value.dtype)
    return _PadV2(x, c, paddings=pads)


# -- reverse / roll ---------------------------------------------------------------------------
_reverse = linear("ReverseV2", lambda xp, tensor, *, axis: xp.flip(tensor, axis),
                  lambda g, *, axis: _reverse(g, axis=axis),  # its own transpose
                  params=True, dtypes=ANY,
                  samples=lambda: [Sample(rand((2, 3)), params={"axis": (1,)}),
                                   Sample(rand((2, 3, 2)), params={"axis": (0, 2)})],
                  reference=lambda x, axis: np.flip(x, axis))


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """Reverse ``tensor`` along each axis in ``axis`` (a list).

    >>> import tapeflow as tf
    >>> tf.reverse([[1, 2], [3, 4]], [1]).numpy().tolist()
    [[2, 1], [4, 3]]
    """
    x = _as_tensor(tensor)
    nd = x._value.ndim
    axes = _vector("ReverseV2", "Tidx", axis, "'dims' must be 1-dimension, not {ndim}")
    seen: list[int] = []
    for k, a in enumerate(axes):
        if not -nd <= a < nd:
            raise invalid_argument("ReverseV2", f"'axis'[{k}] = {a} is out of valid range "
                                   f"[0, {nd - 1}")
        if a % nd in seen:
            raise invalid_argument("ReverseV2", f"axis {a % nd} specified more than once.")
        seen.append(a % nd)
    return _reverse(x, axis=tuple(seen))


_roll = linear("Roll", lambda xp, input, *, shift, axis: xp.roll(input, shift, axis),
               lambda g, *, shift, axis: _roll(g, shift=tuple(-s for s in shift), axis=axis),
               params=True, dtypes=ANY,
               samples=lambda: [Sample(rand((2, 3)), params={"shift": (1, -1), "axis": (0, 1)}),
                                Sample(rand((5,)), params={"shift": (7,), "axis": (0,)})],
               reference=lambda x, shift, axis: np.roll(x, shift, axis))


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Tensor:
    """Rotate elements by ``shift`` places along ``axis`` (repeated axes add up).

    >>> import tapeflow as tf
    >>> tf.roll([1, 2, 3], 1, 0).numpy().tolist()
    [3, 1, 2]
    """
    x = _as_tensor(input)
    s = index_input("Roll", "Tshift", shift, ("int32", "int64"))
    a = index_input("Roll", "Taxis", axis, ("int32", "int64"))
    nd = x._value.ndim
    if nd == 0:
        raise invalid_argument("Roll", "input must be 1-D or higher")
    for t, what in ((s, "shift"), (a, "axis")):
        if t._value.ndim > 1:
            raise invalid_argument("Roll", f"{what} must be a scalar or a 1-D vector. Found: "
                                   f"{shape_str(t._value.shape)}")
    shifts, axes = _ints(s), _ints(a)
    if len(shifts) != len(axes):
        raise invalid_argument("Roll", "shift and axis must have the same size")
    for ax in axes:
        if not -nd <= ax < nd:
            raise invalid_argument("Roll", f"axis {ax} is out of range")
    return _roll(x, shift=tuple(shifts), axis=tuple(ax % nd for ax in axes))


# -- shape / size / rank (int results, no gradient) -------------------------------------------
_shape = nondiff("Shape", lambda xp, input, *, out_type: np.array(input.shape, out_type),
                 n_in=1, params=True,
                 samples=lambda: [Sample(rand((2, 3)), params={"out_type": np.dtype("int32")},
                                         ref=lambda x, out_type: np.array([2, 3], out_type))])
_size = nondiff("Size", lambda xp, input, *, out_type: np.array(input.size, out_type),
                n_in=1, params=True,
                samples=lambda: [Sample(rand((2, 3)), params={"out_type": np.dtype("int64")},
                                        ref=lambda x, out_type: np.array(6, out_type))])
_rank = nondiff("Rank", lambda xp, input: np.array(input.ndim, np.int32), n_in=1,
                samples=lambda: [Sample(rand((2, 3)), ref=lambda x: np.array(2, np.int32)),
                                 Sample(rand(()), ref=lambda x: np.array(0, np.int32))])


def _out_type(op: str, out_type: Any) -> np.dtype:
    dt = np.dtype("int32") if out_type is None else as_dtype(out_type)._np
    if dt.name not in ("int32", "int64"):
        raise invalid_argument(op, f"Value for attr 'out_type' of {tf_word(dt)} is not in the "
                               f"list of allowed values: int32, int64")
    return dt


def shape(input: Any, out_type: Any = None, name: str | None = None) -> Tensor:
    """The shape of ``input`` as a 1-D int32 (or ``out_type``) tensor.

    >>> import tapeflow as tf
    >>> tf.shape(tf.zeros((2, 3))).numpy().tolist()
    [2, 3]
    """
    return _shape(_as_tensor(input), out_type=_out_type("Shape", out_type))


def size(input: Any, out_type: Any = None, name: str | None = None) -> Tensor:
    """The number of elements of ``input`` as a 0-d int32 (or ``out_type``) tensor.

    >>> import tapeflow as tf
    >>> int(tf.size(tf.zeros((2, 3))))
    6
    """
    return _size(_as_tensor(input), out_type=_out_type("Size", out_type))


def rank(input: Any, name: str | None = None) -> Tensor:
    """The number of dimensions of ``input`` as a 0-d int32 tensor.

    >>> import tapeflow as tf
    >>> int(tf.rank(tf.zeros((2, 3))))
    2
    """
    return _rank(_as_tensor(input))


# -- linspace / meshgrid: TF's constructions, so gradients reach start, stop and inputs ------
@composite(samples=lambda: [Sample(composite_rand(()), composite_rand(()), params={"num": 5}),
                            Sample(composite_rand((2,)), composite_rand((2,)),
                                   params={"num": 4, "axis": -1}),
                            Sample(composite_rand((3,)), composite_rand(()), params={"num": 1})],
           reference=lambda start, stop, num, axis=0: np.linspace(start, stop, num, axis=axis))
def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included), along ``axis``.

    Integer endpoints give float64, as TF's division rule does.

    >>> import tapeflow as tf
    >>> tf.linspace(0.0, 1.0, 5).numpy().tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    start = _as_tensor(start)
    stop = dispatch.read_input(stop)
    stop = stop if isinstance(stop, Tensor) else convert_to_tensor(stop, dtype=start.dtype)
    n = _static_int(num)
    common = np.broadcast_shapes(start._value.shape, stop._value.shape)
    lo = expand_dims(broadcast_to(start, common), axis)
    hi = expand_dims(broadcast_to(stop, common), axis)
    nd = lo._value.ndim
    axis %= nd
    delta = arith.truediv(hi - lo, arith.cast(max(n - 1, 1), lo.dtype))
    lo, hi = arith.cast(lo, delta.dtype), arith.cast(hi, delta.dtype)
    steps = arith.cast(creation.range(1, max(n - 1, 1) if n >= 0 else -1, dtype="int64"),
                       delta.dtype)
    steps = reshape(steps, [max(n - 2, 0) if k == axis else 1 for k in range(nd)])
    joined = concat([lo, lo + delta * steps, hi], axis=axis)
    return slice_key(joined, (slice(None),) * axis + (slice(0, n),))


@composite(samples=lambda: [Sample(composite_rand((3,)), composite_rand((2,))),
                            Sample(composite_rand((2,)), composite_rand((3,)), composite_rand((2,)),
                                   params={"indexing": "ij"})],
           reference=lambda *xs, indexing="xy": np.meshgrid(*xs, indexing=indexing))
def meshgrid(*args: Any, **kwargs: Any) -> list:
    """Coordinate grids from 1-D inputs; ``indexing`` is 'xy' (default) or 'ij'.

    >>> import tapeflow as tf
    >>> x, y = tf.meshgrid([1, 2, 3], [4, 5], indexing="ij")
    >>> x.shape, y.numpy().tolist()
    (TensorShape([3, 2]), [[4, 5], [4, 5], [4, 5]])
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this "
                        f"function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    if not args:
        return []
    tensors = [_as_tensor(a) for a in args]
    ndim = len(tensors)
    out = [reshape(t, [-1 if k == i else 1 for k in range(ndim)]) for i, t in enumerate(tensors)]
    sizes = [t._value.size for t in tensors]
    if indexing == "xy" and ndim > 1:
        out[0] = reshape(out[0], (1, -1) + (1,) * (ndim - 2))
        out[1] = reshape(out[1], (-1, 1) + (1,) * (ndim - 2))
        sizes[0], sizes[1] = sizes[1], sizes[0]
    ones = creation.ones(sizes, tensors[0].dtype)  # as TF: multiply by ones to broadcast
    return [arith.multiply(t, ones) for t in out]


# -- masks and shape assertions ------------------------------------------------------------------
def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = "bool",
                  name: str | None = None) -> Tensor:
    """``mask[..., j] = j < lengths[...]`` for j in [0, maxlen) (default: the longest length).

    >>> import tapeflow as tf
    >>> tf.sequence_mask([1, 3], 4).numpy()
    array([[ True, False, False, False],
           [ True,  True,  True, False]])
    """
    n = _as_tensor(lengths)
    if maxlen is None:
        top = reduction.reduce_max(n)
        top = arith.maximum(top, convert_to_tensor(0, dtype=top.dtype))
    else:
        top = _as_tensor(maxlen)
        if top._value.ndim:
            raise ValueError(f"Argument `maxlen` must be scalar for sequence_mask, received "
                             f"`maxlen` = {maxlen} with shape '{tuple(top._value.shape)}' "
                             f"instead")
    # TF's steps: a range in maxlen's dtype, the lengths cast to it, compared
    row = creation.range(0, top, 1, dtype=top.dtype)
    mask = arith.less(row, arith.cast(expand_dims(n, -1), top.dtype))
    return mask if as_dtype(dtype) == as_dtype("bool") else arith.cast(mask, dtype)


def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Tensor:
    """``x`` unchanged if its shape fits ``shape`` (None: any size there), else TF's error.

    >>> import tapeflow as tf
    >>> tf.ensure_shape(tf.zeros((2, 3)), [None, 3]).shape
    TensorShape([2, 3])
    """
    t = _as_tensor(x)
    if shape is not None and getattr(shape, "rank", 0) is not None:
        want = [None if d is None else int(d) for d in shape]
        have = t._value.shape
        if len(want) != len(have) or any(w is not None and w != h for w, h in zip(want, have)):
            raise invalid_argument("EnsureShape", f"Shape of tensor input {shape_str(have)} is "
                                   f"not compatible with expected shape "
                                   f"{shape_str(['?' if w is None else w for w in want])}.")
    return arith.identity(t)


def identity_n(input: Any, name: str | None = None) -> list:
    """Each tensor of ``input`` through ``identity`` (TF's IdentityN).

    >>> import tapeflow as tf
    >>> [t.numpy() for t in tf.identity_n([tf.constant(1), tf.constant(2.0)])]
    [np.int32(1), np.float32(2.0)]
    """
    return [arith.identity(t) for t in input]


def no_op(name: str | None = None) -> None:
    """Does nothing (TF's NoOp: eagerly, it returns None).

    >>> import tapeflow as tf
    >>> tf.no_op() is None
    True
    """
    return None


def shape_n(input: Any, out_type: Any = "int32", name: str | None = None) -> list:
    """The shapes of several tensors (of one dtype, as TF's ShapeN requires).

    >>> import tapeflow as tf
    >>> [s.numpy().tolist() for s in tf.shape_n([tf.zeros((2, 3)), tf.ones(4)])]
    [[2, 3], [4]]
    """
    tensors = [_as_tensor(t) for t in input]
    for i, t in enumerate(tensors[1:], 1):
        if t._value.dtype != tensors[0]._value.dtype:
            raise dispatch.dtype_error("ShapeN", i, tensors[0]._value.dtype, t._value.dtype)
    return [shape(t, out_type=out_type) for t in tensors]


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = "int32",
                 name: str | None = None) -> Tensor:
    """Where each of ``values`` would go in ``sorted_sequence`` (row by row over the
    last axis, the leading axes flattened and matched), as TF's LowerBound/UpperBound.

    >>> import tapeflow as tf
    >>> tf.searchsorted([1, 3, 5], [0, 3, 6]).numpy()
    array([0, 1, 3], dtype=int32)
    """
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: `side` = "
                         f"'{side}'.")
    op = "LowerBound" if side == "left" else "UpperBound"
    seq, val = _as_tensor(sorted_sequence), _as_tensor(values)
    if not seq._value.ndim or not val._value.ndim:
        raise invalid_argument("StridedSlice", "slice index -1 of dimension 0 out of bounds.")
    if val._value.dtype != seq._value.dtype:
        raise dispatch.dtype_error(op, 1, seq._value.dtype, val._value.dtype)
    dt = _out_type(op, out_type)
    # (leading axes flattened; explicit counts, as -1 cannot be inferred for empty rows)
    rows = seq._value.reshape(int(np.prod(seq._value.shape[:-1])), seq._value.shape[-1])
    wanted = val._value.reshape(int(np.prod(val._value.shape[:-1])), val._value.shape[-1])
    if rows.shape[0] != wanted.shape[0]:
        raise invalid_argument(op, "Leading dim_size of both tensors must match.")
    out = np.empty(wanted.shape, dt)
    for i in range(rows.shape[0]):
        out[i] = np.searchsorted(rows[i], wanted[i], side=side)
    if side == "left" and wanted.dtype.kind in "fc":
        # TF's binary search compares with <: a NaN value is below nothing, so it goes
        # first (NumPy sorts NaN last).
        out[np.isnan(wanted)] = 0
    return wrap(out.reshape(val._value.shape))
