"""What a debugged child process costs: a spawn pool (4 workers x 1,000 tasks)
and 20 sequential ``subprocess.run`` calls, under each debugger with child
debugging on, side by side with plain runs in the same rounds.

The client serves ``startDebugging`` as editors do: for Dapper it starts a new
``python -m dapper.adapter`` and sends the ``attach`` it was given; for debugpy
it connects to the ``connect`` address (debugpy's adapter) and sends it there.
The cost per child is the extra time over plain, less the same debugger's
extra time on a program that starts no child, divided by the children started
(4 pool workers, 20 runs), each difference taken within one round. The same is
computed from CPU time (user + system of every process of the run: adapters,
program, children), which a loaded machine disturbs far less than wall time.

A pool worker whose session is still being set up when the pool has done its
work is ended by the pool (``terminate()``); its session ends before it was
configured. That is counted (``ended early``), not an error.

The benchmark makes itself the reaper of orphaned descendants (Linux), so the
CPU time of a process a debugger leaves behind (debugpy's adapter does not wait
for all of its helpers) is counted in the run that started it. It compiles
Dapper's bytecode first, as installing it does (debugpy's comes from pip).

    python -m benchmarks.children [--rounds N] [--debuggers a,b] [--connect] [--json PATH]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks import session
from benchmarks.debuggers import (
    Debugger,
    available_debuggers,
    compile_dapper,
    debuggee_env,
    versions,
)
from benchmarks.workloads import script
from dapper.protocol import messages
from dapper.protocol.client import DapClient, DapError, body_of, close_adapter
from dapper.protocol.connection import Connection, socket_connection

#: workload -> debugged children it starts
WORKLOADS = {"no_children": 0, "child_pool": 4, "child_runs": 20}


class ChildSessions:
    """Serves ``startDebugging`` for every session of one run."""

    def __init__(self, debugger: Debugger, *, direct: bool = False) -> None:
        self.debugger = debugger
        #: connect to ``connect`` even for Dapper (its engine speaks DAP) instead
        #: of starting an adapter per child
        self.direct = direct
        self.started: list[tuple[DapClient, subprocess.Popen | None]] = []
        self.errors: list[str] = []
        #: sessions whose child ended before they were configured
        self.ended_early = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def hook(self, client_of: Callable[[], DapClient]) -> Callable[[dict[str, Any]], bool]:
        """An ``on_request`` hook answering ``startDebugging`` on ``client_of()``."""

        def on_request(message: dict[str, Any]) -> bool:
            if message.get("command") != "startDebugging":
                return False
            thread = threading.Thread(target=self._start, args=(client_of(), message), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()
            return True

        return on_request

    def _start(self, parent: DapClient, request: dict[str, Any]) -> None:
        parent.send(messages.response(request))
        configuration = request["arguments"]["configuration"]
        process = None
        holder: dict[str, DapClient] = {}
        try:
            if self.debugger.kind == "dapper" and not self.direct:
                process = subprocess.Popen(
                    self.debugger.adapter_argv(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=debuggee_env({}),
                )
                assert process.stdout is not None and process.stdin is not None
                connection = Connection(process.stdout, process.stdin, name="bench-child")
            else:
                connect = configuration["connect"]
                sock = socket.create_connection((connect["host"], connect["port"]))
                connection = socket_connection(sock, name="bench-child")
            client = holder["client"] = DapClient(
                connection, on_request=self.hook(lambda: holder["client"]), name="bench-child"
            )
            with self._lock:
                self.started.append((client, process))
            client.request(
                "initialize",
                {
                    "clientID": "dapper-bench",
                    "adapterID": "python",
                    "pathFormat": "path",
                    "supportsStartDebuggingRequest": True,
                },
            )
            seq = client.send_request("attach", configuration)
            client.event("initialized")
            client.request("setExceptionBreakpoints", self.debugger.exception_arguments(False))
            client.request("configurationDone")
            body_of(client.response(seq))
        except (DapError, ConnectionError):
            # The child ended (a pool that finished its work) before its
            # session was configured (or, connecting directly, before it was
            # reached); a run that really failed ends without ``terminated``
            # and fails there.
            with self._lock:
                self.ended_early += 1
        except Exception as exc:  # noqa: BLE001 - reported with the results
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        """End every session, then wait for the threads serving them: a pool
        worker the pool ended while its session was being set up is counted
        (``ended_early``) only once its thread has seen that, and a session
        whose adapter was started a moment ago is ended too."""
        closed: set[int] = set()
        for _ in range(2):
            with self._lock:
                started, threads = list(self.started), list(self._threads)
            for client, process in started:
                if id(client) in closed:
                    continue
                closed.add(id(client))
                client.close()
                if process is not None:
                    close_adapter(process)
            for thread in threads:
                thread.join(timeout=30)


class Variant:
    """One column: a debugger, and for Dapper how the client reaches a child."""

    def __init__(self, debugger: Debugger, *, direct: bool = False) -> None:
        self.debugger = debugger
        self.direct = direct
        self.name = debugger.name + (" (connect)" if direct else "")
        self.is_plain = debugger.is_plain


def _adopt_orphans() -> None:
    """Become the reaper of orphaned descendants (``PR_SET_CHILD_SUBREAPER``)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: CPU time of orphans is not counted


