"""tf.nn activations and layers' building blocks.

relu6, elu, selu, gelu, leaky_relu, silu/swish and bias_add are ops (one
declaration each, rules side by side); dropout, moments, batch_normalization
and embedding_lookup are composites of ops, as in TF.  log_softmax, the
cross-entropies and l2_loss are in tapeflow/ops/losses.py.

Conventions pinned against TF 2.21 (tests/test_nn_ops.py):

* kinks: relu6' is 0 at 0 and at 6; leaky_relu' is ``alpha`` at 0; elu' and
  selu' take the ``x >= 0`` branch at 0 (1 and ``scale``).
* dropout's mask is an input of the ``Mul`` it feeds, so the tape keeps it
  and the gradient reuses it; it is never drawn twice (see ``dropout`` for
  seeds).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from tapeflow.core.errors import invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops import arith, indexing, random, reduction, shape_ops, special
from tapeflow.ops.arith import cast, exp, greater, less, where
from tapeflow.ops.declare import (
    NUMERIC,
    REAL,
    REAL_FLOAT,
    composite,
    defop,
    elementwise,
    linear,
)
from tapeflow.ops.samples import away_from, composite_rand, rand, unary

__all__ = ["relu6", "elu", "selu", "gelu", "leaky_relu", "silu", "swish", "bias_add", "dropout",
           "moments", "batch_normalization", "embedding_lookup"]

_as_tensor = shape_ops._as_tensor


def _mask(condition: Tensor, like: Tensor) -> Tensor:
    """1 where ``condition`` holds, else 0, in ``like``'s dtype (no gradient)."""
    return cast(condition, like._value.dtype)


# -- piecewise activations -------------------------------------------------------------------
relu6 = elementwise("Relu6", lambda xp, features: xp.clip(features, 0, 6).astype(features.dtype),
                    # d relu6 = 1 on (0, 6); 0 at both kinks (TF's Relu6Grad)
                    lambda features: _mask(arith.logical_and(greater(features, 0),
                                                             less(features, 6)), features),
                    samples=lambda: unary(-2.0, 8.0, kinks=(0.0, 6.0)), dtypes=REAL,
                    reference=lambda x: np.minimum(np.maximum(x, 0), 6))
relu6.__doc__ = """min(max(features, 0), 6).

>>> import tapeflow as tf
>>> tf.nn.relu6([-1.0, 3.0, 8.0]).numpy()
array([0., 3., 6.], dtype=float32)
"""

elu = elementwise("Elu", lambda xp, features: xp.where(
                      features > 0, features, xp.expm1(xp.minimum(features, 0))),
                  # d elu = 1 for x >= 0, e^x = elu(x) + 1 below (TF's EluGrad)
                  lambda out: where(less(out, 0), out + 1, arith.ones_like(out)),
                  samples=lambda: unary(kinks=(0.0,)), dtypes=REAL_FLOAT,
                  reference=lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))))
elu.__doc__ = """features if features > 0, else exp(features) - 1.

>>> import tapeflow as tf
>>> tf.nn.elu([-1.0, 2.0]).numpy()
array([-0.63212055,  2.        ], dtype=float32)
"""

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
selu = elementwise("Selu", lambda xp, features: _SELU_SCALE * xp.where(
                       features > 0, features, _SELU_ALPHA * xp.expm1(xp.minimum(features, 0))),
                   # d selu = scale for x >= 0, scale alpha e^x = selu(x) + scale alpha below
                   lambda out: where(less(out, 0), out + _SELU_SCALE * _SELU_ALPHA,
                                     arith.ones_like(out) * _SELU_SCALE),
                   samples=lambda: unary(kinks=(0.0,)), dtypes=REAL_FLOAT,
                   reference=lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(
                       np.minimum(x, 0))))
selu.__doc__ = """scale * (features if features > 0 else alpha * (exp(features) - 1)).

>>> import tapeflow as tf
>>> tf.nn.selu([0.0, 1.0]).numpy()
array([0.       , 1.050701 ], dtype=float32)
"""


