"""The breakpoint registry against real files, real modules and real frames."""

from __future__ import annotations

import importlib.util
import itertools
import os
import runpy
import sys
import textwrap

import pytest

import dapper.core.breakpoints as breakpoints_module
from dapper._frame_eval.debug_state import CountedHit
from dapper.core.breakpoints import BreakpointRegistry, BreakpointStatus
from dapper.engine.breakpoints import breakpoint_spec
from dapper.paths import canonical_path

FIXTURE = """\
import sys

LIMIT = 100


def loop(n):
    total = 0
    for i in range(1, n + 1):
        # @loop-comment
        hook(sys._getframe())  # @loop-hit
        total += i
    return total


def top():
    hook(sys._getframe())  # @top-call
    return 1


class Klass:
    def method(self):
        hook(sys._getframe())  # @method-call
        return 2

    # @class-trailing


def outer():
    def inner():
        hook(sys._getframe())  # @inner-call
    inner()
"""

_counter = itertools.count()


def line_of(path, marker):
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            if marker in text:
                return number
    raise AssertionError(marker)


class Fixture:
    """A fixture module written to disk; ``load()`` imports it with a hook into the test."""

    def __init__(self, tmp_path, text=FIXTURE, name=None):
        self.name = name or f"bp_fixture_{next(_counter)}"
        self.path = str(tmp_path / f"{self.name}.py")
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text))
        self.frames = []
        self.module = None

    def line(self, marker):
        return line_of(self.path, marker)

    def load(self, path=None):
        spec = importlib.util.spec_from_file_location(self.name, path or self.path)
        module = importlib.util.module_from_spec(spec)
        module.hook = self.frames.append
        sys.modules[self.name] = module
        spec.loader.exec_module(module)
        self.module = module
        return module

    def unload(self):
        sys.modules.pop(self.name, None)


@pytest.fixture()
def fixture(tmp_path):
    fx = Fixture(tmp_path)
    yield fx
    fx.unload()


def run_hits(registry, fixture, n, check="line"):
    """Run ``loop(n)`` and check every captured frame while it is live."""
    decisions = []

    def hook(frame):
        method = registry.check_line if check == "line" else registry.check_call
        decisions.append(method(frame))

    fixture.module.hook = hook
    fixture.module.loop(n)
    return decisions


class Registry(BreakpointRegistry):
    """The registry fed a client's breakpoints the way the engine feeds it."""

    def set_breakpoints(self, source, specs) -> list[BreakpointStatus]:  # type: ignore[override]
        path = source.get("path") or ""
        return super().set_breakpoints(path, [breakpoint_spec(s) for s in specs], source)

    def set_function_breakpoints(self, specs) -> list[BreakpointStatus]:  # type: ignore[override]
        return super().set_function_breakpoints([breakpoint_spec(s) for s in specs])


def source(path):
    return {"name": os.path.basename(path), "path": path}


# -- setting line breakpoints --------------------------------------------------------


def test_breakpoint_is_verified_moved_and_returns_the_clients_source(fixture):
    fixture.load()
    registry = Registry()
    src = {"name": "x.py", "path": fixture.path, "sourceReference": 0}
    (bp,) = registry.set_breakpoints(src, [{"line": fixture.line("@loop-comment")}])
    assert bp.verified is True
    assert bp.line == fixture.line("@loop-hit")
    assert bp.source == src
    assert isinstance(bp.id, int)
    assert registry.lines_for(canonical_path(fixture.path)) == {fixture.line("@loop-hit")}
    assert registry.files() == {canonical_path(fixture.path)}


def test_line_past_function_end_is_unverified_with_message(fixture):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_breakpoints(
        source(fixture.path), [{"line": fixture.line("@class-trailing")}]
    )
    assert bp.verified is False
    assert "Klass" in bp.message
    assert registry.lines_for(canonical_path(fixture.path)) == frozenset()


def test_missing_and_unparseable_files_are_unverified_with_message(tmp_path):
    registry = Registry()
    (missing,) = registry.set_breakpoints(source(str(tmp_path / "nope.py")), [{"line": 1}])
    assert missing.verified is False and missing.message
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n    pass\n", encoding="utf-8")
    (bad,) = registry.set_breakpoints(source(str(broken)), [{"line": 2}])
    assert bad.verified is False and "Cannot parse" in bad.message
    (pathless,) = Registry().set_breakpoints({"sourceReference": 4}, [{"line": 1}])
    assert pathless.verified is False and "no path" in pathless.message


