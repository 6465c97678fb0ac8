"""``tf.custom_gradient``, ``tf.recompute_grad`` and ``tf.stop_gradient``.

Every expected value and error below was first checked by running the same
snippet in TensorFlow 2.21.  Where tapeflow deliberately differs from TF, the
test says so.
"""

from __future__ import annotations

import doctest
import gc
import re
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapeflow as tf


def f64(data: Any) -> Any:
    return tf.constant(data, dtype=tf.float64)


def gradient(f: Callable, *xs: Any, **kwargs: Any) -> list:
    with tf.GradientTape() as tape:
        tape.watch(list(xs))
        y = f(*xs)
    return tape.gradient(y, list(xs), **kwargs)


def second_derivative(f: Callable, x: Any) -> tuple:
    """(y, dy/dx, d/dx of dy/dx) through two nested tapes."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    return y, g, outer.gradient(g, x)


class _FloatChecker(doctest.OutputChecker):
    """TF's doctest rule: printed floats match to a relative 1e-6."""

    NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        want, got = " ".join(want.split()), " ".join(got.split())
        if self.NUMBER.sub("#", want) != self.NUMBER.sub("#", got):
            return False
        pairs = zip(self.NUMBER.findall(want), self.NUMBER.findall(got))
        return all(np.isclose(float(a), float(b), rtol=1e-6, atol=0) for a, b in pairs)


def run_doctest(text: str, name: str) -> None:
    test = doctest.DocTestParser().get_doctest(text, {"tf": tf, "np": np}, name, None, 0)
    runner = doctest.DocTestRunner(checker=_FloatChecker(), optionflags=(
        doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE))
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


# -- TF's documented examples ---------------------------------------------------------------------
@tf.custom_gradient
def log1pexp(x):  # noqa: ANN001, ANN201 - verbatim from TF's docstring
    e = tf.exp(x)

    def grad(upstream):  # noqa: ANN001, ANN202
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


def test_log1pexp_gradient_is_finite_where_the_plain_one_is_nan() -> None:
    x = tf.constant(100.0)
    plain = gradient(lambda t: tf.math.log(1 + tf.exp(t)), x)[0]
    assert np.isnan(float(plain))
    assert float(gradient(log1pexp, x)[0]) == 1.0


def test_log1pexp_values_and_gradients() -> None:
    x = f64([0.0, 1.0, 100.0])
    y, g, gg = second_derivative(log1pexp, x)
    np.testing.assert_allclose(y.numpy(), [0.6931471805599453, 1.3132616875182228, 100.0],
                               rtol=1e-15)
    np.testing.assert_allclose(g.numpy(), [0.5, 0.7310585786300049, 1.0], rtol=1e-15)
    # The gradient function is differentiable, and e = exp(x) it closes over is
    # on the outer tape: the second derivative is e / (1 + e)^2 (TF: the same).
    e = np.exp([0.0, 1.0, 100.0])
    np.testing.assert_allclose(gg.numpy(), e / (1 + e) ** 2, rtol=1e-14)
    np.testing.assert_allclose(gg.numpy(), [0.25, 0.19661193324148185, 3.7200759760208356e-44],
                               rtol=1e-12)


# From tensorflow/python/ops/custom_gradient.py, custom_gradient's docstring, verbatim.
DOC_BAR = """
>>> @tf.custom_gradient
... def bar(x, y):
...   def grad(upstream):
...     dz_dx = y
...     dz_dy = x
...     return upstream * dz_dx, upstream * dz_dy
...   z = x * y
...   return z, grad
>>> x = tf.constant(2.0, dtype=tf.float32)
>>> y = tf.constant(3.0, dtype=tf.float32)
>>> with tf.GradientTape(persistent=True) as tape:
...   tape.watch(x)
...   tape.watch(y)
...   z = bar(x, y)
>>> z
<tf.Tensor: shape=(), dtype=float32, numpy=6.0>
>>> tape.gradient(z, x)
<tf.Tensor: shape=(), dtype=float32, numpy=3.0>
>>> tape.gradient(z, y)
<tf.Tensor: shape=(), dtype=float32, numpy=2.0>
"""

