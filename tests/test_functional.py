"""tapeflow extensions: functional autodiff helpers and tf.test gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.autodiff import hessian, hvp, jvp, value_and_gradient, vjp


def f64(x) -> tf.Tensor:
    return tf.constant(np.asarray(x, dtype=np.float64))


def loss(x: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.tanh(x) ** 2 * x)


def analytic_hessian(x: np.ndarray) -> np.ndarray:
    # d/dx [t^2 x] = 2 t s x + t^2 with t = tanh x, s = 1 - t^2 (diagonal)
    t = np.tanh(x)
    s = 1 - t * t
    second = 2 * s * s * x - 4 * t * t * s * x + 4 * t * s
    return np.diag(second)


def test_value_and_gradient() -> None:
    x = f64([0.3, -1.2])
    value, (grad,) = value_and_gradient(loss, x)
    t = np.tanh(x.numpy())
    np.testing.assert_allclose(value.numpy(), np.sum(t * t * x.numpy()))
    np.testing.assert_allclose(grad.numpy(), 2 * t * (1 - t * t) * x.numpy() + t * t)


def test_vjp_function_is_reusable() -> None:
    y, back = vjp(lambda a, b: a * b, f64([1.0, 2.0]), f64([3.0, 4.0]))
    np.testing.assert_array_equal(y.numpy(), [3.0, 8.0])
    ga, gb = back(f64([1.0, 0.0]))
    np.testing.assert_array_equal(ga.numpy(), [3.0, 0.0])
    np.testing.assert_array_equal(gb.numpy(), [1.0, 0.0])
    ga2, _ = back(f64([0.0, 1.0]))
    np.testing.assert_array_equal(ga2.numpy(), [0.0, 4.0])


def test_jvp_matches_closed_form() -> None:
    y, dy = jvp(lambda x: tf.exp(2.0 * x), [f64([0.5])], [f64([3.0])])
    np.testing.assert_allclose(dy.numpy(), 3.0 * 2 * np.exp(1.0))


def test_hvp_and_hessian_match_analytic() -> None:
    x0 = np.linspace(-1.5, 1.5, 7)
    x = f64(x0)
    h = analytic_hessian(x0)
    np.testing.assert_allclose(hessian(loss, x).numpy(), h, rtol=1e-10, atol=1e-12)
    v = np.arange(7.0)
    np.testing.assert_allclose(hvp(loss, x, f64(v)).numpy(), h @ v, rtol=1e-10, atol=1e-12)


def test_hvp_honours_a_custom_gradient() -> None:
    # d/dx of the gradient the tape computes: the custom gradient 2x gives 2, where
    # the primal x^3 would give 6x (reverse-over-forward, which TF also gives).
    @tf.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 2.0 * x

    x, v = f64([1.0, 2.0]), f64([1.0, 1.0])
    np.testing.assert_array_equal(hvp(lambda x: tf.reduce_sum(cube(x)), x, v).numpy(),
                                  [2.0, 2.0])


def test_hvp_agrees_with_forward_over_reverse_and_none_without_dependence() -> None:
    # hvp must equal the accumulator around the gradient, written out.
    rng = np.random.default_rng(3)
    w, x, v = (f64(rng.normal(size=s)) for s in [(4, 3), (3,), (3,)])

    def f(x):
        return tf.reduce_sum(tf.tanh(tf.linalg.matvec(w, x)) ** 2) + tf.reduce_prod(tf.sin(x))

    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x)
    np.testing.assert_allclose(hvp(f, x, v).numpy(), acc.jvp(g).numpy(), rtol=1e-12)
    assert hvp(lambda x: tf.reduce_sum(w), x, v) is None
    var = tf.Variable(x)
    np.testing.assert_allclose(hvp(f, var, v).numpy(), acc.jvp(g).numpy(), rtol=1e-12)


def test_compute_gradient_shapes_like_tf() -> None:
    theoretical, numerical = tf.test.compute_gradient(
        lambda x, y: tf.matmul(x, y), [np.ones((2, 3)), np.arange(6.0).reshape(3, 2)])
    assert [t.shape for t in theoretical] == [(4, 6), (4, 6)]
    assert [n.shape for n in numerical] == [(4, 6), (4, 6)]
    assert tf.test.max_error(theoretical, numerical) < 1e-6
    with pytest.raises(ValueError, match="must be a list or tuple"):
        tf.test.compute_gradient(lambda x: x, np.ones(2))


def test_check_gradients_passes_good_rules_to_third_order() -> None:
    tf.test.check_gradients(lambda x: tf.tanh(x) * x, [f64([0.5, 1.5])], order=3)
    tf.test.check_gradients(lambda a, b: tf.nn.softmax(tf.matmul(a, b)),
                            [f64(np.random.default_rng(0).normal(size=(2, 3))),
                             f64(np.random.default_rng(1).normal(size=(3, 4)))], order=2)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_check_gradients_names_a_wrong_rule(mode: str, monkeypatch) -> None:
    op = tf.sin.op
    if mode == "rev":
        good = op.vjp_rules[0]
        monkeypatch.setattr(op, "vjp_rules", (lambda g, res, p: good(g, res, p) * 1.01,))
    else:
        good = op.jvp
        monkeypatch.setattr(op, "jvp", lambda *a: good(*a) * 1.01)
    with pytest.raises(AssertionError, match=f"{mode} order 1 derivative disagrees"):
        tf.test.check_gradients(tf.sin, [f64([0.4, 0.9])], order=1, modes=(mode,))
