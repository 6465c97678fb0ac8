"""tf.linalg beyond matmul: values, TF's conventions, gradients, errors.

The table test (tests/test_op_table.py) checks each declared op on its
samples.  Here: the public functions (composites included) against NumPy and
closed forms; gradients of singular vectors and eigenvectors through
sign-invariant losses (their signs are LAPACK's choice); Cholesky's
symmetric gradient on symmetric perturbations; second order through nested
tapes; complex inputs; and the errors TF raises.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops import arith
from tapeflow.ops import factor as la
from tapeflow.ops.decomp import _Cholesky
from tapeflow.ops.factor import _Inverse

rng = np.random.default_rng(7)


# -- helpers -----------------------------------------------------------------------------------
def f64(x: object) -> tf.Tensor:
    return tf.constant(np.asarray(x), dtype=np.asarray(x).dtype if np.iscomplexobj(x)
                       else tf.float64)


def well_conditioned(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 3.0 * np.eye(shape[-1])


def spd(n: int) -> np.ndarray:
    x = rng.standard_normal((n, n))
    return x @ x.T + n * np.eye(n)


def cplx(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def value(f: Callable, x: np.ndarray) -> float:
    return float(np.real(f(f64(x)).numpy()))


def grad(f: Callable, x: np.ndarray) -> np.ndarray:
    """The tape's gradient of a real scalar f at x."""
    t = f64(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
    return tape.gradient(y, t, unconnected_gradients=tf.UnconnectedGradients.ZERO).numpy()


def numeric_grad(f: Callable, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences; for complex x, d/dRe + i d/dIm (TF's convention)."""
    out = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        for unit in ((1.0, 1j) if np.iscomplexobj(x) else (1.0,)):
            e = np.zeros_like(x)
            e[idx] = unit * step
            out[idx] += unit * (value(f, x + e) - value(f, x - e)) / (2 * step)
    return out


def check_grad(f: Callable, x: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    np.testing.assert_allclose(grad(f, x), numeric_grad(f, x), rtol=rtol, atol=atol)


def check_second_order(f: Callable, x: np.ndarray, rtol: float = 1e-5) -> None:
    """d/dx Re<grad f(x), w> by nested tapes against central differences of grad f."""
    w = f64(rng.standard_normal(x.shape) + (1j * cplx(*x.shape) if np.iscomplexobj(x) else 0))

    def first(t: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = f(t)
        return tf.cast(tf.reduce_sum(inner.gradient(y, t) * w), tf.float64)

    check_grad(first, x, rtol=rtol, atol=1e-7)


def jvp(runner: Callable, tangent: np.ndarray, x: np.ndarray, **params: object) -> object:
    """An op's JVP rule (``runner``: the declared op's runner, e.g. ``_Inverse``)."""
    op = runner.op
    xt = f64(x)
    return op.jvp([f64(tangent)], [xt], op.run(xt, **params), params)


# -- values and TF's conventions ---------------------------------------------------------------
def test_values_match_numpy() -> None:
    a, b = well_conditioned(2, 3, 3), rng.standard_normal((2, 3, 2))
    close = np.testing.assert_allclose
    close(la.inv(f64(a)).numpy(), np.linalg.inv(a), rtol=1e-12)
    close(la.inv(f64(a), adjoint=True).numpy(), np.linalg.inv(a.transpose(0, 2, 1)), rtol=1e-12)
    close(la.det(f64(a)).numpy(), np.linalg.det(a), rtol=1e-12)
    close(la.solve(f64(a), f64(b)).numpy(), np.linalg.solve(a, b), rtol=1e-12)
    close(la.trace(f64(a)).numpy(), np.trace(a, axis1=-2, axis2=-1), rtol=1e-12)
    close(la.matvec(f64(a), f64(b[..., 0])).numpy(), (a @ b[..., :1])[..., 0], rtol=1e-12)
    close(la.adjoint(f64(a)).numpy(), a.transpose(0, 2, 1))
    close(la.cross(f64(a[..., 0]), f64(a[..., 1])).numpy(), np.cross(a[..., 0], a[..., 1]))
    s = spd(4)
    close(la.logdet(f64(s)).numpy(), np.linalg.slogdet(s)[1], rtol=1e-12)
    rhs = rng.standard_normal((4, 2))
    close(la.cholesky_solve(la.cholesky(f64(s)), f64(rhs)).numpy(), np.linalg.solve(s, rhs),
          rtol=1e-10)
    close(la.eigvalsh(f64(s)).numpy(), np.linalg.eigvalsh(s), rtol=1e-12)
    tall = rng.standard_normal((5, 3))
    close(la.pinv(f64(tall)).numpy(), np.linalg.pinv(tall), rtol=1e-10)
    rhs = rng.standard_normal((5, 2))
    close(la.lstsq(f64(tall), f64(rhs)).numpy(), np.linalg.lstsq(tall, rhs, rcond=None)[0],
          rtol=1e-9)
    assert la.inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])).dtype == tf.float32


def test_expm_matches_scipy() -> None:
    scipy_linalg = pytest.importorskip("scipy.linalg")
    for a in (rng.standard_normal((4, 4)), 20.0 * rng.standard_normal((3, 3)),
              np.zeros((2, 2)), 1e-3 * cplx(3, 3)):
        np.testing.assert_allclose(la.expm(f64(a)).numpy(), scipy_linalg.expm(a),
                                   rtol=1e-11, atol=1e-13)
    batch = np.stack([rng.standard_normal((3, 3)), 10.0 * rng.standard_normal((3, 3))])
    np.testing.assert_allclose(la.expm(f64(batch)).numpy(),
                               np.stack([scipy_linalg.expm(m) for m in batch]), rtol=1e-10)
    assert la.expm(tf.constant([[0.0, 1.0], [-1.0, 0.0]])).dtype == tf.float32


def test_svd_returns_s_u_v_in_tf_order() -> None:
    a = rng.standard_normal((2, 5, 3))
    s, u, v = la.svd(f64(a))
    assert (s.shape, u.shape, v.shape) == ((2, 3), (2, 5, 3), (2, 3, 3))
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    # v, not v^H: a = u diag(s) v^H.
    np.testing.assert_allclose((u.numpy() * s.numpy()[:, None]) @ v.numpy().transpose(0, 2, 1),
                               a, atol=1e-12)
    assert la.svd(f64(a), compute_uv=False).shape == (2, 3)
    _, u_full, v_full = la.svd(f64(a), full_matrices=True)
    assert (u_full.shape, v_full.shape) == ((2, 5, 5), (2, 3, 3))
    assert la.svd(f64(cplx(3, 2)))[0].dtype == tf.float64  # singular values are real


def test_slogdet_sign_and_fields() -> None:
    a = np.array([[0.0, 2.0], [3.0, 0.0]])
    out = la.slogdet(f64(a))
    assert out.sign.numpy() == -1.0 and np.isclose(out.log_abs_determinant.numpy(), np.log(6))
    sign, logabs = la.slogdet(f64(np.array([[1.0, 2.0], [2.0, 4.0]])))
    assert sign.numpy() == 0.0 and logabs.numpy() == -np.inf
    c = la.slogdet(f64(np.array([[1j, 1.0], [0.0, 2.0]])))  # complex: both outputs complex
    assert c.sign.dtype == tf.complex128
    np.testing.assert_allclose(c.sign.numpy(), 1j)
    np.testing.assert_allclose(c.log_abs_determinant.numpy(), np.log(2.0))


def test_qr_eigh_structure() -> None:
    q, r = la.qr(f64(rng.standard_normal((4, 3))))
    assert q.shape == (4, 3) and r.shape == (3, 3)
    assert la.qr(f64(rng.standard_normal((4, 3))), full_matrices=True).q.shape == (4, 4)
    h = cplx(3, 3)
    e, v = la.eigh(f64(h + h.conj().T))
    assert e.dtype == tf.complex128  # TF keeps the input's dtype for eigenvalues
    np.testing.assert_allclose(e.numpy().imag, 0.0)
    # Only the lower triangle is read, as TF.
    lower_only = np.array([[4.0, 100.0], [2.0, 3.0]])
    np.testing.assert_allclose(la.eigvalsh(f64(lower_only)).numpy(),
                               np.linalg.eigvalsh(np.array([[4.0, 2.0], [2.0, 3.0]])))
    np.testing.assert_allclose(la.cholesky(f64(lower_only)).numpy(),
                               [[2.0, 0.0], [1.0, np.sqrt(2.0)]])


def test_structure_ops() -> None:
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(la.band_part(f64(x), 1, 0).numpy(), np.tril(np.triu(x, -1)))
    np.testing.assert_array_equal(la.diag_part(f64(x), k=1).numpy(), [1.0, 6.0, 11.0])
    np.testing.assert_array_equal(la.diag(f64([1.0, 2.0]), k=-1, num_cols=5).numpy().shape,
                                  (3, 5))
    np.testing.assert_array_equal(la.diag(f64([1.0, 2.0]), padding_value=7.0).numpy(),
                                  [[1.0, 7.0], [7.0, 2.0]])
    np.testing.assert_array_equal(la.set_diag(f64(np.zeros((3, 4))), f64([1.0, 2.0, 3.0]),
                                              k=1).numpy()[[0, 1, 2], [1, 2, 3]], [1, 2, 3])
    assert la.trace(tf.constant([[1, 2], [3, 4]])).numpy() == 5  # integers too


def test_triangular_solve_broadcasts_and_reads_one_triangle() -> None:
    a = well_conditioned(3, 3)
    b = rng.standard_normal((2, 3, 2))
    got = la.triangular_solve(f64(a), f64(b), lower=False, adjoint=True).numpy()
    np.testing.assert_allclose(got, np.linalg.solve(np.triu(a).T, b), rtol=1e-12)
    # A zero on the diagonal gives inf, as TF's kernel (no error).
    out = la.triangular_solve(f64([[0.0, 0.0], [1.0, 1.0]]), f64([[1.0], [1.0]])).numpy()
    np.testing.assert_array_equal(out[:, 0], [np.inf, -np.inf])


def test_cholesky_and_logdet_of_indefinite_matrix_are_nan() -> None:
    batch = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]])
    out = la.cholesky(f64(batch)).numpy()
    np.testing.assert_array_equal(out[0], np.eye(2))
    assert np.isnan(out[1]).all()
    assert np.isnan(la.logdet(f64(batch[1])).numpy())


