"""NumPy code on the tape (tapeflow/ops/numpy_api.py and the stand-ins it dispatches to).

Two tables drive most of this file, and each must cover its registry:
every ufunc in ``UFUNCS`` and every function in ``FUNCTIONS`` has a case.
Per case: the result is a Tensor, its value is NumPy's on the arrays, the
gradient through the NumPy call equals the gradient through the tapeflow op,
and (float64) it matches central differences of NumPy's own function.
"""

from __future__ import annotations

import doctest
import inspect
import re
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.errors import InvalidArgumentError
from tapeflow.ops import numpy_api
from tapeflow.ops.numpy_api import (
    UFUNCS,
    NumpyLeftTapeError,
    NumpyLeftTapeWarning,
    numpy_strict,
)
from tapeflow.ops.numpy_functions import FUNCTIONS, INSPECTION

DOCS = Path(__file__).resolve().parent.parent / "docs" / "numpy.md"


@pytest.fixture(autouse=True)
def _fresh_call_sites(monkeypatch):
    """Each test starts with no call site warned about and strict mode off."""
    monkeypatch.setattr(numpy_api, "_warned", set())
    with numpy_strict(False):
        yield


def _line() -> int:
    """The caller's next line number (where the call under test sits)."""
    return inspect.currentframe().f_back.f_lineno + 1


def _flat_outputs(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _weights(outputs: list, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(np.asarray(o))) for o in outputs]


def _tape_gradient(fn: Any, args: list, weights: list) -> list:
    """Gradient of sum(out * w) over the outputs with respect to each float argument."""
    xs = [tf.constant(a) for a in args]
    floats = [x for x in xs if x.dtype.is_floating]
    with tf.GradientTape() as tape:
        tape.watch(floats)
        outs = _flat_outputs(fn(*xs))
        total = tf.add_n([tf.reduce_sum(tf.cast(o, tf.float64) * w)
                          for o, w in zip(outs, weights)])
    grads = iter(tape.gradient(total, floats))
    return [next(grads) if x.dtype.is_floating else None for x in xs]


def _numeric_gradient(fn: Any, args: list, weights: list, k: int, eps: float = 1e-6):
    """Central differences of sum(out * w) for NumPy's own fn on arrays."""
    def scalar(arrays: list) -> float:
        outs = _flat_outputs(fn(*arrays))
        return sum(float(np.sum(np.asarray(o, np.float64) * w)) for o, w in zip(outs, weights))

    base = [np.array(a, copy=True, order="C") for a in args]
    grad = np.zeros_like(base[k], dtype=np.float64)
    flat = base[k].reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = scalar(base)
        flat[i] = keep - eps
        down = scalar(base)
        flat[i] = keep
        grad.reshape(-1)[i] = (up - down) / (2 * eps)
    return grad


def _check_case(np_fn: Any, tf_fn: Any, args: list, seed: int, numeric: bool = True) -> None:
    """Type, value, gradient vs the tapeflow op, gradient vs central differences."""
    expected = _flat_outputs(np_fn(*args))
    got = _flat_outputs(np_fn(*[tf.constant(a) for a in args]))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert isinstance(g, tf.Tensor), type(g)
        e = np.asarray(e)
        assert g.shape == e.shape and g.dtype.as_numpy_dtype == e.dtype, (g, e)
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-10, atol=1e-12)
    if not any(np.asarray(e).dtype.kind in "fc" for e in expected):
        return  # integer and bool results carry no gradient
    if tf_fn is None:
        return
    weights = _weights(expected, seed)
    through_numpy = _tape_gradient(np_fn, args, weights)
    through_op = _tape_gradient(tf_fn, args, weights)
    for k, (a, b) in enumerate(zip(through_numpy, through_op)):
        assert (a is None) == (b is None), (k, a, b)
        if a is None:
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
        if numeric:
            np.testing.assert_allclose(a.numpy(), _numeric_gradient(np_fn, args, weights, k),
                                       rtol=1e-5, atol=1e-6)


# -- ufuncs ------------------------------------------------------------------------------------
_rng = np.random.default_rng(0)


def _floats(shape: tuple, low: float = -1.5, high: float = 1.5) -> np.ndarray:
    return _rng.uniform(low, high, shape)


_POSITIVE = {"log", "log2", "log10", "sqrt", "reciprocal", "power", "float_power"}
_DOMAINS = {"arcsin": (-0.8, 0.8), "arccos": (-0.8, 0.8), "arctanh": (-0.8, 0.8),
            "arccosh": (1.2, 3.0), "log1p": (-0.5, 2.0)}
_SECOND_POSITIVE = {"divide", "floor_divide", "remainder", "divmod", "power", "float_power"}
_BOOLS = {"logical_and", "logical_or", "logical_xor", "logical_not"}
_INTS = {"bitwise_and", "bitwise_or", "bitwise_xor", "invert"}