def test_ids_are_stable_when_the_client_resends(fixture):
    fixture.load()
    registry = Registry()
    a, b = fixture.line("@loop-hit"), fixture.line("@top-call")
    first = registry.set_breakpoints(source(fixture.path), [{"line": a}, {"line": b}])
    again = registry.set_breakpoints(
        source(fixture.path), [{"line": b}, {"line": a, "condition": "i > 2"}]
    )
    assert {bp.line: bp.id for bp in first} == {bp.line: bp.id for bp in again}
    third = registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@method-call")}])
    assert third[0].id not in {bp.id for bp in first}


def test_clearing_a_file_removes_its_lines(fixture):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@loop-hit")}])
    assert registry.set_breakpoints(source(fixture.path), []) == []
    assert registry.files() == set()
    assert registry.lines_for(canonical_path(fixture.path)) == frozenset()
    assert not any(d.stop for d in run_hits(registry, fixture, 2))


def test_symlinked_path_matches_frames_of_the_real_file(fixture, tmp_path):
    link_dir = tmp_path / "link"
    link_dir.symlink_to(tmp_path, target_is_directory=True)
    linked = str(link_dir / os.path.basename(fixture.path))
    fixture.load()  # imported through the real path
    registry = Registry()
    (bp,) = registry.set_breakpoints(source(linked), [{"line": fixture.line("@loop-hit")}])
    assert bp.verified is True
    assert bp.source["path"] == linked  # the client gets back the path it sent
    assert registry.files() == {canonical_path(fixture.path)}
    assert [d.stop for d in run_hits(registry, fixture, 2)] == [True, True]


def test_case_of_the_path_follows_the_platform_rule(fixture):
    fixture.load()
    registry = Registry()
    upper = os.path.join(os.path.dirname(fixture.path), os.path.basename(fixture.path).upper())
    (bp,) = registry.set_breakpoints(source(upper), [{"line": fixture.line("@loop-hit")}])
    if os.path.normcase("A") == "a":  # case-insensitive platform: same file
        assert bp.verified is True
    else:  # case-sensitive: a different (missing) file, never confused with the real one
        assert bp.verified is False
        assert not any(d.stop for d in run_hits(registry, fixture, 1))


# -- hitting line breakpoints --------------------------------------------------------


def test_plain_breakpoint_stops_with_its_id(fixture):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@loop-hit")}])
    decisions = run_hits(registry, fixture, 3)
    assert [d.stop for d in decisions] == [True, True, True]
    assert decisions[0].breakpoint_ids == [bp.id]


def test_other_lines_and_files_do_not_stop(fixture):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@top-call")}])
    assert not any(d.stop for d in run_hits(registry, fixture, 3))
    assert registry.check_line(sys._getframe()).stop is False


@pytest.mark.parametrize(
    ("hit_condition", "stops_at"),
    [
        ("5", [5]),
        ("==5", [5]),
        (">5", [6, 7, 8, 9, 10]),
        (">=5", [5, 6, 7, 8, 9, 10]),
        ("<5", [1, 2, 3, 4]),
        ("<=5", [1, 2, 3, 4, 5]),
        ("%5", [5, 10]),
        (" >= 9 ", [9, 10]),
    ],
)
def test_hit_condition_forms(fixture, hit_condition, stops_at):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_breakpoints(
        source(fixture.path),
        [{"line": fixture.line("@loop-hit"), "hitCondition": hit_condition}],
    )
    assert bp.verified is True
    decisions = run_hits(registry, fixture, 10)
    assert [n for n, d in enumerate(decisions, 1) if d.stop] == stops_at


@pytest.mark.parametrize("hit_condition", ["abc", "=5", "5x", ">", "%0", "-1", "5.0", "!=5"])
def test_invalid_hit_condition_is_unverified_never_a_silent_pass(fixture, hit_condition):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_breakpoints(
        source(fixture.path),
        [{"line": fixture.line("@loop-hit"), "hitCondition": hit_condition}],
    )
    assert bp.verified is False
    assert "hit condition" in bp.message
    assert not any(d.stop for d in run_hits(registry, fixture, 6))


