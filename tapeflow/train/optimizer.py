"""``tf.keras.optimizers.Optimizer``: the base class of tapeflow's Keras 3 optimizers
(the algorithms are in optimizers.py).

Each step updates every variable IN PLACE: ``Variable._writable_buffer()``
gives the value's buffer (copied first only if a Tensor handed out still
holds it), and the state (momentum, velocity, ...) lives in non-trainable
Variables whose buffers are updated the same way, with ``out=`` ufuncs,
chunk by chunk (``_CHUNK`` elements) with two chunk-sized scratch arrays per
dtype.  The arithmetic follows Keras 3's ``update_step`` op for op, in the
variable's dtype (epsilon where Keras puts it), so trajectories match Keras to
float32 rounding.

``apply_gradients`` checks every gradient (shape, dtype, known variable)
before it writes anything: a failure leaves every variable as it was.
"""

from __future__ import annotations

import collections
import re
import warnings
from typing import Any

import numpy as np

from tapeflow.autodiff.tape import GradientTape
from tapeflow.core.dtypes import from_numpy
from tapeflow.core.errors import InvalidArgumentError, shape_str
from tapeflow.core.frames import user_stacklevel
from tapeflow.core.tensor import Tensor, convert_to_tensor, wrap
from tapeflow.core.variable import Variable
from tapeflow.train import schedules
from tapeflow.train.schedules import LearningRateSchedule

__all__ = ["Optimizer", "keras_cast"]

_name_uids: collections.defaultdict = collections.defaultdict(int)


