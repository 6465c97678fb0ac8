"""General (non-Hermitian) matrix functions: ``eig``, ``eigvals``, ``sqrtm``, ``logm``.

``eig`` is NumPy's LAPACK geev, batched over leading axes; its outputs are
complex (complex64 for float32 and complex64 inputs, complex128 otherwise).
Eigenvectors have unit norm, but their phase is LAPACK's (largest component
real), not TF's: Eigen's ComplexEigenSolver takes it from its complex Schur
vectors, which no simple rule reproduces.  Losses that depend on the phase
differ from TF's; the rules, TF's _EigGrad, assume losses that do not.

``sqrtm`` and ``logm`` are SciPy's Schur-based ``scipy.linalg.sqrtm`` and
``logm`` (SciPy is an optional extra, imported on first use).  ``sqrtm``'s
gradient is TF's: a Sylvester equation solved through a Kronecker-product
system.  TF registers no gradient for ``logm``: tapeflow raises its
LookupError.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tapeflow.core.errors import InvalidArgumentError, NotFoundError
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.declare import defop, no_gradient
from tapeflow.ops.factor import solve
from tapeflow.ops.samples import rand
from tapeflow.ops.special import scipy_module
from tapeflow.ops.structure import (
    FACTOR,
    adjoint,
    check_matrix,
    main_diagonal,
    matrix_diag,
    matrix_transpose,
    mm,
    or_zeros,
    real_part,
    reciprocal_gaps,
    spd,
    well_conditioned,
)

__all__ = ["eig", "eigvals", "sqrtm", "logm"]


def _per_matrix(fn: Any, input: Any, dtype: Any) -> Any:
    """``fn`` on each matrix of a stack, results in ``dtype``."""
    flat = input.reshape((int(np.prod(input.shape[:-2])),) + input.shape[-2:])
    out = np.empty(flat.shape, dtype)
    for i, a in enumerate(flat if input.size else ()):
        out[i] = fn(a)
    return out.reshape(input.shape)


# -- eig, eigvals ------------------------------------------------------------------------------
def _complex_of(dtype: Any) -> Any:
    return np.complex64 if dtype in (np.float32, np.complex64) else np.complex128


def _eig_fwd(xp: Any, input: Any, *, compute_v: bool) -> tuple:
    check_matrix("Eig", input)
    out = _complex_of(input.dtype)
    if not compute_v:
        return xp.linalg.eigvals(input).astype(out), xp.zeros((0,), out)
    e, v = xp.linalg.eig(input)
    return e.astype(out), v.astype(out)


def _eig_reference(x: Any, compute_v: bool) -> tuple:
    e, v = np.linalg.eig(x)
    out = _complex_of(x.dtype)
    return e.astype(out), (v.astype(out) if compute_v else np.zeros((0,), out))


def _eig_samples() -> list:
    # Eigenvalues are gauge-free: the table checks their rules.  Eigenvectors are
    # not (phases), so tests/test_eig.py checks those through phase-free losses.
    complex3 = well_conditioned(3) + 1j * rand((3, 3))
    return [Sample(well_conditioned(3), params={"compute_v": False}),
            Sample(rand((2, 3, 3)) + 4 * np.diag([1.0, 2.0, 3.0]), params={"compute_v": False}),
            Sample(complex3, params={"compute_v": False}),
            Sample(rand((3, 3)), params={"compute_v": True}, grad=False),
            Sample(rand((2, 3)), params={"compute_v": True}, raises=InvalidArgumentError)]


@defop("Eig", n_out=2, dtypes=FACTOR, reference=_eig_reference, samples=_eig_samples)
class _Eig:
    fwd = _eig_fwd

    # A V = V diag(e) (Boeddeker et al. 2017, arXiv:1701.00392, eq. 4.77; as TF),
    # f[i, j] = 1/(e_j - e_i): grad A = V^-H (diag(ge) + conj(f) * (V^H gV
    # - V^H V diag(Re diag(V^H gV)))) V^H; its real part for real A.
    def vjp_input(g, input, out, *, compute_v):
        e = out[0]
        v = out[1] if compute_v else _Eig(input, compute_v=True)[1]
        vt = adjoint(v)
        middle = matrix_diag(or_zeros(g[0], e))
        if compute_v and g[1] is not None:
            vgv = mm(vt, g[1])
            norms = matrix_diag(real_part(main_diagonal(vgv)))
            middle = middle + arith.conj(reciprocal_gaps(e)) * (vgv - mm(mm(vt, v), norms))
        return arith.cast(solve(vt, mm(middle, vt)), input._value.dtype)

    # P = V^-1 dA V: de = diag P, dV = V (f * P), less each column's change of norm.
    def jvp(dinput, input, out, *, compute_v):
        e, v = out if compute_v else _Eig(input, compute_v=True)
        inner = solve(v, mm(arith.cast(dinput, v._value.dtype), v))
        de = main_diagonal(inner)
        if not compute_v:
            return de, arith.zeros_like(out[1])
        dv = mm(v, reciprocal_gaps(e) * inner)
        stretch = real_part(main_diagonal(mm(v, dv, adjoint_a=True)))
        return de, dv - v * shape_ops.expand_dims(stretch, -2)


def _eig_input(tensor: Any) -> Tensor:
    tensor = convert_to_tensor(arith._read(tensor))
    if tensor._value.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        # TF 2.21's Python wrapper picks the output dtype by an if/elif with no
        # else, so other dtypes fail there, before the op.
        raise UnboundLocalError("cannot access local variable 'out_dtype' where it is "
                                "not associated with a value")
    return tensor


def eig(tensor: Any, name: str | None = None) -> tuple:
    """Eigenvalues and right eigenvectors ``(e, v)`` of square matrices: A v = v diag(e).

    Both are complex (complex64 from float32 and complex64).  Eigenvalues come in
    LAPACK's order, not sorted; eigenvector columns have unit norm, their phase
    may differ from TF's.  Gradients (TF's) need distinct eigenvalues and losses
    that do not depend on the eigenvectors' phases.

    >>> import tapeflow as tf
    >>> e, v = tf.linalg.eig([[2.0, 0.0], [0.0, 3.0]])
    >>> e.numpy().tolist(), e.dtype.name
    ([(2+0j), (3+0j)], 'complex64')
    """
    return tuple(_Eig(_eig_input(tensor), compute_v=True))


def eigvals(tensor: Any, name: str | None = None) -> Tensor:
    """Eigenvalues of square matrices (``eig`` without vectors), complex, unsorted.

    >>> import tapeflow as tf
    >>> tf.linalg.eigvals([[0.0, -1.0], [1.0, 0.0]]).numpy().tolist()
    [1j, -1j]
    """
    return _Eig(_eig_input(tensor), compute_v=False)[0]


# -- sqrtm -------------------------------------------------------------------------------------
def _unsupported_half(op_name: str, input: Any) -> None:
    if input.dtype == np.float16:  # TF declares half but has no CPU kernel for it
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node {op_name}}}}}"
                            f" = {op_name}[T=DT_HALF] [Op:{op_name}]")


def _sqrtm_one(a: Any) -> Any:
    root = scipy_module("linalg", "tf.linalg.sqrtm").sqrtm(a)
    if a.dtype.kind != "c" and np.iscomplexobj(root):
        return np.full(a.shape, np.nan)  # a real negative eigenvalue: TF's real Schur gives NaN
    return root


def _sqrtm_fwd(xp: Any, input: Any) -> Any:
    check_matrix("MatrixSquareRoot", input)
    _unsupported_half("MatrixSquareRoot", input)
    return _per_matrix(_sqrtm_one, input, input.dtype)


def _kron_sum(r: Tensor) -> Tensor:
    """K = kron(R, I) + kron(I, R^T): K vec(X) = vec(R X + X R), vec by rows."""
    shape = r._value.shape
    n, batch = shape[-1], shape[:-2]
    eye = np.broadcast_to(np.eye(n, dtype=r._value.dtype), shape)
    left = shape_ops.reshape(r, batch + (n, 1, n, 1)) * eye.reshape(batch + (1, n, 1, n))
    right = shape_ops.reshape(matrix_transpose(r), batch + (1, n, 1, n)) * eye.reshape(
        batch + (n, 1, n, 1))
    return shape_ops.reshape(left + right, batch + (n * n, n * n))


def _solve_sylvester(r: Tensor, c: Tensor) -> Tensor:
    """X with R X + X R = C, through the n^2 x n^2 Kronecker system (as TF)."""
    shape = r._value.shape
    vec = shape_ops.reshape(c, shape[:-2] + (shape[-1] ** 2, 1))
    return shape_ops.reshape(solve(_kron_sum(r), vec), shape)


def _sqrtm_reference(x: Any) -> Any:
    import scipy.linalg
    return np.stack([scipy.linalg.sqrtm(a) for a in x.reshape((-1,) + x.shape[-2:])]).reshape(
        x.shape)


@defop("MatrixSquareRoot", dtypes=FACTOR + ("float16",), reference=_sqrtm_reference,
       samples=lambda:
           [Sample(spd(3)), Sample(spd(2, (2,))),
            Sample(np.array([[1.0, 2.0], [-2.0, 1.5]])),  # complex eigenvalues, real root
            # TF's rule transposes R where the adjoint is meant: exact for real R
            # only, so complex gradients are pinned to TF's values in test_eig.
            Sample(spd(2) + 1j * rand((2, 2)), grad=False),
            Sample(rand((2, 3)), raises=InvalidArgumentError)])
class _Sqrtm:
    fwd = _sqrtm_fwd

    # A = R R, so dA = R dR + dR R; TF's VJP: grad A = X with R^T X + X R^T = g.
    def vjp_input(g, out):
        return matrix_transpose(_solve_sylvester(out, matrix_transpose(g)))

    def jvp(dinput, out):  # R dR + dR R = dA
        return _solve_sylvester(out, dinput)


def sqrtm(input: Any, name: str | None = None) -> Tensor:
    """The principal square root R of each square matrix (R R = A), A's dtype.

    A real matrix with a real negative eigenvalue has no real principal root:
    the result is NaN, as TF's.  float16 is refused (NotFoundError), as TF's CPU.
    Needs SciPy.  The gradient is TF's (a Sylvester equation in R).

    >>> import tapeflow as tf
    >>> tf.linalg.sqrtm([[4.0, 0.0], [0.0, 9.0]]).numpy().tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    return _Sqrtm(input)


