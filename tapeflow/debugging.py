"""The ``tf.debugging`` namespace: finding NaN and Inf, and assertions.

TF's names: ``check_numerics``, ``assert_all_finite``, ``enable_check_numerics``,
``disable_check_numerics``; the eager assertions ``assert_equal``,
``assert_none_equal``, ``assert_less``, ``assert_greater``, ``assert_near``,
``assert_rank`` and ``assert_shapes``, with TF 2.21's messages (its eager code
paths: the binary asserts list the first differing values, ``assert_near``
speaks through TF's ``Assert``, rank and shape checks raise ValueError).
tapeflow's NaN tools beyond TF's (the backward check,
``tapeflow.check_numerics_scope``) are described in docs/debugging.md; they live
in :mod:`tapeflow.autodiff.numerics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.autodiff.numerics import (
    check_numerics,
    disable_check_numerics,
    enable_check_numerics,
)
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith

__all__ = ["assert_all_finite", "check_numerics", "disable_check_numerics",
           "enable_check_numerics", "assert_equal", "assert_none_equal", "assert_less",
           "assert_greater", "assert_near", "assert_rank", "assert_shapes"]


def assert_all_finite(x: Any, message: str, name: str | None = None) -> Tensor:
    """``x`` itself, or InvalidArgumentError if it holds NaN or Inf (TF's name for
    ``check_numerics`` with the tensor called ``x``).

    >>> import tapeflow as tf
    >>> tf.debugging.assert_all_finite(tf.constant([1.0, 2.0]), "x").numpy()
    array([1., 2.], dtype=float32)
    """
    return check_numerics(x, message)


# -- elementwise comparisons -------------------------------------------------------------------
def _binary_assert(sym: str, compare: Any, x: Any, y: Any, message: Any, summarize: Any) -> None:
    """TF's eager ``_binary_assert``: InvalidArgumentError listing the first
    ``summarize`` (default 3; negative: all) differing values and elements."""
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    test = compare(x, y)._value
    if np.all(test):
        return
    summarize = 3 if summarize is None else (10 ** 9 if summarize < 0 else summarize)
    data: list = [f"Condition x {sym} y did not hold."]
    xv, yv = x._value, y._value
    if summarize > 0:
        if xv.shape == yv.shape and xv.ndim:
            mask = ~test
            where = np.argwhere(mask)
            count = min(summarize, where.shape[0])
            data += [f"Indices of first {count} different values:", where[:count],
                     "Corresponding x values:", xv[mask].reshape(-1)[:count],
                     "Corresponding y values:", yv[mask].reshape(-1)[:count]]
        flat_x, flat_y = xv.reshape(-1), yv.reshape(-1)
        data += [f"First {min(flat_x.size, summarize)} elements of x:", flat_x[:summarize],
                 f"First {min(flat_y.size, summarize)} elements of y:", flat_y[:summarize]]
    if message is not None:
        data.insert(0, message)
    raise InvalidArgumentError(None, None, "\n".join(str(d) for d in data))


def assert_equal(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
                 name: str | None = None) -> None:
    """InvalidArgumentError unless ``x == y`` everywhere (broadcasting); None otherwise.

    >>> import tapeflow as tf
    >>> tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2])) is None
    True
    """
    _binary_assert("==", arith.equal, x, y, message, summarize)


def assert_none_equal(x: Any, y: Any, summarize: int | None = None, message: str | None = None,
                      name: str | None = None) -> None:
    """InvalidArgumentError if ``x == y`` anywhere (broadcasting); None otherwise.

    >>> import tapeflow as tf
    >>> tf.debugging.assert_none_equal(tf.constant([1, 2]), tf.constant([3, 4])) is None
    True
    """
    _binary_assert("!=", arith.not_equal, x, y, message, summarize)


def assert_less(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
                name: str | None = None) -> None:
    """InvalidArgumentError unless ``x < y`` everywhere (broadcasting); None otherwise.

    >>> import tapeflow as tf
    >>> tf.debugging.assert_less(tf.constant([1, 2]), tf.constant([2, 3])) is None
    True
    """
    _binary_assert("<", arith.less, x, y, message, summarize)


def assert_greater(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
                   name: str | None = None) -> None:
    """InvalidArgumentError unless ``x > y`` everywhere (broadcasting); None otherwise.

    >>> import tapeflow as tf
    >>> tf.debugging.assert_greater(tf.constant([2, 3]), tf.constant([1, 2])) is None
    True
    """
    _binary_assert(">", arith.greater, x, y, message, summarize)


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None, message: str | None = None,
                summarize: int | None = None, name: str | None = None) -> None:
    """InvalidArgumentError unless ``|x - y| < atol + rtol * |y|`` everywhere; the
    tolerances default to 10 eps of ``x``'s (real) dtype.

    >>> import tapeflow as tf
    >>> tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.05]), atol=0.1) is None
    True
    """
    x = convert_to_tensor(x)
    if isinstance(y, Tensor) and y.dtype != x.dtype:
        raise ValueError(f"y: Tensor conversion requested dtype {x.dtype.name} for Tensor with "
                         f"dtype {y.dtype.name}: {y!r}")
    y = convert_to_tensor(y, x.dtype)
    real = x.dtype.real_dtype if x.dtype.is_complex else x.dtype
    eps = np.finfo(real.as_numpy_dtype).eps  # NumPy's "not inexact" ValueError, as TF's
    rtol = convert_to_tensor(10 * eps if rtol is None else rtol, real)
    atol = convert_to_tensor(10 * eps if atol is None else atol, real)
    tol = arith.add(atol, arith.multiply(rtol, arith.abs(y)))
    condition = convert_to_tensor(bool(np.all(arith.less(arith.abs(x - y), tol)._value)))
    if condition._value:
        return
    data = [_prefix(message), f"x and y not equal to tolerance rtol = {_scalar(rtol)}, "
                     f"atol = {_scalar(atol)}",
            f"x ({_shape_and_dtype(x)}) = ", x, f"y ({_shape_and_dtype(y)}) = ", y]
    _assert(condition, data, summarize)


def _scalar(t: Tensor) -> str:
    """TF's ``str`` of a scalar EagerTensor: ``tf.Tensor(1e-06, shape=(), dtype=float32)``."""
    return f"tf.Tensor({t.numpy()!s}, shape=(), dtype={t.dtype.name})"


