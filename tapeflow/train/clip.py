"""Gradient clipping: ``tf.clip_by_norm``, ``tf.clip_by_global_norm``, ``tf.linalg.global_norm``.

Written with tapeflow ops, step for step as TF writes them (the same
"two-tap" ``where`` that keeps the gradient of a zero norm finite), so the
values match TF's and a tape differentiates through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tapeflow.core.tensor import Tensor, convert_to_tensor
from tapeflow.ops.arith import cast, greater, identity, maximum, minimum, ones_like, sqrt, where
from tapeflow.ops.losses import l2_loss
from tapeflow.ops.reduction import reduce_sum
from tapeflow.ops.shape_ops import stack

__all__ = ["clip_by_norm", "clip_by_global_norm", "global_norm"]


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """``t * clip_norm / max(l2norm(t), clip_norm)``: rescaled so its L2 norm is at most
    ``clip_norm`` (over ``axes``, or the whole tensor), as ``tf.clip_by_norm``.

    >>> import tapeflow as tf
    >>> tf.clip_by_norm([3.0, 4.0], 1.0).numpy()
    array([0.6, 0.8], dtype=float32)
    >>> tf.clip_by_norm([3.0, 4.0], 10.0).numpy()   # short enough: unchanged
    array([3., 4.], dtype=float32)
    """
    values = convert_to_tensor(t)
    if np.isscalar(clip_norm):
        clip_norm = max(clip_norm, 0)
    else:
        clip_norm = cast(maximum(clip_norm, 0), values.dtype)
    l2sum = reduce_sum(values * values, axes, keepdims=True)
    pred = greater(l2sum, 0)
    # Two-tap where: sqrt never sees 0, so d sqrt stays finite at a zero norm.
    l2sum_safe = where(pred, l2sum, ones_like(l2sum))
    l2norm = where(pred, sqrt(l2sum_safe), l2sum)
    intermediate = values * clip_norm
    if intermediate.shape != values.shape:  # TF refuses to broadcast t up
        raise ValueError(f"Shapes {values.shape} and {intermediate.shape} are incompatible")
    return identity(intermediate / maximum(l2norm, clip_norm))


def _tensor_list(t_list: Any) -> list:
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    return [None if t is None else convert_to_tensor(t) for t in t_list]


def global_norm(t_list: Any, name: str | None = None) -> Tensor:
    """``sqrt(sum(l2norm(t)**2 for t in t_list))``, skipping ``None`` entries,
    as ``tf.linalg.global_norm``.

    >>> import tapeflow as tf
    >>> float(tf.linalg.global_norm([tf.constant([3.0]), None, tf.constant([4.0])]))
    5.0
    """
    values = _tensor_list(t_list)
    half_squared_norms = [l2_loss(v) for v in values if v is not None]  # sum(v**2) / 2
    half_squared_norm = reduce_sum(stack(half_squared_norms))
    return sqrt(half_squared_norm * convert_to_tensor(2.0, dtype=half_squared_norm.dtype))


def clip_by_global_norm(t_list: Any, clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple[list, Tensor]:
    """Scales every tensor by ``clip_norm / max(global_norm, clip_norm)``; returns
    ``(clipped_list, global_norm)`` as ``tf.clip_by_global_norm`` (``None``
    entries stay ``None``; an infinite or NaN norm makes every value NaN).

    >>> import tapeflow as tf
    >>> clipped, norm = tf.clip_by_global_norm([[3.0], [4.0]], 1.0)
    >>> [c.numpy() for c in clipped], float(norm)
    ([array([0.6], dtype=float32), array([0.8], dtype=float32)], 5.0)
    """
    values = _tensor_list(t_list)
    use_norm = global_norm(values) if use_norm is None else convert_to_tensor(use_norm)
    one = convert_to_tensor(1.0, dtype=use_norm.dtype)
    scale_for_finite = clip_norm * minimum(1.0 / use_norm, one / clip_norm)
    # A finite norm adds 0; inf or NaN makes the scale NaN, as TF does.
    scale = scale_for_finite + (use_norm - use_norm)
    clipped = [None if v is None else identity(v * cast(scale, v.dtype)) for v in values]
    return clipped, use_norm
