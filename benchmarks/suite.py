"""tapeflow against TensorFlow, JAX, PyTorch and HIPS autograd.  Run by hand:

    python benchmarks/suite.py                     # every workload, every library found
    python benchmarks/suite.py --only heavy hvp    # some workloads
    python benchmarks/suite.py --python jax=/path/to/venv/bin/python

Workloads: op overhead (``overhead``), heavy ops (``heavy``), Jacobians
(``jacobian``), a long scalar chain (``chain``), a Hessian-vector product
(``hvp``), the tutorial's gradient cells (``tutorial``), an MLP training step
on a small and a large network (``mlp-small``, ``mlp-large``: eager, and
compiled where the library can), the large network's peak memory growth
(``mlp-memory``) and the time of ``import <library>`` (``import``).

Never run from the tests, and none of the other libraries is a dependency of
tapeflow.  Either install them next to tapeflow with the ``bench`` extra
(``pip install -e '.[bench]'``), or give each a scratch virtualenv of its own
(NumPy included), for example

    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    python3 -m venv /tmp/jaxvenv && /tmp/jaxvenv/bin/pip install jax autograd
    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy

The runner uses the interpreters at the paths in ``PYTHONS`` where they exist
(``--python LIB=PATH`` points elsewhere) and this interpreter otherwise.  A
library its interpreter cannot import is left out, with a note.

Each measurement runs in a subprocess of its own,
``<python> benchmarks/suite.py --worker LIB --workload NAME``, which prints one
line of JSON.  A worker builds the same data from the same seeds as every
other worker, computes the NumPy reference itself, runs each case once and
compares the result with that reference (float32: rtol and atol 1e-4, atol
relative to the largest reference entry; float64: 1e-9).  A case that disagrees is
reported as FAILED and not timed; one the library lacks is skipped with a note.
Then it warms the cases up and times them in turns, ``--repeat`` samples
each, every sample a loop of about 0.1 s (or one call, for a case slower than
that); a column may cap its samples per launch (``"samples"`` in
``WORKLOADS``: the 200,000-op scalar chain takes one a launch, so its
samples are the rounds).  Two workloads sample figures other than call times:
``import`` times ``import <library>`` inside fresh interpreters that the
worker starts, one sample each (at least 11 over the rounds, more a launch
if needed), and ``mlp-memory`` takes one sample of the resident set a launch,
the worker being a fresh process, and checks the step after measuring it.
The MLP steps are checked by their loss and weight updates after one step
(the updates with a few ulps of the weight more: see ``mlp_reference``).
The runner launches the workers
``--rounds`` times, the libraries in a different order each round, so that a
busy moment on a shared machine is spread over all of them; the tables give
the median (and the minimum) of all samples, ratios being ratios of medians,
and each table says when it was measured and the load average then.
``--raw FILE`` keeps every sample; ``--from-raw FILE...`` renders saved runs
again, so a workload measured at a noisy moment can be re-run alone
(``--only heavy --raw heavy.json``) and merged (``--from-raw all.json
heavy.json``).

Threads: the overhead-bound workloads (op overhead, scalar chain, HVP, the
tutorial's gradient cells, the small MLP, imports) run with 1 thread, the
BLAS-bound ones (heavy ops, Jacobians, the large MLP and its memory) with 2;
the runner sets OMP_NUM_THREADS, MKL_NUM_THREADS and
OPENBLAS_NUM_THREADS, the workers set TensorFlow's intra- and inter-op threads
and torch's threads to the same number, and JAX gets XLA's single-threaded CPU
flags for 1.

The tables go to stdout and to benchmarks/results.md; a log-scale bar chart
goes to benchmarks/results.png when matplotlib can be imported here.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from mlp_floor import (
    LR,
    MEMORY_STEPS,
    NETWORKS,
    make_data,
    numpy_phases,
    rss_growth,
    stepper,
    tf_phases,
)

HERE = Path(__file__).resolve().parent

# Where each library's interpreter lives; NumPy and tapeflow run in this one.
PYTHONS = {
    "numpy": sys.executable,
    "tapeflow": sys.executable,
    "tensorflow": "/tmp/tfvenv/bin/python",
    "jax": "/tmp/jaxvenv/bin/python",
    "torch": "/tmp/torchvenv/bin/python",
    "autograd": "/tmp/jaxvenv/bin/python",
}
LIBS = tuple(PYTHONS)
NAMES = {"numpy": "NumPy", "tapeflow": "tapeflow", "tensorflow": "TensorFlow",
         "jax": "JAX", "torch": "PyTorch", "autograd": "autograd"}

OPS = 100            # workload 1: multiplies in the chain
CHAIN_STEPS = (10_000, 100_000)  # workload 4: steps of y = y * c + s, two ops each
CHAIN_COLS = {steps: f"fwd+bwd, {2 * steps:,} ops" for steps in CHAIN_STEPS}
# (row, steps) not timed, with seconds a sample measured on the machine of results.md
CHAIN_TOO_SLOW = {("TensorFlow", CHAIN_STEPS[1]): 8, ("JAX (eager)", CHAIN_STEPS[1]): 27}
JAC_SIZES = (64, 256)
HVP_N = 1000
SAMPLE_S = 0.1       # seconds per timing sample (a loop of several calls)
MLP = {"mlp-small": "small", "mlp-large": "large", "mlp-memory": "large"}  # network of each
COMPILE_LIMIT_S = 120  # torch.compile taking longer than this: its row is skipped
IMPORT_RUNS = 11     # fresh interpreters per library for the import time, at least


def mlp_title(network: str) -> str:
    """"784-128-10, batch 64": a network for the titles."""
    sizes, batch = NETWORKS[network]
    return f"{'-'.join(map(str, sizes))}, batch {batch}"


# The two MLP time workloads run the same cases.
MLP_NOTES = (
    "A step: forward (ReLU hidden layers, every layer `h @ W + b`), the mean sparse softmax "
    f"cross-entropy, backward, and a plain SGD update with lr {LR}, float32; the batch is made "
    "once, outside the timing. The weights keep changing during the timing, as in a training "
    "loop. Checked: the loss and every weight's update after one step from the same initial "
    "weights, against the NumPy floor's step in float64 (the float32 tolerance on each update, "
    "plus 4 ulps of the weight, as `w - lr * g` rounds to the weight's float32 grid).",
    "NumPy: the hand-written floor of benchmarks/mlp.py (in benchmarks/mlp_floor.py): "
    "activations kept for the backward pass, bias, ReLU and softmax in place, backward by hand, "
    "update in place. tapeflow and TensorFlow: plain `tf.Variable`s, `tf.matmul`, "
    "`tf.nn.relu`, `tf.nn.sparse_softmax_cross_entropy_with_logits` and `tf.reduce_mean` in a "
    "`tf.GradientTape`, `tape.gradient`, `tf.keras.optimizers.SGD(0.01).apply_gradients` "
    "(benchmarks/mlp.py's code); TensorFlow (tf.function): that step in one `tf.function`, "
    "traced by the check's call.",
    "JAX: `jax.value_and_grad` of the loss (`jax.nn.log_softmax`, `take_along_axis`) and a "
    "`jax.tree_util.tree_map` SGD update, eager, and the whole step under `jax.jit` (no buffer "
    "donation: each step makes new weights). PyTorch: leaf tensors, `h @ W + b`, `torch.relu`, "
    "`F.cross_entropy`, `loss.backward()`, `torch.optim.SGD` (`zero_grad()` first, `step()` "
    "last); PyTorch (torch.compile): that step function under `torch.compile` (default mode), "
    "compiled while the model is set up (its weights then put back; a compile that fails or "
    f"takes over {COMPILE_LIMIT_S} s skips the row), where Dynamo breaks the "
    "graph at `loss.backward()`: the forward and loss are one compiled graph (their backward "
    "compiled by AOTAutograd), the optimizer step another. autograd: `autograd.value_and_grad` "
    "of the loss written in `autograd.numpy` (`logsumexp`), the update `w -= lr * dw` in NumPy.",
)

# name: title, threads, unit, seconds -> unit factor (one, or one per column), columns,
# how ratios are taken, and optionally "samples": at most so many samples per launch of a
# column (for the slow ones; the rounds still add theirs), "least": at least so many samples
# over the rounds (more per launch if needed), "versus": "difference" to compare with NumPy's
# row by difference, not ratio
WORKLOADS: dict[str, dict[str, Any]] = {
    "overhead": {
        "title": f"Op overhead: (2, 2) float32, a chain of {OPS} multiplies `y = y * w`",
        "threads": 1, "unit": "µs/op", "scale": 1e6 / OPS,
        "cols": ("no tape", "recorded", "fwd+bwd"),
        # recorded is compared with the bare NumPy loop, as in benchmarks/overhead.py
        "baseline": {"no tape": "no tape", "recorded": "no tape", "fwd+bwd": "fwd+bwd"},
        "notes": (
            "no tape: the chain on plain tensors; recorded: the same inside a GradientTape "
            "that watches the input (PyTorch: an input with requires_grad; JAX, which has no "
            "tape: the forward pass under `jax.vjp`; autograd: under `make_vjp`); fwd+bwd: "
            "the recorded chain plus the gradient of sum(y) with respect to the input. "
            "NumPy: the bare loop, and a hand-written backward loop.",
            "JAX (jit) compiles the whole chain into one XLA call: it shows what tracing "
            "buys, not per-op overhead. Outside a trace autograd code is NumPy code, so its "
            "no-tape row is the bare NumPy loop.",
        ),
    },
    "heavy": {
        "title": "Heavy ops, forward + backward (float32)",
        "threads": 2, "unit": "ms", "scale": 1e3,
        "cols": ("matmul", "conv2d", "softmax CE", "gather"),
        "baseline": {c: c for c in ("matmul", "conv2d", "softmax CE", "gather")},
        "notes": (
            "matmul: (512, 512) @ (512, 512); conv2d: NHWC (32, 28, 28, 16) with a (3, 3, 16, "
            "32) filter, stride 1, SAME; softmax CE: mean sparse softmax cross-entropy of "
            "(1024, 1000) logits; gather: 4096 rows of a (10000, 128) table. Backward from a "
            "fixed random output cotangent (softmax CE: from the scalar loss) to every input; "
            "every library returns dense gradients.",
            "NumPy floor, hand-written: matmul 3 GEMMs; conv2d im2col + 2 GEMMs + col2im by "
            "shifted adds; softmax CE with the max trick and the closed-form gradient; gather "
            "by fancy indexing and `np.add.at` over element indices (its fast path; rows take "
            "its slow one) for the scatter-add.",
            "TensorFlow's gather gradient is IndexedSlices: `tf.convert_to_tensor` makes it "
            "dense inside the timing. PyTorch's conv2d runs in its native NCHW layout "
            "(data transposed before timing). JAX runs eagerly (no jit); its cross-entropy "
            "is `jax.nn.log_softmax` and `take_along_axis`; autograd's is `logsumexp` and "
            "fancy indexing.",
        ),
    },
    "jacobian": {
        "title": "Jacobian of tanh(W @ x) (float32) against one gradient of sum(tanh(W @ x))",
        "threads": 2, "unit": "ms", "scale": 1e3,
        "cols": tuple(f"n={n} {what}" for n in JAC_SIZES for what in ("jacobian", "gradient")),
        "notes": (
            "Jacobian with respect to x: tapeflow and TensorFlow `tape.jacobian` (TF eager, "
            "with pfor, its default, and with `experimental_use_pfor=False`, a while_loop of "
            "gradients); JAX `jax.jacrev` against `jax.grad`; PyTorch `torch.func.jacrev` "
            "against `torch.autograd.grad`; autograd `autograd.jacobian` (one backward pass "
            "per output) against `autograd.grad`. NumPy: diag(1 - y^2) W and W^T (1 - y^2).",
        ),
    },
    "chain": {
        "title": f"Scalar chain of `y = y * c + s`, {2 * CHAIN_STEPS[0]:,} and "
                 f"{2 * CHAIN_STEPS[1]:,} ops ({CHAIN_STEPS[0]:,} and {CHAIN_STEPS[1]:,} steps), "
                 "float64, forward + backward",
        "threads": 1, "unit": "µs/op",
        "scale": {col: 1e6 / (2 * steps) for steps, col in CHAIN_COLS.items()},
        "cols": tuple(CHAIN_COLS.values()),
        "baseline": {col: col for col in CHAIN_COLS.values()},
        # one call is a sample there: ~0.15 s (NumPy) to ~2.5 s (autograd)
        "samples": {CHAIN_COLS[CHAIN_STEPS[1]]: 1},
        "notes": (
            "0-d float64 tensors (JAX with `jax_enable_x64`); the gradient of the last y with "
            f"respect to the first, c^steps with c = 0.9999 (c^{CHAIN_STEPS[1]:,} ≈ "
            f"{0.9999 ** CHAIN_STEPS[1]:.2g}). NumPy: the forward loop and a backward loop "
            "`g = g * c` on 0-d arrays. Time per op, two ops a step.",
            f"The {2 * CHAIN_STEPS[1]:,}-op column: one sample per round, so its median is of "
            "the rounds' samples; rows whose one call takes several seconds there are skipped "
            f"and keep their {2 * CHAIN_STEPS[0]:,}-op figure.",
        ),
    },
    "hvp": {
        "title": f"Hessian-vector product of sum(tanh(x)^2 * x), n = {HVP_N}, float32",
        "threads": 1, "unit": "µs", "scale": 1e6,
        "cols": ("hvp",), "baseline": {"hvp": "hvp"},
        "notes": (
            "tapeflow `tf.autodiff.hvp` (forward-over-reverse); TensorFlow a "
            "`ForwardAccumulator` over a `GradientTape`; JAX `jax.jvp` of `jax.grad`; PyTorch "
            "`torch.func.jvp` of `torch.func.grad`; autograd `hessian_vector_product` "
            "(reverse-over-reverse: autograd has no forward-over-reverse helper). NumPy: the "
            "analytic Hessian diagonal times v.",
        ),
    },
    "tutorial": {
        "title": "The tutorial's gradient cells, each a whole block per iteration (float32)",
        "threads": 1, "unit": "µs", "scale": 1e6,
        "cols": ("first order", "nested second order"),
        "baseline": {"first order": "first order", "nested second order": "nested second order"},
        "notes": (
            "Each iteration runs a whole cell: tape(s) made, ops recorded, gradient(s) taken; "
            "the input is made once, outside the timing. First order: x = ones((2, 2)), "
            "y = reduce_sum(x), z = y * y, dz/dx (8 everywhere). Nested second order: "
            "x = Variable(1.0), y = x * x * x inside two tapes, dy/dx (3) from the inner one "
            "and d2y/dx2 (6) from the outer; both are returned and checked.",
            "tapeflow and TensorFlow run the tutorial's code as written (`tf.ones`, "
            "`tf.Variable`, `t.watch`, `tf.reduce_sum`, `tf.multiply`, nested "
            "`tf.GradientTape`s). PyTorch: tensors with `requires_grad` and "
            "`torch.autograd.grad` (`create_graph=True` for the inner gradient). JAX: "
            "`jax.grad(f)` and `jax.value_and_grad(jax.grad(f))` (the grad of the grad, also "
            "returning the inner gradient), eager and under `jax.jit`; autograd: `grad(f)` and "
            "`value_and_grad(grad(f))`. NumPy: the derivatives by hand, `full(x.shape, "
            "2 * sum(x))`, and 3 x^2 and 6 x on a 0-d array.",
        ),
    },
    "mlp-small": {
        "title": f"MLP training step, {mlp_title('small')} (float32)",
        "threads": 1, "unit": "ms", "scale": 1e3,
        "cols": ("step",), "baseline": {"step": "step"},
        "notes": MLP_NOTES + ("Small enough for Python overhead to dominate: 1 thread.",),
    },
    "mlp-large": {
        "title": f"MLP training step, {mlp_title('large')} (float32)",
        "threads": 2, "unit": "ms", "scale": 1e3,
        "cols": ("step",), "baseline": {"step": "step"},
        # one step is a sample (NumPy ~0.15 s): 3 a launch keep the workload to minutes
        "samples": {"step": 3},
        "notes": MLP_NOTES + ("BLAS-bound: 2 threads. A step takes longer than a sample's "
                              "0.1 s, so each sample is one step.",),
    },
    "mlp-memory": {
        "title": f"Peak memory growth over {MEMORY_STEPS} MLP training steps, "
                 f"{mlp_title('large')} (float32)",
        "threads": 2, "unit": "MiB", "scale": 1 / 2**20,
        "cols": ("peak growth",),
        "baseline": {"peak growth": "peak growth"},
        # a worker is a fresh process, and one model's measurement needs one
        "samples": {"peak growth": 1},
        "notes": (
            "The eager rows of the large MLP workload (the compiled ones are not measured), "
            "each in a worker process of its own: it builds the model, resets the peak "
            "resident set (VmHWM, through /proc/self/clear_refs), runs "
            f"{MEMORY_STEPS} steps and reports the peak less the resident set just before "
            "them (`rss_growth` in benchmarks/mlp_floor.py, benchmarks/mlp.py's RSS figure). "
            "No warm-up step: what a library allocates on its first step (kernel and "
            "compilation caches, its allocator's pools) counts, as a user's process pays it. "
            "One sample a launch: the rounds are the samples.",
            "A resident-set figure depends on the allocator (freed blocks reused or given "
            "back to the system, pages allocated but never touched), so it compares what each "
            "library makes the process hold, not the bytes its arrays need (benchmarks/mlp.py "
            "also counts those, for NumPy and tapeflow, with tracemalloc). Checked after the "
            "measurement, by one step of a second model in the same process: the check's "
            "float64 reference, freed before the steps, would leave blocks for them to reuse.",
        ),
    },
    "import": {
        "title": "Import time: `import <library>` in a fresh interpreter",
        "threads": 1, "unit": "ms", "scale": 1e3,
        "cols": ("import",), "baseline": {"import": "import"},
        "least": IMPORT_RUNS, "versus": "difference",
        "notes": (
            "`import numpy`, `import tapeflow`, `import tensorflow`, `import jax`, "
            "`import torch` and `import autograd`, each timed with `time.perf_counter` inside "
            "a fresh interpreter (the library's own), so that the interpreter's start-up is "
            "left out, as benchmarks/overhead.py times it; bytecode caching on, one untimed "
            "import first in each launch (it writes the bytecode and warms the page cache); "
            f"TensorFlow with TF_CPP_MIN_LOG_LEVEL=3. At least {IMPORT_RUNS} imports per "
            "library over the rounds.",
            "Each cell ends with the difference of its median from NumPy's, in ms, not a "
            "ratio: an import is a fixed cost added to a program's start, and every library "
            "here imports NumPy itself. The target for tapeflow is at most NumPy + 50 ms.",
        ),
    },
}


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


# -- worker: check, then time -----------------------------------------------------------

class Skip(Exception):
    """The library lacks what this case needs; the message says what."""


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


def run_cases(cases: list, refs: dict, repeat: int, caps: dict) -> list[dict]:
    """Check every case, then time the good ones in turns: ``repeat`` samples each, or
    ``caps[col]`` where fewer."""
    rows, timed = [], []
    for row, col, build in cases:
        out = {"row": row, "col": col}
        rows.append(out)
        try:
            fn = build()
        except Skip as e:
            out.update(status="skipped", note=str(e))
            continue
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            out.update(status="FAILED", note=f"{type(e).__name__}: {e}"[:300])
            continue
        try:
            why = mismatch(fn(), refs[col])
        except Exception as e:  # noqa: BLE001
            why = f"{type(e).__name__}: {e}"[:300]
        if why:
            out.update(status="FAILED", note=why)
            continue
        fn()  # a second warm-up call
        start = time.perf_counter()
        fn()
        once = time.perf_counter() - start
        number = max(1, min(100_000, round(SAMPLE_S / max(once, 1e-9))))
        out.update(status="ok", times=[])
        timed.append((timeit.Timer(fn), number, out["times"], min(repeat, caps.get(col, repeat))))
    for _ in range(repeat):
        for timer, number, times, samples in timed:
            if len(times) < samples:
                times.append(timer.timeit(number) / number)
    return rows


def run_memory(cases: list, d: dict) -> list[dict]:
    """One sample of each case's resident-set figures, in bytes (this worker being a fresh
    process; the memory workload has one case a library), then the check, on a second
    model."""
    rows = []
    for row, _, build in cases:
        outs = [{"row": row, "col": col} for col in WORKLOADS["mlp-memory"]["cols"]]
        rows += outs
        try:
            growth = rss_growth(build().fn, MEMORY_STEPS)
            why = mismatch(build()(), mlp_reference(d))
            failed = {"status": "FAILED", "note": why} if why else None
        except Skip as e:
            failed = {"status": "skipped", "note": str(e)}
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            failed = {"status": "FAILED", "note": f"{type(e).__name__}: {e}"[:300]}
        if failed:
            for out in outs:
                out.update(failed)
            continue
        for out in outs:  # bytes: the table scales them to MiB
            out.update(status="ok", times=[growth])
    return rows


def run_import(lib: str, repeat: int) -> list[dict]:
    """``repeat`` times ``import lib`` in a fresh interpreter, timed inside it."""
    # bytecode caching on, as on a user's machine, even where the environment turns it off
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    code = f"import time; t = time.perf_counter(); import {lib}; print(time.perf_counter() - t)"
    out = {"row": NAMES[lib], "col": "import"}
    times = []
    try:
        for _ in range(repeat + 1):  # the first, untimed, writes the bytecode
            done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                  text=True, env=env, timeout=300)
            times.append(float(done.stdout.split()[-1]))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as e:
        stderr = getattr(e, "stderr", None) or ""
        if isinstance(stderr, bytes):  # a timeout's, even with text=True
            stderr = stderr.decode(errors="replace")
        tail = (stderr.strip().splitlines() or [f"{type(e).__name__}: {e}"])[-1]
        out.update(status="FAILED", note=tail[:300])
    else:
        out.update(status="ok", times=times[1:])
    return [out]


def chain_cases(row: str, fwd_bwd: Callable[[int], Any]) -> list:
    """One case per chain length, ``fwd_bwd(steps)`` returning the gradient; a row too
    slow for a length (``CHAIN_TOO_SLOW``) is skipped there."""
    def build(steps: int) -> Callable:
        seconds = CHAIN_TOO_SLOW.get((row, steps))
        if seconds:
            raise Skip(f"~{seconds} s a sample; its {2 * CHAIN_STEPS[0]:,}-op figure stands")
        return partial(fwd_bwd, steps)

    return [(row, col, partial(build, steps)) for steps, col in CHAIN_COLS.items()]


def numpy_cases(workload: str, d: dict) -> tuple[str, list]:
    if workload in MLP:
        def model() -> Checked:
            weights = mlp_start(d)  # updated in place
            params = list(zip(weights[::2], weights[1::2]))
            return training_step(stepper(numpy_phases(params, d["x"], d["labels"])),
                                 lambda: weights, d)
        return np.__version__, mlp_cases(workload, ("NumPy", model))
    if workload == "overhead":
        x, w = d["x"], d["w"]
        return np.__version__, [
            ("NumPy", "no tape", lambda: lambda: np_chain(x, w)),
            ("NumPy", "fwd+bwd", lambda: lambda: np_chain_backward(x, w)),
        ]
    if workload == "heavy":
        return np.__version__, [
            ("NumPy", "matmul", lambda: lambda: np_matmul(d["A"], d["B"], d["C_bar"])),
            ("NumPy", "conv2d", lambda: lambda: np_conv(d["x"], d["k"], d["y_bar"])),
            ("NumPy", "softmax CE", lambda: lambda: np_softmax_ce(d["logits"], d["labels"])),
            ("NumPy", "gather", lambda: lambda: np_gather(d["table"], d["idx"], d["rows_bar"])),
        ]
    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x = d[n]["W"], d[n]["x"]
            cases += [("NumPy", f"n={n} jacobian", lambda W=W, x=x: lambda: np_jacobian(W, x)),
                      ("NumPy", f"n={n} gradient", lambda W=W, x=x: lambda: np_gradient(W, x))]
        return np.__version__, cases
    if workload == "chain":
        return np.__version__, chain_cases(
            "NumPy", partial(np_scalar_chain, d["x"], d["c"], d["s"]))
    if workload == "tutorial":
        return np.__version__, [
            ("NumPy", "first order", lambda: lambda: np_first_order(d["x"])),
            ("NumPy", "nested second order", lambda: lambda: np_second_order(d["v"]))]
    return np.__version__, [("NumPy", "hvp", lambda: lambda: np_hvp(d["x"], d["v"]))]


def tf_like_cases(tf: Any, row: str, workload: str, d: dict, is_tf: bool) -> list:
    """TensorFlow and tapeflow share the API, so they share the cases."""
    const = tf.constant

    def need(*names: str) -> None:
        for name in names:
            obj = tf
            for part in name.split("."):
                obj = getattr(obj, part, None)
                if obj is None:
                    raise Skip(f"no tf.{name}")

    if workload in MLP:
        def model(compiled: bool) -> Checked:
            if compiled:
                need("function")
            variables = [tf.Variable(a) for a in mlp_start(d)]
            step = stepper(tf_phases(tf, variables, const(d["x"]), const(d["labels"]), "keras"))
            # traced by the first call, the check's
            return training_step(tf.function(step) if compiled else step, lambda: variables, d)

        return mlp_cases(workload, (row, partial(model, False)),
                         (f"{row} (tf.function)", partial(model, True)))

    if workload == "overhead":
        x, w = const(d["x"]), const(d["w"])

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def recorded():
            with tf.GradientTape() as tape:
                tape.watch(x)
                return chain(x)

        def fwd_bwd():
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = chain(x)
            return tape.gradient(y, x)

        return [(row, "no tape", lambda: lambda: chain(x)),
                (row, "recorded", lambda: recorded),
                (row, "fwd+bwd", lambda: fwd_bwd)]

    if workload == "heavy":
        def matmul():
            A, B, C_bar = const(d["A"]), const(d["B"]), const(d["C_bar"])

            def fn():
                with tf.GradientTape() as tape:
                    tape.watch([A, B])
                    C = tf.matmul(A, B)
                return tape.gradient(C, [A, B], output_gradients=C_bar)
            return fn

        def conv():
            need("nn.conv2d")
            x, k, y_bar = const(d["x"]), const(d["k"]), const(d["y_bar"])

            def fn():
                with tf.GradientTape() as tape:
                    tape.watch([x, k])
                    y = tf.nn.conv2d(x, k, strides=1, padding="SAME")
                return tape.gradient(y, [x, k], output_gradients=y_bar)
            return fn

        def softmax_ce():
            need("nn.sparse_softmax_cross_entropy_with_logits")
            z, labels = const(d["logits"]), const(d["labels"])

            def fn():
                with tf.GradientTape() as tape:
                    tape.watch(z)
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                        labels=labels, logits=z))
                return loss, tape.gradient(loss, z)
            return fn

        def gather():
            need("gather")
            table, idx, rows_bar = const(d["table"]), const(d["idx"]), const(d["rows_bar"])

            def fn():
                with tf.GradientTape() as tape:
                    tape.watch(table)
                    rows = tf.gather(table, idx)
                grad = tape.gradient(rows, table, output_gradients=rows_bar)
                # TF returns IndexedSlices: make it dense, as every other library's is
                return tf.convert_to_tensor(grad)
            return fn

        return [(row, "matmul", matmul), (row, "conv2d", conv),
                (row, "softmax CE", softmax_ce), (row, "gather", gather)]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x = const(d[n]["W"]), const(d[n]["x"])

            def jac(W=W, x=x, pfor=True):
                need("GradientTape.jacobian")

                def fn():
                    with tf.GradientTape(persistent=not pfor) as tape:
                        tape.watch(x)
                        y = tf.tanh(tf.linalg.matvec(W, x))
                    if pfor:
                        return tape.jacobian(y, x)
                    return tape.jacobian(y, x, experimental_use_pfor=False)
                return fn

            def grad(W=W, x=x):
                def fn():
                    with tf.GradientTape() as tape:
                        tape.watch(x)
                        y = tf.reduce_sum(tf.tanh(tf.linalg.matvec(W, x)))
                    return tape.gradient(y, x)
                return fn

            if is_tf:
                loop = "TensorFlow (while_loop)"
                cases += [(f"{row} (pfor)", f"n={n} jacobian", jac),
                          (f"{row} (pfor)", f"n={n} gradient", grad),
                          (loop, f"n={n} jacobian", lambda jac=jac: jac(pfor=False)),
                          (loop, f"n={n} gradient", grad)]
            else:
                cases += [(row, f"n={n} jacobian", jac), (row, f"n={n} gradient", grad)]
        return cases

    if workload == "chain":
        x, c, s = const(d["x"]), const(d["c"]), const(d["s"])  # float64 scalars

        def fwd_bwd(steps):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = x
                for _ in range(steps):
                    y = y * c + s
            return tape.gradient(y, x)

        return chain_cases(row, fwd_bwd)

    if workload == "tutorial":
        return tutorial_tf_cases(tf, row)

    # hvp
    x, v = const(d["x"]), const(d["v"])

    def f(x):
        return tf.reduce_sum(tf.square(tf.tanh(x)) * x)

    def hvp():
        if not is_tf:  # tapeflow has the helper (forward-over-reverse)
            need("autodiff.hvp")
            return lambda: tf.autodiff.hvp(f, x, v)
        need("autodiff.ForwardAccumulator")

        def fn():
            with tf.autodiff.ForwardAccumulator(x, v) as acc:
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = f(x)
                g = tape.gradient(y, x)
            return acc.jvp(g)
        return fn

    return [(row, "hvp", hvp)]


def tutorial_tf_cases(tf: Any, row: str) -> list:
    """The tutorial's two cells, as written there (the inputs made once, outside the timing)."""
    x = tf.ones((2, 2))
    v = tf.Variable(1.0)  # the tutorial calls it x

    def first_order():
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(x)
            z = tf.multiply(y, y)
        return t.gradient(z, x)

    def second_order():
        with tf.GradientTape() as t:
            with tf.GradientTape() as t2:
                y = v * v * v
            dy_dx = t2.gradient(y, v)
        return dy_dx, t.gradient(dy_dx, v)

    return [(row, "first order", lambda: first_order),
            (row, "nested second order", lambda: second_order)]


