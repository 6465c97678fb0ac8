"""Learning-rate schedules, as ``tf.keras.optimizers.schedules`` (Keras 3).

A schedule is called with the optimizer's step count and returns the
learning rate for that step as a Tensor.  Each ``__call__`` follows Keras 3's
arithmetic op for op (same dtypes, same order), so values agree to the bit
pattern wherever NumPy's float32 functions agree with TF's.
"""

from __future__ import annotations

import math
from typing import Any

from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops.arith import cast, cos, logical_and, minimum, pow, where
from tapeflow.ops.special import ceil, floor

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "InverseTimeDecay", "PolynomialDecay", "CosineDecay", "serialize", "deserialize"]


class LearningRateSchedule:
    """Base class: subclasses define ``__call__(step)`` and ``get_config()``.

    >>> import tapeflow as tf
    >>> class Halve(tf.keras.optimizers.schedules.LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 1.0 / (2.0 ** tf.cast(step, tf.float32))
    >>> float(Halve()(3))
    0.125
    """

    def __call__(self, step: Any) -> Tensor:
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' "
                                  "must override `__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' "
                                  "must override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        """A schedule built from ``get_config()``'s dictionary."""
        return cls(**config)


def _check_steps(name: str, steps: Any) -> None:
    if steps <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={steps}")


class _StepDecay(LearningRateSchedule):
    """Shared by ExponentialDecay and InverseTimeDecay: the same arguments and
    the same progress ``step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any,
                 staircase: bool = False, name: str | None = None) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = type(self).__name__ if name is None else name
        _check_steps("decay_steps", decay_steps)

    def _progress(self, step: Any) -> tuple[Tensor, Tensor]:
        """The initial rate and ``step / decay_steps`` in its dtype."""
        lr = convert_to_tensor(self.initial_learning_rate)
        p = cast(step, lr.dtype) / cast(self.decay_steps, lr.dtype)
        return lr, floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with
    ``staircase=True`` the exponent is floored (a step function).

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    >>> [round(float(s(k)), 4) for k in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Tensor:
        lr, p = self._progress(step)
        return lr * pow(cast(self.decay_rate, lr.dtype), p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last.

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.25])
    >>> [float(s(k)) for k in (0, 2, 3, 5)]
    [1.0, 1.0, 0.5, 0.25]
    """

    def __init__(self, boundaries: Any, values: Any, name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Tensor:
        step = convert_to_tensor(step)
        bounds = [cast(b, step.dtype) for b in self.boundaries]
        values = [convert_to_tensor(v) for v in self.values]
        dtype = values[0].dtype
        # A sum of indicator * value over the ranges, as Keras computes it.
        result = convert_to_tensor(0, dtype=dtype)
        result += cast(step <= bounds[0], dtype) * values[0]
        result += cast(step > bounds[-1], dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result += cast(logical_and(step > low, step <= high), dtype) * value
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the
    quotient floored with ``staircase=True``).

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.InverseTimeDecay(1.0, 1, 0.5)
    >>> [float(s(k)) for k in (0, 2)]
    [1.0, 0.5]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Tensor:
        lr, p = self._progress(step)
        return lr / (cast(1, lr.dtype) + cast(self.decay_rate, lr.dtype) * p)


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, the step
    held at ``decay_steps`` (or, with ``cycle=True``, ``decay_steps`` stretched
    to the next multiple above the step).

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.PolynomialDecay(1.0, 4, end_learning_rate=0.0)
    >>> [float(s(k)) for k in (0, 2, 8)]
    [1.0, 0.5, 0.0]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any,
                 end_learning_rate: Any = 0.0001, power: Any = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step: Any) -> Tensor:
        lr = convert_to_tensor(self.initial_learning_rate)
        end = cast(self.end_learning_rate, lr.dtype)
        step = cast(step, lr.dtype)
        decay_steps = cast(self.decay_steps, lr.dtype)
        if self.cycle:
            multiplier = where(step == 0, 1.0, ceil(step / self.decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = minimum(step, decay_steps)
        p = step / decay_steps
        return (lr - end) * pow(1 - p, cast(self.power, lr.dtype)) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` down to ``alpha`` times it over
    ``decay_steps``; with ``warmup_target``, first a linear warmup from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then
    the cosine decay from ``warmup_target`` (Keras 3).

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.CosineDecay(1.0, 4, alpha=0.0)
    >>> [round(float(s(k)), 4) for k in (0, 2, 4, 9)]
    [1.0, 0.5, 0.0, 0.0]
    >>> w = tf.keras.optimizers.schedules.CosineDecay(0.0, 4, warmup_target=1.0, warmup_steps=2)
    >>> [round(float(w(k)), 4) for k in (0, 1, 2, 4)]
    [0.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, alpha: Any = 0.0,
                 name: str = "CosineDecay", warmup_target: Any = None,
                 warmup_steps: Any = 0) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_steps("decay_steps", decay_steps)

    def _decay(self, step: Tensor, decay_steps: Tensor, decay_from_lr: Tensor) -> Tensor:
        completed_fraction = step / decay_steps
        pi = convert_to_tensor(math.pi, dtype=step.dtype)
        cosine_decayed = 0.5 * (1.0 + cos(pi * completed_fraction))
        decayed = (1 - self.alpha) * cosine_decayed + self.alpha
        return decay_from_lr * decayed

    def __call__(self, step: Any) -> Tensor:
        lr = convert_to_tensor(self.initial_learning_rate)
        decay_steps = cast(self.decay_steps, lr.dtype)
        step = cast(step, lr.dtype)
        if self.warmup_target is None:
            return self._decay(minimum(step, decay_steps), decay_steps, lr)
        target = cast(self.warmup_target, lr.dtype)
        warmup_steps = cast(self.warmup_steps, lr.dtype)
        step = minimum(step, decay_steps + warmup_steps)
        if bool(step < warmup_steps):
            return (target - lr) * (step / warmup_steps) + lr
        return self._decay(step - warmup_steps, decay_steps, target)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                              InverseTimeDecay, PolynomialDecay, CosineDecay)}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}`` for a schedule (Keras's layout, trimmed).

    >>> import tapeflow as tf
    >>> tf.keras.optimizers.schedules.serialize(
    ...     tf.keras.optimizers.schedules.PiecewiseConstantDecay([1], [1.0, 0.5]))["class_name"]
    'PiecewiseConstantDecay'
    """
    return {"module": "keras.optimizers.schedules",
            "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """The schedule ``serialize`` described.

    >>> import tapeflow as tf
    >>> S = tf.keras.optimizers.schedules
    >>> S.deserialize(S.serialize(S.ExponentialDecay(0.1, 2, 0.5))).decay_rate
    0.5
    """
    known = {**_SCHEDULES, **(custom_objects or {})}
    name = config["class_name"]
    if name not in known:
        raise ValueError(f"Could not interpret decay identifier: {name}")
    return known[name].from_config(config["config"])
