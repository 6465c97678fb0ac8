"""Converting Python and NumPy values to arrays with TF's dtypes and refusals.

TF's rules (its ``py_seq_tensor`` conversion), which ``tf.constant`` and
every op argument follow:

* A Python sequence takes its dtype from its *first* scalar: float ->
  float32, int -> int32 (int64 when some value needs it), bool -> bool,
  complex -> complex128, str/bytes -> string (bytes), a NumPy scalar or array
  -> its own dtype.  Later elements must convert to it: an int-led sequence
  holding a float becomes float32, anything else is "mixed types".
* With a requested dtype, ints convert to any integer dtype (wrapping like a
  C cast), ints and floats to float and complex dtypes, bools to numbers;
  nothing else crosses kinds (``tf.constant(2.5, tf.int32)`` is a TypeError).
* NumPy arrays keep their dtype, or are cast like ``astype``.

Only arrays come out of here; ``tensor.convert_to_tensor`` wraps them.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core.dtypes import DType, from_numpy

__all__ = ["CPP_NAMES", "infer_python", "python_to", "numpy_value", "unsupported"]

_SEQ = (list, tuple, builtins.range)
_F32_MAX = float(np.finfo(np.float32).max)
_FLOAT_MAX = {2: float(np.finfo(np.float16).max), 4: _F32_MAX}
_INT32_MIN, _INT32_MAX = -2**31, 2**31 - 1
_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1
_MIXED = "Can't convert Python sequence with mixed types to Tensor."
_RAGGED = "Can't convert non-rectangular Python sequence to Tensor."
_INT_RANGE = "Can't convert Python sequence with out-of-range integer to Tensor."
_FLOAT_RANGE = ("Can't convert Python sequence with a value out of range for a "
                "double-precision float.")
# TF's conversion errors name dtypes by their C++ names ("float", not "float32").
CPP_NAMES = {"float16": "half", "float32": "float", "float64": "double"}
_EMPTY = object()


def _cannot_convert(value: Any, dtype: DType) -> TypeError:
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                     f"{CPP_NAMES.get(dtype.name, dtype.name)}")


def unsupported(value: Any) -> ValueError:
    return ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type "
                      f"({type(value)!r}) to a Tensor.")


def _is_seq(x: Any) -> builtins.bool:
    return isinstance(x, _SEQ) or isinstance(x, np.ndarray) and x.ndim > 0


def _leaves(value: Any) -> Iterator[Any]:
    """The scalars of a nested sequence, in order."""
    if _is_seq(value):
        for v in value:
            yield from _leaves(v)
    else:
        yield value[()] if isinstance(value, np.ndarray) else value


def _first_leaf(value: Any) -> Any:
    """The first scalar (TF infers a sequence's dtype from it alone), or _EMPTY."""
    while _is_seq(value):
        if isinstance(value, np.ndarray):
            return value  # its dtype decides
        if not len(value):
            return _EMPTY
        value = value[0]
    return value[()] if isinstance(value, np.ndarray) else value


def _shape_problem(value: Any) -> str:
    """TF's message for a sequence NumPy could not make rectangular.

    A sequence where the first element had a scalar is "mixed types"; a
    scalar where it had a sequence, or a different length, is "non-rectangular".
    """
    shape = []
    x = value
    while _is_seq(x):
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]

    def check(x: Any, depth: int) -> str | None:
        if depth == len(shape):
            return _MIXED if _is_seq(x) else None
        if not _is_seq(x) or len(x) != shape[depth]:
            return _RAGGED
        for v in x:
            problem = check(v, depth + 1)
            if problem:
                return problem
        return None

    return check(value, 0) or _RAGGED


def _array(value: Any) -> np.ndarray:
    try:
        return np.array(value)
    except ValueError:
        raise ValueError(_shape_problem(value)) from None


