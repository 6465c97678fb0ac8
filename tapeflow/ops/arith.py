"""Elementwise arithmetic, math functions, comparisons and logic.

Each op states one fact: its partial derivatives (``elementwise``), its
transposes (``linear``), or that it has no gradient (``nondiff``).  Each
partial carries its one-line math comment; broadcasting is undone by the
tape, never here.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from tapeflow.core.dispatch import word
from tapeflow.core.dtypes import as_dtype
from tapeflow.core.errors import (
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    UnimplementedError,
    invalid_argument,
)
from tapeflow.core.opdef import Sample
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops.declare import (
    ANY,
    BOOL,
    FLOAT,
    INTEGER,
    NUMERIC,
    REAL,
    defop,
    elementwise,
    linear,
    nondiff,
    passthrough,
)
from tapeflow.ops.samples import binary, ints, rand, unary

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "floordiv", "floormod",
    "truncatediv", "truncatemod", "pow", "negative", "abs", "sign", "square", "sqrt", "rsqrt",
    "reciprocal", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sigmoid",
    "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "where",
    "conj", "cast", "identity", "zeros_like", "ones_like", "stop_gradient",
]

# -- linear -------------------------------------------------------------------
add = linear("AddV2", operator.add, (lambda g: g, lambda g: g),  # d(x+y) = dx + dy
             samples=lambda:
                 binary() + [Sample(rand((2, 3)), rand((4,)), raises=InvalidArgumentError)],
             dtypes=NUMERIC, broadcasts=True, inputs=("x", "y"), reference=np.add)
add.op.hint_second = True  # TF's _add_dispatch: the second operand gets a dtype hint
subtract = linear("Sub", operator.sub, (lambda g: g, lambda g: negative(g)),  # d(x-y) = dx - dy
                  samples=binary, dtypes=NUMERIC, broadcasts=True, inputs=("x", "y"),
                  batchable=True, reference=np.subtract)
# TF's Neg takes no unsigned integers (NumPy would wrap them).
negative = linear("Neg", "negative", lambda g: negative(g),  # d(-x) = -dx
                  samples=unary, dtypes=FLOAT + ("int8", "int16", "int32", "int64"),
                  inputs=("x",), batchable=True)
conj = linear("Conj", "conjugate", lambda g: conj(g),  # d conj(x) = conj(dx)
              samples=unary, dtypes=NUMERIC, inputs=("x",), batchable=True)
stop_gradient_op = nondiff("StopGradient", lambda xp, input: input, samples=unary, dtypes=ANY,
                           n_in=1, reference=lambda x: x)  # the value; tapes see a constant


def stop_gradient(input: Any, name: str | None = None) -> Tensor:
    """The value of ``input``, seen by tapes as a constant (no gradient flows).

    >>> import tapeflow as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * tf.stop_gradient(x)
    >>> float(g.gradient(y, x))
    3.0
    """
    return stop_gradient_op(input)


identity = linear("Identity", lambda xp, input: input, passthrough,  # d x = dx
                  samples=unary, dtypes=ANY, reference=lambda x: x)

# -- products and quotients ---------------------------------------------------
multiply = elementwise("Mul", operator.mul,
                       (lambda x, y: y, lambda x, y: x),  # d(xy) = y dx + x dy
                       samples=binary, dtypes=NUMERIC, reference=np.multiply)
realdiv = elementwise("RealDiv", operator.truediv,
                      (lambda y: reciprocal(y),  # d(x/y)/dx = 1/y
                       lambda y, out: negative(out / y)),  # d(x/y)/dy = -x/y^2 = -out/y
                      samples=lambda: binary(low2=0.5, high2=2.0), dtypes=FLOAT, inputs=("x", "y"),
                      reference=np.true_divide)


def _log_or_zero(x: Any) -> Any:
    """log(x) where x > 0, else 0 (TF's choice for d(x^y)/dy at x <= 0)."""
    if x._value.dtype.kind == "c":
        return log(x)
    positive = greater(x, 0)
    return where(positive, log(where(positive, x, ones_like(x))), zeros_like(x))


pow = elementwise("Pow", "power",  # noqa: A001 - TF's name
                  (lambda x, y: y * pow(x, y - 1),  # d(x^y)/dx = y x^(y-1)
                   lambda x, out: out * _log_or_zero(x)),  # d(x^y)/dy = x^y log x
                  samples=lambda: binary(low=0.5, high=2.0), dtypes=NUMERIC)


def _by_nonzero(name: str, ufunc: Any) -> Any:
    """``ufunc(x, y)``, refusing an integer division by zero as TF does (NumPy
    gives 0 with a warning).  Checked after the division, only for integer
    results: floats divide by zero to inf and NaN, as in TF."""
    def fwd(xp: Any, x: Any, y: Any) -> Any:
        out = ufunc(x, y)
        if out.dtype.kind in "iu" and xp.equal(y, 0).any():
            raise invalid_argument(name, "Integer division by zero")
        return out
    return fwd


floormod = elementwise("FloorMod", _by_nonzero("FloorMod", np.mod),
                       # d(x mod y)/dx = 1, shaped like the output (x may broadcast)
                       (lambda out: ones_like(out),
                        lambda x, y: negative(floordiv(x, y))),  # d/dy = -floor(x/y)
                       samples=lambda: binary(0.3, 0.7, low2=1.0, high2=1.9), dtypes=REAL,
                       reference=np.mod)
floordiv = nondiff("FloorDiv", _by_nonzero("FloorDiv", np.floor_divide),
                  samples=lambda: binary(low2=0.5), dtypes=REAL, reference=np.floor_divide)


# -- C-style division: the quotient truncated towards zero, the remainder takes x's sign --
_TF_ENUM = {"float16": "HALF"}  # TF's DataType names where they differ from NumPy's


def _truncated(name: str, integer: Any, real: Any, no_kernel: tuple) -> Any:
    """TruncateDiv / TruncateMod on CPU as TF runs them: an integer division by
    zero is TF's InternalError (not FloorDiv's InvalidArgumentError), and the
    dtypes TF declares but has no CPU kernel for (``no_kernel``) are its
    NotFoundError."""
    def fwd(xp: Any, x: Any, y: Any) -> Any:
        dt = xp.result_type(x, y)
        if dt.name in no_kernel:
            enum = _TF_ENUM.get(dt.name, dt.name.upper())
            raise NotFoundError(None, None, f"Could not find device for node: {{{{node {name}}}}}"
                                f" = {name}[T=DT_{enum}] [Op:{name}]")
        if dt.kind in "iu":
            if xp.equal(y, 0).any():
                raise InternalError(None, None, f"Unexpected error in binary operator (only "
                                    f"integer div and mod should have errors) [Op:{name}]")
            return integer(xp, x, y)
        return real(xp, x, y)
    return fwd


def _truncated_quotient(xp: Any, x: Any, y: Any) -> Any:
    q = xp.floor_divide(x, y)  # INT_MIN / -1 wraps to INT_MIN, as in TF
    # floor and truncation differ by one where the division is inexact and the signs differ
    return q + ((xp.remainder(x, y) != 0) & (xp.less(x, 0) != xp.less(y, 0))).astype(q.dtype)


def _truncate_reference(x: Any, y: Any) -> Any:
    return np.array([math.trunc(a / b) if isinstance(a, float) else abs(a) // abs(b) * (
        -1 if (a < 0) != (b < 0) else 1) for a, b in np.broadcast(x, y)],
        np.result_type(x, y)).reshape(np.broadcast_shapes(np.shape(x), np.shape(y)))


