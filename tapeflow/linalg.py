"""``tf.linalg``: linear algebra."""

from tapeflow.core.lazy import lazy_names as _lazy_names
from tapeflow.ops.array import einsum, tensordot  # noqa: F401
from tapeflow.ops.creation import eye  # noqa: F401
from tapeflow.ops.factor import (  # noqa: F401
    adjoint,
    band_part,
    cholesky,
    cholesky_solve,
    cross,
    det,
    diag,
    diag_part,
    eigh,
    eigvalsh,
    expm,
    inv,
    logdet,
    lstsq,
    matvec,
    norm,
    pinv,
    qr,
    set_diag,
    slogdet,
    solve,
    svd,
    trace,
    triangular_solve,
)
from tapeflow.ops.linalg import matmul  # noqa: F401
from tapeflow.ops.scan import l2_normalize  # noqa: F401
from tapeflow.ops.structure import matrix_transpose  # noqa: F401
from tapeflow.train.clip import global_norm  # noqa: F401

# The rarer families load on first use (see tapeflow/core/lazy.py).
__getattr__, __dir__ = _lazy_names(__name__, globals(), {
    "tapeflow.ops.eig": ("eig", "eigvals", "logm", "sqrtm"),
    "tapeflow.ops.lu": ("lu", "lu_matrix_inverse", "lu_reconstruct", "lu_solve"),
    "tapeflow.ops.normalization": ("normalize",),
    "tapeflow.ops.tensor_diag": ("matrix_rank", "tensor_diag", "tensor_diag_part"),
    "tapeflow.ops.tridiagonal": ("tridiagonal_solve",),
})
__all__ = [n for n in __dir__() if not n.startswith("_")]  # star-imports get the lazy names too
