"""GradientTape semantics, each pinned against TF 2.21.

Run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` (where TF is installed) to check
every expectation against real TF; see tests/test_tensor.py.  TF reports
non-differentiable sources through its logger, tapeflow through Python
warnings: only that part is checked for tapeflow alone.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import threading

import numpy as np
import pytest

if os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow":
    import tensorflow as tf
else:
    import tapeflow as tf

ORACLE = tf.__name__ == "tensorflow"
InvalidArgumentError = tf.errors.InvalidArgumentError
ONE_SET = ("A non-persistent GradientTape can only be used to compute one set of gradients "
           r"\(or jacobians\)")
inside_context = pytest.mark.filterwarnings(
    "ignore:Calling GradientTape.gradient on a persistent tape inside its context")


def c(value, dtype=None):
    return tf.constant(value, dtype)


def values(grads):
    """Gradients as plain Python numbers or lists (None stays None)."""
    if isinstance(grads, (list, tuple)):
        return type(grads)(values(g) for g in grads)
    if isinstance(grads, dict):
        return {k: values(g) for k, g in grads.items()}
    return None if grads is None else grads.numpy().tolist()


def warns_not_differentiable(what):
    """tapeflow warns (TF only logs) that a non-floating value is watched or a source."""
    if ORACLE:
        return contextlib.nullcontext()
    return pytest.warns(UserWarning, match=rf"The dtype of the {what} tensor must be floating "
                        r"\(e.g. tf.float32\), got tf.(int32|bool)")


# -- watching --------------------------------------------------------------------------
def test_watch_tensor():
    x = c(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    assert g.gradient(y, x).numpy() == 6.0


def test_unwatched_tensor_has_no_gradient():
    x = c(2.0)
    with tf.GradientTape() as g:
        y = x * x
    assert g.gradient(y, x) is None


def test_watch_nested_structures():
    x, y0, z0 = c(3.0), c(2.0), c(5.0)
    with tf.GradientTape() as g:
        g.watch([x, {"a": y0, "b": (z0,)}])
        y = x * y0 * z0
    grads = g.gradient(y, [x, {"a": y0, "b": (z0,)}])
    assert values(grads) == [10.0, {"a": 15.0, "b": (6.0,)}]


def test_watch_variable_and_intermediate():
    v = tf.Variable(2.0, trainable=False)
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(v)
        g.watch(x)
        y = x * x
        g.watch(y)  # watching an intermediate changes nothing: it is already traced
        z = y * 3.0 + v
    assert values(g.gradient(z, [x, y, v])) == [12.0, 3.0, 1.0]


def test_trainable_variables_are_watched_when_read():
    w = tf.Variable(2.0)
    n = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as g:
        y = w * n
    assert values(g.gradient(y, [w, n])) == [3.0, None]
    assert g.watched_variables() == (w,) or list(g.watched_variables()) == [w]


def test_variables_not_read_are_not_watched():
    w = tf.Variable(2.0)
    with tf.GradientTape() as g:
        y = tf.constant(3.0)
    assert g.gradient(y, w) is None and len(g.watched_variables()) == 0


def test_watch_accessed_variables_false():
    w = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as g:
        y = w * w
    assert g.gradient(y, w) is None and len(g.watched_variables()) == 0
    with tf.GradientTape(watch_accessed_variables=False) as g:
        g.watch(w)
        y = w * w
    assert g.gradient(y, w).numpy() == 4.0


def test_watched_variables_in_creation_order():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    cc = tf.Variable(3.0, name="c")
    with tf.GradientTape() as g:
        g.watch(b)
        y = cc * a + b * a
    assert [v.name for v in g.watched_variables()] == ["a:0", "b:0", "c:0"]
    assert isinstance(g.watched_variables(), tuple)
    g.gradient(y, a)
    assert [v.name for v in g.watched_variables()] == ["a:0", "b:0", "c:0"]  # kept after use
    assert tf.GradientTape().watched_variables() == ()


@pytest.mark.parametrize("value, type_name", [(3.0, "float"), (None, "NoneType"),
                                              ([c(1.0), 3.0], "float"),
                                              (np.float32(1.0), "float32")])
def test_watch_refuses_non_tensors(value, type_name):
    with tf.GradientTape() as g:
        with pytest.raises(ValueError, match=rf"Passed in object .* of type '{type_name}', not "
                           r"tf.Tensor or tf.Variable or ExtensionType."):
            g.watch(value)


# -- stop_recording and reset -------------------------------------------------------------
def test_stop_recording():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        with g.stop_recording():
            z = x * x * x
        w = y + z
    assert g.gradient(w, x).numpy() == 4.0


def test_gradient_inside_stop_recording():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        with g.stop_recording():
            d = g.gradient(y, x)
    assert d.numpy() == 4.0


def test_stop_recording_when_not_recording():
    with pytest.raises(RuntimeError, match="Trying to stop recording a tape which is not "
                       "recording."):
        with tf.GradientTape().stop_recording():
            pass
    with tf.GradientTape() as g:
        pass
    with pytest.raises(ValueError, match="Tape is not recording."):
        with g.stop_recording():
            pass
    with tf.GradientTape(persistent=True) as g:
        with g.stop_recording():
            with pytest.raises(ValueError, match="Tape is not recording."):
                with g.stop_recording():
                    pass


def test_reset():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        g.reset()
        z = x * x * x  # x is no longer watched
    assert g.gradient(z, x) is None
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        g.reset()
        g.watch(x)
        z = x * x * x
    assert values(g.gradient([y, z], [x])) == [12.0]  # y was recorded before the reset


def test_reset_when_not_recording():
    with pytest.raises(ValueError, match="Tape is not recording."):
        tf.GradientTape().reset()
    x = c(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        with g.stop_recording():
            with pytest.raises(ValueError, match="Tape is not recording."):
                g.reset()
    with pytest.raises(ValueError, match="Tape is not recording."):
        g.reset()


# -- gradient(): structures, targets and seeds ---------------------------------------------
def _xy():
    return c(2.0), c(3.0)


@pytest.mark.parametrize("make_sources, expected", [
    (lambda x, y: [x, y], [3.0, 2.0]),
    (lambda x, y: (x, y), (3.0, 2.0)),
    (lambda x, y: {"b": x, "a": y}, {"b": 3.0, "a": 2.0}),
    (lambda x, y: [x, (y, {"k": x})], [3.0, (2.0, {"k": 3.0})]),
    (lambda x, y: [x, x], [3.0, 3.0]),
    (lambda x, y: x, 3.0),
])
def test_gradient_returns_the_sources_structure(make_sources, expected):
    x, y0 = _xy()
    with tf.GradientTape() as g:
        g.watch([x, y0])
        z = x * y0
    grads = g.gradient(z, make_sources(x, y0))
    if isinstance(expected, (list, tuple, dict)):
        assert type(grads) is type(expected)
    assert values(grads) == expected


@pytest.mark.parametrize("make_targets, expected", [
    (lambda x: [x * x, x * 3.0], 7.0),
    (lambda x: {"a": x * x, "b": [x * 3.0]}, 7.0),
    (lambda x: (x * 2.0, x * 2.0), 4.0),
])
def test_several_targets_are_summed(make_targets, expected):
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        targets = make_targets(x)
    assert g.gradient(targets, x).numpy() == expected


def test_non_scalar_target_uses_ones():
    x = c([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        g.watch(x)
        z = x * x
    assert values(g.gradient(z, x)) == [2.0, 4.0, 6.0]
    m = c([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as g:
        g.watch(m)
        p = m @ m
    assert values(g.gradient(p, m)) == [[7.0, 11.0], [9.0, 13.0]]


def test_output_gradients():
    x = c([1.0, 2.0])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        z = x * x
        w = x * 3.0
    assert values(g.gradient(z, x, output_gradients=c([10.0, 100.0]))) == [20.0, 400.0]
    assert values(g.gradient(z, x, output_gradients=[c([1.0, 1.0])])) == [2.0, 4.0]
    assert values(g.gradient([z, w], x, output_gradients=[c([1.0, 0.0]), c([0.0, 10.0])])) \
        == [2.0, 30.0]
    # a seed broadcasts against its target
    assert values(g.gradient(z, x, output_gradients=c(2.0))) == [4.0, 8.0]
    with pytest.raises(InvalidArgumentError):
        g.gradient(z, x, output_gradients=c([1.0, 2.0, 3.0]))
    with pytest.raises(InvalidArgumentError, match=r"cannot compute Mul as input "
                       r"#1\(zero-based\) was expected to be a double tensor but is a float"):
        g.gradient(z, x, output_gradients=c([1.0, 1.0], tf.float64))


def test_gradients_with_respect_to_intermediates():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        z = y * 3.0
    assert values(g.gradient(z, [x, y])) == [12.0, 3.0]
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        z = y * 3.0
    assert g.gradient(z, y).numpy() == 3.0


def test_every_subset_of_the_watched_sources_gives_the_same_gradients():
    # The walk skips its reachability sweep when every watched root is a source;
    # with some roots left out it sweeps.  Both must agree (closed forms below).
    a, b = c(2.0), c(5.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([a, b])
        u = a * a          # 4
        w = u * b          # a^2 b = 20
        z = w + b * 3.0    # a^2 b + 3 b = 35
    assert values(g.gradient(z, [a, b])) == [20.0, 7.0]      # 2ab, a^2 + 3
    assert values(g.gradient(z, [b, a])) == [7.0, 20.0]
    assert values(g.gradient(z, [a])) == [20.0]
    assert values(g.gradient(z, [b])) == [7.0]
    assert values(g.gradient(z, [a, b, u])) == [20.0, 7.0, 5.0]  # dz/du = b
    assert values(g.gradient(z, [u, w])) == [5.0, 1.0]
    assert values(g.gradient(u, [a, b])) == [4.0, None]


def test_target_that_is_a_source_gets_its_seed():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    assert g.gradient(y, y).numpy() == 1.0
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    assert g.gradient([y, x], x).numpy() == 3.0
    with tf.GradientTape() as g:  # even unwatched
        y = x * 2.0
    assert g.gradient([y, x], x).numpy() == 1.0
    v = tf.Variable(2.0)
    with tf.GradientTape() as g:
        r = v.read_value()
    assert g.gradient(r, v).numpy() == 1.0
    with tf.GradientTape() as g:
        pass
    assert g.gradient(v, v).numpy() == 1.0


def test_unconnected_gradients():
    x, u = c(2.0), c([1.0, 2.0])
    w, iv = tf.Variable([1.0, 2.0]), c([1, 2])
    for how in (tf.UnconnectedGradients.ZERO, "zero"):
        with tf.GradientTape() as g:
            g.watch(x)
            y = x * x
        with warns_not_differentiable("source"):  # iv is an int32 source
            grads = g.gradient(y, [x, u, w, iv], unconnected_gradients=how)
        assert values(grads) == [4.0, [0.0, 0.0], [0.0, 0.0], [0, 0]]
        assert grads[1].dtype == tf.float32 and grads[3].dtype == tf.int32
    for how in (tf.UnconnectedGradients.NONE, "none"):
        with tf.GradientTape() as g:
            g.watch(x)
            y = x * x
        assert values(g.gradient(y, [x, u], unconnected_gradients=how)) == [4.0, None]
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: 'bogus'"):
        g.gradient(y, x, unconnected_gradients="bogus")


def test_zero_does_not_replace_connected_gradients():
    x = c([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(x * x)
    assert values(g.gradient(y, x, unconnected_gradients="zero")) == [2.0, 4.0]


@pytest.mark.parametrize("make", [lambda: c(2), lambda: c(True)], ids=["int", "bool"])
def test_non_floating_sources_give_none_with_a_warning(make):
    x = make()
    with warns_not_differentiable("watched"):
        with tf.GradientTape() as g:
            g.watch(x)
            y = tf.logical_not(x) if x.dtype == tf.bool else x * x
    with warns_not_differentiable("source"):
        assert g.gradient(y, x) is None


def test_integer_variable_source_gives_none_with_a_warning():
    v = tf.Variable(3)
    with tf.GradientTape() as g:
        y = v * v
    assert list(g.watched_variables()) == [v]  # watched, though it cannot get a gradient
    with warns_not_differentiable("source"):
        assert g.gradient(y, v) is None


def test_integer_source_not_on_the_tape_warns_too():
    x, i = c(2.0), c(3)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    with warns_not_differentiable("source"):
        assert values(g.gradient(y, [x, i])) == [4.0, None]


def test_integers_break_the_chain():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32)
    assert g.gradient(y, x) is None
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(x, tf.int32)
    assert g.gradient(y, x) is None


def test_cast_between_float_dtypes_carries_the_gradient():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(x, tf.float64) * 3
    dx = g.gradient(y, x)
    assert dx.dtype == tf.float32 and dx.numpy() == 3.0
    x64 = c(2.0, tf.float64)
    with tf.GradientTape() as g:
        g.watch(x64)
        y = tf.cast(x64, tf.float32) ** 2
    dx = g.gradient(y, x64)
    assert dx.dtype == tf.float64 and dx.numpy() == 4.0


# -- gradient(): misuse ------------------------------------------------------------------
def test_second_gradient_call_on_a_non_persistent_tape():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    assert g.gradient(y, x).numpy() == 4.0
    with pytest.raises(RuntimeError, match=ONE_SET):
        g.gradient(y, x)
    with pytest.raises(RuntimeError, match=ONE_SET):
        tf.GradientTape().gradient(x, x)  # never entered


def test_reentering_a_used_tape_starts_afresh():
    x = c(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    with g:
        pass
    assert g.gradient(y, x) is None


def test_persistent_tape_many_gradients():
    x = c(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
    assert g.gradient(y, x).numpy() == 6.0
    assert g.gradient(y, x).numpy() == 6.0
    assert g.gradient(y * 2.0, x) is None  # computed after the context: not recorded
    with g:  # a persistent tape re-entered keeps its records and adds more
        z = x * x * x
    assert g.gradient(z, x).numpy() == 27.0 and g.gradient(y, x).numpy() == 6.0


@inside_context
def test_gradient_inside_a_persistent_context_is_recorded():
    x = c(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x * x
        dy = g.gradient(y, x)
        z = x * 5.0
    assert dy.numpy() == 27.0
    assert g.gradient(dy, x).numpy() == 18.0  # 6x: the first gradient was recorded
    assert g.gradient(z, x).numpy() == 5.0


def test_gradient_inside_a_non_persistent_context_stops_recording():
    x = c(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as g:
            g.watch(x)
            y = x * x
            dy = g.gradient(y, x)
            z = dy * x
            with pytest.raises(RuntimeError, match="Trying to stop recording a tape which is "
                               "not recording."):
                with g.stop_recording():
                    pass
        with pytest.raises(RuntimeError, match=ONE_SET):
            g.gradient(z, x)
    assert dy.numpy() == 6.0
    assert outer.gradient(z, x).numpy() == 12.0  # d(2x * x)/dx: the outer tape saw it all


def test_reentering_an_active_tape():
    g = tf.GradientTape()
    with g:
        with pytest.raises(ValueError, match="Tape is still recording, This can happen if you "
                           "try to re-enter an already-active tape."):
            with g:
                pass


def test_target_none():
    x = c(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
    with pytest.raises(TypeError, match=r"Argument `target` should be a list or nested "
                       r"structure of Tensors, Variables or CompositeTensors to be "
                       r"differentiated, but received None."):
        g.gradient(None, x)


@pytest.mark.parametrize("target, sources", [
    (lambda x, y: [y, None], lambda x: x),
    (lambda x, y: y, lambda x: None),
    (lambda x, y: y, lambda x: [x, None]),
])
def test_none_in_targets_or_sources(target, sources):
    x = c(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    with pytest.raises(TypeError):
        g.gradient(target(x, y), sources(x))


# -- higher order ---------------------------------------------------------------------
def test_nested_tapes_second_and_third_derivatives():
    x = c(2.0)
    with tf.GradientTape() as g3:
        g3.watch(x)
        with tf.GradientTape() as g2:
            g2.watch(x)
            with tf.GradientTape() as g1:
                g1.watch(x)
                y = x ** 3
            d1 = g1.gradient(y, x)
        d2 = g2.gradient(d1, x)
    d3 = g3.gradient(d2, x)
    assert (d1.numpy(), d2.numpy(), d3.numpy()) == (12.0, 12.0, 6.0)  # 3x^2, 6x, 6


@pytest.mark.parametrize("f, derivatives", [
    (lambda x: tf.sin(x), lambda x: (math.cos(x), -math.sin(x), -math.cos(x))),
    (lambda x: tf.exp(2.0 * x), lambda x: (2 * math.exp(2 * x), 4 * math.exp(2 * x),
                                           8 * math.exp(2 * x))),
    (lambda x: x * x * x * x, lambda x: (4 * x**3, 12 * x**2, 24 * x)),
    (lambda x: 1.0 / x, lambda x: (-1 / x**2, 2 / x**3, -6 / x**4)),
    (lambda x: tf.tanh(x), lambda x: (1 - math.tanh(x)**2,
                                      -2 * math.tanh(x) * (1 - math.tanh(x)**2),
                                      (1 - math.tanh(x)**2) * (6 * math.tanh(x)**2 - 2))),
], ids=["sin", "exp2x", "x4", "reciprocal", "tanh"])
def test_higher_derivatives_against_closed_forms(f, derivatives):
    x0 = 0.7
    x = c(x0, tf.float64)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = f(x)
        d1 = g.gradient(y, x)
        d2 = g.gradient(d1, x)
    d3 = g.gradient(d2, x)
    np.testing.assert_allclose([d1.numpy(), d2.numpy(), d3.numpy()], derivatives(x0),
                               rtol=1e-12)


def test_second_derivative_through_variables():
    w = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = w * w * w
        dw = inner.gradient(y, w)
    assert dw.numpy() == 27.0
    assert outer.gradient(dw, w).numpy() == 18.0


# -- Variables on the tape ---------------------------------------------------------------
def test_variable_reads_count_before_and_after_an_assign():
    w = tf.Variable(2.0)
    with tf.GradientTape() as g:
        y1 = w * w      # read at 2.0
        w.assign(5.0)
        y2 = w * 3.0    # read at 5.0
        y = y1 + y2
    assert g.gradient(y, w).numpy() == 7.0  # 2 * 2 + 3
    w = tf.Variable(2.0)
    with tf.GradientTape() as g:
        w.assign_add(1.0)
        y = w * w
    assert g.gradient(y, w).numpy() == 6.0


def test_read_value_and_value_are_recorded():
    v = tf.Variable(2.0)
    for read in (lambda: v.read_value(), lambda: v.value(), lambda: tf.identity(v)):
        with tf.GradientTape() as g:
            y = read() * 3.0
        assert g.gradient(y, v).numpy() == 3.0


def test_gradient_with_respect_to_a_read_made_after_the_tape():
    v = tf.Variable(2.0)
    with tf.GradientTape() as g:
        y = v * 3.0
    assert g.gradient(y, v.read_value()) is None


def test_each_read_is_its_own_tensor():
    # A read handed out is a tensor of its own: a target computed from another
    # read of the same value does not depend on it (so reads cannot be shared).
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as g:
        y = v * 3.0
        reads = [v.read_value(), v.value(), tf.identity(v), tf.convert_to_tensor(v)]
        z = reads[0] * reads[1]
    assert [g.gradient(y, r) for r in reads] == [None] * 4
    assert values(g.gradient(z, reads[:2])) == [2.0, 2.0]
    assert g.gradient([y, z], v).numpy() == 7.0  # 3 + 2 * 2, through every read


def test_slicing_and_packing_are_recorded():
    x = c([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x[0] * 3.0
    assert values(g.gradient(y, x)) == [3.0, 0.0]
    s = c(2.0)
    with tf.GradientTape() as g:
        g.watch(s)
        y = tf.convert_to_tensor([s, s * 2.0])
    assert g.gradient(y, s).numpy() == 3.0


# -- threads ---------------------------------------------------------------------------
def test_tapes_are_per_thread():
    x = c(2.0)
    out = {}

    def work():
        out["y"] = x * x  # runs while the main thread's tape is active

    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        z = x * 3.0
    assert g.gradient(out["y"], x) is None
    assert g.gradient(z, x).numpy() == 3.0


def test_a_thread_has_its_own_tapes():
    x = c(2.0)
    out = {}

    def work():
        try:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = x * x
            out["grad"] = inner.gradient(y, x).numpy()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            out["grad"] = exc

    with tf.GradientTape() as g:
        g.watch(x)
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        z = x * 3.0
    assert out["grad"] == 4.0
    assert g.gradient(z, x).numpy() == 3.0


# -- eager control flow: tf.cond, tf.while_loop, tf.switch_case ---------------------------
def test_gradients_flow_through_the_branch_cond_takes():
    x = c(2.0)
    for positive, want in ((True, 12.0), (False, -1.0)):
        with tf.GradientTape() as g:
            g.watch(x)
            y = tf.cond(c(positive), lambda: x ** 3 * 0.5 * 2.0, lambda: -x)
        assert g.gradient(y, x).numpy() == want  # d(x^3)/dx = 12 at 2; d(-x)/dx = -1
    assert values(tf.cond(True, lambda: [c(1)], lambda: [c(2)])) == [1]  # not unpacked
    assert tf.cond(c([True]), lambda: 5, lambda: 6) == 5
    assert values(tf.cond(c(1.0) > 0, lambda: {"a": c(1)}, lambda: {"a": c(2)})) == {"a": 1}


@pytest.mark.parametrize("call, error, message", [
    (lambda: tf.cond(True, true_fn=lambda: c(1.0)), TypeError,
     "cond(): 'false_fn' argument required"),
    (lambda: tf.cond(True, 1, lambda: 2), TypeError, "'true_fn' must be callable."),
    (lambda: tf.cond(True, lambda: 1, 2), TypeError, "'false_fn' must be callable."),
    (lambda: tf.cond(c([True, False]), lambda: 1, lambda: 2), ValueError,
     "The truth value of an array with more than one element is ambiguous"),
])
def test_cond_argument_errors(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_while_loop_runs_body_and_gradients_flow_through_every_iteration():
    x = c(1.5)
    with tf.GradientTape() as g:
        g.watch(x)
        i, y = tf.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, y * x), (c(0), c(1.0)))
    assert i.numpy() == 4 and y.numpy() == 1.5 ** 4
    assert g.gradient(y, x).numpy() == pytest.approx(4 * 1.5 ** 3)  # d(x^4)/dx
    out = tf.while_loop(lambda i: i < 3, lambda i: [i + 1], [c(0)], maximum_iterations=2)
    assert isinstance(out, list) and values(out) == [2]
    out = tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [c(0)])
    assert isinstance(out, tuple) and values(out) == (3,)  # body's own sequence type


@pytest.mark.parametrize("call, error, message", [
    (lambda: tf.while_loop(1, lambda i: i, [c(0)]), TypeError, "'cond' must be callable."),
    (lambda: tf.while_loop(lambda i: i < 3, 1, [c(0)]), TypeError, "'body' must be callable."),
    (lambda: tf.while_loop(lambda i: i < 3, lambda i: [i + 1], [c(0)], parallel_iterations=0),
     TypeError, "'parallel_iterations' must be a positive integer."),
    (lambda: tf.while_loop(lambda i: i < 3, lambda i: [i + 1], []), ValueError,
     "'loop_vars' must be provided."),
    (lambda: tf.while_loop(lambda i: i < 3, lambda i: [i + 1, i], [c(0)]), ValueError,
     "The two structures don't have the same nested structure."),
])
def test_while_loop_argument_errors(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_switch_case_runs_one_branch_and_the_default_out_of_range():
    f, g = (lambda: c(10)), (lambda: c(20))
    assert tf.switch_case(c(1), [f, g]).numpy() == 20
    assert tf.switch_case(c(1), {0: f, 1: g}).numpy() == 20
    assert tf.switch_case(c(1), [(1, g), (0, f)]).numpy() == 20
    assert tf.switch_case(c(-1), [f, g], default=lambda: c(0)).numpy() == 0
    assert tf.switch_case(c(5), [f, g]).numpy() == 20  # no default: the last branch
    x = c(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.switch_case(c(0), [lambda: x * x, lambda: x])
    assert tape.gradient(y, x).numpy() == 6.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: tf.switch_case(5, [lambda: 1]), TypeError,
     "'branch_index' must be a Tensor, got <class 'int'>"),
    (lambda: tf.switch_case(c(1.0), [lambda: 1]), TypeError,
     "'branch_index' must be an integer Tensor, got <dtype: 'float32'>"),
    (lambda: tf.switch_case(c(0), "x"), TypeError, "'branch_fns' must be a list, tuple, or dict"),
    (lambda: tf.switch_case(c(0), []), ValueError,
     "Must provide at least one item in 'branch_fns'"),
    (lambda: tf.switch_case(c(1), [1, 2]), TypeError,
     "Each entry in 'branch_fns' must be a 2-tuple. Received 1."),
    (lambda: tf.switch_case(c(0), {"a": lambda: 1}), TypeError,
     "key must be a Python `int`, got <class 'str'>"),
    (lambda: tf.switch_case(c(1), {0: lambda: 1, 2: lambda: 2}), ValueError,
     "branch indices (keys) must form contiguous range of [0 to 2) but found {0,2}"),
])
def test_switch_case_argument_errors(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
