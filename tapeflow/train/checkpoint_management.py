"""``tf.train.CheckpointManager``, ``tf.train.latest_checkpoint`` and the state file.

A directory of checkpoints has a state file named ``checkpoint`` (as in TF),
written atomically.  TF writes a text protocol buffer there; tapeflow writes
JSON with the same fields, paths relative to the directory::

    {"format": "tapeflow-checkpoint-state", "version": 1,
     "model_checkpoint_path": "ckpt-4",
     "all_model_checkpoint_paths": ["ckpt-3", "ckpt-4"],
     "all_model_checkpoint_timestamps": [1700000000.1, 1700000100.2],
     "last_preserved_timestamp": 1699999999.0}

``Checkpoint.save`` records its newest checkpoint there; ``CheckpointManager``
keeps its list of checkpoints there and deletes the oldest beyond
``max_to_keep``, as TF's does.  A state file that cannot be parsed (a TF
one, say) is ignored with a logged warning, as TF ignores an unparsable one.

>>> import tempfile, tapeflow as tf
>>> from tapeflow.train.checkpoint import Checkpoint
>>> ckpt = Checkpoint(step=tf.Variable(0))
>>> manager = CheckpointManager(ckpt, tempfile.mkdtemp(), max_to_keep=2)
>>> paths = [manager.save() for _ in range(3)]
>>> [p.rsplit("/", 1)[1] for p in manager.checkpoints]
['ckpt-2', 'ckpt-3']
>>> latest_checkpoint(manager.directory) == paths[-1]
True
"""

from __future__ import annotations

import collections
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tapeflow.train import checkpoint_format

__all__ = ["CheckpointManager", "CheckpointState", "get_checkpoint_state", "latest_checkpoint"]

_log = logging.getLogger(__name__)
_STATE_FILE = "checkpoint"
_STATE_FORMAT = "tapeflow-checkpoint-state"


class CheckpointState:
    """The contents of a directory's state file (TF's ``CheckpointState`` proto fields)."""

    def __init__(self, model_checkpoint_path: str, all_model_checkpoint_paths: Sequence[str],
                 all_model_checkpoint_timestamps: Sequence[float] = (),
                 last_preserved_timestamp: float = 0.0) -> None:
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self) -> str:
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")


def _fspath(path: Any, what: str) -> str:
    path = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(path, str):
        raise TypeError(f"{what} must be a string or path-like object, got {path!r}")
    return path


def _relative(path: str, directory: str) -> str:
    return os.path.relpath(path, directory or ".") if os.path.isabs(path) \
        or not os.path.isabs(directory) else path


def update_checkpoint_state(directory: str, model_checkpoint_path: str,
                            all_model_checkpoint_paths: Sequence[str],
                            all_model_checkpoint_timestamps: Sequence[float] = (),
                            last_preserved_timestamp: float = 0.0) -> None:
    """Atomically (re)write ``directory``'s state file; paths are stored relative to it."""
    paths = list(all_model_checkpoint_paths)
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    state = {"format": _STATE_FORMAT, "version": 1,
             "model_checkpoint_path": _relative(model_checkpoint_path, directory),
             "all_model_checkpoint_paths": [_relative(p, directory) for p in paths],
             "all_model_checkpoint_timestamps": [float(t) for t in
                                                 all_model_checkpoint_timestamps],
             "last_preserved_timestamp": float(last_preserved_timestamp)}
    checkpoint_format.atomic_write_bytes(os.path.join(directory, _STATE_FILE),
                                         (json.dumps(state, indent=1) + "\n").encode("utf-8"))


