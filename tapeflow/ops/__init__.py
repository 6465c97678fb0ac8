"""Op declarations by family. Importing this package declares every op.

Each module imports what it builds on, so the order here does not matter;
the list only makes sure that every family is declared (the table test walks
the registry they fill).
"""

from tapeflow.ops import (  # noqa: F401
    activations,
    arith,
    array,
    complex_ops,
    conv,
    creation,
    factor,
    linalg,
    losses,
    nn,
    numpy_api,
    operators,
    pool,
    random,
    ranking,
    reduction,
    scan,
    segment,
    shape_ops,
    special,
)
