"""After stepping out of a function, its return value is shown among the locals."""

from __future__ import annotations

from tests.e2e.conftest import fixture_path

PROGRAM = fixture_path("return_value.py")


def _locals(dap, thread_id):
    frame = dap.top_frame(thread_id)
    scopes = dap.request("scopes", {"frameId": frame["id"]})["body"]["scopes"]
    ref = next(s["variablesReference"] for s in scopes if s["name"] == "Locals")
    return frame, {
        v["name"]: v["value"]
        for v in dap.request("variables", {"variablesReference": ref})["body"]["variables"]
    }


def test_step_over_a_return_shows_the_return_value(dap, frame_eval):
    dap.launch(program=PROGRAM, frameEval=frame_eval, breakpoints={PROGRAM: [{"line": 3}]})
    thread_id = dap.wait_stopped("breakpoint")["body"]["threadId"]
    _, before = _locals(dap, thread_id)
    assert not any(name.startswith("(return)") for name in before)
    dap.request("next", {"threadId": thread_id})
    dap.wait_stopped("step")
    frame, after = _locals(dap, thread_id)
    assert frame["name"] == "<module>"
    assert after["(return) compute"] == "42"
    dap.request("next", {"threadId": thread_id})
    dap.wait_stopped("step")
    _, later = _locals(dap, thread_id)
    assert "(return) compute" not in later  # only at the stop right after the return
    dap.request("continue", {"threadId": thread_id})
    assert dap.wait_exit() == 0