def _shape_and_dtype(t: Tensor) -> str:
    return f"shape={t.shape} dtype={t.dtype.name}"


def _assert(condition: Tensor, data: list, summarize: Any) -> None:
    """TF's eager ``tf.debugging.Assert`` failure: each datum summarized, strings as bytes."""
    summarize = 3 if summarize is None else summarize
    parts = []
    for d in data:
        if d is None or isinstance(d, str):
            parts.append(repr((d or "").encode()))
            continue
        flat = d._value.reshape(-1)
        if d._value.ndim == 0:
            parts.append(str(d._value) if summarize else "")
            continue
        items = [str(v) for v in flat[:summarize if summarize >= 0 else flat.size]]
        parts.append(", ".join(items + ["..."] * (len(items) < flat.size)))
    raise InvalidArgumentError(None, None, f"Expected '{_scalar(condition)}' to be true. "
                                           f"Summarized data: {chr(10).join(parts)}")


# -- ranks and shapes --------------------------------------------------------------------------
def _prefix(message: Any) -> str:
    return f"{message}.  " if message else ""


def assert_rank(x: Any, rank: Any, message: str | None = None, name: str | None = None) -> None:
    """ValueError unless ``x`` has rank ``rank`` (eagerly TF's check is static).

    >>> import tapeflow as tf
    >>> tf.debugging.assert_rank(tf.zeros([2, 3]), 2) is None
    True
    """
    x = convert_to_tensor(x)
    rank = _rank_value(rank)
    if x._value.ndim != rank:
        raise ValueError(f"{_prefix(message)}Tensor  must have rank {rank}.  Received rank "
                         f"{x._value.ndim}, shape {x.shape}")


