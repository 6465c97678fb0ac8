"""tensor_scatter_nd_sub/max/min, segment_prod, unsorted_segment_prod/sqrt_n,
cumulative_logsumexp, reverse_sequence, dynamic_partition/stitch and
broadcast_dynamic/static_shape.

Values, dtypes, gradients and errors pinned against TF 2.21: every expected
value, error type and message text below is what real TF printed for the
same call.  Run this file with ``TAPEFLOW_TEST_ORACLE=tensorflow`` in an
environment that has TF to check them again: the same tests then import TF
as ``tf``.  The table test (tests/test_op_table.py) checks each declared
op's value and derivatives on its samples; here: the public functions with
TF's signatures, errors, tie and zero rules, and TF's gradient values.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from oracle import ORACLE, InvalidArgumentError, c, check, raises, tf

NAN, INF = float("nan"), float("inf")




def close(t: Any, value: Any, dtype: Any, rtol: float = 1e-6) -> None:
    """``t`` holds ``value`` to float32 rounding, with ``dtype``."""
    assert t.dtype == dtype, (t.dtype, dtype)
    np.testing.assert_allclose(t.numpy(), np.asarray(value), rtol=rtol, atol=1e-6)



def grads(f: Callable, *xs: Any) -> list:
    """Gradients of ``sum(f(*xs) * [1, 2, 3, ...])`` (each output element weighted by its
    flat position plus one, so a wrong routing shows), one array per input."""
    xs = [c(x) for x in xs]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        out = f(*xs)
        outs = out if isinstance(out, list) else [out]
        total = 0.0
        for y in outs:
            n = int(np.prod(y.shape))
            weights = np.arange(1, n + 1).reshape(tuple(y.shape))
            total = total + tf.reduce_sum(y * c(weights, y.dtype))
    return [None if g is None else g.numpy() for g in tape.gradient(total, xs)]


def test_signatures_and_namespaces() -> None:
    """TF's argument names and defaults, and where TF puts each name."""
    params = {
        tf.tensor_scatter_nd_sub: "tensor indices updates name",
        tf.tensor_scatter_nd_max: "tensor indices updates name",
        tf.tensor_scatter_nd_min: "tensor indices updates name",
        tf.math.segment_prod: "data segment_ids name",
        tf.math.unsorted_segment_prod: "data segment_ids num_segments name",
        tf.math.unsorted_segment_sqrt_n: "data segment_ids num_segments name",
        tf.math.cumulative_logsumexp: "x axis exclusive reverse name",
        tf.reverse_sequence: "input seq_lengths seq_axis batch_axis name",
        tf.dynamic_partition: "data partitions num_partitions name",
        tf.dynamic_stitch: "indices data name",
        tf.broadcast_dynamic_shape: "shape_x shape_y",
        tf.broadcast_static_shape: "shape_x shape_y",
    }
    for fn, names in params.items():
        got = [p for p in inspect.signature(fn).parameters if p != "bad_indices_policy"]
        assert got == names.split(), fn
    lse = inspect.signature(tf.math.cumulative_logsumexp).parameters
    assert (lse["axis"].default, lse["exclusive"].default, lse["reverse"].default) == \
        (0, False, False)
    rs = inspect.signature(tf.reverse_sequence).parameters
    assert rs["seq_axis"].default is None and rs["batch_axis"].default is None
    for top in ("tensor_scatter_nd_sub", "tensor_scatter_nd_max", "tensor_scatter_nd_min",
                "reverse_sequence", "dynamic_partition", "dynamic_stitch",
                "broadcast_dynamic_shape", "broadcast_static_shape"):
        assert hasattr(tf, top) and not hasattr(tf.math, top), top
    for name in ("segment_prod", "unsorted_segment_prod", "unsorted_segment_sqrt_n",
                 "cumulative_logsumexp"):
        assert hasattr(tf.math, name) and not hasattr(tf, name), name


# -- tensor_scatter_nd_sub / max / min ------------------------------------------------------
def test_tensor_scatter_values() -> None:
    check(tf.tensor_scatter_nd_sub(c([1.0, 2.0, 3.0]), [[1], [1]], [1.0, 2.0]),
          [1.0, -1.0, 3.0], tf.float32)
    check(tf.tensor_scatter_nd_max(c([1.0, 2.0, 3.0]), [[1], [1]], [5.0, 2.0]),
          [1.0, 5.0, 3.0], tf.float32)
    check(tf.tensor_scatter_nd_min(c([1.0, 2.0, 3.0]), [[1], [1]], [5.0, 0.0]),
          [1.0, 0.0, 3.0], tf.float32)
    check(tf.tensor_scatter_nd_max(c([1, 2, 3]), [[1], [1]], [5, 2]), [1, 5, 3], tf.int32)
    check(tf.tensor_scatter_nd_max(c([1.0, 2.0, 3.0]), [[1]], [5]), [1.0, 5.0, 3.0],
          tf.float32)  # a Python list of ints joins the tensor's dtype
    check(tf.tensor_scatter_nd_sub(c([1, 2], tf.uint8), [[0]], c([3], tf.uint8)), [254, 2],
          tf.uint8)  # wraps, as C does
    check(tf.tensor_scatter_nd_sub(c([1 + 1j]), [[0]], [2 + 0j]), [-1 + 1j], tf.complex128)
    check(tf.tensor_scatter_nd_max(c([1.0, 2.0]), tf.zeros([0, 1], tf.int32), tf.zeros([0])),
          [1.0, 2.0], tf.float32)
    check(tf.tensor_scatter_nd_min(c([[1.0, 2.0], [3.0, 4.0]]), [[1]], [[0.0, 9.0]]),
          [[1.0, 2.0], [0.0, 4.0]], tf.float32)


