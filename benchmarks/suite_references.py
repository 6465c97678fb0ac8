"""The data every worker of benchmarks/suite.py builds (the same, from the same seeds), the
NumPy references its results are checked against (``references(workload)`` gives both, keyed
by column), and the check itself, ``mismatch``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mlp_floor import make_data, numpy_phases, stepper
from suite_workloads import CHAIN_COLS, HVP_N, JAC_SIZES, MLP, OPS

# -- data and NumPy references (every worker builds the same) ----------------------------

def overhead_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, (2, 2)).astype(np.float32)
    w = rng.uniform(0.99, 1.01, (2, 2)).astype(np.float32)  # no overflow in 100 steps
    return {"x": x, "w": w}


def np_chain(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    y = x
    for _ in range(OPS):
        y = y * w
    return y


def np_chain_backward(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Hand-written forward and backward: the gradient of sum(y) with respect to x."""
    np_chain(x, w)
    g = np.ones_like(x)
    for _ in range(OPS):
        g = g * w  # d(y * w)/dy = w
    return g


def heavy_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    f32 = np.float32
    return {
        "A": rng.standard_normal((512, 512)).astype(f32),
        "B": rng.standard_normal((512, 512)).astype(f32),
        "C_bar": rng.standard_normal((512, 512)).astype(f32),
        "x": rng.standard_normal((32, 28, 28, 16)).astype(f32),
        "k": (0.1 * rng.standard_normal((3, 3, 16, 32))).astype(f32),
        "y_bar": rng.standard_normal((32, 28, 28, 32)).astype(f32),
        "logits": rng.standard_normal((1024, 1000)).astype(f32),
        "labels": rng.integers(0, 1000, 1024).astype(np.int32),
        "table": rng.standard_normal((10_000, 128)).astype(f32),
        "idx": rng.integers(0, 10_000, 4096).astype(np.int32),
        "rows_bar": rng.standard_normal((4096, 128)).astype(f32),
    }


def np_matmul(A: np.ndarray, B: np.ndarray, C_bar: np.ndarray) -> tuple:
    A @ B
    return C_bar @ B.T, A.T @ C_bar


def np_conv(x: np.ndarray, k: np.ndarray, y_bar: np.ndarray) -> tuple:
    """3x3 stride-1 SAME conv by im2col, forward then backward (col2im by shifted adds)."""
    n, h, w, c = x.shape
    kh, kw, _, o = k.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.empty((n, h, w, kh, kw, c), x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = xp[:, i:i + h, j:j + w, :]
    cols = cols.reshape(n * h * w, kh * kw * c)
    kmat = k.reshape(kh * kw * c, o)
    (cols @ kmat).reshape(n, h, w, o)
    g = y_bar.reshape(n * h * w, o)
    dk = (cols.T @ g).reshape(k.shape)
    dcols = (g @ kmat.T).reshape(n, h, w, kh, kw, c)
    dxp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            dxp[:, i:i + h, j:j + w, :] += dcols[:, :, :, i, j, :]
    return dxp[:, 1:-1, 1:-1, :], dk


def conv_reference(x: np.ndarray, k: np.ndarray, y_bar: np.ndarray) -> tuple:
    """The same gradients another way (einsum over sliding windows), to check np_conv."""
    win = np.lib.stride_tricks.sliding_window_view
    x64, k64, g64 = (a.astype(np.float64) for a in (x, k, y_bar))
    xw = win(np.pad(x64, ((0, 0), (1, 1), (1, 1), (0, 0))), (3, 3), axis=(1, 2))
    gw = win(np.pad(g64, ((0, 0), (1, 1), (1, 1), (0, 0))), (3, 3), axis=(1, 2))
    dk = np.einsum("nhwcij,nhwo->ijco", xw, g64, optimize=True)
    dx = np.einsum("nhwoij,ijco->nhwc", gw, k64[::-1, ::-1], optimize=True)
    return dx, dk


def np_softmax_ce(logits: np.ndarray, labels: np.ndarray) -> tuple:
    """Mean sparse softmax cross-entropy and its gradient."""
    rows = np.arange(len(labels))
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(s[:, 0]) + m[:, 0] - logits[rows, labels])
    p = e / s
    p[rows, labels] -= 1
    return loss, p / len(labels)


