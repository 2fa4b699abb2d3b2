"""``dapper debug`` serving child sessions itself: labels, ``processes``,
``process N``, and Ctrl-C pausing every process."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import FIXTURES
from tests.e2e.helpers import line, process_gone
from tests.e2e.terminal_runner import TIMEOUT

POOL = str(FIXTURES / "children" / "spawn_pool.py")
SLEEPING = str(FIXTURES / "children" / "sleeping_children.py")
PRINTING_POOL = str(FIXTURES / "children" / "printing_pool.py")


def test_a_spawn_pool_worker_stops_with_its_process_label(run):
    square = line("children/spawn_pool.py", "square")
    terminal = run(POOL)
    terminal.prompt()
    assert "Breakpoint 1" in terminal.command(f"b spawn_pool.py:{square}, n == 7")
    stop = terminal.command("c")
    workers = re.findall(r"\[process (\d+): multiprocessing worker, pid (\d+)\]", stop)
    assert len(workers) >= 1
    assert re.search(rf"\[process (\d+)\]\n> .*spawn_pool\.py\({square}\)square\(\)", stop)
    assert _answer(terminal.command("p n")) == "7"
    listing = terminal.command("processes")
    rows = re.findall(r"^([* ])\s+(\d+) (.+), pid (\d+)  (\w+)$", listing, re.M)
    assert [row[1] for row in rows][:1] == ["1"] and rows[0][2] == "spawn_pool.py"
    current = [row for row in rows if row[0] == "*"]
    assert len(current) == 1 and current[0][4] == "stopped"
    assert sum(row[4] == "stopped" for row in rows) == 1
    assert "is running" in terminal.command("process 1")
    terminal.send("c")
    assert terminal.wait() == 0
    assert "sum of squares: 2470" in terminal.output
    assert "The program exited with code 0." in terminal.output


def test_what_each_pool_worker_prints_is_labelled_with_its_process(run):
    """Every line a spawn-pool worker prints shows which process printed it
    (the number ``processes`` lists), complete and in the worker's order."""
    terminal = run(PRINTING_POOL)
    terminal.prompt()
    terminal.send("c")
    assert terminal.wait() == 0
    numbers = dict(
        (pid, number)
        for number, pid in re.findall(
            r"\[process (\d+): multiprocessing worker, pid (\d+)\]", terminal.output
        )
    )
    assert len(numbers) == 2
    printed = re.findall(r"^(.*)worker (\d+) task (\d+)$", terminal.output, re.M)
    assert all(label == f"[process {numbers[pid]}] " for label, pid, _ in printed), printed[:4]
    for pid in numbers:
        tasks = [int(task) for _, who, task in printed if who == pid]
        assert tasks and tasks == sorted(tasks)
    assert sorted(int(task) for _, _, task in printed) == list(range(200))
    assert "\npool done: 200 tasks" in terminal.output  # the program's own line, unlabelled


def test_ignore_counts_apply_to_the_breakpoint_a_child_hit(run):
    """A child's engine numbers its breakpoints itself; the front end maps its
    hits back to the right table entry (here the root's id for breakpoint 2 is
    2, the child's is 1)."""
    square = line("children/spawn_pool.py", "square")
    terminal = run(POOL)
    terminal.prompt()
    terminal.command(f"b spawn_pool.py:{line('children/spawn_pool.py', 'pool')}")
    assert "Breakpoint 2" in terminal.command(f"b spawn_pool.py:{square}, n in (7, 8)")
    terminal.command("clear 1")
    assert "Will ignore next 1 crossing of breakpoint 2" in terminal.command("ignore 2 1")
    stop = terminal.command("c")  # the first of the two hits is passed
    assert re.search(rf"\[process (\d+)\]\n> .*spawn_pool\.py\({square}\)square\(\)", stop)
    assert _answer(terminal.command("p n")) in ("7", "8")
    terminal.send("c")
    assert terminal.wait() == 0
    assert "sum of squares: 2470" in terminal.output
    assert terminal.output.count("spawn_pool.py(" + str(square) + ")square()") == 1


def test_ctrl_c_pauses_every_process(run):
    terminal = run(SLEEPING)
    terminal.prompt()
    terminal.send("c")
    # A child's number is given when its session starts; the two announce
    # themselves once attached, in either order.
    announced = [terminal.expect(r"\[process ([23]): python -c, pid (\d+)\]") for _ in (2, 3)]
    assert sorted(match.group(1) for match in announced) == ["2", "3"]
    pids = [int(match.group(2)) for match in announced]
    while terminal.output.count("looping") < 2:  # both in their loop, past start-up
        terminal.expect("looping")
    terminal.interrupt()
    terminal.prompt()
    deadline = time.monotonic() + TIMEOUT
    while True:  # each process reports its pause in its own time
        listing = terminal.command("processes")
        states = re.findall(r"^[* ]\s+(\d+) .*  (\w+)$", listing, re.M)
        if all(state == "stopped" for _, state in states[1:]) or time.monotonic() > deadline:
            break
    assert [number for number, _ in states] == ["1", "2", "3"]
    # Children (Python loops) pause wherever they are; each is reachable by number.
    for number, state in states[1:]:
        assert state == "stopped", listing
        assert re.match(r"> .+\(\d+\).*\(\)\n-> ", terminal.command(f"process {number}"))
    terminal.send("q")
    terminal.wait()
    for pid in pids:  # quitting ends the whole tree
        assert process_gone(pid), f"child {pid} outlived 'quit'"


def _answer(output: str) -> str:
    """A command's first line of output, leaving out a child's announcement
    (``[process N: ...]``), which may arrive at any moment."""
    return next(text for text in output.splitlines() if not text.startswith("[process "))
