"""The README's nvim-dap and Emacs dape snippets drive a real session.

nvim-dap itself cannot be installed here (it is not packaged by Debian and its
repository is out of reach), so ``require("dap")`` is served by a plain table:
the README's Lua runs verbatim in a real Neovim, and the adapter command and
configurations it leaves in ``dap.adapters``/``dap.configurations`` are then
used exactly as nvim-dap would: the command is started and spoken to over
stdio, with ``${file}``/``${workspaceFolder}`` substituted. The dape
configuration is likewise evaluated by a real Emacs in batch mode (dape, from
GNU ELPA, is out of reach too) and its command started the same way.
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
EMACS = shutil.which("emacs")

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


# A stand-in dape.el that only defines the variable the snippet extends, loaded
# the way the real one is (require), after the user's configuration.
FAKE_DAPE = "(defvar dape-configs nil)\n(provide 'dape)\n"
EMACS_HARNESS = """
(load (getenv "SNIPPET") nil t)
(add-to-list 'load-path (getenv "FAKE_DAPE_DIR"))
(require 'dape)
(require 'json)
(let ((config (alist-get 'dapper dape-configs)))
  (with-temp-file (getenv "RESULT")
    (insert (json-encode
             (list (cons "command" (plist-get config 'command))
                   (cons "args" (vconcat (plist-get config 'command-args)))
                   (cons "modes" (vconcat (mapcar #'symbol-name (plist-get config 'modes))))
                   (cons "type" (plist-get config :type))
                   (cons "request" (plist-get config :request))
                   (cons "justMyCode" (eq (plist-get config :justMyCode) t)))))))
"""


def run_dape_snippet_in_emacs(tmp_path: Path, snippet: str) -> dict:
    (tmp_path / "snippet.el").write_text(snippet, encoding="utf-8")
    (tmp_path / "harness.el").write_text(EMACS_HARNESS, encoding="utf-8")
    (tmp_path / "dape.el").write_text(FAKE_DAPE, encoding="utf-8")
    env = _python_dir_first_on_path()
    env.update(
        SNIPPET=str(tmp_path / "snippet.el"),
        RESULT=str(tmp_path / "result.json"),
        FAKE_DAPE_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [EMACS, "--batch", "-Q", "-l", str(tmp_path / "harness.el")],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))


needs_emacs = pytest.mark.skipif(
    EMACS is None, reason="Emacs (Debian's emacs-nox) is not installed"
)


@needs_emacs
def test_dape_configuration_starts_the_adapter_and_stops(tmp_path: Path, frame_eval: dict) -> None:
    config = run_dape_snippet_in_emacs(tmp_path, readme_snippet("elisp", "dape-configs"))
    assert config["modes"] == ["python-mode", "python-ts-mode"]
    assert config["args"] == ["-m", "dapper.adapter"]
    assert (config["type"], config["request"], config["justMyCode"]) == ("dapper", "launch", True)
    env = _python_dir_first_on_path()
    command = shutil.which(config["command"], path=env["PATH"])
    assert command is not None
    program = path("bp_target.py")
    client = DapClient(command=[command, *config["args"]], env=env)
    try:
        target = line("bp_target.py", "after_blank")
        client.launch(
            breakpoints={program: [{"line": target}]},
            program=program,
            justMyCode=config["justMyCode"],
            frameEval=frame_eval,
        )
        stopped = client.wait_stopped("breakpoint")
        assert client.top_frame(stopped["body"]["threadId"])["line"] == target
        client.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert client.wait_exit() == 0
        assert client.invalid == []
    finally:
        client.close()


@needs_emacs
def test_a_broken_dape_configuration_fails_in_emacs(tmp_path: Path) -> None:
    with pytest.raises(AssertionError):
        run_dape_snippet_in_emacs(
            tmp_path, "(with-eval-after-load 'dape (add-to-list 'dape-configs"
        )
