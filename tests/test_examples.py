"""Smoke tests for the scripts in examples/: each one's ``main(argv)`` runs with small
settings and its outcome is checked (parameters recovered, accuracy reached, files
written and usable)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import tapeflow as tf

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_example(name: str):
    """Import examples/<name>.py as a module (examples/ is not a package)."""
    module_name = f"tapeflow_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mlp_digits():
    for package in ("sklearn", "tqdm", "matplotlib"):
        pytest.importorskip(package, reason="pip install -e '.[examples]'")
    return load_example("mlp_digits")


def test_linear_regression_recovers_parameters(capsys):
    result = load_example("linear_regression").main(["--epochs", "60"])
    # Gradient descent reaches the exact least-squares fit of this noisy sample...
    assert result["w"] == pytest.approx(result["lstsq_w"], abs=1e-3)
    assert result["b"] == pytest.approx(result["lstsq_b"], abs=1e-3)
    # ...which is close to the line the data came from.
    assert result["w"] == pytest.approx(3.0, abs=0.15)
    assert result["b"] == pytest.approx(2.0, abs=0.15)
    assert result["losses"][-1] < result["losses"][0] / 5
    assert "fitted:" in capsys.readouterr().out


def test_logistic_regression_accuracy():
    result = load_example("logistic_regression").main(["--epochs", "3"])
    # The classes overlap: 92.1% is the best any classifier can do on average.
    assert result["test_accuracy"] > 0.9
    assert result["test_accuracy"] > result["bayes_accuracy"] - 0.02
    # The exact log-odds are 2 * (x1 + x2).
    np.testing.assert_allclose(result["w"], [2.0, 2.0], atol=0.4)
    assert abs(result["b"]) < 0.3
    assert result["losses"][-1] < 0.25


def check_png(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith(PNG_MAGIC)
    assert data[12:16] == b"IHDR"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 100 and height > 100


def test_mlp_digits_smoke(mlp_digits, tmp_path):
    result = mlp_digits.main(["--epochs", "3", "--out", str(tmp_path), "--quiet"])
    assert result["test_accuracy"] > 0.85
    assert len(result["history"]["test_accuracy"]) == 3
    assert result["history"]["epoch_loss"][-1] < result["history"]["epoch_loss"][0]
    check_png(tmp_path / "mlp_digits.png")
    assert result["plot"] == tmp_path / "mlp_digits.png"

    checkpoints = tmp_path / "checkpoints"
    assert (checkpoints / "checkpoint").is_file()
    for epoch in (1, 2, 3):
        assert (checkpoints / f"ckpt-{epoch}.tfckpt.npz").stat().st_size > 0
    assert result["checkpoint"] == str(checkpoints / "ckpt-3")
    assert tf.train.latest_checkpoint(str(checkpoints)) == result["checkpoint"]


def test_mlp_digits_checkpoint_restores(mlp_digits, tmp_path):
    result = mlp_digits.main(["--epochs", "2", "--out", str(tmp_path), "--quiet"])
    x_test = result["data"][1]
    expected = result["model"](x_test).numpy()

    fresh = mlp_digits.build_model(hidden=128, seed=123)
    assert not np.allclose(fresh(x_test).numpy(), expected)
    status = tf.train.Checkpoint(model=fresh).restore(
        tf.train.latest_checkpoint(str(tmp_path / "checkpoints")))
    status.assert_existing_objects_matched().expect_partial()  # the optimizer is not restored
    np.testing.assert_array_equal(fresh(x_test).numpy(), expected)

    # The optimizer's state is in the checkpoint too: a model + optimizer pair restores fully.
    model = mlp_digits.build_model(hidden=128, seed=7)
    optimizer = tf.keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    tf.train.Checkpoint(model=model, optimizer=optimizer).restore(
        result["checkpoint"]).assert_consumed()
    np.testing.assert_array_equal(model(x_test).numpy(), expected)


def test_mlp_digits_is_reproducible(mlp_digits, tmp_path):
    first = mlp_digits.main(["--epochs", "1", "--out", str(tmp_path / "a"), "--quiet"])
    second = mlp_digits.main(["--epochs", "1", "--out", str(tmp_path / "b"), "--quiet"])
    assert first["history"] == second["history"]


def test_mlp_digits_default_settings_reach_95_percent(mlp_digits, tmp_path):
    # The full default run (30 epochs): about 5 s on 2 cores.
    result = mlp_digits.main(["--out", str(tmp_path), "--quiet"])
    assert result["test_accuracy"] >= 0.95
    check_png(tmp_path / "mlp_digits.png")
    kept = sorted(os.listdir(tmp_path / "checkpoints"))
    assert kept == ["checkpoint"] + [f"ckpt-{n}.tfckpt.npz" for n in (28, 29, 30)]


def test_ode_fit_recovers_parameters():
    # 50 RK4 steps of 0.2 s instead of 100 of 0.1 s: half the time, still within 1e-3.
    result = load_example("ode_fit").main(["--steps", "50", "--iterations", "100", "--quiet"])
    assert result["integrator_error"] < 1e-3
    assert result["k"] == pytest.approx(result["true_k"], rel=0.02)
    assert result["c"] == pytest.approx(result["true_c"], rel=0.05)
    assert result["losses"][-1] < result["losses"][0] / 100
