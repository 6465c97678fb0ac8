"""Random numbers: ``tf.random``'s stateful ops, stateless ops and ``Generator``.

The numbers come from NumPy's Philox bit generator, so they are **not** TF's
numbers: a seeded program draws a different (equally good) sequence than it
would under TensorFlow.  What is TF's, checked against TF 2.21 by
``tests/test_random.py``, is when two draws are equal:

* ``set_seed(g)`` then ops without a seed: the sequence of ops repeats after
  ``set_seed(g)`` again.  Each op takes the next op seed from
  ``random.Random(g)`` exactly as TF does, so the seed pairs are TF's.
* ``seed=s`` on an op: TF keeps one stateful kernel per (op type, dtype
  attributes, global seed, op seed), so repeated calls give *different*
  values and ``set_seed`` restarts every kernel.  Ops of another type or
  dtype, or without a seed, never disturb that stream.  The shape's dtype
  (int32 from a list, int64 from an int64 tensor) is one of TF's kernel
  attributes too, and so separates streams here as well.
* ``seed=s`` with no global seed: TF's default global seed 87654321.
* no seed at all: non-deterministic.
* ``Generator``: its state is an int64 ``Variable`` laid out like TF's
  (Philox: a 128-bit counter in two words, then the key).  A draw of ``n``
  values advances the counter by ``256 * n`` as TF's does, so states, ``skip``,
  ``split`` and ``make_seeds`` keep TF's shapes and counter arithmetic.
* stateless ops: the same ``seed=[a, b]`` gives the same values, every time.

Differences from TF: other numbers (above); ``bfloat16`` is refused (NumPy
has none); stateless ops and Generators use one algorithm whatever ``alg``
says (ThreeFry refuses to draw, as TF's CPU kernels do); a Generator call
that fails leaves the state unchanged (TF has already advanced it); an op
seed drawn from the global sequence is used once, so the rare repeat of a
31-bit draw starts afresh (TF would continue that kernel); no ``binomial``,
``gamma`` or ``poisson`` yet.

Random ops are plain functions, not op declarations: the draws are constants
to the tape.  As in TF, ``mean``/``stddev`` and float ``minval``/``maxval``
enter through ``add``/``multiply``, so their gradients flow; ``categorical``,
``shuffle`` and integer draws have none.
"""

from __future__ import annotations

import enum
import random as _pyrandom
import zlib
from typing import Any

import numpy as np

from tapeflow.core.dtypes import DType, as_dtype, bfloat16, float32, int32, int64
from tapeflow.core.errors import NotFoundError, invalid_argument, shape_str
from tapeflow.core.tensor import Tensor, convert_to_tensor, is_tensor, wrap
from tapeflow.ops import arith

__all__ = [
    "normal", "uniform", "truncated_normal", "categorical", "shuffle", "set_seed",
    "stateless_normal", "stateless_uniform", "stateless_truncated_normal",
    "stateless_categorical", "split", "fold_in", "create_rng_state", "Algorithm",
    "Generator", "get_global_generator", "set_global_generator",
]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1
_MASK64 = 2**64 - 1
_COUNTER_STEP = 256  # TF's Philox counter advance per value drawn
_CPP = {"float16": "half", "float32": "float", "float64": "double"}
_FLOATS = "half, bfloat16, float, double"


# -- seeds ------------------------------------------------------------------------
class _Seeds:
    """The global seed, TF's op-seed sequence and its per-seed kernel states."""

    def __init__(self) -> None:
        self.global_seed: Any = None
        self.op_seeds = _pyrandom.Random()
        self.kernels: dict[tuple, np.random.Generator] = {}
        self._entropy: np.random.Generator | None = None

    @property
    def entropy(self) -> np.random.Generator:
        """Unseeded draws; made on first use (numpy.random costs ~9 ms to import)."""
        if self._entropy is None:
            self._entropy = np.random.default_rng()
        return self._entropy


_SEEDS = _Seeds()


def set_seed(seed: Any) -> None:
    """Sets the global random seed (TF's ``tf.random.set_seed``).

    Restarts the op-seed sequence and every seeded op's stream, so a program
    that calls ``set_seed`` first draws the same values each run:

    >>> import tapeflow as tf
    >>> tf.random.set_seed(7); a = tf.random.uniform([2], seed=1)
    >>> tf.random.set_seed(7); b = tf.random.uniform([2], seed=1)
    >>> bool((a.numpy() == b.numpy()).all())
    True
    """
    try:
        op_seeds = _pyrandom.Random(seed)
    except TypeError:  # TF's fallback for NumPy scalars and tensors
        op_seeds = _pyrandom.Random(int(np.array(seed)))
    _SEEDS.global_seed, _SEEDS.op_seeds = seed, op_seeds
    _SEEDS.kernels.clear()


