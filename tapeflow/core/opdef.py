"""The op record: one OpDef per op, holding everything every machine needs.

An OpDef is built once, at import, from a declaration in ``tapeflow/ops``
(see ``tapeflow.ops.declare``).  It holds the forward function, the VJP and
JVP rules, which values the rules read (residuals, taken from the rules'
parameter names), the dtype rules, the sample inputs of the table test, and
the runner that is the op's public function.  ``REGISTRY`` lists every
OpDef; the table test walks it, so an op cannot be declared untested.
"""

from __future__ import annotations

import inspect
import operator
import sys
from collections.abc import Callable, Sequence
from inspect import CO_VARARGS, CO_VARKEYWORDS
from types import FunctionType
from typing import Any

import numpy as np

from tapeflow.core import dispatch
from tapeflow.core.tensor import Tensor

__all__ = ["COMPOSITES", "Composite", "OpDef", "Sample", "REGISTRY", "declare", "make_caller"]

REGISTRY: list[OpDef] = []
# Public functions built from other ops (no rules of their own), with samples:
# the table test checks their values and, through the tape and the
# accumulator, their derivatives.
COMPOSITES: list[Composite] = []


# Sample lists still to draw, per declaring module, in declaration order (see Samples).
_PENDING: dict[str, list[Samples]] = {}
# The module whose deferred samples are being drawn: ops/samples.py draws from its
# stream, whichever module's function does the drawing.
drawing_for: str | None = None
# Modules that declare ops on another module's behalf (not "the declaring module").
_DECLARERS = frozenset(("tapeflow.core.opdef", "tapeflow.ops.declare"))


class Samples:
    """A declaration's table-test samples, drawn when first asked for.

    ``samples`` is a list, or a function of no arguments returning one (a
    declaration's ``samples=lambda: ...``): drawing every op's samples at import
    cost ~5 ms of ``import tapeflow`` (27 against 32.6 ms) for a test only the test
    suite runs.  Deferred ones are drawn module by module, all of a declaring
    module's in the order they were declared and from that module's stream of
    pseudo-random values (ops/samples.py), so each op gets the same samples
    whatever order the tests ask in and whichever module's helper draws them.
    """

    __slots__ = ("_samples", "_module")

    def __init__(self, samples: SampleSource) -> None:
        if callable(samples):
            self._samples: Any = samples
            frame = sys._getframe(1)
            while frame.f_globals.get("__name__") in _DECLARERS:
                frame = frame.f_back
            self._module = frame.f_globals.get("__name__", "")
            _PENDING.setdefault(self._module, []).append(self)
        else:
            self._samples = list(samples)

    @property
    def samples(self) -> list[Sample]:
        if callable(self._samples):
            global drawing_for
            previous, drawing_for = drawing_for, self._module
            try:
                for holder in _PENDING.pop(self._module, []):
                    if callable(holder._samples):  # drawn in declaration order, once
                        holder._samples = list(holder._samples())
            finally:
                drawing_for = previous
        return self._samples


class Composite(Samples):
    """A composite function and its table-test samples (see ``ops.declare.composite``)."""

    __slots__ = ("name", "fn", "reference", "smooth")

    def __init__(self, name: str, fn: Callable, samples: SampleSource,
                 reference: Callable | None, smooth: bool) -> None:
        super().__init__(samples)
        self.name = name
        self.fn = fn
        self.reference = reference
        self.smooth = smooth

    def __repr__(self) -> str:
        return f"<Composite {self.name}>"


class Sample:
    """One input of the table test: arguments, static parameters, expectations.

    ``args`` are NumPy arrays or Python values (float64 for gradient checks);
    ``raises`` makes it an error sample; ``grad=False`` skips the derivative
    checks (e.g. a point exactly at a kink, checked by its own test).
    """

    __slots__ = ("args", "params", "raises", "grad", "ref")

    def __init__(self, *args: Any, params: dict | None = None, raises: type | None = None,
                 grad: bool = True, ref: Callable | None = None) -> None:
        self.args = args
        self.params = params or {}
        self.raises = raises
        self.grad = grad
        self.ref = ref

    def __repr__(self) -> str:
        shapes = [np.shape(a) for a in self.args]
        return f"Sample(shapes={shapes}, params={self.params})"


