"""Keras 3 initializers (tapeflow/train/initializers.py).

tapeflow's random numbers are not TF's, so these tests check what Keras
promises rather than bits: shapes and dtypes, distributions and scales
(means, variances and bounds on large draws), Keras's fan rules, when two
draws are equal (checked against Keras 3.15.1 / TF 2.21.0: a seeded
initializer repeats itself on every call, an unseeded one too, two
unseeded ones differ, seeds fold modulo 2**31 - 2), configs, name lookup
and errors.
"""

from __future__ import annotations

import doctest
import random
from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.train import initializers as init

RANDOM = [init.RandomNormal, init.RandomUniform, init.TruncatedNormal, init.VarianceScaling,
          init.GlorotUniform, init.GlorotNormal, init.HeNormal, init.HeUniform,
          init.LecunNormal, init.LecunUniform]


# -- shapes and dtypes --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", RANDOM + [init.Zeros, init.Ones, init.Constant, init.Orthogonal])
@pytest.mark.parametrize("shape", [(5, 4), (3, 3, 4, 8), (2, 7)])
@pytest.mark.parametrize("dtype", [None, "float32", "float64", tf.float16])
def test_shape_and_dtype(cls: Any, shape: tuple, dtype: Any) -> None:
    out = cls()(shape, dtype=dtype)
    assert isinstance(out, tf.Tensor)
    assert tuple(out.shape) == shape
    assert out.dtype == tf.as_dtype(dtype or "float32")
    assert np.isfinite(out.numpy()).all()


def test_shape_spellings() -> None:
    for shape in (3, [3], (3,), tf.TensorShape([3]), tf.constant([3])):
        assert init.Ones()(shape).shape == (3,)
        assert init.GlorotUniform(seed=1)(shape).shape == (3,)
    assert init.RandomNormal(seed=1)(()).shape == ()


def test_constant_initializers() -> None:
    assert init.Zeros()((2, 3), dtype="int32").numpy().tolist() == [[0] * 3] * 2
    assert init.Zeros()((2,), dtype="bool").numpy().tolist() == [False, False]
    assert init.Ones()((2,), dtype="float64").numpy().tolist() == [1.0, 1.0]
    assert init.Constant(3)((2,), dtype="int32").numpy().tolist() == [3, 3]
    assert init.Constant([1.0, 2.0])((2, 2)).numpy().tolist() == [[1.0, 2.0]] * 2
    assert init.Identity(gain=2.0)((2, 3)).numpy().tolist() == [[2, 0, 0], [0, 2, 0]]
    with pytest.raises(ValueError, match="can only be used for 2D matrices"):
        init.Identity()((3, 3, 3))


# -- reproducibility ------------------------------------------------------------------------
@pytest.mark.parametrize("cls", RANDOM + [init.Orthogonal])
def test_seeded_initializer_repeats_itself(cls: Any) -> None:
    shape = (6, 5)
    a = cls(seed=11)
    first = a(shape).numpy()
    np.testing.assert_array_equal(a(shape).numpy(), first)  # Keras 3: same every call
    np.testing.assert_array_equal(cls(seed=11)(shape).numpy(), first)  # and per seed
    assert not np.array_equal(cls(seed=12)(shape).numpy(), first)
    np.testing.assert_array_equal(a.clone()(shape).numpy(), first)


def test_unseeded_initializer_picks_its_seed_once() -> None:
    a, b = init.RandomNormal(), init.RandomNormal()
    np.testing.assert_array_equal(a((4, 4)).numpy(), a((4, 4)).numpy())
    assert not np.array_equal(a((4, 4)).numpy(), b((4, 4)).numpy())
    random.seed(5)  # Keras draws the seed from Python's random
    c = init.HeNormal()
    random.seed(5)
    np.testing.assert_array_equal(c((4, 4)).numpy(), init.HeNormal()((4, 4)).numpy())
    assert a.get_config()["seed"] is None


def test_seeds_fold_like_keras() -> None:
    # Keras 3.15.1: seed 2**32 + 5 draws what seed 9 draws; 2**31 + 1 what 3 draws.
    for big, small in ((2**32 + 5, 9), (2**31 + 1, 3)):
        np.testing.assert_array_equal(init.RandomNormal(seed=big)((3,)).numpy(),
                                      init.RandomNormal(seed=small)((3,)).numpy())
    with pytest.raises(ValueError, match="`seed` argument should be"):
        init.RandomNormal(seed=1.5)


