"""Lazy loading: the rarer op families load on first use (tapeflow/core/lazy.py), and
table-test samples are drawn when first asked for (core/opdef.py Samples), invisibly to TF code."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tapeflow as tf
from tapeflow import linalg, math, math_special, nn

LAZY_NAMESPACES = [nn, linalg, math, math_special]
RARE = ["activations", "bessel", "conv", "conv_nd", "dilation", "eig", "erf_inverse",
        "gamma_beta", "lu", "normalization", "pool", "segment", "special_integrals",
        "tensor_diag", "tridiagonal"]


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_import_tapeflow_leaves_the_rarer_families_unloaded() -> None:
    loaded = _run("import sys, tapeflow\n"
                  f"print(sorted(m for m in {RARE!r} if 'tapeflow.ops.' + m in sys.modules))")
    assert loaded == "[]"


def test_first_use_loads_the_family_and_the_op_works() -> None:
    out = _run("import sys, tapeflow as tf\n"
               "x = tf.ones((1, 4, 4, 1))\n"
               "y = tf.nn.max_pool2d(x, 2, 2, 'VALID')\n"
               "print(y.shape, 'tapeflow.ops.pool' in sys.modules,"
               " 'tapeflow.ops.bessel' in sys.modules)")
    assert out == "(1, 2, 2, 1) True False"


@pytest.mark.parametrize("namespace", LAZY_NAMESPACES, ids=lambda m: m.__name__)
def test_every_lazy_name_resolves_and_is_listed(namespace) -> None:
    names = [n for n in dir(namespace) if not n.startswith("_")]
    assert "lazy_names" not in names  # the helper stays out of TF's namespace
    for name in names:
        value = getattr(namespace, name)
        assert value is not None, name
    lazy = {"tapeflow.nn": ["conv2d", "max_pool2d", "dropout", "lrn"],
            "tapeflow.linalg": ["eig", "lu", "tridiagonal_solve", "matrix_rank"],
            "tapeflow.math": ["segment_sum", "bessel_i0", "erfinv", "igamma"],
            "tapeflow.math_special": ["bessel_j0", "dawsn"]}[namespace.__name__]
    assert set(lazy) <= set(names)
    for name in lazy:  # the same object however it is reached
        assert getattr(namespace, name) is namespace.__dict__[name]


def test_the_same_function_through_two_namespaces() -> None:
    assert tf.math.bessel_i0 is tf.math.special.bessel_i0
    assert tf.nn.l2_normalize is tf.linalg.l2_normalize
    from tapeflow.linalg import lu_solve  # from-imports go through the namespace too
    assert lu_solve is tf.linalg.lu_solve


@pytest.mark.parametrize("namespace", LAZY_NAMESPACES, ids=lambda m: m.__name__)
def test_an_unknown_name_is_an_attribute_error(namespace) -> None:
    with pytest.raises(AttributeError,
                       match=f"module '{namespace.__name__}' has no attribute 'no_such_op'"):
        namespace.no_such_op  # noqa: B018


_DIGEST = """
import hashlib, sys
import numpy as np
from tapeflow.core.opdef import REGISTRY
from tapeflow.ops import load_all
load_all()
ops = {op.name: op for op in REGISTRY}
order = sys.argv[1].split(",")
for name in order:
    ops[name].samples  # draws the op's module's deferred samples, in this order
digest = hashlib.sha256()
for name in sorted(order):
    for s in ops[name].samples:
        for a in s.args:
            digest.update(np.ascontiguousarray(np.asarray(a)).tobytes())
print(digest.hexdigest())
"""


def test_deferred_samples_do_not_depend_on_the_order_they_are_asked_for() -> None:
    # Drawn per declaring module, in declaration order, from that module's stream:
    # an op's samples are the same whichever ops' samples were drawn before.
    # Tanh, Atan and Dawsn draw through a helper of ops/samples.py (samples=unary), in
    # three modules: a stream shared by the helper would give each other values here.
    names = ["AddV2", "Dawsn", "Tanh", "Conv2D", "Atan", "SegmentSum", "Relu"]
    runs = {_run_digest(",".join(order)) for order in (names, names[::-1], names[3:] + names[:3])}
    assert len(runs) == 1


def _run_digest(order: str) -> str:
    done = subprocess.run([sys.executable, "-c", _DIGEST, order], capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def test_import_draws_no_deferred_samples() -> None:
    pending = _run("import tapeflow\nfrom tapeflow.core.opdef import REGISTRY\n"
                   "print(sum(callable(op._samples) for op in REGISTRY) > 100)")
    assert pending == "True"


def test_star_imports_get_the_lazy_names_too() -> None:
    out = _run("from tapeflow.math import *\nfrom tapeflow.nn import *\n"
               "from tapeflow.linalg import *\n"
               "print(all(n in globals() for n in ('segment_sum', 'erfinv', 'conv2d', 'max_pool2d',"
               " 'eig', 'lu_solve', 'reduce_sum', 'relu')))")
    assert out == "True"
