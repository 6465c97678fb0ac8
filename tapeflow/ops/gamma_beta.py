"""The gamma function's relatives: lbeta, the regularized incomplete gamma
(igamma, igammac) and beta (betainc) functions, and Hurwitz's zeta.

SciPy computes the kernels (an optional extra, as for lgamma in ``special``);
where TF's kernels differ at a domain edge the forward says so.  Gradients are
TF's registered ones: igamma and igammac in both inputs, betainc in ``x``
only, zeta in ``q`` only (the other inputs get None, as in TF).  TF's
d/da igamma is its own op, IgammaGradA, which has no gradient; here it is the
derivative of SciPy's gammainc by a five-point difference quotient (relative
error ~1e-10, not TF's float64 rounding).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.errors import invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops.arith import exp, log, negative
from tapeflow.ops.declare import REAL_FLOAT, composite, defop, nondiff
from tapeflow.ops.erf_inverse import _cpu_kernel
from tapeflow.ops.reduction import reduce_sum
from tapeflow.ops.samples import composite_rand, rand
from tapeflow.ops.special import _lgamma, _scipy_ref, _special, xlog1py, xlogy

__all__ = ["lbeta", "igamma", "igammac", "betainc", "zeta"]

F32_64 = ("float32", "float64")


# -- lbeta: TF's Python composite over the last axis --------------------------------------------
@composite(samples=lambda: [Sample(composite_rand((2, 3), 0.3, 3.0)),
                            Sample(composite_rand((4,), 0.3, 3.0))],
           reference=lambda x: (_scipy_ref("gammaln")(x).sum(-1)
                                - _scipy_ref("gammaln")(x.sum(-1))))
def lbeta(x: Any, name: str | None = None) -> Tensor:
    """``log(|Beta(x)|)`` over the last axis: ``sum(lgamma(x)) - lgamma(sum(x))``.

    An empty last axis gives ``-inf`` (``0 - lgamma(0)``), as in TF (needs SciPy).

    >>> import tapeflow as tf
    >>> float(tf.math.lbeta([1.0, 2.0]))  # log(1/2)
    -0.6931471824645996
    """
    _special("tf.math.lbeta")
    x = convert_to_tensor(x)
    return reduce_sum(_lgamma(x), axis=[-1]) - _lgamma(reduce_sum(x, axis=[-1]))


# -- igamma, igammac -----------------------------------------------------------------------------
def _gamma_edges(xp: Any, a: Any, x: Any, out: Any, at_zero: float) -> Any:
    """TF's kernels: nan for a <= 0 or x < 0, ``at_zero`` at x == 0 (a > 0)."""
    out = xp.where((x == 0) & (a > 0), at_zero, out)
    return xp.where((a <= 0) | (x < 0), xp.nan, out).astype(x.dtype, copy=False)


def _igamma_fwd(xp: Any, a: Any, x: Any) -> Any:
    _cpu_kernel("Igamma", x)
    return _gamma_edges(xp, a, x, _special("tf.math.igamma").gammainc(a, x), 0.0)


def _igammac_fwd(xp: Any, a: Any, x: Any) -> Any:
    _cpu_kernel("Igammac", x)
    return _gamma_edges(xp, a, x, _special("tf.math.igammac").gammaincc(a, x), 1.0)


def _igamma_grad_a_fwd(xp: Any, a: Any, x: Any) -> Any:
    """d/da P(a, x): a five-point difference quotient of whichever of P and Q = 1 - P is
    the smaller (it keeps its relative precision), on a step that scales with a."""
    special = _special("tf.math.igamma")
    a64, x64 = np.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    with np.errstate(all="ignore"):
        h = 2e-3 * np.minimum(a64, np.maximum(1.0, np.sqrt(a64)))
        upper = x64 > a64
        f = lambda s: np.where(upper, -special.gammaincc(s, x64), special.gammainc(s, x64))
        d = (f(a64 - 2 * h) - 8 * f(a64 - h) + 8 * f(a64 + h) - f(a64 + 2 * h)) / (12 * h)
    d = np.where(np.isinf(a64), 0.0, np.where(np.isposinf(x64), -0.0, d))
    d = np.where(x64 == 0, 0.0, d)
    return _gamma_edges(xp, a64, x64, d, 0.0).astype(x.dtype, copy=False)


