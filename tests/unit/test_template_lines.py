"""Template line handling: Jinja2 code recompiled with template lines, template
files' breakpoint lines, and the import watcher that sets frameworks up."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from dapper.core.breakpoints import BreakpointRegistry, BreakpointSpec
from dapper.frameworks.import_watch import ImportWatcher
from dapper.frameworks.jinja_lines import compile_with_template_lines, template_line_table

GENERATED = """\
name = 't.html'

def root(context):
    yield 'a'
    for l_1_x in context['xs']:
        yield 'b'
        yield str(l_1_x)
    l_1_x = None
    yield 'c'

debug_info = '1=4&3=5&4=7&6=9'
"""


def _lines(code: types.CodeType) -> set[int]:
    found = {line for _, _, line in code.co_lines() if line}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _lines(const)
    return found


def test_table_is_read_from_debug_info():
    assert template_line_table(GENERATED) == [(4, 1), (5, 3), (7, 4), (9, 6)]
    assert template_line_table("x = 1\n") is None


def test_generated_code_runs_on_template_lines():
    code = compile_with_template_lines(GENERATED, "/templates/t.html")
    assert code.co_filename == "/templates/t.html"
    namespace: dict = {}
    exec(code, namespace)
    root = namespace["root"]
    seen: list[int] = []

    def tracer(frame, event, arg):
        if frame.f_code is root.__code__ and event == "line":
            seen.append(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        output = "".join(root({"xs": [1, 2]}))
    finally:
        sys.settrace(None)
    assert output == "ab1b2c"
    # the loop body's lines are template line 4; what follows the loop is the
    # loop's line (3), never the last line of its body
    assert seen[:2] == [1, 3]
    assert seen.count(4) == 2  # once per pass of the loop
    assert seen[-2:] == [3, 6]
    assert _lines(root.__code__) <= {1, 3, 4, 6}
    # Jinja2's own traceback rewriting keeps the lines: the table is the identity
    assert namespace["debug_info"] == "1=1&3=3&4=4&6=6"


def test_a_real_jinja_template_compiles_to_its_lines(tmp_path: Path):
    jinja2 = pytest.importorskip("jinja2")
    from dapper.frameworks.jinja_lines import JinjaLinePatch

    (tmp_path / "t.html").write_text("<p>{{ a }}</p>\n{% if a %}\n  {{ a // b }}\n{% endif %}\n")
    before = vars(jinja2.Environment)["_compile"]
    patch = JinjaLinePatch()
    patch.install(jinja2)
    try:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
        template = env.get_template("t.html")
        assert _lines(template.root_render_func.__code__) <= {1, 2, 3, 4}
        with pytest.raises(ZeroDivisionError) as caught:
            template.render(a=1, b=0)
        last = caught.traceback[-1]
        assert Path(str(last.path)).name == "t.html" and last.lineno + 1 == 3
    finally:
        patch.uninstall()
    assert vars(jinja2.Environment)["_compile"] is before


def test_template_breakpoints_land_on_their_lines(tmp_path: Path):
    template = tmp_path / "page.html"
    template.write_text("<h1>{{ title }}</h1>\n\n{% if x %}\n")
    registry = BreakpointRegistry()
    registry.text_suffixes = (".html",)
    specs = [BreakpointSpec(line=2), BreakpointSpec(line=9)]
    inside, past = registry.set_breakpoints(str(template), specs)
    assert (inside.line, inside.verified) == (2, False)
    assert "not loaded" in (inside.message or "")
    assert not past.verified and "outside page.html (3 lines)" in (past.message or "")
    assert registry.mark_loaded(str(template.resolve())) != []


def test_import_watcher_runs_once_the_module_ran(tmp_path: Path, monkeypatch):
    (tmp_path / "watched_mod_18.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    watcher = ImportWatcher()
    seen: list[int] = []
    watcher.when_imported("watched_mod_18", lambda module: seen.append(module.VALUE))
    assert watcher in sys.meta_path
    try:
        import watched_mod_18  # noqa: F401

        assert seen == [42]
        assert watcher not in sys.meta_path  # nothing left waiting: it steps aside
        watcher.when_imported("watched_mod_18", lambda module: seen.append(-1))
        assert seen == [42, -1]  # already imported: at once
    finally:
        watcher.uninstall()
        sys.modules.pop("watched_mod_18", None)
