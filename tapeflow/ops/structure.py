"""Matrix structure: band_part, diag, diag_part, set_diag, adjoint, and the
small helpers every linear-algebra rule shares.

The bottom layer of ``tf.linalg``: ``decomp`` (triangular solves and the
factorizations) builds on it, ``factor`` (inverses, determinants, solves,
norms; the module that re-exports all of them) on both.  All ops here are
linear: each states its transpose.  ``^H`` is the conjugate transpose; a
cotangent ``g`` gives ``g * conj(df/dx)`` (TF's convention).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dispatch import describe
from tapeflow.core.errors import InvalidArgumentError, invalid_argument, shape_str
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, linalg, shape_ops
from tapeflow.ops.declare import ANY, composite, defop, linear
from tapeflow.ops.samples import composite_rand, rand

__all__ = ["band_part", "diag", "diag_part", "set_diag", "adjoint", "FACTOR"]

# LAPACK's types; NumPy's linalg has no float16 (TF's CPU kernels mostly lack it too).
FACTOR = ("float32", "float64", "complex64", "complex128")


# -- sample matrices (well away from singular) ---------------------------------------------
def well_conditioned(n: int, batch: tuple = ()) -> np.ndarray:
    """Strictly diagonally dominant, by a margin of at least 1: safely invertible."""
    return rand(batch + (n, n), -1.0, 1.0) + (n + 1.0) * np.eye(n)


def spd(n: int, batch: tuple = ()) -> np.ndarray:
    """Symmetric positive definite, eigenvalues at least n."""
    x = rand(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


# -- helpers shared by the rules ---------------------------------------------------------------
def fail(op_name: str, text: str, *arrays: Any) -> InvalidArgumentError:
    """TF's message for a bad input, with the inputs' shapes and dtypes."""
    return invalid_argument(op_name, f"{text} (inputs: {describe(arrays)})")


def check_matrix(op_name: str, a: Any, index: int = 0, square: bool = True) -> None:
    if a.ndim < 2:
        raise fail(op_name, f"Input tensor {index} must have rank >= 2, got {a.ndim}", a)
    if square and a.shape[-1] != a.shape[-2]:
        raise fail(op_name, "Input matrix must be square.", a)


def mm(a: Tensor, b: Tensor, adjoint_a: bool = False, adjoint_b: bool = False) -> Tensor:
    return linalg.matmul(a, b, adjoint_a=adjoint_a, adjoint_b=adjoint_b)


def is_complex(x: Tensor) -> bool:
    return x._value.dtype.kind == "c"


def real_part(x: Tensor) -> Tensor:
    """Re(x), keeping x's dtype (a cast to real and back: both casts are differentiable)."""
    if not is_complex(x):
        return x
    return arith.cast(arith.cast(x, x._value.real.dtype), x._value.dtype)


def as_dtype_of(x: Tensor, like: Tensor) -> Tensor:
    return arith.cast(x, like._value.dtype)


def safe_reciprocal(x: Tensor) -> Tensor:
    """x / (x^2 + 1e-20): TF's Lorentz-broadened 1/x, finite at x = 0 (degenerate spectra)."""
    return x * arith.reciprocal(x * x + 1e-20)


def columns(x: Tensor, start: int, stop: int | None) -> Tensor:
    return shape_ops.slice_key(x, (Ellipsis, slice(None), slice(start, stop)))


def or_zeros(g: Tensor | None, like: Tensor) -> Tensor:
    """A multi-output op's cotangent; the tape passes None for an unused output."""
    return arith.zeros_like(like) if g is None else g


def expand2(x: Tensor) -> Tensor:
    """[...] -> [..., 1, 1]: a per-matrix scalar, ready to scale a batch of matrices."""
    return shape_ops.expand_dims(shape_ops.expand_dims(x, -1), -1)


def reciprocal_gaps(values: Tensor) -> Tensor:
    """f[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it (broadened)."""
    gaps = shape_ops.expand_dims(values, -2) - shape_ops.expand_dims(values, -1)
    return _set_diag(safe_reciprocal(gaps), arith.zeros_like(values), k=0)


@composite(samples=lambda: [Sample(composite_rand((2, 3))), Sample(composite_rand((2, 3, 2))),
                            Sample(composite_rand((2, 2)) + 1j * composite_rand((2, 2)))],
           reference=lambda matrix: np.conj(np.swapaxes(matrix, -1, -2)))
