"""NumPy code on the tape: ``__array_ufunc__`` and ``__array_function__`` (NEP 13/18).

Bound onto Tensor and Variable here, in the layer that defines the ops (as
operators.py binds ``+`` and ``[]``), so that NumPy-written code runs
tapeflow ops and is recorded by active tapes::

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = np.sum(np.sin(x) ** 2)      # Sin, Pow, Sum: all recorded
    tape.gradient(y, x)

* A ufunc called with a tapeflow value among its inputs runs the op in
  ``UFUNCS``; its methods ``reduce``/``accumulate``/``outer`` map where an op
  exists (np.add.reduce is reduce_sum).  ``out=`` is refused: tensors are
  immutable.
* A NumPy function runs its stand-in from numpy_functions.FUNCTIONS.
* Anything else still works: NumPy computes it on the values and returns a
  NumPy array.  If a value a tape watches leaves that way, or through an
  explicit ``.numpy()`` / ``np.asarray(x)``, tapeflow warns once per line of
  user code (``NumpyLeftTapeWarning``), or raises ``NumpyLeftTapeError``
  under ``numpy_strict(True)``.  With no tape active the check is one load of
  ``dispatch.recorders``; conversions made by tapeflow's own code are not
  reported.

docs/numpy.md lists what is supported and how dtypes follow TF or NumPy.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import types
import warnings
from typing import Any

import numpy as np

from tapeflow.core import dispatch, frames
from tapeflow.core.tensor import Tensor, is_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import (
    arith,
    complex_ops,
    numpy_functions,
    operators,
    reduction,
    scan,
    shape_ops,
    special,
)
from tapeflow.ops.numpy_args import NO, NoMapping, as_tensor, common, numeric, numpy_dtype, truth
from tapeflow.ops.numpy_functions import FUNCTIONS, INSPECTION, resolve

__all__ = ["UFUNCS", "NumpyLeftTapeError", "NumpyLeftTapeWarning", "numpy_strict"]


# -- ufuncs built from several ops -------------------------------------------------------------
def _log2(x: Any) -> Tensor:
    return arith.log(as_tensor(x)) * (1 / math.log(2))  # d log2 x = 1 / (x ln 2)


def _log10(x: Any) -> Tensor:
    return arith.log(as_tensor(x)) * (1 / math.log(10))


def _exp2(x: Any) -> Tensor:
    return arith.exp(as_tensor(x) * math.log(2))  # d 2^x = 2^x ln 2


def _hypot(x: Any, y: Any) -> Tensor:
    x, y = common(x, y)
    return arith.sqrt(x * x + y * y)


def _logaddexp(x: Any, y: Any) -> Tensor:
    # log(e^x + e^y) = m + log(e^(x-m) + e^(y-m)); m is a constant, so ties need no rule.
    x, y = common(x, y)
    m = arith.stop_gradient(arith.maximum(x, y))
    return m + arith.log(arith.exp(x - m) + arith.exp(y - m))


def _deg2rad(x: Any) -> Tensor:
    return as_tensor(x) * (math.pi / 180)


def _rad2deg(x: Any) -> Tensor:
    return as_tensor(x) * (180 / math.pi)


def _trunc(x: Any) -> Tensor:
    t = as_tensor(x)
    return arith.where(arith.less(t, 0), special.ceil(t), special.floor(t))


def _integers_unchanged(op: Any) -> Any:
    """floor/ceil/trunc: NumPy returns integer inputs as they are; TF's ops take floats."""
    def run(x: Any) -> Tensor:
        t = as_tensor(x)
        return t if t._value.dtype.kind in "biu" else op(t)
    run.__name__ = getattr(op, "__name__", "run")
    return run


def _classify(op: Any, integer_answer: bool) -> Any:
    """isnan/isinf/isfinite: an integer is never NaN or infinite (TF's ops take floats)."""
    def run(x: Any) -> Tensor:
        t = as_tensor(x)
        if t._value.dtype.kind in "biu":
            return wrap(np.full(t._value.shape, integer_answer))
        return op(t)
    run.__name__ = op.__name__
    return run


