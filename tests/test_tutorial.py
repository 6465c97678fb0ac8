"""The TF 2 GradientTape tutorial tapeflow was built from, run verbatim.

The tutorial's import cell and its five code cells are copied here exactly as
written, trailing spaces included; the only change is ``import tensorflow as
tf`` -> ``import tapeflow as tf``.  Each code cell runs by ``exec`` in a fresh
namespace after the import cell, so its own asserts run; the tests then check
the values it left behind.  The copy is deliberate: the tour
(``python -m tapeflow``) keeps its own, and the last test holds the two equal.
"""

import numpy as np

from tapeflow import __main__ as tour

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


def run_cell(label, source):
    """Run the import cell, then ``source``, in a fresh namespace; return it."""
    namespace = {}
    for name, text in (("In [1]", IMPORTS), (label, source)):
        exec(compile(text, f"<tutorial {name}>", "exec", dont_inherit=True), namespace)
    return namespace


def test_gradient_tape_with_respect_to_the_input():
    ns = run_cell("In [3]", GRADIENT_TAPE)
    dz_dx = ns["dz_dx"]
    assert dz_dx.shape == (2, 2) and dz_dx.dtype.name == "float32"
    np.testing.assert_array_equal(dz_dx.numpy(), np.full((2, 2), 8.0))  # 2 * sum(x)


def test_gradient_with_respect_to_an_intermediate_value():
    ns = run_cell("In [4]", INTERMEDIATE)
    dz_dy = ns["dz_dy"]
    assert dz_dy.shape == () and dz_dy.dtype.name == "float32"
    assert dz_dy.numpy() == 8.0  # 2 * y, y = 4


def test_persistent_tape_answers_twice():
    ns = run_cell("In [5]", PERSISTENT)
    assert ns["dz_dx"].numpy() == 108.0  # z = x^4: 4 * 3^3
    assert ns["dy_dx"].numpy() == 6.0  # y = x^2: 2 * 3
    assert "t" not in ns  # the cell's `del t` ran


def test_control_flow_is_recorded_as_executed():
    ns = run_cell("In [6]", CONTROL_FLOW)
    grad, x = ns["grad"], ns["x"]
    assert grad(x, 6).numpy() == 12.0  # x^3: 3 * 2^2
    assert grad(x, 5).numpy() == 12.0  # x^3
    assert grad(x, 4).numpy() == 4.0  # x^2: 2 * 2


def test_higher_order_gradients_through_nested_tapes():
    ns = run_cell("In [7]", HIGHER_ORDER)
    assert ns["dy_dx"].numpy() == 3.0  # y = x^3: 3 * 1^2
    assert ns["d2y_dx2"].numpy() == 6.0  # 6 * 1


def test_the_tour_runs_these_same_cells():
    assert tour.IMPORTS == IMPORTS
    assert [cell.source for cell in tour.CELLS] == [
        GRADIENT_TAPE, INTERMEDIATE, PERSISTENT, CONTROL_FLOW, HIGHER_ORDER]