def adjoint(matrix: Any, name: str | None = None) -> Tensor:
    """Transpose the last two axes and conjugate.

    >>> import tapeflow as tf
    >>> tf.linalg.adjoint(tf.constant([[1.0, 2.0]])).shape
    TensorShape([2, 1])
    """
    x = shape_ops._as_tensor(matrix)
    if x._value.ndim < 2:
        raise fail("Transpose", f"adjoint needs a tensor of rank >= 2, got shape "
                   f"{shape_str(x._value.shape)}", x)
    return linalg._mT(x, adjoint=True)


def matrix_transpose(a: Any, name: str | None = "matrix_transpose",
                     conjugate: bool = False) -> Tensor:
    """Transpose the last two axes (and conjugate if ``conjugate``).

    >>> import tapeflow as tf
    >>> tf.linalg.matrix_transpose(tf.constant([[1.0, 2.0]])).shape
    TensorShape([2, 1])
    """
    x = shape_ops._as_tensor(a)
    if x._value.ndim < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {x.numpy()} with shape: {tuple(x._value.shape)}")
    return linalg._mT(x, adjoint=bool(conjugate))


# -- band_part ---------------------------------------------------------------------------------
def _band_mask(xp: Any, m: int, n: int, num_lower: int, num_upper: int) -> Any:
    i = xp.arange(m)[:, None]
    j = xp.arange(n)[None, :]
    keep = xp.ones((m, n), dtype=bool)
    if num_lower >= 0:
        keep &= i - j <= num_lower
    if num_upper >= 0:
        keep &= j - i <= num_upper
    return keep


def _band_fwd(xp: Any, input: Any, *, num_lower: int, num_upper: int) -> Any:
    if input.ndim < 2:
        raise fail("MatrixBandPart", f"input must be at least 2-dim, received shape: "
                   f"{shape_str(input.shape)}", input)
    m, n = input.shape[-2:]
    if num_lower > m:
        raise fail("MatrixBandPart", f"num_lower must be negative or less or equal to number "
                   f"of rows ({m}) got: {num_lower}", input)
    if num_upper > n:
        raise fail("MatrixBandPart", f"num_upper must be negative or less or equal to number "
                   f"of columns ({n}) got: {num_upper}", input)
    keep = _band_mask(xp, m, n, num_lower, num_upper)
    return xp.where(keep, input, xp.zeros((), input.dtype))


def _band_reference(x: Any, num_lower: int, num_upper: int) -> Any:
    out = x if num_lower < 0 else np.triu(x, -num_lower)
    return out if num_upper < 0 else np.tril(out, num_upper)


_band = linear("MatrixBandPart", _band_fwd,
               lambda g, *, num_lower, num_upper: _band(g, num_lower=num_lower,
                                                        num_upper=num_upper),  # a mask
               samples=lambda: [Sample(rand((3, 4)), params={"num_lower": 1, "num_upper": 0}),
                                Sample(rand((2, 3, 3)), params={"num_lower": -1, "num_upper": 0}),
                                Sample(rand((4, 3)), params={"num_lower": 0, "num_upper": -1}),
                                Sample(rand((3, 3)), params={"num_lower": 4, "num_upper": 0},
                                       raises=InvalidArgumentError)],
               params=True, dtypes=ANY, reference=_band_reference)


def band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Tensor:
    """Keep a band of each matrix: ``num_lower`` subdiagonals, ``num_upper``
    superdiagonals (negative: all of them); zero elsewhere.

    >>> import tapeflow as tf
    >>> tf.linalg.band_part(tf.ones((3, 3)), 0, -1).numpy().tolist()  # upper triangle
    [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """
    return _band(shape_ops._as_tensor(input), num_lower=_int(num_lower),
                 num_upper=_int(num_upper))


def _int(value: Any) -> int:
    return int(convert_to_tensor(value).numpy()) if isinstance(value, Tensor) else int(value)


# -- diag, diag_part, set_diag (one diagonal k; TF's k=(lo, hi) bands are not supported) -------
def _diag_index(xp: Any, length: int, k: int) -> tuple:
    r = xp.arange(length)
    return r + max(-k, 0), r + max(k, 0)


def _diag_length(m: int, n: int, k: int) -> int:
    return max(min(m + min(k, 0), n - max(k, 0)), 0)


def _check_k(op_name: str, a: Any, k: int) -> None:
    if a.ndim < 2:
        raise fail(op_name, f"input must be at least 2-dim, received shape: "
                   f"{shape_str(a.shape)}", a)
    m, n = a.shape[-2:]
    if (m or n) and not -m < k < n:
        raise fail(op_name, f"lower_diag_index is out of bound: {k}. It must be between "
                   f"{-m} and {n}", a)


