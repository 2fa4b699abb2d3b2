"""Reading request arguments with errors that name the bad argument."""

from __future__ import annotations

from typing import Any

from dapper.protocol.messages import RequestError


def arguments_of(request: dict[str, Any]) -> dict[str, Any]:
    """The request's ``arguments`` object ({} when absent)."""
    arguments = request.get("arguments", {})
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise RequestError("'arguments' must be an object")
    return arguments


def int_arg(
    arguments: dict[str, Any], name: str, *, required: bool = True, default: int = 0
) -> int:
    value = _arg(arguments, name, required, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RequestError(f"argument '{name}' must be an integer, got {type(value).__name__}")
    return value


def str_arg(
    arguments: dict[str, Any], name: str, *, required: bool = True, default: str = ""
) -> str:
    value = _arg(arguments, name, required, default)
    if not isinstance(value, str):
        raise RequestError(f"argument '{name}' must be a string, got {type(value).__name__}")
    return value


def _arg(arguments: dict[str, Any], name: str, required: bool, default: Any) -> Any:
    """The argument, or ``default`` when it is absent and optional."""
    value = arguments.get(name)
    if value is None:
        if required:
            raise RequestError(f"missing required argument '{name}'")
        return default
    return value
