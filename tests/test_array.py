"""Array and indexing ops (tapeflow/ops/array.py, indexing.py, einsum.py).

Values, dtypes, gradients and errors pinned against TF 2.21: every expected
value below is what real TF printed for the same snippet (noted beside it).
The table test (tests/test_op_table.py) checks each declared op's value,
JVP, VJP and second order on its samples; here: the public functions with
TF's signatures, the composites (no op of their own), multi-output
cotangents with missing entries, and TF's error types and messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError, NotFoundError
from tapeflow.ops import array as A

X = np.arange(6.0).reshape(2, 3)


def f64(data: Any) -> tf.Tensor:
    return tf.constant(data, dtype=tf.float64)


def weights(shape: tuple) -> tf.Tensor:
    """1, 2, 3, ... in ``shape``: the probes' cotangent, so each slot is told apart."""
    return f64(np.arange(1.0, np.prod(shape, dtype=int) + 1).reshape(shape))


def grads(f: Callable, *xs: Any) -> list:
    """Gradients of sum(f(xs) * weights) (a list of outputs: sum of (k+1) * output k)."""
    xs = [f64(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
        if isinstance(y, (list, tuple)):
            total = sum(tf.reduce_sum(v) * (k + 1.0) for k, v in enumerate(y))
        else:
            total = tf.reduce_sum(y * weights(tuple(y.shape)))
    return [None if g is None else g.numpy().tolist() for g in tape.gradient(total, xs)]


def numeric_grad(f: Callable, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences of sum(f(x) * weights) in float64."""
    def scalar(v: np.ndarray) -> float:
        y = f(f64(v))
        return float(np.sum(y.numpy() * weights(tuple(y.shape)).numpy()))
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = step
        out[i] = (scalar(x + e) - scalar(x - e)) / (2 * step)
    return out


def values(ts: Any) -> Any:
    return [t.numpy().tolist() for t in ts] if isinstance(ts, (list, tuple)) else \
        ts.numpy().tolist()


# -- values and dtypes (TF 2.21 printed each expected value) ----------------------------------
def test_unstack_split_tile_values() -> None:
    x = f64(X)
    assert values(A.unstack(x, axis=1)) == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]  # TF
    assert values(A.unstack(x, axis=-1)) == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]  # TF
    assert A.unstack(tf.zeros((0, 3))) == []  # TF: []
    assert isinstance(A.unstack(x), list) and isinstance(A.split(x, 3, axis=1), list)
    assert values(A.split(x, [1, -1], axis=1)) == [[[0.0], [3.0]], [[1.0, 2.0], [4.0, 5.0]]]
    assert values(A.split(x, tf.constant([2, 1]), axis=1)) == [[[0.0, 1.0], [3.0, 4.0]],
                                                                [[2.0], [5.0]]]  # TF
    assert [t.shape for t in A.split(tf.zeros((4, 6)), 2, axis=-1)] == [(4, 3), (4, 3)]
    assert values(A.tile(tf.constant([[1, 2]]), [2, 2])) == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert A.tile(tf.constant(1.0), []).numpy() == 1.0  # TF: scalar, multiples []


def test_repeat_pad_reverse_roll_values() -> None:
    x = f64(X)
    assert values(A.repeat(x, 2)) == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0,
                                      5.0]  # TF
    assert values(A.repeat(x, [1, 0, 2], axis=1)) == [[0.0, 2.0, 2.0], [3.0, 5.0, 5.0]]  # TF
    assert values(A.repeat(tf.constant([[1, 2], [3, 4]]), 2, axis=1)) == [[1, 1, 2, 2],
                                                                          [3, 3, 4, 4]]  # TF
    assert values(A.repeat(f64([1.0, 2.0]), [1, -1], axis=0)) == [1.0]  # TF: negative = 0
    r = A.repeat(3.0, 2)
    assert r.dtype == tf.float32 and values(r) == [3.0, 3.0]  # TF
    assert values(A.pad(x, [[1, 0], [0, 2]], constant_values=7)) == [
        [7.0, 7.0, 7.0, 7.0, 7.0], [0.0, 1.0, 2.0, 7.0, 7.0], [3.0, 4.0, 5.0, 7.0, 7.0]]  # TF
    assert values(A.pad(x, [[1, 1], [2, 2]], mode="REFLECT")) == [
        [5.0, 4.0, 3.0, 4.0, 5.0, 4.0, 3.0], [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0],
        [5.0, 4.0, 3.0, 4.0, 5.0, 4.0, 3.0], [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]]  # TF
    assert values(A.pad(x, [[2, 1], [3, 3]], mode="symmetric"))[0] == [
        5.0, 4.0, 3.0, 3.0, 4.0, 5.0, 5.0, 4.0, 3.0]  # TF (mode is case-insensitive)
    assert values(A.pad(tf.constant([1.0, 2.0]), [[1, 0]], constant_values=2)) == [2.0, 1.0, 2.0]
    assert values(A.reverse(x, [-1, 0])) == [[5.0, 4.0, 3.0], [2.0, 1.0, 0.0]]  # TF
    assert values(A.reverse(x, [])) == values(x)  # TF
    assert values(A.roll(x, [1, -1], axis=[0, 1])) == [[4.0, 5.0, 3.0], [1.0, 2.0, 0.0]]  # TF
    assert values(A.roll(x, [1, 1], axis=[1, 1])) == [[1.0, 2.0, 0.0], [4.0, 5.0, 3.0]]  # TF
    assert values(A.roll(tf.range(5), 7, 0)) == [3, 4, 0, 1, 2]  # TF
    assert values(A.roll(tf.range(5), -7, 0)) == [2, 3, 4, 0, 1]  # TF


def test_gather_scatter_values() -> None:
    x = f64(X)
    assert values(A.gather(x, [2, 0, 2], axis=1)) == [[2.0, 0.0, 2.0], [5.0, 3.0, 5.0]]  # TF
    assert values(A.gather(x, [[0, 2], [1, 1]], axis=1, batch_dims=1)) == [[0.0, 2.0],
                                                                           [4.0, 4.0]]  # TF
    assert values(A.gather(x, [[0, 2], [1, 1]], axis=1, batch_dims=-1)) == [[0.0, 2.0],
                                                                            [4.0, 4.0]]
    assert values(A.gather(x, [0, 2], axis=1, batch_dims=1)) == [0.0, 5.0]  # TF
    assert values(A.gather(x, [0, 2], axis=-1, batch_dims=-1)) == [[0.0, 2.0], [3.0, 5.0]]
    # TF quirk: with axis=0 the op runs without batch_dims (TF printed shape (2, 2, 3)).
    assert A.gather(x, [[0, 1], [1, 1]], axis=0, batch_dims=1).shape == (2, 2, 3)
    assert values(A.gather(x, 1)) == [3.0, 4.0, 5.0]  # TF
    assert A.gather(x, tf.zeros((0,), tf.int32)).shape == (0, 3)  # TF
    assert values(A.gather_nd(x, [[1, 2], [0, 0]])) == [5.0, 0.0]  # TF
    assert values(A.gather_nd(x, [[1]])) == [[3.0, 4.0, 5.0]]  # TF
    assert values(A.gather_nd(x, [[1], [0]], batch_dims=1)) == [1.0, 3.0]  # TF
    assert A.gather_nd(x, tf.zeros((2, 0), tf.int32)).shape == (2, 2, 3)  # TF
    cube = tf.reshape(tf.range(24.0), (2, 3, 4))
    assert values(A.gather_nd(cube, [[[1, 0]], [[2, 3]]], batch_dims=1)) == [[4.0], [23.0]]
    s = A.scatter_nd([[1], [3], [1]], [1.0, 2.0, 3.0], [5])
    assert s.dtype == tf.float32 and values(s) == [0.0, 4.0, 0.0, 2.0, 0.0]  # TF
    assert values(A.scatter_nd([[1]], [[1.0, 2.0]], [3, 2])) == [[0, 0], [1, 2], [0, 0]]  # TF
    assert values(A.scatter_nd([[0]], [1], [2])) == [1, 0]  # TF: int32
    assert values(A.tensor_scatter_nd_update(x, [[0, 1], [1, 2]], [10.0, 20.0])) == [
        [0.0, 10.0, 2.0], [3.0, 4.0, 20.0]]  # TF
    assert values(A.tensor_scatter_nd_add(x, [[0, 1], [0, 1]], [10.0, 20.0])) == [
        [0.0, 31.0, 2.0], [3.0, 4.0, 5.0]]  # TF


def test_boolean_mask_one_hot_values() -> None:
    x = f64(X)
    assert values(A.boolean_mask(x, [True, False])) == [[0.0, 1.0, 2.0]]  # TF
    assert values(A.boolean_mask(x, [[True, False, True], [False, False, True]])) == [
        0.0, 2.0, 5.0]  # TF
    assert values(A.boolean_mask(x, [True, False, True], axis=1)) == [[0.0, 2.0], [3.0, 5.0]]
    assert values(A.boolean_mask(x, [True, False], axis=-2)) == [[0.0, 1.0, 2.0]]  # TF
    assert values(A.boolean_mask(x, [1, 0])) == [[0.0, 1.0, 2.0]]  # TF: ints mask too
    assert A.boolean_mask(tf.ones((2, 3, 4)), tf.ones((3, 4), tf.bool), axis=1).shape == (2, 12)
    h = A.one_hot([0, 2, -1, 5], 3)
    assert h.dtype == tf.float32 and values(h) == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    h = A.one_hot([[0, 2]], 3, on_value=5, off_value=-1, axis=0)
    assert h.dtype == tf.int32 and values(h) == [[[5, -1]], [[-1, -1]], [[-1, 5]]]  # TF
    assert values(A.one_hot([1, 0], 2, on_value=7)) == [[0, 7], [7, 0]]  # TF: int32
    assert values(A.one_hot([1], 2, off_value=3.0)) == [[3.0, 1.0]]  # TF: float32
    assert A.one_hot([0], 2, dtype=tf.float64).dtype == tf.float64
    assert A.one_hot(tf.constant([1], tf.uint8), 2).dtype == tf.float32  # TF
    assert values(A.one_hot([[0, 1]], 2, axis=-1)) == [[[1, 0], [0, 1]]]  # TF


def test_shape_size_rank() -> None:
    x = f64(X)
    assert A.shape(x).dtype == tf.int32 and values(A.shape(x)) == [2, 3]  # TF
    assert A.shape(x, out_type=tf.int64).dtype == tf.int64  # TF
    assert values(A.shape([[1, 2]])) == [1, 2]  # TF
    assert A.size(x).dtype == tf.int32 and A.size(x).numpy() == 6  # TF
    assert A.size(x, out_type=tf.int64).dtype == tf.int64  # TF
    assert A.size(3.0).numpy() == 1 and A.rank([[1]]).numpy() == 2  # TF
    assert A.rank(x).dtype == tf.int32  # TF
    assert values(A.shape(tf.Variable([1.0, 2.0]))) == [2]  # TF


def test_linspace_meshgrid_values() -> None:
    # TF (float32 rounding of start + i * delta, endpoints exact):
    assert values(A.linspace(0.1, 0.7, 7)) == [
        0.10000000149011612, 0.19999998807907104, 0.29999998211860657, 0.3999999761581421,
        0.4999999701976776, 0.5999999642372131, 0.699999988079071]
    ints = A.linspace(0, 10, 4)
    assert ints.dtype == tf.float64  # TF: integer endpoints give float64
    np.testing.assert_allclose(ints.numpy(), [0.0, 10 / 3, 20 / 3, 10.0])
    assert values(A.linspace([0.0, 1.0], [1.0, 3.0], 3)) == [[0, 1], [0.5, 2], [1, 3]]  # TF
    assert values(A.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=-1)) == [[0, 0.5, 1], [1, 2, 3]]
    assert A.linspace(2.0, 5.0, 0).shape == (0,) and values(A.linspace(2.0, 5.0, 1)) == [2.0]
    gx, gy = A.meshgrid([1, 2, 3], [4, 5], indexing="ij")
    assert values(gx) == [[1, 1], [2, 2], [3, 3]] and values(gy) == [[4, 5], [4, 5], [4, 5]]
    gx, gy = A.meshgrid([1, 2, 3], [4, 5])
    assert values(gx) == [[1, 2, 3], [1, 2, 3]] and values(gy) == [[4, 4, 4], [5, 5, 5]]
    assert [t.shape for t in A.meshgrid([1, 2], [3, 4, 5], [6, 7, 8, 9])] == [(3, 2, 4)] * 3
    assert values(A.meshgrid([1, 2, 3])) == [[1, 2, 3]] and A.meshgrid() == []  # TF


def test_sort_argsort_unique_values() -> None:
    s = A.sort([3.0, 1.0, 2.0, 1.0])
    assert s.dtype == tf.float32 and values(s) == [1.0, 1.0, 2.0, 3.0]  # TF
    assert values(A.sort([[3, 1, 2], [0, 5, 5]], direction="DESCENDING")) == [[3, 2, 1],
                                                                              [5, 5, 0]]
    assert values(A.sort([[3, 1, 2], [0, 5, 5]], axis=0)) == [[0, 1, 2], [3, 5, 5]]  # TF
    assert values(A.sort(tf.constant([3, 1, 255], tf.uint8))) == [1, 3, 255]  # TF
    assert values(A.sort(tf.constant([3, -2147483648, 1]))) == [-2147483648, 1, 3]  # TF
    # Ties keep their order in both directions (TF's top_k is stable):
    assert values(A.argsort([3.0, 1.0, 2.0, 1.0])) == [1, 3, 2, 0]  # TF
    assert values(A.argsort([3.0, 1.0, 2.0, 1.0, 3.0], direction="DESCENDING")) == [
        0, 4, 2, 1, 3]  # TF
    assert values(A.argsort([2, 1, 2, 1, 0])) == [4, 1, 3, 0, 2]  # TF
    assert values(A.argsort([[3, 1, 2], [0, 5, 5]], axis=0)) == [[1, 0, 0], [0, 1, 1]]  # TF
    assert A.argsort(f64([3.0, 1.0])).dtype == tf.int32  # TF
    y, idx = A.unique([4, 1, 4, 2, 1])
    assert values(y) == [4, 1, 2] and values(idx) == [0, 1, 0, 2, 1]  # TF
    u = A.unique([1.5, -2.0, 1.5, 0.0])
    assert type(u).__name__ == "Unique" and u._fields == ("y", "idx")  # TF's namedtuple
    assert values(u.y) == [1.5, -2.0, 0.0] and u.y.dtype == tf.float32  # TF
    assert A.unique([4.0, 1.0], out_idx=tf.int64).idx.dtype == tf.int64  # TF


def test_einsum_tensordot_values() -> None:
    x, y = f64(X), f64(np.arange(12.0).reshape(3, 4))
    mm = [[20.0, 23.0, 26.0, 29.0], [56.0, 68.0, 80.0, 92.0]]  # TF
    assert values(A.einsum("ij,jk->ik", x, y)) == mm
    assert values(A.einsum("ij,jk", x, y)) == mm  # implicit output
    assert values(A.einsum("ij, jk -> ik", x, y)) == mm  # spaces
    sq = tf.reshape(tf.range(9.0), (3, 3))
    assert A.einsum("ii", sq).numpy() == 12.0  # TF: trace
    assert values(A.einsum("ii->i", sq)) == [0.0, 4.0, 8.0]  # TF
    assert A.einsum("ij->", x).numpy() == 15.0  # TF
    assert values(A.einsum("ij,jk,k->i", x, y, f64(np.ones(4)))) == [98.0, 296.0]  # TF
    assert values(A.einsum("iij->ji", tf.reshape(tf.range(18.0), (3, 3, 2)))) == [
        [0.0, 8.0, 16.0], [1.0, 9.0, 17.0]]  # TF
    assert A.einsum("...ij,...jk->...ik", tf.ones((5, 2, 3)), tf.ones((3, 4))).shape == (5, 2, 4)
    assert A.einsum("...ij,...jk->...ik", tf.ones((5, 1, 2, 3)),
                    tf.ones((7, 3, 4))).shape == (5, 7, 2, 4)  # TF: broadcast
    assert A.einsum(",->", tf.constant(2.0), tf.constant(3.0)).numpy() == 6.0  # TF
    assert A.einsum("i,i->", tf.constant([1, 2]), tf.constant([3, 4])).numpy() == 11  # TF
    assert values(A.tensordot(x, y, 1)) == mm  # TF
    assert values(A.tensordot(x, y, [[1], [0]])) == mm and values(A.tensordot(x, y, [1, 0])) == mm
    assert values(A.tensordot(x, y, [[-1], [0]])) == mm  # TF
    assert values(A.tensordot([1.0, 2.0], [3.0, 4.0], 0)) == [[3.0, 4.0], [6.0, 8.0]]  # TF
    assert A.tensordot(tf.ones((2, 3, 4)), tf.ones((3, 4, 5)), 2).shape == (2, 5)  # TF


# -- gradients (TF 2.21 printed each; cotangent = 1, 2, 3, ... over the output) -----------------
GRADIENT_CASES = [
    ("unstack", lambda a: A.unstack(a, axis=1), [X], [[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]]),
    ("tile", lambda a: A.tile(a, [2, 3]), [X], [[[78.0, 84.0, 90.0], [132.0, 138.0, 144.0]]]),
    ("repeat", lambda a: A.repeat(a, [2, 0, 1], axis=1), [X],
     [[[3.0, 0.0, 3.0], [9.0, 0.0, 6.0]]]),
    ("pad constant", lambda a, c: A.pad(a, [[1, 0], [0, 2]], constant_values=c), [X, 3.0],
     [[[6.0, 7.0, 8.0], [11.0, 12.0, 13.0]], None]),  # TF: no gradient for the constant
    ("pad reflect", lambda a: A.pad(a, [[1, 1], [2, 2]], mode="REFLECT"), [X],
     [[[76.0, 108.0, 68.0], [48.0, 66.0, 40.0]]]),
    ("pad symmetric", lambda a: A.pad(a, [[2, 1], [3, 3]], mode="SYMMETRIC"), [X],
     [[[113.0, 111.0, 109.0], [237.0, 234.0, 231.0]]]),
    ("reverse", lambda a: A.reverse(a, [1]), [X], [[[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]]]),
    ("roll", lambda a: A.roll(a, [1, -1], [0, 1]), [X], [[[6.0, 4.0, 5.0], [3.0, 1.0, 2.0]]]),
    ("gather repeats", lambda a: A.gather(a, [2, 0, 2], axis=1), [X],
     [[[2.0, 0.0, 4.0], [5.0, 0.0, 10.0]]]),
    ("gather batch_dims", lambda a: A.gather(a, [[0, 2], [1, 1]], axis=1, batch_dims=1), [X],
     [[[1.0, 0.0, 2.0], [0.0, 7.0, 0.0]]]),
    ("gather full batch", lambda a: A.gather(a, [2, 2], axis=1, batch_dims=1), [X],
     [[[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]]]),
    ("gather_nd", lambda a: A.gather_nd(a, [[1, 2], [0, 0], [1, 2]]), [X],
     [[[2.0, 0.0, 0.0], [0.0, 0.0, 4.0]]]),
    ("gather_nd slices", lambda a: A.gather_nd(a, [[1], [1]]), [X],
     [[[0.0, 0.0, 0.0], [5.0, 7.0, 9.0]]]),
    ("scatter_nd", lambda u: A.scatter_nd([[1], [3], [1]], u, [5]), [[1.0, 2.0, 3.0]],
     [[2.0, 4.0, 2.0]]),
    ("tensor_scatter_nd_update", lambda a, u: A.tensor_scatter_nd_update(
        a, [[0, 1], [1, 2]], u), [X, [10.0, 20.0]],
     [[[1.0, 0.0, 3.0], [4.0, 5.0, 0.0]], [2.0, 6.0]]),
    ("tensor_scatter_nd_update repeats", lambda a, u: A.tensor_scatter_nd_update(
        a, [[0, 1], [0, 1]], u), [X, [10.0, 20.0]],
     [[[1.0, 0.0, 3.0], [4.0, 5.0, 6.0]], [2.0, 2.0]]),
    ("tensor_scatter_nd_add", lambda a, u: A.tensor_scatter_nd_add(a, [[0, 1], [0, 1]], u),
     [X, [10.0, 20.0]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [2.0, 2.0]]),
    ("boolean_mask", lambda a: A.boolean_mask(a, [[True, False, True], [False, False, True]]),
     [X], [[[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]]]),
    ("one_hot", lambda a: A.one_hot([0, 1], 2, on_value=a, off_value=f64(0.0)), [2.0], [None]),
    ("linspace", lambda a, b: A.linspace(a, b, 5), [1.0, 3.0], [5.0, 10.0]),
    ("linspace batch", lambda a, b: A.linspace(a, b, 3, axis=1), [[0.0, 1.0], [2.0, 5.0]],
     [[2.0, 6.5], [4.0, 8.5]]),
    ("meshgrid", lambda a, b: A.meshgrid(a, b), [[1.0, 2.0, 3.0], [4.0, 5.0]],
     [[2.0, 2.0, 2.0], [6.0, 6.0]]),
    ("sort ties", lambda a: A.sort(a), [[3.0, 1.0, 2.0, 1.0]], [[4.0, 1.0, 3.0, 2.0]]),
    ("sort descending ties", lambda a: A.sort(a, direction="DESCENDING"),
     [[3.0, 1.0, 3.0, 1.0]], [[1.0, 3.0, 2.0, 4.0]]),
    ("sort axis 0", lambda a: A.sort(a, axis=0, direction="DESCENDING"),
     [[[3.0, 1.0], [0.0, 2.0], [1.0, 5.0]]], [[[1.0, 6.0], [5.0, 4.0], [3.0, 2.0]]]),
    ("einsum trace", lambda a: A.einsum("ii", a), [np.arange(9.0).reshape(3, 3)],
     [np.eye(3).tolist()]),
    ("einsum diagonal", lambda a: A.einsum("ii->i", a), [np.arange(9.0).reshape(3, 3)],
     [np.diag([1.0, 2.0, 3.0]).tolist()]),
    ("einsum matmul", lambda a, b: A.einsum("ij,jk->ik", a, b),
     [X, np.arange(12.0).reshape(3, 4)],
     [[[20.0, 60.0, 100.0], [44.0, 148.0, 252.0]],
      [[15.0, 18.0, 21.0, 24.0], [21.0, 26.0, 31.0, 36.0], [27.0, 34.0, 41.0, 48.0]]]),
    ("einsum sum", lambda a: A.einsum("ij->i", a), [X], [[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]]),
    ("einsum ellipsis broadcast", lambda a, b: A.einsum("...ij,...jk->...ik", a, b),
     [np.ones((2, 1, 2, 3)), np.arange(12.0).reshape(3, 4)],
     [[[[[20.0, 60.0, 100.0], [44.0, 148.0, 252.0]]],
       [[[68.0, 236.0, 404.0], [92.0, 324.0, 556.0]]]],
      [[28.0, 32.0, 36.0, 40.0]] * 3]),
    ("tensordot", lambda a, b: A.tensordot(a, b, [[0], [1]]),
     [X, np.arange(8.0).reshape(4, 2)],
     [[[40.0, 88.0, 136.0], [50.0, 114.0, 178.0]],
      [[23.0, 68.0], [26.0, 80.0], [29.0, 92.0], [32.0, 104.0]]]),
    ("unique", lambda a: A.unique(a)[0], [[1.0, 2.0, 1.0]], [None]),  # TF: LookupError
    ("shape", lambda a: tf.cast(A.shape(a), tf.float64), [X], [None]),
]


@pytest.mark.parametrize(("f", "args", "expected"), [c[1:] for c in GRADIENT_CASES],
                         ids=[c[0] for c in GRADIENT_CASES])
def test_gradient_matches_tf(f: Callable, args: list, expected: list) -> None:
    got = grads(f, *args)
    for g, e in zip(got, expected):
        if e is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, e, rtol=1e-12)


@pytest.mark.parametrize("f", [
    lambda a: A.repeat(a, 3, axis=0),
    lambda a: A.boolean_mask(a, [True, False, True], axis=1),
    lambda a: A.linspace(a[0], a[1], 4, axis=-1),
    lambda a: A.meshgrid(a[0], a[1], indexing="ij")[1] * a[0, 0],
    lambda a: A.sort(a * a, axis=0),
    lambda a: A.tensordot(a, a * a, [[0, 1], [0, 1]]),
    lambda a: A.einsum("ij,ij,kj->ik", a, a, a),
    lambda a: A.einsum("...j,ij->...i", a[0], a),
    lambda a: A.gather_nd(tf.stack([a, 2 * a]), [[[1, 0]], [[0, 2]]], batch_dims=1),
    lambda a: A.tile(A.reverse(a, [0]), [2, 1]) * A.roll(A.tile(a, [2, 1]), 1, 0),
], ids=["repeat", "boolean_mask", "linspace", "meshgrid", "sort", "tensordot", "einsum3",
        "einsum-ellipsis", "gather_nd-batch", "tile-reverse-roll"])
def test_composite_gradients_by_central_differences(f: Callable) -> None:
    x = np.array([[0.3, -1.2, 2.1], [1.7, 0.4, -0.8]])
    want = numeric_grad(f, x)
    np.testing.assert_allclose(grads(f, x)[0], want, rtol=1e-6, atol=1e-8)


def test_pad_constant_from_the_input_gets_no_gradient_through_the_constant() -> None:
    # TF's PadV2 gradient is None for constant_values, so only the copied middle counts.
    got = grads(lambda a: A.pad(a, [[1, 0], [0, 2]], constant_values=a[0, 0]), X)[0]
    assert got == [[6.0, 7.0, 8.0], [11.0, 12.0, 13.0]]  # TF


def test_tile_scalar_and_zero_multiples_gradient() -> None:
    assert grads(lambda a: A.tile(a, []), 2.0) == [1.0]
    assert grads(lambda a: A.tile(a, [0, 2]), [[1.0, 2.0]]) == [[[0.0, 0.0]]]


# -- several outputs: outputs without a gradient give None cotangent entries -------------------
def test_multi_output_partial_cotangents() -> None:
    # TF: only the used output's slots get gradient.
    assert grads(lambda a: A.unstack(a, axis=1)[1], X) == [[[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]]]
    assert grads(lambda a: A.split(a, [1, 2], axis=1)[1], X) == [
        [[0.0, 1.0, 2.0], [0.0, 3.0, 4.0]]]  # TF
    assert grads(lambda a: A.split(a, 3, axis=1)[2] * 2.0, X) == [
        [[0.0, 0.0, 2.0], [0.0, 0.0, 4.0]]]
    # Two of three outputs, each used once: the unused one is a None entry.
    x = f64(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, _, c = A.unstack(x, axis=1)
        y = tf.reduce_sum(a) + 3.0 * tf.reduce_sum(c)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[1, 0, 3], [1, 0, 3]])


def test_multi_output_jvp_is_a_tuple() -> None:
    op = A._unpack.op
    x = f64(X)
    out = op.run(x, num=3, axis=1)
    tangents = op.jvp([f64(np.ones((2, 3)))], [x], out, {"num": 3, "axis": 1})
    assert isinstance(tangents, tuple) and len(tangents) == 3
    assert values(tangents[0]) == [1.0, 1.0]


def test_pad_v2_jvp_pads_the_tangent_with_zeros() -> None:
    # pad(x, c) is affine in x: its tangent is padded with 0, not with c.
    op = A._PadV2.op
    x, c = f64([1.0, 2.0]), f64(5.0)
    params = {"paddings": ((1, 1),)}
    dx = op.jvp([f64([1.0, 1.0]), None], [x, c], op.run(x, c, **params), params)
    assert values(dx) == [0.0, 1.0, 1.0, 0.0]


# -- higher order: the rules are tapeflow ops, so nested tapes differentiate them -------------
def test_second_order_through_gather() -> None:
    v = f64([1.0, 2.0, 3.0])
    with tf.GradientTape() as outer:
        outer.watch(v)
        with tf.GradientTape() as inner:
            inner.watch(v)
            y = tf.reduce_sum(A.gather(v, [0, 2, 2]) ** 3)
        g = inner.gradient(y, v)
    assert values(g) == [3.0, 0.0, 54.0]  # TF
    assert values(outer.gradient(g, v)) == [6.0, 0.0, 36.0]  # TF


def test_second_order_through_einsum() -> None:
    m = f64([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as outer:
        outer.watch(m)
        with tf.GradientTape() as inner:
            inner.watch(m)
            y = A.einsum("ij,jk,ki->", m, m, m)
        g = inner.gradient(y, m)
    np.testing.assert_allclose(g.numpy(), [[21.0, 45.0], [30.0, 66.0]])  # TF
    np.testing.assert_allclose(outer.gradient(g, m).numpy(), [[21.0, 33.0], [27.0, 39.0]])  # TF


def test_einsum_repeated_label_gradient() -> None:
    a = np.arange(18.0).reshape(3, 3, 2)
    w = f64([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    got = grads(lambda t: A.einsum("iij->ji", t) * w / weights((2, 3)), a)[0]
    np.testing.assert_array_equal(got, [[[1.0, 4.0], [0.0, 0.0], [0.0, 0.0]],
                                        [[0.0, 0.0], [2.0, 5.0], [0.0, 0.0]],
                                        [[0.0, 0.0], [0.0, 0.0], [3.0, 6.0]]])  # TF


def test_gather_on_a_variable() -> None:
    v = tf.Variable([1.0, 2.0, 3.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(A.gather(v, [[1, 1], [0, 2]]) * f64([[1.0, 2.0], [3.0, 4.0]]))
    assert values(tape.gradient(y, v)) == [3.0, 3.0, 4.0]  # TF (as dense values)


# -- errors: TF's types and messages (TF 2.21 printed each) ------------------------------------
ERRORS = [
    (lambda: A.unstack(f64(X), num=3), InvalidArgumentError,
     "Input shape axis 0 must equal 3, got shape [2,3] [Op:Unpack]"),
    (lambda: A.unstack(f64(X), axis=2), ValueError, "Argument `axis` = 2 not in range [-2, 2)"),
    (lambda: A.unstack(tf.constant(1.0)), ValueError, "Argument `axis` = 0 not in range [0, 0)"),
    (lambda: A.split(f64(X), 2, axis=1), InvalidArgumentError,
     "Number of ways to split should evenly divide the split dimension, but got split_dim 1 "
     "(size = 3) and num_split 2 [Op:Split]"),
    (lambda: A.split(f64(X), [1, 1], axis=1), InvalidArgumentError,
     "if not fully specified.  Got: 2 [Op:SplitV]"),
    (lambda: A.split(f64(X), 2, axis=3), InvalidArgumentError,
     "-input rank(-2) <= split_dim < input rank (2), but got 3 [Op:Split]"),
    (lambda: A.split(f64(X), [5, -2], axis=1), InvalidArgumentError,
     "Split size at index 1 must be >= 0. Got: -2 [Op:SplitV]"),
    (lambda: A.split(f64(X), [4, -1], axis=1), InvalidArgumentError,
     "if not fully specified.  Got: 4 [Op:SplitV]"),
    (lambda: A.split(f64(X), [-1, -1], axis=1), InvalidArgumentError,
     "There can only be one -1 in the input. [Op:SplitV]"),
    (lambda: A.split(f64(X), [1, 2], axis=1, num=3), InvalidArgumentError,
     "size of the split_tensor must be 1-D and have the same elements as outputs got 1 -D and "
     "2 elements [Op:SplitV]"),
    (lambda: A.tile(f64(X), [2, 1, 1]), InvalidArgumentError,
     "Expected multiples argument to be a vector of length 2 but got length 3 [Op:Tile]"),
    (lambda: A.tile(f64(X), [-1, 1]), InvalidArgumentError,
     "Expected multiples[0] >= 0, but got -1 [Op:Tile]"),
    (lambda: A.tile(f64(X), [2.0, 1.0]), InvalidArgumentError,
     "Value for attr 'Tmultiples' of float is not in the list of allowed values: int32, int64"),
    (lambda: A.tile(f64(X), [[1, 2]]), InvalidArgumentError,
     "Expected multiples to be 1-D, but got shape [1,2] [Op:Tile]"),
    (lambda: A.repeat(f64(X), [1, 2, 3], axis=0), ValueError,
     "Dimensions 2 and 3 are not compatible"),
    (lambda: A.repeat(f64(X), 2, axis=2), ValueError,
     "axis=2 out of bounds: expected -2<=axis<2"),
    (lambda: A.repeat(f64(X), -1, axis=0), InvalidArgumentError,
     "Expected multiples[1] >= 0, but got -1 [Op:Tile]"),
    (lambda: A.repeat(f64(X), [[1, 2]], axis=0), ValueError,
     "Shape (1, 2) must have rank at most 1"),
    (lambda: A.repeat(f64(X), 1.5, axis=0), TypeError,
     "Argument `tensor` (name: repeats) must be of type integer."),
    (lambda: A.pad(f64(X), [[2, 0], [0, 0]], mode="REFLECT"), InvalidArgumentError,
     "paddings must be less than the dimension size: 2, 0 not less than 2 [Op:MirrorPad]"),
    (lambda: A.pad(f64(X), [[3, 0], [0, 0]], mode="SYMMETRIC"), InvalidArgumentError,
     "paddings must be no greater than the dimension size: 3, 0 greater than 2 [Op:MirrorPad]"),
    (lambda: A.pad(f64(X), [[1, 0]]), InvalidArgumentError,
     "The first dimension of paddings must be the rank of inputs[1,2] [2,3] [Op:Pad]"),
    (lambda: A.pad(f64(X), [[1, 0]], mode="REFLECT"), InvalidArgumentError,
     "The first dimension of paddings must be the rank of inputs[1,2], [2,3] [Op:MirrorPad]"),
    (lambda: A.pad(f64(X), [[-1, 0], [0, 0]]), InvalidArgumentError,
     "Paddings must be non-negative: -1 0 [Op:Pad]"),
    (lambda: A.pad(f64(X), [[-1, 0], [0, 0]], mode="REFLECT"), InvalidArgumentError,
     "paddings must be non-negative: -1 0 [Op:MirrorPad]"),
    (lambda: A.pad(f64(X), [[1, 0], [0, 0]], mode="WRAP"), ValueError,
     'Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or "SYMMETRIC". '
     "Received `mode` = WRAP"),
    (lambda: A.pad(tf.constant([1, 2]), [[1, 0]], constant_values=1.5), TypeError,
     "Cannot convert 1.5 to EagerTensor of dtype int32"),
    (lambda: A.pad(f64(X), [[1, 0], [0, 0]], constant_values=tf.constant(2.0)),
     InvalidArgumentError, "cannot compute PadV2 as input #2(zero-based) was expected to be a "
     "double tensor but is a float tensor [Op:PadV2]"),
    (lambda: A.pad(f64(X), [[1.0, 0], [0, 0]]), InvalidArgumentError,
     "Value for attr 'Tpaddings' of float is not in the list of allowed values: int32, int64"),
    (lambda: A.reverse(f64(X), [2]), InvalidArgumentError,
     "'axis'[0] = 2 is out of valid range [0, 1 [Op:ReverseV2]"),
    (lambda: A.reverse(f64(X), [1, 1]), InvalidArgumentError,
     "axis 1 specified more than once. [Op:ReverseV2]"),
    (lambda: A.reverse(f64(X), 1), InvalidArgumentError,
     "'dims' must be 1-dimension, not 0 [Op:ReverseV2]"),
    (lambda: A.roll(f64(X), 1, axis=2), InvalidArgumentError, "axis 2 is out of range [Op:Roll]"),
    (lambda: A.roll(f64(X), [1, 2], axis=[1]), InvalidArgumentError,
     "shift and axis must have the same size [Op:Roll]"),
    (lambda: A.roll(tf.constant(1.0), 1, 0), InvalidArgumentError,
     "input must be 1-D or higher [Op:Roll]"),
    (lambda: A.roll(f64(X), 1.0, 0), InvalidArgumentError,
     "Value for attr 'Tshift' of float is not in the list of allowed values: int32, int64"),
    (lambda: A.gather(f64(X), [-1], axis=1), InvalidArgumentError,
     "indices[0] = -1 is not in [0, 3) [Op:GatherV2]"),
    (lambda: A.gather(f64(X), [[0, 3]], axis=1), InvalidArgumentError,
     "indices[0,1] = 3 is not in [0, 3) [Op:GatherV2]"),
    (lambda: A.gather(f64(X), 5), InvalidArgumentError,
     "indices = 5 is not in [0, 2) [Op:GatherV2]"),
    (lambda: A.gather(f64(X), [0.0]), InvalidArgumentError,
     "Value for attr 'Tindices' of float is not in the list of allowed values: int16, int32, "
     "int64"),
    (lambda: A.gather(f64(X), [[0, 2]], axis=1, batch_dims=1), InvalidArgumentError,
     "params.shape[0]: 2 should be equal to indices.shape[0]: 1 [Op:GatherV2]"),
    (lambda: A.gather(f64(X), [0], axis=2), InvalidArgumentError,
     "Shape must be at least rank 3 but is rank 2 [Op:GatherV2]"),
    (lambda: A.gather(f64(X), [[0, 2], [1, 1]], axis=1, batch_dims=3), InvalidArgumentError,
     "Expected batch_dims in the range [-2, 2], but got 3 [Op:GatherV2]"),
    (lambda: A.gather(tf.ones((2, 3, 4)), tf.zeros((2, 3, 1), tf.int32), axis=1, batch_dims=2),
     InvalidArgumentError, "batch_dims (2) must be less than or equal to axis (1). [Op:GatherV2]"),
    (lambda: A.gather(tf.constant(1.0), [0]), InvalidArgumentError,
     "params must be at least 1 dimensional [Op:GatherV2]"),
    (lambda: A.gather_nd(f64(X), [[1, 3]]), InvalidArgumentError,
     "indices[0] = [1, 3] does not index into param shape [2,3], node name: GatherNd "
     "[Op:GatherNd]"),
    (lambda: A.gather_nd(f64(X), [[1, 1, 1]]), InvalidArgumentError,
     "index innermost dimension length must be <= params rank; saw: 3 vs. 2 [Op:GatherNd]"),
    (lambda: A.gather_nd(f64(X), 1), InvalidArgumentError,
     "indices must be at least a vector [Op:GatherNd]"),
    (lambda: A.gather_nd(tf.ones((2, 3, 4)), [[1], [2]], batch_dims=2), ValueError,
     "Argument `batch_dims` = 2 must be less than rank(`indices`) = 2"),
    (lambda: A.scatter_nd([[5]], [1.0], [5]), InvalidArgumentError,
     "indices[0] = [5] does not index into shape [5] [Op:ScatterNd]"),
    (lambda: A.scatter_nd([[1]], [1.0, 2.0], [5]), InvalidArgumentError,
     "Dimensions [0,1) of indices[shape=[1,1]] must match dimensions [0,1) of "
     "updates[shape=[2]] [Op:ScatterNd]"),
    (lambda: A.scatter_nd([[0]], [[1.0, 2.0]], [2, 3]), InvalidArgumentError,
     "Dimensions [1,2) of input[shape=[2,3]] must match dimensions [1,2) of "
     "updates[shape=[1,2]] [Op:ScatterNd]"),
    (lambda: A.scatter_nd([[0]], [1.0], [-2]), InvalidArgumentError,
     "Dimension -2 must be >= 0 [Op:ScatterNd]"),
    (lambda: A.scatter_nd(tf.zeros((2, 0), tf.int32), tf.ones((2, 3)), [3]),
     InvalidArgumentError, "Indices and updates specified for empty output shape [Op:ScatterNd]"),
    (lambda: A.tensor_scatter_nd_add(tf.ones(3), tf.zeros((2, 0), tf.int32), tf.ones((2, 3))),
     InvalidArgumentError,
     "Indices and updates specified for empty output shape [Op:TensorScatterAdd]"),
    (lambda: A.scatter_nd(0, [1.0], [2]), InvalidArgumentError,
     "Indices shape must have rank at least one. Found:[] [Op:ScatterNd]"),
    (lambda: A.tensor_scatter_nd_update(f64(X), [[0, 3]], [10.0]), InvalidArgumentError,
     "indices[0] = [0, 3] does not index into shape [2,3] [Op:TensorScatterUpdate]"),
    (lambda: A.tensor_scatter_nd_update(f64(X), [[0, 1]], tf.constant([10.0])),
     InvalidArgumentError, "cannot compute TensorScatterUpdate as input #2(zero-based) was "
     "expected to be a double tensor but is a float tensor [Op:TensorScatterUpdate]"),
    (lambda: A.tensor_scatter_nd_update(f64(X), [[0, 1]], [10.0, 2.0]), InvalidArgumentError,
     "Outer dimensions of indices and update must match. Indices shape: [1,2], updates "
     "shape:[2] [Op:TensorScatterUpdate]"),
    (lambda: A.tensor_scatter_nd_update(f64(X), [[0]], [[1.0, 2.0]]), InvalidArgumentError,
     "The inner 1 dimensions of output.shape=[2,3] must match the inner 1 dimensions of "
     "updates.shape=[1,2] [Op:TensorScatterUpdate]"),
    (lambda: A.tensor_scatter_nd_add(f64(X), [[0, 3]], [10.0]), InvalidArgumentError,
     "indices[0] = [0, 3] does not index into shape [2,3] [Op:TensorScatterAdd]"),
    (lambda: A.boolean_mask(f64(X), [True, False, True]), ValueError,
     "Shapes (2,) and (3,) are incompatible"),
    (lambda: A.boolean_mask(f64(X), [True, False, True], axis=-1), ValueError,
     "Shapes () and (3,) are incompatible"),
    (lambda: A.boolean_mask(f64(X), True), ValueError, "mask cannot be scalar."),
    (lambda: A.one_hot([0], 2, on_value=1.0, dtype=tf.int32), TypeError,
     "dtype <dtype: 'float32'> of on_value does not match dtype parameter <dtype: 'int32'>"),
    (lambda: A.one_hot([0], 2, on_value=1.0, off_value=0), TypeError,
     "dtype <dtype: 'float32'> of on_value does not match dtype <dtype: 'int32'> of off_value"),
    (lambda: A.one_hot([0.0], 2), InvalidArgumentError,
     "Value for attr 'TI' of float is not in the list of allowed values: uint8, int8, int32, "
     "int64"),
    (lambda: A.one_hot([0], -1), InvalidArgumentError,
     "depth must be non-negative, got: -1 [Op:OneHot]"),
    (lambda: A.one_hot([0], 2, axis=3), InvalidArgumentError,
     "Expected axis to be -1 or between [0, 2).  But received: 3 [Op:OneHot]"),
    (lambda: A.shape(f64(X), out_type=tf.float32), InvalidArgumentError,
     "Value for attr 'out_type' of float is not in the list of allowed values: int32, int64"),
    (lambda: A.linspace(2.0, 5.0, -1), InvalidArgumentError,
     "Requires start <= limit when delta > 0: 1/-1 [Op:Range]"),
    (lambda: A.meshgrid([1, 2, 3], [4.0, 5.0]), InvalidArgumentError,
     "cannot compute Mul as input #1(zero-based) was expected to be a float tensor but is a "
     "int32 tensor [Op:Mul]"),
    (lambda: A.meshgrid([1, 2], indexing="xx"), ValueError,
     "Argument `indexing` parameter must be either 'xy' or 'ij', got 'xx'"),
    (lambda: A.sort([3, 1], direction="UP"), ValueError,
     "Argument `direction` should be one of ASCENDING, DESCENDING. Received: direction=UP"),
    (lambda: A.argsort([3, 1], direction="UP"), ValueError,
     "Argument `direction` should be one of ASCENDING, DESCENDING. Received: direction=UP"),
    (lambda: A.sort([3, 1], axis=1), InvalidArgumentError,
     "slice index 1 of dimension 0 out of bounds. [Op:StridedSlice]"),
    (lambda: A.sort(3.0), InvalidArgumentError,
     "slice index -1 of dimension 0 out of bounds. [Op:StridedSlice]"),
    (lambda: A.sort([True, False], direction="DESCENDING"), InvalidArgumentError,
     "Value for attr 'T' of bool is not in the list of allowed values: float, double, int32"),
    (lambda: A.argsort([True, False]), InvalidArgumentError, "[Op:Neg]"),
    (lambda: A.unique([[4, 1]]), InvalidArgumentError, "unique expects a 1D vector. [Op:Unique]"),
    (lambda: A.unique([4, 1], out_idx=tf.float32), InvalidArgumentError,
     "Value for attr 'out_idx' of float is not in the list of allowed values: int32, int64"),
    (lambda: A.einsum("ij,jk->ik", f64(X), f64(X)), InvalidArgumentError,
     "Expected dimension 3 at axis 0 of the input shaped [2,3] but got dimension 2 [Op:Einsum]"),
    (lambda: A.einsum("ijk,jk->ik", f64(X), f64(X)), InvalidArgumentError,
     "Expected input 0 to have rank 3 but got: 2 [Op:Einsum]"),
    (lambda: A.einsum("...ij->...i", tf.ones((3,))), InvalidArgumentError,
     "Expected input 0 to have rank at least 2 but got: 1 [Op:Einsum]"),
    (lambda: A.einsum("ij,jk->ik", f64(X), tf.ones((3, 4))), InvalidArgumentError,
     "cannot compute Einsum as input #1(zero-based) was expected to be a double tensor but is "
     "a float tensor [Op:Einsum]"),
    (lambda: A.einsum("ij->k", f64(X)), ValueError,
     "Output subscripts contain the label k not present in the input subscripts."),
    (lambda: A.einsum("ij->ii", f64(X)), ValueError,
     "Output subscripts contain a label appearing more than once: ij->ii"),
    (lambda: A.einsum("ij,jk->ik", f64(X)), ValueError,
     'Got 1 inputs for equation "ij,jk->ik", expecting 2'),
    (lambda: A.einsum("i1->i", f64(X)), ValueError, "Subscripts have incorrect format: i1->i"),
    (lambda: A.einsum("i->i->i", tf.ones(2)), ValueError,
     "Subscripts have incorrect format: i->i->i"),
    (lambda: A.einsum("ij,ij->ij", tf.ones((1, 3)), tf.ones((2, 3))), InvalidArgumentError,
     "Expected dimension 1 at axis 0 of the input shaped [2,3] but got dimension 2"),
    (lambda: A.einsum("...i->i", tf.ones((1, 3))), InvalidArgumentError,
     "Output contains 1 broadcasting dimension(s) but no ellipsis (...) was found in the "
     "output subscripts. [Op:Einsum]"),
    (lambda: A.einsum("...i,...i->...i", tf.ones((2, 3)), tf.ones((4, 3))), InvalidArgumentError,
     "must have compatible batch dimensions"),
    (lambda: A.einsum("i->", tf.constant([1], tf.uint8)), NotFoundError,
     "Could not find device for node: {{node Einsum}} = Einsum[N=1, T=DT_UINT8"),
    (lambda: A.tensordot(f64(X), f64(X), 3), ValueError,
     "`axes` must not be larger than the number of dimensions of tensor"),
    (lambda: A.tensordot(f64(X), f64(X), -1), ValueError,
     "`axes` must be at least 0. Received: -1."),
    (lambda: A.tensordot(f64(X), f64(X), [[1, 0], [0]]), ValueError,
     "Different number of contraction axes `a` and `b`, 2 != 1."),
    (lambda: A.tensordot(f64(X), f64(np.ones((3, 4))), [[0], [0]]), InvalidArgumentError,
     "Matrix size-incompatible"),
]


@pytest.mark.parametrize(("call", "error", "message"), ERRORS,
                         ids=[f"{i}-{e[2][:30]}" for i, e in enumerate(ERRORS)])
def test_errors_match_tf(call: Callable, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_public_functions_carry_doc_examples() -> None:
    for name in A.__all__:
        fn = getattr(A, name)
        assert fn.__doc__ and ">>> import tapeflow as tf" in fn.__doc__, name


# -- tf.slice (TF 2.21: values and messages read off real TF) ---------------------------------
def test_slice_takes_size_elements_from_begin_and_minus_one_takes_the_rest() -> None:
    x = np.arange(12.0).reshape(3, 4)
    assert tf.slice(f64(x), [1, 1], [2, -1]).numpy().tolist() == [[5, 6, 7], [9, 10, 11]]
    assert tf.slice(f64(x), tf.constant([0, 2]), tf.constant([3, 1])).numpy().tolist() == \
        [[2], [6], [10]]
    assert tf.slice(f64(x), [0, 0], [0, 2]).shape == (0, 2)
    # the gradient scatters the cotangent back (closed form and central differences)
    (g,) = grads(lambda t: tf.slice(t, [1, 1], [2, -1]), x)
    want = np.zeros((3, 4))
    want[1:, 1:] = np.arange(1.0, 7.0).reshape(2, 3)
    assert g == want.tolist()
    np.testing.assert_allclose(g, numeric_grad(lambda t: tf.slice(t, [1, 1], [2, -1]), x),
                               rtol=1e-7)


@pytest.mark.parametrize("begin, size, message", [
    ([0, 5], [1, 1], r"Expected begin\[1\] in \[0, 4\], but got 5"),
    ([-1, 0], [1, 1], r"Expected begin\[0\] in \[0, 3\], but got -1"),
    ([0, 1], [1, 4], r"Expected size\[1\] in \[0, 3\], but got 4"),
    ([0, 0], [-2, 1], r"Expected size\[0\] in \[0, 3\], but got -2"),
    ([0], [1], r"Expected begin and size arguments to be 1-D tensors of size 2, but got "
               r"shapes \[1\] and \[1\] instead\."),
])
def test_slice_errors_are_tfs(begin, size, message) -> None:
    with pytest.raises(InvalidArgumentError, match=message + r".*\[Op:Slice\]"):
        tf.slice(f64(np.zeros((3, 4))), begin, size)


def test_stack_of_nothing_and_scalar_masks() -> None:
    empty = tf.stack([])
    assert empty.dtype == tf.float32 and empty.shape == (0,)
    for key in (True, False, tf.constant(True)):
        with pytest.raises(ValueError, match="mask cannot be scalar."):
            f64(X)[key]


def test_string_tensors_have_no_ones_and_no_casts_to_numbers() -> None:
    s = tf.constant(["a", "bc"])
    assert tf.zeros_like(s).numpy().tolist() == [b"", b""]
    with pytest.raises(InvalidArgumentError, match="Value for attr 'T' of string is not in "
                       r"the list of allowed values.*\[Op:OnesLike\]"):
        tf.ones_like(s)
    with pytest.raises(tf.errors.UnimplementedError,
                       match=r"Cast string to int32 is not supported \[Op:Cast\]"):
        tf.cast(tf.constant(["1"]), tf.int32)
    with pytest.raises(tf.errors.UnimplementedError,
                       match=r"Cast float to string is not supported \[Op:Cast\]"):
        tf.cast(tf.constant([1.0]), tf.string)
    assert tf.cast(s, tf.string).numpy().tolist() == [b"a", b"bc"]


# -- tf.strided_slice with TF's signature and masks (values read off TF 2.21) ------------------
STRIDED = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("kwargs, key", [
    (dict(begin=[0, 1], end=[2, 3]), np.s_[0:2, 1:3]),
    (dict(begin=[0, 1, 0], end=[2, 3, 4], strides=[1, 1, 2]), np.s_[0:2, 1:3, 0:4:2]),
    (dict(begin=[1], end=[2], shrink_axis_mask=1), np.s_[1]),
    (dict(begin=[0, 0, 0], end=[0, 0, 0], strides=[1, -1, 1], begin_mask=7, end_mask=7),
     np.s_[:, ::-1, :]),
    (dict(begin=[0, 1], end=[0, 2], ellipsis_mask=1), np.s_[..., 1:2]),
    (dict(begin=[0, 0], end=[1, 1], new_axis_mask=1), np.s_[None, 0:1]),
    (dict(begin=[-1, -2], end=[0, 0], end_mask=3), np.s_[-1:, -2:]),
    (dict(begin=[1, 0, 3], end=[0, 0, 0], shrink_axis_mask=5), np.s_[1, 0:0, 3]),
    (dict(begin=[0, 0], end=[1, 10]), np.s_[0:1, 0:10]),
])
def test_strided_slice_signature_and_masks(kwargs, key) -> None:
    out = tf.strided_slice(f64(STRIDED), **kwargs)
    want = STRIDED[key]
    assert out.shape == want.shape and out.numpy().tolist() == want.tolist()
    # linear: the gradient is the cotangent (weights 1, 2, ...) put back where it was read
    (g,) = grads(lambda t: tf.strided_slice(t, **kwargs), STRIDED)
    closed = np.zeros_like(STRIDED)
    closed[key] = np.arange(1.0, want.size + 1).reshape(want.shape)
    assert g == closed.tolist()
    np.testing.assert_allclose(
        g, numeric_grad(lambda t: tf.strided_slice(t, **kwargs), STRIDED), atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(begin=[0, 1], end=[2]), r"Expected begin, end, and strides to be 1D equal size "
                                  r"tensors, but got shapes \[2\], \[1\], and \[2\] instead\."),
    (dict(begin=[0], end=[2], strides=[0]), r"strides\[0\] must be non-zero"),
    (dict(begin=[5], end=[6], shrink_axis_mask=1), r"slice index 5 of dimension 0 out of bounds"),
])
def test_strided_slice_errors_are_tfs(kwargs, message) -> None:
    with pytest.raises(InvalidArgumentError, match=message + r".*\[Op:StridedSlice\]"):
        tf.strided_slice(f64(STRIDED), **kwargs)


# -- sequence_mask, ensure_shape, identity_n, no_op, reduce_euclidean_norm (TF 2.21's values) --
@pytest.mark.parametrize("args, kwargs, want", [
    (([1, 3, 2], 5), {}, [[1, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]]),
    (([[1, 3], [2, 0]],), {}, [[[1, 0, 0], [1, 1, 1]], [[1, 1, 0], [0, 0, 0]]]),
    (([1.5, 2],), {}, [[1, 1], [1, 1]]),       # float lengths: compared as floats
    (([-1, 2],), {}, [[0, 0], [1, 1]]),
    ((2, 4), {}, [1, 1, 0, 0]),
    (([1, 2], 3.0), {}, [[1, 0, 0], [1, 1, 0]]),
])
def test_sequence_mask(args, kwargs, want) -> None:
    out = tf.sequence_mask(*args, **kwargs)
    assert out.dtype == tf.bool and out.numpy().astype(int).tolist() == want
    as_float = tf.sequence_mask([1, 3], 4, dtype=tf.float32)
    assert as_float.dtype == tf.float32
    assert as_float.numpy().tolist() == [[1, 0, 0, 0], [1, 1, 1, 0]]
    assert tf.sequence_mask([1, 2], 0).shape == (2, 0)


def test_sequence_mask_errors() -> None:
    with pytest.raises(ValueError, match=r"Argument `maxlen` must be scalar for sequence_mask, "
                       r"received `maxlen` = \[3\] with shape '\(1,\)' instead"):
        tf.sequence_mask([1, 2], [3])
    with pytest.raises(InvalidArgumentError, match=r"Requires start <= limit when delta > 0: "
                       r"0/-1 \[Op:Range\]"):
        tf.sequence_mask([1], -1)


def test_ensure_shape_identity_n_and_no_op() -> None:
    x = f64([[1.0, 2.0]])
    for shape in ([1, 2], (None, 2), [None, None], None):
        assert tf.ensure_shape(x, shape).numpy().tolist() == [[1.0, 2.0]]
    for shape, shown in (([1, 3], r"\[1,3\]"), ([None, 3], r"\[\?,3\]"), ([2], r"\[2\]")):
        with pytest.raises(InvalidArgumentError, match=r"Shape of tensor input \[1,2\] is not "
                           r"compatible with expected shape " + shown + r"\. \[Op:EnsureShape\]"):
            tf.ensure_shape(x, shape)
    (g,) = grads(lambda t: tf.ensure_shape(t, [None, 2]), X[:1, :2])  # the identity's gradient
    assert g == [[1.0, 2.0]]
    a, b = tf.identity_n([tf.constant(1), tf.constant(2.0)])
    assert (a.dtype, a.numpy(), b.dtype, b.numpy()) == (tf.int32, 1, tf.float32, 2.0)
    assert tf.no_op() is None


def test_reduce_euclidean_norm_dtypes_gradient_and_errors() -> None:
    x = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    assert tf.math.reduce_euclidean_norm(x).numpy() == 5.0
    assert tf.math.reduce_euclidean_norm(x, axis=1).numpy().tolist() == [5.0, 0.0]
    assert tf.math.reduce_euclidean_norm(tf.constant([[3, 4]]), 1).numpy().tolist() == [5]
    assert tf.math.reduce_euclidean_norm(tf.constant([1, 1])).numpy() == 1  # truncated root
    assert tf.math.reduce_euclidean_norm(tf.constant([1, 2], tf.uint8)).dtype == tf.uint8
    z = tf.math.reduce_euclidean_norm(tf.constant([1 + 1j]))
    assert z.dtype == tf.complex128 and z.numpy() == pytest.approx(2 ** 0.5)
    v = tf.constant([3.0, 4.0])
    zero = tf.constant([0.0, 0.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([v, zero])
        n, n0 = tf.math.reduce_euclidean_norm(v), tf.math.reduce_euclidean_norm(zero)
    np.testing.assert_allclose(tape.gradient(n, v).numpy(), [0.6, 0.8], rtol=1e-6)
    assert np.isnan(tape.gradient(n0, zero).numpy()).all()  # 0/0, as TF's
    with pytest.raises(InvalidArgumentError, match=r"Value for attr 'T' of bool is not in the "
                       r"list of allowed values.*\[Op:EuclideanNorm\]"):
        tf.math.reduce_euclidean_norm(tf.constant([True]))
    with pytest.raises(InvalidArgumentError, match=r"Invalid reduction dimension \(1 for input "
                       r"with 1 dimension\(s\).*\[Op:EuclideanNorm\]"):
        tf.math.reduce_euclidean_norm(tf.constant([3.0]), axis=1)


def test_scalar_mul_reciprocal_no_nan_rint_zero_fraction_shape_n() -> None:
    # values, dtypes, gradients and messages as TF 2.21 gives them
    x = tf.constant([0.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        scaled, inverse, rounded = (tf.math.scalar_mul(3.0, x), tf.math.reciprocal_no_nan(x),
                                    tf.math.rint(x * 0.75))
    assert scaled.numpy().tolist() == [0.0, 6.0] and tape.gradient(scaled, x).numpy().tolist() \
        == [3.0, 3.0]
    assert inverse.numpy().tolist() == [0.0, 0.5]
    assert tape.gradient(inverse, x).numpy().tolist() == [0.0, -0.25]  # 0 where x is 0
    assert rounded.numpy().tolist() == [0.0, 2.0] and tape.gradient(rounded, x) is None
    assert tf.math.rint(tf.constant([0.5, 1.5, 2.5, -0.5])).numpy().tolist() == [0, 2, 2, -0.0]
    assert tf.math.scalar_mul(2, tf.constant([1])).numpy().tolist() == [2]
    with pytest.raises(ValueError, match=re.escape(
            "The input scalar must be a 0-D value. Received shape (1,).")):
        tf.math.scalar_mul(tf.constant([2.0]), x)
    with pytest.raises(InvalidArgumentError, match=r"Value for attr 'T' of int32 is not in the "
                       r"list of allowed values.*\[Op:DivNoNan\]"):
        tf.math.reciprocal_no_nan(tf.constant([1]))
    with pytest.raises(InvalidArgumentError, match=r"\[Op:Rint\]"):
        tf.math.rint(tf.constant([1]))
    fraction = tf.math.zero_fraction(tf.constant([0.0, 1.0, 0.0, 2.0]))
    assert fraction.dtype == tf.float32 and fraction.numpy() == 0.5
    assert tf.math.zero_fraction(tf.constant([0, 1])).numpy() == 0.5
    assert np.isnan(tf.math.zero_fraction(tf.constant([], tf.float32)).numpy())
    shapes = tf.shape_n([tf.zeros((2, 3)), tf.ones(4)], out_type=tf.int64)
    assert [(s.dtype, s.numpy().tolist()) for s in shapes] == [(tf.int64, [2, 3]),
                                                               (tf.int64, [4])]
    with pytest.raises(InvalidArgumentError, match=re.escape(
            "cannot compute ShapeN as input #1(zero-based) was expected to be a int32 tensor "
            "but is a float tensor [Op:ShapeN]")):
        tf.shape_n([tf.constant([1, 2]), tf.constant([[1.0]])])


@pytest.mark.parametrize("seq, values, side, want", [
    ([1, 3, 5], [0, 3, 6], "left", [0, 1, 3]),
    ([1, 3, 5], [0, 3, 6], "right", [0, 2, 3]),
    ([[1, 3], [2, 4]], [[2], [3]], "left", [[1], [1]]),   # row by row
    ([[[1, 3]]], [[[2, 0]]], "left", [[[1, 0]]]),
    ([[1, 3]], [2], "left", [1]),                          # leading axes flattened
    (np.array([], np.int32), [2], "left", [0]),
    ([1.0, np.nan], [np.nan, 2.0], "left", [0, 1]),        # TF's '<' search: NaN goes first
])
def test_searchsorted(seq, values, side, want) -> None:
    dt = np.asarray(seq).dtype
    out = tf.searchsorted(tf.constant(np.asarray(seq, dt)), tf.constant(np.asarray(values, dt)),
                          side=side)
    assert out.dtype == tf.int32 and out.numpy().tolist() == want
    assert tf.searchsorted([1.0, 3.0], [2.0], out_type=tf.int64).dtype == tf.int64


@pytest.mark.parametrize("call, error, message", [
    (lambda: tf.searchsorted([1, 3], [2], side="x"), ValueError,
     "Argument `side` must be either 'right' or 'left'. Received: `side` = 'x'."),
    (lambda: tf.searchsorted([[1, 3], [2, 4]], [[2, 5, 0]]), InvalidArgumentError,
     "Leading dim_size of both tensors must match. [Op:LowerBound]"),
    (lambda: tf.searchsorted([1, 3], [2.0]), InvalidArgumentError,
     "cannot compute LowerBound as input #1(zero-based) was expected to be a int32 tensor but "
     "is a float tensor [Op:LowerBound]"),
    (lambda: tf.searchsorted([1, 3], [2], out_type=tf.float32), InvalidArgumentError,
     "Value for attr 'out_type' of float is not in the list of allowed values: int32, int64"),
    (lambda: tf.searchsorted([1, 3], 2), InvalidArgumentError,
     "slice index -1 of dimension 0 out of bounds."),
])
def test_searchsorted_errors(call, error, message) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()