def _truncate(seed: Any) -> int:
    try:
        return int(seed % _MAXINT32)
    except TypeError:
        raise TypeError(f"A random seed must be an integer, got {seed!r}.") from None


def get_seed(op_seed: Any = None) -> tuple:
    """The (global, op) seed pair an op with ``op_seed`` uses, TF's rules exactly.

    Without a global seed an op seed pairs with 87654321; with one, a missing
    op seed is the next draw of ``random.Random(global_seed)``; neither gives
    ``(None, None)`` (non-deterministic).  ``(0, 0)`` becomes ``(0, 2**31-1)``.
    """
    if _SEEDS.global_seed is not None:
        if op_seed is None:
            op_seed = _SEEDS.op_seeds.randint(0, _MAXINT32)
        seeds = _truncate(_SEEDS.global_seed), _truncate(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate(op_seed)
    else:
        return None, None
    return (0, _MAXINT32) if seeds == (0, 0) else seeds


def _philox(*words: int) -> np.random.Generator:
    """A Philox stream keyed by a hash of ``words`` (as TF scrambles its seeds)."""
    key = np.random.SeedSequence([w & _MASK64 for w in words]).generate_state(2, np.uint64)
    return np.random.Generator(np.random.Philox(key=key))


def _kernel(op: str, attrs: tuple, op_seed: Any) -> np.random.Generator:
    """The stream of TF's eager kernel for ``op`` with these attributes and seed.

    A kernel with an explicit op seed lives until the next ``set_seed``, so its
    draws continue; one with a seed drawn from the global sequence is used once.
    """
    seed1, seed2 = get_seed(op_seed)
    if seed1 is None:
        return _SEEDS.entropy
    key = (op, attrs, seed1, seed2)
    rng = _SEEDS.kernels.get(key)
    if rng is None:
        rng = _philox(seed1, seed2, zlib.crc32(repr((op, attrs)).encode()))
        if op_seed is not None:
            _SEEDS.kernels[key] = rng
    return rng


# -- argument checks ----------------------------------------------------------------
def _shape_arg(shape: Any) -> Tensor:
    """The shape as a tensor, converted as TF converts it (an empty list is int32)."""
    if isinstance(shape, (list, tuple)) and not shape:
        return wrap(np.zeros(0, np.int32))
    return convert_to_tensor(shape)


def _dims(shape: Tensor, op: str, attr: str = "T") -> tuple:
    v = shape._value
    if v.dtype not in (np.int32, np.int64):
        raise invalid_argument(op, f"Value for attr '{attr}' of {_cpp(shape.dtype)} is not in "
                                   f"the list of allowed values: int32, int64")
    if v.ndim != 1:
        raise invalid_argument(op, f"shape must be a vector of {{int32,int64}}, got shape "
                                   f"{shape_str(v.shape)}")
    for d in v.tolist():
        if d < 0:
            raise invalid_argument(op, f"Dimension {d} must be >= 0")
    return tuple(v.tolist())


def _cpp(dtype: DType) -> str:
    return _CPP.get(dtype.name, dtype.name)


def _dtype(dtype: Any, fn: str) -> DType:
    dt = as_dtype(dtype)
    if dt is bfloat16:
        raise TypeError(f"{fn}: bfloat16 is not supported (NumPy has no bfloat16).")
    return dt


def _check_float(dt: DType, op: str) -> None:
    if dt.kind != "f":
        raise invalid_argument(op, f"Value for attr 'dtype' of {_cpp(dt)} is not in the list of "
                                   f"allowed values: {_FLOATS}")


def _params(dt: DType, *values: Any) -> list:
    return [convert_to_tensor(v, dtype=dt) for v in values]


def _int_bounds(lo: Tensor, hi: Tensor, dims: tuple, op: str) -> tuple | None:
    """TF's RandomUniformInt checks; None when the output is empty."""
    for name, t in (("minval", lo), ("maxval", hi)):
        if t._value.ndim:
            raise invalid_argument(op, f"{name} must be 0-D, got shape {shape_str(t.shape)}")
    if 0 in dims:
        return None  # TF checks the range only for non-empty outputs
    low, high = int(lo._value), int(hi._value)
    if low >= high:
        raise invalid_argument(op, f"Need minval < maxval, got {low} >= {high}")
    return low, high


def _check_int_dtype(dt: DType, op: str) -> None:
    if dt.name in ("uint32", "uint64"):  # TF has these kernels only under XLA
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node {op}}}}} = "
                                        f"{op}[dtype=DT_{dt.name.upper()}] (no CPU kernel)")
    if dt.name not in ("int32", "int64"):
        raise invalid_argument(op, f"Value for attr 'dtype' of {dt.name} is not in the list of "
                                   f"allowed values: int32, int64, uint32, uint64")


