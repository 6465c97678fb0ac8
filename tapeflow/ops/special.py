"""Special functions: inverse trigonometric and hyperbolic functions, softplus
and friends, erf and the gamma family, rounding, safe division, clipping, add_n.

Each op states one fact, as in ``arith``: its partial derivatives
(``elementwise``), its rules side by side (``defop``), or that it has no
gradient (``nondiff``).  Where TF pins a value or a gradient at an edge point
(``xlogy(0, 0)``, ``divide_no_nan`` at ``y = 0``, ``clip_by_value`` at its
bounds) the rule follows TF's registered gradient; tests/test_special.py pins
each against values read off TF 2.21.

erf, erfc, lgamma, digamma and polygamma use SciPy, imported on first use:
NumPy is tapeflow's only hard dependency (``pip install 'tapeflow[special]'``).
"""

from __future__ import annotations

import functools
import importlib
import math
from typing import Any

import numpy as np

from tapeflow.core.dispatch import word
from tapeflow.core.errors import invalid_argument
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith
from tapeflow.ops.arith import (
    _INT_TO_FLOAT,
    _read,
    cast,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    minimum,
    negative,
    not_equal,
    ones_like,
    reciprocal,
    rsqrt,
    sigmoid,
    square,
)
from tapeflow.ops.declare import (
    FLOAT,
    NUMERIC,
    REAL,
    REAL_FLOAT,
    defop,
    elementwise,
    nondiff,
)
from tapeflow.ops.samples import away_from, binary, rand, unary

__all__ = [
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "asinh", "acosh", "atanh",
    "softplus", "softsign", "log_sigmoid", "erf", "erfc", "lgamma", "digamma", "polygamma",
    "floor", "ceil", "round", "squared_difference", "xlogy", "xlog1py", "xdivy", "divide_no_nan",
    "multiply_no_nan", "clip_by_value", "is_nan", "is_inf", "is_finite", "add_n",
]


def _indicator(condition: Tensor, like: Tensor) -> Tensor:
    """1 where ``condition`` holds, else 0, in ``like``'s dtype (no gradient)."""
    return cast(condition, like._value.dtype)


# -- inverse trigonometric and hyperbolic ------------------------------------------------------
asin = elementwise("Asin", "arcsin", lambda x: rsqrt(1 - square(x)),  # 1/sqrt(1-x^2)
                   samples=lambda: unary(-0.9, 0.9), dtypes=FLOAT)
acos = elementwise("Acos", "arccos", lambda x: negative(rsqrt(1 - square(x))),  # -1/sqrt(1-x^2)
                   samples=lambda: unary(-0.9, 0.9), dtypes=FLOAT)
atan = elementwise("Atan", "arctan", lambda x: reciprocal(1 + square(x)),  # 1/(1+x^2)
                   samples=unary, dtypes=FLOAT)
sinh = elementwise("Sinh", "sinh", lambda x: cosh(x),  # d sinh = cosh
                   samples=unary, dtypes=FLOAT)
cosh = elementwise("Cosh", "cosh", lambda x: sinh(x),  # d cosh = sinh
                   samples=unary, dtypes=FLOAT)
asinh = elementwise("Asinh", "arcsinh", lambda out: reciprocal(cosh(out)),  # 1/cosh(asinh x)
                    samples=unary, dtypes=FLOAT)
acosh = elementwise("Acosh", "arccosh", lambda out: reciprocal(sinh(out)),  # 1/sinh(acosh x)
                    samples=lambda: unary(1.1, 3.0), dtypes=FLOAT)
atanh = elementwise("Atanh", "arctanh", lambda x: reciprocal(1 - square(x)),  # 1/(1-x^2)
                    samples=lambda: unary(-0.9, 0.9), dtypes=FLOAT)

