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

The tables go to stdout and to benchmarks/results.md (``--out``); a log-scale
bar chart goes beside it, the same name ending in .png (benchmarks/results.png),
when matplotlib can be imported here.

The suite's modules, here in benchmarks/ (each imports only NumPy and its neighbours at the
top, so that every library's interpreter can load it: the libraries themselves are imported
inside their cases):

- ``suite_workloads.py``: the library names, the workloads' sizes and ``WORKLOADS``, each
  workload's table (title, threads, unit, columns, baselines, notes);
- ``suite_references.py``: the data every worker builds, the NumPy references, and
  ``mismatch``, the check of a result against its reference;
- ``suite_cases.py``: what the cases share (``Skip``, ``Checked``, the MLP step's check),
  NumPy's cases, and those of TF's API (tapeflow and TensorFlow);
- ``suite_cases_other.py``: the cases of JAX, PyTorch and autograd;
- ``suite_worker.py``: the worker: check, then time (or measure memory, or time imports);
- ``mlp_floor.py``: the MLP step, shared with benchmarks/mlp.py;
- this file: the command line, the interpreters (``PYTHONS``), the launches and rounds, the
  tables and the chart.
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
from pathlib import Path

import numpy as np
from suite_worker import worker
from suite_workloads import JAC_SIZES, NAMES, WORKLOADS

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
