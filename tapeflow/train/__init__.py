"""``tf.train`` and the training pieces behind ``tf.keras``.

Modules: ``module`` (``tf.Module``, name scopes), ``optimizer``/``optimizers``
(Keras 3 optimizers), ``schedules``, ``clip``, ``losses``, ``metrics``,
``initializers``, ``checkpoint`` (+ ``checkpoint_format``,
``checkpoint_management``).  As the ``tf.train`` namespace this package
offers TF's checkpoint names; they load on first use, so ``import tapeflow``
does not pay for zipfile, hashlib and json.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Checkpoint": "checkpoint", "CheckpointManager": "checkpoint",
    "latest_checkpoint": "checkpoint", "get_checkpoint_state": "checkpoint",
    "CheckpointState": "checkpoint", "list_variables": "checkpoint",
    "load_variable": "checkpoint",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tapeflow.train' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tapeflow.train.{module}"), name)
