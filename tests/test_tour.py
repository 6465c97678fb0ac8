"""The tour (``python -m tapeflow``) and the README's promises.

The tour runs, explains, checks, and fails loudly; the README's example runs
and every op it lists exists.
"""

import dataclasses
import functools
import io
import pathlib
import re
import subprocess
import sys

import tapeflow as tf
from tapeflow import __main__ as tour

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_python_m_tapeflow_runs_the_tour():
    done = subprocess.run([sys.executable, "-m", "tapeflow"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for line in [
        "[1/5] Gradient Tape  (tutorial In [3])",
        "    | x = tf.ones((2, 2,))",
        "    dz_dx = [[8, 8], [8, 8]]  (float32, shape (2, 2))",
        "z = (sum x)^2 = 16, so dz/dx_ij = 2*sum(x) = 8 for every element",
        "    dz_dy = 8  (float32)",
        "z = y^2 = x^4, so dz/dx = 4x^3 = 108 at x = 3",
        "    grad(x, 4) = 4  (float32)",
        "    d2y_dx2 = 6  (float32)",
        "All 5 cells ran, and every value equals its closed form.",
    ]:
        assert line in out, f"missing {line!r} in:\n{out}"
    assert out.count("ok: equals the closed form") == 9
    assert "FAILED" not in out and done.stderr == ""


def test_a_wrong_value_fails_the_tour():
    wrong = dataclasses.replace(tour.CELLS[2], checks=lambda ns: [
        tour.Check("dz_dx", ns["dz_dx"], 100.0, "a closed form that is wrong on purpose")])
    out = io.StringIO()
    assert tour.main((wrong,), out=out) == 1
    assert "FAILED: the closed form gives 100" in out.getvalue()
    assert out.getvalue().rstrip().endswith("FAILED: In [5] dz_dx.")


def test_a_cell_that_raises_fails_the_tour_and_shows_its_line():
    broken = dataclasses.replace(tour.CELLS[0],
                                 source="x = tf.ones((2, 2))\ny = tf.no_such_op(x)\n")
    out = io.StringIO()
    assert tour.main((broken, tour.CELLS[1]), out=out) == 1
    text = out.getvalue()
    assert 'File "<tutorial In [3]>", line 2' in text and "y = tf.no_such_op(x)" in text
    assert "    dz_dy = 8  (float32)" in text  # the next cell still ran
    assert text.rstrip().endswith("FAILED: In [3] raised AttributeError.")


def test_readme_example_runs_and_prints_what_it_says(capsys):
    example = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    exec(compile(example, "<README example>", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("tf.Tensor(2.0, shape=(), dtype=float32)\n")
    assert "[[-2.  2.]\n [-2.  2.]]" in printed


def test_every_op_the_readme_lists_exists():
    text = README.read_text()
    start = text.index("-->", text.index("<!-- ops:")) + 3
    table = text[start:text.index("<!-- /ops -->")]
    names = re.findall(r"`([a-z_][a-z0-9_.]*)`", table)
    assert len(names) > 50
    missing = [n for n in names if not _resolves(n)]
    assert not missing, f"README lists ops tapeflow does not have: {missing}"


def _resolves(dotted):
    try:
        return callable(functools.reduce(getattr, dotted.split("."), tf))
    except AttributeError:
        return False