_atan2 = elementwise(
    "Atan2", lambda xp, y, x: xp.arctan2(y, x),
    (lambda y, x: x / (square(x) + square(y)),  # d/dy atan2(y, x) = x / (x^2 + y^2)
     lambda y, x: negative(y) / (square(x) + square(y))),  # d/dx = -y / (x^2 + y^2)
    # y kept off 0: atan2 jumps across the negative x axis.
    samples=lambda:
        [*binary(0.3, 2.0, low2=-2.0, high2=2.0), Sample(-rand((2, 3), 0.3, 2.0), rand((3,)))],
    dtypes=REAL_FLOAT, reference=np.arctan2)


def atan2(y: Any, x: Any, name: str | None = None) -> Tensor:
    """The angle of the point ``(x, y)``, in ``[-pi, pi]``: ``atan(y / x)`` by quadrant.

    >>> import tapeflow as tf
    >>> tf.math.atan2([1.0], [-1.0]).numpy()
    array([2.3561945], dtype=float32)
    """
    return _atan2(y, x)


# -- softplus, softsign, log_sigmoid -----------------------------------------------------------
def _softplus_fwd(xp: Any, features: Any) -> Any:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exp never overflows, tails stay exact.
    return xp.maximum(features, 0) + xp.log1p(xp.exp(-xp.abs(features)))


def _log_sigmoid_fwd(xp: Any, x: Any) -> Any:
    # -softplus(-x), as TF computes it (so log_sigmoid(big) is -0.0, as in TF).
    return -(xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x))))


_TAILS = Sample(np.array([-40.0, -5.0, 5.0, 40.0]))
_softplus = elementwise("Softplus", _softplus_fwd, lambda features: sigmoid(features),
                        # d softplus = sigmoid
                        samples=lambda: [*unary(-4.0, 4.0), _TAILS], dtypes=REAL_FLOAT,
                        reference=lambda x: np.logaddexp(0.0, x))
_softsign = elementwise("Softsign", lambda xp, features: features / (1 + xp.abs(features)),
                        lambda features: reciprocal(square(1 + arith.abs(features))),
                        # d x/(1+|x|) = 1/(1+|x|)^2
                        samples=lambda: unary(kinks=(0.0,)), dtypes=REAL_FLOAT,
                        reference=lambda x: x / (1 + np.abs(x)))
# TF builds log_sigmoid from -softplus(-x); one op here, named after TF's name scope.
log_sigmoid = elementwise("LogSigmoid", _log_sigmoid_fwd,
                          lambda x: sigmoid(negative(x)),  # d log sigmoid(x) = sigmoid(-x)
                          samples=lambda: [*unary(-4.0, 4.0), _TAILS], dtypes=REAL_FLOAT,
                          reference=lambda x: -np.logaddexp(0.0, -x))


def softplus(features: Any, name: str | None = None) -> Tensor:
    """``log(exp(features) + 1)``, computed without overflow.

    >>> import tapeflow as tf
    >>> tf.math.softplus([0.0, 100.0]).numpy()
    array([  0.6931472, 100.       ], dtype=float32)
    """
    return _softplus(features)


def softsign(features: Any, name: str | None = None) -> Tensor:
    """``features / (abs(features) + 1)``.

    >>> import tapeflow as tf
    >>> tf.nn.softsign([1.0, -3.0]).numpy()
    array([ 0.5 , -0.75], dtype=float32)
    """
    return _softsign(features)


# -- erf and the gamma family (SciPy) ----------------------------------------------------------
_scipy: dict[str, Any] = {}  # SciPy's submodules once imported (forward functions ask per call)


def scipy_module(name: str, public_name: str) -> Any:
    """``scipy.<name>`` (SciPy is an optional extra), imported on first use, or an
    ImportError naming the op that needs it."""
    module = _scipy.get(name)
    if module is None:
        try:
            module = _scipy[name] = importlib.import_module(f"scipy.{name}")
        except ImportError:
            raise ImportError(f"{public_name} needs SciPy, which is not installed: pip install "
                              "scipy (or pip install 'tapeflow[special]')") from None
    return module


