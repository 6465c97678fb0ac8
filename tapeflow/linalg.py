"""``tf.linalg``: linear algebra."""

from tapeflow.ops.array import einsum, tensordot  # noqa: F401
from tapeflow.ops.linalg import matmul  # noqa: F401
