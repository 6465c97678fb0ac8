"""TF's conventions at the edge points of the special functions, pinned.

Every expectation here was read off TF 2.21.  The module runs against real
TensorFlow too, which is how each one was checked (tests marked
``tapeflow_only`` read tapeflow internals and are skipped there):

    TAPEFLOW_ORACLE=tensorflow python -m pytest tests/test_special.py

The last test checks every special op's JVP and VJP against central
differences, so the ops are checked even before the table test
(tests/test_op_table.py) sees them.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

ORACLE = os.environ.get("TAPEFLOW_ORACLE") == "tensorflow"
if ORACLE:
    import tensorflow as tf

    ops = SimpleNamespace(
        **{n: getattr(tf.math, n) for n in (
            "asin", "acos", "atan2", "acosh", "atanh", "softplus", "log_sigmoid", "erf",
            "erfc", "lgamma", "digamma", "polygamma", "floor", "ceil", "round",
            "squared_difference", "xlogy", "xdivy", "divide_no_nan", "multiply_no_nan",
            "is_nan", "is_inf", "is_finite", "add_n")},
        softsign=tf.nn.softsign, clip_by_value=tf.clip_by_value)
else:
    import tapeflow as tf
    from tapeflow.ops import special as ops

tapeflow_only = pytest.mark.skipif(ORACLE, reason="reads tapeflow internals")

INF, NAN = np.inf, np.nan


def f64(values: Any) -> Any:
    return tf.constant(values, dtype=tf.float64)


def grads(f: Callable, *values: Any) -> tuple:
    """f's value and its gradients (None kept) at float64 ``values``."""
    xs = [f64(v) for v in values]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = f(*xs)
    gs = tape.gradient(y, xs)
    return y.numpy(), [None if g is None else g.numpy() for g in gs]


def assert_same(got: Any, want: Any) -> None:
    """Equal values, inf and nan in the same places (the sign of zero aside)."""
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, dtype=np.asarray(got).dtype),
                               rtol=1e-12, atol=0)


# -- xlogy, xdivy, divide_no_nan, multiply_no_nan ----------------------------------------------
def test_xlogy_is_zero_where_x_is_zero_and_so_are_its_gradients() -> None:
    value, (dx, dy) = grads(ops.xlogy, [0.0, 0.0, 0.0, 0.0, 1.0, 2.0],
                            [0.0, 1.0, -1.0, NAN, 0.0, 3.0])
    assert_same(value, [0, 0, 0, 0, -INF, 2 * math.log(3)])
    assert_same(dx, [0, 0, 0, 0, -INF, math.log(3)])  # log y, 0 where x == 0
    assert_same(dy, [0, 0, 0, 0, INF, 2 / 3])  # x / y, 0 where x == 0


def test_xdivy_is_zero_where_x_is_zero_and_so_are_its_gradients() -> None:
    value, (dx, dy) = grads(ops.xdivy, [0.0, 0.0, 1.0, 2.0], [0.0, 1.0, 0.0, 3.0])
    assert_same(value, [0, 0, INF, 2 / 3])
    assert_same(dx, [0, 0, INF, 1 / 3])
    assert_same(dy, [0, 0, -INF, -2 / 9])


def test_divide_no_nan_is_zero_where_y_is_zero_and_so_are_its_gradients() -> None:
    value, (dx, dy) = grads(ops.divide_no_nan, [1.0, 0.0, INF, NAN, 2.0, 0.0],
                            [0.0, 0.0, 0.0, 0.0, 4.0, 1.0])
    assert_same(value, [0, 0, 0, 0, 0.5, 0])
    assert_same(dx, [0, 0, 0, 0, 0.25, 1])
    assert_same(dy, [0, 0, 0, 0, -0.125, 0])
    assert not np.signbit(np.asarray(dy)[:4]).any()  # TF's +0 where y == 0, not -0


def test_divide_no_nan_divides_integers_as_floats() -> None:
    out = ops.divide_no_nan(tf.constant([3, 1]), tf.constant([2, 0]))
    assert out.dtype == tf.float64
    assert_same(out.numpy(), [1.5, 0.0])
    out8 = ops.divide_no_nan(tf.constant([3, 1], tf.int8), tf.constant([2, 0], tf.int8))
    assert out8.dtype == tf.float32
    with pytest.raises(TypeError, match="same dtype"):
        ops.divide_no_nan(tf.constant(1.0), tf.constant(2.0, tf.float64))


def test_multiply_no_nan_is_zero_where_y_is_zero_even_for_inf_and_nan() -> None:
    value, (dx, dy) = grads(ops.multiply_no_nan, [0.0, INF, NAN, 2.0, 1.0],
                            [0.0, 0.0, 0.0, 3.0, INF])
    assert_same(value, [0, 0, 0, 6, INF])
    assert_same(dx, [0, 0, 0, 3, INF])  # y
    assert_same(dy, [0, INF, NAN, 2, 1])  # x, even where y == 0


