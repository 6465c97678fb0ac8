"""``tf.cond``, ``tf.while_loop`` and ``tf.switch_case``, as TF runs them eagerly.

Eagerly, TF's control flow is Python control flow: the predicate is read,
one branch (or the loop body) runs, and its ops are recorded like any
others, so gradients flow through the branch taken and through every
iteration.  These functions keep TF's signatures, argument checks and
messages (checked against TF 2.21); there is no graph mode to build for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapeflow.core.errors import invalid_argument
from tapeflow.core.tensor import Tensor
from tapeflow.core.variable import Variable

__all__ = ["cond", "while_loop", "switch_case"]


def cond(pred: Any, true_fn: Callable | None = None, false_fn: Callable | None = None,
         name: str | None = None) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()`` (their results as they return them).

    >>> import tapeflow as tf
    >>> x = tf.constant(2.0)
    >>> float(tf.cond(x > 0, lambda: x * 3.0, lambda: -x))
    6.0
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    return true_fn() if pred else false_fn()  # a Tensor's truth: TF's (one element only)


def while_loop(cond: Callable, body: Callable, loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               maximum_iterations: Any = None, name: str | None = None) -> Any:
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (and fewer
    than ``maximum_iterations`` times); ``body`` returns the structure it was given.

    >>> import tapeflow as tf
    >>> float(tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2.0),
    ...                     (tf.constant(0), tf.constant(1.0)))[1])
    16.0
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if isinstance(loop_vars, (Tensor, Variable)) or not loop_vars:
        raise ValueError("'loop_vars' must be provided.")
    limit = None if maximum_iterations is None else int(maximum_iterations)
    first = list(loop_vars)
    done = 0
    while (limit is None or done < limit) and cond(*loop_vars):
        loop_vars = body(*loop_vars)
        _same_structure(first, loop_vars)
        done += 1
    return loop_vars


def _same_structure(first: list, out: Any) -> None:
    """TF's check that ``body`` returned what it was given (lists and tuples alike)."""
    shape_of = _structure(first)
    if not isinstance(out, (list, tuple)) or _structure(list(out)) != shape_of:
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {first!r}\n\nSecond structure: {out!r}")


def _structure(x: Any) -> Any:
    """The nesting of ``x`` with leaves replaced by None (lists and tuples alike, as TF's
    while_loop compares them)."""
    if isinstance(x, dict):
        return ("dict", tuple((k, _structure(x[k])) for k in sorted(x)))
    if isinstance(x, (list, tuple)):
        return ("seq", tuple(_structure(v) for v in x))
    return None


def switch_case(branch_index: Any, branch_fns: Any, default: Callable | None = None,
                name: str | None = "switch_case") -> Any:
    """``branch_fns[branch_index]()``; an index out of range runs ``default`` (without
    one, the last branch), as TF.  ``branch_fns``: callables, (index, callable)
    pairs or a dict, the indices 0 .. N-1.

    >>> import tapeflow as tf
    >>> int(tf.switch_case(tf.constant(1), [lambda: tf.constant(10), lambda: tf.constant(20)]))
    20
    """
    if not isinstance(branch_index, Tensor):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if not branch_index.dtype.is_integer:
        raise TypeError(f"'branch_index' must be an integer Tensor, got {branch_index.dtype}")
    fns = _branches(branch_fns)
    if branch_index._value.ndim:
        raise invalid_argument("Case", f"branch_index must be a scalar, got shape "
                                       f"{list(branch_index._value.shape)}")
    k = int(branch_index._value)
    if 0 <= k < len(fns):
        return fns[k]()
    return (default or fns[-1])()


def _branches(branch_fns: Any) -> list:
    """TF's checks of ``branch_fns`` (its messages): the callables in index order."""
    if not isinstance(branch_fns, (list, tuple, dict)):
        raise TypeError("'branch_fns' must be a list, tuple, or dict")
    if isinstance(branch_fns, dict):
        pairs = list(branch_fns.items())
    elif all(callable(fn) for fn in branch_fns):
        pairs = list(enumerate(branch_fns))
    else:
        pairs = list(branch_fns)
    if not pairs:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in 'branch_fns' must be a 2-tuple. Received {pair}.")
        key, fn = pair
        if not isinstance(key, int):
            raise TypeError(f"key must be a Python `int`, got {type(key)}")
        if not callable(fn):
            raise TypeError(f"fn for key {key} must be callable.")
    keys = sorted(k for k, _ in pairs)
    if keys != list(range(len(pairs))):
        raise ValueError(f"branch indices (keys) must form contiguous range of [0 to "
                         f"{len(pairs)}) but found {{{','.join(map(str, keys))}}}")
    return [fn for _, fn in sorted(pairs, key=lambda kv: kv[0])]
