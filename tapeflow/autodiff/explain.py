"""Why is a gradient None? (a tapeflow extension)

``tapeflow.explain(tape, target, source)`` answers in one sentence, naming the
user's line where it can: the source was never watched (or is a
non-trainable Variable, or was only read before the tape started), it is an
integer tensor, the path went through an op with no gradient, the value left
the tape through NumPy/Python, the tape was stopped or reset, or the target
simply does not depend on the source.

Knowing *where* a path was cut needs a little bookkeeping while ops run:
``tapeflow.explain_gradients(True)`` turns it on (and makes every None
gradient warn with its explanation).  Off, nothing here runs: the hooks are
installed only while it is on, so the eager hot path is untouched.
"""

from __future__ import annotations

import warnings
from collections import deque
from typing import Any

from tapeflow.autodiff import nest
from tapeflow.autodiff import tape as tape_mod
from tapeflow.core.frames import user_line, user_stacklevel
from tapeflow.core.tensor import Tensor
from tapeflow.core.variable import Variable

__all__ = ["explain", "explain_gradients"]


class _Log:
    """What explanation mode saw: cut edges, values leaving, pauses."""

    def __init__(self) -> None:
        self.on = False
        self.warn = False
        # out id -> (op name, reason, in ids, where, ids of the recordings active)
        self.cut: dict[int, tuple] = {}
        # id -> (how, where, ids of the recordings active)
        self.left: dict[int, tuple] = {}
        self.paused: dict[int, str] = {}    # id(recording) -> where it was stopped

    def clear(self) -> None:
        self.cut.clear()
        self.left.clear()
        self.paused.clear()


_log = _Log()


def _where() -> str:
    return user_line(2)


def _watching(i: int) -> bool:
    return any(i in r.watched for r in tape_mod._local.stack)


def _observe_op(op: Any, inputs: tuple, out: Any, params: Any) -> None:
    """After the tapes: log an op that touched the tape but was not recorded."""
    ids = [x._id for x in inputs if type(x) is Tensor and x._id]
    if not ids:
        return
    outs = out if op.n_out else (out,)
    if any(o._id and _watching(o._id) for o in outs):
        return  # recorded
    paused = [r for r in _paused_recordings() if any(i in r.watched for i in ids)]
    live = any(_watching(i) for i in ids)
    if not (live or paused or any(i in _log.cut for i in ids)):
        return
    if paused and not live:
        reason = f"ran while the tape was stopped (stop_recording at {_log.paused[id(paused[0])]})"
    elif not op.differentiable:
        reason = f"`{op.name}` has no gradient"
    elif not any(o._value.dtype in tape_mod._DIFFERENTIABLE for o in outs):
        reason = (f"`{op.name}` gives {outs[0]._value.dtype} values, which carry no "
                  f"gradient (only floating and complex values do)")
    else:
        reason = ""  # downstream of an earlier cut
    where = _where()
    recs = _recordings()
    for o in outs:
        _log.cut[tape_mod._give_id(o)] = (op.name, reason, tuple(ids), where, recs)


def _recordings() -> frozenset:
    return frozenset(id(r) for r in [*tape_mod._local.stack, *_stopped])


def _paused_recordings() -> list:
    return [r for r in _stopped if id(r) in _log.paused]


_stopped: list = []


