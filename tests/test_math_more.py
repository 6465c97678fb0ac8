"""TF's conventions for the tf.math ops of tapeflow/ops/scan.py, ranking.py,
segment.py and complex_ops.py, pinned one by one.

Every expected value below was read off real TF 2.21 by running the same
call, except where a test says it deliberately differs (cumprod's gradient
at zeros and on complex inputs, where TF's rule is wrong).  The table test
(tests/test_op_table.py) separately checks each op's value, JVP, VJP and
second order on its samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.ops import complex_ops as cx
from tapeflow.ops import ranking, scan, segment


def t64(a: Any) -> tf.Tensor:
    return tf.constant(np.asarray(a))


def grad(f: Any, *arrays: Any, seed: Any = None) -> list:
    """Gradients of f(*arrays) (weighted by ``seed``; None: ones) as NumPy arrays or None."""
    xs = [t64(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    out = tape.gradient(y, xs, output_gradients=None if seed is None else t64(seed))
    return [None if g is None else g.numpy() for g in out]


def jvp(f: Any, x: Any, tangent: Any) -> np.ndarray:
    primal = t64(x)
    with tf.autodiff.ForwardAccumulator(primal, t64(tangent)) as acc:
        y = f(primal)
    return acc.jvp(y).numpy()


def raises(error: type, text: str, f: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(error) as info:
        f(*args, **kwargs)
    assert text in str(info.value), str(info.value)


# -- cumsum / cumprod --------------------------------------------------------------------------
X4 = np.array([2.0, 3.0, 4.0, 5.0])
COMBOS = {  # (exclusive, reverse): (cumsum, cumprod) of X4, as TF gives them
    (False, False): ([2, 5, 9, 14], [2, 6, 24, 120]),
    (False, True): ([14, 12, 9, 5], [120, 60, 20, 5]),
    (True, False): ([0, 2, 5, 9], [1, 2, 6, 24]),
    (True, True): ([12, 9, 5, 0], [60, 20, 5, 1]),
}


@pytest.mark.parametrize(("exclusive", "reverse"), list(COMBOS))
def test_scan_exclusive_reverse_combinations(exclusive: bool, reverse: bool) -> None:
    sums, prods = COMBOS[(exclusive, reverse)]
    kw = {"exclusive": exclusive, "reverse": reverse}
    np.testing.assert_array_equal(scan.cumsum(t64(X4), **kw).numpy(), sums)
    np.testing.assert_array_equal(scan.cumprod(t64(X4), **kw).numpy(), prods)


def test_scan_dtypes_and_axes() -> None:
    assert scan.cumsum([1, 2, 3]).dtype == tf.int32  # no widening to int64
    ones = np.ones((2, 3))
    np.testing.assert_array_equal(scan.cumsum(ones, axis=-1).numpy(), [[1, 2, 3]] * 2)
    np.testing.assert_array_equal(scan.cumsum(ones, axis=tf.constant(1)).numpy(),
                                  [[1, 2, 3]] * 2)
    np.testing.assert_array_equal(scan.cumsum(np.array([1 + 1j, 2j])).numpy(), [1 + 1j, 1 + 3j])
    np.testing.assert_array_equal(scan.cumprod(np.array([1 + 1j, 2j])).numpy(), [1 + 1j, -2 + 2j])


def test_scan_errors() -> None:
    raises(InvalidArgumentError, "ScanOp: Expected scan axis in the range [-2, 2), but got 2",
           scan.cumsum, np.ones((2, 3)), axis=2)
    raises(InvalidArgumentError, "Expected scan axis in the range [0, 0), but got 0",
           scan.cumsum, np.array(3.0))
    raises(InvalidArgumentError, "Value for attr 'T' of bool", scan.cumsum, np.array([True]))
    raises(InvalidArgumentError, "[Op:Cumprod]", scan.cumprod, np.array([True]))


def _cumprod_jacobian(x: np.ndarray, exclusive: bool, reverse: bool) -> np.ndarray:
    """d out_i / d x_j by brute force: the product over the other factors of out_i."""
    n = len(x)
    jac = np.zeros((n, n))
    for i in range(n):
        members = [j for j in range(n) if (j >= i if reverse else j <= i)
                   and not (exclusive and j == i)]
        for j in members:
            jac[i, j] = np.prod([x[k] for k in members if k != j])
    return jac


@pytest.mark.parametrize(("exclusive", "reverse"), list(COMBOS))
def test_cumprod_gradient_is_exact_at_zeros(exclusive: bool, reverse: bool) -> None:
    # Deliberately not TF: TF 2.21 divides by x (div_no_nan) and gives
    # [1, 0, 0, 0] / [0, 0, 5, 5] here; d/dx_1 of sum(cumprod) is really 50.
    x = np.array([2.0, 0.0, 4.0, 5.0])
    kw = {"exclusive": exclusive, "reverse": reverse}
    jac = _cumprod_jacobian(x, exclusive, reverse)
    g = grad(lambda t: scan.cumprod(t, **kw), x)[0]
    np.testing.assert_allclose(g, jac.sum(axis=0), rtol=1e-14)
    if not exclusive and not reverse:
        np.testing.assert_array_equal(g, [1.0, 50.0, 0.0, 0.0])
    tangent = np.array([0.5, -1.0, 2.0, 0.25])
    np.testing.assert_allclose(jvp(lambda t: scan.cumprod(t, **kw), x, tangent), jac @ tangent,
                               rtol=1e-14)


def test_cumprod_gradient_conjugates_complex_inputs() -> None:
    # TF 2.21 returns [3+8j, 5+3j, -2+2j], forgetting the conjugate that tf.multiply's
    # gradient (and so the product written out) applies; ours matches the product.
    z = np.array([1 + 1j, 2j, 3 - 1j])
    np.testing.assert_allclose(grad(lambda t: scan.cumprod(t), z)[0], [3 - 8j, 5 - 3j, -2 - 2j])
    by_hand = grad(lambda t: t[0] + t[0] * t[1] + t[0] * t[1] * t[2], z)[0]
    np.testing.assert_allclose(grad(lambda t: scan.cumprod(t), z)[0], by_hand)


# -- logsumexp, variance, std ------------------------------------------------------------------
@pytest.mark.parametrize(("x", "value", "gradient"), [
    ([-np.inf, -np.inf], -np.inf, [np.nan, np.nan]),
    ([np.inf, 1.0], np.inf, [np.nan, 0.0]),
    ([1000.0, 1000.0], 1000.0 + np.log(2.0), [0.5, 0.5]),
    ([-np.inf, 1.0], 1.0, [0.0, 1.0]),
])
def test_logsumexp_edges(x: list, value: float, gradient: list) -> None:
    x = np.array(x)
    np.testing.assert_allclose(scan.reduce_logsumexp(x).numpy(), value, rtol=1e-15)
    np.testing.assert_allclose(grad(scan.reduce_logsumexp, x)[0], gradient, rtol=1e-15)


def test_logsumexp_empty_and_errors() -> None:
    assert scan.reduce_logsumexp(np.zeros((0,))).numpy() == -np.inf
    raises(InvalidArgumentError, "[Op:IsFinite]", scan.reduce_logsumexp, np.array([1, 2]))
    raises(InvalidArgumentError, "complex128", scan.reduce_logsumexp, np.array([1 + 1j]))
    raises(InvalidArgumentError, "Invalid reduction dimension (2 for input with 2 dimension(s)",
           scan.reduce_logsumexp, np.ones((2, 3)), axis=2)


def test_reduce_std_of_a_constant_has_a_nan_gradient() -> None:
    x = np.array([2.0, 2.0, 2.0])
    assert scan.reduce_std(x).numpy() == 0.0
    assert np.isnan(grad(scan.reduce_std, x)[0]).all()
    np.testing.assert_array_equal(grad(scan.reduce_variance, x)[0], [0.0, 0.0, 0.0])


def test_variance_and_std_of_complex_inputs_are_real() -> None:
    z = np.array([1 + 1j, 2 - 1j, 3j])
    var, std = scan.reduce_variance(z), scan.reduce_std(z)
    assert var.dtype == tf.float64 and std.dtype == tf.float64
    np.testing.assert_allclose(var.numpy(), 10 / 3, rtol=1e-15)
    np.testing.assert_allclose(grad(scan.reduce_variance, z)[0],
                               [0, 2 / 3 - 4j / 3, -2 / 3 + 4j / 3], atol=1e-15)
    np.testing.assert_allclose(grad(scan.reduce_std, z)[0],
                               [0, 0.18257419 - 0.36514837j, -0.18257419 + 0.36514837j],
                               atol=1e-8)


def test_variance_dtypes_and_errors() -> None:
    assert scan.reduce_variance(np.array([1.0, 2.0], np.float32)).dtype == tf.float32
    assert scan.reduce_variance(np.array([1.0, 2.0], np.float16)).dtype == tf.float16
    for f in (scan.reduce_variance, scan.reduce_std):
        raises(TypeError, "Input must be either real or complex. Received integer type "
               "<dtype: 'int64'>.", f, np.array([1, 2]))
        raises(InvalidArgumentError, "[Op:Mean]", f, np.array([True]))
        raises(InvalidArgumentError, "Invalid reduction dimension", f, np.ones((2, 3)), axis=2)


# -- any / all / count_nonzero -----------------------------------------------------------------
def test_reduce_any_all() -> None:
    np.testing.assert_array_equal(
        scan.reduce_any(np.array([[True, False], [False, False]]), axis=1).numpy(), [True, False])
    np.testing.assert_array_equal(
        scan.reduce_all(np.array([[True, False], [True, True]]), axis=1, keepdims=True).numpy(),
        [[False], [True]])
    assert not scan.reduce_any(np.zeros((0,), bool)).numpy()
    assert scan.reduce_all(np.zeros((0,), bool)).numpy()
    assert scan.reduce_any(np.array([1.0, 0.0])).numpy()  # NumPy arrays are cast, as in TF
    raises(InvalidArgumentError, "cannot compute Any as input #0(zero-based) was expected to be "
           "a bool tensor but is a float tensor [Op:Any]", scan.reduce_any, tf.constant([1.0]))
    raises(TypeError, "Cannot convert [1.0, 0.0] to EagerTensor of dtype bool",
           scan.reduce_any, [1.0, 0.0])
    raises(InvalidArgumentError, "Invalid reduction dimension (1 for input with 1 dimension(s)",
           scan.reduce_any, np.array([True]), axis=1)


def test_count_nonzero() -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]]) - 2.0
    assert scan.count_nonzero(x).numpy() == 4 and scan.count_nonzero(x).dtype == tf.int64
    np.testing.assert_array_equal(scan.count_nonzero(x, axis=1, keepdims=True).numpy(),
                                  [[3], [1]])
    assert scan.count_nonzero(x, dtype=tf.int32).dtype == tf.int32
    half = scan.count_nonzero(x, dtype=tf.float32)
    assert half.dtype == tf.float32 and half.numpy() == 4.0
    assert scan.count_nonzero(np.array([True, False, True])).numpy() == 2
    assert scan.count_nonzero(np.array([0.0, -0.0, np.nan])).numpy() == 1  # NaN counts
    assert scan.count_nonzero(np.array([1 + 0j, 0j])).numpy() == 1
    assert scan.count_nonzero(tf.constant(["a", ""])).numpy() == 1
    raises(InvalidArgumentError, "[Op:Sum]", scan.count_nonzero, x, axis=2)


# -- l2_normalize ------------------------------------------------------------------------------
def test_l2_normalize_at_zero() -> None:
    np.testing.assert_array_equal(scan.l2_normalize(np.zeros(3)).numpy(), [0.0, 0.0, 0.0])
    # the norm is floored at sqrt(epsilon): the gradient is 1 / sqrt(1e-12)
    np.testing.assert_allclose(grad(scan.l2_normalize, np.zeros(3))[0], [1e6] * 3, rtol=1e-12)
    tiny = np.array([1e-7, 0.0])
    np.testing.assert_allclose(scan.l2_normalize(tiny).numpy(), [0.1, 0.0], rtol=1e-12)
    np.testing.assert_allclose(grad(scan.l2_normalize, tiny, seed=[1.0, 2.0])[0], [1e6, 2e6],
                               rtol=1e-12)


def test_l2_normalize_values_and_options() -> None:
    np.testing.assert_allclose(scan.l2_normalize(np.array([3.0, 4.0])).numpy(), [0.6, 0.8])
    np.testing.assert_allclose(grad(scan.l2_normalize, np.array([3.0, 4.0]), seed=[1.0, 2.0])[0],
                               [-0.064, 0.048], rtol=1e-12)
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])
    np.testing.assert_allclose(scan.l2_normalize(x, axis=1).numpy(),
                               [[0.22941573, 0.6882472, 0.6882472], [2 / 3, 2 / 3, 1 / 3]])
    np.testing.assert_allclose(scan.l2_normalize(x, dim=1).numpy(),
                               scan.l2_normalize(x, axis=1).numpy())
    np.testing.assert_allclose(scan.l2_normalize(x, axis=[0, 1]).numpy(), x / np.sqrt(28.0))
    np.testing.assert_allclose(scan.l2_normalize(np.array([0.001, 0.0]), epsilon=1e-2).numpy(),
                               [0.01, 0.0])
    np.testing.assert_allclose(scan.l2_normalize(np.array([3 + 4j, 0j])).numpy(), [0.6 + 0.8j, 0])
    np.testing.assert_allclose(
        grad(lambda t: cx.real(scan.l2_normalize(t)), np.array([3 + 4j, 1j]))[0],
        [0.12822978 - 0.09051514j, 0.19611614 - 0.02262878j], rtol=1e-7)
    raises(TypeError, "Cannot convert 1e-12 to EagerTensor of dtype int64",
           scan.l2_normalize, np.array([1, 2]))
    raises(InvalidArgumentError, "[Op:Sum]", scan.l2_normalize, x, axis=2)


# -- argmax / argmin / top_k -------------------------------------------------------------------
def test_argmax_argmin_ties_take_the_first_index() -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])
    np.testing.assert_array_equal(ranking.argmax(x).numpy(), [1, 0, 0])  # axis None is 0
    np.testing.assert_array_equal(ranking.argmax(x, axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(ranking.argmax(x, axis=-1).numpy(), [1, 0])
    np.testing.assert_array_equal(ranking.argmin(x, axis=1).numpy(), [0, 2])
    assert ranking.argmax(x).dtype == tf.int64
    assert ranking.argmax(x, axis=1, output_type=tf.int32).dtype == tf.int32
    assert ranking.argmax(x, output_type=tf.int16).dtype == tf.int16
    assert ranking.argmax(np.array([True, False])).numpy() == 0
    assert ranking.argmax(np.array([1, 5, 5], np.uint8)).numpy() == 1


@pytest.mark.parametrize(("x", "largest", "smallest"), [
    ([np.nan, 1.0, 5.0], 2, 1),
    ([1.0, np.nan, -5.0], 0, 2),
    ([np.nan, 2.0, np.nan, 3.0], 3, 1),
    ([np.nan, np.nan], 0, 0),
    ([np.nan, -np.inf], 0, 1),
    ([-np.inf, np.nan], 0, 0),
    ([1.0, np.nan, 1.0], 0, 0),
])
def test_argmax_argmin_skip_nan(x: list, largest: int, smallest: int) -> None:
    assert ranking.argmax(np.array(x)).numpy() == largest
    assert ranking.argmin(np.array(x)).numpy() == smallest


def test_argmax_errors() -> None:
    x = np.ones((2, 3))
    raises(InvalidArgumentError, "Expected dimension in the range [-2, 2), but got 2",
           ranking.argmax, x, axis=2)
    raises(InvalidArgumentError, "Expected dimension in the range [0, 0), but got 0",
           ranking.argmax, np.array(3.0))
    raises(InvalidArgumentError, "Reduction axis 0 is empty in shape [0]",
           ranking.argmax, np.zeros((0,)))
    raises(InvalidArgumentError, "Value for attr 'output_type' of float", ranking.argmax, x,
           output_type=tf.float32)
    raises(InvalidArgumentError, "complex128", ranking.argmax, np.array([1 + 1j]))
    raises(TypeError, "axis must be int or Tensor with integer datatype", ranking.argmax, x,
           axis=[1])


def test_top_k_ties_values_and_gradient() -> None:
    x = np.array([[1.0, 3.0, 3.0, 2.0, 3.0]])
    values, indices = ranking.top_k(x, k=3)
    np.testing.assert_array_equal(values.numpy(), [[3.0, 3.0, 3.0]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 2, 4]])
    assert indices.dtype == tf.int32
    assert ranking.top_k(x, k=2, index_type=tf.int64).indices.dtype == tf.int64
    result = ranking.top_k(np.array([1, 5, 5, 2], np.int32))  # k defaults to 1
    assert type(result).__name__ == "TopKV2" and result._fields == ("values", "indices")
    np.testing.assert_array_equal(result.values.numpy(), [5])
    np.testing.assert_array_equal(result.indices.numpy(), [1])
    assert ranking.top_k(x, k=tf.constant(2)).values.shape == (1, 2)
    assert ranking.top_k(x, k=0).values.shape == (1, 0)
    g = grad(lambda t: ranking.top_k(t, k=2).values, x, seed=[[1.0, 10.0]])[0]
    np.testing.assert_array_equal(g, [[0.0, 1.0, 10.0, 0.0, 0.0]])
    np.testing.assert_array_equal(
        jvp(lambda t: ranking.top_k(t, k=2).values, x, [[1.0, 2.0, 3.0, 4.0, 5.0]]), [[2, 3]])


def test_top_k_indices_have_no_gradient() -> None:
    x = t64([1.0, 4.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        indices = ranking.top_k(x, k=2).indices
    g = tape.gradient(indices, x)
    # tapeflow: None (integer outputs are never recorded); TF 2.21: zeros
    assert g is None or not np.any(g.numpy())


def test_top_k_unsorted_keeps_the_same_entries() -> None:
    # TF leaves the order of sorted=False unspecified (its CPU heap gives [4, 1, 2] here).
    x = np.array([[1.0, 3.0, 3.0, 2.0, 3.0]])
    indices = ranking.top_k(x, k=3, sorted=False).indices.numpy()
    assert sorted(indices[0].tolist()) == [1, 2, 4]


def test_top_k_errors() -> None:
    x = np.ones((1, 5))
    raises(InvalidArgumentError, "input must have at least k columns. Had 5, needed 6",
           ranking.top_k, x, k=6)
    raises(InvalidArgumentError, "Need k >= 0, got -1", ranking.top_k, x, k=-1)
    raises(InvalidArgumentError, "input must be >= 1-D, got shape []", ranking.top_k,
           np.array(3.0))
    raises(InvalidArgumentError, "Value for attr 'T' of bool", ranking.top_k, np.array([True]))
    raises(InvalidArgumentError, "complex128", ranking.top_k, np.array([1 + 1j]))


# -- segments ----------------------------------------------------------------------------------
XS = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_sorted_segments_values() -> None:
    ids = [0, 0, 2]
    np.testing.assert_array_equal(segment.segment_sum(XS, ids).numpy(), [[4, 6], [0, 0], [5, 6]])
    np.testing.assert_array_equal(segment.segment_mean(XS, ids).numpy(),
                                  [[2, 3], [0, 0], [5, 6]])
    np.testing.assert_array_equal(segment.segment_max(XS, ids).numpy(), [[3, 4], [0, 0], [5, 6]])
    np.testing.assert_array_equal(segment.segment_max(np.array([1, 2, 3]), [0, 0, 3]).numpy(),
                                  [2, 0, 0, 3])  # empty segments are 0
    # integer means truncate toward zero
    np.testing.assert_array_equal(segment.segment_mean(np.array([-1, -2, 4]), [0, 0, 1]).numpy(),
                                  [-1, 4])
    assert segment.segment_sum(np.zeros((0, 2)), np.zeros((0,), np.int32)).shape == (0, 2)


def test_segment_gradients() -> None:
    seed = np.array([[1.0], [2.0], [3.0]]) * np.ones((1, 2))
    np.testing.assert_array_equal(grad(lambda t: segment.segment_sum(t, [0, 0, 2]), XS,
                                       seed=seed)[0], [[1, 1], [1, 1], [3, 3]])
    np.testing.assert_array_equal(grad(lambda t: segment.segment_mean(t, [0, 0, 2]), XS,
                                       seed=seed)[0], [[0.5, 0.5], [0.5, 0.5], [3, 3]])
    tied = np.array([[1.0, 2.0], [1.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(grad(lambda t: segment.segment_max(t, [0, 0, 2]), tied,
                                       seed=seed)[0], [[0.5, 0], [0.5, 1], [3, 3]])
    np.testing.assert_array_equal(grad(lambda t: segment.unsorted_segment_sum(t, [2, -1, 2], 3),
                                       XS)[0], [[1, 1], [0, 0], [1, 1]])


def test_sorted_segment_id_errors() -> None:
    raises(InvalidArgumentError, "segment ids are not increasing [Op:SegmentSum]",
           segment.segment_sum, XS, [0, 2, 1])
    raises(InvalidArgumentError, "segment ids are not increasing", segment.segment_sum, XS,
           [1, 1, 0])
    raises(InvalidArgumentError, "Segment id -1 out of range [0, 2), possibly because "
           "'segment_ids' input is not sorted.", segment.segment_sum, XS, [-1, 0, 1])
    raises(InvalidArgumentError, "segment ids must be >= 0", segment.segment_sum, XS,
           [0, -1, -1])
    raises(InvalidArgumentError, "segment_ids should be the same size as dimension 0 of input.",
           segment.segment_sum, XS, [0, 1])
    raises(InvalidArgumentError, "segment_ids should be a vector.", segment.segment_sum, XS,
           [[0], [1], [1]])
    raises(InvalidArgumentError, "Value for attr 'Tindices' of double is not in the list of "
           "allowed values: int32, int64", segment.segment_sum, XS, np.array([0.0, 1.0, 1.0]))
    raises(InvalidArgumentError, "input must be at least rank 1", segment.segment_sum,
           np.array(3.0), [0])
    raises(InvalidArgumentError, "Value for attr 'T' of bool", segment.segment_sum,
           np.array([True, False]), [0, 1])
    raises(InvalidArgumentError, "[Op:SegmentMean]", segment.segment_mean, XS, [0, 2, 1])
    raises(InvalidArgumentError, "[Op:SegmentMax]", segment.segment_max, XS, [0, 2, 1])


def test_unsorted_segments() -> None:
    np.testing.assert_array_equal(segment.unsorted_segment_sum(XS, [2, 0, 2], 4).numpy(),
                                  [[3, 4], [0, 0], [6, 8], [0, 0]])
    np.testing.assert_array_equal(segment.unsorted_segment_sum(XS, [2, -1, 2], 3).numpy(),
                                  [[0, 0], [0, 0], [6, 8]])  # negative ids are dropped
    np.testing.assert_array_equal(
        segment.unsorted_segment_sum(XS, [[2, 0], [1, 1], [0, 0]], num_segments=3).numpy(),
        [13, 7, 1])
    np.testing.assert_array_equal(
        segment.unsorted_segment_sum(XS, [2, 0, 1], num_segments=np.int64(3)).numpy(),
        [[3, 4], [5, 6], [1, 2]])
    lowest, highest = np.finfo(np.float64).min, np.finfo(np.float64).max
    np.testing.assert_array_equal(segment.unsorted_segment_max(XS, [2, 0, 2], 4).numpy(),
                                  [[3, 4], [lowest] * 2, [5, 6], [lowest] * 2])
    np.testing.assert_array_equal(segment.unsorted_segment_min(XS, [2, 0, 2], 4).numpy(),
                                  [[3, 4], [highest] * 2, [1, 2], [highest] * 2])
    np.testing.assert_array_equal(
        segment.unsorted_segment_max(np.array([1, 2], np.int32), [0, 0], 2).numpy(),
        [2, -2147483648])
    np.testing.assert_array_equal(segment.unsorted_segment_mean(XS, [0, 0, -1], 3).numpy(),
                                  [[2, 3], [0, 0], [0, 0]])
    mean = segment.unsorted_segment_mean(np.array([1, 2, 4]), [0, 0, 2], 3)
    assert mean.dtype == tf.float64  # integers are divided as floats, as TF's composite does
    np.testing.assert_array_equal(mean.numpy(), [1.5, 0.0, 4.0])


def test_unsorted_segment_errors() -> None:
    raises(InvalidArgumentError, "segment_ids[1] = 5 is out of range [0, 3) "
           "[Op:UnsortedSegmentSum]", segment.unsorted_segment_sum, XS, [2, 5, 2], 3)
    raises(InvalidArgumentError, "segment_ids[1,1] = 7 is out of range [0, 3)",
           segment.unsorted_segment_sum, XS, [[2, 0], [1, 7], [0, 0]], 3)
    raises(InvalidArgumentError, "data.shape = [3,2] does not start with segment_ids.shape = "
           "[2]", segment.unsorted_segment_sum, XS, [2, 0], 3)
    raises(InvalidArgumentError, "Input num_segments == -1 must not be negative.",
           segment.unsorted_segment_sum, XS, [2, 0, 1], -1)
    raises(InvalidArgumentError, "num_segments should be a scalar, not shape [1]",
           segment.unsorted_segment_sum, XS, [2, 0, 1], [3])
    raises(InvalidArgumentError, "Value for attr 'Tnumsegments' of float",
           segment.unsorted_segment_sum, XS, [2, 0, 1], 2.0)
    raises(InvalidArgumentError, "Value for attr 'Tindices' of double is not in the list of "
           "allowed values: int16, int32, int64", segment.unsorted_segment_sum, XS,
           np.array([2.0, 0.0, 1.0]), 3)
    raises(InvalidArgumentError, "complex128", segment.unsorted_segment_mean,
           np.array([1 + 1j]), [0], 2)


# -- complex numbers ---------------------------------------------------------------------------
Z3 = np.array([1 + 2j, -3 + 0.5j, 0j])


def test_complex_gradients_follow_tf() -> None:
    np.testing.assert_array_equal(grad(cx.real, Z3)[0], [1, 1, 1])
    np.testing.assert_array_equal(grad(cx.imag, Z3)[0], [1j, 1j, 1j])
    np.testing.assert_allclose(grad(cx.abs, Z3)[0],
                               [0.4472136 + 0.89442719j, -0.98639392 + 0.16439899j, 0], rtol=1e-8)
    g = grad(cx.angle, Z3)[0]
    np.testing.assert_allclose(g[:2], [-0.4 + 0.2j, -0.05405405 - 0.32432432j], rtol=1e-7)
    assert not np.isfinite(g[2])  # TF: -inf + nan j at 0
    gr, gi = grad(cx.complex, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(gr, [1.0, 1.0])
    np.testing.assert_array_equal(gi, [0.0, 0.0])
    gr, gi = grad(lambda a, b: cx.abs(cx.complex(a, b)), np.array([1.0, 2.0]), np.array(3.0))
    np.testing.assert_allclose(gr, [0.31622777, 0.5547002], rtol=1e-7)
    np.testing.assert_allclose(gi, 1.7807335923883576, rtol=1e-14)  # summed over the broadcast


def test_complex_forward_mode_follows_tf() -> None:
    tangent = np.array([1 + 1j, 2 - 1j, 1j])
    np.testing.assert_allclose(jvp(cx.real, Z3, tangent), [1, 2, 0])
    np.testing.assert_allclose(jvp(cx.imag, Z3, tangent), [1, -1, 1])
    np.testing.assert_allclose(jvp(cx.abs, Z3, tangent), [1.34164079, -2.13718683, 0], rtol=1e-8)
    angle = jvp(cx.angle, Z3, tangent)
    np.testing.assert_allclose(angle[:2], [-0.2, 0.21621622], rtol=1e-7)
    assert np.isnan(angle[2])


def test_complex_abs_second_order() -> None:
    z = t64([1 + 2j, -3 + 0.5j])
    with tf.GradientTape() as outer:
        outer.watch(z)
        with tf.GradientTape() as inner:
            inner.watch(z)
            y = cx.abs(z)
        s = cx.real(tf.reduce_sum(inner.gradient(y, z) * t64([1 + 0.5j, 2j])))
    np.testing.assert_allclose(outer.gradient(s, z).numpy(),
                               [0.4472136 - 0.2236068j, -0.10663718 - 0.63982309j], rtol=1e-7)


def test_complex_dtypes() -> None:
    assert cx.complex(1.0, 2.0).dtype == tf.complex64
    assert cx.complex(np.float32(1), np.float32(2)).dtype == tf.complex64
    np.testing.assert_array_equal(cx.complex(np.array([1.0, 2.0]), np.array(3.0)).numpy(),
                                  [1 + 3j, 2 + 3j])
    z64 = Z3.astype(np.complex64)
    for f in (cx.real, cx.imag, cx.angle, cx.abs):
        assert f(z64).dtype == tf.float32 and f(Z3).dtype == tf.float64
    raises(TypeError, "The `real` and `imag` components have incorrect types: float32 float64. "
           "They must be consistent, and one of [tf.float32, tf.float64]", cx.complex,
           np.array([1.0], np.float32), np.array([1.0]))
    raises(TypeError, "incorrect types: int32 int32", cx.complex, np.array([1], np.int32),
           np.array([1], np.int32))
    raises(InvalidArgumentError, "Incompatible shapes: [2] vs. [3]", cx.complex,
           np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    raises(InvalidArgumentError, "[Op:Complex]", cx.complex, np.array([1.0, 2.0]),
           np.array([1.0, 2.0, 3.0]))


def test_complex_functions_on_real_inputs() -> None:
    x = np.array([1.0, -2.0])
    np.testing.assert_array_equal(cx.real(x).numpy(), x)
    np.testing.assert_array_equal(grad(cx.real, x)[0], [1.0, 1.0])
    np.testing.assert_array_equal(cx.imag(x).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(cx.angle(x).numpy(), [0.0, np.pi])
    np.testing.assert_array_equal(cx.angle(np.array([-0.0, 0.0, -1.0])).numpy(), [0, 0, np.pi])
    assert grad(cx.imag, x)[0] is None
    assert grad(cx.angle, x)[0] is None
    ints = np.array([1, -2], np.int32)
    np.testing.assert_array_equal(cx.real(ints).numpy(), [1, -2])
    np.testing.assert_array_equal(cx.imag(ints).numpy(), [0, 0])
    raises(TypeError, "Cannot convert 3.141592653589793 to EagerTensor of dtype int32",
           cx.angle, ints)
    raises(TypeError, "input must be a numeric tensor, but got tensor with dtype "
           "<dtype: 'bool'>", cx.real, np.array([True]))
    np.testing.assert_array_equal(cx.imag(np.array([True])).numpy(), [False])
    raises(TypeError, "Cannot convert 0 to EagerTensor of dtype bool", cx.angle, np.array([True]))
    raises(InvalidArgumentError, "[Op:Abs]", cx.abs, np.array([True]))


def test_segment_sums_of_wide_rows_equal_np_add_at() -> None:
    # Segment sums scatter rows with repeated ids through ops/scatter_add.add_at
    # (its rounds path from 65,536 elements in rows of 32 or more): the sums must
    # be np.add.at's, bit for bit, with negative ids dropped.
    rng = np.random.default_rng(11)
    data = rng.standard_normal((3000, 40)).astype(np.float32)
    ids = rng.integers(-1, 50, 3000).astype(np.int32)
    want = np.zeros((60, 40), np.float32)
    keep = ids >= 0
    np.add.at(want, ids[keep], data[keep])
    got = tf.math.unsorted_segment_sum(data, ids, 60).numpy()
    np.testing.assert_array_equal(got, want)
    sorted_ids = np.sort(np.abs(ids))
    want = np.zeros((50, 40), np.float32)
    np.add.at(want, sorted_ids, data)
    np.testing.assert_array_equal(tf.math.segment_sum(data, sorted_ids).numpy(), want)
