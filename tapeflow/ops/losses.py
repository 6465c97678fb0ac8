"""Losses: tf.nn.log_softmax, the cross-entropies, l2_loss and the loss composites.

log_softmax, sigmoid_cross_entropy_with_logits,
softmax_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits
and l2_loss are ops (one declaration each, rules side by side).  They sit
apart from the activations because they share machinery of their own (the
stable log-softmax forward, the (loss, backprop) pair TF's cross-entropy ops
output, and the softmax-Jacobian rule for that backprop) that no activation
uses; they build on ``Softmax`` (tapeflow/ops/nn.py) and need nothing from
tapeflow/ops/activations.py.

Conventions pinned against TF 2.21 (tests/test_nn_ops.py):

* the dense cross-entropy differentiates both logits and labels (labels
  broadcast against logits, and are cast to the logits' dtype); its
  second-order terms in the labels are exact (TF drops
  d(backprop)/d(labels)); the sparse one gives labels no gradient and
  rejects labels outside ``[0, classes)`` with TF's message.

weighted_cross_entropy_with_logits, log_poisson_loss and compute_average_loss
are composites, as in TF (its Python builds them from ops), so their
gradients are TF's, kinks and NaNs included (tests/test_nn_more.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core.errors import InvalidArgumentError, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, reduction, shape_ops, special
from tapeflow.ops.arith import cast, exp
from tapeflow.ops.declare import REAL_FLOAT, composite, defop, elementwise
from tapeflow.ops.nn import _Softmax, relu
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["log_softmax", "sigmoid_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "l2_loss", "weighted_cross_entropy_with_logits", "log_poisson_loss",
           "compute_average_loss"]

_as_tensor = shape_ops._as_tensor


# -- log_softmax and the cross-entropies ------------------------------------------------------
def _log_softmax_fwd(xp: Any, logits: Any, *, axis: int) -> Any:
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)  # no overflow
    shifted -= xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))  # ours: in place
    return shifted


def _log_softmax_ref(x: Any, axis: int) -> Any:
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def _sum(x: Tensor, axis: int, keepdims: bool = True) -> Tensor:
    return reduction._Sum(x, axis=(axis % x._value.ndim,), keepdims=keepdims)


@defop("LogSoftmax", samples=lambda: [Sample(rand((2, 5)), params={"axis": 1}),
                                      Sample(rand((3, 2, 4)), params={"axis": 1}),
                                      Sample(rand((4,), -30.0, 30.0), params={"axis": 0})],
       dtypes=REAL_FLOAT, reference=_log_softmax_ref)
class _LogSoftmax:
    fwd = _log_softmax_fwd

    def vjp_logits(g, out, *, axis):  # d log_softmax: g - sum(g) softmax
        return g - _sum(g, axis) * exp(out)

    def jvp(dlogits, out, *, axis):
        return dlogits - _sum(dlogits * exp(out), axis)


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """logits - log(sum(exp(logits), axis)), computed stably (default axis -1).

    >>> import tapeflow as tf
    >>> tf.nn.log_softmax([0.0, 0.0]).numpy()
    array([-0.6931472, -0.6931472], dtype=float32)
    """
    x = _as_tensor(logits)
    nd = x._value.ndim
    if nd == 0:
        raise invalid_argument("LogSoftmax", "logits must have >= 1 dimension, got []")
    axis = -1 if axis is None else int(axis)
    if not -nd <= axis < nd:
        raise invalid_argument("LogSoftmax", f"`dim` must be in the range [{-nd}, {nd}) where "
                               f"{nd} is the number of dimensions in the input. "
                               f"Received: dim={axis}")
    return _LogSoftmax(x, axis=axis % nd)


def _logistic_fwd(xp: Any, labels: Any, logits: Any) -> Any:
    # max(x, 0) - x z + log(1 + e^-|x|): exp never overflows (TF's formula).
    x = logits
    return xp.maximum(x, 0) - x * labels + xp.log1p(xp.exp(-xp.abs(x)))


_logistic_loss = elementwise(
    "LogisticLoss", _logistic_fwd,
    (lambda logits: -logits,  # d/dz = -x
     lambda labels, logits: arith.sigmoid(logits) - labels),  # d/dx = sigmoid(x) - z
    samples=lambda: [Sample(rand((2, 3), 0.0, 1.0), rand((2, 3), -4.0, 4.0)),
                     Sample(rand((4,), 0.0, 1.0), np.array([-40.0, -1.0, 1.0, 40.0]))],
    dtypes=REAL_FLOAT,
    reference=lambda z, x: np.logaddexp(0, x) - x * z)


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Tensor:
    """Elementwise logistic loss ``-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))``.

    >>> import tapeflow as tf
    >>> tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[0.0]).numpy()
    array([0.6931472], dtype=float32)
    """
    if labels is None or logits is None:
        raise ValueError("Both `labels` and `logits` must be provided for "
                         "sigmoid_cross_entropy_with_logits. Received: "
                         f"labels={labels} and logits={logits}")
    x = _as_tensor(logits)
    z = _as_tensor(labels) if isinstance(labels, Tensor) else convert_to_tensor(
        arith._read(labels), dtype=x.dtype)
    if x._value.shape != z._value.shape:
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({x.shape} vs {z.shape}).")
    return _logistic_loss(z, x)


# A pass over (1024, 1000) float32 logits costs ~0.2 ms, the exp ~0.45 ms (NumPy's ufuncs
# run on one core).  So the forwards take each pass once, as TF's kernel does: shifted =
# x - max(x), e = exp(shifted), total = sum(e), loss from log(total) - shifted, backprop =
# e / total - labels, in place on arrays they allocated (never on the inputs).  Going
# through log_softmax took the exp twice (0.6 ms more).  The backward is then one multiply.
def _row_sums(xp: Any, x: Any, weights: Any = None) -> Any:
    """sum(x) along the last axis, or sum(weights * x) without making the product.

    einsum's loop takes 56 us for (1024, 1000) float32, np.sum's pairwise one 171 us
    (and the product array 170 us more); but einsum's running sums drift on long rows
    (float32 relative error 3e-7 at 4096 terms, 7e-6 at 10**6, against 6e-8 pairwise),
    so long rows keep np.sum.
    """
    if x.shape[-1] > 4096:
        return xp.sum(x if weights is None else weights * x, axis=-1)
    return xp.einsum("...j->...", x) if weights is None else \
        xp.einsum("...j,...j->...", weights, x)


def _row_max(x: Any) -> Any:
    """max along the last axis.

    NumPy reduces a short last axis row by row: (64, 10) float32 takes 3.9 us,
    (512, 10) 24 us.  Classes first (one transposed copy), the same maxima (max is
    exact in any order) are one elementwise pass per class: 1.9 us and 3.6 us, the
    copy included.  The copy outgrows the win past ~32 classes, or with fewer than
    ~2 rows per class.
    """
    n = x.shape[-1]
    if n <= 32 and x.size >= 2 * n * n:
        return np.maximum.reduce(np.ascontiguousarray(x.T), axis=0).T
    return x.max(axis=-1)


def _xent_fwd(xp: Any, features: Any, labels: Any) -> tuple:
    shifted = features - _row_max(features)[..., None]
    back = xp.exp(shifted)
    total = _row_sums(xp, back)[..., None]
    minus_log_p = xp.subtract(xp.log(total), shifted, out=shifted)
    xp.divide(back, total, out=back)
    back -= labels
    return _row_sums(xp, minus_log_p, labels), back


def _per_row(gl: Tensor) -> Tensor:
    """The loss's cotangent with a trailing axis of 1, to scale each row of logits.

    Reshape directly: expand_dims's argument checks cost 0.5 us of a 2.5 us VJP.
    """
    return shape_ops._reshape(gl, shape=gl._value.shape + (1,))


def _softmax_vjp(gb: Tensor, features: Tensor) -> Tensor:
    """Cotangent of the logits through softmax(logits), given that of softmax."""
    s = _Softmax(features, axis=features._value.ndim - 1)
    return (gb - _sum(gb * s, -1)) * s


def _xent_vjp_features(g: tuple, features: Tensor, out: tuple) -> Tensor:
    """The logits' cotangent from those of (loss, backprop), for both cross-entropies.

    As TF: d loss/dx is the backprop output, softmax - labels (which assumes
    the labels sum to 1); d backprop/dx is softmax's Jacobian.
    """
    gl, gb = g
    gf = None if gl is None else _per_row(gl) * out[1]
    if gb is not None:
        gf = _softmax_vjp(gb, features) if gf is None else gf + _softmax_vjp(gb, features)
    return gf


def _xent_reference(features: Any, labels: Any) -> tuple:
    p = np.exp(features) / np.exp(features).sum(-1, keepdims=True)
    return -(labels * np.log(p)).sum(-1), p - labels


def _distributions(shape: tuple) -> np.ndarray:
    """Labels that sum to 1 along the last axis (the op's gradient assumes they do)."""
    p = rand(shape, 0.1, 1.0)
    return p / p.sum(-1, keepdims=True)


@defop("SoftmaxCrossEntropyWithLogits", n_out=2, params=False, dtypes=REAL_FLOAT,
       samples=lambda: [Sample(rand((2, 4)), _distributions((2, 4))),
                        Sample(rand((3,), -30.0, 30.0), _distributions((3,)))],
       reference=_xent_reference)
class _SoftmaxXent:
    """Outputs (loss, backprop = softmax - labels), as TF's op, along the last axis."""

    fwd = _xent_fwd

    vjp_features = _xent_vjp_features

    def vjp_labels(g, features):  # d loss/dz = -log_softmax(x); d backprop/dz = -1
        gl, gb = g
        gz = None
        if gl is not None:
            gz = _per_row(gl) * -_LogSoftmax(features, axis=features._value.ndim - 1)
        if gb is not None:
            gz = -gb if gz is None else gz - gb
        return gz

    def jvp(dfeatures, dlabels, features, out):
        nd = features._value.ndim
        dloss = dback = None
        if dfeatures is not None:
            dloss = _sum(dfeatures * out[1], -1, keepdims=False)
            s = _Softmax(features, axis=nd - 1)
            dback = s * (dfeatures - _sum(dfeatures * s, -1))
        if dlabels is not None:
            term = _sum(dlabels * _LogSoftmax(features, axis=nd - 1), -1, keepdims=False)
            dloss = -term if dloss is None else dloss - term
            dback = -dlabels if dback is None else dback - dlabels
        return dloss, dback


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: str | None = None) -> Tensor:
    """-sum(labels * log_softmax(logits), axis); labels get a gradient too.

    >>> import tapeflow as tf
    >>> tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]]).numpy()
    array([0.6931472], dtype=float32)
    """
    x = _as_tensor(logits)
    z = _as_tensor(labels)
    precise = x._value.dtype == np.float16
    if precise:
        x = cast(x, "float32")
    if z._value.dtype != x._value.dtype:
        z = cast(z, x._value.dtype)
    nd = x._value.ndim
    axis = -1 if axis is None else int(axis)
    if nd == 0 or not -nd <= axis < nd:
        raise invalid_argument("SoftmaxCrossEntropyWithLogits",
                               f"axis {axis} is out of range for logits of shape {list(x.shape)}")
    if z._value.shape != x._value.shape:
        try:
            np.broadcast_shapes(z._value.shape, x._value.shape)
        except ValueError:
            raise invalid_argument(
                "SoftmaxCrossEntropyWithLogits", f"logits and labels must be broadcastable: "
                f"logits_size={list(x.shape)} labels_size={list(z.shape)}") from None
        z = shape_ops.broadcast_to(z, x._value.shape)
    axis %= nd
    if axis != nd - 1:
        perm = tuple(i for i in range(nd) if i != axis) + (axis,)
        x, z = shape_ops.transpose(x, perm), shape_ops.transpose(z, perm)
    loss = _SoftmaxXent(x, z)[0]
    return cast(loss, "float16") if precise else loss