@defop("LeakyRelu", samples=lambda: [Sample(away_from(rand((2, 3)), (0.0,)), params={"alpha": 0.2}),
                                     Sample(away_from(rand((4,)), (0.0,)), params={"alpha": 1.5})],
       dtypes=REAL_FLOAT, reference=lambda x, alpha: np.where(x > 0, x, alpha * x))
class _LeakyRelu:
    def fwd(xp, features, *, alpha):
        return xp.where(features > 0, features, features * alpha)

    def vjp_features(g, features, *, alpha):  # d = 1 for x > 0, alpha for x <= 0
        return where(greater(features, 0), g, g * alpha)

    def jvp(dfeatures, features, *, alpha):
        return where(greater(features, 0), dfeatures, dfeatures * alpha)


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """features if features > 0, else alpha * features (integers become float32, as TF).

    >>> import tapeflow as tf
    >>> tf.nn.leaky_relu([-1.0, 2.0]).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    x = _as_tensor(features)
    if x._value.dtype.kind in "iub":
        x = cast(x, "float32")
    # TF's alpha is a float32 attribute, so float64 inputs see alpha rounded to float32.
    return _LeakyRelu(x, alpha=float(np.float32(alpha)))


# -- gelu and swish ------------------------------------------------------------------------
# TF casts these two constants to the input's dtype from float32 tensors, so in
# float64 they carry float32 rounding; the same values here give TF's numbers.
_SQRT_HALF = float(np.float32(0.7071067811865476))
_GELU_COEFF = float(np.float32(0.044715))
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


def _gelu_fwd(xp: Any, features: Any, *, approximate: bool) -> Any:
    x = features
    if approximate:
        return 0.5 * x * (1.0 + xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_COEFF * x ** 3)))
    # TF's form: erfc(-c x) keeps full relative accuracy in the far negative tail.
    erfc = special._special("tf.nn.gelu").erfc
    return (0.5 * x * erfc(-x * _SQRT_HALF)).astype(x.dtype, copy=False)


def _gelu_slope(x: Tensor, approximate: bool) -> Tensor:
    if approximate:  # y = x (1 + tanh u) / 2, u = c (x + k x^3)
        t = arith.tanh(_SQRT_2_OVER_PI * (x + _GELU_COEFF * x * x * x))
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_COEFF * x * x)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du
    # d x erfc(-c x) / 2 = erfc(-c x) / 2 + x c e^(-c^2 x^2) / sqrt(pi)
    return (0.5 * special.erfc(x * -_SQRT_HALF)
            + x * exp(x * x * -(_SQRT_HALF * _SQRT_HALF)) * (_SQRT_HALF * _INV_SQRT_PI))


def _gelu_reference(x: Any, approximate: bool) -> Any:
    if approximate:
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_COEFF * x ** 3)))
    from scipy.special import ndtr  # the normal CDF: an independent formula
    return x * ndtr(x * _SQRT_HALF * math.sqrt(2.0))


@defop("Gelu", samples=lambda: [Sample(rand((2, 3), -3.0, 3.0), params={"approximate": False}),
                                Sample(rand((5,), -3.0, 3.0), params={"approximate": True})],
       dtypes=REAL_FLOAT, reference=_gelu_reference)
class _Gelu:
    fwd = _gelu_fwd

    def vjp_features(g, features, *, approximate):
        return g * _gelu_slope(features, approximate)

    def jvp(dfeatures, features, *, approximate):
        return dfeatures * _gelu_slope(features, approximate)


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (``approximate``: TF's tanh formula).

    >>> import tapeflow as tf
    >>> tf.nn.gelu([-1.0, 1.0]).numpy()
    array([-0.15865526,  0.8413447 ], dtype=float32)
    """
    x = _as_tensor(features)
    if x._value.dtype.kind != "f":
        raise ValueError(f"`features.dtype` must be a floating point tensor."
                         f"Received:features.dtype={x.dtype!r}")
    return _Gelu(x, approximate=bool(approximate))