def test_norms() -> None:
    x = rng.standard_normal((3, 4))
    for ord_, axis, want in [("euclidean", None, np.linalg.norm(x)),
                             (1, 1, np.abs(x).sum(1)), (np.inf, 0, np.abs(x).max(0)),
                             (3, 1, (np.abs(x) ** 3).sum(1) ** (1 / 3)),
                             ("fro", (0, 1), np.linalg.norm(x, "fro")),
                             (1, (0, 1), np.linalg.norm(x, 1)),
                             (np.inf, (0, 1), np.linalg.norm(x, np.inf)),
                             (2, (0, 1), np.linalg.norm(x, 2)),
                             (2, (1, 0), np.linalg.norm(x, 2)),
                             (1, (-1, -2), np.linalg.norm(x.T, 1))]:
        np.testing.assert_allclose(la.norm(f64(x), ord=ord_, axis=axis).numpy(), want,
                                   rtol=1e-12, err_msg=f"ord={ord_}, axis={axis}")
    assert la.norm(f64(x), ord=1, axis=(0, 1), keepdims=True).shape == (1, 1)
    assert la.norm(f64(rng.standard_normal((2, 3, 4))), ord=2, axis=(0, 2)).shape == (3,)


# -- gradients: closed forms -------------------------------------------------------------------
def test_det_gradient_is_det_times_inverse_transpose() -> None:
    a = well_conditioned(3, 3)
    np.testing.assert_allclose(grad(la.det, a), np.linalg.det(a) * np.linalg.inv(a).T,
                               rtol=1e-12)
    batch = well_conditioned(2, 3, 3)
    want = np.linalg.det(batch)[:, None, None] * np.linalg.inv(batch).transpose(0, 2, 1)
    np.testing.assert_allclose(grad(lambda t: tf.reduce_sum(la.det(t)), batch), want,
                               rtol=1e-12)


