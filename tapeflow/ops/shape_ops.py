"""Shape ops: reshape, broadcast_to, transpose, expand_dims, squeeze, concat,
stack, indexing (``tensor[...]``) and the Variable read.

All are linear: each states its transpose, and its JVP is the op itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tapeflow.core import tensor as tensor_mod
from tapeflow.core.dispatch import describe
from tapeflow.core.errors import InvalidArgumentError, invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith
from tapeflow.ops.declare import ANY, composite, defop, linear, passthrough
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["reshape", "broadcast_to", "transpose", "expand_dims", "squeeze", "concat",
           "stack", "strided_slice", "READ_VARIABLE"]


def _as_tensor(x: Any) -> Tensor:
    x = arith._read(x)
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _static_shape(shape: Any) -> tuple:
    if type(shape) is tuple:  # the common case, a tuple of ints, as it is
        for d in shape:
            if type(d) is not int:
                break
        else:
            return shape
    if isinstance(shape, Tensor) or hasattr(shape, "_read_for_op"):
        shape = convert_to_tensor(shape).numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


# -- reshape ------------------------------------------------------------------------
def _reshape_fwd(xp: Any, tensor: Any, *, shape: tuple) -> Any:
    try:
        return tensor.reshape(shape)  # the method: np.reshape's wrapper costs 0.6 µs
    except ValueError:
        wanted = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        raise invalid_argument(
            "Reshape", f"Input to reshape is a tensor with {np.size(tensor)} values, but the "
            f"requested shape {'requires a multiple of' if -1 in shape else 'has'} {wanted} "
            f"(requested shape {list(shape)}; inputs: {describe([tensor])})"
        ) from None


def lead(g: Any, ndim: int) -> tuple:
    """The leading (batch) axes a cotangent carries beyond an ``ndim``-d value.

    Jacobians push a stack of cotangents through one backward walk; rules
    that name axes or shapes keep these leading axes in front (``batchable``).
    """
    return g._value.shape[:g._value.ndim - ndim]


_reshape = linear("Reshape", _reshape_fwd,
                  lambda g, tensor_shape, *, shape: _reshape(
                      g, shape=lead(g, len(shape)) + tensor_shape),  # reshape back
                  samples=lambda: [Sample(rand((2, 3)), params={"shape": (3, 2)}),
                                   Sample(rand((2, 3)), params={"shape": (-1,)}),
                                   Sample(rand((6,)), params={"shape": (2, 1, 3)}),
                                   Sample(rand((2, 3)), params={"shape": (4,)},
                                          raises=InvalidArgumentError)],
                  params=True, dtypes=ANY, reference=lambda x, shape: np.reshape(x, shape),
                  batchable=True)


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """Same values in a new shape (one dimension may be -1).

    >>> import tapeflow as tf
    >>> tf.reshape(tf.range(6), (2, 3)).shape
    TensorShape([2, 3])
    """
    return _reshape(_as_tensor(tensor), shape=_static_shape(shape))


# -- broadcast_to ---------------------------------------------------------------------
# Outputs up to this many elements are materialised: a copy of a few elements
# costs ~0.4 µs where np.broadcast_to's read-only view costs ~2.4 µs.
_SMALL = 1024
_HOST = (np.ndarray, np.generic)


def _broadcast_fwd(xp: Any, input: Any, *, shape: tuple) -> Any:
    try:
        if isinstance(input, _HOST) and math.prod(shape) <= _SMALL:
            out = np.empty(shape, input.dtype)
            out[...] = input
            return out
        return xp.broadcast_to(input, shape)
    except ValueError:
        raise invalid_argument("BroadcastTo", f"Unable to broadcast tensor of shape "
                               f"{list(np.shape(input))} to tensor of shape {list(shape)}"
                               ) from None


_broadcast_to = linear(
    "BroadcastTo", _broadcast_fwd,
    lambda g, input_shape, *, shape: reduction.sum_to_shape(  # sum back over broadcast axes
        g, input_shape, len(lead(g, len(shape)))),
    samples=lambda: [Sample(rand((3,)), params={"shape": (2, 3)}),
                     Sample(rand((2, 1)), params={"shape": (2, 4)}),
                     Sample(rand(()), params={"shape": (3,)}),
                     Sample(rand((3,)), params={"shape": (2, 4)}, raises=InvalidArgumentError)],
    params=True, dtypes=ANY, reference=lambda x, shape: np.broadcast_to(x, shape))


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """Broadcast ``input`` to ``shape`` (NumPy rules); the gradient sums back.

    >>> import tapeflow as tf
    >>> tf.broadcast_to([1.0, 2.0], (2, 2)).numpy().tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    x = _as_tensor(input)
    shape = _static_shape(shape)
    if x._value.shape == shape:
        return x
    return _broadcast_to(x, shape=shape)


