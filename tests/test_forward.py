"""Forward mode: ``tf.autodiff.ForwardAccumulator``.

Every expected value and error below was first checked by running the same
snippet in TensorFlow 2.21; numbers that are not hard-coded come from closed
forms or central differences in float64.  Where tapeflow deliberately differs
from TF, the test says so.
"""

from __future__ import annotations

import doctest
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.opdef import REGISTRY, OpDef, Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import load_all

load_all()  # every family declared: the registry cases below walk them all

STEP = 1e-6  # central differences in float64: error ~ STEP^2 + 1e-16 / STEP


def f64(data: Any) -> Tensor:
    return tf.constant(data, dtype=tf.float64)


def central_difference(f: Callable[[np.ndarray], Any], x: np.ndarray, v: np.ndarray,
                       step: float = STEP) -> np.ndarray:
    """d/dt f(x + t v) at t = 0, f taking and returning NumPy-convertible values."""
    plus = np.asarray(f(x + step * v), dtype=np.float64)
    minus = np.asarray(f(x - step * v), dtype=np.float64)
    return (plus - minus) / (2 * step)


def jvp_of(f: Callable[[Tensor], Tensor], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    primal = f64(x)
    with tf.autodiff.ForwardAccumulator(primal, f64(v)) as acc:
        y = f(primal)
    return acc.jvp(y).numpy()


def as_numpy_fn(f: Callable[[Tensor], Tensor]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda a: f(f64(a)).numpy()


# -- JVPs of single ops: closed forms and central differences -------------------------------------
X = np.array([[0.3, -0.7, 1.2], [0.5, 0.9, -1.1]])
V = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 0.7]])
POSITIVE = np.abs(X) + 0.5
M = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.2]])

# (name, function, primal, closed form of the JVP along V)
CLOSED_FORMS = [
    ("sin", tf.sin, X, lambda x, v: np.cos(x) * v),
    ("cos", tf.cos, X, lambda x, v: -np.sin(x) * v),
    ("exp", tf.exp, X, lambda x, v: np.exp(x) * v),
    ("log", tf.math.log, POSITIVE, lambda x, v: v / x),
    ("sqrt", tf.sqrt, POSITIVE, lambda x, v: v / (2 * np.sqrt(x))),
    ("tanh", tf.tanh, X, lambda x, v: (1 - np.tanh(x) ** 2) * v),
    ("sigmoid", tf.sigmoid, X,
     lambda x, v: v * np.exp(-x) / (1 + np.exp(-x)) ** 2),
    ("square", tf.square, X, lambda x, v: 2 * x * v),
    ("x*x", lambda x: x * x, X, lambda x, v: 2 * x * v),
    ("1/x", lambda x: 1.0 / x, POSITIVE, lambda x, v: -v / x ** 2),
    ("x**3", lambda x: x ** 3, X, lambda x, v: 3 * x ** 2 * v),
    ("x**x", lambda x: tf.pow(x, x), POSITIVE,
     lambda x, v: x ** x * (np.log(x) + 1) * v),
    ("1-x*x", lambda x: 1 - x * x, X, lambda x, v: -2 * x * v),
    ("reduce_sum", tf.reduce_sum, X, lambda x, v: np.sum(v)),
    ("reduce_mean axis 1", lambda x: tf.reduce_mean(x, axis=1), X,
     lambda x, v: np.mean(v, axis=1)),
    ("transpose", tf.transpose, X, lambda x, v: v.T),
    ("reshape", lambda x: tf.reshape(x, [3, 2]), X, lambda x, v: v.reshape(3, 2)),
    ("matmul", lambda x: tf.matmul(x, f64(M)), X, lambda x, v: v @ M),
    ("x^T x", lambda x: tf.matmul(x, x, transpose_a=True), X,
     lambda x, v: v.T @ x + x.T @ v),
    ("concat", lambda x: tf.concat([x, 2.0 * x], axis=0), X,
     lambda x, v: np.concatenate([v, 2 * v], axis=0)),
    ("gather", lambda x: tf.gather(x, [2, 0, 2], axis=1), X, lambda x, v: v[:, [2, 0, 2]]),
    ("softmax", tf.nn.softmax, X,
     lambda x, v: (lambda s: s * (v - np.sum(s * v, axis=-1, keepdims=True)))(
         np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True))),
    ("softplus", tf.nn.softplus, X, lambda x, v: v / (1 + np.exp(-x))),
    ("relu", tf.nn.relu, X, lambda x, v: (x > 0) * v),
    ("maximum", lambda x: tf.maximum(x, 0.2), X, lambda x, v: (x >= 0.2) * v),
    ("broadcast add", lambda x: x + f64(M[:, :1].T[:, :2].reshape(2, 1)), X,
     lambda x, v: v),
]


