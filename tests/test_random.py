"""tf.random's contract: shapes, dtypes, distributions, TF's seed semantics.

The numbers differ from TF's (tapeflow draws from NumPy's Philox); what is
pinned here is TF 2.21's behaviour around them: which draws repeat and which
differ, Generator states and counters, gradients and errors.  The module runs
against real TensorFlow too, which is how every expectation was checked
(tests marked ``tapeflow_only`` read tapeflow internals and are skipped there):

    TAPEFLOW_ORACLE=tensorflow python -m pytest tests/test_random.py
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

ORACLE = os.environ.get("TAPEFLOW_ORACLE") == "tensorflow"
if ORACLE:
    import tensorflow as tf

    R = tf.random
    get_seed = tf.compat.v1.random.get_seed
else:
    import tapeflow as tf
    from tapeflow.ops import random as R

    get_seed = R.get_seed

tapeflow_only = pytest.mark.skipif(ORACLE, reason="reads tapeflow internals")


@pytest.fixture(autouse=True)
def no_global_seed():
    """Each test starts and ends without a global seed (TF's set_seed(None))."""
    R.set_seed(None)
    yield
    R.set_seed(None)


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool((a == b).all())


def draw(fn: Callable = None, **kw: Any) -> np.ndarray:
    return (fn or R.normal)([4], **kw).numpy()


# -- shapes and dtypes ---------------------------------------------------------------
FLOATS = ["float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", ["normal", "truncated_normal", "uniform"])
def test_float_shapes_and_dtypes(fn, dtype):
    f = getattr(R, fn)
    for shape, want in [([], ()), ([0, 3], (0, 3)), ((2, 3), (2, 3)),
                        (tf.constant([2, 3]), (2, 3)), (tf.constant([4], tf.int64), (4,)),
                        (np.array([1, 2, 3]), (1, 2, 3)), (tf.TensorShape([5]), (5,))]:
        x = f(shape, dtype=dtype, seed=1)
        assert x.dtype == getattr(tf, dtype) and tuple(x.shape) == want


@pytest.mark.parametrize("fn", ["stateless_normal", "stateless_truncated_normal",
                                "stateless_uniform"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_stateless_shapes_and_dtypes(fn, dtype):
    x = getattr(R, fn)([2, 0, 3], seed=[1, 2], dtype=dtype)
    assert x.dtype == getattr(tf, dtype) and tuple(x.shape) == (2, 0, 3)
    assert tuple(getattr(R, fn)([], seed=[1, 2]).shape) == ()


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_uniform(dtype):
    x = R.uniform([1000], minval=-3, maxval=4, dtype=dtype, seed=3).numpy()
    assert x.dtype == np.dtype(dtype)
    assert set(x.tolist()) == set(range(-3, 4))
    g = R.Generator.from_seed(2)
    y = g.uniform([1000], minval=-3, maxval=4, dtype=dtype).numpy()
    assert y.dtype == np.dtype(dtype) and set(y.tolist()) == set(range(-3, 4))
    z = R.stateless_uniform([1000], seed=[1, 2], minval=-3, maxval=4, dtype=dtype).numpy()
    assert z.dtype == np.dtype(dtype) and set(z.tolist()) == set(range(-3, 4))


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint32", "uint64"])
def test_full_range_integers(dtype):
    g = R.Generator.from_seed(5)
    for x in (g.uniform_full_int([500], dtype=dtype),
              g.uniform([500], minval=None, maxval=None, dtype=dtype),
              R.stateless_uniform([500], seed=[3, 4], minval=None, maxval=None, dtype=dtype)):
        v = x.numpy()
        assert v.dtype == np.dtype(dtype)
        info = np.iinfo(v.dtype)  # both halves of the range get drawn
        assert v.min() < info.min + (info.max - info.min) // 4
        assert v.max() > info.max - (info.max - info.min) // 4
    assert g.uniform_full_int([2]).dtype == tf.uint64  # TF's default


def test_uniform_ranges():
    x = R.uniform([100000], minval=-2.0, maxval=5.0, seed=1).numpy()
    assert x.min() >= -2.0 and x.max() < 5.0
    assert x.min() < -1.99 and x.max() > 4.99
    for dtype in FLOATS:  # [0, 1) holds in every precision
        y = R.uniform([100000], dtype=dtype, seed=2).numpy()
        assert y.min() >= 0 and y.max() < 1
    # bounds broadcast against the shape
    w = R.uniform([500, 2], minval=[0.0, 10.0], maxval=[1.0, 11.0], seed=3).numpy()
    assert (w[:, 0] < 1).all() and (w[:, 1] >= 10).all()
    assert R.uniform([3], minval=3.0, maxval=1.0, seed=4).numpy().max() <= 3.0  # TF: no check


# -- moments -------------------------------------------------------------------------
N = 200_000


def test_normal_moments():
    for x in (R.normal([N], mean=3.0, stddev=2.0, seed=1),
              R.stateless_normal([N], seed=[7, 8], mean=3.0, stddev=2.0),
              R.Generator.from_seed(9).normal([N], mean=3.0, stddev=2.0)):
        v = x.numpy().astype(np.float64)
        assert abs(v.mean() - 3.0) < 0.03 and abs(v.std() - 2.0) < 0.03
        assert abs(((v - 3) ** 3).mean()) < 0.25  # no skew


def test_normal_broadcasts_mean():
    x = R.normal([N // 10, 3], mean=[0.0, 10.0, 20.0], seed=2).numpy()
    assert np.allclose(x.mean(axis=0), [0.0, 10.0, 20.0], atol=0.05)


def test_uniform_moments():
    for x in (R.uniform([N], seed=1), R.stateless_uniform([N], seed=[1, 1]),
              R.Generator.from_seed(3).uniform([N])):
        v = x.numpy().astype(np.float64)
        assert abs(v.mean() - 0.5) < 0.005 and abs(v.var() - 1 / 12) < 0.002


# std of N(0, 1) truncated to [-2, 2]
TRUNC_STD = math.sqrt(1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(2 / math.sqrt(2)))


def test_truncated_normal_within_two_stddev():
    for x in (R.truncated_normal([N], mean=1.0, stddev=3.0, seed=1),
              R.stateless_truncated_normal([N], seed=[2, 3], mean=1.0, stddev=3.0),
              R.Generator.from_seed(4).truncated_normal([N], mean=1.0, stddev=3.0)):
        v = x.numpy().astype(np.float64)
        assert np.abs(v - 1.0).max() <= 6.0 + 1e-5
        assert np.abs(v - 1.0).max() > 5.9  # the tails reach the bound
        assert abs(v.mean() - 1.0) < 0.03 and abs(v.std() - 3.0 * TRUNC_STD) < 0.03


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_truncated_normal_other_precisions(dtype):
    v = R.truncated_normal([N // 4], dtype=dtype, seed=5).numpy()
    assert np.abs(v).max() <= 2.0


# -- categorical and shuffle -----------------------------------------------------------
def test_categorical_frequencies():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    with np.errstate(divide="ignore"):
        logits = np.log(probs).astype(np.float32)
    for s in (R.categorical(logits, N // 4, seed=1),
              R.stateless_categorical(logits, N // 4, seed=[1, 2])):
        assert s.dtype == tf.int64 and tuple(s.shape) == (2, N // 4)
        v = s.numpy()
        freq = np.stack([np.bincount(row, minlength=3) / row.size for row in v])
        assert np.allclose(freq, probs, atol=0.01)
        assert (v[1] != 1).all()  # probability 0 is never drawn


def test_categorical_dtype_and_logit_dtypes():
    assert R.categorical([[0.0, 1.0]], 5, dtype=tf.int32).dtype == tf.int32
    assert R.stateless_categorical([[0.0, 1.0]], 5, seed=[1, 2], dtype="int32").dtype == tf.int32
    for dt in (tf.float16, tf.float64):
        assert tuple(R.categorical(tf.constant([[0.0, 1.0]], dt), 4).shape) == (1, 4)
    assert tuple(R.categorical(tf.zeros([0, 3]), 2).shape) == (0, 2)
    assert tuple(R.categorical([[0.0, 1.0]], 0).shape) == (1, 0)
    assert tuple(R.categorical([[0.0, 1.0]], tf.constant(3)).shape) == (1, 3)


def test_categorical_non_finite_logits():
    # TF's CPU kernel: a non-finite logit has probability 0; a row with no
    # finite logit samples index num_classes.
    inf, nan = np.inf, np.nan
    assert same(R.categorical([[-inf, 0.0]], 50, seed=1), [[1] * 50])
    assert same(R.categorical([[nan, 0.0]], 50, seed=1), [[1] * 50])
    assert same(R.categorical([[inf, 0.0]], 50, seed=1), [[1] * 50])
    assert same(R.categorical([[-inf, -inf]], 5, seed=1), [[2] * 5])


def test_shuffle_is_a_permutation_of_rows():
    x = np.arange(40).reshape(20, 2)
    y = R.shuffle(x, seed=1).numpy()
    assert y.dtype == x.dtype and y.shape == x.shape
    assert sorted(map(tuple, y)) == sorted(map(tuple, x))
    assert not same(y, x)  # 1/20! chance of a false alarm
    assert same(R.shuffle(3), 3)  # a scalar passes through
    assert same(R.shuffle(tf.zeros([0, 2])), np.zeros((0, 2)))
    s = R.shuffle(["a", "b", "c", "d"], seed=2)
    assert s.dtype == tf.string and sorted(s.numpy().tolist()) == [b"a", b"b", b"c", b"d"]
    v = tf.Variable([1, 2, 3])
    assert sorted(R.shuffle(v).numpy().tolist()) == [1, 2, 3]


# -- TF's seed semantics ---------------------------------------------------------------
def test_global_seed_makes_the_op_sequence_repeat():
    R.set_seed(5)
    a1, a2 = draw(), draw()
    R.set_seed(5)
    b1, b2 = draw(), draw()
    assert not same(a1, a2) and same(a1, b1) and same(a2, b2)
    R.set_seed(6)
    assert not same(draw(), a1)


def test_global_sequence_is_shared_by_all_op_types():
    R.set_seed(5)
    draw(R.uniform)
    a = draw()
    R.set_seed(5)
    draw(R.truncated_normal)  # any op takes the next op seed
    assert same(draw(), a)


def test_op_seed_repeats_after_set_seed_but_not_within():
    R.set_seed(5)
    a1, a2 = draw(seed=1), draw(seed=1)
    R.set_seed(5)
    b1, b2 = draw(seed=1), draw(seed=1)
    assert not same(a1, a2) and same(a1, b1) and same(a2, b2)
    R.set_seed(5)
    assert not same(draw(seed=2), a1)


def test_op_seed_stream_ignores_other_ops():
    R.set_seed(5)
    draw(seed=1)
    a2 = draw(seed=1)
    R.set_seed(5)
    draw(seed=1), draw(), draw(seed=2), draw(R.uniform, seed=1)
    assert same(draw(seed=1), a2)
    R.set_seed(5)
    u = draw()
    R.set_seed(5)
    draw(seed=1)  # a seeded op takes nothing from the global sequence
    assert same(draw(), u)


def test_one_kernel_per_op_type_and_dtype():
    R.set_seed(5)
    fresh64 = draw(dtype=tf.float64, seed=1)
    fresh_u = draw(R.uniform, seed=1)
    R.set_seed(5)
    draw(seed=1)
    assert same(draw(dtype=tf.float64, seed=1), fresh64)
    assert same(draw(R.uniform, seed=1), fresh_u)


def test_shape_dtype_is_a_kernel_attribute():
    R.set_seed(1)
    fresh = R.normal(tf.constant([3], tf.int64), seed=1).numpy()
    R.set_seed(1)
    R.normal([3], seed=1)
    assert same(R.normal(tf.constant([3], tf.int64), seed=1), fresh)


def test_parameters_are_inputs_not_kernel_attributes():
    R.set_seed(5)
    draw(seed=1)
    second = draw(seed=1)
    R.set_seed(5)
    draw(seed=1)
    assert np.allclose(draw(mean=1.0, stddev=2.0, seed=1), 2 * second + 1)
    R.set_seed(1)
    fresh = R.uniform([20], maxval=100, dtype=tf.int32, seed=1).numpy()
    R.set_seed(1)
    R.uniform([20], maxval=10, dtype=tf.int32, seed=1)
    assert not same(R.uniform([20], maxval=100, dtype=tf.int32, seed=1), fresh)


def test_op_seed_alone_uses_the_default_global_seed():
    a1, a2 = draw(seed=1), draw(seed=1)
    assert not same(a1, a2)
    R.set_seed(87654321)
    assert same(draw(seed=1), a1)
    R.set_seed(None)  # restarts the kernels too
    assert same(draw(seed=1), a1) and same(draw(seed=1), a2)


def test_no_seed_is_non_deterministic():
    assert not same(draw(), draw())
    assert not same(R.Generator.from_non_deterministic_state().state.numpy(),
                    R.Generator.from_non_deterministic_state().state.numpy())


@pytest.mark.parametrize("make", [
    lambda s: R.categorical([[0.0, 0.0, 0.0]], 50, seed=s),
    lambda s: R.shuffle(np.arange(50), seed=s),
    lambda s: R.truncated_normal([5], seed=s),
    lambda s: R.uniform([5], maxval=1000, dtype=tf.int64, seed=s),
])
def test_every_stateful_op_follows_the_seed_rules(make):
    R.set_seed(3)
    a1, a2 = make(1).numpy(), make(1).numpy()
    R.set_seed(3)
    assert not same(a1, a2) and same(make(1), a1) and same(make(1), a2)


def test_seed_pairs_are_tfs():
    # Read off tf.compat.v1.random.get_seed in TF 2.21.
    R.set_seed(5)
    assert [get_seed(None) for _ in range(3)] == [(5, 1097127993), (5, 1539898300),
                                                  (5, 124576495)]
    assert get_seed(1) == (5, 1) and get_seed(-1) == (5, 2147483646)
    assert get_seed(2**40) == (5, 512)
    R.set_seed(0)
    assert get_seed(0) == (0, 2**31 - 1)  # (0, 0) would mean "no seed" to the kernels
    R.set_seed(np.int64(7))
    assert get_seed(None)[1] == 1390851128
    R.set_seed(None)
    assert get_seed(None) == (None, None) and get_seed(3) == (87654321, 3)


def test_set_seed_accepts_numpy_and_tensor_seeds():
    R.set_seed(np.int64(3))
    a = draw()
    R.set_seed(tf.constant(3))
    assert same(draw(), a)
    R.set_seed(3)
    assert same(draw(), a)


# -- Generator -------------------------------------------------------------------------
def state(g: Any) -> list:
    return g.state.numpy().tolist()


def test_generator_state_layout_and_counter():
    # TF's numbers: Philox state [counter_lo, counter_hi, key]; each value drawn
    # advances the counter by 256.
    g = R.Generator.from_seed(1234)
    assert state(g) == [1234, 0, 0] and g.algorithm == 1 and int(g.key) == 0
    assert g.state.dtype == tf.int64 and not g.state.trainable
    assert g.state.name == "StateVar:0"
    g.normal([3])
    assert state(g) == [2002, 0, 0]
    g.uniform([7])
    g.truncated_normal([])
    g.uniform([0], maxval=5, dtype=tf.int32)
    assert state(g) == [2002 + 256 * 8, 0, 0]
    old = g.skip(10)
    assert same(old, [4050, 0, 0]) and state(g) == [4050 + 2560, 0, 0]
    g.reset([-1, 5, 0])
    g.normal([1])
    assert state(g) == [255, 6, 0]  # 128-bit carry
    g.reset([1, 0, 0])
    g.skip(-1)  # TF: 256 * delta in uint64, then a 128-bit add
    assert state(g) == [-255, 0, 0]


def test_generator_reproducible():
    g1, g2 = R.Generator.from_seed(7), R.Generator.from_seed(7)
    a = [g1.normal([3]).numpy(), g1.uniform([3]).numpy(), g1.normal([3]).numpy()]
    b = [g2.normal([3]).numpy(), g2.uniform([3]).numpy(), g2.normal([3]).numpy()]
    assert all(same(x, y) for x, y in zip(a, b)) and not same(a[0], a[2])
    g1.reset_from_seed(7)
    assert same(g1.normal([3]), a[0])
    g3 = R.Generator.from_state(g2.state, "philox")
    assert g3.state is g2.state
    g4 = R.Generator(copy_from=g2)
    assert g4.state is not g2.state and state(g4) == state(g2)
    assert same(g4.normal([3]), g2.normal([3]))
    g5 = R.Generator.from_key_counter(0, [7, 0], "philox")
    assert state(g5) == [7, 0, 0] and same(g5.normal([3]), a[0])
    g5.reset_from_key_counter(5, [1, 2])
    assert state(g5) == [1, 2, 5]


def test_generator_split_is_independent():
    g = R.Generator.from_seed(1)
    before = state(g)
    kids = g.split(3)
    assert len(kids) == 3 and state(g) == [before[0] + 3 * 256, 0, 0]
    for k in kids:
        s = state(k)
        assert s[:2] == [0, 0] and s[2] != 0  # a fresh counter under a new key
    draws = [x.normal([N // 10]).numpy() for x in [g, *kids]]
    for i in range(4):
        for j in range(i + 1, 4):
            assert abs(np.corrcoef(draws[i], draws[j])[0, 1]) < 0.02
    again = R.Generator.from_seed(1).split(3)
    assert [state(k) for k in again] == [state(k) for k in R.Generator.from_seed(1).split(3)]
    assert g.split(0) == []


def test_generator_make_seeds():
    g = R.Generator.from_seed(2)
    s = g.make_seeds(4)
    assert s.dtype == tf.int64 and tuple(s.shape) == (2, 4)
    assert (s.numpy()[1] == 0).all() and len(set(s.numpy()[0].tolist())) == 4
    assert state(g) == [2 + 4 * 256, 0, 0]
    assert tuple(g.make_seeds(0).shape) == (2, 0)
    x = R.stateless_normal([3], seed=s[:, 0])
    assert same(x, R.stateless_normal([3], seed=s[:, 0]))


def test_create_rng_state():
    # TF's layout: a Python int in 64-bit words, low first; short vectors are
    # padded on the left; Python ints beyond int64 wrap.
    cases = [(1234, [1234, 0, 0]), (2**70 + 5, [5, 64, 0]), ([1, 2], [0, 1, 2]),
             ([1, 2, 3, 4], [1, 2, 3]), (-1, [-1, -1, -1]), (1.5, [0, 0, 1]),
             (2**64 - 1, [-1, 0, 0]), ([2**64 - 1, 3], [0, -1, 3])]
    for seed, want in cases:
        assert R.create_rng_state(seed, "philox").numpy().tolist() == want
    assert R.create_rng_state([12, 34], "threefry").numpy().tolist() == [12, 34]
    assert R.Generator.from_seed([1, 2]).state.numpy().tolist() == [0, 1, 2]
    assert R.Generator.from_seed(5, alg="threefry").state.numpy().tolist() == [5, 0]
    assert R.Generator.from_seed(1, alg="auto_select").algorithm == 3


def test_global_generator():
    g = R.get_global_generator()
    assert R.get_global_generator() is g
    mine = R.Generator.from_seed(1)
    R.set_global_generator(mine)
    try:
        assert R.get_global_generator() is mine
    finally:
        R.set_global_generator(g)


# -- stateless ---------------------------------------------------------------------------
def test_stateless_determinism():
    a = R.stateless_normal([3], seed=[1, 2])
    assert same(a, R.stateless_normal([3], seed=[1, 2]))
    assert same(a, R.stateless_normal([3], seed=tf.constant([1, 2], tf.int64)))
    assert same(a, R.stateless_normal([3], seed=np.array([1, 2], np.int32)))
    assert not same(a, R.stateless_normal([3], seed=[1, 3]))
    assert not same(a, R.stateless_normal([3], seed=[2, 1]))
    assert same(R.stateless_normal([6], seed=[1, 2])[:3], a)  # a longer draw extends it
    for fn in (R.stateless_uniform, R.stateless_truncated_normal):
        assert same(fn([5], seed=[4, 5]), fn([5], seed=[4, 5]))
    u = R.stateless_uniform([5], seed=[2**40, -3], maxval=100, dtype=tf.int64)
    assert same(u, R.stateless_uniform([5], seed=[2**40, -3], maxval=100, dtype=tf.int64))
    c = R.stateless_categorical([[0.0, 0.0, 0.0]], 20, seed=[1, 2])
    assert same(c, R.stateless_categorical([[0.0, 0.0, 0.0]], 20, seed=[1, 2]))
    R.set_seed(3)  # the global seed plays no part
    assert same(R.stateless_normal([3], seed=[1, 2]), a)


def test_split_and_fold_in():
    s = R.split([1, 2])
    assert s.dtype == tf.int32 and tuple(s.shape) == (2, 2)
    assert same(s, R.split([1, 2])) and not same(s[0], s[1])
    s3 = R.split(tf.constant([1, 2], tf.int64), 3)
    assert s3.dtype == tf.int64 and tuple(s3.shape) == (3, 2)
    assert tuple(R.split([1, 2], 0).shape) == (0, 2)
    f = R.fold_in([1, 2], 7)
    assert f.dtype == tf.int32 and int(f[1]) == 7 and same(f, R.fold_in([1, 2], 7))
    assert not same(f, R.fold_in([1, 2], 8))
    assert R.fold_in([1, 2], tf.constant(7, tf.int64)).dtype == tf.int64


# -- gradients ---------------------------------------------------------------------------
def grads(f: Callable, *values: float) -> tuple:
    vs = [tf.Variable(v) for v in values]
    with tf.GradientTape() as tape:
        y = f(*vs)
    gs = tape.gradient(y, vs)
    return y.numpy(), [None if g is None else float(g.numpy()) for g in gs]


@pytest.mark.parametrize("fn", [
    lambda m, s: R.normal([4], mean=m, stddev=s, seed=1),
    lambda m, s: R.truncated_normal([4], mean=m, stddev=s, seed=1),
    lambda m, s: R.stateless_normal([4], seed=[1, 2], mean=m, stddev=s),
    lambda m, s: R.stateless_truncated_normal([4], seed=[1, 2], mean=m, stddev=s),
    lambda m, s: R.Generator.from_seed(1).normal([4], mean=m, stddev=s),
    lambda m, s: R.Generator.from_seed(1).truncated_normal([4], mean=m, stddev=s),
])
def test_gradients_of_mean_and_stddev(fn):
    # TF: mean + stddev * z, so d/dmean = n and d/dstddev = sum(z).
    y, (dm, ds) = grads(fn, 1.0, 2.0)
    assert dm == 4.0 and ds == pytest.approx(((y - 1.0) / 2.0).sum(), rel=1e-5)


@pytest.mark.parametrize("fn", [
    lambda lo, hi: R.uniform([4], minval=lo, maxval=hi, seed=1),
    lambda lo, hi: R.stateless_uniform([4], seed=[1, 2], minval=lo, maxval=hi),
    lambda lo, hi: R.Generator.from_seed(1).uniform([4], minval=lo, maxval=hi),
])
def test_gradients_of_uniform_bounds(fn):
    # TF: lo + (hi - lo) * u, so d/dlo = sum(1 - u) and d/dhi = sum(u).
    y, (dlo, dhi) = grads(fn, 0.5, 3.0)
    u = (y - 0.5) / 2.5
    assert dlo == pytest.approx((1 - u).sum(), rel=1e-5)
    assert dhi == pytest.approx(u.sum(), rel=1e-5)


def test_uniform_gradient_follows_tfs_shortcuts():
    # minval=0 (a Python int): TF multiplies by maxval and never sees minval.
    y, (dlo, dhi) = grads(lambda lo, hi: R.uniform([4], maxval=hi, seed=1), 0.5, 3.0)
    assert dlo is None and dhi == pytest.approx((y / 3.0).sum(), rel=1e-5)


@pytest.mark.filterwarnings("ignore")
def test_no_gradients_through_samples():
    lo, hi = tf.Variable(0), tf.Variable(5)
    logits, values = tf.Variable([[0.0, 1.0]]), tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        ints = R.uniform([4], minval=lo, maxval=hi, dtype=tf.int32, seed=1)
        classes = tf.cast(R.categorical(logits, 4, seed=1), tf.float32)
        shuffled = R.shuffle(values, seed=1)
    assert tape.gradient(ints, [lo, hi]) == [None, None]
    assert tape.gradient(classes, logits) is None
    assert tape.gradient(shuffled, values) is None


# -- errors ------------------------------------------------------------------------------
def errors():
    E = tf.errors
    g = R.Generator.from_seed(1)
    return [
        (lambda: R.normal([-1, 2]), E.InvalidArgumentError, "Dimension -1 must be >= 0"),
        (lambda: R.normal(3), E.InvalidArgumentError, "shape must be a vector of {int32,int64}"),
        (lambda: R.normal([[2]]), E.InvalidArgumentError, "got shape [1,1]"),
        (lambda: R.normal([2.0]), E.InvalidArgumentError, "Value for attr 'T' of float"),
        (lambda: R.normal([2], dtype=tf.int32), TypeError,
         "Cannot convert 0.0 to EagerTensor of dtype int32"),
        (lambda: R.normal([2], dtype=tf.complex64), E.InvalidArgumentError,
         "Value for attr 'dtype' of complex64"),
        (lambda: R.normal([2, 3], mean=[0.0, 1.0]), E.InvalidArgumentError,
         "Incompatible shapes: [2,3] vs. [2]"),
        (lambda: R.normal([2], mean=tf.constant(1.0, tf.float64)), ValueError,
         "Tensor conversion requested dtype float32 for Tensor with dtype float64"),
        (lambda: R.truncated_normal([2], dtype=tf.int32), TypeError, "Cannot convert 0.0"),
        (lambda: R.uniform([2], dtype=tf.int32), ValueError,
         "Must specify maxval for integer dtype tf.int32"),
        (lambda: R.uniform([2], maxval=3, dtype=tf.uint32), ValueError,
         "Argument `dtype` got invalid value <dtype: 'uint32'>. Accepted dtypes are"),
        (lambda: R.uniform([2], minval=3, maxval=3, dtype=tf.int32), E.InvalidArgumentError,
         "Need minval < maxval, got 3 >= 3"),
        (lambda: R.uniform([2], minval=[1, 2], maxval=[3, 4], dtype=tf.int32),
         E.InvalidArgumentError, "minval must be 0-D, got shape [2]"),
        (lambda: R.uniform([2], maxval=[3, 4], dtype=tf.int32), E.InvalidArgumentError,
         "maxval must be 0-D, got shape [2]"),
        (lambda: R.uniform([2], maxval=3.5, dtype=tf.int32), TypeError,
         "Cannot convert 3.5 to EagerTensor of dtype int32"),
        (lambda: R.categorical([0.0, 1.0], 5), E.InvalidArgumentError,
         "logits should be a matrix, got shape [2]"),
        (lambda: R.categorical([[0.0, 1.0]], -1), E.InvalidArgumentError,
         "num_samples should be non-negative, got -1"),
        (lambda: R.categorical(tf.zeros([2, 0]), 3), E.InvalidArgumentError,
         "num_classes should be positive, got 0"),
        (lambda: R.categorical([[0.0, 1.0]], [2]), E.InvalidArgumentError,
         "num_samples should be a scalar"),
        (lambda: R.categorical([[0.0, 1.0]], 5, dtype=tf.float32), ValueError,
         "Accepted dtypes are (tf.int32, tf.int64)"),
        (lambda: R.categorical([[0, 1]], 5), E.NotFoundError, "Could not find device"),
        (lambda: R.categorical([[0.0, 1.0]], 3.0), TypeError, "Cannot convert 3.0"),
        (lambda: R.stateless_normal([3], seed=[1]), E.InvalidArgumentError,
         "seed must have shape [2], not [1]"),
        (lambda: R.stateless_normal([3], seed=[[1], [2]]), E.InvalidArgumentError,
         "seed must have shape [2], not [2,1]"),
        (lambda: R.stateless_normal([3], seed=[1.0, 2.0]), E.InvalidArgumentError,
         "Value for attr 'Tseed' of float"),
        (lambda: R.stateless_uniform([3], seed=[1, 2], dtype=tf.int32), ValueError,
         "must be both None or not None"),
        (lambda: R.stateless_uniform([3], seed=[1, 2], minval=1, maxval=5, dtype=tf.uint32),
         ValueError, "Please don't use unsigned integers"),
        (lambda: R.stateless_uniform([3], seed=[1, 2], maxval=5, dtype=tf.int16), ValueError,
         "Accepted dtypes are"),
        (lambda: R.stateless_uniform([3], seed=[1, 2], minval=5, maxval=5, dtype=tf.int32),
         E.InvalidArgumentError, "Need minval < maxval"),
        (lambda: R.stateless_categorical([[0.0, 1.0]], 5, seed=[1, 2], dtype=tf.float32),
         ValueError, "Accepted dtypes are"),
        (lambda: R.Generator.from_seed(1, alg="foo"), ValueError,
         "Argument `alg` got unsupported value foo"),
        (lambda: R.Generator.from_seed(1, alg=1.0), TypeError, "Can't convert argument `alg`"),
        (lambda: R.Generator.from_state([1, 2], "philox"), ValueError,
         "Shapes (2,) and [3] are incompatible"),
        (lambda: g.reset([1, 2]), ValueError, "Shapes (2,) and [3] are incompatible"),
        (lambda: R.Generator.from_key_counter(5, [1], "philox"), ValueError,
         "Shapes (1,) and [2] are incompatible"),
        (lambda: R.Generator(), AssertionError, ""),
        (lambda: g.uniform([2], dtype=tf.int32), ValueError,
         "minval and maxval must be both `None` or both non-`None`"),
        (lambda: g.uniform([2], minval=1, maxval=5, dtype=tf.uint32), E.NotFoundError,
         "Could not find device"),
        (lambda: g.uniform([2], minval=1, maxval=5, dtype=tf.int16), E.InvalidArgumentError,
         "Value for attr 'dtype' of int16"),
        (lambda: g.uniform([2], minval=3, maxval=3, dtype=tf.int32), E.InvalidArgumentError,
         "Need minval < maxval"),
        (lambda: g.uniform_full_int([2], dtype=tf.float32), E.InvalidArgumentError,
         "Value for attr 'dtype' of float"),
        (lambda: g.normal([2], dtype=tf.int32), TypeError, "Cannot convert 0.0"),
        (lambda: g.normal([-1]), E.InvalidArgumentError, "Dimension -1 must be >= 0"),
        (lambda: g.normal(3), E.InvalidArgumentError, "shape must be a vector"),
        (lambda: R.Generator.from_seed(1, alg="threefry").normal([2]), E.UnimplementedError,
         "Non-XLA devices don't support the ThreeFry algorithm"),
        (lambda: R.Generator.from_seed(1, alg="threefry").skip(1), E.UnimplementedError,
         "ThreeFry"),
    ]


@pytest.mark.parametrize("case", range(len(errors())))
def test_errors(case):
    fn, error, text = errors()[case]
    with pytest.raises(error) as info:
        fn()
    assert text in str(info.value)


@tapeflow_only
def test_errors_name_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[Op:RandomStandardNormal\]"):
        R.normal([-1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[Op:Multinomial\]"):
        R.categorical([1.0], 2)
    with pytest.raises(ValueError, match="tf.random.uniform"):
        R.uniform([2], dtype=tf.int32)
    with pytest.raises(TypeError, match="bfloat16"):
        R.normal([2], dtype=tf.bfloat16)


@tapeflow_only
def test_failed_generator_call_keeps_the_state():
    # DESIGN: a failed op leaves every Variable as it was (TF advances it first).
    g = R.Generator.from_seed(1)
    with pytest.raises(tf.errors.InvalidArgumentError):
        g.uniform([2], minval=3, maxval=3, dtype=tf.int32)
    assert state(g) == [1, 0, 0]


def test_failed_op_still_takes_its_op_seed():
    # As in TF, the op seed is drawn before the kernel checks its arguments.
    R.set_seed(5)
    with pytest.raises(tf.errors.InvalidArgumentError):
        R.normal([-1])
    after_failure = draw()
    R.set_seed(5)
    draw()
    assert same(draw(), after_failure)
