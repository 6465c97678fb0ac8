"""How ops are declared: one fact per op, and helpers that build both rules.

* ``elementwise(name, fwd, d=...)``: give each input's partial derivative;
  VJP ``g * conj(d)`` and JVP ``sum(dx * d)`` are built from it.
* ``linear(name, fwd, transpose=...)``: give each input's transpose; the JVP
  is the op itself applied to the tangents.
* ``defop(name, ...)`` on a small class with ``fwd``, ``vjp`` (or one
  ``vjp_<input>`` per input) and ``jvp``: everything else.
* ``nondiff(name, fwd)``: ops with no gradient (comparisons, floor division).

Every declaration names its table-test samples as ``samples=lambda: [...]`` (or a
function of the module returning them): they are drawn when the table test first
asks (core/opdef.py ``Samples``), not by ``import tapeflow``, where drawing them
all cost ~5 ms.  A plain list works too (module-level lists shared by several ops).

Rules are written with tapeflow ops, so nested tapes differentiate them.
Rule parameters are input names, ``out``, ``<input>_shape`` and
``<input>_dtype``; the tape keeps exactly those (residuals).  Static
parameters are keyword-only.  ``fwd`` is a NumPy function name (a ufunc
name: NEP 13/18 let NumPy's functions dispatch to CuPy and Dask arrays), a
function of the ``operator`` module (arrays of every backend implement the
operators), or ``fwd(xp, *inputs, **params)``.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tapeflow.core.opdef import (
    COMPOSITES,
    Composite,
    OpDef,
    Sample,
    SampleSource,
    declare,
    parameters,
)
from tapeflow.core.tensor import Tensor

__all__ = ["elementwise", "linear", "defop", "nondiff", "composite", "no_gradient", "FLOAT",
           "NUMERIC", "REAL", "INTEGER", "ANY", "BOOL", "Sample"]

FLOAT = ("float16", "float32", "float64", "complex64", "complex128")
REAL_FLOAT = ("float16", "float32", "float64")
INTEGER = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
REAL = REAL_FLOAT + INTEGER
NUMERIC = FLOAT + INTEGER
BOOL = ("bool",)
ANY = None


def _forward(fwd: str | Callable) -> tuple[Callable, list[str] | None]:
    """The forward callable and, for Python functions, its input names."""
    if isinstance(fwd, str):
        return getattr(np, fwd), None
    if isinstance(fwd, types.BuiltinFunctionType):
        # operator.mul and kin: the arrays' own operators.  On NumPy scalars (a
        # whole reduction's result, a loss) that is NumPy's scalar math, 0.06 us,
        # where a binary ufunc call costs 0.59 us; on arrays the same ufunc.
        return fwd, None
    names = [name for name, kind in parameters(fwd)[1:] if kind == "p"]
    return functools.partial(fwd, np), names


def no_gradient(op_name: str) -> Callable:
    """A rule for an op TF registers no gradient for, raising TF's LookupError when a
    gradient through it is asked for (an op declared ``nondiff`` gives None instead)."""
    def rule(*args: Any, **params: Any) -> None:
        raise LookupError(f"gradient registry has no entry for: {op_name}")
    return rule


def _names(n: int) -> list[str]:
    return ["x", "y", "z"][:n] if n <= 3 else [f"x{i}" for i in range(n)]


def _nparams(fn: Callable) -> int:
    return len(parameters(fn))


def elementwise(name: str, fwd: str | Callable, d: Any, *, samples: SampleSource,
                dtypes: Any = FLOAT, inputs: Sequence[str] | None = None,
                reference: Callable | None = None, zero_cotangent: bool = False) -> Callable:
    """Declare an elementwise op from its partial derivatives (see module doc).

    ``zero_cotangent``: a zero cotangent gives a zero gradient even where the
    partial is infinite (TF's SqrtGrad, RsqrtGrad, ReciprocalGrad), so the
    branch ``where`` did not take contributes 0, not 0 * inf = NaN.
    """
    partials = d if isinstance(d, tuple) else (d,)
    fn, names = _forward(fwd)
    names = list(inputs or names or _names(len(partials)))
    op = OpDef(name, names, fn, samples=samples, allowed=dtypes,
               broadcasts=len(names) > 1, reference=reference)

    def vjp_rule(partial: Callable) -> Callable:
        def rule(g, *res):
            return arith.multiply(g, _conj(partial(*res)))
        rule.__signature__ = _with_g(partial)
        return rule

    rules = [None if p is None else vjp_rule(p) for p in partials]
    op.set_rules(vjp_rules=rules)
    res_names = list(op.residual_names)
    idx = [None if p is None else [res_names.index(a) for a, _ in parameters(p)]
           for p in partials]
    # The backward walk calls these once per recorded op: one frame for the
    # partial, one multiply (instead of the generic caller + rule + partial).
    callers = tuple(None if p is None else _fused(p, ix, len(res_names), zero_cotangent)
                    for p, ix in zip(partials, idx))

    def jvp(*args):
        tangents, res, out = args[:len(names)], args[len(names):-1], args[-1]
        total = None
        for t, p, ix in zip(tangents, partials, idx):
            if t is None or p is None:
                continue
            term = arith.multiply(t, p(*[res[i] for i in ix]))
            total = term if total is None else arith.add(total, term)
        if total is not None and total._value.shape != out._value.shape:
            # A tangent of a broadcast input covers the whole output.
            total = shape_ops.broadcast_to(total, out._value.shape)
        return total

    op.set_rules(vjp_rules=rules, jvp=jvp, jvp_names=[*res_names, "out"])
    op.jvp_direct = _direct_jvp(op, partials)
    op.vjp_rules = callers
    op.batchable = True  # g * partial broadcasts over a leading batch axis
    declare(op)
    return _public(op)


def passthrough(g: Any) -> Any:
    """The transpose of an op whose value is its input's (Identity, ReadVariableOp): the
    cotangent itself.  An op declared with it is passed through by the backward walk
    without a rule call (a Variable's every use is a read record).

    >>> from tapeflow.ops.declare import passthrough
    >>> passthrough(3.0)
    3.0
    """
    return g


def linear(name: str, fwd: str | Callable, transpose: Any, *, samples: SampleSource,
           dtypes: Any = None, inputs: Sequence[str] | None = None, broadcasts: bool = False,
           params: bool = False, reference: Callable | None = None, n_out: int = 0,
           same_dtype: bool = True, batchable: bool = False) -> Callable:
    """Declare an op linear in its differentiable inputs, from their transposes.

    ``transpose`` is one function per input (None: a non-differentiable
    input, such as a condition or indices, passed to the JVP as its primal).
    """
    transposes = transpose if isinstance(transpose, tuple) else (transpose,)
    fn, names = _forward(fwd)
    names = list(inputs or names or _names(len(transposes)))
    nondiff = [i for i, t in enumerate(transposes) if t is None]
    op = OpDef(name, names, fn, samples=samples, allowed=dtypes, broadcasts=broadcasts,
               has_params=params, reference=reference, n_out=n_out, same_dtype=same_dtype,
               nondiff_inputs=nondiff)

    def jvp(*args, **kw):
        # The op applied to the tangents; primals stand in for non-differentiable
        # inputs, zeros for differentiable inputs without a tangent.
        tangents, primals = list(args[:len(names)]), args[len(names):]
        if all(tangents[i] is None for i in range(len(names)) if i not in nondiff):
            return None
        dtype = next(t._value.dtype for t in tangents if t is not None)
        for i, t in enumerate(tangents):
            if i in nondiff:
                tangents[i] = primals[i]
            elif t is None:  # zeros in the tangents' dtype (a primal may be a Python 1)
                tangents[i] = arith.zeros_like(primals[i], dtype=dtype)
        return op.run(*tangents, **kw)

    op.set_rules(vjp_rules=transposes, jvp=jvp, jvp_names=names)
    op.batchable = batchable
    op.passes_through = transposes == (passthrough,) and not broadcasts
    declare(op)
    return _public(op)


def defop(name: str, *, samples: SampleSource, dtypes: Any = FLOAT,
          same_dtype: bool = True, broadcasts: bool = False, core_ndim: int = 0,
          n_out: int = 0, params: bool = True, reference: Callable | None = None,
          variadic: bool = False, batchable: bool = False) -> Callable:
    """Class decorator: ``fwd(xp, ...)``, ``vjp``/``vjp_<input>``, ``jvp``."""
    def wrap(cls: type) -> Callable:
        fn, names = _forward(cls.fwd)
        per_input = [getattr(cls, f"vjp_{n}", None) for n in names]
        vjp_all = getattr(cls, "vjp", None)
        nondiff = [i for i, r in enumerate(per_input) if r is None] if vjp_all is None else []
        op = OpDef(name, names, fn, samples=samples, allowed=dtypes, same_dtype=same_dtype,
                   broadcasts=broadcasts, core_ndim=core_ndim, n_out=n_out, has_params=params,
                   reference=reference, nondiff_inputs=nondiff, variadic=variadic)
        op.set_rules(vjp_rules=None if vjp_all else per_input, vjp_all=vjp_all,
                     jvp=getattr(cls, "jvp", None))
        op.batchable = batchable
        declare(op)
        return _public(op)
    return wrap


def nondiff(name: str, fwd: str | Callable, *, samples: SampleSource, dtypes: Any = ANY,
            inputs: Sequence[str] | None = None, n_in: int = 2, params: bool = False,
            same_dtype: bool = True, reference: Callable | None = None,
            n_out: int = 0) -> Callable:
    """Declare an op with no gradient (its outputs never join a tape)."""
    fn, names = _forward(fwd)
    names = list(inputs or names or _names(n_in))
    op = OpDef(name, names, fn, samples=samples, allowed=dtypes, same_dtype=same_dtype,
               has_params=params, differentiable=False, reference=reference, n_out=n_out)
    declare(op)
    return _public(op)


def composite(*, samples: SampleSource, reference: Callable | None = None,
              smooth: bool = True, name: str | None = None) -> Callable:
    """Decorator for a public function built from other ops (no rules of its own).

    It is registered with its samples so the table test checks its value
    against ``reference`` and its derivatives, through the tape and the
    accumulator, against central differences (second order when ``smooth``).

    >>> from tapeflow.ops.declare import composite, Sample
    >>> import numpy as np
    >>> @composite(samples=[Sample(np.array([1.0, 2.0]))], reference=lambda x: 2 * x)
    ... def double(x):
    ...     return x + x
    >>> float(double(np.array([1.0]))[0])
    2.0
    """
    def register(fn: Callable) -> Callable:
        COMPOSITES.append(Composite(name or fn.__name__, fn, samples, reference, smooth))
        return fn
    return register


def _direct_jvp(op: OpDef, partials: tuple) -> Callable:
    """Forward mode's elementwise JVP, ``sum(t_i * partial_i)``, reading the
    inputs and output directly (no residual getters: ~1 µs less per op, which
    an accumulator pays for every op it sees)."""
    getters = [None if p is None else tuple(op._getter(a) for a, _ in parameters(p))
               for p in partials]
    pairs = tuple((k, p, g) for k, (p, g) in enumerate(zip(partials, getters)) if p is not None)

    def jvp(tangents, inputs, out):
        total = None
        for k, partial, get in pairs:
            t = tangents[k]
            if t is None:
                continue
            term = arith.multiply(t, partial(*[g(inputs, out) for g in get]))
            total = term if total is None else arith.add(total, term)
        return total  # the accumulator broadcasts a broadcast input's tangent to out
    return jvp


def _public(op: OpDef) -> Callable:
    run = op.run
    run.op = op  # type: ignore[attr-defined]
    run.__name__ = op.name
    return run


def _with_g(fn: Callable) -> inspect.Signature:
    """``fn``'s signature with a cotangent ``g`` in front (plain parameters: partials)."""
    plain = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(name, plain)
                              for name in ("g", *(n for n, _ in parameters(fn)))])


def _fused(partial: Callable, idx: list, n_res: int, zero_cotangent: bool = False) -> Callable:
    """VJP caller of one elementwise input: ``g * conj(partial(residuals))``."""
    whole = idx == list(range(n_res))

    def caller(g, res, params):
        return arith.multiply(g, _conj(partial(*res) if whole else partial(*[res[i] for i in idx])))

    def masked(g, res, params):
        from tapeflow.ops.special import multiply_no_nan  # declared after this module
        p = _conj(partial(*res) if whole else partial(*[res[i] for i in idx]))
        return multiply_no_nan(p, g)  # 0 where g is 0, whatever p is
    return masked if zero_cotangent else caller


def _conj(p: Any) -> Any:
    """conj(p) for complex tensors and Python complex numbers; p itself otherwise."""
    if type(p) is Tensor:
        return arith.conj(p) if p._value.dtype.kind == "c" else p
    return p.conjugate() if type(p) is complex else p


from tapeflow.ops import arith, shape_ops  # noqa: E402  (rules call ops declared with these)
