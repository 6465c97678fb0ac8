"""Optimizers, learning-rate schedules and gradient clipping, pinned to Keras 3.15 on TF 2.21.

Each optimizer runs a few steps on a quadratic and on a 2-parameter linear model and is
compared with (a) the update formulas written out below in float64 and (b) the numbers
real Keras 3.15 on TF 2.21 produced for the same problems (``KERAS_TRAJECTORIES``).

Run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` (where TF is installed) to check every
expectation against real TF/Keras; tests of tapeflow's own guarantees (in-place updates,
validation before any write, ``minimize``) are skipped there.
"""

from __future__ import annotations

import math
import os
import re
import warnings

import numpy as np
import pytest

ORACLE_TF = os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow"
if ORACLE_TF:
    import tensorflow as tf
    optimizers = tf.keras.optimizers
    schedules = optimizers.schedules
    clip_by_norm, clip_by_global_norm = tf.clip_by_norm, tf.clip_by_global_norm
else:
    import tapeflow as tf
    from tapeflow.train import clip, optimizers, schedules
    clip_by_norm, clip_by_global_norm = clip.clip_by_norm, clip.clip_by_global_norm

tapeflow_only = pytest.mark.skipif(ORACLE_TF, reason="tapeflow's own guarantee")
K, S = optimizers, schedules
STEPS = 5

CONFIGS = {
    "sgd": lambda: K.SGD(0.1),
    "sgd_momentum": lambda: K.SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda: K.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: K.Adam(0.1),
    "adam_amsgrad": lambda: K.Adam(0.1, beta_2=0.5, amsgrad=True),
    "adamw": lambda: K.AdamW(0.1, weight_decay=0.1),
    "rmsprop": lambda: K.RMSprop(0.1),
    "rmsprop_centered": lambda: K.RMSprop(0.1, momentum=0.5, centered=True),
    "adagrad": lambda: K.Adagrad(0.1),
    "adadelta": lambda: K.Adadelta(1.0),
    "nadam": lambda: K.Nadam(0.1),
    "sgd_clipnorm": lambda: K.SGD(0.1, clipnorm=1.0),
    "sgd_clipvalue": lambda: K.SGD(0.1, clipvalue=0.5),
    "adam_global_clipnorm": lambda: K.Adam(0.1, global_clipnorm=1.0),
    "sgd_weight_decay": lambda: K.SGD(0.1, weight_decay=0.05),
    "adam_exp_decay": lambda: K.Adam(S.ExponentialDecay(0.1, 2, 0.5, staircase=True)),
    "sgd_cosine_warmup": lambda: K.SGD(S.CosineDecay(0.05, 4, alpha=0.1, warmup_target=0.2,
                                                     warmup_steps=2)),
}

