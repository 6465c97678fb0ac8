"""More tf.nn: weighted_cross_entropy_with_logits, log_poisson_loss and
compute_average_loss (tapeflow/ops/losses.py); tf.linalg.normalize,
weighted_moments and local_response_normalization / lrn
(tapeflow/ops/normalization.py).

Values, dtypes, gradients and errors pinned against TF 2.21: every expected
value, error type and message text below is what real TF printed for the
same call.  Run this file with ``TAPEFLOW_TEST_ORACLE=tensorflow`` in an
environment that has TF to check them again (see tests/test_tensor.py): the
same tests then import TF as ``tf``.  The table test (tests/test_op_table.py)
checks the composites' and the LRN op's derivatives numerically on their
samples; here: the public functions with TF's signatures, defaults, errors,
and TF's gradient values (kinks, NaNs, LRNGrad).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from oracle import ORACLE, InvalidArgumentError, c, raises, tf

normalize = tf.linalg.normalize

F32 = {"rtol": 2e-6, "atol": 1e-7}  # TF's float32 exp/log differ from NumPy's by an ulp or so



def close(t: Any, value: Any, dtype: Any, **tol: float) -> None:
    """``t`` holds ``value`` (shape included, NaNs where it has them) with ``dtype``."""
    assert t.dtype == dtype, (t.dtype, dtype)
    want = np.asarray(value)
    got = t.numpy()
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, **(tol or {"rtol": 1e-15, "atol": 0}))



def grads(f: Callable, *xs: Any) -> list:
    """The gradients of f at xs (constants watched), as arrays (None stays None)."""
    xs = [c(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    return [None if g is None else g.numpy() for g in tape.gradient(y, xs)]


def test_signatures_and_namespaces() -> None:
    params = {
        tf.nn.weighted_cross_entropy_with_logits: "labels logits pos_weight name",
        tf.nn.log_poisson_loss: "targets log_input compute_full_loss name",
        normalize: "tensor ord axis name",
        tf.nn.compute_average_loss: "per_example_loss sample_weight global_batch_size",
        tf.nn.weighted_moments: "x axes frequency_weights keepdims name",
        tf.nn.local_response_normalization: "input depth_radius bias alpha beta name",
    }
    for fn, names in params.items():
        assert list(inspect.signature(fn).parameters) == names.split(), fn
    defaults = {name: p.default for fn in params
                for name, p in inspect.signature(fn).parameters.items()}
    assert defaults["compute_full_loss"] is False and defaults["ord"] == "euclidean"
    assert defaults["sample_weight"] is None and defaults["global_batch_size"] is None
    assert defaults["keepdims"] is False
    lrn = inspect.signature(tf.nn.local_response_normalization).parameters
    assert [lrn[n].default for n in ("depth_radius", "bias", "alpha", "beta")] == [5, 1, 1, 0.5]
    assert inspect.signature(tf.nn.weighted_moments).parameters[
        "frequency_weights"].default is inspect.Parameter.empty
    assert tf.nn.lrn is tf.nn.local_response_normalization
    assert not hasattr(tf.nn, "normalize")  # TF 2.21: tf.linalg.normalize only


# -- weighted_cross_entropy_with_logits ---------------------------------------------------------
def test_weighted_cross_entropy_values() -> None:
    w = tf.nn.weighted_cross_entropy_with_logits
    labels, logits = [1.0, 0.5, 0.0], [1.5, -0.1, -10.0]
    close(w(labels, logits, 1.5), [0.30211994, 0.88049585, 4.5776367e-05], tf.float32, **F32)
    close(w(labels, logits, c(0.5)), [0.100706644, 0.508297503, 4.57763672e-05], tf.float32,
          **F32)
    close(w([1.0, 0.0], [1.0, 2.0], 2), [0.6265234, 2.126928], tf.float32, **F32)
    # stable for large logits: no overflow (TF flushes exp(-100)'s float32 denormal to 0,
    # NumPy keeps it: 7.6e-44)
    close(w([1.0, 0.0, 1.0, 0.0], [100.0, -100.0, -100.0, 100.0], 2.0), [0.0, 0.0, 200.0, 100.0],
          tf.float32, rtol=1e-7, atol=1e-40)
    close(w(c([1.0, 0.0], tf.float16), c([1.0, 2.0], tf.float16), 2.0), [0.6265, 2.127],
          tf.float16, rtol=1e-3)
    close(w(c([[1.0], [0.0]], tf.float64), c([[1.0], [2.0]], tf.float64),
            c([2.0, 3.0], tf.float64)),
          [[0.6265233750364456, 0.9397850625546684], [2.1269280110429727, 2.1269280110429727]],
          tf.float64, rtol=1e-14)  # pos_weight broadcasts


def test_weighted_cross_entropy_errors() -> None:
    w = tf.nn.weighted_cross_entropy_with_logits
    raises(ValueError, "`logits` and `labels` must have the same shape, received "
           "((2,) vs (3,)).", None, w, [1.0, 0.0, 1.0], [1.0, 2.0], 1.5)
    raises(InvalidArgumentError, "cannot compute Mul as input #1(zero-based) was expected to "
           "be a float tensor but is a double tensor", "Mul",
           w, c([1.0, 0.0]), c([1.0, 2.0], tf.float64), 1.5)
    raises(InvalidArgumentError, "cannot compute Mul as input #1(zero-based) was expected to "
           "be a double tensor but is a float tensor", "Mul",
           w, [1.0, 0.0], [1.0, 2.0], c(2.0, tf.float64))
    raises(TypeError, "Cannot convert 0.5 to EagerTensor of dtype int32", None,
           w, [1, 0], [1.5, -0.1], 1.5)
    # TF's formula takes pos_weight - 1 in Python: a list has no minus
    raises(TypeError, "unsupported operand type(s) for -: 'list' and 'int'", None,
           w, [[1.0, 0.0]], [[1.0, 2.0]], [2.0, 3.0])


def test_weighted_cross_entropy_gradients() -> None:
    w = tf.nn.weighted_cross_entropy_with_logits
    gz, gx, gq = grads(w, np.array([1.0, 0.5, 0.0, 1.0]), np.array([1.5, -0.1, 0.0, -30.0]),
                       np.array([2.0, 0.5, 3.0, 1.0]))
    np.testing.assert_allclose(gz, [-1.2985867220172476, -0.2721983300367854,
                                    1.3862943611198906, 30.0], rtol=1e-14)
    np.testing.assert_allclose(gx, [-0.36485104761271264, 0.10626560939079499, 1.0,
                                    -0.9999999999999064], rtol=1e-12)
    np.testing.assert_allclose(gq, [0.20141327798275238, 0.37219833003678543, 0.0,
                                    30.000000000000092], rtol=1e-14)
    # at logits = 0 the kinks of abs and relu give TF's d/dx = 1 - z (not 1 - z - l/2)
    _, gx0, gq0 = grads(w, np.array([1.0, 0.0, 0.5], np.float32),
                        np.zeros(3, np.float32), np.float32(2.0))
    np.testing.assert_array_equal(gx0, [0.0, 1.0, 0.5])
    np.testing.assert_allclose(gq0, 1.0397208, rtol=1e-6)


# -- log_poisson_loss ---------------------------------------------------------------------------
def test_log_poisson_loss_values() -> None:
    lp = tf.nn.log_poisson_loss
    close(lp([0.0, 1.0, 2.0, 3.5], [0.1, -1.0, 2.0, 0.3]),
          [1.105171, 1.3678794, 3.3890562, 0.29985881], tf.float32, **F32)
    # Stirling's term outside [0, 1] only; log of a negative target: NaN
    with np.errstate(invalid="ignore"):
        close(lp([0.0, 0.5, 1.0, 2.0, 3.5, -1.0], [0.1, -1.0, 2.0, 0.3, 1.0, 0.0], True),
              [1.1051709, 0.86787945, 5.389056, 1.4016653, 1.648272, np.nan], tf.float32, **F32)
    close(lp(2.0, 1.0, compute_full_loss=True), 1.3700882, tf.float32, **F32)
    close(lp(c([0.0, 3.0], tf.float16), c([0.1, -1.0], tf.float16), True), [1.1055, 5.133],
          tf.float16, rtol=1e-3)


def test_log_poisson_loss_errors() -> None:
    lp = tf.nn.log_poisson_loss
    raises(ValueError, "`log_input` and `targets` must have the same shape, received "
           "((3,) vs (2,)).", None, lp, [0.0, 1.0], [0.1, -1.0, 2.0])
    raises(InvalidArgumentError, "cannot compute Mul as input #1(zero-based) was expected to "
           "be a float tensor but is a int32 tensor", "Mul", lp, [0, 1, 2], [0.1, -1.0, 2.0])
    raises(InvalidArgumentError, "cannot compute Mul as input #1(zero-based) was expected to "
           "be a float tensor but is a double tensor", "Mul",
           lp, c([0.0, 1.0], tf.float64), [0.1, -1.0], True)


def test_log_poisson_loss_gradients() -> None:
    lp = tf.nn.log_poisson_loss
    gz, gc = grads(lp, np.array([0.0, 1.0, 2.0]), np.array([0.1, -1.0, 2.0]))
    np.testing.assert_allclose(gz, [-0.1, 1.0, -2.0], rtol=1e-15)
    np.testing.assert_allclose(gc, [1.1051709180756477, -0.6321205588285577, 5.38905609893065],
                               rtol=1e-15)
    with np.errstate(all="ignore"):
        gz, gc = grads(lambda z, v: lp(z, v, True), np.array([0.0, 0.5, 1.0, 2.0, 3.5, -1.0]),
                       np.array([0.1, -1.0, 2.0, 0.3, 1.0, 0.0]))
    # the masked Stirling branch still poisons z = 0 (0 * log 0) and z < 0 with NaN
    np.testing.assert_allclose(gz, [np.nan, 1.0, -2.0, 0.6431471805599452, 0.3956201113525109,
                                    np.nan], rtol=1e-14)
    np.testing.assert_allclose(gc, [1.1051709180756477, -0.13212055882855772, 6.38905609893065,
                                    -0.6501411924239968, -0.7817181715409549, 2.0], rtol=1e-14)


# -- normalize ------------------------------------------------------------------------------
def test_normalize_values() -> None:
    out = normalize([3.0, 4.0])
    close(out[0], [0.6, 0.8], tf.float32, **F32)
    close(out[1], [5.0], tf.float32)
    m = [[3.0, -4.0], [1.0, 1.0]]
    out = normalize(m, ord=1, axis=0)
    close(out[0], [[0.75, -0.8], [0.25, 0.2]], tf.float32, **F32)
    close(out[1], [[4.0, 5.0]], tf.float32)
    close(normalize(m, ord=np.inf)[1], [[4.0]], tf.float32)
    close(normalize(m, ord="fro", axis=[0, 1])[1], [[5.196152]], tf.float32, **F32)
    close(normalize(m, ord=2, axis=[0, 1])[1], [[5.004338]], tf.float32, **F32)
    with np.errstate(invalid="ignore"):
        out = normalize([[3.0, 4.0], [0.0, 0.0]], axis=1)
    close(out[0], [[0.6, 0.8], [np.nan, np.nan]], tf.float32, **F32)  # 0 / 0
    close(out[1], [[5.0], [0.0]], tf.float32)
    out = normalize(3.0)
    close(out[0], 1.0, tf.float32)
    close(out[1], 3.0, tf.float32)
    close(normalize(c([3.0, 4.0], tf.float64))[0], [0.6, 0.8], tf.float64, rtol=1e-15)
    out = normalize(c([3.0 + 4.0j, 0.0], tf.complex64))  # the norm cast back to complex
    close(out[0], [0.6 + 0.8j, 0.0], tf.complex64, **F32)
    close(out[1], [5.0 + 0.0j], tf.complex64)


def test_normalize_errors() -> None:
    raises(ValueError, "'ord' must be a supported vector norm, got fro", None,
           normalize, [3.0, 4.0], ord="fro")
    raises(ValueError, "'ord' must be a supported vector norm, got -1", None,
           normalize, [3.0, 4.0], ord=-1)
    raises(ValueError, "'axis' must be None, an integer, or a tuple of 2 unique integers, "
           "got (0, 0)", None, normalize, [3.0, 4.0], axis=[0, 0])
    raises(ValueError, "'axis' must be None, an integer, or a tuple of 2 unique integers, "
           "got [0, 1, 2]", None, normalize, [3.0, 4.0], axis=[0, 1, 2])
    raises(InvalidArgumentError, "Value for attr 'T' of int32 is not in the list of allowed "
           "values", "Sqrt", normalize, [3, 4])
    raises(InvalidArgumentError, "Invalid reduction dimension (1 for input with 1 dimension(s)",
           "Sum", normalize, [3.0, 4.0], axis=1)


def test_normalize_gradients() -> None:
    np.testing.assert_allclose(grads(lambda v: normalize(v)[0] * [1.0, 2.0],
                                     np.array([3.0, 4.0]))[0], [-0.064, 0.048], atol=1e-16)
    np.testing.assert_allclose(grads(lambda v: normalize(v)[1], np.array([3.0, 4.0]))[0],
                               [0.6, 0.8], rtol=1e-15)
    with np.errstate(all="ignore"):
        assert np.isnan(grads(lambda v: normalize(v)[0], np.array([0.0, 0.0]))[0]).all()
    # ord 1 at a zero entry: abs'(0) = 0; inf-norm ties (|3| = |-3|) share the max's gradient
    np.testing.assert_array_equal(grads(lambda v: normalize(v, ord=1)[0],
                                        np.array([0.0, 2.0]))[0], [0.5, 0.0])
    np.testing.assert_allclose(grads(lambda v: normalize(v, ord=np.inf)[0] * [1.0, 2.0, 3.0],
                                     np.array([3.0, -3.0, 1.0]))[0], [1 / 3, 2 / 3, 1.0],
                               rtol=1e-15)


# -- compute_average_loss -------------------------------------------------------------------
def test_compute_average_loss_values() -> None:
    cal = tf.nn.compute_average_loss
    close(cal([1.0, 2.0, 3.0]), 2.0, tf.float32)
    close(cal([[1.0, 2.0], [3.0, 4.0]]), 5.0, tf.float32)  # axis 0 is the batch
    close(cal([1.0, 2.0, 3.0], global_batch_size=6), 1.0, tf.float32)
    close(cal([1.0, 2.0, 3.0], global_batch_size=0), 0.0, tf.float32)  # div_no_nan
    close(cal([1.0, 2.0, 3.0], global_batch_size=c(4, tf.int64)), 1.5, tf.float32)
    close(cal([1.0, 2.0], global_batch_size=c(4, tf.uint8)), 0.75, tf.float32)
    close(cal([1.0, 2.0], global_batch_size=np.int64(4)), 0.75, tf.float32)
    close(cal(tf.zeros([0])), 0.0, tf.float32)
    close(cal([1, 2, 3]), 2.0, tf.float64)  # integers divide as floats
    close(cal([1, 2, 3], global_batch_size=2), 3.0, tf.float64)
    close(cal(c([1.0, 2.0], tf.float64)), 1.5, tf.float64)
    close(cal(c([1.0, 2.0], tf.float16)), 1.5, tf.float16)
    close(cal(c([1 + 1j, 2.0])), 1.5 + 0.5j, tf.complex128)


def test_compute_average_loss_sample_weight() -> None:
    cal = tf.nn.compute_average_loss
    close(cal([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0]), 7 / 3, tf.float32, **F32)
    close(cal([1.0, 2.0, 3.0], sample_weight=[1, 0, 2]), 7 / 3, tf.float32, **F32)
    close(cal([1.0, 2.0, 3.0], sample_weight=2.0), 4.0, tf.float32)
    close(cal([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 2.0]), 8.5, tf.float32)  # expanded
    close(cal([1.0, 2.0], sample_weight=[[1.0], [2.0]]), 2.5, tf.float32)  # squeezed
    close(cal(tf.ones([2, 3]), sample_weight=[[1.0], [2.0]]), 4.5, tf.float32)
    close(cal(tf.ones([2, 2, 2]), sample_weight=[1.0, 2.0]), 6.0, tf.float32)  # last axis
    # the weighting runs in float32: float64 loses its digits, complex its imaginary part
    close(cal(c([1.0000000001, 2.0, 3.0], tf.float64), sample_weight=[1.0, 0.0, 2.0]),
          2.3333333333333335, tf.float64)
    close(cal([1, 2, 3], sample_weight=[1.0, 0.0, 2.0]), 2.3333333333333335, tf.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy warns about the discarded imaginary part
        close(cal(c([1 + 1j, 2.0]), sample_weight=[1.0, 2.0]), 2.5 + 0j, tf.complex128)


def test_compute_average_loss_errors() -> None:
    cal = tf.nn.compute_average_loss
    raises(ValueError, "Invalid value passed for `per_example_loss`. Expected a tensor with at "
           "least rank 1. Received per_example_loss=3.0 with rank 0", None, cal, 3.0)
    raises(InvalidArgumentError, "global_batch_size must be non-negative..  \nCondition x >= 0 "
           "did not hold element-wise:\nx (shape=() dtype=int32) = \n-1", None,
           cal, [1.0, 2.0, 3.0], global_batch_size=-1)
    raises(TypeError, "global_batch_size must be an integer..  Expected \"x\" to be integer "
           "type.  Found: tensor of dtype <dtype: 'float32'>", None,
           cal, [1.0, 2.0, 3.0], global_batch_size=2.0)
    raises(TypeError, "Found: tensor of dtype <dtype: 'bool'>", None,
           cal, [1.0, 2.0], global_batch_size=True)
    raises(ValueError, "global_batch_size must be scalar..  Expected scalar shape, saw shape: "
           "(1,).", None, cal, [1.0, 2.0, 3.0], global_batch_size=[2])
    raises(ValueError, "global_batch_size must be scalar", None,
           cal, [1.0, 2.0, 3.0], global_batch_size=[2.0])  # rank is checked first
    raises(InvalidArgumentError, "Incompatible shapes: [3] vs. [2]", "Mul",
           cal, [1.0, 2.0, 3.0], sample_weight=[1.0, 2.0])
    raises(InvalidArgumentError, "Can not squeeze dim[1], expected a dimension of 1, got 3",
           "Squeeze", cal, tf.ones([2]), sample_weight=tf.ones([2, 3]))
    raises(InvalidArgumentError, "Value for attr 'T' of bool is not in the list of allowed "
           "values", "Sum", cal, [True, False])


def test_compute_average_loss_gradients() -> None:
    cal = tf.nn.compute_average_loss
    # through the float32 weighting: float64 gradients with float32's digits
    gl, gw = grads(lambda loss, w: cal(loss, sample_weight=w), np.array([1.0, 2.0, 3.0]),
                   np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(gl, [0.3333333432674408, 0.0, 0.6666666865348816])
    np.testing.assert_array_equal(gw, [0.3333333432674408, 0.6666666865348816, 1.0])
    gl, gw = grads(lambda loss, w: cal(loss, sample_weight=w, global_batch_size=4),
                   np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 0.0, 2.0], np.float32))
    np.testing.assert_array_equal(gl, [0.25, 0.0, 0.5])
    np.testing.assert_array_equal(gw, [0.25, 0.5, 0.75])
    np.testing.assert_array_equal(grads(lambda loss: cal(loss, global_batch_size=0),
                                        np.array([1.0, 2.0, 3.0]))[0], [0.0, 0.0, 0.0])
    assert grads(cal, np.zeros([0]))[0].shape == (0,)


# -- weighted_moments -----------------------------------------------------------------------
def test_weighted_moments_values() -> None:
    wm = tf.nn.weighted_moments
    m, v = wm([1.0, 2.0, 3.0], [0], [1.0, 1.0, 2.0])
    close(m, 2.25, tf.float32)
    close(v, 0.6875, tf.float32)
    close(wm([1.0, 2.0, 3.0], 0, [1.0, 1.0, 2.0])[0], 2.25, tf.float32)
    m, v = wm([[1.0, 2.0], [3.0, 5.0]], [0], [[1.0], [3.0]])
    close(m, [2.5, 4.25], tf.float32)
    close(v, [0.75, 1.6875], tf.float32)
    m, v = wm([[1.0, 2.0], [3.0, 5.0]], [1], [1.0, 3.0], keepdims=True)
    close(m, [[1.75], [4.5]], tf.float32)
    close(v, [[0.1875], [0.75]], tf.float32)
    close(wm([[1.0, 2.0], [3.0, 5.0]], [-1], [1.0, 3.0])[1], [0.1875, 0.75], tf.float32)
    m, v = wm([[1.0, 2.0], [3.0, 5.0]], (0, 1), 2.0)
    close(m, 2.75, tf.float32)
    close(v, 2.1875, tf.float32)
    close(wm([1.0, 2.0], None, [1.0, 1.0])[1], 0.25, tf.float32)  # None: every axis
    close(wm([1.0, 2.0], [0], [0.0, 0.0])[0], 0.0, tf.float32)  # zero weights: div_no_nan
    m, v = wm([[1.0, 2.0], [3.0, 5.0]], [], 1.0)  # no axes: x itself, variance 0
    close(m, [[1.0, 2.0], [3.0, 5.0]], tf.float32)
    close(v, [[0.0, 0.0], [0.0, 0.0]], tf.float32)
    close(wm([[1.0, 2.0]], [], 1.0)[0], [1.0, 2.0], tf.float32)  # squeeze(axis=[]): every 1
    close(wm([1.0, 2.0], [0], [[1.0, 1.0], [2.0, 2.0]])[0], [1.0, 2.0], tf.float32)
    close(wm([1.0, 2.0, 4.0], [0], [1, 1, 2])[0], 2.75, tf.float32)  # weights cast to x's dtype
    close(wm([1.0, 2.0, 4.0], [0], c([1.0, 1.0, 2.0], tf.float64))[1], 1.6875, tf.float32)
    m, v = wm(c([1.0, 2.0, 4.0], tf.float16), [0], [1.0, 1.0, 2.0])
    close(m, 2.75, tf.float16)
    close(v, 1.6875, tf.float16)


def test_weighted_moments_errors() -> None:
    wm = tf.nn.weighted_moments
    raises(InvalidArgumentError, "cannot compute SquaredDifference as input #1(zero-based) was "
           "expected to be a int32 tensor but is a double tensor", "SquaredDifference",
           wm, [1, 2, 4], [0], [1, 1, 2])
    raises(InvalidArgumentError, "Invalid reduction dimension (1 for input with 1 dimension(s)",
           "Sum", wm, [1.0, 2.0], [1], [1.0, 1.0])
    raises(InvalidArgumentError, "Incompatible shapes: [3] vs. [2]", "Mul",
           wm, [1.0, 2.0], [0], [1.0, 1.0, 1.0])


def test_weighted_moments_gradients() -> None:
    wm = tf.nn.weighted_moments
    x, f = np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0])
    gx, gf = grads(lambda a, b: wm(a, [0], b)[0], x, f)
    np.testing.assert_allclose(gx, [0.25, 0.25, 0.5], rtol=1e-15)
    np.testing.assert_allclose(gf, [-0.4375, -0.1875, 0.3125], rtol=1e-15)
    # the variance differentiates through the mean (no stop_gradient, unlike moments)
    gx, gf = grads(lambda a, b: wm(a, [0], b)[1], x, f)
    np.testing.assert_allclose(gx, [-0.875, -0.375, 1.25], rtol=1e-15)
    np.testing.assert_allclose(gf, [0.34375, -0.28125, -0.03125], rtol=1e-15)
    gx, gf = grads(lambda a, b: wm(a, [0], b), np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    np.testing.assert_array_equal(gf, [0.0, 0.0])
    gx, gf = grads(lambda a, b: wm(a, [0, 1], b), np.array([[1.0, 2.0], [3.0, 5.0]]),
                   np.array([1.0, 3.0]))
    np.testing.assert_allclose(gx, [[-0.40625, -0.46875], [0.09375, 1.78125]], rtol=1e-15)
    np.testing.assert_allclose(gf, [-0.3046875, 0.1015625], rtol=1e-15)


# -- local_response_normalization -----------------------------------------------------------
X = np.arange(1.0, 9.0, dtype=np.float32).reshape(1, 1, 2, 4) / 4


def lrn_grad_loops(x: np.ndarray, g: np.ndarray, r: int, bias: float, alpha: float,
                   beta: float) -> np.ndarray:
    """TF's LRNGrad CPU kernel transcribed loop for loop (lrn_op.cc), in float64."""
    x, g = x.reshape(-1, x.shape[-1]).astype(np.float64), g.reshape(-1, x.shape[-1])
    depth = x.shape[-1]
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        y = [x[i, j] * (bias + alpha * np.sum(x[i, max(0, j - r):j + r + 1] ** 2)) ** -beta
             for j in range(depth)]
        for j in range(depth):
            begin, end = max(0, j - r), min(depth, j + r + 1)
            norm = alpha * np.sum(x[i, begin:end] ** 2) + bias
            for k in range(begin, end):
                dyi = -2 * alpha * beta * x[i, k] * y[j] / norm
                if k == j:
                    dyi += norm ** -beta
                out[i, k] += dyi * g[i, j]
    return out


