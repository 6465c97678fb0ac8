"""``tf.train.Checkpoint``: save and restore the Variables an object graph holds.

Object graph and keys
---------------------
A ``Checkpoint(**kwargs)`` tracks its keyword arguments (and attributes set on
it later).  From them it walks, breadth first, every reachable

- ``Variable`` (a leaf: one array),
- object with the state protocol below (a leaf: a dict of arrays),
- ``list``/``tuple`` (children ``"0"``, ``"1"``, ...), ``dict`` (string keys),
- nested ``Checkpoint``, and any other object with a ``__dict__`` (a
  ``tf.Module``-like object: its attributes, private ones included, as TF's).

Tensors, NumPy arrays, numbers, strings, functions, classes and modules are
not tracked.  A leaf's key is its path of names joined by ``/``, e.g.
``model/layers/0/kernel``; as in TF, ``.`` in a name is written ``..`` and
``/`` is written ``.S``.  An object reachable by several paths is saved once,
under its shortest path (the first found breadth first); restoring matches by
these keys, so the saving and restoring programs must build the same paths.
``save()`` adds the checkpoint's own counter, ``save_counter`` (int64).

The state protocol (optimizers)
-------------------------------
An object whose state is not (only) Variables in attributes implements two
methods, and is then a leaf (its attributes are not walked):

- ``_checkpoint_state() -> dict[str, array or Variable]``: the arrays to save.
  Names are non-empty strings (``/`` allowed); the key of name ``n`` of an
  object at path ``p`` is ``p/n``.
- ``_restore_checkpoint_state(state: dict[str, numpy.ndarray])``: receives every
  checkpointed name under ``p/`` (even names the object has not created yet,
  e.g. slots made lazily, which it may keep until it creates them).  Entries
  whose names ``_checkpoint_state()`` reports now are checked for shape and
  dtype before anything is restored; the method must check the rest itself
  and raise before changing anything if it refuses.

Restoring
---------
``restore``/``read`` read and verify the whole file first (see
:mod:`tapeflow.train.checkpoint_format`), then check every matched value's
shape and dtype, and only then restore: state-protocol objects first, then
Variables via ``assign`` (Tensors read earlier keep their old values).  A
mismatch raises (``ValueError`` for shapes, ``InvalidArgumentError`` for
dtypes, as TF) with no Variable changed.  Objects created after a restore are
not restored later (TF defers; tapeflow only defers ``save_counter``).

>>> import tempfile, tapeflow as tf
>>> class Dense:
...     def __init__(self):
...         self.kernel = tf.Variable([[1.0, 2.0]])
>>> ckpt = Checkpoint(model=Dense(), step=tf.Variable(7))
>>> path = ckpt.save(tempfile.mkdtemp() + "/ckpt")
>>> path.endswith("ckpt-1"), sorted(k for k, _ in list_variables(path))
(True, ['model/kernel', 'save_counter', 'step'])
>>> _ = ckpt.model.kernel.assign([[0.0, 0.0]])
>>> _ = ckpt.restore(path).assert_consumed()
>>> ckpt.model.kernel.numpy()
array([[1., 2.]], dtype=float32)
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import types
import weakref
from typing import Any

import numpy as np

from tapeflow.core.dtypes import from_numpy
from tapeflow.core.errors import InvalidArgumentError, NotFoundError
from tapeflow.core.tensor import Tensor
from tapeflow.core.variable import Variable
from tapeflow.train import checkpoint_format
from tapeflow.train.checkpoint_management import (
    CheckpointManager,
    CheckpointState,
    _fspath,
    get_checkpoint_state,
    latest_checkpoint,
    update_checkpoint_state,
)

__all__ = ["Checkpoint", "CheckpointManager", "CheckpointLoadStatus", "CheckpointState",
           "InitializationOnlyStatus", "latest_checkpoint", "get_checkpoint_state",
           "list_variables", "load_variable"]

_log = logging.getLogger(__name__)
_SAVE_COUNTER = "save_counter"
_NOT_TRACKED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, functools.partial, weakref.ref, Tensor, np.ndarray, np.generic,
                str, bytes, int, float, complex, type(None))


# -- the object graph -------------------------------------------------------------------
def _has_state(obj: Any) -> bool:
    return callable(getattr(obj, "_checkpoint_state", None)) and \
        callable(getattr(obj, "_restore_checkpoint_state", None))


def _is_trackable(value: Any) -> bool:
    if isinstance(value, (Variable, Checkpoint, list, tuple, dict)):
        return True
    if isinstance(value, _NOT_TRACKED):
        return False
    return _has_state(value) or isinstance(getattr(value, "__dict__", None), dict)


def _escape(name: str) -> str:
    """TF's escaping of one path component: ``.`` -> ``..``, ``/`` -> ``.S``."""
    return name.replace(".", "..").replace("/", ".S")


