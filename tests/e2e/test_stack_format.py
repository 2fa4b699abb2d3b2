"""stackTrace's ``format`` (advertised through supportsValueFormattingOptions)."""

from __future__ import annotations

from tests.e2e.helpers import line, path

TARGET = "step_target.py"


def test_stack_trace_format_names_parameters_module_and_line(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": line(TARGET, "callee_body")}]},
    )
    tid = dap.wait_stopped("breakpoint")["body"]["threadId"]

    def top(fmt: dict | None) -> str:
        arguments: dict = {"threadId": tid, "levels": 2}
        if fmt is not None:
            arguments["format"] = fmt
        frames = dap.request("stackTrace", arguments)["body"]["stackFrames"]
        return frames[0]["name"]

    assert top(None) == "callee"
    assert top({"parameters": True}) == "callee(x = 1)"
    assert top({"parameters": True, "parameterNames": True}) == "callee(x)"
    assert top({"parameterTypes": True, "parameterValues": True}) == "callee(int = 1)"
    assert top({"parameters": True, "module": True, "line": True}) == (
        f"callee(x = 1) [__main__], line {line(TARGET, 'callee_body')}"
    )
    assert top({"parameterValues": True, "hex": True}) == "callee(0x1)"
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