def _swish_fwd(xp: Any, features: Any, beta: Any) -> Any:
    return features * arith._sigmoid(xp, beta * features)


def _swish_slope(features: Tensor, beta: Any) -> Tensor:  # s (1 + b x (1 - s)), s = sig(b x)
    s = arith.sigmoid(beta * features)
    return s * (1.0 + beta * features * (1.0 - s))


def _swish_beta_slope(features: Tensor, beta: Any) -> Tensor:  # d/db = x^2 s (1 - s)
    s = arith.sigmoid(beta * features)
    return features * features * s * (1.0 - s)


_swish = elementwise("Swish", _swish_fwd, (_swish_slope, _swish_beta_slope),
                     samples=lambda: [Sample(rand((2, 3)), np.array(1.0)),
                                      Sample(rand((4,)), np.array(0.7)),
                                      Sample(rand((2, 3)), rand((3,), 0.5, 2.0))],
                     dtypes=REAL_FLOAT, reference=lambda x, b: x / (1 + np.exp(-b * x)))


def silu(features: Any, beta: Any = 1.0) -> Tensor:
    """x * sigmoid(beta * x); ``beta`` may be a (trainable) tensor and gets a gradient.

    >>> import tapeflow as tf
    >>> tf.nn.silu([0.0, 1.0]).numpy()
    array([0.       , 0.7310586], dtype=float32)
    """
    x = _as_tensor(features)
    if isinstance(beta, (int, float)) and not isinstance(beta, bool):
        return _swish(x, float(beta))
    b = _as_tensor(beta)
    return _swish(x, b if b._value.dtype == x._value.dtype else cast(b, x._value.dtype))


swish = silu


# -- bias_add ------------------------------------------------------------------------------

def _channel_shape(ndim: int, size: int, data_format: str) -> tuple:
    """The bias's shape for broadcasting against a rank-``ndim`` value."""
    if data_format == "NCHW" and ndim > 2:
        return (size,) + (1,) * (ndim - 2)
    return (size,)


def _bias_add_fwd(xp: Any, value: Any, bias: Any, *, data_format: str) -> Any:
    return value + xp.reshape(bias, _channel_shape(value.ndim, bias.shape[0], data_format))


def _bias_grad_fwd(xp: Any, out_backprop: Any, *, data_format: str) -> Any:
    nd = out_backprop.ndim
    channel = 1 if data_format == "NCHW" else nd - 1
    return xp.sum(out_backprop, axis=tuple(i for i in range(nd) if i != channel))


def _bias_grad_transpose(g: Tensor, out_backprop_shape: tuple, *, data_format: str) -> Tensor:
    # d BiasAddGrad = the bias cotangent broadcast over every non-channel axis
    shape = _channel_shape(len(out_backprop_shape), g._value.shape[0], data_format)
    return shape_ops.broadcast_to(shape_ops.reshape(g, shape), out_backprop_shape)


_bias_add_grad = linear(
    "BiasAddGrad", _bias_grad_fwd, _bias_grad_transpose, params=True, dtypes=NUMERIC,
    samples=lambda: [Sample(rand((2, 3, 4)), params={"data_format": "NHWC"}),
                     Sample(rand((2, 3, 4, 2)), params={"data_format": "NCHW"})],
    reference=lambda g, data_format: _bias_grad_fwd(np, g, data_format=data_format))
_bias_add = linear(
    "BiasAdd", _bias_add_fwd,
    (lambda g: g,  # d(value + bias) = dvalue + dbias broadcast over the channel axis
     lambda g, *, data_format: _bias_add_grad(g, data_format=data_format)),
    params=True, dtypes=NUMERIC,
    samples=lambda: [Sample(rand((2, 4)), rand((4,)), params={"data_format": "NHWC"}),
                     Sample(rand((2, 3, 2, 2)), rand((3,)), params={"data_format": "NCHW"})],
    reference=lambda v, b, data_format: _bias_add_fwd(np, v, b, data_format=data_format))


