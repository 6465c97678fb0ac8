"""Modified Bessel functions of the first kind: ``bessel_i0``, ``bessel_i1`` and
their exponentially scaled forms ``bessel_i0e = e^-|x| I0(x)``, ``bessel_i1e``.

SciPy computes the scaled forms (an optional extra, as for erf in
``special``); the unscaled ones are ``e^|x|`` times them, as TF's kernels
compute them, so ``I0(+-inf)`` is nan (inf * 0) exactly as in TF.  The
gradients are TF's registered ones, from I0' = I1 and I1' = I0 - I1/x
(Abramowitz & Stegun 9.6.27), with TF's values imputed at x = 0.
"""

from __future__ import annotations

from typing import Any

from tapeflow.core.tensor import Tensor
from tapeflow.ops.arith import equal, ones_like, reciprocal, sign, where
from tapeflow.ops.declare import REAL_FLOAT, elementwise
from tapeflow.ops.samples import unary
from tapeflow.ops.special import _special

__all__ = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"]


def _scaled(public_name: str, fn_name: str, unscale: bool) -> Any:
    def fwd(xp: Any, x: Any) -> Any:
        out = getattr(_special(public_name), fn_name)(x)
        if unscale:
            out = xp.exp(xp.abs(x)) * out  # TF's kernel: inf * 0 = nan at +-inf
        return out.astype(x.dtype, copy=False)
    return fwd


def _reference(fn_name: str) -> Any:
    return lambda x: getattr(_special(f"scipy.special.{fn_name}"), fn_name)(x)


def _at_zero(x: Tensor, value: float, elsewhere: Tensor) -> Tensor:
    return where(equal(x, 0), value * ones_like(x), elsewhere)


_SAMPLES = unary(-3.0, 3.0, kinks=(0.0,))
_i0 = elementwise("BesselI0", _scaled("tf.math.bessel_i0", "i0e", True),
                  lambda x: _i1(x),  # d I0 = I1
                  samples=_SAMPLES, dtypes=REAL_FLOAT, reference=_reference("i0"))
_i0e = elementwise("BesselI0e", _scaled("tf.math.bessel_i0e", "i0e", False),
                   lambda x, out: _i1e(x) - sign(x) * out,  # d e^-|x| I0 = e^-|x| (I1 - sgn I0)
                   samples=_SAMPLES, dtypes=REAL_FLOAT, reference=_reference("i0e"))
_i1 = elementwise("BesselI1", _scaled("tf.math.bessel_i1", "i1e", True),
                  # d I1 = I0 - I1/x; TF imputes 1 at x = 0
                  lambda x, out: _at_zero(x, 1.0, _i0(x) - out / x),
                  samples=_SAMPLES, dtypes=REAL_FLOAT, reference=_reference("i1"))
_i1e = elementwise("BesselI1e", _scaled("tf.math.bessel_i1e", "i1e", False),
                   # d e^-|x| I1 = I0e - I1e (sgn x + 1/x); TF imputes 1/2 at x = 0
                   lambda x, out: _at_zero(x, 0.5, _i0e(x) - out * (sign(x) + reciprocal(x))),
                   samples=_SAMPLES, dtypes=REAL_FLOAT, reference=_reference("i1e"))


def bessel_i0(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function I0, elementwise (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.bessel_i0([0.0, 1.0]).numpy()
    array([1.       , 1.2660658], dtype=float32)
    """
    _special("tf.math.bessel_i0")
    return _i0(x)


def bessel_i0e(x: Any, name: str | None = None) -> Tensor:
    """``exp(-|x|) * I0(x)``, finite for every finite x (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.bessel_i0e([0.0, 1.0]).numpy()
    array([1.       , 0.4657596], dtype=float32)
    """
    _special("tf.math.bessel_i0e")
    return _i0e(x)


def bessel_i1(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function I1, elementwise (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.bessel_i1([0.0, 1.0]).numpy()
    array([0.        , 0.56515914], dtype=float32)
    """
    _special("tf.math.bessel_i1")
    return _i1(x)


def bessel_i1e(x: Any, name: str | None = None) -> Tensor:
    """``exp(-|x|) * I1(x)`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.bessel_i1e([0.0, 1.0]).numpy()
    array([0.        , 0.20791042], dtype=float32)
    """
    _special("tf.math.bessel_i1e")
    return _i1e(x)


