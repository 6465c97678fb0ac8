"""tf.train.Checkpoint, CheckpointManager, latest_checkpoint and tapeflow's checkpoint file.

The API behaviour (paths and numbering, the state kept by the manager, restore
statuses and their assertions, errors) was first observed in real TF 2.21:
run this file with ``TAPEFLOW_TEST_ORACLE=tensorflow`` in an environment that
has TF to check it again.  The file format is tapeflow's own (TF's is not
safe to load from untrusted sources), so the format tests -- atomic writes,
refusing damaged or pickled files, restoring nothing on a mismatch -- run on
tapeflow only.
"""

from __future__ import annotations

import doctest
import gc
import importlib
import io
import json
import logging
import os
import pathlib
import zipfile

import numpy as np
import pytest

ORACLE = os.environ.get("TAPEFLOW_TEST_ORACLE") == "tensorflow"
if ORACLE:
    import tensorflow as tf

    train = tf.train

    class Box(tf.Module):
        """A module-like object: trackable attributes."""

        def __init__(self, **attrs):
            super().__init__()
            for name, value in attrs.items():
                setattr(self, name, value)
else:
    import tapeflow as tf
    from tapeflow.train import checkpoint as train
    from tapeflow.train import checkpoint_format

    class Box:
        """A module-like object: trackable attributes."""

        def __init__(self, **attrs):
            for name, value in attrs.items():
                setattr(self, name, value)

tapeflow_only = pytest.mark.skipif(ORACLE, reason="tapeflow's own checkpoint format")
DataLossError = tf.errors.DataLossError
InvalidArgumentError = tf.errors.InvalidArgumentError
NotFoundError = tf.errors.NotFoundError


def exists(prefix):
    if ORACLE:
        return os.path.exists(prefix + ".index")
    return checkpoint_format.exists(prefix)


def keys(path):
    """The checkpoint's keys, TF's ``/.ATTRIBUTES/VARIABLE_VALUE`` suffix dropped."""
    if ORACLE:
        return sorted(k.replace("/.ATTRIBUTES/VARIABLE_VALUE", "")
                      for k, _ in tf.train.list_variables(path)
                      if k != "_CHECKPOINTABLE_OBJECT_GRAPH")
    return sorted(k for k, _ in train.list_variables(path))


def model():
    return Box(dense=Box(kernel=tf.Variable([[1.0, 2.0], [3.0, 4.0]]),
                         bias=tf.Variable([0.5, -0.5], dtype=tf.float64)),
               layers=[tf.Variable(1), {"scale": tf.Variable(2.0, dtype=tf.float16)}],
               flags=tf.Variable([True, False]),
               _hidden=tf.Variable(np.arange(3, dtype=np.int64)),
               z=tf.Variable(np.array([1 + 2j], dtype=np.complex64)),
               pixels=tf.Variable(np.array([0, 255], dtype=np.uint8)),
               not_tracked=tf.constant(1.0))


def values(m):
    return [m.dense.kernel, m.dense.bias, m.layers[0], m.layers[1]["scale"], m.flags, m._hidden,
            m.z, m.pixels]


# -- save / write: paths and numbering ---------------------------------------------------
def test_save_numbers_checkpoints_from_one(tmp_path):
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    prefix = str(tmp_path / "prefix")
    assert ckpt.save(prefix) == prefix + "-1"
    assert ckpt.save(prefix) == prefix + "-2"
    assert ckpt.save_counter.dtype == tf.int64 and int(ckpt.save_counter) == 2
    assert ckpt.save_counter.name == "save_counter:0" and not ckpt.save_counter.trainable
    assert ckpt.save(tmp_path / "other") == str(tmp_path / "other") + "-3"   # PathLike
    assert exists(prefix + "-1") and exists(prefix + "-2") and not exists(prefix)


def test_write_neither_numbers_nor_counts(tmp_path):
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    prefix = str(tmp_path / "w")
    assert ckpt.write(prefix) == prefix and exists(prefix)
    assert ckpt.write(pathlib.Path(prefix)) == prefix
    assert int(ckpt.save_counter) == 0
    assert train.latest_checkpoint(str(tmp_path)) is None
    assert ckpt.write(str(tmp_path / "new" / "dirs" / "w")) == str(tmp_path / "new/dirs/w")


