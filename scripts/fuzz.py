"""Long fuzz run (issue 15): ``python scripts/fuzz.py [--messages N] [--backend NAME]``.

Sends about N hostile messages (default 10**5) in batches to a stopped program
through a real adapter, checking after each batch that a valid request is
answered and at the end that the program prints all its output and exits with
its own code. Prints one result line per backend (for docs/reliability.md).
Needs the test extra (hypothesis, jsonschema).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import _backend_id, available_backends
from tests.e2e.test_fuzz import run_fuzz_session

AVERAGE_BATCH = 4.5  # BATCHES draws 1-8 frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--backend", help="only this backend (settrace, sys.monitoring, eval_frame)"
    )
    args = parser.parse_args()
    status = 0
    for config in available_backends():
        name = _backend_id(config)
        if args.backend and name != args.backend:
            continue
        start = time.monotonic()
        try:
            sent = run_fuzz_session(config, max(1, int(args.messages / AVERAGE_BATCH)))
            outcome = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, and the exit status says so
            sent, outcome, status = -1, f"FAILED: {type(exc).__name__}: {exc}"[:500], 1
        print(
            f"python {sys.version.split()[0]} {name}: {sent} messages, "
            f"{time.monotonic() - start:.0f} s, {outcome}",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
