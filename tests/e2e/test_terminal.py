"""``dapper debug`` driven as a user drives it: typed commands on stdin,
``-c`` commands, Ctrl-C, and the exit code the shell sees."""

from __future__ import annotations

import os
import pty
import re
import shlex
import subprocess
import sys

import pytest

from tests.e2e import helpers
from tests.e2e.conftest import FIXTURES
from tests.e2e.terminal_runner import REPO_ROOT

STEPS = str(FIXTURES / "terminal_steps.py")
THREADS = str(FIXTURES / "terminal_threads.py")
EXIT_CODE = str(FIXTURES / "exit_code.py")
SPIN = str(FIXTURES / "terminal_spin.py")
CAUGHT = str(FIXTURES / "terminal_caught.py")

BACKENDS = ["settrace"] + (["sys.monitoring"] if sys.version_info >= (3, 12) else [])


def test_readme_command_prints_stop_value_and_stack(run):
    terminal = run(
        "-c", "b fib.py:7", "-c", "c", "-c", "p n", "-c", "bt", "-c", "q", "examples/fib.py"
    )
    assert terminal.wait() == 0
    out = terminal.output
    assert re.search(r"Breakpoint 1 at .*examples/fib\.py:7\n", out)
    stop = out.index("(dapper) c\n")
    assert re.search(r"> .*examples/fib\.py\(7\)fib\(\)\n-> return n\n", out[stop:])
    assert re.search(r"\(dapper\) p n\n0\n", out)
    where = out[out.index("(dapper) bt\n") :]
    assert re.search(r"  .*fib\.py\(13\)<module>\(\)\n-> print", where)
    assert re.search(r"> .*fib\.py\(7\)fib\(\)\n-> return n", where)
    assert "\x1b[" not in out, "no colours when stdout is not a terminal"


def test_a_breakpoint_in_a_module_not_imported_yet_is_kept_and_stops(run):
    lazy = str(FIXTURES / "lazy_mod.py")
    body = helpers.line("lazy_mod.py", "lazy_body")
    target = str(FIXTURES / "bp_target.py")
    terminal = run("-c", f"b {lazy}:{body}", "-c", "c", "-c", "p result", "-c", "q", target)
    terminal.wait()
    out = terminal.output
    assert re.search(rf"Breakpoint 1 at .*lazy_mod\.py:{body} \(pending: .+\)\n", out)
    assert re.search(rf"> .*lazy_mod\.py\({body}\)work\(\)\n", out)


@pytest.mark.parametrize("backend", BACKENDS)
def test_whole_session_breakpoints_steps_print_stack(run, backend):
    terminal = run("--backend", backend, STEPS)
    first = terminal.prompt()
    assert re.search(r"> .*terminal_steps\.py\(1\)<module>\(\)\n-> def add\(a, b\):", first)

    assert re.search(
        r"Breakpoint 1 at .*terminal_steps\.py:8\n", terminal.command("b terminal_steps.py:8")
    )
    out = terminal.command("c")
    assert re.search(r"> .*terminal_steps\.py\(8\)main\(\)\n-> y = add\(x, 2\)", out)
    assert terminal.command("p x") == "1\n(dapper) "

    out = terminal.command("s")  # as pdb: --Call-- first, at the def line
    assert re.search(r"--Call--\n> .*\(1\)add\(\)\n-> def add\(a, b\):", out), out
    out = terminal.command("s")
    assert re.search(r"\(2\)add\(\)\n-> total = a \+ b", out)
    assert terminal.command("a") == "a = 1\nb = 2\n(dapper) "
    assert re.search(r"\(3\)add\(\)\n-> return total", terminal.command("n"))
    assert terminal.command("p total") == "3\n(dapper) "

    where = terminal.command("where")
    lines = [line for line in where.splitlines() if "terminal_steps.py(" in line]
    assert [re.search(r"\((\d+)\)(\S+)", line).groups() for line in lines] == [
        ("14", "<module>()"),
        ("8", "main()"),
        ("3", "add()"),
    ]
    assert lines[-1].startswith(">")

    assert re.search(r"\(8\)main\(\)\n-> y = add", terminal.command("up"))
    assert terminal.command("p x + 1") == "2\n(dapper) "
    assert "*** Oldest frame" in terminal.command("up 5")
    assert re.search(r"\(3\)add\(\)", terminal.command("down"))

    listing = terminal.command("l")
    assert re.search(r"\n   3  -> +return total\n", listing)
    assert re.search(r"\n   8 B   +y = add\(x, 2\)\n", listing)

    out = terminal.command("r")  # as pdb: --Return--, still in add, with its value
    assert re.search(r"--Return--\n> .*\(3\)add\(\)->3\n-> return total\n", out), out
    assert re.search(r"\(9\)main\(\)\n", terminal.command("n"))  # on in the caller
    out = terminal.command("until 10")
    assert re.search(r"\(10\)main\(\)\n-> print\(\"z is\", z\)", out)
    assert terminal.command("p y") == "3\n(dapper) "
    assert terminal.command("display z // 3") == "display z // 3: 10\n(dapper) "
    assert terminal.command("display x") == "display x: 1\n(dapper) "
    assert terminal.command("z = 99") == "(dapper) "  # a statement, run in the frame
    out = terminal.command("n")
    assert "z is 99\n" in out  # the program's own output, interleaved as it arrives
    assert re.search(r"\(11\)main\(\)\n-> return z", out)
    assert "display z // 3: 33  [old: 10]" in out
    assert "display x" not in out  # unchanged values are not shown again

    terminal.send("q")
    assert terminal.wait() == 0
    assert "exited" not in terminal.output.split("(dapper) q\n")[-1]