def test_latest_checkpoint_follows_save(tmp_path):
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    assert train.latest_checkpoint(str(tmp_path)) is None
    assert train.latest_checkpoint(str(tmp_path / "missing")) is None
    ckpt.save(str(tmp_path / "a"))
    second = ckpt.save(str(tmp_path / "b"))
    ckpt.write(str(tmp_path / "c"))
    assert train.latest_checkpoint(str(tmp_path)) == second
    for name in os.listdir(tmp_path):   # the newest one's files are gone: None
        if name.startswith("b-2"):
            os.remove(tmp_path / name)
    assert train.latest_checkpoint(str(tmp_path)) is None


def test_latest_checkpoint_relative_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert train.Checkpoint(v=tf.Variable(1.0)).save("ckpt") == "ckpt-1"
    assert train.latest_checkpoint(".") == "./ckpt-1"
    assert train.latest_checkpoint("") == "ckpt-1"


# -- the object graph -------------------------------------------------------------------
def test_keys_are_attribute_paths(tmp_path):
    path = train.Checkpoint(model=model(), step=tf.Variable(0)).save(str(tmp_path / "c"))
    assert keys(path) == ["model/_hidden", "model/dense/bias", "model/dense/kernel",
                          "model/flags", "model/layers/0", "model/layers/1/scale",
                          "model/pixels", "model/z", "save_counter", "step"]


def test_keys_escape_dots_and_slashes_and_share_objects(tmp_path):
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    ckpt = train.Checkpoint(a=a, alias=a, lst=[a, b], d={"x/y": tf.Variable(3.0),
                                                         "p.q": tf.Variable(4.0)})
    assert keys(ckpt.write(str(tmp_path / "c"))) == ["a", "d/p..q", "d/x.Sy", "lst/1"]


def test_root_object_and_attributes_set_later(tmp_path):
    m = Box(w=tf.Variable(2.0), sub=Box(k=tf.Variable([1, 2])))
    ckpt = train.Checkpoint(m, extra=tf.Variable(3.0))
    assert ckpt.root is m
    ckpt.later = tf.Variable(4.0)   # with a root, not saved
    assert ckpt.later.numpy() == 4.0
    assert keys(ckpt.save(str(tmp_path / "c"))) == ["extra", "save_counter", "sub/k", "w"]
    plain = train.Checkpoint(a=tf.Variable(1.0))
    plain.later = tf.Variable(4.0)   # without one, saved
    assert keys(plain.write(str(tmp_path / "d"))) == ["a", "later"]
    with pytest.raises(ValueError, match="Cannot create a Checkpoint with keyword argument w "
                                         "if root.w already exists."):
        train.Checkpoint(m, w=tf.Variable(0.0))
    train.Checkpoint(m, w=m.w)   # the same object is fine


def test_nested_checkpoints(tmp_path):
    inner = train.Checkpoint(a=tf.Variable(1.0))
    inner.save_counter  # noqa: B018 - creates the counter
    outer = train.Checkpoint(inner=inner, b=tf.Variable(2.0))
    assert keys(outer.write(str(tmp_path / "c"))) == ["b", "inner/a", "inner/save_counter"]


@pytest.mark.parametrize("value", [5, "text", None, object()])
def test_arguments_must_be_trackable(value):
    with pytest.raises(ValueError, match="`Checkpoint` was expecting x to be a trackable object"):
        train.Checkpoint(x=value)
    with pytest.raises(ValueError, match="`Checkpoint` was expecting x to be a trackable object"):
        train.Checkpoint(x=tf.constant(1.0))


def test_non_string_dict_key_cannot_be_saved(tmp_path):
    ckpt = train.Checkpoint(x={1: tf.Variable(1.0)})
    with pytest.raises(ValueError, match="non-string key"):
        ckpt.write(str(tmp_path / "c"))
    train.Checkpoint(x={1: "not trackable", "v": tf.Variable(1.0)}).write(str(tmp_path / "d"))