def test_tensor_scatter_max_min_nan() -> None:
    """TF's kernel keeps ``existing < update ? update : existing``: a NaN update never
    wins, a NaN already in the tensor stays."""
    check(tf.tensor_scatter_nd_max(c([1.0, NAN, 3.0]), [[1], [0]], [5.0, NAN]),
          [1.0, NAN, 3.0], tf.float32)
    check(tf.tensor_scatter_nd_max(c([1.0, NAN, 3.0]), [[0], [0], [2]], [NAN, 5.0, 2.0]),
          [5.0, NAN, 3.0], tf.float32)
    check(tf.tensor_scatter_nd_min(c([1.0, NAN, 3.0]), [[0], [0], [1]], [NAN, -5.0, 2.0]),
          [-5.0, NAN, 3.0], tf.float32)


def test_tensor_scatter_errors() -> None:
    raises(InvalidArgumentError, "indices[0] = [4] does not index into shape [3]",
           "TensorScatterMax", tf.tensor_scatter_nd_max, c([1.0, 2.0, 3.0]), [[4]], [5.0])
    raises(InvalidArgumentError, "indices[0] = [-1] does not index into shape [3]",
           "TensorScatterMin", tf.tensor_scatter_nd_min, c([1.0, 2.0, 3.0]), [[-1]], [5.0])
    raises(InvalidArgumentError, "indices[0] = [0, 5] does not index into shape [1,2]",
           "TensorScatterMax", tf.tensor_scatter_nd_max, c([[1.0, 2.0]]), [[0, 5]], [3.0])
    raises(InvalidArgumentError, "Outer dimensions of indices and update must match. "
           "Indices shape: [1,1], updates shape:[2]", "TensorScatterSub",
           tf.tensor_scatter_nd_sub, c([1.0, 2.0, 3.0]), [[1]], [5.0, 3.0])
    raises(InvalidArgumentError, "Inner dimensions of output shape must match inner "
           "dimensions of updates shape. Output: [3] updates: [1]", "TensorScatterMax",
           tf.tensor_scatter_nd_max, c([1.0, 2.0, 3.0]), [1], [5.0])
    raises(InvalidArgumentError, "Indices shape must have rank at least one. Found:[]",
           "TensorScatterMax", tf.tensor_scatter_nd_max, c([1.0, 2.0, 3.0]), 1, [5.0])
    raises(InvalidArgumentError, "Indices and updates specified for empty output shape",
           "TensorScatterMax", tf.tensor_scatter_nd_max, c([1.0, 2.0, 3.0]),
           tf.zeros([1, 0], tf.int32), [5.0])
    raises(InvalidArgumentError, "cannot compute TensorScatterMax as input #2(zero-based) was "
           "expected to be a float tensor but is a int32 tensor", "TensorScatterMax",
           tf.tensor_scatter_nd_max, c([1.0, 2.0, 3.0]), [[1]], c([5], tf.int32))
    for dt in (tf.int16, tf.uint16):
        raises(InvalidArgumentError, f"Value for attr 'Tindices' of {dt.name} is not in the "
               f"list of allowed values: int32, int64", None, tf.tensor_scatter_nd_sub,
               c([1.0, 2.0, 3.0]), c([[1]], dt), [5.0])
    raises(InvalidArgumentError, "Value for attr 'Tindices' of float is not in the list of "
           "allowed values: int32, int64", None, tf.tensor_scatter_nd_max,
           c([1.0, 2.0, 3.0]), c([[1.0]]), [5.0])
    # No CPU kernel: TF's NotFoundError
    raises(tf.errors.NotFoundError, "Could not find device for node: {{node TensorScatterMax}}"
           " = TensorScatterMax[T=DT_BOOL, Tindices=DT_INT32", None, tf.tensor_scatter_nd_max,
           c([True, False]), [[1]], [True])
    raises(tf.errors.NotFoundError, "Could not find device for node: {{node TensorScatterMin}}"
           " = TensorScatterMin[T=DT_COMPLEX128, Tindices=DT_INT32", None,
           tf.tensor_scatter_nd_min, c([1 + 1j]), [[0]], [2 + 0j])
    raises(tf.errors.NotFoundError, "Could not find device for node: {{node TensorScatterSub}}"
           " = TensorScatterSub[T=DT_BOOL", None, tf.tensor_scatter_nd_sub, c([True]), [[0]],
           [True])


