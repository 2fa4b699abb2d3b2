"""Soak run (issue 15): ``python scripts/soak.py [--stops N] [--cycles N] [--threads N] [--debugger NAME]``.

Through a real DAP session, under each Dapper backend and under debugpy when it
is installed (the benchmarks' sessions, ``benchmarks/session.py``): N stops,
each with stackTrace, scopes and variables (every child expanded); N
breakpoint set/clear cycles; N threads on one breakpoint. Prints, per
debugger, the time per stop, the program's resident memory before and after
and its CPU time (from inside it), its exit code and how many threads stopped.
Defaults: 10**4 stops, 10**3 cycles, 200 threads.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.debuggers import Debugger, available_debuggers, compile_dapper
from benchmarks.session import Breakpoint, DebugSession, Plan
from tests.e2e.helpers import line, path

PROGRAM = "soak_target.py"
#: Longest wait for one stop (200 threads on a loaded machine take a while).
STOP_TIMEOUT = 300.0


def inspect_and_continue(run: DebugSession, thread_id: int) -> None:
    """What an editor does at a stop: the stack, the top frame's first scope,
    its variables and every child, then continue."""
    client = run.client
    frame = client.request("stackTrace", {"threadId": thread_id})["stackFrames"][0]
    scope = client.request("scopes", {"frameId": frame["id"]})["scopes"][0]
    variables = client.request("variables", {"variablesReference": scope["variablesReference"]})
    for var in variables["variables"]:
        if var.get("variablesReference"):
            client.request("variables", {"variablesReference": var["variablesReference"]})
    client.request("continue", {"threadId": thread_id})
    # Events nobody waits for (debugpy sends 'continued' after each continue):
    # kept, every later wait would scan them all.
    client.discard_older(lambda m: m.get("event") in ("continued", "thread", "output"))


def soak(debugger: Debugger, stops: int, cycles: int, threads: int) -> dict[str, Any]:
    program = path(PROGRAM)
    hit = Breakpoint(program, line(PROGRAM, "hit"))
    plan = Plan(program, args=[str(stops), str(threads)], breakpoints=[hit])
    with DebugSession(debugger, plan, keep_stdout=True) as run:
        client = run.client
        begin = time.monotonic()
        run.configure()
        start = time.monotonic()  # the stops, from configurationDone on
        for _ in range(stops):
            inspect_and_continue(run, client.event("stopped", STOP_TIMEOUT)["body"]["threadId"])
        stops_done = time.monotonic()
        cycle = {"line": line(PROGRAM, "cycle"), "condition": "False"}
        for _ in range(cycles):
            for specs in ([hit.to_dap(), cycle], [hit.to_dap()]):
                client.request(
                    "setBreakpoints", {"source": {"path": program}, "breakpoints": specs}
                )
        stopped_threads = set()
        for _ in range(threads):
            thread_id = client.event("stopped", STOP_TIMEOUT)["body"]["threadId"]
            stopped_threads.add(thread_id)
            client.request("continue", {"threadId": thread_id})
        while True:
            # The program ends with sys.exit(5); a debugger that stops there
            # under the editor's default "uncaught" filter is continued.
            message = client.take(
                lambda m: m.get("type") == "event" and m.get("event") in ("exited", "stopped"),
                STOP_TIMEOUT,
                "the program's exit",
            )
            if message["event"] == "exited":
                break
            client.request("continue", {"threadId": message["body"]["threadId"]})
        run.wait_terminated(STOP_TIMEOUT)
        out = "".join(run.stdout)
    end = re.search(r"rss-end (\d+) cpu ([\d.]+)", out)
    return {
        "debugger": debugger.name,
        "stops": stops,
        "stop_ms": (stops_done - start) / stops * 1000,
        "cycles": cycles,
        "threads_stopped": f"{len(stopped_threads)}/{threads}",
        "exit_code": message["body"]["exitCode"],
        "rss_start_mb": int(re.search(r"rss-start (\d+)", out).group(1)) / 1024,
        "rss_end_mb": int(end.group(1)) / 1024 if end else None,
        "program_cpu_s": float(end.group(2)) if end else None,
        "seconds": time.monotonic() - begin,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=10_000)
    parser.add_argument("--cycles", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument(
        "--debugger",
        help="only this one: dapper-settrace, dapper-sys.monitoring, dapper-eval_frame, debugpy",
    )
    args = parser.parse_args()
    compile_dapper()
    debuggers, skipped = available_debuggers()
    for row in skipped:
        print(f"skipped {row['debugger']}: {row['reason']}", flush=True)
    for debugger in debuggers:
        if debugger.is_plain or (args.debugger and debugger.name != args.debugger):
            continue
        load = os.getloadavg()[0]
        result = soak(debugger, args.stops, args.cycles, args.threads)
        print(
            f"python {sys.version.split()[0]} {result['debugger']}: "
            f"{result['stops']} stops at {result['stop_ms']:.1f} ms, "
            f"{result['cycles']} cycles, {result['threads_stopped']} threads stopped; "
            f"exit {result['exit_code']}; RSS {result['rss_start_mb']:.1f} MB -> "
            f"{result['rss_end_mb']:.1f} MB; program CPU {result['program_cpu_s']} s; "
            f"{result['seconds']:.0f} s in all; load {load:.1f} -> {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
