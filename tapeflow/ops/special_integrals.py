"""Special functions defined by integrals, in tf.math.special: Dawson's integral
``dawsn``, the exponential integral ``expint`` (Ei), the Fresnel integrals
``fresnel_cos`` and ``fresnel_sin``, and Spence's function (the dilogarithm)
``spence``.

SciPy computes them (an optional extra, as for erf in ``special``); TF has
CPU kernels for float32 and float64 only, so float16 raises NotFoundError as
in TF.  Where TF's (Eigen's Cephes) kernels differ from SciPy's the forward
functions follow TF: ``expint`` is nan for x < 0 and at +inf (SciPy: Ei(x)
and inf), and ``dawsn`` is +0.0 at -0.0 and -inf.  The gradients are TF's
registered ones, which differentiate the integrands: dawsn' = 1 - 2 x dawsn,
Ei' = e^x / x, C' = cos(pi x^2 / 2), S' = sin(pi x^2 / 2) and
spence' = log(x) / (1 - x), which TF sets to -1 at x = 1.
"""

from __future__ import annotations

import math
from typing import Any

from tapeflow.core.tensor import Tensor
from tapeflow.ops.arith import cos, equal, exp, log, ones_like, sin, square, where
from tapeflow.ops.declare import REAL_FLOAT, elementwise
from tapeflow.ops.erf_inverse import _cpu_kernel
from tapeflow.ops.samples import unary
from tapeflow.ops.special import _scipy_ref, _special

__all__ = ["dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence"]

_HALF_PI = math.pi / 2


def _dawsn_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("Dawsn", x)
    out = _special("tf.math.special.dawsn").dawsn(x)
    return (out + 0.0).astype(x.dtype, copy=False)  # -0.0 + 0.0 = +0.0, TF's sign of zero


def _expint_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("Expint", x)
    out = _special("tf.math.special.expint").expi(x)
    # TF's kernel has no branch for x < 0 (nor for +inf): nan there
    return xp.where((x < 0) | (x == xp.inf), xp.nan, out).astype(x.dtype, copy=False)


def _fresnel_cos_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("FresnelCos", x)
    return _special("tf.math.special.fresnel_cos").fresnel(x)[1].astype(x.dtype, copy=False)


def _fresnel_sin_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("FresnelSin", x)
    return _special("tf.math.special.fresnel_sin").fresnel(x)[0].astype(x.dtype, copy=False)


def _spence_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("Spence", x)
    return _special("tf.math.special.spence").spence(x).astype(x.dtype, copy=False)


def _fresnel_ref(part: int) -> Any:
    return lambda x: _special("scipy.special.fresnel").fresnel(x)[part]


def _expint_ref(x: Any) -> Any:
    return _special("scipy.special.expi").expi(x)


_dawsn = elementwise("Dawsn", _dawsn_fwd,
                     lambda x, out: 1.0 - 2.0 * x * out,  # d dawsn = 1 - 2 x dawsn
                     samples=unary, dtypes=REAL_FLOAT, reference=_scipy_ref("dawsn"))
_expint = elementwise("Expint", _expint_fwd,
                      lambda x: exp(x) / x,  # d Ei = e^x / x
                      samples=lambda: unary(0.2, 3.0), dtypes=REAL_FLOAT, reference=_expint_ref)
_fresnel_cos = elementwise("FresnelCos", _fresnel_cos_fwd,
                           lambda x: cos(_HALF_PI * square(x)),  # d C = cos(pi x^2 / 2)
                           samples=unary, dtypes=REAL_FLOAT, reference=_fresnel_ref(1))
_fresnel_sin = elementwise("FresnelSin", _fresnel_sin_fwd,
                           lambda x: sin(_HALF_PI * square(x)),  # d S = sin(pi x^2 / 2)
                           samples=unary, dtypes=REAL_FLOAT, reference=_fresnel_ref(0))
_spence = elementwise("Spence", _spence_fwd,
                      # d spence = log(x) / (1 - x); TF sets -1 at x = 1 (the limit)
                      lambda x: where(equal(x, 1.0), -ones_like(x), log(x) / (1.0 - x)),
                      samples=lambda: unary(0.2, 3.0, kinks=(1.0,)), dtypes=REAL_FLOAT,
                      reference=_scipy_ref("spence"))


def dawsn(x: Any, name: str | None = None) -> Tensor:
    """Dawson's integral ``exp(-x^2) * integral_0^x exp(t^2) dt`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.dawsn([-1.0, 0.5]).numpy()
    array([-0.5380795,  0.4244364], dtype=float32)
    """
    _special("tf.math.special.dawsn")
    return _dawsn(x)


def expint(x: Any, name: str | None = None) -> Tensor:
    """The exponential integral Ei(x) for x >= 0; nan for x < 0, as TF (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.expint([0.0, 1.0, -1.0]).numpy()
    array([     -inf, 1.8951178,       nan], dtype=float32)
    """
    _special("tf.math.special.expint")
    return _expint(x)


def fresnel_cos(x: Any, name: str | None = None) -> Tensor:
    """The Fresnel cosine integral ``integral_0^x cos(pi t^2 / 2) dt`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.fresnel_cos([0.5, 1.0]).numpy()
    array([0.49234423, 0.7798934 ], dtype=float32)
    """
    _special("tf.math.special.fresnel_cos")
    return _fresnel_cos(x)


def fresnel_sin(x: Any, name: str | None = None) -> Tensor:
    """The Fresnel sine integral ``integral_0^x sin(pi t^2 / 2) dt`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.fresnel_sin([0.5, 1.0]).numpy()
    array([0.06473243, 0.43825915], dtype=float32)
    """
    _special("tf.math.special.fresnel_sin")
    return _fresnel_sin(x)


def spence(x: Any, name: str | None = None) -> Tensor:
    """Spence's function ``integral_1^x log(t) / (1 - t) dt``; nan for x < 0 (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.special.spence([0.0, 1.0, 2.0]).numpy()
    array([ 1.644934,  0.      , -0.822467], dtype=float32)
    """
    _special("tf.math.special.spence")
    return _spence(x)
