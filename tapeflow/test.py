"""``tf.test``: gradient checking for users (and for our own tests).

* ``compute_gradient(f, x, delta=None)`` and ``max_error`` as in TF: the
  theoretical Jacobian (from the tape) beside the numeric one (central
  differences), each 2-D with ``y_size`` rows and ``x_size`` columns.
* ``check_gradients(f, args, order=2, modes=("fwd", "rev"))`` (a tapeflow
  extension): compares reverse mode (tape) and forward mode (accumulator) with
  central differences up to ``order`` and raises AssertionError naming the
  worst element when they disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tapeflow.autodiff.forward import ForwardAccumulator
from tapeflow.autodiff.tape import GradientTape
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.ops.reduction import reduce_sum

__all__ = ["compute_gradient", "max_error", "check_gradients"]


def _real_inputs(x: Sequence) -> list[Tensor]:
    xs = [convert_to_tensor(v) for v in x]
    for t in xs:
        if t.dtype.is_complex:
            raise TypeError("compute_gradient: complex arguments are not supported yet "
                            f"(got {t.dtype!r}); check the real and imaginary parts as "
                            "separate real arguments")
        if not t.dtype.is_floating:
            raise TypeError(f"compute_gradient: arguments must be floating, got {t.dtype!r}")
    return xs


def _numeric_jacobian(f: Callable, xs: list, k: int, delta: float) -> np.ndarray:
    base = [np.array(t._value, copy=True) for t in xs]
    x = base[k]
    y0 = np.asarray(f(*[wrap(b) for b in base])._value)
    jac = np.zeros((y0.size, x.size), dtype=x.dtype)
    flat = x.reshape(-1)
    for col in range(x.size):
        keep = flat[col]
        flat[col] = keep + delta
        up = np.asarray(f(*[wrap(b) for b in base])._value, dtype=np.float64)
        flat[col] = keep - delta
        down = np.asarray(f(*[wrap(b) for b in base])._value, dtype=np.float64)
        flat[col] = keep
        jac[:, col] = ((up - down) / (2 * delta)).reshape(-1)
    return jac


def compute_gradient(f: Callable, x: Sequence, delta: float | None = None) -> tuple:
    """The theoretical and numeric Jacobians of ``f`` at ``x`` (TF's shape).

    >>> import tapeflow as tf
    >>> theoretical, numerical = tf.test.compute_gradient(lambda x: x * x, [1.0])
    >>> theoretical[0].tolist(), round(float(numerical[0][0, 0]), 3)
    ([[2.0]], 2.0)
    """
    if not isinstance(x, (list, tuple)):
        raise ValueError("`x` must be a list or tuple of values convertible to a Tensor "
                         f"(arguments to `f`), not a {type(x)}")
    delta = 1.0 / 1024 if delta is None else delta
    xs = _real_inputs(x)
    theoretical, numerical = [], []
    for k in range(len(xs)):
        with GradientTape() as tape:
            tape.watch(xs[k])
            y = f(*xs)
        jac = tape.jacobian(y, xs[k], unconnected_gradients="zero")
        size = int(np.prod(y.shape, dtype=np.int64))
        theoretical.append(np.asarray(jac._value).reshape(size, -1).astype(xs[k]._value.dtype))
        numerical.append(_numeric_jacobian(f, xs, k, delta))
    return tuple(theoretical), tuple(numerical)


def max_error(grad1: Sequence, grad2: Sequence) -> float:
    """The largest elementwise gap between two lists of arrays (TF's ``max_error``)."""
    error = 0.0
    for a, b in zip(grad1, grad2):
        a, b = np.asarray(a), np.asarray(b)
        if a.size or b.size:
            error = max(error, float(np.max(np.abs(a - b))))
    return error


def _directional(f: Callable, xs: list, us: list, eps: float) -> np.ndarray:
    up = f(*[wrap(x._value + eps * u) for x, u in zip(xs, us)])
    down = f(*[wrap(x._value - eps * u) for x, u in zip(xs, us)])
    return (np.asarray(up._value, np.float64) - np.asarray(down._value, np.float64)) / (2 * eps)


def _along(mode: str, fn: Callable, us: list) -> Callable:
    """x -> the analytic derivative of ``fn`` at x along ``us``, in ``mode``."""
    directions = [wrap(u) for u in us]
    if mode == "fwd":
        def forward(*xs: Tensor) -> Tensor:
            with ForwardAccumulator(list(xs), directions) as acc:
                y = fn(*xs)
            return acc.jvp(y, unconnected_gradients="zero")
        return forward

    def reverse(*xs: Tensor) -> Tensor:  # fn is scalar here: <grad fn, u>
        with GradientTape() as tape:
            tape.watch(list(xs))
            y = fn(*xs)
        grads = tape.gradient(y, list(xs), unconnected_gradients="zero")
        total = None
        for g, u in zip(grads, directions):
            term = reduce_sum(g * u)
            total = term if total is None else total + term
        return total
    return reverse


def check_gradients(f: Callable, args: Sequence, order: int = 2,
                    modes: Sequence[str] = ("fwd", "rev"), atol: float = 1e-5,
                    rtol: float = 1e-4, eps: float | None = None, seed: int = 0) -> None:
    """Check ``f``'s derivatives against central differences, up to ``order``.

    Each mode ("fwd": ForwardAccumulator, "rev": GradientTape on a random
    weighting of the outputs) computes the derivative along a random
    direction, compared with central differences of the function (order 1);
    then the derivative of that derivative, in the same mode, against central
    differences of the previous order (order 2, ...).  Float64 arguments are
    recommended.  Raises AssertionError naming mode, order and worst element.

    >>> import tapeflow as tf
    >>> tf.test.check_gradients(lambda x: tf.sin(x) * x, [tf.constant([0.5, 1.5], tf.float64)])
    """
    if order < 1:
        raise ValueError(f"order must be >= 1, got {order}")
    bad = set(modes) - {"fwd", "rev"}
    if bad:
        raise ValueError(f"modes must be 'fwd' and/or 'rev', got {sorted(bad)}")
    xs = _real_inputs(args)
    rng = np.random.default_rng(seed)
    step = eps if eps is not None else (1e-6 if xs[0]._value.dtype == np.float64 else 1e-2)
    for mode in modes:
        fn = f
        if mode == "rev":
            y = f(*xs)
            weights = wrap(rng.normal(size=y.shape).astype(y._value.dtype))
            fn = lambda *a, _w=weights: reduce_sum(f(*a) * _w)  # noqa: E731
        for k in range(1, order + 1):
            us = [rng.normal(size=x.shape).astype(x._value.dtype) for x in xs]
            derivative = _along(mode, fn, us)
            _compare(f"{mode} order {k}", derivative(*xs), _directional(fn, xs, us, step),
                     atol, rtol)
            fn = derivative


def _compare(what: str, got: Any, want: np.ndarray, atol: float, rtol: float) -> None:
    got = np.asarray(got._value if isinstance(got, Tensor) else got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    gap = np.abs(got - want)
    limit = atol + rtol * np.abs(want)
    if np.any(gap > limit) or not np.all(np.isfinite(got) == np.isfinite(want)):
        worst = int(np.argmax(gap - limit)) if gap.size else 0
        idx = np.unravel_index(worst, gap.shape) if gap.ndim else ()
        raise AssertionError(
            f"check_gradients: {what} derivative disagrees with central differences at "
            f"element {tuple(int(i) for i in idx)}: analytic {got.reshape(-1)[worst]!r}, "
            f"numeric {want.reshape(-1)[worst]!r} (gap {gap.reshape(-1)[worst]:.3g}, "
            f"allowed {limit.reshape(-1)[worst]:.3g})")
