"""``sys.orig_argv`` as a plain run has it (reloaders re-run the program from it)."""

from __future__ import annotations

from dapper.launcher import plain_orig_argv

LAUNCHER = ["/venv/bin/python", "-X", "utf8", "-m", "dapper", "--connect", "127.0.0.1:1"]


def test_the_launched_program_keeps_the_interpreter_options_and_drops_the_launcher() -> None:
    assert plain_orig_argv("file", "app.py", ["--x"], [*LAUNCHER, "app.py", "--x"], []) == [
        "/venv/bin/python",
        "-X",
        "utf8",
        "app.py",
        "--x",
    ]
    assert plain_orig_argv("-m", "pkg", [], [*LAUNCHER, "-m", "pkg"], []) == [
        "/venv/bin/python",
        "-X",
        "utf8",
        "-m",
        "pkg",
    ]
    assert plain_orig_argv("-c", "pass", ["a"], [*LAUNCHER, "-c", "pass", "a"], [])[-3:] == [
        "-c",
        "pass",
        "a",
    ]


def test_a_child_gets_the_command_its_parent_ran() -> None:
    original = ["/usr/bin/python3", ["python3", "-u", "worker.py", "7"]]
    boot = ["/usr/bin/python3", "-u", "-c", "BOOT", "worker.py", "7"]
    assert plain_orig_argv("file", "worker.py", ["7"], boot, original) == original[1]


def test_an_unknown_command_line_is_left_alone() -> None:
    assert plain_orig_argv("file", "app.py", [], ["python", "embedded"], []) is None