def _leaving(name: str, original: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        i = self._id
        if i and (i in _log.cut or _watching(i)) and i not in _log.left:
            how = {"numpy": ".numpy()", "__array__": "NumPy (np.asarray/np.* call)",
                   "__float__": "float()", "__int__": "int()", "__bool__": "bool()"}[name]
            _log.left[i] = (how, _where(), _recordings())
        return original(self, *args, **kwargs)
    method.__name__ = name
    method.__wrapped__ = original
    return method


_LEAVING = ("numpy", "__array__", "__float__", "__int__", "__bool__")


def _stop_enter(self: Any) -> None:
    rec = self._tape._tape
    _ORIGINAL["stop_enter"](self)
    _log.paused[id(rec)] = _where()
    _stopped.append(rec)
    tape_mod._push_count(1)  # keep ops flowing to the observer while stopped


def _stop_exit(self: Any, *exc: Any) -> None:
    rec = self._tape._tape
    if rec in _stopped:
        _stopped.remove(rec)
        tape_mod._push_count(-1)
    _ORIGINAL["stop_exit"](self, *exc)


def _reset(self: Any) -> None:
    old = self._tape
    _ORIGINAL["reset"](self)
    if old is not None:
        self._explain_reset = (_where(), set(old.watched))


def _gradient(self: Any, target: Any, sources: Any, *args: Any, **kwargs: Any) -> Any:
    skeleton = _Skeleton.of(self)
    result = _ORIGINAL["gradient"](self, target, sources, *args, **kwargs)
    self._explain_skeleton = skeleton
    if _log.warn:
        for s, g in zip(nest.flatten(sources), nest.flatten(result)):
            if g is None:
                warnings.warn(f"Gradient is None: {_explain(self, skeleton, target, s)}",
                              stacklevel=user_stacklevel())
    return result


_ORIGINAL: dict[str, Any] = {}


def explain_gradients(enabled: bool = True, warn: bool = True) -> None:
    """Turn explanation mode on or off (off by default; a tapeflow extension).

    On, tapes note where a path to a watched value is cut (an op without
    gradient, an integer result, a value turned into NumPy, a stopped tape),
    and with ``warn`` every None gradient warns with its explanation.

    >>> import tapeflow as tf
    >>> tf.explain_gradients(True, warn=False)
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = tf.cast(tf.cast(x, tf.int32), tf.float32)
    >>> print(tf.explain(g, y, x))  # doctest: +ELLIPSIS
    the path from the source to the target goes through `Cast` at ...: `Cast` gives int32 ...
    >>> tf.explain_gradients(False)
    """
    if enabled == _log.on:
        _log.warn = warn
        return
    _log.on, _log.warn = enabled, warn
    cls = tape_mod.GradientTape
    if enabled:
        _ORIGINAL.update(stop_enter=tape_mod._StopRecording.__enter__,
                         stop_exit=tape_mod._StopRecording.__exit__,
                         reset=cls.reset, gradient=cls.gradient)
        for name in _LEAVING:
            _ORIGINAL[name] = getattr(Tensor, name)
            setattr(Tensor, name, _leaving(name, _ORIGINAL[name]))
        tape_mod._StopRecording.__enter__ = _stop_enter
        tape_mod._StopRecording.__exit__ = _stop_exit
        cls.reset = _reset
        cls.gradient = _gradient
        tape_mod.add_observer(on_op=_observe_op)
    else:
        tape_mod.remove_observer(on_op=_observe_op)
        for name in _LEAVING:
            setattr(Tensor, name, _ORIGINAL[name])
        tape_mod._StopRecording.__enter__ = _ORIGINAL["stop_enter"]
        tape_mod._StopRecording.__exit__ = _ORIGINAL["stop_exit"]
        cls.reset = _ORIGINAL["reset"]
        cls.gradient = _ORIGINAL["gradient"]
        _log.clear()


class _Skeleton:
    """The connectivity of a recording: edges and watched ids, no values."""

    def __init__(self, edges: list, watched: set, variables: set,
                 watch_accessed: bool, recording: int) -> None:
        self.recording = recording
        self.spent = False
        self.edges = edges
        self.watched = watched
        self.variables = variables
        self.watch_accessed = watch_accessed

    @classmethod
    def of(cls, tape: Any) -> _Skeleton | None:
        rec = tape._tape
        if rec is None:
            kept = getattr(tape, "_explain_skeleton", None)
            if kept is not None or tape._spent is None:
                return kept
            rec = tape._spent  # released: its ids remain, its records do not
        edges = []
        for _op, in_ids, out_ids, *_ in rec.records:
            outs = out_ids if isinstance(out_ids, tuple) else (out_ids,)
            edges.append((tuple(i for i in in_ids if i), tuple(o for o in outs if o)))
        sk = cls(edges, set(rec.watched), set(rec.variables), rec.watch_accessed, id(rec))
        sk.spent = rec is tape._spent and tape._tape is None
        return sk

    def cuts(self) -> list:
        """The cut edges logged while this recording was active."""
        return [(out, e) for out, e in _log.cut.items() if self.recording in e[4]]


def explain(tape: Any, target: Any, source: Any) -> str:
    """One sentence on why ``tape.gradient(target, source)`` is (or would be) None.

    Works on any tape; the place where a path was cut is named when
    ``explain_gradients(True)`` was on while the ops ran.

    >>> import tapeflow as tf
    >>> x = tf.constant(1.0)
    >>> with tf.GradientTape() as g:
    ...     y = x * x
    >>> print(tf.explain(g, y, x))  # doctest: +ELLIPSIS
    the source was never watched by this tape: call tape.watch(x) inside the `with` block ...
    """
    return _explain(tape, _Skeleton.of(tape), target, source)


def _explain(tape: Any, sk: _Skeleton | None, target: Any, source: Any) -> str:
    if not isinstance(source, (Tensor, Variable)):
        return f"the source is a {type(source).__name__}, not a Tensor or Variable"
    if not source.dtype.is_differentiable:
        return (f"the source is an integer tensor ({source.dtype.name}): gradients flow only "
                f"to floating and complex values; cast it first (tf.cast(x, tf.float32))")
    if sk is None:
        return "the tape never recorded: was it entered (`with tf.GradientTape() as tape:`)?"
    sid, tid = source._id, getattr(target, "_id", 0)
    if sid and tid == sid:
        return "the target is the source itself, so the gradient is its seed (not None)"
    if not sid or sid not in sk.watched:
        return _never_watched(tape, sk, source)
    if sk.spent:
        return ("this non-persistent tape was already used and its records released; turn "
                "on tapeflow.explain_gradients(True) before the tape to see why")
    found = _search(sk, sid, tid)
    if found is True:
        return ("the target depends on the source through recorded ops; the gradient is "
                "not None")
    if found:
        name, reason, where = found
        return f"the path from the source to the target goes through `{name}` at {where}: {reason}"
    for i in _descendants(sk, sid):
        if i in _log.left and sk.recording in _log.left[i][2]:
            how, where, _ = _log.left[i]
            what = "the source" if i == sid else "a value computed from the source"
            return (f"{what} left the tape through {how} at {where}: what NumPy or Python "
                    f"computes from it is invisible to the tape; use tapeflow ops instead")
    if tid and tid not in sk.watched and tid not in _log.cut:
        return ("the target was not computed on this tape from anything it watches (was it "
                "computed outside the `with` block?)")
    hint = "" if _log.on else (" (turn on tapeflow.explain_gradients(True) to see where a "
                               "path through NumPy or a stopped tape was cut)")
    return f"the target does not depend on the source{hint}"


def _never_watched(tape: Any, sk: _Skeleton, source: Any) -> str:
    reset = getattr(tape, "_explain_reset", None)
    if reset is not None and source._id in reset[1]:
        return (f"tape.reset() at {reset[0]} discarded the recording in which the source "
                f"was watched")
    if isinstance(source, Variable):
        if not sk.watch_accessed:
            return ("the tape was created with watch_accessed_variables=False and the "
                    "Variable was never watched: call tape.watch(v)")
        if not source.trainable:
            return ("the source is a non-trainable Variable: tapes watch only trainable "
                    "Variables automatically; call tape.watch(v)")
        return ("the Variable was never read while the tape was recording: was its value "
                "read before the `with tf.GradientTape()` block?")
    return ("the source was never watched by this tape: call tape.watch(x) inside the "
            "`with` block (only trainable Variables are watched automatically)")


def _search(sk: _Skeleton, sid: int, tid: int) -> Any:
    """Breadth-first from the source: True (recorded path), the first cut on a
    path, or None (no path)."""
    adjacent: dict[int, list] = {}
    for ins, outs in sk.edges:
        for i in ins:
            adjacent.setdefault(i, []).extend((o, None) for o in outs)
    for out, (name, reason, ins, where, _) in sk.cuts():
        for i in ins:
            adjacent.setdefault(i, []).append((out, (name, reason, where)))
    first_cut: dict[int, Any] = {sid: None}
    queue = deque([sid])
    while queue:
        i = queue.popleft()
        for o, cut in adjacent.get(i, ()):
            if o in first_cut:
                continue
            first_cut[o] = first_cut[i] or (cut if cut and cut[1] else None)
            if o == tid:
                return first_cut[o] or True
            queue.append(o)
    return None


def _descendants(sk: _Skeleton, sid: int) -> list[int]:
    seen = {sid}
    order = [sid]
    changed = True
    while changed:
        changed = False
        for ins, outs in sk.edges:
            if any(i in seen for i in ins):
                for o in outs:
                    if o not in seen:
                        seen.add(o)
                        order.append(o)
                        changed = True
        for out, (_, _, ins, _, _) in sk.cuts():
            if out not in seen and any(i in seen for i in ins):
                seen.add(out)
                order.append(out)
                changed = True
    return order