# -- transpose ------------------------------------------------------------------------
def _transpose_back(g: Any, perm: tuple) -> Any:
    """d transpose(x, perm) = transpose(g, inverse perm), leading axes kept."""
    n = len(lead(g, len(perm)))
    inverse = tuple(int(p) + n for p in np.argsort(perm))
    return _transpose(g, perm=tuple(range(n)) + inverse)


_transpose = linear("Transpose", lambda xp, x, *, perm: x.transpose(perm),
                    lambda g, *, perm: _transpose_back(g, perm),
                    samples=lambda: [Sample(rand((2, 3)), params={"perm": (1, 0)}),
                                     Sample(rand((2, 3, 4)), params={"perm": (2, 0, 1)})],
                    params=True, dtypes=ANY, reference=lambda x, perm: np.transpose(x, perm),
                    batchable=True)


def transpose(a: Any, perm: Sequence[int] | None = None, conjugate: bool = False,
              name: str | None = None) -> Tensor:
    """Permute dimensions (reverse them when ``perm`` is None).

    >>> import tapeflow as tf
    >>> tf.transpose(tf.ones((2, 3))).shape
    TensorShape([3, 2])
    """
    x = _as_tensor(a)
    nd = x._value.ndim
    perm = tuple(range(nd))[::-1] if perm is None else _static_shape(perm)
    if sorted(p % nd if nd else p for p in perm) != list(range(nd)) or len(perm) != nd:
        raise invalid_argument("Transpose", f"transpose expects a permutation of "
                               f"{list(range(nd))} for a tensor of shape {list(x.shape)}, "
                               f"got perm {list(perm)}")
    out = _transpose(x, perm=tuple(p % nd for p in perm))
    return arith.conj(out) if conjugate else out


# -- expand_dims / squeeze (reshapes with TF's argument checks) ---------------------------
def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:
    """Insert a length-1 dimension at ``axis`` (negative counts from the end).

    >>> import tapeflow as tf
    >>> tf.expand_dims([1.0, 2.0], -1).shape
    TensorShape([2, 1])
    """
    x = _as_tensor(input)
    nd = x._value.ndim
    axis = int(axis)
    if not -nd - 1 <= axis <= nd:
        raise invalid_argument("ExpandDims", f"Tried to expand dim index {axis} for tensor "
                               f"with {nd} dimensions.")
    axis = axis % (nd + 1)
    shape = x._value.shape[:axis] + (1,) + x._value.shape[axis:]
    return _reshape(x, shape=shape)


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """Remove length-1 dimensions (only those in ``axis`` when given).

    >>> import tapeflow as tf
    >>> tf.squeeze(tf.ones((1, 2, 1))).shape
    TensorShape([2])
    """
    x = _as_tensor(input)
    shape = x._value.shape
    nd = len(shape)
    axes = None if axis is None else [axis] if isinstance(axis, (int, np.integer)) \
        else list(axis)
    if not axes:  # None or empty: every length-1 dimension (TF's empty squeeze_dims)
        keep = [d for d in shape if d != 1]
    else:
        norm = set()
        for a in axes:
            if not -nd <= a < nd:
                raise invalid_argument("Squeeze", f"Tried to squeeze dim index {a} for "
                                       f"tensor with {nd} dimensions.")
            a = a % nd
            if shape[a] != 1:
                raise invalid_argument("Squeeze", f"Can not squeeze dim[{a}], expected a "
                                       f"dimension of 1, got {shape[a]}")
            norm.add(a)
        keep = [d for i, d in enumerate(shape) if i not in norm]
    return _reshape(x, shape=tuple(keep))


