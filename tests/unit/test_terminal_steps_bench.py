"""Keeps ``benchmarks/terminal_steps.py`` working: one tiny round must stop
every tool where the command should, and give a row per (command, tool).
No timing is asserted."""

from __future__ import annotations

import pytest

from benchmarks import terminal_steps

#: runs pdb and dapper debug in processes
pytestmark = pytest.mark.slow


def test_one_tiny_round_gives_every_row():
    tools = ["pdb", "dapper-settrace"]
    rows = terminal_steps.measure(size=2000, rounds=1, tools=tools)
    assert {(row["operation"], row["tool"]) for row in rows} == {
        (operation, tool) for operation in terminal_steps.OPERATIONS for tool in tools
    }
    assert all(row["rounds"] == 1 and row["size"] == 2000 for row in rows)
    assert "| until | pdb |" in terminal_steps.table(rows)
