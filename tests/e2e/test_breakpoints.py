"""Line, function breakpoints and breakpointLocations over real DAP."""

from __future__ import annotations

import os

from tests.e2e.helpers import cont, evaluate, line, path, stop_line

TARGET = "bp_target.py"


def bp(marker: str, **options):
    return {"line": line(TARGET, marker), **options}


def test_line_breakpoints_move_verify_and_keep_ids(dap, frame_eval, tmp_path):
    link = tmp_path / "linked_target.py"
    os.symlink(path(TARGET), link)
    lazy = path("lazy_mod.py")
    dap.initialize()
    launch_seq = dap.send_request("launch", {"program": path(TARGET), "frameEval": frame_eval})
    dap.wait_event("initialized")
    specs = [bp("add_body"), bp("blank"), {"line": 9999}]
    first = dap.request("setBreakpoints", {"source": {"path": str(link)}, "breakpoints": specs})[
        "body"
    ]["breakpoints"]
    again = dap.request("setBreakpoints", {"source": {"path": str(link)}, "breakpoints": specs})[
        "body"
    ]["breakpoints"]
    assert [b["id"] for b in first] == [b["id"] for b in again], "ids must stay stable on re-send"
    add_bp, moved_bp, nowhere_bp = again
    assert add_bp["verified"] and add_bp["line"] == line(TARGET, "add_body")
    assert add_bp["source"]["path"] == str(link), "the client gets back the path it sent"
    assert moved_bp["verified"] and moved_bp["line"] == line(TARGET, "after_blank")
    assert not nowhere_bp["verified"] and nowhere_bp.get("message")
    lazy_bp = dap.request(
        "setBreakpoints",
        {"source": {"path": lazy}, "breakpoints": [{"line": line("lazy_mod.py", "lazy_body")}]},
    )
    lazy_bp = lazy_bp["body"]["breakpoints"][0]
    assert not lazy_bp["verified"] and lazy_bp.get("message")
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    assert dap.wait_response(launch_seq)["success"]

    stop = dap.wait_stopped("breakpoint")
    assert stop["body"]["hitBreakpointIds"] == [add_bp["id"]]
    assert stop["body"]["allThreadsStopped"] is True
    top = dap.top_frame(stop["body"]["threadId"])
    assert top["line"] == line(TARGET, "add_body")
    assert top["source"]["path"] == os.path.realpath(path(TARGET))
    assert evaluate(dap, stop["body"]["threadId"], "(a, b)") == "(1, 2)"
    cont(dap, stop)
    stop = dap.wait_stopped("breakpoint")
    assert evaluate(dap, stop["body"]["threadId"], "(a, b)") == "(3, 4)"
    cont(dap, stop)
    stop = dap.wait_stopped("breakpoint")
    assert stop_line(dap, stop) == line(TARGET, "after_blank")
    assert stop["body"]["hitBreakpointIds"] == [moved_bp["id"]]
    cont(dap, stop)
    changed = dap.wait_event("breakpoint", reason="changed")
    assert changed["body"]["breakpoint"]["id"] == lazy_bp["id"]
    assert changed["body"]["breakpoint"]["verified"] is True
    stop = dap.wait_stopped("breakpoint")
    top = dap.top_frame(stop["body"]["threadId"])
    assert (top["source"]["path"], top["line"]) == (
        os.path.realpath(lazy),
        line("lazy_mod.py", "lazy_body"),
    )
    cont(dap, stop)
    assert dap.wait_exit() == 0


HIT_CONDITIONS = {
    "hit1": ("5", [4]),
    "hit2": ("==5", [4]),
    "hit3": (">5", [5, 6, 7, 8, 9]),
    "hit4": (">=5", [4, 5, 6, 7, 8, 9]),
    "hit5": ("<5", [0, 1, 2, 3]),
    "hit6": ("<=5", [0, 1, 2, 3, 4]),
    "hit7": ("%5", [4, 9]),
}


def test_hit_conditions_and_invalid_options(dap, frame_eval):
    specs = [bp(marker, hitCondition=text) for marker, (text, _) in HIT_CONDITIONS.items()]
    specs.append(bp("hit8", hitCondition="every other"))
    specs.append(bp("add_body", condition="a +"))
    dap.initialize()
    launch_seq = dap.send_request("launch", {"program": path(TARGET), "frameEval": frame_eval})
    dap.wait_event("initialized")
    result = dap.request(
        "setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": specs}
    )["body"]["breakpoints"]
    assert all(b["verified"] for b in result[:7])
    bad_hit, bad_condition = result[7:]
    assert not bad_hit["verified"] and "every other" in bad_hit["message"]
    assert not bad_condition["verified"] and bad_condition.get("message")
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    dap.wait_response(launch_seq)

    by_line = {line(TARGET, marker): marker for marker in HIT_CONDITIONS}
    seen: dict[str, list[int]] = {marker: [] for marker in HIT_CONDITIONS}
    expected_stops = sum(len(stops) for _, stops in HIT_CONDITIONS.values())
    for _ in range(expected_stops):
        stop = dap.wait_stopped("breakpoint")
        seen[by_line[stop_line(dap, stop)]].append(
            int(evaluate(dap, stop["body"]["threadId"], "i"))
        )
        cont(dap, stop)
    assert dap.wait_exit() == 0
    assert seen == {marker: stops for marker, (_, stops) in HIT_CONDITIONS.items()}


