"""Tensors, TensorShape, DType and converting values: TF 2.21's behaviour, pinned.

Every expected value, exception type and message here was first observed in
real TensorFlow 2.21.  To check them against TF again, run this file with
``TAPEFLOW_TEST_ORACLE=tensorflow`` in an environment that has TF: the same
tests then import TF as ``tf`` and skip only tapeflow's own additions.
"""

from __future__ import annotations

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


def dtype_name(t):
    return t.dtype.name


# -- converting Python values: the first element decides the dtype --------------------
@pytest.mark.parametrize("value, expected", [
    (1.5, "float32"),
    (1, "int32"),
    (2**31 - 1, "int32"),
    (-2**31, "int32"),
    (2**31, "int64"),
    (-2**31 - 1, "int64"),
    (2**40, "int64"),
    (-2**63, "int64"),
    (1 + 2j, "complex128"),
    (True, "bool"),
    ("ab", "string"),
    (b"ab", "string"),
    ([1, 2], "int32"),
    ((1, 2), "int32"),
    (range(3), "int32"),
    ([1, 2**40], "int64"),
    ([1, 2.5], "float32"),          # an int-led list holding a float becomes float32
    ([2**40, 1.5], "float32"),
    ([1.0, True], "float32"),
    ([1, True], "int32"),           # a bool after an int is an int (True is 1)
    ([1j, 1], "complex128"),
    ([[1.0, 2.0], [3.0, 4.0]], "float32"),
    ([], "float32"),
    ([[], []], "float32"),
    ([True, False], "bool"),
    # NumPy scalars and arrays keep their dtype, here and leading a list
    (np.float64(1.0), "float64"),
    (np.float32(1.0), "float32"),
    (np.int64(2), "int64"),
    (np.ones(2), "float64"),
    (np.arange(3), "int64"),
    (np.ones(2, np.float16), "float16"),
    (np.array([True]), "bool"),
    ([np.float64(1.0), 2.0], "float64"),
    ([2.0, np.float64(1.0)], "float32"),
    ([np.float16(1.0), 2.0], "float16"),
    ([np.float32(1.0), np.float64(2.0)], "float32"),
    ([np.ones(2), [3.0, 4.0]], "float64"),
    ([[3.0, 4.0], np.ones(2)], "float32"),
    ([np.array(1.0, np.float32), 2.0], "float32"),
    ([np.int64(1), 2], "int32"),    # NumPy ints lead like Python ints
    ([np.int8(1), 300], "int32"),
    ([np.int32(1), 2**40], "int64"),
])
def test_constant_infers_tf_dtype(value, expected):
    assert dtype_name(tf.constant(value)) == expected
    assert dtype_name(tf.convert_to_tensor(value)) == expected


def test_constant_values_and_shapes():
    t = c([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2)
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])
    assert c([[], []]).shape == (2, 0)
    assert c(((1, 2), (3, 4))).shape == (2, 2)
    assert c(2**40).numpy() == 2**40
    assert np.isinf(c(float("inf")).numpy())
    assert np.isnan(c([float("nan")]).numpy()[0])


@pytest.mark.parametrize("value, message", [
    ([True, 1], "mixed types"),
    ([True, 1.0], "mixed types"),
    ([[True], [1]], "mixed types"),
    ([1, 1j], "mixed types"),
    ([1.0, 1j], "mixed types"),
    ([1, "a"], "mixed types"),
    (["a", 1], "mixed types"),
    ([1.0, "a"], "mixed types"),
    ([1, None], "mixed types"),
    ([1, [2]], "mixed types"),                 # a list where a scalar was expected
    ([[1, 2], [3, [4]]], "mixed types"),
    ([np.True_, 1], "mixed types"),
    ([[1, 2], [3]], "non-rectangular"),
    ([[1], 2], "non-rectangular"),             # a scalar where a list was expected
    ([[1, 2], [3, 4, 5]], "non-rectangular"),
    ([[1], []], "non-rectangular"),
    (2**63, "out-of-range integer"),
    (-2**63 - 1, "out-of-range integer"),
    (2**70, "out-of-range integer"),
    ([1, 2**63], "out-of-range integer"),
    ([2**64, 1.5], "out-of-range integer"),
    (1e300, "out of range for a double-precision float"),
    ([1.0, 1e39], "out of range for a double-precision float"),
    ([np.float32(1.0), 1e300], "out of range for a double-precision float"),
])
def test_constant_refuses_python_sequences_like_tf(value, message):
    if message == "non-rectangular":
        message = "Can't convert non-rectangular Python sequence to Tensor."
    elif message.startswith("out of range"):
        message = f"Can't convert Python sequence with a value {message}."
    else:
        message = f"Can't convert Python sequence with {message} to Tensor."
    with pytest.raises(ValueError, match=re.escape(message)):
        tf.constant(value)


@pytest.mark.parametrize("value, type_name", [
    (None, "NoneType"), ({"a": 1}, "dict"), ({1}, "set"), ([None, 1], "NoneType"),
    ((x for x in [1]), "generator"),
])
def test_constant_refuses_unsupported_types(value, type_name):
    with pytest.raises(ValueError, match=rf"Attempt to convert a value \(.*\) with an "
                       rf"unsupported type \(<class '{type_name}'>\) to a Tensor\."):
        tf.convert_to_tensor(value)


def test_infinite_and_big_floats():
    # inf is not "out of range"; with an explicit dtype, overflow gives inf
    assert np.isposinf(c(1e300, tf.float32).numpy())
    assert c(1e300, tf.float64).numpy() == 1e300
    assert np.isposinf(c(1e10, tf.float16).numpy())
    assert c(2**70, tf.float32).numpy() == np.float32(2.0**70)
    assert c([1.5, 2**70]).numpy()[1] == np.float32(2.0**70)


# -- converting with dtype=: what TF converts and what it refuses -----------------------
@pytest.mark.parametrize("value, dtype, expected", [
    (1, tf.float32, 1.0),
    (1, tf.float64, 1.0),
    (True, tf.float32, 1.0),             # bools convert to numbers ...
    (True, tf.int32, 1),
    ([True, 1], tf.float32, [1.0, 1.0]),  # ... even where inference would refuse the mix
    (1.5, tf.complex64, 1.5 + 0j),
    ([1.5, 2], tf.complex64, [1.5, 2]),
    (2.5, tf.float16, 2.5),
    (300, tf.uint8, 44),                 # ints wrap like a C cast
    (-1, tf.uint8, 255),
    ([-1, 256], tf.uint8, [255, 0]),
    (2**40, tf.int32, 0),
    (2**31, tf.int32, -2**31),
    (2**63, tf.uint64, 2**63),
    ("a", tf.string, b"a"),
])
def test_constant_with_dtype_converts(value, dtype, expected):
    t = tf.constant(value, dtype)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize("value, dtype, text", [
    (2.5, tf.int32, "Cannot convert 2.5 to EagerTensor of dtype int32"),
    (2.0, tf.int32, "Cannot convert 2.0 to EagerTensor of dtype int32"),
    ([1, 2.5], tf.int32, r"Cannot convert \[1, 2.5\] to EagerTensor of dtype int32"),
    (2.5, tf.int64, "Cannot convert 2.5 to EagerTensor of dtype int64"),
    (2.5, tf.uint8, "Cannot convert 2.5 to EagerTensor of dtype uint8"),
    (1, tf.bool, "Cannot convert 1 to EagerTensor of dtype bool"),
    (1.5, tf.bool, "Cannot convert 1.5 to EagerTensor of dtype bool"),
    # TF names float dtypes by their C++ names in this message
    (1j, tf.float32, r"Cannot convert 1j to EagerTensor of dtype float$"),
    (1j, tf.float64, "Cannot convert 1j to EagerTensor of dtype double"),
    ("a", tf.float32, "Cannot convert 'a' to EagerTensor of dtype float$"),
    (1, tf.string, "Cannot convert 1 to EagerTensor of dtype string"),
    ([np.float64(2.5)], tf.int32, "to EagerTensor of dtype int32"),
])
def test_constant_with_dtype_refuses_like_tf(value, dtype, text):
    with pytest.raises(TypeError, match=text):
        tf.constant(value, dtype)
    with pytest.raises(TypeError, match=text):
        tf.convert_to_tensor(value, dtype)


