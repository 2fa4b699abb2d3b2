"""The sdist carries everything the compiled hook needs: pip builds it from there."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

#: builds packages / runs whole benchmark sessions in processes
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SUPPORTED = sys.implementation.name == "cpython" and (3, 11) <= sys.version_info[:2] <= (3, 13)


def _run(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not SUPPORTED, reason="the hook is built for CPython 3.11-3.13 only")
def test_pip_installs_a_working_hook_from_a_fresh_sdist(tmp_path):
    # Build the sdist from a copy of the project's files, without build outputs.
    checkout = tmp_path / "checkout"
    listed = _run("git", "ls-files", "-co", "--exclude-standard", cwd=REPO)
    assert listed.returncode == 0, listed.stderr
    for name in listed.stdout.splitlines():
        source = REPO / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    dist = tmp_path / "dist"
    built = _run(sys.executable, "setup.py", "-q", "sdist", "-d", str(dist), cwd=checkout)
    assert built.returncode == 0, built.stderr
    (sdist,) = glob.glob(str(dist / "*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("dapper/_frame_eval/_frame_evaluator.pyx") for n in names)
    assert any(n.endswith("dapper/_frame_eval/_frame_evaluator_compat.h") for n in names)
    assert any(n.endswith("dapper/_audit_filter.pyx") for n in names)
    assert not any(n.endswith(".so") for n in names)

    target = tmp_path / "site"
    installed = _run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--target",
        str(target),
        sdist,
    )
    assert installed.returncode == 0, installed.stderr
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = _run(
        sys.executable,
        "-c",
        "import dapper, dapper._audit_filter, dapper._frame_eval._frame_evaluator as h;"
        " print(dapper.__file__); print(h.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert probe.returncode == 0, probe.stderr
    package_file, hook_file = probe.stdout.split()
    assert package_file.startswith(str(target)) and hook_file.startswith(str(target))
