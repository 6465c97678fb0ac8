"""tf.nn.convolution and tf.nn.conv_transpose: the convolutions chosen by rank.

TF picks the number of spatial dimensions from the filter's rank (the
output shape's length for the transpose) and calls conv1d, conv2d or conv3d
(conv1d_transpose, conv2d_transpose, conv3d_transpose).  Both are composites
of tapeflow/ops/conv.py's ops: no rules of their own.  tapeflow has no
Conv3D, so 3-D filters raise NotImplementedError saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import shape_ops
from tapeflow.ops.conv import (
    ConvSpec,
    _conv1d_reference,
    _pair,
    _ref_backprop_input,
    _ref_conv,
    _resolve_pads,
    conv1d,
    conv2d,
    conv2d_transpose,
)
from tapeflow.ops.declare import composite
from tapeflow.ops.samples import composite_rand

__all__ = ["convolution", "conv_transpose"]

_CHANNELS_LAST = (None, "NWC", "NHWC", "NDHWC")


def _no_conv3d(what: str) -> NotImplementedError:
    return NotImplementedError(f"tapeflow has no {what} (TF's Conv3D family), so tf.nn."
                               f"{'convolution' if what == 'conv3d' else 'conv_transpose'} "
                               f"supports 1-D and 2-D convolutions only")


def _sequence(value: Any, n: int, channels_last: bool, name: str) -> list:
    """TF's ``_get_sequence``: strides or dilations as n + 2 ints (1 for batch, channels)."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, Tensor):
        value = value.numpy().tolist()
    value = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. "
                         f"Received: {name}={value} of length {len(value)}")
    return [1, *value, 1] if channels_last else [1, 1, *value]


def _reference(x: Any, w: Any, strides: Any = None, padding: str = "VALID",
               dilations: Any = None) -> Any:
    """NWC/NHWC references of conv.py (a loop over taps), by the filter's rank."""
    if w.ndim == 3:
        return _conv1d_reference(x, w, strides or 1, padding, dilations)
    s, d = (strides or 1,) * 2, (dilations or 1,) * 2
    eff = tuple((k - 1) * r + 1 for k, r in zip(w.shape[:2], d))
    pads = _resolve_pads("Conv2D", padding, x.shape[1:3], eff, s, "NHWC")
    return _ref_conv(x, w, ConvSpec(s, d, pads))


@composite(samples=lambda: [Sample(composite_rand((2, 5, 3)), composite_rand((2, 3, 2)),
                                   params={"padding": "SAME"}),
                            Sample(composite_rand((1, 5, 4, 2)), composite_rand((2, 3, 2, 3)),
                                   params={"strides": 2}),
                            Sample(composite_rand((1, 5, 5, 2)), composite_rand((2, 2, 2, 2)),
                                   params={"padding": "SAME", "dilations": 2})],
           reference=_reference)
def convolution(input: Any, filters: Any, strides: Any = None, padding: Any = "VALID",
                data_format: str | None = None, dilations: Any = None,
                name: str | None = None) -> Tensor:
    """``conv1d`` or ``conv2d`` by the filter's rank (3 or 4); ``strides`` and
    ``dilations`` are an int or a list of 1, N or N + 2 ints, and strides above 1
    do not combine with dilations above 1 (TF's rule).

    >>> import tapeflow as tf
    >>> tf.nn.convolution(tf.ones((1, 5, 1)), tf.ones((3, 1, 1)), padding="SAME").numpy().ravel()
    array([2., 3., 3., 3., 2.], dtype=float32)
    """
    x, w = _pair(input, filters)
    n = w._value.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(f"`num_spatial_dims` must be 1, 2, or 3. Received: num_spatial_dims={n}.")
    if n == 3:
        raise _no_conv3d("conv3d")
    channels_last = data_format in _CHANNELS_LAST
    dilations = _sequence(dilations, n, channels_last, "dilations")
    strides = _sequence(strides, n, channels_last, "strides")
    spatial = slice(1, -1) if channels_last else slice(2, None)
    if any(d != 1 for d in dilations) and any(s != 1 for s in strides[spatial]):
        raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                         f"Received: strides={np.array(strides[spatial])} and "
                         f"dilation_rate={np.array(dilations[spatial])}")
    if not isinstance(padding, str):  # TF's Python layer takes explicit padding from conv2d only
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    if n == 1:
        return conv1d(x, w, strides, padding, data_format or "NWC", dilations)
    return conv2d(x, w, strides, padding, data_format or "NHWC", dilations)


