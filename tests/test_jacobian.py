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


@pytest.mark.parametrize("side", ["matvec", "vecmat"])
def test_diagonal_cotangent_stacks_take_the_scaling_path_with_gemm_values(side, monkeypatch):
    # A Jacobian's identity seeds stay diagonal through elementwise rules; the
    # matmul rule then scales the matrix instead of a GEMM (linalg._scaled).
    # Its values must be the GEMM's, and a non-finite matrix (0 * inf in the
    # GEMM) or a non-diagonal stack must take the GEMM.
    from tapeflow.ops import linalg
    taken = []
    scaled = linalg._scaled
    monkeypatch.setattr(linalg, "_scaled", lambda *a, **k: taken.append(
        scaled(*a, **k) is not None) or scaled(*a, **k))
    rng = np.random.default_rng(4)
    w, x = rng.normal(size=(32, 32)), rng.normal(size=32)

    def jac(w, x, fn=tf.tanh):
        w, x = f64(w), f64(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            if side == "matvec":
                y = fn(tf.linalg.matvec(w, x))
            else:
                y = fn(tf.squeeze(tf.matmul(x[None, :], w), 0))
        return tape.jacobian(y, x).numpy()

    wt = w if side == "matvec" else w.T
    want = (1 - np.tanh(wt @ x) ** 2)[:, None] * wt
    np.testing.assert_allclose(jac(w, x), want, rtol=1e-12, atol=1e-15)
    assert taken[-1]  # the diagonal stack was scaled, not multiplied
    w_bad = w.copy()
    w_bad[3, 5] = np.inf
    with np.errstate(invalid="ignore", over="ignore"):  # the GEMM's 0 * inf
        got = jac(w_bad, x)
    assert not taken[-1]  # the GEMM: its NaNs are the reference semantics
    with np.errstate(invalid="ignore", over="ignore"):
        wt_bad = w_bad if side == "matvec" else w_bad.T
        y = np.tanh(wt_bad @ x)
        stack = np.diag(1 - y ** 2)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(stack @ wt_bad))
    # a stack that is not diagonal (softmax mixes the rows): the GEMM, same values
    p = jac(w, x, fn=tf.nn.softmax)
    assert not taken[-1]
    s = np.exp(wt @ x - (wt @ x).max())
    s /= s.sum()
    np.testing.assert_allclose(p, (np.diag(s) - np.outer(s, s)) @ wt, rtol=1e-10, atol=1e-13)


def test_reads_and_identities_pass_batched_cotangents_through() -> None:
    # The walk hands a read's or an identity's cotangent on without a rule call, the
    # whole stack of Jacobian rows at once (Identity is not batchable: its rule ran row
    # by row before); both ways must give the closed form d(v * id(x^2))/d(x, v).
    x0, v0 = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    x, v = f64(x0), tf.Variable(v0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.identity(x * x) * v
    for pfor in (True, False):
        np.testing.assert_allclose(g.jacobian(y, x, experimental_use_pfor=pfor).numpy(),
                                   np.diag(2 * x0 * v0), rtol=1e-15)
        np.testing.assert_allclose(g.jacobian(y, v, experimental_use_pfor=pfor).numpy(),
                                   np.diag(x0 ** 2), rtol=1e-15)
