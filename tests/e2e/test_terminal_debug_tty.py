"""``dapper debug``'s ``debug CODE`` (pdb's recursive debugger) typed on a
pseudo-terminal: CODE stops at its first line, steps into what it calls, hits
a breakpoint there, shows its value when it ends and leaves the prompt at the
stop it started from; ``q`` inside ends only the nested debug. Every backend."""

from __future__ import annotations

import re

import pytest

from tests.e2e import test_terminal_tty
from tests.e2e.conftest import FIXTURES, _backend_id, available_backends
from tests.e2e.helpers import line

PROGRAM = str(FIXTURES / "nested_debug.py")
BACKENDS = [_backend_id(config) for config in available_backends()]
#: starts ``dapper debug`` on a pseudo-terminal (closed afterwards)
tty = test_terminal_tty.tty


def at(marker: str) -> int:
    return line("nested_debug.py", marker)


@pytest.mark.parametrize("backend", BACKENDS)
def test_debug_code_steps_through_code_and_returns_to_the_stop(tty, backend):
    terminal = tty("--backend", backend, PROGRAM)
    terminal.prompt()
    terminal.command(f"b nested_debug.py:{at('stop_here')}")
    assert re.search(rf"\({at('stop_here')}\)main\(\)\n", terminal.command("c"))
    terminal.command(f"b nested_debug.py:{at('helper_first')}")

    out = terminal.command("debug compute(x) + 100")
    assert re.search(
        r"ENTERING RECURSIVE DEBUGGER\n> <debug \d+>\(1\)<module>\(\)\n-> compute\(x\) \+ 100\n",
        out,
    ), out
    out = terminal.command("s")
    assert re.search(r"--Call--\n> .*nested_debug\.py\(\d+\)compute\(\)\n", out), out
    out = terminal.command("n")
    assert re.search(rf"\({at('compute_first')}\)compute\(\)\n", out), out
    assert terminal.command("p n") == "5\n((dapper)) "  # pdb's nested prompt
    out = terminal.command("c")  # the breakpoint in a function the code calls
    assert re.search(rf"> .*nested_debug\.py\({at('helper_first')}\)helper\(\)\n", out), out
    out = terminal.command("w")  # the code's frames on top of the stack it started from
    assert re.search(
        rf"\({at('stop_here')}\)main\(\)\n.*\n  <debug \d+>\(1\)<module>\(\)\n.*\n"
        rf"  .*\(\d+\)compute\(\)\n.*\n> .*\({at('helper_first')}\)helper\(\)\n",
        out,
    ), out
    terminal.command(f"cl nested_debug.py:{at('helper_first')}")
    out = terminal.command("c")
    assert re.search(
        r"Nested debug returned 146\n.*LEAVING RECURSIVE DEBUGGER\n"
        rf"> .*nested_debug\.py\({at('stop_here')}\)main\(\)\n",
        out,
        re.DOTALL,
    ), out
    out = terminal.command("w")
    assert "<debug" not in out and re.search(rf"> .*\({at('stop_here')}\)main\(\)\n", out), out

    # q inside a nested debug ends only that one; the code's assignment never ran.
    terminal.command("debug x = compute(1)")
    assert re.search(r"--Call--\n.*compute\(\)\n", terminal.command("s"))
    out = terminal.command("q")
    assert re.search(
        rf"Nested debug quit\n.*LEAVING RECURSIVE DEBUGGER\n> .*\({at('stop_here')}\)main\(\)\n",
        out,
        re.DOTALL,
    ), out
    assert terminal.command("p x") == "5\n(dapper) "

    # Ctrl-D inside a nested debug also ends only that one, as in pdb.
    terminal.command("debug x = compute(2)")
    terminal.type("\x04")
    out = terminal.prompt()
    assert re.search(
        rf"LEAVING RECURSIVE DEBUGGER\n> .*\({at('stop_here')}\)main\(\)\n.*\n\(dapper\) $", out
    ), out
    assert terminal.command("p x") == "5\n(dapper) "

    terminal.send("c")
    terminal.expect(r"x is 5\ndone 5\n")
    terminal.expect(r"The program exited with code 3\.\n")
    terminal.prompt()
    terminal.send("q")
    terminal.wait()
    assert "Traceback" not in terminal.output
