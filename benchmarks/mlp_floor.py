"""The MLP training step shared by benchmarks/mlp.py and benchmarks/suite.py.

Imports nothing but NumPy, so that every library's interpreter can load it
(suite.py's workers for TensorFlow, JAX and PyTorch run in virtualenvs without
tapeflow): the networks, their data, the hand-written NumPy floor, the step in
TF's API (the module, tapeflow or TensorFlow, passed in), and the peak-RSS
measurement.  A step is forward, loss (mean sparse softmax cross-entropy),
backward and a plain SGD update, float32, ReLU on the hidden layers, every
layer ``h @ W + b``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# name: (layer sizes, batch)
NETWORKS = {"small": ((784, 128, 10), 64), "large": ((1024, 2048, 2048, 10), 512)}
LR = 0.01
MEMORY_STEPS = 20


def make_data(name: str) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """Initial weights (Glorot uniform, small random biases), inputs and labels.

    Made in float32 and in place, so that setting up leaves no large freed
    blocks behind for the steps to reuse (the RSS figure would hide them).
    """
    sizes, batch = NETWORKS[name]
    rng = np.random.default_rng(0)

    def uniform(limit: float, shape: tuple) -> np.ndarray:
        a = rng.random(shape, dtype=np.float32)
        a *= np.float32(2 * limit)
        a -= np.float32(limit)
        return a

    params = [(uniform(np.sqrt(6.0 / (fan_in + fan_out)), (fan_in, fan_out)),
               uniform(0.1, (fan_out,))) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    labels = rng.integers(0, sizes[-1], batch).astype(np.int32)
    return params, x, labels


Phases = tuple[Callable[[], tuple], Callable[[tuple], object], Callable[[object], None]]


def numpy_phases(params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray,
                 labels: np.ndarray) -> Phases:
    """The floor, written by hand and updating ``params`` in place: forward (with the
    loss) -> (loss, state), backward(state) -> gradients, update(gradients)."""
    n = x.shape[0]
    rows = np.arange(n)
    inv_n, lr = np.float32(1.0 / n), np.float32(LR)
    last = len(params) - 1

    def forward() -> tuple:
        acts = [x]  # the input of each layer, kept for the backward pass
        h = x
        for w, b in params[:last]:
            h = h @ w
            h += b
            np.maximum(h, 0, out=h)  # ReLU in place
            acts.append(h)
        w, b = params[last]
        z = h @ w
        z += b
        # Softmax cross-entropy, in place on the logits: z becomes softmax(z).
        z -= z.max(axis=1, keepdims=True)
        picked = z[rows, labels]
        np.exp(z, out=z)
        total = z.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - picked))
        z /= total
        return loss, (acts, z)

    def backward(fwd: tuple) -> list:
        _, (acts, g) = fwd
        del fwd  # the activations go as they are used, as on a tape
        g[rows, labels] -= 1
        g *= inv_n  # d mean(loss) / d logits = (softmax - onehot) / n
        grads = []
        for i in range(last, -1, -1):
            a = acts.pop()
            grads.append((a.T @ g, g.sum(axis=0)))
            if i:
                g = g @ params[i][0].T
                g *= a > 0  # ReLU's derivative, from its output
        grads.reverse()
        return grads

    def update(grads: list) -> None:
        for (w, b), (dw, db) in zip(params, grads):
            dw *= lr
            w -= dw
            db *= lr
            b -= db

    return forward, backward, update


def tf_phases(tf: Any, variables: list, x: Any, labels: Any, variant: str) -> Phases:
    """The same step in TF's API, ``tf`` being tapeflow or TensorFlow; ``variant`` is
    "keras" (``SGD.apply_gradients``) or "assign_sub" (``v.assign_sub(lr * g)``)."""
    layers = list(zip(variables[::2], variables[1::2]))
    optimizer = tf.keras.optimizers.SGD(LR)

    def forward() -> tuple:
        with tf.GradientTape() as tape:
            h = x
            for w, b in layers[:-1]:
                h = tf.nn.relu(tf.matmul(h, w) + b)
            w, b = layers[-1]
            logits = tf.matmul(h, w) + b
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        return loss, tape

    def backward(fwd: tuple) -> list:
        loss, tape = fwd
        del fwd
        return tape.gradient(loss, variables)

    def keras_update(grads: list) -> None:
        optimizer.apply_gradients(zip(grads, variables))

    def assign_sub_update(grads: list) -> None:
        for v, g in zip(variables, grads):
            v.assign_sub(LR * g)

    return forward, backward, keras_update if variant == "keras" else assign_sub_update


def stepper(phases: Phases) -> Callable[[], object]:
    """One whole step from the three phases; it returns the loss."""
    forward, backward, update = phases

    def step() -> object:
        fwd = forward()
        update(backward(fwd))
        return fwd[0]

    return step


def status_bytes(field: str) -> int:
    """A size from /proc/self/status (VmRSS, VmHWM), in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_growth(step: Callable[[], object], steps: int = MEMORY_STEPS) -> int:
    """Bytes by which the peak resident set over ``steps`` calls of ``step`` exceeds the
    resident set just before them (Linux: VmHWM, reset through /proc/self/clear_refs)."""
    before = status_bytes("VmRSS")
    try:  # reset the peak (VmHWM) to the present RSS, so set-up peaks do not count
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        before = status_bytes("VmHWM")
    for _ in range(steps):
        step()
    return status_bytes("VmHWM") - before
