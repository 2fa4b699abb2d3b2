"""evaluate / set_expression / completions / exception_info on live frames."""

# The parked functions bind locals only for the debugger to inspect.
# ruff: noqa: F841

from __future__ import annotations

import sys
import threading

import pytest

from dapper.core.completions import Completion
from dapper.core.evaluation import EvaluationError, completions, evaluate, set_expression
from dapper.core.output_capture import capture_output
from tests.unit.core_inspect_support import (
    TIMEOUT,
    DapStore,
    StoppedCall,
    evaluate_body,
    exception_info,
)

SHARED = "module level"


class Watched:
    """Counts every property read and ``__getattr__`` call, to prove hover never runs them."""

    runs = 0

    def __init__(self) -> None:
        self.plain = "plain value"
        self.child = self

    @property
    def costly(self) -> str:
        Watched.runs += 1
        return "ran"

    def method(self) -> str:
        return "m"


class Dynamic:
    runs = 0

    def __getattr__(self, name: str) -> str:
        Dynamic.runs += 1
        return name


def test_repl_expression_value_and_body():
    def target(stop):
        numbers = [1, 2, 3]
        stop()

    with StoppedCall(target) as call:
        result = call.on_thread(lambda: evaluate(call.frame, "numbers + [4]", "repl"))
        assert result.ok and result.has_value and result.value == [1, 2, 3, 4]
        body = evaluate_body(result, DapStore())
        assert body["result"] == "[1, 2, 3, 4]"
        assert body["type"] == "list" and body["indexedVariables"] == 4
        assert body["variablesReference"] > 0


def test_repl_statements_capture_output():
    def target(stop):
        name = "world"
        stop()

    with StoppedCall(target) as call:
        result = call.on_thread(lambda: evaluate(call.frame, "print('hello', name)", "repl"))
        assert result.output == "hello world\n"
        assert evaluate_body(result, DapStore())["result"] == "hello world"
        loop = call.on_thread(
            lambda: evaluate(call.frame, "for i in range(3):\n    print(i)", "repl")
        )
        assert loop.ok and not loop.has_value
        assert evaluate_body(loop, DapStore())["result"] == "0\n1\n2"
        both = call.on_thread(lambda: evaluate(call.frame, "print('side')\nlen(name)", "repl"))
        assert both.value == 5
        assert evaluate_body(both, DapStore())["result"] == "side\n5"


def test_repl_assignment_changes_the_running_function():
    def target(stop):
        total = 1
        items = []
        stop()
        return total, items

    call = StoppedCall(target)
    frame = call.start()
    result = call.on_thread(
        lambda: evaluate(frame, "total = total * 50\nitems.append(total)", "repl")
    )
    assert result.ok, result.error
    assert call.resume() == (50, [50])


def test_repl_nested_scopes_see_locals_and_write_globals():
    def target(stop):
        base = 3
        stop()
        return base

    call = StoppedCall(target)
    frame = call.start()
    squares = evaluate(frame, "[base * i for i in range(3)]", "repl")
    assert squares.value == [0, 3, 6]
    assert evaluate(frame, "sum(base for _ in range(2))", "watch").value == 6
    try:
        assert evaluate(frame, "global SHARED\nSHARED = (lambda: base)()", "repl").ok
        assert SHARED == 3
    finally:
        globals()["SHARED"] = "module level"
    call.resume()


def test_capture_is_per_thread():
    original = sys.stdout
    capturing = threading.Event()
    other_done = threading.Event()
    seen: list[str] = []

    def other_thread():
        capturing.wait(TIMEOUT)
        print("from other thread", file=sys.stdout)
        other_done.set()

    class Sink:
        def write(self, text):
            seen.append(text)
            return len(text)

        def flush(self):
            pass

    sys.stdout = Sink()
    try:
        worker = threading.Thread(target=other_thread)
        worker.start()
        with capture_output() as buffer:
            print("mine")
            capturing.set()
            assert other_done.wait(TIMEOUT)
        worker.join(TIMEOUT)
        assert buffer.getvalue() == "mine\n"
        assert "from other thread" in "".join(seen)
        assert isinstance(sys.stdout, Sink)  # the real stream is back
    finally:
        sys.stdout = original


def test_errors_are_one_clear_line():
    def target(stop):
        stop()

    with StoppedCall(target) as call:
        missing = evaluate(call.frame, "undefined_name + 1", "watch")
        assert not missing.ok
        assert missing.error == "NameError: name 'undefined_name' is not defined"
        zero = evaluate(call.frame, "1 / 0", "repl")
        assert zero.error == "ZeroDivisionError: division by zero"
        with pytest.raises(EvaluationError, match="NameError"):
            evaluate_body(missing, DapStore())


def test_watch_and_clipboard_take_expressions_only():
    def target(stop):
        long_list = list(range(5000))
        stop()

    with StoppedCall(target) as call:
        statement = evaluate(call.frame, "x = 1", "watch")
        assert statement.error == (
            "watch evaluates expressions only; run statements in the debug console (repl)"
        )
        broken = evaluate(call.frame, "long_list[", "repl")
        assert broken.error.startswith("SyntaxError: ") and "line 1" in broken.error
        store = DapStore()
        watched = evaluate_body(evaluate(call.frame, "long_list", "watch"), store)["result"]
        clipped = evaluate_body(evaluate(call.frame, "long_list", "clipboard"), store)["result"]
        assert watched.endswith("...") and len(watched) < 1000
        assert clipped == repr(list(range(5000)))