# The variables after each of 5 steps (quadratic: 3 values per step; model: w, b per step),
# produced by Keras 3.15 on TF 2.21 (tf.keras.optimizers, float32), same problems.
KERAS_TRAJECTORIES = {
    "sgd": (
        [0.9, -1.7, 1.4, 0.82, -1.4300001, 0.43999994, 0.756, -1.187, -0.13600004, 0.7048,
         -0.96830004, -0.48160002, 0.66384, -0.77147, -0.68896],
        [3.2250001, 0.95, 1.3875002, 0.3474999, 2.6075, 0.78424984, 1.779125, 0.5236498,
         2.3236127, 0.72935736]),
    "sgd_momentum": (
        [0.9, -1.7, 1.4, 0.73, -1.1600001, -1.0000001, 0.531, -0.45800006, -3.1600003,
         0.34570003, 0.31959993, -4.2400002, 0.20979004, 1.0874798, -3.916],
        [3.2250001, 0.95, 3.8400002, 1.2024999, 1.5072503, 0.46924984, 0.38727498, 0.16184977,
         2.1924598, 0.85918224]),
    "sgd_nesterov": (
        [0.81, -1.43, -0.03999996, 0.6112, -0.72529995, -2.0656, 0.445824, 0.018037021,
         -2.7331839, 0.3375885, 0.7183363, -2.4004056, 0.29214123, 1.313745, -1.6605432],
        [5.6775002, 1.805, -3.4083762, -1.2250253, 11.2438545, 3.8311944, -12.931324,
         -4.309997, 26.638023, 9.234837]),
    "adam": (
        [0.900001, -1.9000008, 2.9000006, 0.8011896, -1.8001046, 2.8000755, 0.7048739,
         -1.7003839, 2.7002757, 0.612919, -1.6009169, 2.600656, 0.5278187, -1.5017837,
         2.5012712],
        [0.5999993, 0.0999993, 0.69972736, 0.19972593, 0.79897094, 0.29896542, 0.8974864,
         0.39747247, 0.9950012, 0.4949726]),
    "adam_amsgrad": (
        [0.90000004, -1.9, 2.9, 0.79736674, -1.7995344, 2.7996504, 0.70022595, -1.6983095,
         2.6987374, 0.61398023, -1.596061, 2.5970762, 0.54046065, -1.4942718, 2.4953089],
        [0.59999996, 0.09999998, 0.7010162, 0.20102015, 0.8037879, 0.30380327, 0.9053262,
         0.40533206, 1.003476, 0.50345]),
    "adamw": (
        [0.890001, -1.8800008, 2.8700008, 0.7824969, -1.761329, 2.7414014, 0.6790428,
         -1.6440609, 2.6142569, 0.581878, -1.5282778, 2.4886253, 0.49396762, -1.4140625,
         2.3645647],
        [0.5949993, 0.0999993, 0.6887906, 0.1987386, 0.7811895, 0.29603237, 0.8719908,
         0.3916738, 0.9609719, 0.48543835]),
    "rmsprop": (
        [0.6837724, -1.6837722, 2.6837723, 0.5695316, -1.4668207, 2.4635074, 0.5244354,
         -1.2917657, 2.283858, 0.5077533, -1.1410569, 2.1277242, 0.5021747, -1.0067037,
         1.987278],
        [0.8162278, 0.31622773, 1.015186, 0.51504236, 1.1648163, 0.6644493, 1.2849599,
         0.7843005, 1.3844823, 0.88346267]),
    "rmsprop_centered": (
        [0.66666687, -1.6666667, 2.6666667, 0.38626838, -1.2598573, 2.2559025, 0.32257965,
         -0.8638737, 1.8488495, 0.4045407, -0.50601906, 1.4706593, 0.5083086, -0.19320291,
         1.1267651],
        [0.8333334, 0.3333333, 1.2183666, 0.71819115, 1.5495889, 1.0488424, 1.7862293,
         1.2843328, 1.9227241, 1.4190761]),
    "adagrad": (
        [0.9046537, -1.900551, 2.9000194, 0.84356266, -1.8312407, 2.8302162, 0.7975196,
         -1.7752057, 2.7736733, 0.76048267, -1.7270638, 2.725007, 0.7296374, -1.6843005,
         2.6817057],
        [0.5999933, 0.09994464, 0.66795903, 0.16788119, 0.7220476, 0.22194412, 0.7679308,
         0.2678024, 0.8082334, 0.30808002]),
    "adadelta": (
        [0.99858576, -1.9985858, 2.9985857, 0.9971555, -1.9971539, 2.9971538, 0.99571574,
         -1.9957103, 2.99571, 0.9942698, -1.9942578, 2.9942572, 0.99281955, -1.9927983,
         2.9927974],
        [0.50141424, 0.0014142134, 0.50284576, 0.0028457155, 0.5042885, 0.0042884117,
         0.5057394, 0.005739275, 0.5071966, 0.007196497]),
    "nadam": (
        [0.8937212, -1.8937212, 2.893721, 0.8248306, -1.8175852, 2.817273, 0.76609045,
         -1.7481744, 2.7474196, 0.7123795, -1.6801944, 2.678872, 0.66249084, -1.6118615,
         2.6098354],
        [0.6062788, 0.106278785, 0.68085194, 0.18084025, 0.74802077, 0.2479918, 0.81308794,
         0.31303594, 0.8777558, 0.37767407]),
    "sgd_clipnorm": (
        [0.9938686, -1.9816058, 2.9018977, 0.9876644, -1.9628776, 2.803863, 0.9813849,
         -1.9438015, 2.7059004, 0.9750273, -1.9243624, 2.6080143, 0.9685889, -1.9045442,
         2.5102096],
        [0.6, 0.1, 0.70000005, 0.2, 0.8000001, 0.3, 0.9000001, 0.4, 1.0000001, 0.5]),
    "sgd_clipvalue": (
        [0.95, -1.95, 2.95, 0.9, -1.9000001, 2.9, 0.84999996, -1.8500001, 2.8500001,
         0.79999995, -1.8000002, 2.8000002, 0.74999994, -1.7500002, 2.7500002],
        [0.55, 0.05, 0.6, 0.1, 0.65000004, 0.15, 0.70000005, 0.2, 0.75000006, 0.25]),
    "adam_global_clipnorm": (
        [0.9000058, -1.9000024, 2.900001, 0.8009981, -1.8000253, 2.8, 0.7041458, -1.7000843,
         2.6999946, 0.6112399, -1.6001987, 2.5999854, 0.52489245, -1.5003881, 2.499971],
        [0.599999, 0.09999838, 0.69999784, 0.19999596, 0.79999757, 0.29999295, 0.899997,
         0.39998716, 0.9999969, 0.49997818]),
    "sgd_weight_decay": (
        [0.895, -1.69, 1.3849999, 0.811525, -1.41255, 0.42407495, 0.74516237, -1.1642321,
         -0.1476754, 0.6924041, -0.9419878, -0.48786685, 0.65046126, -0.74307907, -0.6902808],
        [3.2225, 0.95, 1.3726374, 0.34399992, 2.609818, 0.78716123, 1.7634614, 0.52088416,
         2.32401, 0.7323722]),
    "adam_exp_decay": (
        [0.900001, -1.9000008, 2.9000006, 0.8011896, -1.8001046, 2.8000755, 0.75303173,
         -1.7502443, 2.7501757, 0.70609885, -1.7004644, 2.7003336, 0.68336076, -1.6756185,
         2.6754441],
        [0.5999993, 0.0999993, 0.69972736, 0.19972593, 0.7493492, 0.24934568, 0.79875094,
         0.29874414, 0.82332987, 0.32332075]),
    "sgd_cosine_warmup": (
        [0.95, -1.85, 2.2, 0.8375, -1.4937501, 0.6, 0.7025, -0.99500006, -0.68000007,
         0.6321759, -0.648589, -0.90225875, 0.6030972, -0.46724424, -0.9452649],
        [1.8625001, 0.475, 2.4171875, 0.6921874, 1.4234378, 0.39812505, 3.4042852, 1.1077139,
         1.0004723, 0.3116601]),

}

# -- the problems -------------------------------------------------------------------
SCALES, TARGET, W0 = np.array([1.0, 0.5, 2.0]), np.array([0.5, 1.0, -1.0]), [1.0, -2.0, 3.0]
X, Y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([3.0, 5.5, 6.5, 9.0])


def run_quadratic(opt, dtype=tf.float32):
    """loss = sum(s (w - t)^2) on one 3-vector; the values after each step."""
    w = tf.Variable(W0, dtype=dtype)
    s, t = tf.constant(SCALES, dtype), tf.constant(TARGET, dtype)
    out = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(s * tf.square(w - t))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        out.append(w.numpy())
    return np.concatenate(out)


