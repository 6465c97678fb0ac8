"""tf.Variable: creation, assignment, reading, operators and printing, pinned to TF 2.21.

Run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` (where TF is installed) to check
every expectation against real TF; see tests/test_tensor.py.
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest

ORACLE_TF = os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow"
if ORACLE_TF:
    import tensorflow as tf
else:
    import tapeflow as tf

InvalidArgumentError = tf.errors.InvalidArgumentError


def c(value, dtype=None):
    return tf.constant(value, dtype)


# -- creation --------------------------------------------------------------------------
def test_defaults():
    v = tf.Variable(1.0)
    assert v.dtype == tf.float32 and v.shape == () and v.numpy() == 1.0
    assert v.name == "Variable:0" and v.trainable
    assert tf.Variable(1.0, name=None).name == "Variable:0"


@pytest.mark.parametrize("initial, dtype", [
    (1, "int32"), ([1.0, 2.0], "float32"), (np.ones(2), "float64"), (True, "bool"),
    (2**40, "int64"), (c([1, 2], tf.int64), "int64"),
])
def test_dtype_is_inferred_like_constant(initial, dtype):
    assert tf.Variable(initial).dtype.name == dtype


def test_dtype_argument():
    v = tf.Variable(1, dtype=tf.float32)
    assert v.dtype == tf.float32 and v.numpy() == 1.0
    assert tf.Variable(1.5, dtype=tf.float64).dtype == tf.float64
    assert tf.Variable(1, dtype="float64").dtype == tf.float64
    with pytest.raises(TypeError, match="Cannot convert 1.5 to EagerTensor of dtype int32"):
        tf.Variable(1.5, dtype=tf.int32)
    for tensor, want in ((c(1.0), tf.float64), (c(1), tf.float32)):
        with pytest.raises(ValueError, match=r"initial_value: Tensor conversion requested dtype "
                           rf"{want.name} for Tensor with dtype {tensor.dtype.name}"):
            tf.Variable(tensor, dtype=want)


def test_callable_initial_value():
    v = tf.Variable(lambda: c([1.0, 2.0]))
    assert v.shape == (2,) and v.numpy().tolist() == [1.0, 2.0]
    w = tf.Variable(lambda: 3, dtype=tf.float32)
    assert w.dtype == tf.float32 and w.numpy() == 3.0


def test_initial_value_from_variables_and_ops():
    v = tf.Variable(tf.Variable(2.0))
    assert v.name == "Variable:0" and v.numpy() == 2.0
    w = tf.Variable(tf.Variable([1.0, 2.0]) * 2.0)
    assert w.numpy().tolist() == [2.0, 4.0]


def test_initial_value_is_copied():
    a = np.ones(3, np.float32)
    v = tf.Variable(a)
    a[0] = 5.0
    t = c([1.0, 2.0])
    w = tf.Variable(t)
    w.assign([7.0, 7.0])
    assert v.numpy()[0] == 1.0 and t.numpy().tolist() == [1.0, 2.0]


def test_missing_initial_value():
    for make in (lambda: tf.Variable(None), lambda: tf.Variable()):
        with pytest.raises(ValueError, match=r"The `initial_value` arg to `tf.Variable` must be "
                           r"specified except when you are not providing a `variable_def`. "
                           r"You provided neither."):
            make()


def test_trainable_and_name():
    assert not tf.Variable(1.0, trainable=False).trainable
    assert tf.Variable(1, trainable=True).trainable and tf.Variable(1).trainable
    assert tf.Variable(1.0, name="w").name == "w:0"
    assert tf.Variable(1.0, name="w:0").name == "w:0:0"
    assert tf.Variable(1.0, constraint=lambda x: x).constraint is not None


# -- assignment ----------------------------------------------------------------------
def test_assign_family_updates_and_returns_the_variable():
    v = tf.Variable([1.0, 2.0], name="v")
    r = v.assign([3.0, 4.0])
    assert isinstance(r, tf.Variable) and r.dtype == tf.float32 and r.shape == (2,)
    assert r.numpy().tolist() == [3.0, 4.0] and v.numpy().tolist() == [3.0, 4.0]
    assert v.assign_add([1.0, 1.0]).numpy().tolist() == [4.0, 5.0]
    assert v.assign_sub([0.5, 0.5]).numpy().tolist() == [3.5, 4.5]
    assert v.numpy().tolist() == [3.5, 4.5]
    assert v.assign([0.0, 0.0]).assign_add([1.0, 2.0]).numpy().tolist() == [1.0, 2.0]
    assert v.numpy().tolist() == [1.0, 2.0]
    for method in (v.assign, v.assign_add, v.assign_sub):
        assert method([1.0, 1.0], read_value=False) is None


def test_assign_converts_values_to_the_variable_dtype():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([1, 2]).numpy().tolist() == [1.0, 2.0]
    assert v.assign(np.array([7.0, 8.0])).numpy().tolist() == [7.0, 8.0]
    assert v.dtype == tf.float32
    assert v.assign(tf.Variable([9.0, 9.0])).numpy().tolist() == [9.0, 9.0]
    assert tf.Variable(1.0).assign(2).numpy() == 2.0
    assert tf.Variable(1).assign(2**40).numpy() == 0  # Python ints wrap, as in TF
    assert tf.Variable([1.0]).assign_add(np.array([1.0])).numpy().tolist() == [2.0]


def test_assign_shape_mismatch():
    v = tf.Variable([1.0, 2.0], name="v")
    with pytest.raises(ValueError, match=r"Cannot assign value to variable ' v:0': Shape "
                       r"mismatch.The variable shape \(2,\), and the assigned value shape "
                       r"\(3,\) are incompatible."):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"variable shape \(2,\), and the assigned value shape "
                       r"\(\) are incompatible"):
        v.assign(5.0)
    with pytest.raises(ValueError, match=r"' Variable:0': Shape mismatch.The variable shape "
                       r"\(\), and the assigned value shape \(1,\)"):
        tf.Variable(1.0).assign([1.0])
    for method, op in ((v.assign_add, "AssignAddVariableOp"),
                       (v.assign_sub, "AssignSubVariableOp")):
        with pytest.raises(InvalidArgumentError, match=rf"Cannot update variable with shape "
                           rf"\[2\] using a Tensor with shape \[3\], shapes must be equal. "
                           rf"\[Op:{op}\]"):
            method([1.0, 2.0, 3.0])
        with pytest.raises(InvalidArgumentError, match=r"with shape \[\], shapes must be equal"):
            method(1.0)
    assert v.numpy().tolist() == [1.0, 2.0]


def test_assign_dtype_mismatch():
    v = tf.Variable([1.0, 2.0])
    for method in (v.assign, v.assign_add, v.assign_sub):
        with pytest.raises(ValueError, match=r"Tensor conversion requested dtype float32 for "
                           r"Tensor with dtype float64"):
            method(c([1.0, 2.0], tf.float64))
        with pytest.raises(ValueError, match=r"Tensor conversion requested dtype float32 for "
                           r"Tensor with dtype int32"):
            method(c([1, 2]))
    with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype float"):
        tf.Variable(1.0).assign("a")
    with pytest.raises(ValueError, match=r"Attempt to convert a value \(None\)"):
        tf.Variable(1.0).assign(None)
    iv = tf.Variable([1, 2])
    with pytest.raises(TypeError, match=r"Cannot convert \[2.5, 1\] to EagerTensor of dtype "
                       r"int32"):
        iv.assign([2.5, 1])
    with pytest.raises(TypeError, match=r"Cannot convert \[1.5, 1\] to EagerTensor"):
        iv.assign_add([1.5, 1])
    with pytest.raises(ValueError, match=r"requested dtype int32 for Tensor with dtype float32"):
        iv.assign(c([1.0, 2.0]))
    assert v.numpy().tolist() == [1.0, 2.0] and iv.numpy().tolist() == [1, 2]


def test_tensors_read_before_an_assign_never_change():
    v = tf.Variable([1.0, 2.0])
    reads = [v.read_value(), v.value(), tf.convert_to_tensor(v), tf.identity(v), v * 1.0,
             v[0], list(v)[1]]
    as_numpy = v.numpy()
    view = np.asarray(reads[0])
    before = [r.numpy().copy() for r in reads]
    v.assign([10.0, 20.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    for r, b in zip(reads, before):
        np.testing.assert_array_equal(r.numpy(), b)
    assert as_numpy.tolist() == [1.0, 2.0] and view.tolist() == [1.0, 2.0]
    assert v.numpy().tolist() == [10.5, 20.5]


# -- reading ---------------------------------------------------------------------------
def test_read_value_value_numpy():
    v = tf.Variable([9.0, 9.0])
    for read in (v.read_value(), v.value()):
        assert isinstance(read, tf.Tensor) and not isinstance(read, tf.Variable)
        assert read.numpy().tolist() == [9.0, 9.0]
    a = v.numpy()
    a[0] = 100.0
    assert v.numpy().tolist() == [9.0, 9.0]
    assert type(tf.Variable(1.0).numpy()) is np.float32


def test_numpy_protocol_gives_a_writable_copy():
    v = tf.Variable([1.0, 2.0])
    a = np.asarray(v)
    assert a.dtype == np.float32 and a.flags.writeable
    a[0] = 5.0
    assert v.numpy().tolist() == [1.0, 2.0]
    assert np.asarray(tf.Variable([1.0]), dtype=np.float64).dtype == np.float64


def test_properties():
    v = tf.Variable([[1.0, 2.0]])
    assert v.shape == (1, 2) and v.get_shape() == (1, 2) and v.dtype == tf.float32
    assert v.device.endswith("device:CPU:0")
    assert tf.is_tensor(v) and not isinstance(v, tf.Tensor)


def test_python_conversions():
    assert float(tf.Variable(2.5)) == 2.5 and int(tf.Variable(2)) == 2
    assert not bool(tf.Variable(0.0))
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="truth value of an array with more than one element"):
        bool(v)
    items = list(v)
    assert len(items) == 2 and items[0].numpy() == 1.0
    with pytest.raises(TypeError, match="has no len()"):
        len(v)
    with pytest.raises(TypeError):
        [1, 2, 3][tf.Variable(1)]
    assert c([1, 2, 3])[tf.Variable(1)].numpy() == 2


# -- in ops and operators --------------------------------------------------------------
V = np.array([1.0, 2.0], np.float32)


@pytest.mark.parametrize("op, expected", [
    (lambda v: v + 1, V + 1), (lambda v: 1 + v, 1 + V), (lambda v: v - 1, V - 1),
    (lambda v: 1 - v, 1 - V), (lambda v: v * v, V * V), (lambda v: v * 2, V * 2),
    (lambda v: v / 2, V / 2), (lambda v: 1 / v, 1 / V), (lambda v: v // 2, V // 2),
    (lambda v: 7 // v, 7 // V), (lambda v: v % 2, V % 2), (lambda v: 7 % v, 7 % V),
    (lambda v: v ** 2, V ** 2), (lambda v: 2 ** v, 2 ** V), (lambda v: -v, -V),
    (lambda v: abs(-v), V), (lambda v: v < 2, V < 2), (lambda v: v <= 1, V <= 1),
    (lambda v: v > 1, V > 1), (lambda v: 2 >= v, 2 >= V), (lambda v: v == c(V), V == V),
    (lambda v: v != c([1.0, 5.0]), V != [1.0, 5.0]), (lambda v: v[1], V[1]),
    (lambda v: v[::-1], V[::-1]), (lambda v: v + c(V), V + V), (lambda v: c(V) * v, V * V),
    (lambda v: tf.add(v, v), V + V), (lambda v: tf.exp(v), np.exp(V)),
    (lambda v: tf.square(v), V ** 2), (lambda v: tf.sigmoid(v), 1 / (1 + np.exp(-V))),
    (lambda v: tf.maximum(v, 1.5), np.maximum(V, 1.5)), (lambda v: tf.reduce_sum(v), V.sum()),
    (lambda v: tf.reduce_mean(v), V.mean()), (lambda v: tf.reshape(v, (2, 1)), V.reshape(2, 1)),
    (lambda v: tf.concat([v, v], 0), np.concatenate([V, V])),
    (lambda v: tf.stack([v, v]), np.stack([V, V])),
    (lambda v: tf.expand_dims(v, 0), V[None]), (lambda v: tf.transpose(v[None]), V[:, None]),
    (lambda v: tf.broadcast_to(v, (2, 2)), np.broadcast_to(V, (2, 2))),
    (lambda v: tf.where(v > 1.5, v, 0.0), np.where(V > 1.5, V, 0)),
    (lambda v: tf.cast(v, tf.int32), V.astype(np.int32)), (lambda v: tf.constant(v), V),
])
def test_variables_work_in_ops_and_operators(op, expected):
    v = tf.Variable(V)
    out = op(v)
    assert isinstance(out, tf.Tensor) and not isinstance(out, tf.Variable)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_matmul_with_variables():
    a, b = tf.Variable([[1.0]]), tf.Variable([[2.0]])
    assert (a @ b).numpy().tolist() == [[2.0]]
    assert (c([[1.0]]) @ b).numpy().tolist() == [[2.0]]
    assert tf.matmul(a, [[2.0]]).numpy().tolist() == [[2.0]]


def test_variable_logic_and_integer_operators():
    assert (~tf.Variable([True])).numpy().tolist() == [False]
    assert (tf.Variable([True]) & True).numpy().tolist() == [True]
    assert (tf.Variable([5]) / 2).dtype == tf.float64
    assert tf.zeros(tf.Variable([2, 1])).shape == (2, 1)
    assert tf.range(tf.Variable(3)).numpy().tolist() == [0, 1, 2]


def test_variable_errors_in_ops():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        v + c([1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match=r"cannot compute Mul as input "
                       r"#1\(zero-based\) was expected to be a float tensor but is a double"):
        v * c([1.0, 2.0], tf.float64)
    with pytest.raises(TypeError, match="bad operand type for unary +"):
        _ = +v


def test_equality():
    v = tf.Variable([1.0, 2.0])
    assert (v == v).numpy().tolist() == [True, True]
    assert (v != c([1.0, 2.0])).numpy().tolist() == [False, False]
    eq = v == c([1.0, 2.0, 3.0])
    assert eq.shape == () and not eq.numpy()
    assert (v != c([1.0, 2.0, 3.0])).numpy()
    # unlike a Tensor, a Variable compares None by converting it
    for compare in (lambda: v == None, lambda: v != None):  # noqa: E711
        with pytest.raises(ValueError, match=r"Attempt to convert a value \(None\) with an "
                           r"unsupported type"):
            compare()
    with pytest.raises(InvalidArgumentError, match=r"cannot compute Equal as input "
                       r"#1\(zero-based\) was expected to be a float tensor but is a int32"):
        v == c([1, 2])  # noqa: B015
    assert v in [v]


def test_unhashable_and_ref():
    v, w = tf.Variable(1.0), tf.Variable(1.0)
    with pytest.raises(TypeError, match=r"Variable is unhashable. Instead, use "
                       r"variable.ref\(\) as the key. \(Variable: <tf.Variable"):
        hash(v)
    with pytest.raises(TypeError, match="Variable is unhashable"):
        {v: 1}  # noqa: B018
    d = {v.ref(): "v", w.ref(): "w"}
    assert d[v.ref()] == "v" and d[w.ref()] == "w"
    assert v.ref().deref() is v and v.ref() == v.ref() and v.ref() != w.ref()


# -- printing --------------------------------------------------------------------------
@pytest.mark.parametrize("make, text", [
    (lambda: tf.Variable(1.0, name="w"), "<tf.Variable 'w:0' shape=() dtype=float32, numpy=1.0>"),
    (lambda: tf.Variable(1.0), "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"),
    (lambda: tf.Variable(np.float64(1.5)),
     "<tf.Variable 'Variable:0' shape=() dtype=float64, numpy=1.5>"),
    (lambda: tf.Variable(0.1), "<tf.Variable 'Variable:0' shape=() dtype=float32, "
                               "numpy=0.10000000149011612>"),
    (lambda: tf.Variable("a"), "<tf.Variable 'Variable:0' shape=() dtype=string, numpy=b'a'>"),
    (lambda: tf.Variable([[1, 2], [3, 4]], name="m"),
     "<tf.Variable 'm:0' shape=(2, 2) dtype=int32, numpy=\narray([[1, 2],\n       [3, 4]], "
     "dtype=int32)>"),
    (lambda: tf.Variable([1.5], name="s"),
     "<tf.Variable 's:0' shape=(1,) dtype=float32, numpy=array([1.5], dtype=float32)>"),
])
def test_repr_and_str(make, text):
    v = make()
    assert repr(v) == text and str(v) == text


def test_copy():
    v = tf.Variable([1.0, 2.0], name="v", trainable=False)
    assert copy.copy(v) is v  # a shallow copy is the Variable itself
    dup = copy.deepcopy(v)
    assert dup is not v and dup.name == "v:0" and not dup.trainable
    assert dup.numpy().tolist() == [1.0, 2.0]
    dup.assign([5.0, 5.0])
    assert v.numpy().tolist() == [1.0, 2.0]


# -- sliced assignment: v[key].assign(value) ------------------------------------------------
def test_sliced_assign_writes_into_the_slice_and_returns_the_variable():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    before = v.read_value()
    out = v[1:3].assign([9.0, 8.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 9.0, 8.0, 4.0])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0, 3.0, 4.0])  # old value intact
    assert out.numpy().tolist() == [1.0, 9.0, 8.0, 4.0]
    v[0].assign(5.0)
    m = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    m[:, 1].assign([7.0, 7.0])
    np.testing.assert_array_equal(m.numpy(), [[1.0, 7.0], [3.0, 7.0]])
    m[...].assign(0.5)  # broadcasts into the slice
    np.testing.assert_array_equal(m.numpy(), [[0.5, 0.5], [0.5, 0.5]])


def test_sliced_assign_refuses_a_value_that_does_not_fit():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Cannot broadcast input shape \[3\] into final shape \[2\]"):
        v[1:3].assign([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0, 4.0])


def test_a_slice_of_a_variable_differentiates_like_a_read():
    m = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as g:
        y = tf.reduce_sum(m[0] * 3.0)
    np.testing.assert_array_equal(g.gradient(y, m).numpy(), [[3.0, 3.0], [0.0, 0.0]])


# -- in-place updates (optimizers) never change a Tensor already handed out ----------------
@pytest.mark.skipif(ORACLE_TF, reason="tapeflow internals")
def test_writable_buffer_is_reused_only_when_nobody_else_holds_it():
    def address(v):  # of the buffer, without holding a reference to it
        return v._writable_buffer().__array_interface__["data"][0]

    v = tf.Variable([1.0, 2.0])
    first = address(v)
    v._writable_buffer()[...] += 1.0
    assert address(v) == first  # nobody else held it: updated in place, no copy
    np.testing.assert_array_equal(v.numpy(), [2.0, 3.0])
    read = v.read_value()
    assert address(v) != first  # the read Tensor holds the old buffer: copied first
    v._writable_buffer()[...] += 1.0
    np.testing.assert_array_equal(read.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])
    view = np.asarray(v)
    v._writable_buffer()[...] = 0.0
    assert view.tolist() == [3.0, 4.0]  # a NumPy view taken earlier is untouched
    v.assign([1.0, 1.0])
    with tf.GradientTape() as g:
        y = v * v
    v._writable_buffer()[...] = 7.0
    np.testing.assert_array_equal(g.gradient(y, v).numpy(), [2.0, 2.0])  # the value read