def _uniform_dtype_error(dt: DType, accepted: tuple, fn: str) -> ValueError:
    return ValueError(f"{fn}: Argument `dtype` got invalid value {dt}. Accepted dtypes are "
                      f"{accepted}.")


# -- sampling (NumPy arrays) -------------------------------------------------------------
def _normal_values(rng: np.random.Generator, dims: Any, np_dtype: np.dtype) -> np.ndarray:
    if np_dtype == np.float16:
        return rng.standard_normal(dims, dtype=np.float32).astype(np.float16)
    return rng.standard_normal(dims, dtype=np_dtype)


def _truncated_values(rng: np.random.Generator, dims: Any, np_dtype: np.dtype) -> np.ndarray:
    """Standard normals, each one beyond 2 redrawn until it is not (TF's rule)."""
    out = _normal_values(rng, dims, np_dtype)
    bad = np.flatnonzero(np.abs(out) > 2)
    while bad.size:
        redraw = _normal_values(rng, bad.size, np_dtype)
        out.flat[bad] = redraw
        bad = bad[np.abs(redraw) > 2]
    return out


def _uniform_values(rng: np.random.Generator, dims: Any, np_dtype: np.dtype) -> np.ndarray:
    if np_dtype == np.float16:  # k / 1024 exactly: rounding a float32 could reach 1.0
        return (rng.integers(0, 1024, dims) * 2.0**-10).astype(np.float16)
    return rng.random(dims, dtype=np_dtype)


def _full_int_values(rng: np.random.Generator, dims: Any, np_dtype: np.dtype) -> np.ndarray:
    info = np.iinfo(np_dtype)
    return rng.integers(info.min, info.max, dims, dtype=np_dtype, endpoint=True)


def _categorical_values(rng: np.random.Generator, logits: np.ndarray, num_samples: int,
                        np_dtype: np.dtype) -> np.ndarray:
    """TF's CPU Multinomial kernel: a non-finite logit has probability 0, and a
    row without a finite one samples ``num_classes``."""
    lg = logits.astype(np.float64)
    finite = np.isfinite(lg)
    top = np.where(finite, lg, -np.inf).max(axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    cdf = np.cumsum(np.exp(np.where(finite, lg - top, -np.inf)), axis=1)
    targets = rng.random((lg.shape[0], num_samples)) * cdf[:, -1:]
    out = np.empty((lg.shape[0], num_samples), dtype=np_dtype)
    for row in range(lg.shape[0]):
        out[row] = np.searchsorted(cdf[row], targets[row], side="right")
    return out


def _affine(values: np.ndarray, scale: Tensor, shift: Tensor) -> Tensor:
    # TF's own composition: the tape sees ``scale`` and ``shift``.
    return arith.add(arith.multiply(wrap(values), scale), shift)


def _uniform_float(values: np.ndarray, lo: Tensor, hi: Tensor) -> Tensor:
    return arith.add(arith.multiply(wrap(values), arith.subtract(hi, lo)), lo)


# -- stateful ops (TF's legacy kernels) ----------------------------------------------------
def _scaled_draw(op: str, fn: str, draw: Any, shape: Any, mean: Any, stddev: Any,
                 dtype: Any, stream: Any, shape_attr: str = "T") -> Tensor:
    """``mean + stddev * draw(...)``: the steps the (truncated) normal ops share,
    in TF's order (the stream is taken, so an op seed is used up, before the
    shape and dtype checks that may fail)."""
    shape, dt = _shape_arg(shape), _dtype(dtype, fn)
    mean, stddev = _params(dt, mean, stddev)
    rng = stream(op, dt, shape.dtype.name)
    dims = _dims(shape, op, shape_attr)
    _check_float(dt, op)
    return _affine(draw(rng, dims, dt._np), stddev, mean)


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32,
           seed: Any = None, name: str | None = None) -> Tensor:
    """Samples from a normal distribution: ``mean + stddev * N(0, 1)``.

    >>> import tapeflow as tf
    >>> x = tf.random.normal([2, 3], mean=1.0, seed=4)
    >>> x.shape, x.dtype
    (TensorShape([2, 3]), tf.float32)
    """
    return _scaled_draw("RandomStandardNormal", "tf.random.normal", _normal_values, shape,
                        mean, stddev, dtype, lambda op, dt, s: _kernel(op, (dt.name, s), seed))


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32,
                     seed: Any = None, name: str | None = None) -> Tensor:
    """Normal samples, those more than 2 ``stddev`` from ``mean`` redrawn.

    >>> import tapeflow as tf
    >>> bool(tf.reduce_max(tf.abs(tf.random.truncated_normal([1000]))) <= 2.0)
    True
    """
    return _scaled_draw("TruncatedNormal", "tf.random.truncated_normal", _truncated_values,
                        shape, mean, stddev, dtype,
                        lambda op, dt, s: _kernel(op, (dt.name, s), seed))


