// Which interpreter runs the adapter: launch config, Python extension,
// dapper.python, then PATH; and both shapes of the Python extension's API.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chooseInterpreter, interpreterFromPythonApi, whichOnPath, asCommand } = require("../out/interpreter");

const noPath = () => undefined;

test("the launch configuration's python wins, as a string or a list", async () => {
  const fromExtension = async () => ["/ext/python"];
  assert.deepEqual(await chooseInterpreter({ launchPython: "/venv/bin/python", pythonExtension: fromExtension }), {
    command: ["/venv/bin/python"],
    source: "launch configuration",
  });
  const listed = await chooseInterpreter({ launchPython: ["/usr/bin/python3", "-X", "dev"], which: noPath });
  assert.deepEqual(listed.command, ["/usr/bin/python3", "-X", "dev"]);
});

test("an unresolved ${command:...} in python falls through to the other sources", async () => {
  const choice = await chooseInterpreter({
    launchPython: "${command:python.interpreterPath}",
    setting: "/from/setting",
    which: noPath,
  });
  assert.deepEqual(choice, { command: ["/from/setting"], source: "dapper.python setting" });
});

test("the Python extension's selection comes before the dapper.python setting", async () => {
  const choice = await chooseInterpreter({ pythonExtension: async () => ["/ext/python"], setting: "/from/setting" });
  assert.deepEqual(choice, { command: ["/ext/python"], source: "Python extension" });
});

test("no Python extension, or one that fails or has no selection: the setting, then PATH", async () => {
  for (const pythonExtension of [undefined, async () => undefined, async () => [], async () => { throw new Error("loading"); }]) {
    assert.equal((await chooseInterpreter({ pythonExtension, setting: " /from/setting " })).command[0], "/from/setting");
    const onPath = await chooseInterpreter({ pythonExtension, setting: "", which: (n) => (n === "python3" ? "/bin/python3" : undefined) });
    assert.deepEqual(onPath, { command: ["/bin/python3"], source: "PATH" });
  }
});

test("python on PATH when there is no python3; nothing at all gives undefined", async () => {
  const choice = await chooseInterpreter({ which: (n) => (n === "python" ? "/bin/python" : undefined) });
  assert.deepEqual(choice.command, ["/bin/python"]);
  assert.equal(await chooseInterpreter({ which: noPath }), undefined);
});

test("whichOnPath finds an executable file and skips directories and non-executables", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dapper-which-"));
  const first = path.join(dir, "a");
  const second = path.join(dir, "b");
  fs.mkdirSync(first);
  fs.mkdirSync(second);
  fs.mkdirSync(path.join(first, "python3")); // a directory named like the interpreter
  fs.writeFileSync(path.join(second, "python3"), "#!/bin/sh\n", { mode: 0o755 });
  fs.writeFileSync(path.join(first, "python"), "not executable", { mode: 0o644 });
  const envPath = [first, second].join(path.delimiter);
  assert.equal(whichOnPath("python3", envPath), path.join(second, "python3"));
  assert.equal(whichOnPath("python", envPath), undefined);
  fs.rmSync(dir, { recursive: true });
});

test("the Python extension's environments API: active environment resolved to its executable", async () => {
  const seen = [];
  const api = {
    environments: {
      getActiveEnvironmentPath(resource) {
        seen.push(resource);
        return { id: "venv", path: "/proj/.venv" };
      },
      async resolveEnvironment(env) {
        assert.equal(env.path, "/proj/.venv");
        return { executable: { uri: { fsPath: "/proj/.venv/bin/python" } } };
      },
    },
  };
  assert.deepEqual(await interpreterFromPythonApi(api, "folder-uri"), ["/proj/.venv/bin/python"]);
  assert.deepEqual(seen, ["folder-uri"]);
});

test("the Python extension's older settings API: execCommand with its arguments", async () => {
  const api = { settings: { getExecutionDetails: () => ({ execCommand: ["conda", "run", "-n", "x", "python"] }) } };
  assert.deepEqual(await interpreterFromPythonApi(api, undefined), ["conda", "run", "-n", "x", "python"]);
  assert.equal(await interpreterFromPythonApi({ settings: { getExecutionDetails: () => ({}) } }, undefined), undefined);
  assert.equal(await interpreterFromPythonApi(undefined, undefined), undefined);
});

test("asCommand accepts strings and string arrays only", () => {
  assert.deepEqual(asCommand("python3"), ["python3"]);
  assert.equal(asCommand(""), undefined);
  assert.equal(asCommand([]), undefined);
  assert.equal(asCommand([1]), undefined);
  assert.equal(asCommand({}), undefined);
});
