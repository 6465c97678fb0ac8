"""Why is a gradient None: each classic mistake gets its cause and the user's line."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tapeflow as tf


@pytest.fixture
def explaining():
    tf.explain_gradients(True, warn=False)
    yield
    tf.explain_gradients(False)


def line_of(marker: str) -> str:
    """``test_explain.py:N`` of the line in this file that contains ``marker``."""
    source = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    (n,) = [i + 1 for i, text in enumerate(source) if marker in text and "line_of" not in text]
    return f"test_explain.py:{n}"


def test_never_watched() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        y = x * x
    assert g.gradient(y, x) is None
    assert "never watched" in tf.explain(g, y, x) and "tape.watch(x)" in tf.explain(g, y, x)


def test_integer_source() -> None:
    x = tf.constant(3)
    with tf.GradientTape() as g, pytest.warns(UserWarning, match="must be floating"):
        g.watch(x)
    y = tf.cast(x, tf.float32)
    assert "integer tensor (int32)" in tf.explain(g, y, x)


def test_non_differentiable_op_named_with_line(explaining) -> None:
    x = tf.constant(2.5)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.floor(x) * 2.0  # MARK-floor
    why = tf.explain(g, y, x)
    assert "`Floor` has no gradient" in why and line_of("MARK-floor") in why


def test_integer_cast_on_the_path(explaining) -> None:
    x = tf.constant(2.5)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32)  # MARK-cast
    why = tf.explain(g, y, x)
    assert "`Cast` gives int32 values" in why and line_of("MARK-cast") in why


def test_value_left_through_numpy(explaining) -> None:
    x = tf.constant(0.5)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.constant(np.sin(x.numpy())) * 2.0  # MARK-numpy
    why = tf.explain(g, y, x)
    assert "left the tape through .numpy()" in why and line_of("MARK-numpy") in why


def test_derived_value_left_through_float(explaining) -> None:
    x = tf.constant(0.5)
    with tf.GradientTape() as g:
        g.watch(x)
        h = x * 3.0
        y = tf.constant(float(h) ** 2)  # MARK-float
    why = tf.explain(g, y, x)
    assert "a value computed from the source left the tape through float()" in why
    assert line_of("MARK-float") in why


def test_stopped_tape(explaining) -> None:
    x = tf.constant(1.5)
    with tf.GradientTape() as g:
        g.watch(x)
        with g.stop_recording():  # MARK-stop
            z = x * x
        y = z + 1.0
    why = tf.explain(g, y, x)
    assert "ran while the tape was stopped" in why and line_of("MARK-stop") in why
    assert g.gradient(y, x) is None


def test_reset_tape(explaining) -> None:
    x = tf.constant(1.5)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        g.reset()  # MARK-reset
        y = y * 2.0
    why = tf.explain(g, y, x)
    assert why.startswith("tape.reset() at " + line_of("MARK-reset"))


def test_unrelated_target() -> None:
    x, w = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([x, w])
        y = w * 3.0
    assert tf.explain(g, y, x).startswith("the target does not depend on the source")


def test_variables() -> None:
    frozen = tf.Variable(1.0, trainable=False)
    early = tf.Variable(1.0)
    before = early * 2.0
    with tf.GradientTape() as g:
        y = frozen * 2.0 + before
    assert "non-trainable Variable" in tf.explain(g, y, frozen)
    assert "never read while the tape was recording" in tf.explain(g, y, early)
    with tf.GradientTape(watch_accessed_variables=False) as g2:
        y2 = early * 2.0
    assert "watch_accessed_variables=False" in tf.explain(g2, y2, early)


def test_connected_gradient_is_not_explained_as_missing() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
    assert "not None" in tf.explain(g, y, x)
    assert float(g.gradient(y, x)) == 4.0


def test_warning_mode_names_cause_and_points_at_the_call() -> None:
    tf.explain_gradients(True, warn=True)
    try:
        x = tf.constant(2.5)
        with tf.GradientTape() as g:
            g.watch(x)
            y = tf.round(x)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert g.gradient(y, x) is None  # MARK-gradient
        (w,) = [w for w in caught if "Gradient is None" in str(w.message)]
        assert "`Round` has no gradient" in str(w.message)
        assert f"{w.filename.rsplit('/', 1)[-1]}:{w.lineno}" == line_of("MARK-gradient")
        # the explanation survives the non-persistent tape's release
        assert "`Round` has no gradient" in tf.explain(g, y, x)
    finally:
        tf.explain_gradients(False)


def test_explanation_mode_off_costs_nothing() -> None:
    from tapeflow.autodiff import tape as tape_mod
    from tapeflow.core import dispatch
    assert dispatch.record_hook is tape_mod.record
    tf.explain_gradients(True)
    assert dispatch.record_hook is not tape_mod.record
    tf.explain_gradients(False)
    assert dispatch.record_hook is tape_mod.record
    assert tf.Tensor.numpy.__name__ == "numpy" and not hasattr(tf.Tensor.numpy, "__wrapped__")
