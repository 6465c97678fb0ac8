"""The ``tf.debugging`` namespace: finding NaN and Inf (re-exports only).

TF's names: ``check_numerics``, ``assert_all_finite``, ``enable_check_numerics``,
``disable_check_numerics``.  tapeflow's NaN tools beyond TF's (the backward
check, ``tapeflow.check_numerics_scope``) are described in docs/debugging.md;
they live in :mod:`tapeflow.autodiff.numerics`.
"""

from __future__ import annotations

from typing import Any

from tapeflow.autodiff.numerics import (
    check_numerics,
    disable_check_numerics,
    enable_check_numerics,
)
from tapeflow.core.tensor import Tensor

__all__ = ["assert_all_finite", "check_numerics", "disable_check_numerics",
           "enable_check_numerics"]


def assert_all_finite(x: Any, message: str, name: str | None = None) -> Tensor:
    """``x`` itself, or InvalidArgumentError if it holds NaN or Inf (TF's name for
    ``check_numerics`` with the tensor called ``x``).

    >>> import tapeflow as tf
    >>> tf.debugging.assert_all_finite(tf.constant([1.0, 2.0]), "x").numpy()
    array([1., 2.], dtype=float32)
    """
    return check_numerics(x, message)
