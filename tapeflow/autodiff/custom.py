"""``tf.custom_gradient``, ``tf.recompute_grad`` and ``tf.stop_gradient``.

A custom-gradient call runs the user's function with the tapes paused, then
puts ONE record on each tape that watches an input: its rule is the user's
gradient function.  That function runs ordinary ops, so an outer tape records
it and higher orders work whenever the gradient function is differentiable.
``recompute_grad`` is a custom gradient whose rule re-runs the function
under a fresh tape: the forward activations are not kept, only the inputs.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from tapeflow.autodiff import nest
from tapeflow.autodiff import tape as tape_mod
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops.declare import ANY, nondiff
from tapeflow.ops.samples import unary

__all__ = ["custom_gradient", "recompute_grad", "stop_gradient"]

_stop = nondiff("StopGradient", lambda xp, input: input, samples=unary(), dtypes=ANY, n_in=1,
                reference=lambda x: x)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:
    """The value of ``input``, seen by tapes as a constant (no gradient flows).

    >>> import tapeflow as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * tf.stop_gradient(x)
    >>> g.gradient(y, x).numpy()
    3.0
    """
    return _stop(input)


class _CustomOp:
    """The one record a custom-gradient call leaves on a tape."""

    name = "CustomGradient"
    differentiable = True
    broadcasts = False
    saves_inputs = False
    nondiff_inputs: frozenset = frozenset()
    vjp_rules = None

    def __init__(self, grad_fn: Callable, n_args: int, variables: list, n_out: int,
                 takes_variables: bool) -> None:
        self.grad_fn = grad_fn
        self.n_args = n_args
        self.variables = variables
        self.n_out = n_out
        self.takes_variables = takes_variables

    def save(self, inputs: tuple, out: Any) -> tuple:
        return ()

    def vjp(self, g: Any, res: tuple, params: Any, needs: list) -> list:
        upstream = list(g) if self.n_out else [g]
        if self.n_out:
            upstream = [u if u is not None else _zeros(o) for u, o in zip(upstream, self._outs)]
        if self.takes_variables:
            grads, var_grads = self.grad_fn(*upstream, variables=self.variables)
            var_grads = list(var_grads)
        else:
            grads, var_grads = self.grad_fn(*upstream), []
            if self.variables:
                raise ValueError(
                    "If using @custom_gradient with a function that uses variables, then "
                    "grad_fn must accept a keyword argument 'variables'.")
        grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
        if len(grads) != self.n_args:
            raise ValueError(f"custom_gradient: the gradient function returned {len(grads)} "
                             f"gradients for {self.n_args} inputs")
        if len(var_grads) != len(self.variables):
            raise ValueError(f"custom_gradient: the gradient function returned "
                             f"{len(var_grads)} variable gradients for "
                             f"{len(self.variables)} variables")
        out = grads + var_grads
        return [None if gr is None else convert_to_tensor(gr) for gr in out]


def _zeros(t: Tensor) -> Tensor:
    from tapeflow.ops import arith
    return arith.zeros_like(t)


def _call_custom(f: Callable, args: tuple, kwargs: dict) -> Any:
    local = tape_mod._local
    outer = local.stack
    local.stack = []  # the outer tapes see nothing of f's own ops
    try:
        inner = tape_mod.GradientTape()
        with inner:  # only to learn which Variables f reads
            result, grad_fn = f(*args, **kwargs)
        variables = [v for v in inner.watched_variables() if v.trainable]
    finally:
        local.stack = outer
    flat_out = nest.flatten(result)
    outs = [convert_to_tensor(o) for o in flat_out]
    inputs = [a if isinstance(a, Tensor) else
              (a._read_for_op() if isinstance(a, Variable) else None) for a in args]
    takes_variables = "variables" in inspect.signature(grad_fn).parameters
    op = _CustomOp(grad_fn, len(args), variables, len(outs) if len(outs) > 1 or
                   not isinstance(result, Tensor) else 0, takes_variables)
    op._outs = outs
    for rec in outer:  # variables read inside f count as accessed by the tapes
        for v in variables:
            if rec.watch_accessed:
                rec.watch_variable(v)
    record_inputs = tuple(x if x is not None else 0.0 for x in inputs)
    var_inputs = tuple(_VariableInput(v) for v in variables)
    if outer:
        tape_mod.record(op, record_inputs + var_inputs,
                        tuple(outs) if op.n_out else outs[0], None)
    if op.n_out:
        return nest.pack_sequence_as(result, outs)
    return outs[0]


def _VariableInput(v: Variable) -> Tensor:
    """Stands for a Variable among a custom op's inputs: its value under its id."""
    t = wrap(v._tensor._value)
    t._id = v._id
    return t


def custom_gradient(f: Callable | None = None) -> Callable:
    """Decorator: ``f`` returns ``(y, grad_fn)``; tapes use ``grad_fn`` for f's gradient.

    ``grad_fn(*upstream)`` returns one gradient per input of ``f``; if ``f``
    reads trainable Variables, ``grad_fn(*upstream, variables=...)`` returns
    ``(input_grads, variable_grads)``, as in TF.

    >>> import tapeflow as tf
    >>> @tf.custom_gradient
    ... def clip_grad(x):
    ...     return tf.identity(x), lambda g: tf.clip_by_value(g, -1.0, 1.0)
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = clip_grad(x) * 10.0
    >>> t.gradient(y, x).numpy()
    1.0
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return _call_custom(f, args, kwargs)

    return wrapped


def recompute_grad(f: Callable) -> Callable:
    """Wrap ``f`` so its activations are recomputed in the backward pass, not kept.

    Memory of a deep block falls to its inputs and outputs; the backward pass
    runs ``f`` once more.

    >>> import tapeflow as tf
    >>> block = tf.recompute_grad(lambda x: tf.tanh(tf.tanh(x)))
    >>> x = tf.constant(0.5)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = block(x)
    >>> round(float(t.gradient(y, x)), 4)
    0.6398
    """
    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        @custom_gradient
        def inner(*inputs: Any) -> Any:
            result = f(*inputs, **kwargs)

            def grad(*upstream: Any, variables: Any = None) -> Any:
                watched = [convert_to_tensor(x) for x in inputs]
                with tape_mod.GradientTape() as t:
                    t.watch(watched)
                    again = f(*watched, **kwargs)
                flat = nest.flatten(again)
                sources = watched + list(variables or [])
                grads = t.gradient(flat, sources, output_gradients=list(upstream))
                return grads[:len(watched)], grads[len(watched):]
            return result, grad
        return inner(*args)

    return wrapped
