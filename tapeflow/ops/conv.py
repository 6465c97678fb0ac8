"""Convolutions: tf.nn.conv1d/conv2d/conv2d_transpose/depthwise_conv2d.

One kernel does every convolution: ``_im2col`` takes a strided view of the
receptive fields (``sliding_window_view``, no copy), copies it once into a
``(groups, pixels, taps)`` matrix, and ``_conv`` multiplies that by the
filter, one ``matmul`` per call.  Grouped convolution (input depth a multiple
of the filter's) falls out of the batch axis; a depthwise filter
``(kh, kw, c, m)`` is the grouped filter ``(kh, kw, 1, c*m)``.

The derivatives are ops too, so higher orders need nothing more: the
convolution is bilinear, and ``Conv2DBackpropInput`` (the transposed
convolution: the cotangent, dilated by the strides, correlated with the
flipped filter by the same kernel) and ``Conv2DBackpropFilter`` (the im2col
matrix times the cotangent) are each other's and the convolution's
transposes.

Static parameters travel as one ``ConvSpec`` with the paddings already
resolved; NCHW inputs are viewed as NHWC inside each op.  The window view,
the layout helpers, the padding and output-size rules and TF's argument
forms (``_windows``, ``_nhwc``, ``_resolve_pads``, ``_check_out``,
``_per_axis``, ``_format``, ...) are shared with pooling, which imports them
from here (tapeflow/ops/pool.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tapeflow.core.errors import InvalidArgumentError, UnimplementedError, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.declare import REAL_FLOAT, composite, defop
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["conv1d", "conv2d", "conv2d_transpose", "depthwise_conv2d", "ConvSpec"]


class ConvSpec(NamedTuple):
    """A convolution's static parameters: ``pads`` is ((top, bottom), (left, right))."""

    strides: tuple
    dilations: tuple
    pads: tuple
    data_format: str = "NHWC"


# -- array kernels (NHWC) ------------------------------------------------------------------
def _nhwc(x: Any, fmt: str) -> Any:
    return x if fmt == "NHWC" else x.transpose(0, 2, 3, 1)


def _back(y: Any, fmt: str) -> Any:
    return y if fmt == "NHWC" else y.transpose(0, 3, 1, 2)


def _shape_nhwc(shape: tuple, fmt: str) -> tuple:
    return tuple(shape) if fmt == "NHWC" else (shape[0], shape[2], shape[3], shape[1])


def _pad(x: Any, pads: tuple, fill: Any = 0) -> Any:
    """Pad (negative amounts: crop) the two spatial axes of an NHWC array."""
    (t, b), (left, r) = pads
    if min(t, b, left, r) < 0:
        h, w = x.shape[1:3]
        x = x[:, max(-t, 0):h - max(-b, 0), max(-left, 0):w - max(-r, 0)]
        t, b, left, r = max(t, 0), max(b, 0), max(left, 0), max(r, 0)
    if t or b or left or r:
        x = np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)), constant_values=fill)
    return x


def _windows(x: Any, ksize: tuple, strides: tuple, dilations: tuple, pads: tuple,
             fill: Any = 0) -> Any:
    """Every receptive field as a strided view, (N, OH, OW, C, KH, KW); no copy."""
    (kh, kw), (sh, sw), (dh, dw) = ksize, strides, dilations
    xp = _pad(x, pads, fill)
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    oh, ow = (xp.shape[1] - eh) // sh + 1, (xp.shape[2] - ew) // sw + 1
    if oh <= 0 or ow <= 0:
        return np.zeros((x.shape[0], max(oh, 0), max(ow, 0), x.shape[3], kh, kw), x.dtype)
    view = sliding_window_view(xp, (eh, ew), axis=(1, 2))
    return view[:, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, :, ::dh, ::dw]


