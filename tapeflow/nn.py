"""``tf.nn``: neural-network ops."""

from tapeflow.ops.activations import (  # noqa: F401
    batch_normalization,
    bias_add,
    dropout,
    elu,
    embedding_lookup,
    gelu,
    l2_loss,
    leaky_relu,
    log_softmax,
    moments,
    relu6,
    selu,
    sigmoid_cross_entropy_with_logits,
    silu,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
    swish,
)
from tapeflow.ops.arith import sigmoid, tanh  # noqa: F401
from tapeflow.ops.conv import (  # noqa: F401
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv2d_transpose,
    depthwise_conv2d,
    max_pool,
    max_pool1d,
    max_pool2d,
)
from tapeflow.ops.nn import relu, softmax  # noqa: F401
from tapeflow.ops.special import softplus, softsign  # noqa: F401
