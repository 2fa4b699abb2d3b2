"""Ctrl-C at ``dapper debug``'s prompt, with real signals (in a child process,
so the test runner's own SIGINT handling is untouched): typed while a line is
being edited it drops the line; typed after Enter, while the prompt is still
closing, it pauses what the entered line runs instead of dropping that line."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.e2e.terminal_runner import REPO_ROOT

SCRIPT = textwrap.dedent(
    """
    import os, signal, threading
    from dapper.terminal.ctrl_c import CtrlC

    state = {"prompt": 0, "editing": False}
    paused = threading.Event()
    knocks = threading.Semaphore(0)
    ctrl_c = CtrlC(lambda: state["prompt"], paused.set, lambda: state["editing"])
    on_knock = ctrl_c._on_knock

    def counted(signum, frame):
        knocks.release()
        on_knock(signum, frame)

    ctrl_c._on_knock = counted
    ctrl_c.install()

    # The line is entered (readline no longer edits it), the prompt not closed yet.
    state["prompt"] = 1
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(3):
        assert knocks.acquire(timeout=10), "no knock"
    assert not paused.is_set()
    state["prompt"] = 0  # the prompt closes and its command runs
    assert paused.wait(10), "the Ctrl-C was lost"
    print("line kept, command paused", flush=True)

    # A line being edited: the Ctrl-C drops it.
    paused.clear()
    state.update(prompt=2, editing=True)
    os.kill(os.getpid(), signal.SIGINT)
    try:
        threading.Event().wait(10)
    except KeyboardInterrupt:
        print("line dropped", flush=True)
    state["prompt"] = 0
    assert not paused.is_set()
    """
)


def test_ctrl_c_after_enter_pauses_the_command_and_while_editing_drops_the_line():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=str(REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout == "line kept, command paused\nline dropped\n", result.stderr
    assert result.returncode == 0, result.stderr
