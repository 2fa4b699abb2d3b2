"""Mixed workload: JSON encode/decode, regular expressions, dataclasses, a
generator pipeline and a recursive walk, repeated for a number of rounds."""

import json
import re
from dataclasses import asdict, dataclass, field

from _report import report, size_from_argv, timer

ITEMS = 200
WORD = re.compile(r"[a-z]+(\d+)")


@dataclass
class Item:
    name: str
    weight: int
    tags: list = field(default_factory=list)


def make_items(seed):
    return [
        Item(f"item{seed + i}", (seed * 31 + i) % 97, [f"t{i % 5}", f"k{i % 3}"])
        for i in range(ITEMS)
    ]


def numbers(items):
    for item in items:
        match = WORD.match(item.name)
        yield int(match.group(1)) + item.weight


def scaled(values):
    for value in values:
        yield value * 3 % 101  # BENCH:hot


def evens(values):
    return (value for value in values if value % 2 == 0)


def walk(node, depth=0):
    if isinstance(node, dict):
        return sum(walk(value, depth + 1) for value in node.values())
    if isinstance(node, list):
        return sum(walk(value, depth + 1) for value in node)
    return depth


def never_called():
    return 0  # BENCH:never


def one_round(seed):
    items = make_items(seed)
    text = json.dumps([asdict(item) for item in items])
    decoded = json.loads(text)
    total = sum(evens(scaled(numbers(items))))
    return total + walk({"items": decoded})


def run(rounds):
    total = 0
    for seed in range(rounds):
        total += one_round(seed)
    if total < 0:
        print("unreachable")  # BENCH:after
    return total


def main():
    rounds = max(1, int(500 * size_from_argv()))
    start = timer()
    run(rounds)
    report(start, rounds * ITEMS)


main()