@pytest.mark.parametrize(("name", "f", "x", "closed_form"), CLOSED_FORMS,
                         ids=[c[0] for c in CLOSED_FORMS])
def test_jvp_matches_closed_form_and_central_differences(
        name: str, f: Callable, x: np.ndarray, closed_form: Callable) -> None:
    got = jvp_of(f, x, V)
    np.testing.assert_allclose(got, closed_form(x, V), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, central_difference(as_numpy_fn(f), x, V),
                               rtol=1e-6, atol=1e-8)


def test_jvp_of_a_composite_function_matches_central_differences() -> None:
    def f(x: Tensor) -> Tensor:
        h = tf.tanh(tf.matmul(x, f64(M)) + 0.5)
        return tf.reduce_sum(h * h * tf.sin(h), axis=1) / (1.0 + tf.exp(-x[:, 0]))

    got = jvp_of(f, X, V)
    np.testing.assert_allclose(got, central_difference(as_numpy_fn(f), X, V),
                               rtol=1e-7, atol=1e-9)


def test_float32_jvp_keeps_the_primal_dtype() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
        y = x * x
    assert acc.jvp(y).dtype == tf.float32
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [2.0, 0.0])


def test_tangents_given_as_python_or_numpy_values_are_converted_to_the_primal_dtype() -> None:
    s = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(s, 1) as acc:
        y = s * s
    assert acc.jvp(y).dtype == tf.float32 and float(acc.jvp(y)) == 4.0
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, np.array([1.0, 0.5])) as acc:  # float64 array
        y = x * 2.0
    assert acc.jvp(y).dtype == tf.float32
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [2.0, 1.0])


# -- structures, Variables, what has a tangent ----------------------------------------------------
def test_nested_primals_and_tangents() -> None:
    a, b, c = f64([1.0, 2.0]), f64(3.0), f64([[0.5]])
    primals = {"pair": (a, [b]), "c": c}
    tangents = {"pair": (f64([1.0, -1.0]), [f64(2.0)]), "c": f64([[4.0]])}
    with tf.autodiff.ForwardAccumulator(primals, tangents) as acc:
        y = tf.reduce_sum(a * b) + tf.reduce_sum(c)
        z = a * c[0, 0]
    got = acc.jvp({"y": y, "more": [z, (a, c)]})
    assert sorted(got) == ["more", "y"] and isinstance(got["more"][1], tuple)
    # dy = sum(da) b + sum(a) db + dc = 0 * 3 + 3 * 2 + 4
    assert float(got["y"]) == 10.0
    np.testing.assert_array_equal(got["more"][0].numpy(), [1.0 * 0.5 + 1.0 * 4.0,
                                                            -1.0 * 0.5 + 2.0 * 4.0])
    np.testing.assert_array_equal(got["more"][1][0].numpy(), [1.0, -1.0])
    np.testing.assert_array_equal(got["more"][1][1].numpy(), [[4.0]])


def test_variable_primal() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.5])) as acc:
        y = v * v
        read = v.read_value()
        total = tf.reduce_sum(v)
    np.testing.assert_array_equal(acc.jvp(v).numpy(), [1.0, 0.5])
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(acc.jvp(read).numpy(), [1.0, 0.5])
    assert float(acc.jvp(total)) == 1.5


def test_variable_primal_after_assignments_keeps_its_tangent() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.5])) as acc:
        v.assign([3.0, 4.0])
        y = v * v
        v.assign_add([1.0, 1.0])
        z = v * 1.0
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [6.0, 4.0])
    np.testing.assert_array_equal(acc.jvp(z).numpy(), [1.0, 0.5])


def test_non_trainable_variable_can_be_a_primal() -> None:
    v = tf.Variable([1.0, 2.0], trainable=False)
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.5])) as acc:
        y = v * v
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [2.0, 2.0])