# -- clip_by_value -----------------------------------------------------------------------------
def test_clip_by_value_passes_the_gradient_to_t_at_both_bounds() -> None:
    t = [-1.0, 0.0, 0.5, 1.0, 2.0]
    value, (dt, dmin, dmax) = grads(ops.clip_by_value, t, 0.0, 1.0)
    assert_same(value, [0, 0, 0.5, 1, 1])
    assert_same(dt, [0, 1, 1, 1, 0])  # bounds included
    assert_same(dmin, 1.0)  # only where t < min, strictly
    assert_same(dmax, 1.0)  # only where t > max, strictly
    _, (_, dmin, dmax) = grads(ops.clip_by_value, t, [0.0] * 5, [1.0] * 5)
    assert_same(dmin, [1, 0, 0, 0, 0])
    assert_same(dmax, [0, 0, 0, 0, 1])


def test_clip_by_value_with_min_above_max_gives_min() -> None:
    # TF computes maximum(minimum(t, max), min): min wins, and takes the gradient.
    value, (dt, dmin, dmax) = grads(ops.clip_by_value, [1.0, 5.0], 7.0, 2.0)
    assert_same(value, [7, 7])
    assert_same(dt, [0, 0])
    assert_same(dmin, 2.0)
    assert_same(dmax, 0.0)


def test_clip_by_value_shapes_and_dtypes() -> None:
    out = ops.clip_by_value([1, 5, 9], 2, 7)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [2, 5, 7])
    with pytest.raises(ValueError, match=r"Shapes \(2,\) and \(2, 2\) are incompatible"):
        ops.clip_by_value(tf.constant([1.0, 5.0]), tf.constant([[0.0], [2.0]]), 9.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        ops.clip_by_value(tf.constant([1.0, 5.0]), [1.0, 2.0, 3.0], 9.0)
    with pytest.raises(TypeError):
        ops.clip_by_value(tf.constant([1, 5]), 2.0, 7.0)


# -- rounding ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["floor", "ceil", "round"])
def test_rounding_gradient_is_none(name: str) -> None:
    value, (dx,) = grads(getattr(ops, name), [0.3, 1.7])
    assert dx is None
    _, (dx,) = grads(lambda x: getattr(ops, name)(x) + x, [0.3, 1.7])
    assert_same(dx, [1, 1])  # the rounded path adds nothing


def test_round_ties_to_even_and_leaves_integers_alone() -> None:
    x = tf.constant([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6])
    np.testing.assert_array_equal(ops.round(x).numpy(), [0, 2, 2, -0, -2, -2, 2, 3])
    assert np.signbit(ops.round(x).numpy()[3])  # -0.5 rounds to -0.0
    ints = ops.round(tf.constant([3, -2]))
    assert ints.dtype == tf.int32
    np.testing.assert_array_equal(ints.numpy(), [3, -2])


# -- atan2 and the inverse functions at the edges of their domains -----------------------------
def test_atan2_quadrants_and_origin() -> None:
    out = ops.atan2(f64([1.0, -1.0, 0.0, -0.0]), f64([0.0, 0.0, -1.0, -1.0]))
    assert_same(out.numpy(), [math.pi / 2, -math.pi / 2, math.pi, -math.pi])
    value, (dy, dx) = grads(ops.atan2, [0.0, 1.0, 0.0], [0.0, 0.0, -1.0])
    assert_same(value, [0, math.pi / 2, math.pi])
    assert_same(dy, [NAN, 0, -1])  # x / (x^2 + y^2): nan at the origin
    assert_same(dx, [NAN, -1, 0])
    keywords = ops.atan2(y=tf.constant(1.0), x=tf.constant(0.0))  # y first, as in TF
    assert_same(keywords.numpy(), math.pi / 2)


def test_inverse_functions_at_domain_edges() -> None:
    value, (dx,) = grads(ops.asin, [1.0, -1.0, 2.0])
    assert_same(value, [math.pi / 2, -math.pi / 2, NAN])
    assert_same(dx, [INF, INF, NAN])
    _, (dx,) = grads(ops.acos, [1.0])
    assert_same(dx, [-INF])
    value, (dx,) = grads(ops.acosh, [1.0, 0.5])
    assert_same(value, [0, NAN])
    assert_same(dx, [INF, NAN])
    value, (dx,) = grads(ops.atanh, [1.0, 2.0])
    assert_same(value, [INF, NAN])
    assert_same(dx, [INF, -1 / 3])


# -- softplus, log_sigmoid, softsign -----------------------------------------------------------
def test_softplus_and_log_sigmoid_are_stable_in_both_tails() -> None:
    tail = math.log1p(math.exp(-30.0))  # 9.36e-14, lost by log(1 + exp(-30))
    value, (dx,) = grads(ops.softplus, [-1000.0, 0.0, 1000.0, 30.0])
    assert_same(value, [0, math.log(2), 1000, 30 + tail])
    assert_same(dx, [0, 0.5, 1, 1 - tail])
    value, (dx,) = grads(ops.log_sigmoid, [-1000.0, 0.0, 1000.0, 30.0])
    assert_same(value, [-1000, -math.log(2), 0, -tail])
    assert np.signbit(value[2])  # TF: -softplus(-x), so -0.0
    assert_same(dx, [1, 0.5, 0, tail])
    small = ops.softplus(tf.constant([-20.0])).numpy()
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, [2.06115369216775e-09], rtol=1e-6)