# -- logm --------------------------------------------------------------------------------------
def _logm_one(a: Any) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = scipy_module("linalg", "tf.linalg.logm").logm(a)
    singular = any("singular" in str(w.message) for w in caught)  # an exact zero in Schur's T
    if singular or not np.all(np.isfinite(log)):
        return np.full(a.shape, complex(np.nan, np.nan))
    return log


def _logm_fwd(xp: Any, input: Any) -> Any:
    check_matrix("MatrixLogarithm", input)
    return _per_matrix(_logm_one, input, input.dtype)


def _logm_reference(x: Any) -> Any:
    import scipy.linalg
    return np.stack([scipy.linalg.logm(a) for a in x.reshape((-1,) + x.shape[-2:])]).reshape(
        x.shape)


# grad=False throughout: TF 2.21 has no gradient for MatrixLogarithm (LookupError, as here).
@defop("MatrixLogarithm", dtypes=("complex64", "complex128"), reference=_logm_reference,
       samples=lambda: [Sample(spd(3).astype(complex), grad=False),
                        Sample(spd(2, (2,)) + 1j * rand((2, 2, 2)), grad=False),
                        Sample(rand((2, 3)).astype(complex), raises=InvalidArgumentError)])
class _Logm:
    fwd = _logm_fwd
    vjp = no_gradient("MatrixLogarithm")
    jvp = no_gradient("MatrixLogarithm")


def logm(input: Any, name: str | None = None) -> Tensor:
    """The principal logarithm of each square complex matrix (TF accepts only complex64
    and complex128).  A singular matrix gives NaN, as TF's.  Needs SciPy.  No gradient
    (as TF: LookupError).

    >>> import tapeflow as tf
    >>> tf.linalg.logm(tf.constant([[1.0, 0.0], [0.0, 1.0]], tf.complex128)).numpy().tolist()
    [[0j, 0j], [0j, 0j]]
    """
    return _Logm(input)
