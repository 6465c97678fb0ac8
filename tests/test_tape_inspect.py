"""Looking inside a tape: summary, DOT export, bytes held, the persistent-tape warning
(tapeflow extensions: autodiff/inspect_tape.py)."""

from __future__ import annotations

import doctest
import re
import sys
import time
import traceback
import types
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.autodiff import inspect_tape
from tapeflow.autodiff import tape as tape_mod

NODE = re.compile(r"^  (\w+) \[(.*)\];$")
EDGE = re.compile(r"^  (\w+) -> (\w+)(?: \[label=\"(.*)\"\])?;$")


def parse_dot(dot: str) -> tuple[dict, list]:
    """Nodes (name -> attribute text) and edges (src, dst, label) of our DOT output."""
    lines = dot.splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := EDGE.match(line):
            edges.append(m.groups())
        elif (m := NODE.match(line)) and m.group(1) not in ("node", "edge"):
            nodes[m.group(1)] = m.group(2)
    for src, dst, _ in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return nodes, edges


@pytest.fixture
def small_tape():
    x = tf.constant(np.linspace(0, 1, 256).astype(np.float32))   # 1 KiB
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        s = tf.sin(x)
        y = s * x
        z = tf.reduce_sum(y)
    return tape, x, z


# -- memory_bytes ------------------------------------------------------------------------------
def test_memory_bytes_counts_each_array_once(small_tape) -> None:
    tape, _, _ = small_tape
    assert tape.memory_bytes() == 2048  # Sin keeps x; Mul keeps sin(x) and x again


def test_a_view_counts_as_the_array_it_views() -> None:
    base = np.zeros(1000, np.float64)
    record = (None, (), 0, (base[:10], (base[10:20], tf.constant(1.0))), None, None)
    assert inspect_tape._bytes_per_record([record]) == [8000 + 4]


def test_released_tape_holds_nothing() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.memory_bytes() == 8
    tape.gradient(y, x)
    assert tape.memory_bytes() == 0
    assert tape.summary(as_dict=True)["released"] is True
    assert "released" in tape.summary()
    assert tf.GradientTape().memory_bytes() == 0


# -- summary -----------------------------------------------------------------------------------
def test_summary_dict(small_tape) -> None:
    tape, x, z = small_tape
    info = tape.summary(as_dict=True)
    assert info["records"] == 3 and info["persistent"] and not info["recording"]
    assert info["watched"] == 1 and info["variables"] == []
    assert list(info["ops"]) == ["Sin", "Mul", "Sum"]
    assert info["ops"]["Sin"] == {"count": 1, "outputs": {"float32[256]": 1},
                                  "residual_bytes": 1024}
    assert info["ops"]["Mul"]["residual_bytes"] == 1024  # x was counted for Sin
    assert info["residual_bytes"] == tape.memory_bytes() == 2048
    assert "reach" not in info


def test_summary_text(small_tape) -> None:
    tape, x, z = small_tape
    text = tape.summary(z, x)
    assert text.splitlines()[0] == ("persistent GradientTape (recording stopped): 3 records, "
                                    "1 watched tensors, 0 watched variables; residuals hold "
                                    "2.0 KiB")
    assert re.search(r"\n  Sin\s+1\s+1.0 KiB  float32\[256\] x1\n", text)
    assert text.endswith("reach (source -> targets):\n  source 0 -> target 0")