# A declaration's samples: a list, or a function of no arguments making one (drawn late).
SampleSource = Sequence[Sample] | Callable[[], Sequence[Sample]]


def make_caller(fn: Callable, idx: tuple, n_res: int, kw: bool) -> Callable:
    """A rule as ``caller(first, residuals, params)``.

    ``first`` is the cotangent (VJP); ``idx`` picks the rule's residuals from
    the record's residual tuple, in the order of the rule's parameters.  The
    common shapes (all residuals in order, no static parameters) get their own
    closure: the backward walk calls these once per recorded op.
    """
    whole = idx == tuple(range(n_res))
    if whole and not kw:
        return lambda first, res, params: fn(first, *res)
    if whole:
        return lambda first, res, params: fn(first, *res, **(params or {}))
    if not kw:
        return lambda first, res, params: fn(first, *[res[i] for i in idx])
    return lambda first, res, params: fn(first, *[res[i] for i in idx], **(params or {}))


_KINDS = {inspect.Parameter.POSITIONAL_ONLY: "po", inspect.Parameter.POSITIONAL_OR_KEYWORD: "p",
          inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.KEYWORD_ONLY: "k",
          inspect.Parameter.VAR_KEYWORD: "**"}


def parameters(fn: Callable) -> list[tuple[str, str]]:
    """``fn``'s parameters in order as (name, kind): "po", "p", "*", "k" or "**".

    A plain function's code object says it all: inspect.signature costs ~15 us,
    and import reads some 900 rules and forward functions.  Other callables, and
    functions with a ``__signature__`` (elementwise rules) or ``__wrapped__``
    (decorated), go through inspect.
    """
    code = getattr(fn, "__code__", None)
    sig = getattr(fn, "__signature__", None)
    if type(sig) is inspect.Signature:  # set by hand (elementwise rules): read as it is
        return [(p.name, _KINDS[p.kind]) for p in sig.parameters.values()]
    if code is None or type(fn) is not FunctionType or sig is not None \
            or hasattr(fn, "__wrapped__"):
        return [(p.name, _KINDS[p.kind]) for p in inspect.signature(fn).parameters.values()]
    names, n, posonly = code.co_varnames, code.co_argcount, code.co_posonlyargcount
    out = [(names[i], "po" if i < posonly else "p") for i in range(n)]
    star = code.co_flags & CO_VARARGS
    kwonly = code.co_kwonlyargcount
    if star:
        out.append((names[n + kwonly], "*"))
    out += [(names[n + i], "k") for i in range(kwonly)]
    if code.co_flags & CO_VARKEYWORDS:
        out.append((names[n + kwonly + bool(star)], "**"))
    return out


def rule_params(fn: Callable, skip: int) -> tuple[list[str], bool]:
    """The residual names a rule reads (positional parameters after ``skip``)."""
    names, kw = [], False
    for name, kind in parameters(fn)[skip:]:
        if kind in ("k", "**"):
            kw = True
        elif kind == "*":
            raise TypeError(f"rule {fn.__qualname__} may not take *args")
        else:
            names.append(name)
    return names, kw


