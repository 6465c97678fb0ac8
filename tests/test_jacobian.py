"""GradientTape.jacobian / batch_jacobian: TF's shapes and rules, vectorised.

Expected structures and errors were read off TF 2.21 running the same code.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapeflow as tf


def f64(x) -> tf.Tensor:
    return tf.constant(np.asarray(x, dtype=np.float64))


def test_jacobian_of_tanh_matvec_matches_closed_form() -> None:
    rng = np.random.default_rng(0)
    w, x0 = rng.normal(size=(5, 5)), rng.normal(size=5)
    W, x = f64(w), f64(x0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.tanh(tf.linalg.matvec(W, x))
    jac = g.jacobian(y, x)
    want = (1 - np.tanh(w @ x0) ** 2)[:, None] * w
    assert jac.shape == (5, 5)
    np.testing.assert_allclose(jac.numpy(), want, rtol=1e-12)


def test_nested_sources_keep_structure_and_shapes() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    w = tf.Variable([0.5, -1.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(x * w, axis=1)
    jac = g.jacobian(y, {"x": x, "w": [w]})
    assert set(jac) == {"x", "w"} and isinstance(jac["w"], list)
    np.testing.assert_array_equal(jac["x"].numpy(), [[[0.5, -1.0], [0.0, 0.0]],
                                                     [[0.0, 0.0], [0.5, -1.0]]])
    np.testing.assert_array_equal(jac["w"][0].numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_unconnected_none_or_zero() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        z = tf.constant([1.0, 2.0]) * 3.0
    assert g.jacobian(z, x) is None
    zeros = g.jacobian(z, x, unconnected_gradients="zero")
    assert zeros.shape == (2, 2, 2) and not zeros.numpy().any()


@pytest.mark.parametrize("pfor", [True, False])
def test_pfor_and_loop_agree_through_unbatchable_ops(pfor: bool) -> None:
    # cumulative work through reshape, reductions, slicing and broadcasting
    x = f64([[1.0, 2.0, 0.5], [3.0, -4.0, 1.5]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.reshape(tf.reduce_sum(x * x, axis=1), (2, 1)) * x[:, :2] + tf.reduce_max(x)
    jac = g.jacobian(y, x, experimental_use_pfor=pfor)
    eps = 1e-6
    want = np.zeros((2, 2, 2, 3))
    base = x.numpy()
    for i in range(2):
        for j in range(3):
            d = np.zeros_like(base)
            d[i, j] = eps

            def fn(v):
                return (v * v).sum(axis=1).reshape(2, 1) * v[:, :2] + v.max()
            want[:, :, i, j] = (fn(base + d) - fn(base - d)) / (2 * eps)
    np.testing.assert_allclose(jac.numpy(), want, rtol=1e-6, atol=1e-8)


def test_loop_needs_a_persistent_tape() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    with pytest.raises(RuntimeError, match="must be created with persistent=True"):
        g.jacobian(y, x, experimental_use_pfor=False)


def test_non_persistent_tape_gives_one_jacobian() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    np.testing.assert_array_equal(g.jacobian(y, x).numpy(), [[2.0, 0.0], [0.0, 4.0]])
    with pytest.raises(RuntimeError, match="can only be used to compute one set"):
        g.jacobian(y, x)


def test_batch_jacobian_per_example() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 4))
    x = f64(a)
    m = f64(rng.normal(size=(4, 2)))
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.sin(tf.matmul(x, m))  # (3, 2); row b depends on x[b] only
    bj = g.batch_jacobian(y, x)
    assert bj.shape == (3, 2, 4)
    want = np.cos(a @ m.numpy())[:, :, None] * m.numpy().T[None, :, :]
    np.testing.assert_allclose(bj.numpy(), want, rtol=1e-12)


def test_batch_jacobian_unconnected_is_zeros_and_rank_checked() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.reduce_sum(x, axis=1)
        z = tf.ones((2, 2)) * 3.0
    zeros = g.batch_jacobian(z, x)
    assert zeros.shape == (2, 2, 2) and not zeros.numpy().any()
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank at least 2"):
        g.batch_jacobian(y, x)


def test_hessian_by_nested_jacobian() -> None:
    x = f64([0.3, -0.7])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            f = tf.reduce_sum(tf.sin(x) * x[0])
        grad = inner.gradient(f, x)
    hess = outer.jacobian(grad, x)
    a, b = 0.3, -0.7
    # f = x0 (sin x0 + sin x1)
    want = [[2 * np.cos(a) - a * np.sin(a), np.cos(b)], [np.cos(b), -a * np.sin(b)]]
    np.testing.assert_allclose(hess.numpy(), want, rtol=1e-12)
