"""Sample builders for the table test: valid inputs per op family, float64.

Every declaration names its samples; the table test
(tests/test_op_table.py) checks value, VJP and JVP on each one.
"""

from __future__ import annotations

import math
import sys
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from tapeflow.core import opdef
from tapeflow.core.opdef import Sample


class _Stream:
    """Deterministic pseudo-random floats in [0, 1) without importing
    numpy.random (22 ms of import time, and samples need no quality):
    a Weyl sequence on the golden ratio, scrambled by a sine hash.
    """

    def __init__(self, seed: int) -> None:
        self.count = seed

    def floats(self, n: int) -> list[float]:
        # Plain Python floats: samples are a few numbers each, and some 800 of
        # them are drawn at import (NumPy calls on tiny arrays cost ~4x more).
        start = self.count
        self.count += n
        return [abs(math.modf(math.sin(k * 0.6180339887498949 + 0.5) * 43758.5453123)[0])
                for k in range(start, start + n)]

    def uniform(self, low: float, high: float, size: tuple) -> np.ndarray:
        span = high - low
        return np.array([low + span * f for f in self.floats(math.prod(size))],
                        dtype=np.float64).reshape(size)

    def integers(self, low: int, high: int, size: Any) -> np.ndarray:
        size = (size,) if isinstance(size, int) else tuple(size)
        return np.floor(self.uniform(low, high, size)).astype(np.int64)


_streams: dict[str, _Stream] = {}


def _stream(kind: str = "") -> _Stream:
    """The stream of the module declaring samples (the first caller outside this
    file): each op module draws its own sequence, so its samples do not change
    when the order in which modules are imported does.  ``kind`` names a second,
    separate sequence of the same module."""
    module = opdef.drawing_for  # deferred samples: their declaring module's stream
    if module is None:
        frame = sys._getframe(1)
        while frame.f_globals.get("__name__") == __name__:
            frame = frame.f_back
        module = frame.f_globals.get("__name__", "")
    module += kind
    stream = _streams.get(module)
    if stream is None:
        stream = _streams[module] = _Stream(zlib.crc32(module.encode()) % 100_000)
    return stream

SHAPES = ((), (3,), (2, 3))
# Broadcasting pairs: every binary op's gradient must sum back to each shape.
PAIRS = (((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)), ((4,), ()))


def rand(shape: Sequence[int], low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform float64 values in [low, high) (a 0-d array for shape ())."""
    return np.asarray(_stream().uniform(low, high, size=tuple(shape)), dtype=np.float64)


def composite_rand(shape: Sequence[int], low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """``rand`` for composites' samples, from a sequence of their own: composites
    declared between ops leave the ops' samples as they were."""
    return np.asarray(_stream("/composites").uniform(low, high, size=tuple(shape)),
                      dtype=np.float64)


def away_from(values: np.ndarray, points: Sequence[float], gap: float = 0.1) -> np.ndarray:
    """Nudge values at least ``gap`` away from kinks, so finite differences are valid."""
    out = np.array(values, dtype=np.float64)
    for p in points:
        close = np.abs(out - p) < gap
        out[close] = p + gap * np.where(out[close] >= p, 1.0, -1.0) * 2
    return out


def unary(low: float = -2.0, high: float = 2.0, shapes: Sequence = SHAPES,
          kinks: Sequence[float] = ()) -> list[Sample]:
    """One sample per shape, values in [low, high) and away from ``kinks``."""
    return [Sample(away_from(rand(s, low, high), kinks)) for s in shapes]


def binary(low: float = -2.0, high: float = 2.0, pairs: Sequence = PAIRS,
           low2: float | None = None, high2: float | None = None,
           apart: bool = False) -> list[Sample]:
    """One sample per broadcasting pair; ``apart`` keeps x and y from being equal."""
    out = []
    for sx, sy in pairs:
        while True:
            x = rand(sx, low, high)
            y = rand(sy, low if low2 is None else low2, high if high2 is None else high2)
            if not apart or np.min(np.abs(np.subtract(x, y))) > 0.05:
                break
        out.append(Sample(x, y))
    return out


def ints(*shapes: Sequence[int], low: int = -5, high: int = 5) -> list[Any]:
    """Integer arrays (int32) for ops that have no gradient."""
    return [_stream().integers(low, high, size=s).astype(np.int32) for s in shapes]
