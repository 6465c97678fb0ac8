"""Counting and integer-position ops (tapeflow/ops/counting.py) and C-style
division (``truncatediv``/``truncatemod`` in tapeflow/ops/arith.py).

Values, dtypes, gradients and errors pinned against TF 2.21: every expected
value, error type and message text below is what real TF printed for the
same call.  Run this file with ``TAPEFLOW_TEST_ORACLE=tensorflow`` in an
environment that has TF to check them again (see tests/test_tensor.py): the
same tests then import TF as ``tf``.  The table test (tests/test_op_table.py)
checks each declared op's value and gradient claims on its samples; here:
the public functions with TF's signatures, defaults and errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from oracle import ORACLE, InvalidArgumentError, c, check, raises, tf


def gradient(f: Callable, x: Any) -> Any:
    """The gradient of f at x: an array, None, or TF's "no gradient" LookupError as None.

    TF raises LookupError where no gradient is registered; tapeflow gives None
    (docs/differences.md, "Non-differentiable ops give None").
    """
    x = c(x)
    try:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x)
    except LookupError as exc:
        assert ORACLE and "gradient registry has no entry for" in str(exc), str(exc)
        return None
    return None if g is None else g.numpy()


def test_signatures_and_namespaces() -> None:
    """TF's argument names and defaults, and where TF puts each name."""
    params = {
        tf.math.bincount: "arr weights minlength maxlength dtype name axis binary_output",
        tf.unique_with_counts: "x out_idx name",
        tf.unravel_index: "indices dims name",
        tf.math.invert_permutation: "x name",
        tf.math.in_top_k: "targets predictions k name",
        tf.math.confusion_matrix: "labels predictions num_classes weights dtype name",
        tf.math.is_non_decreasing: "x name",
        tf.math.is_strictly_increasing: "x name",
        tf.truncatediv: "x y name",
        tf.truncatemod: "x y name",
    }
    for fn, names in params.items():
        assert list(inspect.signature(fn).parameters) == names.split(), fn
    defaults = inspect.signature(tf.math.bincount).parameters
    assert defaults["dtype"].default == tf.int32 and defaults["axis"].default is None
    assert defaults["binary_output"].default is False
    assert inspect.signature(tf.math.confusion_matrix).parameters["dtype"].default == tf.int32
    assert inspect.signature(tf.unique_with_counts).parameters["out_idx"].default == tf.int32
    for top in ("bincount", "invert_permutation", "in_top_k", "confusion_matrix",
                "is_non_decreasing", "is_strictly_increasing"):
        assert not hasattr(tf, top), top  # TF 2.21: tf.math only
    for name in ("unique_with_counts", "unravel_index", "truncatediv", "truncatemod"):
        assert not hasattr(tf.math, name), name  # TF 2.21: top level only
    assert tf.nn.in_top_k is tf.math.in_top_k


# -- bincount -------------------------------------------------------------------------------
def test_bincount_values() -> None:
    bc = tf.math.bincount
    check(bc([1, 1, 3]), [0, 2, 0, 1], tf.int32)
    check(bc(c([], tf.int32)), [], tf.int32)
    check(bc(c([], tf.int32), minlength=3), [0, 0, 0], tf.int32)
    check(bc([1, 1, 3], minlength=6), [0, 2, 0, 1, 0, 0], tf.int32)
    check(bc([1, 1, 3], minlength=-1), [0, 2, 0, 1], tf.int32)
    check(bc([1, 1, 3], minlength=c(5)), [0, 2, 0, 1, 0], tf.int32)
    check(bc([1, 1, 3], maxlength=2), [0, 2], tf.int32)
    check(bc([1, 1, 3], maxlength=0), [], tf.int32)
    check(bc([1, 1, 3], minlength=5, maxlength=2), [0, 2], tf.int32)  # maxlength wins
    check(bc(3), [0, 0, 0, 1], tf.int32)
    check(bc([[1, 2], [0, 2]]), [1, 1, 2], tf.int32)
    check(bc([[1, 2], [0, 2]], axis=0), [1, 1, 2], tf.int32)
    check(bc(np.array([[[1, 2]], [[0, 2]]])), [1, 1, 2], tf.int32)
    check(bc([1.0, 2.0]), [0, 1, 1], tf.int32)  # non-integers are cast to int32
    check(bc([True, False, True]), [1, 2], tf.int32)
    check(bc(c([1, 1, 3], tf.int64)), [0, 2, 0, 1], tf.int32)
    check(bc(c([1, 1, 3], tf.int64), minlength=6), [0, 2, 0, 1, 0, 0], tf.int32)
    assert bc([1000]).shape == (1001,)


