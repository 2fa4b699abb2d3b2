"""``python -m dapper``: run a program under the debugger engine."""

import sys

if __name__ == "__main__":
    from dapper.interpreters import refusal_for_running

    refusal = refusal_for_running()
    if refusal is not None:
        # Before anything that needs 3.11: say why, instead of failing inside the debugger.
        print(f"dapper: {refusal}", file=sys.stderr)
        sys.exit(2)
    from dapper.launcher import main

    sys.exit(main())
