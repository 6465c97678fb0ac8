"""The Keras 3 optimizers (``tf.keras.optimizers``): SGD, Adam, AdamW, RMSprop,
Adagrad, Adadelta, Nadam, with Keras 3's names, defaults and update formulas.

Each ``_apply_one`` is Keras 3's ``update_step`` op for op, in the variable's
dtype, done in place on ``Variable._writable_buffer()`` and on the state
Variables' buffers with ``out=`` ufuncs and two scratch arrays (see
optimizer.py); the comment on each line group gives the formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.variable import Variable
from tapeflow.train import schedules  # tf.keras.optimizers.schedules
from tapeflow.train.optimizer import Optimizer, keras_cast

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Nadam",
           "serialize", "deserialize", "get", "schedules"]


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as Keras 3's ``SGD``.

    ``w -= lr * g``; with momentum ``m = momentum * m - lr * g`` then ``w += m``
    (Nesterov: ``w += momentum * m - lr * g``).  Other arguments as ``Optimizer``.

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.SGD(0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)   # 1 - 0.1 - (0.9 * 0.1 + 0.1)
    0.71
    """

    _config_keys = ("momentum", "nesterov")

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = momentum, nesterov

    def build(self, var_list: list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._momentums = []
        if self.momentum != 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        return lr, keras_cast(self.momentum, dt)

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        lr, momentum = constants
        (t,) = self._scratch_for(w, 1)
        np.multiply(g, lr, out=t)                                  # lr * g
        if self.momentum == 0:
            np.subtract(w, t, out=w)
            return
        m = self._state(self._momentums[index], part)
        np.multiply(m, momentum, out=m)
        np.subtract(m, t, out=m)                                   # m = momentum m - lr g
        if self.nesterov:
            t, t2 = self._scratch_for(w, 2)
            np.multiply(m, momentum, out=t2)
            np.subtract(t2, t, out=t2)
            np.add(w, t2, out=w)                                   # w += momentum m - lr g
        else:
            np.add(w, m, out=w)


class Adam(Optimizer):
    """Adam (optionally AMSGrad), as Keras 3's ``Adam``.

    ``m += (g - m)(1 - beta_1)``, ``v += (g^2 - v)(1 - beta_2)``,
    ``w -= m * lr sqrt(1 - beta_2^t) / (1 - beta_1^t) / (sqrt(v) + epsilon)``
    (epsilon outside the bias correction: Kingma & Ba's "epsilon hat").

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.Adam(0.1).apply_gradients([(tf.constant(5.0), w)])
    >>> round(float(w), 4)   # the first step is lr * sign(g)
    0.9
    """

    _config_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build(self, var_list: list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        step = dt(self._local_step)
        alpha = lr * np.sqrt(1 - np.power(keras_cast(self.beta_2, dt), step)) \
            / (1 - np.power(keras_cast(self.beta_1, dt), step))
        return lr, alpha, dt(1 - self.beta_1), dt(1 - self.beta_2), dt(self.epsilon)

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        _, alpha, rest_1, rest_2, epsilon = constants
        m = self._state(self._momentums[index], part)
        v = self._state(self._velocities[index], part)
        t, t2 = self._scratch_for(w)
        np.subtract(g, m, out=t)
        np.multiply(t, rest_1, out=t)
        np.add(m, t, out=m)                                        # m += (g - m)(1 - b1)
        np.square(g, out=t)
        np.subtract(t, v, out=t)
        np.multiply(t, rest_2, out=t)
        np.add(v, t, out=v)                                        # v += (g^2 - v)(1 - b2)
        if self.amsgrad:
            v_hat = self._state(self._velocity_hats[index], part)
            np.maximum(v_hat, v, out=v_hat)                        # v_hat = max(v_hat, v)
            v = v_hat
        np.multiply(m, alpha, out=t)
        np.sqrt(v, out=t2)
        np.add(t2, epsilon, out=t2)
        np.divide(t, t2, out=t)
        np.subtract(w, t, out=w)                                   # w -= alpha m / (sqrt v + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004), as Keras 3's ``AdamW``:
    ``w -= w * weight_decay * lr`` before each Adam step.

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.AdamW(0.1, weight_decay=0.5)
    >>> _ = opt.apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)   # 1 - 1 * 0.5 * 0.1 - 0.1
    0.85
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: Any = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad,
                         weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum), as Keras 3's ``RMSprop``.

    ``v = rho v + (1 - rho) g^2``; ``step = lr g / sqrt(v + epsilon)`` (centered:
    ``sqrt(v - a^2 + epsilon)`` with ``a = rho a + (1 - rho) g``); with momentum
    ``m = momentum m + step`` and ``w -= m``, else ``w -= step``.

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.RMSprop(0.1).apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)   # 1 - 0.1 / sqrt(0.1)
    0.6838
    """

    _config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, var_list: list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        return lr, dt(self.rho), dt(1 - self.rho), dt(self.epsilon), dt(self.momentum)

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        lr, rho, rest, epsilon, momentum = constants
        v = self._state(self._velocities[index], part)
        t, t2 = self._scratch_for(w)
        np.multiply(v, rho, out=v)
        np.square(g, out=t)
        np.multiply(t, rest, out=t)
        np.add(v, t, out=v)                                        # v = rho v + (1 - rho) g^2
        if self.centered:
            a = self._state(self._average_gradients[index], part)
            np.multiply(a, rho, out=a)
            np.multiply(g, rest, out=t)
            np.add(a, t, out=a)                                    # a = rho a + (1 - rho) g
            np.square(a, out=t)
            np.subtract(v, t, out=t)
            np.add(t, epsilon, out=t)                              # v - a^2 + eps
        else:
            np.add(v, epsilon, out=t)                              # v + eps
        np.sqrt(t, out=t)
        np.multiply(g, lr, out=t2)
        np.divide(t2, t, out=t2)                                   # step = lr g / sqrt(...)
        if self.momentum > 0:
            m = self._state(self._momentums[index], part)
            np.multiply(m, momentum, out=m)
            np.add(m, t2, out=m)
            t2 = m                                                 # m = momentum m + step
        np.subtract(w, t2, out=w)


class Adagrad(Optimizer):
    """Adagrad, as Keras 3's ``Adagrad``: ``acc += g^2``,
    ``w -= lr g / sqrt(acc + epsilon)`` (``acc`` starts at ``initial_accumulator_value``).

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.Adagrad(0.1).apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)   # 1 - 0.1 / sqrt(1.1)
    0.9047
    """

    _config_keys = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list: list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=self.initial_accumulator_value)

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        return lr, dt(self.epsilon)

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        lr, epsilon = constants
        acc = self._state(self._accumulators[index], part)
        t, t2 = self._scratch_for(w)
        np.square(g, out=t)
        np.add(acc, t, out=acc)                                    # acc += g^2
        np.add(acc, epsilon, out=t)
        np.sqrt(t, out=t)
        np.multiply(g, lr, out=t2)
        np.divide(t2, t, out=t2)
        np.subtract(w, t2, out=w)                                  # w -= lr g / sqrt(acc + eps)


class Adadelta(Optimizer):
    """Adadelta, as Keras 3's ``Adadelta`` (``rms(x) = sqrt(x + epsilon)``):
    ``a = rho a + (1 - rho) g^2``, ``d = -rms(ad) g / rms(a)``,
    ``ad = rho ad + (1 - rho) d^2``, ``w += lr d``.

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.Adadelta(1.0).apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 6)   # 1 - sqrt(1e-7) / sqrt(0.05 + 1e-7)
    0.998586
    """

    _config_keys = ("rho", "epsilon")

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build(self, var_list: list) -> None:
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        return lr, dt(self.rho), dt(1 - self.rho), dt(self.epsilon)

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        lr, rho, rest, eps = constants
        a = self._state(self._accumulated_grads[index], part)
        ad = self._state(self._accumulated_delta_vars[index], part)
        t, t2 = self._scratch_for(w)
        np.multiply(a, rho, out=a)
        np.square(g, out=t)
        np.multiply(t, rest, out=t)
        np.add(a, t, out=a)                                        # a = rho a + (1 - rho) g^2
        np.add(ad, eps, out=t)
        np.sqrt(t, out=t)
        np.multiply(t, g, out=t)
        np.add(a, eps, out=t2)
        np.sqrt(t2, out=t2)
        np.divide(t, t2, out=t)
        np.negative(t, out=t)                                      # d = -rms(ad) g / rms(a)
        np.multiply(ad, rho, out=ad)
        np.square(t, out=t2)
        np.multiply(t2, rest, out=t2)
        np.add(ad, t2, out=ad)                                     # ad = rho ad + (1 - rho) d^2
        np.multiply(t, lr, out=t)
        np.add(w, t, out=w)                                        # w += lr d


class Nadam(Optimizer):
    """Adam with Nesterov momentum, as Keras 3's ``Nadam`` (Dozat's momentum schedule
    ``u_t = beta_1 (1 - 0.5 * 0.96^t)`` and its running product).

    >>> import tapeflow as tf
    >>> w = tf.Variable(1.0)
    >>> _ = tf.keras.optimizers.Nadam(0.1).apply_gradients([(tf.constant(1.0), w)])
    >>> round(float(w), 4)
    0.8937
    """

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list: list) -> None:
        if self.built:
            return
        dtype = var_list[0].dtype._np if var_list else np.float32
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        # Keras creates the running product as a trainable Variable named "variable".
        self._u_product = self._new_variable(np.ones((), dtype), "variable", trainable=True)

    def _before_updates(self) -> None:
        u = self._u_product._writable_buffer()
        dt = u.dtype.type
        np.multiply(u, dt(self.beta_1), out=u)
        np.multiply(u, 1.0 - 0.5 * np.power(dt(0.96), dt(self._local_step)), out=u)

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        beta_1, beta_2 = keras_cast(self.beta_1, dt), keras_cast(self.beta_2, dt)
        decay, step = keras_cast(0.96, dt), dt(self._local_step)
        u_t = beta_1 * (1.0 - 0.5 * np.power(decay, step))
        u_t_1 = beta_1 * (1.0 - 0.5 * np.power(decay, step + 1))
        u_product_t = dt(self._u_product.numpy())
        return (lr, 1 - beta_1, 1 - beta_2, u_t_1, 1 - u_product_t * u_t_1, 1 - u_t,
                1 - u_product_t, 1 - np.power(beta_2, step), dt(self.epsilon))

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        lr, rest_1, rest_2, u_t_1, rest_product_t_1, rest_u_t, rest_product_t, \
            bias_2, epsilon = constants
        m = self._state(self._momentums[index], part)
        v = self._state(self._velocities[index], part)
        t, t2 = self._scratch_for(w)
        np.subtract(g, m, out=t)
        np.multiply(t, rest_1, out=t)
        np.add(m, t, out=m)                                        # m += (g - m)(1 - b1)
        np.square(g, out=t)
        np.subtract(t, v, out=t)
        np.multiply(t, rest_2, out=t)
        np.add(v, t, out=v)                                        # v += (g^2 - v)(1 - b2)
        np.multiply(m, u_t_1, out=t)
        np.divide(t, rest_product_t_1, out=t)
        np.multiply(g, rest_u_t, out=t2)
        np.divide(t2, rest_product_t, out=t2)
        np.add(t, t2, out=t)     # m_hat = u_t+1 m / (1 - prod_t+1) + (1 - u_t) g / (1 - prod_t)
        np.divide(v, bias_2, out=t2)
        np.sqrt(t2, out=t2)
        np.add(t2, epsilon, out=t2)
        np.multiply(t, lr, out=t)
        np.divide(t, t2, out=t)
        np.subtract(w, t, out=w)                           # w -= lr m_hat / (sqrt v_hat + eps)


_BY_NAME = {cls.__name__.lower(): cls
            for cls in (Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Nadam)}


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` for an optimizer (Keras's layout).

    >>> import tapeflow as tf
    >>> tf.keras.optimizers.serialize(tf.keras.optimizers.SGD(0.5))["class_name"]
    'SGD'
    """
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """The optimizer ``serialize`` described (built-in names match case-insensitively).

    >>> import tapeflow as tf
    >>> K = tf.keras.optimizers
    >>> K.deserialize(K.serialize(K.Adam(0.5, beta_1=0.8))).beta_1
    0.8
    """
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Could not locate class '{name}'. Make sure custom classes are "
                         "decorated with `@keras.saving.register_keras_serializable()`.")
    return cls.from_config(dict(config.get("config", {})), custom_objects)


def get(identifier: Any) -> Optimizer | None:
    """An optimizer from a name (``"adam"``), a ``serialize`` dict, or an optimizer.

    >>> import tapeflow as tf
    >>> type(tf.keras.optimizers.get("rmsprop")).__name__
    'RMSprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
    elif isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        identifier = deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, Optimizer):
        return identifier
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