def test_log_determinant_gradients_are_inverse_transpose() -> None:
    a = well_conditioned(3, 3) * np.array([[-1.0], [1.0], [1.0]])  # negative determinant
    inv_t = np.linalg.inv(a).T
    np.testing.assert_allclose(grad(lambda t: la.slogdet(t).log_abs_determinant, a), inv_t,
                               rtol=1e-12)
    s = spd(3)
    np.testing.assert_allclose(grad(la.logdet, s), np.linalg.inv(s), rtol=1e-10)
    # The sign alone: zeros, not None (TF's gradient function sees a zero cotangent).
    np.testing.assert_array_equal(grad(lambda t: la.slogdet(t).sign, a), np.zeros((3, 3)))


def test_inverse_gradient_is_minus_inv_g_inv() -> None:
    a, w = well_conditioned(3, 3), rng.standard_normal((3, 3))
    inv = np.linalg.inv(a)
    # <W, d inv> = -<W, inv dA inv>: gradient -inv^T W inv^T.
    np.testing.assert_allclose(grad(lambda t: tf.reduce_sum(la.inv(t) * w), a),
                               -inv.T @ w @ inv.T, rtol=1e-12)
    da = rng.standard_normal((3, 3))
    np.testing.assert_allclose(jvp(_Inverse, da, a, adjoint=False).numpy(), -inv @ da @ inv,
                               rtol=1e-12)


