"""``python -m dapper``: run a program under the debugger engine."""

import sys

from dapper.launcher import main

if __name__ == "__main__":
    sys.exit(main())
