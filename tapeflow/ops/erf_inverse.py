"""Inverses of the error function and of the normal CDF: erfinv, ndtri, erfcinv.

erfinv and ndtri are TF's kernels (SciPy computes them: an optional extra, as
for erf in ``special``); erfcinv is, as in TF, built from ndtri in Python:
``erfcinv(x) = -ndtri(x / 2) / sqrt(2)`` (so ``erfcinv(1)`` is -0.0, as TF's).
The derivatives are those of an inverse function: 1 / f'(f^-1(x)).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core.errors import NotFoundError
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith
from tapeflow.ops.arith import exp, square
from tapeflow.ops.declare import REAL_FLOAT, composite, elementwise
from tapeflow.ops.samples import composite_rand, unary
from tapeflow.ops.special import _scipy_ref, _special

__all__ = ["erfinv", "ndtri", "erfcinv"]

_HALF_SQRT_PI = math.sqrt(math.pi) / 2
_SQRT_2PI = math.sqrt(2 * math.pi)


def _cpu_kernel(name: str, x: Any) -> None:
    """TF declares float16 for these ops but has no CPU kernel for it: NotFoundError."""
    if x.dtype == np.float16:
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node {name}}}}} "
                            f"= {name}[T=DT_HALF] [Op:{name}]")


def _erfinv_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("Erfinv", x)
    return _special("tf.math.erfinv").erfinv(x).astype(x.dtype, copy=False)


def _ndtri_fwd(xp: Any, x: Any) -> Any:
    _cpu_kernel("Ndtri", x)
    return _special("tf.math.ndtri").ndtri(x).astype(x.dtype, copy=False)


_erfinv = elementwise("Erfinv", _erfinv_fwd,
                      lambda out: _HALF_SQRT_PI * exp(square(out)),  # sqrt(pi)/2 e^(erfinv^2)
                      samples=lambda: unary(-0.9, 0.9), dtypes=REAL_FLOAT,
                      reference=_scipy_ref("erfinv"))
_ndtri = elementwise("Ndtri", _ndtri_fwd,
                     lambda out: _SQRT_2PI * exp(square(out) * 0.5),  # sqrt(2 pi) e^(ndtri^2 / 2)
                     samples=lambda: unary(0.05, 0.95), dtypes=REAL_FLOAT,
                     reference=_scipy_ref("ndtri"))


def erfinv(x: Any, name: str | None = None) -> Tensor:
    """The inverse of ``erf`` on (-1, 1): +-inf at +-1, nan outside (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.erfinv([0.0, 0.5]).numpy()
    array([0.        , 0.47693628], dtype=float32)
    """
    _special("tf.math.erfinv")
    return _erfinv(x)


def ndtri(x: Any, name: str | None = None) -> Tensor:
    """The standard normal quantile, the inverse of ``ndtr`` on (0, 1) (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.ndtri([0.5, 0.0]).numpy()
    array([  0., -inf], dtype=float32)
    """
    _special("tf.math.ndtri")
    return _ndtri(x)


@composite(samples=lambda:
               [Sample(composite_rand((2, 3), 0.1, 1.9)), Sample(composite_rand((), 0.1, 1.9))],
           reference=_scipy_ref("erfcinv"))
def erfcinv(x: Any, name: str | None = None) -> Tensor:
    """The inverse of ``erfc`` on (0, 2): ``-ndtri(x / 2) / sqrt(2)`` (needs SciPy).

    >>> import tapeflow as tf
    >>> tf.math.erfcinv([1.0, 0.5]).numpy()
    array([-0.        ,  0.47693625], dtype=float32)
    """
    _special("tf.math.erfcinv")
    x = convert_to_tensor(x)
    return arith.negative(ndtri(x * 0.5)) * math.sqrt(0.5)
