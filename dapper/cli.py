"""The ``dapper`` console command: subcommands for people, not editors."""

from __future__ import annotations

import argparse
import sys

from dapper import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dapper", description="Dapper, a Python debugger that speaks DAP."
    )
    parser.add_argument("--version", action="version", version=f"dapper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    doctor = sub.add_parser(
        "doctor", help="show which backends work on this interpreter and what 'auto' picks"
    )
    doctor.add_argument(
        "--python",
        metavar="PATH",
        help="check this interpreter instead (as a launch's 'python' argument would use it)",
    )
    sub.add_parser(
        "adapter",
        help="run the DAP adapter on stdio (same as python -m dapper.adapter)",
        add_help=False,
    )
    sub.add_parser(
        "debug", help="debug a program in the terminal with pdb's commands", add_help=False
    )
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["debug"]:
        # Everything after 'debug' belongs to it (and to the program it runs).
        from dapper.terminal.app import main as debug_main

        return debug_main(argv[1:])
    args, rest = parser.parse_known_args(argv)
    if args.command == "doctor":
        return _doctor(args.python)
    if args.command == "adapter":
        from dapper.adapter.__main__ import main as adapter_main

        return adapter_main(rest)
    parser.print_help()
    return 0 if args.command is None else 2


def _doctor(python: str | None) -> int:
    """``dapper doctor``: refuse an unsupported interpreter first, in one line."""
    from dapper import interpreters

    if python is not None:
        refusal = interpreters.probe_refusal([python])
        if refusal is not None:
            print(refusal)
            return 1
        import subprocess

        return subprocess.call([python, "-m", "dapper.cli", "doctor"], env=_env_finding_dapper())
    refusal = interpreters.refusal_for_running()
    if refusal is not None:
        print(refusal)
        return 1
    from dapper._frame_eval.doctor import run_doctor

    return run_doctor(sys.stdout)


def _env_finding_dapper() -> dict[str, str]:
    """This process's environment, with this Dapper first on the import path."""
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


if __name__ == "__main__":
    sys.exit(main())
