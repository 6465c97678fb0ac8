"""The hot path: running one op eagerly and offering it to active recorders.

DESIGN.md's four steps, and nothing else on the way: (1) take the inputs'
arrays (fast path: they already are Tensors), (2) call the forward function,
(3) wrap the output, (4) only if a tape or accumulator is active, offer the
op to the recorders.  ``recorders`` holds one entry per active recorder in
*all* threads; while it is empty step 4 costs one global load.  The
recorders themselves (the tape module) check the thread-local stack, so a
tape in another thread only sends ops here down the slower path, never onto
its tape.

Measured on the 2-core dev machine, (2, 2) float32 multiply: NumPy 0.32 µs,
this path 0.69 µs, recording 0.8 µs more (benchmarks/overhead.py --breakdown).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any

import numpy as np

from tapeflow.core.convert import _INT_RANGE
from tapeflow.core.dtypes import from_numpy
from tapeflow.core.errors import InvalidArgumentError, OpError, shape_str
from tapeflow.core.frames import GENERATED
from tapeflow.core.tensor import Tensor, convert_to_tensor

# One entry per active recorder (tape, accumulator) in all threads: a list, so
# that entering and leaving are one atomic append or pop (a lock around an int
# cost 0.23 us each way); the hot path only tests whether it is empty.
recorders: list = []
# Set by tapeflow.core.variable: the Variable class (core/variable imports this module).
variable_type: type | None = None
# Set by tapeflow.autodiff.tape: record(op, inputs, out, params).
record_hook: Callable[..., None] | None = None

_new = Tensor.__new__
_PY_SCALARS = (bool, int, float, complex)
# Which Python scalar types convert to a tensor of each dtype kind (TF's rule).
_SCALAR_OK = {
    "f": (bool, int, float), "c": (bool, int, float, complex), "i": (bool, int),
    "u": (bool, int), "b": (bool,), "O": (str, bytes),
}


def describe(values: Any) -> str:
    """``shapes [2,3], [3]; dtypes float32, float32`` for an error message."""
    shapes, names = [], []
    for v in values:
        if isinstance(v, Tensor):
            shapes.append(shape_str(v._value.shape))
            names.append(from_numpy(v._value.dtype).name)
        else:
            arr = np.asarray(v)
            shapes.append(shape_str(arr.shape))
            names.append(type(v).__name__ if arr.dtype.kind == "O" else str(arr.dtype))
    return f"shapes {', '.join(shapes)}; dtypes {', '.join(names)}"


def op_error(op: Any, inputs: Any, exc: BaseException) -> Exception:
    """Turn a backend failure into TF's error naming the op, shapes and dtypes."""
    if isinstance(exc, (OpError, TypeError)) and "[Op:" in str(exc):
        return exc
    if isinstance(exc, OverflowError) and any(_no_double(v) for v in inputs):
        # x * 10**400: a Python int no double holds (the fast paths hand ints to
        # NumPy as they are); TF refuses to convert it.
        return ValueError(_INT_RANGE)
    text = str(exc)
    if "broadcast" in text:
        shapes = " vs. ".join(shape_str(np.shape(_array(v))) for v in inputs)
        text = f"Incompatible shapes: {shapes}"
    return InvalidArgumentError(None, None, f"{text} (inputs: {describe(inputs)}) [Op:{op.name}]")


def _no_double(v: Any) -> bool:
    """Whether ``v`` is a Python int too large for a float64."""
    if type(v) is not int:
        return False
    try:
        float(v)
    except OverflowError:
        return True
    return False


def _array(v: Any) -> Any:
    return v._value if isinstance(v, Tensor) else v


def quiet(op: Any, inputs: Any, exc: BaseException, fwd: Callable, *args: Any,
          **params: Any) -> Any:
    """The forward call again with NumPy's floating-point warnings off, when the
    first call failed only because such a warning was turned into an error
    (``-W error``, ``simplefilter("error")``): TF computes inf and NaN
    silently.  Any other failure becomes TF's error naming the op.  (Off the
    hot path: an ``np.errstate`` around every call would cost ~1 µs an op.)
    """
    if isinstance(exc, RuntimeWarning) and FP_WARNING.match(str(exc)):
        try:
            with np.errstate(all="ignore"):
                return fwd(*args, **params)
        except Exception as again:
            exc = again
    raise op_error(op, inputs, exc) from None


