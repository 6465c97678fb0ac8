"""Op errors: TF's error classes, and messages naming the op, the shapes and the dtypes.

The TF text of each message (type and essential words) is pinned against TF
2.21; run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` to check it again (see
tests/test_tensor.py).  DESIGN.md asks more of tapeflow than TF gives: every
op error also names the input dtypes, and that part is checked for tapeflow
alone.
"""

from __future__ import annotations

import contextlib
import os
import re

import numpy as np
import pytest

if os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow":
    import tensorflow as tf
else:
    import tapeflow as tf

ORACLE = tf.__name__ == "tensorflow"
InvalidArgumentError = tf.errors.InvalidArgumentError


def c(value, dtype=None):
    return tf.constant(value, dtype)


@contextlib.contextmanager
def raises(tf_text, op, *tapeflow_extra):
    """pytest.raises for an InvalidArgumentError whose message holds TF's text and
    ``[Op:op]``; for tapeflow, also each pattern of ``tapeflow_extra`` (shapes, dtypes)."""
    with pytest.raises(InvalidArgumentError, match=rf"(?s){tf_text}.*\[Op:{op}\]") as info:
        yield info
    if not ORACLE:
        for extra in tapeflow_extra:
            assert re.search(extra, str(info.value)), (extra, str(info.value))


# -- the error classes ----------------------------------------------------------------
def test_error_classes():
    err = tf.errors.InvalidArgumentError(None, None, "boom")
    assert isinstance(err, tf.errors.OpError) and isinstance(err, Exception)
    assert not isinstance(err, ValueError)
    assert str(err) == "boom" and err.message == "boom"
    assert err.op is None and err.node_def is None
    assert err.error_code == tf.errors.INVALID_ARGUMENT == 3
    for name, code in [("CancelledError", 1), ("UnknownError", 2), ("NotFoundError", 5),
                       ("OutOfRangeError", 11), ("UnimplementedError", 12),
                       ("InternalError", 13), ("DataLossError", 15),
                       ("UnauthenticatedError", 16)]:
        cls = getattr(tf.errors, name)
        assert issubclass(cls, tf.errors.OpError)
        assert cls(None, None, "m").error_code == code
    assert tf.errors.OpError(None, None, "m", 9).error_code == tf.errors.FAILED_PRECONDITION


def test_op_errors_carry_the_message():
    with pytest.raises(InvalidArgumentError) as info:
        c([1.0, 2.0]) + c([1.0, 2.0, 3.0])
    err = info.value
    assert "Incompatible shapes: [2] vs. [3]" in err.message
    assert "[Op:AddV2]" in str(err) and err.op is None


# -- broadcasting ---------------------------------------------------------------------
@pytest.mark.parametrize("op, name, x, y, shapes", [
    (tf.add, "AddV2", [1.0, 2.0], [1.0, 2.0, 3.0], r"\[2\] vs. \[3\]"),
    (lambda a, b: a + b, "AddV2", [1.0, 2.0], [1.0, 2.0, 3.0], r"\[2\] vs. \[3\]"),
    (lambda a, b: a - b, "Sub", [1.0, 2.0], [1.0, 2.0, 3.0], r"\[2\] vs. \[3\]"),
    (lambda a, b: a * b, "Mul", np.ones((2, 3), np.float32), np.ones((4, 3), np.float32),
     r"\[2,3\] vs. \[4,3\]"),
    (tf.maximum, "Maximum", [1.0, 2.0], [1.0, 2.0, 3.0], r"\[2\] vs. \[3\]"),
    (tf.pow, "Pow", [1.0, 2.0], [1.0, 2.0, 3.0], r"\[2\] vs. \[3\]"),
])
def test_broadcasting_failure(op, name, x, y, shapes):
    with raises(f"Incompatible shapes: {shapes}", name, "float32"):
        op(c(x), c(y))


def test_broadcasting_failure_with_variables_and_ints():
    with raises(r"Incompatible shapes: \[2\] vs. \[3\]", "AddV2", "int32"):
        tf.Variable([1, 2]) + c([1, 2, 3])


