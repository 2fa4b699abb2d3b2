"""``python -m dapper.pm FILE [ARGS...]``: pdb's post-mortem with Dapper. The
program runs without stopping at its first line; an uncaught exception stops
it where it was raised, with ``dapper debug``'s prompt (the same as
``dapper debug --pm``)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from dapper.terminal.app import main as debug

    return debug(["--pm", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