def test_lrn_values() -> None:
    lrn = tf.nn.local_response_normalization
    close(lrn(X), [[[[0.147442, 0.2948839, 0.4423258, 0.5897678],
                     [0.3627381, 0.4352858, 0.5078334, 0.580381]]]], tf.float32, **F32)
    close(lrn(X, depth_radius=1, bias=2.0, alpha=0.5, beta=0.75),
          [[[[0.1404966, 0.2563076, 0.336947, 0.4643228],
             [0.4498731, 0.4212519, 0.4222949, 0.554514]]]], tf.float32, **F32)
    close(lrn(X, depth_radius=0), [[[[0.2425356, 0.4472136, 0.6, 0.7071068],
                                     [0.7808688, 0.8320503, 0.8682431, 0.8944272]]]],
          tf.float32, **F32)
    close(lrn(X, beta=0.0), X, tf.float32)
    close(lrn(c(X, tf.float16), depth_radius=1),
          [[[[0.21826171875, 0.365234375, 0.447265625, 0.62451171875],
             [0.56982421875, 0.53466796875, 0.544921875, 0.70458984375]]]], tf.float16,
          rtol=2e-3)
    close(lrn(np.array([[[[1e20, 1e20]]]], np.float32)), [[[[0.0, 0.0]]]], tf.float32)
    assert lrn(np.zeros((0, 1, 1, 3), np.float32)).shape == (0, 1, 1, 3)
    assert lrn(np.zeros((1, 1, 1, 0), np.float32)).shape == (1, 1, 1, 0)