class OpDef(Samples):
    """Everything known about one op (see the module docstring)."""

    def __init__(self, name: str, input_names: Sequence[str], fwd: Callable, *,
                 samples: SampleSource, allowed: Any = None, same_dtype: bool = True,
                 n_checked: int | None = None, broadcasts: bool = False, core_ndim: int = 0,
                 n_out: int = 0, has_params: bool = False, shape: Callable | None = None,
                 differentiable: bool = True, reference: Callable | None = None,
                 nondiff_inputs: Sequence[int] = (), variadic: bool = False) -> None:
        self.name = name
        self.input_names = tuple(input_names)
        self.n_in = len(self.input_names)
        self.fwd = fwd
        Samples.__init__(self, samples)
        self.allowed = None if allowed is None else frozenset(np.dtype(d) for d in allowed)
        self.same_dtype = same_dtype
        self.n_checked = self.n_in if n_checked is None else n_checked
        self.broadcasts = broadcasts
        # Trailing axes that never broadcast (2 for matrix ops: only batch axes do).
        self.core_ndim = core_ndim
        self.n_out = n_out
        self.has_params = has_params
        self.shape = shape
        self.differentiable = differentiable
        self.reference = reference
        self.nondiff_inputs = frozenset(nondiff_inputs)
        # A variadic op (concat, stack) takes any number of inputs, all named
        # by its one input name: rules read ``values`` / ``values_shape`` as tuples.
        self.variadic = variadic
        # TF's add converts a non-tensor second operand with a dtype hint only.
        self.hint_second = False
        # Whether the VJP rules accept a cotangent with an extra leading (batch)
        # axis unchanged; Jacobians then push all rows through in one call.
        self.batchable = False
        # Whether the VJP is the cotangent itself (Identity, ReadVariableOp: declared with
        # declare.passthrough): the backward walk passes it on without calling a rule.
        self.passes_through = False
        # Differentiable, one output, every input differentiable: record's fast path
        # (set by declare(), once the rest is final).
        self.records_simply = False
        # Filled by set_rules().
        self.residual_names: tuple[str, ...] = ()
        self.saves_inputs = False
        self.vjp_rules: tuple = ()
        self.vjp_all: Any = None
        self.jvp_rule: Any = None
        self.vjp_post: Any = None
        self.jvp_fn: Any = None
        # Optional ``f(tangents, inputs, out)`` used by forward mode instead of
        # jvp_fn's residual getters (elementwise ops set it; see ops/declare.py).
        self.jvp_direct: Any = None
        self.run: Callable = None  # type: ignore[assignment]

    # -- residuals --------------------------------------------------------
    def _getter(self, name: str) -> Callable:
        if name == "out":
            return lambda inputs, out: out
        if self.variadic:
            base = self.input_names[0]
            if name == base:
                return lambda inputs, out: tuple(inputs)
            if name == base + "_shape":
                return lambda inputs, out: tuple(np.shape(_arr(x)) for x in inputs)
        for i, n in enumerate(self.input_names):
            if name == n:
                return lambda inputs, out, i=i: inputs[i]
            if name == n + "_shape":
                return lambda inputs, out, i=i: _shape(inputs[i])
            if name == n + "_dtype":
                return lambda inputs, out, i=i: _arr(inputs[i]).dtype
        raise TypeError(f"{self.name}: a rule reads {name!r}, which is not an input name, "
                        f"'out', '<input>_shape' or '<input>_dtype' "
                        f"(inputs: {', '.join(self.input_names)})")

    def set_rules(self, vjp_rules: Sequence[tuple | None] | None = None,
                  vjp_all: Callable | None = None, jvp: Callable | None = None,
                  jvp_names: Sequence[str] | None = None) -> None:
        """Attach rules; residuals are the union of the names the rules read.

        ``vjp_rules``: one ``(fn, post)`` per input (None: no gradient), where
        ``fn(g, *residuals, **params)`` gives that input's cotangent.
        ``vjp_all``: one function giving every input's cotangent at once.
        ``jvp``: ``fn(*tangents, *residuals, **params)`` gives the output tangent;
        its residual names are its parameters after the tangents, or ``jvp_names``.
        A tangent is None where the input has none (helpers skip those terms).
        """
        names: list[str] = []
        for fn in [f for f in (vjp_rules or ()) if f is not None] + [vjp_all]:
            if fn is not None:
                names += [p for p in rule_params(fn, 1)[0] if p not in names]
        self.residual_names = tuple(names)
        getters = [self._getter(n) for n in names]
        # The tape keeps the inputs tuple itself when the rules read exactly the inputs.
        self.saves_inputs = names == list(self.input_names) and not self.variadic
        # save() runs for every recorded op: the common shapes get their own
        # closures (a generator over the getters cost ~1 us of a 2.5 us record).
        picks = [self.input_names.index(n) for n in names if n in self.input_names]
        if self.saves_inputs:
            self.save = lambda inputs, out: inputs
        elif names == ["out"]:
            self.save = lambda inputs, out: (out,)
        elif not self.variadic and len(picks) == len(names) > 1:
            pick = operator.itemgetter(*picks)  # inputs, reordered: a tuple
            self.save = lambda inputs, out: pick(inputs)
        elif len(getters) == 1:
            only = getters[0]
            self.save = lambda inputs, out: (only(inputs, out),)
        else:
            self.save = lambda inputs, out: tuple([g(inputs, out) for g in getters])

        def make(fn: Callable) -> Callable:
            ps, kw = rule_params(fn, 1)
            return make_caller(fn, tuple(names.index(p) for p in ps), len(names), kw)

        if vjp_rules is not None:
            self.vjp_rules = tuple(None if f is None else make(f) for f in vjp_rules)
        if vjp_all is not None:
            self.vjp_all = make(vjp_all)
        if jvp is not None:
            if jvp_names is None:
                ps, kw = rule_params(jvp, self.n_in)
            else:
                ps = list(jvp_names)
                kw = any(kind == "**" for _, kind in parameters(jvp))
            self.jvp_fn = (jvp, [self._getter(p) for p in ps], kw)
        self.differentiable = bool(self.vjp_rules or self.vjp_all)

    # -- the two derivative entry points -----------------------------------
    def vjp(self, g: Any, res: tuple, params: dict | None, needs: Sequence[bool]) -> list:
        """Cotangents of the inputs flagged in ``needs`` (None elsewhere)."""
        if self.vjp_all is not None:
            grads = self.vjp_all(g, res, params)
            if self.n_in == 1 and not self.variadic:
                grads = (grads,)
            return [gr if need else None for gr, need in zip(grads, needs)]
        rules = self.vjp_rules
        return [rules[i](g, res, params) if need and rules[i] is not None else None
                for i, need in enumerate(needs)]

    def jvp(self, tangents: Sequence[Any], inputs: Sequence[Any], out: Any,
            params: dict | None) -> Any:
        """The output tangent, given one tangent per input (None: zero)."""
        if self.jvp_direct is not None:
            return self.jvp_direct(tangents, inputs, out)
        fn, getters, kw = self.jvp_fn
        args = [get(inputs, out) for get in getters]
        if self.variadic:
            tangents = (list(tangents),)
        if kw and params:
            return fn(*tangents, *args, **params)
        return fn(*tangents, *args)

    def __repr__(self) -> str:
        return f"<OpDef {self.name}({', '.join(self.input_names)})>"


def _shape(x: Any) -> tuple:
    """A residual ``<input>_shape``: the array's shape (np.shape for Python numbers)."""
    return x._value.shape if type(x) is Tensor else np.shape(_arr(x))


def _arr(x: Any) -> Any:
    return getattr(x, "_value", x)


def declare(op: OpDef) -> OpDef:
    """Register an OpDef and build its runner (the public function's engine)."""
    if op.n_out or op.variadic or op.n_in not in (1, 2):
        op.run = dispatch.generic_runner(op)
    elif op.has_params:
        op.run = dispatch.unary_params_runner(op) if op.n_in == 1 else \
            dispatch.binary_params_runner(op)
    elif op.n_in == 1:
        op.run = dispatch.unary_runner(op)
    else:
        op.run = dispatch.binary_runner(op)
    # What record() asks of every op first, in one attribute (the others are final now).
    op.records_simply = op.differentiable and not op.n_out and not op.nondiff_inputs
    REGISTRY.append(op)
    return op
