"""20 sequential subprocess.run calls of the same interpreter."""

import subprocess
import sys

for _ in range(20):
    subprocess.run([sys.executable, "-c", "x = 1"], check=True)
print("done")