@pytest.mark.parametrize("value, dtype", [(2**63, tf.int64), (2**70, tf.int64),
                                          (2**63, tf.int32)])
def test_constant_with_dtype_out_of_range_ints(value, dtype):
    with pytest.raises(ValueError, match="out-of-range integer"):
        tf.constant(value, dtype)


def test_numpy_values_are_cast_like_astype():
    np.testing.assert_array_equal(c(np.array([1.5, 2.7]), tf.int32).numpy(), [1, 2])
    assert c(np.float64(2.5), tf.int32).numpy() == 2
    assert c(np.array([2**40]), tf.int32).numpy()[0] == 0
    assert c(np.array([True]), tf.float32).numpy()[0] == 1.0
    assert c(np.array(["1.5"]), tf.float32).numpy()[0] == 1.5
    t = c(np.array([1.5, 2.7]), tf.float32)
    assert t.dtype == tf.float32 and t.numpy()[0] == np.float32(1.5)


def test_numpy_conversion_refusals():
    with pytest.raises(ValueError, match=r"Failed to convert a NumPy array to a Tensor "
                       r"\(Unsupported object type float\)"):
        tf.constant(np.array([1.5], np.float32), tf.string)
    with pytest.raises(ValueError, match=r"Unsupported object type int"):
        tf.constant(np.array([1, "a"], dtype=object))


def test_numpy_strings_become_bytes():
    t = c(np.array(["a", "bc"]))
    assert t.dtype == tf.string
    assert t.numpy().tolist() == [b"a", b"bc"]
    assert c(["a", b"b"]).numpy().tolist() == [b"a", b"b"]
    assert c("é").numpy() == "é".encode()


def test_constant_copies_numpy_input():
    a = np.ones(3, np.float32)
    t = tf.constant(a)
    u = tf.convert_to_tensor(a)
    a[0] = 5.0
    assert t.numpy()[0] == 1.0 and u.numpy()[0] == 1.0


def test_tensors_and_dtype():
    x = c(1.0)
    assert tf.convert_to_tensor(x) is x
    assert tf.constant(x, tf.float32).numpy() == 1.0
    with pytest.raises(TypeError, match=r"Expected tensor 1.0 with dtype tf.float64, but got "
                       r"dtype tf.float32"):
        tf.constant(x, tf.float64)
    with pytest.raises(ValueError, match=r"Tensor conversion requested dtype float64 for "
                       r"Tensor with dtype float32: <tf.Tensor: shape=\(\), dtype=float32, "
                       r"numpy=1.0>"):
        tf.convert_to_tensor(x, tf.float64)


def test_dtype_hint_is_tried_then_dropped():
    ctt = tf.convert_to_tensor
    assert ctt(1, dtype_hint=tf.float32).dtype == tf.float32
    assert ctt([1, 2], dtype_hint=tf.float64).dtype == tf.float64
    assert ctt(1.5, dtype_hint=tf.int32).dtype == tf.float32
    assert ctt(1, dtype_hint=tf.bool).dtype == tf.int32
    assert ctt("a", dtype_hint=tf.float32).dtype == tf.string
    assert ctt(c(1.0, tf.float64), dtype_hint=tf.float32).dtype == tf.float64
    assert ctt(np.ones(2), dtype_hint=tf.float32).dtype == tf.float32
    assert ctt(2**40, dtype_hint=tf.int32).numpy() == 0


def test_constant_shape_argument():
    np.testing.assert_array_equal(tf.constant(1.0, shape=(2, 3)).numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy(),
                                  [[1, 2], [3, 4]])
    assert tf.constant(tf.constant([1, 2, 3, 4]), shape=[2, 2]).shape == (2, 2)
    assert tf.constant(1.0, shape=(0,)).shape == (0,)
    with pytest.raises(TypeError, match=r"Eager execution of tf.constant with unsupported "
                       r"shape. Tensor \[1 2 3\] \(converted from \[1, 2, 3\]\) has 3 elements, "
                       r"but got `shape` \(2, 2\) with 4 elements\)\."):
        tf.constant([1, 2, 3], shape=[2, 2])
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        tf.constant(1.0, shape=(-1,))


# -- creating tensors ----------------------------------------------------------------
def test_ones_zeros():
    t = tf.ones((2, 3))
    assert t.dtype == tf.float32 and t.shape == (2, 3)
    assert (t.numpy() == 1).all()
    assert tf.ones(3).shape == (3,)
    assert tf.ones(()).shape == ()
    assert tf.ones([2], tf.int32).numpy().tolist() == [1, 1]
    assert tf.ones(c([2, 1])).shape == (2, 1)
    assert tf.ones(c([2], tf.int64)).shape == (2,)
    assert tf.ones(np.array([2, 1])).shape == (2, 1)
    assert tf.ones(tf.TensorShape([2, 1])).shape == (2, 1)
    assert tf.zeros([2], dtype=tf.bool).numpy().tolist() == [False, False]
    assert tf.zeros([2], dtype="float64").dtype == tf.float64
    assert tf.zeros([2], tf.string).numpy().tolist() == [b"", b""]
    assert tf.zeros((0, 2)).shape == (0, 2)


@pytest.mark.parametrize("make", [tf.zeros, tf.ones])
def test_ones_zeros_refuse_bad_shapes(make):
    with pytest.raises(InvalidArgumentError, match=r"Dimension -1 must be >= 0 \[Op:Fill\]"):
        make((-1, 2))
    with pytest.raises(InvalidArgumentError, match=r"Dimension -3 must be >= 0 \[Op:Fill\]"):
        make(-3)
    with pytest.raises(TypeError, match=r"Cannot convert \(2.0, 1\) to EagerTensor of dtype "
                       r"int32"):
        make((2.0, 1))
    with pytest.raises(InvalidArgumentError, match=r"Value for attr 'index_type' of float is "
                       r"not in the list of allowed values: int32, int64"):
        make(c([2.0]))
    with pytest.raises(InvalidArgumentError, match=r"dims must represent a vector, got shape "
                       r"\[1,1\]"):
        make(c([[2]]))
    with pytest.raises(ValueError, match="unsupported type"):
        make(None)


def test_ones_refuses_strings():
    with pytest.raises(TypeError, match="Cannot convert 1 to EagerTensor of dtype string"):
        tf.ones([2], tf.string)