def test_bincount_weights_and_dtypes() -> None:
    bc = tf.math.bincount
    check(bc([1, 1, 3], weights=[0.5, 1.0, 2.0]), [0.0, 1.5, 0.0, 2.0], tf.float32)
    check(bc([1, 1, 3], weights=c([0.5, 1.0, 2.0], tf.float64)), [0.0, 1.5, 0.0, 2.0],
          tf.float64)
    check(bc([1, 1, 3], weights=np.array([0.5, 1.0, 2.0])), [0.0, 1.5, 0.0, 2.0], tf.float64)
    check(bc([1, 1, 3], weights=[1, 2, 3]), [0, 3, 0, 3], tf.int32)
    check(bc([1, 1, 3], weights=c([1, 2, 3], tf.int64)), [0, 3, 0, 3], tf.int64)
    # dtype only applies without weights
    check(bc([1, 1, 3], weights=[0.5, 1.0, 2.0], dtype=tf.float64), [0.0, 1.5, 0.0, 2.0],
          tf.float32)
    check(bc([1, 1, 3], weights=c([], tf.float32)), [0.0, 2.0, 0.0, 1.0], tf.float32)
    check(bc([1, 1, 3, 5], weights=[1.0, 2.0, 3.0, 4.0], maxlength=4), [0.0, 3.0, 0.0, 3.0],
          tf.float32)
    check(bc([[1, 2], [0, 2]], weights=[[1.0, 2.0], [3.0, 4.0]]), [3.0, 1.0, 6.0], tf.float32)
    check(bc([1, 1, 3], dtype=tf.float32), [0.0, 2.0, 0.0, 1.0], tf.float32)
    check(bc([1, 1, 3], dtype="float32"), [0.0, 2.0, 0.0, 1.0], tf.float32)
    check(bc([1, 1, 3], dtype=tf.int64), [0, 2, 0, 1], tf.int64)
    check(bc([1, 1, 3], dtype=tf.float64), [0.0, 2.0, 0.0, 1.0], tf.float64)
    check(bc([1, 1, 3], dtype=None), [0, 2, 0, 1], tf.int32)  # None: arr's dtype
    check(bc(c([1, 1, 3], tf.int64), dtype=None), [0, 2, 0, 1], tf.int64)


def test_bincount_rows_and_binary_output() -> None:
    bc = tf.math.bincount
    m = [[1, 2], [0, 2]]
    check(bc(m, axis=-1), [[0, 1, 1], [1, 0, 1]], tf.int32)
    check(bc(m, axis=-1, minlength=5), [[0, 1, 1, 0, 0], [1, 0, 1, 0, 0]], tf.int32)
    check(bc(m, axis=-1, maxlength=2), [[0, 1], [1, 0]], tf.int32)
    check(bc(m, weights=[[1.0, 2.0], [3.0, 4.0]], axis=-1), [[0.0, 1.0, 2.0], [3.0, 0.0, 4.0]],
          tf.float32)
    check(bc([[1, 1], [3, 0]], weights=c([], tf.float64), axis=-1),
          [[0.0, 2.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0]], tf.float64)
    check(bc(tf.zeros((2, 0), tf.int32), axis=-1), np.zeros((2, 0), int), tf.int32)
    check(bc([1, 2], axis=-1), [0, 1, 1], tf.int32)  # a vector with axis=-1: one count
    check(bc(3, axis=-1), [0, 0, 0, 1], tf.int32)
    check(bc([1, 1, 3], binary_output=True), [0, 1, 0, 1], tf.int32)
    check(bc([1, 1, 3], binary_output=True, dtype=tf.float32), [0.0, 1.0, 0.0, 1.0],
          tf.float32)
    check(bc([[1, 1], [0, 2]], axis=-1, binary_output=True), [[0, 1, 0], [1, 0, 1]], tf.int32)
    check(bc([1, 1, 3, 5], binary_output=True, maxlength=4), [0, 1, 0, 1], tf.int32)