def _ufunc_args(name: str) -> list:
    n = getattr(np, name).nin
    if name in _BOOLS:
        return [_rng.uniform(size=(2, 3)) > 0.5 for _ in range(n)]
    if name in _INTS:
        return [_rng.integers(-5, 5, (2, 3)).astype(np.int32) for _ in range(n)]
    if name == "matmul":
        return [_floats((2, 3, 4)), _floats((4, 2))]
    low, high = (0.3, 2.0) if name in _POSITIVE else _DOMAINS.get(name, (-1.5, 1.5))
    shapes = [(2, 3), (3,)][:n]  # the second input broadcasts
    args = [_floats(s, low, high) for s in shapes]
    if name in _SECOND_POSITIVE:
        args[1] = _floats((3,), 0.5, 2.0)
    return args


@pytest.mark.parametrize("name", sorted(UFUNCS))
def test_ufunc_table(name):
    ufunc = getattr(np, name)
    args = _ufunc_args(name)
    _check_case(ufunc, UFUNCS[name], args, seed=len(name))


def test_every_ufunc_maps_to_a_numpy_ufunc():
    for name in UFUNCS:
        assert isinstance(getattr(np, name), np.ufunc), name


def test_ufunc_aliases_reach_the_same_ops():
    x = tf.constant([-1.5, 2.0])
    assert np.abs(x).numpy().tolist() == [1.5, 2.0]
    assert np.conj(x).numpy().tolist() == [-1.5, 2.0]
    assert np.mod(x, 1.0).numpy().tolist() == [0.5, 0.0]
    assert np.true_divide(x, 2.0).numpy().tolist() == [-0.75, 1.0]


def test_matmul_follows_numpy_for_vectors():
    a, v = _floats((3, 4)), _floats((4,))
    for args in [(a, v), (v, a.T), (v, v), (_floats((2, 3, 4)), v)]:
        _check_case(np.matmul, tf.linalg.matmul if all(np.ndim(x) > 1 for x in args)
                    else lambda x, y: tf.reduce_sum(x * y, -1) if y.ndim == 1
                    else tf.reduce_sum(x[:, None] * y, 0), list(args), seed=1)
    assert isinstance(tf.constant(a) @ tf.constant(_floats((4, 2))), tf.Tensor)
    assert isinstance(a @ tf.constant(_floats((4, 2))), tf.Tensor)


def test_ufunc_methods():
    x = _floats((3, 4))
    cases = [
        (lambda a: np.add.reduce(a), lambda a: tf.reduce_sum(a, 0)),
        (lambda a: np.add.reduce(a, axis=1, keepdims=True),
         lambda a: tf.reduce_sum(a, 1, keepdims=True)),
        (lambda a: np.multiply.reduce(a, axis=None), lambda a: tf.reduce_prod(a)),
        (lambda a: np.maximum.reduce(a, axis=1), lambda a: tf.reduce_max(a, 1)),
        (lambda a: np.minimum.reduce(a, initial=0.0), lambda a: tf.minimum(
            tf.reduce_min(a, 0), 0.0)),
        (lambda a: np.add.accumulate(a, axis=1), lambda a: tf.cumsum(a, 1)),
        (lambda a: np.multiply.accumulate(a), lambda a: tf.math.cumprod(a, 0)),
        (lambda a: np.multiply.outer(a[0], a[1]), lambda a: a[0][:, None] * a[1]),
        (lambda a: np.subtract.outer(a, a[0]), lambda a: a[:, :, None] - a[0]),
    ]
    for k, (np_fn, tf_fn) in enumerate(cases):
        _check_case(np_fn, tf_fn, [x], seed=k)
    b = tf.constant([True, False, True])
    assert bool(np.logical_or.reduce(b)) and not bool(np.logical_and.reduce(b))
    assert isinstance(np.logical_and.reduce(b), tf.Tensor)


def test_ufunc_method_without_a_mapping_falls_back_to_numpy():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    out = np.add.reduceat(x, [0, 2])
    assert type(out) is np.ndarray and out.tolist() == [3.0, 7.0]
    assert type(np.left_shift(tf.constant([1, 2]), 1)) is np.ndarray


def test_at_cannot_update_a_tensor():
    with pytest.raises(TypeError, match=r"np\.add\.at .*immutable"):
        np.add.at(tf.constant([1.0, 2.0]), [0], 1.0)
    buf = np.zeros(2)
    np.add.at(buf, [0], tf.constant(1.0))  # a NumPy target is NumPy's business
    assert buf.tolist() == [1.0, 0.0]


