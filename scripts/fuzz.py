"""Long fuzz run (issue 15): ``python scripts/fuzz.py [--messages N] [--backend NAME] [--seed S]``.

Sends N hostile messages (default 10**5) in batches of 1-8 to a stopped
program through one real adapter session per backend, checking after each
batch that a ``threads`` request is answered and at the end that the program
prints all its output and exits with its own code. The messages are the CI
property test's shapes (tests/e2e/fuzz_messages.py) drawn from a seeded
``random.Random`` rather than Hypothesis, whose drawing alone would limit the
run to ~150 messages/s; the same seed sends the same messages. Prints one
result line per backend (for docs/reliability.md). Needs the test extra.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import _backend_id, available_backends
from tests.e2e.fuzz_messages import random_batches
from tests.e2e.test_fuzz import batches_driver, run_fuzz_session


def first_messages(seed: int, messages: int, counted: list[int]) -> Iterator[list[bytes]]:
    """Batches from ``seed`` until ``messages`` frames (the last batch cut
    short); ``counted[0]`` counts the batches handed out."""
    left = messages
    for batch in random_batches(seed):
        if left <= 0:
            return
        counted[0] += 1
        yield batch[:left]
        left -= len(batch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--backend", help="only this backend (settrace, sys.monitoring, eval_frame)"
    )
    parser.add_argument("--seed", type=int, help="default: a random one, printed")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    status = 0
    for config in available_backends():
        name = _backend_id(config)
        if args.backend and name != args.backend:
            continue
        start = time.monotonic()
        batches = [0]
        try:
            sent = run_fuzz_session(
                config,
                batches_driver(first_messages(seed, args.messages, batches)),
                long_run=True,
            )
            outcome = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, and the exit status says so
            sent, outcome, status = -1, f"FAILED: {type(exc).__name__}: {exc}"[:500], 1
        elapsed = time.monotonic() - start
        print(
            f"python {sys.version.split()[0]} {name} seed {seed}: {sent} messages "
            f"in {batches[0]} batches, {elapsed:.0f} s "
            f"({max(sent, 0) / elapsed:.0f}/s), {outcome}",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