def test_bad_commands_print_one_line_and_the_session_goes_on(run):
    terminal = run(STEPS)
    terminal.prompt()
    bad = {
        "b nosuchfile.py:3": r"\*\*\* no such file: nosuchfile\.py\n",
        "b 999": r"\*\*\* cannot set a breakpoint at 999: .+\n",
        "b terminal_steps.py:x y": r"\*\*\* .+\n",
        "p undefined_name": r"\*\*\* NameError: .*undefined_name.*\n",
        "frobnicate the program": r"\*\*\* SyntaxError.*\n",
        "1/0": r"\*\*\* ZeroDivisionError: division by zero\n",
        "up 3": r"\*\*\* Oldest frame\n",
        "clear 7": r"\*\*\* there is no breakpoint number 7\n",
        "thread 999": r"\*\*\* there is no thread 999 .*\n",
        "catch sometimes": r"\*\*\* catch takes one of .*\n",
        "help nonsense": r"\*\*\* no help for 'nonsense'.*\n",
    }
    assert terminal.command("help b").startswith("b/break [FILE:]LINE | FUNCTION")
    for line, pattern in bad.items():
        out = terminal.command(line)
        assert re.fullmatch(pattern + r"\(dapper\) ", out), f"{line!r} printed {out!r}"
    out = terminal.command("j 12")
    assert re.fullmatch(r"\*\*\* .*jump.*\n\(dapper\) ", out) or re.search(r"\(12\)<module>", out)
    assert terminal.command("p 6 * 7") == "42\n(dapper) "
    assert re.search(r"\(8\)main\(\)", terminal.command("b 8") + terminal.command("c"))
    terminal.send("c")
    assert terminal.wait() == 0
    assert terminal.output.endswith("The program exited with code 0.\n")


def test_program_that_crashes_stops_on_the_exception_and_its_exit_code_propagates(run):
    terminal = run("-c", "c", "-c", "p mode", "-c", "c", EXIT_CODE, "raise")
    assert terminal.wait() == 1
    out = terminal.output
    assert re.search(
        r"Uncaught exception: .*ValueError: boom\n> .*exit_code\.py\(7\)<module>\(\)", out
    )
    assert "(dapper) p mode\n'raise'\n" in out
    assert out.endswith("The program exited with code 1.\n")


def test_catch_raised_stops_on_a_handled_exception_of_that_type_only(run):
    terminal = run("-c", "catch raised ValueError", "-c", "c", "-c", "c", CAUGHT)
    assert terminal.wait() == 0
    out = terminal.output
    assert "Stopping on raised exceptions of type ValueError." in out
    assert re.search(
        r"Exception raised: ValueError: caught soon\n> .*terminal_caught\.py\(2\)risky\(\)", out
    )
    assert out.endswith("handled\nThe program exited with code 0.\n")

    terminal = run("-c", "catch raised KeyError", "-c", "c", CAUGHT)
    assert terminal.wait() == 0
    assert "Exception raised" not in terminal.output


def test_exit_code_of_a_program_that_exits_is_dapper_debugs_exit_code(run):
    terminal = run("-c", "c", EXIT_CODE, "exit3")
    assert terminal.wait() == 3
    assert "about to exit exit3" in terminal.output
    assert terminal.output.endswith("The program exited with code 3.\n")


def test_program_with_threads(run):
    terminal = run(THREADS)
    terminal.prompt()
    terminal.command("b terminal_threads.py:5")
    out = terminal.command("c")
    assert re.search(r"\(5\)worker\(\)\n-> doubled = n \* 2", out)
    first_n = terminal.command("p n").split("\n")[0]
    assert first_n in ("0", "1")
    threads = terminal.command("threads")
    rows = re.findall(r"^([* ])\s+(\d+) (\S+)$", threads, re.M)
    names = {name for _, _, name in rows}
    assert "MainThread" in names and f"worker-{first_n}" in names
    current = [row for row in rows if row[0] == "*"]
    assert len(current) == 1 and current[0][2] == f"worker-{first_n}"
    main_id = next(tid for _, tid, name in rows if name == "MainThread")
    assert re.match(r"> .*\(\d+\)\S+\(\)\n-> ", terminal.command(f"thread {main_id}"))
    where = terminal.command("where")
    assert re.search(r"terminal_threads\.py\(1[24]\)<module>\(\)\n-> +t\.(start|join)\(\)", where)
    assert "worker()" not in where
    assert re.search(rf"\* +{main_id} MainThread", terminal.command("threads"))
    out = terminal.command("c")
    assert re.search(r"\(5\)worker\(\)", out)
    other_n = terminal.command("p n").split("\n")[0]
    assert {first_n, other_n} == {"0", "1"}
    terminal.command("clear")
    terminal.send("c")
    assert terminal.wait() == 0
    out = terminal.output
    assert "worker 0 doubled 0" in out and "worker 1 doubled 2" in out and "all done" in out


