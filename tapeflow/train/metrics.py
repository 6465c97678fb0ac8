"""``tf.keras.metrics``: Keras 3's stateful accuracy metrics and ``Mean``.

A metric holds its state in non-trainable tapeflow Variables (``total``
and ``count``, float32 unless ``dtype`` says otherwise).  ``update_state``
adds a batch, ``result()`` reads ``total / count`` (0 before any update),
``reset_state()`` zeroes the state, and calling the metric does the first
two.  Weighting and reduction follow Keras 3.15 exactly (see
``reduce_to_samplewise_values``): a weight reduces the values down to its
own rank by a mean, and ``count`` grows by the sum of the weights.  The
accuracy functions return one 0/1 float32 value per sample.

Metrics take no part in gradients: the comparisons and ``argmax`` they use
have none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.dtypes import as_dtype
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.ops import arith, reduction, shape_ops, special
from tapeflow.train import initializers
from tapeflow.train.losses import FLOATX, as_tensor, squeeze_or_expand_to_same_rank

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "accuracy", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "get",
    "reduce_to_samplewise_values",
]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Metric:
    """Base class: state in ``add_variable`` Variables, ``update_state`` and ``result``.

    >>> import tapeflow as tf
    >>> from tapeflow.train import metrics
    >>> class Count(metrics.Metric):
    ...     def __init__(self):
    ...         super().__init__(name="count")
    ...         self.n = self.add_variable(shape=(), initializer="zeros", name="n")
    ...     def update_state(self, values):
    ...         self.n.assign_add(tf.cast(tf.size(values), self.dtype))
    ...     def result(self):
    ...         return self.n.value()
    >>> m = Count(); m.update_state([1, 2, 3]); float(m.result())
    3.0
    """

    def __init__(self, dtype: Any = None, name: str | None = None) -> None:
        self.name = name or _snake(type(self).__name__)
        self._dtype = as_dtype(dtype or FLOATX).name
        self._variables: list[Variable] = []

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def variables(self) -> list:
        return list(self._variables)

    def add_variable(self, shape: Any, initializer: Any, dtype: Any = None,
                     aggregation: str = "sum", name: str | None = None) -> Variable:
        """A non-trainable state Variable, filled by ``initializer``."""
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype or self.dtype)
        variable = Variable(value, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape: Any = (), initializer: Any = None, dtype: Any = None,
                   name: str | None = None) -> Variable:
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def reset_state(self) -> None:
        """Set every state Variable back to zeros."""
        for v in self._variables:
            v.assign(np.zeros_like(v.numpy()))

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Tensor:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


def _axes(start: int, stop: int) -> list:
    return list(range(start, stop))


def reduce_to_samplewise_values(values: Any, sample_weight: Any, reduce_fn: Callable,
                                dtype: Any) -> tuple:
    """Keras's weighting for metrics: (one value per sample, weights per sample or None).

    The values are reduced by ``reduce_fn`` down to the weights' rank and
    multiplied by the broadcast weights; weights of rank > 1 are then reduced
    to one per sample, and so are the values.
    """
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight._value.ndim
        if values._value.ndim > weight_ndim:
            values = reduce_fn(values, axis=_axes(weight_ndim, values._value.ndim))
        sample_weight = shape_ops.broadcast_to(sample_weight, values._value.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=_axes(1, weight_ndim))
    if values._value.ndim > 1:
        values = reduce_fn(values, axis=_axes(1, values._value.ndim))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen.

    >>> from tapeflow.train import metrics
    >>> m = metrics.Sum(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight, reduction.reduce_sum,
                                                self.dtype)
        self.total.assign_add(reduction.reduce_sum(values))

    def result(self) -> Tensor:
        return arith.cast(self.total.value(), self.dtype)


class Mean(Metric):
    """The (weighted) mean of all values seen: ``total / count``.

    >>> from tapeflow.train import metrics
    >>> m = metrics.Mean(); m.update_state([1, 3, 5, 7]); float(m.result())
    4.0
    >>> m.reset_state(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, reduction.reduce_mean, self.dtype)
        self.total.assign_add(reduction.reduce_sum(values))
        if sample_weight is not None:
            num_samples = reduction.reduce_sum(sample_weight)
        elif values._value.ndim >= 1:
            num_samples = convert_to_tensor(float(values._value.shape[0]), dtype=self.dtype)
        else:
            num_samples = convert_to_tensor(1.0, dtype=self.dtype)
        self.count.assign_add(arith.cast(num_samples, self.dtype))

    def result(self) -> Tensor:
        return special.divide_no_nan(self.total.value(),
                                     arith.cast(self.count.value(), self.dtype))


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    >>> import tapeflow as tf
    >>> from tapeflow.train import metrics
    >>> m = metrics.MeanMetricWrapper(fn=tf.math.squared_difference, name="se")
    >>> m.update_state([1.0, 2.0], [1.0, 4.0]); float(m.result())
    2.0
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)