# NumPy's floating-point warnings.  Where they come from tapeflow's own frames
# (runners, forward functions) they are filtered out, as TF computes inf and NaN
# silently; warnings a user's own NumPy code raises are untouched, and a filter
# the user adds later (``simplefilter("error")``) goes first: ``quiet`` then
# re-runs the op silently.
FP_WARNING = re.compile(r"(divide by zero|invalid value|overflow|underflow) encountered")
warnings.filterwarnings("ignore", message=FP_WARNING.pattern, category=RuntimeWarning,
                        module=r"tapeflow\.")


def word(d: np.dtype) -> str:
    """TF's C++ name of a dtype in messages: float, double, half, int32, string ..."""
    return _TF_WORDS.get(np.dtype(d).name, np.dtype(d).name)


def dtype_error(op: Any, index: int, expected: Any, got: Any) -> InvalidArgumentError:
    """TF's message for an input whose dtype differs from the first input's (``op``: an
    OpDef, or the name of an op without one)."""
    name = getattr(op, "name", op)
    return InvalidArgumentError(
        None, None,
        f"cannot compute {name} as input #{index}(zero-based) was expected to be a "
        f"{word(expected)} tensor but is a {word(got)} tensor [Op:{name}]")


_TF_WORDS = {"float32": "float", "float64": "double", "float16": "half", "object": "string"}


def allowed_error(op: Any, inputs: Any, dt: np.dtype) -> InvalidArgumentError:
    """TF's error for a dtype the op's kernel does not take."""
    allowed = ", ".join(sorted(word(d) for d in op.allowed))
    return InvalidArgumentError(
        None, None, f"Value for attr 'T' of {word(dt)} is not in the list of allowed values: "
        f"{allowed} (inputs: {describe(inputs)}) [Op:{op.name}]")


def read_input(x: Any) -> Tensor:
    """A Variable's value (recorded as a read), or the Tensor itself."""
    read = getattr(x, "_read_for_op", None)
    return read() if read is not None else x


def convert_scalar(op: Any, scalar: Any, dt: np.dtype) -> Any:
    """Check a Python scalar can join a tensor of dtype ``dt``; NumPy keeps it weak.

    An int outside an integer dtype's range wraps, as TF's conversion (a C
    cast) does: ``tf.constant([1], tf.uint8) + 300`` is ``[45]``; one that TF
    cannot convert at all (beyond int64, or uint64 for a uint64 tensor) is
    TF's ValueError.
    """
    if type(scalar) not in _SCALAR_OK.get(dt.kind, ()):
        raise TypeError(f"Cannot convert {scalar!r} to EagerTensor of dtype {word(dt)}")
    if dt.kind in "iu" and type(scalar) is int:
        if not -2**63 <= scalar < (2**64 if dt == np.uint64 else 2**63):
            raise ValueError(_INT_RANGE)
        info = np.iinfo(dt)
        if not info.min <= scalar <= info.max:
            span = 1 << (8 * dt.itemsize)
            return dt.type((scalar - info.min) % span + info.min)
    return scalar


def convert_pair(op: Any, x: Any, y: Any) -> tuple:
    """Slow path of a binary op: read Variables, convert values with TF's hints.

    Python scalars stay Python scalars: NumPy's weak scalar rule (NEP 50)
    keeps the tensor's dtype exactly as TF's conversion would, without
    building a 0-d array.
    """
    x = read_input(x)
    y = read_input(y)
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            pass
        elif type(y) in _PY_SCALARS and (
                not op.hint_second or type(y) in _SCALAR_OK.get(x._value.dtype.kind, ())):
            return x, y, x._value, convert_scalar(op, y, x._value.dtype)
        elif op.hint_second:
            # TF's add converts its second operand with only a dtype *hint*: a
            # value of another kind keeps its dtype and the op reports the mix.
            y = convert_to_tensor(y, dtype_hint=x.dtype)
        else:
            y = convert_to_tensor(y, dtype=x.dtype if op.same_dtype else None)
    elif isinstance(y, Tensor):
        if type(x) in _PY_SCALARS:
            return x, y, convert_scalar(op, x, y._value.dtype), y._value
        x = convert_to_tensor(x, dtype=y.dtype if op.same_dtype else None)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype if op.same_dtype else None)
    xv, yv = x._value, y._value
    check_dtypes(op, (x, y), (xv, yv))
    return x, y, xv, yv


def check_dtypes(op: Any, inputs: Any, values: Any) -> None:
    """TF's dtype rules for one op: equal dtypes where required, allowed kinds."""
    if op.same_dtype:
        first = None
        for i, v in enumerate(values):
            if not hasattr(v, "dtype"):
                continue
            if first is None:
                first = v.dtype
            elif v.dtype != first:
                raise dtype_error(op, i, first, v.dtype)
    if op.allowed is not None:
        for v in values[:op.n_checked]:
            if hasattr(v, "dtype") and v.dtype not in op.allowed:
                raise allowed_error(op, inputs, v.dtype)


