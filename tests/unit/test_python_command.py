"""Which command lines Dapper starts under the debugger, and how it splits them."""

from __future__ import annotations

import os
import sys

import pytest

from dapper.python_command import parse_python_argv, python_command


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["python", "app.py", "-x"], ([], ["app.py", "-x"])),
        (["python3", "-u", "-X", "dev", "app.py"], (["-u", "-X", "dev"], ["app.py"])),
        (["python", "-Wd", "-m", "pkg.mod", "a"], (["-Wd"], ["-m", "pkg.mod", "a"])),
        (["python", "-Bc", "print(1)", "x"], (["-B"], ["-c", "print(1)", "x"])),
        (["python", "-mpkg"], ([], ["-m", "pkg"])),
        (["python", "-E", "-s", "--", "-odd-name.py"], (["-E", "-s"], ["-odd-name.py"])),
        (["python"], None),  # the REPL
        (["python", "-"], None),  # stdin
        (["python", "--version"], None),
        (["python", "-h"], None),
        (["python", "-c"], None),
    ],
)
def test_python_argv_splits_into_options_and_program(argv, expected):
    assert parse_python_argv(argv) == expected


def test_only_python_commands_are_rewritten(tmp_path):
    assert python_command(sys.executable, [sys.executable, "app.py"]).program == ["app.py"]
    assert python_command("/usr/bin/env", ["env"]) is None
    assert python_command("/bin/sh", ["sh", "-c", "python app.py"]) is None
    script = tmp_path / "tool"
    script.write_text("#!/usr/bin/env python3\nprint(1)\n")
    command = python_command(str(script), [str(script), "arg"])
    assert command.interpreter == ["/usr/bin/env", "python3"]
    assert command.program == [str(script), "arg"]
    shell = tmp_path / "tool.sh"
    shell.write_text("#!/bin/sh\necho hi\n")
    assert python_command(str(shell), [str(shell)]) is None


def test_multiprocessing_resource_tracker_is_left_alone():
    code = "from multiprocessing.resource_tracker import main;main(5)"
    assert python_command(sys.executable, [sys.executable, "-c", code]) is None
    spawn = "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)"
    assert python_command(sys.executable, [sys.executable, "-c", spawn, "--multiprocessing-fork"])


def test_a_venv_python_is_recognised_by_name():
    assert python_command(os.path.join("venv", "bin", "python3.12"), ["python3.12", "x.py"])