def tapeflow_cases(workload: str, d: dict) -> tuple[str, list]:
    import tapeflow as tf

    return tf.__version__, tf_like_cases(tf, "tapeflow", workload, d, is_tf=False)


def tensorflow_cases(workload: str, d: dict) -> tuple[str, list]:
    import tensorflow as tf

    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tf.__version__, tf_like_cases(tf, "TensorFlow", workload, d, is_tf=True)


def jax_cases(workload: str, d: dict) -> tuple[str, list]:
    import jax

    if workload == "chain":
        jax.config.update("jax_enable_x64", True)  # float64; off by default in JAX
    import jax.numpy as jnp

    def synced(fn: Callable) -> Callable:
        return lambda: jax.block_until_ready(fn())

    def ce(z, labels):
        """Mean sparse softmax cross-entropy."""
        logp = jax.nn.log_softmax(z)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    eager, jit = "JAX (eager)", "JAX (jit)"
    if workload in MLP:
        x, labels = jnp.asarray(d["x"]), jnp.asarray(d["labels"])

        def loss(params, x, labels):
            h = x
            for w, b in params[:-1]:
                h = jax.nn.relu(h @ w + b)
            w, b = params[-1]
            return ce(h @ w + b, labels)

        def sgd_step(params, x, labels):
            value, grads = jax.value_and_grad(loss)(params, x, labels)
            return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

        def model(update: Callable) -> Checked:
            weights = [jnp.asarray(a) for a in mlp_start(d)]
            state = {"params": list(zip(weights[::2], weights[1::2]))}

            def step():
                value, state["params"] = jax.block_until_ready(update(state["params"], x, labels))
                return value
            return training_step(step, lambda: flat(state["params"]), d)

        return jax.__version__, mlp_cases(workload, (eager, partial(model, sgd_step)),
                                          (jit, partial(model, jax.jit(sgd_step))))

    if workload == "overhead":
        x, w = jnp.asarray(d["x"]), jnp.asarray(d["w"])

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def fwd_bwd(x):
            y, pullback = jax.vjp(chain, x)
            return pullback(jnp.ones_like(y))[0]

        def no_recording():
            raise Skip("compiled code has no per-op recording to time")

        return jax.__version__, [
            (eager, "no tape", lambda: synced(lambda: chain(x))),
            # JAX has no tape: the forward pass under jax.vjp is what records
            (eager, "recorded", lambda: synced(lambda: jax.vjp(chain, x)[0])),
            (eager, "fwd+bwd", lambda: synced(lambda: fwd_bwd(x))),
            (jit, "no tape", lambda: synced(partial(jax.jit(chain), x))),
            (jit, "recorded", no_recording),
            (jit, "fwd+bwd", lambda: synced(partial(jax.jit(fwd_bwd), x))),
        ]

    if workload == "heavy":
        def vjp(f: Callable, args: tuple, cotangent: Any) -> Callable:
            def fn():
                out, pullback = jax.vjp(f, *args)
                grads = pullback(cotangent)
                return grads[0] if len(grads) == 1 else grads
            return synced(fn)

        def conv(x, k):
            return jax.lax.conv_general_dilated(x, k, (1, 1), "SAME",
                                                dimension_numbers=("NHWC", "HWIO", "NHWC"))

        a = {k: jnp.asarray(v) for k, v in d.items()}
        return jax.__version__, [
            (eager, "matmul", lambda: vjp(jnp.matmul, (a["A"], a["B"]), a["C_bar"])),
            (eager, "conv2d", lambda: vjp(conv, (a["x"], a["k"]), a["y_bar"])),
            (eager, "softmax CE",
             lambda: synced(lambda: jax.value_and_grad(ce)(a["logits"], a["labels"]))),
            (eager, "gather",
             lambda: vjp(lambda t: jnp.take(t, a["idx"], axis=0), (a["table"],), a["rows_bar"])),
        ]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x = jnp.asarray(d[n]["W"]), jnp.asarray(d[n]["x"])

            def f(x, W=W):
                return jnp.tanh(W @ x)

            def g(x, W=W):
                return jnp.sum(jnp.tanh(W @ x))

            for row, wrap in ((eager, lambda h: h), (jit, jax.jit)):
                jac, grad = wrap(jax.jacrev(f)), wrap(jax.grad(g))
                cases += [(row, f"n={n} jacobian", lambda jac=jac, x=x: synced(lambda: jac(x))),
                          (row, f"n={n} gradient", lambda grad=grad, x=x: synced(lambda: grad(x)))]
        return jax.__version__, cases

    if workload == "chain":
        x, c, s = (jnp.asarray(d[k]) for k in ("x", "c", "s"))

        def chain(y, steps):
            for _ in range(steps):
                y = y * c + s
            return y

        def fwd_bwd(steps):
            return jax.block_until_ready(jax.grad(chain)(x, steps))

        def no_jit(steps):
            raise Skip(f"jit of a {2 * steps:,}-op unrolled chain not timed (compile time)")

        return jax.__version__, chain_cases(eager, fwd_bwd) + [
            (jit, col, partial(no_jit, steps)) for steps, col in CHAIN_COLS.items()]

    if workload == "tutorial":
        x, v = jnp.asarray(d["x"]), jnp.asarray(d["v"])

        def square_of_sum(x):
            y = jnp.sum(x)
            return y * y

        def cube(x):
            return x * x * x

        # the grad of the grad, returning the inner gradient too, as the nested tapes do
        first, second = jax.grad(square_of_sum), jax.value_and_grad(jax.grad(cube))
        cases = []
        for row, wrap in ((eager, lambda h: h), (jit, jax.jit)):
            f1, f2 = wrap(first), wrap(second)
            cases += [(row, "first order", lambda f1=f1: synced(partial(f1, x))),
                      (row, "nested second order", lambda f2=f2: synced(partial(f2, v)))]
        return jax.__version__, cases

    x, v = jnp.asarray(d["x"]), jnp.asarray(d["v"])

    def hvp(x, v):
        return jax.jvp(jax.grad(lambda x: jnp.sum(jnp.tanh(x) ** 2 * x)), (x,), (v,))[1]

    return jax.__version__, [(eager, "hvp", lambda: synced(lambda: hvp(x, v))),
                             (jit, "hvp", lambda: synced(partial(jax.jit(hvp), x, v)))]