def convert_inputs(op: Any, args: tuple) -> tuple[list, list]:
    """Generic path: inputs as Tensors and their arrays, dtype rules checked."""
    tensors = [read_input(a) for a in args]
    hint = None
    if op.same_dtype:
        hint = next((t.dtype for t in tensors if isinstance(t, Tensor)), None)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            tensors[i] = convert_to_tensor(t, dtype=hint)
    values = [t._value for t in tensors]
    check_dtypes(op, tensors, values)
    return tensors, values


# The one- and two-input runners are generated from source so that their
# parameters carry the op's TF names (``relu(features=...)``,
# ``atan2(y=..., x=...)``) at no cost: a closure has fixed parameter names,
# and ``**kwargs`` would cost a dict per call.
def _tail(args: str, inputs: str, params: str) -> str:
    """The end every runner shares: call the forward function (``quiet`` on a
    failure), wrap the array, offer the op to the recorders."""
    return f"""        try:
            ov = fwd({args})
        except Exception as exc:
            ov = quiet(op, {inputs}, exc, fwd, {args})
        out = _new(Tensor)
        out._value = ov
        out._id = 0
        if recorders:
            record_hook(op, {inputs}, out, {params})
        return out
    return {{fname}}
"""


_UNARY_SRC = """
def make(op, fwd, allowed):
    def {fname}({a}, name=None):
        in0_ = {a}
        if type(in0_) is not Tensor:
            in0_ = read_input(in0_)
            if not isinstance(in0_, Tensor):
                in0_ = convert_to_tensor(in0_)
        v0_ = in0_._value
        if allowed is not None and v0_.dtype not in allowed:
            raise allowed_error(op, (in0_,), v0_.dtype)
""" + _tail("v0_", "(in0_,)", "None")

_BINARY_SRC = """
def make(op, fwd, allowed, scalar_ok):
    def {fname}({a}, {b}, name=None):
        in0_ = {a}
        in1_ = {b}
        if type(in0_) is Tensor and type(in1_) is Tensor:
            v0_ = in0_._value
            v1_ = in1_._value
            dt = v0_.dtype
            if dt is not v1_.dtype or (allowed is not None and dt not in allowed):
                check_dtypes(op, (in0_, in1_), (v0_, v1_))
        elif type(in0_) is Tensor and (type(in1_) is float or type(in1_) is int) \\
                and in0_._value.dtype in scalar_ok:
            v0_ = in0_._value  # x * 0.5: a Python number joins a float tensor as is
            v1_ = in1_
        elif type(in1_) is Tensor and (type(in0_) is float or type(in0_) is int) \\
                and in1_._value.dtype in scalar_ok:
            v0_ = in0_
            v1_ = in1_._value
        elif type(in0_) is variable_type or type(in1_) is variable_type:
            # k * x with k a Variable: read it (recorded as a read) and go again.
            return {fname}(in0_._read_for_op() if type(in0_) is variable_type else in0_,
                           in1_._read_for_op() if type(in1_) is variable_type else in1_)
        else:
            in0_, in1_, v0_, v1_ = convert_pair(op, in0_, in1_)
            if allowed is not None:
                check_dtypes(op, (in0_, in1_), (v0_, v1_))
""" + _tail("v0_, v1_", "(in0_, in1_)", "None")


# One input and static parameters (reshape, sum, transpose ...): the
# unary runner with ``**params`` passed on to the forward function and the tape.
# Public functions wrap these runners, so the input keeps one fixed name: one
# compile for all of them (~0.3 ms each at import).
_UNARY_PARAMS_SRC = _UNARY_SRC.replace("{a}, name=None)", "{a}, **params)").replace(
    "fwd(v0_)", "fwd(v0_, **params)").replace("fwd, v0_)", "fwd, v0_, **params)").replace(
    "out, None)", "out, params)")

# Two inputs and static parameters (matmul, conv, gather ...): when both inputs
# are Tensors, the generic path's conversions are skipped (matmul of (64, 128)
# by (128, 10): 6.3 -> 4.5 us); anything else takes exactly the generic path.
_BINARY_PARAMS_SRC = """
def make(op, fwd, allowed):
    same = op.same_dtype
    check1 = op.n_checked > 1
    def {fname}({a}, {b}, **params):
        in0_ = {a}
        in1_ = {b}
        if type(in0_) is Tensor and type(in1_) is Tensor:
            v0_ = in0_._value
            v1_ = in1_._value
            if (same and v0_.dtype is not v1_.dtype) or (allowed is not None and (
                    v0_.dtype not in allowed or (check1 and v1_.dtype not in allowed))):
                check_dtypes(op, (in0_, in1_), (v0_, v1_))
        else:
            (in0_, in1_), (v0_, v1_) = convert_inputs(op, (in0_, in1_))
""" + _tail("v0_, v1_, **params", "(in0_, in1_)", "params")

