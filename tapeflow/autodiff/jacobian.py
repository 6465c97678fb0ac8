"""Jacobians: ``GradientTape.jacobian`` and ``batch_jacobian``, vectorised.

The identity basis of the target's cotangents goes through ONE backward walk
with a leading batch axis (``tape.backward(..., batch=n)``): rules flagged
``batchable`` take the whole stack, the others run row by row.  With
``experimental_use_pfor=False`` each row is its own walk, as TF's loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.autodiff import nest
from tapeflow.autodiff.tape import (
    GradientTape,
    UnconnectedGradients,
    _by_creation,
    _Recording,
    _unconnected,
    _warn_inside_context,
    backward,
)
from tapeflow.core.tensor import Tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import shape_ops

__all__ = ["jacobian", "batch_jacobian"]


def jacobian(tape: GradientTape, target: Any, sources: Any,
             unconnected_gradients: Any = UnconnectedGradients.NONE,
             parallel_iterations: int | None = None,
             experimental_use_pfor: bool = True) -> Any:
    """The Jacobian of ``target`` with respect to each source.

    Each result has shape ``target.shape + source.shape``.  Vectorised:
    the identity basis of the target's cotangents goes through ONE batched
    backward walk (``experimental_use_pfor=False`` loops over its rows).

    >>> import tapeflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> g.jacobian(y, x).numpy().tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    recording = _take(tape, "jacobian", experimental_use_pfor)
    unconnected = _unconnected(unconnected_gradients)
    flat_sources = nest.flatten(sources)
    value = target._tensor if isinstance(target, Variable) else target
    t_shape = value._value.shape
    n = value._value.size
    if experimental_use_pfor:
        basis = np.eye(n, dtype=value._value.dtype).reshape((n, *t_shape))
        rows = backward(recording, [target], [wrap(basis)], flat_sources,
                        consume=not tape._persistent, batch=n)
    else:
        rows = _row_by_row(recording, target, flat_sources, n, t_shape)
    out = []
    for s, g in zip(flat_sources, rows):
        s_shape = (s._tensor if isinstance(s, Variable) else s)._value.shape
        if g is None:
            if unconnected is UnconnectedGradients.ZERO:
                g = wrap(np.zeros(t_shape + s_shape, dtype=value._value.dtype))
        else:
            g = shape_ops.reshape(g, t_shape + s_shape)
        out.append(g)
    return nest.pack_sequence_as(sources, out)


def batch_jacobian(tape: GradientTape, target: Any, source: Any,
                   unconnected_gradients: Any = UnconnectedGradients.NONE,
                   parallel_iterations: int | None = None,
                   experimental_use_pfor: bool = True) -> Tensor:
    """Per-example Jacobians: ``target[i]`` with respect to ``source[i]``.

    Assumes row i of ``target`` depends only on row i of ``source``.  The
    result has shape ``target.shape + source.shape[1:]``; unconnected
    gives zeros (as in TF).

    >>> import tapeflow as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> g.batch_jacobian(y, x).shape
    TensorShape([2, 2, 2])
    """
    t_val = (target._tensor if isinstance(target, Variable) else target)._value
    s_val = (source._tensor if isinstance(source, Variable) else source)._value
    for v in (t_val, s_val):
        if v.ndim < 2:
            raise ValueError(f"Shape {tuple(v.shape)} must have rank at least 2")
    if t_val.shape[0] != s_val.shape[0]:
        raise ValueError(f"Need first dimension of target shape ({list(t_val.shape)}) and "
                         f"source shape ({list(s_val.shape)}) to match.")
    recording = _take(tape, "batch_jacobian", experimental_use_pfor)
    b, rest = t_val.shape[0], t_val.shape[1:]
    m = int(np.prod(rest, dtype=np.int64))
    # Row k of the basis: a one at element k of every example's target.
    basis = np.broadcast_to(np.eye(m, dtype=t_val.dtype).reshape((m, 1, *rest)),
                            (m, b, *rest)).copy()
    if experimental_use_pfor:
        (g,) = backward(recording, [target], [wrap(basis)], [source],
                        consume=not tape._persistent, batch=m)
    else:
        grads = [backward(recording, [target], [wrap(basis[k])], [source], consume=False)[0]
                 for k in range(m)]
        g = None if all(x is None for x in grads) else shape_ops.stack(
            [x if x is not None else wrap(np.zeros_like(s_val)) for x in grads])
    if g is None:
        return wrap(np.zeros(t_val.shape + s_val.shape[1:], dtype=t_val.dtype))
    # (m, b, *source_rest) -> (b, *target_rest, *source_rest)
    g = shape_ops.reshape(g, (m, b, *s_val.shape[1:]))
    perm = (1, 0, *range(2, g._value.ndim))
    g = shape_ops.transpose(g, perm)
    return shape_ops.reshape(g, t_val.shape + s_val.shape[1:])


def _take(tape: GradientTape, what: str, use_pfor: bool) -> _Recording:
    """The recording for a jacobian call (consumed unless persistent)."""
    if tape._tape is None:
        raise RuntimeError("A non-persistent GradientTape can only be used to "
                           "compute one set of gradients (or jacobians)")
    if not use_pfor and not tape._persistent:
        raise RuntimeError(f"GradientTape must be created with persistent=True to "
                           f"compute the {what} with eager execution enabled and with "
                           f" experimental_use_pfor set to False.")
    if tape._recording:
        if not tape._persistent:
            tape._pop_tape()
        else:
            _warn_inside_context()
    recording = tape._tape
    if not tape._persistent:
        tape._watched_variables = _by_creation(recording.variables)
        tape._spent = recording  # its records are released; explain() reads its ids
        tape._tape = None
    return recording


def _row_by_row(recording: _Recording, target: Any, sources: list, n: int,
                shape: tuple) -> list:
    """Jacobian rows one backward walk each (``experimental_use_pfor=False``)."""
    value = target._tensor if isinstance(target, Variable) else target
    per_source: list[list] = [[] for _ in sources]
    for k in range(n):
        seed = np.zeros(n, dtype=value._value.dtype)
        seed[k] = 1
        grads = backward(recording, [target], [wrap(seed.reshape(shape))], sources,
                         consume=False)
        for lst, g in zip(per_source, grads):
            lst.append(g)
    out = []
    for lst, s in zip(per_source, sources):
        if all(g is None for g in lst):
            out.append(None)
            continue
        zeros = np.zeros_like((s._tensor if isinstance(s, Variable) else s)._value)
        out.append(shape_ops.stack([wrap(zeros) if g is None else g for g in lst]))
    return out
