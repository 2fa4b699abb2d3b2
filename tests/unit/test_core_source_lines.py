"""Where breakpoints land: executable lines and function scopes of real source files."""

from __future__ import annotations

import linecache
import os
import sys
import textwrap

import pytest

from dapper.core.source_lines import SourceUnavailableError, get_source_lines


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding=encoding)
    return str(path)


def line_of(path, marker):
    """1-based line holding ``marker`` (a comment tag in the fixture)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, 1):
            if marker in text:
                return number
    raise AssertionError(f"{marker} not in {path}")


SAMPLE = '''\
"""Module docstring."""
import functools


def decorate(func):
    return func


@decorate
@functools.lru_cache
def top(a):
    """Doc
    string."""  # @doc
    total = 0  # @first

    # @blank-in-top
    for i in a:
        total += i
    # @trailing-top


def after():  # @after-def
    return 1


class Klass:
    attr = 1
    # @class-gap

    def method(self):
        x = [
            i  # @comp-elt

            for i in range(3)  # @comp-for
        ]
        return x  # @method-last
        # @method-trailing

    async def run(self):
        # @async-comment
        await self.other()  # @async-await

    async def other(self):
        return (lambda y:  # @lambda
                y + 1)(2)


def outer():
    def inner():
        return 2  # @inner-return
    # @outer-after-inner
    return inner()  # @outer-return


def only_doc():
    """Nothing but a docstring."""  # @only-doc
'''


@pytest.fixture()
def sample(tmp_path):
    return write(tmp_path, "sample.py", SAMPLE)


def test_comment_and_blank_in_function_move_to_next_line_of_that_function(sample):
    lines = get_source_lines(sample)
    blank = line_of(sample, "@blank-in-top")
    assert lines.resolve(blank).line == blank + 1  # the "for" line
    assert lines.resolve(line_of(sample, "@doc")).line == line_of(sample, "@first")
    assert lines.resolve(line_of(sample, "@async-comment")).line == line_of(sample, "@async-await")


def test_line_past_end_of_function_stays_unverified_with_message(sample):
    lines = get_source_lines(sample)
    landing = lines.resolve(line_of(sample, "@trailing-top"))
    assert landing.line is None
    assert "top" in landing.message and "No executable code" in landing.message
    # the same in a method: it must not slide into the next method
    landing = lines.resolve(line_of(sample, "@method-trailing"))
    assert landing.line is None
    assert "Klass.method" in landing.message


def test_docstring_only_function_has_no_line_for_its_body(sample):
    landing = get_source_lines(sample).resolve(line_of(sample, "@only-doc"))
    assert landing.line is None
    assert "only_doc" in landing.message


def test_blank_line_between_functions_belongs_to_the_module(sample):
    lines = get_source_lines(sample)
    gap = line_of(sample, "@after-def") - 1
    assert lines.scope_at(gap).name == "<module>"
    assert lines.resolve(gap).line == line_of(sample, "@after-def")


def test_nested_function_comment_moves_within_outer_not_into_inner(sample):
    lines = get_source_lines(sample)
    comment = line_of(sample, "@outer-after-inner")
    assert lines.scope_at(comment).name == "outer"
    assert lines.resolve(comment).line == line_of(sample, "@outer-return")
    assert lines.resolve(line_of(sample, "@inner-return")).line == line_of(sample, "@inner-return")


def test_class_body_gap_moves_to_next_method_definition(sample):
    lines = get_source_lines(sample)
    gap = line_of(sample, "@class-gap")
    assert lines.scope_at(gap).name == "Klass"
    assert lines.resolve(gap).line == line_of(sample, "def method")


def test_comprehension_and_lambda_lines_are_executable(sample):
    lines = get_source_lines(sample)
    elt = line_of(sample, "@comp-elt")
    assert elt in lines.executable_lines
    assert lines.resolve(elt + 1).line == line_of(sample, "@comp-for")  # blank in the comprehension
    assert line_of(sample, "@lambda") + 1 in lines.executable_lines  # lambda body on its own line


def test_decorator_lines_are_executable(sample):
    lines = get_source_lines(sample)
    assert line_of(sample, "@decorate") in lines.executable_lines
    assert line_of(sample, "@functools.lru_cache") in lines.executable_lines


def test_out_of_range_lines_are_rejected_with_a_message(sample):
    lines = get_source_lines(sample)
    assert lines.resolve(0).line is None
    landing = lines.resolve(lines.line_count + 5)
    assert landing.line is None and "past the end" in landing.message


def test_every_line_the_interpreter_reports_is_executable(sample):
    """The lines a tracer really sees must all be lines a breakpoint can sit on."""
    lines = get_source_lines(sample)
    namespace = {"__name__": "sample_traced"}
    seen = set()

    def tracer(frame, event, arg):
        if frame.f_code.co_filename == sample:
            if event == "line":
                seen.add(frame.f_lineno)
            return tracer
        return None

    code = compile(open(sample, encoding="utf-8").read(), sample, "exec")
    sys.settrace(tracer)
    try:
        exec(code, namespace)
        namespace["top"]((1, 2))
        namespace["outer"]()
        obj = namespace["Klass"]()
        obj.method()
        coroutine = obj.run()
        try:
            coroutine.send(None)
        except StopIteration:
            pass
        namespace["only_doc"]()
    finally:
        sys.settrace(None)
    assert seen, "the tracer saw no lines"
    assert seen <= lines.executable_lines


def test_lines_between_lists_executable_lines_in_range(sample):
    lines = get_source_lines(sample)
    start, end = line_of(sample, "@first"), line_of(sample, "@trailing-top")
    assert lines.lines_between(start, end) == [start, start + 3, start + 4]


def test_declared_encoding_is_honoured(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n\nvalue = 2\n")
    lines = get_source_lines(str(path))
    assert lines.executable_lines == {2, 4}


def test_syntax_error_and_missing_file_raise_with_user_message(tmp_path):
    broken = write(tmp_path, "broken.py", "x = 1\ndef f(:\n    pass\n")
    with pytest.raises(SourceUnavailableError, match=r"broken\.py.*line 2"):
        get_source_lines(broken)
    with pytest.raises(SourceUnavailableError, match="not available"):
        get_source_lines(str(tmp_path / "missing.py"))


def test_source_without_file_comes_from_linecache():
    name = "<dapper-test-cell-1>"
    text = "a = 1\n\nb = 2\n"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    try:
        lines = get_source_lines(name)
        assert lines.resolve(2).line == 3
    finally:
        linecache.cache.pop(name, None)


def test_cache_is_reused_until_the_file_changes(tmp_path):
    path = write(tmp_path, "mod.py", "a = 1\n")
    first = get_source_lines(path)
    assert get_source_lines(path) is first
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n\nb = 2\n")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = get_source_lines(path)
    assert second is not first
    assert 4 in second.executable_lines
