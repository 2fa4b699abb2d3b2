"""``dapper debug`` in a terminal, driven with real keystrokes on a
pseudo-terminal: the program gets the user's terminal (``input()``,
``isatty()``, size, ``TERM``, Ctrl-D), Ctrl-C pauses a running program and
clears the line at the prompt, and ``until`` / ``return`` run through long
loops in one resume that Ctrl-C can still pause. Every backend."""

from __future__ import annotations

import os
import re
import sys

import pytest

import dapper
from tests.e2e.conftest import FIXTURES, _backend_id, available_backends
from tests.e2e.terminal_runner import PtyRun

DAPPER_PACKAGE = os.path.dirname(dapper.__file__) + os.sep

ASK = str(FIXTURES / "terminal_ask.py")
SPIN = str(FIXTURES / "terminal_spin.py")
UNTIL = str(FIXTURES / "terminal_until.py")

BACKENDS = [_backend_id(config) for config in available_backends()]


@pytest.fixture
def tty():
    """Starts ``dapper debug`` on a pseudo-terminal; all are closed afterwards."""
    started: list[PtyRun] = []

    def start(*args: str) -> PtyRun:
        terminal = PtyRun(*args)
        started.append(terminal)
        return terminal

    yield start
    for terminal in started:
        terminal.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_program_gets_the_users_terminal_and_keyboard(tty, backend):
    terminal = tty("--backend", backend, ASK)
    terminal.prompt()
    terminal.command("b terminal_ask.py:10")
    terminal.send("c")
    terminal.expect(r"isatty True True True\n")
    terminal.expect(rf"size {PtyRun.COLUMNS} {PtyRun.ROWS} TERM xterm-dapper-test\n")
    terminal.expect(r"name\? ")
    terminal.type("Ada\r")  # the program, not the prompt, reads the keyboard now
    terminal.expect(r"hello Ada\n")
    # What the program printed before the stop is shown, and the debugger's
    # location starts on a line of its own.
    out = terminal.prompt()
    assert re.search(r"no newline yet\n> .*terminal_ask\.py\(10\)<module>\(\)\n", out), out
    assert terminal.command("p name") == "'Ada'\n(dapper) "  # typed at the prompt: ours
    terminal.send("c")
    terminal.expect(r" \.\.\. now\n")
    terminal.expect(r"more\? ")
    terminal.type("\x04")  # Ctrl-D reaches input() as end of file
    terminal.expect(r"got EOF\ndone\n")
    terminal.expect(r"The program exited with code 0\.\n")
    terminal.expect(r"The program finished and will be restarted\n")
    assert re.search(r"> .*terminal_ask\.py\(1\)<module>\(\)\n", terminal.prompt())
    terminal.send("q")
    assert terminal.wait() == 0
    assert "Traceback" not in terminal.output