# Integer labels viewed unsigned, by item size (see _sparse_fwd).
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _sparse_fwd(xp: Any, features: Any, labels: Any) -> tuple:
    n = features.shape[-1]
    # One max checks both bounds: viewed unsigned, a negative label is above any n
    # (1.3 us at 64 labels; (labels < 0) | (labels >= n) and any() cost 2.4 us).
    # No labels have no max (it raises), and nothing to check.
    if labels.size and labels.view(_UNSIGNED[labels.itemsize]).max() >= n:
        _reject_labels(labels, n)
    # See _xent_fwd: the one new array of its size; C order, so that its flat view
    # below is a view (logits may come transposed).
    back = xp.subtract(features, _row_max(features)[..., None], order="C")
    # Each (row, label) entry by one flat index, used twice: 1-D integer indexing costs
    # 1 us where (rows, labels) fancy indexing costs 2.5 us, and take/put_along_axis's
    # wrappers ~20 us.  features[label] - max is picked from back before the exp.
    flat = xp.arange(0, back.size, n) + labels.reshape(-1)
    picked = back.reshape(-1)[flat]
    xp.exp(back, out=back)
    total = _row_sums(xp, back)
    xp.divide(back, total[..., None], out=back)
    back.reshape(-1)[flat] -= 1
    return xp.log(total) - picked.reshape(labels.shape), back


