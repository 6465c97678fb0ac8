"""``tf.TensorSpec``: a tensor's shape, dtype and name, without its values.

Shapes may hold None dimensions; an unknown rank (``TensorSpec(None)``) is
not supported, as tapeflow's TensorShape has no unknown-rank form.
"""

from __future__ import annotations

from typing import Any

from tapeflow.core.dtypes import as_dtype, float32
from tapeflow.core.tensor import Tensor, TensorShape, convert_to_tensor

__all__ = ["TensorSpec"]


class TensorSpec:
    """The shape, dtype and name of a tensor.

    >>> import tapeflow as tf
    >>> spec = tf.TensorSpec([None, 3], tf.float64, name="x")
    >>> spec
    TensorSpec(shape=(None, 3), dtype=tf.float64, name='x')
    >>> spec.is_compatible_with(tf.zeros((5, 3), tf.float64)), spec.shape
    (True, TensorShape([None, 3]))
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape: Any, dtype: Any = float32, name: str | None = None) -> None:
        self._shape = TensorShape(shape)
        self._dtype = as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def name(self) -> str | None:
        return self._name

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        """The spec of ``tensor`` (a Tensor only, as TF)."""
        if type(tensor) is not Tensor:
            raise ValueError(f"`tensor` should be a tf.Tensor, but got type {type(tensor)}.")
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_tensor: Any) -> bool:
        """Same dtype and a compatible shape (None matches any size); names are ignored."""
        other = spec_or_tensor
        if not isinstance(other, (TensorSpec, Tensor)):
            other = convert_to_tensor(other)
        return self._dtype == other.dtype and self._shape.is_compatible_with(other.shape)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self._shape == other._shape
                and self._dtype == other._dtype and self._name == other._name)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((tuple(self._shape), self._dtype, self._name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={tuple(self._shape)}, dtype={self._dtype!r}, name={self._name!r})"