# -- concat / stack -------------------------------------------------------------------------
@defop("ConcatV2", samples=lambda: [Sample(rand((2, 3)), rand((1, 3)), params={"axis": 0}),
                                    Sample(rand((2, 1)), rand((2, 2)), rand((2, 3)),
                                           params={"axis": 1}),
                                    Sample(rand((2, 3)), rand((2, 4)), params={"axis": 0},
                                           raises=InvalidArgumentError)],
       dtypes=ANY, variadic=True,
       reference=lambda *xs, axis: np.concatenate(xs, axis))
class _Concat:
    def fwd(xp, values, *, axis):
        return xp.concatenate(values, axis=axis)

    def vjp(g, values_shape, *, axis):  # transpose of concat: split g back
        bounds = np.cumsum([s[axis] for s in values_shape])[:-1]
        starts = [0, *bounds]
        return [slice_key(g, _axis_slice(len(s), axis, a, a + s[axis]))
                for s, a in zip(values_shape, starts)]

    def jvp(dvalues, values, *, axis):
        return _Concat(*[arith.zeros_like(v) if d is None else d
                         for d, v in zip(dvalues, values)], axis=axis)


def _axis_slice(ndim: int, axis: int, start: int, stop: int) -> tuple:
    return (slice(None),) * axis + (slice(start, stop),)


def _variadic_inputs(op_name: str, values: Any) -> list:
    if isinstance(values, (Tensor,)) or hasattr(values, "_read_for_op"):
        values = list(values)
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{op_name} expects a non-empty list of tensors, got {values!r}")
    tensors = [_as_tensor(v) for v in values]
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t._value.dtype != first._value.dtype:
            if isinstance(values[i], Tensor):
                raise invalid_argument(op_name, f"{op_name}: input {i} has dtype "
                                       f"{t.dtype.name}, expected {first.dtype.name} "
                                       f"like input 0")
            tensors[i] = convert_to_tensor(values[i], dtype=first.dtype)
    return tensors


def concat(values: Any, axis: int, name: str | None = "concat") -> Tensor:
    """Join tensors along an existing ``axis``.

    >>> import tapeflow as tf
    >>> tf.concat([tf.ones((1, 2)), tf.zeros((1, 2))], axis=0).shape
    TensorShape([2, 2])
    """
    tensors = _variadic_inputs("ConcatV2", values)
    nd = tensors[0]._value.ndim
    if not -nd <= axis < nd:
        raise invalid_argument("ConcatV2", f"ConcatOp : Expected concatenating dimensions in "
                               f"the range [{-nd}, {nd}), but got {axis}")
    axis %= nd
    for i, t in enumerate(tensors):
        s0, s = tensors[0]._value.shape, t._value.shape
        bad = [k for k, (a, b) in enumerate(zip(s0, s)) if k != axis and a != b]
        if len(s) != nd or bad:
            what = (f"Dimension {bad[0]} in both shapes must be equal" if len(s) == nd
                    else "Ranks of all input tensors should match")
            raise invalid_argument("ConcatV2", f"ConcatOp : {what}: shape[0] = {shape_str(s0)} "
                                   f"vs. shape[{i}] = {shape_str(s)} (concat axis {axis}; "
                                   f"inputs: {describe(tensors)})")
    if len(tensors) == 1:
        return tensors[0]
    return _Concat(*tensors, axis=axis)


# Reshapes joined by one ConcatV2.  Each sample's ``values`` is one tensor, which
# stack iterates: the table watches tensors, not lists of them.
@composite(samples=lambda: [Sample(composite_rand((3, 2)), params={"axis": 1}),
                            Sample(composite_rand((2, 2, 3)), params={"axis": -1})],
           reference=lambda values, axis=0: np.stack(list(values), axis))
def stack(values: Any, axis: int = 0, name: str | None = "stack") -> Tensor:
    """Join same-shaped tensors along a new ``axis``.

    >>> import tapeflow as tf
    >>> tf.stack([tf.ones(2), tf.zeros(2)], axis=1).shape
    TensorShape([2, 2])
    """
    if isinstance(values, (list, tuple)) and not values and axis == 0:
        return tensor_mod.wrap(np.zeros((0,), np.float32))  # TF: nothing stacked, float32
    tensors = _variadic_inputs("Pack", values)
    s0 = tensors[0]._value.shape
    for i, t in enumerate(tensors):
        if t._value.shape != s0:
            raise invalid_argument("Pack", f"Shapes of all inputs must match: values[0].shape "
                                   f"= {list(s0)} != values[{i}].shape = {list(t.shape)}")
    nd = len(s0) + 1
    if not -nd <= axis < nd:
        raise invalid_argument("Pack", f"axis = {axis} not in [{-nd}, {nd})")
    axis %= nd
    return _Concat(*[_reshape(t, shape=s0[:axis] + (1,) + s0[axis:]) for t in tensors],
                   axis=axis)


