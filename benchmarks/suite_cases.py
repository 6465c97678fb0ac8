"""The cases of benchmarks/suite.py: what every library's cases share (``Skip``, ``Checked``,
the MLP step's check, the chain's and the MLP's case lists), NumPy's cases, and those of TF's
API, which tapeflow and TensorFlow share.  JAX, PyTorch and autograd: suite_cases_other.py.

A library's cases are ``(version, [(row, column, build), ...])``: ``build()`` makes the
callable to time, or raises ``Skip``.  The library is imported inside its function, never
here at the top: the workers of the other libraries run without tapeflow.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from mlp_floor import numpy_phases, stepper, tf_phases
from suite_references import (
    as_numpy,
    flat,
    mlp_start,
    np_chain,
    np_chain_backward,
    np_conv,
    np_first_order,
    np_gather,
    np_gradient,
    np_hvp,
    np_jacobian,
    np_matmul,
    np_scalar_chain,
    np_second_order,
    np_softmax_ce,
)
from suite_workloads import CHAIN_COLS, CHAIN_STEPS, CHAIN_TOO_SLOW, JAC_SIZES, MLP, OPS, WORKLOADS


class Skip(Exception):
    """The library lacks what this case needs; the message says what."""


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


def chain_cases(row: str, fwd_bwd: Callable[[int], Any]) -> list:
    """One case per chain length, ``fwd_bwd(steps)`` returning the gradient; a row too
    slow for a length (``CHAIN_TOO_SLOW``) is skipped there."""
    def build(steps: int) -> Callable:
        seconds = CHAIN_TOO_SLOW.get((row, steps))
        if seconds:
            raise Skip(f"~{seconds} s a sample; its {2 * CHAIN_STEPS[0]:,}-op figure stands")
        return partial(fwd_bwd, steps)

    return [(row, col, partial(build, steps)) for steps, col in CHAIN_COLS.items()]


def mlp_cases(workload: str, eager: tuple, compiled: tuple | None = None) -> list:
    """The cases of an MLP workload from (row, build) pairs: the eager one, and the
    compiled one except for the memory workload (eager steps only)."""
    col = WORKLOADS[workload]["cols"][0]
    pairs = [eager] if compiled is None or workload == "mlp-memory" else [eager, compiled]
    return [(row, col, build) for row, build in pairs]


# -- NumPy -------------------------------------------------------------------------------

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


# -- TF's API: tapeflow and TensorFlow ---------------------------------------------------

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
