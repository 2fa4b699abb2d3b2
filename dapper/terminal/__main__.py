"""``python -m dapper.terminal FILE`` is ``dapper debug FILE``."""

import sys

from dapper.terminal.app import main

sys.exit(main())