def test_condition_sees_locals_and_globals(fixture):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(
        source(fixture.path),
        [{"line": fixture.line("@loop-hit"), "condition": "i % 3 == 0 and LIMIT == 100"}],
    )
    decisions = run_hits(registry, fixture, 7)
    assert [n for n, d in enumerate(decisions, 1) if d.stop] == [3, 6]


def test_hits_count_only_when_the_condition_holds(fixture):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(
        source(fixture.path),
        [{"line": fixture.line("@loop-hit"), "condition": "i % 2 == 0", "hitCondition": "2"}],
    )
    decisions = run_hits(registry, fixture, 10)
    assert [n for n, d in enumerate(decisions, 1) if d.stop] == [4]


def test_condition_syntax_error_is_reported_when_set(fixture):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_breakpoints(
        source(fixture.path), [{"line": fixture.line("@loop-hit"), "condition": "i >"}]
    )
    assert bp.verified is False
    assert "Invalid condition" in bp.message


def test_condition_is_compiled_once_not_per_hit(fixture, monkeypatch):
    fixture.load()
    calls = []
    real_compile = compile

    def counting_compile(*args, **kwargs):
        calls.append(args[0])
        return real_compile(*args, **kwargs)

    monkeypatch.setattr(breakpoints_module, "compile", counting_compile, raising=False)
    registry = Registry()
    spec = {"line": fixture.line("@loop-hit"), "condition": "i > 0"}
    registry.set_breakpoints(source(fixture.path), [spec])
    assert calls == ["i > 0"]
    decisions = run_hits(registry, fixture, 20)
    assert all(d.stop for d in decisions)
    registry.set_breakpoints(source(fixture.path), [dict(spec)])  # re-sent unchanged
    assert calls == ["i > 0"]


def test_hits_do_not_touch_the_file_system(fixture, monkeypatch):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@loop-hit")}])
    # warm the canonical-path cache for this code's filename, as a backend's decision would
    canonical_path(fixture.module.loop.__code__.co_filename)

    def forbidden(*args, **kwargs):
        raise AssertionError("file-system call on the hit path")

    for name in ("stat", "lstat", "open"):
        monkeypatch.setattr(os, name, forbidden)
    decisions = run_hits(registry, fixture, 3)
    monkeypatch.undo()
    assert [d.stop for d in decisions] == [True, True, True]


def test_raising_condition_stops_and_reports_the_error(fixture):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_breakpoints(
        source(fixture.path), [{"line": fixture.line("@loop-hit"), "condition": "undefined > 1"}]
    )
    assert bp.verified is True
    decision, *later = run_hits(registry, fixture, 3)
    assert decision.stop is True
    assert decision.breakpoint_ids == [bp.id]
    assert len(decision.condition_errors) == 1
    assert "NameError" in decision.condition_errors[0]
    assert "undefined" in decision.condition_errors[0]
    assert f"{fixture.path}:{fixture.line('@loop-hit')}" in decision.condition_errors[0]
    # Once reported, the error counts as false: no stop, no repeated message.
    assert [(d.stop, d.condition_errors) for d in later] == [(False, []), (False, [])]


def test_log_message_interpolates_with_escapes_and_does_not_stop(fixture):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(
        source(fixture.path),
        [
            {
                "line": fixture.line("@loop-hit"),
                "logMessage": "i={i} {{literal}} sq={ {k: k * k for k in [i]}[i] } bad={nope}",
            }
        ],
    )
    decisions = run_hits(registry, fixture, 2)
    assert [d.stop for d in decisions] == [False, False]
    assert decisions[1].log_messages == [
        "i=2 {literal} sq=4 bad={NameError: name 'nope' is not defined}"
    ]


def test_log_message_takes_f_string_conversions_format_specs_and_self_documenting_fields(
    fixture,
):
    fixture.load()
    registry = Registry()
    registry.set_breakpoints(
        source(fixture.path),
        [{"line": fixture.line("@loop-hit"), "logMessage": "{i!r} {i / 3:.2f} {i=} {i!=2}"}],
    )
    decisions = run_hits(registry, fixture, 2)
    assert decisions[1].log_messages == ["2 0.67 i=2 False"]
    (bad,) = registry.set_breakpoints(
        source(fixture.path), [{"line": fixture.line("@loop-hit"), "logMessage": "{i ==* 2}"}]
    )
    assert bad.verified is False and "invalid syntax" in bad.message