def _diag_size(diagonal: Any, k: int, num_rows: int, num_cols: int) -> tuple[int, int]:
    length = diagonal.shape[-1]
    min_rows, min_cols = length - min(k, 0), length + max(k, 0)
    if num_rows == -1 and num_cols == -1:
        num_rows = num_cols = max(min_rows, min_cols)
    elif num_rows == -1:
        num_rows = min_rows
    elif num_cols == -1:
        num_cols = min_cols
    if num_rows < min_rows:
        raise fail("MatrixDiagV3", "The number of rows is too small.", diagonal)
    if num_cols < min_cols:
        raise fail("MatrixDiagV3", "The number of columns is too small.", diagonal)
    if num_rows != min_rows and num_cols != min_cols:
        raise fail("MatrixDiagV3", "The number of rows or columns is not consistent with the "
                   "specified d_lower, d_upper, and diagonal.", diagonal)
    return num_rows, num_cols


def _matrix_diag_fwd(xp: Any, diagonal: Any, *, k: int, num_rows: int, num_cols: int,
                     padding_value: Any) -> Any:
    if diagonal.ndim < 1:
        raise fail("MatrixDiagV3", "diagonal must be at least 1-dim, received shape: []",
                   diagonal)
    rows, cols = _diag_size(diagonal, k, num_rows, num_cols)
    out = xp.full(diagonal.shape[:-1] + (rows, cols), padding_value, dtype=diagonal.dtype)
    r, c = _diag_index(xp, diagonal.shape[-1], k)
    out[..., r, c] = diagonal
    return out


def _matrix_diag_reference(d: Any, k: int, num_rows: int, num_cols: int,
                           padding_value: Any) -> Any:
    n = d.shape[-1] + abs(k)
    rows, cols = (n, n) if num_rows == num_cols == -1 else (num_rows, num_cols)
    out = np.full(d.shape[:-1] + (rows, cols), padding_value, dtype=d.dtype)
    for i in range(d.shape[-1]):
        out[..., i + max(-k, 0), i + max(k, 0)] = d[..., i]
    return out


@defop("MatrixDiagV3", dtypes=ANY, reference=_matrix_diag_reference, samples=lambda: [
    Sample(rand((3,)), params={"k": 0, "num_rows": -1, "num_cols": -1, "padding_value": 0}),
    Sample(rand((2, 3)), params={"k": 1, "num_rows": -1, "num_cols": -1, "padding_value": 0}),
    Sample(rand((2,)), params={"k": -1, "num_rows": 3, "num_cols": 5, "padding_value": 7.0}),
    Sample(rand((2,)), params={"k": 0, "num_rows": 5, "num_cols": 5, "padding_value": 0},
           raises=InvalidArgumentError)])
class _MatrixDiag:
    fwd = _matrix_diag_fwd

    def vjp_diagonal(g, *, k, num_rows, num_cols, padding_value):  # transpose: read it back
        return _diag_part(g, k=k, padding_value=0)

    def jvp(ddiagonal, *, k, num_rows, num_cols, padding_value):  # affine: padding is constant
        return _MatrixDiag(ddiagonal, k=k, num_rows=num_rows, num_cols=num_cols,
                           padding_value=0)


def _diag_part_fwd(xp: Any, input: Any, *, k: int, padding_value: Any) -> Any:
    _check_k("MatrixDiagPartV3", input, k)
    return xp.diagonal(input, offset=k, axis1=-2, axis2=-1).copy()


_diag_part = linear(
    "MatrixDiagPartV3", _diag_part_fwd,
    lambda g, input_shape, *, k, padding_value: _MatrixDiag(  # transpose: scatter back
        g, k=k, num_rows=input_shape[-2], num_cols=input_shape[-1], padding_value=0),
    samples=lambda: [Sample(rand((3, 4)), params={"k": 0, "padding_value": 0}),
                     Sample(rand((3, 4)), params={"k": 1, "padding_value": 0}),
                     Sample(rand((2, 3, 4)), params={"k": -2, "padding_value": 0}),
                     Sample(rand((3, 4)), params={"k": 4, "padding_value": 0},
                            raises=InvalidArgumentError),
                     Sample(rand((3,)), params={"k": 0, "padding_value": 0},
                            raises=InvalidArgumentError)],
    params=True, dtypes=ANY,
    reference=lambda x, k, padding_value: np.diagonal(x, k, -2, -1))