def test_trace_and_solve_gradients() -> None:
    a = well_conditioned(3, 3)
    np.testing.assert_array_equal(grad(la.trace, a), np.eye(3))
    b = rng.standard_normal((3, 2))
    x = np.linalg.solve(a, b)
    w = rng.standard_normal((3, 2))
    gb = np.linalg.solve(a.T, w)
    np.testing.assert_allclose(grad(lambda t: tf.reduce_sum(la.solve(t, f64(b)) * w), a),
                               -gb @ x.T, rtol=1e-12)


def test_norm_gradients_follow_tf_at_zero() -> None:
    x = rng.standard_normal(4)
    np.testing.assert_allclose(grad(la.norm, x), x / np.linalg.norm(x), rtol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isnan(grad(la.norm, np.zeros(3))).all()  # sqrt'(0) * 0, as TF
    np.testing.assert_array_equal(grad(lambda t: la.norm(t, ord=1), np.zeros(3)), 0.0)
    np.testing.assert_array_equal(grad(lambda t: la.norm(t, ord=np.inf), np.zeros(2)), 0.0)
    ties = np.array([1.0, -3.0, 3.0])
    np.testing.assert_allclose(grad(lambda t: la.norm(t, ord=np.inf), ties), [0, -0.5, 0.5])


# -- gradients pinned to TF 2.21's values ------------------------------------------------------
_A2 = np.array([[4.0, 1.0], [2.0, 3.0]])
_W2 = np.array([[1.0, 0.0], [2.0, 3.0]])


@pytest.mark.parametrize(("f", "want"), [
    # Symmetric, though the forward reads only the lower triangle.
    (lambda t: tf.reduce_sum(la.cholesky(t) * _W2),
     [[0.26516504, -0.03033009], [-0.03033009, 1.06066017]]),
    # Lower-triangular: the part of A the forward reads.
    (lambda t: tf.reduce_sum(la.eigh(t)[0] * np.array([1.0, 2.0])),
     [[1.62126781, 0.0], [0.9701425, 1.37873219]]),
    (lambda t: la.svd(t, compute_uv=False)[0],
     [[0.65308863, 0.40363097], [0.54505233, 0.33686086]]),
    (lambda t: tf.reduce_sum(la.expm(t) * _W2),
     [[236.61195779, 229.22290169], [208.62751952, 216.01657561]]),
], ids=["cholesky", "eigh", "svd", "expm"])
def test_gradients_match_tf(f: Callable, want: list) -> None:
    np.testing.assert_allclose(grad(f, _A2), want, rtol=1e-7, atol=1e-8)


# -- gradients: central differences, composites and gauge-invariant losses ---------------------
def _weights(*shape: int) -> np.ndarray:
    """Fixed weights per shape (the losses below are evaluated many times)."""
    return np.random.default_rng(list(shape)).standard_normal(shape)


def _sym(t: tf.Tensor) -> tf.Tensor:
    """A Hermitian positive definite function of any square t."""
    n = t.shape[-1]
    return t + la.adjoint(t) + 2.0 * n * tf.eye(n, dtype=t.dtype)


COMPOSITES = {
    "logdet": (lambda t: la.logdet(_sym(t)), (3, 3)),
    "cholesky_sym": (lambda t: tf.reduce_sum(la.cholesky(_sym(t)) * _weights(3, 3)), (3, 3)),
    "cholesky_solve": (lambda t: tf.reduce_sum(
        la.cholesky_solve(la.cholesky(_sym(t)), t) * _weights(3, 3)), (3, 3)),
    "lstsq_tall": (lambda t: tf.reduce_sum(la.lstsq(t, f64(_weights(4, 2))) * _weights(3, 2)),
                   (4, 3)),
    "lstsq_wide_l2": (lambda t: tf.reduce_sum(
        la.lstsq(t, f64(_weights(2, 1)), l2_regularizer=0.3) * _weights(4, 1)), (2, 4)),
    "pinv": (lambda t: tf.reduce_sum(la.pinv(t) * _weights(3, 4)), (4, 3)),
    "norm_fro": (lambda t: la.norm(t, ord="fro", axis=(0, 1)), (3, 2)),
    "norm_2": (lambda t: la.norm(t, ord=2, axis=(0, 1)), (3, 2)),
    "norm_p": (lambda t: tf.reduce_sum(la.norm(t, ord=3.0, axis=0)), (3, 2)),
    "matvec": (lambda t: tf.reduce_sum(la.matvec(t, f64(_weights(3)), adjoint_a=True)),
               (3, 4)),
    "expm": (lambda t: tf.reduce_sum(la.expm(t) * _weights(3, 3)), (3, 3)),
    "svd_u_v": (lambda t: tf.reduce_sum(la.svd(t)[1] ** 2 * _weights(4, 3))
                + tf.reduce_sum(la.svd(t)[2] ** 2 * _weights(3, 3)), (4, 3)),
    "svd_wide": (lambda t: tf.reduce_sum(la.svd(t)[2] ** 2 * _weights(5, 3))
                 + tf.reduce_sum(la.svd(t)[1] ** 2 * _weights(3, 3)), (3, 5)),
    "svd_full": (lambda t: tf.reduce_sum(la.svd(t, full_matrices=True)[1] ** 2
                                         * _weights(4, 4)), (4, 3)),
    "eigh_v": (lambda t: tf.reduce_sum(la.eigh(_sym(t))[1] ** 2 * _weights(4, 4)), (4, 4)),
    "qr_wide": (lambda t: tf.reduce_sum(la.qr(t).r * _weights(2, 4)), (2, 4)),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_gradient_and_second_order(name: str) -> None:
    f, shape = COMPOSITES[name]
    x = rng.standard_normal(shape)
    check_grad(f, x, rtol=1e-6, atol=1e-8)
    check_second_order(f, x)


def test_cholesky_jvp_uses_symmetric_part() -> None:
    s, da = spd(3), rng.standard_normal((3, 3))
    got = jvp(_Cholesky, da, s).numpy()
    sym = (da + da.T) / 2
    step = 1e-6
    want = (np.linalg.cholesky(s + step * sym) - np.linalg.cholesky(s - step * sym)) / (2 * step)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_reconstructions_have_exact_gradients() -> None:
    # u diag(s) v^H = A and v diag(e) v^H = sym(A): the identity's gradient is the weight.
    a, w = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))

    def rebuilt(t: tf.Tensor) -> tf.Tensor:
        s, u, v = la.svd(t)
        return tf.reduce_sum(tf.matmul(u * s[None, :], v, adjoint_b=True) * w)

    np.testing.assert_allclose(grad(rebuilt, a), w, rtol=1e-10, atol=1e-12)
    x = rng.standard_normal((3, 3))
    sym_in = x + x.T

    def eig_rebuilt(t: tf.Tensor) -> tf.Tensor:
        e, v = la.eigh(t)
        return tf.reduce_sum(tf.matmul(v * e[None, :], v, adjoint_b=True) * np.tril(w[:3]))

    np.testing.assert_allclose(grad(eig_rebuilt, sym_in), np.tril(w[:3]), atol=1e-10)


