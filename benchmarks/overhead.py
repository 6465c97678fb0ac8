"""Per-op overhead of tapeflow against the bare NumPy call.  Run by hand:

    python benchmarks/overhead.py            # prints a Markdown table
    python benchmarks/overhead.py --check    # exit 1 if a budget is missed
    python benchmarks/overhead.py --breakdown  # and where a recorded op's time goes

Each case is a chain of ``--ops`` ops (100 by default) on a (2, 2) float32
tensor, so the figures are Python overhead, not arithmetic:

- no tape: ``y = y * w`` (or ``y = tf.sin(y)``) with no tape active;
- recorded: the same chain inside a GradientTape that watches the input;
- forward + backward: the recorded chain plus ``tape.gradient(y, x)``.

The baseline is the same loop on bare NumPy arrays; for forward + backward it
is the hand-written forward loop plus the hand-written backward loop (the
cotangent times ``w``, or times ``cos`` of the saved input).  Each timing is
``timeit`` repeated ``--repeat`` times, tapeflow and NumPy in turns; the table
gives the median (and the minimum) in microseconds per op of the chain, and
the ratio of the medians.
Import time is ``import tapeflow`` against ``import numpy``, each timed inside
a fresh interpreter, in turns, median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable

import numpy as np

import tapeflow as tf

# Budgets from DESIGN.md ("Running one op") and the README.
BUDGETS = {"no tape": 2.0, "recorded": 2.5, "forward + backward": 6.0}
IMPORT_BUDGET_S = 0.1  # import tapeflow may cost at most this much over import numpy


def numpy_chains(ops: int, x: np.ndarray, w: np.ndarray) -> dict[str, Callable[[], object]]:
    """The baselines: the same loops on bare arrays, backward written by hand."""

    def mul_forward():
        y = x
        for _ in range(ops):
            y = y * w
        return y

    def mul_forward_backward():
        y = mul_forward()
        g = np.ones_like(y)
        for _ in range(ops):
            g = g * w  # d(y * w)/dy = w
        return g

    def sin_forward():
        y = x
        for _ in range(ops):
            y = np.sin(y)
        return y

    def sin_forward_backward():
        saved = []
        y = x
        for _ in range(ops):
            saved.append(y)
            y = np.sin(y)
        g = np.ones_like(y)
        for v in reversed(saved):
            g = g * np.cos(v)  # d sin(v)/dv = cos(v)
        return g

    return {"mul": (mul_forward, mul_forward_backward),
            "sin": (sin_forward, sin_forward_backward)}


def tapeflow_chains(ops: int, x: tf.Tensor, w: tf.Tensor) -> dict[str, tuple]:
    """The same chains on tapeflow tensors: no tape, recorded, forward + backward."""

    def mul(y):
        for _ in range(ops):
            y = y * w
        return y

    def sin(y):
        for _ in range(ops):
            y = tf.sin(y)
        return y

    def variants(chain):
        def recorded():
            with tf.GradientTape() as tape:
                tape.watch(x)
                return chain(x)

        def forward_backward():
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = chain(x)
            return tape.gradient(y, x)

        return (lambda: chain(x)), recorded, forward_backward

    return {"mul": variants(mul), "sin": variants(sin)}


def per_op_us(fn: Callable[[], object], base: Callable[[], object], ops: int,
              repeat: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(median, min) in microseconds per op for ``fn`` and for ``base``.

    The two are timed in turns, so that a busy moment on a shared machine
    slows both rather than tilting the ratio.
    """
    timers = [timeit.Timer(fn), timeit.Timer(base)]
    numbers = [timer.autorange()[0] for timer in timers]
    runs: list[list[float]] = [[], []]
    for _ in range(repeat):
        for timer, number, out in zip(timers, numbers, runs):
            out.append(timer.timeit(number) / number / ops * 1e6)
    return ((statistics.median(runs[0]), min(runs[0])),
            (statistics.median(runs[1]), min(runs[1])))


