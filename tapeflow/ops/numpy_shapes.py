"""NumPy's shape, selection and creation functions as tapeflow ops.

Each function here has the signature and meaning of the NumPy function of the
same name (NumPy's documentation is theirs); they are entries of
numpy_functions.FUNCTIONS, reached through ``np.<name>(tensor, ...)``, and
docs/numpy.md lists where they differ.  An argument tapeflow cannot express
raises NoMapping, and NumPy computes the call instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.dtypes import as_dtype
from tapeflow.core.tensor import Tensor, wrap
from tapeflow.ops import arith, array, complex_ops, indexing, shape_ops, special
from tapeflow.ops.numpy_args import (
    NO,
    NoMapping,
    as_tensor,
    axes_of,
    common,
    flat,
    no_out,
    refuse,
    truth,
)

__all__ = ["argsort", "broadcast_to", "clip", "concatenate", "expand_dims", "flip", "fliplr",
           "flipud", "full_like", "hstack", "imag", "linspace", "moveaxis", "nonzero",
           "ones_like", "pad", "ravel", "real", "repeat", "reshape", "roll", "round", "sort",
           "split", "squeeze", "stack", "swapaxes", "take", "tile", "transpose", "vstack",
           "where", "zeros_like"]


# -- shapes ------------------------------------------------------------------------------------
def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise NoMapping
    shape = newshape if shape is None else shape
    return shape_ops.reshape(as_tensor(a), [shape] if isinstance(shape, int) else list(shape))


def ravel(a, order="C"):
    if order not in ("C", "K", "A"):
        raise NoMapping
    return flat(as_tensor(a))


def transpose(a, axes=None):
    return shape_ops.transpose(as_tensor(a), None if axes is None else list(axes))


def swapaxes(a, axis1, axis2):
    x = as_tensor(a)
    perm = list(range(x.ndim))
    i, j = axis1 % x.ndim, axis2 % x.ndim
    perm[i], perm[j] = perm[j], perm[i]
    return shape_ops.transpose(x, perm)


def moveaxis(a, source, destination):
    x = as_tensor(a)
    src, dst = axes_of(source, x.ndim), axes_of(destination, x.ndim)
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    perm = [k for k in range(x.ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return shape_ops.transpose(x, perm)


def squeeze(a, axis=None):
    return shape_ops.squeeze(as_tensor(a), axis)


def expand_dims(a, axis):
    x = as_tensor(a)
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    for k in sorted(int(k) % (x.ndim + len(items)) for k in items):
        x = shape_ops.expand_dims(x, k)
    return x


def _cast_all(tensors: list, dtype: Any) -> list:
    return tensors if dtype is None else [arith.cast(t, np.dtype(dtype)) for t in tensors]


def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    no_out("concatenate", out)
    tensors = _cast_all(common(*arrays), dtype)
    if axis is None:
        tensors, axis = [flat(t) for t in tensors], 0
    return shape_ops.concat(tensors, axis)


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    no_out("stack", out)
    return shape_ops.stack(_cast_all(common(*arrays), dtype), axis)


def vstack(tup, *, dtype=None, casting="same_kind"):
    tensors = _cast_all(common(*tup), dtype)
    return shape_ops.concat([shape_ops.reshape(t, [1, -1]) if t.ndim < 2 else t
                             for t in tensors], 0)


def hstack(tup, *, dtype=None, casting="same_kind"):
    tensors = [shape_ops.reshape(t, [1]) if t.ndim == 0 else t
               for t in _cast_all(common(*tup), dtype)]
    return shape_ops.concat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def broadcast_to(array, shape, subok=False):
    return shape_ops.broadcast_to(as_tensor(array), [shape] if isinstance(shape, int) else shape)


def tile(A, reps):
    x = as_tensor(A)
    reps = [int(reps)] if isinstance(reps, (int, np.integer)) else [int(r) for r in reps]
    if len(reps) > x.ndim:
        x = shape_ops.reshape(x, [1] * (len(reps) - x.ndim) + list(x.shape))
    return array.tile(x, [1] * (x.ndim - len(reps)) + reps)


def repeat(a, repeats, axis=None):
    return array.repeat(as_tensor(a), repeats, axis)


def pad(array_, pad_width, mode="constant", **kwargs):
    x = as_tensor(array_)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2)).tolist()
    if mode == "constant" and set(kwargs) <= {"constant_values"}:
        value = kwargs.get("constant_values", 0)
        if np.ndim(value) != 0:
            raise NoMapping
        return array.pad(x, widths, "CONSTANT", constant_values=value)
    tf_mode = {"reflect": "REFLECT", "symmetric": "SYMMETRIC"}.get(mode)
    if tf_mode is None or kwargs.get("reflect_type", "even") != "even":
        raise NoMapping
    most = 1 if tf_mode == "REFLECT" else 0  # TF mirrors once: widths must fit the axis
    if any(w > dim - most for pair, dim in zip(widths, x.shape) for w in pair):
        raise NoMapping
    return array.pad(x, widths, tf_mode)


def flip(m, axis=None):
    x = as_tensor(m)
    if x.ndim == 0:
        return x
    return array.reverse(x, axes_of(axis, x.ndim))


def roll(a, shift, axis=None):
    x = as_tensor(a)
    if axis is None:
        return shape_ops.reshape(array.roll(flat(x), shift, 0), list(x.shape))
    return array.roll(x, shift, axis)


def split(ary, indices_or_sections, axis=0):
    x = as_tensor(ary)
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division")
        return array.split(x, int(indices_or_sections), axis)
    points = [min(max(int(i) + n if i < 0 else int(i), 0), n) for i in indices_or_sections]
    bounds = [0, *points, n]
    if any(b < a for a, b in zip(bounds, bounds[1:])):
        raise NoMapping
    return array.split(x, [b - a for a, b in zip(bounds, bounds[1:])], axis)


def take(a, indices, axis=None, out=None, mode="raise"):
    no_out("take", out)
    x = as_tensor(a)
    if axis is None:
        x, axis = flat(x), 0
    n = x.shape[axis]
    index = dispatch.read_input(indices)  # integer positions: read as values
    index = np.asarray(index._value if isinstance(index, Tensor) else index, dtype=np.int64)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        index = np.clip(index, 0, n - 1)
    else:
        index = np.where(index < 0, index + n, index)
    return indexing.gather(x, index, axis=axis)


# -- elementwise and selection -----------------------------------------------------------------
def where(condition, *xy):
    if not xy:
        return nonzero(condition)
    if len(xy) != 2:
        raise ValueError("either both or neither of x and y should be given")
    return arith.where(truth(condition), *xy)


def nonzero(a):
    coords = arith.where(truth(a))
    return tuple(coords[:, k] for k in range(coords.shape[1]))


def clip(a, a_min=NO, a_max=NO, out=None, *, min=NO, max=NO, **kwargs):
    no_out("clip", out)
    low = a_min if a_min is not NO else (None if min is NO else min)
    high = a_max if a_max is not NO else (None if max is NO else max)
    x = as_tensor(a)
    if low is not None and high is not None:
        return special.clip_by_value(x, low, high)
    if low is not None:
        x = arith.maximum(x, low)
    if high is not None:
        x = arith.minimum(x, high)
    return x


def round(a, decimals=0, out=None):
    no_out("round", out)
    x = as_tensor(a)
    if x._value.dtype.kind != "f":
        return x if decimals >= 0 else wrap(np.round(x._value, decimals))
    if decimals == 0:
        return special.round(x)
    scale = 10.0 ** decimals
    return special.round(x * scale) / scale


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    refuse(order)
    x = as_tensor(a)
    if axis is None:
        x, axis = flat(x), -1
    return array.sort(x, axis=axis)


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    refuse(order)
    x = as_tensor(a)
    if axis is None:
        x, axis = flat(x), -1
    return arith.cast(array.argsort(x, axis=axis, stable=True), np.int64)


def real(val):
    return complex_ops.real(as_tensor(val))


def imag(val):
    return complex_ops.imag(as_tensor(val))


# -- creation ----------------------------------------------------------------------------------
def _like(name: str, fill: Any) -> Any:
    def run(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
        x = as_tensor(a)
        dt = x._value.dtype if dtype is None else np.dtype(dtype)
        if shape is not None:
            return wrap(np.full(shape, fill, dtype=dt))
        return getattr(arith, name)(x, dtype=as_dtype(dt))
    return run


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    x = as_tensor(a)
    dt = x._value.dtype if dtype is None else np.dtype(dtype)
    shape = list(x.shape) if shape is None else shape
    value = dispatch.read_input(fill_value)
    if isinstance(value, Tensor):
        return shape_ops.broadcast_to(arith.cast(value, dt), shape)
    return wrap(np.full(shape, value, dtype=dt))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
              device=None):
    refuse(retstep or None)
    low, high = common(start, stop)
    if low._value.dtype.kind in "biu":
        low, high = arith.cast(low, np.float64), arith.cast(high, np.float64)
    count = int(num) if endpoint else int(num) + 1
    result = array.linspace(low, high, count, axis=axis)
    if not endpoint:
        cut = axis % result.ndim
        result = shape_ops.slice_key(result, (slice(None),) * cut + (slice(0, int(num)),))
    return result if dtype is None else arith.cast(result, np.dtype(dtype))




zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)
