"""Breakpoints served by instrumented code objects, over real DAP on every
backend: conditions, hit counts, logpoints and plain breakpoints in a hot
function stop with the right values; a breakpoint added while its function is
on the stack, or removed while another thread runs it; the escape hatch."""

from __future__ import annotations

from tests.e2e.helpers import cont, evaluate, line, path, stop_line, wait_output

TARGET = "hot_target.py"


def bp(marker: str, **options):
    return {"line": line(TARGET, marker), **options}


HOT = [
    bp("cond", condition="i == 1500"),
    bp("hits", hitCondition="%700"),
    bp("log", logMessage="log i={i}", condition="i % 500 == 0"),
]


def _stats(dap) -> dict:
    return _status_body(dap)["stats"]


def _status_body(dap) -> dict:
    return dap.request("dapper/status")["body"]


def _run_hot_function(dap, frame_eval) -> dict:
    """Plain breakpoint for three calls, then conditional, hit count and logpoint;
    returns the ``dapper/status`` body (status and stats) seen at the conditional
    stop (the program may have exited by the time the function returns)."""
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [bp("plain"), *HOT]},
    )
    for expected in (0, 1, 2):
        stop = dap.wait_stopped("breakpoint")
        assert stop_line(dap, stop) == line(TARGET, "plain")
        assert evaluate(dap, stop["body"]["threadId"], "i") == str(expected)
        if expected == 2:
            dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": HOT})
        cont(dap, stop)
    seen = []
    body: dict = {}
    for _ in range(3):
        stop = dap.wait_stopped("breakpoint")
        tid = stop["body"]["threadId"]
        seen.append((stop_line(dap, stop), evaluate(dap, tid, "i"), evaluate(dap, tid, "value")))
        if len(seen) == 3:
            body = _status_body(dap)
        cont(dap, stop)
    wait_output(dap, "total 3998000")
    assert "annotations True" in dap.output("stdout")
    assert seen == [
        (line(TARGET, "hits"), "699", "1399"),
        (line(TARGET, "hits"), "1399", "2799"),
        (line(TARGET, "cond"), "1500", "3000"),
    ]
    # Log output comes from the engine, "total" through the program's stdout
    # pipe: wait for the last log line itself, not for what was printed after it.
    wait_output(dap, "log i=1500", category="console")
    logs = [ln for ln in dap.output("console").splitlines() if ln.startswith("log i=")]
    assert logs == ["log i=0", "log i=500", "log i=1000", "log i=1500"]
    return body


def test_hot_function_breakpoints_run_as_instrumented_code(dap, frame_eval):
    stats = _run_hot_function(dap, frame_eval)["stats"]
    # Only the first call after each breakpoint change is traced: the rest
    # reached the breakpoint lines through the twin's own checks.
    assert stats["instrumented_code_objects"] == 1 and stats["instrumented_functions"] == 1
    assert stats["instrumented_hits"] >= 3
    assert stats["line_events"] < 20, "the hot lines must not be traced call after call"
    assert dap.wait_exit() == 0


def test_instrumented_code_can_be_switched_off(dap, frame_eval):
    body = _run_hot_function(dap, {**frame_eval, "instrumentedCode": False})
    status, stats = body["status"], body["stats"]
    assert status["requested"]["instrumentedCode"] is False
    assert "switched off" in status["instrumented_code"]
    assert stats["instrumented_code_objects"] == 0 and stats["instrumented_hits"] == 0
    assert stats["line_events"] > 1000, "switched off, every evaluation is a line event"
    assert dap.wait_exit() == 0


def test_breakpoint_added_while_its_function_is_on_the_stack(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [bp("entry")]},
    )
    stops = []
    plan = {(0, "entry"): ["entry", "later"], (2, "entry"): ["entry", "later", "later2"]}
    names = {line(TARGET, m): m for m in ("entry", "later", "later2")}
    hooks_at_k2 = None
    while len(stops) < 10:
        stop = dap.wait_stopped("breakpoint")
        k = int(evaluate(dap, stop["body"]["threadId"], "k"))
        where = names[stop_line(dap, stop)]
        stops.append((k, where))
        if (k, where) == (2, "entry"):
            hooks_at_k2 = _stats(dap)["instrumented_hits"]
        if (k, where) in plan:
            dap.request(
                "setBreakpoints",
                {"source": {"path": path(TARGET)}, "breakpoints": [bp(m) for m in plan[k, where]]},
            )
        cont(dap, stop)
    assert stops == [
        (0, "entry"),
        (0, "later"),  # the running frame is traced
        (1, "entry"),
        (1, "later"),
        (2, "entry"),  # the twin's check: this call runs instrumented code
        (2, "later"),  # the twin was retired under the running frame: traced
        (2, "later2"),
        (3, "entry"),
        (3, "later"),
        (3, "later2"),
    ]
    assert hooks_at_k2 is not None and hooks_at_k2 >= 1
    wait_output(dap, "identity True")
    assert dap.wait_exit() == 0


