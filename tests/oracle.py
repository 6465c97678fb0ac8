"""What the TF-pinned test files share: the library under test and small checks.

``TAPEFLOW_TEST_ORACLE=tensorflow`` in an environment that has TF makes ``tf``
real TensorFlow, so the same expectations are checked against TF 2.21 (see
tests/test_tensor.py); otherwise ``tf`` is tapeflow.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

if os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow":
    import tensorflow as tf
else:
    import tapeflow as tf

ORACLE = tf.__name__ == "tensorflow"
InvalidArgumentError = tf.errors.InvalidArgumentError


def c(value: Any, dtype: Any = None) -> Any:
    return tf.constant(value, dtype)


def check(t: Any, value: Any, dtype: Any) -> None:
    """``t`` holds exactly ``value`` (shape included, NaN where it has NaN) with ``dtype``."""
    assert t.dtype == dtype, (t.dtype, dtype)
    want = np.asarray(value)
    got = t.numpy()
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def raises(error: type, text: str, op: str | None, f: Callable, *args: Any,
           **kwargs: Any) -> None:
    """``f`` raises ``error`` whose message holds ``text`` (and ``[Op:op]`` if given)."""
    with pytest.raises(error) as info:
        f(*args, **kwargs)
    message = str(info.value)
    assert text in message, message
    if op is not None:
        assert f"[Op:{op}]" in message, message
