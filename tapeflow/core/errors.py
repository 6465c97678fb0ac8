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
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",
]

# TF's canonical error codes (``tf.errors.INVALID_ARGUMENT`` ...), one per class.
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = range(6)
ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = range(6, 10)
ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS = range(10, 16)
UNAUTHENTICATED = 16


class OpError(Exception):
    """Base class of the errors an op raises, with TF's ``op``, ``message`` and ``error_code``."""

    error_code: int = UNKNOWN

    def __init__(self, node_def=None, op=None, message: str = "", *args) -> None:
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if args and type(self) is OpError:  # TF: OpError(node_def, op, message, error_code)
            self.error_code = args[0]

    def __str__(self) -> str:
        return self.message


def _error(name: str, code: int, doc: str) -> type:
    return type(name, (OpError,), {"__doc__": doc, "error_code": code})


CancelledError = _error("CancelledError", CANCELLED, "The operation was cancelled.")
UnknownError = _error("UnknownError", UNKNOWN, "An unknown error.")
InvalidArgumentError = _error(
    "InvalidArgumentError", INVALID_ARGUMENT,
    "An op received an argument of the wrong shape, dtype or value.")
DeadlineExceededError = _error("DeadlineExceededError", DEADLINE_EXCEEDED, "A deadline expired.")
NotFoundError = _error("NotFoundError", NOT_FOUND, "A requested entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", ALREADY_EXISTS, "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", PERMISSION_DENIED, "Permission denied.")
UnauthenticatedError = _error("UnauthenticatedError", UNAUTHENTICATED, "Not authenticated.")
ResourceExhaustedError = _error("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                                "A resource was exhausted.")
FailedPreconditionError = _error(
    "FailedPreconditionError", FAILED_PRECONDITION,
    "The system is not in a state to run the operation.")
AbortedError = _error("AbortedError", ABORTED, "The operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", OUT_OF_RANGE,
                         "An index or iteration went out of range.")
UnimplementedError = _error("UnimplementedError", UNIMPLEMENTED,
                            "The operation is not implemented.")
InternalError = _error("InternalError", INTERNAL, "An internal invariant was broken.")
UnavailableError = _error("UnavailableError", UNAVAILABLE, "The runtime is unavailable.")
DataLossError = _error("DataLossError", DATA_LOSS, "Data was lost or corrupted.")


def shape_str(shape) -> str:
    """TF's way of printing a shape inside messages: ``[2,3]``."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def invalid_argument(op_name: str, message: str) -> InvalidArgumentError:
    """An InvalidArgumentError whose text ends with TF's ``[Op:Name]`` tag."""
    return InvalidArgumentError(None, None, f"{message} [Op:{op_name}]")


def attr_error(op_name: str, attr: str, value: str, allowed: str) -> InvalidArgumentError:
    """TF's error for an attr (a dtype, mostly) outside the op's list; ``value`` and
    ``allowed`` as TF spells them (``float``, ``"int32, int64"``)."""
    return invalid_argument(op_name, f"Value for attr '{attr}' of {value} is not in the list "
                                     f"of allowed values: {allowed}")