def test_variable_not_watched_has_no_tangent() -> None:
    v, w = tf.Variable([1.0, 2.0]), tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.5])):
        pass
    acc = tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.5]))
    assert acc.jvp(w) is None
    np.testing.assert_array_equal(acc.jvp(w, unconnected_gradients="zero").numpy(), [0.0, 0.0])


def test_unconnected_values_none_or_zero() -> None:
    x, c = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
        u = c * 2.0
        v = x + c
    assert acc.jvp(u) is None
    zero = acc.jvp(u, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.dtype == tf.float32 and zero.shape == () and float(zero) == 0.0
    assert float(acc.jvp(c, unconnected_gradients="zero")) == 0.0
    np.testing.assert_array_equal(acc.jvp(v).numpy(), [1.0, 0.0])
    assert acc.jvp([u, v], unconnected_gradients="none")[0] is None


def test_unknown_unconnected_gradients_value_is_tfs_value_error() -> None:
    x = tf.constant(1.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    with pytest.raises(ValueError, match="'bogus' is not a valid UnconnectedGradients"):
        acc.jvp(x, unconnected_gradients="bogus")


def test_jvp_of_the_primal_itself_is_its_tangent_even_before_entering() -> None:
    x = tf.constant([1.0, 2.0])
    tangent = tf.constant([1.0, 0.5])
    acc = tf.autodiff.ForwardAccumulator(x, tangent)
    assert acc.jvp(x) is tangent  # TF hands back the tangent itself
    with acc:
        same = tf.convert_to_tensor(x)
        copy = tf.identity(x)
    assert same is x
    np.testing.assert_array_equal(acc.jvp(copy).numpy(), [1.0, 0.5])


def test_values_computed_before_entering_have_no_tangent() -> None:
    x = tf.constant([1.0, 2.0])
    y0 = x * x
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.5])) as acc:
        y = y0 * 2.0
        z = x + y0
    assert acc.jvp(y0) is None and acc.jvp(y) is None
    np.testing.assert_array_equal(acc.jvp(z).numpy(), [1.0, 0.5])


def test_values_computed_after_exit_have_no_tangent() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
        y = x * x
    z = x * x
    assert acc.jvp(z) is None
    np.testing.assert_array_equal(acc.jvp(z, "zero").numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [2.0, 0.0])  # still readable


def test_integer_and_bool_results_have_no_tangent() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.5])) as acc:
        i = tf.cast(x, tf.int32)
        b = x > 1.0
        back = tf.cast(i, tf.float32)
    assert acc.jvp(i) is None and acc.jvp(b) is None and acc.jvp(back) is None
    zero = acc.jvp(i, "zero")
    assert zero.dtype == tf.int32
    np.testing.assert_array_equal(zero.numpy(), [0, 0])


def test_integer_primal_warns_and_its_results_get_no_tangent() -> None:
    xi = tf.constant([1, 2])
    with pytest.warns(UserWarning, match="The dtype of the watched primal must be floating"):
        acc = tf.autodiff.ForwardAccumulator(xi, tf.constant([1, 0]))
    with acc:
        y = xi * 3
        yf = tf.cast(xi, tf.float32) * 2.0
    np.testing.assert_array_equal(acc.jvp(xi).numpy(), [1, 0])
    assert acc.jvp(xi).dtype == tf.int32
    assert acc.jvp(y) is None and acc.jvp(yf) is None


def test_stop_gradient_blocks_tangents() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0])) as acc:
        y = tf.stop_gradient(x)
        z = y * x
    assert acc.jvp(y) is None
    np.testing.assert_array_equal(acc.jvp(z).numpy(), [1.0, 2.0])


# -- errors ---------------------------------------------------------------------------------------
def test_tangent_dtype_mismatch_is_tfs_value_error() -> None:
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float32 for "
                                         "Tensor with dtype float64"):
        tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 2.0], tf.float64))
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        tf.autodiff.ForwardAccumulator(x, tf.constant([1, 2]))


@pytest.mark.parametrize("tangent", [[1.0, 2.0, 3.0], 1.0, [[1.0, 2.0]]],
                         ids=["longer", "scalar", "extra axis"])
def test_tangent_shape_mismatch_is_a_value_error(tangent: Any) -> None:
    """TF raises ValueError too, but only later, inside the first JVP that meets the
    tangent ("Dimension 0 in both shapes must be equal ..."), and for an extra
    leading axis it silently broadcasts; tapeflow refuses at construction."""
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="Mismatched shape for primal and tangent"):
        with tf.autodiff.ForwardAccumulator(x, tf.constant(tangent)):
            x * 2.0