def _special(public_name: str) -> Any:
    """``scipy.special``, imported on first use, or an ImportError naming the op."""
    return scipy_module("special", public_name)


def _erf_fwd(xp: Any, x: Any) -> Any:
    return _special("tf.math.erf").erf(x).astype(x.dtype, copy=False)


def _erfc_fwd(xp: Any, x: Any) -> Any:
    return _special("tf.math.erfc").erfc(x).astype(x.dtype, copy=False)


def _lgamma_fwd(xp: Any, x: Any) -> Any:
    out = _special("tf.math.lgamma").gammaln(x)
    # TF: lgamma(-inf) = +inf (SciPy: -inf).
    return xp.where(xp.isneginf(x), xp.inf, out).astype(x.dtype, copy=False)


def _digamma_fwd(xp: Any, x: Any) -> Any:
    out = _special("tf.math.digamma").psi(x)
    # TF: nan at every pole, 0 included (SciPy: -inf at 0).
    return xp.where(x == 0, xp.nan, out).astype(x.dtype, copy=False)


def _polygamma_fwd(xp: Any, a: Any, x: Any) -> Any:
    special = _special("tf.math.polygamma")
    valid = (a >= 0) & (a == xp.floor(a))  # TF: nan unless a is a whole number >= 0
    out = special.polygamma(xp.where(valid, a, 0), x)
    # TF at the poles x = 0, -1, ...: +inf for odd orders, nan for even ones.
    pole = (x <= 0) & (x == xp.floor(x))
    out = xp.where(pole, xp.where(xp.remainder(a, 2) == 1, xp.inf, xp.nan), out)
    return xp.where(valid, out, xp.nan).astype(x.dtype, copy=False)


def _scipy_ref(fn_name: str) -> Any:
    return lambda *args: getattr(_special(f"scipy.special.{fn_name}"), fn_name)(*args)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# Negative samples keep off the poles 0, -1, -2, ...
_GAMMA_SAMPLES = [*unary(0.2, 4.0), Sample(np.array([-2.5, -1.5, -0.6, -0.3]))]

_erf = elementwise("Erf", _erf_fwd,
                   lambda x: _TWO_OVER_SQRT_PI * exp(negative(square(x))),  # 2/sqrt(pi) e^-x^2
                   samples=unary, dtypes=REAL_FLOAT, reference=_scipy_ref("erf"))
_erfc = elementwise("Erfc", _erfc_fwd,
                    lambda x: -_TWO_OVER_SQRT_PI * exp(negative(square(x))),  # -2/sqrt(pi) e^-x^2
                    samples=unary, dtypes=REAL_FLOAT, reference=_scipy_ref("erfc"))
_lgamma = elementwise("Lgamma", _lgamma_fwd, lambda x: _digamma(x),  # d log|G(x)| = psi(x)
                      samples=_GAMMA_SAMPLES, dtypes=REAL_FLOAT,
                      reference=_scipy_ref("gammaln"))
_digamma = elementwise("Digamma", _digamma_fwd,
                       lambda x: _Polygamma(ones_like(x), x),  # d psi(x) = psi'(x)
                       samples=_GAMMA_SAMPLES, dtypes=REAL_FLOAT, reference=_scipy_ref("psi"))


@defop("Polygamma", dtypes=("float32", "float64"), broadcasts=True, params=False,
       samples=lambda: [Sample(np.array([0.0, 1.0, 2.0]), rand((3,), 0.3, 3.0)),
                        Sample(np.array(1.0), rand((2, 3), 0.3, 3.0)),
                        Sample(np.array([[0.0], [3.0]]), rand((3,), 0.3, 3.0)),
                        Sample(np.array([3.0, 2.0]), np.array([-1.5, -0.5]))],
       reference=lambda a, x: _special("scipy.special.polygamma").polygamma(a.astype(int), x))