def test_summary_reach_and_variables() -> None:
    w = tf.Variable([1.0, 2.0], name="w")
    b = tf.Variable(0.5, name="b")
    x = tf.constant([3.0, 4.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        loss = tf.reduce_sum(w * x) + b
        penalty = tf.reduce_sum(w * w)
        unrelated = x * 2.0
    info = tape.summary([loss, penalty, unrelated], [w, b, x], as_dict=True)
    assert info["variables"] == ["w:0", "b:0"]
    assert info["reach"] == [
        {"source": "w:0", "targets": ["target 0", "target 1"]},
        {"source": "b:0", "targets": ["target 0"]},
        {"source": "source 2", "targets": ["target 0", "target 2"]},
    ]
    assert info["ops"]["ReadVariableOp"]["outputs"] == {"float32[2]": 3, "float32[]": 1}
    assert "  b:0 -> target 0" in tape.summary([loss, penalty, unrelated], [w, b, x])
    assert "-> none" in tape.summary(loss, tf.constant(1.0))


def test_summary_while_recording() -> None:
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        _ = tf.exp(x)
        assert tape.summary(as_dict=True)["recording"] is True
        assert tape.summary().startswith("GradientTape (recording): 1 records")


# -- DOT -----------------------------------------------------------------------------------------
def test_dot_structure(small_tape) -> None:
    tape, x, z = small_tape
    nodes, edges = parse_dot(tape.to_dot())
    assert len(nodes) == 5 and len(edges) == 5   # 3 ops, the watched x, the unused result
    assert [n for n in nodes if n.startswith("op")] == ["op0", "op1", "op2"]
    assert 'label="Sin"' in nodes["op0"] and 'label="Mul"' in nodes["op1"]
    assert nodes[f"t{x._id}"] == 'shape=ellipse, label="watched float32[256]"'
    assert (f"t{x._id}", "op0", "float32[256]") in edges
    assert ("op0", "op1", "0: float32[256]") in edges and (f"t{x._id}", "op1",
                                                            "1: float32[256]") in edges
    assert ("op1", "op2", "float32[256]") in edges
    assert ("op2", f"t{z._id}", None) in edges and "style=dashed" in nodes[f"t{z._id}"]


def test_dot_variables_multiple_outputs_and_quoting() -> None:
    v = tf.Variable(np.ones((2, 6), np.float32), name='we"ird')
    with tf.GradientTape() as tape:
        a, b, c = tf.split(v * 2.0, 3, axis=1)
        _ = a + b
    dot = tape.to_dot(name="my graph")
    assert dot.startswith('digraph "my graph" {')
    nodes, edges = parse_dot(dot)
    assert nodes[f"t{v._id}"] == r'shape=ellipse, label="we\"ird:0"'
    split = next(n for n, attrs in nodes.items() if 'label="Split"' in attrs)
    outs = sorted(label for src, _, label in edges if src == split)
    assert outs == ["0: ?", "1: ?", "out 2"]   # a and b go on to Add; c is left over
    assert len([n for n in nodes if n.startswith("op")]) == 4  # read, mul, split, add


def test_100k_op_tape_without_recursion() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x
        for _ in range(100_000):
            y = y * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(traceback.extract_stack()) + 80)  # any recursion would fail
    try:
        start = time.perf_counter()
        info = tape.summary(y, x, as_dict=True)
        text = tape.summary(y, x)
        dot = tape.to_dot()
        held = tape.memory_bytes()
        elapsed = time.perf_counter() - start
    finally:
        sys.setrecursionlimit(limit)
    assert info["records"] == 100_000 and info["ops"]["Mul"]["count"] == 100_000
    assert info["reach"] == [{"source": "source 0", "targets": ["target 0"]}]
    assert "100000" in text and held == 100_000 * 8  # each Mul keeps its own input y
    nodes, edges = parse_dot(dot)
    assert len(nodes) == 100_002 and len(edges) == 100_001
    assert elapsed < 10, elapsed


# -- render_dot ----------------------------------------------------------------------------------
def test_render_dot_needs_graphviz_and_dot(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    monkeypatch.setattr(inspect_tape.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match=r"`graphviz` Python package.*and.*`dot` program"):
        inspect_tape.render_dot("digraph {}", tmp_path / "g.svg")


def test_render_dot_with_graphviz(monkeypatch, tmp_path) -> None:
    calls = []

    class Source:
        def __init__(self, text):
            calls.append(text)

        def pipe(self, format):
            calls.append(format)
            return b"<svg/>"

    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Source=Source))
    monkeypatch.setattr(inspect_tape.shutil, "which", lambda name: "/usr/bin/dot")
    out = inspect_tape.render_dot("digraph {}", tmp_path / "g.svg")
    assert out == str(tmp_path / "g.svg") and (tmp_path / "g.svg").read_bytes() == b"<svg/>"
    assert calls == ["digraph {}", "svg"]


# -- the persistent-tape warning ----------------------------------------------------------------
@pytest.fixture
def limit():
    yield inspect_tape.set_tape_memory_warning
    inspect_tape.set_tape_memory_warning()


def test_persistent_tape_warns_once_past_the_limit(limit) -> None:
    limit(4096)
    x = tf.constant(np.ones(64, np.float32))   # 256 B per saved array
    with pytest.warns(inspect_tape.TapeMemoryWarning, match=r"holds .* \(over the 4.0 KiB") as w:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x
            for _ in range(3 * inspect_tape.CHECK_EVERY):
                y = y * 1.0001  # MARK-warn
    assert len(w) == 1 and w[0].filename == __file__
    assert tape.memory_bytes() > 4096
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 1.0001 ** (3 * 1024), rtol=1e-3)


def test_no_warning_for_non_persistent_tapes_or_when_off(limit) -> None:
    limit(1024)
    x = tf.constant(np.ones(64, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error", inspect_tape.TapeMemoryWarning)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(2 * inspect_tape.CHECK_EVERY):
                y = y * 1.0
        assert type(tape._tape.records) is list  # nothing between the tape and its records
        limit(None)
        assert tape_mod.memory_watch is None
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x
            for _ in range(2 * inspect_tape.CHECK_EVERY):
                y = y * 1.0
        assert type(tape._tape.records) is list


def test_warning_limit_validated(limit) -> None:
    for bad in (-1, 1.5, "1GB"):
        with pytest.raises(ValueError, match="non-negative int or None"):
            limit(bad)
    limit()
    assert inspect_tape._limit == 1 << 30 and tape_mod.memory_watch is inspect_tape._watch


def test_doctests(monkeypatch) -> None:
    # the extensions' public names, until tapeflow/__init__ exports them
    for name in ("set_tape_memory_warning", "render_dot"):
        monkeypatch.setattr(tf, name, getattr(inspect_tape, name), raising=False)
    result = doctest.testmod(inspect_tape, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 10