# -- restoring --------------------------------------------------------------------------
def test_round_trip_values_dtypes_nested(tmp_path):
    saved = model()
    path = train.Checkpoint(model=saved).save(str(tmp_path / "c"))
    fresh = model()
    for v in values(fresh):
        v.assign(tf.zeros_like(v))
    status = train.Checkpoint(model=fresh).restore(path)
    status.assert_consumed().assert_existing_objects_matched().assert_nontrivial_match()
    for got, want in zip(values(fresh), values(saved)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_restore_assigns_and_keeps_handed_out_tensors(tmp_path):
    v = tf.Variable([1.0, 2.0])
    ckpt = train.Checkpoint(v=v)
    path = ckpt.write(str(tmp_path / "c"))
    v.assign([5.0, 6.0])
    before = v.read_value()
    ckpt.read(path).assert_consumed()
    assert before.numpy().tolist() == [5.0, 6.0]
    assert v.numpy().tolist() == [1.0, 2.0]


def test_restore_continues_the_numbering(tmp_path):
    prefix = str(tmp_path / "c")
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    first = ckpt.save(prefix)
    ckpt.save(prefix)
    again = train.Checkpoint(v=tf.Variable(0.0))
    again.restore(first).assert_consumed()
    assert int(again.save_counter) == 1
    assert again.save(str(tmp_path / "d")) == str(tmp_path / "d") + "-2"


def test_restore_none_is_a_no_op_whose_assertions_fail():
    v = tf.Variable(3.0)
    ckpt = train.Checkpoint(v=v)
    status = ckpt.restore(None)
    message = r"No checkpoint specified \(save_path=None\); nothing is being restored."
    for check in (status.assert_consumed, status.assert_existing_objects_matched,
                  status.assert_nontrivial_match):
        with pytest.raises(AssertionError, match=message):
            check()
    assert status.expect_partial() is status
    with pytest.raises(AssertionError, match="No checkpoint specified, so no restore ops"):
        status.run_restore_ops()
    assert v.numpy() == 3.0 and int(ckpt.save_counter) == 0


def test_partial_restores_and_status_assertions(tmp_path):
    path = train.Checkpoint(a=tf.Variable([1.0, 2.0]), b=tf.Variable(3.0)).write(
        str(tmp_path / "c"))
    # The checkpoint holds more than the program.
    a = tf.Variable([0.0, 0.0])
    status = train.Checkpoint(a=a).read(path)
    assert a.numpy().tolist() == [1.0, 2.0]
    assert status.assert_existing_objects_matched() is status
    assert status.assert_nontrivial_match() is status
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\).b"):
        status.assert_consumed()
    assert status.expect_partial() is status
    # The program holds more than the checkpoint.
    status = train.Checkpoint(a=tf.Variable([0.0, 0.0]), b=tf.Variable(0.0),
                              c=tf.Variable(7.0)).read(path)
    for check in (status.assert_existing_objects_matched, status.assert_consumed):
        with pytest.raises(AssertionError, match="Found 1 Python objects that were not bound to "
                                                 "checkpointed values"):
            check()
    # Nothing matches.
    status = train.Checkpoint(z=tf.Variable(0.0)).read(path)
    status.expect_partial()
    with pytest.raises(AssertionError, match="Nothing except the root object matched"):
        status.assert_nontrivial_match()
    with pytest.raises(AssertionError, match="Nothing to load"):
        train.Checkpoint().read(path).expect_partial().assert_nontrivial_match()
    # Containers without Variables need no value.
    train.Checkpoint(a=tf.Variable([0.0, 0.0]), b=tf.Variable(0.0), e=[]).read(path) \
        .assert_consumed()


def test_restore_expects_save_counter_and_read_does_not(tmp_path):
    written = train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "w"))
    with pytest.raises(AssertionError, match="not bound to checkpointed values"):
        train.Checkpoint(v=tf.Variable(0.0)).restore(written).assert_consumed()
    train.Checkpoint(v=tf.Variable(0.0)).read(written).assert_consumed()

    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    ckpt.save(str(tmp_path / "s"))
    saved = ckpt.save(str(tmp_path / "s"))
    reader = train.Checkpoint(v=tf.Variable(0.0))
    status = reader.read(saved)
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint "
                                             r"\(root\).save_counter"):
        status.assert_consumed()
    assert int(reader.save_counter) == 2   # restored when created
    status.assert_consumed()


