"""``tf.linalg.lu`` and the composites built on its packed factors:
``lu_solve``, ``lu_reconstruct``, ``lu_matrix_inverse``.

``lu(A)`` gives ``(lu, p)`` with ``A[..., p, :] = L U``: L is unit lower
triangular (stored below the diagonal of ``lu``), U upper triangular (on and
above it), and ``p[i]`` is the row of A that became row i (TF: ``P A = L U``
with ``perm = argmax(P)``).  The pivot of each column is its entry of largest
modulus, the first one on ties (LAPACK getrf, Eigen's PartialPivLU).

TF 2.21 registers no gradient for Lu: ``tape.gradient`` through it raises
``LookupError``, and so does ours.  The three composites are TF's Python
functions rebuilt from gather, band_part and triangular_solve, so their
gradients with respect to ``lower_upper`` and ``rhs`` are TF's.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import InvalidArgumentError, NotFoundError, attr_error
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, creation, indexing, shape_ops
from tapeflow.ops.declare import composite, defop, no_gradient
from tapeflow.ops.decomp import triangular_solve
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.structure import band_part, check_matrix, fail, mm, set_diag, well_conditioned

__all__ = ["lu", "lu_solve", "lu_reconstruct", "lu_matrix_inverse"]

Lu = namedtuple("Lu", ["lu", "p"])


# -- lu ----------------------------------------------------------------------------------------
def _eliminate(a: Any, perm: Any) -> None:
    """Gaussian elimination with partial pivoting, in place on a stack ``a`` of matrices."""
    n = a.shape[-1]
    rows = np.arange(a.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(n):
            pivot = k + np.argmax(np.abs(a[:, k:, k]), axis=1)  # first largest modulus
            a[rows, k], a[rows, pivot] = a[rows, pivot].copy(), a[rows, k].copy()
            perm[rows, k], perm[rows, pivot] = perm[rows, pivot], perm[rows, k].copy()
            a[:, k + 1:, k] /= a[:, k, k][:, None]
            a[:, k + 1:, k + 1:] -= a[:, k + 1:, k, None] * a[:, k, None, k + 1:]


def _lu_fwd(xp: Any, input: Any, *, output_idx_type: str) -> tuple:
    check_matrix("Lu", input)
    if input.dtype == np.float16:  # TF declares half but has no CPU kernel for it
        raise NotFoundError(None, None, "Could not find device for node: {{node Lu}} = "
                            f"Lu[T=DT_HALF, output_idx_type=DT_{output_idx_type.upper()}] "
                            "[Op:Lu]")
    n = input.shape[-1]
    a = input.reshape((int(np.prod(input.shape[:-2])), n, n)).copy()
    perm = np.tile(np.arange(n, dtype=output_idx_type), (a.shape[0], 1))
    _eliminate(a, perm)
    if not np.all(np.abs(np.diagonal(a, axis1=-2, axis2=-1)) > 0):
        raise fail("Lu", "Input is not invertible.", input)  # TF checks U's diagonal
    return a.reshape(input.shape), perm.reshape(input.shape[:-1])




def _lu_reference(x: Any, output_idx_type: str) -> tuple:
    """Doolittle's recurrences on the rows ordered by the same pivots (from scratch)."""
    n = x.shape[-1]
    lus, perms = [], []
    for a in x.reshape((-1, n, n)):
        a, perm = a.copy(), list(range(n))
        for k in range(n):
            i = k + int(np.argmax(np.abs(a[k:, k])))
            a[[k, i]], perm[k], perm[i] = a[[i, k]], perm[i], perm[k]
            a[k + 1:, k] /= a[k, k]
            a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
        lus.append(a)
        perms.append(perm)
    return (np.reshape(lus, x.shape),
            np.reshape(np.asarray(perms, dtype=output_idx_type), x.shape[:-1]))


