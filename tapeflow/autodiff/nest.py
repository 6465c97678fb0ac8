"""Flattening nested sources and targets (lists, tuples, dicts), as ``tf.nest`` does."""

from __future__ import annotations

from typing import Any


def _is_seq(x: Any) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure: Any) -> list:
    """Leaves in TF's order (dicts by sorted key), iteratively."""
    out: list = []
    stack = [structure]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x[k] for k in reversed(sorted(x)))
        elif isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def pack_sequence_as(structure: Any, flat: list) -> Any:
    """Rebuild ``structure``'s shape around the leaves in ``flat``."""
    return pack_iter(structure, iter(flat))


def pack_iter(x: Any, leaves: Any) -> Any:
    """``x``'s structure rebuilt around the next leaves of the iterator ``leaves``."""
    # A module-level function, not a closure: a recursive closure is a
    # reference cycle that would keep every leaf alive until the next GC.
    if isinstance(x, dict):
        built = {k: pack_iter(x[k], leaves) for k in sorted(x)}
        return type(x)((k, built[k]) for k in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[pack_iter(v, leaves) for v in x])
    if isinstance(x, (list, tuple)):
        return type(x)(pack_iter(v, leaves) for v in x)
    return next(leaves)