def test_lrn_conversions() -> None:
    lrn = tf.nn.local_response_normalization
    one = [[[[0.57735026, 0.57735026]]]]
    # non-tensors become float32 (the kernel's default type), whatever NumPy made them
    close(lrn(X.astype(np.float64)), lrn(X).numpy(), tf.float32)
    close(lrn(np.ones((1, 1, 1, 2), np.int32)), one, tf.float32, **F32)
    close(lrn(np.ones((1, 1, 1, 2), bool)), one, tf.float32, **F32)
    close(lrn([[[[1, 1]]]]), one, tf.float32, **F32)
    close(lrn(tf.Variable(X)), lrn(X).numpy(), tf.float32)
    # attributes: ints truncate floats; None means the default; bias may be an int
    r1 = lrn(X, depth_radius=1).numpy()
    for radius in (1.5, 1.9, np.int64(1), c(1), True):
        close(lrn(X, depth_radius=radius), r1, tf.float32)
    close(lrn(X, depth_radius=None, bias=None, alpha=None, beta=None), lrn(X).numpy(),
          tf.float32)
    close(lrn(X, bias=2), lrn(X, bias=2.0).numpy(), tf.float32)


def test_lrn_errors() -> None:
    lrn = tf.nn.local_response_normalization
    raises(InvalidArgumentError, "Value for attr 'T' of double is not in the list of allowed "
           "values: half, bfloat16, float", "LRN", lrn, c(X, tf.float64))
    raises(InvalidArgumentError, "Value for attr 'T' of int32 is not in the list of allowed "
           "values: half, bfloat16, float", "LRN", lrn, c(np.ones((1, 1, 1, 2), np.int32)))
    raises(InvalidArgumentError, "Value for attr 'T' of double", "LRN",
           lrn, tf.Variable(X.astype(np.float64)))
    raises(InvalidArgumentError, "in must be 4-dimensional", "LRN", lrn, X[0])
    raises(InvalidArgumentError, "in must be 4-dimensional", "LRN", lrn, X[None])
    raises(InvalidArgumentError, "depth_radius = -1 larger than int max", "LRN",
           lrn, X, depth_radius=-1)
    raises(InvalidArgumentError, "depth_radius = 2147483647 larger than int max", "LRN",
           lrn, X, depth_radius=2 ** 31 - 1)  # an exclusive bound
    raises(TypeError, "Expected int for argument 'depth_radius' not 'a'.", None,
           lrn, X, depth_radius="a")
    raises(TypeError, "Expected float for argument 'bias' not '1'.", None, lrn, X, bias="1")
    raises(TypeError, "Expected float for argument 'bias' not <tf.Tensor: shape=(), "
           "dtype=float32, numpy=2.0>.", None, lrn, X, bias=c(2.0))