def test_out_is_refused_with_the_ufunc_named():
    x = tf.constant([1.0, 2.0])
    buf = np.zeros(2, np.float32)
    with pytest.raises(TypeError, match=r"np\.add\(\.\.\., out=\.\.\.\)"):
        np.add(x, x, out=buf)
    with pytest.raises(TypeError, match=r"np\.sin\(\.\.\., out=\.\.\.\)"):
        np.sin(x, out=buf)
    with pytest.raises(TypeError, match=r"np\.add\.reduce\(\.\.\., out=\.\.\.\)"):
        np.add.reduce(x, out=np.zeros((), np.float32))
    with pytest.raises(TypeError, match=r"np\.multiply"):
        buf *= x  # in-place operators pass out=
    with pytest.raises(TypeError, match=r"np\.sum\(\.\.\., out=\.\.\.\)"):
        np.sum(x, out=np.zeros((), np.float32))
    assert buf.tolist() == [0.0, 0.0]


def test_ufunc_keywords():
    x = tf.constant([1.0, 4.0])
    assert np.sqrt(x, dtype=np.float64).dtype == tf.float64
    assert np.add(x, 1.0, where=True).numpy().tolist() == [2.0, 5.0]
    unsafe = np.add(x, 1.0, casting="unsafe")
    assert type(unsafe) is np.ndarray  # no op takes casting=: NumPy computes it


# -- functions ---------------------------------------------------------------------------------
class Case(NamedTuple):
    name: str             # the FUNCTIONS entry it exercises
    np_fn: Any            # called with arrays (NumPy's answer) and with tensors (ours)
    tf_fn: Any            # the same computation written with tapeflow ops
    args: list
    numeric: bool = True  # also compare with central differences


def _spd(n: int) -> np.ndarray:
    m = _floats((n, n))
    return m @ m.T + n * np.eye(n)


A, B, V, W = _floats((3, 4)), _floats((4, 2)), _floats((4,)), _floats((3,))
T = _floats((2, 3, 4))
M = _spd(3)