def test_tensor_scatter_gradients() -> None:
    """Sub: g and -gather(g).  Max/min: every value equal to its slot's result shares g
    (TF's rule), the tensor's own element included."""
    gx, gu = grads(lambda x, u: tf.tensor_scatter_nd_sub(x, [[1], [1]], u), [1.0, 5.0, 3.0],
                   [5.0, 5.0])
    check(c(gx), [1.0, 2.0, 3.0], tf.float32)
    check(c(gu), [-2.0, -2.0], tf.float32)
    # slot 1: the tensor's 5 and two updates of 5 tie (a third each); slot 2: 3 beats 0
    gx, gu = grads(lambda x, u: tf.tensor_scatter_nd_max(x, [[1], [1], [2], [0]], u),
                   [1.0, 5.0, 3.0], [5.0, 5.0, 0.0, 2.0])
    close(c(gx), [0.0, 2 / 3, 3.0], tf.float32)
    close(c(gu), [2 / 3, 2 / 3, 0.0, 1.0], tf.float32)
    gx, gu = grads(lambda x, u: tf.tensor_scatter_nd_min(x, [[1], [1], [2], [0]], u),
                   [1.0, 5.0, 3.0], [5.0, 5.0, 0.0, 2.0])
    close(c(gx), [1.0, 2 / 3, 0.0], tf.float32)
    close(c(gu), [2 / 3, 2 / 3, 3.0, 0.0], tf.float32)
    # element coordinates, and a whole row: ties per element
    gx, gu = grads(lambda x, u: tf.tensor_scatter_nd_max(x, [[0, 1], [1, 0]], u),
                   [[1.0, 5.0], [3.0, 4.0]], [7.0, 3.0])
    check(c(gx), [[1.0, 0.0], [1.5, 4.0]], tf.float32)
    check(c(gu), [2.0, 1.5], tf.float32)
    gx, gu = grads(lambda x, u: tf.tensor_scatter_nd_max(x, [[1]], u),
                   [[1.0, 5.0], [3.0, 4.0]], [[3.0, 6.0]])
    check(c(gx), [[1.0, 2.0], [1.5, 0.0]], tf.float32)
    check(c(gu), [[1.5, 4.0]], tf.float32)


