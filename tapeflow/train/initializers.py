"""``tf.keras.initializers``: Keras 3's initializers, ``init(shape, dtype=None)``.

Each returns a Tensor of ``shape`` and ``dtype`` (float32 by default).  The
random ones draw with ``tapeflow.ops.random``'s stateless ops exactly as
Keras 3 draws with TF's: an integer ``seed`` becomes the stateless seed
``[seed mod (2**31 - 2), 0]``, so **a seeded initializer gives the same
values on every call**, and one made with ``seed=None`` picks its integer seed once, at
construction, from Python's ``random`` (as Keras does), so it too repeats
itself while two unseeded instances differ.  The numbers themselves are
not Keras's (tapeflow's generator is not TF's Philox stream); their
distributions and scales are.

Variance scaling follows Keras: ``fan_in``/``fan_out`` are the two
dimensions of a matrix, or for a convolution kernel ``(..., in, out)`` the
channel counts times the receptive field (the product of the leading
dimensions); ``truncated_normal`` draws within two standard deviations
and divides the scale by 0.8796 so the kept values have the asked-for
variance.

Differences from Keras: ``seed`` may not be a ``keras.random.SeedGenerator``
(tapeflow has none); ``get("constant")`` gives ``Constant()`` where Keras
3.15 raises a KeyError; a float16 ``Orthogonal`` takes its QR in float32
(tapeflow's ``Qr`` has no float16 kernel, TF's has).
"""

from __future__ import annotations

import math
import random as _pyrandom
import re
from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype
from tapeflow.core.tensor import Tensor, TensorShape, convert_to_tensor, is_tensor
from tapeflow.ops import arith, creation, factor, shape_ops
from tapeflow.ops import random as tf_random

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "Identity", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "compute_fans", "get",
    "serialize", "deserialize",
    "zeros", "ones", "constant", "identity", "random_normal", "random_uniform",
    "truncated_normal", "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal",
    "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", "IdentityInitializer",
    "OrthogonalInitializer",
]

_FLOATX = "float32"


def _shape(shape: Any) -> tuple:
    """A shape argument (int, list, tuple, TensorShape or tensor) as a tuple of ints."""
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    elif is_tensor(shape):
        shape = convert_to_tensor(shape).numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _dtype(dtype: Any) -> str:
    return as_dtype(dtype or _FLOATX).name


