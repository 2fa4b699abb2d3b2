"""Scenarios that run inside a private network namespace (``unshare -rn``), so
hostile connections and wildcard listeners never touch the machine's network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.e2e.dap_client import REPO_ROOT


def netns_available() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rn", "ip", "link", "set", "lo", "up"], capture_output=True, check=False
    )
    return probe.returncode == 0


def run_in_netns(module: str, *args: str, timeout: float = 120) -> dict:
    """Run ``python -m module args`` in a new network namespace with only a
    loopback interface; its last stdout line is JSON, returned."""
    if not netns_available():
        pytest.skip("unprivileged network namespaces (unshare -rn) are not available here")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    completed = subprocess.run(
        [
            "unshare",
            "-rn",
            "sh",
            "-c",
            'ip link set lo up && exec "$0" "$@"',
            sys.executable,
            "-m",
            module,
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(REPO_ROOT),
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