# -- complex inputs ----------------------------------------------------------------------------
def _c(z: complex) -> tf.Tensor:
    # A tensor, not a Python complex: the core's elementwise VJP does not conjugate a
    # Python complex scalar operand (declare._conj finds no dtype on it).
    return tf.constant(np.complex128(z))


def _abs2(t: tf.Tensor) -> tf.Tensor:
    """|t|^2 as float64 (phase-invariant)."""
    return tf.cast(t * arith.conj(t), tf.float64)


COMPLEX = {
    "det": lambda t: tf.cast(la.det(t) * _c(0.3 + 0.7j), tf.float64),
    "inv": lambda t: tf.cast(tf.reduce_sum(la.inv(t, adjoint=True) * _c(1 + 2j)), tf.float64),
    "logabsdet": lambda t: tf.cast(la.slogdet(t).log_abs_determinant, tf.float64),
    "expm": lambda t: tf.cast(tf.reduce_sum(la.expm(t) * _c(2 - 1j)), tf.float64),
    "qr": lambda t: tf.cast(tf.reduce_sum(la.qr(t).r * _c(1 - 1j)), tf.float64),
    "qr_wide": lambda t: tf.cast(tf.reduce_sum(la.qr(t[:2]).q * _c(1 - 1j)), tf.float64),
    "svd_s": lambda t: tf.reduce_sum(la.svd(t, compute_uv=False) * np.array([1.0, 2.0, 3.0])),
    "svd_u": lambda t: tf.reduce_sum(_abs2(la.svd(t)[1]) * _weights(3, 3)),
    "svd_v": lambda t: tf.reduce_sum(_abs2(la.svd(t)[2]) * _weights(3, 3)),
    "eigh_v": lambda t: tf.reduce_sum(_abs2(la.eigh(_sym(t))[1]) * _weights(3, 3)),
}


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_complex_gradient_and_second_order(name: str) -> None:
    # (TF 2.21's second derivative through a complex SVD is off; these match differences.)
    x = cplx(3, 3) + 2.0 * np.eye(3)
    check_grad(COMPLEX[name], x, rtol=1e-6, atol=1e-8)
    check_second_order(COMPLEX[name], x)


