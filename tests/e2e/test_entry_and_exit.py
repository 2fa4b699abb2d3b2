"""The first and last stops a user meets: stepping out of ``main()`` into the
module frame, ``stopOnEntry`` for ``module`` launches, and ``noDebug`` runs."""

from __future__ import annotations

import json
import os

from tests.e2e.helpers import line, path

EXIT_MAIN = "exit_main.py"
FIXTURES = os.path.dirname(path(EXIT_MAIN))


def _stop_at(dap, frame_eval, marker: str, **launch) -> int:
    dap.launch(
        program=path(EXIT_MAIN),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(EXIT_MAIN): [{"line": line(EXIT_MAIN, marker)}]},
        **launch,
    )
    return dap.wait_stopped("breakpoint")["body"]["threadId"]


def test_step_out_of_main_lands_on_the_sys_exit_line(dap, frame_eval):
    tid = _stop_at(dap, frame_eval, "main_body")
    dap.request("stepOut", {"threadId": tid})
    dap.wait_stopped("step")
    frame = dap.top_frame(tid)
    assert (frame["name"], frame["line"]) == ("<module>", line(EXIT_MAIN, "exit_main"))
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
    assert "total 2" in dap.output("stdout")


def test_next_over_return_of_main_lands_on_the_sys_exit_line(dap, frame_eval):
    tid = _stop_at(dap, frame_eval, "main_return")
    dap.request("next", {"threadId": tid})
    dap.wait_stopped("step")
    frames = dap.request("stackTrace", {"threadId": tid})["body"]["stackFrames"]
    assert [(f["name"], f["line"]) for f in frames] == [("<module>", line(EXIT_MAIN, "exit_main"))]
    # The next step leaves the program: sys.exit(0) ends it, no stop on the way.
    dap.request("next", {"threadId": tid})
    assert dap.wait_exit() == 0
    assert dap.events("stopped")[-1]["body"]["reason"] == "step"


def _entry_stack(dap, frame_eval, module: str, args: list[str]) -> list[tuple[str, str, int]]:
    dap.launch(module=module, cwd=FIXTURES, args=args, stopOnEntry=True, frameEval=frame_eval)
    tid = dap.wait_stopped("entry")["body"]["threadId"]
    frames = dap.request("stackTrace", {"threadId": tid})["body"]["stackFrames"]
    assert dap.output("stdout") == ""
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
    return [(f["name"], f["source"].get("path", ""), f["line"]) for f in frames]


def test_module_stop_on_entry_stops_in_the_package_main(dap, frame_eval):
    stack = _entry_stack(dap, frame_eval, "entry_pkg", ["x"])
    assert stack == [("<module>", path(os.path.join("entry_pkg", "__main__.py")), 1)]
    assert "pair Pair(a=1, b=2) ['x']" in dap.output("stdout")


def test_module_stop_on_entry_stops_in_json_tool(dap, frame_eval):
    stack = _entry_stack(dap, frame_eval, "json.tool", [path("entry_data.json")])
    assert len(stack) == 1
    name, file, lineno = stack[0]
    assert name == "<module>" and file.endswith(os.path.join("json", "tool.py")) and lineno == 1
    assert json.loads(dap.output("stdout")) == {"entry": [1, 2]}


def test_no_debug_runs_past_breakpoints_without_a_backend(dap, frame_eval):
    probe = "no_debug_probe.py"
    response = dap.launch(
        program=path(probe),
        args=["a b"],
        noDebug=True,
        stopOnEntry=True,
        frameEval=frame_eval,
        breakpoints={path(probe): [{"line": line(probe, "probe")}]},
        exception_filters=["raised", "uncaught"],
    )
    assert response["success"]
    assert dap.wait_exit() == 4
    assert dap.events("stopped") == []
    out = dap.output("stdout")
    assert "trace None monitoring None" in out and "args ['a b']" in out
    breakpoints = [
        m
        for m in dap.messages
        if m.get("type") == "response" and m.get("command") == "setBreakpoints"
    ]
    assert breakpoints and not breakpoints[0]["body"]["breakpoints"][0]["verified"]


def test_next_after_an_entry_stop_on_a_breakpoint_is_a_step(dap, frame_eval):
    hello = path("hello.py")
    dap.launch(
        program=hello, stopOnEntry=True, frameEval=frame_eval, breakpoints={hello: [{"line": 1}]}
    )
    first = dap.wait_stopped()
    assert first["body"]["reason"] in ("entry", "breakpoint")
    tid = first["body"]["threadId"]
    dap.request("next", {"threadId": tid})
    assert dap.wait_stopped()["body"]["reason"] == "step"
    assert dap.top_frame(tid)["line"] == 3
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
