"""NaN/Inf provenance: TF's check_numerics and enable_check_numerics, and
tapeflow's backward check that names the op whose gradient rule made a NaN.

The TF parts (error type, message format) are pinned against TF 2.21: run
with ``TAPEFLOW_TEST_ORACLE=tensorflow`` to check them again; the tests of
tapeflow's extensions are skipped there.
"""

from __future__ import annotations

import doctest
import inspect
import os
import re
import threading

import numpy as np
import pytest

ORACLE = os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow"
if ORACLE:
    import tensorflow as tf
else:
    import tapeflow as tf
    import tapeflow.debugging  # noqa: F401  (tf.debugging, until tapeflow/__init__ imports it)
    from tapeflow.autodiff import numerics
    from tapeflow.autodiff import tape as tape_mod
    from tapeflow.core import dispatch

InvalidArgumentError = tf.errors.InvalidArgumentError
tapeflow_only = pytest.mark.skipif(ORACLE, reason="a tapeflow extension")
NAN, INF = float("nan"), float("inf")


@pytest.fixture
def checking():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def line_of(marker: str) -> str:
    """``test_numerics.py:N`` of the line in this file that contains ``marker``."""
    source = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    (n,) = [i + 1 for i, text in enumerate(source) if marker in text and "line_of" not in text]
    return f"test_numerics.py:{n}"


def message(info) -> str:
    return str(info.value)


