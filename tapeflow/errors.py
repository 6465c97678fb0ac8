"""``tf.errors``: TF's error classes."""

from tapeflow.core.errors import *  # noqa: F401,F403
from tapeflow.core.errors import __all__  # noqa: F401
