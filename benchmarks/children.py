"""What a debugged child process costs: a spawn pool (4 workers x 1,000 tasks)
and 20 sequential ``subprocess.run`` calls, under each debugger with child
debugging on, side by side with plain runs in the same rounds.

The client serves ``startDebugging`` as editors do: for Dapper it starts a new
``python -m dapper.adapter`` and sends the ``attach`` it was given; for debugpy
it connects to the ``connect`` address (debugpy's adapter) and sends it there.
The cost per child is the extra time over plain, less the same debugger's
extra time on a program that starts no child, divided by the children started.

    python -m benchmarks.children [--rounds N] [--debuggers a,b] [--connect] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks import session
from benchmarks.debuggers import Debugger, available_debuggers, debuggee_env, versions
from benchmarks.workloads import script
from dapper.protocol import messages
from dapper.protocol.client import DapClient, body_of, close_adapter
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
        self._lock = threading.Lock()

    def hook(self, client_of: Callable[[], DapClient]) -> Callable[[dict[str, Any]], bool]:
        """An ``on_request`` hook answering ``startDebugging`` on ``client_of()``."""

        def on_request(message: dict[str, Any]) -> bool:
            if message.get("command") != "startDebugging":
                return False
            threading.Thread(target=self._start, args=(client_of(), message), daemon=True).start()
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
        except Exception as exc:  # noqa: BLE001 - reported with the results
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        for client, process in self.started:
            client.close()
            if process is not None:
                close_adapter(process)


class Variant:
    """One column: a debugger, and for Dapper how the client reaches a child."""

    def __init__(self, debugger: Debugger, *, direct: bool = False) -> None:
        self.debugger = debugger
        self.direct = direct
        self.name = debugger.name + (" (connect)" if direct else "")
        self.is_plain = debugger.is_plain


def run_once(variant: Variant, workload: str) -> tuple[float, int]:
    """Seconds from start to the end of the program, and child sessions started."""
    debugger = variant.debugger
    program = script(workload)
    plan = session.Plan(program)
    if debugger.is_plain:
        return session.run_plain_untimed(plan).finished or 0.0, 0
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
    return elapsed, len(children.started)


def measure(debuggers: list[Variant], rounds: int) -> list[dict[str, Any]]:
    samples: dict[tuple[str, str], list[float]] = {}
    sessions: dict[tuple[str, str], int] = {}
    for number in range(rounds):
        for workload in WORKLOADS:
            for debugger in debuggers:
                seconds, started = run_once(debugger, workload)
                samples.setdefault((workload, debugger.name), []).append(seconds)
                sessions[(workload, debugger.name)] = started
                print(
                    f"round {number + 1} {workload:<12} {debugger.name:<22} {seconds:7.3f} s"
                    f" ({started} child sessions)",
                    file=sys.stderr,
                    flush=True,
                )
    rows = []
    for workload, count in WORKLOADS.items():
        plain = samples[(workload, "plain")]
        for debugger in debuggers:
            own = samples[(workload, debugger.name)]
            extra = [t - p for t, p in zip(own, plain, strict=True)]
            base = [
                t - p
                for t, p in zip(
                    samples[("no_children", debugger.name)],
                    samples[("no_children", "plain")],
                    strict=True,
                )
            ]
            row: dict[str, Any] = {
                "workload": workload,
                "debugger": debugger.name,
                "seconds": statistics.median(own),
                "plain_seconds": statistics.median(plain),
                "ratio": statistics.median([t / p for t, p in zip(own, plain, strict=True)]),
                "child_sessions": sessions[(workload, debugger.name)],
            }
            if count and not debugger.is_plain:
                row["per_child_ms"] = statistics.median(
                    [(e - b) / count * 1000 for e, b in zip(extra, base, strict=True)]
                )
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    debugpy = {r["workload"]: r.get("per_child_ms") for r in rows if r["debugger"] == "debugpy"}
    lines = [
        "| workload | debugger | plain s | debugged s | ratio | child sessions | per child ms | vs debugpy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["debugger"] == "plain":
            continue
        per = r.get("per_child_ms")
        against = debugpy.get(r["workload"])
        versus = f"{per / against:.2f}" if per is not None and against else ""
        lines.append(
            f"| {r['workload']} | {r['debugger']} | {r['plain_seconds']:.3f} | {r['seconds']:.3f}"
            f" | {r['ratio']:.2f} | {r['child_sessions']} | {'' if per is None else f'{per:.0f}'}"
            f" | {versus} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.children", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--debuggers", help="comma-separated names (plain always runs)")
    parser.add_argument("--json", help="write the rows here")
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
    rows = measure(variants, args.rounds)
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