CASES = [
    # reductions
    Case("sum", lambda a: np.sum(a), tf.reduce_sum, [A]),
    Case("sum", lambda a: np.sum(a, axis=1, keepdims=True),
         lambda a: tf.reduce_sum(a, 1, keepdims=True), [A]),
    Case("sum", lambda a: np.sum(a, axis=(0, 2), initial=1.5),
         lambda a: tf.reduce_sum(a, (0, 2)) + 1.5, [T]),
    Case("prod", lambda a: np.prod(a, axis=0), lambda a: tf.reduce_prod(a, 0), [A]),
    Case("max", lambda a: np.max(a, axis=1), lambda a: tf.reduce_max(a, 1), [A]),
    Case("amax", lambda a: np.amax(a), tf.reduce_max, [A]),
    Case("min", lambda a: np.min(a, axis=0, keepdims=True),
         lambda a: tf.reduce_min(a, 0, keepdims=True), [A]),
    Case("amin", lambda a: np.amin(a, axis=-1), lambda a: tf.reduce_min(a, -1), [T]),
    Case("mean", lambda a: np.mean(a, axis=(0, 1)), tf.reduce_mean, [A]),
    Case("mean", lambda a: np.mean(a, axis=1), lambda a: tf.reduce_mean(a, 1), [T]),
    Case("var", lambda a: np.var(a, axis=0, ddof=1),
         lambda a: tf.math.reduce_variance(a, 0) * 1.5, [A]),
    Case("var", lambda a: np.var(a), tf.math.reduce_variance, [A]),
    Case("std", lambda a: np.std(a, axis=1), lambda a: tf.math.reduce_std(a, 1), [A]),
    Case("ptp", lambda a: np.ptp(a, axis=1),
         lambda a: tf.reduce_max(a, 1) - tf.reduce_min(a, 1), [A]),
    Case("any", lambda a: np.any(a > 1.0, axis=0), None, [A]),
    Case("all", lambda a: np.all(a), None, [A]),
    Case("argmax", lambda a: np.argmax(a, axis=1), None, [A]),
    Case("argmin", lambda a: np.argmin(a), None, [A]),
    Case("cumsum", lambda a: np.cumsum(a, axis=1), lambda a: tf.cumsum(a, 1), [A]),
    Case("cumsum", lambda a: np.cumsum(a), lambda a: tf.cumsum(tf.reshape(a, [-1])), [A]),
    Case("cumprod", lambda a: np.cumprod(a, axis=0), lambda a: tf.math.cumprod(a, 0), [A]),
    # products
    Case("dot", np.dot, tf.matmul, [A, B]),
    Case("dot", np.dot, lambda a, b: tf.reduce_sum(a * b), [V, V]),
    Case("dot", np.dot, lambda a, b: tf.reduce_sum(a * b, -1), [T, V]),
    Case("dot", lambda a, b: np.dot(a, b[0, 0]), lambda a, b: a * b[0, 0], [V, A]),
    Case("inner", np.inner, lambda a, b: tf.matmul(a, b, transpose_b=True), [A, A]),
    Case("inner", np.inner, lambda a, b: tf.reduce_sum(a * b, -1), [T, V]),
    Case("inner", np.inner, lambda a, b: tf.tensordot(a, b, [[2], [2]]), [T, T]),
    Case("dot", np.dot, lambda a, b: tf.tensordot(a, b, [[2], [1]]), [T, _floats((3, 4, 2))]),
    Case("dot", np.dot, lambda a, b: tf.tensordot(a, b, [[0], [0]]), [V, B]),
    Case("vdot", np.vdot, lambda a, b: tf.reduce_sum(a * b), [A, A]),
    Case("outer", np.outer, lambda a, b: a[:, None] * b, [V, W]),
    Case("tensordot", np.tensordot, lambda a, b: tf.tensordot(a, b, 2),
         [T, _floats((3, 4, 2))]),
    Case("tensordot", lambda a, b: np.tensordot(a, b, axes=([2], [0])),
         lambda a, b: tf.tensordot(a, b, [[2], [0]]), [T, B]),
    Case("einsum", lambda a, b: np.einsum("ij,jk->ik", a, b),
         lambda a, b: tf.einsum("ij,jk->ik", a, b), [A, B]),
    Case("einsum", lambda a: np.einsum("bij->bj", a), lambda a: tf.reduce_sum(a, 1), [T]),
    Case("trace", np.trace, tf.linalg.trace, [M]),
    Case("trace", lambda a: np.trace(a, axis1=1, axis2=2), tf.linalg.trace,
         [_floats((2, 3, 3))]),
    Case("diagonal", lambda a: np.diagonal(a, offset=1),
         lambda a: tf.linalg.diag_part(a, k=1), [A]),
    Case("diag", np.diag, tf.linalg.diag, [W]),
    Case("diag", lambda a: np.diag(a, k=-1), lambda a: tf.linalg.diag_part(a, k=-1), [M]),
    # shapes
    Case("reshape", lambda a: np.reshape(a, (2, 6)), lambda a: tf.reshape(a, [2, 6]), [A]),
    Case("reshape", lambda a: np.reshape(a, -1), lambda a: tf.reshape(a, [-1]), [A]),
    Case("ravel", np.ravel, lambda a: tf.reshape(a, [-1]), [T]),
    Case("transpose", lambda a: np.transpose(a, (1, 0, 2)),
         lambda a: tf.transpose(a, [1, 0, 2]), [T]),
    Case("transpose", np.transpose, tf.transpose, [T]),
    Case("swapaxes", lambda a: np.swapaxes(a, 0, 2), lambda a: tf.transpose(a, [2, 1, 0]), [T]),
    Case("moveaxis", lambda a: np.moveaxis(a, 0, -1), lambda a: tf.transpose(a, [1, 2, 0]), [T]),
    Case("moveaxis", lambda a: np.moveaxis(a, [0, 1], [2, 0]),
         lambda a: tf.transpose(a, [1, 2, 0]), [T]),
    Case("squeeze", np.squeeze, tf.squeeze, [_floats((1, 3, 1))]),
    Case("squeeze", lambda a: np.squeeze(a, axis=0), lambda a: tf.squeeze(a, 0),
         [_floats((1, 3, 1))]),
    Case("expand_dims", lambda a: np.expand_dims(a, (0, 2)),
         lambda a: tf.expand_dims(tf.expand_dims(a, 0), 2), [A]),
    Case("concatenate", lambda a, b: np.concatenate([a, b]), lambda a, b: tf.concat([a, b], 0),
         [A, _floats((1, 4))]),
    Case("concatenate", lambda a, b: np.concatenate((a, b), axis=None),
         lambda a, b: tf.concat([tf.reshape(a, [-1]), b], 0), [A, V]),
    Case("stack", lambda a, b: np.stack([a, b], axis=1), lambda a, b: tf.stack([a, b], 1),
         [A, A]),
    Case("vstack", lambda a, b: np.vstack([a, b]),
         lambda a, b: tf.concat([tf.reshape(a, [1, 4]), b], 0), [V, A]),
    Case("hstack", lambda a, b: np.hstack((a, b)), lambda a, b: tf.concat([a, b], 1),
         [A, _floats((3, 2))]),
    Case("broadcast_to", lambda a: np.broadcast_to(a, (2, 3)),
         lambda a: tf.broadcast_to(a, [2, 3]), [W]),
    Case("tile", lambda a: np.tile(a, 2), lambda a: tf.tile(a, [1, 2]), [A]),
    Case("tile", lambda a: np.tile(a, (2, 2)), lambda a: tf.tile(a[None], [2, 2]), [W]),
    Case("repeat", lambda a: np.repeat(a, 2, axis=0), lambda a: tf.repeat(a, 2, 0), [A]),
    Case("pad", lambda a: np.pad(a, 1), lambda a: tf.pad(a, [[1, 1], [1, 1]]), [A]),
    Case("pad", lambda a: np.pad(a, ((1, 0), (0, 2)), mode="reflect"),
         lambda a: tf.pad(a, [[1, 0], [0, 2]], "REFLECT"), [A]),
    Case("pad", lambda a: np.pad(a, (2, 1), constant_values=0.5),
         lambda a: tf.pad(a, [[2, 1]], constant_values=0.5), [V]),
    Case("flip", np.flip, lambda a: tf.reverse(a, [0, 1]), [A]),
    Case("flip", lambda a: np.flip(a, 1), lambda a: tf.reverse(a, [1]), [A]),
    Case("fliplr", np.fliplr, lambda a: tf.reverse(a, [1]), [A]),
    Case("flipud", np.flipud, lambda a: tf.reverse(a, [0]), [A]),
    Case("roll", lambda a: np.roll(a, 1, axis=1), lambda a: tf.roll(a, 1, 1), [A]),
    Case("roll", lambda a: np.roll(a, 5),
         lambda a: tf.reshape(tf.roll(tf.reshape(a, [-1]), 5, 0), [3, 4]), [A]),
    Case("split", lambda a: np.split(a, 2, axis=1), lambda a: tf.split(a, 2, 1), [A]),
    Case("split", lambda a: np.split(a, [1, 3]), lambda a: tf.split(a, [1, 2, 1]), [V]),
    Case("take", lambda a: np.take(a, [0, 2, -1], axis=1),
         lambda a: tf.gather(a, [0, 2, 3], axis=1), [A]),
    Case("take", lambda a: np.take(a, [5, 0]), lambda a: tf.gather(tf.reshape(a, [-1]), [5, 0]),
         [A]),
    # elementwise and selection
    Case("where", lambda a, b: np.where(a > 0, a, b), lambda a, b: tf.where(a > 0, a, b),
         [A, A[::-1]]),
    Case("where", lambda a: np.where(a > 0, a, 0.0), lambda a: tf.where(a > 0, a, 0.0), [A]),
    Case("where", lambda a: np.where(a > 0), None, [A]),
    Case("nonzero", lambda a: np.nonzero(a > 0), None, [A]),
    Case("clip", lambda a: np.clip(a, -0.5, 0.5),
         lambda a: tf.clip_by_value(a, -0.5, 0.5), [A]),
    Case("clip", lambda a: np.clip(a, None, 0.3), lambda a: tf.minimum(a, 0.3), [A]),
    Case("round", lambda a: np.round(a, 2), lambda a: tf.round(a * 100.0) / 100.0, [A]),
    Case("around", np.around, tf.round, [A]),
    Case("sort", lambda a: np.sort(a, axis=0), lambda a: tf.sort(a, 0), [A]),
    Case("sort", lambda a: np.sort(a, axis=None), lambda a: tf.sort(tf.reshape(a, [-1])), [A]),
    Case("argsort", np.argsort, None, [A]),
    Case("real", np.real, tf.math.real, [A]),
    Case("imag", lambda a: np.imag(a) + a, lambda a: tf.math.imag(a) + a, [A]),
    # creation
    Case("zeros_like", lambda a: np.zeros_like(a) + a, lambda a: a + 0.0, [A]),
    Case("zeros_like", lambda a: np.zeros_like(a, shape=(2,)), None, [A]),
    Case("ones_like", lambda a: np.ones_like(a) * a, lambda a: a * 1.0, [A]),
    Case("full_like", lambda a: np.full_like(a, 2.5) * a, lambda a: a * 2.5, [A]),
    Case("linspace", lambda a, b: np.linspace(a, b, 5),
         lambda a, b: tf.linspace(a, b, 5), [np.float64(0.3), np.float64(1.7)]),
    Case("linspace", lambda a, b: np.linspace(a, b, 4, endpoint=False),
         lambda a, b: tf.linspace(a, b, 5)[:4], [W, W + 1.0]),
    # linear algebra
    Case("linalg.norm", np.linalg.norm, tf.norm, [A]),
    Case("linalg.norm", lambda a: np.linalg.norm(a, axis=1), lambda a: tf.norm(a, axis=1), [A]),
    Case("linalg.norm", lambda a: np.linalg.norm(a, ord=1, axis=0),
         lambda a: tf.reduce_sum(tf.abs(a), 0), [A]),
    Case("linalg.norm", lambda a: np.linalg.norm(a, ord=3),
         lambda a: tf.reduce_sum(tf.abs(a) ** 3.0) ** (1 / 3), [V]),
    Case("linalg.norm", lambda a: np.linalg.norm(a, ord=np.inf),
         lambda a: tf.reduce_max(tf.reduce_sum(tf.abs(a), 1)), [A]),
    Case("linalg.norm", lambda a: np.linalg.norm(a, ord=-1, keepdims=True),
         lambda a: tf.reduce_min(tf.reduce_sum(tf.abs(a), 0, keepdims=True), 1,
                                 keepdims=True), [A]),
    Case("linalg.norm", lambda a: np.linalg.norm(a, "fro"), tf.norm, [A]),
    Case("linalg.inv", np.linalg.inv, tf.linalg.inv, [M]),
    Case("linalg.det", np.linalg.det, tf.linalg.det, [M]),
    Case("linalg.solve", np.linalg.solve,
         lambda a, b: tf.squeeze(tf.linalg.solve(a, b[:, None]), -1), [M, W]),
    Case("linalg.solve", np.linalg.solve, tf.linalg.solve, [M, _floats((3, 2))]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-{k}" for k, c in enumerate(CASES)])
def test_function_table(case):
    _check_case(case.np_fn, case.tf_fn, case.args, seed=len(case.name), numeric=case.numeric)


def test_every_supported_function_has_a_case():
    assert {c.name for c in CASES} == set(FUNCTIONS)


def test_functions_also_work_on_float32_and_variables():
    x = tf.constant(A.astype(np.float32))
    v = tf.Variable(A.astype(np.float32))
    for fn in [np.sum, np.mean, np.linalg.norm, lambda a: np.dot(a, np.transpose(a))]:
        a, b = fn(x), fn(v)
        assert isinstance(a, tf.Tensor) and a.dtype == tf.float32
        np.testing.assert_allclose(a.numpy(), b.numpy())
    with tf.GradientTape() as tape:
        y = np.sum(np.sin(v) ** 2)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), np.sin(2 * A), rtol=1e-5,
                               atol=1e-6)