def test_complex_det_gradient_is_conjugate_of_derivative() -> None:
    # TF's convention: grad = conj(d f / dA) for holomorphic f (TF 2.21's det omits the conj).
    a = cplx(2, 2) + 2.0 * np.eye(2)
    got = grad(lambda t: tf.cast(la.det(t), tf.float64), a)
    np.testing.assert_allclose(got, np.conj(np.linalg.det(a) * np.linalg.inv(a).T), rtol=1e-12)


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "op", "text"), [
    (lambda: la.inv(f64([[1.0, 2.0], [2.0, 4.0]])), "MatrixInverse", "Input is not invertible."),
    (lambda: la.inv(f64(np.ones((2, 3)))), "MatrixInverse", "Input matrix must be square."),
    (lambda: la.inv(f64(np.ones(3))), "MatrixInverse", "must have rank >= 2, got 1"),
    (lambda: la.det(f64(np.ones((2, 3)))), "MatrixDeterminant", "must be square"),
    (lambda: la.solve(f64([[1.0, 2.0], [2.0, 4.0]]), f64(np.ones((2, 1)))), "MatrixSolve",
     "Input matrix is not invertible."),
    (lambda: la.solve(f64(np.eye(2)), f64(np.ones((3, 1)))), "MatrixSolve",
     "Input matrix and rhs are incompatible."),
    (lambda: la.solve(f64(np.eye(2)), f64(np.ones(2))), "MatrixSolve", "same rank"),
    (lambda: la.triangular_solve(f64(np.eye(2)), f64(np.ones((3, 1)))),
     "MatrixTriangularSolve", "In[0] mismatch In[1] shape: 2 vs. 3"),
    (lambda: la.cholesky(f64(np.ones((2, 3)))), "Cholesky", "must be square"),
    (lambda: la.eigh(f64(np.ones((2, 3)))), "SelfAdjointEigV2", "must be square"),
    (lambda: la.svd(f64(np.ones(3))), "Svd", "rank >= 2"),
    (lambda: la.qr(f64(np.ones(3))), "Qr", "rank >= 2"),
    (lambda: la.band_part(f64(np.ones((3, 3))), 5, 0), "MatrixBandPart",
     "num_lower must be negative or less or equal to number of rows (3) got: 5"),
    (lambda: la.diag_part(f64(np.ones((3, 4))), k=4), "MatrixDiagPartV3",
     "lower_diag_index is out of bound: 4"),
    (lambda: la.set_diag(f64(np.ones((3, 4))), f64(np.ones(4))), "MatrixSetDiagV3",
     "Expected diagonal shape: [3]"),
    (lambda: la.diag(f64([1.0, 2.0]), k=1, num_rows=2, num_cols=2), "MatrixDiagV3",
     "The number of columns is too small."),
    (lambda: la.cross(f64(np.ones((2, 3))), f64(np.ones(3))), "Cross",
     "Both inputs must be of same shape: [2,3] vs. [3]"),
    (lambda: la.lstsq(f64(np.ones((3, 2))), f64(np.ones((2, 1)))), "MatMul",
     "Matrix size-incompatible"),
    (lambda: la.expm(f64(np.ones((2, 3)))), "MatrixExponential", "must be square"),
])
def test_invalid_argument(call: Callable, op: str, text: str) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        call()
    message = str(info.value)
    assert f"[Op:{op}]" in message and text in message, message
    if op not in ("MatMul",):
        assert "float64" in message and "shapes" in message, message  # names shapes, dtypes


