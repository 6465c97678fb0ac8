"""``tf.device``: where ops run.  tapeflow runs every op on NumPy (the host CPU).

TF 2.21 eagerly places ops with soft placement: a device it does not have
(``"/GPU:0"`` on a machine without a GPU, ``"/TPU:0"``, ``"/CPU:7"``) is
accepted and the ops run on the CPU, with no error or warning.  tapeflow
does the same for every well-formed device string, so code written for a
GPU runs unchanged.  Strings TF cannot parse raise TF's ValueError when the
context is entered.
"""

from __future__ import annotations

from typing import Any

__all__ = ["device"]

# TF's DeviceSpec accepts these device types without the "/device:" prefix.
_DEVICE_TYPES = ("CPU", "GPU", "TPU", "CUSTOM", "EPU")


class _DeviceContext:
    """The context manager ``tf.device`` returns; entering it checks the name."""

    __slots__ = ("_device_name",)

    def __init__(self, device_name: Any) -> None:
        self._device_name = device_name

    def __enter__(self) -> None:
        name = self._device_name
        if name is not None and not isinstance(name, str):
            raise ValueError(f"Expecting a string device name. Got {type(name)}({name})")
        _parse(name or "")

    def __exit__(self, *exc: Any) -> None:
        return None


def _parse(spec: str) -> None:
    """TF's DeviceSpec parsing (``/job:x/replica:0/task:0/device:CPU:0``, ``cpu``,
    ``GPU:1``), its ValueErrors included; the parts themselves are not needed."""
    device_type = None
    for part in (piece.split(":") for piece in spec.split("/")):
        n = len(part)
        if n == 2 and part[0] in ("job", "replica", "task"):
            continue
        if n in (1, 2) and part[0].upper() in _DEVICE_TYPES or n == 3 and part[0] == "device":
            if device_type is not None:
                raise ValueError(f"Multiple device types are not allowed while parsing the "
                                 f"device spec: {spec}.")
            device_type = part[1] if n == 3 else part[0].upper()
            index = part[-1] if n > 1 else "*"
            if index != "*":
                int(index)  # TF's ValueError for a non-numeric index
        elif part[0] != "":
            raise ValueError(f"Unknown attribute '{part[0]}' is encountered while parsing "
                             f"the device spec: '{spec}'.")


def device(device_name: Any) -> _DeviceContext:
    """A context in which ops run on ``device_name``: in tapeflow, always NumPy on
    the host, so ops inside behave exactly as outside.

    CPU names (``"/CPU:0"``, ``"/device:CPU:0"``, ``"cpu"``,
    ``"/job:localhost/replica:0/task:0/device:CPU:0"``) and, as TF's soft
    placement does eagerly on a machine without one, GPU and TPU names
    (``"/GPU:0"``) are accepted and run on the CPU.  A malformed name
    (``"bogus"``) or a non-string raises TF's ValueError on entering.

    >>> import tapeflow as tf
    >>> with tf.device("/GPU:0"):
    ...     y = tf.constant([1.0, 2.0]) * 2.0
    >>> y.numpy()
    array([2., 4.], dtype=float32)
    """
    return _DeviceContext(device_name)