def _reject_labels(labels: Any, n: int) -> None:
    """TF's error, naming the first label outside [0, n) (found again: off the hot path)."""
    bad = (labels < 0) | (labels >= n)
    shown = " ".join(str(int(v)) for v in np.ravel(labels))
    raise invalid_argument("SparseSoftmaxCrossEntropyWithLogits", (
        f"Received a label value of {int(labels[bad].flat[0])} which is outside the valid "
        f"range of [0, {n}).  Label values: {shown}"))


def _sparse_reference(features: Any, labels: Any) -> tuple:
    loss, back = _xent_reference(features, np.eye(features.shape[-1])[labels])
    return loss, back


@defop("SparseSoftmaxCrossEntropyWithLogits", n_out=2, params=False, same_dtype=False,
       dtypes=None, reference=_sparse_reference,
       samples=lambda:
           [Sample(rand((3, 4)), np.array([0, 3, 1], np.int32)),
            Sample(rand((2, 2, 3)), np.array([[2, 0], [1, 1]], np.int64)),
            Sample(rand((2, 3)), np.array([0, 3], np.int32), raises=InvalidArgumentError),
            Sample(rand((2, 3)), np.array([-1, 0], np.int32), raises=InvalidArgumentError)])
class _SparseXent:
    """Outputs (loss, backprop = softmax - onehot(labels)); labels get no gradient."""

    fwd = _sparse_fwd

    vjp_features = _xent_vjp_features  # no rule for the labels: they get no gradient

    def jvp(dfeatures, dlabels, features, out):
        if dfeatures is None:
            return None
        s = _Softmax(features, axis=features._value.ndim - 1)
        return (_sum(dfeatures * out[1], -1, keepdims=False),
                s * (dfeatures - _sum(dfeatures * s, -1)))


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any,
                                             name: str | None = None) -> Tensor:
    """Cross-entropy of integer class ``labels`` against ``logits`` (classes on the last axis).

    >>> import tapeflow as tf
    >>> tf.nn.sparse_softmax_cross_entropy_with_logits([1], [[0.0, 0.0]]).numpy()
    array([0.6931472], dtype=float32)
    """
    z = _as_tensor(labels)
    x = _as_tensor(logits)
    op = "SparseSoftmaxCrossEntropyWithLogits"
    if z._value.dtype not in (np.int32, np.int64):
        raise invalid_argument(op, f"Value for attr 'Tlabels' of {z.dtype.name} is not in the "
                               f"list of allowed values: int32, int64")
    if x._value.dtype.kind != "f":
        raise invalid_argument(op, f"Value for attr 'T' of {x.dtype.name} is not in the list "
                               f"of allowed values: half, bfloat16, float, double")
    if x._value.ndim == 0:
        raise ValueError(f"`logits` cannot be a scalar. Received logits={x}`")
    if z._value.ndim != x._value.ndim - 1:
        raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                         f"labels.shape={z.shape} of rank {z._value.ndim} and "
                         f"logits.shape={x.shape} of rank {x._value.ndim}")
    if z._value.shape != x._value.shape[:-1]:
        raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                         f"dimension. Received: labels.shape={z.shape} and "
                         f"logits.shape={x.shape}")
    precise = x._value.dtype == np.float16
    loss = _SparseXent(cast(x, "float32") if precise else x, z)[0]
    return cast(loss, "float16") if precise else loss


