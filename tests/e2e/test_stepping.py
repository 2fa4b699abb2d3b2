"""next / stepIn / stepOut across returns, exceptions, generators, coroutines,
recursion and library code (justMyCode)."""

from __future__ import annotations

from tests.e2e.helpers import line, path

TARGET = "step_target.py"


def _start(dap, frame_eval, marker: str, **options) -> int:
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": line(TARGET, marker), **options}]},
    )
    return dap.wait_stopped("breakpoint")["body"]["threadId"]


def _step(dap, thread_id: int, command: str) -> tuple[str, int]:
    dap.request(command, {"threadId": thread_id})
    dap.wait_stopped("step")
    frame = dap.top_frame(thread_id)
    return frame["name"], frame["line"]


def _finish(dap, thread_id: int) -> None:
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": thread_id})
    assert dap.wait_exit() == 0


def at(marker: str) -> int:
    return line(TARGET, marker)


def test_step_in_out_and_over_a_return(dap, frame_eval):
    tid = _start(dap, frame_eval, "call_callee")
    assert _step(dap, tid, "stepIn") == ("callee", at("callee_body"))
    assert _step(dap, tid, "next") == ("callee", at("callee_return"))
    name, lineno = _step(dap, tid, "next")
    assert name == "caller" and lineno in (at("call_callee"), at("after_callee"))
    if lineno == at("call_callee"):
        assert _step(dap, tid, "next") == ("caller", at("after_callee"))
    assert _step(dap, tid, "stepIn") == ("caller", at("after_callee") + 1)
    _finish(dap, tid)


def test_steps_that_stop_at_call_and_return_as_pdb_does(dap, frame_eval):
    """``stopAtCallAndReturn`` (Dapper's own step argument, for ``dapper debug``):
    a step in stops as the function starts, on its def line; a step at its
    return stops inside it, with the value among its locals; the next step
    goes on at the caller's next line."""
    tid = _start(dap, frame_eval, "call_callee")
    pdb = {"threadId": tid, "stopAtCallAndReturn": True}
    dap.request("stepIn", pdb)
    stop = dap.wait_stopped("step")
    assert stop["body"].get("description") == "function entry"
    assert (dap.top_frame(tid)["name"], dap.top_frame(tid)["line"]) == (
        "callee",
        at("callee_body") - 1,
    )
    dap.request("stepIn", pdb)
    assert dap.wait_stopped("step")["body"].get("description") is None
    assert dap.top_frame(tid)["line"] == at("callee_body")
    dap.request("next", pdb)
    dap.wait_stopped("step")
    dap.request("next", pdb)  # the return: still in callee
    assert dap.wait_stopped("step")["body"].get("description") == "function return"
    frame = dap.top_frame(tid)
    assert (frame["name"], frame["line"]) == ("callee", at("callee_return"))
    scopes = dap.request("scopes", {"frameId": frame["id"]})["body"]["scopes"]
    names = {
        v["name"]: v["value"]
        for v in dap.request("variables", {"variablesReference": scopes[0]["variablesReference"]})[
            "body"
        ]["variables"]
    }
    assert names.get("(return) callee") == "2", names
    assert _step(dap, tid, "stepIn") == ("caller", at("after_callee"))
    dap.request("stepOut", pdb)  # return: stops as caller returns, in caller
    assert dap.wait_stopped("step")["body"].get("description") == "function return"
    assert dap.top_frame(tid)["name"] == "caller"
    _finish(dap, tid)


def test_step_out_lands_in_caller(dap, frame_eval):
    tid = _start(dap, frame_eval, "callee_body")
    name, lineno = _step(dap, tid, "stepOut")
    assert name == "caller" and lineno in (at("call_callee"), at("after_callee"))
    _finish(dap, tid)


def test_step_over_and_out_of_raising_code(dap, frame_eval):
    tid = _start(dap, frame_eval, "call_raiser")
    assert _step(dap, tid, "next") == ("catches", at("except_line"))
    assert _step(dap, tid, "next") == ("catches", at("handled"))
    _finish(dap, tid)


def test_step_in_then_over_a_raise(dap, frame_eval):
    tid = _start(dap, frame_eval, "call_raiser")
    assert _step(dap, tid, "stepIn") == ("raiser", at("raiser_body"))
    assert _step(dap, tid, "next") == ("catches", at("except_line"))
    _finish(dap, tid)


def test_generators(dap, frame_eval):
    tid = _start(dap, frame_eval, "gen_first")
    assert _step(dap, tid, "next") == ("use_gen", at("gen_total"))
    assert _step(dap, tid, "next") == ("use_gen", at("for_gen"))
    assert _step(dap, tid, "stepIn") == ("gen", at("gen_second"))
    _finish(dap, tid)


def test_step_over_await_stays_in_coroutine(dap, frame_eval):
    tid = _start(dap, frame_eval, "await_sub")
    assert _step(dap, tid, "next") == ("coro", at("after_await"))
    _finish(dap, tid)


def test_step_in_to_coroutine_and_out(dap, frame_eval):
    tid = _start(dap, frame_eval, "await_sub")
    assert _step(dap, tid, "stepIn") == ("sub", at("sub_body"))
    name, lineno = _step(dap, tid, "stepOut")
    assert name == "coro" and lineno in (at("await_sub"), at("after_await"))
    _finish(dap, tid)


def test_step_over_recursive_call(dap, frame_eval):
    tid = _start(dap, frame_eval, "fact_recurse", condition="n == 4")
    depth = len(dap.request("stackTrace", {"threadId": tid})["body"]["stackFrames"])
    name, lineno = _step(dap, tid, "next")
    assert name == "recursion" and lineno in (at("call_fact"), at("after_fact"))
    assert len(dap.request("stackTrace", {"threadId": tid})["body"]["stackFrames"]) == depth - 1
    _finish(dap, tid)


def test_just_my_code_skips_library_frames(dap, frame_eval):
    tid = _start(dap, frame_eval, "call_lib_hook")
    assert _step(dap, tid, "stepIn") == ("hook", at("hook_body"))
    name, lineno = _step(dap, tid, "stepOut")
    assert name == "lib_user" and lineno in (at("call_lib_hook"), at("after_lib"))
    _finish(dap, tid)
