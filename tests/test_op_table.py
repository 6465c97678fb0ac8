"""The table test: every registered op, on every one of its samples.

STYLE.md, "The table test, per (op, sample)".  The table is
``tapeflow.core.opdef.REGISTRY`` itself, so a newly declared op is tested
with no edit here, and an op without samples fails ``test_op_has_samples``.
Per (op, sample), in float64:

* value: the op against its reference (``sample.ref`` or ``op.reference``,
  else the NumPy ufunc it wraps), with shape and dtype;
* JVP (the op's forward rule) against central differences along a random
  tangent;
* VJP through a real GradientTape, by <u, VJP(v)> = <numeric JVP(u), v>;
* VJP and JVP, both analytic, agree to rounding: <u, VJP(v)> = <JVP(u), v>;
* second order through nested tapes, for smooth ops: the outer tape's
  gradient of <first-order gradient, w> against central differences of the
  first-order tape gradient;
* claims both ways: a non-differentiable op gives None gradients, an error
  sample raises its error type naming the op.

TF's choices at kinks are pinned by the small explicit tests at the end.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.opdef import COMPOSITES, REGISTRY, Composite, OpDef, Sample
from tapeflow.core.tensor import Tensor
from tapeflow.ops import arith, load_all

# Ops with kinks: their second derivative is zero almost everywhere and
# undefined at the kinks, so the second-order check is skipped for them only.
NOT_SMOOTH = frozenset({"Abs", "Sign", "Relu", "Maximum", "Minimum", "Max", "Min",
                        "FloorMod"})
# Ops whose rules TF defines to first order only: the derivative in ``a`` is the
# IgammaGradA op, which has no gradient (in TF either).
FIRST_ORDER_ONLY = frozenset({"Igamma", "Igammac"})

# Central differences in float64: truncation error ~ STEP^2, rounding ~ 1e-16 / STEP.
STEP, RTOL, ATOL = 1e-6, 1e-5, 1e-7
# Two analytic rules (VJP and JVP) must agree to rounding, relative to the
# size of the terms of the inner products.
AGREE_RTOL = 1e-10

load_all()  # the rarer families load on first use otherwise (tapeflow/core/lazy.py)
OPS = {op.name: op for op in REGISTRY}
CASES = [pytest.param(op, sample, id=f"{op.name}-{i}")
         for op in REGISTRY for i, sample in enumerate(op.samples)]


# -- helpers -----------------------------------------------------------------------------
def central_difference(f: Callable[[list], list], args: Sequence, direction: Sequence,
                       step: float = STEP) -> list[np.ndarray]:
    """d/dt f(args + t * direction) at t = 0; a None direction holds that arg fixed.

    ``f`` maps a list of NumPy args to a list of NumPy outputs.
    """
    def shifted(sign: float) -> list:
        return [a if d is None else a + sign * step * d for a, d in zip(args, direction)]
    plus, minus = f(shifted(1.0)), f(shifted(-1.0))
    return [(p - m) / (2 * step) for p, m in zip(plus, minus)]


def tolerance(dtype: np.dtype) -> tuple[float, float, float]:
    """(step, rtol, atol) of a finite-difference check whose output has ``dtype``."""
    if np.dtype(dtype) in (np.float64, np.complex128):
        return STEP, RTOL, ATOL
    resolution = float(np.finfo(dtype).resolution)  # float32: 1e-6
    return 10 * resolution ** 0.5, 100 * resolution, 100 * resolution


def numpy_args(sample: Sample) -> list:
    """The sample's args, Python floats as float64 arrays (the table runs in float64)."""
    return [np.asarray(a, dtype=np.float64) if isinstance(a, float) else a
            for a in sample.args]


def tensors(args: Sequence) -> list[Tensor]:
    return [tf.convert_to_tensor(a) for a in args]


def outputs(op: OpDef, out: Any) -> list:
    """The op's outputs as a list (``n_out`` > 0: the forward returned a tuple)."""
    return list(out) if op.n_out else [out]


def run(op: OpDef, inputs: Sequence, params: dict) -> list[Tensor]:
    return outputs(op, op.run(*inputs, **params))


