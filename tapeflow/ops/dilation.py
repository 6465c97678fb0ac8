"""tf.nn.dilation2d: grayscale morphological dilation, a max-plus convolution.

``out[n, y, x, c] = max over taps (i, j) of input[n, y*sh + i*rh - pt, x*sw + j*rw - pl, c]
+ filters[i, j, c]``, padded positions skipped.  The derivative goes to each
window's first maximum in row-major tap order (TF's CPU tie rule): to that
input pixel (``Dilation2DBackpropInput``) and that filter tap
(``Dilation2DBackpropFilter``).  Both backprops are linear in the cotangent;
their transposes, and Dilation2D's JVP, read the tangents at the same
argmaxes (``Dilation2DTangent``, tapeflow's own op), so higher orders need
nothing more.  Window view, padding and output-size rules come from
tapeflow/ops/conv.py.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from tapeflow.core.errors import UnimplementedError, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import arith
from tapeflow.ops.conv import _check_out, _pair, _resolve_pads, _windows
from tapeflow.ops.declare import REAL, REAL_FLOAT, defop, linear
from tapeflow.ops.pool import _lowest
from tapeflow.ops.samples import rand

__all__ = ["dilation2d", "DilationSpec"]


class DilationSpec(NamedTuple):
    """Static parameters: ``pads`` is ((top, bottom), (left, right))."""

    strides: tuple
    rates: tuple
    pads: tuple


def _scores(x: Any, w: Any, spec: DilationSpec) -> Any:
    """input + filter over every window, (N, OH, OW, C, KH*KW); padded taps the lowest value."""
    kh, kw, c = w.shape
    win = _windows(x, (kh, kw), spec.strides, spec.rates, spec.pads)
    inside = _windows(np.ones((1, *x.shape[1:3], 1), bool), (kh, kw), spec.strides, spec.rates,
                      spec.pads)
    scores = np.where(inside, win + w.transpose(2, 0, 1), _lowest(x.dtype))
    return scores.reshape(*scores.shape[:4], kh * kw)


def _argmax(x: Any, w: Any, spec: DilationSpec) -> tuple:
    """Per output element: flat index of its argmax input pixel and of its filter tap."""
    kh, kw, c = w.shape
    tap = _scores(x, w, spec).argmax(axis=-1)  # argmax: first of ties, as TF
    n, oh, ow = tap.shape[:3]
    (sh, sw), (rh, rw), ((pt, _), (pl, _)) = spec.strides, spec.rates, spec.pads
    rows = np.arange(oh)[:, None, None] * sh - pt + (tap // kw) * rh
    cols = np.arange(ow)[:, None] * sw - pl + (tap % kw) * rw
    h, wd = x.shape[1:3]
    pixel = ((np.arange(n)[:, None, None, None] * h + rows) * wd + cols) * c + np.arange(c)
    return pixel, tap * c + np.arange(c)


def _dilation_fwd(xp: Any, input: Any, filter: Any, *, spec: DilationSpec) -> Any:
    return _scores(input, filter, spec).max(axis=-1)


def _backprop_input_fwd(xp: Any, input: Any, filter: Any, out_backprop: Any, *,
                        spec: DilationSpec) -> Any:
    pixel = _argmax(input, filter, spec)[0]
    routed = np.bincount(pixel.ravel(), weights=out_backprop.ravel(), minlength=input.size)
    return routed.astype(out_backprop.dtype, copy=False).reshape(input.shape)


def _backprop_filter_fwd(xp: Any, input: Any, filter: Any, out_backprop: Any, *,
                         spec: DilationSpec) -> Any:
    tap = _argmax(input, filter, spec)[1]
    routed = np.bincount(tap.ravel(), weights=out_backprop.ravel(), minlength=filter.size)
    return routed.astype(out_backprop.dtype, copy=False).reshape(filter.shape)


def _tangent_fwd(xp: Any, input: Any, filter: Any, dinput: Any, dfilter: Any, *,
                 spec: DilationSpec) -> Any:
    pixel, tap = _argmax(input, filter, spec)
    return dinput.ravel()[pixel] + dfilter.ravel()[tap]


# -- references for the table test: a loop over taps with a strict ">" (first maximum) -----
def _ref_first_max(x: Any, w: Any, spec: DilationSpec) -> tuple:
    (sh, sw), (rh, rw), ((pt, _), (pl, _)) = spec.strides, spec.rates, spec.pads
    out = _dilation_fwd(np, x, w, spec=spec)  # only its shape
    n, oh, ow, c = out.shape
    best, at = np.full(out.shape, -np.inf), np.zeros((*out.shape, 3), int)
    for b, y, z, k in np.ndindex(out.shape):
        for i, j in np.ndindex(w.shape[:2]):
            r, q = y * sh + i * rh - pt, z * sw + j * rw - pl
            if 0 <= r < x.shape[1] and 0 <= q < x.shape[2] and x[b, r, q, k] + w[i, j, k] > \
                    best[b, y, z, k]:
                best[b, y, z, k], at[b, y, z, k] = x[b, r, q, k] + w[i, j, k], (r, q, i * 100 + j)
    return best, at


def _ref_tangent(x: Any, w: Any, dx: Any, dw: Any, spec: DilationSpec) -> Any:
    _, at = _ref_first_max(x, w, spec)
    out = np.zeros(at.shape[:4])
    for b, y, z, k in np.ndindex(out.shape):
        r, q, ij = at[b, y, z, k]
        out[b, y, z, k] = dx[b, r, q, k] + dw[ij // 100, ij % 100, k]
    return out


def _ref_backprop(which: int) -> Any:
    def reference(x: Any, w: Any, g: Any, spec: DilationSpec) -> Any:
        def tangent(t: Any) -> Any:
            pair = (t, np.zeros_like(w)) if which == 0 else (np.zeros_like(x), t)
            return _ref_tangent(x, w, *pair, spec)
        shape = (x, w)[which].shape
        basis = np.eye(int(np.prod(shape))).reshape(-1, *shape)
        return np.array([np.sum(tangent(e) * g) for e in basis]).reshape(shape)
    return reference


def _samples(extra: str | None = None) -> list:
    samples = []
    for xs, ws, spec in [((1, 4, 5, 2), (2, 3, 2), DilationSpec((1, 1), (1, 1), ((0, 0), (0, 0)))),
                         ((2, 4, 4, 1), (2, 2, 1), DilationSpec((2, 1), (1, 2), ((0, 1), (1, 1))))]:
        x, w = rand(xs), rand(ws)
        out = _dilation_fwd(np, x, w, spec=spec)
        tail = {None: (), "g": (rand(out.shape),), "t": (rand(xs), rand(ws))}[extra]
        samples.append(Sample(x, w, *tail, params={"spec": spec}))
    return samples


@defop("Dilation2D", samples=_samples, dtypes=REAL,
       reference=lambda x, w, spec: _ref_first_max(x, w, spec)[0])
class _Dilation2D:
    fwd = _dilation_fwd

    def vjp_input(g, input, filter, *, spec):  # d out / d input: 1 at the window's argmax pixel
        return _backprop_input(input, filter, g, spec=spec)

    def vjp_filter(g, input, filter, *, spec):  # d out / d filter: 1 at the argmax tap
        return _backprop_filter(input, filter, g, spec=spec)

    def jvp(dinput, dfilter, input, filter, *, spec):
        if dinput is None and dfilter is None:
            return None
        dinput = arith.zeros_like(input) if dinput is None else dinput
        dfilter = arith.zeros_like(filter) if dfilter is None else dfilter
        return _tangent(input, filter, dinput, dfilter, spec=spec)


# All three are linear in their last input(s); input and filter only locate the argmaxes.
_backprop_input = linear(
    "Dilation2DBackpropInput", _backprop_input_fwd,
    (None, None, lambda g, input, filter, *, spec: _tangent(
        input, filter, g, arith.zeros_like(filter), spec=spec)),
    samples=lambda: _samples("g"), params=True, dtypes=REAL_FLOAT, reference=_ref_backprop(0))
_backprop_filter = linear(
    "Dilation2DBackpropFilter", _backprop_filter_fwd,
    (None, None, lambda g, input, filter, *, spec: _tangent(
        input, filter, arith.zeros_like(input), g, spec=spec)),
    samples=lambda: _samples("g"), params=True, dtypes=REAL_FLOAT, reference=_ref_backprop(1))
_tangent = linear(
    "Dilation2DTangent", _tangent_fwd,
    (None, None, lambda g, input, filter, *, spec: _backprop_input(input, filter, g, spec=spec),
     lambda g, input, filter, *, spec: _backprop_filter(input, filter, g, spec=spec)),
    samples=lambda: _samples("t"), params=True, dtypes=REAL_FLOAT, reference=_ref_tangent)


def _four(value: Any, attr: str, message: str) -> tuple:
    """TF's 4-long strides/rates: (1, h, w, 1) only."""
    value = [] if value is None else [int(v) for v in value]
    if len(value) < 4:
        raise invalid_argument("Dilation2D", f"Length for attr '{attr}' of {len(value)} must "
                               f"be at least minimum 4")
    if value[0] != 1 or value[3] != 1:
        raise UnimplementedError(None, None, f"{message} is only supported across spatial "
                                 f"dimensions.")
    return value[1], value[2]


