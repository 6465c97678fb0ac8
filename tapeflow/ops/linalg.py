"""Linear algebra: matmul (batched, broadcasting batch dimensions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.errors import InvalidArgumentError, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.declare import NUMERIC, defop
from tapeflow.ops.samples import rand

__all__ = ["matmul"]


def _mT(x: Any, adjoint: bool = False) -> Any:
    """Swap the last two axes (conjugating too when ``adjoint``)."""
    nd = x._value.ndim
    perm = tuple(range(nd - 2)) + (nd - 1, nd - 2)
    out = shape_ops._transpose(x, perm=perm)
    return arith.conj(out) if adjoint and out._value.dtype.kind == "c" else out


# A matrix operand is used as op(m): N = m, T = m^T, H = m^H, C = conj(m).
def _prep(xp: Any, m: Any, flag: str) -> Any:
    # conj() of a real array is a copy, not a view: only complex ones need it
    # (a real MLP's backward copied every weight and activation here).
    if flag == "N":
        return m
    if flag == "C":
        return m.conj() if m.dtype.kind == "c" else m
    m = m.swapaxes(-1, -2)  # the method: np.swapaxes's wrapper costs 0.3 us more
    return m.conj() if flag == "H" and m.dtype.kind == "c" else m


def _undo(g: Any, flag: str) -> Any:
    """Cotangent of m from the cotangent of op(m)."""
    if flag == "N":
        return g
    if flag == "C":
        return arith.conj(g)
    return _mT(g, adjoint=flag == "H")


def _matmul_samples() -> list[Sample]:
    p = {"fa": "N", "fb": "N"}
    return [Sample(rand((2, 3)), rand((3, 4)), params=p),
            Sample(rand((3, 2)), rand((3, 4)), params={"fa": "T", "fb": "N"}),
            Sample(rand((2, 3)), rand((4, 3)), params={"fa": "N", "fb": "T"}),
            Sample(rand((5, 2, 3)), rand((3, 4)), params=p),
            Sample(rand((2, 1, 2, 3)), rand((4, 3, 2)), params=p),
            Sample(rand((2, 3)), rand((4, 5)), params=p, raises=InvalidArgumentError)]


# Batchable: g @ B^H and A^H @ g broadcast over a leading batch axis of g.
@defop("BatchMatMulV2", samples=_matmul_samples, dtypes=NUMERIC, broadcasts=True, core_ndim=2,
       batchable=True,
       reference=lambda a, b, fa, fb: _prep(np, a, fa) @ _prep(np, b, fb))
class _MatMul:
    def fwd(xp, a, b, *, fa, fb):
        return _one_gemm(xp, _prep(xp, a, fa), _prep(xp, b, fb))

    # With A = op(a), B = op(b): dA = g B^H, dB = A^H g; then undo op.
    def vjp_a(g, b, *, fa, fb):
        return _undo(_MatMul(g, b, fa="N", fb=_adj(fb)), fa)

    def vjp_b(g, a, *, fa, fb):
        return _undo(_MatMul(a, g, fa=_adj(fa), fb="N"), fb)

    def jvp(da, db, a, b, *, fa, fb):  # d(AB) = dA B + A dB; a None tangent adds nothing
        if db is None:
            return _MatMul(da, b, fa=fa, fb=fb)
        if da is None:
            return _MatMul(a, db, fa=fa, fb=fb)
        return _MatMul(da, b, fa=fa, fb=fb) + _MatMul(a, db, fa=fa, fb=fb)


def _one_gemm(xp: Any, a: Any, b: Any) -> Any:
    """``a @ b`` as ONE BLAS call when one side is a plain matrix.

    np.matmul loops over the batch axes, calling BLAS once per matrix: for a
    stack of vectors (a Jacobian's rows through W @ x) that is hundreds of
    matrix-vector products instead of one matrix-matrix product (measured:
    n = 256 Jacobian of tanh(W x): 0.64 ms -> 0.21 ms for this product).
    """
    if a.ndim == 2 and b.ndim > 2:
        # fold b's batch axes into columns: (k, B*n), one product, unfold.
        cols = xp.moveaxis(b, -2, 0).reshape(b.shape[-2], -1)
        prod = _scaled(cols, a, right=True)
        out = (a @ cols if prod is None else prod).reshape(
            (a.shape[0],) + b.shape[:-2] + (b.shape[-1],))
        return xp.moveaxis(out, 0, -2)
    if b.ndim == 2 and a.ndim > 2:
        rows = a.reshape(-1, a.shape[-1])
        prod = _scaled(rows, b, right=False)
        return (rows @ b if prod is None else prod).reshape(a.shape[:-1] + (b.shape[-1],))
    return xp.matmul(a, b)


def _scaled(d: Any, m: Any, right: bool) -> Any:
    """``m @ d`` (``right``) or ``d @ m`` as a scaling when the folded batch ``d`` is a
    square diagonal matrix, else None.

    A Jacobian's seeds are the identity, and elementwise rules keep a stack of
    cotangents diagonal, so a Jacobian through ``tanh(W @ x)`` reaches the
    matmul with a diagonal stack: the product is then a column (row) scaling of
    ``m``, not an n^3 GEMM (n = 256: 0.33 ms -> ~0.02 ms).  The same values:
    the GEMM adds only exact zeros to each product, unless ``m`` holds inf or
    NaN (0 * inf), so ``m`` must be finite.  Costs one count of nonzeros when
    ``d`` is square (folded batches rarely are otherwise).
    """
    n = d.shape[0]
    if d.shape[1] != n or n < 16 or type(d) is not np.ndarray or d.dtype != m.dtype:
        return None
    diag = d.diagonal()
    if np.count_nonzero(d) != np.count_nonzero(diag) or not np.isfinite(m).all():
        return None
    return m * diag if right else diag[:, None] * m


_ADJ = {"N": "H", "T": "C", "H": "N", "C": "T"}


def _adj(flag: str) -> str:
    """The flag of adjoint(op(m)) expressed on m."""
    return _ADJ[flag]


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, output_type: Any = None, grad_a: bool = False,
           grad_b: bool = False, name: str | None = None) -> Tensor:
    """Matrix product of the last two axes; leading (batch) axes broadcast.

    >>> import tapeflow as tf
    >>> tf.matmul(tf.ones((2, 3)), tf.ones((3, 4))).shape
    TensorShape([2, 4])
    """
    if transpose_a and adjoint_a or transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_a and adjoint_a (or transpose_b and "
                         "adjoint_b) can be True.")
    a = shape_ops._as_tensor(a)
    b = shape_ops._as_tensor(b) if isinstance(b, Tensor) or hasattr(b, "_read_for_op") \
        else shape_ops.convert_to_tensor(b, dtype=a.dtype)
    fa = "T" if transpose_a else "H" if adjoint_a else "N"
    fb = "T" if transpose_b else "H" if adjoint_b else "N"
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise invalid_argument("MatMul", f"In[0] and In[1] must have rank >= 2, got shapes "
                               f"{list(sa)} and {list(sb)} (dtypes {a.dtype.name}, "
                               f"{b.dtype.name})")
    ka = sa[-2] if fa != "N" else sa[-1]
    kb = sb[-1] if fb != "N" else sb[-2]
    if ka != kb:
        raise invalid_argument("MatMul", f"Matrix size-incompatible: In[0]: {list(sa)}, "
                               f"In[1]: {list(sb)} (transpose_a={fa != 'N'}, "
                               f"transpose_b={fb != 'N'}; dtypes {a.dtype.name}, "
                               f"{b.dtype.name})")
    return _MatMul(a, b, fa=fa, fb=fb)
