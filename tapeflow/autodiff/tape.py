"""GradientTape: recording ops and walking them backwards.

The whole tape lives in this file.  A recording (``_Recording``) holds the
ids it watches and, in execution order, one record per recorded op::

    (op, input_ids, output_id(s), residuals, params, input_shapes)

``input_ids`` has 0 for inputs nobody watches; ``residuals`` are only the
values the op's rules read; ``input_shapes`` is kept only for broadcasting
ops, because undoing broadcasting happens here, in one place
(``sum_to_shape``), and in no rule.

``gradient`` walks the records backwards, iteratively: records that cannot
be reached from the sources are skipped, cotangents are accumulated per id
and dropped as soon as they are consumed, and a non-persistent tape lets go
of every record as the walk passes it.  The backward pass runs ordinary ops,
so an outer tape records it: that is the whole higher-order story.
"""

from __future__ import annotations

import enum
import threading
import warnings
from typing import Any

import numpy as np

from tapeflow.autodiff import nest
from tapeflow.core import dispatch, variable
from tapeflow.core.frames import user_stacklevel
from tapeflow.core.tensor import Tensor, next_id, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import arith, shape_ops
from tapeflow.ops.reduction import sum_to_shape
from tapeflow.ops.shape_ops import READ_VARIABLE as _READ

__all__ = ["GradientTape", "UnconnectedGradients", "sum_to_shape"]


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class _Local(threading.local):
    def __init__(self) -> None:
        self.stack: list[_Recording] = []   # active recordings, innermost last
        self.accs: list = []   # active ForwardAccumulators (autodiff/forward.py), innermost last


_local = _Local()


class _Recording:
    """What one GradientTape has recorded since it was (re)started."""

    __slots__ = ("watched", "roots", "records", "variables", "watch_accessed")

    def __init__(self, watch_accessed: bool) -> None:
        self.watched: set[int] = set()
        # The ids watched by watch() or a Variable's watching, not as a record's output.
        # Every record is reachable from them (see backward).
        self.roots: set[int] = set()
        self.records: list[tuple] = []
        self.variables: dict[int, Variable] = {}
        self.watch_accessed = watch_accessed

    def watch_variable(self, v: Variable) -> None:
        if v._id not in self.watched:
            self.watched.add(v._id)
            self.roots.add(v._id)
            self.variables[v._id] = v


def _push(rec: _Recording) -> None:
    _local.stack.append(rec)
    dispatch.recorders.append(None)


def _push_count(delta: int) -> None:
    """Adjust the count of active recorders (explanation mode keeps stopped tapes in it)."""
    for _ in range(delta):
        dispatch.recorders.append(None)
    for _ in range(-delta):
        dispatch.recorders.pop()


def _pop(rec: _Recording) -> None:
    stack = _local.stack
    if stack and stack[-1] is rec:  # tapes close innermost first, almost always
        stack.pop()
    else:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is rec:
                del stack[i]
                break
    dispatch.recorders.pop()


# Set by tapeflow.autodiff.inspect_tape while a held-bytes limit is set
# (``tapeflow.set_tape_memory_warning``): ``memory_watch(recording)`` runs when
# a persistent tape starts or resumes recording, never per op.
memory_watch: Any = None

# Exact types taken as one source or target without the nest machinery.
_LEAVES = frozenset((Tensor, Variable))
# Dtypes whose values carry gradients (floating and complex).
_DIFFERENTIABLE = frozenset(np.dtype(n) for n in
                            ("float16", "float32", "float64", "complex64", "complex128"))


