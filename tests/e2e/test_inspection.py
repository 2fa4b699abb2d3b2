"""stackTrace, source, scopes, variables, evaluate, setVariable/setExpression,
completions, loadedSources, modules and the limits on user code run by the debugger."""

from __future__ import annotations

import os

from tests.e2e.helpers import line, path

TARGET = "inspect_target.py"


def _launch(dap, frame_eval, *markers: str) -> int:
    dap.launch(
        program=path(TARGET),
        frameEval=frame_eval,
        env={"DAPPER_EVAL_TIMEOUT": "1"},
        exception_filters=[],
        breakpoints={path(TARGET): [{"line": line(TARGET, m)} for m in markers]},
    )
    return dap.wait_stopped("breakpoint")["body"]["threadId"]


def _frames(dap, tid: int, **paging) -> dict:
    return dap.request("stackTrace", {"threadId": tid, **paging})["body"]


def _variables(dap, ref: int, **extra) -> dict[str, dict]:
    found = dap.request("variables", {"variablesReference": ref, **extra})["body"]["variables"]
    return {v["name"]: v for v in found}


def _evaluate(dap, frame_id: int, expression: str, context: str, ok: bool = True) -> dict:
    return dap.request(
        "evaluate", {"expression": expression, "frameId": frame_id, "context": context}, ok=ok
    )


def test_stack_scopes_and_variables(dap, frame_eval):
    tid = _launch(dap, frame_eval, "inspect_stop")
    body = _frames(dap, tid)
    names = [f["name"] for f in body["stackFrames"]]
    assert names == ["inspect_me", "main", "<module>"]
    assert body["totalFrames"] == 3
    assert all(f["source"]["path"] == os.path.realpath(path(TARGET)) for f in body["stackFrames"])
    page = _frames(dap, tid, startFrame=1, levels=1)
    assert [f["name"] for f in page["stackFrames"]] == ["main"] and page["totalFrames"] == 3
    frame_id = body["stackFrames"][0]["id"]

    scopes = dap.request("scopes", {"frameId": frame_id})["body"]["scopes"]
    assert [s["name"] for s in scopes][:2] == ["Locals", "Globals"]
    local = _variables(dap, scopes[0]["variablesReference"])
    assert "later" not in local, "unassigned locals are absent"
    assert local["number"]["value"] == "255"
    assert (
        _variables(dap, scopes[0]["variablesReference"], format={"hex": True})["number"]["value"]
        == "0xff"
    )
    assert len(local["text"]["value"]) < 1000, "long reprs are cut"
    assert "repr broke" in local["bad"]["value"], "a raising __repr__ is shown in place"
    items = local["items"]
    assert items["indexedVariables"] == 300 and items["variablesReference"] > 0
    window = _variables(dap, items["variablesReference"], filter="indexed", start=10, count=5)
    assert [v["value"] for v in window.values()] == ["10", "11", "12", "13", "14"]
    assert 2 in (local["mapping"].get("namedVariables"), local["mapping"].get("indexedVariables"))
    assert local["bag"].get("indexedVariables") == 3 and local["pair"].get("indexedVariables") == 2
    thing = _variables(dap, local["thing"]["variablesReference"])
    assert thing["public"]["value"] == "1"
    assert "_private" not in thing and "__class__" not in thing, (
        "private and special attributes are grouped"
    )
    groups = [
        name
        for name, v in thing.items()
        if v["variablesReference"] and v.get("presentationHint", {}).get("kind") == "virtual"
    ]
    assert len(groups) == 2
    inside = {}
    for group in groups:
        inside.update(_variables(dap, thing[group]["variablesReference"]))
    assert "_private" in inside and "__class__" in inside
    global_vars = _variables(dap, scopes[1]["variablesReference"])
    assert "Thing" in global_vars and "request_id" in global_vars
    assert global_vars["Thing"].get("presentationHint", {}).get("kind") == "class"
    assert global_vars["hang"].get("presentationHint", {}).get("kind") == "method"

    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0