DOC_LINEAR_POLY = """
>>> weights = tf.Variable(tf.ones([2]))  # Trainable variable weights
>>> @tf.custom_gradient
... def linear_poly(x):
...   # Creating polynomial
...   poly = weights[1] * x + weights[0]
...
...   def grad_fn(dpoly, variables):
...     # dy/dx = weights[1] and we need to left multiply dpoly
...     grad_xs = dpoly * weights[1]  # Scalar gradient
...
...     grad_vars = []  # To store gradients of passed variables
...     assert variables is not None
...     assert len(variables) == 1
...     assert variables[0] is weights
...     # Manually computing dy/dweights
...     dy_dw = dpoly * tf.stack([x ** 1, x ** 0])
...     grad_vars.append(
...         tf.reduce_sum(tf.reshape(dy_dw, [2, -1]), axis=1)
...     )
...     return grad_xs, grad_vars
...   return poly, grad_fn
>>> x = tf.constant([1., 2., 3.])
>>> with tf.GradientTape(persistent=True) as tape:
...   tape.watch(x)
...   poly = linear_poly(x)
>>> poly # poly = x + 1
<tf.Tensor: shape=(3,),
  dtype=float32,
  numpy=array([2., 3., 4.], dtype=float32)>
>>> tape.gradient(poly, x)  # conventional scalar gradient dy/dx
<tf.Tensor: shape=(3,),
  dtype=float32,
  numpy=array([1., 1., 1.], dtype=float32)>
>>> tape.gradient(poly, weights)
<tf.Tensor: shape=(2,), dtype=float32, numpy=array([6., 3.], dtype=float32)>
"""

# recompute_grad's docstring, with ``print`` for ``tf.print`` (tapeflow has no
# tf.print; in eager mode both print once per call).
DOC_RECOMPUTE = """
>>> y = tf.Variable(1.0)

>>> def my_function(x):
...   print('running')
...   z = x*y
...   return z

>>> my_function_recompute = tf.recompute_grad(my_function)

>>> with tf.GradientTape() as tape:
...   r = tf.constant(1.0)
...   for i in range(4):
...     r = my_function_recompute(r)
running
running
running
running

>>> grad = tape.gradient(r, [y])
running
running
running
running

>>> with tf.GradientTape() as tape:
...   r = tf.constant(1.0)
...   for i in range(4):
...     r = my_function(r)
running
running
running
running

>>> grad = tape.gradient(r, [y])
"""


@pytest.mark.parametrize("text", [DOC_BAR, DOC_LINEAR_POLY, DOC_RECOMPUTE],
                         ids=["bar", "linear_poly with variables", "recompute_grad"])
def test_tf_docstring_examples(text: str) -> None:
    run_doctest(text, "custom_gradient")


def test_the_docstring_clip_example() -> None:
    @tf.custom_gradient
    def clip_grad(x: Any) -> Any:
        return tf.identity(x), lambda g: tf.clip_by_value(g, -1.0, 1.0)

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = clip_grad(x) * 10.0
    assert float(t.gradient(y, x)) == 1.0


# -- outputs and upstream cotangents --------------------------------------------------------------
@tf.custom_gradient
def two_outputs(x: Any) -> Any:
    def grad(u1: Any, u2: Any) -> Any:
        return u1 * 10.0 + u2 * 100.0
    return (x * 2.0, x * 3.0), grad


def test_several_outputs_each_get_their_upstream_and_zeros_when_unused() -> None:
    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a, b = two_outputs(x)
    assert isinstance(two_outputs(x), tuple)
    assert float(a) == 2.0 and float(b) == 3.0
    assert float(t.gradient(a, x)) == 10.0
    assert float(t.gradient(b, x)) == 100.0
    assert float(t.gradient([a, b], x)) == 110.0
    assert float(t.gradient(a, x, output_gradients=tf.constant(2.0))) == 20.0


def test_upstream_of_an_unused_output_is_zeros_of_its_shape() -> None:
    seen = []

    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(*upstream: Any) -> Any:
            seen.append([u.numpy() for u in upstream])
            return upstream[0] + tf.reduce_sum(upstream[1])
        return [x * 2.0, tf.stack([x, x]) * 3.0], grad

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        out = f(x)
    assert isinstance(out, list)
    assert float(t.gradient(out[1], x)) == 2.0  # 0 + sum([1, 1])
    np.testing.assert_array_equal(seen[0][0], 0.0)
    np.testing.assert_array_equal(seen[0][1], [1.0, 1.0])