def test_other_errors() -> None:
    with pytest.raises(tf.errors.FailedPreconditionError, match="3-element vectors"):
        la.cross(f64(np.ones((2, 2))), f64(np.ones((2, 2))))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a double"):
        la.solve(f64(np.eye(2)), tf.ones((2, 1)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"of int32 is not in the list.*MatrixInverse"):
        la.inv(tf.constant([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match="does not support matrices of type"):
        la.expm(tf.constant([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match="supported vector norm"):
        la.norm(f64(np.ones(3)), ord="fro")
    with pytest.raises(ValueError, match="supported matrix norm"):
        la.norm(f64(np.ones((2, 2))), ord=3, axis=(0, 1))
    with pytest.raises(ValueError, match="2 unique integers"):
        la.norm(f64(np.ones((2, 2))), axis=(0, 0))
    with pytest.raises(NotImplementedError, match="one diagonal k"):
        la.diag_part(f64(np.ones((3, 3))), k=(0, 1))
    with pytest.raises(NotImplementedError, match="complex128"):
        la.lstsq(f64(cplx(3, 2)), f64(cplx(3, 1)), l2_regularizer=0.1)


@pytest.mark.parametrize(("f", "error", "text"), [
    (lambda t: la.qr(t, full_matrices=True).q, NotImplementedError, "full_matrices is true"),
    (lambda t: la.lstsq(t, f64(np.ones((4, 1))), fast=False), ValueError,
     "Gradient not defined for fast=False"),
    (lambda t: la.det(tf.matmul(t, t, adjoint_a=True) * 0.0), tf.errors.InvalidArgumentError,
     "not invertible"),  # as TF: det's gradient inverts A
])
def test_gradient_errors(f: Callable, error: type, text: str) -> None:
    t = f64(rng.standard_normal((4, 2)))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(f(t))
    with pytest.raises(error, match=text):
        tape.gradient(y, t)
