"""Dapper: a Python debugger that speaks the Debug Adapter Protocol."""

__version__ = "0.1.0"