def run_model(opt):
    """loss = mean((w x + b - y)^2) on scalars w, b; (w, b) after each step."""
    w, b = tf.Variable(0.5), tf.Variable(0.0)
    x, y = tf.constant(X, tf.float32), tf.constant(Y, tf.float32)
    out = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w * x + b - y))
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        out += [w.numpy(), b.numpy()]
    return np.array(out)


# -- (a) the update formulas, written out in float64 ----------------------------------
def sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if not momentum:
        return w - lr * g
    s["m"] = m = momentum * s.get("m", 0.0) - lr * g
    return w + momentum * m - lr * g if nesterov else w + m


def adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-7, amsgrad=False):
    s["m"] = m = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = v = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
    if amsgrad:
        s["v_hat"] = v = np.maximum(s.get("v_hat", 0.0), v)
    # Keras raises the betas to the power t in float32 (ops.cast makes them float32 tensors)
    b1, b2 = float(np.float32(beta_1)), float(np.float32(beta_2))
    return w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)


def rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    s["v"] = v = rho * s.get("v", 0.0) + (1 - rho) * g * g
    denominator = v + eps
    if centered:
        s["a"] = a = rho * s.get("a", 0.0) + (1 - rho) * g
        denominator = v - a * a + eps
    step = lr * g / np.sqrt(denominator)
    if momentum:
        s["m"] = step = momentum * s.get("m", 0.0) + step
    return w - step


def adagrad(w, g, s, t, lr, initial_accumulator_value=0.1, eps=1e-7):
    s["acc"] = acc = s.get("acc", initial_accumulator_value) + g * g
    return w - lr * g / np.sqrt(acc + eps)


def adadelta(w, g, s, t, lr, rho=0.95, eps=1e-7):
    s["a"] = a = rho * s.get("a", 0.0) + (1 - rho) * g * g
    delta = -np.sqrt(s.get("ad", 0.0) + eps) / np.sqrt(a + eps) * g
    s["ad"] = rho * s.get("ad", 0.0) + (1 - rho) * delta * delta
    return w + lr * delta


def nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-7):
    def u(k):  # Dozat's momentum schedule
        return beta_1 * (1 - 0.5 * 0.96**k)
    s["product"] = product = s.get("product", 1.0) * u(t)
    s["m"] = m = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = v = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
    m_hat = u(t + 1) * m / (1 - product * u(t + 1)) + (1 - u(t)) * g / (1 - product)
    v_hat = v / (1 - beta_2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


def cosine_warmup(k):
    """CosineDecay(0.05, 4, alpha=0.1, warmup_target=0.2, warmup_steps=2) at step k."""
    if k < 2:
        return 0.05 + (0.2 - 0.05) * k / 2
    decayed = 0.5 * (1 + math.cos(math.pi * min(k - 2, 4) / 4))
    return 0.2 * ((1 - 0.1) * decayed + 0.1)


REFERENCE = {
    "sgd": (sgd, {}), "sgd_momentum": (sgd, {"momentum": 0.9}),
    "sgd_nesterov": (sgd, {"momentum": 0.9, "nesterov": True}),
    "adam": (adam, {}), "adam_amsgrad": (adam, {"beta_2": 0.5, "amsgrad": True}),
    "adamw": (adam, {"weight_decay": 0.1}),
    "rmsprop": (rmsprop, {}), "rmsprop_centered": (rmsprop, {"momentum": 0.5, "centered": True}),
    "adagrad": (adagrad, {}), "adadelta": (adadelta, {"lr": 1.0}), "nadam": (nadam, {}),
    "sgd_clipnorm": (sgd, {"clipnorm": 1.0}), "sgd_clipvalue": (sgd, {"clipvalue": 0.5}),
    "adam_global_clipnorm": (adam, {"global_clipnorm": 1.0}),
    "sgd_weight_decay": (sgd, {"weight_decay": 0.05}),
    "adam_exp_decay": (adam, {"lr": lambda k: 0.1 * 0.5 ** (k // 2)}),
    "sgd_cosine_warmup": (sgd, {"lr": cosine_warmup}),
}


def reference(rule, gradients, params, lr=0.1, clipnorm=None, clipvalue=None,
              global_clipnorm=None, weight_decay=None, **hyper):
    """Runs ``rule`` per variable, with Keras's clipping and weight decay around it."""
    params, states, out = [np.array(p, np.float64) for p in params], [{} for _ in params], []
    for t in range(1, STEPS + 1):
        grads = gradients(params)
        if clipnorm:
            grads = [g * clipnorm / max(np.sqrt(np.sum(g * g)), clipnorm) for g in grads]
        if clipvalue:
            grads = [np.clip(g, -clipvalue, clipvalue) for g in grads]
        if global_clipnorm:
            norm = math.sqrt(sum(np.sum(g * g) for g in grads))
            grads = [g * global_clipnorm / max(norm, global_clipnorm) for g in grads]
        rate = lr(t - 1) if callable(lr) else lr
        for i, g in enumerate(grads):
            if weight_decay:
                params[i] = params[i] - params[i] * weight_decay * rate
            params[i] = rule(params[i], g, states[i], t, rate, **hyper)
        out += [p.ravel() for p in params]
    return np.concatenate(out)


def quadratic_gradients(params):
    return [2 * SCALES * (params[0] - TARGET)]


def model_gradients(params):
    residual = params[0] * X + params[1] - Y
    return [np.mean(2 * residual * X), np.mean(2 * residual)]


@pytest.mark.parametrize("name", CONFIGS)
def test_trajectory_matches_the_formulas(name):
    rule, hyper = REFERENCE[name]
    np.testing.assert_allclose(run_quadratic(CONFIGS[name]()),
                               reference(rule, quadratic_gradients, [W0], **hyper),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(run_model(CONFIGS[name]()),
                               reference(rule, model_gradients, [0.5, 0.0], **hyper),
                               rtol=1e-6, atol=1e-6)


# -- (b) real Keras's numbers ---------------------------------------------------------
@pytest.mark.parametrize("name", CONFIGS)
def test_trajectory_matches_keras(name):
    quadratic, model = KERAS_TRAJECTORIES[name]
    np.testing.assert_allclose(run_quadratic(CONFIGS[name]()), quadratic, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(run_model(CONFIGS[name]()), model, rtol=1e-6, atol=1e-6)


# Keras 3.15 on TF 2.21, the quadratic in float64: the last step's values.  Keras casts
# Python hyperparameters to the variable's dtype through float32 (ops.cast), visible here.
KERAS_FLOAT64 = {
    "sgd_momentum": [0.20979001967176766, 1.0874799369949109, -3.91599976021052],
    "adam": [0.5278182033556168, -1.5017830919083288, 2.5012708908160164],
    "adagrad": [0.7296373789550423, -1.6843005221688687, 2.68170575823354],
    "nadam": [0.6624905750246959, -1.6118610728729394, 2.6098352665055713],
    "sgd_weight_decay": [0.650461246737183, -0.7430791228183928, -0.6902807897334285],
}


@pytest.mark.parametrize("name", KERAS_FLOAT64)
def test_float64_variables_match_keras(name):
    got = run_quadratic(CONFIGS[name](), tf.float64)[-3:]
    np.testing.assert_allclose(got, KERAS_FLOAT64[name], rtol=1e-13)


# -- in place -------------------------------------------------------------------------
def _addresses(variables):
    return [v._writable_buffer().__array_interface__["data"][0] for v in variables]


def _step(opt, w, b):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(w - 1.0)) + b * b
    opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))


@tapeflow_only
@pytest.mark.parametrize("name", CONFIGS)
def test_steps_update_variables_and_state_in_place(name):
    opt, w, b = CONFIGS[name](), tf.Variable([1.0, -2.0]), tf.Variable(0.5)
    _step(opt, w, b)  # builds the state
    before = _addresses([w, b, *opt.variables])
    for _ in range(3):
        _step(opt, w, b)
    assert _addresses([w, b, *opt.variables]) == before


@pytest.mark.parametrize("name", ["sgd_momentum", "adam", "rmsprop_centered", "nadam"])
def test_a_tensor_read_before_a_step_keeps_its_value(name):
    opt, w, b = CONFIGS[name](), tf.Variable([1.0, -2.0]), tf.Variable(0.5)
    _step(opt, w, b)
    held, identity, old = w.value(), tf.identity(w), w.numpy().copy()
    _step(opt, w, b)
    assert np.array_equal(held.numpy(), old) and np.array_equal(identity.numpy(), old)
    assert not np.array_equal(w.numpy(), old)
    if not ORACLE_TF:  # the held buffer was left alone: one copy, then in place again
        address = _addresses([w])
        _step(opt, w, b)
        assert _addresses([w]) == address and np.array_equal(held.numpy(), old)


# (Not Nadam: its running product takes the first variable's dtype, as in Keras.)
@pytest.mark.parametrize("name", ["sgd", "sgd_nesterov", "adam", "rmsprop_centered", "adagrad",
                                  "adadelta"])
def test_float32_and_float64_variables_in_one_optimizer_update_as_alone(name):
    # Scratch arrays and per-step constants are kept per dtype: sharing them across
    # dtypes would cast or round one variable's update.
    rng = np.random.default_rng(3)
    inits = [rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4))]
    together = [tf.Variable(x) for x in inits]
    alone = [tf.Variable(x) for x in inits]
    opt, opts_alone = CONFIGS[name](), [CONFIGS[name]() for _ in alone]
    for _ in range(3):
        grads = [tf.constant(rng.normal(size=x.shape).astype(x.dtype)) for x in inits]
        opt.apply_gradients(zip(grads, together))
        for o, g, v in zip(opts_alone, grads, alone):
            o.apply_gradients([(g, v)])
    for v, w in zip(together, alone):
        assert v.dtype == w.dtype
        np.testing.assert_array_equal(v.numpy(), w.numpy())


@pytest.mark.parametrize("name", ["sgd", "sgd_momentum", "adam", "rmsprop", "adagrad", "nadam"])
def test_inf_and_nan_propagate_silently_even_when_warnings_are_errors(name):
    # As in TF: no RuntimeWarning from NumPy (here: 3e38 - 3e37 overflows, g^2 and
    # inf / inf), so warnings.simplefilter("error") cannot stop a step half way.
    v, opt = tf.Variable([1.0, 2.0, -3.3e38]), CONFIGS[name]()
    error_state = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply_gradients([(tf.constant([np.inf, np.nan, 3e38]), v)])
    w = v.numpy()
    assert not np.isfinite(w[0]) and np.isnan(w[1]) and int(opt.iterations) == 1
    assert np.geterr() == error_state  # NumPy's error handling left as it was


# -- gradients: None, mismatches, unknown variables -----------------------------------------
NONE_WARNING = ("Gradients do not exist for variables ['b:0', 'c:0'] when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?")


def test_none_gradients_are_skipped_with_keras_warning():
    a, b, c = tf.Variable([1.0, 2.0], name="a"), tf.Variable(3.0, name="b"), tf.Variable(
        4.0, name="c")
    opt = K.SGD(0.5)
    with pytest.warns(UserWarning) as record:
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (None, b), (None, c)])
    assert [str(r.message) for r in record] == [NONE_WARNING]
    if not ORACLE_TF:
        assert record[0].filename == __file__  # points at the caller's line
    assert a.numpy().tolist() == [0.5, 1.5] and float(b) == 3.0 and float(c) == 4.0
    with pytest.raises(ValueError, match=r"^No gradients provided for any variable\.$"):
        opt.apply_gradients([(None, a), (None, b)])
    assert opt.iterations.numpy() == 1