# grad=False throughout: TF 2.21 has no gradient for Lu (LookupError, as here).
@defop("Lu", n_out=2, dtypes=("float16", "float32", "float64", "complex64", "complex128"),
       reference=_lu_reference,
       samples=lambda:
           [Sample(rand((3, 3)), params={"output_idx_type": "int32"}, grad=False),
            Sample(rand((2, 4, 4)), params={"output_idx_type": "int64"}, grad=False),
            Sample(rand((3, 3)) + 1j * rand((3, 3)), params={"output_idx_type": "int32"},
                   grad=False),
            Sample(np.array([[1.0, 2.0], [2.0, 4.0]]), params={"output_idx_type": "int32"},
                   raises=InvalidArgumentError),
            Sample(rand((2, 3)), params={"output_idx_type": "int32"},
                   raises=InvalidArgumentError),
            Sample(rand((3,)), params={"output_idx_type": "int32"},
                   raises=InvalidArgumentError)])
class _Lu:
    fwd = _lu_fwd
    vjp = no_gradient("Lu")
    jvp = no_gradient("Lu")


def lu(input: Any, output_idx_type: Any = "int32", name: str | None = None) -> Lu:
    """The LU factorization with partial pivoting of each square matrix: ``(lu, p)``.

    ``lu`` packs L (unit lower, below the diagonal) and U (upper); ``p`` is the row
    permutation, ``input[..., p, :] == L @ U``.  A matrix with a zero pivot raises
    InvalidArgumentError ("Input is not invertible."), as TF.  No gradient (as TF).

    >>> import tapeflow as tf
    >>> lu, p = tf.linalg.lu([[1.0, 2.0], [4.0, 2.0]])
    >>> lu.numpy().tolist(), p.numpy().tolist()
    ([[4.0, 2.0], [0.25, 1.5]], [1, 0])
    """
    idx = as_dtype(output_idx_type).name
    if idx not in ("int32", "int64"):
        raise attr_error("Lu", "output_idx_type", idx.replace("32", ""), "int32, int64")
    return Lu(*_Lu(input, output_idx_type=idx))


# -- the composites ----------------------------------------------------------------------------
def _inputs(lower_upper: Any, perm: Any) -> tuple[Tensor, Tensor]:
    """TF's conversions and static checks (ValueError, whatever ``validate_args``)."""
    lower_upper = convert_to_tensor(arith._read(lower_upper), dtype_hint="float32")
    perm = convert_to_tensor(arith._read(perm), dtype_hint="int32")
    shape = lower_upper._value.shape
    if len(shape) < 2:
        raise ValueError("Input `lower_upper` must have at least 2 dimensions.")
    if len(shape) != perm._value.ndim + 1:
        raise ValueError("`rank(lower_upper)` must equal `rank(perm) + 1`")
    if shape[-2] != shape[-1]:
        raise ValueError("`lower_upper` must be square.")
    return lower_upper, perm


def _unit_lower(lower_upper: Tensor) -> Tensor:
    """L: the strictly lower part of ``lower_upper`` with ones on the diagonal."""
    ones = arith.ones_like(lower_upper[..., 0])
    return set_diag(band_part(lower_upper, -1, 0), ones)


def _solve(lower_upper: Tensor, perm: Tensor, rhs: Tensor) -> Tensor:
    """X = U^-1 L^-1 rhs[p]: rhs and perm broadcast over their batch axes (as TF)."""
    if rhs._value.ndim == 2 and perm._value.ndim == 1:
        permuted = indexing.gather(rhs, perm, axis=-2)
    else:
        batch = np.broadcast_shapes(rhs._value.shape[:-2], perm._value.shape[:-1])
        rhs = shape_ops.broadcast_to(rhs, batch + rhs._value.shape[-2:])
        perm = shape_ops.broadcast_to(perm, batch + perm._value.shape[-1:])
        permuted = indexing.gather(rhs, perm, axis=len(batch), batch_dims=len(batch))
    inner = triangular_solve(_unit_lower(lower_upper), permuted, lower=True)
    return triangular_solve(lower_upper, inner, lower=False)  # only U is read


def _solve_reference(lower_upper: Any, perm: Any, rhs: Any) -> Any:
    n = lower_upper.shape[-1]
    low = np.tril(lower_upper, -1) + np.eye(n)
    a = low @ np.triu(lower_upper)
    inv_perm = np.argsort(perm, axis=-1)
    a = np.take_along_axis(a, inv_perm[..., None], axis=-2)  # rows back in A's order
    return np.linalg.solve(a, rhs)


