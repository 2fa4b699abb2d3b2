"""Attach by process id: seconds from the ``attach`` request to the first stop at
a breakpoint, for Dapper and (when installed) debugpy, side by side in one run.

    python -m benchmarks.attach_pid [--rounds N]

It measures the interpreter that runs it (CPython 3.14+: ``sys.remote_exec``;
3.11-3.13: gdb, see docs/decisions/008-attach-by-pid.md). Two plain programs are
attached to: ``sleeping`` (its main thread sleeps between calls, so threads
release the GIL) and ``busy`` (a pure-Python loop that never releases it).
The time includes starting gdb (3.11-3.13), the injection, the engine's start
and connection, the breakpoint being set and hit. Rounds are interleaved across
debuggers; the median is shown, with the spread.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

from dapper.protocol.client import DapClient, body_of, close_adapter
from dapper.protocol.connection import Connection

#: Both programs: a function with the breakpoint, called in a loop whose body
#: either sleeps a little (``sleeping``) or not (``busy``).
PROGRAM = """\
import time
print("ready", flush=True)

def tick(n):
    return n + 1  # @stop

n = 0
while True:
    n = tick(n)
"""
PROGRAMS = {"sleeping": PROGRAM + "    time.sleep(0.01)\n", "busy": PROGRAM}


def _stop_line(source: str) -> int:
    return next(i for i, text in enumerate(source.splitlines(), 1) if "# @stop" in text)


def attach_once(adapter_module: str, program: str, stop_line: int) -> float:
    target = subprocess.Popen(
        [sys.executable, program], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    adapter = None
    client = None
    try:
        assert target.stdout is not None and target.stdout.readline() == "ready\n"
        adapter = subprocess.Popen(
            [sys.executable, "-m", adapter_module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        client = DapClient(Connection(adapter.stdout, adapter.stdin, name="bench"))
        client.request("initialize", {"clientID": "dapper-bench", "adapterID": "python"})
        started = time.perf_counter()
        seq = client.send_request("attach", {"processId": target.pid, "justMyCode": True})
        client.event("initialized", 60)
        client.request(
            "setBreakpoints", {"source": {"path": program}, "breakpoints": [{"line": stop_line}]}
        )
        client.request("configurationDone")
        body_of(client.response(seq, timeout=60))
        client.event("stopped", 60)
        took = time.perf_counter() - started
        client.request("disconnect", {"terminateDebuggee": False})
        return took
    finally:
        if client is not None:
            client.close()
        if adapter is not None:
            close_adapter(adapter)
        target.kill()
        target.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    adapters = {"dapper": "dapper.adapter"}
    if importlib.util.find_spec("debugpy") is not None:
        adapters["debugpy"] = "debugpy.adapter"
    how = "sys.remote_exec" if sys.version_info >= (3, 14) else "gdb"
    print(f"CPython {sys.version.split()[0]}; Dapper through {how}; {options.rounds} rounds")
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="dapper-attach-bench-") as folder:
        programs = {}
        for name, source in PROGRAMS.items():
            programs[name] = os.path.join(folder, f"{name}.py")
            with open(programs[name], "w", encoding="utf-8") as handle:
                handle.write(source)
        for number in range(1, options.rounds + 1):
            for name, program in programs.items():
                for debugger, module in adapters.items():
                    try:
                        took = attach_once(module, program, _stop_line(PROGRAMS[name]))
                    except Exception as exc:  # noqa: BLE001  # a failed attach is a result too
                        print(f"  {debugger} {name}: failed ({type(exc).__name__}: {exc})")
                        continue
                    samples.setdefault((debugger, name), []).append(took)
            print(f"  round {number}/{options.rounds}", file=sys.stderr, flush=True)
    print(f"{'debugger':<10} {'program':<10} {'median s':>9} {'min s':>7} {'max s':>7}  n")
    for (debugger, name), values in sorted(samples.items()):
        print(
            f"{debugger:<10} {name:<10} {statistics.median(values):>9.2f} "
            f"{min(values):>7.2f} {max(values):>7.2f}  {len(values)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
