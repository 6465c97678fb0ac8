"""The backward walk: iterative, pruned, and letting go of what it recorded."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.autodiff import tape as tape_mod


def _chain(n: int) -> float:
    x = tf.constant(0.5, tf.float64)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x
        for _ in range(n):
            y = y + x
    return float(g.gradient(y, x))


def test_long_chain_is_iterative() -> None:
    # 50,000 records: far beyond Python's recursion limit.
    assert _chain(50_000) == 50_001.0


@pytest.mark.slow
def test_million_op_chain() -> None:
    assert _chain(1_000_000) == 1_000_001.0


def test_mixed_chain_matches_closed_form() -> None:
    # y_{k+1} = sin(y_k) * c: dy_n/dx = prod cos(y_k) * c, accumulated by hand.
    x = tf.constant(0.3, tf.float64)
    c = 1.01
    with tf.GradientTape() as g:
        g.watch(x)
        y = x
        for _ in range(2000):
            y = tf.sin(y) * c
    expected, v = 1.0, 0.3
    for _ in range(2000):
        expected *= np.cos(v) * c
        v = np.sin(v) * c
    np.testing.assert_allclose(float(g.gradient(y, x)), expected, rtol=1e-10)


def test_finished_tape_holds_no_recorded_tensors() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        z = tf.sin(y)  # Sin keeps y as its residual
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is not None, "the live tape must keep the residual it needs"
    g.gradient(z, x)
    gc.collect()
    assert ref() is None, "a finished non-persistent tape must let go of its records"


def test_persistent_tape_keeps_records_until_deleted() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        z = tf.sin(y)
    ref = weakref.ref(y)
    del y
    first = g.gradient(z, x)
    second = g.gradient(z, x)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    gc.collect()
    assert ref() is not None
    del g
    gc.collect()
    assert ref() is None


def test_records_unreachable_from_sources_are_skipped(monkeypatch) -> None:
    a = tf.constant(2.0)
    b = tf.constant(3.0)
    calls = []
    mul = tf.multiply.op
    original = mul.vjp_rules

    def counting(k):
        def caller(g, res, params):
            calls.append(k)
            return original[k](g, res, params)
        return caller

    monkeypatch.setattr(mul, "vjp_rules", (counting(0), counting(1)))
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b
    assert float(g.gradient(y, a)) == 3.0
    assert calls == [0], "the cotangent of b was computed although only a was asked for"


def test_no_recording_without_watched_inputs() -> None:
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        y = x * x
    assert g._tape.records == []
    assert g.gradient(y, x) is None


def test_recorders_count_returns_to_zero() -> None:
    from tapeflow.core import dispatch
    before = len(dispatch.recorders)
    with tf.GradientTape():
        with tf.GradientTape():
            assert len(dispatch.recorders) == before + 2
    assert len(dispatch.recorders) == before
    assert tape_mod._local.stack == []


@pytest.mark.parametrize("a_shape, b_shape, kept", [
    ((3, 4), (4, 2), False),            # plain matrices: nothing to sum back
    ((5, 3, 4), (5, 4, 2), False),      # equal batch axes
    ((1, 3, 4), (5, 4, 2), True),       # a's batch axis broadcasts
    ((2, 1, 3, 4), (1, 5, 4, 2), True),  # both broadcast, same rank
    ((5, 3, 4), (4, 2), True),          # ranks differ
])
def test_matmul_keeps_input_shapes_only_when_batch_axes_broadcast(a_shape, b_shape, kept) -> None:
    # Matrix ops broadcast batch axes only (OpDef.core_ndim = 2): the record keeps the
    # input shapes (for sum_to_shape) exactly when those differ from the output's, and
    # the gradients are the closed forms summed over the broadcast axes either way.
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as g:
        g.watch([ta, tb])
        y = tf.matmul(ta, tb)
        assert (g._tape.records[-1][5] is not None) == kept
    gy = rng.normal(size=y.shape)
    da, db = g.gradient(y, [ta, tb], output_gradients=tf.constant(gy))
    full_a = gy @ np.swapaxes(np.broadcast_to(b, y.shape[:-2] + b.shape[-2:]), -1, -2)
    full_b = np.swapaxes(np.broadcast_to(a, y.shape[:-2] + a.shape[-2:]), -1, -2) @ gy
    lead_a, lead_b = len(y.shape) - len(a_shape), len(y.shape) - len(b_shape)
    want_a = full_a.sum(axis=tuple(range(lead_a))).sum(
        axis=tuple(i for i, d in enumerate(a_shape[:-2]) if d == 1), keepdims=True)
    want_b = full_b.sum(axis=tuple(range(lead_b))).sum(
        axis=tuple(i for i, d in enumerate(b_shape[:-2]) if d == 1), keepdims=True)
    np.testing.assert_allclose(da.numpy(), want_a.reshape(a_shape), rtol=1e-12)
    np.testing.assert_allclose(db.numpy(), want_b.reshape(b_shape), rtol=1e-12)
