"""Forward mode: ``tf.autodiff.ForwardAccumulator``.

An accumulator carries a tangent beside every primal it watches and, as each
op runs, computes the output's tangent from the op's JVP rule (the same
declaration the tape's VJP comes from).  JVP rules are ordinary ops, so:

* a GradientTape entered *before* the accumulator records them
  (reverse-over-forward); one entered after it does not (TF: "more deeply
  nested GradientTape objects will ignore the products of outer
  ForwardAccumulator objects"), so a tape inside an accumulator keeps no JVPs;
* an accumulator active around a ``tape.gradient`` call sees the backward
  pass's ops (forward-over-reverse: Hessian-vector products);
* an outer accumulator sees an inner one's JVP ops (forward-over-forward),
  never the reverse: while accumulator k computes tangents, it and every
  accumulator entered after it are paused, as in TF; outer ones compute
  first, so that they know the op's output tangent when the inner ones'
  JVP ops read that output.

The accumulators watch ops and Variable reads as observers of the tape
module (after the tapes), registered while at least one accumulator is active
in any thread: with none active, nothing here runs.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from tapeflow.autodiff import nest
from tapeflow.autodiff import tape as tape_mod
from tapeflow.autodiff.tape import _DIFFERENTIABLE, UnconnectedGradients, _give_id, _local
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable

__all__ = ["ForwardAccumulator"]

_lock = threading.Lock()
_active = 0  # accumulators active in all threads
_PY_SCALARS = (bool, int, float, complex)


def _observe_op(op: Any, inputs: tuple, out: Any, params: Any) -> None:
    """Tape observer: after the tapes have recorded an op, the accumulators see it."""
    accs = _local.accs
    if accs and op.differentiable:
        _forward(accs, op, inputs, out, params)


def _observe_read(v: Variable, value: Tensor, out: Tensor) -> Tensor:
    """Tape observer of Variable reads: a watched Variable's read carries its tangent."""
    for acc in _local.accs:
        tangent = acc._tangents.get(v._id)
        if tangent is not None:
            if out is value:
                out = wrap(value._value)  # never give the Variable's own Tensor an id
            acc._tangents[_give_id(out)] = tangent
    return out


def _forward(accs: list, op: Any, inputs: tuple, out: Any, params: Any) -> None:
    """Compute the output tangent for each accumulator, outermost first.

    Outer first: when accumulator k then runs its JVP ops, the accumulators
    outside it (still active) already hold this op's output tangent, which
    those ops may read (tanh's JVP reads ``out``).  Runs for every op while an
    accumulator is active: the one-output case avoids generators.
    """
    if op.n_out:
        if not any(o._value.dtype in _DIFFERENTIABLE for o in out):
            return
    elif out._value.dtype not in _DIFFERENTIABLE:
        return
    nondiff = op.nondiff_inputs
    pair = len(inputs) == 2 and not nondiff
    for k in range(len(accs)):
        tangents = accs[k]._tangents
        if pair:  # x * y, x + y ...: spelled out (no tangent is ever kept under id 0)
            x, y = inputs
            tx = tangents.get(x._id) if type(x) is Tensor else None
            ty = tangents.get(y._id) if type(y) is Tensor else None
            # TF: an integer primal keeps its tangent, its results get none.
            if tx is not None and x._value.dtype not in _DIFFERENTIABLE:
                tx = None
            if ty is not None and y._value.dtype not in _DIFFERENTIABLE:
                ty = None
            if tx is None and ty is None:
                continue
            ins = [tx, ty]
        else:
            ins = []
            found = False
            for i, x in enumerate(inputs):
                t = None
                if type(x) is Tensor and i not in nondiff:
                    t = tangents.get(x._id)
                    if t is not None:
                        if x._value.dtype in _DIFFERENTIABLE:
                            found = True
                        else:
                            t = None
                ins.append(t)
            if not found:
                continue
        result = _run_jvp(accs, k, op, ins, _tensors(inputs), out, params)
        if op.n_out:
            for o, t in zip(out, result if result is not None else ()):
                if t is not None and o._value.dtype in _DIFFERENTIABLE:
                    tangents[_give_id(o)] = _shape_like(t, o)
        elif result is not None:
            tangents[_give_id(out)] = _shape_like(result, out)


