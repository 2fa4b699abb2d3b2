"""Used as the launch 'python': holds the debuggee back until the hijacker has
connected (MARKER exists), so the race is always won by the hijacker."""

import os
import sys
import time

marker = os.environ["HIJACK_MARKER"]
while not os.path.exists(marker):
    time.sleep(0.01)  # polling for the condition, not a fixed wait
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