def as_float(t: Tensor) -> np.ndarray:
    """An output's values for differencing (float32 results widened to float64)."""
    v = np.asarray(t.numpy())
    return v.astype(np.complex128 if v.dtype.kind == "c" else np.float64)


def differentiable_inputs(op: OpDef, args: Sequence) -> list[bool]:
    """Which inputs get tangents: floating inputs the op does not declare nondiff."""
    return [i not in op.nondiff_inputs and np.asarray(a).dtype.kind in "fc"
            for i, a in enumerate(args)]


def random_like(rng: np.random.Generator, like: Any) -> np.ndarray:
    a = np.asarray(like)
    r = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(a.shape)
    return np.asarray(r, dtype=a.dtype)


def values(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def inner(xs: Sequence, ys: Sequence) -> tuple[float, float]:
    """Real inner product of two lists of arrays (None: zero), and its scale.

    The scale (sum of |x_i| |y_i|) bounds the rounding of the sum, so a
    relative tolerance on it survives cancellation.
    """
    total = scale = 0.0
    for x, y in zip(xs, ys):
        if x is None or y is None:
            continue
        x = np.asarray(values(x), dtype=np.complex128).ravel()
        y = np.asarray(values(y), dtype=np.complex128).ravel()
        total += float(np.real(np.vdot(x, y)))
        scale += float(np.sum(np.abs(x) * np.abs(y)))
    return total, scale


def assert_close_scalar(what: str, got: float, want: float, scale: float, rtol: float,
                        atol: float) -> None:
    assert abs(got - want) <= rtol * scale + atol, (
        f"{what}: {got!r} != {want!r} (difference {abs(got - want):.3e}, "
        f"allowed {rtol * scale + atol:.3e})")


def tape_vjp(op: OpDef, params: dict, inputs: list, mask: list, cotangents: list) -> list:
    """Gradients of the op's outputs (weighted by ``cotangents``) via a GradientTape."""
    sources = [x for x, m in zip(inputs, mask) if m]
    seeds = [tf.convert_to_tensor(c) for c in cotangents]
    with tf.GradientTape() as tape:
        tape.watch(sources)
        outs = run(op, inputs, params)
    if op.n_out:
        grads = tape.gradient(outs, sources, output_gradients=seeds)
    else:
        grads = tape.gradient(outs[0], sources, output_gradients=seeds[0])
    it = iter(grads)
    return [next(it) if m else None for m in mask]


def weighted_sum(grads: Sequence, weights: Sequence) -> Tensor:
    """<grads, weights> as a tapeflow scalar (so an outer tape can differentiate it)."""
    terms = [tf.reduce_sum(tf.multiply(g, tf.convert_to_tensor(w)))
             for g, w in zip(grads, weights) if g is not None and w is not None]
    return functools.reduce(tf.add, terms)


# -- the checks, one per step of STYLE.md's table test ----------------------------------------
def check_raises(op: OpDef, sample: Sample) -> None:
    """7. An error sample raises its error type, and the message names the op."""
    with pytest.raises(sample.raises) as info:
        op.run(*sample.args, **sample.params)
    assert op.name in str(info.value), f"{op.name}: error message {str(info.value)!r}"


def check_value(op: OpDef, sample: Sample, args: list) -> list[Tensor]:
    """2. The value against the reference, with shape and dtype."""
    reference = sample.ref or op.reference
    if reference is None:
        assert isinstance(op.fwd, np.ufunc), (
            f"{op.name}: forward is not a NumPy ufunc, so it needs a reference")
        reference = op.fwd  # checks wrapping, shape and dtype only
    got = outputs(op, op.run(*args, **sample.params))
    want = outputs(op, reference(*args, **sample.params))
    assert len(got) == len(want), f"{op.name}: {len(got)} outputs, reference {len(want)}"
    floats = [np.asarray(a).dtype for a in args if np.asarray(a).dtype.kind in "fc"]
    float64_in = op.differentiable and floats and all(d == np.float64 for d in floats)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert type(g) is Tensor, f"{op.name}: output is {type(g).__name__}, not Tensor"
        assert g.numpy().shape == w.shape, f"{op.name}: shape {g.numpy().shape} != {w.shape}"
        assert g.numpy().dtype == w.dtype, f"{op.name}: dtype {g.numpy().dtype} != {w.dtype}"
        if float64_in and w.dtype.kind in "fc":  # integer outputs (indices) keep theirs
            # complex128 where the op builds complex numbers from float64 parts
            expected = np.dtype(sample.params.get("DstT", np.float64))
            assert g.numpy().dtype in (expected, np.dtype(np.complex128)), (
                f"{op.name}: float64 inputs gave {g.numpy().dtype}")
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-14,
                                       err_msg=f"{op.name}: value")
        else:
            np.testing.assert_array_equal(g.numpy(), w, err_msg=f"{op.name}: value")
    return got


