"""``tf.linalg.tridiagonal_solve``: solve ``A X = rhs`` for tridiagonal A.

The op (TF's TridiagonalSolve) takes A in the compact format, shape
``[..., 3, M]``: rows superdiagonal (last entry unused), main diagonal,
subdiagonal (first entry unused).  ``tridiagonal_solve`` also accepts the
'sequence' and 'matrix' formats and converts them with tapeflow ops, as TF's
Python does, so gradients flow back to each format.  Forward: Gaussian
elimination with partial pivoting (Higham 2002, "Accuracy and Stability of
Numerical Algorithms", p. 175, as TF's kernel) or the Thomas algorithm; a
zero pivot gives NaN, as TF.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, reduction, shape_ops
from tapeflow.ops.declare import composite, defop
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.structure import diag_part, matrix_transpose

__all__ = ["tridiagonal_solve"]


def _eliminate(sup: Any, main: Any, sub: Any, rhs: Any, pivoting: bool, perturb: bool) -> Any:
    """Row-by-row elimination on stacks (batch first), rhs ``[B, M, K]``; U has 3 bands."""
    n = main.shape[-1]
    u0, u1, u2 = main.copy(), sup.copy(), np.zeros_like(main)
    x = rhs.copy()
    bad = np.zeros(main.shape[0], dtype=bool)
    tiny = np.finfo(main.real.dtype).eps * np.abs(np.stack([sup, main, sub])).max(initial=0)
    tiny = tiny or np.finfo(main.real.dtype).tiny  # perturb_singular: LAPACK-like eps * |A|
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(n - 1):
            swap = (np.abs(u0[:, i]) < np.abs(sub[:, i + 1])) if pivoting else np.zeros_like(bad)
            if perturb:
                u0[:, i] = np.where(u0[:, i] == 0, tiny, u0[:, i])
            bad |= ~swap & (u0[:, i] == 0)
            keep_f = sub[:, i + 1] / u0[:, i]
            swap_f = u0[:, i] / sub[:, i + 1]
            last = i == n - 2
            nxt_sup = sup[:, i + 1] if not last else np.zeros_like(u0[:, i])
            new_u0_i = np.where(swap, sub[:, i + 1], u0[:, i])
            new_u0_n = np.where(swap, u1[:, i] - swap_f * main[:, i + 1],
                                main[:, i + 1] - keep_f * u1[:, i])
            new_u1_i = np.where(swap, main[:, i + 1], u1[:, i])
            new_u1_n = np.where(swap, -swap_f * nxt_sup, nxt_sup)
            new_u2_i = np.where(swap, nxt_sup, 0)
            xi, xn = x[:, i].copy(), x[:, i + 1].copy()
            x[:, i] = np.where(swap[:, None], xn, xi)
            x[:, i + 1] = np.where(swap[:, None], xi - swap_f[:, None] * xn,
                                   xn - keep_f[:, None] * xi)
            u0[:, i], u0[:, i + 1], u1[:, i], u2[:, i] = new_u0_i, new_u0_n, new_u1_i, new_u2_i
            if not last:
                u1[:, i + 1] = new_u1_n
        if perturb:
            u0[:, n - 1] = np.where(u0[:, n - 1] == 0, tiny, u0[:, n - 1])
        bad |= u0[:, n - 1] == 0
        for i in range(n - 1, -1, -1):
            rest = x[:, i]
            if i + 1 < n:
                rest = rest - u1[:, i, None] * x[:, i + 1]
            if i + 2 < n:
                rest = rest - u2[:, i, None] * x[:, i + 2]
            x[:, i] = rest / u0[:, i, None]
    x[bad] = np.nan  # TF: a zero pivot fills that system with NaN
    return x


def _solve_fwd(xp: Any, diagonals: Any, rhs: Any, *, partial_pivoting: bool,
               perturb_singular: bool) -> Any:
    batch = np.broadcast_shapes(diagonals.shape[:-2], rhs.shape[:-2])
    if diagonals.shape[-1] == 0 or 0 in batch:
        return np.zeros(batch + rhs.shape[-2:], dtype=rhs.dtype)
    m = diagonals.shape[-1]
    d = np.broadcast_to(diagonals, batch + (3, m)).reshape((-1, 3, m))
    b = np.broadcast_to(rhs, batch + rhs.shape[-2:]).reshape((-1,) + rhs.shape[-2:])
    x = _eliminate(d[:, 0], d[:, 1], d[:, 2], b, partial_pivoting, perturb_singular)
    return x.reshape(batch + rhs.shape[-2:])


def _dense_exact(diagonals: Any) -> Any:
    m = diagonals.shape[-1]
    a = np.zeros(diagonals.shape[:-2] + (m, m), dtype=diagonals.dtype)
    i = np.arange(m)
    a[..., i, i] = diagonals[..., 1, :]
    a[..., i[:-1], i[1:]] = diagonals[..., 0, :-1]
    a[..., i[1:], i[:-1]] = diagonals[..., 2, 1:]
    return a


def _reference(diagonals: Any, rhs: Any, partial_pivoting: bool, perturb_singular: bool) -> Any:
    return np.linalg.solve(_dense_exact(diagonals), rhs)


def _transposed(diagonals: Tensor) -> Tensor:
    """The compact diagonals of A^T: the sub- and superdiagonals trade places."""
    zeros = arith.zeros_like(diagonals[..., 0, :1])
    sup = shape_ops.concat([diagonals[..., 2, 1:], zeros], axis=-1)
    sub = shape_ops.concat([zeros, diagonals[..., 0, :-1]], axis=-1)
    return shape_ops.stack([sup, diagonals[..., 1, :], sub], axis=-2)


def _three_diagonals(x: Tensor, y: Tensor) -> Tensor:
    """The compact diagonals of x y^T (x, y: [..., M, K]), in O(MK)."""
    zeros = arith.zeros_like(y[..., :1, :])
    main = reduction.reduce_sum(x * y, axis=-1)
    sup = reduction.reduce_sum(x * shape_ops.concat([y[..., 1:, :], zeros], axis=-2), axis=-1)
    sub = reduction.reduce_sum(x * shape_ops.concat([zeros, y[..., :-1, :]], axis=-2), axis=-1)
    return shape_ops.stack([sup, main, sub], axis=-2)


_DIAGS = np.stack([rand((4,)), 3.0 + rand((4,)), rand((4,))])


@defop("TridiagonalSolve", dtypes=("float32", "float64", "complex64", "complex128"),
       broadcasts=False, reference=_reference,
       samples=lambda: [Sample(_DIAGS, rand((4, 2)),
                               params={"partial_pivoting": True, "perturb_singular": False}),
                        Sample(np.stack([_DIAGS, _DIAGS[::-1]]), rand((2, 4, 1)),
                               params={"partial_pivoting": True, "perturb_singular": False}),
                        Sample(_DIAGS, rand((4, 3)),
                               params={"partial_pivoting": False, "perturb_singular": False})])
class _TridiagonalSolve:
    fwd = _solve_fwd

    # X = A^-1 B: grad B = A^-T g, grad A = -(grad B) X^T on the three diagonals
    # (Giles 2008, "Collected matrix derivative results", sec. 2.3.1).  As TF's
    # _TridiagonalSolveGrad: transposes without conjugating, also for complex A.
    def vjp(g, diagonals, out, *, partial_pivoting, perturb_singular):
        grad_rhs = _TridiagonalSolve(_transposed(diagonals), g, partial_pivoting=partial_pivoting,
                                     perturb_singular=perturb_singular)
        return -_three_diagonals(grad_rhs, out), grad_rhs

    def jvp(ddiagonals, drhs, diagonals, out, *, partial_pivoting, perturb_singular):
        rhs = drhs  # dX = A^-1 (dB - dA X)
        if ddiagonals is not None:
            step = _tri_matmul(ddiagonals, out)
            rhs = -step if rhs is None else rhs - step
        return _TridiagonalSolve(diagonals, rhs, partial_pivoting=partial_pivoting,
                                 perturb_singular=perturb_singular)


def _tri_matmul(diagonals: Tensor, x: Tensor) -> Tensor:
    """A x for compact diagonals A, in O(MK)."""
    zeros = arith.zeros_like(x[..., :1, :])
    below = shape_ops.concat([x[..., 1:, :], zeros], axis=-2)
    above = shape_ops.concat([zeros, x[..., :-1, :]], axis=-2)
    col = lambda k: shape_ops.expand_dims(diagonals[..., k, :], -1)  # noqa: E731
    return col(0) * below + col(1) * x + col(2) * above


def _from_sequence(diagonals: Any) -> Tensor:
    if not isinstance(diagonals, (tuple, list)) or len(diagonals) != 3:
        raise ValueError("Expected diagonals to be a sequence of length 3.")
    sup, main, sub = (shape_ops._as_tensor(d) for d in diagonals)
    if not (sup._value.shape[:-1] == main._value.shape[:-1] == sub._value.shape[:-1]):
        raise ValueError(f"Tensors representing the three diagonals must have the same shape,"
                         f"except for the last dimension, got {sub.shape}, {main.shape}, "
                         f"{sup.shape}")
    m = main._value.shape[-1]

    def pad(t: Tensor, name: str, at_end: bool) -> Tensor:
        n = t._value.shape[-1]
        if n == m:
            return t
        if n != m - 1:
            raise ValueError(f"Expected {name} to be have length {m} or {m - 1}, got {n}.")
        zeros = arith.zeros_like(main[..., :1])
        return shape_ops.concat([t, zeros] if at_end else [zeros, t], axis=-1)
    return shape_ops.stack([pad(sup, "superdiag", True), main, pad(sub, "subdiag", False)], -2)


def _from_matrix(matrix: Any) -> Tensor:
    matrix = shape_ops._as_tensor(matrix)
    m1, m2 = matrix._value.shape[-1], matrix._value.shape[-2]
    if m1 != m2:
        raise ValueError(f"Expected last two dimensions of diagonals to be same, got {m1} and "
                         f"{m2}")
    zeros = arith.zeros_like(matrix[..., 0, :1])
    sup = shape_ops.concat([diag_part(matrix, k=1), zeros], axis=-1)
    sub = shape_ops.concat([zeros, diag_part(matrix, k=-1)], axis=-1)
    return shape_ops.stack([sup, diag_part(matrix), sub], axis=-2)


def _compact_reference(diagonals: Any, rhs: Any, **params: Any) -> Any:
    return np.linalg.solve(_dense_exact(diagonals), rhs[..., None])[..., 0]


@composite(samples=lambda: [Sample(_DIAGS, composite_rand((4,))),
                            Sample(_dense_exact(_DIAGS), composite_rand((4,)),
                                   params={"diagonals_format": "matrix"}, ref=lambda a, b, **p:
                                   np.linalg.solve(a, b))],
           reference=_compact_reference)
def tridiagonal_solve(diagonals: Any, rhs: Any, diagonals_format: str = "compact",
                      transpose_rhs: bool = False, conjugate_rhs: bool = False,
                      name: str | None = None, partial_pivoting: bool = True,
                      perturb_singular: bool = False) -> Tensor:
    """Solve ``A X = rhs`` for tridiagonal A, given in the 'compact' ([..., 3, M]: super,
    main, sub), 'sequence' ((super, main, sub)) or 'matrix' ([..., M, M]) format.

    ``rhs`` is [..., M, K], or [..., M] (a vector; ``transpose_rhs`` then ignored).  A
    zero pivot gives NaN.  The gradient is TF's (not conjugated for complex A).

    >>> import tapeflow as tf
    >>> x = tf.linalg.tridiagonal_solve([[1.0, 0.0], [2.0, 2.0], [0.0, 1.0]], [3.0, 3.0])
    >>> x.numpy().tolist()
    [1.0, 1.0]
    """
    if perturb_singular and not partial_pivoting:
        raise ValueError("partial_pivoting must be True if perturb_singular is.")
    if diagonals_format == "sequence":
        diagonals = _from_sequence(diagonals)
    elif diagonals_format == "matrix":
        diagonals = _from_matrix(diagonals)
    elif diagonals_format != "compact":
        raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
    diagonals = shape_ops._as_tensor(diagonals)
    rhs = convert_to_tensor(arith._read(rhs), dtype_hint=diagonals.dtype)
    d_shape, r_shape = diagonals._value.shape, rhs._value.shape
    dr, rr = len(d_shape), len(r_shape)
    if dr < 2:
        raise ValueError(f"Expected diagonals to have rank at least 2, got {dr}")
    if rr not in (dr, dr - 1):
        raise ValueError(f"Expected the rank of rhs to be {dr - 1} or {dr}, got {rr}")
    if d_shape[:-2] != r_shape[:dr - 2]:
        raise ValueError(f"Batch shapes {tuple(d_shape[:-2])} and "
                         f"{tuple(r_shape[:dr - 2])} are incompatible")
    if d_shape[-2] != 3:
        raise ValueError(f"Expected 3 diagonals got {d_shape[-2]}")
    vector = rr == dr - 1
    if vector or not transpose_rhs:
        rhs = arith.conj(rhs) if conjugate_rhs else rhs
    else:
        rhs = matrix_transpose(rhs, conjugate=conjugate_rhs)
    if vector:
        rhs = shape_ops.expand_dims(rhs, -1)
    if d_shape[-1] != rhs._value.shape[-2]:
        raise ValueError(f"Expected number of left-hand sided and right-hand sides to be equal, "
                         f"got {d_shape[-1]} and {rhs._value.shape[-2]}")
    out = _TridiagonalSolve(diagonals, rhs, partial_pivoting=bool(partial_pivoting),
                            perturb_singular=bool(perturb_singular))
    return shape_ops.squeeze(out, -1) if vector else out
