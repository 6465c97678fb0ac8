"""Utilities: vectorized_map, device, timestamp, numpy_function, py_function, the
tf.debugging assertions, accumulate_n, polyval and nextafter.

Every expected value, error type and message fragment below is what TF 2.21
printed for the same call; run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` to
check them again against TF (tests/oracle.py).  The table test checks the
composites' and nextafter's derivatives numerically.
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from oracle import ORACLE, InvalidArgumentError, c, check, raises, tf


def gradient(f: Callable, x: Any) -> Any:
    """The gradient of f at x as an array, or None."""
    x = c(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
    return None if g is None else g.numpy()


def test_signatures_and_namespaces() -> None:
    params = {
        tf.vectorized_map: "fn elems fallback_to_while_loop warn",
        tf.device: "device_name",
        tf.timestamp: "name",
        tf.numpy_function: "func inp Tout stateful name",
        tf.py_function: "func inp Tout name",
        tf.debugging.assert_equal: "x y message summarize name",
        tf.debugging.assert_less: "x y message summarize name",
        tf.debugging.assert_greater: "x y message summarize name",
        tf.debugging.assert_none_equal: "x y summarize message name",
        tf.debugging.assert_near: "x y rtol atol message summarize name",
        tf.debugging.assert_rank: "x rank message name",
        tf.debugging.assert_shapes: "shapes data summarize message name",
        tf.math.accumulate_n: "inputs shape tensor_dtype name",
        tf.math.polyval: "coeffs x name",
        tf.math.nextafter: "x1 x2 name",
    }
    for fn, names in params.items():
        assert list(inspect.signature(fn).parameters) == names.split(), fn
    vm = inspect.signature(tf.vectorized_map).parameters
    assert vm["fallback_to_while_loop"].default is True and vm["warn"].default is True
    assert inspect.signature(tf.numpy_function).parameters["stateful"].default is True
    for name in ("assert_equal", "assert_less", "assert_greater", "assert_rank"):
        assert getattr(tf, name) is getattr(tf.debugging, name), name
    for name in ("assert_none_equal", "assert_near", "assert_shapes"):
        assert not hasattr(tf, name), name  # TF 2.21: tf.debugging only
    for name in ("accumulate_n", "polyval", "nextafter"):
        assert not hasattr(tf, name), name  # tf.math only
    for name in ("vectorized_map", "device", "timestamp", "numpy_function", "py_function"):
        assert not hasattr(tf.math, name), name


# -- vectorized_map ---------------------------------------------------------------------------
def test_vectorized_map_values_and_structures() -> None:
    vm = tf.vectorized_map
    check(vm(lambda x: x * 2, c([[1.0, 2.0], [3.0, 4.0]])), [[2, 4], [6, 8]], tf.float32)
    a, b = vm(lambda p: (p[0] + p[1], p[0] * p[1]), (c([1.0, 2.0]), c([3.0, 4.0])))
    check(a, [4, 6], tf.float32)
    check(b, [3, 8], tf.float32)
    out = vm(lambda d: {"s": d["a"] + d["b"]}, {"a": c([1.0, 2.0]), "b": c([3.0, 4.0])})
    assert list(out) == ["s"]
    check(out["s"], [4, 6], tf.float32)
    nested = vm(lambda x: [x, [x * 2]], c([1, 2]))
    assert isinstance(nested, list) and isinstance(nested[1], list)
    check(nested[1][0], [2, 4], tf.int32)
    same = vm(lambda x: x, (c([1.0, 2.0]), [c([3, 4])]))
    assert isinstance(same, tuple) and isinstance(same[1], list)
    check(same[1][0], [3, 4], tf.int32)
    check(vm(lambda x: x, np.array([1, 2])), [1, 2], tf.int64)
    check(vm(lambda x: 3.0, c([1.0, 2.0])), [3, 3], tf.float32)  # tiled
    check(vm(lambda x: tf.constant(5), c([1.0, 2.0])), [5, 5], tf.int32)
    check(vm(lambda x: tf.reduce_sum(x), tf.zeros([0, 3])), np.zeros(0), tf.float32)
    check(vm(lambda x: x, c([[1.0, 2.0]]), fallback_to_while_loop=False), [[1, 2]], tf.float32)


def test_vectorized_map_errors() -> None:
    vm = tf.vectorized_map
    for first, second in (([1.0, 2.0], [3.0, 4.0, 5.0]), ([1.0, 2.0, 3.0, 4.0], [3.0, 4.0])):
        raises(InvalidArgumentError, "indices[2] = 2 is not in [0, 2)", None,
               vm, lambda p: p[0] + p[1], (c(first), c(second)))
    with pytest.raises(IndexError, match="list index out of range"):
        vm(lambda x: x, c(1.0))
    with pytest.raises(IndexError, match="list index out of range"):
        vm(lambda x: x, [1.0, 2.0])  # a list of two scalars, not a vector
    with pytest.raises(ValueError, match="max"):
        vm(lambda x: x, ())


def test_vectorized_map_gradient() -> None:
    x = c([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.vectorized_map(lambda r: tf.reduce_sum(r * r), x)
    check(y, [5, 25], tf.float32)
    check(tape.gradient(y, x), [[2, 4], [6, 8]], tf.float32)


# -- device and timestamp ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["/CPU:0", "/device:CPU:0", "cpu", "/cpu:0",
                                  "/job:localhost/replica:0/task:0/device:CPU:0",
                                  "/GPU:0", "gpu:0", "/GPU:7", "/device:GPU:0", "", None])
def test_device_runs_ops_as_outside(name: Any) -> None:
    """CPU names, and (TF's soft placement, no GPU here) GPU names: ops run on the CPU."""
    with tf.device(name) as inside:
        y = c([1.0, 2.0]) * 2.0
    assert inside is None
    check(y, [2, 4], tf.float32)
    if ORACLE:
        assert y.device.endswith("device:CPU:0"), y.device


def test_device_errors_on_entering() -> None:
    context = tf.device("bogus")  # constructing it checks nothing
    with pytest.raises(ValueError, match="Unknown attribute 'bogus' is encountered while "
                                         "parsing the device spec: 'bogus'."):
        with context:
            pass
    with pytest.raises(ValueError, match=r"Expecting a string device name. Got <class 'int'>"):
        with tf.device(3):
            pass


def test_timestamp() -> None:
    before = time.time()
    t = tf.timestamp()
    after = time.time()
    assert t.dtype == tf.float64 and t.shape == ()
    assert before - 1e-3 <= float(t) <= after + 1e-3


# -- numpy_function and py_function -----------------------------------------------------------
def test_numpy_function_values() -> None:
    nf = tf.numpy_function
    seen = []
    out = nf(lambda a: (seen.append(type(a)), a * 2)[1], [c([1.0, 2.0])], tf.float32)
    assert seen == [np.ndarray]
    check(out, [2, 4], tf.float32)
    a, b = nf(lambda x, y: (x + y, x - y), [c([1.0, 2.0]), np.float32([3, 4])],
              [tf.float32, tf.float32])
    check(a, [4, 6], tf.float32)
    check(b, [-2, -2], tf.float32)


def test_numpy_function_does_not_read_tout_eagerly() -> None:
    """TF 2.21's eager numpy_function converts each result as it comes, whatever Tout says."""
    nf = tf.numpy_function
    check(nf(lambda a: a * 2, [c([1.0, 2.0])], tf.float64), [2, 4], tf.float32)
    check(nf(lambda a: a + 1.5, [3.0], tf.float32), 4.5, tf.float64)  # np.array(3.0): float64
    check(nf(lambda a: 2, [c(1.0)], tf.int64), 2, tf.int32)
    pair = nf(lambda a: [a, a], [c(1.0)], [tf.float32])
    assert isinstance(pair, list) and len(pair) == 2
    check(nf(lambda a: a, [c(1.0)], [tf.float32, tf.float32]), 1, tf.float32)  # unwrapped
    assert nf(lambda a: None, [c(1.0)], tf.float32) is None
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor."):
        nf(lambda a: a, c(1.0), tf.float32)


def test_numpy_function_has_no_gradient() -> None:
    assert gradient(lambda x: tf.numpy_function(lambda a: a * a, [x], tf.float32), 2.0) is None


def test_py_function_values_and_errors() -> None:
    pf = tf.py_function
    seen = []
    out = pf(lambda a: (seen.append(tf.is_tensor(a)), a * 2)[1], [c([1.0, 2.0])], tf.float32)
    assert seen == [True]
    check(out, [2, 4], tf.float32)
    listed = pf(lambda a: a * 2, [c([1.0, 2.0])], [tf.float32])
    assert isinstance(listed, list) and len(listed) == 1
    check(pf(lambda a: 2.0, [c(1.0)], tf.float32), 2, tf.float32)
    check(pf(lambda a: 2, [c(1.0)], tf.int64), 2, tf.int64)
    check(pf(lambda a: np.float64(2), [c(1.0)], tf.float32), 2, tf.float32)
    check(pf(lambda a: a, [3.0], tf.float32), 3, tf.float32)
    assert len(pf(lambda a: (a, a), [c(1.0)], [tf.float32])) == 1  # extra results dropped
    assert pf(lambda a: None, [c(1.0)], []) == []
    raises(InvalidArgumentError, "Tensor conversion requested dtype float64 for Tensor with "
           "dtype float32", "EagerPyFunc", pf, lambda a: a * 2, [c([1.0, 2.0])], tf.float64)
    raises(InvalidArgumentError, "returns 1 values, but expects to see 2 values.", "EagerPyFunc",
           pf, lambda a: a, [c(1.0)], [tf.float32, tf.float32])
    raises(InvalidArgumentError, "returns 0 values, but expects to see 1 values.", "EagerPyFunc",
           pf, lambda a: None, [c(1.0)], tf.float32)
    with pytest.raises(ValueError, match="Expected func to be callable. Received func=3 of type "
                                         "<class 'int'>."):
        pf(3, [c(1.0)], tf.float32)
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor."):
        pf(lambda a: a, c(1.0), tf.float32)


def test_py_function_gradient() -> None:
    pf = tf.py_function
    np.testing.assert_allclose(gradient(lambda x: pf(lambda a: a * a * a, [x], tf.float32), 2.0),
                               12.0)
    cast = gradient(lambda x: pf(lambda a: tf.cast(a, tf.float64) * 2, [x], tf.float64), 2.0)
    np.testing.assert_allclose(cast, 2.0)
    both = gradient(lambda x: pf(lambda a: (a * a, a * 3), [x], [tf.float32, tf.float32]), 2.0)
    np.testing.assert_allclose(both, 7.0)


# -- assertions -------------------------------------------------------------------------------
def message_of(f: Callable, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidArgumentError) as info:
        f(*args, **kwargs)
    return str(info.value)


def test_binary_asserts_pass() -> None:
    d = tf.debugging
    assert d.assert_equal(c([1, 2, 3]), c([1, 2, 3])) is None
    assert d.assert_equal(c([[1, 1]]), 1) is None  # broadcasting
    assert d.assert_less(c([1, 2, 3]), c([2, 3, 4])) is None
    assert d.assert_greater(c([1, 2, 3]), c([0, 1, 2])) is None
    assert d.assert_none_equal(c([1, 2, 3]), c([0, 0, 0])) is None
    assert tf.assert_equal(c([]), c([])) is None


def test_binary_assert_messages() -> None:
    d = tf.debugging
    assert message_of(d.assert_equal, c([1, 2, 3]), c([1, 5, 3])) == (
        "Condition x == y did not hold.\nIndices of first 1 different values:\n[[1]]\n"
        "Corresponding x values:\n[2]\nCorresponding y values:\n[5]\n"
        "First 3 elements of x:\n[1 2 3]\nFirst 3 elements of y:\n[1 5 3]")
    assert message_of(d.assert_equal, c([1, 2, 3]), c([1, 5, 3]), message="hi").startswith(
        "hi\nCondition x == y did not hold.\n")
    assert message_of(d.assert_equal, c([1.0, 2.0]), c([1.0, 3.0]), summarize=1).endswith(
        "Corresponding x values:\n[2.]\nCorresponding y values:\n[3.]\n"
        "First 1 elements of x:\n[1.]\nFirst 1 elements of y:\n[1.]")
    assert message_of(d.assert_equal, 1, 2) == (
        "Condition x == y did not hold.\nFirst 1 elements of x:\n[1]\nFirst 1 elements of y:\n[2]")
    long = message_of(d.assert_equal, c(np.arange(30)), c(np.arange(30) + 1))
    assert "Indices of first 3 different values:\n[[0]\n [1]\n [2]]\n" in long
    assert long.endswith("First 3 elements of x:\n[0 1 2]\nFirst 3 elements of y:\n[1 2 3]")
    assert message_of(d.assert_equal, c([[1, 2], [3, 4]]), c([1, 2])) == (
        "Condition x == y did not hold.\nFirst 3 elements of x:\n[1 2 3]\n"
        "First 2 elements of y:\n[1 2]")
    assert message_of(d.assert_less, c([1, 2, 3]), c([2, 2, 4])).startswith(
        "Condition x < y did not hold.\nIndices of first 1 different values:\n[[1]]\n")
    assert message_of(d.assert_greater, c([1, 2, 3]), c([0, 2, 1])).startswith(
        "Condition x > y did not hold.\n")
    assert message_of(d.assert_none_equal, c([1, 2, 3]), c([0, 2, 1])).startswith(
        "Condition x != y did not hold.\nIndices of first 1 different values:\n[[1]]\n")
    raises(InvalidArgumentError, "Incompatible shapes: [3] vs. [2]", "Equal",
           d.assert_equal, c([1, 2, 3]), c([1, 5]))
    raises(InvalidArgumentError, "", "Equal", d.assert_equal, c([1, 2, 3]), c(1.0))


def test_assert_near() -> None:
    d = tf.debugging
    assert d.assert_near(c([1.0, 2.0]), c([1.0, 2.000001])) is None
    assert d.assert_near(c([1.0, 2.0]), c([1.0, 2.1]), atol=0.2) is None
    text = message_of(d.assert_near, c([1.0, 2.0]), c([1.0, 2.1]))
    assert text == (
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b''\n"
        "b'x and y not equal to tolerance rtol = tf.Tensor(1.1920929e-06, shape=(), "
        "dtype=float32), atol = tf.Tensor(1.1920929e-06, shape=(), dtype=float32)'\n"
        "b'x (shape=(2,) dtype=float32) = '\n1.0, 2.0\nb'y (shape=(2,) dtype=float32) = '\n"
        "1.0, 2.1")
    f64 = message_of(d.assert_near, c([1.0, 2.0], tf.float64), c([1.0, 2.000001], tf.float64),
                     message="m")
    assert "Summarized data: b'm.  '\n" in f64 and "rtol = tf.Tensor(2.220446049250313e-15" in f64
    assert f64.endswith("1.0, 2.0\nb'y (shape=(2,) dtype=float64) = '\n1.0, 2.000001")
    with pytest.raises(ValueError, match="not inexact"):
        d.assert_near(c([1, 2]), c([1, 2]))
    with pytest.raises(ValueError, match="y: Tensor conversion requested dtype float32 for "
                                         "Tensor with dtype float64"):
        d.assert_near(c([1.0, 2.0]), c([1.0, 2.0], tf.float64))


def test_assert_rank() -> None:
    d = tf.debugging
    assert d.assert_rank(c([1, 2]), 1) is None
    assert d.assert_rank(c([1, 2]), c(1)) is None
    for rank in (2, c(2)):
        with pytest.raises(ValueError) as info:
            d.assert_rank(c([1, 2]), rank)
        assert str(info.value) == "Tensor  must have rank 2.  Received rank 1, shape (2,)"
    with pytest.raises(ValueError) as info:
        d.assert_rank(c([1, 2]), 2, message="m")
    assert str(info.value) == "m.  Tensor  must have rank 2.  Received rank 1, shape (2,)"
    with pytest.raises(ValueError, match="Rank must be a scalar."):
        d.assert_rank(c([1, 2]), c([2]))
    with pytest.raises(TypeError, match="tensor must be of type tf.int32; got tf.float32"):
        d.assert_rank(c([1, 2]), 1.5)


def test_assert_shapes() -> None:
    d = tf.debugging
    x, y, z = tf.zeros([2, 3]), tf.zeros([3]), tf.zeros([])
    for spec in ([(x, ("N", "Q")), (y, ("Q",)), (z, ())], [(x, (None, 3))], [(x, (..., 3))],
                 [(x, ("*", "N"))], [(x, (2, 3))], [(x, (".", 3))]):
        assert d.assert_shapes(spec) is None
    cases = [
        ([(x, ("N", "Q")), (y, ("N",))],
         "Specified by tensor shape=(2, 3) dtype=float32 dimension 0.  Tensor shape=(3,) "
         "dtype=float32 dimension 0 must have size 2.  Received size 3, shape (3,)"),
        ([(x, (2, 4))], "Specified explicitly.  Tensor shape=(2, 3) dtype=float32 dimension 1 "
                        "must have size 4.  Received size 3, shape (2, 3)"),
        ([(x, ("N",))], "Tensor  must have rank in (0, 1).  Received rank 2, shape (2, 3)"),
        ([(x, ("N", "N"))], "Specified by tensor shape=(2, 3) dtype=float32 dimension 0.  "
                            "Tensor shape=(2, 3) dtype=float32 dimension 1 must have size 2."),
        ([(y, (..., "A", "B"))], "Tensor  must have rank at least 2.  Received rank 1"),
        ([(y, ("A", ..., "B"))], "specified shape index 1.  Symbol `...` or `*` for a variable "
                                 "number of unspecified dimensions is only allowed as the first"),
        ([(y, 3)], "Specified shape must be an iterable."),
    ]
    for spec, text in cases:
        with pytest.raises(ValueError) as info:
            d.assert_shapes(spec)
        assert text in str(info.value), str(info.value)
    with pytest.raises(ValueError) as info:
        d.assert_shapes([(x, (2, 4))], message="mm")
    assert str(info.value).startswith("mm.  Specified explicitly.")


# -- accumulate_n, polyval, nextafter ---------------------------------------------------------
def accumulate(*args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TF's deprecation notice
        return tf.math.accumulate_n(*args, **kwargs)


def test_accumulate_n() -> None:
    check(accumulate([c([1.0, 2.0]), c([3.0, 4.0])]), [4, 6], tf.float32)
    check(accumulate([c([1, 2]), c([3, 4])], shape=[2], tensor_dtype=tf.int32), [4, 6], tf.int32)
    check(accumulate([[1.0, 2.0], [3.0, 4.0]]), [4, 6], tf.float32)
    check(accumulate([np.array([1.0, 2.0]), c([3.0, 4.0], tf.float64)]), [4, 6], tf.float64)
    check(accumulate([c([1.0, 2.0])]), [1, 2], tf.float32)
    for bad in ([], (), [c([1.0, 2.0]), c([3, 4])]):
        with pytest.raises(ValueError, match="inputs must be a list of at least one Tensor with "
                                             "the same dtype and shape"):
            accumulate(bad)
    for inputs, shape, text in (([c([1.0, 2.0]), c([3.0, 4.0])], [3], "Shapes (3,) and (2,)"),
                                ([c([1.0, 2.0]), c([3.0, 4.0, 5.0])], None, "Shapes (2,) and (3,)"),
                                ([c(1.0), c([3.0, 4.0])], None, "Shapes () and (2,)")):
        with pytest.raises(ValueError) as info:
            accumulate(inputs, shape=shape)
        assert str(info.value) == f"{text} are not compatible", str(info.value)
    with pytest.raises(TypeError, match="The `tensor_dtype` argument is <dtype: 'float64'>, but "
                                        "`input` is of type <dtype: 'float32'>. These must be "
                                        "equal."):
        accumulate([c([1.0, 2.0]), c([3.0, 4.0])], tensor_dtype=tf.float64)
    np.testing.assert_allclose(gradient(lambda x: accumulate([x, x * x]), 2.0), 5.0)


def test_polyval() -> None:
    pv = tf.math.polyval
    check(pv([1.0, 2.0, 3.0], c(2.0)), 11, tf.float32)
    check(pv([], c(2.0)), 0, tf.float32)
    check(pv([], 3), 0, tf.int32)
    check(pv([c(1), 2], c(3)), 5, tf.int32)
    check(pv([1.0, 2.0], 3.0), 5, tf.float32)
    check(pv([c([1.0, 2.0]), 1.0], c([[3.0], [1.0]])), [[4, 7], [2, 3]], tf.float32)
    with pytest.raises(ValueError, match="Argument coeffs must be list type. Received type"):
        pv(c([1.0, 2.0]), 3.0)
    with pytest.raises(ValueError, match="Argument coeffs must be list type."):
        pv((1.0, 2.0), 3.0)
    raises(InvalidArgumentError, "", "Mul", pv, [1.0, 2.0], c(2.0, tf.float64))
    np.testing.assert_allclose(gradient(lambda x: pv([1.0, 2.0, 3.0], x), 2.0), 6.0)


def test_nextafter() -> None:
    na = tf.math.nextafter
    check(na(c([1.0, 2.0]), c([2.0, 0.0])), np.nextafter(np.float32([1, 2]), np.float32([2, 0])),
          tf.float32)
    check(na(c([1.0, 2.0], tf.float64), c([2.0, 0.0], tf.float64)),
          np.nextafter([1.0, 2.0], [2.0, 0.0]), tf.float64)
    check(na(c([1.0, 2.0]), 0.0), np.nextafter(np.float32([1, 2]), np.float32(0)), tf.float32)
    check(na(c([0.0]), c([1.0])), [np.float32(1e-45)], tf.float32)
    assert np.isnan(na(c(np.nan, tf.float32), 1.0).numpy())
    for dtype in (tf.int32, tf.float16):
        raises(InvalidArgumentError, "", "NextAfter", na, c([1, 2], dtype), c([2, 3], dtype))
    raises(InvalidArgumentError, "", "NextAfter", na, c([1.0, 2.0]), c([2.0, 0.0], tf.float64))
    raises(InvalidArgumentError, "Incompatible shapes: [2] vs. [3]", "NextAfter",
           na, c([1.0, 2.0]), c([2.0, 0.0, 1.0]))


def test_nextafter_gradient_is_tfs() -> None:
    """TF registers NextAfterGrad: 1 for x1, 0 (not None) for x2."""
    np.testing.assert_array_equal(gradient(lambda x: tf.math.nextafter(x, 3.0), [2.0, 5.0]),
                                  [1.0, 1.0])
    np.testing.assert_array_equal(gradient(lambda x: tf.math.nextafter(c([1.0, 1.0]), x),
                                           [2.0, 5.0]), [0.0, 0.0])
