"""Triangular solves and the factorizations: triangular_solve, cholesky, qr,
svd, eigh.

Forwards are NumPy's LAPACK routines, batched over leading axes.  Rules are
tapeflow ops (``structure``'s helpers, matmul and these ops themselves), so
nested tapes give second derivatives wherever the factorization is smooth.
Multi-output ops get their cotangents as a tuple with None for unused
outputs and return their tangents as a tuple.

Gauge: singular vectors and eigenvectors are unique only up to a sign (a
phase, for complex inputs); NumPy's LAPACK may choose other signs than TF's
Eigen, and so may nearby inputs.  Their rules assume losses that do not
depend on that choice.  Q and R of ``qr`` match TF's (Householder, as LAPACK).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from tapeflow.core.errors import InvalidArgumentError, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.declare import defop
from tapeflow.ops.samples import rand
from tapeflow.ops.structure import (
    FACTOR,
    adjoint,
    as_dtype_of,
    check_matrix,
    columns,
    fail,
    is_complex,
    lower,
    main_diagonal,
    matrix_diag,
    mm,
    or_zeros,
    real_part,
    reciprocal_gaps,
    safe_reciprocal,
    spd,
    upper,
    well_conditioned,
    with_diagonal,
)

__all__ = ["triangular_solve", "cholesky", "qr", "svd", "eigh", "eigvalsh"]

Qr = namedtuple("Qr", ["q", "r"])


# -- triangular_solve --------------------------------------------------------------------------
def _substitute(xp: Any, a: Any, b: Any, forward: bool) -> Any:
    """Row-by-row substitution: a zero pivot gives inf/nan, as TF's kernel (no error)."""
    x = xp.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                 dtype=np.result_type(a, b))
    n = a.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(n) if forward else range(n - 1, -1, -1):
            rest = b[..., i, :] - xp.einsum("...j,...jk->...k", a[..., i, :], x)
            x[..., i, :] = rest / a[..., i, i][..., None]
    return x


def _trisolve_fwd(xp: Any, matrix: Any, rhs: Any, *, lower: bool, adjoint: bool) -> Any:
    name = "MatrixTriangularSolve"
    check_matrix(name, matrix, 0, square=False)
    check_matrix(name, rhs, 1, square=False)
    m = matrix.shape[-1]
    if matrix.shape[-2] != m:
        raise fail(name, f"In[0] matrices in the last dimensions must be square "
                   f"({m} =/= {matrix.shape[-2]})", matrix, rhs)
    if rhs.shape[-2] != m:
        raise fail(name, f"In[0] mismatch In[1] shape: {m} vs. {rhs.shape[-2]}: "
                   f"{shape_str(matrix.shape)} {shape_str(rhs.shape)}", matrix, rhs)
    try:
        batch = np.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    except ValueError:
        raise fail(name, f"In[0] and In[1] must have compatible batch dimensions: "
                   f"{shape_str(matrix.shape)} vs. {shape_str(rhs.shape)}", matrix, rhs) from None
    tri = xp.tril(matrix) if lower else xp.triu(matrix)  # the other triangle is never read
    if adjoint:
        tri = xp.swapaxes(tri, -1, -2).conj()
    tri = xp.broadcast_to(tri, batch + (m, m))
    rhs = xp.broadcast_to(rhs, batch + rhs.shape[-2:])
    try:
        return xp.linalg.solve(tri, rhs)
    except np.linalg.LinAlgError:
        return _substitute(xp, tri, rhs, lower != adjoint)


def _trisolve_reference(a: Any, b: Any, lower: bool, adjoint: bool) -> Any:
    tri = np.tril(a) if lower else np.triu(a)
    tri = np.swapaxes(tri, -1, -2).conj() if adjoint else tri
    return np.linalg.inv(tri) @ b


@defop("MatrixTriangularSolve", dtypes=FACTOR, broadcasts=True, core_ndim=2,
       reference=_trisolve_reference,
       samples=lambda: [Sample(well_conditioned(3), rand((3, 2)),
                               params={"lower": True, "adjoint": False}),
                        Sample(well_conditioned(3), rand((3, 2)),
                               params={"lower": False, "adjoint": True}),
                        Sample(well_conditioned(3, (2,)), rand((3, 1)),
                               params={"lower": True, "adjoint": True}),
                        Sample(well_conditioned(3), rand((2, 3, 2)),
                               params={"lower": False, "adjoint": False}),
                        Sample(np.eye(2), rand((3, 1)), params={"lower": True, "adjoint": False},
                               raises=InvalidArgumentError)])
