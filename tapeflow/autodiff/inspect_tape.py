"""Looking inside a GradientTape (tapeflow extensions; TF has no such names).

* ``tape.summary()``: the ops recorded, with counts, output dtypes and shapes
  and the bytes their residuals hold; with ``targets`` and ``sources``, which
  sources reach which targets.  ``as_dict=True`` gives the same as a dict.
* ``tape.to_dot()``: the recorded graph as Graphviz DOT text (op nodes,
  tensor edges labelled ``float32[2,3]``); ``render_dot(dot, path)`` turns it
  into SVG/PNG/PDF when the optional ``graphviz`` package and Graphviz's
  ``dot`` program are both installed.
* ``tape.memory_bytes()``: bytes of the arrays the records keep alive, each
  buffer counted once (a view counts as the array it views).
* ``set_tape_memory_warning(limit)``: a persistent tape whose residuals pass
  ``limit`` bytes (default 1 GiB) warns once.  Only persistent tapes are
  watched, and only every ``CHECK_EVERY`` records: non-persistent tapes and
  the eager hot path pay nothing.

A record keeps no output shapes, so shapes and dtypes come from what the
records hold (saved inputs and outputs, saved shapes, Variables) and from
broadcasting; the rest print as ``?``.  Every walk here is a loop over the
records: a tape of any length is summarised without recursion.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections import Counter
from typing import Any

import numpy as np

from tapeflow.autodiff import nest
from tapeflow.autodiff import tape as tape_mod
from tapeflow.core.frames import user_stacklevel
from tapeflow.core.tensor import Tensor
from tapeflow.core.variable import Variable

__all__ = ["TapeMemoryWarning", "memory_bytes", "render_dot", "set_tape_memory_warning",
           "summary", "to_dot"]

CHECK_EVERY = 1024          # records between two tallies of a persistent tape's bytes
_DEFAULT_LIMIT = 1 << 30    # 1 GiB
_limit: int | None = None


class TapeMemoryWarning(UserWarning):
    """A persistent tape holds more residual bytes than ``set_tape_memory_warning`` allows."""


# -- what a recording holds ------------------------------------------------------------------
def _recording(tape: Any) -> Any:
    """The tape's current recording, or its spent one (records released), or None."""
    return tape._tape if tape._tape is not None else tape._spent


def _records(tape: Any) -> list:
    rec = _recording(tape)
    return [] if rec is None else rec.records


def _arrays(res: Any) -> list:
    """The arrays inside one record's residuals (Tensors, arrays, nested tuples)."""
    found, stack = [], [res]
    while stack:
        x = stack.pop()
        if type(x) is Tensor:
            found.append(x._value)
        elif isinstance(x, np.ndarray):
            found.append(x)
        elif isinstance(x, (tuple, list)):
            stack.extend(x)
    return found


