"""Run inside a private network namespace: a launch session while a hostile
process races for the adapter's connect-back port. Prints one JSON line with
what each side saw. Usage: hijack_scenario.py FRAME_EVAL_JSON WORKDIR"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.dap_client import DapClient

HERE = Path(__file__).resolve().parent


def main() -> None:
    frame_eval = json.loads(sys.argv[1])
    work = Path(sys.argv[2])
    marker, result = work / "connected", work / "result.json"
    program = work / "prog.py"
    program.write_text(
        "import os\nprint('program ran', os.environ.get('SECRET_KEY'))\nraise SystemExit(3)\n",
        encoding="utf-8",
    )
    hijacker = subprocess.Popen(
        [sys.executable, str(HERE / "hijacker.py"), str(marker), str(result)],
        stdin=subprocess.PIPE,
    )
    dap = DapClient()
    outcome: dict = {}
    try:
        dap.launch(
            program=str(program),
            python=[sys.executable, str(HERE / "gate.py")],
            env={"SECRET_KEY": "hunter2", "HIJACK_MARKER": str(marker)},
            frameEval=frame_eval,
            # SystemExit(3) would stop as uncaught (as in debugpy): not this test's subject.
            exception_filters=[],
        )
        outcome["exit_code"] = dap.wait_exit()
        outcome["stdout"] = dap.output("stdout")
        outcome["console"] = dap.output("console")
        outcome["invalid"] = dap.invalid
    finally:
        dap.close()
        hijacker.stdin.close()
        hijacker.wait(timeout=60)
    outcome["hijacker"] = json.loads(result.read_text())
    print(json.dumps(outcome))


if __name__ == "__main__":
    sys.exit(main())