def _float_power(x: Any, y: Any) -> Tensor:
    # NumPy computes float_power in float64 (complex128 for complex inputs).
    def wide(v: Any) -> Any:
        if not is_tensor(v) and not isinstance(v, np.ndarray):
            return v
        t = as_tensor(v)
        return arith.cast(t, np.complex128 if t._value.dtype.kind == "c" else np.float64)
    return arith.pow(wide(x), wide(y))


def _divmod(x: Any, y: Any) -> tuple:
    return arith.floordiv(x, y), arith.floormod(x, y)


def _logical(op: Any) -> Any:
    def run(*inputs: Any) -> Tensor:
        return op(*[truth(x) for x in inputs])
    run.__name__ = op.__name__
    return run


# NumPy's ufunc name -> the tapeflow op (or a small composite of ops).  Binary ufuncs take
# the functions Python's operators use, so `np_array * x` and `x * np_array` agree.
# docs/numpy.md lists exactly these names (tests/test_numpy_api.py checks it).
UFUNCS: dict[str, Any] = {
    # arithmetic
    "add": arith.add, "subtract": arith.subtract, "multiply": arith.multiply,
    "divide": arith.truediv, "floor_divide": arith.floordiv, "remainder": arith.floormod,
    "divmod": _divmod, "power": arith.pow, "float_power": _float_power,
    "matmul": numpy_functions.matmul,
    "negative": arith.negative, "positive": arith.identity, "absolute": complex_ops.abs,
    "fabs": complex_ops.abs, "sign": arith.sign, "square": arith.square, "sqrt": arith.sqrt,
    "reciprocal": arith.reciprocal, "conjugate": arith.conj,
    # exponentials and logarithms
    "exp": arith.exp, "exp2": _exp2, "expm1": arith.expm1, "log": arith.log, "log2": _log2,
    "log10": _log10, "log1p": arith.log1p, "logaddexp": _logaddexp,
    # trigonometry
    "sin": arith.sin, "cos": arith.cos, "tan": arith.tan, "arcsin": special.asin,
    "arccos": special.acos, "arctan": special.atan, "arctan2": special.atan2,
    "hypot": _hypot, "sinh": special.sinh, "cosh": special.cosh, "tanh": arith.tanh,
    "arcsinh": special.asinh, "arccosh": special.acosh, "arctanh": special.atanh,
    "deg2rad": _deg2rad, "radians": _deg2rad, "rad2deg": _rad2deg, "degrees": _rad2deg,
    # extrema and rounding
    "maximum": arith.maximum, "minimum": arith.minimum,
    "floor": _integers_unchanged(special.floor), "ceil": _integers_unchanged(special.ceil),
    "rint": special.round, "trunc": _integers_unchanged(_trunc),
    # comparisons, logic, bits, classification (no gradient)
    "equal": operators._eq, "not_equal": operators._ne, "less": arith.less,
    "less_equal": arith.less_equal, "greater": arith.greater,
    "greater_equal": arith.greater_equal,
    "logical_and": _logical(arith.logical_and), "logical_or": _logical(arith.logical_or),
    "logical_xor": _logical(arith.logical_xor), "logical_not": _logical(arith.logical_not),
    "bitwise_and": operators._and, "bitwise_or": operators._or,
    "bitwise_xor": operators._xor, "invert": operators._invert,
    "isnan": _classify(special.is_nan, False), "isinf": _classify(special.is_inf, False),
    "isfinite": _classify(special.is_finite, True),
}

_CALL = {getattr(np, name): run for name, run in UFUNCS.items() if hasattr(np, name)}
_REDUCE = {np.add: reduction.reduce_sum, np.multiply: reduction.reduce_prod,
           np.maximum: reduction.reduce_max, np.minimum: reduction.reduce_min,
           np.logical_and: scan.reduce_all, np.logical_or: scan.reduce_any}
_ACCUMULATE = {np.add: scan.cumsum, np.multiply: scan.cumprod}
_FUNCTIONS = {resolve(name): run for name, run in FUNCTIONS.items() if resolve(name) is not None}
_INSPECTION = frozenset(f for f in map(resolve, INSPECTION) if f is not None)
# ufunc keywords that change nothing at these values.
_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "subok": True}
_KNOWN = (Tensor, Variable, np.ndarray, np.generic, int, float, complex, bool, list, tuple)
_PLAIN = frozenset({Tensor, Variable, np.ndarray, float, int, bool, complex})