def _owner(a: np.ndarray) -> np.ndarray:
    """The array that owns a view's memory: a view keeps all of it alive."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _bytes_per_record(records: list) -> list[int]:
    """New bytes each record adds: every buffer counted once, for its first holder."""
    seen: set[int] = set()
    out = []
    for rec in records:
        n = 0
        for a in _arrays(rec[3]):
            a = _owner(a)
            if id(a) not in seen:
                seen.add(id(a))
                n += a.nbytes
        out.append(n)
    return out


def memory_bytes(tape: Any) -> int:
    """Bytes of the arrays the tape's records keep alive (each buffer once).

    >>> import tapeflow as tf
    >>> x = tf.ones((256,))                      # 1 KiB of float32
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.sin(x) * x
    >>> tape.memory_bytes()                      # sin keeps x; * keeps sin(x) and x
    2048
    """
    return sum(_bytes_per_record(_records(tape)))


# -- shapes and dtypes of the recorded tensors ----------------------------------------------
def _specs(rec: Any) -> dict[int, tuple]:
    """id -> (shape or None, dtype name or None), from everything the records hold."""
    known: dict[int, tuple] = {}
    if rec is None:
        return known
    for vid, v in rec.variables.items():
        known[vid] = (tuple(v.shape), v._tensor._value.dtype)
    for op, in_ids, _out, res, _params, shapes in rec.records:
        stack = [res]
        while stack:
            x = stack.pop()
            if type(x) is Tensor:
                if x._id:
                    known[x._id] = (x._value.shape, x._value.dtype)
            elif isinstance(x, (tuple, list)):
                stack.extend(x)
        for k, i in enumerate(in_ids):
            if i and i not in known:
                shape = shapes[k] if shapes is not None else _saved_shape(op, res, k)
                if shape is not None:
                    known[i] = (tuple(shape), None)
    for op, in_ids, out_ids, _res, _params, shapes in rec.records:
        _infer_outputs(op, in_ids, out_ids, shapes, known)
        if getattr(op, "same_dtype", False):  # its inputs share one dtype
            dtype = next((known[i][1] for i in in_ids if i in known and known[i][1]), None)
            for i in in_ids:
                if i and dtype is not None:
                    _merge(known, i, None, dtype)
    return known


def _merge(known: dict, i: int, shape: Any, dtype: Any) -> None:
    """Fill in what is still missing of id ``i``'s spec."""
    old_shape, old_dtype = known.get(i, (None, None))
    known[i] = (old_shape if old_shape is not None else shape,
                old_dtype if old_dtype is not None else dtype)


def _saved_shape(op: Any, res: tuple, k: int) -> Any:
    """Input ``k``'s shape if the op's rules kept it (``<input>_shape``)."""
    names = getattr(op, "residual_names", ())
    inputs = getattr(op, "input_names", ())
    if k < len(inputs) and f"{inputs[k]}_shape" in names and not op.variadic:
        return res[names.index(f"{inputs[k]}_shape")]
    return None


def _infer_outputs(op: Any, in_ids: tuple, out_ids: Any, shapes: Any, known: dict) -> None:
    """Output specs the residuals did not give: custom ops keep theirs; a
    variable read has its variable's; a broadcasting op broadcasts its inputs."""
    if op.n_out:
        specs = getattr(op, "out_specs", None)
        if specs is not None:
            for o, (shape, dtype) in zip(out_ids, specs):
                if o:
                    _merge(known, o, tuple(shape), np.dtype(dtype))
        return
    if None not in known.get(out_ids, (None,)):
        return
    ins = [known[i] for i in in_ids if i in known]
    if op is tape_mod._READ and ins:
        _merge(known, out_ids, *ins[0])
    elif ins and _elementwise(op):
        # float in, same float out (complex -> real ops take complex inputs)
        dtype = next((d for _, d in ins if d is not None), None)
        dtype = dtype if dtype is not None and dtype.kind == "f" else None
        if shapes is not None:
            _merge(known, out_ids, tuple(np.broadcast_shapes(*shapes)), dtype)
        elif not op.broadcasts or len(ins) == len(in_ids):
            # no shapes kept: every input had the output's shape
            _merge(known, out_ids, next((s for s, _ in ins if s is not None), None), dtype)


# Broadcasting ops built without elementwise()'s partials that are elementwise all the same.
_ELEMENTWISE_NAMES = frozenset({"AddV2", "Sub", "SelectV2", "SquaredDifference", "Polygamma"})


def _elementwise(op: Any) -> bool:
    """Whether the output has the (broadcast) shape of the inputs: ops declared
    by ``elementwise()`` (their VJP callers are its fused ones) and a few more."""
    if op.name in _ELEMENTWISE_NAMES:
        return True
    rules = getattr(op, "vjp_rules", None) or ()
    return any(getattr(r, "__qualname__", "").startswith("_fused.") for r in rules)


