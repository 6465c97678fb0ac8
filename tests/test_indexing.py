"""The scatter-add behind scatter_nd, tensor_scatter_nd_add and the gradients of
gather and gather_nd (tapeflow/ops/scatter_add.py: ``add_at``).

``add_at`` promises ``np.add.at``'s result bit for bit: each slot's repeats are
added in their order, whichever path runs (one flat ``np.add.at`` over
elements, or rounds of whole-row takes and puts with a flat tail for the
busiest slots).  The rounds only run on large scatters of wide rows, so the
``path`` fixture lowers their thresholds to reach every path with small arrays;
one test runs the benchmark's size with the real thresholds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops import scatter_add

DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128, np.int32]


@pytest.fixture(params=["flat", "rounds", "rounds+tail"])
def path(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which path add_at takes: flat add.at, rounds only, or rounds then a flat tail."""
    if request.param == "flat":
        monkeypatch.setattr(scatter_add, "_ROUNDS_FROM", np.inf)
    else:
        monkeypatch.setattr(scatter_add, "_ROUNDS_FROM", 0)
        monkeypatch.setattr(scatter_add, "_ROUNDS_WIDTH", 1)
        # rounds+tail: a round must move 3 rows' worth, so busy slots' last repeats
        # are left to the flat tail
        monkeypatch.setattr(scatter_add, "_ROUND_MIN", 1 if request.param == "rounds" else 3 * 5)
    return request.param