@pytest.mark.parametrize(("primals", "tangents", "error"), [
    (lambda x: [x, x * 2.0], lambda x: [x], ValueError),
    (lambda x: x, lambda x: [1.0, 0.0], ValueError),
    (lambda x: [x], lambda x: (x,), TypeError),
    (lambda x: {"a": x}, lambda x: {"b": x}, ValueError),
    (lambda x: [x, [x * 2.0]], lambda x: [x, x], ValueError),
    (lambda x: {"a": x}, lambda x: [x], TypeError),
], ids=["length", "sequence tangent", "list vs tuple", "dict keys", "depth", "dict vs list"])
def test_structure_mismatch_is_tfs_error(primals: Callable, tangents: Callable,
                                         error: type) -> None:
    x = tf.constant([1.0, 2.0])
    with pytest.raises(error, match="The two structures don't have the same nested structure"):
        tf.autodiff.ForwardAccumulator(primals(x), tangents(x))


def test_same_primal_twice_is_a_value_error() -> None:
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="was specified as a primal multiple times"):
        tf.autodiff.ForwardAccumulator([x, x], [x, x])


def test_none_tangent_cannot_be_converted() -> None:
    with pytest.raises(ValueError, match="Attempt to convert a value \\(None\\)"):
        tf.autodiff.ForwardAccumulator(tf.constant(1.0), None)


def test_primals_that_are_not_tensors_are_refused() -> None:
    """TF fails with an AttributeError ('float' object has no attribute 'dtype');
    tapeflow raises a ValueError that says what was wrong."""
    with pytest.raises(ValueError, match="primals must be Tensors or Variables"):
        tf.autodiff.ForwardAccumulator(1.0, 1.0)
    with pytest.raises(ValueError, match="primals must be Tensors or Variables"):
        tf.autodiff.ForwardAccumulator(np.array([1.0]), np.array([1.0]))


# -- the context ----------------------------------------------------------------------------------
def test_reentering_continues_accumulating() -> None:
    x = tf.constant([1.0, 2.0])
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0]))
    with acc:
        y = x * x
    outside = y * 10.0
    with acc:
        w = y * 3.0
    np.testing.assert_array_equal(acc.jvp(w).numpy(), [6.0, 0.0])
    assert acc.jvp(outside) is None