def record(op: Any, inputs: tuple, out: Any, params: dict | None) -> None:
    """The recording hook the dispatcher calls while any recorder is active.

    Hot path (every op run while a tape is active): the one- and two-input,
    one-output case is spelled out in full (about 0.8 µs), since generators
    over the inputs and helper calls cost ~100-300 ns each.  Ids start at 1,
    so an unwatched input's 0 is never in a watched set.
    """
    stack = _local.stack
    if not stack:
        return
    n = len(inputs)
    if n > 2 or not op.records_simply:  # one flag for three (see OpDef.records_simply)
        if op.differentiable:
            _record_general(stack, op, inputs, out, params)
        return
    if n == 2:
        x, y = inputs
        a = x._id if type(x) is Tensor else 0
        b = y._id if type(y) is Tensor else 0
        if not (a or b):
            return
    else:
        x = inputs[0]
        a = x._id if type(x) is Tensor else 0
        if not a:
            return
        b = 0
    rec = None
    for tape in stack:
        watched = tape.watched
        if a not in watched and b not in watched:
            continue
        if rec is None:
            value = out._value
            if value.dtype not in _DIFFERENTIABLE:
                return  # integer and bool results carry no gradient
            oid = out._id = next_id()
            shapes = None
            if op.broadcasts and n == 2 and not op.core_ndim and type(x) is Tensor \
                    and type(y) is Tensor:
                # Elementwise x op y: broadcasting happened unless the two shapes are
                # equal (then the output's is theirs).  One compare of two tuples.
                xs, ys = x._value.shape, y._value.shape
                if xs != ys:
                    shapes = (xs, ys)
            elif op.broadcasts:
                # Keep input shapes only when broadcasting happened: the backward
                # walk then sums the cotangent back (sum_to_shape).  Same ndim
                # and size as the output means the same shape (for non-empty
                # outputs): int compares instead of building shape tuples.
                # Matrix ops (core_ndim 2) broadcast batch axes only: those compared.
                nd, size, core = value.ndim, value.size, op.core_ndim
                for t in inputs:
                    if type(t) is not Tensor or t._value.ndim != nd or not size or (
                            t._value.shape[:-core] != value.shape[:-core] if core
                            else t._value.size != size):
                        shapes = tuple([t._value.shape if type(t) is Tensor else ()
                                        for t in inputs])
                        break
            rec = (op, (a, b) if n == 2 else (a,), oid,
                   inputs if op.saves_inputs else op.save(inputs, out), params, shapes)
        tape.records.append(rec)
        watched.add(oid)


def _record_general(stack: list, op: Any, inputs: tuple, out: Any, params: Any) -> None:
    """``record`` for several outputs, three or more inputs, or non-differentiable inputs."""
    in_ids = tuple([x._id if type(x) is Tensor else 0 for x in inputs])
    if not any(in_ids):
        return
    if op.nondiff_inputs:
        in_ids = tuple([0 if k in op.nondiff_inputs else i for k, i in enumerate(in_ids)])
    rec = None
    for tape in stack:
        watched = tape.watched
        for i in in_ids:
            if i in watched:
                break
        else:
            continue
        if rec is None:
            rec = _make_record(op, inputs, in_ids, out, params)
            if rec is None:
                return
        tape.records.append(rec)
        out_ids = rec[2]
        if op.n_out:
            watched.update(out_ids)
            watched.discard(0)  # an output without gradient (id 0) is never watched
        else:
            watched.add(out_ids)


def _make_record(op: Any, inputs: tuple, in_ids: tuple, out: Any, params: Any) -> tuple | None:
    if op.n_out:
        out_ids = tuple([_give_id(o) if o._value.dtype in _DIFFERENTIABLE else 0 for o in out])
        if not any(out_ids):
            return None
        return (op, in_ids, out_ids, op.save(inputs, out), params, None)
    value = out._value
    if value.dtype not in _DIFFERENTIABLE:
        return None  # integer and bool results carry no gradient
    out_ids = out._id = next_id()
    shapes = None
    if op.broadcasts:
        # Keep input shapes only when broadcasting happened (see record).
        nd, size, core = value.ndim, value.size, op.core_ndim
        for x in inputs:
            if type(x) is not Tensor or x._value.ndim != nd or not size or (
                    x._value.shape[:-core] != value.shape[:-core] if core
                    else x._value.size != size):
                shapes = tuple([x._value.shape if type(x) is Tensor else () for x in inputs])
                break
    res = inputs if op.saves_inputs else op.save(inputs, out)
    return (op, in_ids, out_ids, res, params, shapes)


def _give_id(t: Tensor) -> int:
    if not t._id:
        t._id = next_id()
    return t._id


def read_variable(v: Variable, value: Tensor) -> Tensor:
    """Variable-read hook: auto-watch, and record the read for watching tapes."""
    stack = _local.stack
    out = value
    for tape in stack:
        if tape.watch_accessed and v._trainable:
            tape.watch_variable(v)
        if v._id in tape.watched:
            if out is value:
                out = wrap(value._value)
                out._id = next_id()
            tape.records.append((_READ, (v._id,), out._id, (), None, None))
            tape.watched.add(out._id)
    return out


