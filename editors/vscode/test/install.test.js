// Is Dapper importable in an interpreter: real interpreters, real venvs.
const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { probeDapper, pipInstallCommand, run } = require("../out/install");
const { python, pythonEnv } = require("./helpers");

test("an interpreter with Dapper importable passes", async () => {
  assert.deepEqual(await probeDapper([python], pythonEnv), { ok: true });
});

test("a fresh venv without Dapper is reported as missing Dapper, naming the interpreter", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dapper-novenv-"));
  try {
    execFileSync(python, ["-m", "venv", "--without-pip", dir]);
    const venvPython = path.join(dir, "bin", "python");
    const env = { ...process.env };
    delete env.PYTHONPATH;
    const result = await probeDapper([venvPython], env);
    assert.equal(result.ok, false);
    assert.equal(result.problem, "no-dapper");
    assert.match(result.detail, new RegExp(`not installed in ${venvPython.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an interpreter that does not exist is reported as such", async () => {
  const result = await probeDapper(["/nonexistent/bin/python3"]);
  assert.deepEqual(result, { ok: false, problem: "no-interpreter", detail: "/nonexistent/bin/python3 was not found" });
});

test("an interpreter that fails for another reason shows its own error", async () => {
  const result = await probeDapper([python, "-X", "no-such-option=", "-c", "raise SystemExit('broken interpreter')"]);
  assert.equal(result.ok, false);
  assert.equal(result.problem, "error");
});

test("pip install targets the chosen interpreter, the package name by default or a given path", () => {
  assert.deepEqual(pipInstallCommand(["/v/bin/python"], ""), ["/v/bin/python", "-m", "pip", "install", "dapper-debugger"]);
  assert.deepEqual(pipInstallCommand(["py", "-3.12"], " /src/dapper "), ["py", "-3.12", "-m", "pip", "install", "/src/dapper"]);
});

test("run rejects with the command's last output lines", async () => {
  await assert.rejects(run([python, "-c", "import sys; print('boom'); sys.exit(2)"]), /failed:\nboom/);
  assert.equal((await run([python, "-c", "print('fine')"])).trim(), "fine");
});