def torch_cases(workload: str, d: dict) -> tuple[str, list]:
    import torch
    import torch.nn.functional as F

    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    row = "PyTorch"

    def leaf(a: np.ndarray) -> Any:
        return torch.from_numpy(np.array(a, order="C")).requires_grad_()

    if workload in MLP:
        x, labels = torch.from_numpy(d["x"]), torch.from_numpy(d["labels"].astype(np.int64))

        def compile_now(step: Callable, weights: list) -> Callable:
            """``step`` under torch.compile, compiled here by one call (so that a failure
            or a compile too slow is a Skip), the weights then put back."""
            start = [w.detach().clone() for w in weights]
            compiled = torch.compile(step)
            began = time.perf_counter()
            try:
                compiled()
            except Exception as e:  # noqa: BLE001 - the reason is the Skip's note
                raise Skip(f"torch.compile failed: {type(e).__name__}: {e}"[:300]) from e
            took = time.perf_counter() - began
            if took > COMPILE_LIMIT_S:
                raise Skip(f"compiling took {took:.0f} s, over {COMPILE_LIMIT_S} s")
            with torch.no_grad():  # SGD without momentum keeps no other state
                for w, s in zip(weights, start):
                    w.copy_(s)
            return compiled

        def model(compiled: bool) -> Checked:
            weights = [leaf(a) for a in flat(d["params"])]
            layers = list(zip(weights[::2], weights[1::2]))
            optimizer = torch.optim.SGD(weights, lr=LR)

            def step():
                optimizer.zero_grad()
                h = x
                for w, b in layers[:-1]:
                    h = torch.relu(h @ w + b)
                w, b = layers[-1]
                loss = F.cross_entropy(h @ w + b, labels)
                loss.backward()
                optimizer.step()
                return loss

            return training_step(compile_now(step, weights) if compiled else step,
                                 lambda: weights, d)

        return torch.__version__, mlp_cases(workload, (row, partial(model, False)),
                                            (f"{row} (torch.compile)", partial(model, True)))

    if workload == "overhead":
        x, w = torch.from_numpy(d["x"]), torch.from_numpy(d["w"])
        xl = leaf(d["x"])

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def fwd_bwd():
            y = chain(xl)
            return torch.autograd.grad(y, xl, torch.ones_like(y))[0]

        return torch.__version__, [(row, "no tape", lambda: lambda: chain(x)),
                                   (row, "recorded", lambda: lambda: chain(xl)),
                                   (row, "fwd+bwd", lambda: fwd_bwd)]

    if workload == "heavy":
        def matmul():
            A, B, C_bar = leaf(d["A"]), leaf(d["B"]), torch.from_numpy(d["C_bar"])
            return lambda: torch.autograd.grad(A @ B, (A, B), C_bar)

        def conv():
            # torch's native layout: NCHW input, OIHW filter; gradients back to NHWC to check
            x = leaf(d["x"].transpose(0, 3, 1, 2))
            k = leaf(d["k"].transpose(3, 2, 0, 1))
            y_bar = torch.from_numpy(np.ascontiguousarray(d["y_bar"].transpose(0, 3, 1, 2)))

            def fn():
                return torch.autograd.grad(F.conv2d(x, k, padding=1), (x, k), y_bar)

            def checked():
                dx, dk = fn()
                return dx.permute(0, 2, 3, 1), dk.permute(2, 3, 1, 0)
            return Checked(fn, checked)

        def softmax_ce():
            z, labels = leaf(d["logits"]), torch.from_numpy(d["labels"].astype(np.int64))

            def fn():
                loss = F.cross_entropy(z, labels)
                return loss, torch.autograd.grad(loss, z)[0]
            return fn

        def gather():
            table, rows_bar = leaf(d["table"]), torch.from_numpy(d["rows_bar"])
            idx = torch.from_numpy(d["idx"].astype(np.int64))
            return lambda: torch.autograd.grad(table[idx], table, rows_bar)[0]

        return torch.__version__, [(row, "matmul", matmul), (row, "conv2d", conv),
                                   (row, "softmax CE", softmax_ce), (row, "gather", gather)]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x, xl = torch.from_numpy(d[n]["W"]), torch.from_numpy(d[n]["x"]), leaf(d[n]["x"])
            jac = torch.func.jacrev(lambda x, W=W: torch.tanh(W @ x))

            def grad(W=W, xl=xl):
                return torch.autograd.grad(torch.tanh(W @ xl).sum(), xl)[0]

            cases += [(row, f"n={n} jacobian", lambda jac=jac, x=x: lambda: jac(x)),
                      (row, f"n={n} gradient", lambda grad=grad: grad)]
        return torch.__version__, cases

    if workload == "chain":
        x, c, s = leaf(d["x"]), torch.from_numpy(d["c"]), torch.from_numpy(d["s"])

        def fwd_bwd(steps):
            y = x
            for _ in range(steps):
                y = y * c + s
            return torch.autograd.grad(y, x)[0]

        return torch.__version__, chain_cases(row, fwd_bwd)

    if workload == "tutorial":
        x, v = leaf(d["x"]), leaf(d["v"])

        def first_order():
            y = x.sum()
            z = y * y
            return torch.autograd.grad(z, x)[0]

        def second_order():
            y = v * v * v
            dy_dx = torch.autograd.grad(y, v, create_graph=True)[0]
            return dy_dx, torch.autograd.grad(dy_dx, v)[0]

        return torch.__version__, [(row, "first order", lambda: first_order),
                                   (row, "nested second order", lambda: second_order)]

    x, v = torch.from_numpy(d["x"]), torch.from_numpy(d["v"])
    grad = torch.func.grad(lambda x: (torch.tanh(x) ** 2 * x).sum())
    return torch.__version__, [
        (row, "hvp", lambda: lambda: torch.func.jvp(grad, (x,), (v,))[1])]


