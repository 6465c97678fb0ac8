"""tf.nn.convolution, tf.nn.conv_transpose, tf.nn.dilation2d and tf.TensorSpec.

Every expected value, error and message below is what TF 2.21 printed for the
same call; ``TAPEFLOW_TEST_ORACLE=tensorflow`` checks them again against TF
(see tests/oracle.py).  TF's CPU kernels reject NCHW and dilated transposes,
so those tapeflow extensions are not pinned here.  The table test checks
each op's derivatives numerically; here: TF's gradient values.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from oracle import ORACLE, InvalidArgumentError, c, check, raises, tf

ONES = [1, 1, 1, 1]


def test_signatures() -> None:
    params = {tf.nn.convolution: "input filters strides padding data_format dilations name",
              tf.nn.conv_transpose: "input filters output_shape strides padding data_format "
                                    "dilations name",
              tf.nn.dilation2d: "input filters strides padding data_format dilations name"}
    for fn, names in params.items():
        assert list(inspect.signature(fn).parameters) == names.split(), fn
    conv = inspect.signature(tf.nn.convolution).parameters
    assert conv["padding"].default == "VALID" and conv["strides"].default is None
    assert inspect.signature(tf.nn.conv_transpose).parameters["padding"].default == "SAME"
    dil = inspect.signature(tf.nn.dilation2d).parameters
    assert dil["data_format"].default is inspect.Parameter.empty  # TF 2: no defaults
    assert dil["dilations"].default is inspect.Parameter.empty


def _ramp(shape: tuple, scale: float, mod: int | None = None) -> object:
    values = np.arange(np.prod(shape), dtype=np.float32)
    return c((values % mod if mod else values).reshape(shape) / scale)


# -- convolution ------------------------------------------------------------------------------
def test_convolution_values() -> None:
    x, w = _ramp((2, 5, 3), 10), _ramp((2, 3, 2), 10)
    y = tf.nn.convolution(x, w)
    np.testing.assert_allclose(y.numpy()[0, :2], [[1.1, 1.25], [2.0, 2.33]], rtol=1e-6)
    np.testing.assert_allclose(y.numpy()[1, 3], [8.3, 9.89], rtol=1e-6)
    assert y.shape == (2, 4, 2) and y.dtype == tf.float32
    assert tf.nn.convolution(x, w, strides=2, padding="SAME").shape == (2, 3, 2)
    assert tf.nn.convolution(x, w, dilations=[2], padding="SAME").shape == (2, 5, 2)
    x2, w2 = tf.ones((1, 4, 4, 3)), tf.ones((2, 2, 3, 2))
    assert tf.nn.convolution(x2, w2, strides=[1, 2, 2, 1]).shape == (1, 2, 2, 2)
    assert tf.nn.convolution(x2, w2, strides=[2, 1]).shape == (1, 2, 3, 2)
    assert tf.nn.convolution(tf.ones((3, 1, 4, 4, 3)), w2).shape == (3, 1, 3, 3, 2)
    check(tf.nn.convolution(x2, w2), np.full((1, 3, 3, 2), 12.0), tf.float32)
    check(tf.nn.convolution(c(np.ones((1, 4, 4, 3)), tf.int32), c(np.ones((2, 2, 3, 2)), tf.int32)),
          np.full((1, 3, 3, 2), 12), tf.int32)
    y = tf.nn.convolution([[[1.0, 2.0]]], [[[1.0], [1.0]]])
    check(y, [[[3.0]]], tf.float32)
    # the same as conv2d
    x3, w3 = _ramp((1, 5, 4, 2), 7), _ramp((2, 3, 2, 3), 11)
    np.testing.assert_array_equal(tf.nn.convolution(x3, w3, 2, "SAME").numpy(),
                                  tf.nn.conv2d(x3, w3, 2, "SAME").numpy())


def test_convolution_errors() -> None:
    x2, w2 = tf.ones((1, 4, 4, 3)), tf.ones((2, 2, 3, 2))
    raises(ValueError, "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
           "Received: strides=[2 2] and dilation_rate=[2 2]", None,
           tf.nn.convolution, x2, w2, strides=2, dilations=2)
    raises(ValueError, "strides should be of length 1, 1 or 3. Received: strides=[1, 2, 1, 1] "
           "of length 4", None, tf.nn.convolution, tf.ones((1, 4, 3)), tf.ones((2, 3, 2)),
           strides=[1, 2, 1, 1])
    raises(TypeError, "Expected string for argument 'padding' not [[0, 0], [1, 1], [0, 0]].",
           None, tf.nn.convolution, tf.ones((1, 4, 3)), tf.ones((2, 3, 2)),
           padding=[[0, 0], [1, 1], [0, 0]])
    raises(ValueError, "`num_spatial_dims` must be 1, 2, or 3. Received: num_spatial_dims=0.",
           None, tf.nn.convolution, tf.ones((1, 4)), tf.ones((2, 2)))
    raises(InvalidArgumentError, "input depth must be evenly divisible by filter depth: 3 vs 2",
           "Conv2D", tf.nn.convolution, x2, tf.ones((2, 2, 2, 2)))
    if not ORACLE:  # TF with oneDNN (its default) aborts the process here: a failed CHECK
        raises(InvalidArgumentError, "convolution input must be 4-dimensional: [2, 4, 3]",
               "Conv2D", tf.nn.convolution, tf.ones((2, 4, 3)), w2)
    raises(InvalidArgumentError, "Value for attr 'padding' of \"FOO\" is not in the list",
           None, tf.nn.convolution, x2, w2, padding="FOO")


def test_convolution_3d() -> None:
    x, w = tf.ones((1, 2, 4, 4, 3)), tf.ones((2, 2, 2, 3, 2))
    if ORACLE:
        assert tf.nn.convolution(x, w).shape == (1, 1, 3, 3, 2)
        assert tf.nn.conv_transpose(tf.ones((1, 2, 2, 2, 1)), tf.ones((3, 3, 3, 1, 1)),
                                    [1, 4, 4, 4, 1], 2).shape == (1, 4, 4, 4, 1)
        return
    with pytest.raises(NotImplementedError, match="tapeflow has no conv3d"):
        tf.nn.convolution(x, w)
    with pytest.raises(NotImplementedError, match="tapeflow has no conv3d_transpose"):
        tf.nn.conv_transpose(tf.ones((1, 2, 2, 2, 1)), tf.ones((3, 3, 3, 1, 1)),
                             [1, 4, 4, 4, 1], 2)


def test_convolution_gradient() -> None:
    x, w = _ramp((1, 5, 4, 2), 7), _ramp((2, 3, 2, 3), 11)
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.convolution(x, w, 2, "SAME")
        loss = tf.reduce_sum(y * y)
    dx, dw = tape.gradient(loss, [x, w])
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.conv2d(x, w, 2, "SAME")
        loss = tf.reduce_sum(y * y)
    ex, ew = tape.gradient(loss, [x, w])
    np.testing.assert_allclose(dx.numpy(), ex.numpy(), rtol=1e-6)
    np.testing.assert_allclose(dw.numpy(), ew.numpy(), rtol=1e-6)
    assert float(tf.reduce_sum(dw)) > 0


# -- conv_transpose ----------------------------------------------------------------------------
def test_conv_transpose_values() -> None:
    x, w = tf.reshape(tf.range(6.0), (1, 3, 2)), tf.reshape(tf.range(12.0), (3, 2, 2)) / 10
    y = tf.nn.conv_transpose(x, w, [1, 6, 2], 2)
    np.testing.assert_allclose(y.numpy()[0], [[0.1, 0.3], [0.5, 0.7], [1.2, 2.4], [2.3, 3.3],
                                              [4.8, 7.6], [4.1, 5.9]], rtol=1e-6)
    assert tf.nn.conv_transpose(x, w, [1, 7, 2], 2, padding="VALID").shape == (1, 7, 2)
    x2, w2 = tf.ones((1, 2, 2, 1)), tf.ones((3, 3, 1, 1))
    assert tf.nn.conv_transpose(x2, w2, [1, 4, 4, 1], 2).shape == (1, 4, 4, 1)
    assert tf.nn.conv_transpose(x2, w2, c([1, 4, 4, 1]), 2).shape == (1, 4, 4, 1)
    check(tf.nn.conv_transpose(tf.ones((1, 2, 1)), tf.ones((3, 1, 1)), [1, 4, 1], 2),
          [[[1.0], [1.0], [2.0], [1.0]]], tf.float32)


def test_conv_transpose_errors() -> None:
    x2, w2 = tf.ones((1, 2, 2, 1)), tf.ones((3, 3, 1, 1))
    raises(ValueError, "`output_shape` must be of length 3, 4 or 5. Received: output_shape="
           "[4, 4] of length 2.", None, tf.nn.conv_transpose, x2, w2, [4, 4], 2)
    raises(ValueError, "`output_shape` must be a tensor or sized collection. Received: "
           "output_shape=4", None, tf.nn.conv_transpose, x2, w2, 4, 2)
    raises(ValueError, "`data_format` must be 'NWC' or 'NCW'. Received: data_format=NCHW",
           None, tf.nn.conv_transpose, tf.ones((1, 2, 1)), tf.ones((3, 1, 1)), [1, 4, 1], 2,
           data_format="NCHW")
    x, w = tf.ones((1, 3, 2)), tf.ones((3, 2, 2))
    if ORACLE:  # TF with oneDNN (its default) gives AbortedError; without it, the text below
        with pytest.raises((InvalidArgumentError, tf.errors.AbortedError)):
            tf.nn.conv_transpose(x, w, [1, 6, 2], 2, padding="VALID")
        return
    raises(InvalidArgumentError, "Conv2DCustomBackpropInput: Size of out_backprop doesn't match "
           "computed: actual = 3, computed = 2 spatial_dim: 2 input: 6 filter: 3 output: 3 "
           "stride: 2", "Conv2DBackpropInput", tf.nn.conv_transpose, x, w, [1, 6, 2], 2,
           padding="VALID")


def test_conv_transpose_gradient() -> None:
    x, w = tf.reshape(tf.range(6.0), (1, 3, 2)), tf.reshape(tf.range(12.0), (3, 2, 2)) / 10
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.conv_transpose(x, w, [1, 6, 2], 2)
        loss = tf.reduce_sum(y * tf.reshape(tf.range(12.0), (1, 6, 2)))
    dx, dw = tape.gradient(loss, [x, w])
    # <g, conv_transpose(x, w)> = <conv1d(g, w), x>: dx is the forward convolution of g
    g = tf.reshape(tf.range(12.0), (1, 6, 2))
    np.testing.assert_allclose(dx.numpy(), tf.nn.conv1d(g, w, 2, "SAME").numpy(), rtol=1e-6)
    assert dw.shape == (3, 2, 2) and float(tf.reduce_sum(dw)) > 0


# -- dilation2d --------------------------------------------------------------------------------
def _dilation_case() -> tuple:
    return _ramp((2, 4, 5, 2), 4, mod=7), _ramp((3, 2, 2), 10, mod=5)


@pytest.mark.parametrize("strides, padding, rates, head, dx_head, dw", [
    (ONES, "VALID", ONES, [1.8, 1.7, 1.65, 1.55, 1.7, 1.6, 1.55, 1.9],
     [0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 2, 10, 0, 0, 0, 0, 0, 15],
     [0, 0, 26, 100, 70, 0, 24, 64, 66, 64, 54, 28]),
    ([1, 2, 1, 1], "SAME", [1, 1, 2, 1], [1.35, 1.7, 1.8, 1.55, 1.7, 1.6, 1.1, 1.45],
     [0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 6, 7],
     [18, 58, 110, 128, 54, 0, 116, 144, 62, 38, 20, 32])])
def test_dilation2d_values_and_gradients(strides, padding, rates, head, dx_head, dw) -> None:
    x, w = _dilation_case()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.nn.dilation2d(x, w, strides, padding, "NHWC", rates)
        loss = tf.reduce_sum(y * tf.reshape(tf.range(tf.size(y), dtype=tf.float32), y.shape))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy().ravel()[:8], head, rtol=1e-6)
    gx, gw = tape.gradient(loss, [x, w])
    np.testing.assert_array_equal(gx.numpy().ravel()[:20], dx_head)
    np.testing.assert_array_equal(gw.numpy().ravel(), dw)
    assert float(tf.reduce_sum(gx)) == float(tf.reduce_sum(gw))  # one route per output


def test_dilation2d_ties_and_padding() -> None:
    x, w = tf.zeros((1, 3, 3, 1)), tf.zeros((2, 2, 1))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.nn.dilation2d(x, w, ONES, "VALID", "NHWC", ONES)
    # every window's first maximum (row-major) takes it all
    check(tape.gradient(y, x), np.array([1, 1, 0, 1, 1, 0, 0, 0, 0.0]).reshape(1, 3, 3, 1),
          tf.float32)
    check(tape.gradient(y, w), [[[4.0], [0.0]], [[0.0], [0.0]]], tf.float32)
    # SAME skips padded positions (no zeros enter the max)
    check(tf.nn.dilation2d(-tf.ones((1, 2, 2, 1)), tf.zeros((2, 2, 1)), ONES, "SAME", "NHWC",
                           ONES), -np.ones((1, 2, 2, 1)), tf.float32)
    x9 = tf.reshape(tf.range(9.0), (1, 3, 3, 1))
    check(tf.nn.dilation2d(x9, tf.zeros((2, 2, 1)), ONES, "VALID", "NHWC", ONES),
          [[[[4.0], [5.0]], [[7.0], [8.0]]]], tf.float32)
    check(tf.nn.dilation2d(c(np.ones((1, 2, 2, 1)), tf.int32), c(np.ones((1, 1, 1)), tf.int32),
                           ONES, "VALID", "NHWC", ONES), np.full((1, 2, 2, 1), 2), tf.int32)


def test_dilation2d_errors() -> None:
    x, w = _dilation_case()
    d = tf.nn.dilation2d
    raises(ValueError, "`data_format` values other  than 'NHWC' are not supported. Received: "
           "data_format=NCHW", None, d, x, w, ONES, "VALID", "NCHW", ONES)
    raises(InvalidArgumentError, "Value for attr 'padding' of \"FOO\" is not in the list of "
           "allowed values: \"SAME\", \"VALID\"", None, d, x, w, ONES, "FOO", "NHWC", ONES)
    raises(TypeError, "Expected string for argument 'padding' not", None, d, x, w, ONES,
           [[0, 0], [1, 1], [1, 1], [0, 0]], "NHWC", ONES)
    raises(InvalidArgumentError, "Length for attr 'strides' of 2 must be at least minimum 4",
           None, d, x, w, [1, 1], "VALID", "NHWC", ONES)
    raises(InvalidArgumentError, "Length for attr 'rates' of 0 must be at least minimum 4",
           None, d, x, w, ONES, "VALID", "NHWC", None)
    raises(tf.errors.UnimplementedError, "Stride is only supported across spatial dimensions.",
           None, d, x, w, [2, 1, 1, 1], "VALID", "NHWC", ONES)
    raises(tf.errors.UnimplementedError, "Rate is only supported across spatial dimensions.",
           None, d, x, w, ONES, "VALID", "NHWC", [2, 1, 1, 1])
    raises(InvalidArgumentError, "input and filter must have the same depth: 2 vs 3",
           "Dilation2D", d, x, tf.ones((3, 2, 3)), ONES, "VALID", "NHWC", ONES)
    raises(InvalidArgumentError, "filter must be 3-dimensional: [3,2,2,1]", "Dilation2D",
           d, x, tf.ones((3, 2, 2, 1)), ONES, "VALID", "NHWC", ONES)
    raises(InvalidArgumentError, "input must be 4-dimensional[4,5,2]", "Dilation2D",
           d, tf.ones((4, 5, 2)), w, ONES, "VALID", "NHWC", ONES)
    raises(InvalidArgumentError, "Computed output size would be negative: -4 [input_size: 4, "
           "effective_filter_size: 9, stride: 1]", "Dilation2D",
           d, x, tf.ones((9, 2, 2)), ONES, "VALID", "NHWC", ONES)


# -- TensorSpec --------------------------------------------------------------------------------
def test_tensor_spec() -> None:
    s = tf.TensorSpec([None, 3], tf.float64, name="x")
    assert repr(s) == "TensorSpec(shape=(None, 3), dtype=tf.float64, name='x')" == str(s)
    assert s.shape.as_list() == [None, 3] and s.dtype == tf.float64 and s.name == "x"
    assert repr(tf.TensorSpec([2, 3])) == "TensorSpec(shape=(2, 3), dtype=tf.float32, name=None)"
    assert repr(tf.TensorSpec(())) == "TensorSpec(shape=(), dtype=tf.float32, name=None)"
    assert repr(tf.TensorSpec(3)) == "TensorSpec(shape=(3,), dtype=tf.float32, name=None)"
    assert tf.TensorSpec([2], "int32").dtype == tf.int32
    assert tf.TensorSpec(tf.TensorShape([1, None])).shape.as_list() == [1, None]
    assert s.is_compatible_with(tf.zeros((5, 3), tf.float64))
    assert not s.is_compatible_with(tf.zeros((5, 3)))
    assert not s.is_compatible_with(tf.zeros((5, 4), tf.float64))
    assert s.is_compatible_with(tf.TensorSpec([2, 3], tf.float64, name="y"))
    assert not s.is_compatible_with([[1.0, 2.0, 3.0]])  # converts to float32
    assert not s.is_compatible_with(5)
    assert tf.TensorSpec([2, 3], tf.float64) == tf.TensorSpec([2, 3], tf.float64)
    assert tf.TensorSpec([2, 3], tf.float64, "a") != tf.TensorSpec([2, 3], tf.float64, "b")
    assert tf.TensorSpec([2, 3]) != tf.TensorSpec([2, None])
    assert tf.TensorSpec([2, 3]) != tf.TensorSpec([2, 3], tf.int32)
    assert tf.TensorSpec([2, 3]) != 5
    assert hash(tf.TensorSpec([2, 3])) == hash(tf.TensorSpec([2, 3]))
    assert repr(tf.TensorSpec.from_tensor(tf.zeros((2, 3), tf.int64))) == \
        "TensorSpec(shape=(2, 3), dtype=tf.int64, name=None)"
    assert tf.TensorSpec.from_tensor(tf.zeros((2, 3)), name="z").name == "z"
    raises(ValueError, "`tensor` should be a tf.Tensor, but got type <class 'list'>.", None,
           tf.TensorSpec.from_tensor, [1, 2])
    raises(ValueError, "`tensor` should be a tf.Tensor", None, tf.TensorSpec.from_tensor,
           tf.Variable([1.0, 2.0]))
    if ORACLE:  # unknown rank: tapeflow's TensorShape cannot hold one
        assert repr(tf.TensorSpec(None)) == \
            "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None)"
    else:
        with pytest.raises(ValueError, match="Unknown-rank"):
            tf.TensorSpec(None)