def _transpose_reference(x: Any, w: Any, output_shape: Any, strides: Any,
                         padding: str = "SAME") -> Any:
    """The adjoint of conv.py's tap-loop reference, 1-D as 2-D over a height of 1."""
    one_d = w.ndim == 3
    if one_d:
        x, w, output_shape = x[:, None], w[None], (output_shape[0], 1, *output_shape[1:])
    s = (1, strides) if one_d else (strides, strides)
    eff = w.shape[:2]
    pads = _resolve_pads("Conv2DBackpropInput", padding, output_shape[1:3], eff, s, "NHWC")
    dx = _ref_backprop_input(w, x, ConvSpec(s, (1, 1), pads), tuple(output_shape))
    return dx[:, 0] if one_d else dx


@composite(samples=lambda: [Sample(composite_rand((1, 3, 2)), composite_rand((3, 2, 2)),
                                   params={"output_shape": [1, 6, 2], "strides": 2}),
                            Sample(composite_rand((1, 2, 2, 1)), composite_rand((2, 2, 2, 1)),
                                   params={"output_shape": [1, 4, 5, 2], "strides": 2,
                                           "padding": "VALID"})],
           reference=_transpose_reference)
def conv_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,
                   padding: Any = "SAME", data_format: str | None = None, dilations: Any = None,
                   name: str | None = None) -> Tensor:
    """The transpose of ``convolution``, by ``output_shape``'s length (3 or 4):
    ``filters`` is (..., out_C, in_C).

    >>> import tapeflow as tf
    >>> tf.nn.conv_transpose(tf.ones((1, 2, 1)), tf.ones((3, 1, 1)), [1, 4, 1], 2).numpy().ravel()
    array([1., 1., 2., 1.], dtype=float32)
    """
    if isinstance(output_shape, Tensor):
        output_shape = output_shape.numpy().tolist()
    if not isinstance(output_shape, (list, tuple, np.ndarray)):
        raise ValueError(f"`output_shape` must be a tensor or sized collection. "
                         f"Received: output_shape={output_shape}")
    n = len(output_shape) - 2
    if not 1 <= n <= 3:
        raise ValueError(f"`output_shape` must be of length 3, 4 or 5. "
                         f"Received: output_shape={output_shape} of length {n + 2}.")
    if n == 3:
        raise _no_conv3d("conv3d_transpose")
    if n == 2:
        return conv2d_transpose(input, filters, output_shape, strides, padding,
                                data_format or "NHWC", dilations)
    return _conv1d_transpose(input, filters, list(output_shape), strides, padding,
                             data_format or "NWC", dilations)


def _conv1d_transpose(input: Any, filters: Any, output_shape: list, strides: Any,
                      padding: Any, data_format: str, dilations: Any) -> Tensor:
    """TF's conv1d_transpose: conv2d_transpose over a height of 1."""
    if data_format not in ("NWC", "NCW"):
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: "
                         f"data_format={data_format}")
    dy, w = _pair(input, filters)
    axis, fmt = (1, "NHWC") if data_format == "NWC" else (2, "NCHW")
    spatial = _sequence(strides, 1, fmt == "NHWC", "strides")
    rates = _sequence(dilations, 1, fmt == "NHWC", "dilations")
    shape = [*output_shape[:axis], 1, *output_shape[axis:]]
    y = conv2d_transpose(shape_ops.expand_dims(dy, axis), shape_ops.expand_dims(w, 0), shape,
                         [*spatial[:axis], 1, *spatial[axis:]], padding, fmt,
                         [*rates[:axis], 1, *rates[axis:]])
    return shape_ops.squeeze(y, [axis])