_UNIFORM_DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64")


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = float32,
            seed: Any = None, name: str | None = None) -> Tensor:
    """Samples uniformly from ``[minval, maxval)`` (``[0, 1)`` by default).

    Integer dtypes need ``maxval``:

    >>> import tapeflow as tf
    >>> x = tf.random.uniform([5], minval=2, maxval=4, dtype=tf.int32, seed=1)
    >>> bool(((x.numpy() >= 2) & (x.numpy() < 4)).all())
    True
    """
    dt = as_dtype(dtype)
    if dt.name not in _UNIFORM_DTYPES:
        raise _uniform_dtype_error(dt, tuple(as_dtype(n) for n in _UNIFORM_DTYPES),
                                   "tf.random.uniform")
    dt = _dtype(dt, "tf.random.uniform")
    if maxval is None:
        if dt.is_integer:
            raise ValueError(f"tf.random.uniform: Must specify maxval for integer dtype {dt!r}")
        maxval = 1
    shape = _shape_arg(shape)
    # TF's shortcuts, which decide what the tape sees: [0, 1) is the raw draw,
    # [0, maxval) one multiply, anything else multiply and add.
    minval_is_zero = isinstance(minval, int) and minval == 0
    maxval_is_one = isinstance(maxval, int) and maxval == 1
    if not (minval_is_zero and maxval_is_one) or dt.is_integer:
        minval, maxval = _params(dt, minval, maxval)
    op = "RandomUniformInt" if dt.is_integer else "RandomUniform"
    rng = _kernel(op, (dt.name, shape.dtype.name), seed)
    dims = _dims(shape, op)
    if dt.is_integer:
        bounds = _int_bounds(minval, maxval, dims, op)
        if bounds is None:
            return wrap(np.zeros(dims, dt._np))
        return wrap(rng.integers(*bounds, dims, dtype=dt._np))
    values = _uniform_values(rng, dims, dt._np)
    if minval_is_zero:
        return wrap(values) if maxval_is_one else arith.multiply(wrap(values), maxval)
    return _uniform_float(values, minval, maxval)


def _check_logits(logits: Tensor, num_samples: Tensor, op: str) -> tuple:
    """TF's Multinomial checks, in TF's order; returns (logits array, num_samples)."""
    dt = logits.dtype
    if dt.is_integer:  # TF registers integer logits only under XLA
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node {op}}}}} = "
                                        f"{op}[T=DT_{dt.name.upper()}] (no CPU kernel)")
    if dt.kind != "f":
        raise invalid_argument(op, f"Value for attr 'T' of {dt.name} is not in the list of "
                                   f"allowed values: float, double, half and integer types")
    lg = logits._value
    if lg.ndim != 2:
        raise invalid_argument(op, f"logits should be a matrix, got shape {shape_str(lg.shape)}")
    if num_samples._value.ndim:
        raise invalid_argument(op, f"num_samples should be a scalar, got shape "
                                   f"{shape_str(num_samples.shape)}")
    n = int(num_samples._value)
    if n < 0:
        raise invalid_argument(op, f"num_samples should be non-negative, got {n}")
    if lg.shape[1] <= 0:
        raise invalid_argument(op, f"num_classes should be positive, got {lg.shape[1]}")
    return lg, n