# -- matmul ---------------------------------------------------------------------------
def test_matmul_size_mismatch():
    with raises(r"Matrix size-incompatible: In\[0\]: \[2, ?3\], In\[1\]: \[2, ?3\]", "MatMul",
                "float32"):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    with raises(r"Matrix size-incompatible: In\[0\]: \[2, ?2\], In\[1\]: \[1, ?3\]", "MatMul",
                "float32"):
        c([[1.0, 2.0], [3.0, 4.0]]) @ c([[1.0, 2.0, 3.0]])


def test_matmul_needs_matrices():
    with raises(r"In\[0\]", "MatMul", r"\[3\]", "float32"):
        tf.matmul(tf.ones((3,)), tf.ones((3, 4)))


def test_matmul_dtype_mismatch():
    with pytest.raises(InvalidArgumentError, match=r"cannot compute \w*MatMul\w* as input "
                       r"#1\(zero-based\) was expected to be a float tensor but is a double "
                       r"tensor"):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), tf.float64))


# -- reshape --------------------------------------------------------------------------
def test_reshape_size_mismatch():
    with raises("Input to reshape is a tensor with 6 values, but the requested shape has 8",
                "Reshape", r"\[2, ?3\]", "float32"):
        tf.reshape(tf.ones((2, 3)), (4, 2))
    with raises("Input to reshape is a tensor with 6 values, but the requested shape requires "
                "a multiple of 4", "Reshape", r"\[2, ?3\]", "float32"):
        tf.reshape(tf.ones((2, 3)), (4, -1))


# -- reductions -----------------------------------------------------------------------
@pytest.mark.parametrize("reduce, name, shape, axis, bad", [
    (tf.reduce_sum, "Sum", (2, 3), 2, 2),
    (tf.reduce_sum, "Sum", (2, 3), -3, -3),
    (tf.reduce_sum, "Sum", (2, 3), c(3), 3),
    (tf.reduce_mean, "Mean", (2, 3), 5, 5),
    (tf.reduce_max, "Max", (2, 3), [0, 2], 2),
    (tf.reduce_min, "Min", (2,), 1, 1),
    (tf.reduce_prod, "Prod", (2, 3), -3, -3),
    (tf.reduce_sum, "Sum", (), 0, 0),       # a scalar has no axis 0
    (tf.reduce_sum, "Sum", (), -1, -1),
])
def test_reduction_axis_out_of_range(reduce, name, shape, axis, bad):
    with raises(rf"Invalid reduction dimension \({bad} for input with {len(shape)} "
                r"dimension\(s\)", name, re.escape(str(list(shape)).replace(" ", "")), "float32"):
        reduce(tf.ones(shape), axis=axis)


def test_reduction_of_a_scalar_over_no_axes():
    assert tf.reduce_sum(c(1.0), axis=[]).numpy() == 1.0


@pytest.mark.parametrize("reduce, name, axis, dim", [
    (tf.reduce_sum, "Sum", [0, 0], 0), (tf.reduce_mean, "Mean", [1, -2], 1),
    (tf.reduce_max, "Max", (2, 2), 2), (tf.reduce_prod, "Prod", [-1, 2], 2),
])
def test_reduction_axes_may_not_repeat(reduce, name, axis, dim):
    with raises(f"Invalid reduction arguments: Axes contains duplicate dimension: {dim}", name):
        reduce(tf.ones((1, 2, 1)), axis=axis)


def test_squeeze_with_no_axes_removes_every_length_1_dimension():
    # TF: an empty squeeze_dims is every length-1 dimension, as axis=None
    assert tf.squeeze(tf.ones((1, 2, 1)), axis=[]).shape == [2]
    assert tf.squeeze(tf.ones((1, 2, 1)), axis=()).shape == [2]