def test_dtype_arguments_follow_as_dtype():
    with pytest.raises(TypeError, match=r"Cannot convert the argument `type_value`: "
                       r"<class 'int'> to a TensorFlow DType"):
        tf.ones(2, dtype=int)
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`: 'foo'"):
        tf.cast(c(1.0), "foo")
    assert tf.zeros(2, dtype=float).dtype == tf.float32


def test_fill():
    t = tf.fill([2, 2], 3)
    assert t.dtype == tf.int32 and t.numpy().tolist() == [[3, 3], [3, 3]]
    assert tf.fill((2,), 1.5).dtype == tf.float32
    assert tf.fill([2], np.float64(1.0)).dtype == tf.float64
    assert tf.fill([2], c(3.0)).numpy().tolist() == [3.0, 3.0]
    assert tf.fill([2], "a").numpy().tolist() == [b"a", b"a"]
    with pytest.raises(InvalidArgumentError,
                       match=r"value must represent a scalar, got shape \[2\] \[Op:Fill\]"):
        tf.fill((2,), [1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match=r"Dimension -1 must be >= 0 \[Op:Fill\]"):
        tf.fill((-1,), 1.0)
    with pytest.raises(InvalidArgumentError, match=r"Value for attr 'index_type' of float"):
        tf.fill([2.0], 1.0)


def test_ones_like_zeros_like():
    x = c([[1, 2]])
    o = tf.ones_like(x)
    assert o.dtype == tf.int32 and o.shape == (1, 2) and o.numpy().tolist() == [[1, 1]]
    assert tf.ones_like(c([1, 2]), dtype=tf.float32).dtype == tf.float32
    z = tf.zeros_like([1.0, 2.0])
    assert z.dtype == tf.float32 and z.numpy().tolist() == [0.0, 0.0]
    assert tf.zeros_like(tf.Variable([1.0])).numpy().tolist() == [0.0]
    assert tf.ones_like(c([True, False])).numpy().tolist() == [True, True]


@pytest.mark.parametrize("args, kwargs, dtype, values", [
    ((5,), {}, "int32", [0, 1, 2, 3, 4]),
    ((5, 0, -2), {}, "int32", [5, 3, 1]),
    ((0, 10, 3), {}, "int32", [0, 3, 6, 9]),
    ((10, 0, -3), {}, "int32", [10, 7, 4, 1]),
    ((3, 3), {}, "int32", []),
    ((1, 2.5), {}, "float32", [1.0, 2.0]),
    ((2.5,), {}, "float32", [0.0, 1.0, 2.0]),
    ((3,), {"dtype": tf.float64}, "float64", [0.0, 1.0, 2.0]),
    ((3,), {"dtype": tf.int64}, "int64", [0, 1, 2]),
    ((np.int64(3),), {}, "int64", [0, 1, 2]),
    ((c(3),), {}, "int32", [0, 1, 2]),
    ((c(3.0, tf.float64),), {}, "float64", [0.0, 1.0, 2.0]),
    ((c(3.7),), {"dtype": tf.int32}, "int32", [0, 1, 2]),   # tensors are cast
    ((2**40, 2**40 + 2), {}, "int64", [2**40, 2**40 + 1]),
    # floats: size = ceil((limit - start) / delta) and start + i * delta, in the dtype
    ((0.0, 0.3, 0.1), {}, "float32", np.float32([0.0, 0.1, 0.2])),
    ((0.0, 1.0, 0.25), {}, "float32", [0.0, 0.25, 0.5, 0.75]),
    ((-1.0, 1.0, 0.3), {}, "float32", [-1.0, -0.699999988079071, -0.3999999761581421,
                                       -0.09999996423721313, 0.20000004768371582, 0.5,
                                       0.8000000715255737]),
    ((1.0, 2.0, 0.1), {}, "float32", [1.0, 1.100000023841858, 1.2000000476837158,
                                      1.2999999523162842, 1.399999976158142, 1.5,
                                      1.600000023841858, 1.7000000476837158,
                                      1.7999999523162842, 1.9000000953674316]),
    ((0.0, 1.0, 0.1), {"dtype": tf.float64}, "float64",
     [0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001,
      0.8, 0.9]),
    ((0.1, 2.0, 0.7), {"dtype": tf.float64}, "float64", [0.1, 0.7999999999999999, 1.5]),
])
def test_range(args, kwargs, dtype, values):
    t = tf.range(*args, **kwargs)
    assert t.dtype.name == dtype
    assert t.numpy().tolist() == list(np.asarray(values).tolist())


def test_range_errors():
    with pytest.raises(InvalidArgumentError,
                       match=r"Requires start <= limit when delta > 0: 5/0 \[Op:Range\]"):
        tf.range(5, 0)
    with pytest.raises(InvalidArgumentError,
                       match=r"Requires start >= limit when delta < 0: 0/3 \[Op:Range\]"):
        tf.range(0, 3, -1)
    with pytest.raises(InvalidArgumentError, match=r"Requires delta != 0: 0 \[Op:Range\]"):
        tf.range(0, 5, 0)
    with pytest.raises(InvalidArgumentError, match=r"Requires start <= limit when delta > 0: "
                       r"1/"):  # TF prints this limit as -0
        tf.range(1.0, 0.0, 0.5)
    with pytest.raises(TypeError, match="Cannot convert 0.5 to EagerTensor of dtype int32"):
        tf.range(0.5, 3.7, dtype=tf.int32)


def test_eye():
    assert tf.eye(2).numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert tf.eye(2).dtype == tf.float32
    t = tf.eye(2, 3, dtype=tf.int32)
    assert t.dtype == tf.int32 and t.numpy().tolist() == [[1, 0, 0], [0, 1, 0]]
    assert tf.eye(2, batch_shape=[3]).shape == (3, 2, 2)
    assert tf.eye(c(2)).shape == (2, 2)
    assert tf.eye(0).shape == (0, 0)
    with pytest.raises(TypeError, match=r"Arguments `num_rows` and `num_columns` must be "
                       r"positive integer values. Received: num_rows=2, num_columns=3.0"):
        tf.eye(2, 3.0)
    with pytest.raises(InvalidArgumentError, match=r"Dimension -1 must be >= 0 \[Op:Fill\]"):
        tf.eye(-1)


def test_cast():
    assert tf.cast(c([1.7, -1.7]), tf.int32).numpy().tolist() == [1, -1]
    assert tf.cast(c([0.0, 2.0]), tf.bool).numpy().tolist() == [False, True]
    assert tf.cast([1, 2], tf.float32).dtype == tf.float32
    assert tf.cast(c(1 + 2j), tf.float32).numpy() == 1.0
    assert tf.cast(c(1.5), tf.complex64).numpy() == 1.5 + 0j
    assert tf.cast(c(-1), tf.uint8).numpy() == 255
    assert tf.cast(c(300.7), tf.uint8).numpy() == 44
    assert tf.cast(c(3e9), tf.int32).numpy() == -2**31
    assert tf.cast(tf.Variable([9.5]), tf.int32).numpy().tolist() == [9]
    x = c(1.0)
    assert tf.cast(x, tf.float32) is x  # a no-op cast returns its input


def test_identity():
    x = c([1, 2])
    y = tf.identity(x)
    assert y is not x and y.dtype == tf.int32 and y.numpy().tolist() == [1, 2]
    assert tf.identity([1.0]).dtype == tf.float32
    v = tf.Variable(1.0)
    r = tf.identity(v)
    assert not isinstance(r, tf.Variable) and r.numpy() == 1.0


# -- TensorShape -----------------------------------------------------------------------
def test_tensor_shape():
    s = c([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).shape
    assert s == (2, 3) and s == [2, 3] and s == tf.TensorShape([2, 3])
    assert s == np.array([2, 3])
    assert s != (2, 4) and not (s == (3, 2))
    assert not (s == 3) and not (s == None) and not (s == "ab")  # noqa: E711
    assert s.as_list() == [2, 3]
    assert s.rank == 2 and s.ndims == 2 and len(s) == 2
    assert repr(s) == "TensorShape([2, 3])"
    assert str(s) == "(2, 3)"
    assert str(c([1]).shape) == "(1,)"
    assert str(c(1).shape) == "()" and repr(c(1).shape) == "TensorShape([])"
    assert repr(tf.TensorShape([None, 3])) == "TensorShape([None, 3])"
    assert str(tf.TensorShape([None, 3])) == "(None, 3)"
    assert tf.TensorShape([None, 3]) == [None, 3]
    assert s[0] == 2 and type(s[0]) is int and s[-1] == 3
    assert s[1:] == [3] and isinstance(s[1:], tf.TensorShape)
    assert list(s) == [2, 3] and tuple(s) == (2, 3) and 3 in s
    assert hash(s) == hash(tf.TensorShape([2, 3]))
    assert s.num_elements() == 6 and tf.TensorShape([None, 3]).num_elements() is None
    assert s.is_fully_defined() and s.is_compatible_with([None, 3])
    assert s.concatenate([4]) == (2, 3, 4)
    assert s + (4,) == (2, 3, 4) and isinstance(s + [4], tf.TensorShape)
    assert (4,) + s == (4, 2, 3) and isinstance((4,) + s, tf.TensorShape)
    assert bool(tf.TensorShape([])) and bool(s)   # a known shape is truthy, even ()
    assert tf.TensorShape(3) == [3]
    assert c([[1.0]]).get_shape() == (1, 1)
    with pytest.raises(IndexError):
        s[5]


# -- DType ---------------------------------------------------------------------------
def test_dtypes():
    d = tf.float32
    assert d.name == "float32" and c([1.0]).dtype.name == "float32"
    assert repr(d) == "tf.float32" and str(d) == "<dtype: 'float32'>"
    assert d.is_floating and not tf.int32.is_floating and not tf.complex64.is_floating
    assert tf.int32.is_integer and not tf.bool.is_integer and tf.uint8.is_unsigned
    assert tf.complex64.is_complex and tf.bool.is_bool
    assert d == "float32" and d == np.float32 and d == np.dtype("float32")
    assert np.dtype("float32") == d
    assert d != tf.float64 and not (d == np.float64) and not (d == "floaty")
    assert not (d == None) and not (d == 3)  # noqa: E711
    assert d == float and not (tf.int32 == int)  # noqa: E721  (TF maps float, not int)
    assert tf.float64 == "double" and tf.int64 == np.int64
    assert d.as_numpy_dtype is np.float32
    assert (tf.int8.min, tf.int8.max, tf.uint8.min) == (-128, 127, 0)
    assert tf.float32.max == np.finfo(np.float32).max
    assert tf.float64.size == 8 and tf.complex64.real_dtype == tf.float32
    assert {tf.float32: 1}[tf.as_dtype("float32")] == 1
    assert tf.double is tf.float64 and tf.half is tf.float16
    assert tf.float32.is_compatible_with(tf.float32)
    with pytest.raises(TypeError, match=r"Cannot find maximum value of <dtype: 'bool'> with "
                       r"type <dtype: 'bool'>\."):
        _ = tf.bool.max
    with pytest.raises(TypeError, match="Cannot find maximum value of <dtype: 'complex64'>"):
        _ = tf.complex64.max


@pytest.mark.parametrize("value, expected", [
    ("float", tf.float32), ("double", tf.float64), ("half", tf.float16),
    ("string", tf.string), ("int32", tf.int32), (float, tf.float32), (bool, tf.bool),
    (object, tf.string), (np.int16, tf.int16), (np.int_, tf.int64), (np.str_, tf.string),
    (np.bytes_, tf.string), (np.dtype("U5"), tf.string), (np.bool_, tf.bool),
    (tf.float64, tf.float64),
])
def test_as_dtype(value, expected):
    assert tf.as_dtype(value) == expected


@pytest.mark.parametrize("value", [int, complex, str, bytes, "int", "str", "floaty", None])
def test_as_dtype_refuses(value):
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`"):
        tf.as_dtype(value)