def _spec_text(spec: Any, cache: dict) -> str:
    """``float32[2,3]`` (``?`` for what is not known); ``cache`` saves the
    formatting of repeated specs (dtype.name alone costs ~3 us)."""
    text = cache.get(spec)
    if text is None:
        if spec is None:
            return "?"
        shape, dtype = spec
        dims = "?" if shape is None else ",".join(str(d) for d in shape)
        text = cache[spec] = f"{'?' if dtype is None else dtype.name}[{dims}]"
    return text


def _out_list(op: Any, out_ids: Any) -> tuple:
    return out_ids if op.n_out else (out_ids,)


# -- summary --------------------------------------------------------------------------------
def summary(tape: Any, targets: Any = None, sources: Any = None,
            as_dict: bool = False) -> Any:
    """What the tape holds, as text (or a dict with ``as_dict=True``).

    The dict has ``records``, ``persistent``, ``recording``, ``released``
    (a used non-persistent tape), ``watched`` (ids), ``variables`` (names),
    ``residual_bytes``, ``ops`` (op name -> ``count``, ``outputs``: spec ->
    count, ``residual_bytes``) and, given ``targets`` and ``sources``,
    ``reach``: one ``{"source", "targets"}`` entry per source.

    >>> import tapeflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.reduce_sum(x * x)
    >>> print(tape.summary(y, x))  # doctest: +NORMALIZE_WHITESPACE
    GradientTape (recording stopped): 2 records, 1 watched tensors, 0 watched variables;
    residuals hold 8 B
      op     count  residual bytes  outputs
      Mul        1             8 B  float32[2] x1
      Sum        1             0 B  ? x1
    reach (source -> targets):
      source 0 -> target 0
    """
    info = _summary_dict(tape, targets, sources)
    return info if as_dict else _summary_text(info)


def _summary_dict(tape: Any, targets: Any, sources: Any) -> dict:
    rec = _recording(tape)
    records = [] if rec is None else rec.records
    known = _specs(rec)
    texts: dict = {}
    per_record = _bytes_per_record(records)
    ops: dict[str, dict] = {}
    produced: set[int] = set()
    for (op, _in, out_ids, *_), nbytes in zip(records, per_record):
        entry = ops.get(op.name)
        if entry is None:
            entry = ops[op.name] = {"count": 0, "outputs": Counter(), "residual_bytes": 0}
        entry["count"] += 1
        entry["residual_bytes"] += nbytes
        for o in _out_list(op, out_ids):
            if o:
                produced.add(o)
                entry["outputs"][_spec_text(known.get(o), texts)] += 1
    for entry in ops.values():
        entry["outputs"] = dict(entry["outputs"])
    info = {
        "records": len(records),
        "persistent": tape._persistent,
        "recording": tape._recording,
        "released": rec is not None and rec is tape._spent and tape._tape is None,
        # watched tensors the tape did not compute itself (its own results are watched too)
        "watched": 0 if rec is None else len(rec.watched - produced - rec.variables.keys()),
        "variables": [] if rec is None else [v.name for v in rec.variables.values()],
        "residual_bytes": sum(per_record),
        "ops": ops,
    }
    if targets is not None and sources is not None:
        info["reach"] = _reach(records, rec, nest.flatten(targets), nest.flatten(sources))
    return info


def _label(x: Any, kind: str, i: int) -> str:
    return x.name if isinstance(x, Variable) else f"{kind} {i}"


def _reach(records: list, rec: Any, targets: list, sources: list) -> list[dict]:
    """Which sources reach which targets: one forward sweep carrying bit sets."""
    masks: dict[int, int] = {}
    watched = set() if rec is None else rec.watched
    for b, s in enumerate(sources):
        i = getattr(s, "_id", 0)
        if i and i in watched:
            masks[i] = masks.get(i, 0) | (1 << b)
    for op, in_ids, out_ids, *_ in records:
        m = 0
        for i in in_ids:
            m |= masks.get(i, 0)
        if m:
            for o in _out_list(op, out_ids):
                if o:
                    masks[o] = masks.get(o, 0) | m
    reach = []
    for b, s in enumerate(sources):
        hit = [_label(t, "target", j) for j, t in enumerate(targets)
               if t is s or masks.get(getattr(t, "_id", 0), 0) >> b & 1]
        reach.append({"source": _label(s, "source", b), "targets": hit})
    return reach


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""  # unreachable