class _Polygamma:
    fwd = _polygamma_fwd

    # No rule for the order ``a``: TF has none either (its gradient is None).
    def vjp_x(g, a, x):  # d/dx psi^(a)(x) = psi^(a+1)(x)
        return g * _Polygamma(a + 1, x)

    def jvp(da, dx, a, x):
        return None if dx is None else dx * _Polygamma(a + 1, x)


# The public functions check for SciPy first: raised inside the op's runner, the
# ImportError would be reported as a failure of the op (InvalidArgumentError).
def erf(x: Any, name: str | None = None) -> Tensor:
    """The Gauss error function, elementwise (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.erf([0.0, 1.0]).numpy()
    array([0.       , 0.8427008], dtype=float32)
    """
    _special("tf.math.erf")
    return _erf(x)


def erfc(x: Any, name: str | None = None) -> Tensor:
    """``1 - erf(x)``, exact in the tail (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.erfc([0.0]).numpy()
    array([1.], dtype=float32)
    """
    _special("tf.math.erfc")
    return _erfc(x)


def lgamma(x: Any, name: str | None = None) -> Tensor:
    """``log(abs(Gamma(x)))``, elementwise (needs SciPy); +inf at the poles.

    >>> import tapeflow as tf
    >>> tf.math.lgamma([1.0, 3.0]).numpy()
    array([0.       , 0.6931472], dtype=float32)
    """
    _special("tf.math.lgamma")
    return _lgamma(x)


def digamma(x: Any, name: str | None = None) -> Tensor:
    """``psi(x)``, the derivative of ``lgamma`` (needs SciPy); nan at the poles.

    >>> import tapeflow as tf
    >>> tf.math.digamma([1.0]).numpy()
    array([-0.5772157], dtype=float32)
    """
    _special("tf.math.digamma")
    return _digamma(x)


def polygamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """``psi^(a)(x)``, the ``a``-th derivative of digamma (needs SciPy).

    ``a`` must hold whole numbers >= 0 (nan elsewhere); it gets no gradient.

    >>> import tapeflow as tf
    >>> tf.math.polygamma([1.0], [1.0]).numpy()  # pi^2 / 6
    array([1.644934], dtype=float32)
    """
    _special("tf.math.polygamma")
    return _Polygamma(a, x)


# -- rounding (TF: no gradient, i.e. None) -----------------------------------------------------
floor = nondiff("Floor", "floor", samples=unary, dtypes=REAL_FLOAT, n_in=1)
ceil = nondiff("Ceil", "ceil", samples=unary, dtypes=REAL_FLOAT, n_in=1)
# Ties to even, as TF; integers come back unchanged (np.rint would make them float64).
round = nondiff("Round", lambda xp, x: xp.rint(x) if x.dtype.kind == "f" else x,
                samples=lambda: [Sample(rand((2, 3), -4.0, 4.0), ref=np.round),
                                 Sample(np.array([0.5, 1.5, 2.5, -0.5, -2.5]), ref=np.round),
                                 Sample(np.array([3, -2], dtype=np.int32), ref=np.round)],
                dtypes=REAL, n_in=1)
# TF's Rint: ties to even, floating dtypes only.
rint = nondiff("Rint", "rint", samples=lambda: [Sample(np.array([0.5, 1.5, 2.5, -0.5, 1.7]))],
               dtypes=REAL_FLOAT, n_in=1)


# -- squared difference ------------------------------------------------------------------------
def _sqd_fwd(xp: Any, x: Any, y: Any) -> Any:
    d = x - y
    return d * xp.conj(d) if d.dtype.kind == "c" else d * d  # TF: |x - y|^2 for complex


@defop("SquaredDifference", dtypes=FLOAT + ("int32", "int64"), broadcasts=True, params=False,
       samples=binary, reference=lambda x, y: (x - y) ** 2)