def _lu_sample(batch: tuple, n: int, seed_shift: float = 0.0) -> tuple:
    """A packed LU and its permutation, from a well-conditioned matrix."""
    a = well_conditioned(n, batch) + seed_shift * np.eye(n)[::-1]
    out = _lu_reference(a, "int32")
    return out[0], out[1]


_LU3 = _lu_sample((), 3, 2.0)
_LU23 = _lu_sample((2,), 3, 3.0)


@composite(samples=lambda: [Sample(*_LU3, composite_rand((3, 2))),
                            Sample(*_LU23, composite_rand((2, 3, 1))),
                            Sample(*_LU3, composite_rand((2, 3, 2))),  # rhs batch broadcasts
                            Sample(*_LU23, composite_rand((3, 2)))],
           reference=_solve_reference)
def lu_solve(lower_upper: Any, perm: Any, rhs: Any, validate_args: bool = False,
             name: str | None = None) -> Tensor:
    """Solve ``A X = rhs`` given ``lower_upper, perm = tf.linalg.lu(A)``; batch axes of
    the factors and of ``rhs`` broadcast.  ``rhs`` must be a matrix (rank >= 2).

    Shapes are checked statically, as TF's eager ones (ValueError); whether A is
    invertible is not checked, even with ``validate_args``.

    >>> import tapeflow as tf
    >>> tf.linalg.lu_solve(*tf.linalg.lu([[2.0, 0.0], [0.0, 4.0]]), [[1.0], [1.0]]).numpy().tolist()
    [[0.5], [0.25]]
    """
    lower_upper, perm = _inputs(lower_upper, perm)
    rhs = convert_to_tensor(arith._read(rhs), dtype_hint=lower_upper.dtype)
    if rhs._value.ndim < 2:
        raise ValueError("Input `rhs` must have at least 2 dimensions.")
    if lower_upper._value.shape[-1] != rhs._value.shape[-2]:
        raise ValueError("`lower_upper.shape[-1]` must equal `rhs.shape[-1]`.")  # TF's text
    return _solve(lower_upper, perm, rhs)


def _reconstruct_reference(lower_upper: Any, perm: Any) -> Any:
    n = lower_upper.shape[-1]
    a = (np.tril(lower_upper, -1) + np.eye(n)) @ np.triu(lower_upper)
    out = np.empty_like(a)
    np.put_along_axis(out, perm[..., None].astype(np.int64), a, axis=-2)  # out[p[i]] = (LU)[i]
    return out


@composite(samples=lambda: [Sample(*_LU3), Sample(*_LU23)], reference=_reconstruct_reference)
def lu_reconstruct(lower_upper: Any, perm: Any, validate_args: bool = False,
                   name: str | None = None) -> Tensor:
    """The matrices A whose ``tf.linalg.lu`` is ``(lower_upper, perm)``: rows of L U put back.

    >>> import tapeflow as tf
    >>> tf.linalg.lu_reconstruct(*tf.linalg.lu([[1.0, 2.0], [4.0, 2.0]])).numpy().tolist()
    [[1.0, 2.0], [4.0, 2.0]]
    """
    lower_upper, perm = _inputs(lower_upper, perm)
    product = mm(_unit_lower(lower_upper), band_part(lower_upper, 0, -1))
    nbatch = perm._value.ndim - 1
    inverse = indexing.argsort(perm, axis=-1, stable=True)  # the inverse permutation
    return indexing.gather(product, inverse, axis=nbatch, batch_dims=nbatch)


@composite(samples=lambda: [Sample(*_LU3), Sample(*_LU23)],
           reference=lambda lower_upper, perm: np.linalg.inv(
               _reconstruct_reference(lower_upper, perm)))
def lu_matrix_inverse(lower_upper: Any, perm: Any, validate_args: bool = False,
                      name: str | None = None) -> Tensor:
    """The inverse of A given ``lower_upper, perm = tf.linalg.lu(A)`` (lu_solve with I).

    >>> import tapeflow as tf
    >>> tf.linalg.lu_matrix_inverse(*tf.linalg.lu([[2.0, 0.0], [0.0, 4.0]])).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    lower_upper, perm = _inputs(lower_upper, perm)
    shape = lower_upper._value.shape
    eye = creation.eye(shape[-1], batch_shape=shape[:-2], dtype=lower_upper.dtype)
    return _solve(lower_upper, perm, eye)
