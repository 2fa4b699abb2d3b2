"""The ``dapper`` console command: subcommands for people, not editors."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dapper", description="Dapper, a Python debugger that speaks DAP."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "doctor", help="show which backends work on this interpreter and what 'auto' picks"
    )
    sub.add_parser(
        "adapter",
        help="run the DAP adapter on stdio (same as python -m dapper.adapter)",
        add_help=False,
    )
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.command == "doctor":
        from dapper._frame_eval.doctor import run_doctor

        return run_doctor(sys.stdout)
    if args.command == "adapter":
        from dapper.adapter.__main__ import main as adapter_main

        return adapter_main(rest)
    parser.print_help()
    return 0 if args.command is None else 2


if __name__ == "__main__":
    sys.exit(main())
