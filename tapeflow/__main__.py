"""``python -m tapeflow``: a tour of the TF 2 GradientTape tutorial, cell by cell.

tapeflow was built from that tutorial ("TensorFlow 2.0 alpha - Gradient Tape
and Automatic Differentiation").  Its cells are kept below exactly as written,
trailing spaces included; the only change is ``import tensorflow as tf`` ->
``import tapeflow as tf``.  The tour runs each cell in a fresh namespace (so
the cell's own asserts run too), prints what it computed and why, and checks
every value against its closed form, worked out with NumPy from the cell's
own inputs.  The exit status is 0 only if every cell ran and every check held.
``tests/test_tutorial.py`` keeps its own copy of the cells and checks that
these are the same.
"""

from __future__ import annotations

import linecache
import sys
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

# -- the tutorial's code cells, verbatim -------------------------------------

IMPORTS = """\
from __future__ import absolute_import, division, print_function, unicode_literals

import tapeflow as tf
"""

GRADIENT_TAPE = """\
x = tf.ones((2, 2,))

with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)
    
# Derivative of z, with respect to x (original input tensor) 

dz_dx = t.gradient(z, x)
for i in [0, 1]:
    for j in [0,1]:
        assert dz_dx[i][j].numpy() == 8.0
"""  # noqa: W291, W293 - verbatim, trailing spaces included

INTERMEDIATE = """\
x = tf.ones((2,2))

with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y,y)
    
# Derivative of z, with respect to y (intermediate value) using Tape

dz_dy = t.gradient(z,y)
assert dz_dy.numpy() == 8.0
"""  # noqa: W291, W293 - verbatim, trailing spaces included

PERSISTENT = """\
x = tf.constant(3.0)
with tf.GradientTape(persistent=True) as t:
    t.watch(x)
    y = x * x
    z = y * y
dz_dx = t.gradient(z, x)
dy_dx = t.gradient(y, x)

del t           # drop Tape reference
"""

CONTROL_FLOW = """\
def f(x, y):
    output = 1.0
    for i in range(y):
        if i > 1 and i < 5:
            output = tf.multiply(output, x)
    return output

def grad(x, y):
    with tf.GradientTape() as t:
        t.watch(x)
        out = f(x, y)
    return t.gradient(out, x)

x = tf.convert_to_tensor(2.0)

assert grad(x, 6).numpy() == 12.0
assert grad(x, 5).numpy() == 12.0
assert grad(x, 4).numpy() == 4.0
"""

HIGHER_ORDER = """\
# create TF variable initialized to 1.0

x = tf.Variable(1.0)

with tf.GradientTape() as t:
    with tf.GradientTape() as t2:
        y = x * x * x
        
# compute gradient inside t Context Manager - making gradient computation differentiable too
        
    dy_dx = t2.gradient(y, x)
d2y_dx2 = t.gradient(dy_dx, x)

assert dy_dx.numpy() == 3.0
assert d2y_dx2.numpy() == 6.0
"""  # noqa: W291, W293 - verbatim, trailing spaces included

# -- what each cell computes, and why ------------------------------------------


@dataclass(frozen=True)
class Check:
    """One value a cell computed, the closed form it must equal, and why."""

    name: str
    got: Any
    want: Any
    why: str


@dataclass(frozen=True)
class Cell:
    """A tutorial cell: where it stands, what it shows, and how to check it."""

    label: str
    title: str
    idea: str
    source: str
    checks: Callable[[dict], list[Check]]


def _x(ns: dict) -> np.ndarray:
    return np.asarray(ns["x"].numpy(), dtype=np.float64)


def _power(k: int) -> str:
    """``x^k`` as a reader writes it: ``1``, ``x``, ``x^2``, ..."""
    return "1" if k == 0 else "x" if k == 1 else f"x^{k}"


def _gradient_tape(ns: dict) -> list[Check]:
    x = _x(ns)
    s = x.sum()
    return [Check("dz_dx", ns["dz_dx"], np.full_like(x, 2 * s),
                  f"z = (sum x)^2 = {s * s:g}, so dz/dx_ij = 2*sum(x) = {2 * s:g} "
                  "for every element")]


def _intermediate(ns: dict) -> list[Check]:
    y = float(ns["y"].numpy())
    return [Check("dz_dy", ns["dz_dy"], 2 * y,
                  f"z = y^2 with y = sum(x) = {y:g}, so dz/dy = 2y = {2 * y:g}; any "
                  "recorded value can be a source, not only a watched input")]


def _persistent(ns: dict) -> list[Check]:
    x = float(_x(ns))
    return [
        Check("dz_dx", ns["dz_dx"], 4 * x**3,
              f"z = y^2 = x^4, so dz/dx = 4x^3 = {4 * x**3:g} at x = {x:g}"),
        Check("dy_dx", ns["dy_dx"], 2 * x,
              f"y = x^2, so dy/dx = 2x = {2 * x:g} at x = {x:g}; a second gradient() call works "
              "because the tape is persistent"),
    ]


def _control_flow(ns: dict) -> list[Check]:
    x = float(_x(ns))
    checks = []
    for n in (6, 5, 4):
        hits = [i for i in range(n) if 1 < i < 5]
        k = len(hits)
        checks.append(Check(
            f"grad(x, {n})", ns["grad"](ns["x"], n), k * x ** (k - 1),
            f"the loop multiplies by x at i = {', '.join(map(str, hits))}: f = {_power(k)}, "
            f"so df/dx = {k}*{_power(k - 1)} = {k * x ** (k - 1):g} at x = {x:g}"))
    return checks