# -- __array_ufunc__ ---------------------------------------------------------------------------
def _array_ufunc(self: Any, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    if method == "__call__" and not kwargs:
        run = _CALL.get(ufunc)
        if run is not None:
            first = inputs[0]
            # Hot path (np.sin(x), np.add(x, y) of a float tensor and plain operands):
            # TF's dtype rules and NumPy's agree, and no other library is involved.
            if type(first) is Tensor and first._value.dtype.kind in "fc" and (
                    len(inputs) == 1 or type(inputs[1]) in _PLAIN):
                return run(*inputs)
            if all(type(x) in _PLAIN for x in inputs):  # `ndarray * x`, integer tensors
                return run(*_as_numpy_computes(ufunc, inputs))
    return _ufunc_method(ufunc, method, inputs, kwargs)


def _array_of(x: Any) -> Any:
    if type(x) is Tensor or isinstance(x, Tensor):
        return x._value
    if isinstance(x, Variable):
        return x._tensor._value
    if isinstance(x, (np.ndarray, np.generic)):
        return x
    return None


def _as_numpy_computes(ufunc: Any, inputs: tuple) -> tuple:
    """Integer and bool inputs cast to the float dtype NumPy would compute in (np.sqrt of
    int32 is float64); mixed inputs are left to tapeflow's (TF's) conversion rules."""
    for x in inputs:  # the common case first: a float operand, nothing to cast
        kind = x._value.dtype.kind if type(x) is Tensor else (
            x.dtype.kind if type(x) is np.ndarray else "")
        if kind in ("f", "c"):
            return inputs
    arrays = [_array_of(x) for x in inputs]
    kinds = [a.dtype.kind for a in arrays if a is not None]
    if not kinds or any(k not in "biu" for k in kinds):
        return inputs
    try:
        want = numpy_dtype(ufunc, *[x if a is None else a.dtype for x, a in zip(inputs, arrays)])
    except Exception:
        return inputs  # NumPy refuses these dtypes too; let the op say why
    if want.kind not in "fc":
        return inputs
    return tuple(x if a is None else arith.cast(as_tensor(x), want) for x, a in zip(inputs, arrays))


def _ufunc_method(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    label = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    out = kwargs.get("out")
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        raise TypeError(f"{label}(..., out=...) cannot write into an array when a tapeflow "
                        f"value is an input: tensors are immutable and a NumPy buffer would "
                        f"take the result off the tape; use the returned Tensor instead")
    if not all(isinstance(x, _KNOWN) or x is None for x in inputs):
        return NotImplemented
    try:
        mapped = _mapped_method(ufunc, method, inputs,
                                {k: v for k, v in kwargs.items() if k != "out"})
    except NoMapping:
        mapped = NotImplemented
    if mapped is not NotImplemented:
        return mapped
    if method == "at" and is_tensor(inputs[0]):
        raise TypeError(f"{label} cannot update a tapeflow tensor in place (tensors are "
                        f"immutable); use tf.tensor_scatter_nd_add and friends")
    return _fallback(label, getattr(ufunc, method), inputs, kwargs)


def _mapped_method(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    extra = {k: v for k, v in kwargs.items()
             if k not in _DEFAULTS or not (v is _DEFAULTS[k] or (isinstance(v, str)
                                                                 and v == _DEFAULTS[k]))}
    run = _CALL.get(ufunc)
    if method == "__call__" and run is not None:
        dtype = extra.pop("dtype", None)
        if extra:
            return NotImplemented
        if dtype is None:
            return run(*_as_numpy_computes(ufunc, inputs))
        return run(*[x if _array_of(x) is None else arith.cast(as_tensor(x), np.dtype(dtype))
                     for x in inputs])
    if method == "reduce" and ufunc in _REDUCE:
        return _reduce(ufunc, *inputs, **kwargs)
    if method == "accumulate" and ufunc in _ACCUMULATE:
        return _accumulate(ufunc, *inputs, **kwargs)
    if method == "outer" and run is not None and not kwargs and len(inputs) == 2:
        a, b = inputs
        a = as_tensor(a)
        b_array = _array_of(b)
        b_ndim = np.ndim(b) if b_array is None else b_array.ndim
        return _array_ufunc(None, ufunc, "__call__",
                            shape_ops.reshape(a, list(a.shape) + [1] * b_ndim), b)
    return NotImplemented


def _reduce(ufunc: Any, array: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False,
            initial: Any = NO, where: Any = True) -> Tensor:
    if where is not True:
        raise NoMapping
    x = numeric(ufunc.reduce, array, dtype)
    if ufunc in (np.logical_and, np.logical_or):
        x = truth(x)
    result = _REDUCE[ufunc](x, axis, keepdims=keepdims)
    return result if initial is NO or initial is None else _CALL[ufunc](result, initial)


def _accumulate(ufunc: Any, array: Any, axis: int = 0, dtype: Any = None) -> Tensor:
    return _ACCUMULATE[ufunc](numeric(ufunc.accumulate, array, dtype), axis)


# -- __array_function__ ------------------------------------------------------------------------
def _array_function(self: Any, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    for t in types:
        if not issubclass(t, (Tensor, Variable, np.ndarray)):
            return NotImplemented  # another array library's turn
    run = _FUNCTIONS.get(func)
    if run is not None:
        try:
            return run(*args, **kwargs)
        except NoMapping:
            pass
    if func in _INSPECTION:
        return func(*_values(args), **_values(kwargs))
    return _fallback(_label(func), func, args, kwargs)


def _label(func: Any) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    return f"{module.replace('numpy', 'np', 1)}.{getattr(func, '__name__', func)}"


def _values(obj: Any) -> Any:
    """``obj`` with its Tensors and Variables replaced by their arrays (nothing logged)."""
    if isinstance(obj, Tensor):
        return obj._value
    if isinstance(obj, Variable):
        return obj._tensor._value
    if isinstance(obj, (list, tuple)):
        return type(obj)(_values(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _values(v) for k, v in obj.items()}
    return obj


def _fallback(label: str, call: Any, args: tuple, kwargs: dict) -> Any:
    """NumPy computes ``call`` on the values; a watched value leaving is reported."""
    leaving: list = []
    _local.converting = True  # this call reports itself; its conversions stay quiet
    try:
        args = _to_numpy(args, leaving)
        kwargs = _to_numpy(kwargs, leaving)
    finally:
        _local.converting = False
    if dispatch.recorders and any(_is_watched(t) for t in leaving):
        _report(label, "has no tapeflow mapping: NumPy computed it on the values of a "
                "watched tensor and returned a NumPy array")
    return call(*args, **kwargs)


def _to_numpy(obj: Any, leaving: list) -> Any:
    if isinstance(obj, Variable):
        obj = obj._read_for_op()  # recorded as a read, so explanations can follow it
    if isinstance(obj, Tensor):
        leaving.append(obj)
        return np.asarray(obj)  # through Tensor.__array__: explanation mode logs it
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_numpy(v, leaving) for v in obj)
    if isinstance(obj, dict):
        return {k: _to_numpy(v, leaving) for k, v in obj.items()}
    return obj


# -- values leaving the tape -------------------------------------------------------------------
class NumpyLeftTapeWarning(UserWarning):
    """A value an active tape watches became a NumPy array: no gradient flows through it."""


class NumpyLeftTapeError(RuntimeError):
    """Raised instead of NumpyLeftTapeWarning under ``numpy_strict(True)``."""


_strict = False
_local = threading.local()  # .converting: inside _fallback's own conversions
_warned: set = set()  # (filename, line) of the call sites already warned about


class _StrictSetting:
    """What numpy_strict returns: exiting a ``with`` block restores the earlier setting."""

    def __init__(self, previous: bool) -> None:
        self._previous = previous

    def __enter__(self) -> _StrictSetting:
        return self

    def __exit__(self, *exc: Any) -> None:
        global _strict
        _strict = self._previous


def numpy_strict(enabled: bool = True) -> _StrictSetting:
    """Make a watched value leaving an active tape through NumPy an error (a tapeflow
    extension; process-wide, off by default).

    Off, tapeflow warns once per line (``NumpyLeftTapeWarning``); on, it raises
    ``NumpyLeftTapeError``.  Call it to switch, or use it as a context manager
    to switch for a block:

    >>> import numpy as np
    >>> import tapeflow as tf
    >>> from tapeflow.ops.numpy_api import numpy_strict, NumpyLeftTapeError
    >>> x = tf.constant([1.0, 2.0])
    >>> with numpy_strict(), tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     try:
    ...         np.median(x)
    ...     except NumpyLeftTapeError as e:
    ...         print("refused:", str(e).split(" at ")[0])
    refused: np.median
    """
    global _strict
    previous, _strict = _strict, bool(enabled)
    return _StrictSetting(previous)


def _is_watched(x: Any) -> bool:
    """Whether a tape (or forward accumulator) active in this thread tracks ``x``.

    The tape lives in the layer above (autodiff); its module is found at run
    time, only on this slow path, to keep the import graph one-way.
    """
    tape = sys.modules.get("tapeflow.autodiff.tape")
    if tape is None:
        return False
    i = x._id
    variable = isinstance(x, Variable)
    for recording in tape._local.stack:
        if i in recording.watched or (variable and recording.watch_accessed and x.trainable):
            return True
    return bool(i) and any(i in acc._tangents for acc in getattr(tape._local, "accs", ()))


def _report(what: str, how: str) -> None:
    """Warn once per user call site, or raise in strict mode; silent when tapeflow's
    own code made the call."""
    frame = _call_site()
    if frame is None:
        return
    where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
    text = (f"{what} at {where} {how}: the active GradientTape cannot see what is "
            f"computed from it, so no gradient flows through it. Call NumPy functions on "
            f"the tensor itself (docs/numpy.md lists those tapeflow maps) or tapeflow ops; "
            f"numpy_strict(True) makes this an error.")
    if _strict:
        raise NumpyLeftTapeError(text)
    key = (frame.f_code.co_filename, frame.f_lineno)
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn_explicit(text, NumpyLeftTapeWarning, frame.f_code.co_filename,
                           frame.f_lineno, module=frame.f_globals.get("__name__"))


_HERE = os.path.abspath(__file__)
_NUMPY = os.path.dirname(os.path.abspath(np.__file__)) + os.sep


def _call_site() -> types.FrameType | None:
    """The user's line behind the current conversion, or None if tapeflow's code made it.

    Skips this module's frames and wrappers installed over the conversion
    methods (explanation mode's); then the caller decides: tapeflow's own code
    is not reported; otherwise NumPy's frames are skipped too, so that a
    conversion inside np.testing names the user's line.
    """
    wrappers = {getattr(getattr(cls, name), "__code__", None)
                for cls in (Tensor, Variable) for name in ("numpy", "__array__")}
    frame = sys._getframe(1)
    while frame is not None and (os.path.abspath(frame.f_code.co_filename) == _HERE
                                 or frame.f_code in wrappers):
        frame = frame.f_back
    if frame is None or frames._is_ours(frame.f_code.co_filename):
        return None
    while frame is not None and (frame.f_code.co_filename.startswith(_NUMPY)
                                 or frames._is_ours(frame.f_code.co_filename)):
        frame = frame.f_back
    return frame


def _reporting(original: Any, how: str, kind: str) -> Any:
    """``original`` (numpy / __array__), reporting a watched value it hands out."""
    if kind == "numpy":
        def numpy(self: Any) -> Any:
            if dispatch.recorders and _is_watched(self):
                _report(how, f"turned a watched {type(self).__name__} into a NumPy array")
            return original(self)
        numpy.__doc__ = original.__doc__
        return numpy

    def __array__(self: Any, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dispatch.recorders and not getattr(_local, "converting", False) \
                and _is_watched(self):
            _report(how, f"turned a watched {type(self).__name__} into a NumPy array")
        return original(self, dtype, copy)
    return __array__


def bind(cls: type) -> None:
    cls.__array_ufunc__ = _array_ufunc
    cls.__array_function__ = _array_function
    cls.numpy = _reporting(cls.numpy, ".numpy()", "numpy")
    cls.__array__ = _reporting(cls.__array__, "np.asarray/np.array", "__array__")


bind(Tensor)
bind(Variable)
