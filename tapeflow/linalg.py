"""``tf.linalg``: linear algebra."""

from tapeflow.ops.array import einsum, tensordot  # noqa: F401
from tapeflow.ops.creation import eye  # noqa: F401
from tapeflow.ops.eig import eig, eigvals, logm, sqrtm  # noqa: F401
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
from tapeflow.ops.lu import lu, lu_matrix_inverse, lu_reconstruct, lu_solve  # noqa: F401
from tapeflow.ops.normalization import normalize  # noqa: F401
from tapeflow.ops.scan import l2_normalize  # noqa: F401
from tapeflow.ops.structure import matrix_transpose  # noqa: F401
from tapeflow.ops.tensor_diag import matrix_rank, tensor_diag, tensor_diag_part  # noqa: F401
from tapeflow.ops.tridiagonal import tridiagonal_solve  # noqa: F401
from tapeflow.train.clip import global_norm  # noqa: F401