def check_no_gradient(op: OpDef, sample: Sample, args: list) -> None:
    """7. No gradient flows through a non-differentiable op (or from non-float inputs)."""
    inputs = tensors(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outs = run(op, inputs, sample.params)
        grads = tape.gradient(outs if op.n_out else outs[0], inputs)
    assert all(g is None for g in grads), f"{op.name}: gradients {grads} (expected None)"
    if any(np.asarray(a).dtype.kind not in "fc" for a in args):
        assert any("dtype" in str(w.message) for w in caught), (
            f"{op.name}: watching a non-float input gave no warning")


class Derivatives:
    """The first-order quantities of one (op, sample): tangent u, cotangent v, rules."""

    def __init__(self, op: OpDef, sample: Sample, args: list,
                 rng: np.random.Generator) -> None:
        self.op, self.params, self.args = op, sample.params, args
        self.mask = differentiable_inputs(op, args)
        inputs = tensors(args)
        self.outs = outs = run(op, inputs, self.params)
        self.out_dtype = np.result_type(*[o.numpy().dtype for o in outs])
        self.step, self.rtol, self.atol = tolerance(self.out_dtype)
        self.u = [random_like(rng, a) if m else None for a, m in zip(args, self.mask)]
        self.v = [random_like(rng, o.numpy()) for o in outs]
        self.inputs = inputs
        self.jvp = self.analytic_jvp(self.u)
        self.numeric_jvp = central_difference(self.forward, args, self.u, self.step)
        self.vjp = tape_vjp(op, self.params, inputs, self.mask, self.v)

    def analytic_jvp(self, tangents: list) -> list:
        out = tuple(self.outs) if self.op.n_out else self.outs[0]
        jvp = self.op.jvp([None if t is None else tf.convert_to_tensor(t) for t in tangents],
                          self.inputs, out, self.params)
        return outputs(self.op, jvp)

    def forward(self, args: list) -> list[np.ndarray]:
        return [as_float(o) for o in run(self.op, tensors(args), self.params)]


def check_jvp(d: Derivatives) -> None:
    """3. The JVP rule against central differences along the same random tangent.

    With several differentiable inputs, also each input's tangent alone (the
    others None), so a rule's term must still have the output's full shape.
    """
    compare_jvp(d, "all inputs", d.jvp, d.numeric_jvp)
    if sum(d.mask) > 1:
        for i, t in enumerate(d.u):
            if t is not None:
                alone = [t if j == i else None for j in range(len(d.u))]
                compare_jvp(d, f"input {i} alone", d.analytic_jvp(alone),
                            central_difference(d.forward, d.args, alone, d.step))


def compare_jvp(d: Derivatives, which: str, analytic: list, numeric: list) -> None:
    name = d.op.name
    for k, (a, n, out) in enumerate(zip(analytic, numeric, d.outs)):
        if out.numpy().dtype.kind not in "fc":
            continue  # an integer output (top_k's indices) carries no tangent
        assert a is not None, f"{name}: JVP of output {k} is None ({which})"
        assert a.numpy().shape == out.numpy().shape, (
            f"{name}: JVP shape {a.numpy().shape} != output {out.numpy().shape} ({which})")
        np.testing.assert_allclose(as_float(a), n, rtol=d.rtol, atol=d.atol,
                                   err_msg=f"{name}: JVP of output {k} ({which}) vs "
                                   f"central differences")


def check_vjp(d: Derivatives) -> None:
    """4. The tape's VJP, by <u, VJP(v)> = <numeric JVP(u), v>."""
    name = d.op.name
    for g, a, m in zip(d.vjp, d.args, d.mask):
        if m:
            assert g is not None, f"{name}: tape gave None for a differentiable input"
            assert g.numpy().shape == np.shape(a), (
                f"{name}: gradient shape {g.numpy().shape} != input shape {np.shape(a)}")
            assert g.numpy().dtype == np.asarray(a).dtype, (
                f"{name}: gradient dtype {g.numpy().dtype} != input {np.asarray(a).dtype}")
    lhs, lscale = inner(d.u, d.vjp)
    rhs, rscale = inner(d.numeric_jvp, d.v)
    assert_close_scalar(f"{name}: <u, VJP(v)> vs <numeric JVP(u), v>", lhs, rhs,
                        lscale + rscale, d.rtol, d.atol)


def check_agree(d: Derivatives) -> None:
    """5. The two analytic rules agree: <u, VJP(v)> = <JVP(u), v> to rounding."""
    lhs, lscale = inner(d.u, d.vjp)
    rhs, rscale = inner(d.jvp, d.v)
    rtol = max(AGREE_RTOL, 50 * float(np.finfo(d.out_dtype).eps))
    assert_close_scalar(f"{d.op.name}: <u, VJP(v)> vs <JVP(u), v>", lhs, rhs,
                        lscale + rscale, rtol, 0.0)


def check_second_order(d: Derivatives, rng: np.random.Generator) -> None:
    """6. Nested tapes: d/dx <grad f(x), w> along u against central differences."""
    op, params, mask = d.op, d.params, d.mask
    w = [random_like(rng, a) if m else None for a, m in zip(d.args, mask)]
    inputs = tensors(d.args)
    sources = [x for x, m in zip(inputs, mask) if m]
    with tf.GradientTape() as outer:
        outer.watch(sources)
        s = weighted_sum(tape_vjp(op, params, inputs, mask, d.v), w)
    hess_w = outer.gradient(s, sources)
    it = iter(hess_w)
    hess_w = [next(it) if m else None for m in mask]

    def first_order(args: list) -> list[np.ndarray]:
        grads = tape_vjp(op, params, tensors(args), mask, d.v)
        # The outer tape differentiates Re(s) for a complex s (TF's convention).
        return [np.asarray(np.real(weighted_sum(grads, w).numpy()), dtype=np.float64)]

    numeric = float(central_difference(first_order, d.args, d.u, d.step)[0])
    # A None gradient means the first-order gradient does not depend on x: zero.
    analytic, scale = inner(d.u, hess_w)
    assert_close_scalar(f"{op.name}: second order (nested tapes) vs central differences",
                        analytic, numeric, scale + abs(numeric), d.rtol, d.atol)


# -- the table --------------------------------------------------------------------------------
@pytest.mark.parametrize("op", REGISTRY, ids=lambda op: op.name)
def test_op_has_samples(op: OpDef) -> None:
    """1. Every registered op carries sample inputs."""
    assert op.samples, f"{op.name} declares no samples, so the table test cannot check it"


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_op_sample(op: OpDef, sample: Sample) -> None:
    """Steps 2-7 of the table test on one (op, sample)."""
    if sample.raises is not None:
        check_raises(op, sample)
        return
    args = numpy_args(sample)
    check_value(op, sample, args)
    if not op.differentiable or not any(differentiable_inputs(op, args)):
        check_no_gradient(op, sample, args)
        return
    if not sample.grad:
        return
    rng = np.random.default_rng(0)
    d = Derivatives(op, sample, args, rng)
    check_jvp(d)
    check_vjp(d)
    check_agree(d)
    if op.name not in NOT_SMOOTH and op.name not in FIRST_ORDER_ONLY:
        check_second_order(d, rng)


BATCHED = [pytest.param(op, sample, id=f"{op.name}-{i}")
           for op in REGISTRY if op.batchable and op.differentiable
           for i, sample in enumerate(op.samples) if sample.raises is None and sample.grad]


@pytest.mark.parametrize(("op", "sample"), BATCHED)
def test_batchable_rules_take_a_stack_of_cotangents(op: OpDef, sample: Sample) -> None:
    """An op flagged ``batchable`` gives the same Jacobian in one batched
    backward walk as row by row (``experimental_use_pfor=False``)."""
    args = numpy_args(sample)
    mask = differentiable_inputs(op, args)
    if not any(mask):
        return
    inputs = tensors(args)
    sources = [x for x, m in zip(inputs, mask) if m]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(sources)
        outs = run(op, inputs, sample.params)
    target = outs[0]
    batched = tape.jacobian(target, sources)
    looped = tape.jacobian(target, sources, experimental_use_pfor=False)
    for b, lp, src in zip(batched, looped, sources):
        want_shape = tuple(target.shape) + tuple(src.shape)
        assert (b is None) == (lp is None), f"{op.name}: connectivity differs"
        if b is not None:
            assert tuple(b.shape) == want_shape, f"{op.name}: jacobian shape {b.shape}"
            np.testing.assert_allclose(values(b), values(lp), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{op.name}: batched VJP rule disagrees")


def test_table_is_not_empty() -> None:
    """The table walks a populated registry (importing tapeflow declares the ops)."""
    names = {op.name for op in REGISTRY}
    assert {"Sin", "Mul", "BatchMatMulV2", "Sum", "Softmax"} <= names
    assert len(CASES) >= len(REGISTRY)


# -- TF's choices at kinks, pinned -------------------------------------------------------------
def f64(data: Any) -> Tensor:
    return tf.constant(data, dtype=tf.float64)


def grads_of(f: Callable, *xs: Tensor) -> list:
    with tf.GradientTape() as tape:
        tape.watch(list(xs))
        y = f(*xs)
    return [None if g is None else g.numpy() for g in tape.gradient(y, list(xs))]


def jvp_of(public: Callable, tangents: list, *xs: Tensor, **params: Any) -> np.ndarray:
    op = public.op
    out = op.run(*xs, **params)
    return op.jvp([f64(t) for t in tangents], list(xs), out, params).numpy()


def test_relu_kink_gradient_is_zero() -> None:
    x = f64([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(grads_of(tf.nn.relu, x)[0], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(jvp_of(tf.nn.relu, [[1.0, 1.0, 1.0]], x), [0.0, 0.0, 1.0])


def test_abs_kink_gradient_is_zero() -> None:
    x = f64([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(grads_of(tf.abs, x)[0], [-1.0, 0.0, 1.0])
    real_abs = tf.math.abs.__wrapped__ if hasattr(tf.math.abs, "__wrapped__") else arith.abs
    np.testing.assert_array_equal(jvp_of(real_abs, [[1.0, 1.0, 1.0]], x), [-1.0, 0.0, 1.0])


def test_sign_gradient_is_zero_not_none() -> None:
    x = f64([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(grads_of(tf.sign, x)[0], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(jvp_of(tf.sign, [[1.0, 1.0, 1.0]], x), [0.0, 0.0, 0.0])


def test_maximum_tie_sends_gradient_to_x() -> None:
    x, y = f64([1.0, 2.0, 3.0]), f64([1.0, 5.0, 0.0])  # tie, y wins, x wins
    gx, gy = grads_of(tf.maximum, x, y)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(
        jvp_of(tf.maximum, [[10.0, 10.0, 10.0], [20.0, 20.0, 20.0]], x, y), [10.0, 20.0, 10.0])


def test_minimum_tie_sends_gradient_to_x() -> None:
    x, y = f64([1.0, 2.0, 3.0]), f64([1.0, 5.0, 0.0])  # tie, x wins, y wins
    gx, gy = grads_of(tf.minimum, x, y)
    np.testing.assert_array_equal(gx, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(
        jvp_of(tf.minimum, [[10.0, 10.0, 10.0], [20.0, 20.0, 20.0]], x, y), [10.0, 10.0, 20.0])


@pytest.mark.parametrize("reduce", [tf.reduce_max, tf.reduce_min], ids=["max", "min"])
def test_reduce_extreme_ties_share_gradient(reduce: Callable) -> None:
    x = f64([[3.0, -1.0, 3.0, 3.0], [3.0, -1.0, -1.0, 0.0]])
    row_max = np.array([[1, 0, 1, 1], [1, 0, 0, 0]]) / np.array([[3.0], [1.0]])
    row_min = np.array([[0, 1, 0, 0], [0, 1, 1, 0]]) / np.array([[1.0], [2.0]])
    expected = row_max if reduce is tf.reduce_max else row_min
    g = grads_of(lambda t: reduce(t, axis=1), x)[0]
    np.testing.assert_allclose(g, expected, rtol=0, atol=1e-15)
    # The whole tensor: ties across rows share too.
    g_all = grads_of(reduce, x)[0]
    hits = x.numpy() == (x.numpy().max() if reduce is tf.reduce_max else x.numpy().min())
    np.testing.assert_allclose(g_all, hits / hits.sum(), rtol=0, atol=1e-15)
    # Forward mode agrees: the tangent is the mean of the tied elements' tangents.
    op = OPS["Max" if reduce is tf.reduce_max else "Min"]
    dx = np.arange(8.0).reshape(2, 4)
    params = {"axis": (1,), "keepdims": False}
    jvp = op.jvp([f64(dx)], [x], op.run(x, **params), params).numpy()
    np.testing.assert_allclose(jvp, np.sum(dx * expected, axis=1), rtol=0, atol=1e-15)


# -- composites: public functions built from other ops ------------------------------------------
COMPOSITE_CASES = [pytest.param(c, sample, id=f"{c.name}-{i}")
                   for c in COMPOSITES for i, sample in enumerate(c.samples)]


@pytest.mark.parametrize(("comp", "sample"), COMPOSITE_CASES)
def test_composite_sample(comp: Composite, sample: Sample) -> None:
    """A composite's value against its reference, and its derivatives (tape and
    accumulator, to second order when smooth) against central differences."""
    args = numpy_args(sample)
    if sample.raises is not None:
        with pytest.raises(sample.raises):
            comp.fn(*args, **sample.params)
        return
    out = comp.fn(*tensors(args), **sample.params)
    reference = sample.ref or comp.reference
    assert reference is not None, f"{comp.name}: a composite needs a reference"
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    wants = reference(*args, **sample.params)
    wants = list(wants) if isinstance(wants, (tuple, list)) else [wants]
    assert len(outs) == len(wants), f"{comp.name}: {len(outs)} outputs, reference {len(wants)}"
    for k, (got, want) in enumerate(zip(outs, wants)):
        np.testing.assert_allclose(values(got), np.asarray(want), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{comp.name}: value of output {k}")
    floats = [i for i, a in enumerate(args)
              if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    if not sample.grad or not floats or not any(o.dtype.is_floating for o in outs):
        return

    def f(*xs: Tensor) -> Tensor:
        """Every float output, flattened into one vector, so each is checked."""
        full = tensors(args)
        for i, x in zip(floats, xs):
            full[i] = x
        result = comp.fn(*full, **sample.params)
        parts = list(result) if isinstance(result, (tuple, list)) else [result]
        flat = [tf.reshape(p, (-1,)) for p in parts if p.dtype.is_floating]
        return flat[0] if len(flat) == 1 else tf.concat(flat, axis=0)

    tf.test.check_gradients(f, [args[i] for i in floats], order=2 if comp.smooth else 1)


def test_zero_cotangent_through_an_infinite_partial_is_zero_as_tf() -> None:
    """TF's SqrtGrad, RsqrtGrad and ReciprocalGrad give 0 where the incoming
    gradient is 0, so ``where(x > 0, sqrt(x), 0)`` has a finite gradient at 0
    (TF 2.21: [0, 0.25]); log, x ** 0.5 and 1 / x keep their NaN, as in TF."""
    x = f64([0.0, 4.0])
    expected = {tf.sqrt: [0.0, 0.25], tf.math.rsqrt: [0.0, -0.0625],
                tf.math.reciprocal: [0.0, -0.0625]}
    with np.errstate(all="ignore"):
        for fn, want in expected.items():
            np.testing.assert_array_equal(
                grads_of(lambda v, fn=fn: tf.where(v > 0, fn(v), 0.0), x)[0], want)
        for fn in (tf.math.log, lambda v: v ** 0.5, lambda v: 1.0 / v):
            assert np.isnan(grads_of(lambda v, fn=fn: tf.where(v > 0, fn(v), 0.0), x)[0][0])