def bias_add(value: Any, bias: Any, data_format: str | None = None,
             name: str | None = None) -> Tensor:
    """value + bias along the channel axis (the last, or axis 1 for ``NC...`` formats).

    >>> import tapeflow as tf
    >>> tf.nn.bias_add([[1.0, 2.0]], [10.0, 20.0]).numpy()
    array([[11., 22.]], dtype=float32)
    """
    fmt = "NHWC"
    if data_format is not None:
        if data_format.startswith("NC"):
            fmt = "NCHW"
        elif not (data_format.startswith("N") and data_format.endswith("C")):
            raise ValueError("`data_format` must be of the form `N...C` or `NC...`. "
                             f"Received: data_format={data_format}")
    v = _as_tensor(value)
    b = bias if isinstance(bias, Tensor) else convert_to_tensor(arith._read(bias),
                                                               dtype=v.dtype)
    vs, bs = list(v._value.shape), list(np.shape(b._value))
    if len(vs) < 2:
        raise invalid_argument("BiasAdd", f"Input tensor must be at least 2D: {vs}")
    if len(bs) != 1:
        raise invalid_argument("BiasAdd", f"Biases must be 1D: {bs}")
    channel = vs[1] if fmt == "NCHW" else vs[-1]
    if bs[0] != channel:
        where_ = "channel" if fmt == "NCHW" else "last"
        raise invalid_argument("BiasAdd", f"Must provide as many biases as the {where_} "
                               f"dimension of the input tensor: {bs} vs. {vs}")
    return _bias_add(v, b, data_format=fmt)