def autograd_cases(workload: str, d: dict) -> tuple[str, list]:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    try:
        from importlib.metadata import version
        ver = version("autograd")
    except Exception:  # noqa: BLE001
        ver = "?"
    row = "autograd"

    def ce(z, labels):
        """Mean sparse softmax cross-entropy."""
        return anp.mean(logsumexp(z, axis=1) - z[np.arange(len(labels)), labels])

    if workload in MLP:
        def loss(params):
            h = d["x"]
            for w, b in params[:-1]:
                h = anp.maximum(h @ w + b, 0)
            w, b = params[-1]
            return ce(h @ w + b, d["labels"])

        loss_and_grads = autograd.value_and_grad(loss)

        def model() -> Checked:
            weights = mlp_start(d)  # updated in place
            params = list(zip(weights[::2], weights[1::2]))

            def step():
                value, grads = loss_and_grads(params)
                for (w, b), (dw, db) in zip(params, grads):
                    w -= LR * dw
                    b -= LR * db
                return value
            return training_step(step, lambda: weights, d)

        return ver, mlp_cases(workload, (row, model))

    if workload == "overhead":
        x, w = d["x"], d["w"]

        def chain(y):
            for _ in range(OPS):
                y = y * w
            return y

        def fwd_bwd():
            pullback, y = autograd.make_vjp(chain)(x)
            return pullback(np.ones_like(y))

        # outside a trace, autograd code is NumPy code: "no tape" is the bare NumPy loop
        return ver, [(row, "no tape", lambda: lambda: chain(x)),
                     (row, "recorded", lambda: lambda: autograd.make_vjp(chain)(x)[1]),
                     (row, "fwd+bwd", lambda: fwd_bwd)]

    if workload == "heavy":
        def vjp(f: Callable, arg: Any, cotangent: Any) -> Callable:
            return lambda: autograd.make_vjp(f)(arg)[0](cotangent)

        def no_conv():
            raise Skip("no conv2d primitive (autograd.scipy.signal.convolve is another op)")

        return ver, [
            (row, "matmul", lambda: vjp(lambda ab: anp.dot(ab[0], ab[1]), (d["A"], d["B"]),
                                        d["C_bar"])),
            (row, "conv2d", no_conv),
            (row, "softmax CE",
             lambda: lambda: autograd.value_and_grad(ce)(d["logits"], d["labels"])),
            (row, "gather", lambda: vjp(lambda t: t[d["idx"]], d["table"], d["rows_bar"])),
        ]

    if workload == "jacobian":
        cases = []
        for n in JAC_SIZES:
            W, x = d[n]["W"], d[n]["x"]
            jac = autograd.jacobian(lambda x, W=W: anp.tanh(anp.dot(W, x)))
            grad = autograd.grad(lambda x, W=W: anp.sum(anp.tanh(anp.dot(W, x))))
            cases += [(row, f"n={n} jacobian", lambda jac=jac, x=x: lambda: jac(x)),
                      (row, f"n={n} gradient", lambda grad=grad, x=x: lambda: grad(x))]
        return ver, cases

    if workload == "chain":
        c, s = d["c"], d["s"]

        def chain(y, steps):
            for _ in range(steps):
                y = y * c + s
            return y

        return ver, chain_cases(row, lambda steps: autograd.grad(chain)(d["x"], steps))

    if workload == "tutorial":
        first = autograd.grad(lambda x: anp.sum(x) * anp.sum(x))
        # the grad of the grad, returning the inner gradient too, as the nested tapes do
        second = autograd.value_and_grad(autograd.grad(lambda x: x * x * x))
        return ver, [(row, "first order", lambda: lambda: first(d["x"])),
                     (row, "nested second order", lambda: lambda: second(d["v"]))]

    # autograd's helper is reverse-over-reverse (it has no forward-over-reverse HVP)
    hvp = autograd.hessian_vector_product(lambda x: anp.sum(anp.tanh(x) ** 2 * x))
    return ver, [(row, "hvp", lambda: lambda: hvp(d["x"], d["v"]))]


