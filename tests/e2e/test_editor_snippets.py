"""The README's nvim-dap snippet, run in headless Neovim, drives a real session.

nvim-dap itself cannot be installed here (it is not packaged by Debian and its
repository is out of reach), so ``require("dap")`` is served by a plain table:
the README's Lua runs verbatim in a real Neovim, and the adapter command and
configurations it leaves in ``dap.adapters``/``dap.configurations`` are then
used exactly as nvim-dap would: the command is started and spoken to over
stdio, with ``${file}``/``${workspaceFolder}`` substituted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.dap_client import DapClient
from tests.e2e.helpers import line, path

README = Path(__file__).resolve().parents[2] / "README.md"
NVIM = shutil.which("nvim")

HARNESS = """
package.preload["dap"] = function() return { adapters = {}, configurations = {} } end
local ok, err = pcall(dofile, vim.env.SNIPPET)
local out = io.open(vim.env.RESULT, "w")
if ok then
  local dap = require("dap")
  out:write(vim.fn.json_encode({ adapter = dap.adapters.dapper, configurations = dap.configurations.python }))
else
  out:write(vim.fn.json_encode({ error = tostring(err) }))
end
out:close()
vim.cmd("qall!")
"""


def readme_snippet(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    matching = [block for block in blocks if marker in block]
    assert len(matching) == 1, f"expected one {language} block with {marker!r} in README.md"
    return matching[0]


def _python_dir_first_on_path() -> dict[str, str]:
    """The environment a user has with the venv holding Dapper activated."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    # Dapper must come from the interpreter's own install, as for a user.
    env.pop("PYTHONPATH", None)
    return env


def run_snippet_in_neovim(tmp_path: Path, snippet: str) -> dict:
    (tmp_path / "snippet.lua").write_text(snippet, encoding="utf-8")
    (tmp_path / "harness.lua").write_text(HARNESS, encoding="utf-8")
    env = _python_dir_first_on_path()
    env.update(SNIPPET=str(tmp_path / "snippet.lua"), RESULT=str(tmp_path / "result.json"))
    subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {tmp_path / 'harness.lua'}"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))


needs_nvim = pytest.mark.skipif(NVIM is None, reason="Neovim (Debian's neovim) is not installed")


@needs_nvim
def test_snippet_is_valid_lua_that_neovim_runs(tmp_path: Path) -> None:
    result = run_snippet_in_neovim(tmp_path, readme_snippet("lua", 'require("dap")'))
    assert "error" not in result, result.get("error")
    adapter = result["adapter"]
    assert adapter["type"] == "executable"
    assert adapter["args"] == ["-m", "dapper.adapter"]
    # vim.fn.exepath("python3") names the interpreter Dapper is installed in.
    assert os.path.samefile(adapter["command"], Path(sys.executable).parent / "python3")
    names = [c["name"] for c in result["configurations"]]
    assert len(names) == len(set(names)) == 2
    assert all(c["type"] == "dapper" for c in result["configurations"])


@needs_nvim
def test_a_broken_snippet_is_reported(tmp_path: Path) -> None:
    """The harness itself can fail: a Lua syntax error comes back as an error."""
    result = run_snippet_in_neovim(tmp_path, 'local dap = require("dap")\ndap.adapters.dapper = {')
    assert "error" in result


@needs_nvim
def test_snippet_launch_configuration_stops_at_a_breakpoint(
    tmp_path: Path, frame_eval: dict
) -> None:
    result = run_snippet_in_neovim(tmp_path, readme_snippet("lua", 'require("dap")'))
    adapter = result["adapter"]
    launch = next(c for c in result["configurations"] if c["request"] == "launch")
    program = path("bp_target.py")
    substitutions = {"${file}": program, "${workspaceFolder}": str(Path(program).parent)}
    arguments = {
        key: substitutions.get(value, value) if isinstance(value, str) else value
        for key, value in launch.items()
    }
    arguments["frameEval"] = frame_eval
    client = DapClient(
        command=[adapter["command"], *adapter["args"]], env=_python_dir_first_on_path()
    )
    try:
        target = line("bp_target.py", "after_blank")
        client.launch(breakpoints={program: [{"line": target}]}, **arguments)
        stopped = client.wait_stopped("breakpoint")
        assert client.top_frame(stopped["body"]["threadId"])["line"] == target
        client.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert client.wait_exit() == 0
        assert client.invalid == []
    finally:
        client.close()