# -- dropout ------------------------------------------------------------------------------------
def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None) -> Tensor:
    """Zero each element with probability ``rate``; scale the rest by ``1 / (1 - rate)``.

    The keep mask is drawn once, as a constant input of the ``Mul`` that
    applies it: the tape keeps it as that op's residual, so the gradient (and
    any higher derivative) uses the same mask.  ``noise_shape`` broadcasts the
    mask (e.g. ``[n, 1, 1, c]`` drops whole channels).

    Seeds are ``tf.random.uniform``'s, as in TF (which draws the mask with
    it): ``seed=None`` follows the global seed (``tf.random.set_seed``) or
    is non-deterministic; an int ``seed`` starts a stream whose successive
    calls differ but repeat after ``set_seed``.  The masks are not TF's bits.

    >>> import tapeflow as tf
    >>> tf.nn.dropout(tf.ones(4), rate=0.0).numpy()
    array([1., 1., 1., 1.], dtype=float32)
    """
    is_number = isinstance(rate, numbers.Real) and not isinstance(rate, Tensor)
    if is_number and not 0 <= rate < 1:
        raise ValueError("`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    t = _as_tensor(x)
    dt = t._value.dtype
    if dt.kind != "f":
        raise ValueError("`x.dtype` must be a floating point tensor as `x` will be scaled. "
                         f"Received: x_dtype={t.dtype!r}")
    if is_number and rate == 0:
        random.get_seed(seed)  # as TF: the fast path still takes its op seed
        return t
    shape = list(t._value.shape)
    if noise_shape is not None:
        dims = list(_as_tensor(noise_shape).numpy().tolist() if isinstance(noise_shape, Tensor)
                    else noise_shape)
        if len(dims) == len(shape):  # TF fills unknown (None) entries from x's shape
            dims = [s if d is None else d for d, s in zip(dims, shape)]
        shape = [int(d) for d in dims]
    uniform = random.uniform(shape, dtype=t.dtype, seed=seed)._value
    if is_number:
        keep = (uniform >= rate) * np.asarray(1.0 / (1.0 - rate), dt)
        return arith.multiply(t, wrap(keep.astype(dt, copy=False)))
    r = _as_tensor(rate)
    r = r if r._value.dtype == dt else cast(r, dt)
    keep = wrap((uniform >= r._value).astype(dt))
    return arith.multiply(arith.realdiv(t, 1.0 - r), keep)


# -- moments and batch_normalization -----------------------------------------------------
def _moments_reference(x: Any, axes: Any, keepdims: bool = False) -> tuple:
    axis = tuple(axes)
    return (np.mean(x, axis=axis, keepdims=keepdims),
            np.var(x, axis=axis, keepdims=keepdims))


# The table checks the first output (the mean); tests/test_nn_ops.py the variance,
# whose second derivatives hold the mean constant, as TF's.
@composite(samples=lambda:
               [Sample(composite_rand((4, 3)), params={"axes": [0]}),
                Sample(composite_rand((2, 3, 2)), params={"axes": [0, 2], "keepdims": True})],
           reference=_moments_reference,
           smooth=False)  # TF's stop_gradient(mean) in the variance: second order by design
def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple:
    """Mean and (biased) variance of ``x`` over ``axes``, as TF computes them.

    As in TF the variance is ``mean((x - stop_gradient(mean))^2)``: first
    derivatives are exact, and second derivatives treat the mean as constant.
    float16 inputs are reduced in float32.

    >>> import tapeflow as tf
    >>> [float(m) for m in tf.nn.moments(tf.constant([1.0, 3.0]), axes=[0])]
    [2.0, 1.0]
    """
    t = _as_tensor(x)
    half = t._value.dtype == np.float16
    y = cast(t, "float32") if half else t
    axis = reduction.normalize_axis("Mean", axes, y._value.ndim)
    mean = reduction._Mean(y, axis=axis, keepdims=True)
    # StopGradient is declared in tapeflow.autodiff.custom, a layer above ops.
    from tapeflow.autodiff.custom import stop_gradient

    variance = reduction._Mean(special.squared_difference(y, stop_gradient(mean)),
                               axis=axis, keepdims=True)
    if not keepdims:
        kept = tuple(d for i, d in enumerate(y._value.shape) if axis is not None and i not in axis)
        mean, variance = shape_ops.reshape(mean, kept), shape_ops.reshape(variance, kept)
    if half:
        return cast(mean, "float16"), cast(variance, "float16")
    return mean, variance


def _batch_norm_reference(x: Any, mean: Any, variance: Any, offset: Any = None,
                          scale: Any = None, variance_epsilon: float = 0.0) -> Any:
    y = (x - mean) / np.sqrt(variance + variance_epsilon)
    return (y if scale is None else y * scale) + (0.0 if offset is None else offset)


@composite(samples=lambda:
               [Sample(composite_rand((2, 3)), composite_rand((3,)),
                       composite_rand((3,), 0.5, 2.0), composite_rand((3,)),
                       composite_rand((3,)), params={"variance_epsilon": 1e-3}),
                Sample(composite_rand((4,)), composite_rand(()), composite_rand((), 0.5, 2.0),
                       params={"offset": None, "scale": None, "variance_epsilon": 0.1})],
           reference=_batch_norm_reference)
def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any,
                        variance_epsilon: float, name: str | None = None) -> Tensor:
    """scale * (x - mean) / sqrt(variance + eps) + offset, in TF's order of operations.

    >>> import tapeflow as tf
    >>> tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0).numpy()
    array([-1.,  1.], dtype=float32)
    """
    t = _as_tensor(x)

    def like(v: Any) -> Any:
        return v if isinstance(v, Tensor) else convert_to_tensor(arith._read(v), dtype=t.dtype)

    mean, variance = like(mean), like(variance)
    inv = arith.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * like(scale)
    shift = (like(offset) - mean * inv) if offset is not None else -(mean * inv)
    return t * cast(inv, t._value.dtype) + cast(shift, t._value.dtype)