# -- segment_prod / unsorted_segment_prod ---------------------------------------------------
def test_segment_prod_values() -> None:
    check(tf.math.segment_prod([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 0, 2]),
          [[3.0, 8.0], [1.0, 1.0], [5.0, 6.0]], tf.float32)  # empty segment: 1
    check(tf.math.segment_prod(c([2, 3, 4]), [0, 0, 1]), [6, 4], tf.int32)
    check(tf.math.segment_prod(c([2, 3, 4], tf.int64), c([0, 0, 1], tf.int64)), [6, 4],
          tf.int64)
    check(tf.math.segment_prod(c([1 + 2j, 3j]), [0, 0]), [-6 + 3j], tf.complex128)
    check(tf.math.segment_prod(tf.zeros([0, 2]), tf.zeros([0], tf.int32)),
          np.zeros((0, 2)), tf.float32)
    check(tf.math.unsorted_segment_prod([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [2, -1, 2], 4),
          [[1.0, 1.0], [1.0, 1.0], [5.0, 12.0], [1.0, 1.0]], tf.float32)
    check(tf.math.unsorted_segment_prod(c([2, 3, 4]), [0, 0, 1], 3), [6, 4, 1], tf.int32)
    check(tf.math.unsorted_segment_prod(c([[2.0, 3.0], [4.0, 5.0]]), [[0, 1], [1, -1]], 2),
          [2.0, 12.0], tf.float32)
    check(tf.math.unsorted_segment_prod(c([1 + 1j, 2j]), [0, 0], 1), [-2 + 2j], tf.complex128)


def test_segment_prod_errors() -> None:
    sp, usp = tf.math.segment_prod, tf.math.unsorted_segment_prod
    raises(InvalidArgumentError, "segment ids are not increasing", "SegmentProd", sp,
           c([2.0, 3.0]), [1, 0])
    raises(InvalidArgumentError, "Segment id -1 out of range [0, 1), possibly because "
           "'segment_ids' input is not sorted.", "SegmentProd", sp, c([2.0, 3.0]), [-1, 0])
    raises(InvalidArgumentError, "segment_ids should be the same size as dimension 0 of input.",
           "SegmentProd", sp, c([2.0, 3.0]), [0])
    raises(InvalidArgumentError, "input must be at least rank 1", "SegmentProd", sp, c(2.0),
           [0])
    raises(InvalidArgumentError, "segment_ids should be a vector.", "SegmentProd", sp,
           c([2.0, 3.0]), [[0, 0]])
    raises(InvalidArgumentError, "Value for attr 'Tindices' of int16 is not in the list of "
           "allowed values: int32, int64", None, sp, c([2.0, 3.0]), c([0, 0], tf.int16))
    raises(InvalidArgumentError, "Value for attr 'T' of bool is not in the list of allowed "
           "values", None, sp, c([True, False]), [0, 0])
    raises(InvalidArgumentError, "segment_ids[1] = 5 is out of range [0, 3)",
           "UnsortedSegmentProd", usp, c([2.0, 3.0, 4.0]), [0, 5, 1], 3)
    raises(InvalidArgumentError, "data.shape = [3] does not start with segment_ids.shape = [2]",
           "UnsortedSegmentProd", usp, c([2.0, 3.0, 4.0]), [0, 1], 3)
    raises(InvalidArgumentError, "Input num_segments == -1 must not be negative.",
           "UnsortedSegmentProd", usp, c([2.0, 3.0, 4.0]), [0, 1, 1], -1)
    raises(InvalidArgumentError, "num_segments should be a scalar, not shape [1]",
           "UnsortedSegmentProd", usp, c([2.0, 3.0, 4.0]), [0, 1, 1], c([3]))
    raises(InvalidArgumentError, "Value for attr 'Tnumsegments' of float is not in the list "
           "of allowed values: int32, int64", None, usp, c([2.0, 3.0, 4.0]), [0, 1, 1], 3.0)
    for dt in (tf.int16, tf.uint8):  # unlike unsorted_segment_sum, no int16 ids
        raises(InvalidArgumentError, f"Value for attr 'Tindices' of {dt.name} is not in the "
               f"list of allowed values: int32, int64", None, usp, c([2.0, 3.0, 4.0]),
               c([0, 1, 1], dt), 3)


def test_segment_prod_gradients_at_zeros() -> None:
    """TF's three cases: no zero (out / x), one zero (the others' product at the zero,
    0 elsewhere), two or more zeros (0 everywhere)."""
    x = [2.0, 0.0, 3.0, 0.0, 0.0, 4.0, 5.0, -2.0]
    (g,) = grads(lambda v: tf.math.segment_prod(v, [0, 0, 0, 1, 1, 3, 3, 3]), x)
    check(c(g), [0.0, 6.0, 0.0, 0.0, 0.0, -40.0, -32.0, 80.0], tf.float32)
    # a dropped (negative) id gets 0, and a zero with a dropped partner is alone
    (g,) = grads(lambda v: tf.math.unsorted_segment_prod(v, [0, 0, -1, 1, 1, 3, 3, 3], 5), x)
    check(c(g), [0.0, 2.0, 0.0, 0.0, 0.0, -40.0, -32.0, 80.0], tf.float32)
    (g,) = grads(lambda v: tf.math.unsorted_segment_prod(v, [0, 2, 0], 3), [2.0, 7.0, 3.0])
    check(c(g), [3.0, 3.0, 2.0], tf.float32)


def test_segment_prod_complex_gradient() -> None:
    """A deliberate difference: TF forgets to conjugate the partial for complex data
    (grad = g * x_other); tapeflow's follows TF's own convention, g * conj(x_other)."""
    (g,) = grads(lambda v: tf.math.segment_prod(v, [0, 0]), c([1 + 2j, 3 - 1j]))
    want = [3 - 1j, 1 + 2j] if ORACLE else [3 + 1j, 1 - 2j]
    np.testing.assert_allclose(g, want, rtol=1e-12)
    (g,) = grads(lambda v: tf.math.unsorted_segment_prod(v, [0, 0], 1), c([1 + 2j, 3 - 1j]))
    np.testing.assert_allclose(g, want, rtol=1e-12)


# -- unsorted_segment_sqrt_n ----------------------------------------------------------------
def test_unsorted_segment_sqrt_n() -> None:
    sq = tf.math.unsorted_segment_sqrt_n
    close(sq([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [2, -1, 2], 4),
          [[0.0, 0.0], [0.0, 0.0], [6 / np.sqrt(2), 8 / np.sqrt(2)], [0.0, 0.0]], tf.float32)
    check(sq(c([1.0, 2.0, 3.0, 4.0], tf.float64), [0, 0, 0, 0], 1), [5.0], tf.float64)
    close(sq(c([[2.0, 3.0], [4.0, 5.0]]), [[0, 1], [1, -1]], 2), [2.0, 7 / np.sqrt(2)],
          tf.float32)
    check(sq(c([1.0], tf.float16), [0], 2), [1.0, 0.0], tf.float16)
    check(sq(c([1.0]), c([0], tf.int16), c(2, tf.int64)), [1.0, 0.0], tf.float32)
    (g,) = grads(lambda v: sq(v, [0, 0, -1, 1, 1, 3, 3, 3], 5),
                 [2.0, 0.0, 3.0, 0.0, 0.0, 4.0, 5.0, -2.0])
    close(c(g), [1 / np.sqrt(2)] * 2 + [0.0] + [2 / np.sqrt(2)] * 2 + [4 / np.sqrt(3)] * 3,
          tf.float32)


def test_unsorted_segment_sqrt_n_errors() -> None:
    """TF composes it: the count (UnsortedSegmentSum, Maximum), the sum, then Sqrt; each
    bad input fails in the op that meets it first."""
    sq = tf.math.unsorted_segment_sqrt_n
    raises(InvalidArgumentError, "Value for attr 'T' of int32 is not in the list of allowed "
           "values", "Sqrt", sq, c([1, 2, 3]), [0, 0, 1], 2)
    raises(InvalidArgumentError, "Value for attr 'T' of complex128 is not in the list of "
           "allowed values", "Maximum", sq, c([1 + 1j, 2j]), [0, 0], 1)
    raises(InvalidArgumentError, "Value for attr 'T' of bool is not in the list of allowed "
           "values", "UnsortedSegmentSum", sq, c([True]), [0], 2)
    raises(InvalidArgumentError, "segment_ids[1] = 5 is out of range [0, 2)",
           "UnsortedSegmentSum", sq, c([1.0, 2.0]), [0, 5], 2)
    raises(InvalidArgumentError, "Input num_segments == -1 must not be negative.",
           "UnsortedSegmentSum", sq, c([1.0, 2.0]), [0, 0], -1)
    raises(InvalidArgumentError, "Value for attr 'Tnumsegments' of float is not in the list "
           "of allowed values: int32, int64", "UnsortedSegmentSum", sq, c([1.0]), [0], 2.0)


# -- cumulative_logsumexp -------------------------------------------------------------------
def test_cumulative_logsumexp_values() -> None:
    lse = tf.math.cumulative_logsumexp
    a, b = 1 + np.log1p(np.exp(1.0)), 2 + np.log1p(np.exp(1.0))  # lse(1, 2), lse(2, 3)
    abc = np.log(np.exp(1.0) + np.exp(2.0) + np.exp(3.0))
    close(lse([1.0, 2.0, 3.0]), [1.0, a, abc], tf.float32)
    close(lse(c([1.0, 2.0, 3.0], tf.float64), exclusive=True), [-INF, 1.0, a], tf.float64,
          rtol=1e-15)
    close(lse([1.0, 2.0, 3.0], reverse=True), [abc, b, 3.0], tf.float32)
    close(lse([1.0, 2.0, 3.0], exclusive=True, reverse=True), [b, 3.0, -INF], tf.float32)
    close(lse([[1.0, 2.0], [3.0, 4.0]], axis=-1), [[1.0, a], [3.0, a + 2]], tf.float32)
    d = np.log1p(np.exp(-2.0))  # lse(1, 3) - 3
    close(lse([[1.0, 2.0], [3.0, 4.0]], axis=c(0)), [[1.0, 2.0], [3 + d, 4 + d]], tf.float32)
    close(lse([1000.0, 1000.0, -1000.0]), [1000.0, 1000 + np.log(2.0), 1000 + np.log(2.0)],
          tf.float32)  # stable: no overflow
    check(lse([-INF, -INF]), [-INF, -INF], tf.float32)
    check(lse(tf.zeros([0, 2]), axis=0), np.zeros((0, 2)), tf.float32)
    check(lse(c([1.0], tf.float16)), [1.0], tf.float16)


def test_cumulative_logsumexp_infinities() -> None:
    """TF's pairwise step is log1p(exp(min - max)) + max: inf then inf gives NaN (inf - inf),
    and NaN runs on to the end."""
    check(tf.math.cumulative_logsumexp([-INF, 1.0, INF, 2.0, INF, NAN, 1.0]),
          [-INF, 1.0, INF, INF, NAN, NAN, NAN], tf.float32)


def test_cumulative_logsumexp_errors() -> None:
    lse = tf.math.cumulative_logsumexp
    raises(InvalidArgumentError, "ScanOp: Expected scan axis in the range [-2, 2), but got 2",
           "CumulativeLogsumexp", lse, [[1.0, 2.0], [3.0, 4.0]], axis=2)
    # TF reports a negative axis after adding the rank
    raises(InvalidArgumentError, "ScanOp: Expected scan axis in the range [-2, 2), but got -1",
           "CumulativeLogsumexp", lse, [[1.0, 2.0], [3.0, 4.0]], axis=-3)
    raises(InvalidArgumentError, "ScanOp: Expected scan axis in the range [0, 0), but got 0",
           "CumulativeLogsumexp", lse, c(1.0))
    raises(InvalidArgumentError, "ScanOp: axis must be a scalar, not [1]",
           "CumulativeLogsumexp", lse, [1.0, 2.0], axis=[0])
    raises(TypeError, "Cannot convert 0.5 to EagerTensor of dtype int32", None, lse,
           [1.0, 2.0], axis=0.5)
    for value, word in (([1, 2], "int32"), (c([1j]), "complex128")):
        raises(InvalidArgumentError, f"Value for attr 'T' of {word} is not in the list of "
               f"allowed values: bfloat16, half, float, double", None, lse, value)


def test_cumulative_logsumexp_gradients() -> None:
    """TF's rule: reverse scans of log(g_+) - out and log(g_-) - out, plus x, exp'd."""
    lse = tf.math.cumulative_logsumexp
    cases = [
        ({}, [1.0, 2.0, 3.0], [1.8079746, 2.1963024, 1.9957225]),
        ({"exclusive": True}, [1.0, 2.0, 3.0], [2.8068242, 2.1931756, 0.0]),
        ({"exclusive": True, "reverse": True}, [1.0, 2.0, 3.0], [0.0, 0.2689414, 2.7310584]),
        ({"reverse": True}, [1.0, 2.0, 3.0], [0.0900306, 0.7826113, 5.1273584]),
        ({"axis": 1}, [[1.0, -2.0, 3.0], [0.0, 0.0, 0.0]],
         [[3.2606475, 0.1125510, 2.6268020], [8.5, 4.5, 2.0]]),
        ({}, [1000.0, 1000.0, -1000.0], [3.4999425, 2.4999225, 0.0]),
        ({}, [-INF, 1.0, 2.0], [NAN, 2.8068242, 2.1931756]),  # TF: exp(inf + -inf)
    ]
    for kw, x, want in cases:
        (g,) = grads(lambda v, kw=kw: lse(v, **kw), x)
        np.testing.assert_allclose(g, want, rtol=2e-6, atol=1e-6, err_msg=str(kw))
    (g,) = grads(lambda v: -lse(v), [1.0, 2.0, 3.0])  # a negative cotangent
    np.testing.assert_allclose(g, [-1.8079746, -2.1963024, -1.9957225], rtol=2e-6)


# -- reverse_sequence -----------------------------------------------------------------------
def test_reverse_sequence_values_and_gradient() -> None:
    rs = tf.reverse_sequence
    x = [[1, 2, 3, 4], [5, 6, 7, 8]]
    check(rs(x, [2, 3], seq_axis=1, batch_axis=0), [[2, 1, 3, 4], [7, 6, 5, 8]], tf.int32)
    check(rs(x, [2, 3], seq_axis=1), [[2, 1, 3, 4], [7, 6, 5, 8]], tf.int32)
    check(rs(x, [1, 0, 2, 2], seq_axis=0, batch_axis=1), [[1, 2, 7, 8], [5, 6, 3, 4]],
          tf.int32)
    check(rs(x, c([2, 2], tf.int64), seq_axis=1), [[2, 1, 3, 4], [6, 5, 7, 8]], tf.int32)
    check(rs([[1, 2], [3, 4]], c([1, 2], tf.int64), seq_axis=1.0), [[1, 2], [4, 3]], tf.int32)
    check(rs([[True, False], [True, True]], [2, 0], seq_axis=1),
          [[False, True], [True, True]], tf.bool)
    (g,) = grads(lambda v: rs(v, [3, 1], seq_axis=1), [[1.0, 2, 3, 4], [5, 6, 7, 8]])
    check(c(g), [[3.0, 2.0, 1.0, 4.0], [5.0, 6.0, 7.0, 8.0]], tf.float32)


def test_reverse_sequence_errors() -> None:
    rs, x, op = tf.reverse_sequence, [[1, 2, 3, 4], [5, 6, 7, 8]], "ReverseSequence"
    raises(TypeError, "Expected int for argument 'seq_dim' not None.", None, rs, x, [2, 3])
    raises(InvalidArgumentError, "seq_lens(1) > input.dims(1)", op, rs, x, [2, 5], seq_axis=1)
    raises(InvalidArgumentError, "seq_lens(1) < 0", op, rs, x, [2, -1], seq_axis=1)
    raises(InvalidArgumentError, "seq_lens(0) > input.dims(1)", op, rs, [[1, 2], [3, 4]],
           [3, -1], seq_axis=1)
    raises(InvalidArgumentError, "Length of seq_lengths != input.dims(0), (1 vs. 2)", op, rs,
           x, [2], seq_axis=1)
    raises(InvalidArgumentError, "seq_lengths must be 1-dim, not 2", op, rs, x, [[2, 2]],
           seq_axis=1, batch_axis=1)
    raises(InvalidArgumentError, "seq_lengths must be 1-dim, not 0", op, rs, x, 2, seq_axis=1)
    raises(InvalidArgumentError, "batch_dim == seq_dim == 1", op, rs, x, [2, 2], seq_axis=1,
           batch_axis=1)
    raises(InvalidArgumentError, "batch_dim == seq_dim == 0", op, rs, [1, 2, 3], [2],
           seq_axis=0)
    raises(InvalidArgumentError, "seq_dim must be < input rank ( 2 vs. 2)", op, rs, x, [2, 2],
           seq_axis=2)
    raises(InvalidArgumentError, "seq_dim must be < input rank ( 1 vs. 0)", op, rs, c(1),
           [2, 2], seq_axis=1)
    raises(InvalidArgumentError, "batch_dim must be < input rank ( 2 vs. 2)", op, rs, x,
           [2, 2], seq_axis=1, batch_axis=2)
    raises(InvalidArgumentError, "Invalid seq_dim -1", op, rs, x, [[2, 2]], seq_axis=-1)
    raises(InvalidArgumentError, "Invalid seq_dim -1", op, rs, x, [2, 2], seq_axis=-1,
           batch_axis=5)
    raises(InvalidArgumentError, "Invalid batch_dim -1", op, rs, x, [2, 2], seq_axis=1,
           batch_axis=-1)
    raises(InvalidArgumentError, "seq_lens(0) > input.dims(0)", op, rs,
           np.arange(12.0).reshape(2, 3, 2), [3, 1, 0], seq_axis=0, batch_axis=1)
    for value, word in (([2.0, 2.0], "float"), (c([2, 2], tf.int16), "int16")):
        raises(InvalidArgumentError, f"Value for attr 'Tlen' of {word} is not in the list of "
               f"allowed values: int32, int64", None, rs, x, value, seq_axis=1)


# -- dynamic_partition / dynamic_stitch -----------------------------------------------------
def test_dynamic_partition_values() -> None:
    parts = tf.dynamic_partition([10.0, 20.0, 30.0, 40.0], [0, 2, 0, 1], 3)
    assert isinstance(parts, list) and len(parts) == 3
    for got, want in zip(parts, [[10.0, 30.0], [40.0], [20.0]]):
        check(got, want, tf.float32)
    p0, p1 = tf.dynamic_partition([[1, 2], [3, 4], [5, 6]], [1, 1, 0], 2)
    check(p0, [[5, 6]], tf.int32)
    check(p1, [[1, 2], [3, 4]], tf.int32)
    p0, p1 = tf.dynamic_partition([[1, 2], [3, 4]], [[1, 0], [0, 0]], 2)
    check(p0, [2, 3, 4], tf.int32)
    check(p1, [1], tf.int32)
    p0, p1 = tf.dynamic_partition(c([[1.0, 2.0], [3.0, 4.0]]), c(1), 2)  # scalar partitions
    check(p0, np.zeros((0, 2, 2)), tf.float32)
    check(p1, [[[1.0, 2.0], [3.0, 4.0]]], tf.float32)
    for n in (2.0, c(2)):
        p0, p1 = tf.dynamic_partition([10.0, 20.0], [0, 1], n)
        check(p0, [10.0], tf.float32)
        check(p1, [20.0], tf.float32)
    p0, p1 = tf.dynamic_partition([True, False], [1, 0], 2)
    check(p0, [False], tf.bool)


def test_dynamic_partition_errors() -> None:
    dp, op = tf.dynamic_partition, "DynamicPartition"
    raises(InvalidArgumentError, "partitions[1] = 2 is not in [0, 2)", op, dp, [10.0, 20.0],
           [0, 2], 2)
    raises(InvalidArgumentError, "partitions[1] = -1 is not in [0, 2)", op, dp, [10.0, 20.0],
           [0, -1], 2)
    raises(InvalidArgumentError, "data.shape must start with partitions.shape, got data.shape "
           "= [2], partitions.shape = [1]", op, dp, [10.0, 20.0], [0], 2)
    raises(InvalidArgumentError, "data.shape must start with partitions.shape, got data.shape "
           "= [2], partitions.shape = [1,2]", op, dp, [10.0, 20.0], [[0, 1]], 2)
    for n in (0, -1):
        raises(InvalidArgumentError, f"Value for attr 'num_partitions' of {n} must be at least "
               f"minimum 1", None, dp, [10.0, 20.0], [0, 1], n)
    for n in ([2], None):
        raises(TypeError, f"Expected int for argument 'num_partitions' not {n!r}.", None, dp,
               [10.0, 20.0], [0, 1], n)
    raises(ValueError, "Tensor conversion requested dtype int32 for Tensor with dtype int64",
           None, dp, [10.0, 20.0], c([0, 1], tf.int64), 2)
    raises(TypeError, "Cannot convert [0.0, 1.0] to EagerTensor of dtype int32", None, dp,
           [10.0, 20.0], [0.0, 1.0], 2)


def test_dynamic_partition_gradient() -> None:
    """TF stitches the parts' cotangents back; a part without a gradient gives 0."""
    (g,) = grads(lambda v: tf.dynamic_partition(v, [0, 2, 0, 1], 3), [10.0, 20.0, 30.0, 40.0])
    check(c(g), [1.0, 1.0, 2.0, 1.0], tf.float32)
    (g,) = grads(lambda v: tf.dynamic_partition(v, [0, 2, 0, 1], 3)[0], [10.0, 20, 30, 40])
    check(c(g), [1.0, 0.0, 2.0, 0.0], tf.float32)
    (g,) = grads(lambda v: tf.dynamic_partition(v, [[1, 0], [0, 0]], 2), [[1.0, 2], [3, 4]])
    check(c(g), [[1.0, 1.0], [2.0, 3.0]], tf.float32)
    (g,) = grads(lambda v: tf.dynamic_partition(v, [0, 1, 0], 2), [[1.0, 2], [3, 4], [5, 6]])
    check(c(g), [[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]], tf.float32)


def test_dynamic_stitch_values() -> None:
    ds = tf.dynamic_stitch
    check(ds([[0, 2], [1, 3]], [[10.0, 30.0], [20.0, 40.0]]), [10.0, 20.0, 30.0, 40.0],
          tf.float32)
    check(ds([[0, 2], [2, 3]], [[10.0, 30.0], [20.0, 40.0]]), [10.0, 0.0, 20.0, 40.0],
          tf.float32)  # the later input wins; row 1 is never written: 0
    check(ds([[0, 0]], [[10.0, 30.0]]), [30.0], tf.float32)  # within one input too
    check(ds([6, [4, 1], [[5, 2], [0, 3]]],
             [[61.0, 62.0], [[41.0, 42.0], [11.0, 12.0]],
              [[[51.0, 52.0], [21.0, 22.0]], [[1.0, 2.0], [31.0, 32.0]]]]),
          [[1.0, 2.0], [11.0, 12.0], [21.0, 22.0], [31.0, 32.0], [41.0, 42.0], [51.0, 52.0],
           [61.0, 62.0]], tf.float32)
    check(ds([[0, 3]], [[10.0, 30.0]]), [10.0, 0.0, 0.0, 30.0], tf.float32)
    check(ds([[0, 2]], [[[1.0, 2.0], [3.0, 4.0]]]), [[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]],
          tf.float32)
    check(ds([[0, 1], [2]], [[10.0, 30.0], c([1.0], tf.float64)]), [10.0, 30.0, 1.0],
          tf.float64)  # the first Tensor's dtype
    check(ds([[0, 1]], [[1, 2]]), [1, 2], tf.int32)
    check(ds([[0, 1], [[2]]], [[1.0, 2.0], [[3.0]]]), [1.0, 2.0, 3.0], tf.float32)
    check(ds([tf.zeros([0], tf.int32)], [tf.zeros([0, 3])]), np.zeros((0, 3)), tf.float32)
    check(ds([0, 1], [1.0, 2.0]), [1.0, 2.0], tf.float32)
    check(ds([[1]], [[1.0]]), [0.0, 1.0], tf.float32)


def test_dynamic_stitch_errors() -> None:
    ds, op = tf.dynamic_stitch, "DynamicStitch"
    raises(InvalidArgumentError, "indices[1] is out of range", op, ds, [[0, -1]], [[10.0, 30.0]])
    raises(InvalidArgumentError, "data[0].shape = [1] does not start with indices[0].shape = "
           "[2]", op, ds, [[0, 1]], [[10.0]])
    raises(InvalidArgumentError, "data[1].shape = [1] does not start with indices[1].shape = "
           "[1,1]", op, ds, [[0, 1], [[2]]], [[1.0, 2.0], [3.0]])
    raises(InvalidArgumentError, "Need data[0].shape[1:] = data[1].shape[1:], got "
           "data[0].shape = [2,2], data[1].shape = [1,3], indices[0].shape = [2], "
           "indices[1].shape = [1]", op, ds, [[0, 1], [2]], [[[1.0, 2], [3, 4]], [[5.0, 6, 7]]])
    raises(ValueError, "List argument 'data' to 'dynamic_stitch' Op with length 2 must match "
           "length 1 of argument 'indices'.", None, ds, [[0, 1]], [[10.0, 30.0], [1.0, 2.0]])
    raises(ValueError, "Tensor conversion requested dtype int32 for Tensor with dtype int64",
           None, ds, [c([0, 1], tf.int64)], [[10.0, 30.0]])
    raises(TypeError, "Cannot convert [0.0, 1] to EagerTensor of dtype int32", None, ds,
           [[0.0, 1]], [[10.0, 30.0]])
    raises(TypeError, "Cannot convert [1.0] to EagerTensor of dtype int32", None, ds,
           [[0, 1], [1]], [[1, 2], [1.0]])
    raises(InvalidArgumentError, "cannot compute DynamicStitch as input #3(zero-based) was "
           "expected to be a int32 tensor but is a float tensor", op, ds, [[0, 1], [1]],
           [c([1, 2]), c([1.0])])


def test_dynamic_stitch_gradient() -> None:
    """TF gathers the cotangent at every index: a row that lost to a later duplicate
    still gets the winner's gradient (the value's derivative there is 0)."""
    ga, gb = grads(lambda a, b: tf.dynamic_stitch([[0, 2], [2, 3]], [a, b]), [10.0, 30.0],
                   [20.0, 40.0])
    check(c(ga), [1.0, 3.0], tf.float32)
    check(c(gb), [3.0, 4.0], tf.float32)
    (g,) = grads(lambda a: tf.dynamic_stitch([[0, 0, 1, 0]], [a]), [10.0, 30.0, 20.0, 40.0])
    check(c(g), [1.0, 1.0, 2.0, 1.0], tf.float32)
    ga, gb = grads(lambda a, b: tf.dynamic_stitch([[1, 0], [[1], [2]]], [a, b]),
                   [[1.0, 2.0], [3.0, 4.0]], [[[5.0, 6.0]], [[7.0, 8.0]]])
    check(c(ga), [[3.0, 4.0], [1.0, 2.0]], tf.float32)
    check(c(gb), [[[3.0, 4.0]], [[5.0, 6.0]]], tf.float32)


# -- broadcast_dynamic_shape / broadcast_static_shape ---------------------------------------
def test_broadcast_dynamic_shape() -> None:
    bd = tf.broadcast_dynamic_shape
    check(bd([2, 1, 3], [4, 1]), [2, 4, 3], tf.int32)
    check(bd(c([2, 1, 3], tf.int64), c([4, 1], tf.int64)), [2, 4, 3], tf.int64)
    check(bd(c([2, 1, 3], tf.int64), [4, 1]), [2, 4, 3], tf.int64)
    check(bd([1], c([3], tf.int64)), [3], tf.int64)
    check(bd([], [4]), [4], tf.int32)
    check(bd(c([], tf.int32), c([], tf.int32)), np.zeros(0), tf.int32)
    check(bd([0], [1]), [0], tf.int32)
    check(bd([-1], [1]), [-1], tf.int32)
    check(bd([1, 2], [2, 1]), [2, 2], tf.int32)
    check(bd([5, 1, 0], [7, 1]), [5, 7, 0], tf.int32)
    check(bd((2, 3), (3,)), [2, 3], tf.int32)
    check(bd(tf.TensorShape([2, 3]), [3]), [2, 3], tf.int32)
    check(bd(tf.shape(tf.zeros([2, 3])), tf.shape(tf.zeros([3]))), [2, 3], tf.int32)
    check(bd([2 ** 40], [1]), [2 ** 40], tf.int64)


def test_broadcast_dynamic_shape_errors() -> None:
    bd, op = tf.broadcast_dynamic_shape, "BroadcastArgs"
    raises(InvalidArgumentError, "Incompatible shapes: [2,3] vs. [4]", op, bd, [2, 3], [4])
    raises(InvalidArgumentError, "Incompatible shapes: [0] vs. [3]", op, bd, [0], [3])
    raises(InvalidArgumentError, "Incompatible shapes: [-1] vs. [3]", op, bd, [-1], [3])
    raises(InvalidArgumentError, "Incompatible shapes: [2] vs. [3]", op, bd,
           c([2], tf.int64), [3])
    raises(InvalidArgumentError, "In[1] must be a vector.[1,1]", op, bd, [2], [[3]])
    raises(InvalidArgumentError, "In[0] must be a vector.[]", op, bd, 2, 3)
    raises(InvalidArgumentError, "cannot compute BroadcastArgs as input #1(zero-based) was "
           "expected to be a int32 tensor but is a int64 tensor", op, bd, c([1], tf.int32),
           c([3], tf.int64))
    for value, word in (([2.0], "float"), (c([1], tf.int16), "int16")):
        raises(InvalidArgumentError, f"Value for attr 'T' of {word} is not in the list of "
               f"allowed values: int32, int64", None, bd, value, value)


def test_broadcast_static_shape() -> None:
    bs, shape = tf.broadcast_static_shape, tf.TensorShape
    cases = [([2, 1, 3], [4, 1], [2, 4, 3]), ([None, 1, 3], [4, None], [None, 4, 3]),
             ([None, 3], [1], [None, 3]), ([None], [5], [5]), ([None], [None], [None]),
             ([1], [None], [None]), ([], [2], [2]), ([0], [1], [0]), ([None], [0], [None])]
    for x, y, want in cases:
        got = bs(shape(x), shape(y))
        assert isinstance(got, tf.TensorShape) and got.as_list() == want, (x, y, got)
    text = ("Incompatible shapes for broadcasting. Two shapes are compatible if for each "
            "dimension pair they are either equal or one of them is 1. Received: ")
    raises(ValueError, text + "(2, 3) and (4,).", None, bs, shape([2, 3]), shape([4]))
    raises(ValueError, text + "(2, 3) and (None, 4).", None, bs, shape([2, 3]),
           shape([None, 4]))
    raises(ValueError, text + "(2, 3) and (3, 3).", None, bs, shape([2, 3]), shape([3, 3]))
    for x, y in (([2, 3], [3]), ((2, 3), (3,)), (shape([2, 3]), [3])):
        raises(AttributeError, "object has no attribute 'ndims'", None, bs, x, y)
