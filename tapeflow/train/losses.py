"""``tf.keras.losses``: Keras 3's losses, computed with tapeflow ops so gradients flow.

Each loss is a function ``fn(y_true, y_pred, ...)`` giving one value per
sample (the last axis reduced) and a class wrapping it that weights and
reduces those values.  Formulas follow Keras 3.15 on its TensorFlow backend
exactly, checked number by number in tests/test_keras_losses.py:

* probabilities are clipped to ``[EPSILON, 1 - EPSILON]`` (``EPSILON`` is
  Keras's ``backend.epsilon()``, 1e-7) right before their log, so the
  clipped entries get no gradient, as in Keras;
* categorical probabilities are first divided by their sum along ``axis``;
* ``from_logits=True`` goes through ``tf.nn``'s stable cross-entropies;
* a ``Loss`` object casts both arguments to its ``dtype`` (float32 unless
  given), the functions keep ``y_pred``'s dtype;
* reductions: ``"sum_over_batch_size"`` (the default) and ``"mean"`` divide
  the weighted sum by the number of loss values, ``"sum"`` does not divide,
  ``"mean_with_sample_weight"`` divides by the sum of the weights, ``"none"``
  and ``None`` return the weighted values.  Weights meet the values after
  Keras's ``squeeze_or_expand_to_same_rank`` and then NumPy broadcasting.

Not here: Keras's loss masks (``_keras_mask``) other than ``ignore_class``,
nested structures of targets, and the losses Keras has beyond these six.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype
from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops import arith, shape_ops, special
from tapeflow.ops import losses as nn_losses
from tapeflow.ops.reduction import reduce_mean, reduce_sum

__all__ = [
    "Loss", "LossFunctionWrapper", "Reduction", "MeanSquaredError", "MeanAbsoluteError",
    "Huber", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "huber", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "mse", "MSE", "mae", "MAE",
    "get", "squeeze_or_expand_to_same_rank", "reduce_weighted_values",
]

EPSILON = 1e-7  # keras.backend.epsilon()
FLOATX = "float32"  # keras.backend.floatx()
_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


# -- conversions ---------------------------------------------------------------------------
def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` as a Tensor, cast to ``dtype`` when given (Keras's ``convert_to_tensor``)."""
    x = arith._read(x)
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x if dtype is None else np.asarray(x))
    return x if dtype is None else arith.cast(x, dtype)


def _shape(x: Tensor) -> tuple:
    return tuple(x._value.shape)


def squeeze_or_expand_to_same_rank(x1: Tensor, x2: Tensor, expand_rank_1: bool = True) -> tuple:
    """Keras's rank fix-up: drop (or, for rank 1, add) a trailing 1 so ranks match."""
    r1, r2 = x1._value.ndim, x2._value.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1._value.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = shape_ops.expand_dims(x2, -1)
        else:
            x1 = shape_ops.squeeze(x1, -1)
    if r2 == r1 + 1 and x2._value.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = shape_ops.expand_dims(x1, -1)
        else:
            x2 = shape_ops.squeeze(x2, -1)
    return x1, x2


# -- reductions ------------------------------------------------------------------------------
def standardize_reduction(reduction_name: Any) -> Any:
    """``reduction_name`` if Keras 3 accepts it, else Keras's ValueError."""
    if reduction_name not in _REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{set(_REDUCTIONS)}. Received: reduction={reduction_name}")
    return reduction_name


def _count(x: Tensor, dtype: Any) -> Tensor:
    return convert_to_tensor(float(np.prod(_shape(x), dtype=np.int64)), dtype=dtype)


def apply_mask(sample_weight: Any, mask: Any, dtype: Any, reduction_name: Any) -> Any:
    """Merge a 0/1 ``mask`` into ``sample_weight`` (Keras's ``apply_mask``).

    For the averaging reductions a valid entry weighs ``total / valid`` so
    that the mean is taken over the valid entries only.
    """
    if mask is None:
        return sample_weight
    if reduction_name in ("mean", "sum_over_batch_size"):
        valid = reduce_sum(arith.cast(mask, dtype))
        weight = special.divide_no_nan(_count(mask, dtype), valid)
        float_mask = arith.where(arith.cast(mask, "bool"), weight, arith.zeros_like(weight))
    else:
        float_mask = arith.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, arith.cast(sample_weight, dtype))
    return sample_weight * float_mask