def dilation2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: Any,
               dilations: Any, name: str | None = None) -> Tensor:
    """Grayscale dilation of ``input`` (N, H, W, C) by ``filters`` (KH, KW, C): the
    max over each window of input + filter.  ``strides`` and ``dilations`` are
    lists of 4 (1, h, w, 1); ``data_format`` must be "NHWC" (TF 2 has no defaults).

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(9.0), (1, 3, 3, 1))
    >>> tf.nn.dilation2d(x, tf.zeros((2, 2, 1)), [1, 1, 1, 1], "VALID", "NHWC",
    ...                  [1, 1, 1, 1]).numpy().ravel()
    array([4., 5., 7., 8.], dtype=float32)
    """
    if data_format != "NHWC":
        raise ValueError(f"`data_format` values other  than 'NHWC' are not supported. "
                         f"Received: data_format={data_format}")
    if not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    if padding not in ("SAME", "VALID"):
        raise invalid_argument("Dilation2D", f"Value for attr 'padding' of \"{padding}\" is not "
                               f"in the list of allowed values: \"SAME\", \"VALID\"")
    x, w = _pair(input, filters)
    strides = _four(strides, "strides", "Stride")
    rates = _four(dilations, "rates", "Rate")
    xs, ws = x._value.shape, w._value.shape
    if len(xs) != 4:
        raise invalid_argument("Dilation2D", f"input must be 4-dimensional"
                               f"{str(list(xs)).replace(' ', '')}")
    if len(ws) != 3:
        raise invalid_argument("Dilation2D", f"filter must be 3-dimensional: "
                               f"{str(list(ws)).replace(' ', '')}")
    if xs[3] != ws[2]:
        raise invalid_argument("Dilation2D", f"input and filter must have the same depth: "
                               f"{xs[3]} vs {ws[2]}")
    eff = tuple((k - 1) * r + 1 for k, r in zip(ws[:2], rates))
    pads = _resolve_pads("Dilation2D", padding, xs[1:3], eff, strides, "NHWC")
    _check_out("Dilation2D", xs[1:3], eff, strides, pads)
    return _Dilation2D(x, w, spec=DilationSpec(strides, rates, pads))