@pytest.mark.xfail(
    strict=False,
    reason="known intermittent bug (open in issue 17): once in the final CI of 2026-12-02 "
    "(3.11, eval_frame, quiet machine), after the harness fix that cured the other pty flakes, "
    "keys typed at the first prompt after a Ctrl-C pause were neither echoed nor read and the "
    "Ctrl-C that followed brought no prompt; 25 runs of the same steps alone did not repeat it",
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_pauses_a_running_program_and_clears_the_line_at_the_prompt(tty, backend):
    terminal = tty("--backend", backend, SPIN)
    terminal.prompt()
    terminal.send("c")
    terminal.expect("spinning\n")
    terminal.interrupt()
    assert re.search(r"> .*terminal_spin\.py\(\d+\)spin\(\)\n", terminal.prompt())

    terminal.type("p undefined_na")  # half a line, then Ctrl-C: dropped, no quit
    terminal.interrupt()
    terminal.prompt()
    terminal.interrupt()  # again, on an empty line: still no quit
    terminal.prompt()
    assert terminal.command("p count > 0") == "True\n(dapper) "

    terminal.send("c")  # and it pauses again, as often as asked
    terminal.expect("c\n")
    terminal.interrupt()
    assert re.search(r"> .*terminal_spin\.py\(\d+\)spin\(\)\n", terminal.prompt())
    assert terminal.command("p count > 1000") == "True\n(dapper) "
    terminal.send("q")
    terminal.wait()
    assert "Traceback" not in terminal.output
    assert "NameError" not in terminal.output  # the dropped line never ran


@pytest.mark.parametrize("backend", BACKENDS)
def test_until_and_return_run_a_long_loop_in_one_resume(tty, backend):
    terminal = tty("--backend", backend, UNTIL, "200000", "spin")
    terminal.prompt()
    terminal.command("tbreak terminal_until.py:24")
    assert re.search(r"\(24\)main\(\)\n-> total \+= i", terminal.command("c"))
    out = terminal.command("until")  # the loop's last line: on to the line after the loop
    assert re.search(r"loop done 19999900000\n> .*\(25\)main\(\)\n", out) or re.search(
        r"> .*\(25\)main\(\)\n", out
    ), out
    assert terminal.command("p total, i") == "(19999900000, 199999)\n(dapper) "
    terminal.command("n")
    assert re.search(r"--Call--\n> .*\(5\)count\(\)", terminal.command("s"))
    assert re.search(r"\(6\)count\(\)", terminal.command("n"))
    assert re.search(r"\(7\)count\(\)", terminal.command("n"))
    assert re.search(r"\(8\)count\(\)", terminal.command("n"))
    out = terminal.command("until 9")  # runs the loop out, stops at line 9
    assert re.search(r"\(9\)count\(\)\n-> return total", out), out
    assert terminal.command("p total") == "19999900000\n(dapper) "
    out = terminal.command("r")  # pdb's --Return--: in count, with its value
    assert re.search(r"--Return--\n> .*\(9\)count\(\)->19999900000\n-> return total", out), out
    assert terminal.command("retval") == "19999900000\n(dapper) "
    assert re.search(r"\(27\)main\(\)", terminal.command("n"))
    terminal.command("tbreak terminal_until.py:16")
    out = terminal.command("c")  # into forever(): a loop that runs for minutes
    assert re.search(r"\(16\)forever\(\)", out), out
    terminal.send("until")
    terminal.expect("until\n")
    terminal.interrupt()  # Ctrl-C pauses an until that would not end for minutes
    out = terminal.prompt()
    assert re.search(r"> .*terminal_until\.py\(1[56]\)forever\(\)\n", out), out
    assert terminal.command("p laps > 0") == "True\n(dapper) "
    terminal.type("\x04")  # Ctrl-D at the prompt quits
    terminal.wait()
    assert "Traceback" not in terminal.output


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_program_restarts_at_its_end_and_on_restart_or_run(tty, backend):
    terminal = tty("--backend", backend, UNTIL, "3")
    terminal.prompt()
    terminal.command("b terminal_until.py:25")
    assert re.search(r"\(25\)main\(\)", terminal.command("c"))
    assert terminal.command("p total") == "3\n(dapper) "
    terminal.send("c")
    terminal.expect(r"loop done 3\ncount done 3\nThe program exited with code 0\.\n")
    terminal.expect(r"The program finished and will be restarted\n")
    assert re.search(r"> .*terminal_until\.py\(1\)<module>\(\)\n", terminal.prompt())
    # A new run of the program, with the same breakpoint.
    assert re.search(r"\(25\)main\(\)", terminal.command("c"))
    assert terminal.command("p total") == "3\n(dapper) "
    # run ARGS: at once, from a stop, with new arguments.
    assert re.search(r"\(1\)<module>\(\)", terminal.command("run 5"))
    assert re.search(r"\(25\)main\(\)", terminal.command("c"))
    assert terminal.command("p total") == "10\n(dapper) "
    # restart: the same arguments again.
    assert re.search(r"\(1\)<module>\(\)", terminal.command("restart"))
    assert re.search(r"\(25\)main\(\)", terminal.command("c"))
    assert terminal.command("p total, sys.argv[1:]") == "(10, ['5'])\n(dapper) "
    terminal.send("q")
    assert terminal.wait() == 0
    assert "Traceback" not in terminal.output


SET_TRACE = str(FIXTURES / "terminal_set_trace.py")
CRASH = str(FIXTURES / "terminal_crash.py")


@pytest.mark.parametrize("backend", BACKENDS)
def test_breakpoint_with_pythonbreakpoint_drops_into_the_prompt(backend):
    """A plain run of a program that calls ``breakpoint()``, with nothing set
    up but ``PYTHONBREAKPOINT=dapper.set_trace``; then ``dapper.set_trace()``."""
    terminal = PtyRun(
        argv=[sys.executable, SET_TRACE, "again"],
        env={"PYTHONBREAKPOINT": "dapper.set_trace", "DAPPER_BACKEND": backend},
    )
    try:
        terminal.expect(r"isatty True True\n")
        out = terminal.prompt()
        assert re.search(r"> .*terminal_set_trace\.py\(7\)scale\(\)\n-> z = y \+ 1\n", out), out
        assert terminal.command("p x, y") == "(20, 40)\n(dapper) "
        assert re.search(r"\(8\)scale\(\)\n-> return z", terminal.command("n"))
        terminal.send("c")
        terminal.expect(r"scaled 41\nname\? ")
        terminal.type("Ada\r")  # the program reads the keyboard again
        terminal.expect(r"hello Ada\n")
        out = terminal.prompt()  # dapper.set_trace() itself: the same prompt again
        assert re.search(r"> .*terminal_set_trace\.py\(19\)<module>\(\)\n", out), out
        assert terminal.command("p name") == "'Ada'\n(dapper) "
        terminal.send("c")
        terminal.expect(r"second stop passed\n")
        assert terminal.process.wait(30) == 0
        assert "Traceback" not in terminal.output
    finally:
        terminal.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("how", ["--pm", "dapper.pm"])
def test_post_mortem_stops_where_the_uncaught_exception_was_raised(tty, backend, how):
    if how == "--pm":
        terminal = tty("--backend", backend, "--pm", CRASH)
    else:
        terminal = PtyRun(
            argv=[sys.executable, "-m", "dapper.pm", CRASH], env={"DAPPER_BACKEND": backend}
        )
    try:
        terminal.expect(r"start\n")  # no stop at the first line
        out = terminal.prompt()
        assert re.search(r"Uncaught exception: ZeroDivisionError: division by zero\n", out), out
        assert re.search(r"> .*terminal_crash\.py\(2\)divide\(\)\n-> return a / b\n", out), out
        assert terminal.command("p a, b") == "(4, 0)\n(dapper) "
        assert re.search(r"\(6\)<module>\(\)", terminal.command("up"))
        terminal.send("q")
        terminal.wait()
        # (the program's own traceback may follow as it ends; none of Dapper's)
        # (matched by Dapper's package folder: a checkout is often named dapper too)
        assert f'File "{DAPPER_PACKAGE}' not in terminal.output
    finally:
        terminal.close()


CHAINED = str(FIXTURES / "terminal_chained.py")


@pytest.mark.parametrize("backend", BACKENDS)
def test_exceptions_lists_the_chain_and_shows_each_ones_traceback(tty, backend):
    terminal = tty("--backend", backend, "--pm", CHAINED)
    out = terminal.prompt()
    assert re.search(r"Uncaught exception: KeyError: 'x'\n> .*\(9\)load\(\)\n", out), out
    out = terminal.command("exceptions")  # as pdb 3.13: the first raised first, > the one shown
    assert out == (
        "    0 ValueError(\"invalid literal for int() with base 10: 'x'\")\n"
        ">   1 KeyError('x')\n(dapper) "
    ), out
    out = terminal.command("exceptions 0")  # the ValueError's own traceback
    assert re.search(r"> .*terminal_chained\.py\(2\)parse\(\)\n-> return int\(text\)\n", out), out
    assert terminal.command("p text") == "'x'\n(dapper) "
    assert re.search(r"\(7\)load\(\)\n-> return parse\(text\)\n", terminal.command("up"))
    assert terminal.command("exceptions").startswith(">   0 ValueError")
    out = terminal.command("exceptions 1")
    assert re.search(r"> .*\(9\)load\(\)\n-> raise KeyError\(text\) from exc\n", out), out
    assert "*** no exception 5" in terminal.command("exceptions 5")
    terminal.send("q")
    terminal.wait()


def test_a_spawn_pool_workers_lines_are_labelled_on_the_terminal(tty):
    """On a terminal too, every line a pool worker prints shows its process
    number (the workers print into their sessions, not on the program's terminal)."""
    terminal = tty(str(FIXTURES / "children" / "printing_pool.py"))
    terminal.prompt()
    terminal.send("c")
    terminal.expect(r"pool done: 200 tasks\n")
    terminal.expect(r"The program exited with code 0\.\n")
    numbers = {
        pid: number
        for number, pid in re.findall(
            r"\[process (\d+): multiprocessing worker, pid (\d+)\]", terminal.output
        )
    }
    assert len(numbers) == 2
    printed = re.findall(r"^(.*)worker (\d+) task (\d+)$", terminal.output, re.M)
    assert all(label == f"[process {numbers[pid]}] " for label, pid, _ in printed), printed[:4]
    assert sorted(int(task) for _, _, task in printed) == list(range(200))
    terminal.prompt()  # the program is started again at its end
    terminal.send("q")
    assert terminal.wait() == 0


def test_a_program_that_never_starts_is_not_restarted_over_and_over(tty, tmp_path):
    """pdb restarts a program at its end; one with a syntax error never
    reaches a first line, so restarting it would only loop."""
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    terminal = tty(str(broken))
    assert terminal.wait() == 1
    assert terminal.output.count("SyntaxError") == 1, terminal.output
    assert "The program exited with code 1.\n" in terminal.output
    assert "restarted" not in terminal.output