class _TriangularSolve:
    fwd = _trisolve_fwd

    # X = op(T)^-1 B: dB = op(T)^-H g; dT = -dB X^H (or -X dB^H for op = ^H), on T's triangle.
    def vjp(g, matrix, out, *, lower, adjoint):
        grad_rhs = _TriangularSolve(matrix, g, lower=lower, adjoint=not adjoint)
        grad = mm(out, grad_rhs, adjoint_b=True) if adjoint else mm(grad_rhs, out, adjoint_b=True)
        return -_triangle(grad, lower), grad_rhs

    def jvp(dmatrix, drhs, matrix, out, *, lower, adjoint):  # dX = op(T)^-1 (dB - op(dT) X)
        rhs = drhs
        if dmatrix is not None:
            step = mm(_triangle(dmatrix, lower), out, adjoint_a=adjoint)
            rhs = -step if rhs is None else rhs - step
        return _TriangularSolve(matrix, rhs, lower=lower, adjoint=adjoint)


def _triangle(x: Tensor, is_lower: bool) -> Tensor:
    return lower(x) if is_lower else upper(x)


def triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                     name: str | None = None) -> Tensor:
    """Solve ``op(T) X = rhs`` for triangular ``T`` (only its ``lower`` or upper triangle is
    read); batch axes broadcast.  A zero on T's diagonal gives inf/nan, as in TF.

    >>> import tapeflow as tf
    >>> tf.linalg.triangular_solve([[2.0, 0.0], [1.0, 1.0]], [[2.0], [2.0]]).numpy().tolist()
    [[1.0], [1.0]]
    """
    return _TriangularSolve(matrix, rhs, lower=bool(lower), adjoint=bool(adjoint))


# -- cholesky ----------------------------------------------------------------------------------
def _cholesky_fwd(xp: Any, input: Any) -> Any:
    check_matrix("Cholesky", input)
    try:
        return xp.linalg.cholesky(input)  # reads the lower triangle only, as TF
    except np.linalg.LinAlgError:
        pass
    # TF gives NaN for a matrix that is not positive definite, and factors the others.
    flat = input.reshape((-1,) + input.shape[-2:])
    out = xp.full(flat.shape, np.nan, dtype=input.dtype)
    for i, a in enumerate(flat):
        try:
            out[i] = xp.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            pass
    return out.reshape(input.shape)


def _phi(x: Tensor) -> Tensor:
    """The lower triangle of x with its diagonal halved (Murray 2016's Phi)."""
    return with_diagonal(lower(x), 0.5 * main_diagonal(x))


def _cholesky_reference(a: Any) -> Any:
    low = np.tril(a, -1)
    return np.linalg.cholesky(low + np.swapaxes(low, -1, -2).conj() + np.tril(np.triu(a)))


@defop("Cholesky", dtypes=FACTOR, reference=_cholesky_reference,
       # grad=False: TF's gradient is symmetric (it treats A as Hermitian), but the
       # forward reads only the lower triangle, so differences along a random
       # non-symmetric tangent disagree; tests/test_factor.py checks it on
       # symmetric tangents, to second order.
       samples=lambda: [Sample(spd(3), grad=False), Sample(spd(2, (2,)), grad=False),
                        Sample(rand((2, 3)), raises=InvalidArgumentError)])
class _Cholesky:
    fwd = _cholesky_fwd

    # A = L L^H (Murray 2016, "Differentiation of the Cholesky decomposition",
    # arXiv:1602.07527; as TF):
    # grad A = sym(L^-H Phi(L^H g) L^-1), sym(X) = (X + X^H) / 2.
    def vjp_input(g, out):
        inner = _TriangularSolve(out, _phi(mm(out, g, adjoint_a=True)), lower=True,
                                 adjoint=True)  # L^-H Phi(L^H g)
        grad = adjoint(_TriangularSolve(out, adjoint(inner), lower=True, adjoint=True))
        return 0.5 * (grad + adjoint(grad))

    # The JVP of the same convention: dL = L Phi(L^-1 sym(dA) L^-H).
    def jvp(dinput, out):
        sym = 0.5 * (dinput + adjoint(dinput))
        half = _TriangularSolve(out, sym, lower=True, adjoint=False)  # L^-1 S
        inner = _TriangularSolve(out, adjoint(half), lower=True, adjoint=False)
        return mm(out, _phi(inner))