def _to_float(arr: np.ndarray, np_dtype: np.dtype, check_range: builtins.bool) -> np.ndarray:
    """Cast to a float dtype; TF refuses finite values that overflow when inferring."""
    if arr.dtype.kind == "f" and np_dtype.itemsize < arr.dtype.itemsize:
        flat = arr.reshape(-1)
        big = _FLOAT_MAX[np_dtype.itemsize]
        # Check the range before casting, so that the usual in-range case needs
        # no errstate (it costs more than the cast); small arrays in Python.
        fits = (all(-big <= v <= big for v in flat.tolist()) if flat.size <= 16
                else np.abs(flat).max() <= big)  # False for nan: take the careful path
        if not fits:
            with np.errstate(over="ignore", invalid="ignore"):
                out = arr.astype(np_dtype)
            if check_range and np.any(np.isinf(out) & np.isfinite(arr)):
                raise ValueError(_FLOAT_RANGE)
            return out
    return arr.astype(np_dtype)


def _fit_int(arr: np.ndarray) -> np.ndarray:
    """Python ints become int32, or int64 when some value does not fit (TF's rule)."""
    if not arr.size:
        return arr.astype(np.int32)
    lo, hi = int(arr.min()), int(arr.max())
    if _INT32_MIN <= lo and hi <= _INT32_MAX:
        return arr.astype(np.int32)
    if lo < _INT64_MIN or hi > _INT64_MAX:
        raise ValueError(_INT_RANGE)
    return arr.astype(np.int64)


def _ints_or_floats(value: Any) -> np.ndarray:
    """Int-led sequence NumPy could not type exactly: TF reads it in order."""
    for leaf in _leaves(value):
        if isinstance(leaf, (builtins.bool, int, np.integer)) and not isinstance(leaf, np.bool_):
            if not _INT64_MIN <= int(leaf) <= _INT64_MAX:
                raise ValueError(_INT_RANGE)
        elif isinstance(leaf, (float, np.floating)):
            return _to_float(np.array(value, dtype=np.float64), np.dtype(np.float32), True)
        else:
            raise ValueError(_MIXED)
    return _fit_int(np.array(value, dtype=np.int64))


def _strings(value: Any, error: Any) -> np.ndarray:
    """An object array of bytes (TF's string tensors hold bytes; str is UTF-8 encoded)."""
    shape = np.shape(_array(value))
    out = []
    for leaf in _leaves(value):
        if isinstance(leaf, str):
            out.append(leaf.encode())
        elif isinstance(leaf, bytes):
            out.append(leaf)
        else:
            raise error
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr.reshape(shape)


def infer_python(value: Any) -> np.ndarray:
    """A NumPy array with TF's dtype for a Python scalar or nested sequence.

    As in TF, the first scalar decides: float -> float32, int -> int32 (int64
    when a value needs it), bool -> bool, complex -> complex128, str/bytes ->
    string, a NumPy scalar or array -> its dtype.  Later elements must convert
    to it; an int-led sequence with floats becomes float32.
    """
    t = type(value)
    if t is float:
        if value - value == 0 and abs(value) > _F32_MAX:  # finite but beyond float32
            raise ValueError(_FLOAT_RANGE)
        return np.array(value, dtype=np.float32)
    if t is int:
        if _INT32_MIN <= value <= _INT32_MAX:
            return np.array(value, dtype=np.int32)
        if _INT64_MIN <= value <= _INT64_MAX:
            return np.array(value, dtype=np.int64)
        raise ValueError(_INT_RANGE)
    leaf = _first_leaf(value)
    if leaf is _EMPTY:
        return _array(value).astype(np.float32)
    if isinstance(leaf, (np.ndarray, np.generic)):
        lead = leaf.dtype
    elif isinstance(leaf, (builtins.bool, int, float, complex)):
        lead = np.dtype(type(leaf))
    elif isinstance(leaf, (str, bytes)):
        return _strings(value, ValueError(_MIXED))
    else:
        raise unsupported(leaf)
    if lead.kind in "USO":
        return _strings(value, ValueError(_MIXED))
    arr = _array(value)
    kind = arr.dtype.kind
    if lead.kind == "b":
        if kind != "b":
            raise ValueError(_MIXED)
        return arr
    if lead.kind in "iu":
        if kind in "iu":
            return _fit_int(arr)
        if kind == "f" and arr.size and np.nanmax(np.abs(arr)) < 2.0**63:
            return _to_float(arr, np.dtype(np.float32), True)
        if kind in "fO":  # NumPy promoted big ints, or holds objects: read in order
            return _ints_or_floats(value)
        raise ValueError(_MIXED)
    want = np.dtype(np.float32) if type(leaf) is float else lead  # np.float64 keeps its own
    if kind == "O":
        try:
            arr = np.array(value, dtype=np.complex128 if want.kind == "c" else np.float64)
        except (TypeError, ValueError):
            raise ValueError(_MIXED) from None
        kind = arr.dtype.kind
    if kind not in ("biufc" if want.kind == "c" else "biuf"):
        raise ValueError(_MIXED)
    if want.kind == "c":
        return arr.astype(want)
    return _to_float(arr, want, True)


