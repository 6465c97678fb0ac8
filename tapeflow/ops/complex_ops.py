"""Complex numbers: real, imag, angle, complex(real, imag) and complex abs.

None of these is holomorphic, so each states both rules by hand in TF's
convention: the gradient of a real loss L with respect to z = x + iy is
``dL/dx + i dL/dy`` (for holomorphic f this is ``g * conj(f'(z))``, the
elementwise helper's rule).  Hence ``d real(z)`` gives ``complex(g, 0)``,
``d imag(z)`` gives ``complex(0, g)``, ``d |z|`` gives ``g z / |z|`` (0 at
z = 0, as TF's ``div_no_nan``) and ``d angle(z)`` gives ``-g / (y + ix)``.

On real inputs the public functions follow TF: ``real`` is the identity,
``imag`` zeros (no gradient), ``angle`` pi where the input is negative, else
0 (no gradient), ``abs`` the real ``Abs`` op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, shape_ops, special
from tapeflow.ops.declare import composite, defop
from tapeflow.ops.samples import away_from, binary, composite_rand, rand

__all__ = ["real", "imag", "angle", "complex", "abs"]

COMPLEX = ("complex64", "complex128")


def _complex_samples(shapes: tuple = ((), (3,), (2, 3))) -> list[Sample]:
    # Kept away from 0, where angle and |z| are not differentiable.
    return [Sample(np.asarray(rand(s, 0.3, 2.0) * np.exp(1j * rand(s, -3.0, 3.0)),
                              dtype=np.complex128)) for s in shapes]


_as_tensor = shape_ops._as_tensor


# -- Real / Imag: R-linear, not C-linear -------------------------------------------------------
@defop("Real", samples=_complex_samples, dtypes=COMPLEX, params=False, batchable=True,
       reference=np.real)
class _Real:
    def fwd(xp, input):
        return xp.real(input).copy()

    def vjp_input(g):  # d Re(z) = Re(dz): the gradient is complex(g, 0)
        return _Complex(g, arith.zeros_like(g))

    def jvp(dinput):
        return _Real(dinput)


@defop("Imag", samples=_complex_samples, dtypes=COMPLEX, params=False, batchable=True,
       reference=np.imag)
class _Imag:
    def fwd(xp, input):
        return xp.imag(input).copy()

    def vjp_input(g):  # d Im(z) = Im(dz): the gradient is complex(0, g)
        return _Complex(arith.zeros_like(g), g)

    def jvp(dinput):
        return _Imag(dinput)


# -- Complex(real, imag) -----------------------------------------------------------------------
def _complex_fwd(xp: Any, real: Any, imag: Any) -> Any:
    # Set the parts (not real + 1j * imag, which turns an infinite imag into nan + inf j).
    out = xp.empty(np.broadcast_shapes(real.shape, imag.shape),
                   np.complex64 if real.dtype == np.float32 else np.complex128)
    out.real = real
    out.imag = imag
    return out


@defop("Complex", samples=binary, dtypes=("float32", "float64"), params=False,
       broadcasts=True, batchable=True, reference=lambda x, y: x + 1j * y)
class _Complex:
    fwd = _complex_fwd

    def vjp_real(g):  # d complex(a, b) = da + i db: a's gradient is Re(g), b's Im(g)
        return _Real(g)

    def vjp_imag(g):
        return _Imag(g)

    def jvp(dreal, dimag, real, imag):
        return _Complex(arith.zeros_like(real) if dreal is None else dreal,
                        arith.zeros_like(imag) if dimag is None else dimag)


# -- ComplexAbs and Angle ----------------------------------------------------------------------
@defop("ComplexAbs", samples=lambda: [*_complex_samples(),
                                      Sample(np.array([0j, 3 + 4j]), grad=False)],
       dtypes=COMPLEX, params=False, batchable=True, reference=np.abs)
class _ComplexAbs:
    def fwd(xp, x):
        return xp.abs(x)

    def vjp_x(g, x, out):  # d|z| = Re(conj(z) dz) / |z|: the gradient is g z / |z|, 0 at 0
        return special._div_no_nan(_Complex(g, arith.zeros_like(g)) * x,
                                   _Complex(out, arith.zeros_like(out)))

    def jvp(dx, x, out):
        return special._div_no_nan(_Real(arith.conj(x) * dx), out)


def _angle_weight(z: Tensor) -> Tensor:
    """-1 / (y + ix): d angle(z) = Re(conj(w) dz) with this w, and the gradient is g w."""
    return arith.negative(arith.reciprocal(_Complex(_Imag(z), _Real(z))))


@defop("Angle", samples=_complex_samples, dtypes=COMPLEX, params=False, batchable=True,
       reference=np.angle)
class _Angle:
    def fwd(xp, input):
        return xp.angle(input)

    def vjp_input(g, input):  # d atan2(y, x) = (x dy - y dx) / |z|^2: gradient -g / (y + ix)
        return _Complex(g, arith.zeros_like(g)) * _angle_weight(input)

    def jvp(dinput, input):  # the same weight as the VJP, so z = 0 gives NaN as in TF
        return _Real(arith.conj(_angle_weight(input)) * dinput)


# -- public functions --------------------------------------------------------------------------
def _is_complex(t: Tensor) -> bool:
    return t._value.dtype.kind == "c"


def real(input: Any, name: str | None = None) -> Tensor:
    """The real part of ``input``; a real numeric input is returned as it is.

    >>> import tapeflow as tf
    >>> tf.math.real(tf.constant([1.0 + 2.0j, -3.0j])).numpy()
    array([ 1., -0.])
    """
    x = _as_tensor(input)
    if _is_complex(x):
        return _Real(x)
    if x._value.dtype.kind not in "fiu":
        raise TypeError(f"input must be a numeric tensor, but got tensor with dtype {x.dtype}")
    return x


def imag(input: Any, name: str | None = None) -> Tensor:
    """The imaginary part of ``input``; zeros (no gradient) for a real input.

    >>> import tapeflow as tf
    >>> tf.math.imag(tf.constant([1.0 + 2.0j, -3.0j])).numpy()
    array([ 2., -3.])
    """
    x = _as_tensor(input)
    if _is_complex(x):
        return _Imag(x)
    return arith.zeros_like(x)


# A real input: a where() of constants (no gradient, as TF); the complex sample is the op.
@composite(samples=lambda: [Sample(away_from(composite_rand((2, 3)), (0.0,))),
                            Sample(composite_rand((3,)) + 1j * composite_rand((3,)))],
           reference=np.angle)
def angle(input: Any, name: str | None = None) -> Tensor:
    """The argument of ``input`` in (-pi, pi]; for a real input pi where it is negative, else 0.

    >>> import tapeflow as tf
    >>> tf.math.angle(tf.constant([1.0j, -1.0 + 0.0j])).numpy()
    array([1.57079633, 3.14159265])
    """
    x = _as_tensor(input)
    if _is_complex(x):
        return _Angle(x)
    zero = convert_to_tensor(0, dtype=x.dtype)  # TF: a bool input fails here
    pi = convert_to_tensor(np.pi, dtype=x.dtype)  # and an integer one here
    negative = arith.less(x, zero)
    return arith.where(negative, arith.ones_like(x) * pi, arith.zeros_like(x))


def complex(real: Any, imag: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """``real + i imag`` (broadcasting): float32 parts give complex64, float64 complex128.

    >>> import tapeflow as tf
    >>> z = tf.complex(1.0, 2.0)
    >>> z.dtype, z.numpy().item()
    (tf.complex64, (1+2j))
    """
    re, im = _as_tensor(real), _as_tensor(imag)
    kinds = (re._value.dtype, im._value.dtype)
    if kinds[0] != kinds[1] or kinds[0] not in (np.float32, np.float64):
        raise TypeError(f"The `real` and `imag` components have incorrect types: "
                        f"{re.dtype.name} {im.dtype.name}. They must be consistent, and one "
                        f"of [tf.float32, tf.float64]")
    return _Complex(re, im)


def abs(x: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    """|x|; a complex input gives its real modulus (``ComplexAbs``).

    The gradient at 0 is 0, for real (``sign``) and complex (``z / |z|``, 0 at 0) inputs.

    >>> import tapeflow as tf
    >>> tf.abs(tf.constant([-1.5, 2.0])).numpy()
    array([1.5, 2. ], dtype=float32)
    >>> float(tf.abs(tf.constant(3.0 + 4.0j)))
    5.0
    """
    t = _as_tensor(x)
    if _is_complex(t):
        return _ComplexAbs(t)
    return arith.abs(t)