def reduce_values(values: Tensor, sample_weight: Any = None,
                  reduction: Any = "sum_over_batch_size") -> Tensor:
    """Sum, or average, the (already weighted) loss values as ``reduction`` says."""
    if reduction is None or reduction == "none" or _shape(values) in ((), (0,)):
        return values
    loss = reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = arith.cast(reduce_sum(sample_weight), loss.dtype)
        else:
            divisor = _count(values, loss.dtype)
        loss = special.divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values: Any, sample_weight: Any = None, mask: Any = None,
                           reduction: Any = "sum_over_batch_size", dtype: Any = None) -> Tensor:
    """Weight per-sample loss ``values`` and reduce them, exactly as Keras 3 does.

    >>> import tapeflow as tf
    >>> from tapeflow.train.losses import reduce_weighted_values
    >>> float(reduce_weighted_values(tf.constant([1.0, 3.0]), [1.0, 0.0], reduction="sum"))
    1.0
    """
    reduction = standardize_reduction(reduction)
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype)
    if mask is not None:
        mask = as_tensor(mask, dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = arith.cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# -- the loss functions ----------------------------------------------------------------------
def _pair(y_true: Any, y_pred: Any) -> tuple:
    """y_pred as a tensor, y_true converted to its dtype, ranks matched."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(square(y_true - y_pred), axis=-1)``.

    >>> from tapeflow.train import losses
    >>> losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce_mean(arith.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(abs(y_true - y_pred), axis=-1)``.

    >>> from tapeflow.train import losses
    >>> losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]]).numpy()
    array([1.5], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce_mean(arith.abs(y_true - y_pred), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Mean over the last axis of ``0.5 e^2`` where ``|e| <= delta``, else
    ``delta |e| - 0.5 delta^2`` (``e = y_pred - y_true``).

    >>> from tapeflow.train import losses
    >>> losses.huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
    array([1.3125], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    delta = as_tensor(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = arith.abs(error)
    half = convert_to_tensor(0.5, dtype=abs_error.dtype)
    return reduce_mean(
        arith.where(arith.less_equal(abs_error, delta), half * arith.square(error),
                    delta * abs_error - half * arith.square(delta)), axis=-1)


def _same_shape(target: Tensor, output: Tensor) -> None:
    if target._value.ndim != output._value.ndim:
        raise ValueError(f"Arguments `target` and `output` must have the same rank (ndim). "
                         f"Received: target.shape={_shape(target)}, "
                         f"output.shape={_shape(output)}")
    if _shape(target) != _shape(output):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={_shape(target)}, "
                         f"output.shape={_shape(output)}")


def _clipped(output: Tensor) -> Tensor:
    return special.clip_by_value(output, EPSILON, 1.0 - EPSILON)


def _binary_xent(target: Tensor, output: Tensor, from_logits: bool) -> Tensor:
    """Keras's backend ``binary_crossentropy``: elementwise, no reduction."""
    _same_shape(target, output)
    if from_logits:
        return nn_losses.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _clipped(output)
    bce = target * arith.log(output)
    bce = bce + (1 - target) * arith.log(1 - output)
    return -bce


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """Binary cross-entropy, averaged over ``axis``; labels smoothed towards 0.5.

    >>> from tapeflow.train import losses
    >>> losses.binary_crossentropy([[0.0, 1.0]], [[0.0, 0.0]], from_logits=True).numpy()
    array([0.6931472], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = arith.cast(as_tensor(y_true), y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return reduce_mean(_binary_xent(y_true, y_pred, from_logits), axis=axis)


def _categorical_xent(target: Tensor, output: Tensor, from_logits: bool, axis: int) -> Tensor:
    """Keras's backend ``categorical_crossentropy`` (reduces ``axis``)."""
    if target._value.ndim < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={_shape(target)}, output.shape={_shape(output)}")
    _same_shape(target, output)
    if from_logits:
        return nn_losses.softmax_cross_entropy_with_logits(labels=target, logits=output,
                                                           axis=axis)
    # Keras renormalises the probabilities along the axis before clipping them.
    output = output / reduce_sum(output, axis, keepdims=True)
    output = _clipped(output)
    return -reduce_sum(target * arith.log(output), axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """Cross-entropy of one-hot (or soft) ``y_true`` against ``y_pred`` along ``axis``.

    With ``label_smoothing`` the labels become ``y (1 - s) + s / num_classes``
    (``num_classes`` is the size of the *last* axis, whatever ``axis`` is, as
    in Keras).

    >>> from tapeflow.train import losses
    >>> losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).numpy()
    array([0.6931472], dtype=float32)
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")
    y_pred = as_tensor(y_pred)
    y_true = arith.cast(as_tensor(y_true), y_pred.dtype)
    if y_pred._value.ndim and y_pred._value.shape[-1] == 1:
        warnings.warn(f"In loss categorical_crossentropy, expected y_pred.shape to be "
                      f"(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={_shape(y_pred)}. Consider using 'binary_crossentropy' "
                      f"if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        dt = y_pred.dtype
        num_classes = convert_to_tensor(float(y_true._value.shape[-1]), dtype=dt)
        y_true = y_true * (1.0 - label_smoothing) + \
            convert_to_tensor(label_smoothing, dtype=dt) / num_classes
    return _categorical_xent(y_true, y_pred, from_logits, axis)


def _sparse_xent(target: Tensor, output: Tensor, from_logits: bool, axis: int) -> Tensor:
    """Keras's backend ``sparse_categorical_crossentropy`` (classes on the last axis)."""
    if axis != -1 and axis != output._value.ndim - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    target = arith.cast(target, "int64")
    if target._value.ndim == output._value.ndim and target._value.shape[-1] == 1:
        target = shape_ops.squeeze(target, -1)
    if output._value.ndim < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: "
                         f"output.shape={_shape(output)}")
    if target._value.ndim != output._value.ndim - 1:
        raise ValueError(f"Argument `output` must have rank (ndim) `target.ndim - 1`. "
                         f"Received: target.shape={_shape(target)}, "
                         f"output.shape={_shape(output)}")
    if _shape(target) != _shape(output)[:-1]:
        raise ValueError(f"Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={_shape(target)}, "
                         f"output.shape={_shape(output)}")
    if not from_logits:
        output = arith.log(_clipped(output))
    return nn_losses.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)