# -- distributions and scales -----------------------------------------------------------------
def test_basic_distributions() -> None:
    x = init.RandomNormal(mean=1.0, stddev=2.0, seed=0)((400, 500)).numpy()
    assert abs(x.mean() - 1.0) < 0.02 and abs(x.std() / 2.0 - 1) < 0.01
    u = init.RandomUniform(-3.0, 5.0, seed=0)((400, 500)).numpy()
    assert u.min() >= -3.0 and u.max() < 5.0
    assert abs(u.mean() - 1.0) < 0.03 and abs(u.std() / (8 / 12**0.5) - 1) < 0.01
    t = init.TruncatedNormal(mean=-1.0, stddev=0.5, seed=0)((400, 500)).numpy()
    assert t.min() >= -2.0 and t.max() <= 0.0  # within two stddev of the mean
    assert abs(t.mean() + 1.0) < 0.01 and abs(t.std() / (0.5 * 0.8796) - 1) < 0.01
    d = init.RandomNormal(seed=0)((1000,)).numpy()
    assert abs(d.std() / 0.05 - 1) < 0.1  # Keras's default stddev


def _fans(shape: tuple) -> tuple:
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


SCALINGS = [  # (initializer, variance as a function of (fan_in, fan_out), distribution)
    (init.GlorotUniform, lambda i, o: 2 / (i + o), "uniform"),
    (init.GlorotNormal, lambda i, o: 2 / (i + o), "truncated"),
    (init.HeNormal, lambda i, o: 2 / i, "truncated"),
    (init.HeUniform, lambda i, o: 2 / i, "uniform"),
    (init.LecunNormal, lambda i, o: 1 / i, "truncated"),
    (init.LecunUniform, lambda i, o: 1 / i, "uniform"),
    (lambda seed: init.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=seed),
     lambda i, o: 3 / o, "normal"),
    (lambda seed: init.VarianceScaling(0.5, "fan_avg", "uniform", seed=seed),
     lambda i, o: 1 / (i + o), "uniform"),
]


@pytest.mark.parametrize("make, variance, kind", SCALINGS)
@pytest.mark.parametrize("shape", [(500, 300), (3, 3, 64, 96)])
def test_variance_scaling(make: Any, variance: Any, kind: str, shape: tuple) -> None:
    x = make(seed=4)(shape).numpy().astype(np.float64)
    var = variance(*_fans(shape))  # conv kernels: fans times the receptive field
    assert abs(x.mean()) < 0.01 * var**0.5
    assert abs(x.var() / var - 1) < 0.02
    if kind == "uniform":
        assert np.abs(x).max() <= (3 * var) ** 0.5
    elif kind == "truncated":  # drawn within 2 stddev of a widened normal
        assert np.abs(x).max() <= 2 * var**0.5 / 0.87962566103423978 * (1 + 1e-6)
    else:
        assert np.abs(x).max() > 3 * var**0.5  # untruncated: the tails are there


def test_compute_fans() -> None:
    assert init.compute_fans(()) == (1, 1)
    assert init.compute_fans((5,)) == (5, 5)
    assert init.compute_fans((4, 6)) == (4, 6)
    assert init.compute_fans((3, 16, 32)) == (48, 96)  # conv1d: receptive field 3
    assert init.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert init.compute_fans((2, 3, 4), input_axes=(0, 1), output_axes=(2,)) == (6, 4)
    # a scalar or an empty fan never divides by less than 1
    assert init.HeNormal(seed=0)((0, 4)).shape == (0, 4)


def test_orthogonal() -> None:
    tall = init.Orthogonal(seed=1)((6, 4)).numpy()
    np.testing.assert_allclose(tall.T @ tall, np.eye(4), atol=1e-5)
    wide = init.Orthogonal(gain=2.0, seed=1)((3, 5)).numpy()
    np.testing.assert_allclose(wide @ wide.T, 4 * np.eye(3), atol=1e-5)
    kernel = init.Orthogonal(seed=2)((3, 3, 4, 8)).numpy().reshape(36, 8)
    np.testing.assert_allclose(kernel.T @ kernel, np.eye(8), atol=1e-5)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        init.Orthogonal()((3,))


