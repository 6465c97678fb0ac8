"""Forward mode: ``tf.autodiff.ForwardAccumulator``.

An accumulator carries a tangent beside every primal it watches and, as each
op runs, computes the output's tangent from the op's JVP rule (the same
declaration the tape's VJP comes from).  JVP rules are ordinary ops, so:

* an active GradientTape records them (reverse-over-forward);
* an accumulator active around a ``tape.gradient`` call sees the backward
  pass's ops (forward-over-reverse: Hessian-vector products);
* an outer accumulator sees an inner one's JVP ops (forward-over-forward),
  never the reverse: while accumulator k computes tangents, it and every
  accumulator entered after it are paused, as in TF.

While no accumulator is active anywhere, nothing here runs: the dispatcher's
hooks are the tape's own.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from tapeflow.autodiff import nest
from tapeflow.autodiff import tape as tape_mod
from tapeflow.autodiff.tape import _DIFFERENTIABLE, UnconnectedGradients, _give_id, _local
from tapeflow.core import dispatch, variable
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable

__all__ = ["ForwardAccumulator"]

_lock = threading.Lock()
_active = 0  # accumulators active in all threads


def _accumulators() -> list:
    accs = getattr(_local, "accs", None)
    if accs is None:
        accs = _local.accs = []
    return accs


def _record_both(op: Any, inputs: tuple, out: Any, params: Any) -> None:
    tape_mod.record(op, inputs, out, params)
    accs = _accumulators()
    if accs and op.differentiable:
        _forward(accs, op, inputs, out, params)


def _read_both(v: Variable, value: Tensor) -> Tensor:
    out = tape_mod.read_variable(v, value)
    accs = _accumulators()
    for acc in accs:
        tangent = acc._tangents.get(v._id)
        if tangent is not None:
            if out is value:
                out = wrap(value._value)
            acc._tangents[_give_id(out)] = tangent
    return out


def _forward(accs: list, op: Any, inputs: tuple, out: Any, params: Any) -> None:
    """Compute the output tangent for each accumulator, innermost first."""
    for k in range(len(accs) - 1, -1, -1):
        acc = accs[k]
        tangents = acc._tangents
        ins = [tangents.get(x._id) if type(x) is Tensor and x._id else None for x in inputs]
        for i in op.nondiff_inputs:
            ins[i] = None
        if all(t is None for t in ins):
            continue
        outs = out if op.n_out else (out,)
        if not any(o._value.dtype in _DIFFERENTIABLE for o in outs):
            continue
        paused = accs[k:]
        del accs[k:]
        try:
            result = op.jvp(ins, inputs, out, params)
        finally:
            accs.extend(paused)
        if op.n_out:
            for o, t in zip(outs, result if result is not None else ()):
                if t is not None and o._value.dtype in _DIFFERENTIABLE:
                    tangents[_give_id(o)] = _cast_like(t, o)
        elif result is not None:
            tangents[_give_id(out)] = _cast_like(result, out)


def _cast_like(t: Tensor, like: Tensor) -> Tensor:
    if t._value.shape != like._value.shape:
        from tapeflow.ops import shape_ops
        t = shape_ops.broadcast_to(t, like._value.shape)
    return t


class ForwardAccumulator:
    """Computes Jacobian-vector products with forward-mode autodiff (TF's API).

    >>> import tapeflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy()
    array([2., 0.], dtype=float32)
    """

    def __init__(self, primals: Any, tangents: Any) -> None:
        self._tangents: dict[int, Tensor] = {}
        self._recording = False
        flat_p = nest.flatten(primals)
        flat_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(f"primals and tangents must have the same structure, got "
                             f"{len(flat_p)} primals and {len(flat_t)} tangents")
        for p, t in zip(flat_p, flat_t):
            self._watch(p, t)

    def _watch(self, primal: Any, tangent: Any) -> None:
        if isinstance(primal, Variable):
            key = primal._id
            dtype, shape = primal.dtype, tuple(primal.shape)
        elif isinstance(primal, Tensor):
            key = _give_id(primal)
            dtype, shape = primal.dtype, tuple(primal.shape)
        else:
            raise ValueError(f"ForwardAccumulator: primals must be Tensors or Variables, "
                             f"got {primal!r} of type {type(primal).__name__!r}")
        if not dtype.is_differentiable:
            raise ValueError(f"ForwardAccumulator: primal dtype must be floating or "
                             f"complex, got {dtype!r}")
        t = convert_to_tensor(tangent, dtype=dtype)
        if tuple(t.shape) != shape:
            raise ValueError(f"Mismatched shape for primal and tangent: primal shape "
                             f"{list(shape)}, tangent shape {list(t.shape)}")
        self._tangents[key] = t

    def __enter__(self) -> ForwardAccumulator:
        global _active
        if self._recording:
            raise ValueError("Accumulator is already recording.")
        _accumulators().append(self)
        self._recording = True
        with _lock:
            _active += 1
            dispatch.recorders += 1
            dispatch.record_hook = _record_both
            variable.read_hook = _read_both
        return self

    def __exit__(self, *exc: Any) -> None:
        global _active
        if not self._recording:
            return
        accs = _accumulators()
        if self in accs:
            accs.remove(self)
        self._recording = False
        with _lock:
            _active -= 1
            dispatch.recorders -= 1
            if not _active:
                dispatch.record_hook = tape_mod.record
                variable.read_hook = tape_mod.read_variable

    def jvp(self, primals: Any,
            unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """The tangent of each computed value in ``primals`` (same structure)."""
        unconnected = tape_mod._unconnected(unconnected_gradients)
        flat = nest.flatten(primals)
        out = []
        for p in flat:
            if not isinstance(p, (Tensor, Variable)):
                raise ValueError(f"jvp: expected Tensors or Variables, got {p!r}")
            t = self._tangents.get(p._id) if p._id else None
            if t is None and unconnected is UnconnectedGradients.ZERO:
                value = p._tensor if isinstance(p, Variable) else p
                t = wrap(np.zeros_like(value._value))
            out.append(t)
        return nest.pack_sequence_as(primals, out)