def _sparse_with_mask(y_true: Any, y_pred: Any, from_logits: bool, ignore_class: Any,
                      axis: int) -> tuple:
    """(per-sample losses, mask of the entries not ignored, or None)."""
    y_true, y_pred = as_tensor(y_true), as_tensor(y_pred)
    if y_true._value.ndim == y_pred._value.ndim and y_true._value.shape[axis] == 1:
        y_true = shape_ops.squeeze(y_true, axis)
    if ignore_class is None:
        return _sparse_xent(y_true, y_pred, from_logits, axis), None
    class_axis = axis % y_pred._value.ndim
    res_shape = tuple(d for i, d in enumerate(_shape(y_pred)) if i != class_axis)
    valid = arith.not_equal(y_true, convert_to_tensor(ignore_class, dtype=y_true.dtype))
    y_true = arith.where(valid, y_true, arith.zeros_like(y_true))
    y_pred = arith.where(shape_ops.expand_dims(valid, axis), y_pred, arith.zeros_like(y_pred))
    res = _sparse_xent(y_true, y_pred, from_logits, axis)
    valid = shape_ops.reshape(valid, res_shape)
    return arith.where(valid, res, arith.zeros_like(res)), valid


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """Cross-entropy of integer class labels against ``y_pred`` (classes last).

    Entries labelled ``ignore_class`` give 0 (the class form also leaves them
    out of the average).

    >>> from tapeflow.train import losses
    >>> losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]]).numpy()
    array([0.6931472], dtype=float32)
    """
    return _sparse_with_mask(y_true, y_pred, from_logits, ignore_class, axis)[0]