def test_softsign_and_keyword_features() -> None:
    value, (dx,) = grads(lambda x: ops.softsign(features=x), [0.0, -2.0, INF])
    assert_same(value, [0, -2 / 3, NAN])
    assert_same(dx, [1, 1 / 9, 0])
    assert_same(ops.softplus(features=f64([0.0])).numpy(), [math.log(2)])


# -- erf and the gamma family ------------------------------------------------------------------
def test_erf_gradients() -> None:
    _, (dx,) = grads(ops.erf, [0.0, 30.0])
    assert_same(dx, [2 / math.sqrt(math.pi), 0])
    _, (dx,) = grads(ops.erfc, [0.0, 30.0])
    assert_same(dx, [-2 / math.sqrt(math.pi), 0])


PSI_HALF = -1.9635100260214235  # digamma(0.5)
TRIGAMMA_HALF = math.pi ** 2 / 2  # polygamma(1, 0.5)
TETRAGAMMA_HALF = -16.828796644234320  # polygamma(2, 0.5)


def test_lgamma_and_digamma_at_the_poles() -> None:
    value, (dx,) = grads(ops.lgamma, [0.0, -1.0, -1.5, 0.5])
    assert_same(value, [INF, INF, 0.8600470153764810, 0.5723649429247001])
    assert_same(dx, [NAN, NAN, 0.7031566406452432, PSI_HALF])
    assert_same(ops.lgamma(f64([-INF, INF])).numpy(), [INF, INF])
    value, (dx,) = grads(ops.digamma, [0.0, -1.0, -1.5, 0.5])
    assert_same(value, [NAN, NAN, 0.7031566406452432, PSI_HALF])  # nan at 0 too
    assert_same(dx, [INF, INF, 9.3792466449891237, TRIGAMMA_HALF])


def test_polygamma_orders_and_poles() -> None:
    value, (da, dx) = grads(ops.polygamma, [0.0, 1.0, 2.0, 1.5, -1.0], [0.5] * 5)
    assert_same(value, [PSI_HALF, TRIGAMMA_HALF, TETRAGAMMA_HALF, NAN, NAN])
    assert da is None  # no gradient for the order
    assert_same(dx, [TRIGAMMA_HALF, TETRAGAMMA_HALF, 97.409091034002437, NAN, PSI_HALF])
    for x in (-2.0, 0.0, -INF):  # odd orders: +inf, even orders: nan
        assert_same(ops.polygamma(f64([1.0, 2.0, 3.0]), f64([x] * 3)).numpy(), [INF, NAN, INF])
    assert_same(ops.polygamma(a=1, x=tf.constant(0.5)).numpy(), np.float32(TRIGAMMA_HALF))


