"""Normalization: tf.linalg.normalize, tf.nn.weighted_moments and
tf.nn.local_response_normalization (``tf.nn.lrn``).

normalize and weighted_moments are composites, as in TF (its Python builds
them from norm, reduce_sum, div_no_nan ...), so their gradients are TF's.
LRN has a kernel in TF, and a dedicated gradient kernel (LRNGrad, with the
exact derivative, the normalizer recomputed from the input); here it is one
op whose rules are written with ``LRNWindowSum`` (ours: the sum over the
depth window, linear and its own transpose), so, unlike TF (whose LRNGrad
has no gradient), second derivatives work.  Pinned against TF 2.21 in
tests/test_nn_more.py.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tapeflow.core.dispatch import word
from tapeflow.core.errors import attr_error, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, reduction, shape_ops, special
from tapeflow.ops.arith import cast
from tapeflow.ops.declare import REAL_FLOAT, composite, defop, linear
from tapeflow.ops.factor import norm as _norm
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["normalize", "weighted_moments", "local_response_normalization", "lrn"]

_as_tensor = shape_ops._as_tensor
_INT_MAX = 2 ** 31 - 1


# -- normalize ---------------------------------------------------------------------------------
def _normalize_reference(tensor: Any, ord: Any = "euclidean", axis: Any = None) -> tuple:
    if axis is None:
        size = np.linalg.norm(tensor.reshape(-1), 2 if ord == "euclidean" else ord)
        size = np.reshape(size, (1,) * tensor.ndim)
    else:
        which = ("fro" if isinstance(axis, tuple) else 2) if ord == "euclidean" else ord
        size = np.linalg.norm(tensor, which, axis=axis, keepdims=True)
    return tensor / size, size


@composite(samples=lambda:
               [Sample(composite_rand((2, 3))),
                Sample(composite_rand((2, 3)), params={"axis": 1}),
                Sample(composite_rand((3, 2, 2)), params={"ord": "fro", "axis": (1, 2)}),
                Sample(composite_rand((2, 3)), params={"ord": 3.0, "axis": 0})],
           reference=_normalize_reference)
def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None,
              name: str | None = None) -> tuple:
    """``(tensor / norm, norm)``, the norm (``tf.norm``'s ``ord`` and ``axis``) kept
    with size-1 axes and cast to the tensor's dtype; TF's ``tf.linalg.normalize``.

    A zero vector gives NaNs (0 / 0), as in TF.

    >>> import tapeflow as tf
    >>> [t.numpy().tolist() for t in tf.linalg.normalize([3.0, 4.0])]
    [[0.6000000238418579, 0.800000011920929], [5.0]]
    """
    t = _as_tensor(tensor)
    size = cast(_norm(t, ord, axis, keepdims=True), t.dtype)
    return t / size, size


# -- weighted_moments --------------------------------------------------------------------------
def _weighted_moments_reference(x: Any, frequency_weights: Any, axes: Any,
                                keepdims: bool = False) -> tuple:
    axis = tuple(axes)
    w = frequency_weights + np.zeros_like(x)
    mean = np.sum(w * x, axis, keepdims=True) / np.sum(w, axis, keepdims=True)
    variance = np.sum(w * (x - mean) ** 2, axis, keepdims=True) / np.sum(w, axis, keepdims=True)
    if not keepdims:
        mean, variance = np.squeeze(mean, axis), np.squeeze(variance, axis)
    return mean, variance


# The table passes differentiable inputs positionally: x and the weights, axes as a parameter.
@composite(name="weighted_moments", reference=_weighted_moments_reference,
           samples=lambda: [Sample(composite_rand((4, 3)), composite_rand((4, 1), 0.5, 2.0),
                                   params={"axes": [0]}),
                            Sample(composite_rand((2, 3, 2)), composite_rand((3, 1), 0.5, 2.0),
                                   params={"axes": [0, 2], "keepdims": True})])
def _weighted_moments_sampled(x: Any, frequency_weights: Any, axes: Any,
                              keepdims: bool = False) -> tuple:
    return weighted_moments(x, axes, frequency_weights, keepdims)


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, keepdims: bool = False,
                     name: str | None = None) -> tuple:
    """The frequency-weighted mean and variance of ``x`` over ``axes``.

    As TF: ``frequency_weights`` broadcast against ``x`` and are cast to its
    dtype; both moments use ``div_no_nan`` (0 where the weights sum to 0);
    the variance is ``sum(w (x - mean)^2) / sum(w)``, the mean differentiated
    through (unlike ``moments``); float16 is reduced in float32.

    >>> import tapeflow as tf
    >>> [float(m) for m in tf.nn.weighted_moments([1.0, 2.0, 4.0], [0], [1.0, 1.0, 2.0])]
    [2.75, 1.6875]
    """
    t = _as_tensor(x)
    weights = _as_tensor(frequency_weights)
    half = t._value.dtype == np.float16
    if half:
        t = cast(t, "float32")
    if weights.dtype != t.dtype:
        weights = cast(weights, t.dtype)
    weighted_input_sum = reduction.reduce_sum(weights * t, axes, keepdims=True)
    sum_of_weights = reduction.reduce_sum(weights + arith.zeros_like(t), axes, keepdims=True)
    mean = special.divide_no_nan(weighted_input_sum, sum_of_weights)
    distances = reduction.reduce_sum(weights * special.squared_difference(t, mean), axes,
                                     keepdims=True)
    variance = special.divide_no_nan(distances, sum_of_weights)
    if not keepdims:
        # TF's squeeze takes axis=[] as "every size-1 axis"; so does None here.
        squeezed = None if isinstance(axes, (list, tuple)) and not axes else axes
        mean = shape_ops.squeeze(mean, squeezed)
        variance = shape_ops.squeeze(variance, squeezed)
    if half:
        return cast(mean, "float16"), cast(variance, "float16")
    return mean, variance


# -- local response normalization -----------------------------------------------------------
def _window_sum_fwd(xp: Any, x: Any, *, depth_radius: int) -> Any:
    """out[..., d] = sum of x[..., k] for |k - d| <= depth_radius (clipped at the ends)."""
    out = x.copy()
    for offset in range(1, min(depth_radius, x.shape[-1] - 1) + 1):
        out[..., offset:] += x[..., :-offset]
        out[..., :-offset] += x[..., offset:]
    return out


def _window_sum_reference(x: Any, depth_radius: int) -> Any:
    k = np.arange(x.shape[-1])
    band = (np.abs(k[:, None] - k[None, :]) <= depth_radius).astype(x.dtype)
    return x @ band


# The window is symmetric, so the op is its own transpose.
_window_sum = linear(
    "LRNWindowSum", _window_sum_fwd,
    lambda g, *, depth_radius: _window_sum(g, depth_radius=depth_radius),
    params=True, dtypes=REAL_FLOAT, reference=_window_sum_reference,
    samples=lambda: [Sample(rand((2, 5)), params={"depth_radius": 1}),
                     Sample(rand((1, 2, 3)), params={"depth_radius": 5}),
                     Sample(rand((3,)), params={"depth_radius": 0})])


def _lrn_fwd(xp: Any, input: Any, *, depth_radius: int, bias: float, alpha: float,
             beta: float) -> Any:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # TF: inf, NaN
        squares = _window_sum_fwd(xp, input * input, depth_radius=depth_radius)
        return input * (bias + alpha * squares) ** -beta


def _lrn_reference(x: Any, depth_radius: int, bias: float, alpha: float, beta: float) -> Any:
    return x / (bias + alpha * _window_sum_reference(x * x, depth_radius)) ** beta


def _lrn_norm(input: Tensor, depth_radius: int, bias: float, alpha: float) -> Tensor:
    return bias + alpha * _window_sum(input * input, depth_radius=depth_radius)


@defop("LRN", dtypes=REAL_FLOAT, reference=_lrn_reference,
       samples=lambda: [Sample(rand((1, 2, 2, 4)),
                               params={"depth_radius": 1, "bias": 1.0, "alpha": 1.0, "beta": 0.5}),
                        Sample(rand((2, 1, 3, 7)),
                               params={"depth_radius": 2, "bias": 0.5, "alpha": 0.3, "beta": 0.75}),
                        Sample(rand((1, 1, 2, 3)),
                               params={"depth_radius": 5, "bias": 2.0, "alpha": 0.1, "beta": 1.0})])
class _LRN:
    fwd = _lrn_fwd

    # y_j = x_j n_j^-b, n_j = bias + alpha sum_{|k-j|<=r} x_k^2:
    # dy_j/dx_k = [j == k] n_j^-b - 2 alpha b x_k y_j / n_j  (TF's LRNGrad)
    def vjp_input(g, input, out, *, depth_radius, bias, alpha, beta):
        n = _lrn_norm(input, depth_radius, bias, alpha)
        back = _window_sum(g * out / n, depth_radius=depth_radius)
        return g * n ** -beta - (2 * alpha * beta) * input * back

    def jvp(dinput, input, out, *, depth_radius, bias, alpha, beta):
        n = _lrn_norm(input, depth_radius, bias, alpha)
        spread = _window_sum(input * dinput, depth_radius=depth_radius)
        return dinput * n ** -beta - (2 * alpha * beta) * out / n * spread


def _make_int(value: Any, name: str) -> int:
    """TF's attribute conversion: ``int(value)``; a string, or what int() refuses, is refused."""
    if not isinstance(value, str):
        try:
            return int(value)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"Expected int for argument '{name}' not {value!r}.")