def test_lrn_gradients() -> None:
    lrn = tf.nn.local_response_normalization
    weights = np.arange(1.0, 9.0, dtype=np.float32).reshape(X.shape)
    close(tf.constant(grads(lambda v: lrn(v) * weights, X)[0]),
          [[[[0.2051367, 0.4102734, 0.6154099, 0.8205465],
             [0.1221854, 0.1466225, 0.1710597, 0.1954968]]]], tf.float32, **F32)
    close(tf.constant(grads(lambda v: lrn(v, depth_radius=1, bias=2.0, alpha=0.5, beta=0.75)
                            * weights, X)[0]),
          [[[[0.5103372, 0.7915014, 0.6582136, 1.0955865],
             [0.8238666, 0.0146403, -0.5564322, 0.348887]]]], tf.float32, rtol=1e-5, atol=1e-6)
    x = np.sin(np.arange(30.0)).astype(np.float32).reshape(1, 1, 3, 10)
    g = np.linspace(-1, 1, 30, dtype=np.float32).reshape(x.shape)
    got = grads(lambda v: lrn(v, depth_radius=2, bias=0.5, alpha=0.3, beta=0.6) * g, x)[0]
    np.testing.assert_allclose(got.reshape(-1, 10), lrn_grad_loops(x, g, 2, 0.5, 0.3, 0.6),
                               rtol=2e-5, atol=1e-6)
    got = grads(lambda v: lrn(v, depth_radius=1) * weights.astype(np.float16),
                X.astype(np.float16))[0]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.reshape(-1), [0.734375, 0.9443359375, 0.40869140625,
                                                 1.046875, 1.029296875, 0.083984375,
                                                 -0.4052734375, 0.68017578125], rtol=5e-3)