def test_arguments_without_a_mapping_fall_back_to_numpy():
    x = tf.constant(A)
    assert type(np.reshape(x, (4, 3), order="F")) is np.ndarray
    assert type(np.pad(x, 1, mode="edge")) is np.ndarray
    assert type(np.linalg.norm(x, "nuc")) is np.ndarray or np.isscalar(np.linalg.norm(x, "nuc"))
    assert type(np.sum(x, where=np.asarray(A) > 0)) is not tf.Tensor


def test_inspection_functions_answer_from_values_without_warning():
    x = tf.constant(A)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as tape:
            tape.watch(x)
            assert np.shape(x) == (3, 4) and np.ndim(x) == 2 and np.size(x) == 12
            assert np.result_type(x) == np.float64 and not np.iscomplexobj(x)
            assert np.allclose(x, A) and np.array_equal(x, A) and np.isclose(x, A).all()
    for name in INSPECTION:
        assert numpy_api.resolve(name) is not None, name


# -- NumPy-written models, differentiated unchanged ------------------------------------------
def spring_chain_energy(positions, rest_length, stiffness, masses, gravity):
    """Potential energy of masses joined by springs, in plain NumPy."""
    links = positions[1:] - positions[:-1]
    lengths = np.sqrt(np.sum(links ** 2, axis=1))
    elastic = 0.5 * stiffness * np.sum((lengths - rest_length) ** 2)
    return elastic + gravity * np.dot(masses, positions[:, 1])


