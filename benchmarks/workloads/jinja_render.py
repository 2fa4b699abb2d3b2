"""A Jinja2 Environment (FileSystemLoader) rendering one template 10,000 times
(times the size): what template debugging costs when no template breakpoint
is set. The template is compiled once, as a real program would."""

import os

import jinja2
from _report import report, size_from_argv, timer

HERE = os.path.dirname(os.path.abspath(__file__))


def never_called():
    return 0  # BENCH:never


def main():
    n = max(1, int(10_000 * size_from_argv()))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")))
    start = timer()
    for _ in range(n):
        page = env.get_template("bench.j2").render(
            who="bench", items=["a", "b", "c", "d"]
        )  # BENCH:hot
    report(start, n)
    assert "(4)" in page


main()