def _pack(values: Any, dtype: Any) -> Tensor:
    """``tf.constant([x, 2.0])`` with tensors inside: stacked, so the tape sees it."""
    items = [_pack(v, dtype) if isinstance(v, (list, tuple)) else v for v in values]
    if dtype is not None:
        items = [convert_to_tensor(v, dtype=dtype) for v in items]
    return stack(items)


tensor_mod.pack_hook = _pack


# -- indexing ------------------------------------------------------------------------------
def _is_basic(key: tuple) -> bool:
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def _slice_fwd(xp: Any, input: Any, *, key: tuple) -> Any:
    try:
        return input[key]
    except IndexError as exc:
        raise invalid_argument("StridedSlice", f"{exc} (tensor shape {list(np.shape(input))})"
                               ) from None


def _scatter_reference(g: Any, key: tuple, shape: tuple) -> Any:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, key, g)
    return out


def _slice_grad_fwd(xp: Any, g: Any, *, key: tuple, shape: tuple) -> Any:
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        xp.add.at(out, key, g)  # repeated indices accumulate
    return out


def _sliced_ndim(shape: tuple, key: tuple) -> int:
    """ndim of ``x[key]`` for x of ``shape`` (on a zero-memory view)."""
    return np.broadcast_to(np.empty((), dtype=np.int8), shape)[key].ndim


def _batched_key(g: Any, ndim: int, key: tuple) -> tuple:
    return (slice(None),) * len(lead(g, ndim)) + key


_slice_grad = linear("StridedSliceGrad", _slice_grad_fwd,
                     lambda g, *, key, shape: _strided_slice(
                         g, key=_batched_key(g, len(shape), key)),  # slice back
                     samples=lambda: [Sample(rand((2,)), params={"key": (1, slice(0, 2)),
                                                                 "shape": (3, 4)})],
                     params=True, dtypes=ANY, inputs=("g",), reference=_scatter_reference,
                     batchable=True)
_strided_slice = linear("StridedSlice", _slice_fwd,
                        lambda g, input_shape, *, key: _slice_grad(  # scatter back
                            g, key=_batched_key(g, _sliced_ndim(input_shape, key), key),
                            shape=lead(g, _sliced_ndim(input_shape, key)) + input_shape),
                        samples=lambda:
                            [Sample(rand((3, 4)), params={"key": (1, slice(None, None, 2))}),
                             Sample(rand((3, 4)), params={"key": (Ellipsis, None, -1)}),
                             Sample(rand((5,)), params={"key": (np.array([0, 2, 2]),)}),
                             Sample(rand((3,)), params={"key": (5,)},
                                    raises=InvalidArgumentError)],
                        params=True, dtypes=ANY,
                        reference=lambda x, key: x[key], batchable=True)


def _normalize_key(key: Any) -> tuple:
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor) or hasattr(k, "_read_for_op"):
            k = convert_to_tensor(k)._value
            k = int(k) if k.ndim == 0 and k.dtype.kind in "iu" else k
        elif isinstance(k, list):
            k = np.asarray(k)
        elif isinstance(k, np.integer):
            k = int(k)
        elif isinstance(k, slice):
            k = slice(*(None if v is None else int(v) for v in (k.start, k.stop, k.step)))
        out.append(k)
    return tuple(out)


def slice_key(input: Any, key: Any) -> Tensor:
    """``input[key]`` with NumPy's indexing rules (a Python key: ints, slices,
    ``...``, ``None``, masks); the gradient scatters back.  Ops build on this.

    >>> import tapeflow as tf
    >>> from tapeflow.ops.shape_ops import slice_key
    >>> slice_key(tf.constant([[1.0, 2.0], [3.0, 4.0]]), (slice(None), 1)).numpy()
    array([2., 4.], dtype=float32)
    """
    return _strided_slice(_as_tensor(input), key=_normalize_key(key))