def test_entering_an_active_accumulator_is_a_value_error() -> None:
    x = tf.constant(1.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    with acc:
        with pytest.raises(ValueError, match="Accumulator is already recording."):
            acc.__enter__()
        y = x * x
    assert float(acc.jvp(y)) == 2.0
    acc.__exit__(None, None, None)  # exiting a stopped accumulator: nothing happens


def test_an_exception_inside_leaves_the_accumulator_stopped() -> None:
    x = tf.constant(2.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    with pytest.raises(RuntimeError, match="boom"):
        with acc:
            raise RuntimeError("boom")
    y = x * x
    with acc:
        z = x * x
    assert acc.jvp(y) is None and float(acc.jvp(z)) == 4.0


def test_exiting_out_of_order() -> None:
    x = tf.constant(2.0)
    a = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    b = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    y = x * x
    b.__exit__(None, None, None)
    assert a.jvp(y) is None and float(b.jvp(y)) == 4.0


# -- nesting with tapes and accumulators ----------------------------------------------------------
XH = np.array([0.3, -0.7, 1.2, 0.05])
VH = np.array([1.0, 2.0, -1.0, 0.5])


def tanh_cubic(x: Tensor) -> Tensor:
    return tf.reduce_sum(tf.tanh(x) ** 2 * x)


def tanh_cubic_hessian_diagonal(x: np.ndarray) -> np.ndarray:
    """f = sum t^2 x with t = tanh x, s = 1 - t^2: f'' = 2 s^2 x - 4 t^2 s x + 4 t s."""
    t = np.tanh(x)
    s = 1 - t * t
    return 2 * s * s * x - 4 * t * t * s * x + 4 * t * s


def test_forward_over_reverse_hvp_matches_the_analytic_hessian() -> None:
    x = f64(XH)
    with tf.autodiff.ForwardAccumulator(x, f64(VH)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tanh_cubic(x)
        g = tape.gradient(y, x)
    hvp = acc.jvp(g).numpy()
    np.testing.assert_allclose(hvp, tanh_cubic_hessian_diagonal(XH) * VH, rtol=1e-12,
                               atol=1e-15)
    # TF 2.21, same snippet:
    np.testing.assert_allclose(hvp, [1.4756555882332456, -2.8987000520311352,
                                     -0.2228971447028315, 0.14916914030807446], rtol=1e-13)
    t = np.tanh(XH)
    np.testing.assert_allclose(g.numpy(), 2 * t * (1 - t * t) * XH + t * t, rtol=1e-12)
    np.testing.assert_allclose(float(acc.jvp(y)), np.dot(g.numpy(), VH), rtol=1e-12)


def test_reverse_over_forward_hvp_and_gradient_with_respect_to_the_tangent() -> None:
    x, v = f64(XH), f64(VH)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, v])
        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            y = tanh_cubic(x)
        jvp = acc.jvp(y)
    np.testing.assert_allclose(tape.gradient(jvp, x).numpy(),
                               tanh_cubic_hessian_diagonal(XH) * VH, rtol=1e-12, atol=1e-15)
    t = np.tanh(XH)  # d<grad f, v>/dv = grad f
    np.testing.assert_allclose(tape.gradient(jvp, v).numpy(), 2 * t * (1 - t * t) * XH + t * t,
                               rtol=1e-12)


def mlp_loss(params: list[Tensor], x: Tensor) -> Tensor:
    w1, b1, w2, b2 = params
    hidden = tf.tanh(tf.matmul(x, w1) + b1)
    out = tf.matmul(hidden, w2) + b2
    return tf.reduce_mean(tf.nn.softplus(out) - 0.3 * out) + 0.01 * tf.reduce_sum(w1 * w1)


def mlp_setup() -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(1)
    shapes = [(3, 5), (5,), (5, 2), (2,)]
    params = [rng.standard_normal(s) * 0.7 for s in shapes]
    tangents = [rng.standard_normal(s) for s in shapes]
    return params, tangents, rng.standard_normal((4, 3))


def mlp_gradient(params: list[Tensor], x: Tensor) -> list[Tensor]:
    with tf.GradientTape() as tape:
        tape.watch(params)
        loss = mlp_loss(params, x)
    return tape.gradient(loss, params)


def test_mlp_hvp_three_ways() -> None:
    """Forward-over-reverse, reverse-over-forward and central differences of the gradient."""
    params, tangents, data = mlp_setup()
    p, v, x = [f64(a) for a in params], [f64(a) for a in tangents], f64(data)
    with tf.autodiff.ForwardAccumulator(p, v) as acc:
        grads = mlp_gradient(p, x)
    fwd_over_rev = [t.numpy() for t in acc.jvp(grads)]

    with tf.GradientTape() as tape:
        tape.watch(p)
        with tf.autodiff.ForwardAccumulator(p, v) as inner:
            loss = mlp_loss(p, x)
        directional = inner.jvp(loss)
    rev_over_fwd = [t.numpy() for t in tape.gradient(directional, p)]

    def grads_at(shift: float) -> list[np.ndarray]:
        moved = [f64(a + shift * t) for a, t in zip(params, tangents)]
        return [g.numpy() for g in mlp_gradient(moved, x)]

    plus, minus = grads_at(STEP), grads_at(-STEP)
    numeric = [(a - b) / (2 * STEP) for a, b in zip(plus, minus)]
    for a, b, n in zip(fwd_over_rev, rev_over_fwd, numeric):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


def test_forward_over_forward_second_directional_derivative() -> None:
    x0 = 1.1
    x = f64(x0)
    with tf.autodiff.ForwardAccumulator(x, f64(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(x, f64(1.0)) as inner:
            y = tf.sin(x) * x
    first = inner.jvp(y)
    np.testing.assert_allclose(float(first), np.cos(x0) * x0 + np.sin(x0), rtol=1e-14)
    np.testing.assert_allclose(float(outer.jvp(first)), 2 * np.cos(x0) - x0 * np.sin(x0),
                               rtol=1e-13)
    np.testing.assert_allclose(float(outer.jvp(y)), float(first), rtol=1e-15)
    # Inner accumulators never see an outer one's JVP computation.
    assert inner.jvp(outer.jvp(y)) is None


def test_forward_over_forward_through_a_rule_that_reads_the_output() -> None:
    """tanh's JVP reads tanh(x): the outer accumulator must know its tangent first."""
    x0 = 0.7
    x = f64(x0)
    with tf.autodiff.ForwardAccumulator(x, f64(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(x, f64(1.0)) as inner:
            y = tf.tanh(x)
    t = np.tanh(x0)
    np.testing.assert_allclose(float(inner.jvp(y)), 1 - t * t, rtol=1e-15)
    np.testing.assert_allclose(float(outer.jvp(inner.jvp(y))), -2 * t * (1 - t * t),
                               rtol=1e-14)


def test_forward_over_forward_mixed_partial() -> None:
    x = f64([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, f64([1.0, 0.0])) as outer:
        with tf.autodiff.ForwardAccumulator(x, f64([0.0, 1.0])) as inner:
            y = tf.reduce_sum(x[0] ** 2 * x[1] ** 3)
    first = inner.jvp(y)  # d/dx1 = 3 x0^2 x1^2
    assert float(first) == 12.0
    assert float(outer.jvp(first)) == 24.0  # d2/dx0 dx1 = 6 x0 x1^2


def test_accumulator_around_two_tapes_gives_the_third_derivative() -> None:
    x = f64(2.0)
    with tf.autodiff.ForwardAccumulator(x, f64(1.0)) as acc:
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x ** 4
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    assert (float(g1), float(g2), float(acc.jvp(g2))) == (32.0, 48.0, 48.0)


def test_tape_inside_an_accumulator_ignores_its_jvp_ops() -> None:
    """TF: "More deeply nested GradientTape objects will ignore the products of
    outer ForwardAccumulator objects"."""
    x, v = f64(2.0), f64(1.0)
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, v])
            y = x ** 3
            jvp = acc.jvp(y)
    assert float(jvp) == 12.0
    assert tape.gradient(jvp, x) is None and tape.gradient(jvp, v) is None
    assert float(tape.gradient(y, x)) == 12.0


def test_tape_outside_an_accumulator_records_its_jvp_ops() -> None:
    x, v = f64(2.0), f64(1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, v])
        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            y = x ** 3
            jvp = acc.jvp(y)
    assert float(tape.gradient(jvp, x)) == 12.0  # 6 x v
    assert float(tape.gradient(jvp, v)) == 12.0  # 3 x^2


def test_tape_entered_before_and_exited_inside_the_accumulator_still_records() -> None:
    x = f64(2.0)
    tape = tf.GradientTape(persistent=True)
    acc = tf.autodiff.ForwardAccumulator(x, f64(1.0))
    tape.__enter__()
    tape.watch(x)
    acc.__enter__()
    y = x ** 3
    tape.__exit__(None, None, None)
    acc.__exit__(None, None, None)
    assert float(acc.jvp(y)) == 12.0
    assert float(tape.gradient(acc.jvp(y), x)) == 12.0


# -- TF's documented examples ---------------------------------------------------------------------
class _FloatChecker(doctest.OutputChecker):
    """TF's doctest rule: printed floats match to a relative 1e-6 (NumPy 2 prints
    float32 scalars with more digits than the docstrings, in TF too)."""

    NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        want, got = " ".join(want.split()), " ".join(got.split())
        if self.NUMBER.sub("#", want) != self.NUMBER.sub("#", got):
            return False
        pairs = zip(self.NUMBER.findall(want), self.NUMBER.findall(got))
        return all(np.isclose(float(a), float(b), rtol=1e-6, atol=0) for a, b in pairs)


def run_doctest(text: str, name: str, **globs: Any) -> None:
    test = doctest.DocTestParser().get_doctest(
        text, {"tf": tf, "np": np, **globs}, name, None, 0)
    runner = doctest.DocTestRunner(checker=_FloatChecker(), optionflags=(
        doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE))
    failures = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


# From tensorflow/python/eager/forwardprop.py, ForwardAccumulator's docstring, verbatim.
DOC_NESTED = """
>>> primal = tf.constant(1.1)
>>> with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.)) as outer:
...   with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.)) as inner:
...     primal_out = primal ** tf.constant(3.5)
>>> inner_jvp = inner.jvp(primal_out)
>>> inner_jvp  # 3.5 * 1.1 ** 2.5
<tf.Tensor: shape=(), dtype=float32, numpy=4.4417057>
>>> outer.jvp(inner_jvp)  # 3.5 * 2.5 * 1.1 ** 1.5
<tf.Tensor: shape=(), dtype=float32, numpy=10.094786>
"""

DOC_HVP = """
>>> v = tf.Variable([1., 2.])
>>> with tf.autodiff.ForwardAccumulator(
...     v,
...     # The "vector" in Hessian-vector product.
...     tf.constant([1., 0.])) as acc:
...   with tf.GradientTape() as tape:
...     y = tf.reduce_sum(v ** 3.)
...   backward = tape.gradient(y, v)
>>> backward  # gradient from backprop
<tf.Tensor: shape=(2,), dtype=float32, numpy=array([ 3., 12.], dtype=float32)>
>>> acc.jvp(backward)  # forward-over-backward Hessian-vector product
<tf.Tensor: shape=(2,), dtype=float32, numpy=array([6., 0.], dtype=float32)>
"""

# The two linear-regression examples, verbatim but for the Keras layer (tapeflow
# has no Keras): ``dense = tf.keras.layers.Dense(1)`` becomes ``Dense(1)`` below.
DOC_REGRESSION = """
>>> x = tf.constant([[2.0, 3.0], [1.0, 4.0]])
>>> targets = tf.constant([[1.], [-1.]])
>>> dense = Dense(1)
>>> dense.build([None, 2])
>>> with tf.autodiff.ForwardAccumulator(
...    primals=dense.kernel,
...    tangents=tf.constant([[1.], [0.]])) as acc:
...   loss = tf.reduce_sum((dense(x) - targets) ** 2.)
>>> acc.jvp(loss)
<tf.Tensor: shape=(), dtype=float32, numpy=...>

>>> x = tf.constant([[2.0, 3.0], [1.0, 4.0]])
>>> targets = tf.constant([[1.], [-1.]])
>>> dense = Dense(1)
>>> dense.build([None, 2])
>>> loss_fn = lambda: tf.reduce_sum((dense(x) - targets) ** 2.)
>>> kernel_fprop = []
>>> with tf.autodiff.ForwardAccumulator(
...     dense.kernel, tf.constant([[1.], [0.]])) as acc:
...   kernel_fprop.append(acc.jvp(loss_fn()))
>>> with tf.autodiff.ForwardAccumulator(
...     dense.kernel, tf.constant([[0.], [1.]])) as acc:
...   kernel_fprop.append(acc.jvp(loss_fn()))
>>> with tf.autodiff.ForwardAccumulator(dense.bias, tf.constant([1.])) as acc:
...   bias_fprop = acc.jvp(loss_fn())
>>> with tf.GradientTape() as tape:
...   loss = loss_fn()
>>> kernel_grad, bias_grad = tape.gradient(loss, (dense.kernel, dense.bias))
>>> np.testing.assert_allclose(
...     kernel_grad, tf.stack(kernel_fprop)[:, tf.newaxis])
>>> np.testing.assert_allclose(bias_grad, bias_fprop[tf.newaxis])
"""


class Dense:
    """Stands in for ``tf.keras.layers.Dense`` in the docstring examples."""

    def __init__(self, units: int) -> None:
        self.units = units

    def build(self, input_shape: list) -> None:
        rng = np.random.default_rng(0)
        self.kernel = tf.Variable(rng.uniform(-1, 1, (input_shape[-1], self.units)),
                                  dtype=tf.float32)
        self.bias = tf.Variable(np.full(self.units, 0.25), dtype=tf.float32)

    def __call__(self, x: Tensor) -> Tensor:
        return tf.matmul(x, self.kernel) + self.bias


@pytest.mark.parametrize("text", [DOC_NESTED, DOC_HVP, DOC_REGRESSION],
                         ids=["nested accumulators", "hvp", "linear regression"])
def test_tf_docstring_examples(text: str) -> None:
    run_doctest(text, "ForwardAccumulator", Dense=Dense)


def test_python_scalar_operands_under_an_accumulator() -> None:
    """``1 - x`` hands the recorder the Python scalar 1: its tangent is zero of x's
    dtype (a linear rule once made it an int32 zero and failed)."""
    x = f64([0.5, 2.0])
    with tf.autodiff.ForwardAccumulator(x, f64([1.0, 1.0])) as acc:
        y = 1 - x
        z = 2.0 + x
        w = 1 / (1 + tf.exp(x))
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [-1.0, -1.0])
    np.testing.assert_array_equal(acc.jvp(z).numpy(), [1.0, 1.0])
    e = np.exp([0.5, 2.0])
    np.testing.assert_allclose(acc.jvp(w).numpy(), -e / (1 + e) ** 2, rtol=1e-14)


# -- every registered op's JVP through a real accumulator -----------------------------------------
def _float_kind(a: Any) -> str:
    return np.asarray(a).dtype.kind


def _jvp_cases() -> list:
    cases = []
    for op in REGISTRY:
        if not op.differentiable or op.jvp_fn is None:
            continue
        for i, sample in enumerate(op.samples):
            if sample.raises is not None or not sample.grad:
                continue
            args = [np.asarray(a, np.float64) if isinstance(a, float) else a
                    for a in sample.args]
            floats = [a for a in args if _float_kind(a) in "fc"]
            if not floats or any(np.asarray(a).dtype != np.float64 for a in floats):
                continue  # float64 only (complex samples are the table test's)
            if not any(k not in op.nondiff_inputs and _float_kind(a) == "f"
                       for k, a in enumerate(args)):
                continue
            cases.append(pytest.param(op, sample, args, id=f"{op.name}-{i}"))
    return cases


JVP_CASES = _jvp_cases()


def test_registry_jvp_cases_cover_most_ops() -> None:
    covered = {c.values[0].name for c in JVP_CASES}
    differentiable = {op.name for op in REGISTRY if op.differentiable}
    assert len(covered) >= 0.8 * len(differentiable), sorted(differentiable - covered)


@pytest.mark.parametrize(("op", "sample", "args"), JVP_CASES)
def test_every_op_jvp_through_an_accumulator(op: OpDef, sample: Sample, args: list) -> None:
    """acc.jvp(op(...)) = op.jvp(...) called directly = central differences."""
    rng = np.random.default_rng(0)
    mask = [k not in op.nondiff_inputs and _float_kind(a) == "f" for k, a in enumerate(args)]
    tangents = [rng.standard_normal(np.shape(a)) if m else None for a, m in zip(args, mask)]
    inputs = [tf.convert_to_tensor(a) for a in args]
    watched = [x for x, m in zip(inputs, mask) if m]
    with tf.autodiff.ForwardAccumulator(watched, [f64(t) for t in tangents if t is not None]) \
            as acc:
        out = op.run(*inputs, **sample.params)
    outs = list(out) if op.n_out else [out]
    through_acc = acc.jvp(outs)
    direct = op.jvp([None if t is None else f64(t) for t in tangents], inputs, out,
                    sample.params)
    direct = list(direct) if op.n_out else [direct]

    def forward(shift: float) -> list[np.ndarray]:
        moved = [a if t is None else a + shift * t for a, t in zip(args, tangents)]
        res = op.run(*[tf.convert_to_tensor(a) for a in moved], **sample.params)
        return [np.asarray(r.numpy(), np.complex128 if r.dtype.is_complex else np.float64)
                for r in (res if op.n_out else [res])]

    # A float32 output (Cast) is differenced with a larger step and looser tolerance.
    wide = all(o.dtype in (tf.float64, tf.complex128) for o in outs)
    step, rtol, atol = (STEP, 1e-5, 1e-7) if wide else (1e-2, 1e-4, 1e-4)
    plus, minus = forward(step), forward(-step)
    for k, (o, a, d) in enumerate(zip(outs, through_acc, direct)):
        if o.dtype.is_differentiable:
            assert a is not None, f"{op.name}: accumulator gave no tangent for output {k}"
            assert a.shape == o.shape and a.dtype == o.dtype
            np.testing.assert_allclose(a.numpy(), d.numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"{op.name}: accumulator vs op.jvp")
            numeric = (plus[k] - minus[k]) / (2 * step)
            np.testing.assert_allclose(a.numpy(), numeric, rtol=rtol, atol=atol,
                                       err_msg=f"{op.name}: accumulator vs central differences")
        else:
            assert a is None, f"{op.name}: a {o.dtype} output got a tangent"


def test_warnings_are_not_left_behind() -> None:
    """Running an op under an accumulator warns about nothing (no stray dtype warnings)."""
    x = f64([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.autodiff.ForwardAccumulator(x, f64([1.0, 1.0])) as acc:
            y = tf.reduce_sum(tf.cast(x > 1.0, tf.float64) * x)
    assert float(acc.jvp(y)) == 1.0
