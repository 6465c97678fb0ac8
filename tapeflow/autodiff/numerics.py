"""Where did the first NaN or Inf come from?  TF's numerics checks, and more.

TF's names (``tf.debugging.*``):

* ``check_numerics(tensor, message)``: the ``CheckNumerics`` op; raises
  InvalidArgumentError ``"<message> : Tensor had NaN values [Op:CheckNumerics]"``
  when ``tensor`` holds NaN or Inf, else returns it.  Its gradient is the
  incoming gradient, checked the same way (as TF's).
* ``enable_check_numerics()`` / ``disable_check_numerics()``: while on (in
  the calling thread, as TF), the first op whose floating output holds NaN or
  Inf raises InvalidArgumentError with TF's message (op type, dtype, shape,
  counts of -Inf/+Inf/NaN, the inputs) plus, as a tapeflow extension, each
  input's summary (shape, dtype, finite min/max, NaN and Inf counts) and the
  user's line.

tapeflow extensions: ``check_numerics_scope()`` (the same as a ``with``
block), and the backward check: during ``tape.gradient`` the first record
whose VJP makes a non-finite cotangent raises, naming the op whose rule made
it and the user's line where that op ran, and recognising the classic
``tf.where(x > 0, tf.sqrt(x), 0.)`` (the branch not taken gets cotangent 0,
and 0 * inf = NaN).  Ops that run *inside* the backward walk are left to that
per-record check (an Inf inside a rule is only a problem if it reaches a
cotangent).

Off (the default), nothing here runs: the dispatcher calls the plain tape
``record`` and the backward walk pays one global test per record.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.autodiff import tape as tape_mod
from tapeflow.core import frames
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.core.frames import user_frame
from tapeflow.core.tensor import Tensor, wrap
from tapeflow.ops.declare import REAL_FLOAT, Sample, defop
from tapeflow.ops.samples import rand

__all__ = ["check_numerics", "check_numerics_scope", "disable_check_numerics",
           "enable_check_numerics"]

# TF's check_numerics_callback skips ops that only move data (SAFE_OPS) and
# the op-callback skip list (Identity): the NaN was made upstream.
SAFE_OPS = frozenset({
    "Concat", "ConcatV2", "ExpandDims", "Fill", "Gather", "GatherV2", "Maximum", "Minimum",
    "Reshape", "Slice", "Squeeze", "Stack", "StridedSlice", "StridedSliceGrad", "Transpose",
    "Unpack", "Identity", "CheckNumerics"})

WHERE_HINT = ("NaN from the branch not taken by where: mask the input before the op, "
              "e.g. sqrt(where(x > 0, x, 1))")


class _State(threading.local):
    """Per thread, as TF: whether checking is on here."""

    def __init__(self) -> None:
        self.on = False


_state = _State()
_lock = threading.Lock()
_threads_on = 0
# Recorded op outputs seen while checking was on: out id -> (op name, file,
# line, input ids).  Bounded: the oldest half goes when it grows past _KEEP.
_recorded: dict[int, tuple] = {}
_KEEP = 1 << 18
_BACKWARD_CODE = tape_mod.backward.__code__


# -- switching on and off ------------------------------------------------------------------
def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """Raise InvalidArgumentError at the first op whose output holds NaN or Inf (TF's name).

    Takes effect in the calling thread only, and calling it twice is the same
    as once (as TF).  ``stack_height_limit`` and ``path_length_limit`` shape
    TF's graph-mode stack traces; eager messages (TF's and ours) carry none,
    so they are accepted and unused.  tapeflow adds each input's summary and
    the user's line, and checks the gradients too (see the module doc).

    >>> import tapeflow as tf
    >>> tf.debugging.enable_check_numerics()
    >>> try:
    ...     tf.math.log(tf.constant(0.0))
    ... except tf.errors.InvalidArgumentError as e:
    ...     print(str(e).splitlines()[2])
    !!! Detected Infinity or NaN in output 0 of eagerly-executing op "Log" (# of outputs: 1) !!!
    >>> tf.debugging.disable_check_numerics()
    """
    global _threads_on
    del stack_height_limit, path_length_limit
    if _state.on:
        return
    with _lock:
        _state.on = True
        _threads_on += 1
        if _threads_on == 1:
            tape_mod.add_observer(on_op=_observe_op, on_read=_observe_read)
            tape_mod.cotangent_check = _check_cotangents
    tape_mod._push_count(1)  # offer every op to the observer, tape or not


def disable_check_numerics() -> None:
    """Turn off what ``enable_check_numerics`` turned on in this thread (TF's name).

    Calling it while off does nothing.
    """
    global _threads_on
    if not _state.on:
        return
    tape_mod._push_count(-1)
    with _lock:
        _state.on = False
        _threads_on -= 1
        if _threads_on == 0:
            tape_mod.remove_observer(on_op=_observe_op, on_read=_observe_read)
            tape_mod.cotangent_check = None
            _recorded.clear()


@contextlib.contextmanager
def check_numerics_scope() -> Iterator[None]:
    """NaN/Inf checking on inside a ``with`` block (a tapeflow extension).

    >>> import tapeflow as tf
    >>> with tf.check_numerics_scope():
    ...     y = tf.sqrt(tf.constant(4.0))
    >>> float(y)
    2.0
    """
    was_on = _state.on
    enable_check_numerics()
    try:
        yield
    finally:
        if not was_on:
            disable_check_numerics()


# -- the forward check -------------------------------------------------------------------
def _observe_op(op: Any, inputs: tuple, out: Any, params: Any) -> None:
    """After each op while checking is on: raise at a non-finite float output."""
    if not _state.on:
        return
    outs = out if op.n_out else (out,)
    if op.name not in SAFE_OPS:
        for slot, t in enumerate(outs):
            v = t._value
            if v.dtype.kind == "f" and not _all_finite(v) and not _in_backward():
                raise InvalidArgumentError(None, None, _forward_message(
                    op.name, slot, len(outs), t, inputs))
    if tape_mod._local.stack:
        _remember(op, inputs, outs)


def _observe_read(variable: Any, value: Tensor, read: Tensor) -> Tensor:
    """TF checks ReadVariableOp's output too: a Variable holding NaN raises when read."""
    if _state.on:
        v = value._value
        if v.dtype.kind == "f" and not _all_finite(v):
            raise InvalidArgumentError(None, None, _forward_message(
                "ReadVariableOp", 0, 1, value, (variable,)))
    return read


def _all_finite(v: np.ndarray) -> bool:
    """Whether every element is finite.  For small float16/32 arrays one sum in
    float64 (which cannot overflow: 4096 * 3.4e38 < 1.8e308) answers for all
    the elements at once, a little cheaper than isfinite + all."""
    if v.size <= 4096 and v.dtype.itemsize <= 4 and v.dtype.kind == "f":
        return bool(np.isfinite(np.add.reduce(v, axis=None, dtype=np.float64)))
    return bool(np.isfinite(v).all())


def _in_backward() -> bool:
    """Whether a backward walk is running (its rules' ops are checked per record)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code is _BACKWARD_CODE:
            return True
        frame = frame.f_back
    return False


def _remember(op: Any, inputs: tuple, outs: tuple) -> None:
    """Keep the op and the user's line of each recorded output, for the backward check."""
    ids = [t._id for t in outs if t._id]
    if not ids:
        return
    info = (op.name, *_user_place(), tuple(x._id if type(x) is Tensor else 0 for x in inputs))
    if len(_recorded) >= _KEEP:
        with _lock:
            for key in list(_recorded)[:_KEEP // 2]:
                _recorded.pop(key, None)
    for i in ids:
        _recorded[i] = info


_ours: dict[str, bool] = {}   # file name -> whether it is tapeflow's (frames._is_ours)


def _user_place() -> tuple[str, int]:
    """(file, line) of the innermost user frame: frames.user_frame with the
    per-file answer cached (os.path.abspath per frame cost ~1 us each)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        ours = _ours.get(name)
        if ours is None:
            ours = _ours[name] = frames._is_ours(name)
        if not ours:
            return name, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


# -- the backward check ------------------------------------------------------------------
def _check_cotangents(op: Any, in_ids: tuple, out_ids: Any, res: tuple, g: Any,
                      cot: dict) -> None:
    """After one record's VJP: raise if a cotangent it made is non-finite.

    Cotangents made earlier were checked when they were made, so a
    non-finite one now is this record's doing (its rule, or the sum with
    what was there)."""
    if not _state.on:
        return
    for k, i in enumerate(in_ids):
        c = cot.get(i) if i else None
        if c is not None and c._value.dtype.kind in "fc" and not _all_finite(c._value):
            raise InvalidArgumentError(None, None, _backward_message(op, k, out_ids, res, g, c))


def _backward_message(op: Any, k: int, out_ids: Any, res: tuple, g: Any, c: Tensor) -> str:
    name = getattr(op, "name", type(op).__name__)
    outs = out_ids if isinstance(out_ids, tuple) else (out_ids,)
    info = next((_recorded[o] for o in outs if o in _recorded), None)
    at = f" (recorded at {_place(info[1], info[2])})" if info else ""
    input_names = getattr(op, "input_names", ())
    what = f"input {k}" + (f" ({input_names[k]})" if k < len(input_names) else "")
    lines = [f"\n\n!!! Detected Infinity or NaN in the gradient made by the VJP of op "
             f"\"{name}\"{at} !!!",
             f"  gradient of {what}", f"  dtype: {c.dtype}", f"  shape: {c.shape}",
             *_counts(c._value)]
    incoming = [x for x in (g if isinstance(g, tuple) else (g,)) if x is not None]
    lines.append("\n  Incoming cotangent (of the op's output):")
    lines += [f"         {j}: {_summary(x)}" for j, x in enumerate(incoming)]
    names = getattr(op, "residual_names", ())
    if res:
        lines.append("  Values the rule read:")
        for j, r in enumerate(res):
            label = names[j] if j < len(names) else str(j)
            lines.append(f"         {label}: {_summary(r)}")
    lines.append("  " + _diagnose(c, incoming, outs, info))
    return "\n".join(lines) + "\n\n" + f" : Tensor had {_kinds(c._value)} values " \
        "[Op:CheckNumericsV2]"


def _diagnose(c: Tensor, incoming: list, outs: tuple, info: Any) -> str:
    """The likely cause, in one line."""
    if any(isinstance(x, Tensor) and not _all_finite(x._value) for x in incoming):
        return ("The cotangent arriving at this op already holds NaN or Inf: it is a seed "
                "(output_gradients) given to gradient(), not something an op made.")
    bad = ~np.isfinite(c._value)
    zero_there = any(
        isinstance(x, Tensor) and (np.all(x._value[bad] == 0) if x._value.shape == bad.shape
                                   else np.any(x._value == 0)) for x in incoming)
    if not zero_there:
        return ("The op's derivative is infinite (or overflows) where its cotangent is "
                "not zero.")
    where = _where_downstream(outs)
    if where is not None:
        return f"{WHERE_HINT} (the where at {_place(*where)})."
    if info is None:
        return (f"0 * inf: the cotangent is 0 where the op's derivative is infinite. If the "
                f"value goes through tf.where, this is {WHERE_HINT}.")
    return ("0 * inf: the cotangent is 0 where the op's derivative is infinite (a masked "
            "value: mask the op's input, not its output).")


def _where_downstream(outs: tuple, limit: int = 10_000) -> tuple | None:
    """(file, line) of a where that takes an output of this op as a branch,
    directly or through other ops, from what was recorded while checking."""
    consumers: dict[int, list] = {}
    for out, (name, path, line, ins) in list(_recorded.items()):
        for k, i in enumerate(ins):
            if i:
                consumers.setdefault(i, []).append((out, name, k, path, line))
    seen = set(outs)
    frontier = [o for o in outs if o]
    while frontier and len(seen) < limit:
        nxt = []
        for i in frontier:
            for out, name, k, path, line in consumers.get(i, ()):
                if name == "SelectV2" and k in (1, 2):
                    return path, line
                if out not in seen:
                    seen.add(out)
                    nxt.append(out)
        frontier = nxt
    return None


# -- messages ----------------------------------------------------------------------------
def _forward_message(op_name: str, slot: int, n_out: int, t: Tensor, inputs: tuple) -> str:
    """TF's get_check_numerics_error_message, plus the inputs' summary and the line."""
    v = t._value
    lines = [f"\n\n!!! Detected Infinity or NaN in output {slot} of eagerly-executing op "
             f"\"{op_name}\" (# of outputs: {n_out}) !!!",
             f"  dtype: {t.dtype}", f"  shape: {t.shape}", *_counts(v)]
    inputs = [_as_tensor(x, v.dtype) for x in inputs]
    if len(inputs) > 1:
        lines.append(f"\n  Input tensors ({len(inputs)}):")
        lines += [f"         {i}: {x!s}" for i, x in enumerate(inputs)]
    elif inputs:
        lines.append(f"\n  Input tensor: {inputs[0]!s}")
    if inputs:
        lines.append("  Input summary (min/max of the finite values):")
        lines += [f"         {i}: {_summary(x)}" for i, x in enumerate(inputs)]
    frame = user_frame(1)
    if frame is not None:
        lines.append(f"  Run at: {_place(frame.f_code.co_filename, frame.f_lineno)}")
    return "\n".join(lines) + "\n\n" + f" : Tensor had {_kinds(v)} values [Op:CheckNumericsV2]"


def _counts(v: np.ndarray) -> list[str]:
    """TF's lines: ``# of -Inf elements: 1`` ... (only the non-zero ones)."""
    inf = np.isinf(v)
    out = []
    for label, n in (("-Inf", np.sum(inf & (v.real < 0))), ("+Inf", np.sum(inf & (v.real > 0))),
                     ("+NaN", np.sum(np.isnan(v)))):
        if n:
            out.append(f"  # of {label} elements: {n}")
    return out


def _kinds(v: np.ndarray) -> str:
    """TF's CheckNumericsV2 wording: ``-Inf``, ``+Inf and NaN``, ``-Inf, +Inf, and NaN``."""
    inf = np.isinf(v)
    parts = [s for s, b in (("-Inf", np.any(inf & (v.real < 0))),
                            ("+Inf", np.any(inf & (v.real > 0))),
                            ("NaN", np.any(np.isnan(v)))) if b]
    if len(parts) == 3:
        return "-Inf, +Inf, and NaN"
    return " and ".join(parts)


def _summary(x: Any) -> str:
    """``shape=(3,), dtype=float32, min=0, max=2, NaN=1, Inf=0`` for one input."""
    if isinstance(x, Tensor):
        v = x._value
    elif hasattr(x, "_tensor"):  # a Variable
        v = x._tensor._value
    elif isinstance(x, (bool, int, float, complex)):
        return f"{x!r} (Python {type(x).__name__})"
    elif isinstance(x, (np.ndarray, np.generic)):
        v = np.asarray(x)
    else:
        return type(x).__name__
    text = f"shape={tuple(v.shape)}, dtype={v.dtype.name}"
    if v.dtype.kind not in "fciub" or v.dtype.kind == "b":
        return text
    finite = v[np.isfinite(v)] if v.dtype.kind in "fc" else v.ravel()
    if finite.size:
        text += f", min={finite.real.min():.6g}, max={finite.real.max():.6g}"
    nan = int(np.isnan(v).sum()) if v.dtype.kind in "fc" else 0
    inf = int(np.isinf(v).sum()) if v.dtype.kind in "fc" else 0
    return text + f", NaN={nan}, Inf={inf}"


def _as_tensor(x: Any, dtype: np.dtype) -> Any:
    """An input as TF shows it: a Python scalar as the tensor it became."""
    if isinstance(x, (bool, int, float)) and not isinstance(x, Tensor):
        return wrap(np.asarray(x, dtype=dtype))
    return x


def _place(path: str, line: int) -> str:
    return f"{os.path.basename(path)}:{line}"


# -- TF's CheckNumerics op ----------------------------------------------------------------
_GRADIENT_MESSAGE = "Not a number (NaN) or infinity (Inf) values detected in gradient. "


@defop("CheckNumerics", dtypes=REAL_FLOAT, reference=lambda tensor, message: tensor,
       batchable=True,
       samples=[Sample(rand((2, 3)), params={"message": "checked"}),
                Sample(rand(()), params={"message": "checked"}),
                Sample(np.array([1.0, np.nan]), params={"message": "m"},
                       raises=InvalidArgumentError)])
class _CheckNumerics:
    def fwd(xp, tensor, *, message):
        if not _all_finite(tensor):
            kinds = "Inf and NaN" if xp.isnan(tensor).any() and xp.isinf(tensor).any() \
                else "NaN" if xp.isnan(tensor).any() else "Inf"
            raise InvalidArgumentError(
                None, None, f"{message} : Tensor had {kinds} values [Op:CheckNumerics]")
        return tensor

    def vjp_tensor(g, *, message):  # d x = 1, and TF checks the gradient on its way
        return _check_numerics(g, message=_GRADIENT_MESSAGE + repr(message.encode()))

    def jvp(dtensor, *, message):
        return dtensor


_check_numerics = _CheckNumerics


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Tensor:
    """``tensor`` itself, or InvalidArgumentError if it holds NaN or Inf (TF's op).

    The gradient passes through, checked with TF's message ("Not a number
    (NaN) or infinity (Inf) values detected in gradient. b'<message>'").

    >>> import tapeflow as tf
    >>> tf.debugging.check_numerics(tf.constant([1.0, 2.0]), "x").numpy()
    array([1., 2.], dtype=float32)
    >>> try:
    ...     tf.debugging.check_numerics(tf.constant([1.0, float("nan")]), "x")
    ... except tf.errors.InvalidArgumentError as e:
    ...     print(e)
    x : Tensor had NaN values [Op:CheckNumerics]
    """
    return _check_numerics(tensor, message=message)