class Checked:
    """A timed callable whose result needs rearranging (outside the timing) to be checked."""

    def __init__(self, fn: Callable, for_check: Callable) -> None:
        self.fn, self.for_check, self.checked = fn, for_check, False

    def __call__(self) -> Any:
        if not self.checked:  # the first call is the check
            self.checked = True
            return self.for_check()
        return self.fn()


def training_step(step: Callable[[], Any], weights: Callable[[], list], d: dict) -> Checked:
    """``step`` (returning the loss) to time, whose first call, the check, returns the loss
    and each of ``weights()``'s updates from the initial weights in ``d``."""
    def first() -> list:
        # float32 in every library (the NumPy floor returns a Python float)
        loss = np.asarray(as_numpy(step()), np.float32)
        return [loss] + [as_numpy(w) - s for w, s in zip(weights(), flat(d["params"]))]
    return Checked(step, first)


def mlp_cases(workload: str, eager: tuple, compiled: tuple | None = None) -> list:
    """The cases of an MLP workload from (row, build) pairs: the eager one, and the
    compiled one except for the memory workload (eager steps only)."""
    col = WORKLOADS[workload]["cols"][0]
    pairs = [eager] if compiled is None or workload == "mlp-memory" else [eager, compiled]
    return [(row, col, build) for row, build in pairs]