class GradientTape:
    """Records operations for automatic differentiation, as TF's GradientTape.

    Operations run inside the context are recorded if at least one of their
    inputs is watched; trainable Variables read inside it are watched
    automatically (unless ``watch_accessed_variables=False``).

    >>> import tapeflow as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> float(g.gradient(y, x))
    6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._tape: _Recording | None = None
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._watched_variables: tuple = ()
        self._recording = False
        self._spent: _Recording | None = None

    # -- the context -------------------------------------------------------
    def __enter__(self) -> GradientTape:
        self._push_tape()
        return self

    def __exit__(self, typ: Any, value: Any, traceback: Any) -> None:
        if self._recording:
            _pop(self._tape)
            self._recording = False

    def _push_tape(self) -> None:
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to "
                             "re-enter an already-active tape.")
        if self._tape is None:
            self._tape = _Recording(self._watch_accessed_variables)
        if self._persistent and memory_watch is not None:  # see memory_watch: once per entry
            memory_watch(self._tape)
        _push(self._tape)
        self._recording = True

    def _pop_tape(self) -> None:
        if not self._recording:
            raise ValueError("Tape is not recording.")
        _pop(self._tape)
        self._recording = False

    # -- inspection: tapeflow extensions, in autodiff/inspect_tape.py -----------
    def summary(self, targets: Any = None, sources: Any = None, as_dict: bool = False) -> Any:
        """What this tape holds: ops with counts, shapes, dtypes and residual bytes;
        with ``targets`` and ``sources``, which sources reach which targets.
        A string, or a dict with ``as_dict=True`` (see autodiff/inspect_tape.py)."""
        from tapeflow.autodiff.inspect_tape import summary  # the layer above the tape
        return summary(self, targets, sources, as_dict)

    def to_dot(self, name: str = "tape") -> str:
        """The recorded graph as Graphviz DOT text: op nodes, tensor edges
        labelled with dtype and shape (see autodiff/inspect_tape.py)."""
        from tapeflow.autodiff.inspect_tape import to_dot
        return to_dot(self, name)

    def memory_bytes(self) -> int:
        """Bytes of the arrays this tape's records keep alive, each counted once."""
        from tapeflow.autodiff.inspect_tape import memory_bytes
        return memory_bytes(self)

    # -- watching ----------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Ensure ``tensor`` (a Tensor, Variable or nested structure of them) is traced."""
        if self._tape is None:
            self._tape = _Recording(self._watch_accessed_variables)
        if type(tensor) is Tensor:  # one Tensor, the common case: no nest, no DType
            if tensor._value.dtype not in _DIFFERENTIABLE:
                _warn_dtype(tensor, "watched")
            i = tensor._id or _give_id(tensor)
            self._tape.watched.add(i)
            self._tape.roots.add(i)
            return
        for t in nest.flatten(tensor):
            if isinstance(t, Variable):
                _warn_dtype(t, "watched")
                self._tape.watch_variable(t)
            elif isinstance(t, Tensor):
                _warn_dtype(t, "watched")
                i = _give_id(t)
                self._tape.watched.add(i)
                self._tape.roots.add(i)
            else:
                raise ValueError(f"Passed in object {t} of type {type(t).__name__!r}, not "
                                 "tf.Tensor or tf.Variable or ExtensionType.")

    def watched_variables(self) -> tuple:
        """Variables watched by this tape, in the order they were created (as TF)."""
        if self._tape is not None:
            self._watched_variables = _by_creation(self._tape.variables)
        return self._watched_variables

    def stop_recording(self) -> _StopRecording:
        """Context manager inside which this tape records nothing."""
        if self._tape is None:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        return _StopRecording(self)

    def reset(self) -> None:
        """Clear everything recorded, as if the context were exited and re-entered."""
        self._pop_tape()
        self._tape = None
        self._push_tape()

    # -- differentiation -------------------------------------------------------
    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """Gradients of ``target`` with respect to ``sources`` (same structure).

        A list of targets is differentiated as their sum; a non-scalar target
        uses ones as its cotangent unless ``output_gradients`` gives one.
        """
        if self._tape is None:
            raise RuntimeError("A non-persistent GradientTape can only be used to "
                               "compute one set of gradients (or jacobians)")
        if self._recording:
            if not self._persistent:
                self._pop_tape()
            else:
                _warn_inside_context()
        if target is None:
            raise TypeError("Argument `target` should be a list or nested structure of "
                            "Tensors, Variables or CompositeTensors to be differentiated, "
                            "but received None.")
        unconnected = unconnected_gradients if \
            unconnected_gradients is UnconnectedGradients.NONE else \
            _unconnected(unconnected_gradients)
        # One Tensor or Variable, or a plain list or tuple of them (a model's
        # variables: the common cases), skips the nest machinery (~4 us for 4).
        targets = [target] if type(target) in _LEAVES else nest.flatten(target)
        single = type(sources) in _LEAVES
        plain = not single and (type(sources) is list or type(sources) is tuple) and \
            all([type(s) in _LEAVES for s in sources])
        if single or plain:
            flat_sources = [sources] if single else list(sources)
        else:
            flat_sources = nest.flatten(sources)
            for s in flat_sources:
                if type(s) not in _LEAVES and not isinstance(s, (Tensor, Variable)):
                    raise TypeError(
                        f"Argument `sources` should hold Tensors or Variables, got {s!r}")
        seeds = _seeds(targets, output_gradients)
        recording = self._tape
        if not self._persistent:
            self._watched_variables = _by_creation(recording.variables)
            self._spent = recording  # its records are released; explain() reads its ids
            self._tape = None
        grads = backward(recording, targets, seeds, flat_sources, consume=not self._persistent)
        for k, g in enumerate(grads):
            if g is None:
                s = flat_sources[k]
                # TF: a source that is itself a target gets that target's seed,
                # watched or not.
                for t, seed in zip(targets, seeds):
                    if t is s:
                        g = seed if g is None else arith.add(g, seed)
                if g is None and unconnected is UnconnectedGradients.ZERO:
                    g = _zeros_like(s)
                grads[k] = g
        if single:
            return grads[0]
        if plain:
            return grads if type(sources) is list else tuple(grads)
        return nest.pack_sequence_as(sources, grads)


    def jacobian(self, target: Any, sources: Any,
                 unconnected_gradients: Any = UnconnectedGradients.NONE,
                 parallel_iterations: int | None = None,
                 experimental_use_pfor: bool = True) -> Any:
        """The Jacobian of ``target`` with respect to each source, shape
        ``target.shape + source.shape`` (vectorised; see autodiff/jacobian.py)."""
        from tapeflow.autodiff.jacobian import jacobian  # the layer above the tape
        return jacobian(self, target, sources, unconnected_gradients, parallel_iterations,
                        experimental_use_pfor)

    def batch_jacobian(self, target: Any, source: Any,
                       unconnected_gradients: Any = UnconnectedGradients.NONE,
                       parallel_iterations: int | None = None,
                       experimental_use_pfor: bool = True) -> Tensor:
        """Per-example Jacobians, shape ``target.shape + source.shape[1:]``
        (see autodiff/jacobian.py)."""
        from tapeflow.autodiff.jacobian import batch_jacobian
        return batch_jacobian(self, target, source, unconnected_gradients,
                              parallel_iterations, experimental_use_pfor)