def _set_diag_fwd(xp: Any, input: Any, diagonal: Any, *, k: int) -> Any:
    _check_k("MatrixSetDiagV3", input, k)
    m, n = input.shape[-2:]
    expected = input.shape[:-2] + (_diag_length(m, n, k),)
    if diagonal.shape != expected:
        raise fail("MatrixSetDiagV3", "Either first dimensions of diagonal don't match "
                   "input.shape[:-2], or diagonal.shape[:-1] is not equal to the longests "
                   "diagonal in range [lower_diag_index:upper_diag_index].\nInput shape: "
                   f"{shape_str(input.shape)}\nDiagonal shape: {shape_str(diagonal.shape)}\n"
                   f"Expected diagonal shape: {shape_str(expected)}", input, diagonal)
    out = input.copy()
    r, c = _diag_index(xp, expected[-1], k)
    out[..., r, c] = diagonal
    return out


def _set_diag_reference(x: Any, d: Any, k: int) -> Any:
    out = x.copy()
    for i in range(d.shape[-1]):
        out[..., i + max(-k, 0), i + max(k, 0)] = d[..., i]
    return out


_set_diag = linear(
    "MatrixSetDiagV3", _set_diag_fwd,
    (lambda g, diagonal, *, k: _set_diag(g, arith.zeros_like(diagonal), k=k),  # input: off-k
     lambda g, *, k: _diag_part(g, k=k, padding_value=0)),  # diagonal: the k-th diagonal of g
    samples=lambda:
        [Sample(rand((3, 4)), rand((3,)), params={"k": 0}),
         Sample(rand((2, 3, 4)), rand((2, 3)), params={"k": 1}),
         Sample(rand((4, 3)), rand((2,)), params={"k": -2}),
         Sample(rand((3, 4)), rand((4,)), params={"k": 0}, raises=InvalidArgumentError)],
    params=True, dtypes=ANY, reference=_set_diag_reference)


def _single_k(op_name: str, k: Any) -> int:
    if isinstance(k, Tensor):
        k = k.numpy().tolist()
    if isinstance(k, (list, tuple)):
        if len(k) not in (1, 2) or k[0] != k[-1]:
            raise NotImplementedError(f"tapeflow's {op_name} takes one diagonal k, got k={k}; "
                                      "ranges of diagonals k=(lo, hi) are not implemented")
        k = k[0]
    return int(k)


def diag(diagonal: Any, name: str = "diag", k: Any = 0, num_rows: Any = -1, num_cols: Any = -1,
         padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """Matrices with ``diagonal`` on their k-th diagonal and ``padding_value`` elsewhere.

    >>> import tapeflow as tf
    >>> tf.linalg.diag([1.0, 2.0]).numpy().tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    if isinstance(padding_value, Tensor):
        padding_value = padding_value.numpy().item()
    return _MatrixDiag(shape_ops._as_tensor(diagonal), k=_single_k("MatrixDiagV3", k),
                       num_rows=_int(num_rows), num_cols=_int(num_cols),
                       padding_value=padding_value)


def diag_part(input: Any, name: str = "diag_part", k: Any = 0, padding_value: Any = 0,
              align: str = "RIGHT_LEFT") -> Tensor:
    """The k-th diagonal of each matrix (k > 0 above the main diagonal).

    >>> import tapeflow as tf
    >>> tf.linalg.diag_part([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
    [1.0, 4.0]
    """
    return _diag_part(shape_ops._as_tensor(input), k=_single_k("MatrixDiagPartV3", k),
                      padding_value=0)


def set_diag(input: Any, diagonal: Any, name: str = "set_diag", k: Any = 0,
             align: str = "RIGHT_LEFT") -> Tensor:
    """``input`` with its k-th diagonal replaced by ``diagonal``.

    >>> import tapeflow as tf
    >>> tf.linalg.set_diag(tf.zeros((2, 2)), [1.0, 2.0]).numpy().tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    x = shape_ops._as_tensor(input)
    d = convert_to_tensor(arith._read(diagonal), dtype=x.dtype)
    return _set_diag(x, d, k=_single_k("MatrixSetDiagV3", k))


def matrix_diag(d: Tensor) -> Tensor:
    """diag(d) with TF's defaults (the rules' workhorse)."""
    return _MatrixDiag(d, k=0, num_rows=-1, num_cols=-1, padding_value=0)


def main_diagonal(x: Tensor) -> Tensor:
    return _diag_part(x, k=0, padding_value=0)


def with_diagonal(x: Tensor, d: Tensor) -> Tensor:
    return _set_diag(x, d, k=0)


def lower(x: Tensor, strict: bool = False) -> Tensor:
    """The lower triangle (strictly below the diagonal when ``strict``)."""
    low = _band(x, num_lower=-1, num_upper=0)
    return with_diagonal(low, arith.zeros_like(main_diagonal(x))) if strict else low


def upper(x: Tensor) -> Tensor:
    """The upper triangle."""
    return _band(x, num_lower=0, num_upper=-1)