def _reap_orphans(timeout: float = 10.0) -> None:
    """Wait for every descendant left behind, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _cpu_of_children() -> float:
    """User + system seconds of every process this one has reaped (with what
    they reaped in turn)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(variant: Variant, workload: str) -> tuple[float, float, int, int]:
    """Seconds from start to the end of the program, CPU seconds of the run,
    child sessions started and of those how many ended before configured."""
    cpu = _cpu_of_children()
    seconds, started, early = _run(variant, workload)
    _reap_orphans()
    return seconds, _cpu_of_children() - cpu, started, early


def _run(variant: Variant, workload: str) -> tuple[float, int, int]:
    debugger = variant.debugger
    program = script(workload)
    plan = session.Plan(program)
    if debugger.is_plain:
        return session.run_plain_untimed(plan).finished or 0.0, 0, 0
    children = ChildSessions(debugger, direct=variant.direct)
    runs: list[session.DebugSession] = []
    try:
        with session.DebugSession(
            debugger, plan, on_request=children.hook(lambda: runs[0].client)
        ) as run:
            runs.append(run)
            run.configure(serve_children=True)
            elapsed = run.wait_terminated()
    finally:
        children.close()
    if children.errors:
        raise RuntimeError(f"{debugger.name} {workload}: {children.errors[0]}")
    return elapsed, len(children.started), children.ended_early


