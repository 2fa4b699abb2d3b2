"""Exception breakpoints: raised, uncaught, userUnhandled, type conditions, exceptionInfo."""

from __future__ import annotations

from tests.e2e.helpers import cont, line, path, shows_debugger_frames, stop_line

TARGET = "exc_target.py"


def _stops(dap, count: int) -> list[tuple[int, str]]:
    found = []
    for _ in range(count):
        stop = dap.wait_stopped("exception")
        found.append((stop_line(dap, stop), stop["body"]["text"]))
        cont(dap, stop)
    return found


def test_raised_with_condition_and_uncaught(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=["uncaught"],
        exception_options=[{"filterId": "raised", "condition": "KeyError, IndexError"}],
    )
    stop = dap.wait_stopped("exception")
    assert stop_line(dap, stop) == line(TARGET, "raise_key")
    info = dap.request("exceptionInfo", {"threadId": stop["body"]["threadId"]})["body"]
    assert info["exceptionId"] == "KeyError"
    assert info["breakMode"] == "always"
    assert "'k'" in info["description"]
    assert "raise KeyError" in info["details"]["stackTrace"]
    cont(dap, stop)
    found = _stops(dap, 2)
    assert found[0] == (line(TARGET, "raise_index"), "IndexError: formatter broke")
    assert found[1] == (line(TARGET, "raise_uncaught"), "RuntimeError: the end")
    assert dap.wait_exit() == 1


def test_raised_everything_stops_on_user_raises_only(dap, frame_eval):
    dap.launch(program=path(TARGET), frameEval=frame_eval, exception_filters=["raised"])
    found = _stops(dap, 4)
    assert [lineno for lineno, _ in found] == [
        line(TARGET, "raise_key"),
        line(TARGET, "raise_value"),
        line(TARGET, "raise_index"),
        line(TARGET, "raise_uncaught"),
    ]
    assert dap.wait_exit() == 1


def test_user_unhandled(dap, frame_eval):
    dap.launch(program=path(TARGET), frameEval=frame_eval, exception_filters=["userUnhandled"])
    stop = dap.wait_stopped("exception")
    assert stop_line(dap, stop) == line(TARGET, "raise_index")
    info = dap.request("exceptionInfo", {"threadId": stop["body"]["threadId"]})["body"]
    assert info["breakMode"] == "userUnhandled"
    cont(dap, stop)
    assert dap.wait_exit() == 1
    assert len(dap.events("stopped")) == 1


def test_uncaught_condition_excludes_other_types_and_clean_exit_never_stops(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        exception_options=[{"filterId": "uncaught", "condition": "ValueError"}],
    )
    assert dap.wait_exit() == 1
    assert dap.events("stopped") == []


def test_system_exit_zero_never_stops(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        args=["exit0"],
        frameEval=frame_eval,
        exception_filters=["raised", "uncaught"],
    )
    found = _stops(dap, 3)
    assert [lineno for lineno, _ in found] == [
        line(TARGET, "raise_key"),
        line(TARGET, "raise_value"),
        line(TARGET, "raise_index"),
    ]
    assert dap.wait_exit() == 0
    assert len(dap.events("stopped")) == 3


def test_exception_whose_str_raises_still_stops_and_the_program_runs_as_without_debugger(
    dap, frame_eval
):
    # Core calls str() on the exception to describe the stop; a __str__ that
    # raises must neither cost the stop nor add stops of its own (the launcher
    # prints the final traceback, which calls __str__ again).
    target = "broken_str_exc.py"
    dap.launch(program=path(target), frameEval=frame_eval, exception_filters=["raised", "uncaught"])
    # Raised and caught; raised again; then the same exception, uncaught.
    found = _stops(dap, 3)
    described = "Weird: <str raised RuntimeError: str broke>"
    assert found == [(line(target, "raise"), described)] * 3
    assert dap.wait_exit() == 1
    assert len(dap.events("stopped")) == 3
    assert "caught it" in dap.output("stdout")
    stderr = dap.output("stderr")
    assert "Weird: <exception str() failed>" in stderr  # what plain Python prints
    assert not shows_debugger_frames(stderr) and "callback" not in stderr