def test_bincount_errors() -> None:
    bc = tf.math.bincount
    op = "DenseBincount"
    raises(ValueError, "Arguments `binary_output` and `weights` are mutually exclusive. Please "
           "specify only one.", None, bc, [1, 1, 3], weights=[0.5, 1.0, 2.0], binary_output=True)
    raises(ValueError, "Unsupported value for argument axis=1. Only 0 and -1 are currently "
           "supported.", None, bc, [[1, 2], [0, 2]], axis=1)
    raises(InvalidArgumentError, "Input arr must be non-negative!", op, bc, [1, -1, 3])
    raises(InvalidArgumentError, "Input arr must be non-negative!", op, bc, [-1.5, 2.7])
    raises(InvalidArgumentError, "Input 'in' must be non-negative! Negative input value found: "
           "-2", op, bc, [[1, -2]], axis=-1)
    raises(InvalidArgumentError, "size (-1) must be non-negative", op, bc, [1, 1, 3],
           maxlength=-1)
    raises(InvalidArgumentError, "Shape must be at most rank 2 but is rank 3", op, bc,
           np.array([[[1, 2]], [[0, 2]]]), axis=-1)
    raises(InvalidArgumentError, "`weights` must be the same shape as `arr` or a length-0 "
           "`Tensor`, in which case it acts as all weights equal to 1. Received [2]", op, bc,
           [1, 1, 3], weights=[1.0, 2.0])
    raises(InvalidArgumentError, "Received [1]", op, bc, [-1, 1, 3], weights=[1.0])
    raises(InvalidArgumentError, "Received [2]", op, bc, [[1, 1], [3, 0]], weights=[1.0, 2.0],
           axis=-1)
    raises(InvalidArgumentError, "Value for attr 'T' of half is not in the list of allowed "
           "values: int32, int64, float, double", op, bc, [1, 1, 3], dtype=tf.float16)
    raises(InvalidArgumentError, "Value for attr 'T' of bool is not in the list of allowed "
           "values: int32, int64, float, double", op, bc, [1, 1, 3], dtype=tf.bool)
    raises(InvalidArgumentError, "Value for attr 'T' of complex64 is not in the list", op, bc,
           [1, 1, 3], weights=c([1, 2, 3], tf.complex64))
    raises(InvalidArgumentError, "Value for attr 'Tidx' of uint8 is not in the list of allowed "
           "values: int32, int64", op, bc, c([1, 2], tf.uint8))
    raises(InvalidArgumentError, "Value for attr 'Tidx' of int16 is not in the list", op, bc,
           c([1, 2], tf.int16))
    raises(TypeError, "Cannot convert 2.5 to EagerTensor of dtype int32", None, bc, [1, 1, 3],
           minlength=2.5)
    raises(ValueError, "minlength: Tensor conversion requested dtype int32 for Tensor with "
           "dtype int64", None, bc, [1, 1, 3], minlength=c(6, tf.int64))
    raises(tf.errors.UnimplementedError, "Cast string to int32 is not supported", "Cast", bc,
           ["a"])


def test_bincount_has_no_gradient() -> None:
    """TF registers no gradient for DenseBincount (LookupError), weights included."""
    assert gradient(lambda w: tf.math.bincount([1, 1, 3], weights=w), [0.5, 1.0, 2.0]) is None
    assert gradient(lambda w: tf.math.bincount([[1, 1], [0, 3]], weights=w, axis=-1),
                    [[0.5, 1.0], [2.0, 3.0]]) is None


# -- unique_with_counts -----------------------------------------------------------------------
def test_unique_with_counts() -> None:
    y, idx, count = tf.unique_with_counts([1, 1, 2, 4, 4, 4, 7, 8, 8])
    check(y, [1, 2, 4, 7, 8], tf.int32)
    check(idx, [0, 0, 1, 2, 2, 2, 3, 4, 4], tf.int32)
    check(count, [2, 1, 3, 1, 2], tf.int32)
    result = tf.unique_with_counts([4.0, 1.0, 4.0])
    assert type(result).__name__ == "UniqueWithCounts" and result._fields == ("y", "idx", "count")
    check(result.y, [4.0, 1.0], tf.float32)
    check(result.count, [2, 1], tf.int32)
    y, idx, count = tf.unique_with_counts([4, 1, 4], out_idx=tf.int64)
    check(y, [4, 1], tf.int32)
    check(idx, [0, 1, 0], tf.int64)
    check(count, [2, 1], tf.int64)
    check(tf.unique_with_counts([4, 1, 4], out_idx="int64").count, [2, 1], tf.int64)
    y, idx, count = tf.unique_with_counts(c([], tf.int32))
    check(y, [], tf.int32)
    check(count, [], tf.int32)
    y, idx, count = tf.unique_with_counts([float("nan"), 1.0, float("nan")])  # NaN != NaN
    assert np.isnan(y.numpy()[[0, 2]]).all() and y.numpy()[1] == 1.0
    check(idx, [0, 1, 2], tf.int32)
    check(count, [1, 1, 1], tf.int32)
    y, idx, count = tf.unique_with_counts([0.0, -0.0])
    check(y, [0.0], tf.float32)
    check(count, [2], tf.int32)
    y, idx, count = tf.unique_with_counts([True, False, True])
    check(y, [True, False], tf.bool)
    check(count, [2, 1], tf.int32)
    y, idx, count = tf.unique_with_counts(["a", "b", "a"])
    assert y.numpy().tolist() == [b"a", b"b"] and count.numpy().tolist() == [2, 1]
    check(tf.unique_with_counts(c([1.0, 1.0], tf.float16)).y, [1.0], tf.float16)


def test_unique_with_counts_errors_and_gradient() -> None:
    op = "UniqueWithCounts"
    raises(InvalidArgumentError, "unique expects a 1D vector.", op, tf.unique_with_counts,
           [[4, 1]])
    raises(InvalidArgumentError, "unique expects a 1D vector.", op, tf.unique_with_counts, 4)
    raises(InvalidArgumentError, "Value for attr 'out_idx' of int16 is not in the list of "
           "allowed values: int32, int64", op, tf.unique_with_counts, [4, 1], out_idx=tf.int16)
    raises(InvalidArgumentError, "Value for attr 'out_idx' of float is not in the list", op,
           tf.unique_with_counts, [4, 1], out_idx=tf.float32)
    raises(tf.errors.NotFoundError, "Could not find device for node: {{node UniqueWithCounts}} "
           "= UniqueWithCounts[T=DT_COMPLEX128, out_idx=DT_INT32]", op, tf.unique_with_counts,
           c([1j, 1j, 2]))
    assert gradient(lambda x: tf.unique_with_counts(x)[0], [1.0, 2.0, 1.0]) is None


