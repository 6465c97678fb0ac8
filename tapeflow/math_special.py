"""``tf.math.special``: Bessel functions and special integrals (they need SciPy).

The I0 and I1 Bessel functions are tf.math's own, as in TF
(``tf.math.special.bessel_i0 is tf.math.bessel_i0``).
"""

from tapeflow.core.lazy import lazy_names as _lazy_names

# The rarer families load on first use (see tapeflow/core/lazy.py).
__getattr__, __dir__ = _lazy_names(__name__, globals(), {
    "tapeflow.ops.bessel": ("bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "bessel_j0",
                            "bessel_j1", "bessel_k0", "bessel_k0e", "bessel_k1", "bessel_k1e",
                            "bessel_y0", "bessel_y1"),
    "tapeflow.ops.special_integrals": ("dawsn", "expint", "fresnel_cos", "fresnel_sin",
                                       "spence"),
})
__all__ = [n for n in __dir__() if not n.startswith("_")]  # star-imports get the lazy names too
