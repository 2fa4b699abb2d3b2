"""Shared fixtures for the frame-eval unit tests."""

from __future__ import annotations

import sys
import threading

import pytest


def tracing_left_behind() -> list[str]:
    left = []
    if sys.gettrace() is not None:
        left.append(f"sys.gettrace() is {sys.gettrace()!r}")
    if threading.gettrace() is not None:
        left.append(f"threading.gettrace() is {threading.gettrace()!r}")
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None and monitoring.get_tool(monitoring.DEBUGGER_ID) is not None:
        left.append(
            f"sys.monitoring DEBUGGER tool is {monitoring.get_tool(monitoring.DEBUGGER_ID)!r}"
        )
    return left


@pytest.fixture(autouse=True)
def no_tracing_left_behind():
    """Every test must leave no trace function and no monitoring tool behind."""
    assert tracing_left_behind() == [], "a previous test leaked tracing state"
    yield
    assert tracing_left_behind() == []