# -- unravel_index --------------------------------------------------------------------------
def test_unravel_index_values() -> None:
    ui = tf.unravel_index
    check(ui(5, [2, 3]), [1, 2], tf.int32)
    check(ui([1, 5, 0], [2, 3]), [[0, 1, 0], [1, 2, 0]], tf.int32)
    check(ui([0, 23, 7], [2, 3, 4]), [[0, 1, 0], [0, 2, 1], [0, 3, 3]], tf.int32)
    check(ui([4], [6]), [[4]], tf.int32)
    check(ui(c([1, 5], tf.int64), c([2, 3], tf.int64)), [[0, 1], [1, 2]], tf.int64)
    check(ui(c([1, 5], tf.int64), [2, 3]), [[0, 1], [1, 2]], tf.int64)  # list takes int64
    check(ui([0], c([], tf.int32)), np.zeros((0, 1), int), tf.int32)
    check(ui(0, c([], tf.int32)), [], tf.int32)
    check(ui([5], [46340, 46340]), [[0], [5]], tf.int32)
    check(ui(c([5], tf.int64), c([2**31, 2**31], tf.int64)), [[0], [5]], tf.int64)
    # TF never refuses a negative index: C's % and / (truncating) give these
    check(ui([-1], [2, 3]), [[0], [-1]], tf.int32)
    check(ui([-7], [2, 3]), [[0], [-1]], tf.int32)
    check(ui(-4, [2, 3]), [-1, -1], tf.int32)


def test_unravel_index_errors() -> None:
    ui = tf.unravel_index
    op = "UnravelIndex"
    raises(InvalidArgumentError, 'The indices can only be scalar or vector, got "[2,2]"', op,
           ui, [[1, 5], [0, 2]], [2, 3])
    raises(InvalidArgumentError, 'The indices can only be 1-D, got "[1,2]"', op, ui, [0],
           [[2, 3]])
    raises(InvalidArgumentError, 'The indices can only be 1-D, got "[]"', op, ui, [0], 6)
    raises(InvalidArgumentError, 'The indices can only be scalar or vector, got "[1,1]"', op,
           ui, [[1]], [[2, 3]])  # indices are checked first
    raises(InvalidArgumentError, "index is out of bound as with dims", op, ui, [6], [2, 3])
    raises(InvalidArgumentError, "index is out of bound as with dims", op, ui, 6, [2, 3])
    raises(InvalidArgumentError, "Input dims cannot contain a dim of zero, but dims contains "
           "zero at index 1", op, ui, [0], [2, 0])
    raises(InvalidArgumentError, "Input dims cannot contain a dim of zero, but dims contains "
           "zero at index 0", op, ui, [0], [0, -3])
    raises(InvalidArgumentError, "Input dims cannot be negative. Got dim = -3 at index 1", op,
           ui, [100], [2, -3])
    raises(InvalidArgumentError, "received empty tensor indices: Tensor<type: int32 shape: [0] "
           "values: >", op, ui, c([], tf.int32), [2, 0])
    raises(InvalidArgumentError, "Input dims product is causing integer overflow: (65536 "
           "32768)", op, ui, [5], [2**16, 2**15])
    raises(InvalidArgumentError, "Input dims product is causing integer overflow: (65536 "
           "65536)", op, ui, [2**31 - 1], [2**16, 2**16])
    raises(InvalidArgumentError, "Input dims product is causing integer overflow: (4294967296 "
           "2147483648)", op, ui, c([5], tf.int64), c([2**32, 2**31], tf.int64))
    raises(InvalidArgumentError, "cannot compute UnravelIndex as input #1(zero-based) was "
           "expected to be a int32 tensor but is a int64 tensor", op, ui, c([1]),
           c([2, 3], tf.int64))
    raises(InvalidArgumentError, "Value for attr 'Tidx' of float is not in the list of allowed "
           "values: int32, int64", op, ui, c([1.0]), c([2.0, 3.0]))
    raises(InvalidArgumentError, "Value for attr 'Tidx' of int16 is not in the list", op, ui,
           c([1], tf.int16), c([2, 3], tf.int16))
    raises(TypeError, "Cannot convert [1.0] to EagerTensor of dtype int32", None, ui, [1.0],
           c([2, 3]))
    # without a tensor among them, the first value's dtype decides for the other
    raises(TypeError, "Cannot convert [2.0, 3.0] to EagerTensor of dtype int32", None, ui,
           [1, 5], [2.0, 3.0])
    raises(InvalidArgumentError, "Value for attr 'Tidx' of float is not in the list", op, ui,
           [1.0], [2.0, 3.0])