def python_to(value: Any, dtype: DType) -> np.ndarray:
    """A Python value converted to ``dtype``, refusing what TF refuses.

    TF converts ints to any integer dtype (wrapping, as a C cast does),
    ints and floats to float and complex dtypes, and nothing else across
    kinds: ``tf.constant(2.5, tf.int32)`` is a TypeError.
    """
    kind = dtype.kind
    if kind == "O":
        return _strings(value, _cannot_convert(value, dtype))
    arr = _array(value)
    src = arr.dtype.kind
    if not arr.size and src == "f" and not isinstance(value, np.ndarray):
        return arr.astype(dtype._np)  # [] or [[], []]: empty, so any dtype (NumPy says float)
    if src == "f" and kind in "iu" and arr.size and np.nanmax(np.abs(arr)) >= 2.0**63:
        src = "O"  # NumPy made floats of ints beyond int64: read them one by one
    if src == "O":  # ints beyond int64, or objects that are not numbers
        leaves = list(_leaves(value))
        if not all(isinstance(v, (int, float, complex, np.number)) for v in leaves):
            infer_python(value)  # raises TF's error for the odd element
            raise _cannot_convert(value, dtype)
        if kind in "fc":
            try:
                arr = np.array(value, dtype=np.complex128 if kind == "c" else np.float64)
            except OverflowError:  # an int no double holds
                raise ValueError(_INT_RANGE) from None
        elif not all(isinstance(v, (int, np.integer)) for v in leaves):
            raise _cannot_convert(value, dtype)
        elif dtype._np == np.uint64 and all(0 <= int(v) < 2**64 for v in leaves):
            return np.array(value, dtype=np.uint64)
        else:
            raise ValueError(_INT_RANGE)
        src = arr.dtype.kind
    if kind == "b":
        ok = src == "b"
    elif kind in "iu":
        ok = src in "biu"
        if ok and arr.dtype == np.uint64 and dtype._np != np.uint64 and arr.size \
                and int(arr.max()) > _INT64_MAX:
            raise ValueError(_INT_RANGE)
    elif kind == "f":
        ok = src in "biuf"
    else:
        ok = src in "biufc"
    if not ok:
        raise _cannot_convert(value, dtype)
    if arr.dtype == dtype._np:
        return arr
    if kind == "f":
        return _to_float(arr, dtype._np, False)
    return arr.astype(dtype._np)  # int casts wrap silently; nothing overflows into complex


def _numpy_strings(arr: np.ndarray) -> np.ndarray:
    """A NumPy str/bytes/object array as TF's string tensor value (bytes objects)."""
    if arr.dtype.kind == "O":
        for v in arr.flat:
            if not isinstance(v, (str, bytes)):
                raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported "
                                 f"object type {type(v).__name__}).")
    out = np.empty(arr.shape, dtype=object)
    out.flat[:] = [v.encode() if isinstance(v, str) else bytes(v) for v in arr.flat]
    return out


def numpy_value(value: Any, want: DType | None) -> np.ndarray:
    """A private copy of a NumPy value (so later writes to it never reach the
    Tensor), cast to ``want`` as TF casts arrays: like ``astype``."""
    arr = np.asarray(value)
    if not arr.dtype.isnative:  # TF takes byte-swapped arrays (">f4") as their native dtype
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.dtype.kind in "USO":
        arr = _numpy_strings(arr)
    if want is None or arr.dtype == want._np:
        from_numpy(arr.dtype)  # refuses dtypes TF lacks
        return np.array(arr, copy=True)
    if want.kind == "O":
        raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported object "
                         f"type {type(arr.flat[0].item()).__name__ if arr.size else 'float'}).")
    with np.errstate(over="ignore", invalid="ignore"):
        return arr.astype(want._np)