# -- tf.debugging.check_numerics (TF's op) ---------------------------------------------------
def test_check_numerics_returns_a_finite_tensor() -> None:
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(tf.debugging.check_numerics(x, "m").numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(tf.debugging.check_numerics([1.5], message="m").numpy(), [1.5])
    assert tf.debugging.check_numerics(tf.zeros((0,)), "m").shape == (0,)


@pytest.mark.parametrize("values, kinds", [
    ([1.0, NAN], "NaN"), ([1.0, INF], "Inf"), ([-INF, 1.0], "Inf"), ([NAN, INF], "Inf and NaN")])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_check_numerics_message(values, kinds, dtype) -> None:
    with pytest.raises(InvalidArgumentError,
                       match=rf"my text : Tensor had {kinds} values \[Op:CheckNumerics\]"):
        tf.debugging.check_numerics(tf.constant(values, dtype), "my text")


def test_check_numerics_refuses_integers_and_complex() -> None:
    for value in ([1, 2], [1 + 2j]):
        with pytest.raises(InvalidArgumentError, match="Value for attr 'T' of"):
            tf.debugging.check_numerics(tf.constant(value), "m")


def test_assert_all_finite_is_check_numerics() -> None:
    with pytest.raises(InvalidArgumentError, match=r"mm : Tensor had NaN values"):
        tf.debugging.assert_all_finite(tf.constant([NAN]), "mm")


def test_check_numerics_gradient_passes_through_and_is_checked() -> None:
    x = tf.constant([0.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.debugging.check_numerics(x * x, "m")
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 8.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.debugging.check_numerics(x, "m")
    text = (r"Not a number \(NaN\) or infinity \(Inf\) values detected in gradient\. b'm' "
            r": Tensor had NaN values \[Op:CheckNumerics\]")
    with pytest.raises(InvalidArgumentError, match=text):
        tape.gradient(y, x, output_gradients=tf.constant([NAN, 1.0]))


# -- tf.debugging.enable_check_numerics: TF's behaviour and message -----------------------------
def test_forward_inf_from_log_of_zero(checking) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        tf.math.log(tf.constant(0.0))
    text = message(info)
    assert ('\n\n!!! Detected Infinity or NaN in output 0 of eagerly-executing op "Log" '
            '(# of outputs: 1) !!!\n  dtype: <dtype: \'float32\'>\n  shape: ()\n'
            '  # of -Inf elements: 1\n\n  Input tensor: tf.Tensor(0.0, shape=(), '
            'dtype=float32)\n') in text
    assert re.search(r"\n : Tensor had -Inf values \[Op:CheckNumericsV2\]", text)


def test_forward_message_counts_and_inputs(checking) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        tf.math.log(tf.constant([0.0, -1.0, 1.0]))
    text = message(info)
    assert "  shape: (3,)\n  # of -Inf elements: 1\n  # of +NaN elements: 1\n" in text
    assert "Tensor had -Inf and NaN values" in text
    with pytest.raises(InvalidArgumentError) as info:
        tf.constant([1.0, NAN]) * 2.0
    text = message(info)
    assert 'op "Mul" (# of outputs: 1)' in text and "  # of +NaN elements: 1\n" in text
    assert ("\n  Input tensors (2):\n         0: tf.Tensor([ 1. nan], shape=(2,), dtype=float32)"
            "\n         1: tf.Tensor(2.0, shape=(), dtype=float32)\n") in text


@pytest.mark.parametrize("run, op, kinds", [
    (lambda: tf.constant([1e30]) * tf.constant([1e30]), "Mul", "+Inf"),
    (lambda: tf.cast(tf.constant([1e300], tf.float64), tf.float32), "Cast", "+Inf"),
    (lambda: tf.sqrt(np.array([[0.0, -1.0], [4.0, 3.0]])), "Sqrt", "NaN"),
    (lambda: tf.math.log(tf.constant([0.0], tf.float16)), "Log", "-Inf"),
])
def test_forward_ops(checking, run, op, kinds) -> None:
    with pytest.raises(InvalidArgumentError,
                       match=rf'(?s)op "{op}".*Tensor had {re.escape(kinds)} values'):
        run()


def test_ops_that_move_data_and_complex_results_are_not_checked(checking) -> None:
    nan = tf.constant([NAN, 1.0])
    for run in (lambda: tf.reshape(nan, [1, 2]), lambda: nan[0], lambda: tf.identity(nan),
                lambda: tf.concat([nan, nan], 0), lambda: tf.maximum(nan, 1.0),
                lambda: tf.complex(nan, nan)):
        run()  # TF's SAFE_OPS and Identity; complex outputs (TF checks floating only)


def test_reading_a_nan_variable_raises(checking) -> None:
    v = tf.Variable([NAN])
    with pytest.raises(InvalidArgumentError, match='op "ReadVariableOp"'):
        v + 1.0


def test_disable_and_idempotence() -> None:
    tf.debugging.enable_check_numerics()
    tf.debugging.enable_check_numerics()
    tf.debugging.disable_check_numerics()
    assert np.isneginf(tf.math.log(tf.constant(0.0)).numpy())
    tf.debugging.disable_check_numerics()
    assert np.isneginf(tf.math.log(tf.constant(0.0)).numpy())


def test_other_threads_are_not_checked(checking) -> None:
    results = []
    worker = threading.Thread(target=lambda: results.append(
        float(tf.math.log(tf.constant(0.0)))))
    worker.start()
    worker.join()
    assert results == [-INF]


# -- off: nothing on the hot path --------------------------------------------------------------
@tapeflow_only
def test_off_means_the_plain_tape_hooks() -> None:
    assert dispatch.record_hook is tape_mod.record and not dispatch.recorders
    assert tape_mod.cotangent_check is None
    with numerics.check_numerics_scope():
        assert dispatch.record_hook is tape_mod._record_observed and len(dispatch.recorders) == 1
        assert tape_mod.cotangent_check is not None
    assert dispatch.record_hook is tape_mod.record and not dispatch.recorders
    assert tape_mod.cotangent_check is None


@tapeflow_only
def test_scope_restores_what_was_on() -> None:
    with numerics.check_numerics_scope():
        with numerics.check_numerics_scope():
            pass
        with pytest.raises(InvalidArgumentError):
            tf.math.log(tf.constant(0.0))
    tf.math.log(tf.constant(0.0))
    tf.debugging.enable_check_numerics()
    with numerics.check_numerics_scope():
        pass
    with pytest.raises(InvalidArgumentError):  # still on: the scope found it on
        tf.math.log(tf.constant(0.0))
    tf.debugging.disable_check_numerics()


@tapeflow_only
def test_finite_values_pass_even_when_their_sum_overflows(checking) -> None:
    big = tf.constant([3e38, 3e38])
    assert np.isfinite((big * 1.0).numpy()).all()
    half = tf.constant([60000.0, 60000.0], tf.float16)
    assert np.isfinite((half * 1.0).numpy()).all()


# -- tapeflow's forward extras: input summary and line -----------------------------------------
@tapeflow_only
def test_forward_message_has_input_summary_and_line(checking) -> None:
    x = tf.constant([0.0, 1.0, 4.0])
    with pytest.raises(InvalidArgumentError) as info:
        tf.math.log(x)  # MARK-log
    text = message(info)
    assert ("Input summary (min/max of the finite values):\n"
            "         0: shape=(3,), dtype=float32, min=0, max=4, NaN=0, Inf=0\n") in text
    assert f"Run at: {line_of('MARK-log')}" in text


def one_op(y, step: int):
    """One op of derivative 1 that keeps y in [0.5, 2) (gradients neither vanish nor grow)."""
    kind = step % 4
    if kind == 0:
        return y + 0.25
    if kind == 1:
        return y - 0.25
    return y * 1.0 if kind == 2 else tf.abs(y)


@tapeflow_only
def test_planted_nan_in_1000_ops_found_at_its_op_and_line(checking) -> None:
    y = tf.constant(np.linspace(0.5, 1.5, 16), tf.float32)
    step = 0
    with pytest.raises(InvalidArgumentError) as info:
        for step in range(1000):  # noqa: B007  (the step reached is checked below)
            y = tf.math.log(y - y) if step == 617 else one_op(y, step)  # MARK-planted
    assert step == 617
    text = message(info)
    assert 'op "Log"' in text and f"Run at: {line_of('MARK-planted')}" in text
    assert "# of -Inf elements: 16" in text


@tapeflow_only
def test_planted_backward_inf_in_1000_ops_found_at_its_op_and_line(checking) -> None:
    x = tf.Variable(np.linspace(0.5, 1.5, 16).astype(np.float32))
    with tf.GradientTape() as tape:
        y = x
        for step in range(1000):
            # forward: sqrt(0) = 0, finite; backward: 1 * d sqrt(0) = inf
            y = tf.sqrt(y - y) + y if step == 617 else one_op(y, step)  # MARK-sqrt
        loss = tf.reduce_sum(y)
    with pytest.raises(InvalidArgumentError) as info:
        tape.gradient(loss, x)
    text = message(info)
    assert (f'Detected Infinity or NaN in the gradient made by the VJP of op "Sqrt" '
            f'(recorded at {line_of("MARK-sqrt")})') in text
    assert "# of +Inf elements: 16" in text and "Tensor had +Inf values" in text
    assert "Values the rule read:\n         out: shape=(16,), dtype=float32, min=0, max=0" in text


# -- the where/sqrt classic ---------------------------------------------------------------------
def branch_nan_without_checks(f) -> bool:
    x = tf.constant([0.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0, f(x), 0.0)
    return bool(np.isnan(tape.gradient(y, x).numpy()).any())


@tapeflow_only
@pytest.mark.parametrize("f", [tf.sqrt, lambda x: x ** 0.5],  # MARK-pow
                         ids=["sqrt", "pow"])
def test_nan_from_the_branch_not_taken_by_where(f) -> None:
    nan_without_checks = branch_nan_without_checks(f)
    x = tf.constant([0.0, 4.0])
    with numerics.check_numerics_scope():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.where(x > 0, f(x), 0.0)  # MARK-where
        if not nan_without_checks:
            # TF's SqrtGrad gives 0 for a 0 cotangent: once tapeflow's does, no NaN, no error
            np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.0, 0.25])
            return
        with pytest.raises(InvalidArgumentError) as info:
            tape.gradient(y, x)
    text = message(info)
    assert "the gradient made by the VJP of op" in text
    op_line = line_of("MARK-pow") if f is not tf.sqrt else line_of("MARK-where")
    assert f"(recorded at {op_line})" in text  # the user's line: Pow runs in the lambda
    assert numerics.WHERE_HINT in text and f"(the where at {line_of('MARK-where')})" in text


@tapeflow_only
def test_where_through_other_ops(checking) -> None:
    x = tf.constant([0.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0, (x ** 0.5) * 2.0 + 1.0, 0.0)
    with pytest.raises(InvalidArgumentError, match=re.escape(numerics.WHERE_HINT)):
        tape.gradient(y, x)


def test_log_of_zero_in_the_branch_not_taken_raises_forward(checking) -> None:
    x = tf.constant([0.0, 4.0])
    with pytest.raises(InvalidArgumentError, match='op "Log"'):  # as TF: log(0) = -inf
        tf.where(x > 0, tf.math.log(x), 0.0)


@tapeflow_only
def test_backward_check_alone_still_names_the_op() -> None:
    x = tf.constant([0.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0, tf.math.log(x), 0.0)
    with numerics.check_numerics_scope(), pytest.raises(InvalidArgumentError) as info:
        tape.gradient(y, x)
    text = message(info)
    assert 'VJP of op "Log" !!!' in text  # no line: the forward ran unchecked
    assert "0 * inf" in text and "branch not taken by where" in text


@tapeflow_only
def test_a_nan_seed_is_blamed_on_the_seed(checking) -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 3.0
    with pytest.raises(InvalidArgumentError, match="seed"):
        tape.gradient(y, x, output_gradients=tf.constant([NAN, 1.0]))


@tapeflow_only
def test_custom_gradient_rule_named(checking) -> None:
    @tf.custom_gradient
    def bad(x):
        return tf.identity(x), lambda g: g * np.float32(np.inf)

    x = tf.constant([1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bad(x) * 2.0
    with pytest.raises(InvalidArgumentError, match='VJP of op "CustomGradient"'):
        tape.gradient(y, x)


@tapeflow_only
def test_infinities_inside_a_rule_are_left_to_the_backward_check(checking) -> None:
    x = tf.constant([0.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0, x ** 0.5, 0.0)
    # Pow's rule computes 0.5 * x ** -0.5 = inf: the forward check must not name that op
    with pytest.raises(InvalidArgumentError) as info:
        tape.gradient(y, x)
    assert 'VJP of op "Pow"' in message(info) and "eagerly-executing" not in message(info)


@tapeflow_only
def test_checked_gradients_equal_unchecked(checking) -> None:
    w = tf.Variable(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32))
    x = tf.constant(np.linspace(0, 1, 6).reshape(2, 3).astype(np.float32))

    def run():
        with tf.GradientTape(persistent=True) as tape:
            h = tf.tanh(tf.matmul(x, w))
            loss = tf.reduce_mean(tf.square(h)) + tf.reduce_sum(tf.nn.softplus(h))
        return (tape.gradient(loss, w).numpy(), tape.jacobian(h, w).numpy())

    checked = run()
    tf.debugging.disable_check_numerics()
    plain = run()
    tf.debugging.enable_check_numerics()
    for a, b in zip(checked, plain):
        np.testing.assert_array_equal(a, b)


@tapeflow_only
def test_second_order_with_checking(checking) -> None:
    x = tf.constant(1.5)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x ** 3
        dy = inner.gradient(y, x)
    assert float(outer.gradient(dy, x)) == pytest.approx(9.0)


@tapeflow_only
def test_doctests(monkeypatch) -> None:
    # the extension's public name, until tapeflow/__init__ exports it
    monkeypatch.setattr(tf, "check_numerics_scope", numerics.check_numerics_scope,
                        raising=False)
    for module in (numerics, tf.debugging):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