def import_seconds(modules: tuple[str, ...], repeat: int) -> list[float]:
    """Median time of ``import module`` in a fresh interpreter, for each module.

    The modules are imported in turns, for the same reason as in ``per_op_us``.
    Bytecode caching is switched on (as on a user's machine) even where the
    environment sets PYTHONDONTWRITEBYTECODE, and one warm-up import writes it.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for module in modules:
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)
    runs: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(repeat):
        for module in modules:
            code = (f"import time; t = time.perf_counter(); import {module}; "
                    "print(time.perf_counter() - t)")
            done = subprocess.run([sys.executable, "-c", code], check=True,
                                  capture_output=True, text=True, env=env)
            runs[module].append(float(done.stdout))
    return [statistics.median(runs[module]) for module in modules]


def check_gradients(ops: int, x: tf.Tensor, w: tf.Tensor, x_np: np.ndarray,
                    w_np: np.ndarray) -> None:
    """Timing a wrong gradient would be pointless: compare with the baselines once."""
    baseline = numpy_chains(ops, x_np, w_np)
    timed = tapeflow_chains(ops, x, w)
    for name in ("mul", "sin"):
        np.testing.assert_allclose(timed[name][2]().numpy(), baseline[name][1](), rtol=1e-5)


def _best_us(fn: Callable[[], object], repeat: int, per: int = 1) -> float:
    """Minimum over ``repeat`` timeit runs, in microseconds per call (/ ``per``)."""
    timer = timeit.Timer(fn)
    number = timer.autorange()[0]
    return min(timer.repeat(repeat, number)) / number / per * 1e6


def breakdown(ops: int, x: tf.Tensor, w: tf.Tensor, x_np: np.ndarray, w_np: np.ndarray,
              repeat: int) -> None:
    """Where a recorded ``y * w`` and its backward step go, each part timed alone
    (minimum of ``repeat`` runs; no profiler, whose own overhead would swamp parts
    this small)."""
    from tapeflow.autodiff import tape as tape_mod

    op = tf.multiply.op
    numpy_us = _best_us(lambda: x_np * w_np, repeat)
    direct_us = _best_us(lambda: tf.multiply(x, w), repeat)
    operator_us = _best_us(lambda: x * w, repeat)
    tape = tf.GradientTape()
    tape.__enter__()
    tape.watch(x)
    out = x * w
    records = tape._tape.records

    def record() -> None:
        tape_mod.record(op, (x, w), out, None)
        if len(records) > 10_000:
            records.clear()

    record_us = _best_us(record, repeat)
    tape.__exit__(None, None, None)
    with tf.GradientTape(persistent=True) as chain_tape:
        chain_tape.watch(x)
        y = x
        for _ in range(ops):
            y = y * w
    backward_us = _best_us(lambda: chain_tape.gradient(y, x), repeat, ops)
    print(f"\nWhere a recorded `y * w` goes (µs, best of {repeat}; each part timed alone):\n")
    print("| part | µs |\n|---|--:|")
    rows = [("NumPy `x * w` on the arrays", numpy_us),
            ("`tf.multiply(x, w)`, no tape (runner: checks, call, wrap)", direct_us),
            ("`x * w`, no tape (adds Python's operator dispatch)", operator_us),
            ("`record(...)` alone, the tape watching x", record_us),
            ("backward, per record: one VJP multiply + the walk", backward_us),
            ("  of which the walk (backward less one `tf.multiply`)", backward_us - direct_us)]
    for label, us in rows:
        print(f"| {label} | {us:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=100, help="ops per chain (100)")
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats (7)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the parts of a recorded op and its backward step")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x_np = rng.uniform(0.5, 1.5, (2, 2)).astype(np.float32)
    w_np = rng.uniform(0.99, 1.01, (2, 2)).astype(np.float32)  # no overflow in 100 steps
    x, w = tf.constant(x_np), tf.constant(w_np)
    check_gradients(args.ops, x, w, x_np, w_np)
    baseline = numpy_chains(args.ops, x_np, w_np)
    timed = tapeflow_chains(args.ops, x, w)

    print(f"{datetime.date.today()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, tapeflow {tf.__version__}; "
          f"(2, 2) float32, chains of {args.ops} ops, median (min) of {args.repeat}\n")
    print("| case | NumPy µs/op | tapeflow µs/op | ratio | budget | |")
    print("|---|--:|--:|--:|--:|---|")
    missed = 0
    labels = {"mul": "`y = y * w`", "sin": "`y = tf.sin(y)`"}
    for name in ("mul", "sin"):
        np_forward, np_backward = baseline[name]
        for case, fn, base in zip(BUDGETS, timed[name],
                                  (np_forward, np_forward, np_backward)):
            (ours, ours_min), (ref, ref_min) = per_op_us(fn, base, args.ops, args.repeat)
            ratio = ours / ref
            ok = ratio < BUDGETS[case]
            missed += not ok
            print(f"| {labels[name]}, {case} | {ref:.2f} ({ref_min:.2f}) | "
                  f"{ours:.2f} ({ours_min:.2f}) | {ratio:.2f}x | < {BUDGETS[case]:g}x | "
                  f"{'ok' if ok else 'OVER'} |")
    numpy_s, ours_s = import_seconds(("numpy", "tapeflow"), args.repeat)
    ok = ours_s <= numpy_s + IMPORT_BUDGET_S
    missed += not ok
    print(f"| `import` (ms, fresh interpreter) | {numpy_s * 1e3:.0f} | {ours_s * 1e3:.0f} | "
          f"+{(ours_s - numpy_s) * 1e3:.0f} ms | <= +{IMPORT_BUDGET_S * 1e3:.0f} ms | "
          f"{'ok' if ok else 'OVER'} |")
    if args.breakdown:
        breakdown(args.ops, x, w, x_np, w_np, args.repeat)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
