"""``tf.nn``: neural-network ops."""

from tapeflow.ops.activations import (  # noqa: F401
    batch_normalization,
    bias_add,
    dropout,
    elu,
    embedding_lookup,
    gelu,
    leaky_relu,
    moments,
    relu6,
    selu,
    silu,
    swish,
)
from tapeflow.ops.arith import sigmoid, tanh  # noqa: F401
from tapeflow.ops.conv import conv1d, conv2d, conv2d_transpose, depthwise_conv2d  # noqa: F401
from tapeflow.ops.conv_nd import conv_transpose, convolution  # noqa: F401
from tapeflow.ops.counting import in_top_k  # noqa: F401  (TF: tf.nn.in_top_k is tf.math.in_top_k)
from tapeflow.ops.dilation import dilation2d  # noqa: F401
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
from tapeflow.ops.normalization import (  # noqa: F401
    local_response_normalization,
    lrn,
    weighted_moments,
)
from tapeflow.ops.pool import (  # noqa: F401
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    max_pool,
    max_pool1d,
    max_pool2d,
)
from tapeflow.ops.ranking import top_k  # noqa: F401
from tapeflow.ops.scan import l2_normalize  # noqa: F401
from tapeflow.ops.special import softplus, softsign  # noqa: F401