_signs = [Sample(np.array([7.0, -7.0, 7.5, -7.5, 0.3]), np.array([2.0, 2.0, -2.0, -2.0, 0.1])),
          Sample(np.array([[7], [-7]], np.int32), np.array([2, -3, 7], np.int32)),
          Sample(np.array([-128, 5], np.int8), np.array([-1, 3], np.int8)),
          Sample(np.array([1, 2], np.int64), np.array([0, 1], np.int64), raises=InternalError)]
truncatediv = nondiff("TruncateDiv", _truncated(
    "TruncateDiv", _truncated_quotient, lambda xp, x, y: xp.trunc(xp.true_divide(x, y)),
    ("complex64", "complex128")),
    samples=_signs, dtypes=NUMERIC, reference=_truncate_reference)
truncatediv.__doc__ = """``x / y`` truncated towards zero (C's integer division); no gradient.

>>> import tapeflow as tf
>>> tf.truncatediv([7, -7], 2).numpy().tolist()
[3, -3]
"""
truncatemod = nondiff("TruncateMod", _truncated(
    "TruncateMod", lambda xp, x, y: xp.fmod(x, y), lambda xp, x, y: xp.fmod(x, y), ("float16",)),
    samples=lambda: _signs[:2] + _signs[3:],
    dtypes=("int32", "int64", "float16", "float32", "float64"), reference=np.fmod)