def _categorical_dtype(dtype: Any, fn: str) -> DType:
    dt = as_dtype(dtype) if dtype else int64
    if dt not in (int32, int64):
        raise ValueError(f"{fn}: Argument `dtype` got invalid value {dt}. Accepted dtypes are "
                         f"{(int32, int64)}.")
    return dt


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None,
                name: str | None = None) -> Tensor:
    """Class indices sampled from rows of unnormalised log-probabilities.

    ``logits`` is ``[batch, num_classes]``; the result ``[batch, num_samples]``
    (int64 unless ``dtype=tf.int32``).

    >>> import tapeflow as tf
    >>> tf.random.categorical([[float("-inf"), 0.0]], 3, seed=2).numpy().tolist()
    [[1, 1, 1]]
    """
    logits = convert_to_tensor(logits)
    dt = _categorical_dtype(dtype, "tf.random.categorical")
    rng = _kernel("Multinomial", (logits.dtype.name, dt.name), seed)
    lg, n = _check_logits(logits, convert_to_tensor(num_samples, dtype=int32), "Multinomial")
    return wrap(_categorical_values(rng, lg, n, dt._np))


def shuffle(value: Any, seed: Any = None, name: str | None = None) -> Tensor:
    """A random permutation of ``value`` along its first axis.

    >>> import tapeflow as tf
    >>> sorted(tf.random.shuffle([1, 2, 3], seed=5).numpy().tolist())
    [1, 2, 3]
    """
    value = convert_to_tensor(value)
    rng = _kernel("RandomShuffle", (value.dtype.name,), seed)
    v = value._value
    if v.ndim == 0 or v.shape[0] <= 1:
        return wrap(v.copy())
    return wrap(v[rng.permutation(v.shape[0])])


# -- stateless ops ------------------------------------------------------------------------
def _seed_stream(seed: Any, alg: Any) -> np.random.Generator:
    """The stream for a stateless ``seed=[a, b]``; a function of the pair alone."""
    if _alg_to_int(alg) == Algorithm.THREEFRY.value:  # TF's CPU kernels reject it too
        raise invalid_argument("StatelessRandomGetKeyCounter", "counter must be a vector with "
                               "length at least 2; got shape: [1] (ThreeFry has no CPU kernel)")
    s = convert_to_tensor(seed)
    op = "StatelessRandomGetKeyCounter"
    if s.dtype.kind not in "iu":
        raise invalid_argument(op, f"Value for attr 'Tseed' of {_cpp(s.dtype)} is not in the "
                                   f"list of allowed values: int32, int64")
    if s._value.shape != (2,):
        raise invalid_argument(op, f"seed must have shape [2], not {shape_str(s.shape)}")
    return _philox(*(int(w) for w in s._value))


def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                     dtype: Any = float32, name: str | None = None,
                     alg: Any = "auto_select") -> Tensor:
    """Normal samples that depend only on ``shape``, ``dtype`` and ``seed=[a, b]``.

    >>> import tapeflow as tf
    >>> a = tf.random.stateless_normal([3], seed=[1, 2])
    >>> b = tf.random.stateless_normal([3], seed=[1, 2])
    >>> bool((a.numpy() == b.numpy()).all())
    True
    """
    return _scaled_draw("StatelessRandomNormalV2", "tf.random.stateless_normal",
                        _normal_values, shape, mean, stddev, dtype,
                        lambda op, dt, s: _seed_stream(seed, alg), "Tshape")


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = float32, name: str | None = None,
                               alg: Any = "auto_select") -> Tensor:
    """Truncated-normal samples (within 2 ``stddev``) fixed by ``seed=[a, b]``.

    >>> import tapeflow as tf
    >>> x = tf.random.stateless_truncated_normal([100], seed=[3, 4])
    >>> bool(tf.reduce_max(tf.abs(x)) <= 2.0)
    True
    """
    return _scaled_draw("StatelessTruncatedNormalV2", "tf.random.stateless_truncated_normal",
                        _truncated_values, shape, mean, stddev, dtype,
                        lambda op, dt, s: _seed_stream(seed, alg), "Tshape")