def test_dict_outputs_keep_their_structure_upstream_in_sorted_key_order() -> None:
    seen = []

    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(*upstream: Any) -> Any:
            seen.append([float(u) for u in upstream])
            return upstream[0] * 1.0 + upstream[1] * 10.0
        return {"b": x * 2.0, "a": x * 3.0}, grad

    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        out = f(x)
    assert sorted(out) == ["a", "b"] and float(out["a"]) == 3.0
    assert float(t.gradient(out["a"], x)) == 1.0
    assert float(t.gradient(out["b"], x)) == 10.0
    assert seen == [[1.0, 0.0], [0.0, 1.0]]


def test_returning_an_input_unchanged_gives_a_new_tensor_with_the_custom_gradient() -> None:
    @tf.custom_gradient
    def same(x: Any) -> Any:
        return x, lambda g: 2.0 * g

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        z = same(x)
        w = x * 1.0
    assert z is not x
    np.testing.assert_array_equal(t.gradient([z, w], x).numpy(), [3.0, 3.0])


def test_jacobian_through_custom_gradient_and_recompute_grad() -> None:
    """The user's rule is not batch-polymorphic: jacobian rows go through it one by one."""
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return (x * x, tf.reduce_sum(x)), lambda g1, g2: g1 * 2.0 * x + g2 * 10.0

    x, x64 = tf.constant([1.0, 2.0]), f64([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, x64])
        y, s = f(x)
        z = tf.recompute_grad(lambda a: tf.sin(a) * a)(x64)
    np.testing.assert_array_equal(t.jacobian(y, x).numpy(), [[2.0, 0.0], [0.0, 4.0]])
    np.testing.assert_array_equal(t.jacobian(s, x).numpy(), [10.0, 10.0])
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(t.jacobian(z, x64).numpy(), np.diag(np.cos(a) * a + np.sin(a)),
                               rtol=1e-14)


def test_without_a_tape_it_just_returns_the_values() -> None:
    out = two_outputs(tf.constant(1.0))
    assert [float(o) for o in out] == [2.0, 3.0]


def test_python_value_outputs_become_tensors() -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return [x * 2.0, 5.0], lambda u1, u2: u1
    x = tf.constant(1.0)
    a, b = f(x)
    assert isinstance(b, type(a)) and float(b) == 5.0


# -- inputs and their gradients -------------------------------------------------------------------
def test_none_gradients_for_some_inputs() -> None:
    @tf.custom_gradient
    def f(x: Any, y: Any) -> Any:
        return x * y, lambda g: (None, g * x)

    x, y = tf.constant(1.0), tf.constant(2.0)
    gx, gy = gradient(f, x, y)
    assert gx is None and float(gy) == 1.0
    gx, gy = gradient(f, x, y, unconnected_gradients="zero")
    assert float(gx) == 0.0 and float(gy) == 1.0


def test_wrong_number_of_input_gradients_is_tfs_value_error() -> None:
    @tf.custom_gradient
    def f(x: Any, y: Any) -> Any:
        return x * y, lambda g: g * y

    with pytest.raises(ValueError, match="custom_gradient function expected to return 2 "
                                         "gradients, but returned 1 instead."):
        gradient(f, tf.constant(1.0), tf.constant(2.0))


def test_keyword_arguments_are_passed_but_get_no_gradient() -> None:
    @tf.custom_gradient
    def scaled(x: Any, scale: Any = 1.0) -> Any:
        return x * scale, lambda g: g * scale

    x, s = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch([x, s])
        y = scaled(x, scale=s)
    gx, gs = t.gradient(y, [x, s])
    assert float(y) == 6.0 and float(gx) == 3.0 and gs is None


def test_nested_list_arguments_are_flattened() -> None:
    @tf.custom_gradient
    def f(xs: Any) -> Any:
        return xs[0] + 2.0 * xs[1], lambda g: [g * 1.0, g * 2.0]

    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([a, b])
        y = f([a, b])
    assert [float(g) for g in t.gradient(y, [a, b])] == [1.0, 2.0]


def test_python_number_arguments_count_but_get_no_gradient() -> None:
    @tf.custom_gradient
    def f(x: Any, n: Any) -> Any:
        return x * n, lambda g: (g * n, None)

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x, 3.0)
    assert float(y) == 6.0 and float(t.gradient(y, x)) == 3.0


def test_a_method_binds_self_outside_the_arguments() -> None:
    class Model:
        k = 3.0

        @tf.custom_gradient
        def f(self, x: Any) -> Any:
            return x * self.k, lambda g: g * 10.0

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = Model().f(x)
    assert float(y) == 6.0 and float(t.gradient(y, x)) == 10.0
    assert Model.f.__name__ == "f"