def test_dtype_errors_match_keras() -> None:
    with pytest.raises(TypeError, match="Cannot convert 0.0 to EagerTensor of dtype int32"):
        init.RandomNormal(seed=1)((2, 2), dtype="int32")
    with pytest.raises(InvalidArgumentError, match="Need minval < maxval"):
        init.RandomUniform(seed=1)((2, 2), dtype="int32")  # -0.05 and 0.05 cast to 0
    x = init.RandomUniform(0, 10, seed=1)((50,), dtype="int32").numpy()
    assert x.dtype == np.int32 and x.min() >= 0 and x.max() < 10


def test_variance_scaling_arguments() -> None:
    assert init.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="Argument `scale` must be positive"):
        init.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: x"):
        init.VarianceScaling(mode="x")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: x"):
        init.VarianceScaling(distribution="x")


# -- configs and lookup ------------------------------------------------------------------------
def test_configs_match_keras() -> None:
    assert init.GlorotUniform(seed=3).get_config() == {
        "seed": 3, "input_axes": None, "output_axes": None}
    assert init.RandomNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert init.VarianceScaling().get_config() == {
        "seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
        "input_axes": None, "output_axes": None}
    assert init.Zeros().get_config() == {}
    assert init.serialize(init.GlorotUniform(seed=1)) == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": 1, "input_axes": None, "output_axes": None},
        "registered_name": None}
    again = init.deserialize(init.serialize(init.RandomUniform(-1.0, 2.0, seed=7)))
    assert (again.minval, again.maxval, again.seed) == (-1.0, 2.0, 7)


NAMES = {
    "glorot_uniform": init.GlorotUniform, "GlorotUniform": init.GlorotUniform,
    "glorot_normal": init.GlorotNormal, "he_normal": init.HeNormal,
    "he_uniform": init.HeUniform, "lecun_normal": init.LecunNormal,
    "lecun_uniform": init.LecunUniform, "zeros": init.Zeros, "zero": init.Zeros,
    "ones": init.Ones, "one": init.Ones, "normal": init.RandomNormal,
    "random_normal": init.RandomNormal, "uniform": init.RandomUniform,
    "random_uniform": init.RandomUniform, "truncated_normal": init.TruncatedNormal,
    "orthogonal": init.Orthogonal, "OrthogonalInitializer": init.Orthogonal,
    "identity": init.Identity, "IdentityInitializer": init.Identity,
    "variance_scaling": init.VarianceScaling, "constant": init.Constant,
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_get_by_name(name: str) -> None:
    assert type(init.get(name)) is NAMES[name]


def test_get_other_identifiers() -> None:
    assert init.get(None) is None
    assert init.get({"class_name": "RandomNormal", "config": {"stddev": 2.0}}).stddev == 2.0
    assert isinstance(init.get(init.HeUniform), init.HeUniform)
    he = init.HeUniform()
    assert init.get(he) is he
    fn = lambda shape, dtype=None: tf.ones(shape)  # noqa: E731
    assert init.get(fn) is fn
    from_value = init.get(np.ones((2, 2)))
    assert from_value((2, 2)).numpy().tolist() == [[1.0, 1.0]] * 2
    assert from_value((2, 2)).dtype == tf.float32
    with pytest.raises(ValueError, match="Expected `shape` to be"):
        from_value((3, 2))
    for bad in ("nope", "Glorot_Uniform", 5, {"class_name": "Nope", "config": {}}):
        with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
            init.get(bad)


def test_snake_case_names_are_the_classes() -> None:
    assert init.random_normal is init.RandomNormal
    assert init.glorot_uniform is init.GlorotUniform
    assert init.zeros is init.Zeros


def test_initializer_values_make_variables() -> None:
    v = tf.Variable(init.GlorotUniform(seed=0)((3, 2)))
    assert v.shape == (3, 2) and v.trainable


def test_docstring_examples() -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(init, optionflags=flags)
    assert result.failed == 0 and result.attempted > 0