@tapeflow_only
@pytest.mark.parametrize("built", [False, True])
def test_a_mismatched_shape_raises_and_changes_nothing(built):
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([3.0], name="b")
    opt = K.Adam(0.1)
    if built:
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (tf.constant([1.0]), b)])
    before = [v.numpy().copy() for v in (a, b, *opt.variables)]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"variable 'b:0' with shape \[1\] using a gradient with shape \[2\]"):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (tf.constant([1.0, 2.0]), b)])
    after = [v.numpy() for v in (a, b, *opt.variables)]
    assert all(map(np.array_equal, before, after))
    assert not any(np.any(state) for state in after[len(before):])  # built (as Keras), zeros


@tapeflow_only
def test_a_complex_gradient_for_a_real_variable_is_refused():
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([1.0], name="b")
    with pytest.raises(TypeError, match="variable 'b:0' of dtype float32 using a gradient of "
                                        "dtype complex128"):
        K.SGD(0.1).apply_gradients([([1.0, 1.0], a), (tf.constant([1 + 1j]), b)])
    assert a.numpy().tolist() == [1.0, 2.0]


def test_gradients_are_cast_to_the_variable_dtype_as_keras_does():
    v = tf.Variable([1.0, 2.0])
    opt = K.SGD(0.5)
    opt.apply_gradients([(tf.constant([1.0, 1.0], tf.float64), v)])
    opt.apply_gradients([(np.array([1.0, 1.0], np.float32), v)])
    assert v.dtype == tf.float32 and v.numpy().tolist() == [0.0, 1.0]


def test_unknown_variables_are_refused():
    opt = K.SGD(0.1)
    opt.apply_gradients([(tf.constant(1.0), tf.Variable(1.0))])
    with pytest.raises(ValueError, match=r"^Unknown variable: <tf.Variable 'd:0'.*you should "
                                         r"recreate a new optimizer instance\.$"):
        opt.apply_gradients([(tf.constant(1.0), tf.Variable(2.0, name="d"))])


# -- minimize ------------------------------------------------------------------------------
@tapeflow_only
def test_minimize_with_a_callable_or_a_tape():
    x = tf.Variable(3.0)
    opt = K.SGD(0.25)
    assert int(opt.minimize(lambda: x * x, [x])) == 1 and float(x) == 1.5
    with tf.GradientTape() as tape:
        loss = x * x
    opt.minimize(loss, [x], tape=tape)
    opt.minimize(lambda: x * x, lambda: [x])
    assert float(x) == 0.375 and int(opt.iterations) == 3
    with pytest.raises(ValueError, match=r"^`tape` is required when a `Tensor` loss is passed"):
        opt.minimize(x * x, [x])


# -- learning rate, iterations, state ---------------------------------------------------------
def _path(v):
    return getattr(v, "path", None) or v.name.removesuffix(":0")


def test_learning_rate_property():
    opt = K.Adam(0.01)
    lr = opt.learning_rate
    assert float(lr) == pytest.approx(0.01) and lr.dtype == tf.float32
    opt.learning_rate = 0.5
    assert opt.learning_rate is lr and float(lr) == 0.5
    opt.learning_rate = S.ExponentialDecay(0.1, 2, 0.5)
    assert [_path(v) for v in opt.variables] == [f"{opt.name}/iteration"]
    scheduled = K.SGD(S.PiecewiseConstantDecay([1], [0.5, 0.25]))
    v = tf.Variable(1.0)
    for expected in (0.5, 0.5, 0.25):
        assert float(scheduled.learning_rate) == expected
        scheduled.apply_gradients([(tf.constant(1.0), v)])
    assert float(v) == 1.0 - 0.5 - 0.5 - 0.25
    with pytest.raises(TypeError, match="hence its learning rate is not settable"):
        scheduled.learning_rate = 0.1
    assert K.SGD(lambda: 0.2).learning_rate == 0.2


def test_iterations_is_an_int64_variable():
    opt, v = K.SGD(0.1), tf.Variable(1.0)
    assert opt.iterations.dtype == tf.int64 and opt.iterations.numpy() == 0
    returned = opt.apply_gradients([(tf.constant(1.0), v)])
    assert returned is opt.iterations and opt.iterations.numpy() == 1


@pytest.mark.parametrize("make, slots", [
    (lambda: K.SGD(momentum=0.5), ["a_0_momentum", "b_0_momentum"]),
    (lambda: K.Adam(amsgrad=True), ["a_0_momentum", "a_0_velocity", "b_0_momentum",
                                    "b_0_velocity", "a_0_velocity_hat", "b_0_velocity_hat"]),
    (lambda: K.RMSprop(momentum=0.5, centered=True),
     ["a_0_velocity", "b_0_velocity", "a_0_momentum", "b_0_momentum", "a_0_average_gradient",
      "b_0_average_gradient"]),
    (lambda: K.Adagrad(), ["a_0_accumulator", "b_0_accumulator"]),
    (lambda: K.Adadelta(), ["a_0_accumulated_grad", "a_0_accumulated_delta_var",
                            "b_0_accumulated_grad", "b_0_accumulated_delta_var"]),
    (lambda: K.Nadam(), ["a_0_momentum", "a_0_velocity", "b_0_momentum", "b_0_velocity",
                         "variable"]),
    (lambda: K.SGD(use_ema=True, momentum=0.5),
     ["a_0_average", "b_0_average", "a_0_momentum", "b_0_momentum"]),
])
def test_state_variables_are_named_and_ordered_as_keras(make, slots):
    opt, a, b = make(), tf.Variable([1.0, 2.0], name="a"), tf.Variable(3.0, name="b")
    opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (tf.constant(1.0), b)])
    names = ["iteration", "learning_rate", *slots]
    # (Keras numbers unnamed variables process-wide: "variable_6"; tapeflow says "variable")
    paths = [re.sub(r"/variable_\d+$", "/variable", _path(v)) for v in opt.variables]
    assert paths == [f"{opt.name}/{n}" for n in names]
    # Keras's quirk kept: Nadam's running product is the one trainable state variable.
    assert [v.trainable for v in opt.variables] == [n == "variable" for n in names]


