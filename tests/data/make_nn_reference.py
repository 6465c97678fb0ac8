"""Regenerates nn_reference.npz: tf.nn values and gradients read off real TF 2.21.

Run with TensorFlow's interpreter (never a tapeflow dependency):

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/make_nn_reference.py

Inputs are ``make_input(shape, kind, k)`` (k: the input's position in its
case) and the cotangent is ``make_input(output shape, "x", 0)``: formulas
that tests/test_nn_ops.py repeats, so only outputs and gradients are stored,
packed into one float64 vector ``data`` with an ``index`` of
"case/name|shape" entries to keep the file a few KB.  TF's CPU kernels
cannot differentiate dilated or grouped convolutions, so those gradients
come from TF's equivalent formulations (atrous_conv2d; per-group convolutions
concatenated).
"""

import os

import numpy as np
import tensorflow as tf


def make_input(shape, kind, k):
    """Deterministic, irregular values; ``kind`` shapes them for one argument's domain."""
    n = int(np.prod(shape))
    x = 2.0 * np.sin(np.arange(n) * 0.7310585 + 1.3 * k + 0.1).reshape(shape)
    if kind == "ties":  # small integers: many ties inside pooling windows
        return np.floor(x + 2.0)
    if kind == "prob":  # rows summing to 1 (cross-entropy labels)
        p = 1.2 + x / 2
        return p / p.sum(-1, keepdims=True)
    if kind == "unit":
        return 0.5 + x / 4
    if kind == "pos":
        return 1.5 + x / 2
    return x


conv = tf.nn.conv2d
CASES = {
    "conv_same_s2": (lambda x, w: conv(x, w, 2, "SAME"), [(1, 5, 4, 2), (3, 3, 2, 3)], None),
    "conv_valid_d2": (lambda x, w: conv(x, w, 1, "VALID", dilations=2),
                      [(1, 6, 6, 2), (3, 3, 2, 2)],
                      lambda x, w: tf.nn.atrous_conv2d(x, w, 2, "VALID")),
    "conv_explicit": (lambda x, w: conv(x, w, [1, 2], [[0, 0], [1, 2], [0, 1], [0, 0]]),
                      [(1, 5, 4, 2), (2, 3, 2, 2)], None),
    "conv_groups": (lambda x, w: conv(x, w, 1, "VALID"), [(1, 4, 4, 4), (2, 2, 2, 4)],
                    lambda x, w: tf.concat([conv(x[..., :2], w[..., :2], 1, "VALID"),
                                            conv(x[..., 2:], w[..., 2:], 1, "VALID")], -1)),
    "conv1d": (lambda x, w: tf.nn.conv1d(x, w, 2, "SAME"), [(1, 6, 2), (3, 2, 2)], None),
    "transpose": (lambda x, w: tf.nn.conv2d_transpose(x, w, [1, 4, 3, 2], 2, "SAME"),
                  [(1, 2, 2, 3), (3, 3, 2, 3)], None),
    "depthwise": (lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
                  [(1, 5, 5, 2), (3, 3, 2, 2)], None),
    "max_ties_same": (lambda x: tf.nn.max_pool2d(x, 3, 1, "SAME"), [((1, 4, 5, 1), "ties")],
                      None),
    "max_ties_valid": (lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), [((1, 4, 5, 1), "ties")],
                       None),
    "avg_same_k2": (lambda x: tf.nn.avg_pool2d(x, 2, 2, "SAME"), [(1, 5, 5, 1)], None),
    "avg_same_k3": (lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"), [(1, 5, 4, 1)], None),
    "relu6": (tf.nn.relu6, [(8,)], None),
    "elu": (tf.nn.elu, [(8,)], None),
    "selu": (tf.nn.selu, [(8,)], None),
    "gelu": (tf.nn.gelu, [(8,)], None),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True), [(8,)], None),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, 0.3), [(8,)], None),
    "silu": (lambda x, b: tf.nn.silu(x, beta=b), [(8,), ((), "pos")], None),
    "log_softmax0": (lambda x: tf.nn.log_softmax(x, axis=0), [(2, 4)], None),
    "softmax_xent": (tf.nn.softmax_cross_entropy_with_logits, [((2, 3), "prob"), (2, 3)], None),
    "softmax_xent_axis0": (lambda z, x: tf.nn.softmax_cross_entropy_with_logits(
        tf.transpose(z), x, axis=0), [((2, 3), "prob"), (3, 2)], None),
    "sparse_xent": (lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        np.array([2, 0], np.int32), x), [(2, 3)], None),
    "sigmoid_xent": (lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=4 * x),
                     [((2, 3), "unit"), (2, 3)], None),
    "l2_loss": (tf.nn.l2_loss, [(2, 3)], None),
    "bias_add_nchw": (lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"), [(2, 3, 2), (3,)],
                      None),
    "batch_norm": (lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
                   [(2, 3), (3,), ((3,), "pos"), (3,), (3,)], None),
    "embedding_max_norm": (lambda p: tf.nn.embedding_lookup(p, [[0, 4], [4, 2]], max_norm=1.5),
                           [(5, 3)], None),
}


def inputs_of(specs):
    return [make_input(*(s if isinstance(s[-1], str) else (s, "x")), k)
            for k, s in enumerate(specs, 1)]


def run_case(fn, specs, grad_fn):
    xs = [tf.constant(v) for v in inputs_of(specs)]
    y = fn(*xs)
    g = tf.constant(make_input(y.shape, "x", 0))
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y2 = (grad_fn or fn)(*xs)
    grads = tape.gradient(y2, xs, output_gradients=g)
    out = {"y": y.numpy()}
    out.update({f"d{i}": tf.convert_to_tensor(d).numpy() for i, d in enumerate(grads)
                if d is not None})
    return out


def moments_case():
    """Mean, variance and TF's second order (the mean held constant by stop_gradient)."""
    xt = tf.constant(make_input((3, 4), "x", 1))
    with tf.GradientTape() as outer:
        outer.watch(xt)
        with tf.GradientTape() as inner:
            inner.watch(xt)
            mean, var = tf.nn.moments(xt, axes=[0])
            total = tf.reduce_sum(var * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64))
        grad = inner.gradient(total, xt)
        hv = tf.reduce_sum(grad * make_input((3, 4), "x", 2))
    return dict(mean=mean.numpy(), var=var.numpy(), grad=grad.numpy(),
                hess_v=outer.gradient(hv, xt).numpy())


def main():
    results = {key: run_case(*case) for key, case in CASES.items()}
    results["moments"] = moments_case()
    names = [(f"{k}/{n}", np.asarray(a, np.float64))
             for k, case in results.items() for n, a in case.items()]
    index = np.array([f"{name}|{','.join(map(str, a.shape))}" for name, a in names])
    data = np.concatenate([a.ravel() for _, a in names])
    here = os.path.dirname(os.path.abspath(__file__))
    np.savez_compressed(os.path.join(here, "nn_reference.npz"), index=index, data=data)


if __name__ == "__main__":
    main()