def _children(obj: Any) -> list[tuple[str, Any]]:
    """The named trackable children of ``obj``, in a stable order."""
    if isinstance(obj, Checkpoint):
        items = obj._top_children()
    elif isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, str):
                items.append((key, value))
            elif _is_trackable(value):
                raise ValueError(
                    f"Unable to save the object {obj!r}. The dictionary contains a non-string "
                    f"key ({key!r}) which maps to a trackable object or mutable data structure.")
    elif isinstance(obj, (list, tuple)):
        items = [(str(i), value) for i, value in enumerate(obj)]
    else:
        items = list(vars(obj).items())
    return [(name, value) for name, value in items if _is_trackable(value)]


def _walk(root: Any) -> tuple[dict[str, Variable], dict[str, Any]]:
    """Breadth first from ``root``: key -> Variable and path -> state-protocol object.

    Each object is visited once, so a shared one gets its shortest path.
    """
    variables: dict[str, Variable] = {}
    states: dict[str, Any] = {}
    seen: set[int] = {id(root)}
    queue = collections.deque(_escaped_children(root))
    while queue:
        path, obj = queue.popleft()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Variable):
            variables[path] = obj
        elif _has_state(obj):
            states[path] = obj
        else:
            queue.extend((f"{path}/{_escape(name)}", child) for name, child in _children(obj))
    return variables, states


def _escaped_children(obj: Any) -> list[tuple[str, Any]]:
    return [(_escape(name), value) for name, value in _children(obj)]


def _state_of(path: str, obj: Any) -> dict[str, Any]:
    state = obj._checkpoint_state()
    if not isinstance(state, dict) or not all(isinstance(n, str) and n for n in state):
        raise TypeError(f"{type(obj).__name__}._checkpoint_state() (at {path!r}) must return a "
                        f"dict of non-empty string names to arrays or Variables")
    return state


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, Variable):
        # The current buffer, read without a tape seeing it; Tensors never change it.
        return value._tensor._value
    if isinstance(value, Tensor):
        return value._value
    return np.asarray(value)


def _collect_arrays(root: Any) -> dict[str, np.ndarray]:
    variables, states = _walk(root)
    arrays = {key: _as_array(var) for key, var in variables.items()}
    for path, obj in states.items():
        for name, value in _state_of(path, obj).items():
            key = f"{path}/{name}"
            if key in arrays:
                raise ValueError(f"Two checkpointed values share the key {key!r}")
            arrays[key] = _as_array(value)
    return arrays


# -- restoring --------------------------------------------------------------------------
class _Restore:
    """What one read matched and restored; shared by its status and the checkpoint."""

    def __init__(self, root: Any, save_path: str, keys: set[str]) -> None:
        self.root = root
        self.save_path = save_path
        self.keys = keys
        self.consumed: set[str] = set()
        self.variables: list[Variable] = []            # restored, kept for identity checks
        self.state_names: dict[int, tuple[Any, set[str]]] = {}
        self.expect_partial = False

    def unused_keys(self) -> list[str]:
        return sorted(self.keys - self.consumed)


def _check_compatible(key: str, shape: tuple, dtype: np.dtype, arr: np.ndarray,
                      save_path: str) -> None:
    if tuple(arr.shape) != tuple(shape):
        raise ValueError(f"Received incompatible tensor with shape {tuple(arr.shape)} when "
                         f"attempting to restore variable with shape {tuple(shape)} and name "
                         f"{key} (checkpoint {save_path}); nothing was restored.")
    if arr.dtype != dtype:
        raise InvalidArgumentError(
            None, None, f"tensor_name = {key}; expected dtype {from_numpy(dtype).name} does "
                        f"not equal original dtype {from_numpy(arr.dtype).name} (checkpoint "
                        f"{save_path}); nothing was restored. [Op:RestoreV2]")