_makers: dict = {}
_templates: dict = {}
# Placeholder parameter names of the compiled templates (renamed per op's input names).
_PLACEHOLDERS = ("in_a_", "in_b_")


def _template(src: str) -> Callable:
    """``make`` compiled from ``src`` once, its runner's inputs named by placeholders.

    Compiling costs ~0.35 ms; once per template, not per distinct input names
    (21 of them at import), saves ~5 ms of ``import tapeflow``.
    """
    make = _templates.get(src)
    if make is None:
        namespace: dict = {}
        code = src.format(fname="run", a=_PLACEHOLDERS[0], b=_PLACEHOLDERS[1])
        # globals: recorders/record_hook stay live; the filename marks these
        # frames as tapeflow's own (warnings and explanations skip them).
        exec(compile(code, GENERATED, "exec"), globals(), namespace)
        make = _templates[src] = namespace["make"]
    return make


def _renamed(make: Callable, names: tuple) -> Callable:
    """``make`` whose runner's leading parameters are ``names`` (TF's input names, so
    ``relu(features=...)`` binds): the same bytecode, other variable names."""
    code = make.__code__
    run = next(c for c in code.co_consts if isinstance(c, CodeType) and c.co_name == "run")
    if run.co_varnames[:len(names)] == names:
        return make
    renamed = run.replace(co_varnames=names + run.co_varnames[len(names):])
    consts = tuple(renamed if c is run else c for c in code.co_consts)
    return FunctionType(code.replace(co_consts=consts), make.__globals__, "make")


_FLOATS = frozenset(np.dtype(n) for n in ("float16", "float32", "float64", "complex64",
                                          "complex128"))


def _scalar_ok(op: Any) -> frozenset:
    """Dtypes where a Python int or float operand needs no check at all: the
    floating ones the op allows (NumPy's weak scalars keep the tensor's dtype,
    as TF's conversion would)."""
    return _FLOATS if op.allowed is None else _FLOATS & op.allowed


def _generate(src: str, op: Any, names: tuple | None = None) -> Callable:
    names = tuple(op.input_names if names is None else names)
    key = (src, names)
    make = _makers.get(key)
    if make is None:
        make = _makers[key] = _renamed(_template(src), names)
    run = make(op, op.fwd, op.allowed, _scalar_ok(op)) if src is _BINARY_SRC else \
        make(op, op.fwd, op.allowed)
    run.__name__ = run.__qualname__ = op.name
    return run


def unary_runner(op: Any) -> Callable:
    """``f(<input>, name=None)`` for a one-input op without static parameters."""
    return _generate(_UNARY_SRC, op)


def binary_runner(op: Any) -> Callable:
    """``f(<input0>, <input1>, name=None)`` for a two-input op without static parameters."""
    return _generate(_BINARY_SRC, op)


def unary_params_runner(op: Any) -> Callable:
    """``f(input_, **params)`` for a one-input op with static parameters."""
    return _generate(_UNARY_PARAMS_SRC, op, ("input_",))


def binary_params_runner(op: Any) -> Callable:
    """``f(input0_, input1_, **params)`` for a two-input op with static parameters."""
    return _generate(_BINARY_PARAMS_SRC, op, ("input0_", "input1_"))


def generic_runner(op: Any) -> Callable:
    """``f(*inputs, **params)``: any arity, static parameters, several outputs."""
    fwd = op.fwd
    n_out = op.n_out
    variadic = op.variadic

    def run(*args, **params):
        tensors, values = convert_inputs(op, args)
        try:
            ov = fwd(values, **params) if variadic else fwd(*values, **params)
        except Exception as exc:
            ov = quiet(op, tensors, exc, fwd, *([values] if variadic else values), **params)
        if n_out:
            out = tuple(_wrap(v) for v in ov)
        else:
            out = _new(Tensor)
            out._value = ov
            out._id = 0
        if recorders:
            record_hook(op, tuple(tensors), out, params)
        return out

    return run


def _wrap(v: Any) -> Tensor:
    t = _new(Tensor)
    t._value = v
    t._id = 0
    return t