def _summary_text(info: dict) -> str:
    state = "recording" if info["recording"] else "recording stopped"
    if info["released"]:
        state = "released: its one gradient call let go of its records"
    kind = "persistent GradientTape" if info["persistent"] else "GradientTape"
    lines = [f"{kind} ({state}): {info['records']} records, {info['watched']} watched "
             f"tensors, {len(info['variables'])} watched variables; residuals hold "
             f"{_size(info['residual_bytes'])}"]
    if info["ops"]:
        width = max(2, *(len(name) for name in info["ops"]))
        counts = max(5, *(len(str(e["count"])) for e in info["ops"].values()))
        lines.append(f"  {'op':<{width}}  {'count':>{counts}}  residual bytes  outputs")
        for name, e in info["ops"].items():
            outs = ", ".join(f"{spec} x{n}" for spec, n in e["outputs"].items())
            lines.append(f"  {name:<{width}}  {e['count']:>{counts}}  "
                         f"{_size(e['residual_bytes']):>14}  {outs}")
    if "reach" in info:
        lines.append("reach (source -> targets):")
        for r in info["reach"]:
            lines.append(f"  {r['source']} -> {', '.join(r['targets']) or 'none'}")
    return "\n".join(lines)


# -- DOT -------------------------------------------------------------------------------------
def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(tape: Any, name: str = "tape") -> str:
    """Graphviz DOT text of the recorded graph.

    One box per record (``op<k>``, labelled with the op type), one ellipse
    per watched tensor or Variable the records read (``t<id>``) and one
    dashed ellipse per result no record consumes; edges are tensors,
    labelled with dtype and shape (``<input index>: `` when the op has several
    inputs).  Inputs nobody watched (constants) are left out.

    >>> import tapeflow as tf
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.sin(x) * x
    >>> print(tape.to_dot())  # doctest: +ELLIPSIS
    digraph "tape" {
    ...
      op0 [shape=box, label="Sin"];
    ...
      op0 -> op1 [label="0: float32[]"];
    ...
    """
    rec = _recording(tape)
    records = [] if rec is None else rec.records
    known = _specs(rec)
    texts: dict = {}
    quoted: dict = {}
    variables = {} if rec is None else rec.variables
    producer: dict[int, str] = {}
    consumed: set[int] = set()
    nodes = [f"digraph {_quote(name)} {{", "  rankdir=TB;",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    edges = []
    for k, (op, in_ids, out_ids, *_) in enumerate(records):
        node = f"op{k}"
        label = quoted.get(op.name) or quoted.setdefault(op.name, _quote(op.name))
        nodes.append(f"  {node} [shape=box, label={label}];")
        several = len(in_ids) > 1
        for slot, i in enumerate(in_ids):
            if not i:
                continue
            consumed.add(i)
            spec = _spec_text(known.get(i), texts)
            src = producer.get(i)
            if src is None:  # a watched tensor or Variable read here first
                src = producer[i] = f"t{i}"
                what = variables[i].name if i in variables else f"watched {spec}"
                nodes.append(f"  {src} [shape=ellipse, label={_quote(what)}];")
            edges.append(f'  {src} -> {node} [label="{slot}: {spec}"];' if several
                         else f'  {src} -> {node} [label="{spec}"];')
        for o in _out_list(op, out_ids):
            if o:
                producer[o] = node
    for k, (op, _in, out_ids, *_) in enumerate(records):
        for slot, o in enumerate(_out_list(op, out_ids)):
            if o and o not in consumed and producer.get(o) == f"op{k}":
                spec = _spec_text(known.get(o), texts)
                nodes.append(f'  t{o} [shape=ellipse, style=dashed, label="{spec}"];')
                edges.append(f'  op{k} -> t{o} [label="out {slot}"];' if op.n_out
                             else f"  op{k} -> t{o};")
    return "\n".join(nodes + edges + ["}"]) + "\n"


def render_dot(dot: str, path: Any) -> str:
    """Render DOT text to ``path`` (format from its suffix: .svg, .png, .pdf ...).

    Needs the optional ``graphviz`` Python package *and* Graphviz's ``dot``
    program; without either it raises ImportError saying what to install.
    Returns the path written.
    """
    try:
        import graphviz
    except ImportError:
        graphviz = None
    if graphviz is None or shutil.which("dot") is None:
        missing = [what for what, ok in (("the `graphviz` Python package (pip install "
                                          "graphviz)", graphviz is not None),
                                         ("Graphviz's `dot` program (e.g. apt-get install "
                                          "graphviz)", shutil.which("dot") is not None))
                   if not ok]
        raise ImportError(f"render_dot needs {' and '.join(missing)}; tape.to_dot() text "
                          f"needs neither (paste it into any Graphviz viewer)")
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "svg"
    data = graphviz.Source(dot).pipe(format=fmt)
    with open(path, "wb") as f:
        f.write(data)
    return path


# -- the held-bytes warning for persistent tapes ---------------------------------------------
class _HeldRecords(list):
    """A persistent recording's record list: tallies new residual bytes every
    CHECK_EVERY appends (one length test per append in between)."""

    __slots__ = ("next_check", "scanned", "seen", "held", "warned")

    def append(self, rec: Any) -> None:
        list.append(self, rec)
        if len(self) >= self.next_check:
            _tally(self)


def _watch(recording: Any) -> None:
    """``tape.memory_watch``: called when a persistent tape starts or resumes recording."""
    if type(recording.records) is list:
        held = _HeldRecords(recording.records)
        held.next_check, held.scanned, held.seen, held.held, held.warned = 0, 0, set(), 0, False
        recording.records = held
        _tally(held)


def _tally(held: _HeldRecords) -> None:
    for rec in held[held.scanned:]:
        for a in _arrays(rec[3]):
            a = _owner(a)
            if id(a) not in held.seen:
                held.seen.add(id(a))
                held.held += a.nbytes
    held.scanned = len(held)
    held.next_check = len(held) + CHECK_EVERY
    if _limit is not None and held.held > _limit and not held.warned:
        held.warned = True
        warnings.warn(
            f"This persistent GradientTape holds {_size(held.held)} of saved values (over "
            f"the {_size(_limit)} of tapeflow.set_tape_memory_warning); they stay alive "
            f"until the tape is deleted. Use a non-persistent tape, `del tape` when done, "
            f"or raise the limit.", TapeMemoryWarning, stacklevel=user_stacklevel())


def set_tape_memory_warning(limit_bytes: int | None = _DEFAULT_LIMIT) -> None:
    """Warn (once per tape) when a persistent tape holds more than ``limit_bytes``
    of residuals; None turns the check off.  Default: 1 GiB.

    >>> import tapeflow as tf
    >>> tf.set_tape_memory_warning(512 * 2**20)   # warn past 512 MiB
    >>> tf.set_tape_memory_warning()              # back to the default, 1 GiB
    """
    global _limit
    if limit_bytes is not None and (not isinstance(limit_bytes, (int, np.integer))
                                    or limit_bytes < 0):
        raise ValueError(f"limit_bytes must be a non-negative int or None, got {limit_bytes!r}")
    _limit = None if limit_bytes is None else int(limit_bytes)
    tape_mod.memory_watch = None if _limit is None else _watch


set_tape_memory_warning(_DEFAULT_LIMIT)
