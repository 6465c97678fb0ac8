"""The softmax cross-entropy ops (tapeflow/ops/losses.py), whose forwards work
in place for speed on arrays they allocate themselves.

Checked here: both outputs of each op (loss, backprop = softmax - labels)
against closed forms in float64, the float32 path kept in float32, first and
second order gradients and the JVP against closed forms, and, for every path
through the op (forward, gradient, second order, JVP), that the caller's logits
and labels, NumPy arrays or Tensors, are left exactly as they were.
tests/test_nn_ops.py pins the values and errors against real TF.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops import losses

ROWS = 5


def logits_of(dtype: Any, extreme: bool = True) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((ROWS, 7)) * 3
    if extreme:  # huge offsets (no overflow), equal logits, and a class that cannot occur
        x[1] += 1e4
        x[2] = -7.5
        x[3, 4] = -np.inf
    return x.astype(dtype)


LABELS = np.array([3, 0, 6, 2, 5], np.int32)  # never the -inf class


def distributions() -> np.ndarray:
    p = np.random.default_rng(1).random((ROWS, 7)) + 0.1
    return p / p.sum(-1, keepdims=True)


def closed_form(x: np.ndarray, z: np.ndarray) -> tuple:
    """float64 loss sum(z * (logsumexp(x) - x)) and backprop softmax(x) - z."""
    x = x.astype(np.float64)
    top = x.max(-1, keepdims=True)
    lse = top + np.log(np.exp(x - top).sum(-1, keepdims=True))
    fin = np.where(z > 0, lse - x, 0.0)  # a class of probability 0 adds nothing
    return (z * fin).sum(-1), np.exp(x - lse) - z


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(7)[labels]


def tolerance(dtype: Any) -> dict:
    return {"rtol": 1e-12, "atol": 1e-12} if dtype == np.float64 else {"rtol": 3e-6,
                                                                       "atol": 3e-6}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_outputs_match_closed_form_in_their_dtype(dtype: Any) -> None:
    x = logits_of(dtype)
    loss, back = losses._SparseXent(tf.constant(x), tf.constant(LABELS))
    assert loss.dtype == back.dtype == tf.as_dtype(dtype)
    want_loss, want_back = closed_form(x, one_hot(LABELS))
    np.testing.assert_allclose(loss.numpy(), want_loss, **tolerance(dtype))
    np.testing.assert_allclose(back.numpy(), want_back, **tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_outputs_match_closed_form_in_their_dtype(dtype: Any) -> None:
    x, z = logits_of(dtype, extreme=False), distributions().astype(dtype)
    x[1] += 1e4
    loss, back = losses._SoftmaxXent(tf.constant(x), tf.constant(z))
    assert loss.dtype == back.dtype == tf.as_dtype(dtype)
    want_loss, want_back = closed_form(x, z)
    np.testing.assert_allclose(loss.numpy(), want_loss, **tolerance(dtype))
    np.testing.assert_allclose(back.numpy(), want_back, **tolerance(dtype))


@pytest.mark.parametrize("classes", [4096, 4097])
def test_long_rows_match_closed_form(classes: int) -> None:
    """Rows of up to 4096 classes sum with einsum, longer ones pairwise (np.sum)."""
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((3, classes)) * 3).astype(np.float32)
    labels = np.array([0, classes - 1, 17], np.int32)
    z = rng.random((3, classes)).astype(np.float32)
    z /= z.sum(-1, keepdims=True)
    for op, target in ((losses._SparseXent, labels), (losses._SoftmaxXent, z)):
        loss, back = op(tf.constant(x), tf.constant(target))
        dist = np.eye(classes)[labels] if target is labels else z
        want_loss, want_back = closed_form(x, dist)
        np.testing.assert_allclose(loss.numpy(), want_loss, rtol=2e-6)
        np.testing.assert_allclose(back.numpy(), want_back, rtol=2e-5, atol=1e-9)


def test_mean_sparse_xent_at_the_benchmark_size() -> None:
    """(1024, 1000) float32 logits, as benchmarks/suite.py times them."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 1000)).astype(np.float32)
    labels = rng.integers(0, 1000, 1024).astype(np.int32)
    z = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z))
    grad = tape.gradient(loss, z)
    assert grad.dtype == tf.float32
    want_loss, want_back = closed_form(x, np.eye(1000)[labels])
    np.testing.assert_allclose(float(loss), want_loss.mean(), rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), want_back / 1024, rtol=1e-5, atol=1e-9)


