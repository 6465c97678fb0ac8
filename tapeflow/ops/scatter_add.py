"""Scatter-add: ``np.add.at``'s sums, bit for bit, without its slow path.

ScatterNd (the gradient of gather, gather_nd and sort) and TensorScatterAdd
(ops/indexing.py) add rows into a table with repeated indices through ``add_at``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["add_at"]

# Measured (float32, NumPy 2.4, one core): np.add.at costs ~9 ns an element when it adds
# whole rows (out[i] += row: 4.6 ms for 4096 rows of 128) or takes a tuple key, and ~2 ns
# on a 1-D array with a 1-D index (its fast path: 1.0 ms for the same rows as elements).
# So every scatter-add is flattened to that fast path, and large scatters of wide rows go
# by rounds of whole-row takes and puts instead (0.45 ms for those 4096 rows).
_ROUNDS_FROM = 65_536  # elements, in rows of at least _ROUNDS_WIDTH: where rounds
_ROUNDS_WIDTH = 32  # start to beat the flat path (below, the sort costs more than it saves)
_ROUND_MIN = 4096  # elements a round must move to pay for its ~10 us of NumPy calls


def add_at(xp: Any, out: Any, key: tuple, updates: Any, zeroed: bool = False) -> None:
    """``np.add.at(out, key, updates)``, same sums in the same order, for a C-contiguous
    ``out`` that the op allocated (``zeroed``: all zeros).

    ``key`` indexes the leading ``len(key)`` axes, so each coordinate names a slot: a
    row of the trailing axes, and the scatter adds ``rows[i]`` into slot ``slots[i]``.
    """
    m = len(key)
    n, width = int(np.prod(out.shape[:m])), int(np.prod(out.shape[m:]))
    slots = np.ravel_multi_index(key, out.shape[:m]).reshape(-1) if m > 1 else \
        key[0].reshape(-1).astype(np.intp)
    if slots.size == 0 or width == 0:
        return
    table, rows = out.reshape(n, width), updates.reshape(slots.size, width)
    if width >= _ROUNDS_WIDTH and rows.size >= _ROUNDS_FROM:
        _add_rows(xp, table, slots, rows, zeroed)
    else:
        _add_flat(xp, table, slots, rows)


def _add_flat(xp: Any, table: Any, slots: Any, rows: Any) -> None:
    """table[slots[i]] += rows[i] as one np.add.at over elements, on its 1-D fast path."""
    width = table.shape[1]
    flat = slots if width == 1 else (slots[:, None] * width + np.arange(width)).reshape(-1)
    xp.add.at(table.reshape(-1), flat, rows.reshape(-1))


def _add_rows(xp: Any, table: Any, slots: Any, rows: Any, zeroed: bool) -> None:
    """table[slots[i]] += rows[i], each slot's rows added in the order of i, as np.add.at.

    Round r adds every slot's r-th row with one take, add and put: within a round
    the slots are distinct, so the put cannot lose a repeat.  Rounds stop once they
    would move fewer than ``_ROUND_MIN`` elements; the rows left, later repeats of
    the busiest slots, follow in order through ``_add_flat``.
    """
    k, width = rows.shape
    order = _stable_order(slots, table.shape[0])
    ordered = slots[order]  # each slot's rows side by side, in their original order
    first = np.empty(k, bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=k)
    busy = len(starts) - np.cumsum(np.bincount(counts))  # busy[r]: slots with > r rows
    rounds = int(np.count_nonzero(busy * width >= _ROUND_MIN))  # busy never grows with r
    for r in range(rounds):
        live = counts > r
        starts, counts = starts[live], counts[live]
        at = starts + r
        dst = ordered[at]
        total = rows.take(order[at], axis=0)
        if r or not zeroed:
            total += table.take(dst, axis=0)
        else:
            total += table.dtype.type(0)  # 0 + row as np.add.at adds it (-0.0 to +0.0)
        table[dst] = total
    live = counts > rounds
    if live.any():
        lens = counts[live] - rounds
        offsets = np.cumsum(lens) - lens
        rest = order[np.repeat(starts[live] + rounds - offsets, lens) + np.arange(lens.sum())]
        _add_flat(xp, table, slots[rest], rows.take(rest, axis=0))


def _stable_order(slots: Any, n: int) -> Any:
    """``np.argsort(slots, kind="stable")`` for slots in ``[0, n)``.

    NumPy radix-sorts 16-bit keys and merge-sorts wider ones: 4096 keys take 15 us
    as uint16 against 54 us as int64, so slots below 2**32 sort in two 16-bit passes.
    """
    if n <= 1 << 16:
        return np.argsort(slots.astype(np.uint16), kind="stable")
    if n <= 1 << 32:
        low = np.argsort((slots & 0xFFFF).astype(np.uint16), kind="stable")
        return low[np.argsort((slots[low] >> 16).astype(np.uint16), kind="stable")]
    return np.argsort(slots, kind="stable")