def test_breakpoint_removed_while_another_thread_runs_the_function(dap, frame_eval):
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={path(TARGET): [bp("hot", condition="i == 5000")]},
    )
    stop = dap.wait_stopped("breakpoint")
    assert stop_line(dap, stop) == line(TARGET, "hot")
    assert evaluate(dap, stop["body"]["threadId"], "i") == "5000"
    assert _stats(dap)["instrumented_functions"] == 1
    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    assert _stats(dap)["instrumented_functions"] == 0
    cont(dap, stop)
    # The program checks that ``hot`` got its own code object back.
    wait_output(dap, "identity True count True")
    assert dap.wait_exit() == 0


STEPS = "twin_steps.py"


def _stop_in_the_twin_then_step_onto(dap, frame_eval, bp_condition: str) -> dict:
    """Stop at ``@before`` with i == 1 in the call that runs the twin, then step
    onto ``@bp`` (whose breakpoint has ``bp_condition``); the step's stop."""
    dap.launch(
        program=path(STEPS),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={
            path(STEPS): [
                {"line": line(STEPS, "before"), "condition": "n == 5 and i == 1"},
                {"line": line(STEPS, "bp"), "condition": bp_condition},
            ]
        },
    )
    stop = dap.wait_stopped("breakpoint")
    tid = stop["body"]["threadId"]
    assert (stop_line(dap, stop), evaluate(dap, tid, "i")) == (line(STEPS, "before"), "1")
    assert _stats(dap)["instrumented_functions"] == 1, "the second call runs the twin"
    dap.request("next", {"threadId": tid})
    return dap.wait_stopped()


def test_a_step_onto_a_breakpoint_line_of_a_twin_stops_there_once(dap, frame_eval):
    # The step lands on a breakpoint line whose condition holds: one stop, for
    # the breakpoint; continuing must not stop on that same line again (the
    # twin's own check runs right after the line event the step stopped on).
    stop = _stop_in_the_twin_then_step_onto(dap, frame_eval, "n == 5 and i == 1")
    tid = stop["body"]["threadId"]
    assert stop["body"]["reason"] == "breakpoint"
    assert (stop_line(dap, stop), evaluate(dap, tid, "i")) == (line(STEPS, "bp"), "1")
    cont(dap, stop)
    wait_output(dap, "result 30")
    assert dap.wait_exit() == 0
    assert len(dap.events("stopped")) == 2


def test_a_conditional_breakpoint_in_a_twin_stops_later_after_a_step_stopped_on_its_line(
    dap, frame_eval
):
    # The step stops on the breakpoint line while its condition is false; the
    # loop then runs untraced and the condition holds on a later round: that
    # round must stop (nothing may be remembered from the step's stop).
    stop = _stop_in_the_twin_then_step_onto(dap, frame_eval, "n == 5 and i == 3")
    tid = stop["body"]["threadId"]
    assert stop["body"]["reason"] == "step"
    assert (stop_line(dap, stop), evaluate(dap, tid, "i")) == (line(STEPS, "bp"), "1")
    cont(dap, stop)
    stop = dap.wait_stopped("breakpoint")
    tid = stop["body"]["threadId"]
    assert (stop_line(dap, stop), evaluate(dap, tid, "i")) == (line(STEPS, "bp"), "3")
    cont(dap, stop)
    wait_output(dap, "result 30")
    assert dap.wait_exit() == 0


HITS = "hit_counts.py"
#: (marker, breakpoint options): every 1000th hit; every 500th hit of a
#: condition; exactly the 1234th hit; every hit from the 3498th on
HIT_BREAKPOINTS = [
    ("every", {"hitCondition": "%1000"}),
    ("even", {"condition": "i % 2 == 0", "hitCondition": "%500"}),
    ("exact", {"hitCondition": "== 1234"}),
    ("from", {"hitCondition": ">=3498"}),
]
#: (marker, i) of every stop those breakpoints make over tick(0) .. tick(3499)
HIT_STOPS = [
    ("even", 998),
    ("every", 999),
    ("exact", 1233),
    ("even", 1998),
    ("every", 1999),
    ("even", 2998),
    ("every", 2999),
    ("from", 3497),
    ("from", 3498),
    ("from", 3499),
]


def _launch_hit_counts(dap, frame_eval) -> None:
    dap.launch(
        program=path(HITS),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={
            path(HITS): [{"line": line(HITS, marker), **opts} for marker, opts in HIT_BREAKPOINTS]
        },
    )


def _hit_stop(dap, stop) -> tuple[str, int]:
    names = {line(HITS, marker): marker for marker, _ in HIT_BREAKPOINTS}
    tid = stop["body"]["threadId"]
    return names[stop_line(dap, stop)], int(evaluate(dap, tid, "i"))


