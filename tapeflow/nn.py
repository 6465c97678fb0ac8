"""``tf.nn``: neural-network ops."""

from tapeflow.ops.arith import sigmoid, tanh  # noqa: F401
from tapeflow.ops.nn import relu, softmax  # noqa: F401
from tapeflow.ops.special import softplus, softsign  # noqa: F401