def _rank_value(rank: Any) -> int:
    rank = convert_to_tensor(rank)
    if rank._value.ndim != 0:
        raise ValueError("Rank must be a scalar.")
    if rank.dtype.name != "int32":
        raise TypeError(f"tensor must be of type tf.int32; got tf.{rank.dtype.name}")
    return int(rank._value)


def assert_shapes(shapes: Any, data: Any = None, summarize: int | None = None,
                  message: str | None = None, name: str | None = None) -> None:
    """ValueError unless each tensor's shape matches its symbolic shape: integers
    are sizes, strings name sizes that must agree across tensors, None or "."
    any size, a leading ``...`` or ``"*"`` any number of outer dimensions.  A
    scalar counts as shape ``(1,)``.

    >>> import tapeflow as tf
    >>> tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "Q")),
    ...                             (tf.zeros([3]), ("Q",))]) is None
    True
    """
    prefix = _prefix(message)
    items = shapes.items() if isinstance(shapes, dict) else shapes
    checks = [(convert_to_tensor(x), spec) for x, spec in items if spec is not None]
    parsed = [(x, *_parse_spec(x, spec, prefix)) for x, spec in checks]
    for x, open_outer, symbols in parsed:
        _check_rank(x, open_outer, len(symbols), prefix)
    named: dict = {}
    for x, open_outer, symbols in parsed:
        sizes = list(x._value.shape) or [1]
        for i, symbol in enumerate(symbols):
            if symbol is None or symbol == ".":
                continue
            dim = i - len(symbols) if open_outer else i
            if _is_size(symbol):
                want, source = int(symbol), "Specified explicitly"
            elif symbol in named:
                want, by, at = named[symbol]
                source = f"Specified by tensor {_shape_and_dtype(by)} dimension {at}"
            else:
                named[symbol] = (sizes[dim], x, dim)
                continue
            if sizes[dim] != want:
                raise ValueError(f"{prefix}{source}.  Tensor {_shape_and_dtype(x)} dimension "
                                 f"{dim} must have size {want}.  Received size {sizes[dim]}, "
                                 f"shape {x.shape}")


def _parse_spec(x: Tensor, spec: Any, prefix: str) -> tuple:
    """(whether outer dimensions are left open, the symbols of the rest), TF's checks."""
    if not (hasattr(spec, "__iter__") or hasattr(spec, "__getitem__")):
        raise ValueError(f"{prefix}Tensor {_shape_and_dtype(x)}.  Specified shape must be an "
                         f"iterable.  An iterable has the attribute `__iter__` or "
                         f"`__getitem__`.  Received specified shape: {spec}")
    symbols = tuple(spec)
    for i, symbol in enumerate(symbols):
        if (symbol is Ellipsis or symbol == "*") and i != 0:
            raise ValueError(f"{prefix}Tensor {_shape_and_dtype(x)} specified shape index {i}.  "
                             f"Symbol `...` or `*` for a variable number of unspecified "
                             f"dimensions is only allowed as the first entry")
    open_outer = bool(symbols) and (symbols[0] is Ellipsis or symbols[0] == "*")
    return open_outer, symbols[1:] if open_outer else symbols


def _check_rank(x: Tensor, open_outer: bool, rank: int, prefix: str) -> None:
    """TF's rank checks of assert_shapes: at least ``rank`` with open outer
    dimensions; 0 or 1 for a spec of length 0 or 1; exactly ``rank`` otherwise."""
    ndim = x._value.ndim
    if open_outer:
        if rank > 1 and ndim < rank:
            raise ValueError(f"{prefix}Tensor  must have rank at least {rank}.  Received rank "
                             f"{ndim}, shape {x.shape}")
    elif rank in (0, 1):
        if ndim not in (0, 1):
            raise ValueError(f"{prefix}Tensor  must have rank in (0, 1).  Received rank "
                             f"{ndim}, shape {x.shape}")
    elif ndim != rank:
        raise ValueError(f"{prefix}Tensor  must have rank {rank}.  Received rank {ndim}, "
                         f"shape {x.shape}")


def _is_size(symbol: Any) -> bool:
    """TF's ``_has_known_value``: the symbol parses as an int."""
    try:
        int(symbol)
    except (ValueError, TypeError):
        return False
    return True