class _SquaredDifference:
    fwd = _sqd_fwd

    def vjp_x(g, x, y):  # d/dx (x-y)^2 = 2(x-y); TF uses 2 g (x-y) for complex too
        return 2 * g * (x - y)

    def vjp_y(g, x, y):  # d/dy (x-y)^2 = -2(x-y)
        return -2 * g * (x - y)

    def jvp(dx, dy, x, y):  # d|d|^2 = dd conj(d) + d conj(dd), with d = x - y
        if dx is None and dy is None:
            return None
        dd = dx if dy is None else (negative(dy) if dx is None else dx - dy)
        d = x - y
        if d._value.dtype.kind == "c":
            return dd * arith.conj(d) + d * arith.conj(dd)
        return 2 * d * dd


squared_difference = _SquaredDifference  # (x, y, name=None): the runner has TF's signature


# -- safe products and quotients (TF's registered gradients) -----------------------------------
def _safe(xp: Any, zero: Any, v: Any) -> Any:
    return xp.where(zero, 1, v)  # 1 where the result is pinned to 0: no inf or nan on the way


def _xlogy_fwd(xp: Any, x: Any, y: Any) -> Any:
    zero = x == 0  # 0 where x == 0, whatever y is (nan and 0 included)
    return xp.where(zero, 0, x * xp.log(_safe(xp, zero, y)))


def _xlog1py_fwd(xp: Any, x: Any, y: Any) -> Any:
    zero = x == 0  # 0 where x == 0, whatever y is
    return xp.where(zero, 0, x * xp.log1p(xp.where(zero, 0, y)))


def _xdivy_fwd(xp: Any, x: Any, y: Any) -> Any:
    zero = x == 0
    return xp.where(zero, 0, x / _safe(xp, zero, y))


def _div_no_nan_fwd(xp: Any, x: Any, y: Any) -> Any:
    zero = y == 0  # 0 where y == 0, whatever x is (inf and nan included)
    return xp.where(zero, 0, x / _safe(xp, zero, y))


def _mul_no_nan_fwd(xp: Any, x: Any, y: Any) -> Any:
    zero = y == 0
    return xp.where(zero, 0, x * _safe(xp, zero, y))


xlogy = elementwise(
    "Xlogy", _xlogy_fwd,
    (lambda x, y: xlogy(_indicator(not_equal(x, 0), x), y),  # d/dx = log y, 0 where x == 0
     lambda x, y: xdivy(x, y)),  # d/dy = x / y, 0 where x == 0
    samples=lambda: [*binary(low2=0.3, high2=3.0),
                     Sample(np.array([0.0, 0.0, 0.0, 1.5]), np.array([0.0, 1.0, -1.0, 2.0]),
                            grad=False)],
    dtypes=FLOAT, reference=_scipy_ref("xlogy"))
xlog1py = elementwise(
    "Xlog1py", _xlog1py_fwd,
    (lambda x, y: xlog1py(_indicator(not_equal(x, 0), x), y),  # d/dx = log1p y, 0 where x == 0
     lambda x, y: xdivy(x, y + 1)),  # d/dy = x / (1 + y), 0 where x == 0
    samples=lambda: [*binary(low2=-0.7, high2=3.0),
                     Sample(np.array([0.0, 0.0, 0.0, 1.5]), np.array([-1.0, 0.0, -2.0, 2.0]),
                            grad=False)],
    dtypes=FLOAT, reference=_scipy_ref("xlog1py"))
xdivy = elementwise(
    "Xdivy", _xdivy_fwd,
    (lambda x, y: xdivy(_indicator(not_equal(x, 0), x), y),  # d/dx = 1/y, 0 where x == 0
     lambda x, y: xdivy(negative(x), square(y))),  # d/dy = -x/y^2, 0 where x == 0
    samples=lambda: [*binary(low2=0.5, high2=2.0), Sample(rand((2, 3)), rand((3,), -2.0, -0.5)),
                     Sample(np.array([0.0, 0.0, 1.5]), np.array([0.0, 2.0, 3.0]), grad=False)],
    dtypes=FLOAT, reference=lambda x, y: np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, y)))
