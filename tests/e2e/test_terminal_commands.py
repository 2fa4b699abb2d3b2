"""pdb's commands that ``dapper debug`` gained, typed on a pseudo-terminal:
``whatis``, ``source``, ``alias``/``unalias``, ``;;``, tab completion, and
pdb's ways with ``break``, ``commands`` and ``display``. Every backend."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import FIXTURES, _backend_id, available_backends
from tests.e2e.terminal_runner import PtyRun

STEPS = str(FIXTURES / "terminal_steps.py")
BACKENDS = [_backend_id(config) for config in available_backends()]


@pytest.fixture
def steps(request):
    terminal = PtyRun("--backend", request.param, STEPS)
    try:
        terminal.prompt()
        yield terminal
    finally:
        terminal.close()


def _at_main_line_8(terminal: PtyRun) -> None:
    terminal.command("b terminal_steps.py:8")
    assert re.search(r"\(8\)main\(\)", terminal.command("c"))


@pytest.mark.parametrize("steps", BACKENDS, indirect=True)
def test_whatis_source_alias_and_double_semicolon(steps):
    terminal = steps
    _at_main_line_8(terminal)
    assert terminal.command("whatis x") == "<class 'int'>\n(dapper) "
    assert terminal.command("whatis add") == "Function add\n(dapper) "
    out = terminal.command("source add")
    assert out == (
        "   1\tdef add(a, b):\n   2\t    total = a + b\n   3\t    return total\n(dapper) "
    ), out
    terminal.command("alias twice p %1 * 2 ;; p %*")  # an alias keeps its ';;'
    assert terminal.command("alias") == "twice = p %1 * 2 ;; p %*\n(dapper) "
    assert terminal.command("twice 21") == "42\n21\n(dapper) "
    assert terminal.command("p x ;; p x + 1 ;;p x + 2") == "1\n2\n3\n(dapper) "
    out = terminal.command("n;;n")  # both steps run
    assert re.search(r"\(9\)main\(\)\n.*\n> .*\(10\)main\(\)\n", out), out
    terminal.command("unalias twice")
    assert "*** " in terminal.command("twice 2")

    terminal.send("interact")  # a Python prompt in the frame, until Ctrl-D
    terminal.expect(r">>> ")
    terminal.type("1 +")
    terminal.interrupt()  # Ctrl-C drops the input, as Python's prompt does: no quit
    terminal.expect(r"KeyboardInterrupt\n>>> ")
    terminal.send("w = z_base = x + 41")
    terminal.expect(r">>> ")
    terminal.send("for i in range(2):")
    terminal.expect(r"\.\.\. ")
    terminal.send("    print('line', i)")
    terminal.expect(r"\.\.\. ")
    terminal.send("")
    terminal.expect(r"line 0\nline 1\n>>> ")  # the program's output, on its terminal
    terminal.type("\x04")
    terminal.expect("now exiting InteractiveConsole...\n")
    terminal.prompt()
    assert terminal.command("p z_base") == "42\n(dapper) "


@pytest.mark.parametrize("steps", BACKENDS, indirect=True)
def test_steps_stop_at_call_and_return_as_in_pdb(steps):
    terminal = steps
    _at_main_line_8(terminal)
    out = terminal.command("s")  # into add(): first where it starts, on its def line
    assert re.search(r"--Call--\n> .*terminal_steps\.py\(1\)add\(\)\n-> def add\(a, b\):\n", out), (
        out
    )
    assert terminal.command("a") == "a = 1\nb = 2\n(dapper) "
    assert re.search(r"\(2\)add\(\)\n-> total = a \+ b\n", terminal.command("s"))
    assert re.search(r"\(3\)add\(\)\n-> return total\n", terminal.command("n"))
    out = terminal.command("s")  # add() returns: still in add, with the value
    assert re.search(r"--Return--\n> .*\(3\)add\(\)->3\n-> return total\n", out), out
    assert terminal.command("retval") == "3\n(dapper) "
    assert terminal.command("p total") == "3\n(dapper) "
    assert re.search(r"> .*\(3\)add\(\)->3\n", terminal.command("w"))
    out = terminal.command("until")  # on in the caller, past the call (s, n, r alike)
    assert re.search(r"> .*\(9\)main\(\)\n-> z = y \* 10\n", out), out
    out = terminal.command("r")  # return: stops as main returns, in main
    assert re.search(r"z is 30\n--Return--\n> .*\(11\)main\(\)->30\n-> return z\n", out), out
    out = terminal.command("r")  # from a return: the caller's next event, here its return
    assert re.search(r"--Return--\n> .*\(14\)<module>\(\)->None\n-> main\(\)\n", out), out


@pytest.mark.parametrize("steps", BACKENDS, indirect=True)
def test_quit_runs_no_more_of_the_program(steps):
    terminal = steps
    terminal.command("b terminal_steps.py:9")
    assert re.search(r"\(9\)main\(\)", terminal.command("c"))
    terminal.send("q")  # the next line would print: as under pdb, it never runs
    terminal.wait()
    assert "z is" not in terminal.output


@pytest.mark.parametrize("steps", BACKENDS, indirect=True)
def test_tab_completes_commands_names_attributes_and_files(steps):
    terminal = steps
    terminal.type("b terminal_st\t")  # a file next to the program
    terminal.expect("terminal_steps.py:")
    terminal.type("8\r")
    assert re.search(r"Breakpoint 1 at .*terminal_steps\.py:8\n", terminal.prompt())
    terminal.type("b tests/fix\t")  # a path from the working directory
    terminal.expect("tests/fixtures/")
    terminal.type("terminal_ste\t9\r")
    assert re.search(r"Breakpoint 2 at .*terminal_steps\.py:9\n", terminal.prompt())
    terminal.type("cont\tinue\r")
    assert re.search(r"\(8\)main\(\)", terminal.prompt())
    terminal.type("whe\t\r")  # a command: 'where '
    assert re.search(r"\(14\)<module>\(\)\n-> main\(\)\n> .*\(8\)main\(\)", terminal.prompt())
    terminal.type("p ad\t")  # a name in the frame
    terminal.expect("add")
    terminal.type("(x, 4)\r")
    assert terminal.prompt().endswith("\n5\n(dapper) ")
    terminal.type("p x.real.bit_len\t")  # an attribute chain
    terminal.expect("bit_length")
    terminal.type("()\r")
    assert terminal.prompt().endswith("\n1\n(dapper) ")


@pytest.mark.parametrize("steps", BACKENDS, indirect=True)
def test_break_as_in_pdb(steps):
    terminal = steps
    out = terminal.command("b json/decoder.py:330")  # found along the program's sys.path
    assert re.search(r"Breakpoint 1 at .*[/\\]json[/\\]decoder\.py:\d+\n", out), out
    out = terminal.command("b no_such_function_anywhere")
    assert re.search(
        r"Breakpoint 2 at no_such_function_anywhere \(pending: no function of that name", out
    ), out
    assert "*** cannot set a breakpoint" in terminal.command("b terminal_steps.py:999")
    out = terminal.command("b terminal_steps.py:8")  # the failed one took no number
    assert re.search(r"Breakpoint 3 at .*terminal_steps\.py:8\n", out), out
    terminal.send("commands 3")
    for line in ("p x", "n"):  # a resuming command ends the list, as in pdb
        terminal.expect(r"\(com\) ")
        terminal.send(line)
    terminal.prompt()  # the prompt is back after 'n'
    terminal.send("commands 3")
    terminal.expect(r"\(com\) ")
    terminal.send("p 'replaced'")
    terminal.expect(r"\(com\) ")
    terminal.interrupt()  # Ctrl-C: as in pdb, the old list stays
    assert "command definition aborted, old commands restored" in terminal.prompt()
    out = terminal.command("b")
    assert "\tp x\n\tn\n" in out, out
    out = terminal.command("c")
    assert re.search(r"\(dapper\) p x\n1\n\(dapper\) n\n> .*\(9\)main\(\)", out), out


@pytest.mark.parametrize("steps", BACKENDS, indirect=True)
def test_display_is_kept_before_its_name_exists_and_is_per_frame(steps):
    terminal = steps
    terminal.command("b terminal_steps.py:7")
    terminal.command("b terminal_steps.py:3")
    assert re.search(r"\(7\)main\(\)", terminal.command("c"))
    out = terminal.command("display x")
    assert out.startswith("display x: ** raised NameError"), out
    out = terminal.command("n")  # x exists now: shown with the change
    assert re.search(r"display x: 1  \[old: \*\* raised NameError", out), out
    out = terminal.command("c")  # in add(): main's display is not add's
    assert re.search(r"\(3\)add\(\)", out) and "display x" not in out, out
    assert terminal.command("display") == "No expressions are displayed.\n(dapper) "
    terminal.command("display total")
    assert re.search(r"\(9\)main\(\)", terminal.command("r") + terminal.command("n"))
    assert terminal.command("display") == "display x: 1\n(dapper) "


@pytest.mark.parametrize("backend", BACKENDS)
def test_thread_n_selects_that_threads_own_code(backend):
    """The main thread waits in threading's code (start, join): ``thread 1``
    selects its frame in the program, where ``p`` sees the program's names."""
    terminal = PtyRun("--backend", backend, str(FIXTURES / "terminal_threads.py"))
    try:
        terminal.prompt()
        terminal.command("b terminal_threads.py:6")
        assert re.search(r"\(6\)worker\(\)", terminal.command("c"))
        out = terminal.command("thread 1")
        assert re.search(r"> .*terminal_threads\.py\(1[24]\)<module>\(\)\n", out), out
        assert terminal.command("p len(threads)") == "2\n(dapper) "
        assert re.search(r"terminal_threads\.py\(\d+\)<module>", terminal.command("w"))
        terminal.send("q")
        terminal.wait()
    finally:
        terminal.close()
