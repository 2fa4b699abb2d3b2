"""Launching with an interpreter Dapper cannot debug fails at once, saying why."""

from __future__ import annotations

import glob
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.dap_client import REPO_ROOT, DapError


def _pyenv_python310() -> str | None:
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.10.*", "bin", "python3.10")))
    return found[-1] if found else None


def _launch_refused(dap, python: str, tmp_path: Path) -> str:
    marker = tmp_path / "ran"
    program = tmp_path / "program.py"
    program.write_text(f"open({str(marker)!r}, 'w').close()\n")
    with pytest.raises(DapError) as failed:
        dap.launch(program=str(program), python=python)
    assert not marker.exists(), "the program must not start"
    assert not dap.events("process")
    return str(failed.value)


PYTHON310 = _pyenv_python310()


@pytest.mark.skipif(PYTHON310 is None, reason="no CPython 3.10 in pyenv on this machine")
def test_launch_with_python_3_10_fails_at_once(dap, tmp_path):
    message = _launch_refused(dap, PYTHON310, tmp_path)
    assert f"Dapper needs CPython 3.11 or newer; {PYTHON310} is 3.10." in message


def test_launch_with_another_implementation_is_refused(dap, tmp_path):
    # Stands in for PyPy: an interpreter reporting sys.implementation.name 'pypy'.
    fake = tmp_path / "pypy3"
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} -c \"print('pypy', '3.11.11', 0)\"\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    message = _launch_refused(dap, str(fake), tmp_path)
    assert f"Dapper needs CPython 3.11 or newer; {fake} is pypy 3.11.11" in message


def test_launch_with_a_missing_interpreter_names_it(dap, tmp_path):
    missing = str(tmp_path / "no-such-python")
    message = _launch_refused(dap, missing, tmp_path)
    assert "cannot run the interpreter" in message and missing in message


@pytest.mark.skipif(PYTHON310 is None, reason="no CPython 3.10 in pyenv on this machine")
def test_a_wrapper_command_starting_python_3_10_is_refused_by_the_debuggee(dap, tmp_path):
    """A wrapper (here env) is not run twice by the adapter: the program's side refuses."""
    message = _launch_refused(dap, ["/usr/bin/env", PYTHON310], tmp_path)
    expected = f"Dapper needs CPython 3.11 or newer; {PYTHON310} is 3.10."
    assert expected in message or expected in dap.output()


@pytest.mark.skipif(PYTHON310 is None, reason="no CPython 3.10 in pyenv on this machine")
def test_doctor_says_the_same_about_python_3_10():
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    for command in (
        [sys.executable, "-m", "dapper.cli", "doctor", "--python", PYTHON310],
        [PYTHON310, "-m", "dapper.cli", "doctor"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 1, done.stderr
        assert f"Dapper needs CPython 3.11 or newer; {PYTHON310} is 3.10." in done.stdout
