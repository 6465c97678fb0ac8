"""The worker of benchmarks/suite.py, one library and one workload in a process of its own
(``suite.py --worker LIB --workload NAME``): it checks every case against the NumPy
reference, then times the good ones in turns (or measures the memory workload's resident
set, or times the library's import in fresh interpreters), and returns the rows.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np
from mlp_floor import MEMORY_STEPS, rss_growth
from suite_cases import Skip, numpy_cases, tapeflow_cases, tensorflow_cases
from suite_cases_other import autograd_cases, jax_cases, torch_cases
from suite_references import mismatch, mlp_reference, overhead_data, references
from suite_workloads import NAMES, SAMPLE_S, WORKLOADS


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