# -- accuracy functions ----------------------------------------------------------------------
def _argmax_last(x: Tensor) -> Tensor:
    """argmax over the last axis as int64, the first of ties winning (TF's rule)."""
    return wrap(np.argmax(x._value, axis=-1).astype(np.int64))


def _matches(a: Tensor, b: Tensor) -> Tensor:
    return arith.cast(arith.equal(a, b), FLOATX)


def accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where ``y_pred == y_true`` (elementwise), else 0.0.

    >>> from tapeflow.train import metrics
    >>> metrics.accuracy([1, 2, 3], [1, 2, 0]).numpy()
    array([1., 1., 0.], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """1.0 where ``y_pred > threshold`` agrees with the 0/1 label ``y_true``.

    >>> from tapeflow.train import metrics
    >>> metrics.binary_accuracy([[1.0], [0.0]], [[0.6], [0.6]]).numpy()
    array([[1.],
           [0.]], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    threshold = as_tensor(threshold, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = arith.cast(arith.greater(y_pred, threshold), y_true.dtype)
    return _matches(y_true, y_pred)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the argmax of ``y_pred`` is the argmax of the one-hot ``y_true``.

    >>> from tapeflow.train import metrics
    >>> metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                              [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_true = _argmax_last(as_tensor(y_true))
    y_pred = as_tensor(y_pred)
    y_true = arith.cast(y_true, y_pred.dtype)
    true_shape = y_true._value.shape
    reshape = y_true._value.ndim == y_pred._value.ndim
    if reshape:
        y_true = shape_ops.squeeze(y_true, -1)
    y_pred = arith.cast(_argmax_last(y_pred), y_true.dtype)
    matches = _matches(y_true, y_pred)
    return shape_ops.reshape(matches, true_shape) if reshape else matches


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the argmax of ``y_pred`` is the integer label ``y_true``.

    >>> from tapeflow.train import metrics
    >>> metrics.sparse_categorical_accuracy([[2], [1]],
    ...                                     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    true_shape = y_true._value.shape
    reshape = y_true._value.ndim == y_pred._value.ndim and true_shape[-1] == 1
    if reshape:
        y_true = shape_ops.squeeze(y_true, -1)
    y_pred = arith.cast(_argmax_last(y_pred), y_true.dtype)
    matches = _matches(y_true, y_pred)
    if reshape:
        matches = shape_ops.reshape(matches, true_shape)
    if matches._value.ndim > 1 and matches._value.shape[-1] == 1:
        matches = shape_ops.squeeze(matches, -1)
    return matches


# -- accuracy metrics ------------------------------------------------------------------------
class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true``.

    >>> from tapeflow.train import metrics
    >>> m = metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]]); float(m.result())
    0.75
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(fn=accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary label.

    >>> from tapeflow.train import metrics
    >>> m = metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]); float(m.result())
    0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the one-hot label.

    >>> from tapeflow.train import metrics
    >>> m = metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the integer label.

    >>> from tapeflow.train import metrics
    >>> m = metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]); float(m.result())
    0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)


_CLASSES = (Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy)
_BY_NAME: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({_snake(cls.__name__): cls for cls in _CLASSES})


def get(identifier: Any) -> Any:
    """A metric from its class name or snake_case name (instantiated), config or object.

    >>> from tapeflow.train import metrics
    >>> metrics.get("sparse_categorical_accuracy")
    <SparseCategoricalAccuracy name=sparse_categorical_accuracy>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return cls.from_config(identifier.get("config", {}))
    obj = _BY_NAME.get(identifier) if isinstance(identifier, str) else identifier
    if callable(obj):
        return obj() if isinstance(obj, type) else obj
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