def np_gather(table: np.ndarray, idx: np.ndarray, rows_bar: np.ndarray) -> np.ndarray:
    table[idx]
    d = np.zeros_like(table)
    # The scatter-add on np.add.at's fast path (1-D array, 1-D index): element
    # indices, not rows, which take its slow path (~4x slower here).
    width = table.shape[1]
    flat = (idx[:, None] * width + np.arange(width)).reshape(-1)
    np.add.at(d.reshape(-1), flat, rows_bar.reshape(-1))
    return d


def jacobian_data(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(n)
    W = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    return {"W": W, "x": rng.standard_normal(n).astype(np.float32)}


def np_jacobian(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    y = np.tanh(W @ x)
    return (1 - y * y)[:, None] * W


def np_gradient(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    y = np.tanh(W @ x)
    return W.T @ (1 - y * y)


def chain_data() -> dict[str, np.ndarray]:
    return {"x": np.array(0.5), "c": np.array(0.9999), "s": np.array(0.001)}


def np_scalar_chain(x: np.ndarray, c: np.ndarray, s: np.ndarray, steps: int) -> Any:
    y = x
    for _ in range(steps):
        y = y * c + s
    g = np.array(1.0)
    for _ in range(steps):
        g = g * c  # d(y * c + s)/dy = c
    return g


def hvp_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    return {"x": rng.standard_normal(HVP_N).astype(np.float32),
            "v": rng.standard_normal(HVP_N).astype(np.float32)}


def np_hvp(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """f = sum(t^2 x), t = tanh x: f'' = 2 s x (s - 2 t^2) + 4 t s with s = 1 - t^2."""
    t = np.tanh(x)
    s = 1 - t * t
    return (2 * s * x * (s - 2 * t * t) + 4 * t * s) * v


def tutorial_data() -> dict[str, np.ndarray]:
    """The tutorial's inputs: ones((2, 2)) for the first cell, the scalar 1.0 for the second."""
    return {"x": np.ones((2, 2), np.float32), "v": np.array(1.0, np.float32)}


def np_first_order(x: np.ndarray) -> np.ndarray:
    """dz/dx of z = sum(x)^2, by hand: 2 sum(x) everywhere."""
    s = x.sum()
    s * s  # z, the forward value the tape would compute; the gradient does not read it
    return np.full(x.shape, 2 * s, x.dtype)


def np_second_order(v: np.ndarray) -> tuple:
    """dy/dx and d2y/dx2 of y = x^3, by hand: 3 x^2 and 6 x."""
    v * v * v  # y, the forward value
    return 3 * v * v, 6 * v


def flat(pairs: list) -> list:
    """[(W, b), ...] -> [W, b, ...], the order of every library's weights."""
    return [a for pair in pairs for a in pair]


def mlp_data(network: str) -> dict:
    """benchmarks/mlp.py's data: initial weights [(W, b), ...], inputs and labels."""
    params, x, labels = make_data(network)
    return {"params": params, "x": x, "labels": labels}


def mlp_start(d: dict) -> list[np.ndarray]:
    """A fresh copy of the initial weights, flat: each model updates its own."""
    return [a.copy() for a in flat(d["params"])]


def mlp_reference(d: dict) -> Rounded:
    """The NumPy floor's step in float64: the loss, then each weight's update."""
    start = [a.astype(np.float64) for a in flat(d["params"])]
    params = [(w.copy(), b.copy()) for w, b in zip(start[::2], start[1::2])]
    loss = stepper(numpy_phases(params, d["x"].astype(np.float64), d["labels"]))()
    updates = [a - s for a, s in zip(flat(params), start)]
    # A float32 w - lr * g rounds to w's grid: a few ulps of w on top (as benchmarks/mlp.py).
    ulps = [4 * float(np.spacing(np.abs(a).max())) for a in flat(d["params"])]
    return Rounded([loss, *updates], [0.0, *ulps])


def references(workload: str) -> tuple[dict, dict]:
    """The data and the expected results of every case, keyed by column."""
    if workload in ("mlp-small", "mlp-large"):
        d = mlp_data(MLP[workload])
        return d, {"step": mlp_reference(d)}
    if workload == "mlp-memory":  # its reference is made after the measurement (run_memory)
        return mlp_data(MLP[workload]), {}
    if workload == "overhead":
        d = overhead_data()
        y = np_chain(d["x"], d["w"])
        return d, {"no tape": y, "recorded": y, "fwd+bwd": np_chain_backward(d["x"], d["w"])}
    if workload == "heavy":
        d = heavy_data()
        A, B, Cb = (d[k].astype(np.float64) for k in ("A", "B", "C_bar"))
        return d, {"matmul": (Cb @ B.T, A.T @ Cb),
                   "conv2d": conv_reference(d["x"], d["k"], d["y_bar"]),
                   "softmax CE": np_softmax_ce(d["logits"].astype(np.float64), d["labels"]),
                   "gather": np_gather(d["table"].astype(np.float64), d["idx"],
                                       d["rows_bar"].astype(np.float64))}
    if workload == "jacobian":
        d, ref = {}, {}
        for n in JAC_SIZES:
            d[n] = jacobian_data(n)
            W, x = d[n]["W"].astype(np.float64), d[n]["x"].astype(np.float64)
            ref[f"n={n} jacobian"] = np_jacobian(W, x)
            ref[f"n={n} gradient"] = np_gradient(W, x)
        return d, ref
    if workload == "chain":
        d = chain_data()
        return d, {col: d["c"] ** steps for steps, col in CHAIN_COLS.items()}
    if workload == "hvp":
        d = hvp_data()
        return d, {"hvp": np_hvp(d["x"].astype(np.float64), d["v"].astype(np.float64))}
    if workload == "tutorial":
        return tutorial_data(), {"first order": np.full((2, 2), 8.0),
                                 "nested second order": (np.array(3.0), np.array(6.0))}
    raise ValueError(workload)


# -- the check of a result against its reference -----------------------------------------

class Rounded:
    """Expected results (a list) that a float32 result may also miss by ``slack``, one
    absolute figure per result: weights updated in place round to their own grid."""

    def __init__(self, value: list, slack: list[float]) -> None:
        self.value, self.slack = value, slack


def as_numpy(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [as_numpy(v) for v in value]
    if hasattr(value, "detach"):  # torch
        value = value.detach()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def mismatch(got: Any, ref: Any, slack: float = 0.0) -> str | None:
    """Why ``got`` is not ``ref`` within the tolerance of ``got``'s dtype (and ``slack``
    more, absolute), or None."""
    slacks = None
    if isinstance(ref, Rounded):
        ref, slacks = ref.value, ref.slack
    got, ref = as_numpy(got), as_numpy(ref)
    if isinstance(ref, list):
        if not isinstance(got, list) or len(got) != len(ref):
            return f"expected {len(ref)} results"
        for i, (g, r) in enumerate(zip(got, ref)):
            why = mismatch(g, r, slacks[i] if slacks else 0.0)
            if why:
                return f"result {i}: {why}"
        return None
    if got.shape != ref.shape:
        return f"shape {got.shape}, expected {ref.shape}"
    tol = 1e-4 if got.dtype in (np.float32, np.float16) else 1e-9
    ref = ref.astype(np.float64)
    scale = float(np.abs(ref).max()) if ref.size else 1.0
    err = np.abs(got.astype(np.float64) - ref)
    if not np.all(err <= tol * np.abs(ref) + tol * scale + slack):
        return f"max abs error {err.max():.3g} (largest reference entry {scale:.3g})"
    return None
