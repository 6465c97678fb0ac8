"""Where in the user's code something happened (for warnings and explanations)."""

from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Filename of the runners dispatch.py generates: part of tapeflow, not the user's.
GENERATED = "<tapeflow runner>"


def _is_ours(filename: str) -> bool:
    if filename == GENERATED:
        return True
    name = os.path.abspath(filename)
    return name.startswith(_PACKAGE + os.sep) and os.sep + "tests" + os.sep not in name


def user_frame(depth: int = 1):
    """The innermost frame outside tapeflow, starting ``depth`` frames up."""
    frame = sys._getframe(depth + 1)
    while frame is not None and _is_ours(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def user_line(depth: int = 1) -> str:
    """``file.py:LINE`` of the innermost frame outside tapeflow."""
    frame = user_frame(depth + 1)
    if frame is None:
        return "<unknown>"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn``, called by our caller,
    point at the user's line (level 1 is the caller itself)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and _is_ours(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    return max(level - 1, 1) if frame is None else level
