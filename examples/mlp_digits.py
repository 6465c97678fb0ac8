"""An MLP classifier for scikit-learn's 8x8 handwritten digits, trained with a custom loop.

What it shows: a ``tf.Module`` model built from Dense-like layers initialised
with ``tf.keras.initializers.GlorotUniform``; mini-batches reshuffled every
epoch; ``tf.keras.optimizers.Adam`` with
``tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)``; Keras
metrics for the running loss and accuracy; a ``tf.train.CheckpointManager``
saving the model and optimizer after every epoch; and a matplotlib plot of
the training loss and test accuracy.

The data is ``sklearn.datasets.load_digits`` (1,797 images shipped with
scikit-learn, nothing is downloaded), split 75/25 stratified.  Everything is
seeded, so a run gives the same numbers every time.

    pip install -e '.[examples]'
    python examples/mlp_digits.py [--epochs 30] [--out examples/out]

Writes ``<out>/checkpoints/ckpt-<epoch>`` (the last 3 epochs) and
``<out>/mlp_digits.png``.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import matplotlib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import trange

import tapeflow as tf

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
NUM_CLASSES = 10


class Dense(tf.Module):
    """``activation(x @ kernel + bias)``, the kernel drawn by Glorot-uniform."""

    def __init__(self, in_features: int, out_features: int, activation=None,
                 seed: int | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        init = tf.keras.initializers.GlorotUniform(seed=seed)
        self.kernel = tf.Variable(init([in_features, out_features]), name="kernel")
        self.bias = tf.Variable(tf.zeros([out_features]), name="bias")
        self.activation = activation

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        y = tf.matmul(x, self.kernel) + self.bias
        return y if self.activation is None else self.activation(y)


class MLP(tf.Module):
    """Dense layers with ReLU between them; the last one returns logits."""

    def __init__(self, sizes: list[int], seed: int = 0, name: str | None = None) -> None:
        super().__init__(name=name)
        last = len(sizes) - 2
        # One seed per layer: a seeded initializer repeats its values on every call.
        self.layers = [Dense(n_in, n_out, activation=None if i == last else tf.nn.relu,
                             seed=seed + i, name=f"dense_{i}")
                       for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


def build_model(hidden: int, seed: int = 0) -> MLP:
    """64 pixels -> ``hidden`` ReLU units -> 10 logits."""
    return MLP([64, hidden, NUM_CLASSES], seed=seed)


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and tapeflow, as ``tf.keras.utils.set_random_seed`` does."""
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test images as float32 rows in [0, 1], labels as int32."""
    digits = load_digits()
    images = (digits.data / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int32)
    return train_test_split(images, labels, test_size=0.25, stratify=labels,
                            random_state=seed)


def evaluate(model: MLP, images: np.ndarray, labels: np.ndarray) -> float:
    accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    accuracy.update_state(labels, model(images))
    return float(accuracy.result())


def plot_history(history: dict, path: Path) -> None:
    """Training loss (per step and per epoch) and test accuracy per epoch, side by side."""
    epochs = np.arange(1, len(history["epoch_loss"]) + 1)
    steps_per_epoch = len(history["step_loss"]) / len(epochs)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(np.arange(1, len(history["step_loss"]) + 1) / steps_per_epoch,
                 history["step_loss"], color="tab:blue", alpha=0.3, lw=0.8, label="per batch")
    ax_loss.plot(epochs, history["epoch_loss"], "o-", color="tab:blue", ms=3,
                 label="epoch mean")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="Training loss")
    ax_loss.legend()
    ax_acc.plot(epochs, history["test_accuracy"], "o-", color="tab:green", ms=3, label="test")
    ax_acc.plot(epochs, history["train_accuracy"], "--", color="tab:gray", label="train")
    ax_acc.axhline(0.95, color="tab:red", lw=0.8, ls=":", label="95%")
    lowest = min(history["test_accuracy"] + history["train_accuracy"])
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(max(0.0, lowest - 0.05), 1.0),
               title=f"Accuracy (final test: {history['test_accuracy'][-1]:.1%})")
    ax_acc.legend(loc="lower right")
    fig.suptitle("tapeflow MLP on scikit-learn digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train(model: MLP, data: tuple, args: argparse.Namespace,
          manager: tf.train.CheckpointManager, optimizer) -> dict:
    """The custom training loop; returns the loss and accuracy history."""
    x_train, x_test, y_train, y_test = data
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_loss = tf.keras.metrics.Mean(name="train_loss")
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    rng = np.random.default_rng(args.seed)
    history = {"step_loss": [], "epoch_loss": [], "train_accuracy": [], "test_accuracy": []}
    progress = trange(args.epochs, desc="epochs", unit="epoch", disable=args.quiet)
    for epoch in progress:
        train_loss.reset_state()
        train_accuracy.reset_state()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), args.batch_size):
            batch = order[start:start + args.batch_size]
            with tf.GradientTape() as tape:
                logits = model(x_train[batch])
                loss = loss_fn(y_train[batch], logits)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            train_loss.update_state(loss)
            train_accuracy.update_state(y_train[batch], logits)
            history["step_loss"].append(float(loss))
        history["epoch_loss"].append(float(train_loss.result()))
        history["train_accuracy"].append(float(train_accuracy.result()))
        history["test_accuracy"].append(evaluate(model, x_test, y_test))
        manager.save(checkpoint_number=epoch + 1)
        progress.set_postfix(loss=f"{history['epoch_loss'][-1]:.4f}",
                             test_acc=f"{history['test_accuracy'][-1]:.3f}")
    return history


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128, help="hidden layer width")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="directory for checkpoints/ and the plot (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Train, checkpoint and plot; returns the test accuracy, history, paths and model."""
    args = parse_args(argv)
    began = time.perf_counter()
    set_random_seed(args.seed)
    data = load_data(args.seed)
    model = build_model(args.hidden, seed=args.seed)
    optimizer = tf.keras.optimizers.Adam(learning_rate=args.learning_rate)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    args.out.mkdir(parents=True, exist_ok=True)
    manager = tf.train.CheckpointManager(checkpoint, args.out / "checkpoints", max_to_keep=3)

    history = train(model, data, args, manager, optimizer)
    plot_path = args.out / "mlp_digits.png"
    plot_history(history, plot_path)
    seconds = time.perf_counter() - began

    test_accuracy = history["test_accuracy"][-1]
    print(f"test accuracy after {args.epochs} epochs: {test_accuracy:.4f} "
          f"({len(data[1])} test images), {seconds:.1f} s")
    print(f"checkpoint: {manager.latest_checkpoint}")
    print(f"plot: {plot_path}")
    return {"test_accuracy": test_accuracy, "history": history, "seconds": seconds,
            "checkpoint": manager.latest_checkpoint, "plot": plot_path, "model": model,
            "data": data}


if __name__ == "__main__":
    main()