# -- l2_loss -------------------------------------------------------------------------------
@defop("L2Loss", params=False, dtypes=REAL_FLOAT, reference=lambda t: np.sum(t * t) / 2,
       samples=lambda: [Sample(rand((2, 3))), Sample(rand(()))])
class _L2Loss:
    def fwd(xp, t):
        return (xp.sum(t * t) / 2).astype(t.dtype)

    def vjp_t(g, t):  # d sum(t^2)/2 = t
        return g * t

    def jvp(dt, t):
        return reduction._Sum(dt * t, axis=None, keepdims=False)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """sum(t ** 2) / 2, without the square root.

    >>> import tapeflow as tf
    >>> float(tf.nn.l2_loss([3.0, 4.0]))
    12.5
    """
    return _L2Loss(_as_tensor(t))


# -- composites: weighted cross-entropy, log Poisson loss, compute_average_loss ---------------
def _same_shape(first: Tensor, second: Tensor, names: str) -> None:
    """TF's check that two losses' arguments have one shape (eager shapes are fully known)."""
    if first._value.shape != second._value.shape:
        raise ValueError(f"{names} must have the same shape, received "
                         f"({first.shape} vs {second.shape}).")


def _weighted_xent_reference(labels: Any, logits: Any, pos_weight: Any) -> Any:
    return labels * pos_weight * np.logaddexp(0, -logits) + (1 - labels) * np.logaddexp(0, logits)


