"""Op declarations by family. Importing this package declares the common families.

Each module imports what it builds on, so the order here does not matter.  The
rarer families (convolutions, pooling, segment reductions, special functions,
eig and LU ...) are declared when their TF names are first used (see
tapeflow/core/lazy.py); ``load_all()`` declares every family, for whatever walks
the whole registry (the table test).
"""

import importlib
import pkgutil

from tapeflow.ops import (  # noqa: F401
    arith,
    array,
    complex_ops,
    creation,
    factor,
    linalg,
    losses,
    nn,
    numpy_api,
    operators,
    random,
    ranking,
    reduction,
    scan,
    shape_ops,
    special,
)


def load_all() -> None:
    """Import every op module, so that ``REGISTRY`` and ``COMPOSITES`` hold every op.

    >>> from tapeflow.core.opdef import REGISTRY
    >>> from tapeflow.ops import load_all
    >>> load_all()
    >>> "Conv2D" in {op.name for op in REGISTRY}
    True
    """
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
