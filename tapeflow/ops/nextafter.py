"""``tf.math.nextafter``: the next representable float after ``x1`` towards ``x2``.

TF registers a gradient for it (1 for ``x1``, 0 for ``x2``: a one-ulp step
is treated as the identity), and so does tapeflow.
"""

from __future__ import annotations

import numpy as np

from tapeflow.ops.arith import ones_like, zeros_like
from tapeflow.ops.declare import elementwise
from tapeflow.ops.samples import binary

__all__ = ["nextafter"]

nextafter = elementwise(
    "NextAfter", lambda xp, x1, x2: xp.nextafter(x1, x2),
    (lambda out: ones_like(out),  # d/dx1 = 1 (TF's NextAfterGrad), shaped like the output
     lambda out: zeros_like(out)),  # d/dx2 = 0
    samples=lambda: binary(apart=True), dtypes=("float32", "float64"), reference=np.nextafter)
nextafter.__doc__ = """The next float after ``x1`` in the direction of ``x2``, elementwise
(float32 and float64 only, as TF).

>>> import tapeflow as tf
>>> tf.math.nextafter(tf.constant([1.0]), tf.constant([2.0])).numpy()
array([1.0000001], dtype=float32)
"""