# -- embedding_lookup ---------------------------------------------------------------------
def _clip_by_norm(t: Tensor, clip_norm: float, axes: tuple) -> Tensor:
    """TF's clip_by_norm over ``axes`` (its two-``where`` trick keeps gradients finite at 0)."""
    clip_norm = max(float(clip_norm), 0.0)
    l2sum = reduction._Sum(t * t, axis=axes, keepdims=True)
    positive = greater(l2sum, 0)
    l2norm = where(positive, arith.sqrt(where(positive, l2sum, arith.ones_like(l2sum))), l2sum)
    return (t * clip_norm) / arith.maximum(l2norm, clip_norm)


def _embedding_reference(params: Any, ids: Any, max_norm: float | None = None) -> Any:
    rows = params[ids]
    if max_norm is None:
        return rows
    norms = np.sqrt(np.sum(rows * rows, axis=-1, keepdims=True))
    return rows * np.minimum(1.0, max_norm / norms)


# max_norm: the rows' norms are 0.81, 3.08 and 1.52, away from the clip at 2.
@composite(samples=lambda: [Sample(composite_rand((4, 3)), np.array([[1, 3], [1, 0]], np.int32)),
                            Sample(np.array([[0.5, -0.6, 0.2], [1.5, 2.0, -1.8], [-1.0, 0.7, 0.9]]),
                                   np.array([2, 0, 1, 1], np.int64), params={"max_norm": 2.0})],
           reference=_embedding_reference, smooth=False)
def embedding_lookup(params: Any, ids: Any, max_norm: float | None = None,
                     name: str | None = None) -> Tensor:
    """Rows of ``params`` at ``ids``; a list is one table sharded by "div" (TF's rule:
    a Python list of rows is a list of shards, so pass a tensor).

    With ``max_norm``, each looked-up embedding whose l2 norm exceeds it is
    scaled down to it.  The gradient is dense (TF's is IndexedSlices with the
    same values, summed).

    >>> import tapeflow as tf
    >>> tf.nn.embedding_lookup(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [1, 1]).numpy().tolist()
    [[3.0, 4.0], [3.0, 4.0]]
    """
    if params is None:
        raise ValueError("params must be specified")
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError("Length of params is currently 0. Need at least one param.")
    idx = indexing.index_input("GatherV2", "Tindices", ids)
    if isinstance(params, (list, tuple)) and len(params) > 1:
        result = _sharded_lookup([_as_tensor(p) for p in params], idx)
    else:
        table = params[0] if isinstance(params, (list, tuple)) else params
        result = indexing.gather(_as_tensor(table), idx)
    if max_norm is not None:
        axes = tuple(range(idx._value.ndim, result._value.ndim))
        result = _clip_by_norm(result, max_norm, axes)
    return result


def _sharded_lookup(shards: list, ids: Tensor) -> Tensor:
    """TF's "div" strategy: consecutive ids fill shard 0, then shard 1, ..."""
    flat = ids._value.reshape(-1).astype(np.int64)
    total = sum(s._value.shape[0] for s in shards)
    per, extras = divmod(total, len(shards))
    assign = np.maximum(flat // (per + 1), (flat - extras) // max(per, 1))
    local = np.where(assign < extras, flat % (per + 1), (flat - extras) % max(per, 1))
    if not flat.size:
        return indexing.gather(shards[0], ids)
    if flat.min() < 0 or flat.max() >= total:
        bad = int(np.nonzero((flat < 0) | (flat >= total))[0][0])
        raise invalid_argument("GatherV2", f"indices[{bad}] = {int(flat[bad])} is not in "
                               f"[0, {total})")
    parts, order = [], []
    for p, shard in enumerate(shards):
        picked = np.nonzero(assign == p)[0]
        if picked.size:
            parts.append(indexing.gather(shard, wrap(local[picked])))
            order.append(picked)
    rows = parts[0] if len(parts) == 1 else shape_ops.concat(parts, 0)
    inverse = np.argsort(np.concatenate(order), kind="stable")
    stitched = indexing.gather(rows, wrap(inverse))
    return shape_ops.reshape(stitched, ids._value.shape + tuple(stitched._value.shape[1:]))