def sparse(x: Any, labels: Any = LABELS) -> tf.Tensor:
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x)


def dense(x: Any, labels: Any = None) -> tf.Tensor:
    z = distributions() if labels is None else labels
    return tf.nn.softmax_cross_entropy_with_logits(z, x)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize(("loss", "labels"), [(sparse, one_hot(LABELS)),
                                              (dense, distributions())],
                         ids=["sparse", "dense"])
def test_gradient_hessian_and_jvp_match_closed_forms(loss: Callable,
                                                     labels: np.ndarray) -> None:
    """d mean(loss) = (p - z) / n; its derivative along v is (p v - p (p . v)) / n."""
    x = logits_of(np.float64, extreme=False)
    v = np.random.default_rng(2).standard_normal(x.shape)
    p = softmax(x)
    xt = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(xt)
        with tf.GradientTape() as inner:
            inner.watch(xt)
            total = tf.reduce_mean(loss(xt))
        grad = inner.gradient(total, xt)
        along_v = tf.reduce_sum(grad * v)
    hvp = outer.gradient(along_v, xt)
    np.testing.assert_allclose(grad.numpy(), (p - labels) / ROWS, rtol=1e-12, atol=1e-15)
    want_hvp = (p * v - p * (p * v).sum(-1, keepdims=True)) / ROWS
    np.testing.assert_allclose(hvp.numpy(), want_hvp, rtol=1e-10, atol=1e-14)
    with tf.autodiff.ForwardAccumulator(xt, tf.constant(v)) as acc:
        y = loss(xt)
    np.testing.assert_allclose(acc.jvp(y).numpy(), ((p - labels) * v).sum(-1), rtol=1e-12,
                               atol=1e-14)


def every_path(loss: Callable, x: tf.Tensor, z: tf.Tensor) -> None:
    """Forward, gradient, second order and JVP of sum(loss(x, z))."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            total = tf.reduce_sum(loss(x, z))
        grad = inner.gradient(total, x)
        again = tf.reduce_sum(grad * grad)
    assert outer.gradient(again, x) is not None
    with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as acc:
        assert acc.jvp(loss(x, z)) is not None


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("loss", [sparse, dense], ids=["sparse", "dense"])
def test_inputs_are_left_unchanged(dtype: Any, loss: Callable) -> None:
    """The forwards compute in place, but only on arrays they made: never the caller's."""
    x = logits_of(dtype, extreme=False)
    z = LABELS.copy() if loss is sparse else distributions().astype(dtype)
    x_before, z_before = x.copy(), z.copy()
    loss(x, z)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(z, z_before)
    xt, zt = tf.constant(x), tf.constant(z)
    every_path(loss, xt, zt)
    np.testing.assert_array_equal(xt.numpy(), x_before)
    np.testing.assert_array_equal(zt.numpy(), z_before)


def test_log_softmax_leaves_its_input_unchanged() -> None:
    x = logits_of(np.float32, extreme=False)
    xt = tf.constant(x)
    out = tf.nn.log_softmax(xt)
    np.testing.assert_array_equal(xt.numpy(), x)
    np.testing.assert_allclose(out.numpy(), np.log(softmax(x.astype(np.float64))), rtol=1e-6)


