"""The compiled audit filter wakes Python only for exec/compile events."""

from __future__ import annotations

import sys

import pytest

from dapper.interpreters import FIRST_SUPPORTED, LAST_TESTED

SUPPORTED = (
    sys.implementation.name == "cpython" and FIRST_SUPPORTED <= sys.version_info[:2] <= LAST_TESTED
)


def test_compiled_filter_is_built_on_supported_interpreters():
    if not SUPPORTED:
        pytest.skip("built for CPython 3.11-3.15 only")
    import dapper._audit_filter  # noqa: F401 - a missing build fails here, it does not skip


@pytest.mark.skipif(not SUPPORTED, reason="built for CPython 3.11-3.15 only")
def test_only_exec_and_compile_reach_python():
    from dapper import _audit_filter

    seen: list[tuple[str, object]] = []
    _audit_filter.install(lambda event, args: seen.append((event, args)), exec_events=True)
    try:
        for value in range(1000):
            id(value)
            sys._getframe()
        assert seen == []
        code = compile("answer = 42", "<dapper-audit-test>", "exec")
        namespace: dict = {}
        exec(code, namespace)
        events = [event for event, _ in seen]
        assert "compile" in events and "exec" in events
        compiled = next(args for event, args in seen if event == "compile")
        assert compiled[1] == "<dapper-audit-test>"
        executed = next(args for event, args in seen if event == "exec")
        assert executed[0] is code
    finally:
        _audit_filter.uninstall()
    seen.clear()
    exec("pass")
    assert seen == []


@pytest.mark.skipif(not SUPPORTED, reason="built for CPython 3.11-3.15 only")
def test_a_failing_callback_never_breaks_the_program():
    from dapper import _audit_filter

    def explode(event, args):
        raise RuntimeError("debugger bug")

    _audit_filter.install(explode)
    try:
        namespace: dict = {}
        exec("value = 7", namespace)
        assert namespace["value"] == 7
    finally:
        _audit_filter.uninstall()


@pytest.mark.skipif(not SUPPORTED, reason="built for CPython 3.11-3.15 only")
def test_exec_events_only_when_asked():
    from dapper import _audit_filter

    condition = compile("1 + 1", "<condition>", "eval")  # conditions are compiled once
    seen: list[str] = []
    _audit_filter.install(lambda event, args: seen.append(event))  # compile only, by default
    try:
        assert eval(condition) == 2  # raises "exec", which must not reach Python
        assert seen == []
        compile("2", "<dapper-audit-test>", "eval")
        assert seen == ["compile"]
        _audit_filter.set_events(exec_events=True, compile_events=False)
        exec(compile("pass", "<x>", "exec"))
        assert seen == ["compile", "exec"]
    finally:
        _audit_filter.uninstall()