def pendulum_energy(state, length, mass, gravity):
    """Energy of a double pendulum: state = (theta1, theta2, omega1, omega2)."""
    theta, omega = state[:2], state[2:]
    heights = -length * np.cumsum(np.cos(theta))
    vx = np.cumsum(length * np.cos(theta) * omega)
    vy = np.cumsum(length * np.sin(theta) * omega)
    kinetic = 0.5 * np.sum(mass * (vx ** 2 + vy ** 2))
    return kinetic + gravity * np.sum(mass * heights)


def softmax_regression_loss(weights, bias, features, onehot):
    """Mean cross-entropy of a softmax classifier, in plain NumPy."""
    logits = np.dot(features, weights) + bias
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(np.sum(onehot * log_probs, axis=1))


def _gradient_vs_differences(fn, args, wrt, rtol=1e-6):
    xs = [tf.constant(a) if k in wrt else a for k, a in enumerate(args)]
    with tf.GradientTape() as tape:
        for k in wrt:
            tape.watch(xs[k])
        y = fn(*xs)
    assert isinstance(y, tf.Tensor)
    np.testing.assert_allclose(y.numpy(), fn(*args), rtol=1e-12)
    grads = tape.gradient(y, [xs[k] for k in wrt])
    for k, g in zip(wrt, grads):
        expected = _numeric_gradient(lambda *a: fn(*a), args, [np.ones(())], k)
        np.testing.assert_allclose(g.numpy(), expected, rtol=rtol, atol=1e-7)


def test_spring_chain_written_in_numpy_is_differentiated_unchanged():
    positions = np.cumsum(_rng.uniform(0.5, 1.5, (5, 2)), axis=0)
    masses = _rng.uniform(1.0, 2.0, 5)
    _gradient_vs_differences(spring_chain_energy, [positions, 1.0, 3.0, masses, 9.81], wrt=[0, 3])