def worker(lib: str, workload: str, repeat: int) -> dict:
    facts = {"lib": lib, "python": platform.python_version(), "numpy": np.__version__}
    if workload == "version":
        version = CASES[lib]("version", {})[0]
        module = sys.modules.get(lib)
        return {**facts, "version": version,
                "source": str(Path(module.__file__).parent) if module else "?"}
    if workload == "import":  # the library is not imported here: each sample is a fresh one
        return {**facts, "rows": run_import(lib, repeat)}
    data, refs = references(workload)
    version, cases = CASES[lib](workload, data)
    if workload == "mlp-memory":
        rows = run_memory(cases, data)
    else:
        rows = run_cases(cases, refs, repeat, WORKLOADS[workload].get("samples", {}))
    return {**facts, "version": version, "rows": rows}


def _version_only(fn: Callable) -> Callable:
    def cases(workload: str, d: dict) -> tuple[str, list]:
        if workload == "version":
            try:
                return fn("overhead", overhead_data())[0], []
            except Skip:
                return "?", []
        return fn(workload, d)
    return cases


CASES = {"numpy": _version_only(numpy_cases), "tapeflow": _version_only(tapeflow_cases),
         "tensorflow": _version_only(tensorflow_cases), "jax": _version_only(jax_cases),
         "torch": _version_only(torch_cases), "autograd": _version_only(autograd_cases)}