def test_log_message_with_condition_and_invalid_message(fixture):
    fixture.load()
    registry = Registry()
    line = fixture.line("@loop-hit")
    registry.set_breakpoints(
        source(fixture.path), [{"line": line, "logMessage": "at {i}", "condition": "i == 2"}]
    )
    messages = [m for d in run_hits(registry, fixture, 3) for m in d.log_messages]
    assert messages == ["at 2"]
    (bad,) = registry.set_breakpoints(source(fixture.path), [{"line": line, "logMessage": "{i"}])
    assert bad.verified is False and "Unclosed" in bad.message


def test_two_breakpoints_landing_on_one_line_both_report(fixture):
    fixture.load()
    registry = Registry()
    first, second = registry.set_breakpoints(
        source(fixture.path),
        [{"line": fixture.line("@loop-comment")}, {"line": fixture.line("@loop-hit")}],
    )
    decision = run_hits(registry, fixture, 1)[0]
    assert decision.breakpoint_ids == [first.id, second.id]


# -- modules not loaded yet ----------------------------------------------------------


def test_pending_until_the_module_is_loaded(fixture):
    registry = Registry()
    canonical = canonical_path(fixture.path)
    (bp,) = registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@loop-hit")}])
    assert bp.verified is False
    assert "not loaded yet" in bp.message
    assert registry.pending_files() == {canonical}
    assert registry.is_loaded(canonical) is False
    fixture.load()
    assert registry.is_loaded(canonical) is True
    (changed,) = registry.mark_loaded(canonical)
    assert changed.id == bp.id and changed.verified is True
    assert changed.message is None
    assert registry.pending_files() == set()
    assert registry.mark_loaded(canonical) == []


def test_refresh_loaded_finds_imported_modules(fixture):
    registry = Registry()
    registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@loop-hit")}])
    assert registry.refresh_loaded() == []
    fixture.load()
    (changed,) = registry.refresh_loaded()
    assert changed.verified is True


def test_pending_breakpoint_stops_when_the_module_runs_and_is_verified_then(fixture):
    registry = Registry()
    canonical = canonical_path(fixture.path)
    (bp,) = registry.set_breakpoints(source(fixture.path), [{"line": fixture.line("@loop-hit")}])
    assert registry.lines_for(canonical) == {fixture.line("@loop-hit")}  # armed for the backend
    fixture.load()
    first, second = run_hits(registry, fixture, 2)
    assert first.stop is True
    (now,) = first.verified_now
    assert now.id == bp.id and now.verified is True
    assert second.stop is True and second.verified_now == []
    assert registry.pending_files() == set()


def test_main_script_counts_as_loaded(tmp_path):
    path = tmp_path / "script.py"
    path.write_text("x = 1\n", encoding="utf-8")
    registry = Registry()
    registry.set_main_file(str(path))
    (bp,) = registry.set_breakpoints(source(str(path)), [{"line": 1}])
    assert bp.verified is True


# -- breakpoint locations ------------------------------------------------------------


def test_breakpoint_locations(fixture):
    registry = Registry()
    comment = fixture.line("@loop-comment")
    assert registry.breakpoint_locations(fixture.path, comment) == [fixture.line("@loop-hit")]
    start = fixture.line("def loop")
    assert registry.breakpoint_locations(fixture.path, start, start + 6) == [
        start,
        start + 1,
        start + 2,
        start + 4,
        start + 5,
        start + 6,
    ]
    assert registry.breakpoint_locations(fixture.path, fixture.line("@class-trailing")) == []


# -- function breakpoints ------------------------------------------------------------


def call_and_check(registry, fixture, call):
    decisions = []
    fixture.module.hook = lambda frame: decisions.append(registry.check_call(frame))
    call(fixture.module)
    return decisions


@pytest.mark.parametrize(
    ("name", "target", "stops"),
    [
        ("top", lambda m: m.top(), True),
        ("{mod}.top", lambda m: m.top(), True),
        ("other_module.top", lambda m: m.top(), False),
        ("Klass.method", lambda m: m.Klass().method(), True),
        ("{mod}.Klass.method", lambda m: m.Klass().method(), True),
        ("method", lambda m: m.Klass().method(), False),
        ("top", lambda m: m.Klass().method(), False),
        ("outer.<locals>.inner", lambda m: m.outer(), True),
    ],
)
def test_function_breakpoint_name_forms(fixture, name, target, stops):
    fixture.load()
    registry = Registry()
    name = name.format(mod=fixture.name)
    (bp,) = registry.set_function_breakpoints([{"name": name}])
    assert bp.verified is True
    assert registry.function_names() == {name}
    (decision,) = call_and_check(registry, fixture, target)
    assert decision.stop is stops
    assert decision.breakpoint_ids == ([bp.id] if stops else [])