def test_wrapper_keeps_name_and_doc() -> None:
    @tf.custom_gradient
    def documented(x: Any) -> Any:
        """doc"""
        return x, lambda u: u

    assert documented.__name__ == "documented" and documented.__doc__ == "doc"


# -- Variables ------------------------------------------------------------------------------------
W = tf.Variable([2.0, 3.0], name="w")


def test_variables_keyword_gets_input_and_variable_gradients() -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(g: Any, variables: Any = None) -> Any:
            assert len(variables) == 1 and variables[0] is W
            return g * W, [g * x * 10.0]
        return x * W, grad

    x = tf.constant([1.0, 1.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    gx, gw = t.gradient(y, [x, W])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(gw.numpy(), [10.0, 10.0])


def test_variables_parameter_unused_when_no_variable_is_read() -> None:
    """TF calls grad_fn without ``variables`` and takes its result as input gradients."""
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(g: Any, variables: Any = None) -> Any:
            assert variables is None
            return g * 5.0
        return x * 2.0, grad

    assert float(gradient(f, tf.constant(1.0))[0]) == 5.0


def test_grad_fn_with_var_keyword_accepts_variables() -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(g: Any, **kw: Any) -> Any:
            return g * W, [g * x]
        return x * W, grad

    x = tf.constant([1.0, 1.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    gx, gw = t.gradient(y, [x, W])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(gw.numpy(), [1.0, 1.0])


@tf.custom_gradient
def reads_w_but_grad_fn_lacks_variables(x: Any) -> Any:
    return x * W, lambda g: g * W


@pytest.mark.parametrize("with_tape", [False, True], ids=["no tape", "tape"])
def test_reading_variables_without_a_variables_parameter_is_tfs_type_error(
        with_tape: bool) -> None:
    """TF checks when the function is called, tape or not."""
    x = tf.constant([1.0, 1.0])
    match = ("@tf.custom_gradient grad_fn must accept keyword argument 'variables', since "
             "function uses variables: ")
    with pytest.raises(TypeError, match=re.escape(match)) as info:
        if with_tape:
            with tf.GradientTape() as t:
                t.watch(x)
                reads_w_but_grad_fn_lacks_variables(x)
        else:
            reads_w_but_grad_fn_lacks_variables(x)
    assert "'w:0'" in str(info.value)


def test_non_trainable_variables_do_not_count() -> None:
    frozen = tf.Variable([2.0, 3.0], trainable=False)

    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x * frozen, lambda g: g * frozen

    x = tf.constant([1.0, 1.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    gx, gv = t.gradient(y, [x, frozen])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 3.0])
    assert gv is None


def test_a_variable_passed_as_an_argument_is_an_input_not_a_variable() -> None:
    @tf.custom_gradient
    def f(v: Any, x: Any) -> Any:
        return v * x, lambda g: (g * x, g * v)

    x = tf.constant([1.0, 1.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(W, x)
    gx, gw = t.gradient(y, [x, W])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(gw.numpy(), [1.0, 1.0])


def test_wrong_number_of_variable_gradients_is_tfs_value_error() -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x * W, lambda g, variables: (g * W, [])

    with pytest.raises(ValueError, match="Must return gradient for each variable from "
                                         "@custom_gradient grad_fn."):
        gradient(f, tf.constant([1.0, 1.0]))


# -- nesting and higher order ---------------------------------------------------------------------
@tf.custom_gradient
def double_with_grad_20(x: Any) -> Any:
    return x * 2.0, lambda g: g * 20.0


def test_nested_custom_gradients() -> None:
    @tf.custom_gradient
    def outer(x: Any) -> Any:
        return double_with_grad_20(x) * 3.0, lambda g: g * 7.0

    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = outer(x)
        z = double_with_grad_20(double_with_grad_20(x))
    assert float(y) == 6.0
    assert float(t.gradient(y, x)) == 7.0  # the outer rule wins over the inner one
    assert float(t.gradient(z, x)) == 400.0  # chained: 20 * 20


@tf.custom_gradient
def cube(x: Any) -> Any:
    return x * x * x, lambda g: g * 3.0 * x * x


@tf.custom_gradient
def cube_from_square(x: Any) -> Any:
    x2 = x * x  # an intermediate the gradient function closes over

    def grad(g: Any) -> Any:
        return g * 3.0 * x2
    return x2 * x, grad


@pytest.mark.parametrize("f", [cube, cube_from_square], ids=["input", "intermediate"])
def test_second_order_through_a_differentiable_gradient_function(f: Callable) -> None:
    y, g, gg = second_derivative(f, f64([2.0, -1.0]))
    np.testing.assert_array_equal(y.numpy(), [8.0, -1.0])
    np.testing.assert_array_equal(g.numpy(), [12.0, 3.0])
    np.testing.assert_array_equal(gg.numpy(), [12.0, -6.0])


@tf.custom_gradient
def cube_grad_from_numpy(x: Any) -> Any:
    return x * x * x, lambda g: g * tf.constant(3.0 * x.numpy() ** 2)


@tf.custom_gradient
def cube_grad_stopped(x: Any) -> Any:
    return x * x * x, lambda g: g * 3.0 * tf.stop_gradient(x) ** 2


@pytest.mark.parametrize("f", [cube_grad_from_numpy, cube_grad_stopped],
                         ids=["numpy", "stop_gradient"])
def test_second_order_through_a_non_differentiable_gradient_function_is_none(
        f: Callable) -> None:
    y, g, gg = second_derivative(f, f64([2.0]))
    assert float(g[0]) == 12.0
    assert gg is None


def test_second_order_of_the_docstring_grad_grad_fn_pattern() -> None:
    """TF's docstring warns that grad_grad_fn is not the second derivative; with the
    seed not watched, TF differentiates grad_fn's own ops instead: -sin(x)."""
    @tf.custom_gradient
    def op(x: Any) -> Any:
        y = tf.sin(x)

        @tf.custom_gradient
        def grad_fn(dy: Any) -> Any:
            gdy = dy * tf.cos(x)

            def grad_grad_fn(ddy: Any) -> Any:
                return ddy * 100.0
            return gdy, grad_grad_fn
        return y, grad_fn

    y, g, gg = second_derivative(op, f64([0.5]))
    np.testing.assert_allclose(g.numpy(), np.cos([0.5]), rtol=1e-15)
    np.testing.assert_allclose(gg.numpy(), -np.sin([0.5]), rtol=1e-15)


def test_second_order_of_the_docstring_fused_pattern() -> None:
    @tf.custom_gradient
    def op_with_fused_backprop(x: Any) -> Any:
        y, x_grad = tf.sin(x), tf.cos(x)

        def first_order_gradient(dy: Any) -> Any:
            @tf.custom_gradient
            def first_order_custom(unused_x: Any) -> Any:
                def second_order_and_transpose(ddy: Any) -> Any:
                    return ddy * -tf.sin(x) * 2.0  # deliberately twice the truth
                return x_grad, second_order_and_transpose
            return dy * first_order_custom(x)
        return y, first_order_gradient

    y, g, gg = second_derivative(op_with_fused_backprop, f64([0.5]))
    np.testing.assert_allclose(g.numpy(), np.cos([0.5]), rtol=1e-15)
    np.testing.assert_allclose(gg.numpy(), -2.0 * np.sin([0.5]), rtol=1e-15)


def test_a_tape_inside_the_gradient_function() -> None:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(g: Any) -> Any:
            with tf.GradientTape() as t:
                t.watch(x)
                y = tf.sin(x) * x
            return g * t.gradient(y, x)
        return tf.sin(x) * x, grad

    x0 = 0.5
    y, g, gg = second_derivative(f, f64([x0]))
    np.testing.assert_allclose(g.numpy(), [np.cos(x0) * x0 + np.sin(x0)], rtol=1e-15)
    np.testing.assert_allclose(gg.numpy(), [2 * np.cos(x0) - x0 * np.sin(x0)], rtol=1e-14)


def test_an_intermediate_that_escapes_the_function_still_carries_its_gradient() -> None:
    escaped = {}

    @tf.custom_gradient
    def f(x: Any) -> Any:
        e = tf.exp(x)
        escaped["e"] = e
        return e * 1.0, lambda g: g * 0.0

    x = f64(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        z = f(x) + escaped["e"]
    np.testing.assert_allclose(float(t.gradient(z, x)), np.e, rtol=1e-15)


# -- forward mode ---------------------------------------------------------------------------------
@tf.custom_gradient
def identity_with_grad_3(x: Any) -> Any:
    return tf.identity(x), lambda g: 3.0 * g


def test_forward_mode_differentiates_the_function_not_the_gradient_function() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 5.0])) as acc:
        y = identity_with_grad_3(x)
        z = log1pexp(x)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [1.0, 5.0])
    e = np.exp(np.float32([1.0, 2.0]))
    np.testing.assert_allclose(acc.jvp(z).numpy(), np.float32([1.0, 5.0]) * e / (1 + e),
                               rtol=1e-6)


def test_forward_mode_with_a_tape_around_a_custom_gradient() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 5.0])) as acc:
        with tf.GradientTape() as t:
            t.watch(x)
            y = identity_with_grad_3(x * 2.0)
            y2 = y * y
        g = t.gradient(y2, x)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [2.0, 10.0])
    np.testing.assert_array_equal(acc.jvp(y2).numpy(), [8.0, 80.0])
    np.testing.assert_array_equal(g.numpy(), [24.0, 48.0])
    np.testing.assert_array_equal(acc.jvp(g).numpy(), [24.0, 120.0])