def test_missing_checkpoint_is_not_found(tmp_path):
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    missing = str(tmp_path / "nope")
    with pytest.raises(NotFoundError, match="(?s)Failed to find any matching files for "
                                            f"{missing}.*missing the checkpoint suffix"):
        ckpt.restore(missing)
    with pytest.raises(NotFoundError, match="Failed to find any matching files"):
        ckpt.read(missing)


def test_mismatched_shape_and_dtype_are_refused(tmp_path):
    path = train.Checkpoint(a=tf.Variable([1.0, 2.0]), b=tf.Variable(3.0)).write(
        str(tmp_path / "c"))
    with pytest.raises(ValueError, match=r"Received incompatible tensor with shape \(2,\) when "
                                         r"attempting to restore variable with shape \(3,\)"):
        train.Checkpoint(a=tf.Variable([0.0, 0.0, 0.0]), b=tf.Variable(0.0)).read(path)
    with pytest.raises(InvalidArgumentError, match="tensor_name = a.*expected dtype"):
        train.Checkpoint(a=tf.Variable([0, 0]), b=tf.Variable(0.0)).read(path)


# -- CheckpointManager ------------------------------------------------------------------
def test_manager_keeps_the_newest(tmp_path):
    directory = str(tmp_path / "run")
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    manager = train.CheckpointManager(ckpt, directory, max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    assert manager.directory == directory and not os.path.exists(directory)
    paths = [manager.save() for _ in range(4)]
    assert paths == [os.path.join(directory, f"ckpt-{n}") for n in (1, 2, 3, 4)]
    assert int(ckpt.save_counter) == 4
    assert manager.checkpoints == paths[2:] and manager.latest_checkpoint == paths[3]
    assert [exists(p) for p in paths] == [False, False, True, True]
    assert train.latest_checkpoint(directory) == paths[3]


def test_manager_checkpoint_numbers(tmp_path):
    directory = str(tmp_path)
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    manager = train.CheckpointManager(ckpt, directory, max_to_keep=2)
    for _ in range(4):
        manager.save()
    join = lambda n: os.path.join(directory, f"ckpt-{n}")   # noqa: E731
    assert manager.save(checkpoint_number=100) == join(100) and int(ckpt.save_counter) == 5
    number = tf.Variable(7, dtype=tf.int64)
    assert manager.save(checkpoint_number=number) == join(7) and int(number) == 7
    assert manager.save() == join(7) and int(ckpt.save_counter) == 7   # overwritten: counter 7
    assert manager.checkpoints == [join(100), join(7)]
    assert manager.save(checkpoint_number=3) == join(3)
    assert manager.checkpoints == [join(7), join(3)]   # oldest saved goes first, not lowest
    assert not exists(join(100))
    recovered = train.CheckpointManager(ckpt, directory, max_to_keep=3)
    assert recovered.checkpoints == [join(7), join(3)]
    assert recovered.latest_checkpoint == join(3) == train.latest_checkpoint(directory)


@pytest.mark.parametrize("max_to_keep", [0, -1])
def test_manager_max_to_keep_must_be_positive(tmp_path, max_to_keep):
    with pytest.raises(ValueError, match="Expected a positive integer or `None` for "
                                         f"`max_to_keep`, got {max_to_keep}."):
        train.CheckpointManager(train.Checkpoint(), str(tmp_path), max_to_keep=max_to_keep)


def test_manager_without_limit_and_custom_name(tmp_path):
    manager = train.CheckpointManager(train.Checkpoint(v=tf.Variable(1.0)), str(tmp_path),
                                      max_to_keep=None, checkpoint_name="model")
    paths = [manager.save() for _ in range(3)]
    assert manager.checkpoints == paths and all(exists(p) for p in paths)
    assert paths[0] == os.path.join(str(tmp_path), "model-1")


def test_manager_relative_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    manager = train.CheckpointManager(train.Checkpoint(v=tf.Variable(1.0)), "rel", max_to_keep=2)
    assert manager.save() == "rel/ckpt-1" == manager.latest_checkpoint
    assert train.latest_checkpoint("rel") == "rel/ckpt-1"


def test_manager_ignores_checkpoints_from_checkpoint_save(tmp_path):
    # Checkpoint.save records no timestamps, so a manager does not take them over (TF).
    ckpt = train.Checkpoint(v=tf.Variable(1.0))
    first = ckpt.save(str(tmp_path / "ckpt"))
    manager = train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=5)
    assert manager.checkpoints == [] and manager.latest_checkpoint == first
    assert manager.save() == str(tmp_path / "ckpt-2")


