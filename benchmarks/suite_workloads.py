"""What benchmarks/suite.py measures: the libraries' names, the workloads' sizes, and
``WORKLOADS``, each workload's table (title, threads, unit, columns, baselines, notes).

Like every module of the suite, it imports nothing but NumPy and its neighbours here at the
top, so that every library's interpreter can load it (see suite.py).
"""

from __future__ import annotations

from typing import Any

from mlp_floor import LR, MEMORY_STEPS, NETWORKS

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