def test_lrn_gradient_edge_points() -> None:
    lrn = tf.nn.local_response_normalization
    zeros = np.zeros((1, 1, 1, 3), np.float32)
    np.testing.assert_array_equal(grads(lrn, zeros)[0], np.ones((1, 1, 1, 3)))
    with np.errstate(all="ignore"):
        assert np.isnan(grads(lambda v: lrn(v, bias=0.0), zeros)[0]).all()  # 0 / 0
    np.testing.assert_array_equal(
        grads(lambda v: lrn(v, beta=0.0, depth_radius=1) * np.arange(1.0, 5.0, dtype=np.float32),
              np.ones((1, 1, 1, 4), np.float32))[0], [[[[1.0, 2.0, 3.0, 4.0]]]])


def test_lrn_second_order() -> None:
    """TF registers no gradient for LRNGrad; tapeflow's rule is made of ops, so it has one."""
    x = tf.constant(X)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.local_response_normalization(x) * x)
        g = inner.gradient(y, x)
        if ORACLE:
            with pytest.raises(LookupError, match="gradient registry has no entry for: LRNGrad"):
                outer.gradient(g, x)
            return
    hess_row_sums = outer.gradient(g, x).numpy()
    # against central differences of the first-order gradient's sum, in float64
    from tapeflow.ops.normalization import _lrn_fwd
    x64, eps = X.astype(np.float64), 1e-6

    def total_grad(v: np.ndarray) -> float:
        return float(np.sum(lrn_grad_loops(v, v, 5, 1.0, 1.0, 0.5) + _lrn_fwd(
            np, v, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5).reshape(-1, 4)))
    numeric = np.zeros(x64.size)
    for i in range(x64.size):
        step = np.zeros(x64.size)
        step[i] = eps
        numeric[i] = (total_grad(x64 + step.reshape(x64.shape))
                      - total_grad(x64 - step.reshape(x64.shape))) / (2 * eps)
    np.testing.assert_allclose(hess_row_sums.reshape(-1), numeric, rtol=1e-4, atol=1e-5)