def _make_float(value: Any, name: str) -> float:
    """TF's attribute conversion: real Python and NumPy numbers only (not tensors)."""
    if not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"Expected float for argument '{name}' not {value!r}.")
    return float(value)


def _lrn_input(value: Any) -> Tensor:
    """A tensor as it is; anything else as float32 (float16 kept), as TF's eager
    conversion prefers the op's default type when the value's own is not allowed."""
    value = arith._read(value)
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype != np.float16:
        array = array.astype(np.float32)
    return convert_to_tensor(array)


def local_response_normalization(input: Any, depth_radius: int = 5, bias: float = 1,
                                 alpha: float = 1, beta: float = 0.5,
                                 name: str | None = None) -> Tensor:
    """Local response normalization over the last (depth) axis of a 4-D NHWC tensor:
    ``input / (bias + alpha * sum(input[..., d - r:d + r + 1] ** 2)) ** beta``.

    float16 and float32 only (TF's kernel); also ``tf.nn.lrn``.

    >>> import tapeflow as tf
    >>> tf.nn.local_response_normalization([[[[1.0, 1.0]]]]).numpy()
    array([[[[0.57735026, 0.57735026]]]], dtype=float32)
    """
    radius = _make_int(5 if depth_radius is None else depth_radius, "depth_radius")
    bias = _make_float(1 if bias is None else bias, "bias")
    alpha = _make_float(1 if alpha is None else alpha, "alpha")
    beta = _make_float(0.5 if beta is None else beta, "beta")
    x = _lrn_input(input)
    if x._value.dtype not in (np.float16, np.float32):
        raise attr_error("LRN", "T", word(x._value.dtype), "half, bfloat16, float")
    if not 0 <= radius < _INT_MAX:  # TF: FastBoundsCheck, an exclusive bound
        raise invalid_argument("LRN", f"depth_radius = {radius} larger than int max")
    if x._value.ndim != 4:
        raise invalid_argument("LRN", "in must be 4-dimensional")
    return _LRN(x, depth_radius=radius, bias=bias, alpha=alpha, beta=beta)


lrn = local_response_normalization