def _auto_name(class_name: str) -> str:
    """Keras's ``auto_name``: snake case, then ``_1``, ``_2``... for repeats."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    unique = f"{name}_{_name_uids[name]}" if name in _name_uids else name
    _name_uids[name] += 1
    return unique


def keras_cast(value: Any, dt: type) -> Any:
    """``ops.cast(value, dtype)`` as Keras 3 on TF computes it: a Python float becomes
    a float32 tensor first, so a float64 variable sees ``float64(float32(value))``.
    (Python numbers that meet a tensor in ``ops.add``/``ops.multiply``... keep full
    precision: there the algorithms write ``dt(value)``.)"""
    return dt(np.float32(value)) if isinstance(value, float) else dt(value)


# Built-in optimizers update a variable this many elements at a time: their
# scratch arrays are then two such chunks per dtype (1 MiB each in float32),
# not two arrays the size of the largest weight held between steps (the large
# MLP benchmark's step held 25 MB of them).  Measured on a (2048, 2048) float32
# weight, per step: SGD 1.69 -> 1.31 ms, Adam 9.7 -> 7.2 ms (the chunks stay in
# cache); 2^15-element chunks were slower for SGD (2.3 ms: ufunc call overhead).
_CHUNK = 1 << 18


class Optimizer:
    """Base class of the Keras 3 optimizers: learning rate (float, schedule or
    callable), weight decay, gradient clipping, EMA and gradient accumulation.

    Subclasses either override ``_apply_one`` (NumPy, in place: the built-in
    optimizers) or, as in Keras, ``build`` and ``update_step`` written with
    tapeflow ops and ``self.assign*``.

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0])
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    >>> with tf.GradientTape() as tape:
    ...     loss = tf.reduce_sum(w * w)
    >>> _ = opt.apply_gradients([(tape.gradient(loss, w), w)])
    >>> w.numpy(), int(opt.iterations)
    (array([0.8, 1.6], dtype=float32), 1)
    """

    _config_keys: tuple = ()

    def __init__(self, learning_rate: Any, weight_decay: Any = None, clipnorm: Any = None,
                 clipvalue: Any = None, global_clipnorm: Any = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: Any = None, gradient_accumulation_steps: int | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=user_stacklevel())
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = _auto_name(type(self).__name__) if name is None else name
        self.weight_decay, self.clipnorm = weight_decay, clipnorm
        self.global_clipnorm, self.clipvalue = global_clipnorm, clipvalue
        self.use_ema, self.loss_scale_factor = use_ema, loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum, self.ema_overwrite_frequency = ema_momentum, ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.built = False
        self._variables: list[Variable] = []
        self._trainable_variables: list[Variable] = []
        self._indices: dict[int, int] = {}
        self._scratch: dict[np.dtype, list[np.ndarray]] = {}
        self._scratch_views: dict[tuple, tuple] = {}  # (dtype, shape) -> views of _scratch
        self._deferred_state: dict[str, np.ndarray] = {}  # restored before the slots exist
        self._iterations = self._new_variable(np.int64(0), "iteration")
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        elif not isinstance(learning_rate, float):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                "value and returns the corresponding learning rate value). "
                f"Received instead: learning_rate={learning_rate}")
        else:
            self._learning_rate = self._new_variable(np.float32(learning_rate), "learning_rate")

    # -- state -------------------------------------------------------------
    def _new_variable(self, value: Any, name: str, trainable: bool = False) -> Variable:
        v = Variable(value, trainable=trainable, name=f"{self.name}/{name}")
        self._variables.append(v)
        return v

    @property
    def variables(self) -> list:
        """The optimizer's own Variables (iteration, learning rate, slots), in Keras's order."""
        return self._variables[:]

    @property
    def iterations(self) -> Any:
        """The step counter (an int64 Variable; steps // accumulation with accumulation)."""
        if self.gradient_accumulation_steps:
            return self._iterations.value() // self.gradient_accumulation_steps
        return self._iterations

    @property
    def learning_rate(self) -> Any:
        """The current learning rate: the Variable, or the schedule's value at this step.

        >>> import tapeflow as tf
        >>> opt = tf.keras.optimizers.Adam(0.01)
        >>> opt.learning_rate = 0.5
        >>> float(opt.learning_rate)
        0.5
        """
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable) or not callable(lr):
            return lr
        return lr()

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        previous = self._learning_rate
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
            if isinstance(previous, Variable):
                self._variables = [v for v in self._variables if v is not previous]
        elif isinstance(previous, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument.")
        elif isinstance(previous, Variable):
            previous.assign(learning_rate)
        else:
            self._learning_rate = self._new_variable(np.float32(learning_rate), "learning_rate")

    def _learning_rate_value(self) -> Any:
        """This step's learning rate as a NumPy scalar or Python number."""
        lr = self.learning_rate
        if isinstance(lr, Variable):
            return lr.numpy()
        return lr._value if isinstance(lr, Tensor) else lr

    def build(self, var_list: list) -> None:
        """Create the state for ``var_list`` (called by the first ``apply_gradients``)."""
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"The optimizer can only update tf.Variables; got {v!r}")
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = []
        for i, v in enumerate(var_list):
            self._indices[v._id] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(v, "gradient_accumulator"))
        self._trainable_variables = list(var_list)
        self.built = True

    def add_variable(self, shape: Any, initializer: Any = "zeros", dtype: Any = None,
                     name: str | None = None) -> Variable:
        """A new non-trainable optimizer Variable (``initializer``: "zeros", "ones",
        a number, or a callable ``(shape, dtype)``)."""
        dtype = np.dtype(getattr(dtype, "_np", dtype) or np.float32)
        if callable(initializer):
            value = initializer(shape, dtype)
        else:
            fill = {"zeros": 0, "ones": 1}.get(initializer, initializer)
            value = np.full(tuple(shape), keras_cast(fill, dtype.type), dtype)
        return self._new_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable: Variable, name: str | None = None,
                                    initializer: Any = "zeros") -> Variable:
        """A Variable shaped like ``reference_variable`` named ``<ref>_<name>`` (Keras)."""
        ref = str(reference_variable.name).replace("/", "_").replace(":", "_")
        return self.add_variable(tuple(reference_variable.shape), initializer,
                                 reference_variable.dtype, f"{ref}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables: list, name: Any,
                                initializer: Any = "zeros") -> Any:
        """One Variable per variable and name, interleaved per variable (Keras's order);
        a list for one name, a tuple of lists for several."""
        names = [name] if isinstance(name, str) else list(name)
        made: tuple = tuple([] for _ in names)
        for v in trainable_variables:
            for slot, slot_name in zip(made, names):
                slot.append(self.add_variable_from_reference(v, slot_name, initializer))
        return made[0] if isinstance(name, str) else made

    def _get_variable_index(self, variable: Variable) -> int:
        return self._indices[variable._id]

    # -- applying gradients ------------------------------------------------
    def apply_gradients(self, grads_and_vars: Any) -> Variable:
        """Apply ``(gradient, variable)`` pairs; returns the ``iterations`` Variable.

        ``None`` gradients are skipped with Keras's warning; every gradient is
        checked before any variable changes.
        """
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads: Any, trainable_variables: Any = None) -> None:
        """Apply ``grads`` to ``trainable_variables`` (default: those built with)."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first. ")
            if len(grads) != len(self._indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    "match `optimizer.variables` one-to-on. Received a list of "
                    f"{len(grads)} gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
                self.built = True
                if self._deferred_state:
                    self._restore_checkpoint_state(self._deferred_state)
            for v in trainable_variables:
                if getattr(v, "_id", None) not in self._indices:
                    raise ValueError(
                        f"Unknown variable: {v}. This optimizer can only be called for the "
                        "variables it was originally built with. When working with a new "
                        "set of variables, you should recreate a new optimizer instance.")
        grads, variables = _filter_empty_gradients(grads, trainable_variables)
        arrays = [_gradient_array(g, v) for g, v in zip(grads, variables)]
        if self.loss_scale_factor is not None:
            arrays = [g / self.loss_scale_factor for g in arrays]
        lr = self._learning_rate_value()
        with np.errstate(all="ignore"):  # inf and NaN propagate silently, as in TF
            if self.gradient_accumulation_steps:
                self._accumulate(arrays, variables, lr)
            else:
                self._update(arrays, variables, lr)
            if self.use_ema:
                self._update_moving_averages()
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v))
        # Item assignment, not np.add(counter, 1, out=counter): 0.1 us, not 1 us (a ufunc
        # on a 0-d array and a Python int).
        counter = self._iterations._writable_buffer()
        counter[()] += 1

    def _update(self, arrays: list, variables: list, lr: Any) -> None:
        arrays = self._clip_gradients(arrays)
        self._local_step = int(self.iterations) + 1
        self._before_updates()
        constants_by_dtype: dict[type, tuple] = {}
        chunked = type(self)._apply_one is not Optimizer._apply_one
        decaying, indices = self.weight_decay is not None, self._indices
        for g, v in zip(arrays, variables):
            w = v._writable_buffer()
            dt = w.dtype.type
            if g.dtype != w.dtype:
                g = g.astype(w.dtype)  # Keras casts the gradient in update_step
            constants = constants_by_dtype.get(dt)
            if constants is None:
                constants = self._step_constants(dt, keras_cast(lr, dt))
                if chunked:  # NumPy scalars as 0-d arrays, typed alike (NEP 50): the same
                    # bits, but a ufunc then takes 0.3 us, not 0.5, on a small variable
                    # (Adam: four per variable).  Python numbers promote weakly: kept.
                    constants = tuple([np.asarray(c) if isinstance(c, np.generic) else c
                                       for c in constants])
                constants_by_dtype[dt] = constants
            decay = decaying and self._use_weight_decay(v)
            index = indices[v._id]
            if not chunked or w.size <= _CHUNK:  # whole: part None (_state gives it all)
                if decay:
                    self._decay(w, dt, constants[0])
                self._apply_one(index, g, v, w, constants, None)
                continue
            # Chunk by chunk (see _CHUNK): the scratch arrays stay small and in cache.
            # (_writable_buffer is C-contiguous, so reshape(-1) is a view.)
            flat_w, flat_g = w.reshape(-1), g.reshape(-1)
            for start in range(0, flat_w.size, _CHUNK):
                part = slice(start, start + _CHUNK)
                wp = flat_w[part]
                if decay:
                    self._decay(wp, dt, constants[0])
                self._apply_one(index, flat_g[part], v, wp, constants, part)

    def _decay(self, w: np.ndarray, dt: type, lr: Any) -> None:
        """``w -= w * weight_decay * lr``, before the step (Keras, TF)."""
        if w.size > _CHUNK:  # a whole variable (a Keras-style update_step): by chunks
            flat_w = w.reshape(-1)
            for start in range(0, flat_w.size, _CHUNK):
                self._decay(flat_w[start:start + _CHUNK], dt, lr)
            return
        (t,) = self._scratch_for(w, 1)
        np.multiply(w, keras_cast(self.weight_decay, dt), out=t)
        np.multiply(t, lr, out=t)
        np.subtract(w, t, out=w)

    def _accumulate(self, arrays: list, variables: list, lr: Any) -> None:
        """Gradient accumulation: add up ``steps - 1`` calls, apply the mean on the last."""
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulated_gradients[self._indices[v._id]] for v in variables]
        if (int(self._iterations.numpy()) + 1) % steps:
            for g, acc in zip(arrays, accumulators):
                buf = acc._writable_buffer()
                np.add(buf, g, out=buf, casting="unsafe")
            return
        arrays = [(g + acc.numpy()) / steps for g, acc in zip(arrays, accumulators)]
        self._update(arrays, variables, lr)
        for acc in self._accumulated_gradients:
            acc._writable_buffer().fill(0)

    def _clip_gradients(self, arrays: list) -> list:
        """Keras's clipping: clipnorm (TF's clip_by_norm), global_clipnorm, clipvalue."""
        if self.clipnorm and self.clipnorm > 0:
            c = self.clipnorm
            return [(g * c) / np.maximum(np.sqrt(np.sum(g * g, keepdims=True)), c)
                    for g in arrays]
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = self.global_clipnorm
            norm = np.sqrt(np.sum(np.stack([np.sum(np.square(g)) for g in arrays])))
            # A finite norm adds 0; inf or NaN makes every gradient NaN (Keras).
            scale = c * np.minimum(1.0 / norm, 1.0 / c) + (norm - norm)
            return [g * scale for g in arrays]
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in arrays]
        return arrays

    def _scratch_for(self, w: np.ndarray, count: int = 2) -> tuple[np.ndarray, ...]:
        """``count`` work arrays shaped like the chunk ``w`` (at most _CHUNK elements):
        views of buffers shared by all variables of one dtype, made on first need
        (plain SGD never asks for a second one).  The buffers never move, so the views
        are kept per (dtype, shape): 0.3 us a call, not 1.1 (slicing and reshaping)."""
        key = (w.dtype, w.shape)
        views = self._scratch_views.get(key)
        if views is None or len(views) < count:
            arrays = self._scratch.setdefault(w.dtype, [])
            while len(arrays) < count:
                arrays.append(np.empty(_CHUNK, w.dtype))
            n = w.size
            views = self._scratch_views[key] = tuple(a[:n].reshape(w.shape) for a in arrays)
        return views[:count]

    @staticmethod
    def _state(variable: Variable, part: slice | None) -> np.ndarray:
        """The chunk ``part`` of a state variable's flat buffer (None: the whole
        buffer, in its shape), to update in place."""
        buf = variable._writable_buffer()
        return buf if part is None else buf.reshape(-1)[part]

    def _before_updates(self) -> None:
        """Once per step, before the per-variable updates (Nadam's running product)."""

    def _step_constants(self, dt: type, lr: Any) -> tuple:
        """This step's scalars in dtype ``dt`` (the learning rate first), computed once
        per step and dtype, not once per variable."""
        return (lr,)

    def _apply_one(self, index: int, g: np.ndarray, variable: Variable, w: np.ndarray,
                   constants: tuple, part: slice | None) -> None:
        """One variable's update (built-in optimizers: of its chunk ``part``, with
        ``g`` and ``w`` that chunk of the flat gradient and buffer, or the whole of
        them for None); the default runs a Keras-style ``update_step`` on the
        whole variable."""
        self.update_step(wrap(g), variable, convert_to_tensor(constants[0]))

    def update_step(self, gradient: Tensor, variable: Variable, learning_rate: Tensor) -> None:
        """Keras's extension point: update ``variable`` with tapeflow ops and ``assign*``."""
        raise NotImplementedError

    def assign(self, variable: Variable, value: Any) -> None:
        variable.assign(convert_to_tensor(value).numpy().astype(variable.dtype._np))

    def assign_add(self, variable: Variable, value: Any) -> None:
        variable.assign_add(convert_to_tensor(value).numpy().astype(variable.dtype._np))

    def assign_sub(self, variable: Variable, value: Any) -> None:
        variable.assign_sub(convert_to_tensor(value).numpy().astype(variable.dtype._np))

    # -- weight decay and EMA ------------------------------------------------
    def exclude_from_weight_decay(self, var_list: Any = None, var_names: Any = None) -> None:
        """Skip weight decay for ``var_list`` and for variables whose name contains
        any of ``var_names``.

        >>> import tapeflow as tf
        >>> opt = tf.keras.optimizers.AdamW()
        >>> opt.exclude_from_weight_decay(var_names=["bias"])
        """
        self._excluded_ids = {v._id for v in var_list or ()}
        self._excluded_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._weight_decay_cache: dict[int, bool] = {}

    def _use_weight_decay(self, variable: Variable) -> bool:
        cache = self.__dict__.setdefault("_weight_decay_cache", {})
        use = cache.get(variable._id)
        if use is None:
            pattern = getattr(self, "_excluded_pattern", None)
            use = cache[variable._id] = variable._id not in getattr(self, "_excluded_ids", ()) \
                and not (pattern is not None and pattern.search(variable.name))
        return use

    def _update_moving_averages(self) -> None:
        """``average = m * average + (1 - m) * variable`` (m = 0 on the first step)."""
        step = int(self.iterations)
        for v, average in zip(self._trainable_variables, self._model_variables_moving_average):
            flat_a = average._writable_buffer().reshape(-1)
            flat_w = v._writable_buffer().reshape(-1)
            m = flat_a.dtype.type(self.ema_momentum if step != 0 else 0.0)
            for start in range(0, flat_a.size, _CHUNK):
                a, w = flat_a[start:start + _CHUNK], flat_w[start:start + _CHUNK]
                (t,) = self._scratch_for(a, 1)
                np.multiply(a, m, out=a)
                np.multiply(w, 1 - m, out=t)
                np.add(a, t, out=a)
        freq = self.ema_overwrite_frequency
        if freq and (step + 1) % freq == 0:
            self._overwrite_with_averages(self._trainable_variables)

    def _overwrite_with_averages(self, var_list: list) -> None:
        if len(var_list) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match "
                "the length of model variables stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please check if the "
                "optimizer was called on your model.")
        for v, average in zip(var_list, self._model_variables_moving_average):
            np.copyto(v._writable_buffer(), average.numpy())

    def finalize_variable_values(self, var_list: list) -> None:
        """With ``use_ema=True``, overwrite ``var_list`` with their moving averages."""
        if self.use_ema:
            self._overwrite_with_averages(list(var_list))

    # -- gradients from a loss -------------------------------------------------
    def compute_gradients(self, loss: Any, var_list: Any, tape: GradientTape | None = None
                          ) -> list:
        """``[(gradient, variable), ...]`` of ``loss`` (a callable, or a Tensor with ``tape``)."""
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                             f"Received: loss={loss}, tape={tape}.")
        if tape is None:
            tape = GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        var_list = list(var_list)
        return list(zip(tape.gradient(loss, var_list), var_list))

    def minimize(self, loss: Any, var_list: Any, tape: GradientTape | None = None) -> Variable:
        """One step on ``loss``: a zero-argument callable, or a Tensor recorded by ``tape``.

        >>> import tapeflow as tf
        >>> x = tf.Variable(3.0)
        >>> opt = tf.keras.optimizers.SGD(0.25)
        >>> _ = opt.minimize(lambda: x * x, [x])
        >>> float(x)
        1.5
        """
        return self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    # -- checkpoints (the state protocol of tapeflow.train.checkpoint) ---------------
    def _checkpoint_state(self) -> dict:
        """The optimizer's Variables under TF's keys for a Keras 3 optimizer:
        ``_iterations``, ``_learning_rate`` and ``_variables/<index>`` for the rest."""
        state = {"_iterations": self._iterations}
        if isinstance(self._learning_rate, Variable):
            state["_learning_rate"] = self._learning_rate
        for i, v in enumerate(self._variables):
            if v is not self._iterations and v is not self._learning_rate:
                state[f"_variables/{i}"] = v
        return state

    def _restore_checkpoint_state(self, state: dict) -> None:
        """Assign the saved values; those of state not built yet wait for ``build``
        (as TF defers them), checked for shape and dtype before anything changes."""
        current = self._checkpoint_state()
        for name, value in state.items():
            v = current.get(name)
            if v is not None and (tuple(v.shape) != np.shape(value)
                                  or v.dtype._np != np.asarray(value).dtype):
                raise ValueError(f"Cannot restore optimizer state {name!r} of shape "
                                 f"{tuple(v.shape)} and dtype {v.dtype.name} from a value of "
                                 f"shape {np.shape(value)} and dtype {np.asarray(value).dtype}.")
        self._deferred_state = {n: value for n, value in state.items() if n not in current}
        for name, value in state.items():
            if name in current:
                current[name].assign(value)

    # -- configuration ---------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments (the learning rate as a float or a schedule)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            lr = float(lr.numpy())
        elif isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        config = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                  "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                  "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "loss_scale_factor": self.loss_scale_factor,
                  "gradient_accumulation_steps": self.gradient_accumulation_steps}
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: Any = None) -> Optimizer:
        """An optimizer built from ``get_config()``'s dictionary (no state)."""
        if isinstance(config.get("learning_rate"), dict):
            config = {**config, "learning_rate": schedules.deserialize(
                config["learning_rate"], custom_objects)}
        return cls(**config)


