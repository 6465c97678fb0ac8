"""``tf.timestamp``: the wall-clock time as a float64 scalar Tensor."""

from __future__ import annotations

import time

from tapeflow.core.tensor import Tensor, convert_to_tensor

__all__ = ["timestamp"]


def timestamp(name: str | None = None) -> Tensor:
    """Seconds since the Unix epoch, a float64 scalar (microsecond resolution, as
    TF's).  No gradient: it has no inputs.

    >>> import tapeflow as tf
    >>> t = tf.timestamp()
    >>> t.dtype, t.shape, float(t) > 1.7e9
    (tf.float64, TensorShape([]), True)
    """
    return convert_to_tensor(time.time(), "float64")
