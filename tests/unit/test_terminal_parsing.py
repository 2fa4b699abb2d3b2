"""What ``dapper debug`` makes of typed lines, breakpoint locations, list
ranges and the function around a line."""

from __future__ import annotations

import pytest

from dapper.terminal.app import UsageError, launch_arguments, parse_arguments
from dapper.terminal.parser import Command, ParseError, parse_command, parse_location
from dapper.terminal.source import enclosing_function, list_window


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("n", Command("next", "")),
        ("b fib.py:7, n > 2", Command("break", "fib.py:7, n > 2")),
        ("bt", Command("where", "")),
        ("  p  x + 1 ", Command("p", "x + 1")),
        ("n = 3", Command(None, "n = 3")),  # an assignment to a variable named like a command
        ("c += 1", Command(None, "c += 1")),
        ("a == 1", Command("args", "== 1")),  # pdb reads this as the args command too
        ("!n", Command(None, "n")),
        ("print(1)", Command(None, "print(1)")),
    ],
)
def test_commands_and_python_are_told_apart(line, expected):
    assert parse_command(line) == expected


def test_breakpoint_locations():
    assert parse_location("7").line == 7
    loc = parse_location("pkg/mod.py:12, x > 1")
    assert (loc.file, loc.line, loc.condition) == ("pkg/mod.py", 12, "x > 1")
    assert parse_location("C:\\src\\a.py:3").file == "C:\\src\\a.py"
    assert parse_location("Klass.method").function == "Klass.method"
    for bad in ("", "fib.py:", "7,", ":7", "not a place"):
        with pytest.raises(ParseError):
            parse_location(bad)


def test_list_windows_follow_pdb():
    assert list_window("", current=20, last_listed=None, total=100) == (15, 25)
    assert list_window("", current=20, last_listed=25, total=100) == (26, 36)
    assert list_window(".", current=20, last_listed=25, total=100) == (15, 25)
    assert list_window("50", current=20, last_listed=None, total=100) == (45, 55)
    assert list_window("3, 8", current=20, last_listed=None, total=100) == (3, 8)
    assert list_window("10, 3", current=20, last_listed=None, total=100) == (10, 13)
    assert list_window("", current=2, last_listed=None, total=5) == (1, 5)
    with pytest.raises(ValueError):
        list_window("x", current=1, last_listed=None, total=5)


def test_enclosing_function_and_its_parameters():
    lines = [
        "import functools",
        "",
        "@functools.cache",
        "def outer(a, /, b, *rest, c=1, **kw):",
        "    def inner(x):",
        "        return x",
        "    return inner(a)",
        "",
        "value = outer(1, 2)",
    ]
    span = enclosing_function(lines, 6)
    assert (span.first, span.last, span.parameters) == (5, 6, ("x",))
    span = enclosing_function(lines, 7)
    assert (span.first, span.last, span.parameters) == (3, 7, ("a", "b", "rest", "c", "kw"))
    assert enclosing_function(lines, 9) is None


def test_command_line_arguments(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text("pass\n")
    options = parse_arguments(
        ["--backend", "settrace", "-c", "b 1", "-c", "c", str(program), "-v", "x"]
    )
    assert options.commands == ["b 1", "c"] and options.args == ["-v", "x"]
    launch = launch_arguments(options)
    assert launch["program"] == str(program) and launch["stopOnEntry"] is True
    assert launch["frameEval"] == {
        "backend": "tracing",
        "tracing_backend": "settrace",
        "fallback_to_tracing": False,
    }
    options = parse_arguments(["-m", "json.tool", "--sort-keys"])
    assert (options.module, options.args) == ("json.tool", ["--sort-keys"])
    assert launch_arguments(options)["module"] == "json.tool"
    for bad in (
        [],
        ["--backend", "nope", str(program)],
        ["--frobnicate", str(program)],
        [str(tmp_path / "missing.py")],
    ):
        with pytest.raises(UsageError):
            parse_arguments(bad)
