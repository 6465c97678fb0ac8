"""One MLP training step in tapeflow against the same step in hand-written NumPy.  Run by hand:

    python benchmarks/mlp.py                # prints a Markdown table (and profiles of misses)
    python benchmarks/mlp.py --check        # exit 1 if a target is missed
    python benchmarks/mlp.py --only small   # one of the two networks

A step is forward, loss (mean sparse softmax cross-entropy), backward and a
plain SGD update, float32, ReLU on the hidden layers, every layer ``h @ W + b``:

- small: 784-128-10, batch 64 (Python overhead dominates);
- large: 1024-2048-2048-10, batch 512 (BLAS dominates).

Variants:

- NumPy, the floor: the forward pass keeps its activations, the bias add,
  ReLU and the softmax work in place (``out=``), the backward pass is written
  by hand (``dW = a.T @ g``, ``db = g.sum(0)``, ``g = g @ W.T``, ``g *= a > 0``)
  and drops each activation once used, and the update is ``dW *= lr; W -= dW``
  in place, every gradient computed before any weight changes, as a
  framework does;
- tapeflow with ``tf.keras.optimizers.SGD(lr).apply_gradients``;
- tapeflow with ``v.assign_sub(lr * g)`` for each Variable.

The tapeflow model is plain Variables (no ``tf.Module``) and ``tf.matmul``,
``tf.nn.relu``, ``tf.nn.sparse_softmax_cross_entropy_with_logits``,
``tf.reduce_mean`` inside a ``tf.GradientTape``.  The batch is fixed (a
constant), as data loading is not what is measured.

Before timing, one step of each variant from the same initial weights and
batch must give the same loss and the same weight updates as the NumPy step
(float32: rtol 1e-4, atol 1e-4 of the largest update of that weight plus 4
ulps of the weight, as ``w - lr * g`` rounds to the weight's grid); a
variant that does not is reported as FAILED and not timed.

Time: each variant runs in a process of its own, started once (so that one
variant's garbage and allocator state do not slow another: ``assign_sub``'s
fresh arrays, for one, page-fault on every step in some heap layouts), and the
runner has them run loops of steps of about 0.2 s in turns, with the garbage
collector on (as in a training loop), ``--repeat`` loops each.  Every step is
timed; the table gives ms per step, the median (and the minimum) of all the
steps of all the loops, and the ratio of the medians.  A step's median, rather
than a loop's, leaves out the steps that another process on a busy machine
interrupted.

Memory (large network only): the peak growth over 20 steps, each variant in a
fresh subprocess.  The figure checked is from ``tracemalloc`` (NumPy reports its
array buffers to it): the peak of traced memory during the 20 steps less the
traced memory just before the first (weights, batch, optimizer already made),
so it counts exactly the bytes a step holds at its fullest (activations kept for
the backward pass, gradients, temporaries, optimizer scratch) and nothing of the
allocator.  For comparison, the table also gives the growth of the resident
set in other subprocesses without ``tracemalloc``: the peak RSS (``VmHWM``,
reset to the present RSS through /proc/self/clear_refs just before the steps)
less the RSS then.  That figure depends on the allocator (freed blocks reused or
returned to the system, pages of an allocated block never touched), so it is
given for information only.

If tapeflow misses a time target, the output goes on with where the time
goes: the median time of each phase of a step (forward with the loss,
backward, update) for every variant, timed without a profiler, then a cProfile
of one step of each variant that missed (the mean of enough steps for about
a second, 5 at least, so that the figures are not lost in timer noise): the
top entries by ``tottime``, and ``tottime`` summed by file.  cProfile roughly doubles the
Python part of a small step, so its figures are shares, not timings; NumPy's
ufuncs (``np.matmul`` and the operators among them) are invisible to it, and
their time shows in the Python function that calls them (``_one_gemm`` is the
BLAS time).  If the memory target is missed, it goes on with the traced memory
above the start held between steps and at the peak of each phase.

Every measurement runs in a subprocess of its own (``--worker ...``), so that
the BLAS thread count can be set before NumPy loads: 1 thread for the small
network (its products are too small to share between cores, and on a busy
2-core machine a second BLAS thread that spins while Python runs makes every
variant several times slower and the figures meaningless), 2 for the large one;
``--threads N`` sets both (0: the environment's).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from mlp_floor import (
    LR,
    MEMORY_STEPS,
    NETWORKS,
    Phases,
    make_data,
    numpy_phases,
    rss_growth,
    stepper,
    tf_phases,
)

import tapeflow as tf

TARGETS = {"small": 1.15, "large": 1.05}  # tapeflow step time / NumPy step time
MEMORY_TARGET = 1.1  # tapeflow peak growth / NumPy peak growth, large network
SAMPLE_S = 0.2  # each timing sample is a loop of about this long
THREADS = {"small": 1, "large": 2}  # BLAS threads: 1 where overhead dominates, all cores else
VARIANTS = ("numpy", "keras", "assign_sub")
LABELS = {"numpy": "NumPy", "keras": "tapeflow, `SGD.apply_gradients`",
          "assign_sub": "tapeflow, `assign_sub(lr * g)`"}


# -- the model ------------------------------------------------------------------------------
def build(name: str, variant: str) -> tuple[Phases, Callable[[], object], Callable[[], list]]:
    """A fresh model for ``variant``: (phases, step, current weights as arrays).

    ``step()`` runs the three phases and returns the loss; the tapeflow step is
    what a training loop writes::

        with tf.GradientTape() as tape:
            loss = ...
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))  # or v.assign_sub(lr * g)
    """
    params, x, labels = make_data(name)
    if variant == "numpy":
        phases = numpy_phases(params, x, labels)
        weights = lambda: [a for pair in params for a in pair]
    else:
        variables = [tf.Variable(a) for pair in params for a in pair]
        phases = tf_phases(tf, variables, tf.constant(x), tf.constant(labels), variant)
        weights = lambda: [v.numpy() for v in variables]
    return phases, stepper(phases), weights


def check(name: str) -> dict[str, str | None]:
    """One step of each variant from the same start; None where it matches NumPy."""
    start = [a.copy() for pair in make_data(name)[0] for a in pair]
    results = {}
    for variant in VARIANTS:
        _, step, weights = build(name, variant)
        results[variant] = (float(step()), [w - s for w, s in zip(weights(), start)])
    ref_loss, ref_updates = results["numpy"]
    # w - lr * g is rounded to the weight's float32 grid: a few ulps of w on top.
    ulps = [4 * float(np.spacing(np.abs(s).max())) for s in start]
    errors: dict[str, str | None] = {}
    for variant in VARIANTS[1:]:
        loss, updates = results[variant]
        try:
            np.testing.assert_allclose(loss, ref_loss, rtol=1e-5, err_msg="loss")
            for i, (got, want, ulp) in enumerate(zip(updates, ref_updates, ulps)):
                np.testing.assert_allclose(got, want, rtol=1e-4,
                                           atol=1e-4 * float(np.abs(want).max()) + ulp,
                                           err_msg=f"update of weight {i}")
            errors[variant] = None
        except AssertionError as e:
            errors[variant] = " ".join(line.strip() for line in str(e).splitlines()
                                       if line.strip())[:400]
    return errors


# -- time: one process per variant, driven in turns -----------------------------------------
def serve(name: str, variant: str) -> int:
    """``--worker serve NAME VARIANT``: one model, timed on request (a line on stdin,
    one JSON line back): ``number`` (steps in a loop of about SAMPLE_S), ``steps N``
    (the seconds of each of N steps), ``phases N`` (the seconds of each phase of each
    of N steps), ``quit``."""
    (forward, backward, update), step, _ = build(name, variant)
    step()  # warm up: optimizer slots, scratch arrays, caches
    step()
    clock = time.perf_counter
    for line in sys.stdin:
        command, *arg = line.split()
        if command == "quit":
            break
        if command == "number":
            t = clock()
            step()
            answer: object = max(1, round(SAMPLE_S / max(clock() - t, 1e-9)))
        elif command == "steps":
            answer = []
            for _ in range(int(arg[0])):
                t = clock()
                step()
                answer.append(clock() - t)
        else:
            answer = [[], [], []]
            for _ in range(int(arg[0])):
                t0 = clock()
                fwd = forward()
                t1 = clock()
                grads = backward(fwd)
                t2 = clock()
                update(grads)
                t3 = clock()
                del fwd, grads
                for out, dt in zip(answer, (t1 - t0, t2 - t1, t3 - t2)):
                    out.append(dt)
        print(json.dumps(answer), flush=True)
    return 0


class Servers:
    """One ``serve`` process per variant, with the network's BLAS threads."""

    def __init__(self, name: str, threads: int, variants: list[str]) -> None:
        self.procs = {v: subprocess.Popen(
            [sys.executable, __file__, "--worker", "serve", name, v], env=blas_env(threads),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for v in variants}
        self.numbers = {v: self.ask(v, "number") for v in variants}

    def ask(self, variant: str, *command: object) -> object:
        proc = self.procs[variant]
        proc.stdin.write(" ".join(map(str, command)) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {variant} worker died")
        return json.loads(line)

    def samples(self, command: str, repeat: int) -> dict[str, list]:
        """``repeat`` loops of each variant, the variants in turns."""
        runs: dict[str, list] = {v: [] for v in self.procs}
        for _ in range(repeat):
            for variant in self.procs:
                runs[variant].append(self.ask(variant, command, self.numbers[variant]))
        return runs

    def close(self) -> None:
        for proc in self.procs.values():
            proc.stdin.write("quit\n")
            proc.stdin.close()
            proc.wait()


# -- memory ----------------------------------------------------------------------------------
def memory_growth(name: str, variant: str, mode: str) -> int:
    """Bytes of peak growth over MEMORY_STEPS steps of a fresh model (``mode``:
    "tracemalloc" or "rss"); run in a fresh process."""
    if mode == "tracemalloc":
        tracemalloc.start()
    _, step, _ = build(name, variant)
    if mode == "tracemalloc":
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(MEMORY_STEPS):
            step()
        return tracemalloc.get_traced_memory()[1] - before
    return rss_growth(step, MEMORY_STEPS)


def memory_phases(name: str, variant: str) -> list[int]:
    """Bytes above the start (tracemalloc) in a fresh process, over the second of two
    steps: held between steps, then the peak in the forward, backward and update."""
    tracemalloc.start()
    (forward, backward, update), step, _ = build(name, variant)
    base = tracemalloc.get_traced_memory()[0]
    step()
    held = tracemalloc.get_traced_memory()[0] - base
    peaks = []
    tracemalloc.reset_peak()
    fwd = forward()
    peaks.append(tracemalloc.get_traced_memory()[1] - base)
    tracemalloc.reset_peak()
    grads = backward(fwd)
    peaks.append(tracemalloc.get_traced_memory()[1] - base)
    tracemalloc.reset_peak()
    update(grads)
    peaks.append(tracemalloc.get_traced_memory()[1] - base)
    return [held] + peaks


# -- profile --------------------------------------------------------------------------------
def profile(name: str, variant: str, top: int) -> None:
    """cProfile of one step (the mean of enough steps for ~1 s, at least 5), top entries
    by tottime, then tottime summed by file."""
    _, step, _ = build(name, variant)
    step()
    t = time.perf_counter()
    step()
    steps = max(5, round(1.0 / max(time.perf_counter() - t, 1e-9)))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"\nProfile of one {name} step, {LABELS[variant]} (mean of {steps}; "
          f"{total / steps * 1e3:.2f} ms per step under cProfile), top {top} by tottime:\n")
    print("| function | calls/step | tottime µs/step | share | cumtime µs/step |")
    print("|---|--:|--:|--:|--:|")
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for (path, line, func), (_, ncalls, tottime, cumtime, _) in entries[:top]:
        where = func if path == "~" else f"{func} ({_short(path)}:{line})"
        print(f"| `{where}` | {ncalls / steps:g} | {tottime / steps * 1e6:.0f} | "
              f"{tottime / total:.0%} | {cumtime / steps * 1e6:.0f} |")
    by_file: dict[str, float] = {}
    for (path, _, _), (_, _, tottime, _, _) in entries:
        key = "builtins and C methods" if path == "~" else _short(path)
        by_file[key] = by_file.get(key, 0.0) + tottime
    print("\n| file (tottime summed) | µs/step | share |\n|---|--:|--:|")
    for key, tottime in sorted(by_file.items(), key=lambda kv: kv[1], reverse=True)[:top]:
        print(f"| `{key}` | {tottime / steps * 1e6:.0f} | {tottime / total:.0%} |")


def _short(path: str) -> str:
    for marker in ("tapeflow" + os.sep, "numpy" + os.sep):
        at = path.rfind(marker)
        if at >= 0:
            return path[at:]
    return os.path.basename(path)


# -- runner: every measurement in a subprocess, with the network's BLAS threads -------------
def worker(task: str, name: str, *rest: str) -> int:
    """``--worker check NAME``, ``memory NAME VARIANT MODE``, ``memory-phases NAME
    VARIANT`` (one JSON line each), ``serve NAME VARIANT`` (see ``serve``) or
    ``profile NAME VARIANT TOP`` (Markdown)."""
    if task == "check":
        print(json.dumps(check(name)))
    elif task == "memory":
        print(json.dumps({"growth": memory_growth(name, *rest)}))
    elif task == "memory-phases":
        print(json.dumps({"bytes": memory_phases(name, rest[0])}))
    elif task == "serve":
        return serve(name, rest[0])
    else:
        profile(name, rest[0], int(rest[1]))
    return 0


def blas_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    return env


def spawn(threads: int, *argv: object) -> str:
    done = subprocess.run([sys.executable, __file__, "--worker", *map(str, argv)],
                          check=True, capture_output=True, text=True, env=blas_env(threads))
    return done.stdout


def explain_time(name: str, variants: list[str], threads: int, args: argparse.Namespace
                 ) -> None:
    """Phase times of every variant, then cProfile of each variant that missed."""
    servers = Servers(name, threads, list(VARIANTS))
    try:
        loops = servers.samples("phases", args.repeat)
    finally:
        servers.close()
    times = {v: [statistics.median(t for loop in loops[v] for t in loop[i]) for i in range(3)]
             for v in VARIANTS}
    print(f"\nWhere the time goes, {name}: phases of a step, µs, median of every step of "
          f"{args.repeat} loops, the variants in turns\n")
    print(f"| phase | {' | '.join(LABELS[v] for v in VARIANTS)} |")
    print("|---|" + "--:|" * len(VARIANTS))
    rows = ("forward + loss (tapeflow: recorded)", "backward (`tape.gradient`)", "update")
    for i, row in enumerate(rows):
        print(f"| {row} | {' | '.join(f'{times[v][i] * 1e6:.0f}' for v in VARIANTS)} |")
    print(f"| sum | {' | '.join(f'{sum(times[v]) * 1e6:.0f}' for v in VARIANTS)} |")
    for variant in variants:
        print(spawn(threads, "profile", name, variant, args.top), end="")


def explain_memory(name: str, threads: int) -> None:
    """Where the peak is: bytes above the start in each phase of a second step."""
    got = {v: json.loads(spawn(threads, "memory-phases", name, v).splitlines()[-1])["bytes"]
           for v in VARIANTS}
    print(f"\nWhere the memory goes, {name}: MiB above the weights and batch "
          "(tracemalloc, second step of a fresh process)\n")
    print(f"| | {' | '.join(LABELS[v] for v in VARIANTS)} |")
    print("|---|" + "--:|" * len(VARIANTS))
    rows = ("held between steps", "peak in forward + loss (tapeflow: recorded)",
            "peak in backward", "peak in update")
    for i, row in enumerate(rows):
        print(f"| {row} | {' | '.join(f'{got[v][i] / 2**20:.1f}' for v in VARIANTS)} |")


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        return worker(*sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=tuple(NETWORKS), nargs="+", default=list(NETWORKS))
    parser.add_argument("--repeat", type=int, default=21,
                        help="loops of ~0.2 s per variant, in turns (21)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for both networks (default: small 1, large 2; "
                             "0: leave the environment's)")
    parser.add_argument("--memory-rounds", type=int, default=3,
                        help="fresh processes per variant and memory figure (3)")
    parser.add_argument("--top", type=int, default=15, help="profile entries shown (15)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    threads = {name: THREADS[name] if args.threads is None else args.threads
               for name in NETWORKS}

    shown = ", ".join(f"{threads[n] or 'default'} ({n})" for n in args.only)
    print(f"{datetime.date.today()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, tapeflow {tf.__version__}; BLAS threads {shown}; "
          f"float32, SGD lr {LR}; ms per step, median (min) of every step of {args.repeat} "
          "loops of ~0.2 s\n")
    print(f"| case | {LABELS['numpy']} | {LABELS['keras']} | ratio | {LABELS['assign_sub']} "
          "| ratio | target | |")
    print("|---|--:|--:|--:|--:|--:|--:|---|")
    missed: dict[str, list[str]] = {}  # network -> variants over the time target
    memory_missed: dict[str, bool] = {}
    failures = []
    for name in args.only:
        sizes, batch = NETWORKS[name]
        errors = json.loads(spawn(threads[name], "check", name).splitlines()[-1])
        servers = Servers(name, threads[name],
                          ["numpy"] + [v for v in VARIANTS[1:] if errors[v] is None])
        try:
            loops = servers.samples("steps", args.repeat)
        finally:
            servers.close()
        runs = {v: [t for loop in got for t in loop] for v, got in loops.items()}
        ref = statistics.median(runs["numpy"])
        cells = [f"{ref * 1e3:.2f} ({min(runs['numpy']) * 1e3:.2f})"]
        over = False
        for variant in VARIANTS[1:]:
            if errors[variant] is not None:
                cells += ["FAILED", "-"]
                failures.append(f"FAILED: {name}, {LABELS[variant]}: {errors[variant]}")
                over = True
                continue
            ratio = statistics.median(runs[variant]) / ref
            cells += [f"{statistics.median(runs[variant]) * 1e3:.2f} "
                      f"({min(runs[variant]) * 1e3:.2f})", f"{ratio:.2f}x"]
            if ratio > TARGETS[name]:
                missed.setdefault(name, []).append(variant)
                over = True
        print(f"| {name}: {'-'.join(map(str, sizes))}, batch {batch}, step time | "
              f"{' | '.join(cells)} | <= {TARGETS[name]:g}x | {'OVER' if over else 'ok'} |")
        if name != "large":
            continue
        for mode in ("tracemalloc", "rss"):
            samples: dict[str, list[int]] = {variant: [] for variant in VARIANTS}
            for _ in range(args.memory_rounds):  # fresh processes, the variants in turns
                for variant in VARIANTS:
                    out = spawn(threads[name], "memory", name, variant, mode)
                    samples[variant].append(json.loads(out.splitlines()[-1])["growth"])
            mib = {v: statistics.median(s) / 2**20 for v, s in samples.items()}
            cells = [f"{mib['numpy']:.1f}"]
            worst = 0.0
            for variant in VARIANTS[1:]:
                ratio = mib[variant] / mib["numpy"] if mib["numpy"] > 0 else float("inf")
                cells += [f"{mib[variant]:.1f}", f"{ratio:.2f}x"]
                worst = max(worst, ratio)
            if mode == "tracemalloc":
                label, target = f"peak growth over {MEMORY_STEPS} steps, MiB (tracemalloc)", \
                    f"<= {MEMORY_TARGET:g}x"
                status = "ok" if worst <= MEMORY_TARGET else "OVER"
                if worst > MEMORY_TARGET:
                    missed.setdefault(name, [])
                    memory_missed[name] = True
            else:
                label, target, status = (f"peak RSS growth over {MEMORY_STEPS} steps, MiB",
                                         "-", "(info)")
            print(f"| {name}, {label} | {' | '.join(cells)} | {target} | {status} |")
    for line in failures:
        print(f"\n{line}")
    for name, variants in missed.items():
        if variants:
            explain_time(name, variants, threads[name], args)
        if memory_missed.get(name):
            explain_memory(name, threads[name])
    return 1 if args.check and (missed or failures) else 0


if __name__ == "__main__":
    sys.exit(main())
