"""Logistic regression: binary classification of two overlapping 2-D Gaussian blobs.

A ``tf.Module`` holds a (2, 1) weight and a bias and returns logits;
``tf.keras.losses.BinaryCrossentropy(from_logits=True)`` is the loss and
``tf.keras.metrics.BinaryAccuracy(threshold=0.0)`` (a logit above 0 means
class 1) the metric.  Mini-batch SGD with momentum, reshuffled every epoch.
The blobs overlap, so the best possible (Bayes) accuracy is below 100%; it
is printed next to what the model reaches.

    python examples/logistic_regression.py [--epochs 20] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import tapeflow as tf

# Class 0 around (-1, -1), class 1 around (1, 1), unit variance: the log-odds of class 1
# are exactly 2 * (x1 + x2), so the ideal weights are (2, 2) with bias 0, and the best
# accuracy is Phi(sqrt(2)) = 92.1%.
CENTRES = np.array([[-1.0, -1.0], [1.0, 1.0]], np.float32)
BAYES_ACCURACY = 0.5 * (1.0 + math.erf(1.0))


class LogisticRegression(tf.Module):
    """``logits = x @ w + b``; the probability of class 1 is ``sigmoid(logits)``."""

    def __init__(self, num_features: int, name: str | None = None) -> None:
        super().__init__(name=name)
        self.w = tf.Variable(tf.zeros([num_features, 1]), name="w")
        self.b = tf.Variable(tf.zeros([1]), name="b")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return tf.matmul(x, self.w) + self.b


def make_data(num_examples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Balanced labels (as a column, float32) and points ``CENTRES[label] + N(0, I)``."""
    labels = rng.permutation(np.arange(num_examples) % 2)
    points = CENTRES[labels] + rng.standard_normal((num_examples, 2)).astype(np.float32)
    return points, labels.astype(np.float32)[:, None]


def evaluate(model: LogisticRegression, x: np.ndarray, y: np.ndarray) -> float:
    accuracy = tf.keras.metrics.BinaryAccuracy(threshold=0.0)
    accuracy.update_state(y, model(x))
    return float(accuracy.result())


def train(model: LogisticRegression, x: np.ndarray, y: np.ndarray, epochs: int,
          batch_size: int, learning_rate: float, rng: np.random.Generator) -> list[float]:
    """Mini-batch SGD; returns the mean training loss of each epoch."""
    loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    train_loss = tf.keras.metrics.Mean()
    train_accuracy = tf.keras.metrics.BinaryAccuracy(threshold=0.0)
    history = []
    for epoch in range(epochs):
        train_loss.reset_state()
        train_accuracy.reset_state()
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            with tf.GradientTape() as tape:
                logits = model(x[batch])
                loss = loss_fn(y[batch], logits)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            train_loss.update_state(loss)
            train_accuracy.update_state(y[batch], logits)
        history.append(float(train_loss.result()))
        print(f"epoch {epoch + 1:3d}: loss {history[-1]:.4f}, "
              f"train accuracy {float(train_accuracy.result()):.3f}")
    return history


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--num-train", type=int, default=1000)
    parser.add_argument("--num-test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Train, print the test accuracy; returns it with the weights and the loss history."""
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x_train, y_train = make_data(args.num_train, rng)
    x_test, y_test = make_data(args.num_test, rng)
    model = LogisticRegression(num_features=2)
    losses = train(model, x_train, y_train, args.epochs, args.batch_size, args.learning_rate,
                   rng)
    test_accuracy = evaluate(model, x_test, y_test)
    w = model.w.numpy()[:, 0]
    print(f"weights {w}, bias {float(model.b[0]):.4f} (ideal: [2. 2.], 0)")
    print(f"test accuracy {test_accuracy:.3f} (Bayes-optimal {BAYES_ACCURACY:.3f})")
    return {"test_accuracy": test_accuracy, "bayes_accuracy": BAYES_ACCURACY, "w": w,
            "b": float(model.b[0]), "losses": losses}


if __name__ == "__main__":
    main()
