"""The tapeflow checkpoint file: one NumPy ``.npz`` archive per checkpoint, safe to load.

A checkpoint with prefix ``path/ckpt-3`` is the single file ``path/ckpt-3.tfckpt.npz``
(:data:`SUFFIX`).  The format is our own, not TF's (TF writes ``.index`` and
``.data-*`` files); only the API around it follows TF.

Layout
------
An uncompressed (``ZIP_STORED``) zip archive of ``.npy`` members, readable by
``np.load(path, allow_pickle=False)``:

- ``header.npy``: a 1-D ``uint8`` array holding UTF-8 JSON::

      {"format": "tapeflow-checkpoint", "version": 1,
       "entries": [{"key": "model/dense/kernel", "member": "a0",
                    "dtype": "<f4", "shape": [3, 2]}, ...],
       "sha256": "<64 hex digits>"}

- ``a0.npy``, ``a1.npy``, ...: one array per entry.  Member names are
  numbered so that keys (any string) never become file names.

``sha256`` is the SHA-256 of the canonical JSON of ``entries``
(``json.dumps(entries, sort_keys=True, separators=(",", ":"))``, UTF-8)
followed by every array's bytes (C order, the stored little-endian dtype), in
entry order.  It covers the manifest and the data; the zip CRCs are checked too.

Safety
------
Reading never unpickles: each member's ``.npy`` header is parsed first and only
``bool``, integer, float and complex dtypes in C order are accepted (object --
pickled -- and string arrays are refused before any data is read).  Members
must be stored uncompressed (no zip bombs).  An array's declared size must
match its header entry and lie inside the file, so a forged header cannot make
the reader allocate more than the file holds.  Any failure is a
:class:`~tapeflow.errors.DataLossError` naming the file and what failed (not a
tapeflow checkpoint / truncated / checksum mismatch / ...), never a NumPy
traceback; a missing file is a :class:`~tapeflow.errors.NotFoundError`.

Atomic writes
-------------
A file is written to a temporary name in the same directory
(``.<name>.<random>.tmp``), flushed, ``fsync``-ed, then moved over the final
name with ``os.replace`` (and the directory ``fsync``-ed).  A crash mid-write
leaves the previous file intact and nothing half-written under the final
name; a killed process may leave a ``.tmp`` file behind, which readers ignore.

>>> import os, tempfile, numpy as np
>>> prefix = os.path.join(tempfile.mkdtemp(), "demo")
>>> write_arrays(prefix, {"w": np.arange(3.0)})
>>> read_arrays(prefix)["w"]
array([0., 1., 2.])
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import zipfile
from collections.abc import Iterator
from typing import IO

import numpy as np

from tapeflow.core.errors import DataLossError, NotFoundError

__all__ = ["SUFFIX", "FORMAT", "VERSION", "data_path", "exists", "remove", "write_arrays",
           "read_arrays", "atomic_write_bytes"]

SUFFIX = ".tfckpt.npz"
FORMAT = "tapeflow-checkpoint"
VERSION = 1

_HEADER_MEMBER = "header.npy"
_MAX_HEADER_BYTES = 64 << 20
# A .npy member is its array's bytes plus a small header (NumPy refuses headers
# over 10,000 bytes).
_NPY_HEADER_SLACK = 16 << 10
_STORABLE_KINDS = "biufc"   # bool, signed, unsigned, float, complex


class _Refused(Exception):
    """Why a file is not a loadable checkpoint (turned into a DataLossError)."""


def data_path(prefix: str) -> str:
    """The checkpoint file for ``prefix``: ``prefix + SUFFIX``."""
    return prefix + SUFFIX


def exists(prefix: str) -> bool:
    """Whether the checkpoint file for ``prefix`` exists."""
    return os.path.isfile(data_path(prefix))


def remove(prefix: str) -> None:
    """Delete the checkpoint file for ``prefix`` if there is one."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(data_path(prefix))


# -- writing ----------------------------------------------------------------------------
def _storable(key: str, value: np.ndarray) -> np.ndarray:
    """``value`` as a C-ordered little-endian array, or TypeError for unstorable dtypes."""
    arr = np.asarray(value)
    if arr.dtype.kind not in _STORABLE_KINDS:
        raise TypeError(f"Cannot save {key!r}: dtype {arr.dtype} is not storable; tapeflow "
                        f"checkpoints hold bool, integer, float and complex arrays only.")
    return arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)


def _flat_bytes(arr: np.ndarray) -> np.ndarray:
    """The array's bytes as a flat uint8 view (no copy), for hashing."""
    return arr.reshape(-1).view(np.uint8)


def _digest(entries: list[dict], arrays: list[np.ndarray]) -> str:
    hasher = hashlib.sha256(json.dumps(entries, sort_keys=True, separators=(",", ":"))
                            .encode("utf-8"))
    for arr in arrays:
        hasher.update(_flat_bytes(arr))
    return hasher.hexdigest()