def _ints(x: Any) -> list[int]:
    """A static list of ints from an int, a list or a tensor."""
    if isinstance(x, Tensor) or hasattr(x, "_read_for_op"):
        x = convert_to_tensor(x)._value
    return [int(v) for v in np.asarray(x).reshape(-1)]


def _bits(mask: int, n: int) -> list[bool]:
    return [bool(int(mask) >> i & 1) for i in range(n)]


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None, begin_mask: int = 0,
                  end_mask: int = 0, ellipsis_mask: int = 0, new_axis_mask: int = 0,
                  shrink_axis_mask: int = 0, var: Any = None, name: str | None = None) -> Tensor:
    """TF's ``tf.strided_slice``: ``input_[begin:end:strides]`` per listed axis, with
    TF's bit masks (bit i: ignore begin[i] / end[i], an ellipsis, a new axis, or
    index begin[i] and drop the axis).  The same op as ``x[...]``.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(12.0), (3, 4))
    >>> tf.strided_slice(x, [0, 1], [2, 3]).numpy()
    array([[1., 2.],
           [5., 6.]], dtype=float32)
    """
    b, e = _ints(begin), _ints(end)
    s = [1] * len(b) if strides is None else _ints(strides)
    if not len(b) == len(e) == len(s):
        raise invalid_argument("StridedSlice", f"Expected begin, end, and strides to be 1D "
                               f"equal size tensors, but got shapes [{len(b)}], [{len(e)}], "
                               f"and [{len(s)}] instead.")
    if 0 in s:
        raise invalid_argument("StridedSlice", f"strides[{s.index(0)}] must be non-zero")
    n = len(b)
    masks = zip(_bits(begin_mask, n), _bits(end_mask, n), _bits(ellipsis_mask, n),
                _bits(new_axis_mask, n), _bits(shrink_axis_mask, n))
    key: list = []
    for i, (no_begin, no_end, ellipsis, new_axis, shrink) in enumerate(masks):
        if ellipsis:
            key.append(Ellipsis)
        elif new_axis:
            key.append(None)
        elif shrink:
            key.append(b[i])
        else:
            key.append(slice(None if no_begin else b[i], None if no_end else e[i], s[i]))
    from tapeflow.ops import operators  # the indexing path: TF's bounds checks and messages
    return operators._getitem(_as_tensor(input_), tuple(key))


def slice_(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:
    """TF's ``tf.slice``: ``size[i]`` elements from ``begin[i]`` on every axis (a
    size of -1 takes the rest); the gradient scatters back, as ``strided_slice``'s.

    >>> import tapeflow as tf
    >>> tf.slice(tf.constant([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]).numpy()
    array([[2, 3],
           [5, 6]], dtype=int32)
    """
    x = _as_tensor(input_)
    shape = x._value.shape
    b, s = _ints(begin), _ints(size)
    if len(b) != len(shape) or len(s) != len(shape):
        raise invalid_argument("Slice", f"Expected begin and size arguments to be 1-D tensors "
                               f"of size {len(shape)}, but got shapes [{len(b)}] and "
                               f"[{len(s)}] instead.")
    key = []
    for i, (start, n, dim) in enumerate(zip(b, s, shape)):
        if not 0 <= start <= dim:
            raise invalid_argument("Slice", f"Expected begin[{i}] in [0, {dim}], but got {start}")
        n = dim - start if n == -1 else n
        if not 0 <= n <= dim - start:
            raise invalid_argument("Slice", f"Expected size[{i}] in [0, {dim - start}], "
                                   f"but got {s[i]}")
        key.append(slice(start, start + n))
    return _strided_slice(x, key=tuple(key))


slice_.__name__ = slice_.__qualname__ = "slice"  # tf.slice (the module keeps Python's slice)


# -- the Variable read (recorded by the tape, never called directly) -----------------------
READ_VARIABLE = linear("ReadVariableOp", lambda xp, resource: resource, passthrough,
                       batchable=True,
                       samples=lambda: [Sample(rand((2, 2)))], dtypes=ANY,
                       reference=lambda x: x).op

from tapeflow.ops import reduction  # noqa: E402  (broadcast_to's transpose sums back)