def test_pendulum_written_in_numpy_is_differentiated_unchanged():
    state = np.array([0.3, -0.7, 1.1, 0.4])
    _gradient_vs_differences(pendulum_energy, [state, np.array([1.0, 0.8]),
                                               np.array([1.5, 0.5]), 9.81], wrt=[0, 1])


def test_softmax_regression_written_in_numpy_is_differentiated_and_trained():
    features = _rng.standard_normal((20, 3))
    labels = np.argmax(features @ _rng.standard_normal((3, 4)), axis=1)
    onehot = np.eye(4)[labels]
    weights, bias = 0.1 * _rng.standard_normal((3, 4)), np.zeros(4)
    _gradient_vs_differences(softmax_regression_loss, [weights, bias, features, onehot],
                             wrt=[0, 1])
    w, b = tf.Variable(weights), tf.Variable(bias)
    first = None
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = softmax_regression_loss(w, b, features, onehot)
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.5 * gw)
        b.assign_sub(0.5 * gb)
        first = float(loss) if first is None else first
    assert float(loss) < 0.5 * first


def test_higher_order_and_forward_mode_through_numpy():
    x = tf.constant([0.3, 1.2], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = np.sum(np.sin(x))
        dy = inner.gradient(y, x)
    np.testing.assert_allclose(outer.gradient(dy, x).numpy(), -np.sin(x.numpy()))
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0], tf.float64)) as acc:
        y = np.exp(x) * np.cos(x)
    np.testing.assert_allclose(acc.jvp(y).numpy(), [np.exp(0.3) * (np.cos(0.3) - np.sin(0.3)),
                                                    0.0])


# -- dtypes and mixing -------------------------------------------------------------------------
def test_numpy_array_and_tensor_mix_as_tapeflow_operators_do():
    x = tf.constant([1.0, 2.0])  # float32
    a64 = np.array([3.0, 4.0])
    left, right = a64 * x, x * a64
    assert isinstance(left, tf.Tensor) and isinstance(right, tf.Tensor)
    assert left.dtype == right.dtype == tf.float32  # the array takes the tensor's dtype
    assert np.multiply(a64, x).numpy().tolist() == [3.0, 8.0]
    assert (x + a64).dtype == tf.float32 and (a64 + x).dtype == tf.float32
    assert isinstance(a64 == x, tf.Tensor) and isinstance(a64 < x, tf.Tensor)
    assert isinstance(np.float64(2.0) * x, tf.Tensor)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = np.sum(a64 * x)
    assert tape.gradient(y, x).numpy().tolist() == [3.0, 4.0]
    with pytest.raises(InvalidArgumentError):
        np.add(x, tf.constant([1.0, 2.0], tf.float64))  # two tensors: TF's rule
    with pytest.raises(InvalidArgumentError):
        tf.add(x, tf.constant([1.0, 2.0], tf.float64))


def test_integer_inputs_follow_numpy_where_numpy_changes_dtype():
    i = tf.constant([1, 4, 9])  # int32
    assert np.sqrt(i).dtype == tf.float64 and np.sqrt(i).numpy().tolist() == [1.0, 2.0, 3.0]
    assert np.mean(i).dtype == tf.float64 and float(np.mean(i)) == pytest.approx(14 / 3)
    assert np.sum(tf.constant([True, True, False])).dtype == tf.int64
    assert np.sum(i).dtype == np.sum(np.array([1, 4, 9], np.int32)).dtype
    assert np.add(i, i).dtype == tf.int32
    assert np.divide(i, 2).dtype == tf.float64
    assert np.argsort(tf.constant([3.0, 1.0])).dtype == tf.int64
    assert np.sin(tf.constant([0.5], tf.float16)).dtype == tf.float16
    assert np.floor(i).dtype == tf.int32 and np.rint(i).dtype == tf.float64
    assert np.isnan(i).numpy().tolist() == [False] * 3 and bool(np.all(np.isfinite(i)))
    flags = tf.constant([True, False])
    assert bool(np.max(flags)) and not bool(np.min(flags))


# -- values leaving the tape -------------------------------------------------------------------
def _left_tape(record) -> list:
    return [w for w in record if issubclass(w.category, NumpyLeftTapeWarning)]


def test_unsupported_function_warns_once_per_call_site_naming_the_line():
    x = tf.constant([3.0, 1.0, 2.0])
    with pytest.warns(NumpyLeftTapeWarning) as record:
        with tf.GradientTape() as tape:
            tape.watch(x)
            for _ in range(3):
                line = _line()
                m = np.median(x)
            other = _line()
            np.percentile(x, 50)
    warned = _left_tape(record)
    assert len(warned) == 2
    assert (warned[0].filename, warned[0].lineno) == (__file__, line)
    assert f"test_numpy_api.py:{line}" in str(warned[0].message)
    assert "np.median" in str(warned[0].message) and warned[1].lineno == other
    assert type(m) is not tf.Tensor and float(m) == 2.0  # NumPy computed it
    assert tape.gradient(tf.constant(m) * 2.0, x) is None