def test_condition_raising_condition_and_logpoint(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={
            path(TARGET): [
                bp("add_body", logMessage="sum {a}+{b} {{literal}} {1/0}"),
                bp("hit1", condition="i == 3"),
                bp("hello_body", condition="no_such_name > 1"),
            ]
        },
    )
    stop = dap.wait_stopped("breakpoint")
    assert stop_line(dap, stop) == line(TARGET, "hello_body")
    errors = dap.output("stderr") + dap.output("console")
    assert "no_such_name" in errors
    cont(dap, stop)
    stop = dap.wait_stopped("breakpoint")
    assert evaluate(dap, stop["body"]["threadId"], "i") == "3"
    cont(dap, stop)
    assert dap.wait_exit() == 0
    console = dap.output("console")
    assert "sum 1+2 {literal} " in console and "sum 3+4 {literal} " in console
    assert "ZeroDivisionError" in console.split("sum 1+2 {literal} ", 1)[1].splitlines()[0]


def test_function_breakpoints(dap, frame_eval):
    dap.initialize()
    launch_seq = dap.send_request("launch", {"program": path(TARGET), "frameEval": frame_eval})
    dap.wait_event("initialized")
    result = dap.request(
        "setFunctionBreakpoints",
        {
            "breakpoints": [
                {"name": "add", "condition": "a == 3"},
                {"name": "Greeter.hello"},
                {"name": "lazy_mod.work"},
                {"name": "loop", "hitCondition": "2"},
            ]
        },
    )["body"]["breakpoints"]
    assert len(result) == 4
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    dap.wait_response(launch_seq)
    stops = []
    for _ in range(3):
        stop = dap.wait_stopped("function breakpoint")
        frame = dap.top_frame(stop["body"]["threadId"])
        stops.append((frame["name"], os.path.basename(frame["source"]["path"])))
        if frame["name"] == "add":
            assert evaluate(dap, stop["body"]["threadId"], "a") == "3"
        cont(dap, stop)
    assert dap.wait_exit() == 0
    assert stops == [("add", TARGET), ("Greeter.hello", TARGET), ("work", "lazy_mod.py")]


def test_breakpoint_locations(dap, frame_eval):
    dap.launch(program=path(TARGET), frameEval=frame_eval, stopOnEntry=True)
    dap.wait_stopped("entry")
    first, last = line(TARGET, "blank") - 1, line(TARGET, "after_blank") + 1
    body = dap.request(
        "breakpointLocations", {"source": {"path": path(TARGET)}, "line": first, "endLine": last}
    )["body"]
    lines = sorted({loc["line"] for loc in body["breakpoints"]})
    assert lines == [line(TARGET, "after_blank"), line(TARGET, "after_blank") + 1]
    dap.request("continue", {"threadId": 1})
    assert dap.wait_exit() == 0


def test_breakpoints_in_a_signal_handler_and_an_atexit_handler_stop(dap, frame_eval):
    target = "exit_handlers.py"
    dap.launch(
        program=path(target),
        frameEval=frame_eval,
        exception_filters=["uncaught"],
        breakpoints={path(target): [{"line": line(target, m)} for m in ("cleanup", "handler")]},
    )
    stops = []
    for _ in range(2):
        stop = dap.wait_stopped("breakpoint")
        frame = dap.top_frame(stop["body"]["threadId"])
        stops.append((frame["name"], frame["line"]))
        cont(dap, stop)
    assert stops == [
        ("on_signal", line(target, "handler")),
        ("cleanup", line(target, "cleanup")),
    ]
    assert dap.wait_exit() == 0  # as plain Python: an atexit error is reported, not fatal
    assert dap.output("stdout") == "handler ran True\nmain done\ncleanup ran cleaning\n"
    assert "Exception ignored in atexit callback" in dap.output("stderr")
    assert "ValueError: in atexit" in dap.output("stderr")


def test_breakpoints_stop_in_a_reloaded_module(dap, frame_eval):
    # importlib.reload makes new code objects that compare equal to the old
    # ones; each must get its own breakpoint events.
    module = path("reloaded_mod.py")
    dap.launch(
        program=path("reload_main.py"),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={module: [{"line": line("reloaded_mod.py", "bump_body")}]},
    )
    for expected in (1, 2):
        stop = dap.wait_stopped("breakpoint")
        assert evaluate(dap, stop["body"]["threadId"], "x") == str(expected)
        cont(dap, stop)
    assert dap.wait_exit() == 0
    assert dap.output("stdout") == "first 2\nsecond 3\n"


def test_breakpoint_set_after_a_reload_stops_in_the_new_code(dap, frame_eval):
    dap.launch(
        program=path("reload_main.py"), args=["wait"], frameEval=frame_eval, exception_filters=[]
    )
    dap.wait_for(lambda m: "reloaded" in dap.output("stdout"), what="the reload")
    module = path("reloaded_mod.py")
    dap.request(
        "setBreakpoints",
        {
            "source": {"path": module},
            "breakpoints": [{"line": line("reloaded_mod.py", "bump_body")}],
        },
    )
    stop = dap.wait_stopped("breakpoint")
    assert evaluate(dap, stop["body"]["threadId"], "x") == "3"
    dap.request("terminate")
    dap.wait_exit()