# -- invert_permutation ----------------------------------------------------------------------
def test_invert_permutation() -> None:
    ip = tf.math.invert_permutation
    op = "InvertPermutation"
    check(ip([3, 4, 0, 2, 1]), [2, 4, 3, 0, 1], tf.int32)
    check(ip(c([1, 0], tf.int64)), [1, 0], tf.int64)
    check(ip(c([], tf.int32)), [], tf.int32)
    raises(InvalidArgumentError, "0 is duplicated in the input.", op, ip, [0, 0, 1])
    raises(InvalidArgumentError, "3 is not between 0 and 3", op, ip, [0, 3, 1])
    raises(InvalidArgumentError, "-1 is not between 0 and 3", op, ip, [0, -1, 1])
    raises(InvalidArgumentError, "1 is duplicated in the input.", op, ip, [1, 1, 5])  # in order
    raises(InvalidArgumentError, "invert_permutation expects a 1D vector.", op, ip, [[0, 1]])
    raises(InvalidArgumentError, "invert_permutation expects a 1D vector.", op, ip, 0)
    raises(InvalidArgumentError, "Value for attr 'T' of float is not in the list of allowed "
           "values: int32, int64", op, ip, [0.0, 1.0])
    raises(InvalidArgumentError, "Value for attr 'T' of int16 is not in the list", op, ip,
           c([1, 0], tf.int16))