@composite(samples=lambda:
               [Sample(composite_rand((2, 3), 0.0, 1.0), composite_rand((2, 3), -4.0, 4.0),
                       composite_rand((), 0.5, 3.0)),
                Sample(composite_rand((4,), 0.0, 1.0), np.array([-30.0, -1.5, 1.5, 30.0]),
                       composite_rand((4,), 0.5, 3.0))],
           reference=_weighted_xent_reference)
def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any,
                                       name: str | None = None) -> Tensor:
    """The logistic loss with its positive term scaled by ``pos_weight``:
    ``pos_weight * z * -log(sigmoid(x)) + (1 - z) * -log(1 - sigmoid(x))``.

    Computed as TF does, ``(1 - z) x + (1 + (q - 1) z) (log1p(exp(-|x|)) + relu(-x))``,
    so nothing overflows; at ``x = 0`` the kinks of abs and relu give TF's
    derivative ``1 - z``.

    >>> import tapeflow as tf
    >>> tf.nn.weighted_cross_entropy_with_logits([1.0, 0.0], [0.0, 0.0], 2.0).numpy()
    array([1.3862944, 0.6931472], dtype=float32)
    """
    x = _as_tensor(logits)
    z = _as_tensor(labels)
    _same_shape(x, z, "`logits` and `labels`")
    log_weight = 1 + (pos_weight - 1) * z
    return (1 - z) * x + log_weight * (arith.log1p(exp(-arith.abs(x))) + relu(-x))


def _log_poisson_reference(targets: Any, log_input: Any, compute_full_loss: bool = False) -> Any:
    loss = np.exp(log_input) - log_input * targets
    if compute_full_loss:
        with np.errstate(all="ignore"):
            stirling = targets * np.log(targets) - targets + 0.5 * np.log(2 * np.pi * targets)
        loss = loss + np.where((targets >= 0) & (targets <= 1), 0.0, stirling)
    return loss


@composite(samples=lambda: [Sample(composite_rand((2, 3), 0.0, 4.0), composite_rand((2, 3))),
                            Sample(np.array([0.2, 0.7, 1.5, 3.0]), composite_rand((4,)),
                                   params={"compute_full_loss": True})],
           reference=_log_poisson_reference)