def test_hover_reads_names_and_plain_attributes():
    def target(stop):
        obj = Watched()
        stop()

    with StoppedCall(target) as call:
        assert evaluate(call.frame, "obj.child.plain", "hover").value == "plain value"
        assert evaluate(call.frame, "SHARED", "hover").value == "module level"
        assert evaluate(call.frame, "len", "hover").value is len
        assert evaluate(call.frame, "obj.method", "hover").value() == "m"
        assert evaluate(call.frame, "Watched.method", "hover").value is Watched.method
        assert evaluate(call.frame, "sys.path", "hover").value is sys.path


def test_hover_refuses_side_effects():
    def target(stop):
        obj = Watched()
        dyn = Dynamic()
        stop()

    with StoppedCall(target) as call:
        Watched.runs = Dynamic.runs = 0
        prop = evaluate(call.frame, "obj.costly", "hover")
        assert not prop.ok and "property" in prop.error
        dynamic = evaluate(call.frame, "dyn.anything", "hover")
        assert not dynamic.ok and "__getattr__" in dynamic.error
        for expression in ("obj.method()", "obj[0]", "obj.plain + 'x'"):
            refused = evaluate(call.frame, expression, "hover")
            assert not refused.ok and "hover shows only names" in refused.error
        assert Watched.runs == 0 and Dynamic.runs == 0
        assert evaluate(call.frame, "obj.costly", "watch").value == "ran"  # watch may run it


def test_set_expression_targets():
    holder = Watched()

    def target(stop):
        value = 1
        items = [0, 1, 2, 3]
        table = {}
        stop()
        return value, items, table, holder.plain

    call = StoppedCall(target)
    frame = call.start()
    assert set_expression(frame, "value", "value + 9") == 10
    set_expression(frame, "items[1:3]", "['a']")
    set_expression(frame, "table['k']", "value")
    set_expression(frame, "holder.plain", "'new'")
    with pytest.raises(EvaluationError, match="cannot assign"):
        set_expression(frame, "value + 1", "2")
    with pytest.raises(EvaluationError, match="NameError"):
        set_expression(frame, "value", "nope")
    assert call.resume() == (10, [0, "a", 3], {"k": 10}, "new")


def test_completions_names_attributes_keywords():
    def target(stop):
        my_local = 1
        my_other = Watched()
        stop()

    with StoppedCall(target) as call:
        Watched.runs = 0
        items = completions(call.frame, "x = my_", 8)
        assert {item.name for item in items} == {"my_local", "my_other"}
        assert all(item.start == 5 and item.length == 3 for item in items)
        kinds = {item.name: item.kind for item in completions(call.frame, "my_other.", 10)}
        assert kinds["plain"] == "variable"
        assert kinds["costly"] == "property"
        assert kinds["method"] == "method"
        assert "__init__" not in kinds  # private names only when asked for with "_"
        assert Watched.runs == 0
        words = {item.name: item.kind for item in completions(call.frame, "whi", 4)}
        assert words.get("while") == "keyword"
        assert completions(call.frame, "Watc", 5)[0] == Completion("Watched", "class", 1, 4)
        assert completions(call.frame, "undefined_thing.", 17) == []


class AppError(Exception):
    pass


def failing_inner():
    raise KeyError("missing key")


def failing_outer():
    try:
        failing_inner()
    except KeyError as exc:
        raise AppError("could not load") from exc


def test_exception_info_with_cause_and_context():
    with pytest.raises(AppError) as caught:
        failing_outer()
    info = exception_info(caught.value)
    assert info["exceptionId"] == f"{__name__}.AppError"
    assert info["description"] == "could not load"
    details = info["details"]
    assert details["typeName"] == "AppError"
    assert details["fullTypeName"] == f"{__name__}.AppError"
    assert "failing_outer" in details["stackTrace"]
    assert details["stackTrace"].rstrip().endswith("AppError: could not load")
    (inner,) = details["innerException"]
    assert inner["typeName"] == "KeyError" and inner["message"] == "'missing key'"
    assert "failing_inner" in inner["stackTrace"]

    try:
        try:
            {}["x"]
        except KeyError:
            raise ValueError("while handling")  # noqa: B904 - implicit context on purpose
    except ValueError as exc:
        implicit = exception_info(exc)
    assert implicit["exceptionId"] == "ValueError"
    assert implicit["details"]["innerException"][0]["typeName"] == "KeyError"

    suppressed = AppError("alone")
    suppressed.__context__ = KeyError("hidden")
    suppressed.__suppress_context__ = True
    assert "innerException" not in exception_info(suppressed)["details"]


def test_module_level_frame_repl_and_scopes():
    namespace: dict = {"__name__": "parked_module"}
    call = StoppedCall(lambda stop: exec("counter = 1\nstop()\nresult = counter", namespace))
    namespace["stop"] = lambda: call.stop()
    call.thread.start()
    frame = call.wait_stopped()
    while frame.f_code.co_name != "<module>":
        frame = frame.f_back
    store = DapStore()
    local_ref = store.scopes(frame)[0]["variablesReference"]
    names = {row["name"] for row in store.variables(local_ref)}
    assert "counter" in names and "__name__" not in names
    assert evaluate(frame, "counter += 41", "repl").ok
    call.resume()
    assert namespace["result"] == 42


def test_interrupts_are_not_swallowed():
    class Interrupting:
        def __repr__(self) -> str:
            raise KeyboardInterrupt

    def target(stop):
        stop()

    with StoppedCall(target) as call:
        stdout = sys.stdout
        with pytest.raises(KeyboardInterrupt):
            evaluate(call.frame, "raise KeyboardInterrupt", "repl")
        assert sys.stdout is stdout  # capture was undone
        with pytest.raises(KeyboardInterrupt):
            DapStore().variable("x", [Interrupting()], "x")
