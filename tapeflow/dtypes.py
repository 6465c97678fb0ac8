"""``tf.dtypes``: TF's dtype objects."""

from tapeflow.core.dtypes import *  # noqa: F401,F403
from tapeflow.core.dtypes import __all__  # noqa: F401
