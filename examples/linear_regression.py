"""Linear regression with a custom training loop: the TF guide's classic, on tapeflow.

Fits ``y = w * x + b`` to points drawn from ``y = 3x + 2`` plus unit Gaussian
noise, with a ``tf.Module`` that holds the two Variables, ``tf.GradientTape``
and ``tf.keras.optimizers.SGD``.  The fitted parameters are compared with the
closed-form least-squares solution (what a perfect optimizer would reach on
this noisy sample) and with the true ones.

    python examples/linear_regression.py [--epochs 100] [--learning-rate 0.1]
"""

from __future__ import annotations

import argparse

import numpy as np

import tapeflow as tf

TRUE_W = 3.0
TRUE_B = 2.0


class LinearModel(tf.Module):
    """``y = w * x + b`` with scalar Variables, started away from the answer."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self.w = tf.Variable(5.0, name="w")
        self.b = tf.Variable(0.0, name="b")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return self.w * x + self.b


def make_data(num_examples: int, seed: int) -> tuple[tf.Tensor, tf.Tensor]:
    """``num_examples`` points on [-2, 2] with ``y = 3x + 2 + N(0, 1)`` noise."""
    x = tf.linspace(-2.0, 2.0, num_examples)
    noise = tf.random.normal(shape=[num_examples], seed=seed)
    return x, x * TRUE_W + TRUE_B + noise


def least_squares(x: tf.Tensor, y: tf.Tensor) -> tuple[float, float]:
    """The exact minimiser of the mean squared error, for comparison."""
    design = np.stack([x.numpy(), np.ones(x.shape[0], np.float32)], axis=1)
    (w, b), *_ = np.linalg.lstsq(design.astype(np.float64), y.numpy().astype(np.float64),
                                 rcond=None)
    return float(w), float(b)


def train(model: LinearModel, x: tf.Tensor, y: tf.Tensor, epochs: int,
          learning_rate: float) -> list[float]:
    """Full-batch gradient descent on the mean squared error; returns the loss per epoch."""
    loss_fn = tf.keras.losses.MeanSquaredError()
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
    losses = []
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return losses


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--num-examples", type=int, default=201)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Train and print the fit; returns ``w``, ``b``, their least-squares values and the losses."""
    args = parse_args(argv)
    tf.random.set_seed(args.seed)
    x, y = make_data(args.num_examples, args.seed)
    model = LinearModel()
    losses = train(model, x, y, args.epochs, args.learning_rate)
    w, b = float(model.w), float(model.b)
    lstsq_w, lstsq_b = least_squares(x, y)
    print(f"loss: {losses[0]:.4f} (epoch 1) -> {losses[-1]:.4f} (epoch {args.epochs})")
    print(f"fitted:        w = {w:.4f}, b = {b:.4f}")
    print(f"least squares: w = {lstsq_w:.4f}, b = {lstsq_b:.4f}")
    print(f"true:          w = {TRUE_W:.4f}, b = {TRUE_B:.4f}")
    assert abs(w - TRUE_W) < 0.3 and abs(b - TRUE_B) < 0.3, (w, b)
    return {"w": w, "b": b, "lstsq_w": lstsq_w, "lstsq_b": lstsq_b, "losses": losses}


if __name__ == "__main__":
    main()
