"""Name scopes (``tf.name_scope``): thread-local, read by Variable names.

Core, not training: a Variable created inside ``tf.name_scope("dense")``
is named ``dense/w:0``, so the scope must be known where Variables are made.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["name_scope", "get_current_name_scope"]


class _Scope(threading.local):
    def __init__(self) -> None:
        self.name = ""   # the current full scope, "" or ending in "/"


_scope = _Scope()


class name_scope:  # noqa: N801 - TF's name
    """A context manager that pushes a name scope, as TF 2's ``tf.name_scope``.

    Entering returns the full scope name (ending in ``/``); a name ending in
    ``/`` is taken as an absolute scope, ``""`` resets to the root.

    >>> import tapeflow as tf
    >>> with tf.name_scope("outer"):
    ...     with tf.name_scope("inner") as scope:
    ...         print(scope, tf.get_current_name_scope())
    outer/inner/ outer/inner
    """

    __slots__ = ("_name", "_restore")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise ValueError("name for name_scope must be a string.")
        self._name = name
        self._restore: list[str] = []

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        old, name = _scope.name, self._name
        if not name:
            new = ""
        elif name[-1] == "/":
            new = name
        else:
            new = old + name + "/"
        self._restore.append(old)
        _scope.name = new
        return new

    def __exit__(self, *exc: Any) -> bool:
        _scope.name = self._restore.pop()
        return False


def get_current_name_scope() -> str:
    """The current full name scope, without the trailing ``/``.

    >>> import tapeflow as tf
    >>> with tf.name_scope("a"):
    ...     tf.get_current_name_scope()
    'a'
    """
    return _scope.name.rstrip("/")
