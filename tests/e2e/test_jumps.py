"""goto/gotoTargets (only where CPython allows) and stepInTargets."""

from __future__ import annotations

from tests.e2e.helpers import line, path, wait_output

TARGET = "jump_target.py"


def _launch(dap, frame_eval, marker: str) -> int:
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": line(TARGET, marker)}]},
    )
    return dap.wait_stopped("breakpoint")["body"]["threadId"]


def _targets(dap, marker_line: int) -> list[dict]:
    return dap.request("gotoTargets", {"source": {"path": path(TARGET)}, "line": marker_line})[
        "body"
    ]["targets"]


def test_goto_skips_lines_and_refuses_illegal_jumps(dap, frame_eval):
    # From a step's stop: a line event on every backend (a breakpoint may be
    # checked by instrumented code instead, see the next test).
    tid = _launch(dap, frame_eval, "j_one")
    dap.request("next", {"threadId": tid})
    dap.wait_stopped("step")
    assert dap.top_frame(tid)["line"] == line(TARGET, "j_two")
    assert _targets(dap, line(TARGET, "j_loop") + 1) == [], "a blank line is no target"
    into_loop = _targets(dap, line(TARGET, "j_loop"))
    refused = dap.request("goto", {"threadId": tid, "targetId": into_loop[0]["id"]}, ok=False)
    assert not refused["success"] and "jump" in refused["message"]
    elsewhere = _targets(dap, line(TARGET, "inner_body"))
    refused = dap.request("goto", {"threadId": tid, "targetId": elsewhere[0]["id"]}, ok=False)
    assert not refused["success"] and "same function" in refused["message"]

    (target,) = _targets(dap, line(TARGET, "j_end"))
    dap.request("goto", {"threadId": tid, "targetId": target["id"]})
    dap.wait_stopped("goto")
    assert dap.top_frame(tid)["line"] == line(TARGET, "j_end")
    dap.request("continue", {"threadId": tid})
    wait_output(dap, "total 1\n")
    assert dap.wait_exit() == 0


def test_goto_from_a_breakpoint_stop_jumps_or_says_to_step_first(dap, frame_eval):
    # A stop that instrumented code reported from inside the frame (3.11
    # eval_frame, from the first call on) cannot jump: CPython jumps only from
    # a line event. The refusal says what to do, and doing it works.
    tid = _launch(dap, frame_eval, "j_two")
    (target,) = _targets(dap, line(TARGET, "j_end"))
    response = dap.request("goto", {"threadId": tid, "targetId": target["id"]}, ok=False)
    if response["success"]:
        expected = "total 1\n"
    else:
        assert "Step once (next) and jump from there" in response["message"]
        dap.request("next", {"threadId": tid})
        dap.wait_stopped("step")
        assert dap.top_frame(tid)["line"] == line(TARGET, "j_loop") - 1  # the for line
        dap.request("goto", {"threadId": tid, "targetId": target["id"]})
        expected = "total 11\n"
    dap.wait_stopped("goto")
    assert dap.top_frame(tid)["line"] == line(TARGET, "j_end")
    dap.request("continue", {"threadId": tid})
    wait_output(dap, expected)
    assert dap.wait_exit() == 0


def test_step_in_targets(dap, frame_eval):
    tid = _launch(dap, frame_eval, "multi_call")
    frame_id = dap.top_frame(tid)["id"]
    targets = dap.request("stepInTargets", {"frameId": frame_id})["body"]["targets"]
    assert [t["label"] for t in targets] == ["inner", "other", "outer"]
    dap.request("stepIn", {"threadId": tid, "targetId": targets[1]["id"]})
    dap.wait_stopped("step")
    top = dap.top_frame(tid)
    assert (top["name"], top["line"]) == ("other", line(TARGET, "other_body"))
    dap.request("stepOut", {"threadId": tid})
    dap.wait_stopped("step")
    assert dap.top_frame(tid)["name"] == "targets"
    dap.request("continue", {"threadId": tid})
    wait_output(dap, "targets 6")
    assert dap.wait_exit() == 0
