"""A frame-like object standing for one line of a template.

Core shows, inspects and evaluates in "frames" through a few attributes
(``f_code``, ``f_globals``, ``f_locals``, ``f_lineno``, ``f_back``); a template
line has no Python frame of its own, so this object gives those attributes:
the template file and line, a name, and the template's variables as locals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any


@lru_cache(maxsize=512)
def template_code(filename: str, name: str) -> CodeType:
    """An empty code object named ``name`` in ``filename``: what the stack shows."""
    return compile("", filename, "exec").replace(co_name=name, co_qualname=name)


class TemplateVariables(dict):
    """The variables of a template line; ``on_set`` (if any) writes a changed
    one back to the template engine's context, so rendering sees it."""

    def __init__(
        self, values: Mapping[str, Any], on_set: Callable[[str, Any], None] | None = None
    ) -> None:
        super().__init__(values)
        self._on_set = on_set

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, value)
        if self._on_set is not None:
            self._on_set(name, value)


class TemplateFrame:
    """Line ``line`` of template file ``filename``, rendered by ``f_back``."""

    def __init__(
        self,
        filename: str,
        line: int,
        name: str,
        variables: Mapping[str, Any],
        f_back: FrameType | None,
        f_globals: dict[str, Any] | None = None,
    ) -> None:
        self.f_code = template_code(filename, name)
        self.f_lineno = line
        self.f_back = f_back
        self.f_locals = (
            variables if isinstance(variables, TemplateVariables) else TemplateVariables(variables)
        )
        # Expressions typed by the user see the template's variables as locals
        # and builtins, not the globals of the engine's own module.
        self.f_globals = f_globals if f_globals is not None else {"__builtins__": __builtins__}

    def __repr__(self) -> str:
        return f"<template frame {self.f_code.co_filename}:{self.f_lineno}>"