@pytest.mark.parametrize("name", ["", "1abc", "a..b", "a b", "class", "f()", "mod.", "x.<locals>"])
def test_invalid_function_names_are_unverified(name):
    registry = Registry()
    (bp,) = registry.set_function_breakpoints([{"name": name}])
    assert bp.verified is False
    assert "Invalid function name" in bp.message
    assert registry.function_names() == frozenset()


def test_function_breakpoint_condition_hit_condition_and_stable_ids(fixture):
    fixture.load()
    registry = Registry()
    (bp,) = registry.set_function_breakpoints([{"name": "top", "hitCondition": "%2"}])
    stops = [
        d.stop for d in call_and_check(registry, fixture, lambda m: [m.top() for _ in range(4)])
    ]
    assert stops == [False, True, False, True]
    (again,) = registry.set_function_breakpoints([{"name": "top", "condition": "LIMIT < 0"}])
    assert again.id == bp.id
    assert not any(d.stop for d in call_and_check(registry, fixture, lambda m: m.top()))
    (bad,) = registry.set_function_breakpoints([{"name": "top", "hitCondition": "often"}])
    assert bad.verified is False and registry.function_names() == frozenset()


def test_function_breakpoint_in_main_script(tmp_path):
    path = tmp_path / "myscript.py"
    path.write_text(
        "import sys\n\ndef top():\n    hook(sys._getframe())\n\ntop()\n", encoding="utf-8"
    )
    registry = Registry()
    registry.set_function_breakpoints([{"name": "top"}, {"name": "myscript.top"}])
    decisions = []
    runpy.run_path(
        str(path),
        init_globals={"hook": lambda frame: decisions.append(registry.check_call(frame))},
        run_name="__main__",
    )
    (decision,) = decisions
    assert decision.stop is True
    assert len(decision.breakpoint_ids) == 2


def test_hits_counted_in_the_frame_and_by_core_share_one_count(fixture):
    # Instrumented code counts with the breakpoint's own counter and reports
    # only a matching hit (a CountedHit), which core does not count again.
    fixture.load()
    registry = Registry()
    line = fixture.line("@loop-hit")
    registry.set_breakpoints(source(fixture.path), [{"line": line, "hitCondition": "%3"}])
    canonical = canonical_path(fixture.path)
    counter = registry.inline_hit_counters(canonical)[line]
    assert [counter.hit(), counter.hit(), counter.hit()] == [False, False, True]
    decisions = []

    def counted(frame):
        hit = CountedHit(counter)
        decisions.append(registry.check_line_at(frame, canonical, frame.f_lineno, hit))

    fixture.module.hook = counted
    fixture.module.loop(1)
    assert decisions[0].stop is True
    # core goes on from the 3rd hit: hits 4 to 9 stop at the 6th and the 9th
    assert [n for n, d in enumerate(run_hits(registry, fixture, 6), 1) if d.stop] == [3, 6]


def test_hit_counters_are_offered_per_line_and_kept_while_the_options_are(fixture):
    registry = Registry()
    line = fixture.line("@loop-hit")
    canonical = canonical_path(fixture.path)
    spec = {"line": line, "hitCondition": "%3"}
    registry.set_breakpoints(source(fixture.path), [spec])
    # The module is not loaded: its first hit must reach core, which verifies it.
    assert registry.inline_hit_counters(canonical) == {}
    fixture.load()
    registry.mark_loaded(canonical)
    counter = registry.inline_hit_counters(canonical)[line]
    registry.set_breakpoints(source(fixture.path), [spec])
    assert registry.inline_hit_counters(canonical)[line] is counter  # same options
    registry.set_breakpoints(source(fixture.path), [{**spec, "hitCondition": "%4"}])
    assert registry.inline_hit_counters(canonical)[line] is not counter
    registry.set_breakpoints(source(fixture.path), [{"line": line}])
    assert registry.inline_hit_counters(canonical) == {}  # no hit condition: nothing to count
    registry.set_breakpoints(source(fixture.path), [spec, {"line": line, "condition": "i > 1"}])
    assert registry.inline_hit_counters(canonical) == {}  # two on the line: core decides
