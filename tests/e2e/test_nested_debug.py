"""``dapper/debugCode`` (pdb's ``debug CODE``): code run under a nested debug
in a stopped frame stops at its first line, steps and hits breakpoints in what
it calls; when it ends its value is shown and the thread is back at its stop."""

from __future__ import annotations

from tests.e2e.helpers import evaluate, line, path, wait_output

TARGET = "nested_debug.py"


def at(marker: str) -> int:
    return line(TARGET, marker)


def _stack(dap, thread_id: int) -> list[tuple[str, int]]:
    frames = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"]
    return [(frame["name"], frame["line"]) for frame in frames]


def _start(dap, frame_eval, *markers: str) -> int:
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": at(marker)} for marker in ("stop_here", *markers)]},
    )
    event = dap.wait_stopped("breakpoint")
    return event["body"]["threadId"]


def _debug(dap, thread_id: int, code: str) -> None:
    top = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"][0]
    dap.request("dapper/debugCode", {"frameId": top["id"], "expression": code})


def _back_at_stop(dap, thread_id: int, said: str, stack: list[tuple[str, int]]) -> None:
    ended = dap.wait_stopped("step")
    assert ended["body"]["threadId"] == thread_id
    assert ended["body"].get("description") == "nested debug ended"
    wait_output(dap, said, category="console")
    assert _stack(dap, thread_id) == stack


def test_nested_debug_steps_hits_a_breakpoint_and_returns_to_the_stop(dap, frame_eval):
    tid = _start(dap, frame_eval, "helper_first")
    stack = _stack(dap, tid)
    assert stack[0] == ("main", at("stop_here"))

    _debug(dap, tid, "compute(x) + 100")
    dap.wait_stopped("step")
    nested = dap.request("stackTrace", {"threadId": tid})["body"]["stackFrames"]
    assert nested[0]["line"] == 1 and nested[0]["source"]["name"].startswith("<debug ")
    # The code's frame on top of the stack it was started from.
    assert [(f["name"], f["line"]) for f in nested[1:]] == stack

    dap.request("stepIn", {"threadId": tid})
    dap.wait_stopped("step")
    assert _stack(dap, tid)[0] == ("compute", at("compute_first"))
    assert evaluate(dap, tid, "n") == "5"
    dap.request("next", {"threadId": tid})
    dap.wait_stopped("step")
    assert _stack(dap, tid)[0] == ("compute", at("compute_call"))

    dap.request("continue", {"threadId": tid})
    hit = dap.wait_stopped("breakpoint")
    assert hit["body"]["threadId"] == tid
    names = [name for name, _ in _stack(dap, tid)]
    assert names[:2] == ["helper", "compute"] and names[3:] == [name for name, _ in stack]
    assert evaluate(dap, tid, "n") == "10"

    dap.request("continue", {"threadId": tid})
    _back_at_stop(dap, tid, "Nested debug returned 146", stack)
    assert evaluate(dap, tid, "x") == "5"

    dap.request("continue", {"threadId": tid})
    wait_output(dap, "done 5")
    assert dap.wait_exit() == 3


def test_nested_debug_quit_and_exception_leave_the_program_where_it_was(dap, frame_eval):
    tid = _start(dap, frame_eval)
    stack = _stack(dap, tid)

    # An exception ends the nested debug with the exception shown.
    _debug(dap, tid, "x = compute(None)")
    dap.wait_stopped("step")
    dap.request("continue", {"threadId": tid})
    _back_at_stop(dap, tid, "Nested debug raised TypeError", stack)

    # Quitting unwinds the nested code: its assignment never happens.
    _debug(dap, tid, "x = compute(1)")
    dap.wait_stopped("step")
    dap.request("stepIn", {"threadId": tid})
    dap.wait_stopped("step")
    assert _stack(dap, tid)[0] == ("compute", at("compute_first"))
    dap.request("dapper/debugCode", {"threadId": tid, "quit": True})
    _back_at_stop(dap, tid, "Nested debug quit", stack)
    assert evaluate(dap, tid, "x") == "5"

    # Statements run to their end change the frame as code typed at the prompt does.
    _debug(dap, tid, "x = compute(2)")
    dap.wait_stopped("step")
    dap.request("continue", {"threadId": tid})
    _back_at_stop(dap, tid, "Nested debug finished", stack)
    assert evaluate(dap, tid, "x") == "7"

    dap.request("continue", {"threadId": tid})
    wait_output(dap, "done 7")
    assert dap.wait_exit() == 3


