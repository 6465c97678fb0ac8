"""``tf.random``: seeded random tensors, stateless ops and ``Generator``.

The numbers come from NumPy's Philox generator, not TF's streams; TF's seed
semantics (when two draws are equal) are kept. See tapeflow.ops.random.
"""

from types import SimpleNamespace

from tapeflow.ops.random import (  # noqa: F401
    Algorithm,
    Generator,
    categorical,
    create_rng_state,
    fold_in,
    get_global_generator,
    normal,
    set_global_generator,
    set_seed,
    shuffle,
    split,
    stateless_categorical,
    stateless_normal,
    stateless_truncated_normal,
    stateless_uniform,
    truncated_normal,
    uniform,
)

experimental = SimpleNamespace(
    Algorithm=Algorithm, Generator=Generator, create_rng_state=create_rng_state,
    get_global_generator=get_global_generator, set_global_generator=set_global_generator,
    stateless_split=split, stateless_fold_in=fold_in,
)