# -- NumPy interop ------------------------------------------------------------------
def test_numpy_is_a_writable_copy():
    x = c([[1.0, 2.0], [3.0, 4.0]])
    a = x.numpy()
    assert a.flags.writeable
    a[0, 0] = 100.0
    assert x.numpy()[0, 0] == 1.0
    assert type(c(1.5).numpy()) is np.float32 and type(c(1).numpy()) is np.int32
    assert c(True).numpy() is np.True_


def test_array_protocol():
    x = c([[1.0, 2.0], [3.0, 4.0]])
    view = np.asarray(x)
    assert view.dtype == np.float32 and not view.flags.writeable
    copy = np.array(x)
    assert copy.flags.writeable
    copy[0, 0] = 9.0
    assert x.numpy()[0, 0] == 1.0
    assert np.array(x, dtype=np.float64).dtype == np.float64
    assert np.sum(x) == np.float32(10.0)
    if ORACLE:  # TF's EagerTensor has no __array_ufunc__
        assert type(np.add(x, 1)) is np.ndarray and type(np.sin(x)) is np.ndarray
    else:  # tapeflow keeps NumPy calls on the tape (docs/numpy.md)
        assert type(np.add(x, 1)) is tf.Tensor and type(np.sin(x)) is tf.Tensor


# -- indexing ------------------------------------------------------------------------
X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)


@pytest.mark.parametrize("key", [
    0, -1, 1, (0, 1), (1, -1), (slice(None), 1), slice(None, None, -1),
    (slice(None), slice(None, None, 2)),
    (Ellipsis, 1), (Ellipsis,), None, (slice(None), None, slice(None)), (Ellipsis, None),
    slice(5, None), slice(1, 0), (slice(-5, 5), slice(1, 2)), (0, slice(None, None, -2)),
    (np.int64(1),), (None, 1, None, Ellipsis),
], ids=repr)
def test_indexing_like_numpy(key):
    t = c(X)[key]
    expected = X[key]
    assert t.shape == expected.shape
    assert t.dtype == tf.float32
    np.testing.assert_array_equal(t.numpy(), expected)


def test_indexing_with_tensors_and_lists():
    x = c(X)
    np.testing.assert_array_equal(x[c(1)].numpy(), X[1])
    np.testing.assert_array_equal(x[c(1, tf.int64)].numpy(), X[1])
    np.testing.assert_array_equal(x[0:c(2), c(1)].numpy(), X[0:2, 1])
    assert x[[0, 1]].numpy() == 2.0           # a list index is a tuple in TF
    np.testing.assert_array_equal(x[c([True, False])].numpy(), X[[True, False]])
    assert c(1.0)[...].numpy() == 1.0


@pytest.mark.parametrize("key", [1.0, "a", c(1.0), c([0, 1]), np.array([0, 1]),
                                 slice(1.0, None)], ids=repr)
def test_indexing_refuses_non_integers(key):
    with pytest.raises(TypeError, match=r"Only integers, slices \(`:`\), ellipsis \(`...`\), "
                       r"tf.newaxis \(`None`\) and scalar tf.int32/tf.int64 tensors are valid "
                       r"indices, got"):
        c(X)[key]


@pytest.mark.parametrize("key, text", [
    (2, "slice index 2 of dimension 0 out of bounds."),
    (-3, "slice index -1 of dimension 0 out of bounds."),
    ((0, 5), "slice index 5 of dimension 1 out of bounds."),
    ((Ellipsis, 3), "slice index 3 of dimension 1 out of bounds."),
    ((0, 0, 0), "Index out of range using input dim 2; input has only 2 dims"),
    ((slice(None),) * 3, "Index out of range using input dim 2; input has only 2 dims"),
    ((Ellipsis, Ellipsis), "Multiple ellipses in slice spec not allowed"),
])
def test_indexing_errors(key, text):
    with pytest.raises(InvalidArgumentError, match=rf"{text}.*\[Op:StridedSlice\]"):
        c(X)[key]


def test_indexing_a_scalar():
    with pytest.raises(InvalidArgumentError, match=r"Attempting to slice scalar input. "
                       r"\[Op:StridedSlice\]"):
        c(1.0)[0]


# -- iteration, len and Python scalars ----------------------------------------------------
def test_iteration_and_len():
    x = c(X)
    rows = list(x)
    assert len(rows) == 2 and all(r.shape == (3,) for r in rows)
    assert [r.numpy().tolist() for r in x] == X.tolist()
    assert len(x) == 2 and len(c([[1, 2, 3]])[0]) == 3
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor."):
        list(c(1.0))
    with pytest.raises(TypeError, match=r"Scalar tensor has no `len\(\)`"):
        len(c(1.0))


