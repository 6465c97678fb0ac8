"""Bessel functions: the modified ones of the first kind, ``bessel_i0``,
``bessel_i1`` and their exponentially scaled forms ``bessel_i0e = e^-|x| I0(x)``,
``bessel_i1e`` (tf.math and tf.math.special); and, in tf.math.special only,
those of the first and second kinds ``bessel_j0``, ``bessel_j1``, ``bessel_y0``,
``bessel_y1`` and the modified ones of the second kind ``bessel_k0``,
``bessel_k1`` with their scaled forms ``bessel_k0e = e^x K0(x)``, ``bessel_k1e``.

SciPy computes the scaled forms (an optional extra, as for erf in
``special``); the unscaled ones are ``e^|x|`` times them, as TF's kernels
compute them, so ``I0(+-inf)`` is nan (inf * 0) exactly as in TF.  The
gradients are TF's registered ones, from I0' = I1 and I1' = I0 - I1/x
(Abramowitz & Stegun 9.6.27), with TF's values imputed at x = 0; likewise
J0' = -J1, J1' = J0 - J1/x, Y0' = -Y1, Y1' = Y0 - Y1/x, K0' = -K1 and
K1' = -K0 - K1/x (A&S 9.1.28, 9.1.30, 9.6.27), left nan or inf at x = 0
where TF leaves them so.

Off their real domain TF's (Eigen's) kernels differ from SciPy's, and the
forward functions follow TF: Y0 and Y1 are -inf for x < 0 and K0, K1, K0e,
K1e are +inf (SciPy: nan); in float32 and float16, Y1(+-0) is nan (float64:
-inf, as SciPy).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.tensor import Tensor
from tapeflow.ops.arith import equal, negative, ones_like, reciprocal, sign, where
from tapeflow.ops.declare import REAL_FLOAT, elementwise
from tapeflow.ops.samples import unary
from tapeflow.ops.special import _special

__all__ = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "bessel_j0", "bessel_j1",
           "bessel_y0", "bessel_y1", "bessel_k0", "bessel_k0e", "bessel_k1", "bessel_k1e"]


def _scaled(public_name: str, fn_name: str, unscale: bool) -> Any:
    def fwd(xp: Any, x: Any) -> Any:
        out = getattr(_special(public_name), fn_name)(x)
        if unscale:
            out = xp.exp(xp.abs(x)) * out  # TF's kernel: inf * 0 = nan at +-inf
        return out.astype(x.dtype, copy=False)
    return fwd


def _kernel(public_name: str, fn_name: str, below_zero: float | None = None) -> Any:
    def fwd(xp: Any, x: Any) -> Any:
        out = getattr(_special(public_name), fn_name)(x)
        if below_zero is not None:
            out = xp.where(x < 0, below_zero, out)  # Eigen's value for x < 0; SciPy's is nan
        return out.astype(x.dtype, copy=False)
    return fwd


def _y1_fwd(xp: Any, x: Any) -> Any:
    out = xp.where(x < 0, -xp.inf, _special("tf.math.special.bessel_y1").y1(x))
    if x.dtype != xp.float64:
        out = xp.where(x == 0, xp.nan, out)  # TF's float32 (and float16) kernel: nan at +-0
    return out.astype(x.dtype, copy=False)


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

_POSITIVE = unary(0.5, 3.0)  # Y and K: real only for x > 0
_j0 = elementwise("BesselJ0", _kernel("tf.math.special.bessel_j0", "j0"),
                  lambda x: negative(_j1(x)),  # d J0 = -J1
                  samples=_SAMPLES, dtypes=REAL_FLOAT, reference=_reference("j0"))
_j1 = elementwise("BesselJ1", _kernel("tf.math.special.bessel_j1", "j1"),
                  # d J1 = J0 - J1/x; TF imputes 1/2 at x = 0
                  lambda x, out: _at_zero(x, 0.5, _j0(x) - out / x),
                  samples=_SAMPLES, dtypes=REAL_FLOAT, reference=_reference("j1"))
_y0 = elementwise("BesselY0", _kernel("tf.math.special.bessel_y0", "y0", -np.inf),
                  lambda x: negative(_y1(x)),  # d Y0 = -Y1
                  samples=_POSITIVE, dtypes=REAL_FLOAT, reference=_reference("y0"))
_y1 = elementwise("BesselY1", _y1_fwd,
                  lambda x, out: _y0(x) - out / x,  # d Y1 = Y0 - Y1/x (nan at 0, as TF)
                  samples=_POSITIVE, dtypes=REAL_FLOAT, reference=_reference("y1"))
_k0 = elementwise("BesselK0", _kernel("tf.math.special.bessel_k0", "k0", np.inf),
                  lambda x: negative(_k1(x)),  # d K0 = -K1
                  samples=_POSITIVE, dtypes=REAL_FLOAT, reference=_reference("k0"))
_k0e = elementwise("BesselK0e", _kernel("tf.math.special.bessel_k0e", "k0e", np.inf),
                   lambda x, out: out - _k1e(x),  # d e^x K0 = e^x (K0 - K1)
                   samples=_POSITIVE, dtypes=REAL_FLOAT, reference=_reference("k0e"))
_k1 = elementwise("BesselK1", _kernel("tf.math.special.bessel_k1", "k1", np.inf),
                  lambda x, out: negative(_k0(x)) - out / x,  # d K1 = -K0 - K1/x
                  samples=_POSITIVE, dtypes=REAL_FLOAT, reference=_reference("k1"))
_k1e = elementwise("BesselK1e", _kernel("tf.math.special.bessel_k1e", "k1e", np.inf),
                   # d e^x K1 = e^x K1 (1 - 1/x) - e^x K0
                   lambda x, out: out * (1.0 - reciprocal(x)) - _k0e(x),
                   samples=_POSITIVE, dtypes=REAL_FLOAT, reference=_reference("k1e"))


def bessel_i0(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function I0, elementwise (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.bessel_i0([0.0, 1.0]).numpy()
    array([1.      , 1.266066], dtype=float32)
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




def bessel_j0(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the first kind J0, elementwise (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_j0([0.0, 1.0]).numpy()
    array([1.       , 0.7651977], dtype=float32)
    """
    _special("tf.math.special.bessel_j0")
    return _j0(x)


