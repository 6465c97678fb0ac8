"""``tf.keras``: the training pieces TF users reach through Keras 3.

Optimizers (with ``optimizers.schedules``), losses, metrics and initializers,
with Keras 3's names, defaults and formulas.  Layers and models are not here:
tapeflow's models are ``tf.Module`` classes, as in TF's low-level guides.
"""

from tapeflow.train import initializers, losses, metrics, optimizers  # noqa: F401

__all__ = ["initializers", "losses", "metrics", "optimizers"]
