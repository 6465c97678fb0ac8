"""``tf.random.Generator`` and its state layout (see tapeflow.ops.random for the
seed semantics and the differences from TF).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype, float32, int64, uint64
from tapeflow.core.errors import UnimplementedError, invalid_argument
from tapeflow.core.tensor import Tensor, TensorShape, convert_to_tensor, is_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops.random import (  # noqa: F401  (shared draw helpers)
    _COUNTER_STEP,
    _MASK64,
    Algorithm,
    _affine,
    _alg_to_int,
    _check_float,
    _check_int_dtype,
    _cpp,
    _dims,
    _dtype,
    _full_int_values,
    _int_bounds,
    _normal_values,
    _params,
    _shape_arg,
    _truncated_values,
    _uniform_float,
    _uniform_values,
    _unsupported_alg,
    normal,
    split,
    truncated_normal,
    uniform,
)

__all__ = ["Algorithm", "Generator", "create_rng_state", "get_global_generator",
           "set_global_generator"]


# -- Generator ----------------------------------------------------------------------------
def _state_size(alg: int) -> int:
    if alg not in (1, 2, 3):
        raise ValueError(_unsupported_alg(alg))
    return 2 if alg == Algorithm.THREEFRY.value else 3  # AUTO_SELECT is kept as Philox


def _int64s(value: Any) -> np.ndarray:
    """Integers as int64, Python ints above 2**63 wrapping as TF wraps them."""
    if isinstance(value, (list, tuple)):
        value = [_int64s(v) for v in value]
    elif isinstance(value, int) and value > 2**63 - 1:
        value -= 2**64
    return np.asarray(convert_to_tensor(value) if is_tensor(value) else value).astype(np.int64)


def create_rng_state(seed: Any, alg: Any) -> Tensor:
    """A Generator state from an integer or a vector of integers (TF's layout).

    >>> import tapeflow as tf
    >>> tf.random.create_rng_state(1234, "philox").numpy().tolist()
    [1234, 0, 0]
    """
    size = _state_size(_alg_to_int(alg))
    if isinstance(seed, int):  # a Python int is cut into 64-bit words, low first
        words = []
        for _ in range(size):
            words.append(seed & _MASK64)
            seed >>= 64
        seed = words
    state = _int64s(seed).reshape(-1)[:size]
    # Short seeds are padded on the left, so that they land in the key.
    return wrap(np.concatenate([np.zeros(size - state.size, np.int64), state]))


def _check_shape(shape: Any, expected: list) -> None:
    if list(shape) != expected:
        raise ValueError(f"Shapes {TensorShape(shape)} and {expected} are incompatible")


class Generator:
    """A random-number generator whose state is an int64 Variable (TF's ``tf.random.Generator``).

    Draws advance the state, so two Generators from one seed draw the same
    values, and ``split`` gives independent ones:

    >>> import tapeflow as tf
    >>> g1, g2 = tf.random.Generator.from_seed(3), tf.random.Generator.from_seed(3)
    >>> bool((g1.normal([2]).numpy() == g2.normal([2]).numpy()).all())
    True
    >>> g1.state.numpy().tolist()
    [515, 0, 0]
    """

    def __init__(self, copy_from: Generator | None = None, state: Any = None,
                 alg: Any = None) -> None:
        if copy_from is not None:
            if alg is not None or state is not None:
                raise AssertionError("Generator(copy_from=...) takes no `state` or `alg`.")
            value, self._alg = copy_from.state.numpy(), copy_from.algorithm
        else:
            if alg is None or state is None:
                raise AssertionError("Generator needs `copy_from`, or `state` and `alg` "
                                     "together; use Generator.from_seed(seed).")
            self._alg = _alg_to_int(alg)
            if isinstance(state, Variable):
                _check_shape(state.shape, [_state_size(self._alg)])
                self._state_var = state
                return
            value = _int64s(state)
            _check_shape(value.shape, [_state_size(self._alg)])
        self._state_var = Variable(value, trainable=False, name="StateVar", dtype=int64)

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_state(cls, state: Any, alg: Any) -> Generator:
        """A Generator with this state (a Variable state is shared, not copied)."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        """A Generator whose state is made from ``seed`` (an int or vector of ints)."""
        alg = Algorithm.PHILOX.value if alg is None else _alg_to_int(alg)
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        """A Generator seeded from the operating system's entropy."""
        alg = Algorithm.PHILOX.value if alg is None else _alg_to_int(alg)
        state = _full_int_values(np.random.default_rng(), _state_size(alg), np.int64)
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> Generator:
        """A Generator from a key (scalar) and a counter (the state's other words)."""
        return cls(state=_key_counter_state(key, counter, _alg_to_int(alg)), alg=alg)

    def reset(self, state: Any) -> None:
        """Replaces the state."""
        value = _int64s(state)
        _check_shape(value.shape, [_state_size(self._alg)])
        self._state_var.assign(value)

    def reset_from_seed(self, seed: Any) -> None:
        """Replaces the state by the one ``from_seed(seed)`` would start with."""
        self._state_var.assign(create_rng_state(seed, self._alg))

    def reset_from_key_counter(self, key: Any, counter: Any) -> None:
        self._state_var.assign(_key_counter_state(key, counter, self._alg))

    # -- state ---------------------------------------------------------------------
    @property
    def state(self) -> Variable:
        """The int64 state Variable: the counter's words, then the key."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg

    @property
    def key(self) -> Tensor:
        """The key: the state's last word."""
        return wrap(np.asarray(self._state_var.numpy()[-1]))

    def skip(self, delta: Any) -> Tensor:
        """Advances the counter as drawing ``delta`` values would; returns the old state."""
        old = self._check_alg()
        new = old.view(np.uint64).copy()
        # As TF: the step is 256 * delta in uint64 arithmetic, added to a 128-bit counter.
        step = _COUNTER_STEP * int(delta) & _MASK64
        counter = int(new[0]) + (int(new[1]) << 64) + step
        new[0], new[1] = counter & _MASK64, (counter >> 64) & _MASK64
        self._state_var.assign(new.view(np.int64))
        return wrap(old)

    def _check_alg(self) -> np.ndarray:
        if self._alg == Algorithm.THREEFRY.value:
            raise UnimplementedError(None, None, "Non-XLA devices don't support the ThreeFry "
                                                 "algorithm. [Op:RngReadAndSkip]")
        return self._state_var.numpy()

    def _stream(self, dims: tuple) -> np.random.Generator:
        """A Philox stream at the current counter and key; then skips past it.

        The ``256 * n`` counter step leaves room for the ~n/4 Philox blocks
        (plus rejections) a draw of n values reads, so draws never overlap.
        """
        s = self._check_alg().view(np.uint64)
        counter, key = np.zeros(4, np.uint64), np.zeros(2, np.uint64)
        counter[:2], key[0] = s[:2], s[2]
        rng = np.random.Generator(np.random.Philox(counter=counter, key=key))
        self.skip(int(np.prod(dims, dtype=object)))
        return rng

    # -- distributions -------------------------------------------------------------
    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32,
               name: str | None = None) -> Tensor:
        """Normal samples ``mean + stddev * N(0, 1)``; advances the state."""
        op = "StatelessRandomNormalV2"
        shape, dt = _shape_arg(shape), _dtype(dtype, "Generator.normal")
        mean, stddev = _params(dt, mean, stddev)
        dims = _dims(shape, op, "Tshape")
        _check_float(dt, op)
        return _affine(_normal_values(self._stream(dims), dims, dt._np), stddev, mean)

    def truncated_normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0,
                         dtype: Any = float32, name: str | None = None) -> Tensor:
        """Normal samples, those beyond 2 ``stddev`` redrawn; advances the state."""
        op = "StatelessTruncatedNormalV2"
        shape, dt = _shape_arg(shape), _dtype(dtype, "Generator.truncated_normal")
        mean, stddev = _params(dt, mean, stddev)
        dims = _dims(shape, op, "Tshape")
        _check_float(dt, op)
        return _affine(_truncated_values(self._stream(dims), dims, dt._np), stddev, mean)

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = float32,
                name: str | None = None) -> Tensor:
        """Uniform samples in ``[minval, maxval)``; integers need both bounds or neither."""
        dt = _dtype(dtype, "Generator.uniform")
        if dt.is_integer:
            if (minval is None) != (maxval is None):
                raise ValueError(f"Generator.uniform: For integer dtype {dt}, minval and maxval "
                                 f"must be both `None` or both non-`None`; got minval={minval} "
                                 f"and maxval={maxval}")
            if minval is None:
                return self.uniform_full_int(shape, dtype=dt)
        elif maxval is None:
            maxval = 1
        shape = _shape_arg(shape)
        minval, maxval = _params(dt, minval, maxval)
        if dt.is_integer:
            op = "StatelessRandomUniformIntV2"
            _check_int_dtype(dt, op)
            dims = _dims(shape, op, "Tshape")
            bounds = _int_bounds(minval, maxval, dims, op)
            if bounds is None:
                return wrap(np.zeros(dims, dt._np))
            return wrap(self._stream(dims).integers(*bounds, dims, dtype=dt._np))
        op = "StatelessRandomUniformV2"
        dims = _dims(shape, op, "Tshape")
        _check_float(dt, op)
        return _uniform_float(_uniform_values(self._stream(dims), dims, dt._np), minval, maxval)

    def uniform_full_int(self, shape: Any, dtype: Any = uint64,
                         name: str | None = None) -> Tensor:
        """Integers uniform over the whole range of ``dtype``; advances the state."""
        op = "StatelessRandomUniformFullIntV2"
        dt = as_dtype(dtype)
        dims = _dims(_shape_arg(shape), op, "Tshape")
        if dt.name not in ("int32", "int64", "uint32", "uint64"):
            raise invalid_argument(op, f"Value for attr 'dtype' of {_cpp(dt)} is not in the "
                                       f"list of allowed values: int32, int64, uint32, uint64")
        return wrap(_full_int_values(self._stream(dims), dims, dt._np))

    # -- seeds for others ----------------------------------------------------------
    def make_seeds(self, count: int = 1) -> Tensor:
        """``count`` seed pairs for stateless ops, as an int64 ``[2, count]`` tensor."""
        keys = self.uniform_full_int([count], dtype=int64)._value
        return wrap(np.stack([keys, np.zeros_like(keys)]))

    def split(self, count: int = 1) -> list:
        """``count`` new Generators, independent of each other and of this one."""
        keys = self.uniform_full_int([count], dtype=int64)._value
        zeros = [0] * (_state_size(self._alg) - 1)
        return [Generator(state=zeros + [int(k)], alg=self._alg) for k in keys]


def _key_counter_state(key: Any, counter: Any, alg: int) -> np.ndarray:
    counter, key = _int64s(counter), _int64s(key)
    _check_shape(counter.shape, [_state_size(alg) - 1])
    _check_shape(key.shape, [])
    return np.concatenate([counter, key.reshape(1)])


_GLOBAL_GENERATOR: list = []


def get_global_generator() -> Generator:
    """The process-wide Generator (created non-deterministically on first use)."""
    if not _GLOBAL_GENERATOR:
        _GLOBAL_GENERATOR.append(Generator.from_non_deterministic_state())
    return _GLOBAL_GENERATOR[0]


def set_global_generator(generator: Generator) -> None:
    """Replaces the process-wide Generator."""
    _GLOBAL_GENERATOR[:] = [generator]