def test_adagrad_accumulator_starts_at_its_initial_value():
    opt, v = K.Adagrad(0.1, initial_accumulator_value=0.25), tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([2.0]), v)])
    assert opt.variables[-1].numpy().tolist() == [4.25]


# -- constructor arguments -------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: K.SGD(1), "Argument `learning_rate` should be float, or an instance of "
                       "LearningRateSchedule, or a callable (that takes in the current "
                       "iteration value and returns the corresponding learning rate value). "
                       "Received instead: learning_rate=1"),
    (lambda: K.SGD(momentum=1), "`momentum` must be a float between [0, 1]."),
    (lambda: K.SGD(clipnorm=1.0, clipvalue=1.0),
     "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
     "clipnorm=1.0, clipvalue=1.0, global_clipnorm=None"),
    (lambda: K.SGD(foo=1.0), "Argument(s) not recognized: {'foo': 1.0}"),
    (lambda: K.AdamW(weight_decay=None),
     "Argument `weight_decay` must be a float. Received: weight_decay=None"),
    (lambda: K.SGD(gradient_accumulation_steps=1),
     "`gradient_accumulation_steps` must be an integer >= 2. Received: "
     "gradient_accumulation_steps=1"),
    (lambda: K.SGD(use_ema=True, ema_momentum=2.0),
     "`ema_momentum` must be in the range [0, 1]. Received: ema_momentum=2.0"),
])
def test_constructor_errors(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value) == message


def test_defaults_and_names():
    class MyOptimizer(K.SGD):
        pass
    assert [MyOptimizer().name, MyOptimizer().name] == ["my_optimizer", "my_optimizer_1"]
    assert K.SGD(name="custom").name == "custom"
    adam = K.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert float(adam.learning_rate) == pytest.approx(0.001)
    assert float(K.SGD().learning_rate) == pytest.approx(0.01)
    assert (K.RMSprop().rho, K.Adadelta().rho, K.AdamW().weight_decay) == (0.9, 0.95, 0.004)
    assert K.Adagrad().initial_accumulator_value == 0.1


def test_get_config_round_trips():
    config = K.RMSprop(0.05, momentum=0.5, centered=True, clipnorm=2.0).get_config()
    assert config["learning_rate"] == pytest.approx(0.05)
    assert {k: config[k] for k in ("rho", "momentum", "epsilon", "centered", "clipnorm")} == {
        "rho": 0.9, "momentum": 0.5, "epsilon": 1e-7, "centered": True, "clipnorm": 2.0}
    again = K.RMSprop.from_config(config)
    assert (again.momentum, again.centered, again.clipnorm) == (0.5, True, 2.0)
    assert set(K.Adam().get_config()) == {
        "name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
        "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
        "gradient_accumulation_steps", "beta_1", "beta_2", "epsilon", "amsgrad"}


# -- the common arguments (numbers from Keras 3.15) -------------------------------------------
def test_gradient_accumulation():
    opt, v = K.SGD(0.1, gradient_accumulation_steps=2), tf.Variable([1.0, 2.0])
    seen = []
    for g in ([1.0, 1.0], [3.0, 3.0], [1.0, 1.0]):
        opt.apply_gradients([(tf.constant(g), v)])
        seen.append((*v.numpy(), int(opt.iterations.numpy())))
    np.testing.assert_allclose(seen, [(1.0, 2.0, 0), (0.8, 1.8, 1), (0.8, 1.8, 1)], rtol=1e-6)


def test_exponential_moving_average():
    opt = K.SGD(0.5, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    v = tf.Variable([1.0, 2.0])
    seen = []
    for g in ([1.0, 1.0], [3.0, 3.0], [1.0, 1.0]):
        opt.apply_gradients([(tf.constant(g), v)])
        seen.append(v.numpy().tolist())
    assert seen == [[0.5, 1.5], [-0.25, 0.75], [-0.75, 0.25]]
    assert opt.variables[2].numpy().tolist() == [-0.5, 0.5]
    opt.finalize_variable_values([v])
    assert v.numpy().tolist() == [-0.5, 0.5]


def test_loss_scale_constraints_and_weight_decay_exclusion():
    v = tf.Variable([1.0, 2.0])
    K.SGD(0.1, loss_scale_factor=4.0).apply_gradients([(tf.constant([4.0, 8.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.9, 1.8], rtol=1e-6)
    c = tf.Variable([1.0, -2.0], constraint=lambda x: tf.maximum(x, 0.0))
    K.SGD(0.1).apply_gradients([(tf.constant([1.0, 1.0]), c)])
    np.testing.assert_allclose(c.numpy(), [0.9, 0.0], rtol=1e-6)
    bias, kernel = tf.Variable([1.0, 2.0], name="bias"), tf.Variable([1.0, 2.0], name="kern")
    opt = K.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.zeros([2]), bias), (tf.zeros([2]), kernel)])
    assert bias.numpy().tolist() == [1.0, 2.0]
    np.testing.assert_allclose(kernel.numpy(), [0.95, 1.9], rtol=1e-6)


def test_a_keras_style_subclass_with_update_step():
    class SignSGD(K.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self._counts = [self.add_variable_from_reference(v, "count") for v in var_list]

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, tf.sign(gradient) * tf.cast(learning_rate, variable.dtype))
            self.assign_add(self._counts[self._get_variable_index(variable)],
                            tf.ones_like(gradient))

    w, opt = tf.Variable([1.0, -1.0], name="w"), SignSGD(0.25)
    for _ in range(2):
        opt.apply_gradients([(tf.constant([3.0, -0.5]), w)])
    assert w.numpy().tolist() == [0.5, -0.5]
    assert _path(opt.variables[-1]) == f"{opt.name}/w_0_count"
    assert opt.variables[-1].numpy().tolist() == [2.0, 2.0]


@tapeflow_only
def test_weight_decay_with_a_keras_style_subclass_on_a_variable_larger_than_a_chunk(
        monkeypatch):
    # update_step gets the whole variable, so the decay before it must chunk on its own.
    from tapeflow.train import optimizer as optimizer_mod
    monkeypatch.setattr(optimizer_mod, "_CHUNK", 4096)

    class SignSGD(K.Optimizer):
        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, tf.sign(gradient) * tf.cast(learning_rate, variable.dtype))

    init = np.random.default_rng(4).normal(size=(70, 90)).astype(np.float32)
    w = tf.Variable(init)
    SignSGD(0.25, weight_decay=0.5).apply_gradients([(tf.ones([70, 90]), w)])
    decayed = init - init * np.float32(0.5) * np.float32(0.25)
    np.testing.assert_array_equal(w.numpy(), decayed - np.float32(0.25))