# -- runner ------------------------------------------------------------------------------

def launch(python: str, lib: str, workload: str, repeat: int, threads: int,
           timeout: float = 1800) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["JAX_PLATFORMS"] = "cpu"
    if threads == 1:
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    cmd = [python, str(Path(__file__).resolve()), "--worker", lib, "--workload", workload,
           "--repeat", str(repeat)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                              cwd=HERE.parent)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"lib": lib, "error": f"{type(e).__name__}: {e}"[:300]}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"lib": lib, "error": f"worker exit {done.returncode}: {tail}"[:300]}
    return json.loads(lines[-1])


def median_cells(results: list[dict]) -> tuple[dict, dict, dict]:
    """Merge the rounds: samples, status and note per (row, col); rows in order met."""
    samples: dict[tuple, list] = {}
    status: dict[tuple, str] = {}
    notes: dict[tuple, str] = {}
    for res in results:
        for r in res.get("rows", []):
            key = (r["row"], r["col"])
            if r["status"] == "ok":
                samples.setdefault(key, []).extend(r["times"])
                status.setdefault(key, "ok")
            else:
                status[key] = r["status"]
                notes[key] = r.get("note", "")
    cells = {k: statistics.median(v) for k, v in samples.items() if status.get(k) == "ok"}
    return cells, status, {"samples": samples, "notes": notes}


def spread(samples: list[float]) -> float | None:
    """Interquartile range over the median (None for fewer than 4 samples)."""
    if len(samples) < 4:
        return None
    q = statistics.quantiles(samples, n=4)
    return (q[2] - q[0]) / statistics.median(samples)


def fmt(t: float) -> str:
    return f"{t:.3g}" if t < 1000 else f"{t:,.0f}"


def render(name: str, rows: list[str], cells: dict, status: dict, extra: dict,
           lib_notes: list[str]) -> tuple[str, list]:
    """One workload's Markdown table, and (row, col, ratio) triples for the chart."""
    spec = WORKLOADS[name]
    unit, cols = spec["unit"], spec["cols"]
    chart = []

    def scale(col):
        return spec["scale"][col] if isinstance(spec["scale"], dict) else spec["scale"]

    def value(row, col):
        key = (row, col)
        if status.get(key) == "ok":
            return cells[key] * scale(col)
        return None

    def cell(row, col, versus):
        key = (row, col)
        st = status.get(key)
        if st is None:
            return "—"
        if st != "ok":
            return "FAILED" if st == "FAILED" else "skipped"
        text = f"{fmt(value(row, col))} ({fmt(min(extra['samples'][key]) * scale(col))})"
        if versus is not None:
            text += f", {versus}"
        return text

    lines = [f"### {spec['title']}", "", f"{spec['threads']} thread(s).", ""]
    if name == "jacobian":
        head = ["library"]
        for n in JAC_SIZES:
            head += [f"n={n} Jacobian {unit}", f"n={n} gradient {unit}", "Jacobian / gradient"]
        lines += ["| " + " | ".join(head) + " |", "|---" + "|--:" * (len(head) - 1) + "|"]
        for row in rows:
            out = [row]
            for n in JAC_SIZES:
                j, g = value(row, f"n={n} jacobian"), value(row, f"n={n} gradient")
                ratio = j / g if j is not None and g is not None else None
                if ratio is not None:
                    chart.append((row, f"n={n}", ratio))
                out += [cell(row, f"n={n} jacobian", None), cell(row, f"n={n} gradient", None),
                        f"{ratio:.3g}x" if ratio is not None else "—"]
            lines.append("| " + " | ".join(out) + " |")
        ratio_note = (f"Times: median (minimum) in {unit}. Jacobian / gradient: the ratio of "
                      "the medians, same library and mode (NumPy: the analytic forms).")
    else:
        head = ["library"] + [f"{c} {unit}" for c in cols]
        lines += ["| " + " | ".join(head) + " |", "|---" + "|--:" * len(cols) + "|"]
        for row in rows:
            out = [row]
            for col in cols:
                base = value("NumPy", spec["baseline"][col])
                mine = value(row, col)
                if row == "NumPy" and col == "recorded":
                    out.append("(no recording)")
                    continue
                versus = None
                if base and mine is not None and row != "NumPy":
                    if spec.get("versus") == "difference":
                        diff = mine - base
                        versus = f"{'+' if diff >= 0 else '-'}{fmt(abs(diff))} {unit}"
                    else:
                        ratio = mine / base
                        chart.append((row, col, ratio))
                        versus = f"{ratio:.3g}x"
                out.append(cell(row, col, versus))
            lines.append("| " + " | ".join(out) + " |")
        if spec.get("versus") == "difference":
            ratio_note = (f"Each cell: median (minimum) in {unit}, then the median less the "
                          f"NumPy row's, in {unit}.")
        else:
            ratio_note = (f"Each cell: median (minimum) in {unit}, then the ratio of the median "
                          "to the NumPy row's.")
        if name == "overhead":
            ratio_note += " Recorded is compared with the bare NumPy loop."
    lines += ["", ratio_note]
    spreads = sorted(((spread(v), k) for k, v in extra["samples"].items()
                      if status.get(k) == "ok" and spread(v) is not None), reverse=True)
    if spreads:
        typical = statistics.median(s for s, _ in spreads)
        worst, (wrow, wcol) = spreads[0]
        lines.append(f"Noise: interquartile range / median of the samples, typically "
                     f"{typical:.0%}, worst {worst:.0%} ({wrow}, {wcol}).")
    lines += [""] + [f"- {note}" for note in spec["notes"]]
    for key, note in extra["notes"].items():
        lines.append(f"- {key[0]}, {key[1]}: {status[key]}: {note}")
    lines += lib_notes
    return "\n".join(lines) + "\n", chart