def _plan(root: Any, arrays: dict[str, np.ndarray], record: _Restore) -> list:
    """Match and check everything; return the restore actions, having changed nothing."""
    variables, states = _walk(root)
    actions = []
    for path, obj in states.items():
        prefix = path + "/"
        given = {key[len(prefix):]: arr for key, arr in arrays.items() if key.startswith(prefix)}
        current = _state_of(path, obj)
        for name in given.keys() & current.keys():
            now = _as_array(current[name])
            _check_compatible(prefix + name, now.shape, now.dtype, given[name], record.save_path)
        if given:
            actions.append((obj, given))
            record.consumed.update(prefix + name for name in given)
            record.state_names[id(obj)] = (obj, set(given))
    for key, var in variables.items():
        if key in arrays:
            now = var._tensor._value
            _check_compatible(key, now.shape, now.dtype, arrays[key], record.save_path)
            actions.append((var, arrays[key]))
            record.consumed.add(key)
            record.variables.append(var)
    return actions


def _apply(actions: list) -> None:
    for target, value in actions:
        if isinstance(target, Variable):
            target.assign(value)
        else:
            target._restore_checkpoint_state(value)


def _warn_unused(record: _Restore) -> None:
    unused = record.unused_keys()
    if unused and not record.expect_partial:
        _log.warning("Detecting that an object or model or tf.train.Checkpoint is being deleted "
                     "with unrestored values. To silence these warnings, use "
                     "`status.expect_partial()`. Values in checkpoint %s that could not be "
                     "found in the restored object: %s", record.save_path, unused)


class CheckpointLoadStatus:
    """What ``Checkpoint.restore``/``read`` matched, with TF's assertions.

    Each assertion returns the status (to chain) or raises AssertionError.
    "Python objects" are the Variables (and state-protocol entries) reachable
    from the checkpoint's root *now*.

    >>> import tempfile, tapeflow as tf
    >>> path = Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0)).write(tempfile.mkdtemp() + "/c")
    >>> status = Checkpoint(a=tf.Variable(0.0)).read(path)
    >>> status.assert_existing_objects_matched() is status   # `a` got its value...
    True
    >>> # ... but the checkpoint's `b` found no Python object:
    >>> status.expect_partial().assert_consumed()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: Unresolved object in checkpoint (root).b: ...
    """

    def __init__(self, record: _Restore) -> None:
        self._record = record
        weakref.finalize(self, _warn_unused, record)

    def _unmatched_python_objects(self) -> list[str]:
        record = self._record
        variables, states = _walk(record.root)
        restored = {id(v) for v in record.variables}
        unmatched = [f"{key}: {var!r}" for key, var in variables.items()
                     if id(var) not in restored]
        for path, obj in states.items():
            given = record.state_names.get(id(obj), (None, set()))[1]
            unmatched += [f"{path}/{name}: (state of {type(obj).__name__})"
                          for name in _state_of(path, obj) if name not in given]
        return unmatched

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Fail if a Python object reachable from the root got no value from the checkpoint."""
        unmatched = self._unmatched_python_objects()
        if unmatched:
            shown = min(10, len(unmatched))
            raise AssertionError(
                f"Found {len(unmatched)} Python objects that were not bound to checkpointed "
                f"values, likely due to changes in the Python program. Showing {shown} of "
                f"{len(unmatched)} unmatched objects: {unmatched[:shown]} (checkpoint "
                f"{self._record.save_path})")
        return self

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Fail unless every Python object was restored and every checkpointed value used."""
        self.assert_existing_objects_matched()
        unused = self._record.unused_keys()
        if unused:
            more = f" (and {len(unused) - 1} more: {unused[1:11]})" if len(unused) > 1 else ""
            raise AssertionError(
                f"Unresolved object in checkpoint (root).{unused[0].replace('/', '.')}: the "
                f"value {unused[0]!r} in checkpoint {self._record.save_path} has no matching "
                f"Python object{more}")
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        """Fail if nothing but the root matched (no checkpointed value was restored)."""
        if not self._record.consumed:
            unmatched = self._unmatched_python_objects()
            if unmatched:
                raise AssertionError(
                    "Nothing except the root object matched a checkpointed value. Typically "
                    "this means that the checkpoint does not match the Python program. The "
                    f"following objects have no matching checkpointed value: {unmatched}")
            raise AssertionError(f"Nothing to load. No dependencies have been added to "
                                 f"{self._record.root!r} yet.")
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Silence the warning about unused checkpoint values when this status is deleted."""
        self._record.expect_partial = True
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run: restoring is eager."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Nothing to run: restoring is eager."""