def test_python_scalar_conversions():
    assert float(c(2.5)) == 2.5 and int(c(2.7)) == 2 and int(c(-2.7)) == -2
    assert complex(c(1 + 2j)) == 1 + 2j
    assert bool(c(1.0)) and not bool(c(0.0)) and bool(c([1.0])) and bool(c([[1]]))
    assert not bool(c([0])) and not bool(c([])) and not bool(c([[]]))
    assert [1, 2, 3][c(1)] == 2 and [1, 2, 3][c(1, tf.int64)] == 2
    assert list(range(c(3))) == [0, 1, 2] and hex(c(3)) == "0x3"
    assert f"{c(2.5):.2f}" == "2.50" and f"{c([2.5])}" == "[2.5]"
    for convert in (float, int):
        with pytest.raises(TypeError, match="only 0-dimensional arrays can be converted to "
                           "Python scalars"):
            convert(c([2.5]))
        with pytest.raises(TypeError):
            convert(c([2.5, 1.0]))
    with pytest.raises(ValueError, match="The truth value of an array with more than one "
                       "element is ambiguous"):
        bool(c([1.0, 2.0]))
    with pytest.raises(TypeError):
        [1, 2, 3][c([1])]
    with pytest.raises(TypeError):
        f"{c([2.5]):.2f}"