class _StopRecording:
    def __init__(self, tape: GradientTape) -> None:
        self._tape = tape

    def __enter__(self) -> None:
        self._tape._pop_tape()

    def __exit__(self, *exc: Any) -> None:
        self._tape._push_tape()


def _unconnected(value: Any) -> UnconnectedGradients:
    try:
        return UnconnectedGradients(value.value if isinstance(value, UnconnectedGradients)
                                    else value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


_warned_inside = False


def _warn_inside_context() -> None:
    global _warned_inside
    if not _warned_inside:
        _warned_inside = True
        warnings.warn("Calling GradientTape.gradient on a persistent tape inside its context "
                      "is significantly less efficient than calling it outside the context "
                      "(it causes the gradient ops to be recorded on the tape, leading to "
                      "increased CPU and memory usage). Only call GradientTape.gradient "
                      "inside the context if you actually want to trace the gradient in "
                      "order to compute higher order derivatives.", stacklevel=3)


def _warn_dtype(t: Any, what: str) -> None:
    dt = t.dtype
    if not dt.is_differentiable:
        warnings.warn(f"The dtype of the {what} tensor must be floating (e.g. tf.float32), "
                      f"got {dt!r}", stacklevel=user_stacklevel())


def _by_creation(variables: dict) -> tuple:
    """Watched Variables ordered by their ids, i.e. by creation, as TF orders them."""
    if len(variables) < 2:  # nothing to sort (0.1 us, not 0.6)
        return tuple(variables.values())
    return tuple([variables[i] for i in sorted(variables)])


def _id_of(x: Any) -> int:
    if type(x) in _LEAVES or isinstance(x, (Tensor, Variable)):
        return x._id
    return 0


def _seeds(targets: list, output_gradients: Any) -> list:
    if output_gradients is None and len(targets) == 1 and type(targets[0]) is Tensor:
        v = targets[0]._value  # one Tensor target, no seed given: a loss, most often
        return [wrap(v.dtype.type(1) if v.shape == () else np.ones(v.shape, v.dtype))]
    if output_gradients is None:
        grads = [None] * len(targets)
    else:
        grads = nest.flatten(output_gradients)
        if len(grads) != len(targets):
            raise ValueError(f"`output_gradients` has {len(grads)} elements but `target` "
                             f"has {len(targets)}; they must match one to one.")
    seeds = []
    for t, g in zip(targets, grads):
        if type(t) is Tensor:
            value = t
        elif isinstance(t, (Tensor, Variable)):
            value = t._tensor if isinstance(t, Variable) else t
        else:
            raise TypeError(f"Argument `target` should hold Tensors or Variables, got {t!r}")
        if g is None:
            v = value._value
            # A scalar target (a loss) seeds with a NumPy scalar one (0.1 µs;
            # np.ones 0.8 µs, np.ones_like 3x that).
            seeds.append(wrap(v.dtype.type(1) if v.shape == () else np.ones(v.shape, v.dtype)))
        else:
            seed = g if isinstance(g, Tensor) else dispatch.convert_to_tensor(g)
            if seed._value.shape != value._value.shape:
                # TF lets the seed broadcast (a scalar seeds every element);
                # a seed that cannot raises BroadcastTo's InvalidArgumentError.
                seed = shape_ops.broadcast_to(seed, value._value.shape)
            seeds.append(seed)
    return seeds


def _zeros_like(s: Any) -> Tensor:
    value = s._tensor if isinstance(s, Variable) else s
    return wrap(np.zeros_like(value._value))


# Set by tapeflow.autodiff.numerics while NaN/Inf checking is on:
# ``cotangent_check(op, in_ids, out_ids, residuals, g, cot)`` runs after each
# record's VJP, to name the first op whose rule made a non-finite cotangent.
# Off (None), it costs the backward walk one global test per record.
cotangent_check: Any = None


def backward(recording: _Recording, targets: list, seeds: list, sources: list,
             consume: bool, batch: int | None = None) -> list:
    """Reverse-mode walk; returns one cotangent (or None) per source.

    With ``batch``, every cotangent carries a leading axis of that length (the
    rows of a Jacobian) and the walk stays one pass: batch-polymorphic rules
    (``op.batchable``: elementwise, matmul, ...) take the whole stack at once;
    the others run once per row.
    """
    records = recording.records
    if consume:
        recording.records = []
    watched = recording.watched
    # One loop per list (this fixed part is most of a small gradient's cost).
    src_ids = []
    reach = set()
    for s in sources:
        if type(s) is Tensor:
            value, i = s, s._id
        elif isinstance(s, Variable):
            value, i = s._tensor, s._id
        else:
            value, i = s, _id_of(s)
        src_ids.append(i)
        if i and i in watched:
            reach.add(i)
        if isinstance(value, Tensor) and value._value.dtype not in _DIFFERENTIABLE:
            _warn_dtype(s, "source")
    wanted = set(src_ids)
    if recording.roots <= wanted:
        # Every root is a source: every record is reachable (each has a watched input,
        # a root or an earlier record's output), so every watched id is, and the sweep
        # below would keep them all (a loss against all its variables, most often:
        # ~0.25 us a record saved).
        relevant = records if consume else list(records)
        reach = watched
    else:
        # Forward sweep: keep only records that a source can reach.
        relevant = []
        for rec in records:
            for i in rec[1]:
                if i in reach:
                    relevant.append(rec)
                    if rec[0].n_out:
                        reach.update(o for o in rec[2] if o)
                    else:
                        reach.add(rec[2])
                    break
    del records
    cot: dict[int, Tensor] = {}
    for t, seed in zip(targets, seeds):
        tid = t._id if type(t) is Tensor else _id_of(t)
        if tid in reach:
            prev = cot.get(tid)
            cot[tid] = seed if prev is None else arith.add(prev, seed)
    captured: dict[int, Tensor] = {}
    pop = cot.pop
    while relevant:
        op, in_ids, out_ids, res, params, shapes = relevant.pop()
        if op.n_out:
            gs = [pop(o, None) for o in out_ids]
            if all(g is None for g in gs):
                continue
            for o, g in zip(out_ids, gs):
                if o in wanted and g is not None:
                    captured[o] = g
            g = tuple(gs)
        else:
            g = pop(out_ids, None)
            if g is None:
                continue
            if out_ids in wanted:
                captured[out_ids] = g
            if op.passes_through and cotangent_check is None:
                # A read or an identity: the cotangent goes on as it is, no rule call
                # (~0.5 us a record; an identity cannot make a cotangent non-finite).
                i = in_ids[0]
                if i in reach:
                    prev = cot.get(i)
                    cot[i] = g if prev is None else arith.add(prev, g)
                continue
        callers = op.vjp_rules
        if batch is not None and not op.batchable:
            _rowwise(op, g, res, params, in_ids, reach, shapes, batch, cot)
        elif callers:
            # One rule per input: only the inputs a source reaches are computed.
            for k, i in enumerate(in_ids):
                if i in reach and callers[k] is not None:
                    gi = callers[k](g, res, params)
                    if gi is not None:
                        if shapes is not None:
                            gi = sum_to_shape(gi, shapes[k], 0 if batch is None else 1)
                        prev = cot.get(i)
                        cot[i] = gi if prev is None else arith.add(prev, gi)
        else:
            needs = [i in reach for i in in_ids]
            for k, (i, gi) in enumerate(zip(in_ids, op.vjp(g, res, params, needs))):
                if gi is not None and needs[k]:
                    if shapes is not None:
                        gi = sum_to_shape(gi, shapes[k], 0 if batch is None else 1)
                    _accumulate(cot, i, gi)
        if cotangent_check is not None:  # see cotangent_check: one global test when off
            cotangent_check(op, in_ids, out_ids, res, g, cot)
    return [captured.get(i, cot.get(i)) if i else None for i in src_ids]


def _rowwise(op: Any, g: Any, res: tuple, params: Any, in_ids: tuple, reach: set,
             shapes: Any, batch: int, cot: dict) -> None:
    """A batched cotangent through a rule that is not batch-polymorphic: row by row."""
    needs = [i in reach for i in in_ids]
    rows: list[list] = [[] for _ in in_ids]
    for b in range(batch):
        gb = tuple(None if x is None else x[b] for x in g) if op.n_out else g[b]
        for k, gi in enumerate(op.vjp(gb, res, params, needs)):
            if gi is not None and needs[k]:
                if shapes is not None:
                    gi = sum_to_shape(gi, shapes[k])
                rows[k].append(gi)
    for k, i in enumerate(in_ids):
        if rows[k]:
            _accumulate(cot, i, shape_ops.stack(rows[k]))


def _accumulate(cot: dict, i: int, g: Tensor) -> None:
    prev = cot.get(i)
    cot[i] = g if prev is None else arith.add(prev, g)


# -- observers: forward mode and explanations watch ops after the tapes --------------------
# While none is registered the dispatcher calls ``record`` itself: observers
# cost nothing unless in use.
_op_observers: list = []
_read_observers: list = []
_observer_lock = threading.Lock()


def _record_observed(op: Any, inputs: tuple, out: Any, params: Any) -> None:
    if _local.stack:  # forward mode's JVP ops run with no tape of this thread active
        record(op, inputs, out, params)
    for observe in _op_observers:
        observe(op, inputs, out, params)


def _read_observed(v: Variable, value: Tensor) -> Tensor:
    out = read_variable(v, value)
    for observe in _read_observers:
        out = observe(v, value, out)
    return out


def add_observer(on_op: Any = None, on_read: Any = None) -> None:
    """Call ``on_op(op, inputs, out, params)`` after each recorded op and
    ``on_read(variable, value, read) -> read`` after each Variable read."""
    with _observer_lock:
        if on_op is not None:
            _op_observers.append(on_op)
        if on_read is not None:
            _read_observers.append(on_read)
        _install_hooks()


def remove_observer(on_op: Any = None, on_read: Any = None) -> None:
    with _observer_lock:
        if on_op is not None and on_op in _op_observers:
            _op_observers.remove(on_op)
        if on_read is not None and on_read in _read_observers:
            _read_observers.remove(on_read)
        _install_hooks()


def _install_hooks() -> None:
    dispatch.record_hook = _record_observed if _op_observers else record
    variable.read_hook = _read_observed if _read_observers else read_variable


_install_hooks()
