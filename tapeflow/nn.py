"""``tf.nn``: neural-network ops."""

from tapeflow.core.lazy import lazy_names as _lazy_names
from tapeflow.ops.arith import sigmoid, tanh  # noqa: F401
from tapeflow.ops.counting import in_top_k  # noqa: F401  (TF: tf.nn.in_top_k is tf.math.in_top_k)
from tapeflow.ops.losses import (  # noqa: F401
    compute_average_loss,
    l2_loss,
    log_poisson_loss,
    log_softmax,
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
    weighted_cross_entropy_with_logits,
)
from tapeflow.ops.nn import relu, softmax  # noqa: F401
from tapeflow.ops.ranking import top_k  # noqa: F401
from tapeflow.ops.scan import l2_normalize  # noqa: F401
from tapeflow.ops.special import softplus, softsign  # noqa: F401

# The rarer families load on first use (see tapeflow/core/lazy.py).
__getattr__, __dir__ = _lazy_names(__name__, globals(), {
    "tapeflow.ops.activations": ("batch_normalization", "bias_add", "dropout", "elu",
                                 "embedding_lookup", "gelu", "leaky_relu", "moments", "relu6",
                                 "selu", "silu", "swish"),
    "tapeflow.ops.conv": ("conv1d", "conv2d", "conv2d_transpose", "depthwise_conv2d"),
    "tapeflow.ops.conv_nd": ("conv_transpose", "convolution"),
    "tapeflow.ops.dilation": ("dilation2d",),
    "tapeflow.ops.normalization": ("local_response_normalization", "lrn", "weighted_moments"),
    "tapeflow.ops.pool": ("avg_pool", "avg_pool1d", "avg_pool2d", "max_pool", "max_pool1d",
                          "max_pool2d"),
})
__all__ = [n for n in __dir__() if not n.startswith("_")]  # star-imports get the lazy names too
