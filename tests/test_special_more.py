"""xlog1py, the erf inverses, lbeta, igamma/igammac, betainc, zeta, the I0/I1
Bessel functions, matrix_rank and tensor_diag(_part), pinned to TF 2.21.

Every expected value below was printed by TF 2.21 (float64 unless stated);
run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` under TF to check them again.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from oracle import ORACLE, InvalidArgumentError, c, check, raises, tf

INF, NAN = np.inf, np.nan


def grads(f: Callable, *values: Any, dtype: Any = None) -> tuple:
    """f's value and its gradients (None for TF's None) at ``values``."""
    xs = [c(v, dtype or tf.float64) for v in values]
    with tf.GradientTape(persistent=True) as tape:
        for x in xs:
            tape.watch(x)
        y = f(*xs)
    return y.numpy(), [None if (g := tape.gradient(y, x)) is None else g.numpy() for x in xs]


def close(got: Any, want: Any, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, dtype=float), rtol=rtol, atol=0)


def test_signatures_and_namespaces() -> None:
    for n in ("xlog1py", "igamma", "igammac", "zeta"):
        assert len(inspect.signature(getattr(tf.math, n)).parameters) == 3, n
    assert list(inspect.signature(tf.math.betainc).parameters) == ["a", "b", "x", "name"]
    assert list(inspect.signature(tf.linalg.matrix_rank).parameters) == [
        "a", "tol", "validate_args", "name"]
    for n in ("erfinv", "ndtri", "erfcinv", "lbeta", "bessel_i0", "bessel_i1e"):
        assert list(inspect.signature(getattr(tf.math, n)).parameters) == ["x", "name"], n
        assert not hasattr(tf, n), n  # TF 2.21: tf.math only
    assert list(inspect.signature(tf.linalg.tensor_diag_part).parameters) == ["input", "name"]


def test_xlog1py_values_and_gradients() -> None:
    v, (dx, dy) = grads(tf.math.xlog1py, [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0, -1.0],
                        [0.0, -1.0, -2.0, NAN, -1.0, 3.0, INF, -1.0])
    close(v, [0, 0, 0, 0, -INF, 2 * np.log(4), INF, INF])
    close(dx, [0, 0, 0, 0, -INF, np.log(4), INF, -INF])  # log1p(y), 0 where x == 0
    close(dy, [0, 0, 0, 0, INF, 0.5, 0, -INF])  # x / (1 + y), 0 where x == 0
    check(tf.math.xlog1py(c([0.0, 2.0]), c([1.0, 3.0])), [0, np.float32(2 * np.log(4))],
          tf.float32)
    raises(InvalidArgumentError, "Incompatible shapes: [2] vs. [3]", "Xlog1py",
           tf.math.xlog1py, c([1.0, 2.0]), c([1.0, 2.0, 3.0]))


def test_erf_inverses() -> None:
    x = [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, NAN]
    v, (d,) = grads(tf.math.erfinv, x)
    close(v, [-INF, -0.4769362762044699, 0, 0.4769362762044699, INF, NAN, NAN])
    close(d, [INF, 1.1125848189719496, 0.88622692545275794, 1.1125848189719496, INF, NAN, NAN])
    v, (d,) = grads(tf.math.ndtri, x)
    close(v, [NAN, NAN, -INF, 0, INF, NAN, NAN])
    close(d, [NAN, NAN, INF, 2.5066282746310002, INF, NAN, NAN])
    v, (d,) = grads(tf.math.erfcinv, x)
    close(v, [NAN, NAN, INF, 0.47693627620446988, 0, -INF, NAN])
    assert np.signbit(v[4])  # -ndtri(0.5) / sqrt 2 = -0.0, as in TF
    close(d, [NAN, NAN, -INF, -1.1125848189719496, -0.88622692545275794, -INF, NAN])
    close(tf.math.erfinv(c([0.1])).numpy(), [0.088856004], rtol=1e-6)
    with pytest.raises(tf.errors.NotFoundError, match="Could not find device"):
        tf.math.erfinv(c([0.5], tf.float16))
    raises(InvalidArgumentError, "Value for attr 'T' of int32", "Ndtri", tf.math.ndtri, c([1]))


def test_lbeta_reduces_the_last_axis() -> None:
    v, (d,) = grads(tf.math.lbeta, [[1.0, 2.0], [0.5, 3.0], [0.0, 1.0], [INF, 1.0]])
    close(v, [-0.6931471805599453, 0.06453852113757108, INF, NAN])
    close(d, [[-1.5, -0.5], [-3.066666666666666, -0.18037230554677586], [NAN, 0], [NAN, -INF]],
          rtol=1e-10)
    check(tf.math.lbeta(c(np.zeros((2, 0)))), [-INF, -INF], tf.float64)  # 0 - lgamma(0)
    check(tf.math.lbeta(c(np.zeros((0, 3)))), np.zeros(0), tf.float64)
    check(tf.math.lbeta(c([[2.0], [3.0]])), [0.0, 0.0], tf.float32)
    raises(InvalidArgumentError, "Invalid reduction dimension", None, tf.math.lbeta, c(2.0))


_A = [0.5, 1.0, 2.0, 3.0, 0.0, -1.0, 1.0, 1.0, 1.0, 2.0, NAN, INF]
_X = [1.0, 1.0, 0.5, 10.0, 1.0, 1.0, 0.0, -1.0, INF, NAN, 1.0, 1.0]
_P = [0.8427007929497151, 0.6321205588285578, 0.09020401043104986, 0.9972306042844884,
      NAN, NAN, 0, NAN, 1, NAN, NAN, 0]
_DA = [-0.3898372643285106, -0.43172971063489896, -0.15103423690917053, -0.00412047081956148,
       NAN, NAN, 0, NAN, 0, NAN, NAN, 0]
_DX = [0.2075537487102974, 0.3678794411714423, 0.3032653298563167, 0.00226999648812424,
       0, 0, NAN, NAN, NAN, NAN, NAN, NAN]


def test_igamma_and_igammac_values_and_gradients() -> None:
    v, (da, dx) = grads(tf.math.igamma, _A, _X)
    close(v, _P)
    close(da, _DA, rtol=1e-9)  # TF's IgammaGradA; here a difference quotient (module doc)
    close(dx, _DX, rtol=1e-12)
    v, (da, dx) = grads(tf.math.igammac, _A, _X)
    close(v, 1 - np.array(_P), rtol=1e-12)
    close(da, -np.array(_DA), rtol=1e-9)
    close(dx, -np.array(_DX))
    _, (da, dx) = grads(tf.math.igamma, [[0.5], [2.0]], [1.0, 2.0, 3.0])  # broadcast back
    close(da, [[-0.5726969259804823], [-0.767626156028268]], rtol=1e-9)
    close(dx, [0.5754331898817396, 0.3246615329864135, 0.16557859621347235])
    raises(InvalidArgumentError, "Incompatible shapes: [2] vs. [3]", "Igamma",
           tf.math.igamma, c([1.0, 2.0]), c([1.0, 2.0, 3.0]))


def test_igamma_grad_a_at_large_arguments() -> None:
    _, (da, _) = grads(tf.math.igamma, [100.0, 1000.0, 5.0, 0.1, 30.0],
                       [120.0, 900.0, 50.0, 20.0, 25.0])
    close(da, [-6.2131859291401524e-03, -6.2457090358430701e-05, -1.3227071908086788e-16,
               -1.8869851303406337e-10, -4.9954877425834467e-02], rtol=1e-7)


def test_betainc_has_a_gradient_in_x_only() -> None:
    v, (da, db, dx) = grads(tf.math.betainc, [1.0, 2.0, 0.5, 2.0, 0.0, 2.0, 2.0, 2.0],
                            [1.0, 3.0, 0.5, 3.0, 1.0, 3.0, 3.0, 3.0],
                            [0.5, 0.3, 0.2, 0.0, 0.5, 1.0, -0.1, 1.1])
    close(v, [0.5, 0.34829999999999994, 0.29516723530086664, 0, NAN, 1, NAN, NAN])
    assert da is None and db is None
    close(dx, [1, 1.764, 0.7957747154594766, 0, 0, 0, NAN, NAN], rtol=1e-12)
    _, (_, _, dx) = grads(tf.math.betainc, [1.0, 2.0, 3.0], 2.0, 0.5)  # scalars broadcast
    close(dx, 4.0)
    raises(InvalidArgumentError, "Shapes of a and b are inconsistent: [1,2] vs. [2,1]",
           "Betainc", tf.math.betainc, c([[1.0, 2.0]]), c([[1.0], [2.0]]), c(0.5))
    raises(InvalidArgumentError, "Value for attr 'T' of half", "Betainc", tf.math.betainc,
           *[c([1.0], tf.float16)] * 3)


def test_zeta_has_a_gradient_in_q_only() -> None:
    v, (dx, dq) = grads(tf.math.zeta, [2.0, 3.0, 1.0, 0.5, 2.0, 2.0, 2.0, INF, 2.0],
                        [1.0, 2.0, 1.0, 1.0, 0.0, -1.0, -1.5, 1.0, INF])
    close(v, [1.6449340668482266, 0.2020569031595943, INF, NAN, INF, INF, 9.379246644989124,
              1, 0], rtol=1e-12)
    assert dx is None
    close(dq, [-2.404113806319188, -0.24696970113341465, -1.6449340668482266,
               -1.306187674342744, NAN, NAN, -0.23620405164172825, -INF, 0], rtol=1e-12)
    # q = 0, -1, ...: inf for even whole x, else nan; q < 0 with x not whole: nan
    close(tf.math.zeta(c([2.0, 3.0, 2.5], tf.float64), c([-2.0, 0.0, -1.5], tf.float64)).numpy(),
          [INF, NAN, NAN])


def test_bessel_i0_i1_and_their_scaled_forms() -> None:
    x = [0.0, -1.0, 1.5, INF, -INF, NAN, 800.0]
    want = {
        "bessel_i0": ([1, 1.2660658777520082, 1.6467231897728907, NAN, NAN, NAN, INF],
                      [0, -0.565159103992485, 0.9816664285779079, NAN, NAN, NAN, INF]),
        "bessel_i0e": ([1, 0.46575960759364043, 0.36743360905415834, 0, 0, NAN,
                        0.01410694500586918],
                       [0, 0.2578491922439320, -0.1483942216332326, 0, 0, NAN,
                        -8.819599342187179e-06]),
        "bessel_i1": ([0, -0.565159103992485, 0.9816664285779079, NAN, NAN, NAN, INF],
                      [1, 0.7009067737595231, 0.9922789040542854, NAN, NAN, NAN, NAN]),
        "bessel_i1e": ([0, -0.20791041534970844, 0.21903938742092574, 0, 0, NAN,
                        0.014098125406527],
                       [0.5, 0.049938776894223547, 0.0023679633526154653, 0, 0, NAN,
                        -8.8030574159712188e-06]),
    }
    for name, (value, slope) in want.items():
        v, (d,) = grads(getattr(tf.math, name), x)
        close(v, value, rtol=1e-13)
        close(d, slope, rtol=1e-12)
        assert getattr(tf.math.special, name) is getattr(tf.math, name) if ORACLE else True
    check(tf.math.bessel_i0(c([0.0], tf.float16)), [1.0], tf.float16)


def test_matrix_rank() -> None:
    rank = tf.linalg.matrix_rank
    check(rank(c([[1.0, 2.0], [2.0, 4.0]], tf.float64)), 1, tf.int32)
    check(rank(c([[1.0, 0.0], [0.0, 1e-9]], tf.float64)), 2, tf.int32)
    check(rank(c([[1.0, 0.0], [0.0, 1e-6]])), 2, tf.int32)
    check(rank(c([[1.0, 0.0], [0.0, 1e-7]])), 1, tf.int32)  # eps(float32) * 2 * 1
    check(rank(c(np.zeros((2, 0, 3)))), [0, 0], tf.int32)
    check(rank(c([[[1.0, 2, 3], [4, 5, 6]], [[1, 0, 0], [0, 0, 0]]])), [2, 1], tf.int32)
    check(rank(c([[1.0, 0.0], [0.0, 0.1]]), tol=0.2), 1, tf.int32)
    check(rank(c([[1.0, 0.0], [0.0, 0.1]]), tol=c([0.05])), 2, tf.int32)
    check(rank(c([[NAN, 1.0], [1.0, 1.0]])), 0, tf.int32)
    with pytest.raises(TypeError, match=r"`float`-like `dtype` \(saw int32\)"):
        rank(c([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match=r"at least 2 dimensions \(saw: 1\)"):
        rank(c([1.0, 2.0]))


def test_tensor_diag_and_diag_part() -> None:
    out = tf.linalg.tensor_diag(c([[1, 2], [3, 4]]))
    want = np.zeros((2, 2, 2, 2), np.int32)
    for i in range(2):
        for j in range(2):
            want[i, j, i, j] = 2 * i + j + 1
    check(out, want, tf.int32)
    check(tf.linalg.tensor_diag_part(c(np.arange(16.0).reshape(2, 2, 2, 2))),
          [[0.0, 5.0], [10.0, 15.0]], tf.float64)
    check(tf.linalg.tensor_diag_part(c(1.0)), 1.0, tf.float32)
    raises(InvalidArgumentError, "Input must be at least rank 1, got 0", "Diag",
           tf.linalg.tensor_diag, c(5.0))
    raises(InvalidArgumentError, "Invalid shape [2,3]: dimensions 0 and 1 do not match.",
           "DiagPart", tf.linalg.tensor_diag_part, c(np.arange(6.0).reshape(2, 3)))
    raises(InvalidArgumentError, "even and positive, got shape [6]", "DiagPart",
           tf.linalg.tensor_diag_part, c(np.arange(6.0)))
    raises(InvalidArgumentError, "Value for attr 'T' of bool", "Diag",
           tf.linalg.tensor_diag, c([True, False]))
    _, (d,) = grads(lambda x: tf.linalg.tensor_diag(x) * 3.0, [[1.0, 2.0], [3.0, 4.0]])
    close(d, [[3.0, 3.0], [3.0, 3.0]])
    _, (d,) = grads(tf.linalg.tensor_diag_part, [[1.0, 2.0], [3.0, 4.0]])
    close(d, [[1.0, 0.0], [0.0, 1.0]])
