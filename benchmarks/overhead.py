"""``python -m benchmarks.overhead``: Dapper's overhead and session latency
next to a plain run and debugpy, on the interpreter that runs it."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from typing import Any

from benchmarks.debuggers import available_debuggers, compile_dapper, versions
from benchmarks.latency import measure_latency
from benchmarks.measure import measure_overhead
from benchmarks.report import render
from benchmarks.scenarios import matrix, quick_matrix

#: (size, latency runs, next steps, inspection repeats) per mode.
FULL = {"size": 1.0, "latency_runs": 7, "steps": 200, "repeats": 20}
QUICK = {"size": 0.1, "latency_runs": 3, "steps": 30, "repeats": 5}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and fewer scenarios (under a minute)"
    )
    parser.add_argument(
        "--size", type=float, help="workload size factor (1.0: about a second plain)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds; medians need at least 5"
    )
    parser.add_argument("--json", metavar="PATH", help="write machine-readable results here")
    parser.add_argument("--compare", action="store_true", help="show Dapper's ratio over debugpy's")
    parser.add_argument(
        "--debuggers",
        help="comma-separated subset, e.g. dapper-settrace,debugpy (plain always runs)",
    )
    parser.add_argument(
        "--scenarios",
        help="comma-separated subset of attached,bp_never,bp_after,cond_false,hit_count,"
        "logpoint,raised",
    )
    parser.add_argument(
        "--traced-too",
        action="store_true",
        help="also run each Dapper backend with instrumentedCode off (rows named *-traced)",
    )
    parser.add_argument(
        "--workloads", help="comma-separated subset, e.g. id_heavy (with the scenarios chosen)"
    )
    parser.add_argument(
        "--no-debugpy", action="store_true", help="leave debugpy out even when installed"
    )
    parser.add_argument(
        "--no-latency", action="store_true", help="skip the session latency measurements"
    )
    parser.add_argument("--no-overhead", action="store_true", help="skip the overhead measurements")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="compare the program's CPU time instead of the wall clock (for a loaded machine)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.size is not None and args.size <= 0:
        parser.error("--size must be positive")
    return args


def _select(args: argparse.Namespace) -> tuple[list[Any], list[dict[str, str]]]:
    debuggers, skipped = available_debuggers(
        with_debugpy=not args.no_debugpy,
        traced_too=args.traced_too,
        with_no_debug="noDebug" in (args.debuggers or ""),
    )
    if args.debuggers:
        wanted = {name.strip() for name in args.debuggers.split(",") if name.strip()}
        kept = [d for d in debuggers if d.is_plain or d.name in wanted]
        skipped += [
            {"debugger": d.name, "reason": "not selected"} for d in debuggers if d not in kept
        ]
        debuggers = kept
    return debuggers, skipped


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure and return the results document (what --json writes)."""
    mode = QUICK if args.quick else FULL
    size = args.size if args.size is not None else mode["size"]
    debuggers, skipped = _select(args)
    # Start-up rows must not charge Dapper for compiling itself from source
    # (a checkout, or PYTHONDONTWRITEBYTECODE) while debugpy loads its bytecode.
    compile_dapper()

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.scenarios:
        pairs = matrix([name.strip() for name in args.scenarios.split(",") if name.strip()])
    else:
        pairs = quick_matrix() if args.quick else matrix()
    if args.workloads:
        wanted = {name.strip() for name in args.workloads.split(",") if name.strip()}
        pairs = [(workload, scenario) for workload, scenario in pairs if workload in wanted]
    overhead = []
    if not args.no_overhead:
        overhead = measure_overhead(
            debuggers,
            pairs,
            rounds=args.rounds,
            size=size,
            progress=progress,
            clock="cpu_seconds" if args.cpu_time else "seconds",
        )
    latency = []
    if not args.no_latency:
        latency = measure_latency(
            debuggers,
            runs=mode["latency_runs"],
            steps=mode["steps"],
            repeats=mode["repeats"],
            progress=progress,
        )
    return {
        "meta": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "versions": versions(),
            "size": size,
            "rounds": args.rounds,
            "quick": args.quick,
            "clock": "cpu" if args.cpu_time else "wall",
        },
        "debuggers": [d.name for d in debuggers],
        "skipped": skipped,
        "overhead": overhead,
        "latency": latency,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    print(render(results, compare=args.compare))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
