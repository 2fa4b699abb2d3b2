"""Django and Jinja2 template breakpoints and template errors, end to end.

Real frameworks (test dependencies only): a minimal Django project served over
HTTP on loopback, and a Jinja2 Environment with a FileSystemLoader. Each test
runs on every backend.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.e2e.helpers import cont

TEMPLATES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
JINJA_APP = TEMPLATES / "jinja_app"
DJANGO_SITE = TEMPLATES / "django_site"

needs_jinja = pytest.mark.skipif(
    importlib.util.find_spec("jinja2") is None, reason="jinja2 does not install here"
)
needs_django = pytest.mark.skipif(
    importlib.util.find_spec("django") is None, reason="django does not install here"
)


def marker_line(template: Path, marker: str) -> int:
    """The line of ``{# @marker #}`` in a template."""
    for number, text in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
        if f"# @{marker} " in text:
            return number
    raise AssertionError(f"no marker {marker} in {template}")


def stack(dap, stop: dict) -> list[dict]:
    return dap.request("stackTrace", {"threadId": stop["body"]["threadId"]})["body"]["stackFrames"]


def local_values(dap, frame: dict) -> dict[str, str]:
    scopes = dap.request("scopes", {"frameId": frame["id"]})["body"]["scopes"]
    locals_ref = next(s for s in scopes if s["presentationHint"] == "locals")
    variables = dap.request("variables", {"variablesReference": locals_ref["variablesReference"]})
    return {v["name"]: v["value"] for v in variables["body"]["variables"]}


def set_local(dap, frame: dict, name: str, value: str) -> None:
    scopes = dap.request("scopes", {"frameId": frame["id"]})["body"]["scopes"]
    locals_ref = next(s for s in scopes if s["presentationHint"] == "locals")
    dap.request(
        "setVariable",
        {"variablesReference": locals_ref["variablesReference"], "name": name, "value": value},
    )


def evaluate(dap, frame: dict, expression: str) -> str:
    body = dap.request(
        "evaluate", {"expression": expression, "frameId": frame["id"], "context": "watch"}
    )["body"]
    return body["result"]


def same_file(source: dict, path: Path) -> bool:
    return Path(source["path"]).resolve() == path.resolve()


def breakpoint_set_unverified(dap, template: Path) -> int:
    """The id of the one breakpoint set in ``template`` before it was loaded."""
    (response,) = [
        m
        for m in dap.messages
        if m.get("type") == "response"
        and m.get("command") == "setBreakpoints"
        and m["body"]["breakpoints"]
        and m["body"]["breakpoints"][0].get("source", {}).get("path", str(template)) is not None
    ][:1]
    (bp,) = response["body"]["breakpoints"]
    assert bp["verified"] is False
    assert "not loaded" in bp["message"]
    return bp["id"]


@needs_jinja
def test_jinja_template_breakpoint(dap, frame_eval):
    template = JINJA_APP / "templates" / "page.html"
    item_line = marker_line(template, "item")
    dap.launch(
        program=str(JINJA_APP / "render.py"),
        cwd=str(JINJA_APP),
        frameEval=frame_eval,
        breakpoints={str(template): [{"line": item_line}]},
    )
    bp_id = breakpoint_set_unverified(dap, template)
    changed = dap.wait_event("breakpoint", reason="changed")
    assert changed["body"]["breakpoint"]["id"] == bp_id
    assert changed["body"]["breakpoint"]["verified"] is True
    for expected in ("apple", "pear"):
        stop = dap.wait_stopped("breakpoint")
        assert stop["body"]["hitBreakpointIds"] == [bp_id]
        top = stack(dap, stop)[0]
        assert same_file(top["source"], template)
        assert top["line"] == item_line
        assert top["name"] == "page.html"
        variables = local_values(dap, top)
        assert variables["item"] == repr(expected)
        assert variables["title"] == "'Fruit'"
        assert variables["items"] == "['apple', 'pear']"
        assert not any(name.startswith("l_") for name in variables)
        assert evaluate(dap, top, "item.upper() + title") == repr(expected.upper() + "Fruit")
        if expected == "apple":
            # setVariable in the template frame: the rendering goes on with it
            set_local(dap, top, "item", "'kiwi'")
            cont(dap, stop)
    # next steps through the template: the loop's line, then the line after it
    dap.request("next", {"threadId": stop["body"]["threadId"]})
    stop = dap.wait_stopped("step")
    assert (stack(dap, stop)[0]["line"], stack(dap, stop)[0]["name"]) == (3, "page.html")
    dap.request("next", {"threadId": stop["body"]["threadId"]})
    stop = dap.wait_stopped("step")
    top = stack(dap, stop)[0]
    assert same_file(top["source"], template)
    assert top["line"] == marker_line(template, "count")
    cont(dap, stop)
    assert dap.wait_exit() == 0
    assert "rendered page.html" in dap.output("stdout")
    assert "<li>KIWI of Fruit</li>" in dap.output("stdout")
    assert "<li>PEAR of Fruit</li>" in dap.output("stdout")
    assert "APPLE" not in dap.output("stdout")


@needs_jinja
def test_jinja_render_error_stops_uncaught_at_the_template_line(dap, frame_eval):
    template = JINJA_APP / "templates" / "broken.html"
    dap.launch(
        program=str(JINJA_APP / "render.py"),
        args=["broken.html"],
        cwd=str(JINJA_APP),
        frameEval=frame_eval,
        exception_filters=["uncaught"],
    )
    stop = dap.wait_stopped("exception")
    assert stop["body"]["text"].startswith("ZeroDivisionError")
    top = stack(dap, stop)[0]
    assert same_file(top["source"], template)
    assert top["line"] == marker_line(template, "divide")
    variables = local_values(dap, top)
    assert variables["zero"] == "0"
    assert variables["items"] == "['apple', 'pear']"
    cont(dap, stop)
    assert dap.wait_exit() == 1


@needs_django
def test_django_template_breakpoint_over_http(dap, frame_eval):
    template = DJANGO_SITE / "templates" / "page.html"
    item_line = marker_line(template, "item")
    count_line = marker_line(template, "count")
    dap.launch(
        program=str(DJANGO_SITE / "serve.py"),
        cwd=str(DJANGO_SITE),
        frameEval=frame_eval,
        breakpoints={str(template): [{"line": item_line}, {"line": count_line}]},
    )
    response = next(
        m for m in dap.messages if m.get("type") == "response" and m["command"] == "setBreakpoints"
    )
    item_bp, count_bp = response["body"]["breakpoints"]
    assert item_bp["verified"] is False and "not loaded" in item_bp["message"]
    verified = {dap.wait_event("breakpoint", reason="changed")["body"]["breakpoint"]["id"]}
    verified.add(dap.wait_event("breakpoint", reason="changed")["body"]["breakpoint"]["id"])
    assert verified == {item_bp["id"], count_bp["id"]}
    for expected in ("apple", "pear"):
        stop = dap.wait_stopped("breakpoint")
        assert stop["body"]["hitBreakpointIds"] == [item_bp["id"]]
        top = stack(dap, stop)[0]
        assert same_file(top["source"], template)
        assert (top["line"], top["name"]) == (item_line, "page.html")
        variables = local_values(dap, top)
        assert variables["item"] == repr(expected)
        assert variables["who"] == "'Ada'"
        assert "True" not in variables
        assert evaluate(dap, top, "who + '/' + item") == repr(f"Ada/{expected}")
        if expected == "apple":
            set_local(dap, top, "item", "'kiwi'")
        cont(dap, stop)
    stop = dap.wait_stopped("breakpoint")
    top = stack(dap, stop)[0]
    assert (top["line"], stop["body"]["hitBreakpointIds"]) == (count_line, [count_bp["id"]])
    cont(dap, stop)
    assert dap.wait_exit() == 0
    assert "200 <h1>Hello Ada</h1>" in dap.output("stdout")
    assert "<li>KIWI</li> <li>PEAR</li>" in dap.output("stdout")


@needs_django
def test_django_render_error_shows_the_template_line_uncaught(dap, frame_eval):
    template = DJANGO_SITE / "templates" / "broken.html"
    dap.launch(
        program=str(DJANGO_SITE / "serve.py"),
        args=["broken"],
        cwd=str(DJANGO_SITE),
        frameEval=frame_eval,
        exception_filters=["uncaught"],
    )
    stop = dap.wait_stopped("exception")
    assert stop["body"]["text"].startswith("ZeroDivisionError")
    frames = stack(dap, stop)
    assert frames[0]["name"] == "Report.total"
    in_template = [
        f for f in frames if f["source"].get("path") and same_file(f["source"], template)
    ]
    assert in_template, [f["name"] for f in frames]
    assert in_template[0]["line"] == marker_line(template, "total")
    assert local_values(dap, in_template[0])["report"].startswith("<views.Report object")
    cont(dap, stop)
    assert dap.wait_exit() == 1