def measure(
    debuggers: list[Variant], rounds: int, workloads: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    workloads = WORKLOADS if workloads is None else workloads
    #: (workload, debugger) -> one (wall seconds, CPU seconds) per round
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    sessions: dict[tuple[str, str], list[int]] = {}
    early: dict[tuple[str, str], int] = {}
    for number in range(rounds):
        for workload in workloads:
            for debugger in debuggers:
                seconds, cpu, started, ended_early = run_once(debugger, workload)
                key = (workload, debugger.name)
                samples.setdefault(key, []).append((seconds, cpu))
                sessions.setdefault(key, []).append(started)
                early[key] = early.get(key, 0) + ended_early
                print(
                    f"round {number + 1} {workload:<12} {debugger.name:<22} {seconds:7.3f} s"
                    f" cpu {cpu:7.3f} s ({started} child sessions, {ended_early} ended early)",
                    file=sys.stderr,
                    flush=True,
                )
    rows = []
    for workload, count in workloads.items():
        plain = samples[(workload, "plain")]
        for debugger in debuggers:
            own = samples[(workload, debugger.name)]
            row: dict[str, Any] = {
                "workload": workload,
                "debugger": debugger.name,
                "seconds": statistics.median(t for t, _ in own),
                "plain_seconds": statistics.median(p for p, _ in plain),
                "ratio": statistics.median(
                    t / p for (t, _), (p, _) in zip(own, plain, strict=True)
                ),
                "cpu_seconds": statistics.median(c for _, c in own),
                "plain_cpu_seconds": statistics.median(c for _, c in plain),
                "child_sessions": max(sessions[(workload, debugger.name)]),
                "ended_early": early[(workload, debugger.name)],
                "rounds": [list(sample) for sample in own],
            }
            if count and not debugger.is_plain:
                base = samples[("no_children", debugger.name)]
                base_plain = samples[("no_children", "plain")]
                for index, field in ((0, "per_child_ms"), (1, "per_child_cpu_ms")):
                    row[field] = statistics.median(
                        per_child(o[index], p[index], b[index], bp[index], count)
                        for o, p, b, bp in zip(own, plain, base, base_plain, strict=True)
                    )
            rows.append(row)
    return rows


def per_child(debugged: float, plain: float, base: float, base_plain: float, count: int) -> float:
    """Milliseconds one debugged child start adds: the run's extra over its
    plain run, less the session's own extra (the no-children program in the
    same round), divided by the children started."""
    return ((debugged - plain) - (base - base_plain)) / count * 1000


def table(rows: list[dict[str, Any]]) -> str:
    debugpy = {r["workload"]: r for r in rows if r["debugger"] == "debugpy"}
    lines = [
        "| workload | debugger | plain s | debugged s | ratio | child sessions (ended early)"
        " | per child ms | vs debugpy | per child CPU ms | CPU vs debugpy |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def versus(row: dict[str, Any], field: str) -> str:
        mine = row.get(field)
        theirs = debugpy.get(row["workload"], {}).get(field)
        return f"{mine / theirs:.2f}" if mine is not None and theirs else ""

    for r in rows:
        if r["debugger"] == "plain":
            continue
        per = r.get("per_child_ms")
        cpu = r.get("per_child_cpu_ms")
        lines.append(
            f"| {r['workload']} | {r['debugger']} | {r['plain_seconds']:.3f} | {r['seconds']:.3f}"
            f" | {r['ratio']:.2f} | {r['child_sessions']} ({r['ended_early']})"
            f" | {'' if per is None else f'{per:.0f}'} | {versus(r, 'per_child_ms')}"
            f" | {'' if cpu is None else f'{cpu:.0f}'} | {versus(r, 'per_child_cpu_ms')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.children", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--debuggers", help="comma-separated names (plain always runs)")
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument(
        "--workloads",
        help="comma-separated: child_pool, child_runs (no_children, the base, always runs)",
    )
    parser.add_argument(
        "--connect",
        action="store_true",
        help="also run each Dapper backend with the client connecting to the child directly",
    )
    args = parser.parse_args(argv)
    found, skipped = available_debuggers()
    if args.debuggers:
        wanted = set(args.debuggers.split(","))
        found = [d for d in found if d.is_plain or d.name in wanted]
    for item in skipped:
        print(f"skipped {item['debugger']}: {item['reason']}", file=sys.stderr)
    started = time.time()
    variants = [Variant(d) for d in found]
    if args.connect:
        variants += [Variant(d, direct=True) for d in found if d.kind == "dapper"]
    workloads = dict(WORKLOADS)
    if args.workloads:
        wanted = {"no_children", *args.workloads.split(",")}
        workloads = {name: count for name, count in WORKLOADS.items() if name in wanted}
    _adopt_orphans()
    compile_dapper()
    rows = measure(variants, args.rounds, workloads)
    print(f"Python {sys.version.split()[0]}, {args.rounds} rounds, {versions()}")
    print(table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {"python": sys.version, "versions": versions(), "started": started, "rows": rows},
                handle,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