# -- recompute_grad -------------------------------------------------------------------------------
V = tf.Variable(2.0, dtype=tf.float64)


def block(x: Any, scale: Any = 1.0, calls: list | None = None) -> Any:
    if calls is not None:
        calls.append(1)
    return tf.sin(x * V) * scale + tf.tanh(x) * x


def test_recompute_grad_matches_the_plain_function_and_runs_it_again() -> None:
    recomputed = tf.recompute_grad(block)
    results = []
    for f in (block, recomputed):
        calls: list = []
        x = f64([0.5, 1.5])
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(f(x, calls=calls), calls=calls)
        forward_calls = len(calls)
        gx, gv = t.gradient(y, [x, V])
        results.append((y.numpy(), gx.numpy(), gv.numpy(), forward_calls, len(calls)))
    (y0, gx0, gv0, f0, n0), (y1, gx1, gv1, f1, n1) = results
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-14)
    np.testing.assert_allclose(gv1, gv0, rtol=1e-14)
    assert (f0, n0) == (2, 2) and (f1, n1) == (2, 4)


def test_recompute_grad_keyword_tensors_get_no_gradient() -> None:
    x, s = f64([0.5, 1.5]), f64(3.0)
    with tf.GradientTape() as t:
        t.watch([x, s])
        y = tf.recompute_grad(block)(x, scale=s)
    gx, gv, gs = t.gradient(y, [x, V, s])
    with tf.GradientTape() as t:
        t.watch(x)
        plain = block(x, scale=s)
    px, pv = t.gradient(plain, [x, V])
    np.testing.assert_allclose(gx.numpy(), px.numpy(), rtol=1e-14)
    np.testing.assert_allclose(gv.numpy(), pv.numpy(), rtol=1e-14)
    assert gs is None


