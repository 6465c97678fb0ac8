"""Op declarations by family. Importing this package declares every op."""

from tapeflow.ops import (  # noqa: F401  (import order: each family builds on the last)
    arith,
    creation,
    linalg,
    nn,
    operators,
    reduction,
    shape_ops,
)