def cholesky(input: Any, name: str | None = None) -> Tensor:
    """The lower Cholesky factor L of each Hermitian positive definite matrix (A = L L^H).

    Only the lower triangle is read; a matrix that is not positive definite gives
    NaN (TF 2.21's CPU kernel does the same).  The gradient is TF's symmetric one.

    >>> import tapeflow as tf
    >>> tf.linalg.cholesky([[4.0, 2.0], [2.0, 2.0]]).numpy().tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    return _Cholesky(input)


# -- qr ----------------------------------------------------------------------------------------
def _qr_fwd(xp: Any, input: Any, *, full_matrices: bool) -> Any:
    check_matrix("Qr", input, square=False)
    return tuple(xp.linalg.qr(input, mode="complete" if full_matrices else "reduced"))


def _times_r_inverse_h(x: Tensor, r: Tensor) -> Tensor:
    """x R^-H for upper-triangular R."""
    return adjoint(_TriangularSolve(r, adjoint(x), lower=False, adjoint=False))


def _times_r_inverse(x: Tensor, r: Tensor) -> Tensor:
    """x R^-1 for upper-triangular R."""
    return adjoint(_TriangularSolve(r, adjoint(x), lower=False, adjoint=True))


def _qr_grad_deep(q: Tensor, r: Tensor, dq: Tensor, dr: Tensor) -> Tensor:
    """VJP of A = QR for m >= n (Roberts & Roberts 2020, arXiv:2009.10071; as TF):
    grad A = Q (dR + tril(M) R^-H) + (dQ - Q Q^H dQ) R^-H,
    M = (Q^H dQ - dQ^H Q) + (R dR^H - dR R^H)."""
    qdq = mm(q, dq, adjoint_a=True)
    rdr = mm(r, dr, adjoint_b=True)
    tril = lower((qdq - adjoint(qdq)) + (rdr - adjoint(rdr)))
    grad = mm(q, dr + _times_r_inverse_h(tril, r)) + _times_r_inverse_h(dq - mm(q, qdq), r)
    if is_complex(q):  # R's real diagonal fixes the phases; its imaginary part gets this term
        eyem = matrix_diag(main_diagonal(rdr - adjoint(qdq)))
        grad = grad + _times_r_inverse_h(mm(q, adjoint(eyem - real_part(eyem))), r)
    return grad


def _qr_jvp_deep(q: Tensor, r: Tensor, da: Tensor) -> tuple:
    """JVP of A = QR for m >= n (Walter, Lehmann & Lamour 2012, Optim. Methods Softw.
    27(2); in the form of JAX's qr_jvp_rule):
    C = Q^H dA R^-1, O = tril(C, -1) - tril(C, -1)^H (+ i Im diag C);
    dQ = Q (O - C) + dA R^-1, dR = (C - O) R."""
    da_rinv = _times_r_inverse(da, r)
    c = mm(q, da_rinv, adjoint_a=True)
    low = lower(c, strict=True)
    omega = low - adjoint(low)
    if is_complex(q):
        d = main_diagonal(c)
        omega = omega + matrix_diag(d - real_part(d))
    return mm(q, omega - c) + da_rinv, mm(c - omega, r)


def _qr_shape(a: Tensor, full_matrices: bool) -> tuple[int, int]:
    m, n = a._value.shape[-2:]
    if full_matrices and m > n:
        raise NotImplementedError(f"QrGrad not implemented when nrows > ncols and "
                                  f"full_matrices is true. Received r.shape={(m, n)} with "
                                  f"nrows={m}and ncols={n}.")
    return m, n


@defop("Qr", n_out=2, dtypes=FACTOR,
       reference=lambda x, full_matrices: tuple(np.linalg.qr(
           x, mode="complete" if full_matrices else "reduced")),
       # Householder QR (LAPACK and TF's Eigen alike) is smooth away from rank
       # deficiency, so the table checks Q and R directly.
       samples=lambda:
           [Sample(rand((4, 3)), params={"full_matrices": False}),
            Sample(rand((2, 3, 3)), params={"full_matrices": False}),
            Sample(rand((3, 5)), params={"full_matrices": False}),
            Sample(rand((2, 4)), params={"full_matrices": True}),
            Sample(rand((4, 2)), params={"full_matrices": True}, grad=False),
            Sample(rand((3,)), params={"full_matrices": False}, raises=InvalidArgumentError)])
class _Qr:
    fwd = _qr_fwd

    def vjp_input(g, input, out, *, full_matrices):
        m, n = _qr_shape(input, full_matrices)
        q, r = out
        dq, dr = or_zeros(g[0], q), or_zeros(g[1], r)
        if m >= n:
            return _qr_grad_deep(q, r, dq, dr)
        # Wide: A = [X | Y], R = [U | V] with X = QU (square) and V = Q^H Y.
        y, dv = columns(input, m, None), columns(dr, m, None)
        dx = _qr_grad_deep(q, columns(r, 0, m), dq + mm(y, dv, adjoint_b=True),
                           columns(dr, 0, m))
        return shape_ops.concat([dx, mm(q, dv)], axis=-1)

    def jvp(dinput, input, out, *, full_matrices):
        m, n = _qr_shape(input, full_matrices)
        q, r = out
        if m >= n:
            return _qr_jvp_deep(q, r, dinput)
        dq, du = _qr_jvp_deep(q, columns(r, 0, m), columns(dinput, 0, m))
        dv = mm(dq, columns(input, m, None), adjoint_a=True) + mm(
            q, columns(dinput, m, None), adjoint_a=True)
        return dq, shape_ops.concat([du, dv], axis=-1)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> Qr:
    """QR decomposition: ``Qr(q, r)`` with orthonormal columns in q, upper-triangular r.

    Gradients cover square, tall and wide matrices (``full_matrices=True`` only for
    rows <= columns, as TF).

    >>> import tapeflow as tf
    >>> q, r = tf.linalg.qr([[3.0, 0.0], [4.0, 1.0]])
    >>> abs(float(r[0, 0]))
    5.0
    """
    return Qr(*_Qr(input, full_matrices=bool(full_matrices)))


# -- svd ---------------------------------------------------------------------------------------
def _svd_fwd(xp: Any, input: Any, *, compute_uv: bool, full_matrices: bool) -> tuple:
    check_matrix("Svd", input, square=False)
    if not compute_uv:
        empty = xp.zeros((0,), dtype=input.dtype)  # TF's op has three outputs regardless
        return xp.linalg.svd(input, compute_uv=False), empty, empty
    u, s, vh = xp.linalg.svd(input, full_matrices=full_matrices)
    return s, u, xp.swapaxes(vh, -1, -2).conj()  # TF returns V, not V^H


def _svd_reference(x: Any, compute_uv: bool, full_matrices: bool) -> tuple:
    if not compute_uv:
        empty = np.zeros((0,), x.dtype)
        return np.linalg.svd(x, compute_uv=False), empty, empty
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return s, u, np.swapaxes(vh, -1, -2).conj()


def _svd_grad(a: Tensor, out: tuple, g: tuple, full_matrices: bool) -> Tensor:
    """VJP of A = U diag(s) V^H (TF's rule: Giles 2008 for s and the full case;
    Townsend 2016, "Differentiating the singular value decomposition", for U and V;
    the complex term from Wan & Zhang 2019, arXiv:1909.02659).  With
    f[i, j] = 1/(s_j^2 - s_i^2), for m <= n (m > n: apply it to A^H):
    grad A = U [diag(gs) + (F_U + F_U^H) S + S (F_V + F_V^H)] V1^H
             + U S^-1 (gV1^H - gV1^H V1 V1^H),  F_U = f * U^H gU, F_V = f * V1^H gV1."""
    s, u, v = out
    gs, gu, gv = or_zeros(g[0], s), or_zeros(g[1], u), or_zeros(g[2], v)
    m, n = a._value.shape[-2:]
    flip = m > n
    if flip:
        m, n, u, v, gu, gv = n, m, v, u, gv, gu
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError(f"svd gradient is not implemented for abs(m - n) > 1 when "
                                  f"full_matrices is True. Received: m={m} and n={n}.")
    sc = as_dtype_of(s, a)
    s_mat, s_inv = matrix_diag(sc), matrix_diag(safe_reciprocal(sc))
    f = reciprocal_gaps(sc * sc)  # broadened: 0 where singular values repeat
    v1, gv1 = columns(v, 0, m), columns(gv, 0, m)
    f_u, v_gv = f * mm(u, gu, adjoint_a=True), mm(v1, gv1, adjoint_a=True)
    f_v = f * v_gv
    middle = (matrix_diag(as_dtype_of(gs, a)) + mm(f_u + adjoint(f_u), s_mat)
              + mm(s_mat, f_v + adjoint(f_v)))
    grad = mm(u, mm(middle, v1, adjoint_b=True))
    if m != n:
        rest = adjoint(gv1) - mm(mm(gv1, v1, adjoint_a=True), v1, adjoint_b=True)
        if full_matrices:
            v2, gv2 = columns(v, m, n), columns(gv, m, n)
            rest = rest - mm(mm(v1, gv2, adjoint_a=True), v2, adjoint_b=True)
        grad = grad + mm(mm(u, s_inv), rest)
    if is_complex(a):  # the phase of each (u_i, v_i) pair is carried by V
        phases = matrix_diag(main_diagonal(v_gv))
        grad = grad + 0.5 * mm(u, mm(mm(s_inv, adjoint(phases) - phases), v1, adjoint_b=True))
    return adjoint(grad) if flip else grad


def _svd_tangent(da: Tensor, a: Tensor, s: Tensor, u: Tensor, v: Tensor) -> tuple:
    """JVP of the thin SVD (as JAX's svd_jvp_rule, phases on V like TF's VJP):
    P = U^H dA V, ds = Re diag P, dU = U (f * (P S + S P^H)) [+ (I - U U^H) dA V S^-1],
    dV = V (f * (S P + P^H S) - i Im diag(P) S^-1) [+ (I - V V^H) dA^H U S^-1]."""
    m, n = a._value.shape[-2:]
    sc = as_dtype_of(s, a)
    p = mm(u, mm(da, v), adjoint_a=True)
    f = reciprocal_gaps(sc * sc)
    ps = p * shape_ops.expand_dims(sc, -2)
    sp = shape_ops.expand_dims(sc, -1) * p
    du = mm(u, f * (ps + adjoint(ps)))
    dv_inner = f * (sp + adjoint(sp))
    s_inv = safe_reciprocal(sc)
    if is_complex(a):
        d = main_diagonal(p)
        dv_inner = dv_inner - matrix_diag((d - real_part(d)) * s_inv)
    dv = mm(v, dv_inner)
    s_inv_row = shape_ops.expand_dims(s_inv, -2)
    if m > n:
        dav = mm(da, v)
        du = du + (dav - mm(u, mm(u, dav, adjoint_a=True))) * s_inv_row
    if n > m:
        dahu = mm(da, u, adjoint_a=True)
        dv = dv + (dahu - mm(v, mm(v, dahu, adjoint_a=True))) * s_inv_row
    return arith.cast(main_diagonal(p), s._value.dtype), du, dv


@defop("Svd", n_out=3, dtypes=FACTOR, reference=_svd_reference,
       # Singular values are gauge-free: the table checks them.  Singular vectors
       # are not (signs), so tests/test_factor.py checks those rules through
       # sign-invariant losses.
       samples=lambda:
           [Sample(rand((3, 3)), params={"compute_uv": False, "full_matrices": False}),
            Sample(rand((4, 2)), params={"compute_uv": False, "full_matrices": False}),
            Sample(rand((2, 2, 5)), params={"compute_uv": False, "full_matrices": False}),
            Sample(rand((4, 3)), params={"compute_uv": True, "full_matrices": False},
                   grad=False),
            Sample(rand((2, 3, 4)), params={"compute_uv": True, "full_matrices": True},
                   grad=False),
            Sample(rand((3,)), params={"compute_uv": True, "full_matrices": False},
                   raises=InvalidArgumentError)])
class _Svd:
    fwd = _svd_fwd

    def vjp_input(g, input, out, *, compute_uv, full_matrices):
        if compute_uv:
            return _svd_grad(input, out, g, full_matrices)
        _, u, v = _Svd(input, compute_uv=True, full_matrices=False)  # d s_i = u_i^H dA v_i
        gs = as_dtype_of(or_zeros(g[0], out[0]), input)
        return mm(u, mm(matrix_diag(gs), v, adjoint_b=True))

    def jvp(dinput, input, out, *, compute_uv, full_matrices):
        m, n = input._value.shape[-2:]
        if not compute_uv:
            _, u, v = _Svd(input, compute_uv=True, full_matrices=False)
            ds = _svd_tangent(dinput, input, out[0], u, v)[0]
            return ds, arith.zeros_like(out[1]), arith.zeros_like(out[2])
        if full_matrices and m != n:
            raise NotImplementedError("tapeflow: the SVD's forward-mode derivative needs "
                                      "full_matrices=False (or square matrices)")
        return _svd_tangent(dinput, input, *out)


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True,
        name: str | None = None) -> Any:
    """Singular values, and with ``compute_uv`` the tuple ``(s, u, v)``: TF's order, and v
    itself (A = u diag(s) v^H), not v^H as NumPy.  s is real and descending.

    Gradients through u and v need distinct singular values (repeated ones give
    the broadened, meaningless 0 of TF's 1/(s_j^2 - s_i^2)); zero singular
    values of a non-square matrix likewise.  Signs of u, v may differ from TF's.

    >>> import tapeflow as tf
    >>> tf.linalg.svd([[3.0, 0.0], [0.0, -4.0]], compute_uv=False).numpy().tolist()
    [4.0, 3.0]
    """
    out = _Svd(tensor, compute_uv=bool(compute_uv), full_matrices=bool(full_matrices))
    return out if compute_uv else out[0]


# -- eigh --------------------------------------------------------------------------------------
def _eigh_fwd(xp: Any, input: Any, *, compute_v: bool) -> tuple:
    check_matrix("SelfAdjointEigV2", input)
    if not compute_v:  # eigenvalues keep the input's dtype (complex too), as TF
        return xp.linalg.eigvalsh(input).astype(input.dtype), xp.zeros((0,), input.dtype)
    e, v = xp.linalg.eigh(input)  # reads the lower triangle only, as TF
    return e.astype(input.dtype), v


def _eigh_reference(x: Any, compute_v: bool) -> tuple:
    e, v = np.linalg.eigh(x)
    return e.astype(x.dtype), (v if compute_v else np.zeros((0,), x.dtype))


def _hermitian_from_lower(x: Tensor) -> Tensor:
    """The Hermitian matrix the forward sees: x's strict lower triangle, mirrored."""
    low = lower(x, strict=True)
    return low + adjoint(low) + matrix_diag(real_part(main_diagonal(x)))


@defop("SelfAdjointEigV2", n_out=2, dtypes=FACTOR, reference=_eigh_reference,
       samples=lambda:
           [Sample(spd(3), params={"compute_v": False}),
            Sample(rand((2, 4, 4)), params={"compute_v": False}),
            Sample(rand((3, 3)), params={"compute_v": True}, grad=False),
            Sample(rand((2, 3)), params={"compute_v": True}, raises=InvalidArgumentError)])
class _Eigh:
    fwd = _eigh_fwd

    # A V = V diag(e) (Giles 2008, as TF), f[i, j] = 1/(e_j - e_i):
    # grad A = V (diag(ge) + f * V^H gV) V^H, then folded onto the lower triangle,
    # the only part the forward reads.
    def vjp_input(g, input, out, *, compute_v):
        e = out[0]
        v = out[1] if compute_v else _Eigh(input, compute_v=True)[1]
        middle = matrix_diag(or_zeros(g[0], e))
        if compute_v and g[1] is not None:
            middle = middle + reciprocal_gaps(e) * mm(v, g[1], adjoint_a=True)
        grad = mm(v, mm(middle, v, adjoint_b=True))
        grad = lower(grad + adjoint(grad))
        return with_diagonal(grad, 0.5 * main_diagonal(grad))

    # de = diag(V^H dA V), dV = V (f * V^H dA V), dA the Hermitian matrix of the lower triangle.
    def jvp(dinput, input, out, *, compute_v):
        e, v = out if compute_v else _Eigh(input, compute_v=True)
        inner = mm(v, mm(_hermitian_from_lower(dinput), v), adjoint_a=True)
        de = real_part(main_diagonal(inner))
        if not compute_v:
            return de, arith.zeros_like(out[1])
        return de, mm(v, reciprocal_gaps(e) * inner)


def eigh(tensor: Any, name: str | None = None) -> tuple:
    """Eigen-decomposition of Hermitian matrices: ``(e, v)``, e ascending, A v = v diag(e).

    Only the lower triangle is read (the gradient lives there too, as TF's).
    Eigenvector gradients need distinct eigenvalues: repeated ones get TF's
    broadened 1/(e_j - e_i) = 0, exact only for losses invariant to rotations
    within the eigenspace.  Signs (phases) of v may differ from TF's.

    >>> import tapeflow as tf
    >>> e, v = tf.linalg.eigh([[2.0, 0.0], [0.0, 1.0]])
    >>> e.numpy().tolist()
    [1.0, 2.0]
    """
    return tuple(_Eigh(tensor, compute_v=True))


def eigvalsh(tensor: Any, name: str | None = None) -> Tensor:
    """Eigenvalues of Hermitian matrices, ascending (``eigh`` without vectors).

    >>> import tapeflow as tf
    >>> tf.linalg.eigvalsh([[2.0, 1.0], [1.0, 2.0]]).numpy().tolist()
    [1.0, 3.0]
    """
    return _Eigh(tensor, compute_v=False)[0]
