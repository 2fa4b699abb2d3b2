"""What core shows, inspects and evaluates in as a stack frame.

A real frame, or an object that stands for one where Python has none (a line
of a template, ``dapper.frameworks``): both give the same few attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any, Protocol


class ShownFrame(Protocol):
    """The attributes core reads of a frame; ``types.FrameType`` has them."""

    @property
    def f_code(self) -> CodeType: ...

    @property
    def f_lineno(self) -> int: ...

    @property
    def f_locals(self) -> dict[str, Any]: ...

    @property
    def f_globals(self) -> dict[str, Any]: ...

    @property
    def f_back(self) -> FrameType | None: ...


#: Shows a real frame as others (a template's above the engine's rendering
#: frame), or None to leave it as it is.
Presenter = Callable[[FrameType], "list[ShownFrame] | None"]
