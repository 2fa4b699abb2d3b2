"""The terminal's console: a line written by another thread while the prompt
waits for input lands above the prompt, which is drawn again."""

from __future__ import annotations

import io
import os
import threading
import time

from dapper.terminal.console import Console


def test_a_line_written_while_the_prompt_waits_goes_above_a_fresh_prompt():
    read_end, write_end = os.pipe()
    stdin = os.fdopen(read_end, "r")
    stdout = io.StringIO()
    console = Console(stdin=stdin, stdout=stdout, stderr=stdout)
    got: list[str | None] = []
    reader = threading.Thread(
        target=lambda: got.append(console.read_line("(dapper) ")), daemon=True
    )
    reader.start()
    deadline = time.monotonic() + 10
    while getattr(console, "_prompt_on_screen", None) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    console.say("[process 2: worker.py, pid 42]")
    os.write(write_end, b"c\n")
    reader.join(10)
    os.close(write_end)
    stdin.close()
    assert got == ["c"]
    assert stdout.getvalue() == "(dapper) \n[process 2: worker.py, pid 42]\n(dapper) c\n"


def test_lines_written_with_no_prompt_waiting_are_left_alone():
    stdout = io.StringIO()
    console = Console(stdin=io.StringIO(""), stdout=stdout, stderr=stdout)
    console.say("one")
    console.write("two\n")
    assert stdout.getvalue() == "one\ntwo\n"