def test_lgamma_higher_derivatives_through_nested_tapes() -> None:
    x = f64([0.5])
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = ops.lgamma(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert_same(d1.numpy(), [PSI_HALF])
    assert_same(d2.numpy(), [TRIGAMMA_HALF])
    assert_same(d3.numpy(), [TETRAGAMMA_HALF])


@tapeflow_only
@pytest.mark.parametrize("name", ["erf", "erfc", "lgamma", "digamma", "polygamma"])
def test_missing_scipy_is_a_clear_import_error(name: str, monkeypatch: Any) -> None:
    monkeypatch.setattr(ops, "_scipy", {})  # forget the imported submodules
    monkeypatch.setitem(sys.modules, "scipy.special", None)  # import now fails
    args = (1.0, 0.5) if name == "polygamma" else (0.5,)
    with pytest.raises(ImportError, match=rf"tf\.math\.{name} needs SciPy.*pip install scipy"):
        getattr(ops, name)(*args)


# -- squared_difference, add_n, is_nan ---------------------------------------------------------
def test_squared_difference_gradients_and_complex() -> None:
    _, (dx, dy) = grads(ops.squared_difference, [1.0, 2.0], [3.0, 2.0])
    assert_same(dx, [-4, 0])
    assert_same(dy, [4, 0])
    x, y = tf.constant([1 + 2j]), tf.constant([3 - 1j])
    assert_same(ops.squared_difference(x, y).numpy(), [13 + 0j])  # |x - y|^2
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = ops.squared_difference(x, y)
    assert_same(tape.gradient(out, x).numpy(), [-4 + 6j])  # TF: 2 g (x - y)


def test_add_n() -> None:
    value, gs = grads(lambda a, b, c: ops.add_n([a, b, c]), [1.0, 2.0], [3.0, 4.0], [5.0, 6.0])
    assert_same(value, [9, 12])
    for g in gs:
        assert_same(g, [1, 1])
    x = tf.constant([1.0, 2.0])
    assert ops.add_n([x]) is x  # TF hands a single input back
    assert_same(ops.add_n(inputs=x).numpy(), 3.0)  # a tensor is iterated along axis 0
    np.testing.assert_array_equal(ops.add_n([[3, 4], [1, 2]]).numpy(), [4, 6])
    with pytest.raises(ValueError, match="at least one"):
        ops.add_n([])
    with pytest.raises(tf.errors.InvalidArgumentError, match="same size and shape"):
        ops.add_n([x, tf.constant(1.0)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="double tensor"):
        ops.add_n([x, tf.constant([1.0, 2.0], tf.float64)])


def test_is_nan_is_inf_is_finite() -> None:
    x = f64([1.0, NAN, INF, -INF, 0.0])
    np.testing.assert_array_equal(ops.is_nan(x).numpy(), [0, 1, 0, 0, 0])
    np.testing.assert_array_equal(ops.is_inf(x).numpy(), [0, 0, 1, 1, 0])
    np.testing.assert_array_equal(ops.is_finite(x).numpy(), [1, 0, 0, 0, 1])
    assert ops.is_nan(x).dtype == tf.bool
    # The mask carries no gradient; the selected branch does.
    _, (dx,) = grads(lambda t: tf.where(ops.is_nan(t), tf.zeros_like(t), 2 * t), [1.0, NAN])
    assert_same(dx, [2, 0])


# -- every special op's JVP and VJP against central differences --------------------------------
SPECIAL_OPS = ("Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Atan2",
               "Softplus", "Softsign", "LogSigmoid", "Erf", "Erfc", "Lgamma", "Digamma",
               "Polygamma", "SquaredDifference", "Xlogy", "Xdivy", "DivNoNan", "MulNoNan",
               "ClipByValue", "AddN")


def _cases() -> list:
    if ORACLE:
        return []
    from tapeflow.core.opdef import REGISTRY
    from tapeflow.ops import load_all
    load_all()  # the special functions' families load on first use otherwise
    return [pytest.param(op, s, id=f"{op.name}-{i}") for op in REGISTRY
            if op.name in SPECIAL_OPS for i, s in enumerate(op.samples) if s.grad]


@tapeflow_only
def test_every_special_op_is_registered_with_samples() -> None:
    from tapeflow.core.opdef import REGISTRY
    from tapeflow.ops import load_all
    load_all()
    names = {op.name for op in REGISTRY if op.samples}
    assert set(SPECIAL_OPS) | {"Floor", "Ceil", "Round", "IsNan", "IsInf", "IsFinite"} <= names


@tapeflow_only
@pytest.mark.parametrize(("op", "sample"), _cases())
def test_jvp_and_vjp_match_central_differences(op: Any, sample: Any) -> None:
    args = [np.asarray(a) for a in sample.args]
    diff = [i not in op.nondiff_inputs and a.dtype.kind == "f" for i, a in enumerate(args)]
    rng = np.random.default_rng(7)
    u = [rng.standard_normal(a.shape) if d else None for a, d in zip(args, diff)]
    inputs = [tf.constant(a) for a in args]

    def f(shift: float) -> np.ndarray:
        moved = [a if t is None else a + shift * t for a, t in zip(args, u)]
        return op.run(*[tf.constant(a) for a in moved]).numpy()

    step = 1e-6
    numeric = (f(step) - f(-step)) / (2 * step)
    out = op.run(*inputs)
    jvp = op.jvp([None if t is None else tf.constant(t) for t in u], inputs, out, None)
    np.testing.assert_allclose(jvp.numpy(), numeric, rtol=1e-5, atol=1e-7)
    v = rng.standard_normal(out.numpy().shape)
    sources = [x for x, d in zip(inputs, diff) if d]
    with tf.GradientTape() as tape:
        tape.watch(sources)
        out = op.run(*inputs)
    vjp = tape.gradient(out, sources, output_gradients=tf.constant(v))
    lhs = sum(float(np.sum(t * g.numpy())) for t, g in zip([t for t in u if t is not None], vjp))
    np.testing.assert_allclose(lhs, float(np.sum(numeric * v)), rtol=1e-5, atol=1e-7)
