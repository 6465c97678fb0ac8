"""TF's error classes (``tf.errors.InvalidArgumentError`` ...) and op-error messages.

Errors raised at an op boundary name the op, the input shapes and dtypes, as
TF's do: ``Incompatible shapes: [2] vs. [3] [Op:AddV2]``.
"""

from __future__ import annotations

__all__ = [
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
    "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "UnauthenticatedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError",
    "UnimplementedError", "InternalError", "UnavailableError", "DataLossError",
]


class OpError(Exception):
    """Base class of the errors an op raises, with TF's ``op`` and ``message``."""

    def __init__(self, node_def=None, op=None, message: str = "", *args) -> None:
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self) -> str:
        return self.message


def _error(name: str, doc: str) -> type:
    return type(name, (OpError,), {"__doc__": doc})


CancelledError = _error("CancelledError", "The operation was cancelled.")
UnknownError = _error("UnknownError", "An unknown error.")
InvalidArgumentError = _error(
    "InvalidArgumentError", "An op received an argument of the wrong shape, dtype or value.")
DeadlineExceededError = _error("DeadlineExceededError", "A deadline expired.")
NotFoundError = _error("NotFoundError", "A requested entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", "Permission denied.")
UnauthenticatedError = _error("UnauthenticatedError", "Not authenticated.")
ResourceExhaustedError = _error("ResourceExhaustedError", "A resource was exhausted.")
FailedPreconditionError = _error(
    "FailedPreconditionError", "The system is not in a state to run the operation.")
AbortedError = _error("AbortedError", "The operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", "An index or iteration went out of range.")
UnimplementedError = _error("UnimplementedError", "The operation is not implemented.")
InternalError = _error("InternalError", "An internal invariant was broken.")
UnavailableError = _error("UnavailableError", "The runtime is unavailable.")
DataLossError = _error("DataLossError", "Data was lost or corrupted.")


def shape_str(shape) -> str:
    """TF's way of printing a shape inside messages: ``[2,3]``."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def invalid_argument(op_name: str, message: str) -> InvalidArgumentError:
    """An InvalidArgumentError whose text ends with TF's ``[Op:Name]`` tag."""
    return InvalidArgumentError(None, None, f"{message} [Op:{op_name}]")
