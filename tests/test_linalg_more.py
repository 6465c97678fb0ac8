"""tf.linalg.lu, lu_solve, lu_reconstruct, lu_matrix_inverse and tridiagonal_solve,
pinned to TF 2.21.

Every expected value below was printed by TF 2.21 (float64 unless stated);
run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` under TF to check them again.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from oracle import InvalidArgumentError, c, raises, tf

A3 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]
SPD3 = [[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]]
W3 = (np.arange(9.0).reshape(3, 3) / 7).tolist()
D4 = [[2.0, 3.0, 4.0, 0.0], [4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0]]  # super, main, sub
X4 = [0.04838709677419359, 0.4032258064516128, -0.021505376344085936, 0.5806451612903225]


def close(got, want, rtol=1e-12, atol=1e-15):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


def test_signatures() -> None:
    sig = {n: list(inspect.signature(getattr(tf.linalg, n)).parameters) for n in
           ("lu", "lu_solve", "lu_reconstruct", "lu_matrix_inverse", "tridiagonal_solve")}
    assert sig["lu"] == ["input", "output_idx_type", "name"]
    assert sig["lu_solve"] == ["lower_upper", "perm", "rhs", "validate_args", "name"]
    assert sig["lu_reconstruct"] == sig["lu_matrix_inverse"] == [
        "lower_upper", "perm", "validate_args", "name"]
    assert sig["tridiagonal_solve"] == ["diagonals", "rhs", "diagonals_format", "transpose_rhs",
                                        "conjugate_rhs", "name", "partial_pivoting",
                                        "perturb_singular"]


def test_lu_packs_l_and_u_and_p_is_the_row_order() -> None:
    lu, p = tf.linalg.lu(c(A3, tf.float64))
    close(lu.numpy(), [[7, 8, 10], [1 / 7, 6 / 7, 11 / 7], [4 / 7, 0.5, -0.5]], atol=1e-15)
    assert p.dtype == tf.int32 and p.numpy().tolist() == [2, 0, 1]  # A[p] = L U
    assert tf.linalg.lu(c(A3), output_idx_type=tf.int64)[1].dtype == tf.int64
    lu, p = tf.linalg.lu(c([[0.0, 1.0], [1.0, 0.0]]))
    assert lu.numpy().tolist() == [[1, 0], [0, 1]] and p.numpy().tolist() == [1, 0]
    lu, p = tf.linalg.lu(c([[1 + 1j, 2], [3, 4j]], tf.complex64))  # pivot by modulus
    assert p.numpy().tolist() == [1, 0] and lu.dtype == tf.complex64
    close(lu.numpy(), [[3, 4j], [(1 + 1j) / 3, 2 - 4j / 3 - 4j / 3 * 1j]], rtol=1e-6)
    lu, p = tf.linalg.lu(tf.zeros([2, 0, 0]))
    assert lu.shape == (2, 0, 0) and p.shape == (2, 0)
    batch = np.random.RandomState(0).randn(2, 3, 3)
    lu, p = tf.linalg.lu(c(batch))
    assert p.numpy().tolist() == [[1, 0, 2], [1, 2, 0]]
    close(tf.linalg.lu_reconstruct(lu, p).numpy(), batch, atol=1e-14)


def test_lu_errors_and_no_gradient() -> None:
    raises(InvalidArgumentError, "Input is not invertible.", "Lu", tf.linalg.lu,
           c([[1.0, 2.0], [2.0, 4.0]], tf.float64))
    raises(InvalidArgumentError, "Input is not invertible.", "Lu", tf.linalg.lu, tf.zeros([2, 2]))
    raises(InvalidArgumentError, "Input matrix must be square.", "Lu", tf.linalg.lu,
           c([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    raises(InvalidArgumentError, "must have rank >= 2, got 1", "Lu", tf.linalg.lu, c([1.0, 2.0]))
    raises(InvalidArgumentError, "Value for attr 'T' of int32", None, tf.linalg.lu,
           c([[1, 2], [3, 4]]))
    raises(InvalidArgumentError, "Value for attr 'output_idx_type' of float", None,
           tf.linalg.lu, c([[1.0, 2.0], [3.0, 4.0]]), output_idx_type=tf.float32)
    with pytest.raises(tf.errors.NotFoundError, match="Could not find device"):
        tf.linalg.lu(c([[1.0, 2.0], [3.0, 4.0]], tf.float16))
    a = c(A3, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(a)
        lu, _ = tf.linalg.lu(a)
    with pytest.raises(LookupError, match="gradient registry has no entry for: Lu"):
        tape.gradient(lu, a)


def test_lu_composites_values_broadcasting_and_checks() -> None:
    lu, p = tf.linalg.lu(c(A3, tf.float64))
    close(tf.linalg.lu_reconstruct(lu, p).numpy(), A3, atol=1e-14)
    close(tf.linalg.lu_matrix_inverse(lu, p).numpy(),
          [[-2 / 3, -4 / 3, 1], [-2 / 3, 11 / 3, -2], [1, -2, 1]], atol=1e-14)
    close(tf.linalg.lu_solve(lu, p, c([[1.0], [2.0], [3.0]], tf.float64)).numpy(),
          [[-1 / 3], [2 / 3], [0]], atol=1e-15)
    batch = np.random.RandomState(0).randn(2, 3, 3)
    rhs = np.random.RandomState(1).randn(2, 3, 2)
    lub, pb = tf.linalg.lu(c(batch))
    close(tf.linalg.lu_solve(lub, pb, c(rhs)).numpy(), np.linalg.solve(batch, rhs), rtol=1e-10)
    close(tf.linalg.lu_solve(lub, pb, c(rhs[0])).numpy(), np.linalg.solve(batch, rhs[0]),
          rtol=1e-10)
    close(tf.linalg.lu_solve(lu, p, c(rhs)).numpy(), np.linalg.solve(np.array(A3), rhs),
          rtol=1e-10)
    f32 = tf.linalg.lu_reconstruct([[2.0, 1.0], [0.5, 3.0]], [1, 0])
    assert f32.dtype == tf.float32 and f32.numpy().tolist() == [[1.0, 3.5], [2.0, 1.0]]
    for f, args, text in [
            (tf.linalg.lu_solve, (lub, pb, c(rhs[:, :2])), "`lower_upper.shape[-1]` must equal"),
            (tf.linalg.lu_solve, (lub, pb, c(rhs[0, :, 0])), "Input `rhs` must have at least 2"),
            (tf.linalg.lu_reconstruct, (lub[0, :, :2], pb[0]), "`lower_upper` must be square."),
            (tf.linalg.lu_matrix_inverse, (lub[0, 0], pb[0]), "must have at least 2 dimensions"),
            (tf.linalg.lu_reconstruct, (lub, pb[0]), "`rank(lower_upper)` must equal")]:
        with pytest.raises(ValueError) as info:  # static checks, whatever validate_args
            f(*args)
        assert text in str(info.value)
    raises(InvalidArgumentError, "expected to be a double tensor but is a float tensor",
           "MatrixTriangularSolve", tf.linalg.lu_solve, lu, p, c([[1.0], [2.0], [3.0]]))


def test_lu_composites_gradients_as_tf() -> None:
    lu, p = tf.linalg.lu(c(SPD3, tf.float64))
    b = c([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], tf.float64)
    w = c(W3, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([lu, b])
        s = tf.linalg.lu_solve(lu, p, b)
        y_solve = tf.reduce_sum(s * s)
        y_rec = tf.reduce_sum(tf.linalg.lu_reconstruct(lu, p) * w)
        y_inv = tf.reduce_sum(tf.linalg.lu_matrix_inverse(lu, p) * w)
    d_lu, d_b = tape.gradient(y_solve, [lu, b])
    close(d_lu.numpy(), [[-0.25640819, 0.56327479, 0.59339489],
                         [-2.84194215, -2.11016153, -2.19098657],
                         [-2.17471591, -4.50887784, -1.71075994]], rtol=1e-7)
    close(d_b.numpy(), [[-0.84019886, -0.84103822], [0.82954545, 1.00619835],
                        [0.703125, 0.73579545]], rtol=1e-7)
    close(tape.gradient(y_rec, lu).numpy(),
          [[0.5357142857142857, 0.7857142857142857, 1.0357142857142856],
           [3.7142857142857144, 0.5714285714285714, 0.7142857142857143],
           [6.714285714285714, 2.75, 1.1428571428571428]])
    close(tape.gradient(y_inv, lu).numpy(),
          [[0.012175324675324674, -0.012987012987012986, -0.017857142857142856],
           [-0.15584415584415584, -0.05667060212514759, -0.03896103896103897],
           [-0.21428571428571427, -0.17857142857142858, -0.03571428571428571]], rtol=1e-11)


def _dense(d):
    d = np.asarray(d)
    return np.diag(d[1]) + np.diag(d[0, :-1], 1) + np.diag(d[2, 1:], -1)


def test_tridiagonal_solve_formats_and_shapes() -> None:
    d, rhs = c(D4, tf.float64), c([1.0, 2.0, 3.0, 4.0], tf.float64)
    close(tf.linalg.tridiagonal_solve(d, rhs).numpy(), X4)
    close(tf.linalg.tridiagonal_solve(d, rhs[:, None]).numpy(), np.array(X4)[:, None])
    close(tf.linalg.tridiagonal_solve(d, rhs[None, :], transpose_rhs=True).numpy(),
          np.array(X4)[:, None])
    seq = (d[0, :-1], d[1], d[2, 1:])
    close(tf.linalg.tridiagonal_solve(seq, rhs, diagonals_format="sequence").numpy(), X4)
    close(tf.linalg.tridiagonal_solve((d[0], d[1], d[2]), rhs, diagonals_format="sequence")
          .numpy(), X4)
    close(tf.linalg.tridiagonal_solve(c(_dense(D4)), rhs, diagonals_format="matrix").numpy(), X4)
    db = tf.stack([d, d * 2])
    out = tf.linalg.tridiagonal_solve(db, tf.stack([rhs, rhs]))
    close(out.numpy(), [X4, np.array(X4) / 2])
    dc, rc = tf.complex(d, d * 0.5), tf.complex(rhs, -rhs)
    close(tf.linalg.tridiagonal_solve(dc, rc[None, :], transpose_rhs=True, conjugate_rhs=True)
          .numpy()[:, 0], [0.05806451612903234 + 0.019354838709677448j,
                           0.48387096774193533 + 0.16129032258064513j,
                           -0.025806451612903125 - 0.008602150537634376j,
                           0.696774193548387 + 0.232258064516129j])


def test_tridiagonal_solve_pivoting_and_singular() -> None:
    needs_pivot = c([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]], tf.float64)
    r = c([1.0, 2.0, 3.0], tf.float64)
    close(tf.linalg.tridiagonal_solve(needs_pivot, r).numpy(), [0, 1, 2])
    assert np.isnan(tf.linalg.tridiagonal_solve(needs_pivot, r, partial_pivoting=False)
                    .numpy()).all()
    singular = c([[1.0, 2.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 0.5]], tf.float64)
    assert np.isnan(tf.linalg.tridiagonal_solve(singular, r).numpy()).all()
    perturbed = tf.linalg.tridiagonal_solve(singular, r, perturb_singular=True).numpy()
    assert np.isfinite(perturbed).all() and np.abs(perturbed).min() > 1e15
    close(tf.linalg.tridiagonal_solve(c([[0.0], [2.0], [0.0]], tf.float64), r[:1]).numpy(), [0.5])
    assert tf.linalg.tridiagonal_solve(tf.zeros([3, 0], tf.float64), r[:0]).shape == (0,)


def test_tridiagonal_solve_errors() -> None:
    d, rhs = c(D4, tf.float64), c([1.0, 2.0, 3.0, 4.0], tf.float64)
    for args, kw, text in [
            ((d, rhs), {"diagonals_format": "bad"}, "Unrecognized diagonals_format: bad"),
            ((d[:2], rhs), {}, "Expected 3 diagonals got 2"),
            ((d, rhs[:3]), {}, "Expected number of left-hand sided and right-hand sides to be "
                               "equal, got 4 and 3"),
            ((d, rhs), {"partial_pivoting": False, "perturb_singular": True},
             "partial_pivoting must be True if perturb_singular is."),
            ((tf.stack([d, d]), rhs[:, None]), {}, "Batch shapes (2,) and (4,) are incompatible")]:
        with pytest.raises(ValueError) as info:
            tf.linalg.tridiagonal_solve(*args, **kw)
        assert text in str(info.value)
    raises(InvalidArgumentError, "Value for attr 'T' of int32", None, tf.linalg.tridiagonal_solve,
           c([[1, 2], [3, 4], [5, 6]]), c([1, 2]))
    raises(InvalidArgumentError, "expected to be a float tensor but is a double tensor",
           "TridiagonalSolve", tf.linalg.tridiagonal_solve, tf.cast(d, tf.float32), rhs)


GRAD_DIAGS = [[0.020239334027055148, -0.018528153543762277, -0.005020811654526556, 0.0],
              [-0.017108914325355537, 0.012591050988553593, -0.004413805064169274,
               -0.10796045785639957],
              [0.0, -0.07833853624696496, 0.007960457856399587, -0.03411377037807838]]
GRAD_RHS = [[-0.021505376344086016, 0.02473118279569893],
            [0.08602150537634407, 0.10107526881720429],
            [0.0064516129032258385, 0.022580645161290363],
            [0.16774193548387095, 0.18709677419354834]]


@pytest.mark.parametrize("fmt", ["compact", "matrix", "sequence", "no_pivoting"])
def test_tridiagonal_solve_gradients_as_tf(fmt: str) -> None:
    d = c(D4, tf.float64)
    diags = {"matrix": c(_dense(D4), tf.float64), "sequence": [d[0, :-1], d[1], d[2, 1:]]}.get(
        fmt, d)
    r = c([[1.0, 2.0], [2.0, -1.0], [3.0, 0.5], [4.0, 1.0]], tf.float64)
    w = c((np.arange(8.0).reshape(4, 2) / 5).tolist(), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([diags, r])
        x = tf.linalg.tridiagonal_solve(diags, r, diagonals_format="compact" if fmt ==
                                        "no_pivoting" else fmt,
                                        partial_pivoting=fmt != "no_pivoting")
        y = tf.reduce_sum(x * w)
    g_diags, g_r = tape.gradient(y, [diags, r])
    close(g_r.numpy(), GRAD_RHS, rtol=1e-12)
    g = np.array(GRAD_DIAGS)
    if fmt == "matrix":
        close(g_diags.numpy(), _dense(g))
    elif fmt == "sequence":
        for got, want in zip(g_diags, [g[0, :-1], g[1], g[2, 1:]]):
            close(got.numpy(), want)
    else:
        close(g_diags.numpy(), g, rtol=1e-12)


def test_tridiagonal_solve_complex_gradient_is_not_conjugated_as_tf() -> None:
    d = c(D4, tf.float64)
    dc = tf.complex(d, d * 0.5)
    r = tf.cast(c([[1.0, 2.0], [2.0, -1.0], [3.0, 0.5], [4.0, 1.0]], tf.float64), tf.complex128)
    w = tf.cast(c((np.arange(8.0).reshape(4, 2) / 5).tolist(), tf.float64), tf.complex128)
    with tf.GradientTape() as tape:
        tape.watch(dc)
        y = tf.math.real(tf.reduce_sum(tf.linalg.tridiagonal_solve(dc, r) * w * (1 + 2j)))
    close(tape.gradient(y, dc).numpy()[0],
          [-0.016191467221644117 - 0.032382934443288235j, 0.014822522835009826
           + 0.029645045670019653j, 0.004016649323621244 + 0.008033298647242488j, 0], rtol=1e-12)