truncatemod.__doc__ = """The remainder of ``truncatediv`` (C's ``%``: the sign of x); no gradient.

>>> import tapeflow as tf
>>> tf.truncatemod([7, -7], 2).numpy().tolist()
[1, -1]
"""


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """``scalar * x`` for a 0-D ``scalar`` (a number or a 0-D tensor), as TF's.

    >>> import tapeflow as tf
    >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
    """
    rank = getattr(getattr(scalar, "_value", scalar), "ndim", 0)
    if rank:
        shape = tuple(getattr(scalar, "_value", scalar).shape)
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {shape}.")
    return multiply(scalar, x)


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` with TF's truediv rule: integers are divided as floats.

    >>> import tapeflow as tf
    >>> float(tf.divide(tf.constant(3), tf.constant(2)))
    1.5
    """
    return truediv(x, y)


_INT_TO_FLOAT = {"int8": "float32", "uint8": "float32", "int16": "float32",
                 "uint16": "float32", "int32": "float64", "int64": "float64",
                 "uint32": "float64", "uint64": "float64"}


def truediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF's ``x / y``: equal dtypes required; integers are cast to floats first."""
    if type(x) is Tensor:
        if x._value.dtype.kind in "fc" and (
                type(y) is float or type(y) is int or
                (type(y) is Tensor and x._value.dtype is y._value.dtype)):
            return realdiv(x, y)  # g / n: RealDiv's runner takes the number as it is
    elif type(y) is Tensor and (type(x) is float or type(x) is int) \
            and y._value.dtype.kind in "fc":
        return realdiv(x, y)
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x._value.dtype != y._value.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}.")
    x, y = _read(x), _read(y)  # Variables read first, so `1 / v` takes v's dtype
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y.dtype)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)  # TF: a hint, so 2.5 stays float
    if x._value.dtype != y._value.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}.")
    float_name = _INT_TO_FLOAT.get(x.dtype.name)
    if float_name is not None:
        x, y = cast(x, float_name), cast(y, float_name)
    return realdiv(x, y)


def _read(x: Any) -> Any:
    read = getattr(x, "_read_for_op", None)
    return read() if read is not None else x


# -- unary math ----------------------------------------------------------------
abs = elementwise("Abs", "absolute", lambda x: sign(x),  # noqa: A001  d|x| = sign(x), 0 at 0
                  samples=lambda: unary(kinks=(0.0,)), dtypes=REAL)
sign = elementwise("Sign", "sign", lambda x: zeros_like(x),  # d sign(x) = 0 (TF: zeros)
                   samples=lambda: unary(kinks=(0.0,)), dtypes=REAL + ("complex64", "complex128"))
square = elementwise("Square", "square", lambda x: 2 * x,  # d x^2 = 2x
                     samples=unary, dtypes=NUMERIC)
sqrt = elementwise("Sqrt", "sqrt", lambda out: 0.5 / out,  # d sqrt(x) = 1/(2 sqrt(x))
                   samples=lambda: unary(0.2, 3.0), dtypes=FLOAT, zero_cotangent=True)
rsqrt = elementwise("Rsqrt", lambda xp, x: 1 / xp.sqrt(x),
                    lambda out: -0.5 * out * out * out,  # d x^-1/2 = -x^-3/2 / 2
                    samples=lambda: unary(0.2, 3.0), dtypes=FLOAT, reference=lambda x: x ** -0.5,
                    zero_cotangent=True)
reciprocal = elementwise("Reciprocal", "reciprocal",
                         lambda out: negative(out * out),  # d(1/x) = -1/x^2
                         samples=lambda: unary(0.3, 2.0), dtypes=FLOAT, zero_cotangent=True)
exp = elementwise("Exp", "exp", lambda out: out, samples=unary, dtypes=FLOAT)  # d e^x = e^x
log = elementwise("Log", "log", lambda x: reciprocal(x),  # d log x = 1/x
                  samples=lambda: unary(0.2, 3.0), dtypes=FLOAT)
log1p = elementwise("Log1p", "log1p", lambda x: reciprocal(1 + x),  # d log(1+x) = 1/(1+x)
                    samples=lambda: unary(-0.5, 2.0), dtypes=FLOAT)
expm1 = elementwise("Expm1", "expm1", lambda out: out + 1,  # d(e^x - 1) = e^x
                    samples=unary, dtypes=FLOAT)
sin = elementwise("Sin", "sin", lambda x: cos(x), samples=unary, dtypes=FLOAT)  # d sin = cos
cos = elementwise("Cos", "cos", lambda x: negative(sin(x)),  # d cos = -sin
                  samples=unary, dtypes=FLOAT)
tan = elementwise("Tan", "tan", lambda out: 1 + out * out,  # d tan = 1 + tan^2
                  samples=lambda: unary(-1.2, 1.2), dtypes=FLOAT)
tanh = elementwise("Tanh", "tanh", lambda out: 1 - out * out,  # d tanh = 1 - tanh^2
                   samples=unary, dtypes=FLOAT)


def _sigmoid(xp: Any, x: Any) -> Any:
    # Stable on both tails: exp never overflows.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


sigmoid = elementwise("Sigmoid", _sigmoid, lambda out: out * (1 - out),  # s' = s(1-s)
                      samples=lambda: unary(-4.0, 4.0), dtypes=FLOAT,
                      reference=lambda x: 1 / (1 + np.exp(-x)))


# -- max/min: ties send the gradient to x, as TF does ------------------------------
def _mask(m: Tensor, like: Tensor) -> Tensor:
    return cast(m, like._value.dtype)


maximum = elementwise("Maximum", "maximum",
                      (lambda x, y: _mask(greater_equal(x, y), x),  # 1 where x >= y
                       lambda x, y: _mask(less(x, y), x)),  # 1 where x < y
                      samples=lambda: binary(apart=True), dtypes=REAL)
minimum = elementwise("Minimum", "minimum",
                      (lambda x, y: _mask(less_equal(x, y), x),  # 1 where x <= y
                       lambda x, y: _mask(greater(x, y), x)),  # 1 where x > y
                      samples=lambda: binary(apart=True), dtypes=REAL)

# -- comparisons and logic (no gradient) ------------------------------------------
_cmp = binary()
equal = nondiff("Equal", "equal", samples=_cmp)
not_equal = nondiff("NotEqual", "not_equal", samples=_cmp)
less = nondiff("Less", "less", samples=_cmp, dtypes=REAL)
less_equal = nondiff("LessEqual", "less_equal", samples=_cmp, dtypes=REAL)
greater = nondiff("Greater", "greater", samples=_cmp, dtypes=REAL)
greater_equal = nondiff("GreaterEqual", "greater_equal", samples=_cmp, dtypes=REAL)
_bools = [Sample(rand((2, 3)) > 0, rand((3,)) > 0), Sample(rand((4,)) > 0, rand((4,)) > 0)]
logical_and = nondiff("LogicalAnd", "logical_and", samples=_bools, dtypes=BOOL)
logical_or = nondiff("LogicalOr", "logical_or", samples=_bools, dtypes=BOOL)
logical_xor = nondiff("LogicalXor", "logical_xor", samples=_bools, dtypes=BOOL)
logical_not = nondiff("LogicalNot", "logical_not", samples=lambda: [Sample(rand((3,)) > 0)],
                      dtypes=BOOL, n_in=1)
bitwise_and = nondiff("BitwiseAnd", "bitwise_and", samples=lambda: [Sample(*ints((3,), (3,)))],
                      dtypes=INTEGER + BOOL)
bitwise_or = nondiff("BitwiseOr", "bitwise_or", samples=lambda: [Sample(*ints((3,), (3,)))],
                     dtypes=INTEGER + BOOL)
bitwise_xor = nondiff("BitwiseXor", "bitwise_xor", samples=lambda: [Sample(*ints((3,), (3,)))],
                      dtypes=INTEGER + BOOL)


# -- selection ------------------------------------------------------------------------
def _where_fwd(xp: Any, condition: Any, x: Any, y: Any) -> Any:
    return xp.where(condition, x, y)


select = linear(
    "SelectV2", _where_fwd,
    (None,
     lambda g, condition: where(condition, g, zeros_like(g)),  # dx flows where condition
     lambda g, condition: where(condition, zeros_like(g), g)),  # dy flows elsewhere
    samples=lambda: [Sample(rand((2, 3)) > 0, rand((2, 3)), rand((2, 3))),
                     Sample(rand((3,)) > 0, rand((2, 3)), rand(()))],
    broadcasts=True, same_dtype=False, reference=np.where, batchable=True)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Pick from ``x`` where ``condition`` holds, else from ``y`` (broadcasting).

    With only ``condition``, the int64 coordinates of its true elements.

    >>> import tapeflow as tf
    >>> tf.where([True, False], 1.0, 2.0).numpy()
    array([1., 2.], dtype=float32)
    """
    if x is None and y is None:
        c = convert_to_tensor(_read(condition))
        return wrap(np.argwhere(c._value).astype(np.int64))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    c = convert_to_tensor(_read(condition))
    if c._value.dtype.kind != "b":
        raise TypeError(f"where: `condition` must be a bool tensor, got {c.dtype!r}")
    x = _read(x)
    y = _read(y)
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y.dtype)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    if x._value.dtype != y._value.dtype:
        raise TypeError(f"where: `x` and `y` must have the same dtype, got {x.dtype!r} and "
                        f"{y.dtype!r} (shapes {list(x.shape)} and {list(y.shape)})")
    return select(c, x, y)


# -- dtype changes ----------------------------------------------------------------------
@defop("Cast", samples=lambda: [Sample(rand((2, 3)), params={"DstT": np.dtype(np.float32)}),
                                Sample(rand((3,)), params={"DstT": np.dtype(np.float64)})],
       dtypes=ANY, reference=lambda x, DstT: x.astype(DstT))
class _Cast:
    def fwd(xp, x, *, DstT):
        if x.dtype.kind == "c" and DstT.kind != "c":
            x = x.real  # TF casts complex to real by taking the real part
        with np.errstate(invalid="ignore", over="ignore"):  # TF casts nan/inf silently
            return x.astype(DstT, copy=False)

    def vjp_x(g, x_dtype, *, DstT):  # d cast(x) = cast back to x's dtype
        if x_dtype.kind not in "fc":
            return None
        return cast(g, x_dtype)

    def jvp(dx, *, DstT):
        return _Cast(dx, DstT=DstT)


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Cast to ``dtype`` (float to int truncates towards zero, as in TF).

    >>> import tapeflow as tf
    >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy()
    array([ 1, -1], dtype=int32)
    """
    target = as_dtype(dtype)._np
    x = _read(x)
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    if x._value.dtype == target:
        return x
    if (x._value.dtype.kind == "O") != (target.kind == "O"):
        raise UnimplementedError(None, None, f"Cast {word(x._value.dtype)} to {word(target)} "
                                 f"is not supported [Op:Cast]")
    return _Cast(x, DstT=target)


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """Zeros with ``input``'s shape (and dtype unless given); no gradient flows."""
    t = input if type(input) is Tensor else convert_to_tensor(_read(input))
    want = t._value.dtype if dtype is None else as_dtype(dtype)._np
    if want.kind == "O":  # a string tensor's zero is the empty string
        return wrap(np.full(t._value.shape, b"", dtype=object))
    return wrap(np.zeros_like(t._value, dtype=want))


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """Ones with ``input``'s shape (and dtype unless given); no gradient flows."""
    t = input if type(input) is Tensor else convert_to_tensor(_read(input))
    want = t._value.dtype if dtype is None else as_dtype(dtype)._np
    if want.kind == "O":
        raise invalid_argument("OnesLike", "Value for attr 'T' of string is not in the list of "
                               "allowed values: bfloat16, half, float, double, int8, uint8, "
                               "int16, uint16, int32, uint32, int64, uint64, complex64, "
                               "complex128, bool")
    return wrap(np.ones_like(t._value, dtype=want))