class Initializer:
    """Base class: subclasses define ``__call__(shape, dtype=None)``.

    >>> import tapeflow as tf
    >>> from tapeflow.train import initializers
    >>> class Twos(initializers.Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return tf.fill(shape, tf.constant(2.0, dtype or tf.float32))
    >>> Twos()((2,)).numpy()
    array([2., 2.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` "
                                  "method.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)

    def clone(self) -> Initializer:
        return self.__class__.from_config(self.get_config())


# -- constants -----------------------------------------------------------------------------
class Zeros(Initializer):
    """All zeros.

    >>> from tapeflow.train import initializers
    >>> initializers.Zeros()((2,), dtype="int32").numpy()
    array([0, 0], dtype=int32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return creation.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones.

    >>> from tapeflow.train import initializers
    >>> initializers.Ones()((2,)).numpy()
    array([1., 1.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return creation.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """``value`` everywhere (a scalar, or anything that broadcasts to ``shape``).

    >>> from tapeflow.train import initializers
    >>> initializers.Constant(3)((2,)).numpy()
    array([3., 3.], dtype=float32)
    """

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        dtype = _dtype(dtype)
        return arith.cast(self.value, dtype) * creation.ones(_shape(shape), dtype=dtype)

    def get_config(self) -> dict:
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only).

    >>> from tapeflow.train import initializers
    >>> initializers.Identity(gain=2.0)((2, 3)).numpy()
    array([[2., 0., 0.],
           [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return self.gain * creation.eye(*shape, dtype=_dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain}


# -- random draws ----------------------------------------------------------------------------
def _stateless_seed(seed: int) -> np.ndarray:
    """Keras's seed for TF's stateless ops: ``[seed, 0]`` taken mod ``2**31 - 2``.

    (Keras's ``draw_seed`` makes an int64 pair and ``_cast_seed`` folds it
    into int32 so; seeds 3 and ``2**31 + 1`` draw the same values there too.)
    """
    return np.array([seed % (2**31 - 2), 0], np.int32)


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the integer seed used for every call."""

    def __init__(self, seed: Any = None) -> None:
        self._init_seed = seed
        if seed is None:
            seed = _pyrandom.randint(1, int(1e9))  # Keras's make_default_seed
        elif not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` argument should be an instance of "
                             f"`keras.random.SeedGenerator()` or an integer. Received: "
                             f"seed={seed}")
        self.seed = int(seed)

    def _normal(self, shape: Any, mean: float, stddev: float, dtype: Any) -> Tensor:
        return tf_random.stateless_normal(_shape(shape), seed=_stateless_seed(self.seed),
                                          mean=mean, stddev=stddev, dtype=_dtype(dtype))

    def _truncated(self, shape: Any, mean: float, stddev: float, dtype: Any) -> Tensor:
        return tf_random.stateless_truncated_normal(
            _shape(shape), seed=_stateless_seed(self.seed), mean=mean, stddev=stddev,
            dtype=_dtype(dtype))

    def _uniform(self, shape: Any, minval: float, maxval: float, dtype: Any) -> Tensor:
        dtype = _dtype(dtype)  # Keras casts the bounds first: -0.05 becomes 0 for int32
        return tf_random.stateless_uniform(
            _shape(shape), seed=_stateless_seed(self.seed), minval=arith.cast(minval, dtype),
            maxval=arith.cast(maxval, dtype), dtype=dtype)

    def get_config(self) -> dict:
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    """Normal draws, ``mean`` and ``stddev`` (0.05) as given.

    >>> from tapeflow.train import initializers
    >>> init = initializers.RandomNormal(stddev=1.0, seed=1)
    >>> bool((init((3,)).numpy() == init((3,)).numpy()).all())  # seeded: same every call
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return self._normal(shape, self.mean, self.stddev, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal draws, those beyond two ``stddev`` from ``mean`` redrawn.

    >>> from tapeflow.train import initializers
    >>> x = initializers.TruncatedNormal(stddev=1.0, seed=2)((1000,)).numpy()
    >>> bool(abs(x).max() <= 2.0)
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return self._truncated(shape, self.mean, self.stddev, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Uniform draws in ``[minval, maxval)`` (``[-0.05, 0.05)`` by default).

    >>> from tapeflow.train import initializers
    >>> x = initializers.RandomUniform(0.0, 10.0, seed=3)((100,)).numpy()
    >>> bool(((x >= 0) & (x < 10)).all())
    True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return self._uniform(shape, self.minval, self.maxval, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape: Any, input_axes: Any = None, output_axes: Any = None) -> tuple:
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    A kernel ``(..., in, out)`` multiplies both by its receptive field:

    >>> from tapeflow.train import initializers
    >>> initializers.compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes], dtype=np.int64)),
                int(np.prod([shape[a] for a in output_axes], dtype=np.int64)))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = int(np.prod(shape[:-2], dtype=np.int64))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


_TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


class VarianceScaling(RandomInitializer):
    """Draws with variance ``scale / n``, ``n`` the fan given by ``mode``.

    ``distribution``: ``"truncated_normal"`` (also spelt ``"normal"``),
    ``"untruncated_normal"`` or ``"uniform"`` (within ``sqrt(3 scale / n)``).

    >>> from tapeflow.train import initializers
    >>> init = initializers.VarianceScaling(scale=2.0, mode="fan_in", seed=0)
    >>> round(float(init((400, 300)).numpy().std() ** 2 * 400), 1)
    2.0
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: Any = None,
                 input_axes: Any = None, output_axes: Any = None) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {modes}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in distributions:
            raise ValueError(f"Invalid `distribution` argument: {distribution}.Please use one "
                             f"of {distributions}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "truncated_normal":
            return self._truncated(shape, 0.0, math.sqrt(scale) / _TRUNCATED_STD, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _scaling(name: str, scale: float, mode: str, distribution: str, doc: str) -> type:
    """A fixed VarianceScaling (Glorot, He, Lecun), configured by seed and axes only."""
    def __init__(self: Any, seed: Any = None, input_axes: Any = None,
                 output_axes: Any = None) -> None:
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution,
                                 seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self: Any) -> dict:
        return {"seed": self._init_seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform", """\
Uniform within ``sqrt(6 / (fan_in + fan_out))`` (Keras's default kernel initializer).

    >>> from tapeflow.train import initializers
    >>> x = initializers.GlorotUniform(seed=1)((20, 30)).numpy()
    >>> bool(abs(x).max() <= (6 / 50) ** 0.5)
    True
""")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                        "Truncated normal with variance ``2 / (fan_in + fan_out)``.")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal",
                    "Truncated normal with variance ``2 / fan_in``.")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform",
                     "Uniform within ``sqrt(6 / fan_in)``.")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal",
                       "Truncated normal with variance ``1 / fan_in``.")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform",
                        "Uniform within ``sqrt(3 / fan_in)``.")


class Orthogonal(RandomInitializer):
    """``gain`` times a random orthogonal matrix (the shape flattened to (rows, last)).

    >>> import numpy as np
    >>> from tapeflow.train import initializers
    >>> q = initializers.Orthogonal(seed=1)((4, 3)).numpy()
    >>> bool(np.allclose(q.T @ q, np.eye(3), atol=1e-5))
    True
    """

    def __init__(self, gain: float = 1.0, seed: Any = None) -> None:
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows = int(np.prod(shape[:-1], dtype=np.int64))
        cols = shape[-1]
        a = self._normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, dtype)
        half = a.dtype == "float16"  # TF has a float16 QR; tapeflow's runs in float32
        q, r = factor.qr(arith.cast(a, "float32") if half else a)
        q = q * arith.sign(factor.diag_part(r))  # unique Q: R's diagonal made positive
        if rows < cols:
            q = shape_ops.transpose(q)
        q = arith.cast(q, "float16") if half else q
        return self.gain * shape_ops.reshape(q, shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


# -- lookup -----------------------------------------------------------------------------------
_CLASSES = (Initializer, Constant, Identity, Ones, Zeros, GlorotNormal, GlorotUniform,
            HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal,
            RandomUniform, TruncatedNormal, VarianceScaling)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_BY_NAME: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({_snake(cls.__name__): cls for cls in _CLASSES})
_BY_NAME.update({"IdentityInitializer": Identity, "normal": RandomNormal, "one": Ones,
                 "OrthogonalInitializer": Orthogonal, "uniform": RandomUniform, "zero": Zeros})

# Keras's snake_case names are the classes themselves.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_normal, he_uniform = (GlorotUniform, GlorotNormal, HeNormal,
                                                        HeUniform)
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal


def serialize(initializer: Initializer) -> dict:
    """The initializer's class name and config, as Keras serializes it."""
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> Initializer:
    """An initializer from ``{"class_name": ..., "config": {...}}``."""
    names = {**_BY_NAME, **(custom_objects or {})}
    cls = names.get(config.get("class_name")) if isinstance(config, dict) else None
    if cls is None:
        raise ValueError(f"Could not interpret initializer identifier: {config}")
    return cls.from_config(config.get("config", {}))


def _from_value(value: Any) -> Any:
    """An initializer returning ``value`` (its shape must be asked for)."""
    want = tuple(np.shape(value))

    def initialize_fn(shape: Any, dtype: Any = None) -> Tensor:
        if _shape(shape) != want:
            raise ValueError(f"Expected `shape` to be {want} for direct tensor as initializer. "
                             f"Received shape={shape}")
        return arith.cast(value, _dtype(dtype))
    return initialize_fn


def get(identifier: Any) -> Any:
    """An initializer from a name (either spelling), a config, a class, a value or a callable.

    >>> from tapeflow.train import initializers
    >>> type(initializers.get("glorot_uniform")).__name__
    'GlorotUniform'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        obj = cls
    elif is_tensor(identifier) or isinstance(identifier, (np.generic, np.ndarray)):
        obj = _from_value(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if isinstance(obj, type) else obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")
