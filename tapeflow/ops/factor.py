"""``tf.linalg``: inverses, determinants, solves, expm, norms, and the rest.

This module is the linear-algebra family's front: it declares inv, det,
slogdet, solve, expm, cross and lstsq (fast=False), builds the composites TF
also builds in Python (logdet, cholesky_solve, lstsq, pinv, norm, trace,
matvec), and re-exports the structure ops (``structure``) and the
factorizations (``decomp``) it builds on.  Forwards are NumPy's LAPACK
routines, batched over leading axes; rules are tapeflow ops, so nested tapes
give second derivatives.  A cotangent ``g`` gives ``g * conj(df/dx)``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from tapeflow.core.dispatch import describe
from tapeflow.core.errors import FailedPreconditionError, InvalidArgumentError, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, complex_ops, creation, linalg, reduction, shape_ops
from tapeflow.ops.declare import REAL, composite, defop
from tapeflow.ops.decomp import (  # noqa: F401  (re-exported: tf.linalg.*)
    cholesky,
    eigh,
    eigvalsh,
    qr,
    svd,
    triangular_solve,
)
from tapeflow.ops.samples import away_from, composite_rand, rand
from tapeflow.ops.structure import (  # noqa: F401  (re-exported: tf.linalg.*)
    FACTOR,
    adjoint,
    band_part,
    check_matrix,
    diag,
    diag_part,
    expand2,
    fail,
    main_diagonal,
    mm,
    real_part,
    set_diag,
    well_conditioned,
)

__all__ = ["matvec", "inv", "det", "slogdet", "logdet", "solve", "triangular_solve",
           "cholesky", "cholesky_solve", "qr", "svd", "eigh", "eigvalsh", "trace", "diag",
           "diag_part", "set_diag", "band_part", "norm", "lstsq", "expm", "pinv", "cross",
           "adjoint"]

LogMatrixDeterminant = namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


def _trace(x: Tensor) -> Tensor:
    return reduction.reduce_sum(main_diagonal(x), axis=-1)


def _spd_sample(n: int, batch: tuple = ()) -> np.ndarray:
    """A composite's sample: symmetric positive definite, eigenvalues at least n."""
    x = composite_rand(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _swap(xp: Any, a: Any, adjoint: bool) -> Any:
    return xp.swapaxes(a, -1, -2).conj() if adjoint else a


# -- inv ---------------------------------------------------------------------------------------
def _inv_fwd(xp: Any, input: Any, *, adjoint: bool) -> Any:
    check_matrix("MatrixInverse", input)
    try:
        return _swap(xp, xp.linalg.inv(input), adjoint)  # (A^H)^-1 = (A^-1)^H
    except np.linalg.LinAlgError:
        raise fail("MatrixInverse", "Input is not invertible.", input) from None


_singular = np.array([[1.0, 2.0], [2.0, 4.0]])


@defop("MatrixInverse", dtypes=FACTOR,
       reference=lambda x, adjoint: np.linalg.inv(_swap(np, x, adjoint)),
       samples=lambda:
           [Sample(well_conditioned(3), params={"adjoint": False}),
            Sample(well_conditioned(3, (2,)), params={"adjoint": True}),
            Sample(_singular, params={"adjoint": False}, raises=InvalidArgumentError),
            Sample(rand((2, 3)), params={"adjoint": False}, raises=InvalidArgumentError),
            Sample(rand((3,)), params={"adjoint": False}, raises=InvalidArgumentError)])
class _Inverse:
    fwd = _inv_fwd

    # X = A^-1: dX = -X dA X, so grad A = -X^H g X^H; for X = (A^H)^-1, -X g^H X.
    def vjp_input(g, out, *, adjoint):
        if adjoint:
            return -mm(out, mm(g, out, adjoint_a=True))
        return -mm(out, mm(g, out, adjoint_b=True), adjoint_a=True)

    def jvp(dinput, out, *, adjoint):
        return -mm(out, mm(dinput, out, adjoint_a=adjoint))


def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """The inverse of each square matrix (of its adjoint when ``adjoint``).

    A singular matrix raises InvalidArgumentError ("Input is not invertible."), as TF.

    >>> import tapeflow as tf
    >>> tf.linalg.inv([[2.0, 0.0], [0.0, 4.0]]).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    return _Inverse(input, adjoint=bool(adjoint))


# -- det, slogdet, logdet ----------------------------------------------------------------------
def _det_fwd(xp: Any, input: Any) -> Any:
    check_matrix("MatrixDeterminant", input)
    return xp.linalg.det(input)


@defop("MatrixDeterminant", dtypes=FACTOR, reference=np.linalg.det,
       samples=lambda: [Sample(well_conditioned(3)), Sample(rand((2, 2, 2))),
                        Sample(rand((2, 3)), raises=InvalidArgumentError)])
class _Det:
    fwd = _det_fwd

    # d det = det tr(A^-1 dA): grad A = g conj(det) A^-H.  (TF 2.21 omits the conj,
    # which only matters for complex inputs; this is the convention its other rules use.)
    def vjp_input(g, input, out):
        scale = g * arith.conj(out) if out._value.dtype.kind == "c" else g * out
        return expand2(scale) * _Inverse(input, adjoint=True)

    def jvp(dinput, input, out):
        return out * _trace(_Solve(input, dinput, adjoint=False))


def det(input: Any, name: str | None = None) -> Tensor:
    """The determinant of each square matrix.

    >>> import tapeflow as tf
    >>> float(tf.linalg.det([[2.0, 1.0], [1.0, 3.0]]))
    5.0
    """
    return _Det(input)


def _slogdet_fwd(xp: Any, input: Any) -> tuple:
    check_matrix("LogMatrixDeterminant", input)
    sign, log_abs = xp.linalg.slogdet(input)
    return sign.astype(input.dtype), log_abs.astype(input.dtype)  # TF: both in input's dtype


@defop("LogMatrixDeterminant", n_out=2, dtypes=FACTOR,
       reference=lambda x: tuple(v.astype(x.dtype) for v in np.linalg.slogdet(x)),
       samples=lambda: [Sample(well_conditioned(3) * np.array([[-1.0], [1.0], [1.0]])),
                        Sample(well_conditioned(3, (2,))),
                        Sample(rand((3, 2)), raises=InvalidArgumentError)])
class _Slogdet:
    fwd = _slogdet_fwd

    # d log|det A| = Re tr(A^-1 dA): grad A = Re(g) A^-H.  The sign is locally
    # constant for real A; TF gives it no gradient (zeros) for complex A too.
    def vjp_input(g, input):
        if g[1] is None:
            return arith.zeros_like(input)
        return expand2(real_part(g[1])) * _Inverse(input, adjoint=True)

    def jvp(dinput, input, out):
        d_log = real_part(_trace(_Solve(input, dinput, adjoint=False)))
        return arith.zeros_like(out[0]), d_log


def slogdet(input: Any, name: str | None = None) -> LogMatrixDeterminant:
    """``(sign, log_abs_determinant)`` of each square matrix, overflow-free.

    A singular matrix gives sign 0 and -inf.  Both outputs have the input's dtype.

    >>> import tapeflow as tf
    >>> sign, logabs = tf.linalg.slogdet([[0.0, 2.0], [2.0, 0.0]])
    >>> float(sign), round(float(logabs), 4)
    (-1.0, 1.3863)
    """
    return LogMatrixDeterminant(*_Slogdet(input))


# grad=False: as TF, the gradient is the symmetric A^-1, while the forward reads
# only the lower triangle (Cholesky), so differences along a random
# non-symmetric tangent disagree; tests/test_factor.py checks it on symmetric ones.
@composite(samples=lambda:
               [Sample(_spd_sample(3), grad=False), Sample(_spd_sample(2, (2,)), grad=False)],
           reference=lambda matrix: np.linalg.slogdet(matrix)[1])
def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """log det of Hermitian positive definite matrices, via Cholesky (as TF).

    Not positive definite: NaN.  The gradient is A^-1 (symmetric, as TF's).

    >>> import tapeflow as tf
    >>> round(float(tf.linalg.logdet([[2.0, 0.0], [0.0, 2.0]])), 4)
    1.3863
    """
    d = main_diagonal(cholesky(matrix))
    if d._value.dtype.kind == "c":
        d = arith.cast(d, d._value.real.dtype)  # the diagonal of L is real
    return 2.0 * reduction.reduce_sum(arith.log(d), axis=-1)


# -- solve, cholesky_solve ---------------------------------------------------------------------
def _solve_fwd(xp: Any, matrix: Any, rhs: Any, *, adjoint: bool) -> Any:
    name = "MatrixSolve"
    check_matrix(name, matrix, 0, square=False)
    if matrix.ndim != rhs.ndim:
        raise fail(name, "All input tensors must have the same rank.", matrix, rhs)
    if matrix.shape[:-2] != rhs.shape[:-2]:
        raise fail(name, "All input tensors must have the same outer dimensions.", matrix, rhs)
    if matrix.shape[-1] != matrix.shape[-2]:
        raise fail(name, "First input (lhs) must be a square matrix.", matrix, rhs)
    if rhs.shape[-2] != matrix.shape[-1]:
        raise fail(name, "Input matrix and rhs are incompatible.", matrix, rhs)
    try:
        return xp.linalg.solve(_swap(xp, matrix, adjoint), rhs)
    except np.linalg.LinAlgError:
        raise fail(name, "Input matrix is not invertible.", matrix, rhs) from None


@defop("MatrixSolve", dtypes=FACTOR,
       reference=lambda a, b, adjoint: np.linalg.inv(_swap(np, a, adjoint)) @ b,
       samples=lambda:
           [Sample(well_conditioned(3), rand((3, 2)), params={"adjoint": False}),
            Sample(well_conditioned(3, (2,)), rand((2, 3, 1)), params={"adjoint": True}),
            Sample(_singular, rand((2, 1)), params={"adjoint": False},
                   raises=InvalidArgumentError),
            Sample(np.eye(2), rand((3, 1)), params={"adjoint": False},
                   raises=InvalidArgumentError),
            Sample(np.eye(2), rand((2,)), params={"adjoint": False},
                   raises=InvalidArgumentError)])
class _Solve:
    fwd = _solve_fwd

    # X = op(A)^-1 B: grad B = op(A)^-H g; grad A = -grad B X^H (op = ^H: -X grad B^H).
    def vjp(g, matrix, out, *, adjoint):
        grad_rhs = _Solve(matrix, g, adjoint=not adjoint)
        if adjoint:
            return -mm(out, grad_rhs, adjoint_b=True), grad_rhs
        return -mm(grad_rhs, out, adjoint_b=True), grad_rhs

    def jvp(dmatrix, drhs, matrix, out, *, adjoint):  # dX = op(A)^-1 (dB - op(dA) X)
        rhs = drhs
        if dmatrix is not None:
            step = mm(dmatrix, out, adjoint_a=adjoint)
            rhs = -step if rhs is None else rhs - step
        return _Solve(matrix, rhs, adjoint=adjoint)


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """Solve ``op(matrix) X = rhs`` (op = adjoint when ``adjoint``); batch shapes must match.

    >>> import tapeflow as tf
    >>> tf.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [[1.0], [1.0]]).numpy().tolist()
    [[0.5], [0.25]]
    """
    return _Solve(matrix, rhs, adjoint=bool(adjoint))


def _cholesky_solve_reference(chol: Any, rhs: Any) -> Any:
    low = np.tril(chol)  # only the lower triangle is read
    return np.linalg.solve(low @ np.swapaxes(low, -1, -2), rhs)


# The samples' upper triangles are not zero: the solves must not read them.
@composite(samples=lambda:
               [Sample(composite_rand((3, 3)) + 3.0 * np.eye(3), composite_rand((3, 2))),
                Sample(composite_rand((2, 2, 2)) + 2.0 * np.eye(2), composite_rand((2, 2, 1)))],
           reference=_cholesky_solve_reference)
def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Tensor:
    """Solve ``A X = rhs`` given ``chol = cholesky(A)`` (two triangular solves, as TF).

    >>> import tapeflow as tf
    >>> tf.linalg.cholesky_solve([[2.0, 0.0], [0.0, 1.0]], [[4.0], [1.0]]).numpy().tolist()
    [[1.0], [1.0]]
    """
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


# -- lstsq -------------------------------------------------------------------------------------
def _lstsq_fwd(xp: Any, matrix: Any, rhs: Any) -> Any:
    name = "MatrixSolveLs"
    check_matrix(name, matrix, 0, square=False)
    check_matrix(name, rhs, 1, square=False)
    if matrix.shape[-2] != rhs.shape[-2]:
        raise fail(name, f"Matrix size-incompatible: In[0]: {shape_str(matrix.shape)}, "
                   f"In[1]: {shape_str(rhs.shape)}", matrix, rhs)
    batch = np.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    a = xp.broadcast_to(matrix, batch + matrix.shape[-2:])
    b = xp.broadcast_to(rhs, batch + rhs.shape[-2:])
    out = xp.empty(batch + (matrix.shape[-1], rhs.shape[-1]), dtype=np.result_type(a, b))
    for i in np.ndindex(*batch):  # LAPACK gelsd: the minimum-norm least-squares solution
        out[i] = xp.linalg.lstsq(a[i], b[i], rcond=None)[0]
    return out


def _no_gradient(*args: Any, **params: Any) -> None:
    raise ValueError("Gradient not defined for fast=False")


@defop("MatrixSolveLs", dtypes=FACTOR,
       reference=lambda a, b: np.linalg.pinv(a) @ b,
       samples=lambda: [Sample(rand((4, 2)), rand((4, 3)), grad=False),
                        Sample(np.ones((3, 2)), rand((3, 1)), grad=False),  # rank-deficient
                        Sample(rand((3, 2)), rand((2, 1)), raises=InvalidArgumentError)])
class _SolveLs:
    fwd = _lstsq_fwd
    vjp = _no_gradient  # TF: "Gradient not defined for fast=False"
    jvp = _no_gradient


def _lstsq_reference(matrix: Any, rhs: Any, l2_regularizer: float = 0.0) -> Any:
    """The minimum-norm solution; ridge: least squares of [A; sqrt(l) I] X = [B; 0]."""
    if l2_regularizer == 0:
        return np.linalg.pinv(matrix) @ rhs
    n = matrix.shape[-1]
    stacked = np.concatenate([matrix, np.sqrt(l2_regularizer) * np.eye(n)], axis=-2)
    padded = np.concatenate([rhs, np.zeros((n, rhs.shape[-1]))], axis=-2)
    return np.linalg.lstsq(stacked, padded, rcond=None)[0]


@composite(samples=lambda: [Sample(composite_rand((4, 2)), composite_rand((4, 3))),
                            Sample(composite_rand((2, 3, 2)), composite_rand((2, 3, 1))),
                            Sample(composite_rand((2, 4)), composite_rand((2, 1)),
                                   params={"l2_regularizer": 0.3}),
                            Sample(composite_rand((4, 3)), composite_rand((4, 2)),
                                   params={"l2_regularizer": 0.5})],
           reference=_lstsq_reference)
def lstsq(matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True,
          name: str | None = None) -> Tensor:
    """Least-squares solutions of ``matrix X = rhs`` (ridge-regularized by ``l2_regularizer``).

    ``fast=True`` (differentiable) solves the normal equations by Cholesky, as TF's
    composite: (A^H A + l I)^-1 A^H B for m >= n, A^H (A A^H + l I)^-1 B otherwise;
    it needs full rank (else NaN).  ``fast=False`` is the minimum-norm solution
    (LAPACK gelsd; the regularizer is ignored) and has no gradient.

    >>> import tapeflow as tf
    >>> tf.linalg.lstsq([[1.0], [1.0]], [[1.0], [3.0]]).numpy().tolist()
    [[2.0]]
    """
    a = shape_ops._as_tensor(matrix)
    b = convert_to_tensor(arith._read(rhs), dtype=a.dtype)
    regularized = isinstance(l2_regularizer, Tensor) or l2_regularizer != 0
    if a._value.dtype == np.complex128 and regularized:
        raise NotImplementedError("matrix_solve_ls is currently disabled for complex128 and "
                                  "l2_regularizer != 0 due to poor accuracy.")
    if not fast:
        return _SolveLs(a, b)
    m, n = a._value.shape[-2:] if a._value.ndim >= 2 else (0, 0)
    first_kind = m >= n
    gram = mm(a, a, adjoint_a=first_kind, adjoint_b=not first_kind)
    if regularized:
        eye = creation.eye(min(m, n), dtype=a.dtype)
        l2 = l2_regularizer if not isinstance(l2_regularizer, Tensor) else arith.cast(
            l2_regularizer, a.dtype)
        gram = gram + l2 * eye
    chol = cholesky(gram)
    if first_kind:
        return cholesky_solve(chol, mm(a, b, adjoint_a=True))
    return mm(a, cholesky_solve(chol, b), adjoint_a=True)


# -- expm --------------------------------------------------------------------------------------
# Higham 2005, "The scaling and squaring method for the matrix exponential
# revisited": the [13/13] Pade approximant of A / 2^s, squared s times.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm_fwd(xp: Any, input: Any) -> Any:
    check_matrix("MatrixExponential", input)
    work = input.astype(np.complex128 if input.dtype.kind == "c" else np.float64)
    if input.size == 0:
        return input.copy()
    norm = xp.abs(work).sum(axis=-2).max(axis=-1)  # the 1-norm of each matrix
    if not np.all(np.isfinite(norm)):
        return xp.full(input.shape, np.nan, dtype=input.dtype)  # TF: all NaN
    with np.errstate(divide="ignore"):
        squarings = np.maximum(np.ceil(np.log2(norm / _THETA13)), 0).astype(np.int64)
    a = work / (2.0 ** squarings)[..., None, None]
    b, ident = _PADE13, np.eye(input.shape[-1])
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4
             + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * ident
    out = xp.linalg.solve(v - u, v + u)
    for i in range(int(squarings.max(initial=0))):
        out = xp.where((i < squarings)[..., None, None], out @ out, out)
    return out.astype(input.dtype)


def _expm_reference(x: Any) -> Any:
    """Taylor series of x / 2^s (norm <= 1/2) to 30 terms, squared back: independent of Pade."""
    s = max(int(np.ceil(np.log2(max(np.abs(x).sum(axis=-2).max(), 1e-300)))) + 1, 0)
    a, term = x / 2.0 ** s, np.broadcast_to(np.eye(x.shape[-1]), x.shape)
    total = term.copy()
    for k in range(1, 31):
        term = term @ a / k
        total = total + term
    for _ in range(s):
        total = total @ total
    return total


def _frechet(a: Tensor, e: Tensor) -> Tensor:
    """L(A, E), the Frechet derivative of expm at A along E: the upper-right block of
    expm([[A, E], [0, A]]) (Mathias 1996, "A chain rule for matrix functions and
    applications", SIAM J. Matrix Anal. Appl. 17(3); Al-Mohy & Higham 2009)."""
    n = a._value.shape[-1]
    top = shape_ops.concat([a, e], axis=-1)
    bottom = shape_ops.concat([arith.zeros_like(a), a], axis=-1)
    block = _Expm(shape_ops.concat([top, bottom], axis=-2))
    return shape_ops.slice_key(block, (Ellipsis, slice(0, n), slice(n, 2 * n)))


@defop("MatrixExponential", dtypes=FACTOR, reference=_expm_reference,
       samples=lambda:
           [Sample(rand((3, 3))), Sample(rand((2, 2, 2), -0.5, 0.5)),
            Sample(3.0 * rand((3, 3))), Sample(rand((2, 3)), raises=InvalidArgumentError)])
class _Expm:
    fwd = _expm_fwd

    # d expm(A) = L(A, dA); its adjoint is L(A^H, .) (Higham 2008, "Functions of
    # Matrices", ch. 3: L_f(A)^* = L_f(A^*) for f with real Taylor coefficients).
    def vjp_input(g, input):
        return _frechet(adjoint(input), g)

    def jvp(dinput, input):
        return _frechet(input, dinput)


def expm(input: Any, name: str | None = None) -> Tensor:
    """The matrix exponential of each square matrix (scaling and squaring, Pade 13).

    >>> import tapeflow as tf
    >>> round(float(tf.linalg.expm([[1.0]])[0, 0]), 5)
    2.71828
    """
    x = shape_ops._as_tensor(input)
    if x._value.dtype.name not in FACTOR:
        raise ValueError(f"tf.linalg.expm does not support matrices of type {x.dtype!r}")
    return _Expm(x)


# -- cross, matvec, trace, pinv ----------------------------------------------------------------
def _cross_fwd(xp: Any, a: Any, b: Any) -> Any:
    if a.shape != b.shape:
        raise fail("Cross", f"Both inputs must be of same shape: {shape_str(a.shape)} vs. "
                   f"{shape_str(b.shape)}", a, b)
    if a.ndim < 1 or a.shape[-1] != 3:
        raise fail("Cross", "Cross-products are only defined for 3-element vectors.", a, b)
    return xp.cross(a, b)


@defop("Cross", dtypes=REAL, reference=np.cross,
       samples=lambda: [Sample(rand((3,)), rand((3,))), Sample(rand((2, 4, 3)), rand((2, 4, 3))),
                        Sample(rand((2, 3)), rand((3,)), raises=InvalidArgumentError)])
class _Cross:
    fwd = _cross_fwd

    def vjp_a(g, b):  # <g, da x b> = <b x g, da>
        return _Cross(b, g)

    def vjp_b(g, a):  # <g, a x db> = <g x a, db>
        return _Cross(g, a)

    def jvp(da, db, a, b):
        if da is None:
            return _Cross(a, db)
        return _Cross(da, b) if db is None else _Cross(da, b) + _Cross(a, db)


def cross(a: Any, b: Any, name: str | None = None) -> Tensor:
    """Pairwise cross products of 3-element vectors (same shapes, no broadcasting).

    >>> import tapeflow as tf
    >>> tf.linalg.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy().tolist()
    [0.0, 0.0, 1.0]
    """
    a, b = shape_ops._as_tensor(a), shape_ops._as_tensor(b)
    shape = a._value.shape
    if shape == b._value.shape and (not shape or shape[-1] != 3):
        # TF raises FailedPrecondition here; from inside the forward, dispatch's
        # op_error would turn it into InvalidArgument, so it is checked first.
        raise FailedPreconditionError(
            None, None, f"Cross-products are only defined for 3-element vectors. (inputs: "
                        f"{describe((a, b))}) [Op:Cross]")
    return _Cross(a, b)


def _matvec_reference(a: Any, b: Any, transpose_a: bool = False,
                      adjoint_a: bool = False) -> Any:
    op_a = np.swapaxes(a, -1, -2) if transpose_a or adjoint_a else a
    return np.einsum("...ij,...j->...i", op_a.conj() if adjoint_a else op_a, b)


@composite(samples=lambda: [Sample(composite_rand((3, 4)), composite_rand((4,))),
                            Sample(composite_rand((2, 3, 4)), composite_rand((3,)),
                                   params={"adjoint_a": True}),
                            Sample(composite_rand((4, 3)), composite_rand((2, 4)),
                                   params={"transpose_a": True})],
           reference=_matvec_reference)
def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False,
           a_is_sparse: bool = False, b_is_sparse: bool = False,
           name: str | None = None) -> Tensor:
    """Matrix-vector products ``op(a) @ b`` over the last axes; batch axes broadcast.

    >>> import tapeflow as tf
    >>> tf.linalg.matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy().tolist()
    [3.0, 7.0]
    """
    a = shape_ops._as_tensor(a)
    b = convert_to_tensor(arith._read(b), dtype=a.dtype)
    column = linalg.matmul(a, shape_ops.expand_dims(b, -1), transpose_a=transpose_a,
                               adjoint_a=adjoint_a)
    return shape_ops.squeeze(column, -1)


@composite(samples=lambda: [Sample(composite_rand((3, 3))), Sample(composite_rand((2, 3, 4)))],
           reference=lambda x: np.trace(x, axis1=-2, axis2=-1))
def trace(x: Any, name: str | None = None) -> Tensor:
    """The sum of each matrix's main diagonal.

    >>> import tapeflow as tf
    >>> float(tf.linalg.trace([[1.0, 2.0], [3.0, 4.0]]))
    5.0
    """
    return _trace(shape_ops._as_tensor(x))


# grad=False on the rank-one sample: pinv jumps where the rank changes.
@composite(samples=lambda: [Sample(composite_rand((4, 3))), Sample(composite_rand((2, 4))),
                            Sample(composite_rand((2, 3, 3))),
                            Sample(np.array([[1.0, 2.0], [2.0, 4.0], [-1.0, -2.0]]), grad=False)],
           reference=lambda a: np.linalg.pinv(a))
def pinv(a: Any, rcond: Any = None, validate_args: bool = False,
         name: str | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse via the SVD, as TF: singular values at most
    ``rcond * max(s)`` (default 10 max(m, n) eps) count as zero.

    The gradient is the SVD's: it needs distinct nonzero singular values.

    >>> import tapeflow as tf
    >>> tf.linalg.pinv([[2.0, 0.0], [0.0, 0.0]]).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    x = shape_ops._as_tensor(a)
    dt = x._value.dtype
    if rcond is None:
        rcond = 10.0 * max(x._value.shape[-2:]) * float(np.finfo(dt).eps)
    s, u, v = svd(x, full_matrices=False, compute_uv=True)
    cutoff = rcond * reduction.reduce_max(s, axis=-1)
    s = arith.where(arith.greater(s, shape_ops.expand_dims(cutoff, -1)), s, np.inf)
    if dt.kind == "c":
        s = arith.cast(s, dt)
    return mm(v / shape_ops.expand_dims(s, -2), u, adjoint_b=True)  # v S^-1 u^H; 1/inf = 0


# -- norm --------------------------------------------------------------------------------------
def _norm_args(ord: Any, axis: Any) -> tuple[bool, tuple | None]:
    """TF's argument checks; returns (is_matrix_norm, axis as a tuple or None)."""
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        if not all(isinstance(a, int) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {tuple(axis)}")
        if ord not in ("euclidean", "fro", 1, 2, np.inf):
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, 2, inf], got {ord}")
        return True, tuple(axis)
    if not (axis is None or isinstance(axis, int)):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, "
                         f"got {axis}")
    numeric = isinstance(ord, (int, float)) and not isinstance(ord, bool)
    if ord not in ("euclidean", 1, 2, np.inf) and not (numeric and ord > 0):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    return False, None if axis is None else (axis,)


def _spectral_norm(x: Tensor, axis: tuple) -> Tensor:
    """max singular value over the two ``axis`` dimensions, kept as size-1 axes."""
    nd = x._value.ndim
    pos = [a % nd for a in axis]
    perm = [i for i in range(nd) if i not in pos] + pos
    s = svd(shape_ops.transpose(x, perm), compute_uv=False)
    top = shape_ops.expand_dims(reduction.reduce_max(s, axis=-1, keepdims=True), -1)
    return shape_ops.transpose(top, [int(i) for i in np.argsort(perm)])


def _norm_reference(x: Any, ord: Any = "euclidean", axis: Any = None,
                    keepdims: bool = False) -> Any:
    if ord == "euclidean":
        ord = "fro" if isinstance(axis, (tuple, list)) else 2
    if axis is None:  # the whole tensor as one vector
        out = np.linalg.norm(x.reshape(-1), ord)
        return np.reshape(out, (1,) * x.ndim) if keepdims else out
    return np.linalg.norm(x, ord, axis=axis, keepdims=bool(keepdims))


# Two entries: the smooth norms, checked to second order, and those built on abs
# and max (kinks at zeros and ties; the samples keep away from both).
@composite(samples=lambda: [Sample(composite_rand((2, 3))),
                            Sample(composite_rand((3, 2)), params={"ord": "fro", "axis": (0, 1)}),
                            Sample(composite_rand((2, 3)), params={"axis": 1, "keepdims": True}),
                            Sample(composite_rand((2, 3)), params={"ord": 3.0, "axis": 1})],
           reference=_norm_reference)
@composite(name="norm_piecewise", smooth=False, reference=_norm_reference,
           samples=lambda:
               [Sample(away_from(composite_rand((2, 3)), (0.0,)),
                       params={"ord": 1, "axis": 1}),
                Sample(composite_rand((2, 3)), params={"ord": np.inf, "keepdims": True}),
                Sample(away_from(composite_rand((3, 2)), (0.0,)),
                       params={"ord": 1, "axis": (0, 1)}),
                Sample(away_from(composite_rand((2, 3, 2)), (0.0,)),
                       params={"ord": np.inf, "axis": (-2, -1)}),
                Sample(composite_rand((2, 3, 2)), params={"ord": 2, "axis": (-2, -1)}),
                Sample(composite_rand((2, 3)) + 1j * composite_rand((2, 3)),
                       params={"ord": 1, "axis": 1})])
def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,
         name: str | None = None) -> Tensor:
    """Vector norms (ord 'euclidean', 1, 2, inf, any p > 0) over one axis or all of them,
    or matrix norms ('fro', 1, 2, inf) over two axes; also ``tf.norm``.

    As TF's: the euclidean norm is sqrt(sum(x * conj(x))), so its gradient at
    x = 0 is NaN; 1 and inf norms use abs (gradient 0 at 0) and max (ties share).

    >>> import tapeflow as tf
    >>> float(tf.norm([3.0, 4.0]))
    5.0
    """
    is_matrix, axes = _norm_args(ord, axis)
    x = shape_ops._as_tensor(tensor)
    if ord in ("fro", "euclidean", 2, 2.0):
        if is_matrix and ord in (2, 2.0):
            result = _spectral_norm(x, axes)
        else:
            squares = x * arith.conj(x) if x._value.dtype.kind == "c" else x * x
            result = arith.sqrt(reduction.reduce_sum(squares, axes, keepdims=True))
    else:
        result = complex_ops.abs(x)  # complex entries: their real modulus, as TF
        if ord == 1:
            result = reduction.reduce_sum(result, None if axes is None else axes[0], True)
            if is_matrix:
                result = reduction.reduce_max(result, axes[-1], keepdims=True)
        elif ord == np.inf:
            if is_matrix:
                result = reduction.reduce_sum(result, axes[1], keepdims=True)
            result = reduction.reduce_max(result, None if axes is None else axes[0], True)
        else:
            total = reduction.reduce_sum(arith.pow(result, float(ord)), axes, keepdims=True)
            result = arith.pow(total, 1.0 / ord)
    return result if keepdims else shape_ops.squeeze(result, axes)

