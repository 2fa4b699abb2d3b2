"""Soak run (issue 15): ``python scripts/soak.py [--stops N] [--cycles N] [--threads N] [--backend NAME]``.

Through a real adapter, on each backend: N stops, each with stackTrace, scopes
and variables; N breakpoint set/clear cycles while the program runs; N threads
on one breakpoint. Prints the program's resident memory before and after
(from inside it) and the time taken. Defaults: 10**4 stops, 10**3 cycles, 200
threads.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import _backend_id, available_backends
from tests.e2e.dap_client import DapClient
from tests.e2e.helpers import line, path

PROGRAM = "soak_target.py"


def soak(config: dict, stops: int, cycles: int, threads: int) -> str:
    program = path(PROGRAM)
    hit = {"line": line(PROGRAM, "hit")}
    dap = DapClient()
    try:
        start = time.monotonic()
        dap.launch(
            program=program,
            args=[str(stops), str(threads)],
            frameEval=config,
            breakpoints={program: [hit]},
            exception_filters=[],  # it ends with sys.exit(5), uncaught as in debugpy
        )
        for _ in range(stops):
            thread_id = dap.wait_stopped("breakpoint")["body"]["threadId"]
            frame = dap.request("stackTrace", {"threadId": thread_id})["body"]["stackFrames"][0]
            scope = dap.request("scopes", {"frameId": frame["id"]})["body"]["scopes"][0]
            for var in dap.request(
                "variables", {"variablesReference": scope["variablesReference"]}
            )["body"]["variables"]:
                if var.get("variablesReference"):
                    dap.request("variables", {"variablesReference": var["variablesReference"]})
            dap.request("continue", {"threadId": thread_id})
        stops_done = time.monotonic()
        cycle = {"line": line(PROGRAM, "cycle"), "condition": "False"}
        for _ in range(cycles):
            dap.request(
                "setBreakpoints", {"source": {"path": program}, "breakpoints": [hit, cycle]}
            )
            dap.request("setBreakpoints", {"source": {"path": program}, "breakpoints": [hit]})
        for _ in range(threads):
            thread_id = dap.wait_stopped("breakpoint")["body"]["threadId"]
            dap.request("continue", {"threadId": thread_id})
        code = dap.wait_exit()
        out = dap.output("stdout")
        before = int(re.search(r"rss-start (\d+)", out).group(1))
        after = int(re.search(r"rss-end (\d+)", out).group(1))
        return (
            f"{stops} stops in {stops_done - start:.0f} s ({(stops_done - start) / stops * 1000:.1f} ms each), "
            f"{cycles} set/clear cycles, {threads} threads; exit {code}; "
            f"RSS {before / 1024:.1f} MB -> {after / 1024:.1f} MB"
        )
    finally:
        dap.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=10_000)
    parser.add_argument("--cycles", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--backend")
    args = parser.parse_args()
    for config in available_backends():
        name = _backend_id(config)
        if args.backend and name != args.backend:
            continue
        result = soak(config, args.stops, args.cycles, args.threads)
        print(f"python {sys.version.split()[0]} {name}: {result}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