def test_recompute_grad_unconnected_input_gets_zeros() -> None:
    """TF's recompute_grad asks for UnconnectedGradients.ZERO: zeros, not None."""
    f = tf.recompute_grad(lambda x, y: tf.sin(x))
    x, y = f64([0.5, 1.5]), f64(1.0)
    gx, gy = gradient(f, x, y)
    np.testing.assert_allclose(gx.numpy(), np.cos([0.5, 1.5]), rtol=1e-15)
    assert gy is not None and float(gy) == 0.0


def test_recompute_grad_several_outputs() -> None:
    f = tf.recompute_grad(lambda x: (tf.sin(x), tf.cos(x)))
    x = f64([0.5, 1.5])
    assert isinstance(f(x), tuple)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a, b = f(x)
        y = a * 2.0 + b
    np.testing.assert_allclose(t.gradient(y, x).numpy(),
                               2 * np.cos([0.5, 1.5]) - np.sin([0.5, 1.5]), rtol=1e-15)
    np.testing.assert_allclose(t.gradient(a, x).numpy(), np.cos([0.5, 1.5]), rtol=1e-15)


def test_recompute_grad_integer_output_and_non_trainable_variable() -> None:
    frozen = tf.Variable(2.0, dtype=tf.float64, trainable=False)
    f = tf.recompute_grad(lambda x: (tf.sin(x) * frozen, tf.cast(x, tf.int32)))
    x = f64([0.5, 1.5])
    with tf.GradientTape() as t:
        t.watch(x)
        a, b = f(x)
    gx, gf = t.gradient(a, [x, frozen])
    np.testing.assert_allclose(gx.numpy(), 2 * np.cos([0.5, 1.5]), rtol=1e-15)
    assert gf is None and b.dtype == tf.int32