# -- the classes -----------------------------------------------------------------------------
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Loss:
    """Base class: ``__call__`` converts, calls ``call`` and weights and reduces.

    >>> import tapeflow as tf
    >>> from tapeflow.train import losses
    >>> class Squares(losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.square(y_pred - y_true)
    >>> float(Squares(reduction="sum")([1.0, 2.0], [2.0, 4.0]))
    5.0
    """

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        self.name = name or _snake(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = as_dtype(dtype or FLOATX).name

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = as_tensor(y_pred, self.dtype)
        y_true = as_tensor(y_true, self.dtype)
        losses, mask = self._losses_and_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def _losses_and_mask(self, y_true: Tensor, y_pred: Tensor) -> tuple:
        return self.call(y_true, y_pred), None

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A ``Loss`` from a function ``fn(y_true, y_pred, **kwargs)`` of per-sample losses."""

    def __init__(self, fn: Callable, reduction: Any = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors over the last axis, then reduced over the batch.

    >>> from tapeflow.train import losses
    >>> round(float(losses.MeanSquaredError()([1.0, 0.0, 1.0], [0.9, 0.1, 0.8])), 4)
    0.02
    """

    def __init__(self, reduction: Any = "sum_over_batch_size",
                 name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors over the last axis, then reduced over the batch.

    >>> from tapeflow.train import losses
    >>> float(losses.MeanAbsoluteError()([1.0, 0.0], [0.5, 0.5]))
    0.5
    """

    def __init__(self, reduction: Any = "sum_over_batch_size",
                 name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic within ``delta``, linear beyond it.

    ``get_config`` leaves ``delta`` out, as Keras 3.15 does.

    >>> from tapeflow.train import losses
    >>> float(losses.Huber(delta=1.0)([0.0, 0.0], [0.5, 3.0]))
    1.3125
    """

    def __init__(self, delta: float = 1.0, reduction: Any = "sum_over_batch_size",
                 name: str = "huber_loss", dtype: Any = None) -> None:
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class _CrossentropyConfig:
    """``from_logits``, ``label_smoothing`` and ``axis`` in the config, as Keras keeps them."""

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits,
                       "label_smoothing": self.label_smoothing, "axis": self.axis})
        return config


class BinaryCrossentropy(_CrossentropyConfig, LossFunctionWrapper):
    """Binary cross-entropy of 0/1 labels against probabilities (or logits).

    >>> from tapeflow.train import losses
    >>> bce = losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(bce([[0.0, 1.0], [0.0, 0.0]], [[-18.6, 0.51], [2.94, -12.8]])), 4)
    0.8655
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Any = "sum_over_batch_size", name: str = "binary_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(_CrossentropyConfig, LossFunctionWrapper):
    """Cross-entropy of one-hot labels against probabilities (or logits) along ``axis``.

    >>> from tapeflow.train import losses
    >>> cce = losses.CategoricalCrossentropy()
    >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Any = "sum_over_batch_size", name: str = "categorical_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer labels; ``ignore_class`` entries are left out of the mean.

    >>> from tapeflow.train import losses
    >>> scce = losses.SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: Any = "sum_over_batch_size", axis: int = -1,
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _losses_and_mask(self, y_true: Tensor, y_pred: Tensor) -> tuple:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _sparse_with_mask(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "ignore_class": self.ignore_class})
        return config


class Reduction:
    """tf.keras's legacy reduction names (Keras 3's ``Loss`` takes the strings)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: Any) -> None:
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


_CLASSES = (MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy)
_FUNCTIONS = (mean_squared_error, mean_absolute_error, huber, binary_crossentropy,
              categorical_crossentropy, sparse_categorical_crossentropy)
_BY_NAME: dict[str, Any] = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
_BY_NAME.update({"bce": binary_crossentropy, "BCE": binary_crossentropy,
                 "mae": mean_absolute_error, "MAE": mean_absolute_error,
                 "mse": mean_squared_error, "MSE": mean_squared_error})


def get(identifier: Any) -> Any:
    """A loss from its name (function or class; a class is instantiated), config or object.

    >>> from tapeflow.train import losses
    >>> losses.get("mse") is losses.mean_squared_error
    True
    >>> losses.get("Huber").name
    'huber_loss'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(identifier.get("class_name"))
        if not isinstance(cls, type):
            raise ValueError(f"Could not interpret loss identifier: {identifier}")
        return cls.from_config(identifier.get("config", {}))
    obj = _BY_NAME.get(identifier) if isinstance(identifier, str) else identifier
    if callable(obj):
        return obj() if isinstance(obj, type) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")
