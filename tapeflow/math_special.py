"""``tf.math.special``: Bessel functions and special integrals (they need SciPy).

The I0 and I1 Bessel functions are tf.math's own, as in TF
(``tf.math.special.bessel_i0 is tf.math.bessel_i0``).
"""

from tapeflow.ops.bessel import (  # noqa: F401
    bessel_i0,
    bessel_i0e,
    bessel_i1,
    bessel_i1e,
    bessel_j0,
    bessel_j1,
    bessel_k0,
    bessel_k0e,
    bessel_k1,
    bessel_k1e,
    bessel_y0,
    bessel_y1,
)
from tapeflow.ops.special_integrals import (  # noqa: F401
    dawsn,
    expint,
    fresnel_cos,
    fresnel_sin,
    spence,
)