def _im2col(x: Any, ksize: tuple, spec: ConvSpec, groups: int) -> Any:
    """The receptive fields as one (groups, N*OH*OW, KH*KW*C/groups) matrix (one copy)."""
    win = _windows(x, ksize, spec.strides, spec.dilations, spec.pads)
    n, oh, ow, c, kh, kw = win.shape
    # Taps outermost, channels innermost: the copy then reads channels contiguously.
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, kh, kw, groups, c // groups)
    if groups == 1:
        return cols.reshape(1, n * oh * ow, kh * kw * c), (n, oh, ow)
    return cols.transpose(3, 0, 1, 2, 4).reshape(groups, n * oh * ow, -1), (n, oh, ow)


def _groups(op: str, c: int, filter_shape: tuple) -> int:
    cg, o = filter_shape[2], filter_shape[3]
    if cg == 0 or c % cg:
        raise invalid_argument(op, f"input depth must be evenly divisible by filter depth: "
                               f"{c} vs {cg}")
    if o % (c // cg):
        raise invalid_argument(op, f"output depth must be evenly divisible by number of "
                               f"groups: {o} vs {c // cg}")
    return c // cg


def _conv(x: Any, w: Any, spec: ConvSpec, op: str = "Conv2D") -> Any:
    """Grouped correlation of NHWC ``x`` with ``w`` (KH, KW, C/G, O): im2col, one matmul."""
    kh, kw, cg, o = w.shape
    g = _groups(op, x.shape[3], w.shape)
    cols, (n, oh, ow) = _im2col(x, (kh, kw), spec, g)
    wg = w.reshape(kh, kw, cg, g, o // g).transpose(3, 0, 1, 2, 4).reshape(g, -1, o // g)
    return np.matmul(cols, wg).transpose(1, 0, 2).reshape(n, oh, ow, o)


def _dilate(g: Any, strides: tuple) -> Any:
    """Zeros between the rows and columns of NHWC ``g`` (the strides undone)."""
    sh, sw = strides
    if sh == sw == 1:
        return g
    n, oh, ow, c = g.shape
    z = np.zeros((n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c), g.dtype)
    z[:, ::sh, ::sw] = g
    return z


def _transposed_pads(in_hw: tuple, out_hw: tuple, eff: tuple, strides: tuple,
                     pads: tuple) -> tuple:
    """Pads that make a stride-1 correlation of the dilated cotangent input-sized."""
    return tuple((e - 1 - p[0], size + p[0] - (o - 1) * s - 1)
                 for size, o, e, s, p in zip(in_hw, out_hw, eff, strides, pads))


def _conv_backprop_input(dy: Any, w: Any, in_shape: tuple, spec: ConvSpec) -> Any:
    """x's cotangent: the dilated ``dy`` correlated with the flipped, transposed filter."""
    kh, kw, cg, o = w.shape
    n, h, wd, c = in_shape
    if 0 in dy.shape[1:3]:
        return np.zeros(in_shape, dy.dtype)
    g = _groups("Conv2DBackpropInput", c, w.shape)
    if spec.strides != (1, 1) and min(min(p) for p in spec.pads) >= 0:
        return _col2im_input(dy, w, in_shape, spec)
    flipped = w[::-1, ::-1].reshape(kh, kw, cg, g, o // g).transpose(0, 1, 4, 3, 2)
    eff = ((kh - 1) * spec.dilations[0] + 1, (kw - 1) * spec.dilations[1] + 1)
    pads = _transposed_pads((h, wd), dy.shape[1:3], eff, spec.strides, spec.pads)
    inner = ConvSpec((1, 1), spec.dilations, pads)
    return _conv(_dilate(dy, spec.strides), flipped.reshape(kh, kw, o // g, c), inner)


def _col2im_input(dy: Any, w: Any, in_shape: tuple, spec: ConvSpec) -> Any:
    """x's cotangent by col2im: ``dy`` times the transposed filter gives every
    window's cotangent (pixels, taps), and each tap is added back at its shifted,
    strided place in the padded input.  Cheaper than correlating the dilated
    ``dy`` (``_conv_backprop_input``'s other path) when strides dilate ``dy``
    with zeros: (32, 28, 28, 16) by (3, 3, 16, 32), stride 2, 5.4 -> 1.6 ms.  At
    stride 1 the other path wins (5.0 against 7.8 ms): the nine shifted adds into
    a strided destination cost more than the larger im2col copy."""
    kh, kw, cg, o = w.shape
    n, h, wd, c = in_shape
    g = c // cg
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = spec.strides, spec.dilations, spec.pads
    oh, ow = dy.shape[1:3]
    wg = w.reshape(kh, kw, cg, g, o // g).transpose(3, 0, 1, 2, 4).reshape(g, -1, o // g)
    dyg = dy.reshape(n * oh * ow, g, o // g).transpose(1, 0, 2)
    cols = np.matmul(dyg, wg.transpose(0, 2, 1)).reshape(g, n, oh, ow, kh, kw, cg)
    dxp = np.zeros((n, h + pt + pb, wd + pl + pr, c), cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
        for j in range(kw):
            tap = cols[:, :, :, :, i, j, :]  # (g, n, oh, ow, cg)
            tap = tap[0] if g == 1 else tap.transpose(1, 2, 3, 0, 4).reshape(n, oh, ow, c)
            dxp[:, rows, j * dw:j * dw + (ow - 1) * sw + 1:sw] += tap
    return dxp[:, pt:pt + h, pl:pl + wd]


def _conv_backprop_filter(x: Any, dy: Any, w_shape: tuple, spec: ConvSpec) -> Any:
    """w's cotangent: the im2col matrix, transposed, times ``dy`` (one matmul)."""
    kh, kw, cg, o = w_shape
    g = _groups("Conv2DBackpropFilter", x.shape[3], w_shape)
    cols, (n, oh, ow) = _im2col(x, (kh, kw), spec, g)
    dyg = dy.reshape(n * oh * ow, g, o // g).transpose(1, 0, 2)
    dw = np.matmul(cols.transpose(0, 2, 1), dyg)  # (G, KH*KW*C/G, O/G)
    return dw.reshape(g, kh, kw, cg, o // g).transpose(1, 2, 3, 0, 4).reshape(w_shape)


# -- references for the table test: sums over filter taps, independent of im2col ---------------
def _taps(ksize: tuple, strides: tuple, dilations: tuple, out_hw: tuple) -> Any:
    """(tap, slice of the padded input that tap reads for every output pixel)."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, strides, dilations
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            yield (i, j), (slice(None), slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                           slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))


def _ref_conv(x: Any, w: Any, spec: ConvSpec, depthwise: bool = False) -> Any:
    w = w.reshape(w.shape[0], w.shape[1], 1, -1) if depthwise else w
    xp = np.pad(_nhwc(x, spec.data_format), ((0, 0), *spec.pads, (0, 0)))
    n, c, (kh, kw, cg, o) = xp.shape[0], xp.shape[3], w.shape
    g = c // cg
    out_hw = tuple((xp.shape[1 + a] - (w.shape[a] - 1) * spec.dilations[a] - 1)
                   // spec.strides[a] + 1 for a in (0, 1))
    out = np.zeros((n, *out_hw, g, o // g))
    for (i, j), at in _taps((kh, kw), spec.strides, spec.dilations, out_hw):
        patch = xp[at].reshape(n, *out_hw, g, cg)
        out += np.einsum("nhwgc,cgo->nhwgo", patch, w[i, j].reshape(cg, g, o // g))
    return _back(out.reshape(n, *out_hw, o), spec.data_format)


def _adjoint(linear_map: Any, in_shape: tuple, cotangent: Any) -> Any:
    """The transpose of ``linear_map`` applied to ``cotangent``, one basis vector at a time."""
    size = int(np.prod(in_shape))
    basis = np.eye(size).reshape(size, *in_shape)
    return np.array([np.sum(linear_map(e) * cotangent) for e in basis]).reshape(in_shape)


def _ref_backprop_input(w: Any, dy: Any, spec: ConvSpec, input_sizes: tuple,
                        depthwise: bool = False) -> Any:
    return _adjoint(lambda x: _ref_conv(x, w, spec, depthwise), input_sizes, dy)


def _ref_backprop_filter(x: Any, dy: Any, spec: ConvSpec, filter_sizes: tuple,
                         depthwise: bool = False) -> Any:
    return _adjoint(lambda w: _ref_conv(x, w, spec, depthwise), filter_sizes, dy)


# -- the convolution ops: Conv2D and DepthwiseConv2dNative, each with its two backprops -------
def _bilinear(op: Any, da: Any, db: Any, a: Any, b: Any, **params: Any) -> Any:
    """d op(a, b) = op(da, b) + op(a, db) for an op linear in each input."""
    if da is None:
        return None if db is None else op(a, db, **params)
    return op(da, b, **params) if db is None else op(da, b, **params) + op(a, db, **params)


def _conv_family(names: tuple, depthwise: bool, samples: tuple) -> tuple:
    """Declare a convolution and its two backprops; each one's transposes are the others."""
    conv_name, input_name, filter_name = names

    def grouped(w: Any) -> Any:  # a depthwise (KH, KW, C, M) filter is grouped (KH, KW, 1, C*M)
        return w.reshape(w.shape[0], w.shape[1], 1, -1) if depthwise else w

    def grouped_shape(shape: tuple) -> tuple:
        return (*shape[:2], 1, shape[2] * shape[3]) if depthwise else tuple(shape)

    @defop(conv_name, samples=samples[0], dtypes=REAL_FLOAT + ("int32",),
           reference=lambda x, w, spec: _ref_conv(x, w, spec, depthwise))
    class _Conv:
        def fwd(xp, input, filter, *, spec):
            x = _nhwc(input, spec.data_format)
            return _back(_conv(x, grouped(filter), spec, conv_name), spec.data_format)

        # <g, conv(x, w)> is bilinear: dx = backprop_input(w, g), dw = backprop_filter(x, g)
        def vjp_input(g, filter, input_shape, *, spec):
            return backprop_input(filter, g, spec=spec, input_sizes=input_shape)

        def vjp_filter(g, input, filter_shape, *, spec):
            return backprop_filter(input, g, spec=spec, filter_sizes=filter_shape)

        def jvp(dinput, dfilter, input, filter, *, spec):
            return _bilinear(conv, dinput, dfilter, input, filter, spec=spec)

    @defop(input_name, samples=samples[1], dtypes=REAL_FLOAT,
           reference=lambda w, dy, spec, input_sizes: _ref_backprop_input(
               w, dy, spec, input_sizes, depthwise))
    class _BackpropInput:
        def fwd(xp, filter, out_backprop, *, spec, input_sizes):
            dy = _nhwc(out_backprop, spec.data_format)
            in_shape = _shape_nhwc(input_sizes, spec.data_format)
            return _back(_conv_backprop_input(dy, grouped(filter), in_shape, spec),
                         spec.data_format)

        def vjp_filter(g, out_backprop, filter_shape, *, spec, input_sizes):
            return backprop_filter(g, out_backprop, spec=spec, filter_sizes=filter_shape)

        def vjp_out_backprop(g, filter, *, spec, input_sizes):
            return conv(g, filter, spec=spec)

        def jvp(dfilter, dout_backprop, filter, out_backprop, *, spec, input_sizes):
            return _bilinear(backprop_input, dfilter, dout_backprop, filter, out_backprop,
                             spec=spec, input_sizes=input_sizes)

    @defop(filter_name, samples=samples[2], dtypes=REAL_FLOAT,
           reference=lambda x, dy, spec, filter_sizes: _ref_backprop_filter(
               x, dy, spec, filter_sizes, depthwise))
    class _BackpropFilter:
        def fwd(xp, input, out_backprop, *, spec, filter_sizes):
            x, dy = _nhwc(input, spec.data_format), _nhwc(out_backprop, spec.data_format)
            dw = _conv_backprop_filter(x, dy, grouped_shape(filter_sizes), spec)
            return dw.reshape(filter_sizes)

        def vjp_input(g, out_backprop, input_shape, *, spec, filter_sizes):
            return backprop_input(g, out_backprop, spec=spec, input_sizes=input_shape)

        def vjp_out_backprop(g, input, *, spec, filter_sizes):
            return conv(input, g, spec=spec)

        def jvp(dinput, dout_backprop, input, out_backprop, *, spec, filter_sizes):
            return _bilinear(backprop_filter, dinput, dout_backprop, input, out_backprop,
                             spec=spec, filter_sizes=filter_sizes)

    conv, backprop_input, backprop_filter = _Conv, _BackpropInput, _BackpropFilter
    return conv, backprop_input, backprop_filter


def _conv_samples(cases: list, depthwise: bool = False) -> tuple:
    """Samples of a convolution and of its two backprops, from (x shape, w shape, spec)."""
    fwd, bi, bf = [], [], []
    for xs, ws, spec in cases:
        x, w = rand(xs), rand(ws)
        y = _ref_conv(x, w, spec, depthwise)
        fwd.append(Sample(x, w, params={"spec": spec}))
        bi.append(Sample(w, rand(y.shape), params={"spec": spec, "input_sizes": xs}))
        bf.append(Sample(x, rand(y.shape), params={"spec": spec, "filter_sizes": ws}))
    return fwd, bi, bf


_NHWC_SAME = ConvSpec((1, 1), (1, 1), ((1, 1), (1, 1)))
_CONV_SAMPLES = _conv_samples([
    ((1, 5, 5, 2), (3, 3, 2, 3), _NHWC_SAME),
    ((1, 6, 5, 2), (2, 3, 2, 2), ConvSpec((2, 2), (1, 1), ((0, 0), (0, 0)))),
    ((2, 2, 5, 6), (2, 2, 2, 2), ConvSpec((1, 2), (2, 1), ((1, 0), (2, 1)), "NCHW")),
    ((1, 4, 4, 4), (2, 2, 2, 2), ConvSpec((1, 1), (1, 1), ((0, 1), (0, 1))))])  # 2 groups
_CONV_SAMPLES[0].append(Sample(rand((1, 4, 4, 3)), rand((2, 2, 2, 2)),
                               params={"spec": _NHWC_SAME}, raises=InvalidArgumentError))
_conv2d, _conv2d_backprop_input, _conv2d_backprop_filter = _conv_family(
    ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"), False, _CONV_SAMPLES)
_depthwise, _depthwise_backprop_input, _depthwise_backprop_filter = _conv_family(
    ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
     "DepthwiseConv2dNativeBackpropFilter"), True, _conv_samples([
         ((1, 5, 5, 2), (3, 3, 2, 2), _NHWC_SAME),
         ((1, 2, 6, 6), (2, 2, 2, 1), ConvSpec((2, 2), (1, 1), ((0, 0), (0, 0)), "NCHW"))],
         depthwise=True))


# -- public functions: TF's argument forms, checks and messages ------------------------------
def _format(data_format: str | None, spatial: int) -> str:
    """"NHWC" or "NCHW" (the op's view) from TF's NWC/NCW/NHWC/NCHW."""
    fmt = {None: "NHWC", "NWC": "NHWC", "NHWC": "NHWC", "NCW": "NCHW", "NCHW": "NCHW"}.get(
        data_format)
    if fmt is None or (data_format is not None and len(data_format) != spatial + 2):
        raise ValueError(f"`data_format` must be {'NWC or NCW' if spatial == 1 else 'NHWC or NCHW'}"
                         f". Received: data_format={data_format}")
    return fmt


def _per_axis(value: Any, name: str, fmt: str, n: int = 2) -> tuple:
    """TF's strides/dilations/ksize: None, an int, or a list of 1, n or n + 2 ints."""
    if value is None:
        return (1,) * n
    if isinstance(value, Tensor):
        value = value.numpy().tolist()
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    if len(value) == n + 2:
        outer = (value[0], value[1]) if fmt == "NCHW" else (value[0], value[-1])
        if outer != (1, 1):
            raise UnimplementedError(None, None, f"Current implementation does not yet support "
                                     f"{name} in the batch and depth dimensions.")
        return tuple(value[2:] if fmt == "NCHW" else value[1:-1])
    raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: {name}={value} "
                     f"of length {len(value)}")


def _resolve_pads(op: str, padding: Any, in_hw: tuple, eff: tuple, strides: tuple,
                  fmt: str) -> tuple:
    """((top, bottom), (left, right)) from "SAME", "VALID" or TF's explicit list."""
    if isinstance(padding, str):
        if padding == "VALID":
            return ((0, 0), (0, 0))
        if padding != "SAME":
            raise invalid_argument(op, f"Value for attr 'padding' of \"{padding}\" is not in "
                                   f"the list of allowed values: \"SAME\", \"VALID\", "
                                   f"\"EXPLICIT\"")
        total = [max((-(-h // s) - 1) * s + e - h, 0) for h, e, s in zip(in_hw, eff, strides)]
        return tuple((t // 2, t - t // 2) for t in total)
    pairs = [tuple(int(v) for v in p) for p in padding]
    if len(pairs) != 4:
        raise ValueError(f"When padding is a list, it must be of size 4. Received: "
                         f"padding={padding} of size {len(pairs)}")
    spatial = pairs[2:] if fmt == "NCHW" else pairs[1:3]
    outer = pairs[:2] if fmt == "NCHW" else [pairs[0], pairs[3]]
    if any(v for p in outer for v in p):
        raise invalid_argument(op, "Nonzero explicit padding in the batch or depth dimensions "
                               "is not supported")
    if any(v < 0 for p in spatial for v in p):
        raise invalid_argument(op, "All elements of explicit_paddings must be nonnegative")
    return tuple(spatial)


def _check_out(op: str, in_hw: tuple, eff: tuple, strides: tuple, pads: tuple) -> tuple:
    """The output size of each spatial axis (TF's rule: 0 is allowed, negative is not)."""
    out = []
    for h, e, s, (a, b) in zip(in_hw, eff, strides, pads):
        if s <= 0:
            raise invalid_argument(op, "Row and column strides should be larger than 0.")
        size = int((h + a + b - e + s) / s)  # C division, as TF
        if h + a + b - e + s < 0 or size < 0:
            raise invalid_argument(op, f"Computed output size would be negative: {size} "
                                   f"[input_size: {h}, effective_filter_size: {e}, stride: {s}]")
        out.append(size)
    return tuple(out)


def _conv_spec(op: str, x_shape: tuple, k_hw: tuple, strides: Any, padding: Any, fmt: str,
               dilations: Any) -> ConvSpec:
    strides = _per_axis(strides, "strides", fmt)
    dilations = _per_axis(dilations, "dilations", fmt)
    if min(dilations) <= 0:
        raise invalid_argument(op, "Dilated rates should be larger than 0.")
    eff = tuple((k - 1) * d + 1 for k, d in zip(k_hw, dilations))
    in_hw = _shape_nhwc(x_shape, fmt)[1:3]
    pads = _resolve_pads(op, padding, in_hw, eff, strides, fmt)
    _check_out(op, in_hw, eff, strides, pads)
    return ConvSpec(strides, dilations, pads, fmt)


def _pair(input: Any, filters: Any) -> tuple:
    x = shape_ops._as_tensor(input)
    w = filters if isinstance(filters, Tensor) else convert_to_tensor(arith._read(filters),
                                                                      dtype=x.dtype)
    return x, shape_ops._as_tensor(w)


def conv2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NHWC",
           dilations: Any = None, name: str | None = None) -> Tensor:
    """2-D cross-correlation of ``input`` (N, H, W, C) with ``filters`` (KH, KW, C/G, O).

    ``padding`` is "SAME", "VALID" or an explicit list of four pairs; an
    input depth that is a multiple G of the filter's runs G groups.  Leading
    batch dimensions beyond one are allowed, as in TF.

    >>> import tapeflow as tf
    >>> tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((3, 3, 1, 2)), 1, "VALID").shape
    TensorShape([1, 2, 2, 2])
    """
    x, w = _pair(input, filters)
    fmt = _format(data_format, 2)
    xs, ws = x._value.shape, w._value.shape
    if len(xs) < 4:
        raise invalid_argument("Conv2D", f"convolution input must be 4-dimensional: {list(xs)}")
    if len(ws) != 4:
        raise invalid_argument("Conv2D", f"filter must be 4-dimensional: {list(ws)}")
    if len(xs) > 4:
        x = shape_ops.reshape(x, (-1, *xs[-3:]))
    spec = _conv_spec("Conv2D", x._value.shape, ws[:2], strides, padding, fmt, dilations)
    y = _conv2d(x, w, spec=spec)
    return shape_ops.reshape(y, xs[:-3] + y._value.shape[1:]) if len(xs) > 4 else y


def _conv1d_reference(x: Any, w: Any, stride: int, padding: str,
                      dilations: int | None = None) -> Any:
    """NWC input, (K, C, O) filters: a loop over output positions and taps."""
    dilation = dilations or 1
    width, taps = x.shape[1], w.shape[0]
    span = (taps - 1) * dilation + 1
    if padding == "SAME":  # TF puts the odd padding element at the end
        out = -(-width // stride)
        total = max((out - 1) * stride + span - width, 0)
    else:
        out, total = (width - span) // stride + 1, 0
    padded = np.pad(x, ((0, 0), (total // 2, total - total // 2), (0, 0)))
    y = np.zeros((x.shape[0], out, w.shape[2]))
    for i in range(out):
        for k in range(taps):
            y[:, i] += padded[:, i * stride + k * dilation] @ w[k]
    return y


@composite(samples=lambda: [Sample(composite_rand((2, 5, 3)), composite_rand((3, 3, 2)),
                                   params={"stride": 1, "padding": "SAME"}),
                            Sample(composite_rand((1, 7, 2)), composite_rand((2, 2, 3)),
                                   params={"stride": 2, "padding": "VALID"}),
                            Sample(composite_rand((1, 6, 1)), composite_rand((2, 1, 2)),
                                   params={"stride": 1, "padding": "SAME", "dilations": 2})],
           reference=_conv1d_reference)
def conv1d(input: Any, filters: Any, stride: Any, padding: Any, data_format: str = "NWC",
           dilations: Any = None, name: str | None = None) -> Tensor:
    """1-D cross-correlation of ``input`` (N, W, C) with ``filters`` (K, C, O), as TF: a
    ``conv2d`` over a height of 1.

    >>> import tapeflow as tf
    >>> tf.nn.conv1d(tf.ones((1, 5, 1)), tf.ones((3, 1, 1)), 1, "SAME").numpy().ravel()
    array([2., 3., 3., 3., 2.], dtype=float32)
    """
    x, w = _pair(input, filters)
    fmt = _format(data_format, 1)
    axis = -2 if fmt == "NCHW" else -3
    if x._value.ndim < 3:
        raise invalid_argument("Conv2D", f"convolution input must be 3-dimensional: "
                               f"{list(x._value.shape)}")
    y = conv2d(shape_ops.expand_dims(x, axis), shape_ops.expand_dims(w, 0),
               [1, *_per_axis(stride, "stride", fmt, 1)], padding, fmt,
               [1, *_per_axis(dilations, "dilations", fmt, 1)])
    return shape_ops.squeeze(y, [axis])


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,
                     padding: Any = "SAME", data_format: str = "NHWC", dilations: Any = None,
                     name: str | None = None) -> Tensor:
    """The transpose (gradient) of ``conv2d``: ``filters`` is (KH, KW, out_C, in_C).

    >>> import tapeflow as tf
    >>> tf.nn.conv2d_transpose(tf.ones((1, 2, 2, 1)), tf.ones((3, 3, 1, 1)),
    ...                        [1, 4, 4, 1], 2).shape
    TensorShape([1, 4, 4, 1])
    """
    dy, w = _pair(input, filters)
    fmt = _format(data_format, 2)
    op = "Conv2DBackpropInput"
    shape = [int(v) for v in (output_shape.numpy().tolist() if isinstance(output_shape, Tensor)
                              else output_shape)]
    ds, ws = dy._value.shape, w._value.shape
    if len(ds) != 4 or len(ws) != 4:
        raise invalid_argument(op, f"input and filter must be 4-dimensional: {list(ds)}, "
                               f"{list(ws)}")
    if len(shape) == 2:
        shape = [ds[0], ws[2], *shape] if fmt == "NCHW" else [ds[0], *shape, ws[2]]
    if len(shape) != 4:
        raise ValueError(f"output_shape must have 2 or 4 elements, got {shape}")
    n, h, wd, c = _shape_nhwc(tuple(shape), fmt)
    if c != ws[2] or _shape_nhwc(ds, fmt)[3] != ws[3] or n != ds[0]:
        raise invalid_argument(op, f"Conv2DCustomBackpropInput: depths do not match: "
                               f"input_sizes {shape}, filter {list(ws)}, out_backprop {list(ds)}")
    spec = _conv_spec(op, tuple(shape), ws[:2], strides, padding, fmt, dilations)
    eff = [(k - 1) * d + 1 for k, d in zip(ws[:2], spec.dilations)]
    want = _check_out(op, (h, wd), eff, spec.strides, spec.pads)
    got = _shape_nhwc(ds, fmt)[1:3]
    for i in range(2):
        if want[i] != got[i]:
            raise invalid_argument(op, f"Conv2DCustomBackpropInput: Size of out_backprop "
                                   f"doesn't match computed: actual = {got[i]}, computed = "
                                   f"{want[i]} spatial_dim: {i + 1} input: {(h, wd)[i]} filter: "
                                   f"{ws[i]} output: {got[i]} stride: {spec.strides[i]} "
                                   f"dilation: {spec.dilations[i]}")
    return _conv2d_backprop_input(w, dy, spec=spec, input_sizes=tuple(shape))


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: Any,
                     data_format: str | None = None, dilations: Any = None,
                     name: str | None = None) -> Tensor:
    """Each input channel correlated with its own ``M`` filters: ``filter`` is (KH, KW, C, M)
    and the output has C * M channels.  ``strides`` is a list of 4 (equal spatial strides).

    >>> import tapeflow as tf
    >>> tf.nn.depthwise_conv2d(tf.ones((1, 3, 3, 2)), tf.ones((3, 3, 2, 2)),
    ...                        [1, 1, 1, 1], "VALID").shape
    TensorShape([1, 1, 1, 4])
    """
    x, w = _pair(input, filter)
    fmt = _format(data_format, 2)
    op = "DepthwiseConv2dNative"
    if not isinstance(strides, (list, tuple)):
        raise TypeError(f"Expected list for 'strides' argument to 'depthwise_conv2d_native' "
                        f"Op, not {strides}.")
    xs, ws = x._value.shape, w._value.shape
    if len(xs) != 4 or len(ws) != 4:
        raise invalid_argument(op, f"input and filter must be 4-dimensional: {list(xs)}, "
                               f"{list(ws)}")
    spec = _conv_spec(op, xs, ws[:2], strides, padding, fmt, dilations)
    if spec.strides[0] != spec.strides[1]:
        raise invalid_argument(op, "Current implementation only supports equal length strides "
                               "in the row and column dimensions.")
    if _shape_nhwc(xs, fmt)[3] != ws[2]:
        raise invalid_argument(op, f"input and filter must have the same depth: "
                               f"{_shape_nhwc(xs, fmt)[3]} vs {ws[2]}")
    return _depthwise(x, w, spec=spec)