# -- concat and stack -------------------------------------------------------------------
def test_concat_dimension_mismatch():
    with raises(r"ConcatOp : Dimension 1 in both shapes must be equal: shape\[0\] = \[2,3\] "
                r"vs. shape\[1\] = \[2,4\]", "ConcatV2", "float32"):
        tf.concat([tf.ones((2, 3)), tf.ones((2, 4))], axis=0)
    with raises(r"ConcatOp : Dimension 1 in both shapes must be equal: shape\[0\] = \[2,3\] "
                r"vs. shape\[2\] = \[1,4\]", "ConcatV2", "float32"):
        tf.concat([tf.ones((2, 3)), tf.ones((2, 3)), tf.ones((1, 4))], axis=0)
    with raises(r"ConcatOp : Ranks of all input tensors should match: shape\[0\] = \[2,3\] "
                r"vs. shape\[1\] = \[3\]", "ConcatV2", "float32"):
        tf.concat([tf.ones((2, 3)), tf.ones((3,))], axis=0)
    with raises(r"ConcatOp : Expected concatenating dimensions in the range \[-2, 2\), but got "
                r"2", "ConcatV2"):
        tf.concat([tf.ones((2, 3)), tf.ones((2, 3))], axis=2)


def test_concat_dtype_mismatch():
    with raises("", "ConcatV2", "int32", "float32"):
        tf.concat([tf.ones((2, 3)), tf.ones((2, 3), tf.int32)], axis=0)


def test_stack_shape_mismatch():
    with raises(r"Shapes of all inputs must match: values\[0\].shape = \[2\] != "
                r"values\[1\].shape = \[3\]", "Pack"):
        tf.stack([tf.ones((2,)), tf.ones((3,))])


# -- dtypes ---------------------------------------------------------------------------
@pytest.mark.parametrize("x, y, name, want, got", [
    (c(1.0), c(1, tf.int64), "AddV2", "float", "int64"),
    (c([1.0]), c([1.0], tf.float64), "Mul", "float", "double"),
    (c([1], tf.int64), c([1]), "Sub", "int64", "int32"),
    (c([1.0], tf.float16), c([1.0]), "AddV2", "half", "float"),
])
def test_dtype_mismatch(x, y, name, want, got):
    op = {"AddV2": tf.add, "Mul": tf.multiply, "Sub": tf.subtract}[name]
    with raises(rf"cannot compute {name} as input #1\(zero-based\) was expected to be a {want} "
                rf"tensor but is a {got} tensor", name):
        op(x, y)


@pytest.mark.parametrize("op, name, dtype", [
    (lambda: c([True]) + c([True]), "AddV2", "bool"),
    (lambda: tf.exp(c(1)), "Exp", "int32"),
    (lambda: -c(True), "Neg", "bool"),
    (lambda: c([True]) < c([False]), "Less", "bool"),
    (lambda: c([1.0]) & c([2.0]), "BitwiseAnd", "float"),
])
def test_unsupported_dtype(op, name, dtype):
    with raises(rf"Value for attr 'T' of {dtype} is not in the list of allowed values", name):
        op()


# -- a failed op changes nothing ----------------------------------------------------------
def test_failed_assignments_leave_the_variable_unchanged():
    v = tf.Variable([1.0, 2.0])
    attempts = [
        (lambda: v.assign_add([1.0, 2.0, 3.0]), InvalidArgumentError),
        (lambda: v.assign_sub(1.0), InvalidArgumentError),
        (lambda: v.assign([1.0, 2.0, 3.0]), ValueError),
        (lambda: v.assign(c([1, 2])), ValueError),
        (lambda: v.assign_add(c([1.0, 2.0], tf.float64)), ValueError),
        (lambda: v.assign_sub("ab"), TypeError),
        (lambda: v.assign([[1.0, 2.0], [3.0]]), ValueError),
    ]
    for attempt, error in attempts:
        with pytest.raises(error):
            attempt()
        assert v.numpy().tolist() == [1.0, 2.0] and v.dtype == tf.float32 and v.shape == (2,)


def test_failed_ops_leave_variables_and_tapes_usable():
    v = tf.Variable([1.0, 2.0])
    x = c(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = v * x
        for bad in (lambda: v + c([1.0, 2.0, 3.0]), lambda: tf.reshape(v, (3,)),
                    lambda: tf.reduce_sum(v, axis=1), lambda: v @ v,
                    lambda: v * c([1.0, 2.0], tf.float64)):
            with pytest.raises(InvalidArgumentError):
                bad()
        z = tf.reduce_sum(y * y)
    assert v.numpy().tolist() == [1.0, 2.0]
    dv, dx = g.gradient(z, [v, x])
    assert dv.numpy().tolist() == [18.0, 36.0]   # 2 v x^2
    assert dx.numpy() == 30.0                     # 2 x (1 + 4)