# -- in_top_k ---------------------------------------------------------------------------------
P = [[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]


def test_in_top_k_values() -> None:
    itk = tf.math.in_top_k
    check(itk([1, 0], P, 1), [True, False], tf.bool)
    check(itk([1, 0], P, 2), [True, True], tf.bool)
    check(itk(targets=[1, 0], predictions=P, k=2), [True, True], tf.bool)  # TF 2's order
    ties = [[0.3, 0.3, 0.4], [0.5, 0.5, 0.1]]
    check(itk([0, 1], ties, 1), [False, True], tf.bool)  # a tie counts for the target
    check(itk([0, 1], ties, 2), [True, True], tf.bool)
    check(itk([1, 0], P, 0), [False, False], tf.bool)
    check(itk([1, 0], P, 5), [True, True], tf.bool)
    check(itk([1, 0], P, -1), [False, False], tf.bool)
    check(itk([3, 0], P, 5), [False, True], tf.bool)  # an out-of-range target is False
    check(itk([-1, 0], P, 1), [False, False], tf.bool)
    nan, inf = float("nan"), float("inf")
    check(itk([1, 0], [[0.1, nan, 0.1], [0.3, 0.3, 0.4]], 1), [False, False], tf.bool)
    check(itk([1, 0], [[nan, 0.8, 0.1], [0.4, 0.3, 0.2]], 1), [False, True], tf.bool)
    check(itk([1, 0], [[0.1, inf, 0.1], [0.4, 0.3, 0.2]], 1), [False, True], tf.bool)
    check(itk([1, 0], [[1, 2, 3], [3, 2, 1]], 1), [False, True], tf.bool)  # ints: float32
    check(itk(c([1, 0], tf.int64), P, 1), [True, False], tf.bool)
    check(itk([1, 0], P, c(1, tf.int64)), [True, False], tf.bool)
    check(itk(c([], tf.int32), tf.zeros((0, 3)), 1), [], tf.bool)
    check(itk([0], tf.zeros((1, 0)), 1), [False], tf.bool)


def test_in_top_k_errors_and_gradient() -> None:
    itk = tf.math.in_top_k
    op = "InTopKV2"
    raises(ValueError, "Tensor conversion requested dtype float32 for Tensor with dtype float64",
           None, itk, [1, 0], c(P, tf.float64), 1)
    raises(InvalidArgumentError, "cannot compute InTopKV2 as input #2(zero-based) was expected "
           "to be a int64 tensor but is a int32 tensor", op, itk, c([1, 0], tf.int64), P, c(1))
    raises(InvalidArgumentError, "targets must be 1-dimensional", op, itk, [[1], [0]], P, 1)
    raises(InvalidArgumentError, "predictions must be 2-dimensional", op, itk, [1], [0.1, 0.8],
           1)
    raises(InvalidArgumentError, "First dimension of predictions 2 must match length of targets"
           " 3", op, itk, [1, 0, 1], P, 1)
    raises(InvalidArgumentError, "k must be 0-D, got shape [1]", op, itk, [1, 0], P, [1])
    raises(InvalidArgumentError, "k must be 0-D, got shape [1]", op, itk, [1], [0.1, 0.2], [1])
    raises(InvalidArgumentError, "Value for attr 'T' of float is not in the list of allowed "
           "values: int32, int64", op, itk, [1.0, 0.0], P, 1)
    raises(InvalidArgumentError, "Value for attr 'T' of uint8 is not in the list", op, itk,
           c([1, 0], tf.uint8), P, 1)
    raises(TypeError, "Cannot convert 1.0 to EagerTensor of dtype int32", None, itk, [1, 0], P,
           1.0)
    assert gradient(lambda p: tf.cast(tf.math.in_top_k([0, 1], p, 1), tf.float32),
                    [[1.0, 2.0], [3.0, 0.5]]) is None


# -- confusion_matrix ---------------------------------------------------------------------------
def test_confusion_matrix_values() -> None:
    cm = tf.math.confusion_matrix
    check(cm([0, 1, 2, 1], [0, 2, 2, 1]), [[1, 0, 0], [0, 1, 1], [0, 0, 1]], tf.int32)
    check(cm([0, 1], [1, 1], num_classes=3), [[0, 1, 0], [0, 1, 0], [0, 0, 0]], tf.int32)
    check(cm([0, 1], [1, 1], num_classes=c(3)), [[0, 1, 0], [0, 1, 0], [0, 0, 0]], tf.int32)
    check(cm([0, 1], [1, 1], num_classes=2.5), [[0, 1], [0, 1]], tf.int32)
    check(cm([1, 1, 1], [0, 0, 0]), [[0, 0], [3, 0]], tf.int32)
    # weights are cast to dtype: int32 truncates 0.5 to 0
    check(cm([0, 1, 1], [1, 1, 0], weights=[0.5, 1.0, 2.0]), [[0, 0], [2, 1]], tf.int32)
    check(cm([0, 1, 1], [1, 1, 0], weights=[0.5, 1.0, 2.0], dtype=tf.float32),
          [[0.0, 0.5], [2.0, 1.0]], tf.float32)
    check(cm([0, 1, 1], [1, 1, 0], weights=[0.5, 1.0, 2.5], dtype=tf.float64),
          [[0.0, 0.5], [2.5, 1.0]], tf.float64)
    check(cm([0, 1, 1], [1, 1, 0], weights=[1, 2, 3]), [[0, 1], [3, 2]], tf.int32)
    check(cm([0, 1], [1, 1], weights=[1, 2], dtype=tf.float32), [[0.0, 1.0], [0.0, 2.0]],
          tf.float32)
    check(cm([0, 1, 1], [1, 1, 0], dtype=tf.int64), [[0, 1], [1, 1]], tf.int64)
    check(cm([0, 1, 1], [1, 1, 0], dtype=tf.float16), [[0.0, 1.0], [1.0, 1.0]], tf.float16)
    check(cm([0, 1, 1], [1, 1, 0], dtype=tf.uint8), [[0, 1], [1, 1]], tf.uint8)
    check(cm([0, 1, 1], [1, 1, 0], dtype=tf.bool), [[False, True], [True, True]], tf.bool)
    check(cm([0.0, 1.7], [1.2, 1.0]), [[0, 1], [0, 1]], tf.int32)  # cast: truncated
    check(cm(c([0, 1], tf.int64), [1, 1]), [[0, 1], [0, 1]], tf.int32)
    check(cm(c([0, 1], tf.uint8), [1, 1]), [[0, 1], [0, 1]], tf.int32)
    check(cm([True, False], [True, True]), [[0, 1], [0, 1]], tf.int32)
    check(cm([0, 1], [[1], [1]]), [[0, 1], [0, 1]], tf.int32)  # trailing 1 squeezed
    check(cm([[0], [1]], [1, 1]), [[0, 1], [0, 1]], tf.int32)
    check(cm([[0, 1]], [[1, 1]]), [[0, 1], [0, 1]], tf.int32)  # TF's stack on axis 1
    check(cm(c([], tf.int32), c([], tf.int32), num_classes=2), [[0, 0], [0, 0]], tf.int32)
    check(cm(c([], tf.int32), c([], tf.int32), num_classes=0), np.zeros((0, 0), int),
          tf.int32)


def test_confusion_matrix_errors() -> None:
    cm = tf.math.confusion_matrix
    raises(InvalidArgumentError, "`labels` contains negative values.  \nCondition x >= 0 did "
           "not hold element-wise:\nx (shape=(2,) dtype=int64) = \n['0', '-1']", None, cm,
           [0, -1], [1, 1])
    raises(InvalidArgumentError, "`predictions` contains negative values.  \nCondition x >= 0 "
           "did not hold element-wise:\nx (shape=(2,) dtype=int64) = \n['1', '-1']", None, cm,
           [0, 1], [1, -1])
    raises(InvalidArgumentError, "x (shape=(5,) dtype=int64) = \n['0', '-1', '2', '...']", None,
           cm, [0, -1, 2, 3, 4], [1, 1, 1, 1, 1])
    raises(InvalidArgumentError, "`labels` out of bound\nCondition x < y did not hold.\nFirst 2 "
           "elements of x:\n[0 3]\nFirst 1 elements of y:\n[3]", None, cm, [0, 3], [1, 1],
           num_classes=3)
    raises(InvalidArgumentError, "`predictions` out of bound\nCondition x < y did not hold.\n"
           "First 2 elements of x:\n[1 3]\nFirst 1 elements of y:\n[3]", None, cm, [0, 1],
           [1, 3], num_classes=3)
    raises(InvalidArgumentError, "First 3 elements of x:\n[0 5 2]", None, cm, [0, 5, 2, 3, 4],
           [1, 1, 1, 1, 1], num_classes=3)
    raises(InvalidArgumentError, "Shapes of all inputs must match: values[0].shape = [3] != "
           "values[1].shape = [2]", "Pack", cm, [0, 1, 2], [1, 1])
    raises(ValueError, "Shapes (2,) and (1,) are incompatible", None, cm, [0, 1], [1, 1],
           weights=[1.0])
    raises(ValueError, "Shapes (2,) and (2, 1) are incompatible", None, cm, [0, 1], [1, 1],
           weights=[[1.0], [2.0]])
    raises(ValueError, "Argument `axis` = 1 not in range [-1, 1)", None, cm, 1, 0)
    # no num_classes and no labels: reduce_max of nothing is int64's minimum, plus 1
    raises(InvalidArgumentError, "Dimension -9223372036854775807 must be >= 0", "ScatterNd", cm,
           c([], tf.int32), c([], tf.int32))


def test_confusion_matrix_gradient_flows_to_weights() -> None:
    """TF builds it from cast and ScatterNd, so float weights get ScatterNd's
    gradient: the upstream gradient at (label, prediction), cast back."""
    seed = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(w: Any) -> Any:
        m = tf.math.confusion_matrix([0, 1, 1], [1, 1, 0], weights=w, dtype=tf.float64)
        return m * c(seed)

    g = gradient(f, [0.5, 1.0, 2.0])
    assert g.dtype == np.float32 and g.tolist() == [2.0, 4.0, 3.0]  # seed[0,1], [1,1], [1,0]
    assert gradient(lambda w: tf.math.confusion_matrix([0, 1], [1, 1], weights=w),
                    [0.5, 1.0]) is None  # int32 result: the cast cuts the gradient


# -- is_non_decreasing / is_strictly_increasing -----------------------------------------------
def test_monotonicity() -> None:
    nd, si = tf.math.is_non_decreasing, tf.math.is_strictly_increasing
    cases = [([1, 1, 2], True, False), ([1, 2, 3], True, True), ([[1, 2], [3, 4]], True, True),
             ([[1, 4], [3, 4]], False, False), (5, True, True), ([], True, True),
             ([3.0], True, True), ([1.0, float("nan"), 2.0], False, False),
             (c([1, 2], tf.uint8), True, True), (c([1, 2], tf.float16), True, True),
             ([3, 2], False, False)]
    for x, non_decreasing, strictly in cases:
        check(nd(x), non_decreasing, tf.bool)
        check(si(x), strictly, tf.bool)


def test_monotonicity_errors() -> None:
    nd, si = tf.math.is_non_decreasing, tf.math.is_strictly_increasing
    raises(TypeError, "Expected x to be numeric, instead found: tf.Tensor([ True False], "
           "shape=(2,), dtype=bool)", None, nd, [[True], [False]])
    raises(TypeError, "Expected x to be numeric, instead found: tf.Tensor([b'a' b'b'], "
           "shape=(2,), dtype=string)", None, si, ["a", "b"])
    raises(InvalidArgumentError, "Value for attr 'T' of complex128 is not in the list of "
           "allowed values", "GreaterEqual", nd, c([1 + 1j, 2 + 0j]))
    assert gradient(nd, [1.0, 2.0]) is None


# -- truncatediv / truncatemod -------------------------------------------------------------------
def test_truncatediv_truncatemod_values() -> None:
    td, tm = tf.truncatediv, tf.truncatemod
    check(td([7, -7, 7, -7], [2, 2, -2, -2]), [3, -3, -3, 3], tf.int32)
    check(tm([7, -7, 7, -7], [2, 2, -2, -2]), [1, -1, 1, -1], tf.int32)
    check(td([7.0, -7.0, 7.5, -7.5], [2.0, 2.0, -2.0, -2.0]), [3.0, -3.0, -3.0, 3.0], tf.float32)
    check(tm([7.0, -7.0, 7.5, -7.5], [2.0, 2.0, -2.0, -2.0]), [1.0, -1.0, 1.5, -1.5],
          tf.float32)
    check(td(c([0.3], tf.float64), c([0.1], tf.float64)), [2.0], tf.float64)  # trunc(x / y)
    check(td([[7], [-7]], [2, 3]), [[3, 2], [-3, -2]], tf.int32)
    check(td(7, 2), 3, tf.int32)
    check(td(c([7.0]), 2), [3.0], tf.float32)
    check(td(c([7.5], tf.float16), c([2.0], tf.float16)), [3.0], tf.float16)
    check(tm(c([-7.5], tf.float64), c([2.0], tf.float64)), [-1.5], tf.float64)
    for dt in (tf.int8, tf.int16, tf.int64, tf.uint8, tf.uint16, tf.uint32, tf.uint64):
        check(td(c([7], dt), c([2], dt)), [3], dt)
    check(td(c([-7], tf.int8), c([2], tf.int8)), [-3], tf.int8)
    # C's INT_MIN / -1 wraps (TF's kernel), and its remainder is 0
    check(td(c([-2**31], tf.int32), c([-1], tf.int32)), [-2**31], tf.int32)
    check(tm(c([-2**31], tf.int32), c([-1], tf.int32)), [0], tf.int32)
    check(td(c([-2**63], tf.int64), c([-1], tf.int64)), [-2**63], tf.int64)
    check(td(c([-128], tf.int8), c([-1], tf.int8)), [-128], tf.int8)
    # floats divide by zero to inf and NaN; the signs of zero follow C
    inf, nan = float("inf"), float("nan")
    np.testing.assert_array_equal(td([1.0, -1.0, 0.0], [0.0, 0.0, 0.0]).numpy(), [inf, -inf, nan])
    assert np.isnan(tm([1.0, -1.0, 0.0], [0.0, 0.0, 0.0]).numpy()).all()
    np.testing.assert_array_equal(td([inf, 5.0, nan], [2.0, inf, 1.0]).numpy(), [inf, 0.0, nan])
    np.testing.assert_array_equal(tm([inf, 5.0, nan], [2.0, inf, 1.0]).numpy(), [nan, 5.0, nan])
    assert np.signbit(td([-1.0, 1.0], [2.0, -2.0]).numpy()).all()
    assert np.signbit(tm([-4.0, 4.0], [2.0, -2.0]).numpy()).tolist() == [True, False]


def test_truncatediv_truncatemod_errors() -> None:
    td, tm = tf.truncatediv, tf.truncatemod
    text = "Unexpected error in binary operator (only integer div and mod should have errors)"
    raises(tf.errors.InternalError, text, "TruncateDiv", td, [1, 2], [0, 1])
    raises(tf.errors.InternalError, text, "TruncateMod", tm, [1, 2], [0, 1])
    for dt in (tf.int8, tf.int16, tf.int64, tf.uint8):
        raises(tf.errors.InternalError, text, "TruncateDiv", td, c([1], dt), c([0], dt))
    raises(tf.errors.InternalError, text, "TruncateMod", tm, c([1], tf.int64), c([0], tf.int64))
    raises(InvalidArgumentError, "Incompatible shapes: [3] vs. [2]", "TruncateDiv", td,
           [1, 2, 3], [1, 2])
    raises(InvalidArgumentError, "Incompatible shapes: [3] vs. [2]", "TruncateMod", tm,
           [1, 2, 3], [1, 2])
    raises(InvalidArgumentError, "cannot compute TruncateDiv as input #1(zero-based) was "
           "expected to be a float tensor but is a int32 tensor", "TruncateDiv", td, c([1.0]),
           c([1]))
    raises(InvalidArgumentError, "Value for attr 'T' of bool is not in the list of allowed "
           "values", "TruncateDiv", td, [True], [True])
    raises(InvalidArgumentError, "Value for attr 'T' of string is not in the list of allowed "
           "values", "TruncateDiv", td, ["a"], ["b"])
    raises(InvalidArgumentError, "Value for attr 'T' of bool is not in the list of allowed "
           "values", "TruncateMod", tm, [True], [True])
    for dt in (tf.uint8, tf.uint16, tf.uint32, tf.int8, tf.int16, tf.complex128):
        raises(InvalidArgumentError, f"Value for attr 'T' of {dt.name} is not in the list of "
               "allowed values", "TruncateMod", tm, c([1], dt), c([1], dt))
    raises(tf.errors.NotFoundError, "Could not find device for node: {{node TruncateDiv}} = "
           "TruncateDiv[T=DT_COMPLEX128]", "TruncateDiv", td, c([1j]), c([1j]))
    raises(tf.errors.NotFoundError, "Could not find device for node: {{node TruncateMod}} = "
           "TruncateMod[T=DT_HALF]", "TruncateMod", tm, c([7.5], tf.float16), c([2.0], tf.float16))
    raises(TypeError, "Cannot convert 2.5 to EagerTensor of dtype int32", None, td, c([7]), 2.5)


def test_truncatediv_truncatemod_have_no_gradient() -> None:
    """TF's TruncateDiv gradient is (None, None); TruncateMod has none registered."""
    assert gradient(lambda x: tf.truncatediv(x, 2.0), [3.5, -3.5]) is None
    assert gradient(lambda y: tf.truncatediv(c([3.5, -3.5]), y), [2.0, 2.0]) is None
    assert gradient(lambda x: tf.truncatemod(x, 2.0), [3.5, -3.5]) is None