def test_numpy_and_asarray_of_a_watched_value_warn_with_the_line():
    x = tf.constant([1.0, 2.0])
    v = tf.Variable([1.0, 2.0])
    with pytest.warns(NumpyLeftTapeWarning) as record:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * 2.0
            line_numpy = _line()
            y.numpy()
            line_asarray = _line()
            np.asarray(x)
            line_variable = _line()
            np.array(v)  # a trainable Variable the tape would watch on reading
    warned = _left_tape(record)
    assert [w.lineno for w in warned] == [line_numpy, line_asarray, line_variable]
    assert ".numpy()" in str(warned[0].message) and "np.asarray" in str(warned[1].message)


def test_no_warning_without_a_tape_or_a_watched_value():
    x = tf.constant([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert type(np.median(x)) is not tf.Tensor
        x.numpy()
        np.asarray(x)
        with tf.GradientTape() as tape:
            np.median(x)  # x is not watched
            x.numpy()
            tape.watch(x)
            tf.reshape(x, tf.constant([2, 1]))  # tapeflow's own conversions stay quiet
            with tape.stop_recording():
                np.median(x)


def test_a_value_carrying_a_tangent_is_watched_too():
    x = tf.constant([1.0, 2.0])
    with pytest.warns(NumpyLeftTapeWarning) as record:
        with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])):
            line = _line()
            np.asarray(np.sin(x))
    assert [w.lineno for w in _left_tape(record)] == [line]


def test_strict_mode_raises_and_restores():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with numpy_strict():
            with pytest.raises(NumpyLeftTapeError, match=r"np\.median .*test_numpy_api\.py"):
                np.median(x)
            with pytest.raises(NumpyLeftTapeError, match=r"\.numpy\(\)"):
                x.numpy()
            with pytest.raises(NumpyLeftTapeError):
                np.asarray(x)
            assert isinstance(np.sin(x), tf.Tensor)  # supported calls are fine
        with pytest.warns(NumpyLeftTapeWarning):
            np.median(x)
        numpy_strict(True)
        try:
            with pytest.raises(NumpyLeftTapeError):
                np.median(x)
        finally:
            numpy_strict(False)
    np.median(x)  # no tape: never an error


def test_explanation_mode_still_logs_values_leaving():
    tf.explain_gradients(True, warn=False)
    try:
        x, u = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
        with pytest.warns(NumpyLeftTapeWarning) as record:
            with tf.GradientTape(persistent=True) as tape:
                tape.watch([x, u])
                line_median = _line()
                y = tf.constant(np.median(x)) * 2.0
                line_numpy = _line()
                z = tf.constant((u * 2.0).numpy()) * 2.0
        assert [w.lineno for w in _left_tape(record)] == [line_median, line_numpy]
        assert f"NumPy (np.asarray/np.* call) at test_numpy_api.py:{line_median}" in \
            tf.explain(tape, y, x)
        assert f".numpy() at test_numpy_api.py:{line_numpy}" in tf.explain(tape, z, u)
    finally:
        tf.explain_gradients(False)


def test_tapeflow_own_code_is_not_reported(monkeypatch):
    from tapeflow.core import frames
    x = tf.constant([1.0, 2.0])
    monkeypatch.setattr(frames, "_is_ours", lambda filename: filename == __file__)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as tape:
            tape.watch(x)
            x.numpy()  # this file now counts as tapeflow's
            np.median(x)


def test_other_array_libraries_are_left_their_turn():
    class Foreign:
        def __array_function__(self, func, types, args, kwargs):
            return "foreign"

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return "foreign"

    x = tf.constant([1.0])
    assert np.concatenate([x, Foreign()]) == "foreign"
    assert np.add(x, Foreign()) == "foreign"


# -- docs --------------------------------------------------------------------------------------
def _documented(section: str) -> list[str]:
    text = DOCS.read_text()
    body = text.split(f"<!-- {section} -->")[1].split("<!-- end -->")[0]
    return re.findall(r"`np\.([\w.]+)`", body)


def test_docs_list_exactly_the_supported_names():
    assert sorted(_documented("ufuncs")) == sorted(UFUNCS)
    assert sorted(_documented("functions")) == sorted(FUNCTIONS)
    assert sorted(_documented("inspection")) == sorted(INSPECTION)


def test_docs_example_runs():
    text = DOCS.read_text()
    example = text.split("```python\n")[1].split("```")[0]
    namespace: dict = {}
    exec(compile(example, str(DOCS), "exec"), namespace)
    assert isinstance(namespace["e"], tf.Tensor)
    np.testing.assert_allclose(namespace["e"].numpy(),
                               namespace["energy"](namespace["p"].numpy(), np.ones(4)))


def test_docstring_examples():
    result = doctest.testmod(numpy_api, optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed
