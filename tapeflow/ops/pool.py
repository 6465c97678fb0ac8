"""Pooling: tf.nn.max_pool1d/2d, avg_pool1d/2d, and max_pool/avg_pool by rank.

A pooling reduces the same receptive fields a convolution multiplies, so this
module holds only what is pooling's own (the ops, their gradients, their
references and TF's pooling checks) and takes the window view, the NHWC
layout helpers, the padding and output-size rules and TF's argument forms
from tapeflow/ops/conv.py; pool depends on conv, never the reverse.  Max
pooling routes the gradient to each window's first maximum in row-major
order (TF's CPU tie rule); ``MaxPoolGrad`` and ``MaxPoolGradGrad`` are each
other's transposes.  Average pooling divides by the number of valid
(unpadded) elements of each window, as TF does; ``AvgPool`` and
``AvgPoolGrad`` are each other's transposes.  Static parameters travel as one
``PoolSpec`` with the paddings already resolved; NCHW inputs are viewed as
NHWC inside each op.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from tapeflow.core.errors import UnimplementedError, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import shape_ops
from tapeflow.ops.conv import (
    _adjoint,
    _back,
    _check_out,
    _dilate,
    _format,
    _nhwc,
    _per_axis,
    _resolve_pads,
    _shape_nhwc,
    _taps,
    _transposed_pads,
    _windows,
)
from tapeflow.ops.declare import REAL, REAL_FLOAT, composite, defop, linear
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["max_pool", "avg_pool", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
           "PoolSpec"]


class PoolSpec(NamedTuple):
    """A pooling's static parameters (``pads`` as in ConvSpec)."""

    ksize: tuple
    strides: tuple
    pads: tuple
    data_format: str = "NHWC"


# -- array kernels (NHWC): where each window's maximum is, how many elements it holds --
def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _argmax(x: Any, spec: PoolSpec) -> Any:
    """Flat index into NHWC ``x`` of each window's first maximum (row-major in the window)."""
    (kh, kw), (sh, sw), ((pt, _), (pl, _)) = spec.ksize, spec.strides, spec.pads
    win = _windows(x, spec.ksize, spec.strides, (1, 1), spec.pads, _lowest(x.dtype))
    n, oh, ow, c = win.shape[:4]
    k = win.reshape(n, oh, ow, c, kh * kw).argmax(axis=-1)  # argmax: first of ties
    rows = np.arange(oh)[:, None, None] * sh - pt + k // kw
    cols = np.arange(ow)[:, None] * sw - pl + k % kw
    h, w = x.shape[1:3]
    return ((np.arange(n)[:, None, None, None] * h + rows) * w + cols) * c + np.arange(c)


def _valid_counts(size: int, k: int, s: int, pad: int, out: int) -> Any:
    start = np.arange(out) * s - pad
    return np.minimum(start + k, size) - np.maximum(start, 0)


def _counts(in_hw: tuple, spec: PoolSpec, out_hw: tuple, dtype: np.dtype) -> Any:
    """How many unpadded elements each window holds, shaped (OH, OW, 1)."""
    rows, cols = (_valid_counts(*a) for a in zip(in_hw, spec.ksize, spec.strides,
                                                  (p[0] for p in spec.pads), out_hw))
    return (rows[:, None] * cols[None, :]).astype(dtype)[:, :, None]


def _avg_pool(x: Any, spec: PoolSpec) -> Any:
    total = _windows(x, spec.ksize, spec.strides, (1, 1), spec.pads).sum(axis=(4, 5))
    return total / _counts(x.shape[1:3], spec, total.shape[1:3], x.dtype)


def _avg_pool_grad(g: Any, in_shape: tuple, spec: PoolSpec) -> Any:
    """Each input element sums the shares of the windows that hold it."""
    share = g / _counts(in_shape[1:3], spec, g.shape[1:3], g.dtype)
    pads = _transposed_pads(in_shape[1:3], g.shape[1:3], spec.ksize, spec.strides, spec.pads)
    if 0 in g.shape[1:3]:
        return np.zeros(in_shape, g.dtype)
    return _windows(_dilate(share, spec.strides), spec.ksize, (1, 1), (1, 1), pads).sum((4, 5))


# -- references for the table test: sums over window taps, independent of the kernels -----
def _ref_first_max(x: Any, spec: PoolSpec) -> tuple:
    """Per window: the first tap (row-major) holding the maximum, and the maximum."""
    xp = np.pad(_nhwc(x, spec.data_format), ((0, 0), *spec.pads, (0, 0)),
                constant_values=-np.inf)
    out_hw = tuple((xp.shape[1 + a] - spec.ksize[a]) // spec.strides[a] + 1 for a in (0, 1))
    best = np.full((xp.shape[0], *out_hw, xp.shape[3]), -np.inf)
    first = np.zeros(best.shape, int)
    for t, ((_, _), at) in enumerate(_taps(spec.ksize, spec.strides, (1, 1), out_hw)):
        better = xp[at] > best
        best, first = np.where(better, xp[at], best), np.where(better, t, first)
    return first, best


def _ref_max_pool(x: Any, spec: PoolSpec) -> Any:
    return _back(_ref_first_max(x, spec)[1], spec.data_format)


def _ref_max_pool_grad(x: Any, out: Any, g: Any, spec: PoolSpec) -> Any:
    return _adjoint(lambda t: _ref_max_pool_grad_grad(x, out, t, spec), x.shape, g)


def _ref_max_pool_grad_grad(x: Any, out: Any, g: Any, spec: PoolSpec) -> Any:
    first = _ref_first_max(x, spec)[0]
    gp = np.pad(_nhwc(g, spec.data_format), ((0, 0), *spec.pads, (0, 0)))
    taps = _taps(spec.ksize, spec.strides, (1, 1), first.shape[1:3])
    return _back(sum(np.where(first == t, gp[at], 0) for t, (_, at) in enumerate(taps)),
                 spec.data_format)


def _ref_avg_pool(x: Any, spec: PoolSpec) -> Any:
    x = _nhwc(x, spec.data_format)
    pad = ((0, 0), *spec.pads, (0, 0))
    xp, ones = np.pad(x, pad), np.pad(np.ones_like(x), pad)
    out_hw = tuple((xp.shape[1 + a] - spec.ksize[a]) // spec.strides[a] + 1 for a in (0, 1))
    taps = list(_taps(spec.ksize, spec.strides, (1, 1), out_hw))
    return _back(sum(xp[at] for _, at in taps) / sum(ones[at] for _, at in taps),
                 spec.data_format)


def _ref_avg_pool_grad(g: Any, spec: PoolSpec, orig_input_shape: tuple) -> Any:
    return _adjoint(lambda x: _ref_avg_pool(x, spec), orig_input_shape, g)


# -- the pooling ops ------------------------------------------------------------------------
def _max_pool_fwd(xp: Any, input: Any, *, spec: PoolSpec) -> Any:
    x = _nhwc(input, spec.data_format)
    win = _windows(x, spec.ksize, spec.strides, (1, 1), spec.pads, _lowest(x.dtype))
    return _back(win.max(axis=(4, 5)), spec.data_format)


def _max_pool_grad_fwd(xp: Any, orig_input: Any, orig_output: Any, grad: Any, *,
                       spec: PoolSpec) -> Any:
    x, g = _nhwc(orig_input, spec.data_format), _nhwc(grad, spec.data_format)
    routed = np.bincount(_argmax(x, spec).ravel(), weights=g.ravel(), minlength=x.size)
    return _back(routed.astype(g.dtype, copy=False).reshape(x.shape), spec.data_format)


def _max_pool_grad_grad_fwd(xp: Any, orig_input: Any, orig_output: Any, grad: Any, *,
                            spec: PoolSpec) -> Any:
    x, g = _nhwc(orig_input, spec.data_format), _nhwc(grad, spec.data_format)
    return _back(g.ravel()[_argmax(x, spec)], spec.data_format)


def _pool_samples(cases: list, grad_of: str | None = None) -> list:
    samples = []
    for xs, spec in cases:
        x = rand(xs)
        out = _max_pool_fwd(np, x, spec=spec)
        if grad_of is None:
            samples.append(Sample(x, params={"spec": spec}))
        else:
            g = rand(out.shape if grad_of == "out" else xs)
            samples.append(Sample(x, out, g, params={"spec": spec}))
    return samples


_POOLS = [((1, 5, 5, 2), PoolSpec((2, 2), (2, 2), ((0, 1), (0, 1)))),
          ((2, 1, 4, 5), PoolSpec((3, 2), (1, 2), ((0, 0), (0, 0)), "NCHW")),
          ((1, 4, 4, 1), PoolSpec((3, 3), (1, 1), ((1, 1), (1, 1))))]


@defop("MaxPool", samples=lambda: _pool_samples(_POOLS), dtypes=REAL, reference=_ref_max_pool)
class _MaxPool:
    fwd = _max_pool_fwd

    def vjp_input(g, input, out, *, spec):  # all of a window's cotangent goes to its argmax
        return _max_pool_grad(input, out, g, spec=spec)

    def jvp(dinput, input, out, *, spec):  # the tangent at each window's argmax
        return _max_pool_grad_grad(input, out, dinput, spec=spec)


# Both linear in ``grad`` (the pooling input and output only locate the argmaxes).
_max_pool_grad = linear(
    "MaxPoolGrad", _max_pool_grad_fwd,
    (None, None, lambda g, orig_input, orig_output, *, spec: _max_pool_grad_grad(
        orig_input, orig_output, g, spec=spec)),
    samples=lambda: _pool_samples(_POOLS, grad_of="out"), params=True, dtypes=REAL_FLOAT,
    reference=_ref_max_pool_grad)
_max_pool_grad_grad = linear(
    "MaxPoolGradGrad", _max_pool_grad_grad_fwd,
    (None, None, lambda g, orig_input, orig_output, *, spec: _max_pool_grad(
        orig_input, orig_output, g, spec=spec)),
    samples=lambda: _pool_samples(_POOLS, grad_of="input"), params=True, dtypes=REAL_FLOAT,
    reference=_ref_max_pool_grad_grad)


def _avg_pool_fwd(xp: Any, value: Any, *, spec: PoolSpec) -> Any:
    return _back(_avg_pool(_nhwc(value, spec.data_format), spec), spec.data_format)


def _avg_pool_grad_fwd(xp: Any, grad: Any, *, spec: PoolSpec, orig_input_shape: tuple) -> Any:
    in_shape = _shape_nhwc(orig_input_shape, spec.data_format)
    return _back(_avg_pool_grad(_nhwc(grad, spec.data_format), in_shape, spec),
                 spec.data_format)


# Average pooling is linear; AvgPoolGrad is its transpose and the other way round.
_avg_pool_op = linear(
    "AvgPool", _avg_pool_fwd,
    lambda g, value_shape, *, spec: _avg_pool_grad_op(g, spec=spec,
                                                      orig_input_shape=value_shape),
    samples=lambda: _pool_samples(_POOLS), params=True, dtypes=REAL_FLOAT, reference=_ref_avg_pool)
_avg_pool_grad_op = linear(
    "AvgPoolGrad", _avg_pool_grad_fwd,
    lambda g, *, spec, orig_input_shape: _avg_pool_op(g, spec=spec),
    samples=lambda: [Sample(rand(_ref_avg_pool(rand(xs), spec).shape),
                            params={"spec": spec, "orig_input_shape": xs}) for xs, spec in _POOLS],
    params=True, dtypes=REAL_FLOAT, reference=_ref_avg_pool_grad)


# -- public functions: TF's argument forms, checks and messages ------------------------------
def _pool(op: str, input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None,
          spatial: int) -> Tensor:
    """Checks and arguments shared by the pools; 1-D pools run as 2-D with a height of 1."""
    x = shape_ops._as_tensor(input)
    fmt = _format(data_format, spatial)
    if x._value.ndim != spatial + 2:
        raise invalid_argument(op, f"Input must be {spatial + 2}-dimensional, got shape "
                               f"{list(x._value.shape)}")
    if op == "AvgPool" and not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    if spatial == 1:
        x = shape_ops.expand_dims(x, -2 if fmt == "NCHW" else -3)
    ksize = (1, *_per_axis(ksize, "ksize", fmt, spatial)) if spatial == 1 else \
        _per_axis(ksize, "ksize", fmt)
    strides = (1, *_per_axis(strides, "strides", fmt, spatial)) if spatial == 1 else \
        _per_axis(strides, "strides", fmt)
    if min(ksize) <= 0 or min(strides) <= 0:
        raise invalid_argument(op, f"Sliding window ksize and strides must be positive, got "
                               f"ksize {list(ksize)}, strides {list(strides)}")
    if isinstance(padding, (list, tuple)) and spatial == 1:
        padding = [*padding[:-1], (0, 0), padding[-1]] if fmt == "NCHW" else \
            [padding[0], (0, 0), *padding[1:]]
    in_hw = _shape_nhwc(x._value.shape, fmt)[1:3]
    pads = _resolve_pads(op, padding, in_hw, ksize, strides, fmt)
    if any(p >= k for pp, k in zip(pads, ksize) for p in pp):
        raise invalid_argument(op, f"Explicit padding {list(pads)} must be smaller than the "
                               f"window {list(ksize)}")
    _check_out(op, in_hw, ksize, strides, pads)
    run = _MaxPool if op == "MaxPool" else _avg_pool_op
    y = run(x, spec=PoolSpec(ksize, strides, pads, fmt))
    return shape_ops.squeeze(y, [-2 if fmt == "NCHW" else -3]) if spatial == 1 else y


def _pool1d_reference(reduce: Any) -> Any:
    """NWC pooling, window by window; SAME windows hold only the elements they cover."""
    def reference(x: Any, ksize: int, strides: int, padding: str) -> Any:
        width = x.shape[1]
        if padding == "SAME":
            out = -(-width // strides)
            low = max((out - 1) * strides + ksize - width, 0) // 2
        else:
            out, low = (width - ksize) // strides + 1, 0
        starts = [i * strides - low for i in range(out)]
        return np.stack([reduce(x[:, max(s, 0):s + ksize], axis=1) for s in starts], axis=1)
    return reference


def _pool1d_samples() -> list[Sample]:
    return [Sample(composite_rand((2, 6, 2)),
                   params={"ksize": 2, "strides": 2, "padding": "VALID"}),
            Sample(composite_rand((1, 5, 3)),
                   params={"ksize": 3, "strides": 1, "padding": "SAME"})]


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: str | None = None) -> Tensor:
    """The maximum of each ``ksize`` window; the gradient goes to each window's first maximum.

    >>> import tapeflow as tf
    >>> tf.nn.max_pool2d(tf.reshape(tf.range(16.0), (1, 4, 4, 1)), 2, 2, "VALID").numpy().ravel()
    array([ 5.,  7., 13., 15.], dtype=float32)
    """
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 2)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: str | None = None) -> Tensor:
    """The mean of each ``ksize`` window; with "SAME", padded elements are not counted.

    >>> import tapeflow as tf
    >>> tf.nn.avg_pool2d(tf.ones((1, 3, 3, 1)), 2, 2, "SAME").numpy().ravel()
    array([1., 1., 1., 1.], dtype=float32)
    """
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 2)


# The 1-D pools run the 2-D ops on a height of 1.  Max: kinks where a window's
# two largest meet (random samples keep them apart).
@composite(samples=_pool1d_samples, reference=_pool1d_reference(np.max), smooth=False)
def max_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",
               name: str | None = None) -> Tensor:
    """``max_pool2d`` over (N, W, C) (or NCW) inputs.

    >>> import tapeflow as tf
    >>> tf.nn.max_pool1d(tf.constant([[[1.0], [3.0], [2.0]]]), 2, 1, "VALID").numpy().ravel()
    array([3., 3.], dtype=float32)
    """
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 1)


@composite(samples=_pool1d_samples, reference=_pool1d_reference(np.mean))
def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",
               name: str | None = None) -> Tensor:
    """``avg_pool2d`` over (N, W, C) (or NCW) inputs.

    >>> import tapeflow as tf
    >>> tf.nn.avg_pool1d(tf.constant([[[1.0], [3.0], [2.0]]]), 2, 1, "VALID").numpy().ravel()
    array([2. , 2.5], dtype=float32)
    """
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 1)


def _by_rank(op: str, input: Any, data_format: str | None) -> int:
    rank = shape_ops._as_tensor(input)._value.ndim
    if rank == 5:
        raise UnimplementedError(None, None, f"3-D pooling is not implemented [Op:{op}3D]")
    if rank not in (3, 4):
        raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: rank={rank}")
    return rank - 2


@composite(samples=lambda: _pool1d_samples()[1:], reference=_pool1d_reference(np.max), smooth=False)
def max_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
             name: str | None = None) -> Tensor:
    """``max_pool1d`` or ``max_pool2d`` by the input's rank.

    >>> import tapeflow as tf
    >>> tf.nn.max_pool(tf.ones((1, 4, 4, 1)), 2, 2, "VALID").shape
    TensorShape([1, 2, 2, 1])
    """
    return _pool("MaxPool", input, ksize, strides, padding, data_format,
                 _by_rank("MaxPool", input, data_format))


@composite(samples=lambda: _pool1d_samples()[:1], reference=_pool1d_reference(np.mean))
def avg_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
             name: str | None = None) -> Tensor:
    """``avg_pool1d`` or ``avg_pool2d`` by the input's rank.

    >>> import tapeflow as tf
    >>> tf.nn.avg_pool(tf.ones((1, 4, 1)), 2, 2, "VALID").shape
    TensorShape([1, 2, 1])
    """
    return _pool("AvgPool", input, ksize, strides, padding, data_format,
                 _by_rank("AvgPool", input, data_format))