_STATELESS_UNIFORM_DTYPES = _UNIFORM_DTYPES + ("uint32", "uint64")


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None,
                      dtype: Any = float32, name: str | None = None,
                      alg: Any = "auto_select") -> Tensor:
    """Uniform samples in ``[minval, maxval)`` fixed by ``seed=[a, b]``.

    An integer dtype with ``minval=None, maxval=None`` covers its whole range.

    >>> import tapeflow as tf
    >>> tf.random.stateless_uniform([2], seed=[5, 6], maxval=10, dtype=tf.int32).dtype
    tf.int32
    """
    fn = "tf.random.stateless_uniform"
    dt = as_dtype(dtype)
    if dt.name not in _STATELESS_UNIFORM_DTYPES:
        raise _uniform_dtype_error(dt, tuple(as_dtype(n) for n in _STATELESS_UNIFORM_DTYPES), fn)
    dt = _dtype(dt, fn)
    if dt.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(f"{fn}: For integer `dtype` argument {dt}, argument `minval` and "
                             f"`maxval` must be both None or not None. Got `minval`={minval} "
                             f"and `maxval`={maxval}.")
        if minval is not None and dt.is_unsigned:
            raise ValueError(f"{fn}: Argument `dtype` got invalid value {dt} when argument "
                             f"`minval` is not None. Please don't use unsigned integers in "
                             f"this case.")
    elif maxval is None:
        maxval = 1
    shape = _shape_arg(shape)
    if dt.is_integer and minval is None:
        rng = _seed_stream(seed, alg)
        return wrap(_full_int_values(rng, _dims(shape, "StatelessRandomUniformFullIntV2",
                                                "Tshape"), dt._np))
    minval, maxval = _params(dt, minval, maxval)
    rng = _seed_stream(seed, alg)
    if dt.is_integer:
        op = "StatelessRandomUniformIntV2"
        dims = _dims(shape, op, "Tshape")
        bounds = _int_bounds(minval, maxval, dims, op)
        if bounds is None:
            return wrap(np.zeros(dims, dt._np))
        return wrap(rng.integers(*bounds, dims, dtype=dt._np))
    values = _uniform_values(rng, _dims(shape, "StatelessRandomUniformV2", "Tshape"), dt._np)
    return _uniform_float(values, minval, maxval)


def stateless_categorical(logits: Any, num_samples: Any, seed: Any, dtype: Any = int64,
                          name: str | None = None) -> Tensor:
    """``categorical`` with its samples fixed by ``seed=[a, b]``.

    >>> import tapeflow as tf
    >>> tf.random.stateless_categorical([[0.0, 0.0]], 4, seed=[1, 2]).shape
    TensorShape([1, 4])
    """
    logits = convert_to_tensor(logits)
    dt = _categorical_dtype(dtype, "tf.random.stateless_categorical")
    rng = _seed_stream(seed, "auto_select")
    lg, n = _check_logits(logits, convert_to_tensor(num_samples, dtype=int32),
                          "StatelessMultinomial")
    return wrap(_categorical_values(rng, lg, n, dt._np))


def split(seed: Any, num: Any = 2, alg: Any = "auto_select") -> Tensor:
    """``num`` new stateless seeds (shape ``[num, 2]``, ``seed``'s dtype) from one.

    >>> import tapeflow as tf
    >>> tf.random.split([1, 2], num=3).shape
    TensorShape([3, 2])
    """
    seed = convert_to_tensor(seed)
    return stateless_uniform([num, 2], seed=seed, minval=None, maxval=None,
                             dtype=seed.dtype, alg=alg)


def fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """A new stateless seed from ``seed`` and an integer ``data`` (e.g. a replica id).

    >>> import tapeflow as tf
    >>> tf.random.fold_in([1, 2], 7).numpy()[1]
    np.int32(7)
    """
    data = convert_to_tensor(data)
    first = stateless_uniform([], seed=seed, minval=None, maxval=None, dtype=data.dtype,
                              alg=alg)
    return wrap(np.stack([first._value, data._value]))



class Algorithm(enum.Enum):
    """RNG algorithms, as TF numbers them."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _unsupported_alg(alg: Any) -> str:
    return (f"Argument `alg` got unsupported value {alg}. Supported values are philox for the "
            f"Philox algorithm, threefry for the ThreeFry algorithm, and auto_select for "
            f"auto-selection.")


def _alg_to_int(alg: Any) -> int:
    if isinstance(alg, Algorithm):
        return alg.value
    if isinstance(alg, (int, np.integer)) or is_tensor(alg):
        return int(alg)
    if isinstance(alg, str):
        canon = alg.strip().lower().replace("-", "").replace("_", "")
        names = {"philox": 1, "threefry": 2, "autoselect": 3}
        if canon in names:
            return names[canon]
        raise ValueError(_unsupported_alg(alg))
    raise TypeError(f"Can't convert argument `alg` (of value {alg} and type {type(alg)}) to int.")


from tapeflow.ops.random_generator import (  # noqa: E402  (Generator draws with the helpers above)
    Generator,
    create_rng_state,
    get_global_generator,
    set_global_generator,
)
