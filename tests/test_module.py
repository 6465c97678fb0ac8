"""tf.Module and tf.name_scope, pinned to TF 2.21.

Run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` (where TF is installed) to check every
expectation against real TF.
"""

from __future__ import annotations

import collections
import os

import pytest

ORACLE_TF = os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow"
if ORACLE_TF:
    import tensorflow as tf
    Module, name_scope, get_current_name_scope = (tf.Module, tf.name_scope,
                                                  tf.get_current_name_scope)
else:
    import tapeflow as tf
    from tapeflow.train.module import Module, get_current_name_scope, name_scope

Pair = collections.namedtuple("Pair", ["z", "a"])


class Leaf(Module):
    def __init__(self, tag, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(1.0, name=tag + "_w")
        self.b = tf.Variable(0.0, name=tag + "_b", trainable=False)


class Net(Module):
    def __init__(self):
        super().__init__()
        shared = tf.Variable(2.0, name="shared")
        self.z_last = tf.Variable(3.0, name="z_last")
        self.layers = [Leaf("l0"), Leaf("l1")]
        self.table = {"b": tf.Variable(4.0, name="tb"),
                      "a": (tf.Variable(5.0, name="ta0"), shared)}
        self.pair = Pair(z=tf.Variable(6.0, name="pz"), a=tf.Variable(7.0, name="pa"))
        self.alias = shared            # the same Variable twice: listed once
        self.again = self.layers[0]    # the same Module twice: walked once
        self.child = Leaf("child")
        self.child.inner = Leaf("inner")
        self.const = tf.constant(1.0)
        self.number = 3


def names(values):
    return [v.name for v in values]


def test_variables_in_tf_order():
    # Own attributes by sorted name (lists by index, dicts by sorted key, namedtuples by
    # field), each value once; then each submodule's, depth first -- TF 2.21's order.
    net = Net()
    assert names(net.variables) == [
        "shared:0", "pz:0", "pa:0", "ta0:0", "tb:0", "z_last:0", "l0_b:0", "l0_w:0",
        "child_b:0", "child_w:0", "inner_b:0", "inner_w:0", "l1_b:0", "l1_w:0"]
    assert names(net.trainable_variables) == [
        "shared:0", "pz:0", "pa:0", "ta0:0", "tb:0", "z_last:0", "l0_w:0", "child_w:0",
        "inner_w:0", "l1_w:0"]
    assert names(net.non_trainable_variables) == ["l0_b:0", "child_b:0", "inner_b:0", "l1_b:0"]
    assert isinstance(net.variables, tuple) and isinstance(net.trainable_variables, tuple)


def test_submodules_and_paths():
    net = Net()
    assert list(net.submodules) == [net.layers[0], net.child, net.layers[1], net.child.inner]
    paths = [(path, v.name) for path, v in net._flatten(
        predicate=lambda x: isinstance(x, tf.Variable), with_path=True)]
    assert paths[:8] == [
        (("alias",), "shared:0"), (("pair", "z"), "pz:0"), (("pair", "a"), "pa:0"),
        (("table", "a", 0), "ta0:0"), (("table", "a", 1), "shared:0"), (("table", "b"), "tb:0"),
        (("z_last",), "z_last:0"), (("again", "b"), "l0_b:0")]
    own = list(net._flatten(recursive=False, predicate=lambda x: isinstance(x, tf.Variable)))
    assert len(own) == 6


def test_submodules_docstring_example_and_cycles():
    a, b, c = Module(), Module(), Module()
    a.b = b
    b.c = c
    assert list(a.submodules) == [b, c] and list(b.submodules) == [c]
    assert list(c.submodules) == []
    x, y = Module(name="x"), Module(name="y")
    x.y, y.x = y, x
    x.v, y.v = tf.Variable(1.0, name="xv"), tf.Variable(2.0, name="yv")
    assert names(x.variables) == ["xv:0", "yv:0"] and list(x.submodules) == [y]


def test_attributes_added_later_are_found():
    m = Module()
    m.weights = []
    assert m.variables == ()
    m.weights.append(tf.Variable(1.0, name="late"))
    assert names(m.variables) == ["late:0"]


def test_unsortable_dict_keys_name_the_attribute():
    m = Module()
    m.d = {1: tf.Variable(1.0), "x": 2}
    with pytest.raises(ValueError, match=r"^Error processing property 'd' of ") as info:
        _ = m.variables
    assert isinstance(info.value.__cause__, TypeError)


def test_names():
    class HTTPServerModel(Module):
        pass
    assert HTTPServerModel().name == "http_server_model" and Leaf("x").name == "leaf"
    assert Leaf("y", name="custom").name == "custom"
    for bad in ("a b", "1abc", ""):
        with pytest.raises(ValueError) as info:
            Module(name=bad)
        assert str(info.value) == (
            f"{bad!r} is not a valid module name. Module names must be valid Python "
            "identifiers (e.g. a valid class name).")


def test_name_scopes():
    assert Leaf("x").name_scope.name == "leaf/"
    with name_scope("outer"):
        inside = Leaf("x")
    assert inside.name == "leaf" and inside.name_scope.name == "outer/leaf/"
    with name_scope("o") as scope:
        assert scope == "o/" and get_current_name_scope() == "o"
        with name_scope("") as root:
            assert root == "" and get_current_name_scope() == ""
        with name_scope("abs/") as absolute:
            assert absolute == "abs/"
        with inside.name_scope as module_scope:  # a module's scope is absolute
            assert module_scope == "outer/leaf/"
        assert get_current_name_scope() == "o"
    assert get_current_name_scope() == ""
    with pytest.raises(ValueError, match=r"^name for name_scope must be a string\.$"):
        name_scope(3)


def test_with_name_scope():
    class Scoped(Module):
        @Module.with_name_scope
        def __call__(self, x):
            """Doc here."""
            return get_current_name_scope(), x

    scoped = Scoped()
    assert scoped(1) == ("scoped", 1)
    assert Scoped.__call__.__doc__ == "Doc here." and Scoped.__call__.__name__ == "__call__"
    with name_scope("o"):
        assert scoped(2) == ("scoped", 2)
    assert get_current_name_scope() == ""


def test_variables_created_in_a_name_scope_carry_it():
    class Dense(Module):
        def __init__(self):
            super().__init__()
            with self.name_scope:
                self.w = tf.Variable(1.0, name="w")
    assert Dense().w.name == "dense/w:0"


def test_a_model_trains_through_its_trainable_variables():
    class Line(Module):
        def __init__(self):
            super().__init__()
            self.w, self.b = tf.Variable(0.0, name="w"), tf.Variable(0.0, name="b")

        def __call__(self, x):
            return self.w * x + self.b

    model, x = Line(), tf.constant([0.0, 1.0, 2.0])
    for _ in range(200):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - (2.0 * x + 1.0)))
        grads = tape.gradient(loss, model.trainable_variables)
        for g, v in zip(grads, model.trainable_variables):
            v.assign_sub(0.1 * g)
    assert names(model.trainable_variables) == ["b:0", "w:0"]
    assert float(model.w) == pytest.approx(2.0, abs=1e-3)
    assert float(model.b) == pytest.approx(1.0, abs=1e-3)