def _filter_empty_gradients(grads: Any, variables: list) -> tuple[Any, list]:
    for g in grads:
        if g is None:
            break
    else:
        return grads, variables  # the common case, without building new lists
    kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
    if not kept:
        raise ValueError("No gradients provided for any variable.")
    if len(kept) < len(variables):
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                      "loss. If using `model.compile()`, did you forget to provide a `loss` "
                      "argument?", stacklevel=user_stacklevel())
    return [g for g, _ in kept], [v for _, v in kept]


def _gradient_array(g: Any, v: Variable) -> np.ndarray:
    """``g`` as an array, or a clear error naming ``v`` if it cannot update ``v``."""
    arr = g._value if type(g) is Tensor else convert_to_tensor(g)._value
    if arr.shape == v._tensor._value.shape and arr.dtype.kind in "biuf":
        return arr  # the common case, checked without building TensorShape/DType objects
    want = v.dtype
    if arr.shape != tuple(v.shape):
        raise InvalidArgumentError(
            None, None, f"Cannot update variable '{v.name}' with shape {shape_str(v.shape)} "
            f"using a gradient with shape {shape_str(arr.shape)}, shapes must be equal.")
    if arr.dtype.kind not in "biuf" and not (arr.dtype.kind == "c" and want.is_complex):
        raise TypeError(f"Cannot update variable '{v.name}' of dtype {want.name} using a "
                        f"gradient of dtype {from_numpy(arr.dtype).name}.")
    return arr