# -- schedules (values from Keras 3.15 at steps 0, 1, 2, 3, 4, 5, 6, 7, 9, 12) ------------------
SCHEDULES = {
    "exp": (lambda: S.ExponentialDecay(0.1, 3, 0.5),
            [0.1, 0.07937005, 0.06299605, 0.05, 0.039685026, 0.031498026, 0.025, 0.019842515,
             0.0125, 0.00625]),
    "exp_staircase": (lambda: S.ExponentialDecay(0.1, 3, 0.5, staircase=True),
                      [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.00625]),
    "piecewise": (lambda: S.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
                  [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1]),
    "cosine": (lambda: S.CosineDecay(0.1, 6),
               [0.1, 0.093301274, 0.075, 0.049999997, 0.024999997, 0.006698731, 0.0, 0.0, 0.0,
                0.0]),
    "cosine_alpha": (lambda: S.CosineDecay(0.1, 6, alpha=0.2),
                     [0.1, 0.09464102, 0.080000006, 0.06, 0.04, 0.025358984, 0.020000001,
                      0.020000001, 0.020000001, 0.020000001]),
    "cosine_warmup": (lambda: S.CosineDecay(0.01, 6, alpha=0.1, warmup_target=0.1,
                                            warmup_steps=3),
                      [0.01, 0.04, 0.07, 0.1, 0.09397115, 0.0775, 0.054999996, 0.032499995,
                       0.010000001, 0.010000001]),
    "inverse_time": (lambda: S.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
                     [0.1, 0.1, 0.06666667, 0.06666667, 0.05, 0.05, 0.04, 0.04, 0.033333335,
                      0.025]),
    "polynomial": (lambda: S.PolynomialDecay(0.1, 6, end_learning_rate=0.01, power=2.0),
                   [0.1, 0.0725, 0.049999997, 0.0325, 0.02, 0.0125, 0.01, 0.01, 0.01, 0.01]),
    "polynomial_cycle": (lambda: S.PolynomialDecay(0.1, 4, end_learning_rate=0.01, cycle=True),
                         [0.1, 0.0775, 0.055, 0.0325, 0.01, 0.043750003, 0.0325, 0.02125,
                          0.0325, 0.01]),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_values_match_keras(name):
    make, expected = SCHEDULES[name]
    schedule = make()
    got = [schedule(step).numpy() for step in (0, 1, 2, 3, 4, 5, 6, 7, 9, 12)]
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    assert schedule(tf.Variable(3, dtype=tf.int64)).dtype == tf.float32
    again = type(schedule).from_config(schedule.get_config())
    assert again.get_config() == schedule.get_config()


def test_schedule_errors_and_serialization():
    with pytest.raises(ValueError, match=r"^Argument `decay_steps` must be > 0\. Received: "
                                         r"decay_steps=0$"):
        S.CosineDecay(0.1, 0)
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less than"):
        S.PiecewiseConstantDecay([1, 2], [1.0, 0.5])
    config = S.serialize(S.ExponentialDecay(0.1, 2, 0.5))
    assert config["class_name"] == "ExponentialDecay" and config["config"]["decay_rate"] == 0.5
    assert float(S.deserialize(config)(4)) == pytest.approx(0.025)


# -- clipping (values from TF 2.21) ----------------------------------------------------------
def test_clip_by_norm_matches_tf():
    x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
    np.testing.assert_allclose(clip_by_norm(x, 2.0).numpy(), [
        [1.0954450368881226, -1.4605934619903564], [0.3651483654975891, 0.7302967309951782]],
        rtol=1e-7)
    np.testing.assert_allclose(clip_by_norm(x, 2.0, axes=[1]).numpy(),
                               [[1.2, -1.6], [0.8944271802902222, 1.7888543605804443]], rtol=1e-7)
    assert clip_by_norm(tf.zeros([2]), 1.0).numpy().tolist() == [0.0, 0.0]
    assert clip_by_norm(x, -1.0).numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    z = tf.zeros([3])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        loss = tf.reduce_sum(clip_by_norm(x, 2.0) * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        at_zero = tf.reduce_sum(clip_by_norm(z, 1.0))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [
        [0.14605934917926788, 1.0224153995513916], [1.022415280342102, 1.3145341873168945]],
        rtol=1e-6)
    assert tape.gradient(at_zero, z).numpy().tolist() == [1.0, 1.0, 1.0]  # finite at 0


def test_clip_by_global_norm_matches_tf():
    a, b = tf.constant([3.0, 4.0]), tf.constant([[12.0]])
    clipped, norm = clip_by_global_norm([a, None, b], 6.5)
    assert float(norm) == 13.0 and clipped[1] is None
    assert clipped[0].numpy().tolist() == [1.5, 2.0] and clipped[2].numpy().tolist() == [[6.0]]
    clipped, norm = clip_by_global_norm([a, b], 100.0)
    assert [c.numpy().tolist() for c in clipped] == [[3.0, 4.0], [[12.0]]]
    clipped, norm = clip_by_global_norm([a, b], 1.0, use_norm=tf.constant(2.0))
    assert float(norm) == 2.0 and clipped[0].numpy().tolist() == [1.5, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's inf - inf
        clipped, norm = clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isinf(norm.numpy()) and np.isnan(clipped[0].numpy()).all()
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        clipped, norm = clip_by_global_norm([a, b], 6.5)
        loss = tf.reduce_sum(clipped[0] * tf.constant([1.0, -1.0])) \
            + tf.reduce_sum(clipped[1]) * 2.0 + norm
    grads = tape.gradient(loss, [a, b])
    np.testing.assert_allclose(grads[0].numpy(), [0.5266271829605103, -0.46449705958366394],
                               rtol=1e-6)
    np.testing.assert_allclose(grads[1].numpy(), [[1.1065088510513306]], rtol=1e-6)
    with pytest.raises(TypeError, match=r"^`t_list` should be a sequence of tensors\. Received"):
        clip_by_global_norm(a, 1.0)


# -- the docstring examples ------------------------------------------------------------------
@tapeflow_only
def test_docstring_examples():
    import doctest

    import tapeflow
    from tapeflow.train import module, optimizer
    for mod in (clip, module, optimizer, optimizers, schedules):
        for test in doctest.DocTestFinder().find(mod, globs={"tf": tapeflow, "np": np}):
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            failures: list[str] = []
            runner.run(test, out=failures.append)
            assert runner.failures == 0, "".join(failures)


def test_get_serialize_deserialize():
    assert type(K.get("RMSprop")).__name__ == "RMSprop" and K.get("adamw").weight_decay == 0.004
    opt = K.SGD(0.5)
    assert K.get(opt) is opt and K.get(None) is None
    with pytest.raises(ValueError, match=r"^Could not interpret optimizer identifier: nope$"):
        K.get("nope")
    config = K.serialize(K.Adam(S.ExponentialDecay(0.1, 2, 0.5), beta_1=0.8))
    assert config["class_name"] == "Adam"
    assert config["config"]["learning_rate"]["class_name"] == "ExponentialDecay"
    again = K.deserialize(config)
    assert again.beta_1 == 0.8 and float(again.learning_rate) == pytest.approx(0.1)


def test_checkpoints_restore_state_even_before_the_slots_exist(tmp_path):
    if ORACLE_TF:
        Checkpoint = tf.train.Checkpoint
    else:
        from tapeflow.train.checkpoint import Checkpoint

    def trained(opt, w, steps):
        for _ in range(steps):
            opt.apply_gradients([(tf.constant([1.0, -1.0]) * w, w)])
        return w.numpy()

    w, opt = tf.Variable([1.0, 2.0], name="w"), K.Adam(0.1)
    trained(opt, w, 2)
    path = Checkpoint(opt=opt, w=w).save(str(tmp_path / "ckpt"))
    expected = trained(opt, w, 2)
    w2, opt2 = tf.Variable([0.0, 0.0], name="w"), K.Adam(0.5)
    Checkpoint(opt=opt2, w=w2).restore(path)
    assert opt2.iterations.numpy() == 2 and float(opt2.learning_rate) == pytest.approx(0.1)
    np.testing.assert_array_equal(trained(opt2, w2, 2), expected)  # momentum came back too


@tapeflow_only
@pytest.mark.parametrize("name", [n for n in CONFIGS if "clipnorm" not in n])  # norms: whole
def test_a_variable_larger_than_one_chunk_updates_as_its_pieces_would(name, monkeypatch):
    # Built-in optimizers update a variable chunk by chunk (optimizer._CHUNK
    # elements at a time, small scratch arrays): with 4096-element chunks a
    # (300, 257) variable, Fortran ordered, spans 19 chunks, the last partial.
    # Elementwise updates must give it exactly what 300 one-row variables get
    # from the same gradients.
    from tapeflow.train import optimizer as optimizer_mod
    monkeypatch.setattr(optimizer_mod, "_CHUNK", 4096)
    rng = np.random.default_rng(7)
    init = np.asfortranarray(rng.normal(size=(300, 257)).astype(np.float32))
    big = tf.Variable(init)
    rows = [tf.Variable(init[i]) for i in range(300)]
    opt_big, opt_rows = CONFIGS[name](), CONFIGS[name]()
    for _ in range(3):
        g = rng.normal(size=(300, 257)).astype(np.float32)
        opt_big.apply_gradients([(tf.constant(np.asfortranarray(g)), big)])
        opt_rows.apply_gradients([(tf.constant(g[i]), v) for i, v in enumerate(rows)])
    np.testing.assert_array_equal(big.numpy(), np.stack([v.numpy() for v in rows]))


@tapeflow_only
def test_the_moving_average_of_a_large_variable_is_exact(monkeypatch):
    from tapeflow.train import optimizer as optimizer_mod
    monkeypatch.setattr(optimizer_mod, "_CHUNK", 4096)  # the (300, 257) average: 19 chunks
    rng = np.random.default_rng(8)
    init = rng.normal(size=(300, 257)).astype(np.float32)
    big = tf.Variable(init)
    opt = K.SGD(0.1, use_ema=True, ema_momentum=0.75)
    grads = [rng.normal(size=init.shape).astype(np.float32) for _ in range(3)]
    expected_w, average = init.copy(), None
    for k, g in enumerate(grads):
        opt.apply_gradients([(tf.constant(g), big)])
        expected_w = expected_w - np.float32(0.1) * g
        m = np.float32(0.75 if k else 0.0)
        average = expected_w.copy() if average is None else average * m + expected_w * (1 - m)
    np.testing.assert_array_equal(big.numpy(), expected_w)
    np.testing.assert_allclose(opt._model_variables_moving_average[0].numpy(), average,
                               rtol=1e-6)