def test_evaluate_contexts_limits_and_changes(dap, frame_eval):
    tid = _launch(dap, frame_eval, "inspect_stop")
    frame_id = _frames(dap, tid)["stackFrames"][0]["id"]
    assert _evaluate(dap, frame_id, "number + 1", "watch")["body"]["result"] == "256"
    assert _evaluate(dap, frame_id, "request_id.get()", "repl")["body"]["result"] == "'req-42'"
    assert _evaluate(dap, frame_id, "number", "hover")["body"]["result"] == "255"
    assert not _evaluate(dap, frame_id, "number = 1", "hover", ok=False)["success"]
    assert _evaluate(dap, frame_id, "len(text)", "watch")["body"]["result"] == "5000"
    assert len(_evaluate(dap, frame_id, "text", "clipboard")["body"]["result"]) == 5002
    result = _evaluate(dap, frame_id, "print('hi from repl')", "repl")["body"]["result"]
    assert "hi from repl" in result + dap.output()
    assert _evaluate(dap, frame_id, "tmp_value = number * 2", "repl")["success"]
    assert _evaluate(dap, frame_id, "undefined_thing", "watch", ok=False)["message"]

    hung = _evaluate(dap, frame_id, "hang()", "repl", ok=False)
    assert not hung["success"] and "within" in hung["message"]
    slow = _evaluate(dap, frame_id, "Slow()", "watch", ok=False)
    assert not slow["success"]
    assert _evaluate(dap, frame_id, "number", "watch")["body"]["result"] == "255", (
        "the session keeps working"
    )

    completions = dap.request("completions", {"frameId": frame_id, "text": "num", "column": 4})[
        "body"
    ]["targets"]
    assert "number" in [t["label"] for t in completions]

    scopes = dap.request("scopes", {"frameId": frame_id})["body"]["scopes"]
    changed = dap.request(
        "setVariable",
        {"variablesReference": scopes[0]["variablesReference"], "name": "number", "value": "7"},
    )
    assert changed["body"]["value"] == "7"
    dap.request(
        "setExpression", {"expression": "mapping['a']", "value": "40 + 2", "frameId": frame_id}
    )
    assert _evaluate(dap, frame_id, "number", "watch")["body"]["result"] == "7"

    sources = dap.request("loadedSources")["body"]["sources"]
    assert os.path.realpath(path(TARGET)) in [s.get("path") for s in sources]
    modules = dap.request("modules", {})["body"]
    assert "json" in [m["name"] for m in modules["modules"]] and modules["totalModules"] >= len(
        modules["modules"]
    )

    dap.request("setBreakpoints", {"source": {"path": path(TARGET)}, "breakpoints": []})
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0
    assert "inspected 7 42" in dap.output("stdout"), (
        "setVariable/setExpression changed the running program"
    )


def test_library_frames_and_code_without_file(dap, frame_eval):
    tid = _launch(dap, frame_eval, "hook_body", "call_string")
    frames = _frames(dap, tid)["stackFrames"]
    assert frames[0]["name"] == "hook"
    library = [f for f in frames if "json" in f["source"].get("path", "")]
    assert library and all(f.get("presentationHint") == "subtle" for f in library)
    assert frames[-1].get("presentationHint") != "subtle"
    scope = dap.request("scopes", {"frameId": frames[0]["id"]})["body"]["scopes"][0]
    assert "d" in _variables(dap, scope["variablesReference"])
    dap.request("continue", {"threadId": tid})
    dap.wait_stopped("breakpoint")
    stale = dap.request("variables", {"variablesReference": scope["variablesReference"]}, ok=False)
    assert not stale["success"], "references end when the program resumes"
    dap.request("stepIn", {"threadId": tid})
    dap.wait_stopped("step")
    top = _frames(dap, tid)["stackFrames"][0]
    assert top["name"] == "from_string"
    ref = top["source"].get("sourceReference")
    assert ref and ref > 0 and "path" not in top["source"]
    content = dap.request("source", {"source": top["source"], "sourceReference": ref})["body"][
        "content"
    ]
    assert "value = 'no file'" in content
    dap.request("continue", {"threadId": tid})
    assert dap.wait_exit() == 0


def test_completions_without_a_frame_use_the_programs_global_scope_while_it_runs(dap):
    # A debug console asks for completions while the program runs (no frameId):
    # DAP means the global scope; nothing may stop or break the program.
    dap.launch(program=path("spin.py"), exception_filters=[])
    dap.wait_for(lambda m: "spinning" in dap.output("stdout"), what="spinning")

    def labels(text: str) -> list[str]:
        body = dap.request("completions", {"text": text, "column": len(text) + 1})["body"]
        return [t["label"] for t in body["targets"]]

    assert "time" in labels("ti")  # the program's own global (import time)
    assert "monotonic" in labels("time.mono")
    assert "print" in labels("pri") and "while" in labels("whi")
    assert not dap.events("stopped")
    dap.request("terminate")
    dap.wait_exit()
