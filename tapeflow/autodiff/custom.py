"""``tf.custom_gradient`` and ``tf.recompute_grad`` (``stop_gradient`` is an op: ops/arith.py).

A custom-gradient call works as TF's eager one does:

1. the user's function runs with the tapes recording, so that the values its
   gradient function closes over (``e = tf.exp(x)`` in ``log1pexp``) stay
   connected to the inputs and a second tape can differentiate the gradient
   function; a watcher notes the trainable Variables it reads;
2. each output passes through ``identity``: a fresh Tensor, whatever the
   function returned (even an input), carrying its forward-mode tangent;
3. ONE record goes on each tape that watches an input (or a Variable read):
   inputs -> those fresh outputs, with the user's gradient function as its
   rule.  Being the outputs' latest record, it is the one the backward walk
   takes; the function's own records are only reached through values that
   escape it.

Forward mode sees the function's own ops (TF computes the same JVP).
``recompute_grad`` is a custom gradient whose forward pass runs with the
tapes paused and whose rule re-runs the function under a fresh tape: only the
inputs are kept, never the activations.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.autodiff import nest
from tapeflow.autodiff import tape as tape_mod
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import arith
from tapeflow.ops.arith import stop_gradient  # noqa: F401  (tf.stop_gradient lives with the ops)

__all__ = ["custom_gradient", "recompute_grad", "stop_gradient"]




class _VariableWatcher(tape_mod._Recording):
    """A recording that records nothing: it only collects the trainable Variables read.

    It sits on the tape stack while a custom-gradient function runs, so the
    tape's read hook reports reads to it; its ``watched`` set stays empty, so
    no op is ever recorded on it.
    """

    __slots__ = ()

    def watch_variable(self, v: Variable) -> None:
        self.variables[v._id] = v


class _CustomOp:
    """The one record a custom-gradient call leaves on a tape."""

    name = "CustomGradient"
    differentiable = True
    broadcasts = False
    batchable = False  # the user's rule sees one cotangent at a time (jacobian rows)
    saves_inputs = False
    nondiff_inputs: frozenset = frozenset()
    records_simply = False  # several outputs: record's general path
    passes_through = False
    vjp_rules = None

    def __init__(self, grad_fn: Callable, n_args: int, variables: list,
                 outs: list[Tensor]) -> None:
        self.grad_fn = grad_fn
        self.n_args = n_args
        self.variables = variables
        self.n_out = len(outs)
        # Shapes and dtypes only: zeros for an output no cotangent reached.
        self.out_specs = [(o._value.shape, o._value.dtype) for o in outs]

    def save(self, inputs: tuple, out: Any) -> tuple:
        return ()

    def vjp(self, g: tuple, res: tuple, params: Any, needs: list) -> list:
        upstream = [u if u is not None else wrap(np.zeros(shape, dtype))
                    for u, (shape, dtype) in zip(g, self.out_specs)]
        if self.variables:
            input_grads, variable_grads = self.grad_fn(*upstream, variables=self.variables)
            variable_grads = list(variable_grads)
            if len(variable_grads) != len(self.variables):
                raise ValueError("Must return gradient for each variable from "
                                 "@custom_gradient grad_fn.")
        else:
            input_grads, variable_grads = self.grad_fn(*upstream), []
        flat = nest.flatten(input_grads)
        if len(flat) != self.n_args:
            raise ValueError(f"custom_gradient function expected to return {self.n_args} "
                             f"gradients, but returned {len(flat)} instead.")
        return [None if gr is None else convert_to_tensor(gr) for gr in flat + variable_grads]


def _accepts_variables(grad_fn: Callable) -> bool:
    params = inspect.signature(grad_fn).parameters.values()
    return any(p.name == "variables" and p.kind is not p.VAR_POSITIONAL
               or p.kind is p.VAR_KEYWORD for p in params)


def _recorded_input(arg: Any) -> Any:
    if isinstance(arg, Tensor):
        return arg
    if isinstance(arg, Variable):
        return arg._read_for_op()  # recorded as a read, so the gradient reaches it
    return None  # not a tensor: no gradient


def _call_custom(f: Callable, args: tuple, kwargs: dict) -> Any:
    watcher = _VariableWatcher(True)
    tape_mod._push(watcher)
    try:
        result, grad_fn = f(*args, **kwargs)
    finally:
        tape_mod._pop(watcher)
    flat_args = nest.flatten(args)
    inputs_seen = flat_args + nest.flatten(kwargs)
    # As TF: the Variables read, minus those passed in as arguments.
    variables = [v for _, v in sorted(watcher.variables.items())
                 if not any(v is a for a in inputs_seen)]
    if variables and not _accepts_variables(grad_fn):
        raise TypeError("@tf.custom_gradient grad_fn must accept keyword argument "
                        f"'variables', since function uses variables: {variables}")
    outs = [arith.identity(o) for o in nest.flatten(result)]
    if tape_mod._local.stack and outs:
        inputs = [_recorded_input(a) for a in flat_args]
        inputs += [v._read_for_op() for v in variables]
        op = _CustomOp(grad_fn, len(flat_args), variables, outs)
        tape_mod.record(op, tuple(inputs), tuple(outs), None)
    return nest.pack_iter(result, iter(outs))


class _CustomGradient:
    """What ``@custom_gradient`` returns: calls ``f`` as above; binds like a method."""

    def __init__(self, f: Callable) -> None:
        self._f = f
        functools.update_wrapper(self, f)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return _CustomGradient(self._f.__get__(instance, owner))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call_custom(self._f, args, kwargs)


def custom_gradient(f: Callable | None = None) -> Any:
    """Decorator: ``f`` returns ``(y, grad_fn)``; tapes use ``grad_fn`` for f's gradient.

    ``grad_fn(*upstream)`` gets one cotangent per (flattened) output of ``f``
    (zeros for outputs the target does not use) and returns one gradient per
    (flattened) input (None: no gradient).  If ``f`` reads trainable Variables
    that are not among its inputs, ``grad_fn`` must accept ``variables=``
    (checked when ``f`` is called: TypeError) and return
    ``(input_grads, variable_grads)``, as in TF.

    >>> import tapeflow as tf
    >>> @tf.custom_gradient
    ... def clip_grad(x):
    ...     return tf.identity(x), lambda g: tf.clip_by_value(g, -1.0, 1.0)
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = clip_grad(x) * 10.0
    >>> float(t.gradient(y, x))
    1.0
    """
    if f is None:
        return custom_gradient
    return _CustomGradient(f)


@contextlib.contextmanager
def _tapes_paused() -> Iterator[None]:
    """No tape records (variable watchers still listen; accumulators still run)."""
    local = tape_mod._local
    stack = local.stack
    local.stack = [r for r in stack if isinstance(r, _VariableWatcher)]
    try:
        yield
    finally:
        local.stack = stack


def recompute_grad(f: Callable) -> Callable:
    """Wrap ``f`` so its activations are recomputed in the backward pass, not kept.

    Memory of a deep block falls to its inputs and outputs; the backward pass
    runs ``f`` once more.  Inputs the outputs do not depend on get zero
    gradients (TF's choice); tensors passed by keyword get none.

    >>> import tapeflow as tf
    >>> block = tf.recompute_grad(lambda x: tf.tanh(tf.tanh(x)))
    >>> x = tf.constant(0.5)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = block(x)
    >>> round(float(t.gradient(y, x)), 4)
    0.6398
    """
    @custom_gradient
    def inner(*args: Any, **kwargs: Any) -> Any:
        with _tapes_paused():
            result = f(*args, **kwargs)

        def grad(*upstream: Any, variables: Any = None) -> Any:
            flat = nest.flatten(args)
            fresh = [arith.identity(x) if _floating(x) else x for x in flat]
            watched = [x for x, a in zip(fresh, flat) if _floating(a)]
            sources = watched + list(variables or [])
            with tape_mod.GradientTape() as t:
                t.watch(sources)
                again = f(*nest.pack_iter(list(args), iter(fresh)), **kwargs)
            grads = t.gradient(nest.flatten(again), sources, output_gradients=list(upstream),
                               unconnected_gradients=tape_mod.UnconnectedGradients.ZERO)
            it = iter(grads[:len(watched)])
            return [next(it) if _floating(a) else None for a in flat], grads[len(watched):]

        return result, grad

    return functools.wraps(f)(lambda *args, **kwargs: inner(*args, **kwargs))


def _floating(x: Any) -> bool:
    """A tensor argument the recomputation differentiates with respect to."""
    return isinstance(x, (Tensor, Variable)) and x.dtype.is_differentiable