def test_recompute_grad_wrapper() -> None:
    f = tf.recompute_grad(block)
    assert f.__wrapped__ is block and f.__name__ == "block"
    np.testing.assert_allclose(float(f(f64(0.5))), float(block(f64(0.5))), rtol=0)


def test_recompute_grad_under_forward_mode_and_second_order() -> None:
    """tapeflow extension: TF 2.21 raises NotImplementedError ("recompute_grad tried
    to transpose grad ... Consider not using recompute_grad in forward mode
    autodiff") in all three cases; tapeflow gives the plain function's answers."""
    f = tf.recompute_grad(block)
    answers = []
    for fn in (block, f):
        x = f64([0.5, 1.5])
        with tf.autodiff.ForwardAccumulator(x, f64([1.0, -2.0])) as acc:
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = fn(x)
                g = inner.gradient(y, x)
            gg = outer.gradient(g, x)
        answers.append([acc.jvp(y).numpy(), g.numpy(), gg.numpy(), acc.jvp(g).numpy()])
    for plain, recomputed in zip(*answers):
        np.testing.assert_allclose(recomputed, plain, rtol=1e-13)


def _peak_memory(f: Callable, x: Any, blocks: int) -> tuple[int, Any]:
    """Peak traced bytes from entering the tape to the end of ``tape.gradient``."""
    gc.collect()
    tracemalloc.start()
    try:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(blocks):
                y = f(y)
            loss = tf.reduce_sum(y)
        grad = tape.gradient(loss, x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, grad


def elementwise_block(x: Any) -> Any:
    """20 elementwise ops; every one of them keeps a residual on a plain tape."""
    for _ in range(5):
        x = tf.tanh(tf.sin(x) * 0.9) + 0.1
    return x


def test_recompute_grad_lowers_peak_memory() -> None:
    blocks, shape = 50, (256, 256)
    x = f64(np.random.default_rng(0).uniform(-1.0, 1.0, shape))
    began = time.perf_counter()
    plain, grad_plain = _peak_memory(elementwise_block, x, blocks)
    recomputed, grad_recomputed = _peak_memory(tf.recompute_grad(elementwise_block), x, blocks)
    seconds = time.perf_counter() - began
    mib = 2.0 ** 20
    print(f"\npeak memory, {blocks} blocks of 20 elementwise ops on {shape} float64: "
          f"plain {plain / mib:.1f} MiB, recompute_grad {recomputed / mib:.1f} MiB "
          f"(ratio {recomputed / plain:.3f}, {seconds:.2f} s)")
    np.testing.assert_allclose(grad_recomputed.numpy(), grad_plain.numpy(), rtol=1e-12)
    assert recomputed < 0.5 * plain


# -- stop_gradient --------------------------------------------------------------------------------
def test_stop_gradient_passes_the_value_and_blocks_the_gradient() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.stop_gradient(x)
        z = x * tf.stop_gradient(x * x)
    assert y is not x
    np.testing.assert_array_equal(y.numpy(), [1.0, 2.0])
    assert t.gradient(y, x) is None
    np.testing.assert_array_equal(t.gradient(y, x, unconnected_gradients="zero").numpy(),
                                  [0.0, 0.0])
    np.testing.assert_array_equal(t.gradient(z, x).numpy(), [1.0, 4.0])
    np.testing.assert_array_equal(t.gradient(y, y).numpy(), [1.0, 1.0])


def test_stop_gradient_of_a_variable() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = tf.stop_gradient(v) * v
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [1.0, 2.0])
    assert not isinstance(tf.stop_gradient(v), tf.Variable)


def test_stop_gradient_on_a_gradient_stops_second_order() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x ** 3
        g = tf.stop_gradient(t1.gradient(y, x))
    assert float(g) == 27.0 and t2.gradient(g, x) is None


@pytest.mark.parametrize(("value", "dtype"), [([1.0, 2.0], tf.float32), ([1, 2], tf.int32),
                                              ("a", tf.string)], ids=["list", "int", "string"])
def test_stop_gradient_converts_any_value(value: Any, dtype: Any) -> None:
    out = tf.stop_gradient(value)
    assert out.dtype == dtype
    assert tf.stop_gradient(input=tf.constant(value), name="sg").dtype == dtype