def test_ctrl_c_pauses_the_program_and_at_the_prompt_never_quits(run):
    """With stdin a pipe (no terminal), Ctrl-C arrives as SIGINT: it pauses a
    running program and, at the prompt, only drops the line, as in pdb."""
    terminal = run("-c", "c", SPIN)
    terminal.expect("spinning\n")
    terminal.interrupt()
    out = terminal.prompt()
    assert re.search(r"> .*spin\.py\(\d+\)spin\(\)", out)
    terminal.interrupt()  # right after the pause, at the prompt
    terminal.expect(r"\n")
    terminal.prompt()
    assert terminal.command("p count > 0") == "True\n(dapper) "
    terminal.interrupt()
    terminal.prompt()
    terminal.send("q")
    assert terminal.wait() == 0
    assert "Traceback" not in terminal.output


def test_breakpoint_management_commands(run):
    terminal = run(STEPS)
    terminal.prompt()
    terminal.command("b add")
    terminal.command("tbreak terminal_steps.py:9")
    terminal.command("b terminal_steps.py:10, z > 100")
    listing = terminal.command("b")
    assert re.search(r"1 +breakpoint +keep yes +at add", listing)
    assert re.search(r"2 +breakpoint +del +yes +at .*terminal_steps\.py:9", listing)
    assert "stop only if z > 100" in listing
    terminal.command("disable 1")
    assert re.search(r"1 +breakpoint +keep no", terminal.command("b"))
    out = terminal.command("c")  # add is disabled: the temporary breakpoint stops
    assert "Deleted breakpoint 2" in out and re.search(r"\(9\)main\(\)", out)
    terminal.command("condition 3")
    for line in ("commands 3", "p z * 2", "end"):
        terminal.send(line)
        terminal.expect(r"\(com\) " if line != "end" else r"\(dapper\) $")
    out = terminal.command("c")
    assert re.search(r"\(10\)main\(\)\n-> print[^\n]*\n\(dapper\) p z \* 2\n60\n", out)
    terminal.send("c")
    assert terminal.wait() == 0


def test_backend_command_shows_backend_and_counters(run):
    terminal = run("--backend", "settrace", "-c", "backend", "-c", "q", STEPS)
    assert terminal.wait() == 0
    assert re.search(r"Backend: settrace", terminal.output)
    assert re.search(r"\n  slow_path_attempts +\d+\n", terminal.output)


def test_usage_errors_exit_2(run):
    terminal = run("--backend", "warp", STEPS)
    assert terminal.wait() == 2
    assert "unknown backend 'warp'" in terminal.output
    terminal = run(str(REPO_ROOT / "no_such_program.py"))
    assert terminal.wait() == 2
    assert "no such file" in terminal.output


def test_ignore_passes_a_breakpoint_that_many_times(run):
    terminal = run(
        "-c",
        "b fib.py:7",
        "-c",
        "ignore 1 2",
        "-c",
        "c",
        "-c",
        "p n",
        "-c",
        "w",
        "-c",
        "b",
        "-c",
        "q",
        "examples/fib.py",
    )
    assert terminal.wait() == 0
    out = terminal.output
    assert "Will ignore next 2 crossings of breakpoint 1." in out
    # fib(0) and fib(1) pass; the third crossing is fib(1) called from fib(2).
    assert "fib(0) = 0\nfib(1) = 1\n" in out
    assert "(dapper) p n\n1\n" in out
    where = out[out.index("(dapper) w\n") : out.index("(dapper) b\n")]
    assert where.count("fib()") == 2
    assert "breakpoint already hit 3 times" in out


def test_readme_first_command_is_the_one_that_works(run):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("```", 2)[1].strip().splitlines()[0]
    install, _, command = first.partition(" && ")
    assert install == "pip install ."
    words = shlex.split(command)
    assert words[:2] == ["dapper", "debug"]
    terminal = run(*words[2:])
    assert terminal.wait() == 0
    assert re.search(r"\(dapper\) p n\n\d+\n", terminal.output)
    assert re.search(r"> .*fib\.py\(7\)fib\(\)", terminal.output)


def test_colours_only_when_stdout_is_a_terminal(tmp_path):
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dapper.cli",
            "debug",
            "-c",
            "b fib.py:7",
            "-c",
            "c",
            "-c",
            "q",
            "examples/fib.py",
        ],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=str(REPO_ROOT),
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=60) == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    assert re.search(r"\x1b\[[\d;]+m[^\x1b]*fib\.py\(7\)fib\(\)\x1b\[0m", text), text
