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

from dapper.interpreters import FIRST_SUPPORTED, LAST_TESTED
from tests.e2e.dap_client import DapClient

#: builds packages / runs whole benchmark sessions in processes
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SUPPORTED = (
    sys.implementation.name == "cpython" and FIRST_SUPPORTED <= sys.version_info[:2] <= LAST_TESTED
)


def _run(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _fresh_sdist(tmp_path: Path) -> str:
    """An sdist built from a copy of the project's files, without build outputs."""
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
    return sdist


def _pip_install(sdist: str, target: Path, *options: str, env: dict | None = None):
    installed = _run(
        sys.executable,
        "-m",
        "pip",
        "install",
        *options,
        "--no-deps",
        "--no-build-isolation",
        "--target",
        str(target),
        sdist,
        env=env,
    )
    assert installed.returncode == 0, installed.stderr
    return installed


@pytest.mark.skipif(not SUPPORTED, reason="the hook is built for CPython 3.11-3.15 only")
def test_pip_installs_a_working_hook_from_a_fresh_sdist(tmp_path):
    sdist = _fresh_sdist(tmp_path)
    target = tmp_path / "site"
    _pip_install(sdist, target, "-q")
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


def test_pip_install_without_a_c_compiler_gives_a_working_debugger(tmp_path):
    """CC=false: the build says in one line what is missing and what it costs, installs
    pure-Python Dapper, and that Dapper debugs a program (breakpoint, evaluate, exit)."""
    sdist = _fresh_sdist(tmp_path)
    target = tmp_path / "site"
    installed = _pip_install(sdist, target, "-v", env=dict(os.environ, CC="false"))
    build_output = installed.stdout + installed.stderr
    lines = [line for line in build_output.splitlines() if "no working C compiler" in line]
    assert len(lines) == 1, build_output[-3000:]
    assert "eval_frame" in lines[0] and "audit filter" in lines[0] and "slower" in lines[0]
    assert not list(target.rglob("*.so")), "nothing compiled without a compiler"

    env = {"PYTHONPATH": str(target)}
    doctor = _run(
        sys.executable, "-m", "dapper.cli", "doctor", cwd=tmp_path, env=dict(os.environ, **env)
    )
    assert doctor.returncode == 0, doctor.stderr
    assert "not compiled" in doctor.stdout and "slower" in doctor.stdout

    program = tmp_path / "program.py"
    program.write_text("import dapper\nvalue = 41\nvalue += 1\nprint(dapper.__file__)\n")
    # Adapter and program both import the installed copy, not the checkout.
    dap = DapClient(env=env, cwd=str(tmp_path))
    try:
        dap.launch(
            program=str(program), cwd=str(tmp_path), breakpoints={str(program): [{"line": 3}]}
        )
        stopped = dap.wait_stopped("breakpoint")
        frame = dap.top_frame(stopped["body"]["threadId"])
        assert frame["line"] == 3
        value = dap.request("evaluate", {"expression": "value", "frameId": frame["id"]})
        assert value["body"]["result"] == "41"
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_exit() == 0
        assert dap.output("stdout").strip().startswith(str(target))
    finally:
        dap.close()
    assert dap.invalid == []
