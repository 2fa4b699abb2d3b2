"""Dapper: a Python debugger that speaks the Debug Adapter Protocol.

The in-program API (``dapper.listen``, ``dapper.connect``, ``dapper.wait_for_client``,
``dapper.is_client_connected``, ``dapper.breakpoint``, ``dapper.configure``,
``dapper.set_trace`` for ``PYTHONBREAKPOINT=dapper.set_trace``) lives in
``dapper.api`` and is imported on first use, so ``import dapper`` stays cheap.
"""

__version__ = "0.1.0"

_API = (
    "listen",
    "connect",
    "wait_for_client",
    "is_client_connected",
    "breakpoint",
    "configure",
    "set_trace",
)
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> object:
    if name in _API:
        from dapper import api

        return getattr(api, name)
    raise AttributeError(f"module 'dapper' has no attribute {name!r}")
