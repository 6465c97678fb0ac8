"""Every example in tapeflow's docstrings runs and prints what it says.

Public functions carry a short example (STYLE.md); without this test they
rot silently: examples written for NumPy 1's scalar printing, or for output
never run, once read as wrong here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import tapeflow

MODULES = sorted(m.name for m in pkgutil.walk_packages(tapeflow.__path__, "tapeflow.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        result = doctest.testmod(module, report=False,
                                 optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_the_examples_are_found() -> None:
    found = sum(len(test.examples) for name in MODULES
                for test in doctest.DocTestFinder().find(importlib.import_module(name)))
    assert found > 800  # 861 when this test was written
