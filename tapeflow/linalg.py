"""``tf.linalg``: linear algebra."""

from tapeflow.ops.linalg import matmul  # noqa: F401