def write_arrays(prefix: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` (key -> array) atomically as the checkpoint file of ``prefix``.

    Missing directories are created.  Raises TypeError, before writing
    anything, if an array's dtype is not storable.

    >>> import tempfile, numpy as np
    >>> prefix = tempfile.mkdtemp() + "/x"
    >>> write_arrays(prefix, {"a/b": np.ones(2, np.int64)})
    >>> exists(prefix)
    True
    """
    stored = [_storable(key, value) for key, value in arrays.items()]
    entries = [{"key": key, "member": f"a{i}", "dtype": arr.dtype.str, "shape": list(arr.shape)}
               for i, (key, arr) in enumerate(zip(arrays, stored))]
    header = {"format": FORMAT, "version": VERSION, "entries": entries,
              "sha256": _digest(entries, stored)}
    header_bytes = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    with _atomic_file(data_path(prefix)) as f, \
            zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        _write_member(archive, _HEADER_MEMBER, header_bytes)
        for entry, arr in zip(entries, stored):
            _write_member(archive, entry["member"] + ".npy", arr)


def _write_member(archive: zipfile.ZipFile, name: str, arr: np.ndarray) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        np.lib.format.write_array(member, arr, allow_pickle=False)


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Replace the file ``path`` by ``data`` atomically (temp file, fsync, os.replace)."""
    with _atomic_file(path) as f:
        f.write(data)


@contextlib.contextmanager
def _atomic_file(path: str) -> Iterator[IO[bytes]]:
    """A new file that replaces ``path`` only if the ``with`` body finishes."""
    directory, name = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    # os.open with 0o666 (not mkstemp's 0o600) lets the umask decide, like a plain open().
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; not possible on every platform (Windows), so best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- reading ----------------------------------------------------------------------------
def read_arrays(prefix: str) -> dict[str, np.ndarray]:
    """Read and fully verify the checkpoint file of ``prefix`` (or that file's own path).

    Returns key -> array (native byte order).  Raises NotFoundError if there is
    no file, DataLossError naming the file and the fault if it is not a valid
    tapeflow checkpoint.

    >>> import tempfile, numpy as np
    >>> prefix = tempfile.mkdtemp() + "/x"
    >>> write_arrays(prefix, {"v": np.float32(2.5)})
    >>> read_arrays(prefix)
    {'v': array(2.5, dtype=float32)}
    """
    path = prefix if prefix.endswith(SUFFIX) and os.path.isfile(prefix) else data_path(prefix)
    if not os.path.isfile(path):
        raise NotFoundError(None, None, f"Failed to find any matching files for {prefix} "
                                        f"(no tapeflow checkpoint file {path})")
    try:
        with open(path, "rb") as f:
            return _read_archive(f)
    except _Refused as refusal:
        reason = str(refusal)
    except Exception as error:  # zipfile, numpy, json, OS errors: all mean a damaged file
        reason = f"the file is damaged or truncated ({type(error).__name__}: {error})"
    raise DataLossError(None, None, f"Refusing to load checkpoint file {path}: {reason}") \
        from None


def _read_archive(f: IO[bytes]) -> dict[str, np.ndarray]:
    size = os.fstat(f.fileno()).st_size
    magic = f.read(4)
    if not magic:
        raise _Refused("truncated: the file is empty")
    if magic != b"PK\x03\x04":
        raise _Refused("not a tapeflow checkpoint (not an .npz/zip archive)")
    f.seek(0)
    try:
        archive = zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        raise _Refused("truncated or damaged: the zip directory at the end of the file is "
                       "missing or unreadable") from None
    with archive:
        infos = _check_members(archive, size)
        header = _read_header(archive, infos)
        entries = _check_entries(header, infos)
        arrays = [_read_entry(archive, infos[entry["member"] + ".npy"], entry)
                  for entry in entries]
    if _digest(entries, arrays) != header["sha256"]:
        raise _Refused("checksum mismatch: the SHA-256 of the stored arrays differs from the "
                       "one in the header; the file is corrupted")
    native = (arr.astype(arr.dtype.newbyteorder("="), copy=False) for arr in arrays)
    return {entry["key"]: arr for entry, arr in zip(entries, native)}


def _check_members(archive: zipfile.ZipFile, size: int) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    by_name = {info.filename: info for info in infos}
    if len(by_name) != len(infos):
        raise _Refused("damaged: the archive lists a member twice")
    if _HEADER_MEMBER not in by_name:
        raise _Refused(f"not a tapeflow checkpoint (no {_HEADER_MEMBER} entry)")
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise _Refused(f"member {info.filename!r} is compressed or encrypted; tapeflow "
                           f"checkpoints are stored uncompressed")
        if info.compress_size != info.file_size or \
                info.header_offset + info.compress_size > size:
            raise _Refused(f"truncated: member {info.filename!r} claims more bytes than the "
                           f"file holds")
    return by_name


def _read_header(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict:
    info = infos[_HEADER_MEMBER]
    if info.file_size > _MAX_HEADER_BYTES:
        raise _Refused("the header is implausibly large")
    raw = _read_npy(archive, info)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Refused("not a tapeflow checkpoint (the header is not a uint8 vector)")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _Refused(f"the JSON header is damaged ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _Refused("not a tapeflow checkpoint (the header names no tapeflow format)")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise _Refused(f"the header has an invalid format version {version!r}")
    if version > VERSION:
        raise _Refused(f"written in format version {version}; this tapeflow reads version "
                       f"{VERSION} and older")
    digest = header.get("sha256")
    if not (isinstance(digest, str) and len(digest) == 64
            and all(c in "0123456789abcdef" for c in digest)):
        raise _Refused("the header has no valid sha256 checksum")
    return header


def _check_entries(header: dict, infos: dict[str, zipfile.ZipInfo]) -> list[dict]:
    entries = header.get("entries")
    if not isinstance(entries, list):
        raise _Refused("the header has no entry list")
    keys, members = set(), set()
    for entry in entries:
        if not (isinstance(entry, dict) and set(entry) == {"key", "member", "dtype", "shape"}
                and isinstance(entry["key"], str) and isinstance(entry["member"], str)
                and isinstance(entry["dtype"], str) and isinstance(entry["shape"], list)
                and all(type(d) is int and d >= 0 for d in entry["shape"])):
            raise _Refused(f"the header has a malformed entry: {entry!r:.200}")
        if entry["key"] in keys or entry["member"] in members:
            raise _Refused(f"the header lists {entry['key']!r} twice")
        keys.add(entry["key"])
        members.add(entry["member"])
        if entry["member"] + ".npy" not in infos:
            raise _Refused(f"truncated: the array of {entry['key']!r} is missing")
        _entry_dtype(entry)
    extra = set(infos) - {m + ".npy" for m in members} - {_HEADER_MEMBER}
    if extra:
        raise _Refused(f"the archive holds members the header does not list: "
                       f"{sorted(extra)[:5]}")
    return entries


def _entry_dtype(entry: dict) -> np.dtype:
    try:
        dtype = np.dtype(entry["dtype"])
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in _STORABLE_KINDS or dtype.str != entry["dtype"]:
        raise _Refused(f"{entry['key']!r} has dtype {entry['dtype']!r}, which tapeflow "
                       f"checkpoints never hold (only bool, integer, float, complex)")
    return dtype


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: dict) -> np.ndarray:
    dtype = _entry_dtype(entry)
    nbytes = dtype.itemsize * math.prod(entry["shape"])
    if not nbytes <= info.file_size <= nbytes + _NPY_HEADER_SLACK:
        raise _Refused(f"the array of {entry['key']!r} does not have the size its header entry "
                       f"declares ({info.file_size} bytes stored for {nbytes} bytes of data)")
    arr = _read_npy(archive, info)
    if arr.dtype.str != entry["dtype"] or list(arr.shape) != entry["shape"]:
        raise _Refused(f"the array of {entry['key']!r} is {arr.dtype.str}{list(arr.shape)}, "
                       f"the header says {entry['dtype']}{entry['shape']}")
    return arr


def _read_npy(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member, read by hand: its header is checked before any data is read.

    NumPy's ``read_array`` would allocate whatever the member's header claims;
    here the array must fit in the member, which fits in the file.
    """
    name = info.filename
    try:
        with archive.open(info) as member:
            arr = _npy_array(member, name, info.file_size)
            _read_exactly(member, memoryview(arr.reshape(-1).view(np.uint8)), name)
            # Reading to the end makes zipfile check the member's CRC-32.
            if member.read(1):
                raise _Refused(f"{name!r} has bytes after its array")
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):
            raise _Refused(f"checksum mismatch: {name!r} fails its zip CRC-32 check; the file "
                           f"is corrupted") from None
        raise
    return arr


def _npy_array(member: IO[bytes], name: str, size: int) -> np.ndarray:
    """An empty array shaped as the ``.npy`` header at ``member``'s start says, if acceptable."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise _Refused(f"{name!r} is a .npy version {version}, which tapeflow never writes")
    if dtype.hasobject:
        raise _Refused(f"{name!r} is a pickled object array; refused, because loading it "
                       f"could run code")
    if dtype.kind not in _STORABLE_KINDS or fortran_order:
        raise _Refused(f"{name!r} holds a {dtype} array{' in Fortran order' * fortran_order}; "
                       f"tapeflow checkpoints hold C-ordered bool, integer, float and complex "
                       f"arrays only")
    if dtype.itemsize * math.prod(shape) > size:
        raise _Refused(f"truncated: {name!r} is shorter than the {shape} array it declares")
    return np.empty(shape, dtype)


def _read_exactly(member: IO[bytes], buffer: memoryview, name: str) -> None:
    done = 0
    while done < len(buffer):
        n = member.readinto(buffer[done:])
        if not n:
            raise _Refused(f"truncated: {name!r} ends inside its array data")
        done += n