def test_manager_keep_every_n_hours_preserves_files(tmp_path):
    manager = train.CheckpointManager(train.Checkpoint(v=tf.Variable(1.0)), str(tmp_path),
                                      max_to_keep=1, keep_checkpoint_every_n_hours=1e-9)
    paths = [manager.save() for _ in range(3)]
    assert manager.checkpoints == paths[2:]
    assert all(exists(p) for p in paths)


def test_manager_checkpoint_interval(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    manager = train.CheckpointManager(train.Checkpoint(step=step), str(tmp_path), max_to_keep=3,
                                      step_counter=step, checkpoint_interval=5)
    assert manager.save() is not None
    step.assign(3)
    assert manager.save() is None
    assert manager.save(check_interval=False) is not None
    assert manager.save(check_interval=False) is None   # same step twice
    step.assign(8)
    assert manager.save() is not None
    with pytest.raises(ValueError, match="`step_counter` should be passed"):
        train.CheckpointManager(train.Checkpoint(), str(tmp_path), 1, checkpoint_interval=5)


def test_manager_restore_or_initialize(tmp_path):
    v = tf.Variable(1.0)
    calls = []
    manager = train.CheckpointManager(train.Checkpoint(v=v), str(tmp_path), max_to_keep=2,
                                      init_fn=lambda: calls.append(1))
    assert manager.restore_or_initialize() is None and calls == [1]
    path = manager.save()
    v.assign(9.0)
    again = train.CheckpointManager(train.Checkpoint(v=v), str(tmp_path), max_to_keep=2)
    assert again.restore_or_initialize() == path and v.numpy() == 1.0


@tapeflow_only
@pytest.mark.parametrize("module", ["checkpoint", "checkpoint_format", "checkpoint_management"])
def test_docstring_examples(module):
    module = importlib.import_module(f"tapeflow.train.{module}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- tapeflow's checkpoint file ---------------------------------------------------------
@tapeflow_only
def test_the_file_is_a_safe_npz_with_a_json_header(tmp_path):
    path = train.Checkpoint(v=tf.Variable([1.0, 2.0])).save(str(tmp_path / "c"))
    assert sorted(os.listdir(tmp_path)) == ["c-1.tfckpt.npz", "checkpoint"]
    with np.load(path + ".tfckpt.npz", allow_pickle=False) as npz:
        header = json.loads(npz["header"].tobytes())
        assert header["format"] == "tapeflow-checkpoint" and header["version"] == 1
        assert len(header["sha256"]) == 64
        entries = {e["key"]: e for e in header["entries"]}
        assert entries["v"]["dtype"] == "<f4" and entries["v"]["shape"] == [2]
        np.testing.assert_array_equal(npz[entries["v"]["member"]], [1.0, 2.0])
        assert npz[entries["save_counter"]["member"]].dtype == np.int64
    assert train.Checkpoint(v=tf.Variable([0.0, 0.0])).restore(path + ".tfckpt.npz") \
        .assert_consumed()
    state = json.loads((tmp_path / "checkpoint").read_text())
    assert state["model_checkpoint_path"] == "c-1"
    assert train.load_variable(str(tmp_path), "v").tolist() == [1.0, 2.0]


@tapeflow_only
def test_crash_mid_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    v, w = tf.Variable([1.0, 2.0]), tf.Variable(np.zeros(1000))
    ckpt = train.Checkpoint(v=v, w=w)
    prefix = str(tmp_path / "c")
    ckpt.write(prefix)
    before = sorted(os.listdir(tmp_path))
    real_write = np.lib.format.write_array
    calls = []

    def crash_on_second_array(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:   # header, then v, then crash inside w, half written
            fp.write(b"\x93NUMPY partial bytes")
            raise OSError("disk on fire")
        return real_write(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", crash_on_second_array)
    v.assign([5.0, 6.0])
    with pytest.raises(OSError, match="disk on fire"):
        ckpt.write(prefix)
    calls.clear()
    with pytest.raises(OSError, match="disk on fire"):
        ckpt.write(str(tmp_path / "fresh"))
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == before   # no temp files, no half-written "fresh"
    ckpt.read(prefix).assert_consumed()
    assert v.numpy().tolist() == [1.0, 2.0]


@tapeflow_only
def test_crash_between_saves_keeps_the_manager_state(tmp_path, monkeypatch):
    manager = train.CheckpointManager(train.Checkpoint(v=tf.Variable(1.0)), str(tmp_path), 2)
    first = manager.save()
    monkeypatch.setattr(np.lib.format, "write_array", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        manager.save()
    monkeypatch.undo()
    assert train.latest_checkpoint(str(tmp_path)) == first


def _saved(tmp_path, **variables):
    path = train.Checkpoint(**variables).write(str(tmp_path / "c"))
    return path, path + ".tfckpt.npz"


def _refused(path, match):
    with pytest.raises(DataLossError, match=match) as info:
        train.Checkpoint(v=tf.Variable([0.0, 0.0])).read(path)
    assert str(info.value).startswith("Refusing to load checkpoint file ")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    return str(info.value)


@tapeflow_only
def test_flipped_byte_is_a_checksum_mismatch(tmp_path):
    path, file = _saved(tmp_path, v=tf.Variable([1.0, 2.0]))
    data = bytearray(pathlib.Path(file).read_bytes())
    offset = data.rfind(np.float32(2.0).tobytes())
    data[offset] ^= 0x01
    pathlib.Path(file).write_bytes(bytes(data))
    message = _refused(path, "checksum mismatch")
    assert file in message


@tapeflow_only
@pytest.mark.parametrize("keep", [0, 10, 0.5, -20])
def test_truncated_file_is_refused(tmp_path, keep):
    path, file = _saved(tmp_path, v=tf.Variable([1.0, 2.0]))
    data = pathlib.Path(file).read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    pathlib.Path(file).write_bytes(data[:cut])
    _refused(path, "truncated")


@tapeflow_only
@pytest.mark.parametrize("content", [b"hello, not a checkpoint", b"\x89HDF\r\n\x1a\n" + b"0" * 64])
def test_other_files_are_not_checkpoints(tmp_path, content):
    (tmp_path / "c.tfckpt.npz").write_bytes(content)
    _refused(str(tmp_path / "c"), "not a tapeflow checkpoint")


@tapeflow_only
def test_a_plain_npz_is_not_a_checkpoint(tmp_path):
    np.savez(tmp_path / "c.tfckpt.npz", v=np.zeros(2, np.float32))
    _refused(str(tmp_path / "c"), r"not a tapeflow checkpoint \(no header.npy entry\)")


def _rewrite(file, header=None, members=None, compression=zipfile.ZIP_STORED):
    """Rebuild the archive ``file`` with an edited header and/or replaced members."""
    with zipfile.ZipFile(file) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    old = json.loads(np.lib.format.read_array(io.BytesIO(contents["header.npy"])).tobytes())
    header = header(old) if header else old
    with zipfile.ZipFile(file, "w", compression) as archive:
        with archive.open("header.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(json.dumps(header).encode(), np.uint8))
        for name, data in contents.items():
            if name == "header.npy":
                continue
            if members and name in members:
                with archive.open(name, "w") as f:
                    if isinstance(members[name], bytes):
                        f.write(members[name])
                    else:
                        np.lib.format.write_array(f, members[name], allow_pickle=True)
            else:
                archive.writestr(name, data)


@tapeflow_only
@pytest.mark.parametrize("edit, match", [
    (lambda h: {**h, "entries": [{**h["entries"][0], "key": "w"}]}, "checksum mismatch"),
    (lambda h: {**h, "entries": [{**h["entries"][0], "shape": [3]}]}, r"is <f4\[2\], the header "
                                                                      r"says <f4\[3\]"),
    (lambda h: {**h, "entries": [{**h["entries"][0], "shape": [10**12]}]},
     "does not have the size its header entry declares"),
    (lambda h: {**h, "entries": [{**h["entries"][0], "dtype": "|O"}]}, "never hold"),
    (lambda h: {**h, "entries": [{**h["entries"][0], "dtype": "<f8"}]}, "the header says <f8"),
    (lambda h: {**h, "entries": [{**h["entries"][0], "shape": [-1]}]}, "malformed entry"),
    (lambda h: {**h, "sha256": "0" * 64}, "checksum mismatch"),
    (lambda h: {**h, "sha256": "nope"}, "no valid sha256"),
    (lambda h: {**h, "version": 99}, "format version 99"),
    (lambda h: {**h, "format": "other"}, "not a tapeflow checkpoint"),
    (lambda h: {**h, "entries": []}, "members the header does not list"),
    (lambda h: [1, 2], "not a tapeflow checkpoint"),
])
def test_edited_header_is_refused(tmp_path, edit, match):
    path, file = _saved(tmp_path, v=tf.Variable([1.0, 2.0]))
    _rewrite(file, header=edit)
    _refused(path, match)


@tapeflow_only
def test_compressed_members_are_refused(tmp_path):
    path, file = _saved(tmp_path, v=tf.Variable([1.0, 2.0]))
    _rewrite(file, compression=zipfile.ZIP_DEFLATED)
    _refused(path, "compressed")


@tapeflow_only
def test_forged_array_header_allocates_nothing(tmp_path):
    path, file = _saved(tmp_path, v=tf.Variable([1.0, 2.0]))
    forged = io.BytesIO()
    np.lib.format.write_array_header_1_0(forged, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**12,)})
    _rewrite(file, members={"a0.npy": forged.getvalue() + b"\0" * 8})
    _refused(path, r"truncated: 'a0.npy' is shorter than the \(1000000000000,\) array")


executed = []


def _record_execution(what):
    executed.append(what)


class Payload:
    """Unpickling this would run code: it calls _record_execution."""

    def __reduce__(self):
        return _record_execution, ("unpickled!",)


@tapeflow_only
def test_pickled_object_array_is_refused_without_running_it(tmp_path):
    path, file = _saved(tmp_path, v=tf.Variable([1.0, 2.0]))
    member = "a0.npy"
    _rewrite(file, members={member: np.array([Payload(), Payload()], dtype=object)})
    _refused(path, "pickled object array; refused")
    _rewrite(file, header=lambda h: {**h, "entries": [{**h["entries"][0], "dtype": "|O"}]})
    _refused(path, "never hold")
    assert executed == []


@tapeflow_only
def test_damaged_file_changes_nothing(tmp_path):
    v = tf.Variable([1.0, 2.0])
    path, file = _saved(tmp_path, v=v)
    pathlib.Path(file).write_bytes(pathlib.Path(file).read_bytes()[:-7])
    v.assign([3.0, 4.0])
    with pytest.raises(DataLossError):
        train.Checkpoint(v=v).restore(path)
    assert v.numpy().tolist() == [3.0, 4.0]


@tapeflow_only
def test_mismatch_restores_nothing(tmp_path):
    path = train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable([1.0, 2.0]),
                            c=tf.Variable(3.0)).write(str(tmp_path / "c"))
    a, b, c = tf.Variable(0.0), tf.Variable([0.0, 0.0, 0.0]), tf.Variable(0.0)
    with pytest.raises(ValueError, match="nothing was restored"):
        train.Checkpoint(a=a, b=b, c=c).read(path)
    c64 = tf.Variable(0.0, dtype=tf.float64)
    with pytest.raises(InvalidArgumentError, match="expected dtype float64 does not equal "
                                                   "original dtype float32"):
        train.Checkpoint(a=a, b=tf.Variable([0.0, 0.0]), c=c64).read(path)
    assert [float(a), float(c), float(c64)] == [0.0, 0.0, 0.0]
    assert b.numpy().tolist() == [0.0, 0.0, 0.0]


@tapeflow_only
def test_unstorable_dtypes_are_refused_at_save(tmp_path):
    ckpt = train.Checkpoint(s=tf.Variable(["a", "b"]))
    with pytest.raises(TypeError, match="Cannot save 's': dtype object is not storable"):
        ckpt.write(str(tmp_path / "c"))
    assert os.listdir(tmp_path) == []


@tapeflow_only
def test_unused_values_are_logged_unless_expect_partial(tmp_path, caplog):
    path = train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0)).write(str(tmp_path / "c"))
    with caplog.at_level(logging.WARNING):
        train.Checkpoint(a=tf.Variable(0.0)).read(path).expect_partial()
        gc.collect()
        assert caplog.records == []
        train.Checkpoint(a=tf.Variable(0.0)).read(path)
        gc.collect()
    assert "could not be found in the restored object: ['b']" in caplog.text


# -- the state protocol (optimizers) ----------------------------------------------------
class FakeOptimizer:
    """Keeps an iteration count and lazily created slots, behind the state protocol."""

    def __init__(self):
        self.iterations = tf.Variable(0, dtype=tf.int64)
        self.slots = {}
        self.pending = {}

    def apply(self, variables):
        self.iterations.assign_add(1)
        for i, v in enumerate(variables):
            if f"m/{i}" not in self.slots:
                self.slots[f"m/{i}"] = np.asarray(self.pending.pop(f"m/{i}", np.zeros(v.shape,
                                                                                      np.float32)))
            self.slots[f"m/{i}"] = self.slots[f"m/{i}"] + 1.0

    def _checkpoint_state(self):
        return {"iterations": self.iterations, **self.slots}

    def _restore_checkpoint_state(self, state):
        for name, value in state.items():
            if name == "iterations":
                self.iterations.assign(value)
            elif name in self.slots:
                self.slots[name] = value.copy()
            else:
                self.pending[name] = value.copy()   # created later, by apply


@tapeflow_only
def test_state_protocol_round_trip(tmp_path):
    w = tf.Variable([1.0, 2.0])
    opt = FakeOptimizer()
    opt.apply([w])
    opt.apply([w])
    path = train.Checkpoint(model=Box(w=w), optimizer=opt).write(str(tmp_path / "c"))
    assert keys(path) == ["model/w", "optimizer/iterations", "optimizer/m/0"]
    # Into a fresh optimizer whose slots do not exist yet: they wait in `pending`.
    fresh = FakeOptimizer()
    w2 = tf.Variable([0.0, 0.0])
    train.Checkpoint(model=Box(w=w2), optimizer=fresh).read(path).assert_consumed()
    assert int(fresh.iterations) == 2 and list(fresh.pending) == ["m/0"]
    fresh.apply([w2])
    assert fresh.slots["m/0"].tolist() == [3.0, 3.0]
    # Into one with the slots: assigned directly.
    built = FakeOptimizer()
    built.apply([w2])
    train.Checkpoint(model=Box(w=w2), optimizer=built).read(path).assert_consumed()
    assert built.slots["m/0"].tolist() == [2.0, 2.0]


@tapeflow_only
def test_state_protocol_mismatch_restores_nothing(tmp_path):
    opt = FakeOptimizer()
    opt.apply([tf.Variable([1.0, 2.0])])
    w = tf.Variable(5.0)
    path = train.Checkpoint(w=w, optimizer=opt).write(str(tmp_path / "c"))
    other = FakeOptimizer()
    other.apply([tf.Variable([1.0, 2.0, 3.0])])
    w.assign(0.0)
    with pytest.raises(ValueError, match="optimizer/m/0"):
        train.Checkpoint(w=w, optimizer=other).read(path)
    assert float(w) == 0.0 and int(other.iterations) == 1


@tapeflow_only
def test_state_protocol_status_sees_unmatched_state(tmp_path):
    path = train.Checkpoint(optimizer=FakeOptimizer()).write(str(tmp_path / "c"))
    opt = FakeOptimizer()
    opt.apply([tf.Variable(1.0)])
    status = train.Checkpoint(optimizer=opt).read(path)
    with pytest.raises(AssertionError, match=r"optimizer/m/0: \(state of FakeOptimizer\)"):
        status.assert_existing_objects_matched()