def test_nested_debug_refuses_code_that_does_not_compile(dap, frame_eval):
    tid = _start(dap, frame_eval)
    top = dap.request("stackTrace", {"threadId": tid})["body"]["stackFrames"][0]
    response = dap.request(
        "dapper/debugCode", {"frameId": top["id"], "expression": "compute(("}, ok=False
    )
    assert not response["success"] and "SyntaxError" in response["message"]
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 3


def test_next_past_the_code_ends_the_nested_debug(dap, frame_eval):
    tid = _start(dap, frame_eval)
    stack = _stack(dap, tid)
    _debug(dap, tid, "compute(1)")
    dap.wait_stopped("step")
    dap.request("next", {"threadId": tid})
    _back_at_stop(dap, tid, "Nested debug returned 2", stack)
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 3


def test_pause_stops_the_nested_code_and_quit_leaves_it(dap, frame_eval):
    tid = _start(dap, frame_eval)
    stack = _stack(dap, tid)
    _debug(dap, tid, "spin()")
    dap.wait_stopped("step")
    dap.request("continue", {"threadId": tid})
    dap.request("pause", {"threadId": tid})
    dap.wait_stopped("pause")
    name, where = _stack(dap, tid)[0]
    assert name == "spin" and at("spin_loop") - 2 <= where <= at("spin_loop")
    dap.request("dapper/debugCode", {"threadId": tid, "quit": True})
    _back_at_stop(dap, tid, "Nested debug quit", stack)
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 3


def test_a_nested_debug_inside_a_nested_debug(dap, frame_eval):
    tid = _start(dap, frame_eval)
    stack = _stack(dap, tid)
    _debug(dap, tid, "compute(1)")
    dap.wait_stopped("step")
    dap.request("stepIn", {"threadId": tid})
    dap.wait_stopped("step")
    first = _stack(dap, tid)
    assert first[0] == ("compute", at("compute_first"))

    _debug(dap, tid, "helper(n + 2)")
    dap.wait_stopped("step")
    dap.request("stepIn", {"threadId": tid})
    dap.wait_stopped("step")
    inner = _stack(dap, tid)
    assert inner[0] == ("helper", at("helper_first"))
    assert inner[2:] == first
    dap.request("continue", {"threadId": tid})
    _back_at_stop(dap, tid, "Nested debug returned 3", first)

    dap.request("continue", {"threadId": tid})
    _back_at_stop(dap, tid, "Nested debug returned 2", stack)
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 3


def test_other_threads_stay_stopped_during_a_nested_debug(dap, frame_eval):
    program = path("nested_debug_threads.py")
    dap.launch(
        program=program,
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={program: [{"line": line("nested_debug_threads.py", "stop_here")}]},
    )
    tid = dap.wait_stopped("breakpoint")["body"]["threadId"]
    ticks = evaluate(dap, tid, "ticks")
    stack = _stack(dap, tid)
    _debug(dap, tid, "double(ticks)")
    dap.wait_stopped("step")
    dap.request("stepIn", {"threadId": tid})
    dap.wait_stopped("step")
    assert _stack(dap, tid)[0] == ("double", line("nested_debug_threads.py", "double"))
    dap.request("continue", {"threadId": tid})
    _back_at_stop(dap, tid, f"Nested debug returned {int(ticks) * 2}", stack)
    assert evaluate(dap, tid, "ticks") == ticks  # the worker never ran meanwhile
    dap.request("continue", {"threadId": tid})
    wait_output(dap, "worker running")
    assert dap.wait_exit() == 0