def _higher_order(ns: dict) -> list[Check]:
    x = float(_x(ns))
    return [
        Check("dy_dx", ns["dy_dx"], 3 * x**2,
              f"y = x^3, so dy/dx = 3x^2 = {3 * x**2:g} at x = {x:g}"),
        Check("d2y_dx2", ns["d2y_dx2"], 6 * x,
              "the outer tape recorded the inner gradient's ops, so differentiating "
              f"dy/dx = 3x^2 again gives 6x = {6 * x:g}"),
    ]


CELLS = (
    Cell("In [3]", "Gradient Tape",
         "Record ops on a tape, then differentiate z with respect to the input x.",
         GRADIENT_TAPE, _gradient_tape),
    Cell("In [4]", "Gradients of intermediate values",
         "Ask the same kind of tape for dz/dy, where y was computed inside it.",
         INTERMEDIATE, _intermediate),
    Cell("In [5]", "Persistent GradientTape",
         "A persistent tape answers several gradient() calls; a plain one only one.",
         PERSISTENT, _persistent),
    Cell("In [6]", "Recording control flow",
         "Tapes record the ops that ran, whatever Python's ifs and loops chose.",
         CONTROL_FLOW, _control_flow),
    Cell("In [7]", "Higher-order gradients",
         "Nested tapes: the outer one records the inner gradient, giving d2y/dx2.",
         HIGHER_ORDER, _higher_order),
)

# -- running and printing --------------------------------------------------------

_RULE = "-" * 78


def run_cell(cell: Cell) -> dict:
    """Run the import cell, then ``cell``, in a fresh namespace; return it."""
    namespace: dict = {"__name__": "__tutorial__"}
    for label, source in (("In [1]", IMPORTS), (cell.label, cell.source)):
        filename = f"<tutorial {label}>"
        # Registered so that a traceback shows the cell's lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        # dont_inherit: the cell must not pick up this module's __future__ imports.
        exec(compile(source, filename, "exec", dont_inherit=True), namespace)
    return namespace


def _show(value: Any, dtype: bool = True) -> str:
    array = np.asarray(value)
    text = np.array2string(array, separator=", ", formatter={"float_kind": "{:g}".format})
    text = " ".join(text.split())  # one line, even for a matrix
    if not dtype:
        return text
    if array.ndim:
        return f"{text}  ({array.dtype}, shape {array.shape})"
    return f"{text}  ({array.dtype})"


def _holds(check: Check) -> bool:
    if check.got is None:
        return False
    got = np.asarray(check.got, dtype=np.float64)
    want = np.asarray(check.want, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-6, atol=0.0))


def _report(cell: Cell, out: TextIO) -> list[str]:
    """Run one cell and print its checks; return what failed."""
    try:
        checks = cell.checks(run_cell(cell))
    except Exception as exc:
        print("    FAILED: the cell raised\n", file=out)
        print(_indent(_cell_traceback(exc), "      "), file=out)
        return [f"{cell.label} raised {type(exc).__name__}"]
    failed = []
    for check in checks:
        print(f"    {check.name} = {_show(check.got)}", file=out)
        print(textwrap.fill(check.why, 78, initial_indent="      why: ",
                            subsequent_indent="           "), file=out)
        if _holds(check):
            print("      ok: equals the closed form", file=out)
        else:
            print(f"      FAILED: the closed form gives {_show(check.want, dtype=False)}",
                  file=out)
            failed.append(f"{cell.label} {check.name}")
    return failed


def _cell_traceback(exc: BaseException) -> str:
    """The traceback from the cell's frame down, without the tour's own frames."""
    report = traceback.TracebackException.from_exception(exc)
    report.stack = traceback.StackSummary.from_list(
        [frame for frame in report.stack if frame.filename != __file__])
    return "".join(report.format())


def _indent(text: str, prefix: str) -> str:
    return "\n".join((prefix + line).rstrip() for line in text.rstrip("\n").split("\n"))


def main(cells: tuple[Cell, ...] = CELLS, out: TextIO | None = None) -> int:
    """Run the tour; return 0 if every cell ran and every value checked out."""
    import tapeflow

    out = out or sys.stdout
    print(f"tapeflow {tapeflow.__version__} (NumPy {np.__version__}): a tour of the "
          "TF 2 GradientTape tutorial", file=out)
    print("Each cell runs verbatim in a fresh namespace, after the tutorial's import cell",
          file=out)
    print(_indent(IMPORTS, "    | "), file=out)
    print("so its asserts run too; then each value is checked against its closed form.",
          file=out)
    failed = []
    for n, cell in enumerate(cells, 1):
        print(f"\n{_RULE}\n[{n}/{len(cells)}] {cell.title}  (tutorial {cell.label})", file=out)
        print(f"      {cell.idea}\n{_RULE}", file=out)
        print(_indent(cell.source, "    | ") + "\n", file=out)
        failed += _report(cell, out)
    print(f"\n{_RULE}", file=out)
    if failed:
        print(f"FAILED: {'; '.join(failed)}.", file=out)
        return 1
    print(f"All {len(cells)} cells ran, and every value equals its closed form.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