def _tensors(inputs: tuple) -> tuple:
    """The inputs with Python scalars as tensors of the other inputs' dtype.

    The binary runner hands a recorder Python scalars as they came (``1 - x``);
    JVP rules are written for Tensors (a linear rule's zero tangent for ``1``
    would otherwise be an int32 zero), so forward mode converts them here.
    """
    for x in inputs:
        if type(x) is not Tensor:
            break
    else:
        return inputs
    like = next((x._value.dtype for x in inputs if type(x) is Tensor), None)
    return tuple(wrap(np.asarray(x, dtype=like)) if type(x) in _PY_SCALARS else x
                 for x in inputs)


def _run_jvp(accs: list, k: int, op: Any, ins: list, inputs: tuple, out: Any,
             params: Any) -> Any:
    """Accumulator k's JVP of one op, with k, later accumulators and later tapes paused."""
    paused = accs[k:]
    del accs[k:]
    stack = _local.stack
    if stack:
        outer = paused[0]._outer_tapes
        if len(stack) != len(outer) or any(id(r) not in outer for r in stack):
            _local.stack = [r for r in stack if id(r) in outer]
    try:
        return op.jvp(ins, inputs, out, params)
    finally:
        _local.stack = stack
        accs.extend(paused)


def _shape_like(t: Tensor, like: Tensor) -> Tensor:
    if t._value.shape != like._value.shape:
        from tapeflow.ops import shape_ops
        t = shape_ops.broadcast_to(t, like._value.shape)
    return t


def _check_structure(primals: Any, tangents: Any) -> None:
    """TF's ``nest.map_structure`` check: ValueError, or TypeError for sequence types."""
    pending = [(primals, tangents)]
    while pending:
        a, b = pending.pop()
        a_seq, b_seq = nest._is_seq(a), nest._is_seq(b)
        if not (a_seq or b_seq):
            continue
        detail = None
        if a_seq != b_seq:
            seq, leaf = (a, b) if a_seq else (b, a)
            detail = f"Substructure {seq!r} is a sequence, while substructure {leaf!r} is not"
        elif type(a) is not type(b):
            raise TypeError(_structure_message(primals, tangents, (
                f"The two structures don't have the same sequence type. First structure "
                f"has type {type(a).__name__}, while second structure has type "
                f"{type(b).__name__}.")))
        elif isinstance(a, dict):
            if sorted(a) != sorted(b):
                detail = ("The two dictionaries don't have the same set of keys. First "
                          f"structure has keys {sorted(a)}, while second structure has keys "
                          f"{sorted(b)}")
            else:
                pending.extend((a[key], b[key]) for key in sorted(a))
        elif len(a) != len(b):
            detail = (f"The two structures don't have the same number of elements. First "
                      f"structure has {len(a)} elements, while second structure has "
                      f"{len(b)} elements.")
        else:
            pending.extend(zip(a, b))
        if detail is not None:
            raise ValueError(_structure_message(primals, tangents, detail))


def _structure_message(first: Any, second: Any, detail: str) -> str:
    return (f"The two structures don't have the same nested structure.\n\n"
            f"First structure: {first!r}\n\nSecond structure: {second!r}\n\n"
            f"More specifically: {detail}")