_div_no_nan = elementwise(
    "DivNoNan", _div_no_nan_fwd,
    (lambda y: _div_no_nan(ones_like(y), y),  # d/dx = 1/y, 0 where y == 0
     # d/dy = -x/y^2 = -out/y, +0 where y == 0 (negated first, as TF's rule: not -0)
     lambda y, out: _div_no_nan(negative(out), y)),
    samples=lambda: [*binary(low2=0.5, high2=2.0), Sample(rand((2, 3)), rand((3,), -2.0, -0.5)),
                     Sample(np.array([1.0, 0.0, 2.0]), np.array([0.0, 0.0, 4.0]), grad=False)],
    dtypes=FLOAT, reference=lambda x, y: np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y)))
multiply_no_nan = elementwise(
    "MulNoNan", _mul_no_nan_fwd,
    (lambda x, y: y,  # d/dx = y (so 0 where y == 0)
     lambda x, y: x),  # d/dy = x
    samples=lambda: [*binary(), Sample(np.array([np.inf, np.nan, 2.0]), np.array([0.0, 0.0, 3.0]),
                                       grad=False)],
    dtypes=FLOAT, reference=lambda x, y: np.where(y == 0, 0.0, x * np.where(y == 0, 1.0, y)))


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``, but 0 wherever ``y`` is 0; integers are divided as floats, as by ``/``.

    >>> import tapeflow as tf
    >>> tf.math.divide_no_nan([3.0, 1.0], [2.0, 0.0]).numpy()
    array([1.5, 0. ], dtype=float32)
    """
    if type(x) is Tensor and type(y) is Tensor and x._value.dtype is y._value.dtype \
            and x._value.dtype.kind in "fc":
        return _div_no_nan(x, y)
    x, y = _read(x), _read(y)
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x._value.dtype != y._value.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}.")
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y.dtype)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    float_name = _INT_TO_FLOAT.get(x.dtype.name)
    if float_name is not None:
        x, y = cast(x, float_name), cast(y, float_name)
    return _div_no_nan(x, y)


def reciprocal_no_nan(x: Any, name: str | None = None) -> Tensor:
    """``1 / x``, but 0 where ``x`` is 0 (floating and complex dtypes, as TF's DivNoNan).

    >>> import tapeflow as tf
    >>> tf.math.reciprocal_no_nan([0.0, 2.0]).numpy()
    array([0. , 0.5], dtype=float32)
    """
    t = _as_tensor(x)
    if t._value.dtype.kind not in "fc":
        raise invalid_argument("DivNoNan", f"Value for attr 'T' of {word(t._value.dtype)} is not "
                               f"in the list of allowed values: half, float, bfloat16, double, "
                               f"complex64, complex128")
    return _div_no_nan(arith.ones_like(t), t)


# -- clip_by_value: TF's minimum-then-maximum, ties passing the gradient to t ------------------
def _clip_fwd(xp: Any, t: Any, clip_value_min: Any, clip_value_max: Any) -> Any:
    return xp.maximum(xp.minimum(t, clip_value_max), clip_value_min)


def _clip_dt(t: Tensor, clip_value_min: Tensor, clip_value_max: Tensor) -> Tensor:
    # 1 inside [min, max], both bounds included (TF: minimum and maximum send ties to t)
    inside = logical_and(less_equal(t, clip_value_max),
                         greater_equal(minimum(t, clip_value_max), clip_value_min))
    return _indicator(inside, t)


_clip = elementwise(
    "ClipByValue", _clip_fwd,
    (_clip_dt,
     lambda t, clip_value_min, clip_value_max:  # 1 where t is raised to min
     _indicator(less(minimum(t, clip_value_max), clip_value_min), t),
     lambda t, clip_value_min, clip_value_max:  # 1 where t is lowered to max (and max >= min)
     _indicator(logical_and(greater(t, clip_value_max),
                            greater_equal(clip_value_max, clip_value_min)), t)),
    samples=lambda: [Sample(away_from(rand((2, 3)), (-0.5, 0.5)), np.array(-0.5), np.array(0.5)),
                     Sample(np.array([[-1.5, -0.1, 0.3], [0.9, 1.5, -0.4]]),
                            np.array([-1.0, -0.2, 0.1]), np.array([[0.6], [1.2]])),
                     Sample(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), np.array(0.0), np.array(1.0),
                            grad=False)],
    dtypes=REAL, reference=lambda t, lo, hi: np.maximum(np.minimum(t, hi), lo))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> Tensor:
    """Clip ``t`` to ``[clip_value_min, clip_value_max]`` (bounds broadcast into t's shape).

    The gradient reaches ``t`` inside the interval, bounds included, as in TF.

    >>> import tapeflow as tf
    >>> tf.clip_by_value([-2.0, 0.5, 3.0], -1.0, 1.0).numpy()
    array([-1. ,  0.5,  1. ], dtype=float32)
    """
    t = _read(t)
    if not isinstance(t, Tensor):
        t = convert_to_tensor(t)
    out = _clip(t, clip_value_min, clip_value_max)
    if out._value.shape != t._value.shape:
        raise ValueError(f"Shapes {tuple(t._value.shape)} and {tuple(out._value.shape)} "
                         f"are incompatible")
    return out


# -- checks for nan and inf (no gradient) ------------------------------------------------------
_EDGES = [Sample(np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -2.5])), *unary(shapes=((2, 3),))]
is_nan = nondiff("IsNan", "isnan", samples=_EDGES, dtypes=REAL_FLOAT, n_in=1)
is_inf = nondiff("IsInf", "isinf", samples=_EDGES, dtypes=REAL_FLOAT, n_in=1)
is_finite = nondiff("IsFinite", "isfinite", samples=_EDGES, dtypes=REAL_FLOAT, n_in=1)


# -- add_n -------------------------------------------------------------------------------------
@defop("AddN", dtypes=NUMERIC, variadic=True,
       samples=lambda:
           [Sample(rand((2, 3)), rand((2, 3)), rand((2, 3))), Sample(rand(()), rand(())),
            Sample(*[np.arange(3, dtype=np.int32)] * 2, grad=False)],
       reference=lambda *inputs: functools.reduce(np.add, inputs))
class _AddN:
    def fwd(xp, inputs):
        return functools.reduce(xp.add, inputs)

    def vjp(g, inputs_shape):  # d(sum x_i)/dx_i = 1: every input gets g
        return [g] * len(inputs_shape)

    def jvp(dinputs):  # d(sum x_i) = sum dx_i
        present = [d for d in dinputs if d is not None]
        return _AddN(*present) if len(present) > 1 else (present[0] if present else None)


_ADD_N_EMPTY = ("Inputs must be an iterable of at least one Tensor/IndexedSlices with the "
                "same dtype and shape.")


def add_n(inputs: Any, name: str | None = None) -> Tensor:
    """The elementwise sum of a list of same-shaped, same-dtype tensors.

    >>> import tapeflow as tf
    >>> tf.math.add_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]).numpy()
    array([4., 6.], dtype=float32)
    """
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise ValueError(_ADD_N_EMPTY)
    tensors = [v if type(v) is Tensor else _as_tensor(v) for v in inputs]
    if not tensors:
        raise ValueError(_ADD_N_EMPTY)
    if len(tensors) == 1:
        return tensors[0]  # TF hands the one input back
    s0 = tensors[0]._value.shape
    for i, t in enumerate(tensors[1:], 1):
        # (A dtype mismatch is left to the op, which names both dtypes.)
        if t._value.shape != s0 and t._value.dtype == tensors[0]._value.dtype:
            raise invalid_argument("AddN", f"Inputs to operation AddN of type AddN must have "
                                   f"the same size and shape.  Input 0: {list(s0)} != input "
                                   f"{i}: {list(t._value.shape)}")
    return _AddN(*tensors)


def _as_tensor(value: Any) -> Tensor:
    value = _read(value)
    return value if isinstance(value, Tensor) else convert_to_tensor(value)