def get_checkpoint_state(checkpoint_dir: Any) -> CheckpointState | None:
    """The state recorded in ``checkpoint_dir``, or None if there is none (TF's API).

    Relative paths in the file are joined to ``checkpoint_dir``, as TF does.
    """
    checkpoint_dir = _fspath(checkpoint_dir, "checkpoint_dir")
    state_path = os.path.join(checkpoint_dir, _STATE_FILE)
    if not os.path.isfile(state_path):
        return None
    try:
        with open(state_path, encoding="utf-8") as f:
            raw = json.load(f)
        state = _parse_state(raw)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        _log.warning("%s: %s: checkpoint state ignored", state_path, error)
        return None

    def join(path: str) -> str:
        return path if os.path.isabs(path) else os.path.join(checkpoint_dir, path)

    state.model_checkpoint_path = join(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [join(p) for p in state.all_model_checkpoint_paths]
    return state


def _parse_state(raw: Any) -> CheckpointState:
    if not isinstance(raw, dict) or raw.get("format") != _STATE_FORMAT:
        raise ValueError("not a tapeflow checkpoint state file")
    latest = raw.get("model_checkpoint_path")
    paths = raw.get("all_model_checkpoint_paths", [])
    stamps = raw.get("all_model_checkpoint_timestamps", [])
    preserved = raw.get("last_preserved_timestamp", 0.0)
    if not (isinstance(latest, str) and latest and isinstance(paths, list)
            and all(isinstance(p, str) for p in paths) and isinstance(stamps, list)
            and all(isinstance(t, (int, float)) for t in stamps)
            and isinstance(preserved, (int, float))):
        raise ValueError("malformed checkpoint state")
    if stamps and len(stamps) != len(paths):
        raise ValueError("checkpoint timestamps do not match checkpoint paths")
    return CheckpointState(latest, paths, stamps, preserved)


def latest_checkpoint(checkpoint_dir: Any, latest_filename: None = None) -> str | None:
    """The prefix of the newest checkpoint saved in ``checkpoint_dir``, or None.

    Like TF, it reads the directory's state file, and returns None (logging an
    error) if the checkpoint it names has no file any more.

    >>> import tempfile
    >>> latest_checkpoint(tempfile.mkdtemp()) is None
    True
    """
    if latest_filename is not None:
        raise NotImplementedError("latest_filename (TF 1 Saver state files) is not supported")
    state = get_checkpoint_state(checkpoint_dir)
    if state is None:
        return None
    if checkpoint_format.exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    _log.error("Couldn't match files for checkpoint %s", state.model_checkpoint_path)
    return None


class CheckpointManager:
    """Saves numbered checkpoints in a directory and deletes old ones (TF's API).

    Checkpoints are named ``<directory>/<checkpoint_name>-<n>``; ``n`` is the
    checkpoint's ``save_counter`` after it is incremented, or
    ``checkpoint_number``.  Only the ``max_to_keep`` newest stay (``None``
    keeps all); a checkpoint older than ``keep_checkpoint_every_n_hours``
    since the last preserved one is kept on disk but dropped from the list.
    A new manager on the same directory picks up the list from its state file.

    >>> import tempfile, tapeflow as tf
    >>> from tapeflow.train.checkpoint import Checkpoint
    >>> ckpt = Checkpoint(v=tf.Variable(1.0))
    >>> manager = CheckpointManager(ckpt, tempfile.mkdtemp(), max_to_keep=1)
    >>> manager.save(checkpoint_number=10).endswith("ckpt-10")
    True
    >>> manager.restore_or_initialize() == manager.latest_checkpoint
    True
    """

    def __init__(self, checkpoint: Any, directory: Any, max_to_keep: int | None,
                 keep_checkpoint_every_n_hours: float | None = None,
                 checkpoint_name: str = "ckpt", step_counter: Any = None,
                 checkpoint_interval: int | None = None, init_fn: Callable[[], Any] | None = None,
                 last_checkpoint_step: int | None = None) -> None:
        # On the type: reading ``save_counter`` would create the counter.
        if not (hasattr(type(checkpoint), "save_counter") and hasattr(checkpoint, "write")):
            raise TypeError(f"CheckpointManager expects a tf.train.Checkpoint, got {checkpoint!r}")
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, "
                             f"got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not "
                             "None.")
        self._checkpoint = checkpoint
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._directory = _fspath(directory, "directory")
        self._checkpoint_prefix = os.path.join(self._directory, checkpoint_name)
        self._init_fn = init_fn
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._last_checkpoint_step = last_checkpoint_step
        self._maybe_delete: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._recover_state()

    def _recover_state(self) -> None:
        """TF's bookkeeping: timestamps decide which listed checkpoints are managed."""
        state = get_checkpoint_state(self._directory)
        now = time.time()
        if state is None:
            self._latest_checkpoint = None
            # Slightly in the past, against races when a manager is quickly re-created.
            self._last_preserved_timestamp = now - 1.0
            return
        self._latest_checkpoint = state.model_checkpoint_path
        self._last_preserved_timestamp = min(state.last_preserved_timestamp, now)
        stamps = state.all_model_checkpoint_timestamps or \
            [self._last_preserved_timestamp] * len(state.all_model_checkpoint_paths)
        for path, stamp in zip(state.all_model_checkpoint_paths, stamps):
            stamp = min(stamp, now)
            if stamp > self._last_preserved_timestamp:
                self._maybe_delete[path] = stamp

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Any:
        """The managed ``Checkpoint``."""
        return self._checkpoint

    @property
    def checkpoint_interval(self) -> int | None:
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The prefix of the newest checkpoint, or None (like ``latest_checkpoint(directory)``)."""
        return self._latest_checkpoint

    @property
    def checkpoints(self) -> list[str]:
        """The managed checkpoints' prefixes, oldest first."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number: Any = None, check_interval: bool = True,
             options: Any = None) -> str | None:
        """Save a checkpoint, record it, delete the ones beyond ``max_to_keep``; its path.

        ``save_counter`` is incremented even when ``checkpoint_number`` is given
        (an int, or an integer Variable or Tensor, read but never incremented).
        With ``checkpoint_interval``, returns None when too few steps have passed.
        """
        if self._checkpoint_interval is not None and not self._interval_allows(check_interval):
            return None
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        number = counter if checkpoint_number is None else checkpoint_number
        path = self._checkpoint.write(f"{self._checkpoint_prefix}-{_as_int(number)}")
        # An overwritten checkpoint moves to the end of the queue.
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = time.time()
        self._latest_checkpoint = path
        # Record first, so that a crash while deleting still finds the new checkpoint.
        self._record_state()
        self._sweep()
        self._record_state()
        return path

    def _interval_allows(self, check_interval: bool) -> bool:
        step = _as_int(self._step_counter)
        last = self._last_checkpoint_step
        if last is not None and (step == last or
                                 check_interval and step < last + self._checkpoint_interval):
            return False
        self._last_checkpoint_step = step
        return True

    def _sweep(self) -> None:
        if not self._max_to_keep:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = self._maybe_delete.popitem(last=False)
            hours = self._keep_checkpoint_every_n_hours
            if hours and stamp - hours * 3600.0 >= self._last_preserved_timestamp:
                self._last_preserved_timestamp = stamp
                continue
            checkpoint_format.remove(path)

    def _record_state(self) -> None:
        update_checkpoint_state(self._directory, self._latest_checkpoint,
                                list(self._maybe_delete), list(self._maybe_delete.values()),
                                self._last_preserved_timestamp)

    def restore_or_initialize(self) -> str | None:
        """Restore the newest checkpoint and return its path; else call ``init_fn``, None."""
        if self._latest_checkpoint is not None:
            self._checkpoint.restore(self._latest_checkpoint)
            if self._checkpoint_interval is not None:
                self._last_checkpoint_step = _as_int(self._step_counter)
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self) -> None:
        """Wait for outstanding saves: a no-op, tapeflow saves synchronously."""


def _as_int(value: Any) -> int:
    """An int from an int, a NumPy integer, or an integer Variable or Tensor."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"Expected an integer checkpoint number or step, got {value!r}")
    return int(arr)