def test_hit_conditions_stop_exactly_on_the_matching_hits(dap, frame_eval):
    _launch_hit_counts(dap, frame_eval)
    seen = []
    for _ in HIT_STOPS:
        stop = dap.wait_stopped("breakpoint")
        seen.append(_hit_stop(dap, stop))
        if len(seen) == len(HIT_STOPS):
            stats = _stats(dap)
        cont(dap, stop)
    assert seen == HIT_STOPS
    # Counted in the frame: only the matching hits (and the first call's,
    # where it is traced) reached the debugger, not one per evaluation.
    assert stats["instrumented_functions"] == 1
    assert stats["instrumented_hits"] + stats["line_events"] < 100
    wait_output(dap, "total 18369750")
    assert dap.wait_exit() == 0
    assert len(dap.events("stopped")) == len(HIT_STOPS)


def test_lines_stepped_onto_count_once(dap, frame_eval):
    # Stepping from the 1000th hit of @every over @even and onto @exact: the
    # line events count those hits (core), the checks of the frame that run
    # right after must not count them again, or @exact stops one round early.
    _launch_hit_counts(dap, frame_eval)
    stop = dap.wait_stopped("breakpoint")
    assert _hit_stop(dap, stop) == ("even", 998)
    cont(dap, stop)
    stop = dap.wait_stopped("breakpoint")
    assert _hit_stop(dap, stop) == ("every", 999)
    tid = stop["body"]["threadId"]
    for marker in ("even", "exact", "from"):
        dap.request("next", {"threadId": tid})
        stop = dap.wait_stopped("step")
        assert _hit_stop(dap, stop) == (marker, 999)
    cont(dap, stop)
    seen = []
    for _ in HIT_STOPS[2:]:
        stop = dap.wait_stopped("breakpoint")
        seen.append(_hit_stop(dap, stop))
        cont(dap, stop)
    assert seen == HIT_STOPS[2:]
    wait_output(dap, "total 18369750")
    assert dap.wait_exit() == 0


def test_next_from_a_twin_stop_reports_each_line_once(dap, frame_eval):
    # Stepping through a twin: a line whose check has a condition (true here)
    # ends that check in a jump with no line, after which 3.11 reports the
    # line again; the step must still stop there once.
    dap.launch(
        program=path(HITS),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={
            path(HITS): [
                {"line": line(HITS, "every"), "condition": "i == 999"},
                {"line": line(HITS, "even"), "condition": "i % 2 == 1 and i >= 999"},
            ]
        },
    )
    stop = dap.wait_stopped("breakpoint")
    tid = stop["body"]["threadId"]
    seen = [(stop["body"]["reason"], stop_line(dap, stop))]
    for _ in range(3):
        dap.request("next", {"threadId": tid})
        stop = dap.wait_stopped()
        seen.append((stop["body"]["reason"], stop_line(dap, stop)))
    assert seen == [
        ("breakpoint", line(HITS, "every")),
        ("breakpoint", line(HITS, "even")),
        ("step", line(HITS, "exact")),
        ("step", line(HITS, "from")),
    ]
    dap.request("setBreakpoints", {"source": {"path": path(HITS)}, "breakpoints": []})
    cont(dap, stop)
    wait_output(dap, "total 18369750")
    assert dap.wait_exit() == 0


CHANGE = "condition_change.py"


def test_a_condition_changed_while_its_function_runs_stops_once_on_that_line(dap, frame_eval):
    # The call already runs the twin whose check has the old, false condition:
    # the frame is traced from then on, and its line must stop once, not once
    # for the line event and again for the old check that follows it (3.11).
    first = {"line": line(CHANGE, "first")}
    dap.launch(
        program=path(CHANGE),
        frameEval=frame_eval,
        exception_filters=[],
        breakpoints={
            path(CHANGE): [first, {"line": line(CHANGE, "second"), "condition": "x > 100"}]
        },
    )
    stop = dap.wait_stopped("breakpoint")
    assert stop_line(dap, stop) == line(CHANGE, "first")
    dap.request(
        "setBreakpoints",
        {
            "source": {"path": path(CHANGE)},
            "breakpoints": [first, {"line": line(CHANGE, "second")}],
        },
    )
    seen = []
    for _ in range(3):
        cont(dap, stop)
        stop = dap.wait_stopped("breakpoint")
        seen.append(stop_line(dap, stop))
    assert seen == [line(CHANGE, "second"), line(CHANGE, "first"), line(CHANGE, "second")]
    assert evaluate(dap, stop["body"]["threadId"], "x") == "1"
    dap.request("setBreakpoints", {"source": {"path": path(CHANGE)}, "breakpoints": []})
    cont(dap, stop)
    wait_output(dap, "done")
    assert dap.wait_exit() == 0
