"""Fixtures for end-to-end tests: a real adapter over stdio, per backend."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from dapper.interpreters import FIRST_SUPPORTED, LAST_TESTED, is_free_threaded
from tests.e2e.dap_client import DapClient
from tests.e2e.terminal_runner import TerminalRun

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def available_backends() -> list[dict]:
    """frameEval configurations of every backend this interpreter should run."""
    backends = [{"backend": "tracing", "tracing_backend": "settrace", "fallback_to_tracing": False}]
    if sys.version_info >= (3, 12):
        backends.append(
            {
                "backend": "tracing",
                "tracing_backend": "sys.monitoring",
                "fallback_to_tracing": False,
            }
        )
    if FIRST_SUPPORTED <= sys.version_info[:2] <= LAST_TESTED and not is_free_threaded():
        if importlib.util.find_spec("dapper._frame_eval.eval_frame_backend") is not None:
            backends.append({"backend": "eval_frame", "fallback_to_tracing": False})
    return backends


def _backend_id(config: dict) -> str:
    return (
        config.get("tracing_backend", config["backend"])
        if config["backend"] == "tracing"
        else config["backend"]
    )


@pytest.fixture(params=available_backends(), ids=_backend_id)
def frame_eval(request) -> dict:
    """The frameEval launch argument; every e2e test runs once per backend."""
    return dict(request.param)


@pytest.fixture
def dap():
    client = DapClient()
    try:
        yield client
    finally:
        client.close()
        assert client.invalid == [], "messages violating the DAP schema:\n" + "\n".join(
            client.invalid
        )


def fixture_path(name: str) -> str:
    return str(FIXTURES / name)


_E2E = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every end-to-end test starts real processes: all are ``slow``."""
    for item in items:
        if _E2E in item.path.resolve().parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def run():
    """Starts ``dapper debug`` runs (``TerminalRun``); all are closed afterwards."""
    started: list[TerminalRun] = []

    def start(*args: str, **kwargs) -> TerminalRun:
        terminal = TerminalRun(*args, **kwargs)
        started.append(terminal)
        return terminal

    yield start
    for terminal in started:
        terminal.close()