def slots_of(pattern: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if pattern == "distinct":
        return rng.permutation(n)[:k]
    if pattern == "repeats":
        return rng.integers(0, n, k)
    if pattern == "all equal":
        return np.full(k, n // 2)
    if pattern == "heavy":  # a few slots take most rows (Zipf), the rest a row or two
        return np.minimum(rng.zipf(1.5, k) - 1, n - 1)
    if pattern == "sorted":
        return np.sort(rng.integers(0, n, k))
    assert pattern == "empty"
    return np.zeros(0, np.int64)


def values_of(shape: tuple, dtype: Any, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(shape) * 4
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    x = x.astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[rng.random(shape) < 0.2] = -0.0  # np.add.at turns 0 + -0.0 into +0.0
    return x


def assert_bitwise(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if want.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("pattern", ["distinct", "repeats", "all equal", "heavy", "sorted",
                                     "empty"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zeroed", [True, False], ids=["zeros", "base"])
def test_add_at_is_np_add_at_bit_for_bit(path: str, pattern: str, dtype: Any,
                                         zeroed: bool) -> None:
    rng = np.random.default_rng(len(pattern) + 7 * DTYPES.index(dtype))
    n, width = 40, 5
    slots = slots_of(pattern, n, 120 if pattern != "distinct" else 30, rng)
    rows = values_of((len(slots), width), dtype, rng)
    base = np.zeros((n, width), dtype) if zeroed else values_of((n, width), dtype, rng)
    want = base.copy()
    np.add.at(want, slots, rows)
    got = base.copy()
    scatter_add.add_at(np, got, (slots,), rows, zeroed)
    assert_bitwise(got, want)


def test_add_at_with_coordinates_into_leading_axes(path: str) -> None:
    """A key of two coordinate arrays scatters (2, 3)-slices into a (6, 7, 2, 3) array."""
    rng = np.random.default_rng(1)
    key = (rng.integers(0, 6, (25, 4)), rng.integers(0, 3, (25, 4)))  # few slots: repeats
    updates = values_of((25, 4, 2, 3), np.float32, rng)
    want = np.zeros((6, 7, 2, 3), np.float32)
    np.add.at(want, key, updates)
    got = np.zeros_like(want)
    scatter_add.add_at(np, got, key, updates, zeroed=True)
    assert_bitwise(got, want)


def test_add_at_at_the_benchmark_size_takes_the_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """4096 rows of 128 into a (10000, 128) table: the real thresholds pick the rounds."""
    taken = []
    rounds = scatter_add._add_rows
    monkeypatch.setattr(scatter_add, "_add_rows", lambda *a: taken.append(1) or rounds(*a))
    rng = np.random.default_rng(0)
    slots = rng.integers(0, 10_000, 4096)
    rows = rng.standard_normal((4096, 128)).astype(np.float32)
    want = np.zeros((10_000, 128), np.float32)
    np.add.at(want, slots, rows)
    got = np.zeros_like(want)
    scatter_add.add_at(np, got, (slots,), rows, zeroed=True)
    assert_bitwise(got, want)
    assert taken


@pytest.mark.parametrize("n", [5, 1 << 16, (1 << 16) + 1, 1 << 32, (1 << 32) + 5])
def test_stable_order_is_a_stable_argsort(n: int) -> None:
    rng = np.random.default_rng(n % 97)
    slots = np.concatenate([rng.integers(0, n, 300), np.full(20, n - 1), np.zeros(20, int)])
    rng.shuffle(slots)
    np.testing.assert_array_equal(scatter_add._stable_order(slots, n),
                                  np.argsort(slots, kind="stable"))


# -- through the public ops -------------------------------------------------------------------
def test_scatter_nd_and_tensor_scatter_nd_add_sum_repeats_as_np_add_at(path: str) -> None:
    rng = np.random.default_rng(2)
    indices = rng.integers(0, 3, (30, 2)).astype(np.int32)  # 9 slots, 30 updates
    updates = values_of((30, 4), np.float64, rng)
    want = np.zeros((3, 3, 4))
    np.add.at(want, (indices[:, 0], indices[:, 1]), updates)
    assert_bitwise(tf.scatter_nd(indices, updates, [3, 3, 4]).numpy(), want)
    base = values_of((3, 3, 4), np.float64, rng)
    want = base.copy()
    np.add.at(want, (indices[:, 0], indices[:, 1]), updates)
    assert_bitwise(tf.tensor_scatter_nd_add(base, indices, updates).numpy(), want)


def gather_grad_reference(params_shape: tuple, indices: np.ndarray, g: np.ndarray,
                          axis: int, batch_dims: int) -> np.ndarray:
    """d gather: np.add.at of g into params, batch by batch along the batch axes."""
    out = np.zeros(params_shape, g.dtype)
    if batch_dims:
        for b in range(params_shape[0]):
            out[b] = gather_grad_reference(params_shape[1:], indices[b], g[b], axis - 1,
                                           batch_dims - 1)
        return out
    k = indices.ndim  # g's axes: params before axis, then indices, then params after
    moved = np.moveaxis(g, list(range(axis, axis + k)), list(range(k)))
    np.add.at(np.moveaxis(out, axis, 0), indices, moved)
    return out


GATHERS = {  # params shape, indices, axis, batch_dims
    "rows with repeats": ((10, 6), [3, 1, 3, 3, 9, 0, 1], 0, 0),
    "all one row": ((4, 3), [2] * 9, 0, 0),
    "empty indices": ((4, 3), np.zeros((0,), np.int32), 0, 0),
    "2-D indices": ((5, 4), [[1, 1], [4, 1], [0, 1]], 0, 0),
    "axis 1": ((3, 6, 4), [5, 0, 5, 2, 5], 1, 0),
    "last axis": ((3, 6), [5, 0, 5, 5], 1, 0),
    "batch_dims 1": ((3, 6, 4), [[1, 1, 2], [0, 5, 0], [4, 4, 4]], 1, 1),
    "batch_dims 1, axis 2": ((2, 3, 5, 2), [[4, 4], [0, 3]], 2, 1),
}


@pytest.mark.parametrize("case", list(GATHERS))
@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.complex128])
def test_gather_gradient_is_the_scatter_add_of_its_cotangent(path: str, case: str,
                                                             dtype: Any) -> None:
    shape, indices, axis, batch_dims = GATHERS[case]
    indices = np.asarray(indices, np.int32)
    rng = np.random.default_rng(3)
    params = tf.constant(values_of(shape, dtype, rng))
    with tf.GradientTape() as tape:
        tape.watch(params)
        rows = tf.gather(params, indices, axis=axis, batch_dims=batch_dims)
    g = values_of(tuple(rows.shape), dtype, rng)
    got = tf.convert_to_tensor(tape.gradient(rows, params, output_gradients=tf.constant(g)))
    assert_bitwise(got.numpy(), gather_grad_reference(shape, indices, g, axis, batch_dims))


def test_gather_nd_gradient_sums_repeated_coordinates(path: str) -> None:
    params = tf.constant(np.arange(24.0).reshape(4, 3, 2))
    indices = np.array([[1, 2], [1, 2], [3, 0], [1, 2]], np.int32)
    g = np.random.default_rng(4).standard_normal((4, 2))
    with tf.GradientTape() as tape:
        tape.watch(params)
        y = tf.gather_nd(params, indices)
    want = np.zeros((4, 3, 2))
    np.add.at(want, (indices[:, 0], indices[:, 1]), g)
    assert_bitwise(tape.gradient(y, params, output_gradients=tf.constant(g)).numpy(), want)


@pytest.mark.parametrize("axis", [0, 1])
def test_gather_jacobian_batched_and_looped_agree(path: str, axis: int) -> None:
    """Jacobian rows reach the scatter one cotangent at a time (GatherV2 is not
    batchable); both walks give the 0/1 selection matrix, repeats summed."""
    params = tf.constant(np.random.default_rng(5).standard_normal((4, 3)))
    indices = np.array([2, 0, 2], np.int32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(params)
        y = tf.gather(params, indices, axis=axis) * 2.0
    batched = tape.jacobian(y, params).numpy()
    looped = tape.jacobian(y, params, experimental_use_pfor=False).numpy()
    np.testing.assert_array_equal(batched, looped)
    n = params.shape[axis]
    pick = 2.0 * (indices[:, None] == np.arange(n))  # d y[k] / d params[j] along axis
    if axis == 0:
        want = np.einsum("kj,de->kdje", pick, np.eye(3))
    else:
        want = np.einsum("kj,de->dkej", pick, np.eye(4))
    np.testing.assert_array_equal(batched, want)
