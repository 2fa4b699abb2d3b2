"""asyncio workload: ten tasks taking turns on one loop, 30k turns (times the size factor)."""

import asyncio

from _report import report, size_from_argv, timer


async def worker(turns):
    total = 0
    for i in range(turns):
        total += i  # BENCH:hot
        await asyncio.sleep(0)
    return total


async def never_called():
    return 0  # BENCH:never


async def run(n):
    totals = await asyncio.gather(*(worker(n // 10) for _ in range(10)))
    if sum(totals) < 0:
        print("unreachable")  # BENCH:after
    return totals


def main():
    n = max(10, int(30_000 * size_from_argv()))
    start = timer()
    asyncio.run(run(n))
    report(start, n // 10 * 10)


main()