@pytest.mark.parametrize("sparse", [True, False])
def test_transposed_logits_of_rank_three(sparse: bool) -> None:
    # Logits that arrive Fortran-ordered (a transpose's view): the forwards make
    # their own C-ordered arrays, so the in-place label update lands in the output.
    rng = np.random.default_rng(5)
    x = np.transpose(rng.normal(size=(6, 4, 3)))  # (3, 4, 6), not C-contiguous
    labels = rng.integers(0, 6, (3, 4))
    onehot = np.eye(6)[labels]
    p = np.exp(x - x.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    xt = tf.transpose(tf.constant(np.ascontiguousarray(np.transpose(x))), (2, 1, 0))
    assert not xt._value.flags.c_contiguous
    with tf.GradientTape() as tape:
        tape.watch(xt)
        if sparse:
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=xt)
        else:
            loss = tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=xt)
    np.testing.assert_allclose(loss.numpy(), -np.log((p * onehot).sum(-1)), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(loss, xt).numpy(), p - onehot, atol=1e-12)


# Shapes either side of _row_max's switch to a classes-first reduction (short rows,
# at least 2 rows per class), batched and not, C-ordered and transposed.
ROW_MAX_SHAPES = [(5, 7), (16, 10), (64, 10), (4, 16, 10), (70, 33), (3, 4097)]


@pytest.mark.parametrize("shape", ROW_MAX_SHAPES)
@pytest.mark.parametrize("transposed", [False, True])
def test_row_max_matches_max_of_the_last_axis(shape: tuple, transposed: bool) -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape[::-1] if transposed else shape).astype(np.float32)
    x.reshape(-1)[::5] = -np.inf
    x = np.transpose(x) if transposed else x
    got = losses._row_max(x)
    assert got.shape == x.shape[:-1]
    np.testing.assert_array_equal(got, x.max(axis=-1))


@pytest.mark.parametrize("shape", ROW_MAX_SHAPES)
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
def test_sparse_picks_the_first_and_last_class(shape: tuple, label_dtype: Any) -> None:
    """Labels 0 and n-1 land on their own (row, class) entries, whatever the batch shape."""
    rng = np.random.default_rng(7)
    n = shape[-1]
    x = rng.standard_normal(shape) * 3
    labels = np.where(rng.random(shape[:-1]) < 0.5, 0, n - 1).astype(label_dtype)
    loss, back = losses._SparseXent(tf.constant(x), tf.constant(labels))
    want_loss, want_back = closed_form(x, np.eye(n)[labels])
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-12)
    np.testing.assert_allclose(back.numpy(), want_back, rtol=1e-12, atol=1e-15)
    z = np.eye(n)[labels]
    loss, back = losses._SoftmaxXent(tf.constant(x), tf.constant(z))
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-12)
    np.testing.assert_allclose(back.numpy(), want_back, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("labels", "dtype", "shown"), [
    ([0, 9, -1, 3], np.int32, -1),  # viewed unsigned: 2**32 - 1
    ([-2**31, 0, 1, 2], np.int32, -2**31),  # viewed unsigned: 2**31
    ([0, 1, 2, -1], np.int64, -1),
    ([0, 2**32, 1, 2], np.int64, 2**32),  # 0 in its low 32 bits
    ([0, 10, 11, -1], np.int64, 10)])  # the first bad label is the one named
def test_sparse_rejects_each_bad_label_with_tfs_message(labels: list, dtype: Any,
                                                        shown: int) -> None:
    x = np.zeros((4, 10), np.float32)
    message = (f"Received a label value of {shown} which is outside the valid range of "
               f"[0, 10).  Label values: {' '.join(map(str, labels))} "
               f"[Op:SparseSoftmaxCrossEntropyWithLogits]")
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array(labels, dtype), x)
    assert str(info.value) == message


def test_sparse_of_no_rows() -> None:
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(np.zeros(0, np.int64),
                                                          np.zeros((0, 10), np.float32))
    assert loss.shape == (0,) and loss.dtype == tf.float32