# The table test checks these to first order (tests/test_op_table.py's FIRST_ORDER_ONLY):
# a second derivative in a would differentiate IgammaGradA, which has none (as in TF).
_IGAMMA_SAMPLES = [Sample(rand((2, 3), 0.5, 3.0), rand((2, 3), 0.3, 4.0)),
                   Sample(rand((2, 1), 0.5, 3.0), rand((3,), 0.3, 4.0))]
# TF's IgammaGradA: no gradient of its own (a second derivative in a raises in TF).
_igamma_grad_a = nondiff(
    "IgammaGradA", _igamma_grad_a_fwd, dtypes=F32_64,
    samples=lambda: [Sample(np.array([0.5, 1.0, 3.0, 30.0]), np.array([1.0, 1.0, 10.0, 25.0]))],
    # Its own formula: tests/test_special_more.py pins it to TF's values (rtol 1e-9).
    reference=lambda a, x: _igamma_grad_a_fwd(np, a, x))


def _d_igamma_dx(a: Tensor, x: Tensor) -> Tensor:
    # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a), as TF writes it (nan at x = 0 for a = 1, as TF)
    return exp(negative(x) + (a - 1) * log(x) - _lgamma(a))


def _igamma_tangent(da: Any, dx: Any, a: Tensor, x: Tensor) -> Any:
    """dP = dP/da da + dP/dx dx (None when neither input has a tangent)."""
    terms = [t for t in (None if da is None else da * _igamma_grad_a(a, x),
                         None if dx is None else dx * _d_igamma_dx(a, x)) if t is not None]
    return None if not terms else (terms[0] if len(terms) == 1 else terms[0] + terms[1])


@defop("Igamma", dtypes=REAL_FLOAT, broadcasts=True, params=False, samples=_IGAMMA_SAMPLES,
       reference=_scipy_ref("gammainc"))
class _Igamma:
    fwd = _igamma_fwd

    def vjp_a(g, a, x):  # d/da P(a, x): TF's IgammaGradA
        return g * _igamma_grad_a(a, x)

    def vjp_x(g, a, x):
        return g * _d_igamma_dx(a, x)

    def jvp(da, dx, a, x):
        return _igamma_tangent(da, dx, a, x)


@defop("Igammac", dtypes=REAL_FLOAT, broadcasts=True, params=False, samples=_IGAMMA_SAMPLES,
       reference=_scipy_ref("gammaincc"))
class _Igammac:
    fwd = _igammac_fwd

    def vjp_a(g, a, x):  # Q = 1 - P: d/da Q = -d/da P
        return negative(g * _igamma_grad_a(a, x))

    def vjp_x(g, a, x):
        return negative(g * _d_igamma_dx(a, x))

    def jvp(da, dx, a, x):
        dp = _igamma_tangent(da, dx, a, x)
        return None if dp is None else negative(dp)


def igamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The lower regularized incomplete gamma function ``P(a, x)`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.igamma([1.0], [1.0]).numpy()  # 1 - 1/e
    array([0.63212055], dtype=float32)
    """
    _special("tf.math.igamma")
    return _Igamma(a, x)


def igammac(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The upper regularized incomplete gamma function ``Q(a, x) = 1 - P(a, x)`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.igammac([1.0], [1.0]).numpy()  # 1/e
    array([0.36787945], dtype=float32)
    """
    _special("tf.math.igammac")
    return _Igammac(a, x)


# -- betainc -------------------------------------------------------------------------------------
def _betainc_fwd(xp: Any, a: Any, b: Any, x: Any) -> Any:
    # TF's Betainc broadcasts scalars only: other shapes must agree pairwise.
    for (n1, v1), (n2, v2) in ((("a", a), ("b", b)), (("a", a), ("x", x)),
                               (("b", b), ("x", x))):
        if v1.ndim and v2.ndim and v1.shape != v2.shape:
            raise invalid_argument("Betainc", f"Shapes of {n1} and {n2} are inconsistent: "
                                   f"{_dims(v1.shape)} vs. {_dims(v2.shape)}")
    out = _special("tf.math.betainc").betainc(a, b, x)
    valid = (a > 0) & (b > 0) & xp.isfinite(a) & xp.isfinite(b) & (x >= 0) & (x <= 1)
    return xp.where(valid, out, xp.nan).astype(x.dtype, copy=False)


def _dims(shape: tuple) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


@defop("Betainc", dtypes=F32_64, params=False, broadcasts=True,
       samples=lambda:
           [Sample(rand((2, 3), 0.5, 3.0), rand((2, 3), 0.5, 3.0), rand((2, 3), 0.1, 0.9)),
            Sample(rand((3,), 0.5, 3.0), np.array(2.0), np.array(0.4))],
       reference=_scipy_ref("betainc"))
class _Betainc:
    fwd = _betainc_fwd

    # No rules for a and b: TF registers None for them.
    def vjp_x(g, a, b, x):  # d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b)
        return g * _d_betainc_dx(a, b, x)

    def jvp(da, db, dx, a, b, x):
        return None if dx is None else dx * _d_betainc_dx(a, b, x)


def _d_betainc_dx(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    return exp(xlog1py(b - 1, negative(x)) + xlogy(a - 1, x) - log_beta)


def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Tensor:
    """The regularized incomplete beta function ``I_x(a, b)`` (needs SciPy).

    Only ``x`` gets a gradient (TF registers none for ``a`` and ``b``).

    >>> import tapeflow as tf
    >>> tf.math.betainc(1.0, 1.0, [0.25]).numpy()
    array([0.25], dtype=float32)
    """
    _special("tf.math.betainc")
    return _Betainc(a, b, x)


# -- zeta ----------------------------------------------------------------------------------------
def _zeta_fwd(xp: Any, x: Any, q: Any) -> Any:
    out = _special("tf.math.zeta").zeta(x, q)
    whole_x = x == xp.floor(x)
    # TF's kernel at q = 0, -1, ...: inf for even whole x, nan otherwise; nan for q < 0 and
    # x not whole.
    pole = (q <= 0) & (q == xp.floor(q))
    out = xp.where(pole, xp.where(whole_x & (xp.remainder(x, 2) == 0), xp.inf, xp.nan), out)
    return xp.where((q < 0) & ~whole_x, xp.nan, out).astype(x.dtype, copy=False)


@defop("Zeta", dtypes=F32_64, params=False, broadcasts=True,
       samples=lambda: [Sample(rand((2, 3), 1.5, 4.0), rand((2, 3), 0.5, 3.0)),
                        Sample(rand((2, 1), 1.5, 4.0), rand((3,), 0.5, 3.0))],
       reference=_scipy_ref("zeta"))
class _Zeta:
    fwd = _zeta_fwd

    # No rule for x: TF registers None for it.
    def vjp_q(g, x, q):  # d/dq zeta(x, q) = -x zeta(x + 1, q)
        return g * negative(x) * _Zeta(x + 1, q)

    def jvp(dx, dq, x, q):
        return None if dq is None else dq * negative(x) * _Zeta(x + 1, q)


def zeta(x: Any, q: Any, name: str | None = None) -> Tensor:
    """Hurwitz's zeta function ``sum_n (n + q)^-x`` (needs SciPy); ``q`` alone gets a gradient.

    >>> import tapeflow as tf
    >>> tf.math.zeta([2.0], [1.0]).numpy()  # pi^2 / 6
    array([1.644934], dtype=float32)
    """
    _special("tf.math.zeta")
    return _Zeta(x, q)
