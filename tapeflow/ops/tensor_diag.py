"""TF's ``Diag`` and ``DiagPart`` (``tf.linalg.tensor_diag``, ``tensor_diag_part``), and
``tf.linalg.matrix_rank``.

``tensor_diag`` of a rank-k tensor is the rank-2k tensor that holds it on its
diagonal, ``out[i1..ik, i1..ik] = x[i1..ik]``; ``tensor_diag_part`` reads that
diagonal back.  Each is the other's transpose, so each is declared ``linear``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core.errors import InvalidArgumentError, invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops.declare import linear
from tapeflow.ops.samples import rand

__all__ = ["tensor_diag", "tensor_diag_part", "matrix_rank"]

_DIAG_DTYPES = ("float16", "float32", "float64", "int32", "int64", "complex64", "complex128")


def _diag_fwd(xp: Any, diagonal: Any) -> Any:
    if diagonal.ndim == 0:
        raise invalid_argument("Diag", "Input must be at least rank 1, got 0")
    n = diagonal.size
    out = xp.zeros((n, n), dtype=diagonal.dtype)
    out[np.arange(n), np.arange(n)] = diagonal.reshape(-1)
    return out.reshape(diagonal.shape + diagonal.shape)


def _diag_part_fwd(xp: Any, input: Any) -> Any:
    rank = input.ndim
    if rank % 2:
        raise invalid_argument("DiagPart", f"The rank of the tensor should be {' ' * 41}even "
                               f"and positive, got shape [{','.join(map(str, input.shape))}]")
    half = input.shape[:rank // 2]
    for i, (d1, d2) in enumerate(zip(half, input.shape[rank // 2:])):
        if d1 != d2:
            raise invalid_argument("DiagPart", f"Invalid shape [{','.join(map(str, input.shape))}]"
                                   f": dimensions {i} and {i + rank // 2} do not match.")
    n = math.prod(half)
    return xp.diagonal(input.reshape(n, n)).reshape(half).copy()


tensor_diag = linear("Diag", _diag_fwd,
                     lambda g: tensor_diag_part(g),  # transpose: read the diagonal back
                     samples=lambda: [Sample(rand((3,))), Sample(rand((2, 2))),
                                      Sample(np.array(1.0), raises=InvalidArgumentError)],
                     dtypes=_DIAG_DTYPES,
                     reference=lambda d: (np.eye(d.size) * d.reshape(-1)).reshape(d.shape * 2))
tensor_diag_part = linear("DiagPart", _diag_part_fwd,
                          lambda g: tensor_diag(g),  # transpose: place it on the diagonal
                          samples=lambda: [Sample(rand((3, 3))), Sample(rand((2, 3, 2, 3))),
                                           Sample(rand((2, 2, 2, 2)))],
                          dtypes=_DIAG_DTYPES,
                          reference=lambda x: np.diagonal(x.reshape(
                              math.prod(x.shape[:x.ndim // 2]), -1)).reshape(x.shape[:x.ndim // 2]))


def matrix_rank(a: Any, tol: Any = None, validate_args: bool = False,
                name: str | None = None) -> Tensor:
    """The number of singular values of each innermost matrix above ``tol`` (int32).

    ``tol`` defaults to ``eps * max(rows, cols) * max(singular values)``, as in
    TF; a matrix holding inf or nan has rank 0 there (its singular values are
    nan).  The result has no gradient.

    >>> import tapeflow as tf
    >>> tf.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]]).numpy()
    np.int32(1)
    """
    a = convert_to_tensor(a)
    value = a.numpy()
    if value.dtype.kind != "f":
        raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {a.dtype.name}).")
    if value.ndim < 2:
        raise ValueError(f"Input `a` must have at least 2 dimensions (saw: {value.ndim}).")
    work = value.astype(np.float32) if value.dtype == np.float16 else value
    finite = np.isfinite(work).all(axis=(-2, -1), keepdims=True)
    s = np.linalg.svd(np.where(finite, work, 0), compute_uv=False)
    s = np.where(finite[..., 0], s, np.nan).astype(value.dtype)
    if tol is None:
        eps = np.finfo(value.dtype).eps
        big = np.max(s, axis=-1, keepdims=True, initial=-np.inf)
        tol = eps * value.dtype.type(max(value.shape[-2:])) * big
    else:
        tol = convert_to_tensor(tol, dtype=a.dtype).numpy()
    return convert_to_tensor(np.sum(s > tol, axis=-1).astype(np.int32))