class ForwardAccumulator:
    """Computes Jacobian-vector products with forward-mode autodiff (TF's API).

    ``primals`` (Tensors or Variables, any nesting) are watched with the
    matching ``tangents``; while the context is active, every op computes its
    output's tangent, which ``jvp`` looks up afterwards.

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
        self._outer_tapes: dict[int, Any] = {}
        flat_p = nest.flatten(primals)
        seen: set[int] = set()
        for p in flat_p:
            if id(p) in seen:
                raise ValueError(f"Tensor {p!r} was specified as a primal multiple times. "
                                 "This may indicate an error. If it was intended, please "
                                 "sum the corresponding tangents.")
            seen.add(id(p))
        _check_structure(primals, tangents)
        for p, t in zip(flat_p, nest.flatten(tangents)):
            self._watch(p, t)

    def _watch(self, primal: Any, tangent: Any) -> None:
        if type(primal) is Tensor and type(tangent) is Tensor:
            pv, tv = primal._value, tangent._value
            if tv.dtype == pv.dtype and pv.dtype in _DIFFERENTIABLE and tv.shape == pv.shape:
                # A floating Tensor and a tangent like it (hvp, jvp): the checks below
                # pass; they cost ~1.5 us (DType and TensorShape objects).
                self._tangents[_give_id(primal)] = tangent
                return
        if isinstance(primal, Variable):
            key = primal._id
        elif isinstance(primal, Tensor):
            key = _give_id(primal)
        else:
            raise ValueError(f"ForwardAccumulator: primals must be Tensors or Variables, "
                             f"got {primal!r} of type {type(primal).__name__!r}")
        dtype, shape = primal.dtype, tuple(primal.shape)
        if not dtype.is_differentiable:
            # TF logs this and watches anyway; results of the primal get no tangent.
            warnings.warn(f"The dtype of the watched primal must be floating (e.g. "
                          f"tf.float32), got {dtype!r}", stacklevel=4)
        t = convert_to_tensor(tangent, dtype=dtype)
        if tuple(t.shape) != shape:
            # TF fails later, inside the first JVP that meets it (or silently
            # broadcasts); failing here names the cause.
            raise ValueError(f"Mismatched shape for primal and tangent: primal shape "
                             f"{list(shape)}, tangent shape {list(t.shape)}")
        self._tangents[key] = t

    def __enter__(self) -> ForwardAccumulator:
        global _active
        if self._recording:
            raise ValueError("Accumulator is already recording.")
        # Tapes active now are outside this accumulator and see its JVP ops.
        # (Held, not just their ids: an id is never reused while we hold it.)
        self._outer_tapes = {id(r): r for r in _local.stack}
        _local.accs.append(self)
        self._recording = True
        with _lock:
            _active += 1
            if _active == 1:
                tape_mod.add_observer(on_op=_observe_op, on_read=_observe_read)
            tape_mod._push_count(1)
        return self

    def __exit__(self, *exc: Any) -> None:
        global _active
        if not self._recording:
            return
        accs = _local.accs
        if self in accs:
            accs.remove(self)
        self._recording = False
        self._outer_tapes = {}
        with _lock:
            _active -= 1
            tape_mod._push_count(-1)
            if not _active:
                tape_mod.remove_observer(on_op=_observe_op, on_read=_observe_read)

    def jvp(self, primals: Any,
            unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """The tangent of each value in ``primals`` (same structure); no computation.

        A value computed while the accumulator was not active, or not from a
        watched primal, has no tangent: None, or zeros with
        ``unconnected_gradients="zero"``.
        """
        if type(primals) is Tensor and unconnected_gradients is UnconnectedGradients.NONE:
            return self._tangents.get(primals._id)  # one Tensor: ~1.5 us less (no id is 0)
        unconnected = UnconnectedGradients(
            unconnected_gradients.value if isinstance(unconnected_gradients,
                                                      UnconnectedGradients)
            else unconnected_gradients)
        out = []
        for p in nest.flatten(primals):
            if not isinstance(p, (Tensor, Variable)):
                raise ValueError(f"jvp: expected Tensors or Variables, got {p!r}")
            t = self._tangents.get(p._id) if p._id else None
            if t is None and unconnected is UnconnectedGradients.ZERO:
                value = p._tensor if isinstance(p, Variable) else p
                t = wrap(np.zeros_like(value._value))
            out.append(t)
        return nest.pack_sequence_as(primals, out)
