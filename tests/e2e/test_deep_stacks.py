"""A breakpoint stops at any depth, on every backend (issue 15, item 5: on
3.11's eval_frame backend, frames deeper than 128 selected ones were silently
skipped)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import line, path

PROGRAM = "deep_recursion.py"


@pytest.mark.parametrize("depth", [100, 127, 128, 500])
def test_breakpoint_at_the_bottom_of_a_deep_recursion_stops(dap, frame_eval, depth):
    dap.launch(
        program=path(PROGRAM),
        args=[str(depth)],
        frameEval=frame_eval,
        breakpoints={path(PROGRAM): [{"line": line(PROGRAM, "bottom")}]},
    )
    stopped = dap.wait_stopped("breakpoint")
    frames = dap.request("stackTrace", {"threadId": stopped["body"]["threadId"]})["body"]
    assert frames["totalFrames"] >= depth + 1
    assert frames["stackFrames"][0]["line"] == line(PROGRAM, "bottom")
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_exit() == 0