class InitializationOnlyStatus:
    """The status of ``restore(None)``: nothing restored, so every assertion fails (as TF).

    >>> Checkpoint().restore(None).expect_partial().assert_consumed()
    Traceback (most recent call last):
    AssertionError: No checkpoint specified (save_path=None); nothing is being restored.
    """

    _NOTHING = "No checkpoint specified (save_path=None); nothing is being restored."

    def __init__(self, root: Any) -> None:
        self._root = root

    def assert_consumed(self) -> InitializationOnlyStatus:
        raise AssertionError(self._NOTHING)

    def assert_existing_objects_matched(self) -> InitializationOnlyStatus:
        raise AssertionError(self._NOTHING)

    def assert_nontrivial_match(self) -> InitializationOnlyStatus:
        raise AssertionError(self._NOTHING)

    def expect_partial(self) -> InitializationOnlyStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        raise AssertionError("No checkpoint specified, so no restore ops are available "
                             "(save_path=None to Saver.restore).")

    def initialize_or_restore(self, session: Any = None) -> None:
        """Nothing to run: Variables are initialised when created."""


# -- Checkpoint -------------------------------------------------------------------------
class Checkpoint:
    """Groups trackable objects and saves/restores their Variables (``tf.train.Checkpoint``).

    ``save`` numbers checkpoints (``prefix-1``, ``prefix-2``, ... from
    ``save_counter``) and records the newest for ``latest_checkpoint``;
    ``write`` writes exactly ``file_prefix``.  ``restore`` is for ``save``'s
    checkpoints, ``read`` for ``write``'s (it does not expect ``save_counter``).
    With ``root``, keys start at ``root``'s own attributes.

    >>> import tempfile, tapeflow as tf
    >>> v = tf.Variable(1.0)
    >>> ckpt = Checkpoint(v=v)
    >>> prefix = tempfile.mkdtemp() + "/ckpt"
    >>> [ckpt.save(prefix)[-6:], ckpt.save(prefix)[-6:]]
    ['ckpt-1', 'ckpt-2']
    >>> _ = v.assign(5.0)
    >>> status = ckpt.restore(prefix + "-1").assert_consumed()
    >>> float(v), int(ckpt.save_counter)
    (1.0, 1)
    """

    __slots__ = ("_children_by_name", "_root", "_attached", "_save_counter",
                 "_deferred_counter", "__weakref__")

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        object.__setattr__(self, "_children_by_name", {})
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_save_counter", None)
        # (array, record) of a read save_counter waiting for the counter to exist.
        object.__setattr__(self, "_deferred_counter", None)
        if root is not None:
            _assert_trackable(root, "root")
        root_children = dict(_children(root)) if root is not None else {}
        for name, value in sorted(kwargs.items()):
            _assert_trackable(value, name)
            if root is not None and root_children.get(name, value) is not value:
                raise ValueError(f"Cannot create a Checkpoint with keyword argument {name} if "
                                 f"root.{name} already exists.")
            self._children_by_name[name] = value
        # With a root, only the keyword arguments join its graph (not attributes set later).
        object.__setattr__(self, "_attached", tuple(self._children_by_name))

    def __getattr__(self, name: str) -> Any:
        try:
            children = object.__getattribute__(self, "_children_by_name")
        except AttributeError:
            raise AttributeError(name) from None
        if name == "root" and self._root is not None:
            return self._root
        if name in children:
            return children[name]
        raise AttributeError(f"'Checkpoint' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Checkpoint.__slots__:
            object.__setattr__(self, name, value)
        else:
            self._children_by_name[name] = value

    def __delattr__(self, name: str) -> None:
        self._children_by_name.pop(name)

    def _top_children(self) -> list[tuple[str, Any]]:
        items = list(self._children_by_name.items())
        if self._root is not None:
            own = _children(self._root)
            names = {name for name, _ in own}
            items = own + [(name, value) for name, value in items
                           if name in self._attached and name not in names]
        if self._save_counter is not None:
            items.append((_SAVE_COUNTER, self._save_counter))
        return items

    # -- the counter --------------------------------------------------------------------
    @property
    def save_counter(self) -> Variable:
        """An int64 Variable, 0 at first, incremented by each ``save``; numbers checkpoints."""
        self._maybe_create_save_counter()
        return self._save_counter

    def _maybe_create_save_counter(self) -> None:
        if self._save_counter is not None:
            return
        self._save_counter = Variable(0, dtype="int64", trainable=False, name=_SAVE_COUNTER)
        if self._deferred_counter is not None:
            value, record = self._deferred_counter
            self._deferred_counter = None
            self._save_counter.assign(value)
            record.consumed.add(_SAVE_COUNTER)
            record.variables.append(self._save_counter)

    # -- saving -------------------------------------------------------------------------
    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Write a checkpoint at exactly ``file_prefix`` (no numbering); returns the prefix.

        The file is ``file_prefix + ".tfckpt.npz"``, replaced atomically.
        """
        prefix = _fspath(file_prefix, "file_prefix")
        checkpoint_format.write_arrays(prefix, _collect_arrays(self))
        return prefix

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Increment ``save_counter``, write ``f"{file_prefix}-{save_counter}"``, return it.

        Also records it as the newest checkpoint of its directory, for
        ``latest_checkpoint``.
        """
        prefix = _fspath(file_prefix, "file_prefix")
        number = int(self.save_counter.assign_add(1).numpy())
        path = self.write(f"{prefix}-{number}")
        update_checkpoint_state(os.path.dirname(path), path, [path])
        return path

    def sync(self) -> None:
        """Wait for outstanding saves: a no-op, tapeflow saves synchronously."""

    # -- restoring ----------------------------------------------------------------------
    def read(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus | \
            InitializationOnlyStatus:
        """Restore the objects that exist now from a checkpoint (typically ``write``'s).

        Does not create ``save_counter``: a checkpointed counter waits until it is
        created (by ``save``, ``restore`` or reading ``save_counter``).
        """
        if save_path is None:
            return InitializationOnlyStatus(self)
        save_path = _fspath(save_path, "save_path")
        arrays = checkpoint_format.read_arrays(save_path)
        record = _Restore(self, save_path, set(arrays))
        counter = arrays.get(_SAVE_COUNTER) if self._save_counter is None else None
        if counter is not None:
            _check_compatible(_SAVE_COUNTER, (), np.dtype(np.int64), counter, save_path)
        _apply(_plan(self, arrays, record))
        if counter is not None:
            self._deferred_counter = (counter, record)
        return CheckpointLoadStatus(record)

    def restore(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus | \
            InitializationOnlyStatus:
        """Restore from a checkpoint (typically ``save``'s), ``save_counter`` included.

        ``restore(None)`` restores nothing and returns a status whose assertions
        fail.  A missing checkpoint raises NotFoundError; a damaged one,
        DataLossError; mismatched shapes or dtypes raise before anything changes.
        """
        try:
            status = self.read(save_path, options)
        except NotFoundError as error:
            raise NotFoundError(
                None, None, f"Error when restoring from checkpoint or SavedModel at "
                            f"{save_path}: {error.message}\nPlease double-check that the path "
                            f"is correct. You may be missing the checkpoint suffix (e.g. the "
                            f"'-1' in 'path/to/ckpt-1').") from None
        self._maybe_create_save_counter()
        return status


def _assert_trackable(value: Any, name: str) -> None:
    if not _is_trackable(value):
        raise ValueError(f"`Checkpoint` was expecting {name} to be a trackable object (a "
                         f"Variable, a list, tuple or dict of them, or an object holding them "
                         f"as attributes), got {value!r}.")


# -- inspecting a checkpoint ------------------------------------------------------------
def _resolve(ckpt_dir_or_file: Any) -> str:
    path = _fspath(ckpt_dir_or_file, "ckpt_dir_or_file")
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        return latest
    return path


def list_variables(ckpt_dir_or_file: Any) -> list[tuple[str, list[int]]]:
    """``(key, shape)`` of every value in a checkpoint (or a directory's newest), sorted.

    >>> import tempfile, tapeflow as tf
    >>> path = Checkpoint(w=tf.Variable([1.0, 2.0])).write(tempfile.mkdtemp() + "/c")
    >>> list_variables(path)
    [('w', [2])]
    """
    arrays = checkpoint_format.read_arrays(_resolve(ckpt_dir_or_file))
    return sorted((key, list(arr.shape)) for key, arr in arrays.items())


def load_variable(ckpt_dir_or_file: Any, name: str) -> np.ndarray:
    """The value stored under key ``name`` in a checkpoint (or a directory's newest).

    >>> import tempfile, tapeflow as tf
    >>> path = Checkpoint(w=tf.Variable([1.0, 2.0])).write(tempfile.mkdtemp() + "/c")
    >>> load_variable(path, "w")
    array([1., 2.], dtype=float32)
    """
    path = _resolve(ckpt_dir_or_file)
    arrays = checkpoint_format.read_arrays(path)
    if name not in arrays:
        raise NotFoundError(None, None, f"Key {name} not found in checkpoint {path}")
    return arrays[name]