# -- printing ------------------------------------------------------------------------
@pytest.mark.parametrize("value, text", [
    (c(1.5), "<tf.Tensor: shape=(), dtype=float32, numpy=1.5>"),
    (c(3.0), "<tf.Tensor: shape=(), dtype=float32, numpy=3.0>"),
    (c(0.1), "<tf.Tensor: shape=(), dtype=float32, numpy=0.10000000149011612>"),
    (c(1e10), "<tf.Tensor: shape=(), dtype=float32, numpy=10000000000.0>"),
    (c(np.float64(0.1)), "<tf.Tensor: shape=(), dtype=float64, numpy=0.1>"),
    (c(np.float16(0.1)), "<tf.Tensor: shape=(), dtype=float16, numpy=0.0999755859375>"),
    (c(-0.0), "<tf.Tensor: shape=(), dtype=float32, numpy=-0.0>"),
    (c(float("nan")), "<tf.Tensor: shape=(), dtype=float32, numpy=nan>"),
    (c(1), "<tf.Tensor: shape=(), dtype=int32, numpy=1>"),
    (c(2**40), "<tf.Tensor: shape=(), dtype=int64, numpy=1099511627776>"),
    (c(True), "<tf.Tensor: shape=(), dtype=bool, numpy=True>"),
    (c(1 + 2j), "<tf.Tensor: shape=(), dtype=complex128, numpy=(1+2j)>"),
    (c("ab"), "<tf.Tensor: shape=(), dtype=string, numpy=b'ab'>"),
    (c([1.0, 2.5]), "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1. , 2.5], "
                    "dtype=float32)>"),
    (c([[1, 2], [3, 4]]), "<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\narray([[1, 2],\n"
                          "       [3, 4]], dtype=int32)>"),
    (c([]), "<tf.Tensor: shape=(0,), dtype=float32, numpy=array([], dtype=float32)>"),
    (c(np.zeros((0, 3))), "<tf.Tensor: shape=(0, 3), dtype=float64, numpy=array([], "
                          "shape=(0, 3), dtype=float64)>"),
    (c(["a", "b"]), "<tf.Tensor: shape=(2,), dtype=string, numpy=array([b'a', b'b'], "
                    "dtype=object)>"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_repr_like_tf(value, text):
    assert repr(value) == text


@pytest.mark.parametrize("value, text", [
    (c(1.5), "tf.Tensor(1.5, shape=(), dtype=float32)"),
    (c(0.1), "tf.Tensor(0.1, shape=(), dtype=float32)"),
    (c(1e10), "tf.Tensor(1e+10, shape=(), dtype=float32)"),
    (c(1), "tf.Tensor(1, shape=(), dtype=int32)"),
    (c(True), "tf.Tensor(True, shape=(), dtype=bool)"),
    (c("ab"), "tf.Tensor(b'ab', shape=(), dtype=string)"),
    (c([1.0, 2.5]), "tf.Tensor([1.  2.5], shape=(2,), dtype=float32)"),
    (c([[1, 2], [3, 4]]), "tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"),
    (c(np.zeros((0, 3))), "tf.Tensor([], shape=(0, 3), dtype=float64)"),
    (c([1 + 2j]), "tf.Tensor([1.+2.j], shape=(1,), dtype=complex128)"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_str_like_tf(value, text):
    assert str(value) == text


def test_repr_in_containers():
    assert repr([c(1.0), c(2)]) == ("[<tf.Tensor: shape=(), dtype=float32, numpy=1.0>, "
                                    "<tf.Tensor: shape=(), dtype=int32, numpy=2>]")


# -- equality, hashing and references -------------------------------------------------------
def test_equality_is_elementwise():
    a, b = c([1.0, 2.0]), c([3.0, 2.0])
    assert (a == b).numpy().tolist() == [False, True]
    assert (a != b).numpy().tolist() == [True, False]
    assert (a == 1.0).numpy().tolist() == [True, False]
    assert (a == 1).numpy().tolist() == [True, False]
    assert (a == [1.0, 2.0]).numpy().tolist() == [True, True]
    assert (c("a") == "a").numpy()
    assert (a == None) is False and (a != None) is True  # noqa: E711
    # incompatible shapes compare unequal, as one bool tensor
    eq, ne = a == c([1.0, 2.0, 3.0]), a != c([1.0, 2.0, 3.0])
    assert eq.shape == () and eq.dtype == tf.bool and not eq.numpy()
    assert ne.shape == () and ne.numpy()
    assert a in [a]


def test_equality_refuses_mismatched_dtypes():
    a = c([1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match=r"cannot compute Equal as input "
                       r"#1\(zero-based\) was expected to be a float tensor but is a int32 "
                       r"tensor \[Op:Equal\]"):
        a == c([1, 2])  # noqa: B015
    with pytest.raises(InvalidArgumentError, match="cannot compute NotEqual"):
        a != c([1.0, 2.0], tf.float64)  # noqa: B015
    with pytest.raises(InvalidArgumentError, match="cannot compute Equal"):
        a == c([1, 2, 3])  # noqa: B015  (dtypes are checked before shapes)
    with pytest.raises(TypeError, match=r"Cannot convert 1.5 to EagerTensor of dtype int32"):
        c([1]) == 1.5  # noqa: B015
    with pytest.raises(ValueError, match="The truth value of an array with more than one "
                       "element is ambiguous"):
        a in [c([1.0, 2.0])]  # noqa: B015


def test_unhashable_and_ref():
    a, b = c([1.0, 2.0]), c([1.0, 2.0])
    for make in (hash, lambda t: {t}, lambda t: {t: 1}):
        with pytest.raises(TypeError, match=r"Tensor is unhashable. Instead, use "
                           r"tensor.ref\(\) as the key."):
            make(a)
    d = {a.ref(): "a", b.ref(): "b"}
    assert d[a.ref()] == "a" and d[b.ref()] == "b"
    assert a.ref() == a.ref() and a.ref() != b.ref()
    assert a.ref().deref() is a
    assert repr(a.ref()).startswith("<Reference wrapping <tf.Tensor")


# -- operators ----------------------------------------------------------------------------
A = np.array([1.0, 2.0], np.float32)
B = np.array([3.0, 4.0], np.float32)
M = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)


@pytest.mark.parametrize("op, expected", [
    (lambda a, b: a + b, A + B), (lambda a, b: a - b, A - B), (lambda a, b: a * b, A * B),
    (lambda a, b: a / b, A / B), (lambda a, b: b // a, B // A),
    (lambda a, b: b % c([2.0, 3.0]), np.float32([1.0, 1.0])), (lambda a, b: a ** b, A ** B),
    (lambda a, b: 1 + a, 1 + A), (lambda a, b: 1 - a, 1 - A), (lambda a, b: 2 * a, 2 * A),
    (lambda a, b: 1 / a, 1 / A), (lambda a, b: 7 // a, 7 // A), (lambda a, b: 7 % a, 7 % A),
    (lambda a, b: 2 ** a, 2 ** A), (lambda a, b: -a, -A), (lambda a, b: abs(-a), A),
    (lambda a, b: a < b, A < B), (lambda a, b: a <= 1.0, A <= 1), (lambda a, b: a > 1, A > 1),
    (lambda a, b: 2 >= a, 2 >= A), (lambda a, b: a + True, A + 1),
    (lambda a, b: a * np.ones(2), A), (lambda a, b: np.ones(2) * a, A),
    (lambda a, b: a * np.arange(2), A * np.arange(2)),
    (lambda a, b: a * np.float64(2.0), A * 2), (lambda a, b: np.float64(2.0) * a, A * 2),
    (lambda a, b: a * [1, 2], A * [1, 2]), (lambda a, b: [1, 2] * a, A * [1, 2]),
    (lambda a, b: a / 0.0, np.float32([np.inf, np.inf])),
])
def test_arithmetic_and_comparison_operators(op, expected):
    out = op(c(A), c(B))
    expected = np.asarray(expected)
    assert out.dtype == (tf.bool if expected.dtype == bool else tf.float32)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_matmul_operator():
    m = c(M)
    np.testing.assert_array_equal((m @ m).numpy(), M @ M)
    np.testing.assert_array_equal(([[1.0, 0.0], [0.0, 1.0]] @ m).numpy(), M)
    np.testing.assert_array_equal((m @ [[1.0], [1.0]]).numpy(), [[3.0], [7.0]])
    assert (c([[1]]) @ c([[2]])).numpy().tolist() == [[2]]
    with pytest.raises(InvalidArgumentError, match=r"Matrix size-incompatible.*\[Op:MatMul\]"):
        m @ c([[1.0, 2.0, 3.0]])


def test_integer_operators():
    i = c([5, 6])
    assert (i // 2).numpy().tolist() == [2, 3] and (i % 4).numpy().tolist() == [1, 2]
    assert (i ** 2).numpy().tolist() == [25, 36]
    assert (c([-7, 7]) % 3).numpy().tolist() == [2, 1]
    assert (c([-7, 7]) // 2).numpy().tolist() == [-4, 3]
    assert (i + True).numpy().tolist() == [6, 7]
    assert (i * np.ones(2)).dtype == tf.int32          # the array is cast to the tensor's dtype
    assert (i * np.float64(2.5)).numpy().tolist() == [10, 12]
    assert (c([1], tf.int8) + 100).numpy().tolist() == [101]
    assert (abs(c([-1, 2]))).numpy().tolist() == [1, 2]
    with pytest.raises(InvalidArgumentError, match=r"Integers to negative integer powers are "
                       r"not allowed.*\[Op:Pow\]"):
        i ** -1


def test_bitwise_and_logical_operators():
    t, f = c([True, False]), c([True, True])
    assert (t & f).numpy().tolist() == [True, False]
    assert (t | True).numpy().tolist() == [True, True]
    assert (t ^ f).numpy().tolist() == [False, True]
    assert (True & t).numpy().tolist() == [True, False]
    assert (~t).numpy().tolist() == [False, True]
    i = c([5, 6])
    assert (i & 3).numpy().tolist() == [1, 2] and (i | c([1, 1])).numpy().tolist() == [5, 7]
    assert (1 ^ i).numpy().tolist() == [4, 7] and (~i).numpy().tolist() == [-6, -7]
    with pytest.raises(InvalidArgumentError, match=r"Value for attr 'T' of float is not in "
                       r"the list of allowed values: int8, int16, int32, int64, uint8, uint16, "
                       r"uint32, uint64"):
        ~c([1.0])


def test_no_unary_plus():
    with pytest.raises(TypeError, match="bad operand type for unary +"):
        +c(1.0)


def test_python_scalars_take_the_tensor_dtype():
    assert (c([1.0, 2.0]) * 2).dtype == tf.float32
    assert (c([1.0], tf.float16) + 1).dtype == tf.float16
    assert (c([1j]) + 1.5).numpy().tolist() == [1.5 + 1j]
    for op in (lambda: c(1) * 2.5, lambda: 2.5 * c(1), lambda: c(1) - 1.0,
               lambda: 1.0 - c(1)):
        with pytest.raises(TypeError, match=r"Cannot convert (2.5|1.0) to EagerTensor of dtype "
                           r"int32"):
            op()
    with pytest.raises(TypeError, match=r"Cannot convert \[1.5\] to EagerTensor of dtype int32"):
        c([5, 6]) * [1.5]
    with pytest.raises(ValueError, match="Attempt to convert a value \\(None\\)"):
        c(1.0) + None


@pytest.mark.parametrize("op, name", [
    (lambda a, b: a * b, "Mul"), (lambda a, b: a + b, "AddV2"), (lambda a, b: a - b, "Sub"),
    (lambda a, b: b * a, "Mul"),
])
def test_float32_float64_mix_is_refused(op, name):
    a, b = c([1.0, 2.0]), c([1.0, 2.0], tf.float64)
    with pytest.raises(InvalidArgumentError, match=rf"cannot compute {name} as input "
                       r"#1\(zero-based\) was expected to be a (float|double) tensor but is a "
                       rf"(double|float) tensor \[Op:{name}\]"):
        op(a, b)


def test_float_int_mix_is_refused():
    with pytest.raises(InvalidArgumentError, match=r"cannot compute AddV2 as input "
                       r"#1\(zero-based\) was expected to be a float tensor but is a int32 "
                       r"tensor \[Op:AddV2\]"):
        c([1.0, 2.0]) + c([5, 6])
    with pytest.raises(InvalidArgumentError, match=r"was expected to be a int32 tensor but is "
                       r"a float tensor"):
        c([5, 6]) + c([1.0, 2.0])


@pytest.mark.parametrize("x, y, dtype, values", [
    (c([5, 6]), 2, "float64", [2.5, 3.0]),
    (c([5, 6]), c([5, 6]), "float64", [1.0, 1.0]),
    (2, c([5, 6]), "float64", [0.4, 1 / 3]),
    (c([5], tf.int64), c([2], tf.int64), "float64", [2.5]),
    (c([5], tf.int8), c([2], tf.int8), "float32", [2.5]),
    (c([5], tf.int16), 2, "float32", [2.5]),
    (c([5], tf.uint8), 2, "float32", [2.5]),
    (c([5.0], tf.float16), 2, "float16", [2.5]),
])
def test_true_division_of_integers_gives_floats(x, y, dtype, values):
    out = x / y
    assert out.dtype.name == dtype
    np.testing.assert_allclose(out.numpy(), values, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("number", [3, 0.7, -2])
def test_true_division_by_a_python_number_keeps_the_tensor_dtype(dtype, number):
    # tapeflow takes a fast path here (the number joins NumPy as it is): the
    # same values as dividing by the number converted to the tensor's dtype.
    x = c(np.array([1.5, -2.25, 7.0, 1e-3]).astype(dtype))
    k = c(number, dtype)
    for got, want in ((x / number, x / k), (number / x, k / x),
                      (tf.math.truediv(x, number), tf.math.truediv(x, k))):
        assert got.dtype == x.dtype
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.skipif(ORACLE, reason="tapeflow's rounding: NumPy's (TF sums in another order)")
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "float16"])
@pytest.mark.parametrize("shape, axis", [((7, 5), None), ((7, 5), 1), ((1000,), None), ((), None)])
def test_reduce_mean_rounds_as_numpy_mean(dtype, shape, axis):
    rng = np.random.default_rng(7)
    for scale in (1e-3, 1.0, 3.7, 1e3) if dtype == "float16" else (1e-30, 1.0, 3.7, 1e30):
        a = (rng.standard_normal(shape) * scale).astype(dtype)
        got = tf.reduce_mean(c(a), axis=axis).numpy()
        want = np.mean(a, axis=axis)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("x, y, text", [
    (c([1.0, 2.0]), c([5, 6]), "got tf.float32 != tf.int32"),
    (c([1.0, 2.0]), c([1.0], tf.float64), "got tf.float32 != tf.float64"),
    (c([5, 6]), 2.5, "got tf.int32 != tf.float32"),
])
def test_true_division_of_mismatched_dtypes(x, y, text):
    with pytest.raises(TypeError, match=rf"`x` and `y` must have the same dtype, {text}\."):
        x / y


def test_broadcasting_failure_names_op_and_shapes():
    with pytest.raises(InvalidArgumentError,
                       match=r"Incompatible shapes: \[2\] vs. \[3\] .*\[Op:AddV2\]"):
        c([1.0, 2.0]) + c([1.0, 2.0, 3.0])


# -- known gaps in the dispatcher (tapeflow/core/dispatch.py), pinned against TF --------------
def test_python_int_scalars_wrap_into_the_tensor_dtype():
    assert (c([1], tf.uint8) + 300).numpy().tolist() == [45]
    assert (c([1], tf.uint8) * 300).numpy().tolist() == [44]
    assert (c([1], tf.uint8) - 300).numpy().tolist() == [213]
    assert (c([5, 6]) + 2**40).numpy().tolist() == [5, 6]
    assert (2**40 + c([5, 6])).numpy().tolist() == [5, 6]
    assert (c([1]) * 2**40).numpy().tolist() == [0]
    assert (c([1], tf.int8) + 200).numpy().tolist() == [-55]


@pytest.mark.parametrize("order", [">", "<"])
def test_byte_swapped_numpy_arrays_convert_to_their_native_dtype(order):
    big = np.array([1.5, -2.0], order + "f4")
    t = tf.constant(big)
    assert t.dtype == tf.float32 and t.numpy().dtype == np.float32
    assert t.numpy().tolist() == [1.5, -2.0]
    assert tf.constant(np.array([7, -3], order + "i8")).numpy().tolist() == [7, -3]
    assert (c([1.0, 1.0]) + big).numpy().tolist() == [2.5, -1.0]
    v = tf.Variable(np.array([0.25], order + "f8"))
    assert v.dtype == tf.float64 and v.numpy().tolist() == [0.25]
    assert tf.constant(big, tf.float64).numpy().tolist() == [1.5, -2.0]


@pytest.mark.parametrize("make, op", [
    (lambda: c([1, 2]) // 0, "FloorDiv"),
    (lambda: c([5, 0]) // c([1, 0]), "FloorDiv"),
    (lambda: 5 // c([0]), "FloorDiv"),
    (lambda: c([5], tf.uint8) // c([0], tf.uint8), "FloorDiv"),
    (lambda: c([5]) % 0, "FloorMod"),
    (lambda: tf.math.floormod(c([5], tf.int64), c([0], tf.int64)), "FloorMod"),
])
def test_integer_division_by_zero_is_refused(make, op):
    with pytest.raises(InvalidArgumentError, match=rf"Integer division by zero.*\[Op:{op}\]"):
        make()


def test_float_division_by_zero_and_integer_division_still_compute():
    assert np.isinf((c([5.0]) // 0.0).numpy()).all()
    assert np.isnan((c([5.0]) % 0.0).numpy()).all()
    assert (c([-7]) // 2).numpy().tolist() == [-4] and (c([-7]) % 3).numpy().tolist() == [2]


@pytest.mark.parametrize("dtype", [tf.uint8, tf.uint16, tf.uint32, tf.uint64])
def test_negating_unsigned_integers_is_refused(dtype):
    with pytest.raises(InvalidArgumentError, match=r"Value for attr 'T' of uint\d+ is not in "
                       r"the list of allowed values"):
        -c([1], dtype)


@pytest.mark.parametrize("make, dtype, value", [
    (lambda: tf.reduce_max(c([], tf.float32)), "float32", -np.inf),
    (lambda: tf.reduce_min(c([], tf.float64)), "float64", np.inf),
    (lambda: tf.reduce_max(c([], tf.int32)), "int32", -2**31),
    (lambda: tf.reduce_min(c([], tf.int32)), "int32", 2**31 - 1),
    (lambda: tf.reduce_max(c([], tf.uint8)), "uint8", 0),
    (lambda: tf.reduce_min(c([], tf.uint8)), "uint8", 255),
    (lambda: tf.reduce_max(tf.zeros((0, 3)), axis=0), "float32", [-np.inf] * 3),
])
def test_max_and_min_over_nothing_give_their_identity(make, dtype, value):
    out = make()
    assert out.dtype.name == dtype and out.numpy().tolist() == value


@pytest.mark.parametrize("value, dtype, shape", [
    ([], tf.int32, (0,)), ([[], []], tf.uint8, (2, 0)), ([], tf.bool, (0,)),
    ([[]], tf.int64, (1, 0)), ([], tf.float16, (0,)), ([], tf.complex64, (0,)),
])
def test_empty_lists_convert_to_any_dtype(value, dtype, shape):
    t = tf.constant(value, dtype)
    assert t.dtype == dtype and tuple(t.shape) == shape


def test_reduce_sum_of_booleans_is_refused_and_int8_sums_wrap():
    with pytest.raises(InvalidArgumentError, match="Value for attr 'T' of bool is not in the list"):
        tf.reduce_sum(c([True, True]))
    assert tf.reduce_sum(c([100, 100], tf.int8)).numpy() == -56


OUT_OF_RANGE = "Can't convert Python sequence with out-of-range integer to Tensor."


@pytest.mark.parametrize("make", [
    lambda: c([1.0, 2.0]) * 10**400,
    lambda: c([1.0, 2.0]) / 10**400,
    lambda: 10**400 / c([1.0, 2.0]),
    lambda: c([1.0]) + 2**1024,
    lambda: c([1.0]) * (2**1024 - 1),  # rounds up to 2**1024: no double holds it
    lambda: c([1.0]) - (-2**1024),
    lambda: c([1], tf.int32) + 2**63,
    lambda: c([1], tf.int32) + (-2**63 - 1),
    lambda: c([1], tf.int32) + 2**70,
    lambda: tf.constant(10**400, tf.float32),
])
def test_python_ints_tf_cannot_convert_are_refused(make):
    with pytest.raises(ValueError, match=re.escape(OUT_OF_RANGE)):
        make()


def test_python_ints_at_the_edges_of_what_tf_converts():
    assert np.isinf((c([1.0]) * 2**1023).numpy()).all()  # a double: float32 inf
    assert (c([1], tf.int32) + (2**63 - 1)).numpy().tolist() == [0]
    assert (c([1], tf.int32) + (-2**63)).numpy().tolist() == [1]
    assert (c([1], tf.uint64) + (2**64 - 1)).numpy().tolist() == [0]
    assert (c([1], tf.uint64) + 2**63).numpy().tolist() == [2**63 + 1]


def test_python_int_lists_wrap_into_the_tensor_dtype():
    assert (c([1], tf.uint8) + [300]).numpy().tolist() == [45]


@pytest.mark.parametrize("op, want, got", [
    (lambda: c([1]) + 2.5, "int32", "float"),
    (lambda: tf.add(c([1]), 2.5), "int32", "float"),
    (lambda: c([1.0]) + 1j, "float", "complex128"),
    (lambda: tf.add(c([1.0]), 1j), "float", "complex128"),
    (lambda: c([1.0]) + "a", "float", "string"),
])
def test_add_converts_its_other_operand_with_a_hint(op, want, got):
    with pytest.raises(InvalidArgumentError, match=rf"cannot compute AddV2 as input "
                       rf"#1\(zero-based\) was expected to be a {want} tensor but is a {got} "
                       rf"tensor"):
        op()


def test_other_ops_convert_their_other_operand_with_the_dtype():
    for op in (lambda: c([1]) * 2.5, lambda: 2.5 + c([1]), lambda: c([1]) - 2.5):
        with pytest.raises(TypeError, match="Cannot convert 2.5 to EagerTensor of dtype int32"):
            op()
    for op in (lambda: c([1.0]) == "a", lambda: c([1.0]) * "a"):
        with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype float$"):
            op()
    with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype double"):
        c([1.0], tf.float64) * "a"
    with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype int32"):
        c([1]) == "a"  # noqa: B015


@pytest.mark.parametrize("op, name", [
    (lambda: c([1.0]) * 1j, "float"), (lambda: c([1.0]) == 1j, "float"),
    (lambda: 1j + c([1.0]), "float"), (lambda: c([1.0], tf.float16) * 1j, "half"),
    (lambda: c([1.0], tf.float64) - 1j, "double"),
])
def test_scalar_conversion_errors_use_tf_dtype_names(op, name):
    with pytest.raises(TypeError, match=rf"Cannot convert 1j to EagerTensor of dtype {name}$"):
        op()


@pytest.mark.parametrize("mode", ["default", "error"])
def test_floating_point_edge_values_are_silent(mode):
    # TF computes inf and NaN silently.  NumPy warns; tapeflow filters the warnings
    # its own frames raise (pytest drops filters added while collecting, so
    # pyproject.toml repeats tapeflow's; the subprocess test below checks the
    # real import), and where a later filter makes them errors (-W error,
    # simplefilter("error")) the op is computed again with them off.
    import warnings
    with warnings.catch_warnings(record=True) as seen:
        if mode == "error":
            warnings.simplefilter("error")
        assert np.isposinf((c([1.0]) / 0.0).numpy()[0])
        assert np.isneginf(tf.math.log(c([0.0])).numpy()[0])
        assert np.isnan(tf.sqrt(c([-1.0])).numpy()[0])
        assert np.isposinf(tf.exp(c([1000.0])).numpy()[0])
        x = c([0.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.sqrt(x)
        assert np.isposinf(tape.gradient(y, x).numpy()[0])  # 0.5 / sqrt(0), backward too
        with pytest.raises(InvalidArgumentError, match="Incompatible shapes"):
            c([1.0, 2.0]) + c([1.0, 2.0, 3.0])  # other failures still raise TF's error
    assert [str(w.message) for w in seen] == []


@pytest.mark.parametrize("mode", ["default", "error"])
@pytest.mark.parametrize("dtype, a, b", [
    (tf.int32, 2**30, 4), (tf.int32, -2**31, 1), (tf.uint8, 200, 100), (tf.int8, -128, -1),
    (tf.float16, 60000.0, 2.0), (tf.float32, 3e38, 10.0), (tf.float64, 1.5, 0.0),
    (tf.complex64, 1e38 + 2j, 1e38 - 1j),
])
@pytest.mark.parametrize("source", ["reduction", "constant", "variable"])
def test_scalar_arithmetic_is_array_arithmetic(mode, dtype, a, b, source):
    # Rank-0 values (a whole reduction's result, a constant, a Variable: NumPy
    # scalars inside tapeflow, whose operators use NumPy's scalar math): +, -, *
    # and / on them must give exactly what they give on one-element tensors:
    # wrapping integers, inf and NaN, silently, also where warnings are errors.
    import warnings
    ops = {"add": tf.add, "subtract": tf.subtract, "multiply": tf.multiply}
    if dtype.is_floating or dtype.is_complex:
        ops["divide"] = tf.divide
    x, y = c([a], dtype), c([b], dtype)
    make = {"reduction": tf.reduce_sum, "constant": lambda t: c(t.numpy()[0], dtype),
            "variable": lambda t: tf.Variable(t[0])}[source]
    with warnings.catch_warnings(record=True) as seen:
        if mode == "error":
            warnings.simplefilter("error")
        sx, sy = make(x), make(y)
        for name, op in ops.items():
            for first, second, arrays in ((sx, sy, (x, y)), (sy, sx, (y, x)), (sx, y, (x, y))):
                got, want = op(first, second), op(*arrays)
                assert got.dtype == want.dtype == dtype
                assert got.shape == ([1] if second is y else [])
                np.testing.assert_array_equal(np.ravel(got.numpy()), want.numpy(), err_msg=name)
    assert [str(w.message) for w in seen] == []


def test_rank_0_values_are_copied_and_keep_their_type():
    a = np.array(2.0)
    t, v = c(a), tf.Variable(a)
    a[()] = 5.0  # the caller's array changes; the tensor and the Variable do not
    assert float(t) == 2.0 and float(v) == 2.0
    assert type(t.numpy()) is np.float64 and type(v.numpy()) is np.float64  # as TF
    v.assign_add(1.0)
    tf.keras.optimizers.SGD(0.5).apply_gradients([(c(2.0, tf.float64), v)])
    assert float(v) == 2.0 and type(v.numpy()) is np.float64


@pytest.mark.parametrize("op", [tf.add, tf.subtract, tf.multiply])
def test_arithmetic_refuses_bool(op):
    # TF's AddV2, Sub and Mul have no bool kernel (NumPy would compute or, xor, and).
    t = c([True, False])
    for x in (t, tf.reduce_any(t)):
        with pytest.raises(InvalidArgumentError, match="Value for attr 'T' of bool is not in "
                                                       "the list of allowed values"):
            op(x, x)


@pytest.mark.skipif(ORACLE, reason="tapeflow's import")
@pytest.mark.parametrize("flags", [[], ["-W", "error"]])
def test_a_fresh_interpreter_prints_no_floating_point_warnings(flags):
    import subprocess
    import sys
    code = ("import numpy as np, tapeflow as tf\n"
            "print(float(tf.math.log(0.0)), float(tf.constant(1.0) / 0.0), "
            "float(tf.exp(1000.0)), float(tf.sqrt(-1.0)))\n"
            "np.log(np.zeros(1))  # the user's own NumPy call still warns\n")
    done = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True)
    if flags:  # -W error: the user's own warning is an error, tapeflow's ops are not
        assert "RuntimeWarning: divide by zero encountered in log" in done.stderr
        assert done.stdout.split() == ["-inf", "inf", "inf", "nan"]
    else:
        assert done.returncode == 0 and done.stdout.split() == ["-inf", "inf", "inf", "nan"]
        assert done.stderr.count("RuntimeWarning") == 1 and "<string>:3" in done.stderr


def test_users_own_numpy_warnings_are_left_alone():
    import warnings
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        np.log(np.zeros(1))
    assert any("divide by zero" in str(w.message) for w in seen)


def test_aliases_and_small_names_tf_has():
    assert tf.math.softmax is tf.nn.softmax and tf.linalg.eye is tf.eye
    assert tf.executing_eagerly() is True
    assert tf.realdiv(c([1.0, 3.0]), c([4.0, 2.0])).numpy().tolist() == [0.25, 1.5]
    m = c([[1 + 2j, 3 + 0j]])
    assert tf.linalg.matrix_transpose(m).numpy().tolist() == [[1 + 2j], [3 + 0j]]
    assert tf.linalg.matrix_transpose(m, conjugate=True).numpy().tolist() == [[1 - 2j], [3 - 0j]]
    assert tf.linalg.matrix_transpose(tf.zeros((2, 3, 4))).shape == (2, 4, 3)
    with pytest.raises(ValueError, match=re.escape(
            "Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = [1.] with "
            "shape: (1,)")):
        tf.linalg.matrix_transpose(c([1.0]))