def draw_chart(charts: dict, path: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not importable in this interpreter: no chart drawn."
    charts = {k: v for k, v in charts.items() if v}
    if not charts:
        return "nothing to chart."
    heights = [1.2 + 0.22 * len(triples) for triples in charts.values()]
    fig, axes = plt.subplots(len(charts), 1, figsize=(9, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (name, triples) in zip(axes[:, 0], charts.items()):
        labels = [f"{row}, {col}" for row, col, _ in triples]
        colors = ["tab:orange" if row == "tapeflow" else "tab:blue" for row, _, _ in triples]
        # bars grow from 1 (as fast as the baseline) to the ratio, either way
        ax.barh(range(len(triples)), [r - 1 for _, _, r in triples], left=1, color=colors)
        ax.set_yticks(range(len(triples)), labels, fontsize=7)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        what = {"jacobian": "Jacobian / one gradient",
                "mlp-memory": "MiB / NumPy"}.get(name, "time / NumPy")
        ax.set_title(f"{WORKLOADS[name]['title']}\n({what}, log scale)", fontsize=8)
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return f"{path.name} (log-scale bar chart of the ratios)"


def machine_facts(versions: dict) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts = [f"- Date: {datetime.date.today()}",
             f"- Machine: {platform.system()} {platform.machine()}, {cpu}, "
             f"{os.cpu_count()} cores (shared with other work while this ran)",
             f"- Runner: Python {platform.python_version()}, NumPy {np.__version__}"]
    return facts + [f"- {version_line(lib, info)}" for lib, info in versions.items()]


def version_line(lib: str, info: dict) -> str:
    """Which version of ``lib`` ran, and where (or why it did not)."""
    if "error" in info:
        return f"{NAMES[lib]}: not run ({info['error']})"
    if lib == "tapeflow":
        return f"tapeflow {info['version']} from {info['source']}{info.get('git', '')}"
    return (f"{NAMES[lib]} {info['version']} (Python {info['python']}, "
            f"NumPy {info['numpy']}, {PYTHONS[lib]})")


def git_state(folder: str) -> str:
    """', git <commit>' and whether the checkout has changes there, if it is in git."""
    def git(*cmd: str) -> str:
        return subprocess.run(["git", "-C", folder, *cmd], capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f", git {commit}" + (" with uncommitted changes" if dirty else " (clean)")


def loadavg() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def measure(name: str, libs: list[str], rounds: int, repeat: int) -> dict:
    """Every round launches every library's worker once, in a rotating order."""
    threads = WORKLOADS[name]["threads"]
    # cheap samples (imports) wanted in numbers: more a launch for few rounds
    repeat = max(repeat, -(-WORKLOADS[name].get("least", 0) // rounds))
    began, load = datetime.datetime.now(), [loadavg()]
    results, errors = [], {}
    for r in range(rounds):
        for lib in libs[r % len(libs):] + libs[:r % len(libs)]:
            print(f"[{name}] round {r + 1}/{rounds}: {NAMES[lib]}", file=sys.stderr)
            res = launch(PYTHONS[lib], lib, name, repeat, threads)
            if "error" in res:
                errors[lib] = res["error"]
            else:
                results.append(res)
    load.append(loadavg())
    caps = {col: min(repeat, n) for col, n in WORKLOADS[name].get("samples", {}).items()}
    return {"when": began.isoformat(sep=" ", timespec="minutes"), "load": load,
            "rounds": rounds, "repeat": repeat, "caps": caps, "results": results,
            "errors": errors}


def report(run: dict, out: Path, merged: bool = False) -> str:
    """Render ``run`` (versions and measured workloads) to ``out`` and a chart beside it."""
    versions, sections, charts = run["versions"], [], {}
    for name in WORKLOADS:
        m = run["workloads"].get(name)
        if m is None:
            continue
        cells, status, extra = median_cells(m["results"])
        rows = list(dict.fromkeys(row for (row, _col) in status))
        lib_notes = [f"- {NAMES[lib]}: worker FAILED: {err}" for lib, err in m["errors"].items()]
        lib_notes += [f"- {NAMES[lib]}: not run: {info['error']}"
                      for lib, info in versions.items() if "error" in info]
        # a table merged from another run may have been measured with other versions
        lib_notes += [f"- Measured with {version_line(lib, info)}, not the version above."
                      for lib, info in m.get("versions", {}).items() if info != versions.get(lib)]
        text, charts[name] = render(name, rows, cells, status, extra, lib_notes)
        load = " → ".join(f"{v:.2f}" for v in m["load"] if v is not None) or "unknown"
        caps = "; ".join(f"{n} for {col}" for col, n in m.get("caps", {}).items()
                         if n < m["repeat"])
        caps = f" ({caps})" if caps else ""
        text = text.replace(
            " thread(s).",
            f" thread(s). Measured {m['when']}, load average (1 min) {load}; "
            f"rounds: {m['rounds']}, samples per round: {m['repeat']}{caps}.", 1)
        sections.append(text)
    chart_note = draw_chart(charts, out.with_suffix(".png"))
    header = ["# tapeflow against other frameworks", "",
              "Written by `python benchmarks/suite.py` (see its docstring for the method).", ""]
    header += machine_facts(versions)
    header += ["- Threads: 1 for op overhead, scalar chain, HVP, the tutorial, the small MLP "
               "and imports; 2 for heavy ops, Jacobians and the large MLP (time and memory). "
               "Each table: median (minimum) of all samples of all rounds.",
               f"- Chart: {chart_note}"]
    if merged:
        header.append("- The tables come from more than one run (merged with `--from-raw`): "
                      "each says when it was measured and the load average then.")
    header.append("")
    text = "\n".join(header) + "\n" + "\n".join(sections)
    out.write_text(text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    parser.add_argument("--workload", choices=(*WORKLOADS, "version"), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS),
                        help="workloads to run (all)")
    parser.add_argument("--libs", nargs="+", choices=LIBS, default=list(LIBS),
                        help="libraries to run (all that are found)")
    parser.add_argument("--python", action="append", default=[], metavar="LIB=PATH",
                        help="interpreter for LIB")
    parser.add_argument("--rounds", type=int, default=5, help="worker launches per library (5)")
    parser.add_argument("--repeat", type=int, default=5, help="samples per launch (5)")
    parser.add_argument("--raw", type=Path, help="also write every sample to this JSON file")
    parser.add_argument("--from-raw", type=Path, nargs="+", metavar="FILE",
                        help="run nothing: render the tables from --raw files; a workload "
                             "in a later file replaces the same one in an earlier file")
    parser.add_argument("--out", type=Path, default=HERE / "results.md",
                        help="Markdown file to write (benchmarks/results.md)")
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.workload, args.repeat)))
        return 0

    if args.from_raw:
        run: dict = {"versions": {}, "workloads": {}}
        for path in args.from_raw:
            saved = json.loads(path.read_text())
            for m in saved["workloads"].values():
                m["versions"] = saved["versions"]  # what measured it, for report()
            run["versions"].update(saved["versions"])
            run["workloads"].update(saved["workloads"])
        print(report(run, args.out, merged=len(args.from_raw) > 1))
        print(f"written: {args.out}")
        return 0

    for lib, path in PYTHONS.items():
        if not Path(path).exists():
            PYTHONS[lib] = sys.executable  # no scratch venv: the bench extra's install
    for item in args.python:
        lib, _, path = item.partition("=")
        if lib not in PYTHONS:
            parser.error(f"unknown library {lib!r}")
        PYTHONS[lib] = path
    if "numpy" not in args.libs:
        args.libs.insert(0, "numpy")  # every ratio needs it

    run = {"versions": {}, "workloads": {}}
    libs = []
    for lib in args.libs:
        info = launch(PYTHONS[lib], lib, "version", 1, 1, timeout=300)
        run["versions"][lib] = info
        if lib == "tapeflow" and "source" in info:
            info["git"] = git_state(info["source"])  # which tapeflow was measured
        if "error" in info:
            print(f"{NAMES[lib]} left out: {info['error']}", file=sys.stderr)
        else:
            libs.append(lib)
    for name in args.only:
        run["workloads"][name] = measure(name, libs, args.rounds, args.repeat)
        if args.raw:  # after each workload, so that an interrupted run keeps what it has
            args.raw.write_text(json.dumps(run, indent=1))
    print(report(run, args.out))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
