"""Names of a TF namespace whose op family loads on first use (PEP 562).

``import tapeflow`` declares the op families every program uses; the rarer
ones (convolutions, pooling, segment reductions, special functions, LU and
eigen decompositions ...) are imported when one of their names is first
looked up, so a program pays for the families it touches: loading all of
them took about a third of ``import tapeflow`` (measured 47 -> 32 ms).
``tapeflow.ops.load_all()`` declares every family (the table test does).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any


def lazy_names(namespace: str, globals_: dict,
               families: dict[str, Iterable[str]]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for module ``namespace`` whose names in
    ``families`` (module path -> names) load with their module, once.

    >>> from tapeflow.core.lazy import lazy_names
    >>> names: dict = {}
    >>> get, _ = lazy_names("demo", names, {"tapeflow.ops.arith": ["tanh"]})
    >>> get("tanh") is names["tanh"]
    True
    """
    where = {name: module for module, names in families.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {namespace!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals_[name] = value  # found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals_) | set(where))

    return __getattr__, __dir__