def bessel_j1(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the first kind J1, elementwise (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_j1([0.0, 1.0]).numpy()
    array([0.        , 0.44005057], dtype=float32)
    """
    _special("tf.math.special.bessel_j1")
    return _j1(x)


def bessel_y0(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the second kind Y0: -inf for x <= 0 (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_y0([0.0, 1.0]).numpy()
    array([      -inf, 0.08825696], dtype=float32)
    """
    _special("tf.math.special.bessel_y0")
    return _y0(x)


def bessel_y1(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the second kind Y1: -inf for x < 0 (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_y1([-1.0, 1.0]).numpy()
    array([      -inf, -0.7812128], dtype=float32)
    """
    _special("tf.math.special.bessel_y1")
    return _y1(x)


def bessel_k0(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of the second kind K0: inf for x <= 0 (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_k0([0.0, 1.0]).numpy()
    array([       inf, 0.42102444], dtype=float32)
    """
    _special("tf.math.special.bessel_k0")
    return _k0(x)


def bessel_k0e(x: Any, name: str | None = None) -> Tensor:
    """``exp(x) * K0(x)``, finite for every x > 0 (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_k0e([0.0, 1.0]).numpy()
    array([      inf, 1.1444631], dtype=float32)
    """
    _special("tf.math.special.bessel_k0e")
    return _k0e(x)


def bessel_k1(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of the second kind K1: inf for x <= 0 (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_k1([0.0, 1.0]).numpy()
    array([       inf, 0.60190725], dtype=float32)
    """
    _special("tf.math.special.bessel_k1")
    return _k1(x)


def bessel_k1e(x: Any, name: str | None = None) -> Tensor:
    """``exp(x) * K1(x)`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.bessel_k1e([0.0, 1.0]).numpy()
    array([      inf, 1.6361535], dtype=float32)
    """
    _special("tf.math.special.bessel_k1e")
    return _k1e(x)