def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False,
                     name: str | None = None) -> Tensor:
    """``exp(c) - c z``, the negative Poisson log-likelihood of targets ``z`` at log
    rate ``c``, less log(z!); with ``compute_full_loss`` plus Stirling's
    ``z log z - z + log(2 pi z) / 2`` for ``z`` outside [0, 1] (0 inside, as TF:
    its gradient there is NaN at z = 0, and NaN for z < 0).

    >>> import tapeflow as tf
    >>> tf.nn.log_poisson_loss([2.0], [0.0]).numpy()
    array([1.], dtype=float32)
    """
    c = _as_tensor(log_input)
    z = _as_tensor(targets)
    _same_shape(c, z, "`log_input` and `targets`")
    result = exp(c) - c * z
    if compute_full_loss:
        half = convert_to_tensor(0.5, dtype=z.dtype)
        two_pi = convert_to_tensor(2 * math.pi, dtype=z.dtype)
        stirling = z * arith.log(z) - z + half * arith.log(two_pi * z)
        zeros, ones = arith.zeros_like(z), arith.ones_like(z)
        inside = arith.logical_and(arith.greater_equal(z, zeros), arith.less_equal(z, ones))
        result = result + arith.where(inside, zeros, stirling)
    return result


def _average_loss_reference(per_example_loss: Any, sample_weight: Any = None,
                            global_batch_size: Any = None) -> Any:
    loss = per_example_loss
    if sample_weight is not None:  # weighted in float32, as TF
        loss = (loss.astype(np.float32) * np.float32(sample_weight)).astype(loss.dtype)
    size = per_example_loss.shape[0] if global_batch_size is None else global_batch_size
    return np.sum(loss) / size if size else 0.0 * np.sum(loss)


@composite(samples=lambda: [Sample(composite_rand((3, 2))),
                            Sample(composite_rand((4,)), params={"global_batch_size": 8}),
                            Sample(composite_rand((3,)), composite_rand((3,)), grad=False)],
           reference=_average_loss_reference)
def compute_average_loss(per_example_loss: Any, sample_weight: Any = None,
                         global_batch_size: Any = None) -> Tensor:
    """sum(per_example_loss * sample_weight) / global_batch_size (0 when it is 0).

    ``global_batch_size`` defaults to the size of axis 0 (one replica: there is
    no distribution strategy).  As TF, ``sample_weight`` is applied in float32
    (a float64 loss loses precision, a complex one its imaginary part) and
    squeezed or expanded on its last axis when its rank is one off; integer
    losses average to float64.

    >>> import tapeflow as tf
    >>> float(tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=4))
    1.5
    """
    loss = _as_tensor(per_example_loss)
    input_dtype = loss.dtype
    if loss._value.ndim == 0:
        raise ValueError(f"Invalid value passed for `per_example_loss`. Expected a tensor with at "
                         f"least rank 1. Received per_example_loss={loss.numpy()} with rank 0")
    if sample_weight is not None:
        weight = cast(_as_tensor(sample_weight), "float32")
        loss = cast(loss, "float32")
        rank_gap = weight._value.ndim - loss._value.ndim
        if weight._value.ndim and rank_gap == 1:
            weight = shape_ops.squeeze(weight, [-1])
        elif weight._value.ndim and rank_gap == -1:
            weight = shape_ops.expand_dims(weight, -1)
        loss = cast(loss * weight, input_dtype)
    if global_batch_size is None:
        global_batch_size = convert_to_tensor(loss._value.shape[0], dtype="int32")
    size = _check_batch_size(_as_tensor(global_batch_size))
    return special.divide_no_nan(reduction.reduce_sum(loss), cast(size, input_dtype))


def _check_batch_size(size: Tensor) -> Tensor:
    """TF's assert_scalar, assert_integer and assert_non_negative, in that order."""
    if size._value.ndim:
        raise ValueError(f"global_batch_size must be scalar..  Expected scalar shape, saw "
                         f"shape: {size.shape}.")
    if size._value.dtype.kind not in "iu":
        raise TypeError(f'global_batch_size must be an integer..  Expected "x" to be integer '
                        f"type.  Found: tensor of dtype <dtype: '{size.dtype.name}'>")
    if size._value < 0:
        raise InvalidArgumentError(
            None, None, f"global_batch_size must be non-negative..  \nCondition x >= 0 did not "
            f"hold element-wise:\nx (shape=() dtype={size.dtype.name}) = \n{size.numpy()}")
    return size
